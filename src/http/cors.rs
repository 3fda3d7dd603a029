//! Cross-origin requests (the Fetch standard's CORS protocol, by actix-cors): pages on any
//! origin may read; only the origins listed in `--cors-origin` (and lore's own) may write.
//! A preflight is answered `204 No Content`; one for a write from an unlisted origin, and
//! the write itself, get `403` with problem details.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use super::edge::Edge;
use super::problem::{ApiError, ErrorCode};

/// Seconds a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: usize = 3600;

/// The origins allowed to write (`--cors-origin`, `LORE_CORS_ORIGINS`), serialised as
/// browsers send them (`https://app.example.org`).
#[derive(Debug, Clone, Default)]
pub struct WriteOrigins(pub Vec<String>);

/// Headers a page on another origin may read from an answer.
const EXPOSED: &[&str] = &[
    "etag",
    "link",
    "location",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-request-id",
];

/// The CORS layer: every method the API has, the request headers it reads, and the
/// response headers a client needs (`ETag` for `If-Match`, `Link` for paging, `Location`
/// after a create, the rate-limit headers). Which origin may do what is decided by
/// [`origin_policy`], which runs first.
pub fn layer() -> Cors {
    Cors::default()
        .allow_any_origin()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers(EXPOSED.iter().map(|h| HeaderName::from_static(h)))
        .max_age(PREFLIGHT_MAX_AGE)
}

/// Whether `method` only reads.
fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

/// Refuses writes (and their preflights) from origins that are neither listed nor lore's
/// own, and answers allowed preflights with `204`.
pub async fn origin_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let requested = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Method::from_bytes(v.as_bytes()).ok());
    let preflight = req.method() == Method::OPTIONS && origin.is_some() && requested.is_some();
    let method = if preflight {
        requested.unwrap_or(Method::OPTIONS)
    } else {
        req.method().clone()
    };
    if let Some(origin) = &origin
        && !is_read(&method)
        && (preflight || method != Method::OPTIONS)
    {
        let listed = req
            .app_data::<web::Data<WriteOrigins>>()
            .is_some_and(|allowed| allowed.0.iter().any(|o| o.eq_ignore_ascii_case(origin)));
        let own = req
            .app_data::<web::Data<Edge>>()
            .map(|edge| edge.own_origin(req.request()))
            .is_some_and(|own| own.eq_ignore_ascii_case(origin));
        if !listed && !own {
            let err = ApiError::new(
                ErrorCode::OriginNotAllowed,
                format!(
                    "pages on {origin} may read but not {method}; the server lists the origins that may write (--cors-origin)"
                ),
            )
            .at(req.uri().to_string());
            return Ok(req
                .into_response(err.error_response())
                .map_into_right_body());
        }
    }
    let mut response = next.call(req).await?;
    if preflight && response.status() == StatusCode::OK {
        *response.response_mut().status_mut() = StatusCode::NO_CONTENT;
    }
    Ok(response.map_into_left_body())
}
