//! Paged list responses: the `next` URL in the body and RFC 8288 `Link` relations
//! `first`, `prev` and `next` in the header.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;

use super::etag::json_with_etag;
use super::query::encode_cursor;
use super::views::{ListView, Urls};
use crate::domain::{Cursor, Page, Position, Sort};

/// The URL of this request with `cursor` replaced (or removed for `None`).
fn page_url(req: &HttpRequest, urls: &Urls, cursor: Option<Cursor>, sort: Option<Sort>) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).unwrap_or_default();
    pairs.retain(|(name, _)| name != "cursor");
    if let Some(cursor) = cursor {
        pairs.push(("cursor".into(), encode_cursor(&cursor, sort)));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let path = req.path();
    if query.is_empty() {
        urls.at(path)
    } else {
        urls.at(&format!("{path}?{query}"))
    }
}

/// The URLs of the pages before and after one page in `sort` order, whose first and last
/// items are at `first` and `last`.
pub fn neighbours(
    req: &HttpRequest,
    urls: &Urls,
    page: &Page<impl Sized>,
    (first, last): (Option<Position>, Option<Position>),
    sort: Option<Sort>,
) -> (Option<String>, Option<String>) {
    let prev = match (page.has_before, first) {
        (true, Some(first)) => Some(page_url(req, urls, Some(Cursor::Before(first)), sort)),
        _ => None,
    };
    let next = match (page.has_after, last) {
        (true, Some(last)) => Some(page_url(req, urls, Some(Cursor::After(last)), sort)),
        _ => None,
    };
    (prev, next)
}

/// A `200 OK` list response (or `304 Not Modified`, see [`json_with_etag`]) for one page
/// in `sort` order, whose first and last items are at `first` and `last`.
pub fn list_response<T: Serialize>(
    req: &HttpRequest,
    urls: &Urls,
    page: &Page<impl Sized>,
    ends: (Option<Position>, Option<Position>),
    sort: Option<Sort>,
    items: Vec<T>,
) -> HttpResponse {
    let (prev, next) = neighbours(req, urls, page, ends, sort);
    let first = page_url(req, urls, None, sort);
    let mut links = vec![format!("<{first}>; rel=\"first\"")];
    if let Some(prev) = &prev {
        links.push(format!("<{prev}>; rel=\"prev\""));
    }
    if let Some(next) = &next {
        links.push(format!("<{next}>; rel=\"next\""));
    }
    let mut response = json_with_etag(
        req,
        &ListView {
            items,
            total: page.total,
            next,
        },
    );
    if let Ok(value) = header::HeaderValue::from_str(&links.join(", ")) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The places of the first and last of `items` (the ends of a page), for its cursors.
pub fn ends<T>(
    items: &[T],
    position: impl Fn(&T) -> Position,
) -> (Option<Position>, Option<Position>) {
    (items.first().map(&position), items.last().map(&position))
}
