//! `Cache-Control` (RFC 9111) on successful reads that did not set their own: static
//! assets (Swagger UI, the pages' style sheet) are kept for a day; probes and metrics are
//! never stored; the OpenAPI document for five minutes; every other read may be stored but
//! is revalidated with its `ETag` each time (`no-cache`), so a change shows at once.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The `Cache-Control` of a successful read of `path`.
pub fn policy(path: &str) -> &'static str {
    if path.starts_with("/docs/") || path.starts_with("/assets/") {
        "public, max-age=86400"
    } else if matches!(path, "/health" | "/ready" | "/metrics") {
        "no-store"
    } else if path == super::OPENAPI_PATH {
        "public, max-age=300"
    } else {
        "no-cache"
    }
}

/// Adds [`policy`]'s `Cache-Control` to 2xx and 304 answers to `GET` and `HEAD`.
pub async fn cache_control(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let status = response.status();
    let cacheable = status.is_success() || status == actix_web::http::StatusCode::NOT_MODIFIED;
    if read && cacheable && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(policy(&path)),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_kept_probes_never_and_data_revalidated() {
        assert_eq!(policy("/docs/swagger-ui.css"), "public, max-age=86400");
        assert_eq!(policy("/assets/lore.css"), "public, max-age=86400");
        assert_eq!(policy("/ready"), "no-store");
        assert_eq!(policy("/resources/x"), "no-cache");
    }
}
