//! Request-level policies applied before any handler: rate limiting per key or client
//! address (the `governor` crate, GCRA), and keys for reads when the server is configured
//! to require them.

use std::num::NonZeroU32;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::auth::authorize;
use super::problem::{ApiError, ErrorCode};
use crate::domain::Scope;
use crate::service::Service;

/// How many requests a client may make: `per_second` on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// The shared limiter, keyed by the key's name for requests whose bearer token
/// authenticates and by the peer address otherwise.
pub struct Limiter(DefaultKeyedRateLimiter<String>);

impl Limiter {
    /// A limiter enforcing `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Limiter(DefaultKeyedRateLimiter::keyed(
            Quota::per_second(limit.per_second).allow_burst(limit.burst),
        ))
    }

    /// Forgets clients whose buckets are full again (call now and then to bound memory).
    pub fn forget_idle(&self) {
        self.0.retain_recent();
    }
}

/// Whether reads need a key with `read` scope (`--require-read-key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadPolicy {
    pub require_key: bool,
}

/// The bucket of a request: `key:{name}` when it carries a token that authenticates (so a
/// made-up token cannot buy a fresh bucket, nor drain a real key's), else
/// `ip:{peer address}`.
async fn client_key(req: &ServiceRequest) -> String {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    if let (Some(token), Some(service)) = (token, req.app_data::<web::Data<Service>>())
        && let Ok(Ok(principal)) = service.authenticate(&token).await
    {
        return format!("key:{}", principal.name);
    }
    format!(
        "ip:{}",
        req.peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
    )
}

/// Answers 429 with `Retry-After` once a client's bucket is empty.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<Limiter>>().cloned();
    if let Some(limiter) = limiter
        && let Err(not_until) = limiter.0.check_key(&client_key(&req).await)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let err = ApiError::new(
            ErrorCode::RateLimited,
            format!("too many requests; retry in {seconds} s"),
        )
        .header(header::RETRY_AFTER, seconds.max(1).to_string())
        .at(req.uri().to_string());
        return Ok(req
            .into_response(err.error_response())
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Paths that stay public even when reads need a key.
fn always_public(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/openapi.json" | "/docs") || path.starts_with("/docs/")
}

/// Requires a `read` key for reads when [`ReadPolicy::require_key`] is set.
pub async fn read_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let required = req
        .app_data::<web::Data<ReadPolicy>>()
        .is_some_and(|p| p.require_key);
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    if required && is_read && !always_public(req.path()) {
        let http_request = req.request().clone();
        if let Err(err) = authorize(&http_request, Scope::Read).await {
            let err = err.at(req.uri().to_string());
            return Ok(req
                .into_response(err.error_response())
                .map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Answers `HEAD` like `GET` (RFC 9110 §9.3.2): the request is routed as a `GET`, and the
/// connection, which saw a `HEAD`, sends the headers without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
