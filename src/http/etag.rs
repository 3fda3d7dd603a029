//! Entity tags (RFC 9110 §8.8.3) for JSON representations, and conditional GET.
//!
//! A tag is strong: the first 128 bits of the SHA-256 of the exact body bytes, so it changes
//! whenever any byte of the representation does (a new link included) and two equal bodies
//! share a tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The strong entity tag of a body, quoted: `"q1w2e3..."`.
pub fn tag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    )
}

/// The strong entity tag of a record's whole JSON representation: a function of the
/// record (its type, internal id and creation time, in whole seconds: a record created
/// again in a later second under an id SQLite reused has other tags) and its `version`
/// alone. The same version has the
/// same tag however the server was addressed (`Host`, `Forwarded`), and a write's tag
/// comes from the row it wrote. Every change to what the representation shows moves the
/// version on: the record's data, its links, and the title, name or category of a linked
/// record.
pub fn record_tag(
    entity_type: crate::domain::EntityType,
    id: i64,
    created_at: &str,
    version: i64,
) -> String {
    tag_of(format!("{}/{id}/{created_at}/v{version}", entity_type.as_str()).as_bytes())
}

/// Whether an `If-None-Match` or `If-Match` header value lists `tag` (or is `*`).
/// Weak tags (`W/"..."`) never match strongly, as RFC 9110 §13.1.1 requires for
/// `If-Match`; for `If-None-Match` the weak comparison is used.
pub fn header_lists(value: &str, tag: &str, weak_comparison: bool) -> bool {
    value.split(',').map(str::trim).any(|candidate| {
        if candidate == "*" {
            return true;
        }
        match candidate.strip_prefix("W/") {
            Some(weak) => weak_comparison && weak == tag,
            None => candidate == tag,
        }
    })
}

/// A `200 OK` JSON response with an `ETag`, or `304 Not Modified` when the request's
/// `If-None-Match` lists the tag.
pub fn json_with_etag<T: Serialize>(req: &HttpRequest, value: &T) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_default();
    with_etag(req, HeaderValue::from_static("application/json"), body)
}

/// As [`json_with_etag`], with a given `tag` (see [`record_tag`]) instead of the body's.
pub fn json_with_tag<T: Serialize>(req: &HttpRequest, value: &T, tag: String) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_default();
    tagged(req, HeaderValue::from_static("application/json"), body, tag)
}

/// As [`json_with_etag`], for a body already written in `content_type`.
pub fn text_with_etag(req: &HttpRequest, content_type: HeaderValue, body: String) -> HttpResponse {
    with_etag(req, content_type, body.into_bytes())
}

fn with_etag(req: &HttpRequest, content_type: HeaderValue, body: Vec<u8>) -> HttpResponse {
    let tag = tag_of(&body);
    tagged(req, content_type, body, tag)
}

fn tagged(
    req: &HttpRequest,
    content_type: HeaderValue,
    body: Vec<u8>,
    tag: String,
) -> HttpResponse {
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| header_lists(v, &tag, true));
    let tag_header =
        HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    if not_modified {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag_header))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag_header))
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

/// Checks `If-Match` against the current representation's tag before a change
/// (RFC 9110 §13.1.1, strong comparison; RFC 6585 §3 for 428).
///
/// # Errors
/// `precondition_required` (428) without `If-Match`; `precondition_failed` (412) when it
/// does not list `current`.
pub fn check_if_match(req: &HttpRequest, current: &str) -> Result<(), super::problem::ApiError> {
    use super::problem::{ApiError, ErrorCode};
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Err(ApiError::new(
            ErrorCode::PreconditionRequired,
            "send `If-Match` with the ETag of the representation you read, so a concurrent change is not lost",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    if header_lists(value, current, false) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::PreconditionFailed,
            format!("the record has changed since it was read; its ETag is now {current}"),
        )
        .header(header::ETAG, current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bodies_share_a_tag_and_any_change_moves_it() {
        assert_eq!(tag_of(b"{\"a\":1}"), tag_of(b"{\"a\":1}"));
        assert_ne!(tag_of(b"{\"a\":1}"), tag_of(b"{\"a\":2}"));
        assert!(tag_of(b"x").starts_with('"') && tag_of(b"x").ends_with('"'));
    }

    #[test]
    fn header_lists_follow_rfc_9110_comparison() {
        let tag = tag_of(b"x");
        assert!(header_lists(&format!("\"other\", {tag}"), &tag, false));
        assert!(header_lists("*", &tag, false));
        assert!(
            !header_lists(&format!("W/{tag}"), &tag, false),
            "If-Match compares strongly"
        );
        assert!(
            header_lists(&format!("W/{tag}"), &tag, true),
            "If-None-Match compares weakly"
        );
        assert!(!header_lists("\"nope\"", &tag, true));
    }
}
