//! Request-level policies applied before any handler: rate limiting per key or client
//! address (the `governor` crate, GCRA, with `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` headers after draft-ietf-httpapi-ratelimit-headers), and keys for
//! reads when the server is configured to require them.

use std::num::NonZeroU32;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota};

use super::auth::authorize;
use super::observe::{ClientIp, KeyName};
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
/// authenticates and by the client address otherwise.
pub struct Limiter {
    buckets: DefaultKeyedRateLimiter<String, StateInformationMiddleware>,
    limit: RateLimit,
}

impl Limiter {
    /// A limiter enforcing `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Limiter {
            buckets: DefaultKeyedRateLimiter::keyed(
                Quota::per_second(limit.per_second).allow_burst(limit.burst),
            )
            .with_middleware::<StateInformationMiddleware>(),
            limit,
        }
    }

    /// Forgets clients whose buckets are full again (call now and then to bound memory).
    pub fn forget_idle(&self) {
        self.buckets.retain_recent();
    }

    /// Seconds until a bucket holding `remaining` requests is full again (rounded up).
    fn seconds_to_full(&self, remaining: u32) -> u64 {
        let missing = u64::from(self.limit.burst.get().saturating_sub(remaining));
        missing.div_ceil(u64::from(self.limit.per_second.get()))
    }
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The rate-limit headers of an answer: the bucket's size, what is left in it, and the
/// seconds until it is full again.
fn ratelimit_headers(limit: u32, remaining: u32, reset: u64) -> [(HeaderName, HeaderValue); 3] {
    [
        (RATELIMIT_LIMIT, HeaderValue::from(limit)),
        (RATELIMIT_REMAINING, HeaderValue::from(remaining)),
        (RATELIMIT_RESET, HeaderValue::from(reset)),
    ]
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
        req.extensions_mut().insert(KeyName(principal.name.clone()));
        return format!("key:{}", principal.name);
    }
    let client = match req.extensions().get::<ClientIp>() {
        Some(ClientIp(ip)) => *ip,
        None => req.peer_addr().map(|a| a.ip()),
    };
    format!(
        "ip:{}",
        client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    )
}

/// Probes that orchestrators call on a schedule; never rate-limited.
fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// Answers 429 with `Retry-After` once a client's bucket is empty; every limited answer
/// carries the `RateLimit-*` headers.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limiter = req
        .app_data::<web::Data<Limiter>>()
        .cloned()
        .filter(|_| !is_probe(req.path()));
    let Some(limiter) = limiter else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let limit = limiter.limit.burst.get();
    match limiter.buckets.check_key(&client_key(&req).await) {
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            let err = ApiError::new(
                ErrorCode::RateLimited,
                format!("too many requests; retry in {seconds} s"),
            )
            .header(header::RETRY_AFTER, seconds.to_string())
            .at(req.uri().to_string());
            let mut response = req.into_response(err.error_response());
            let reset = seconds.max(limiter.seconds_to_full(0));
            for (name, value) in ratelimit_headers(limit, 0, reset) {
                response.headers_mut().insert(name, value);
            }
            Ok(response.map_into_right_body())
        }
        Ok(state) => {
            let remaining = state.remaining_burst_capacity();
            let mut response = next.call(req).await?;
            for (name, value) in
                ratelimit_headers(limit, remaining, limiter.seconds_to_full(remaining))
            {
                response.headers_mut().insert(name, value);
            }
            Ok(response.map_into_left_body())
        }
    }
}

/// Paths that stay public even when reads need a key.
fn always_public(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/openapi.json" | "/docs")
        || path.starts_with("/docs/")
        || path.starts_with("/assets/")
}

/// The answer to a request that ran out of time: 503 `query_timeout`, `Retry-After: 1`.
pub(crate) fn query_timeout_error() -> ApiError {
    ApiError::new(
        ErrorCode::QueryTimeout,
        "the request took longer than this server's time limit; narrow the filters or try again shortly",
    )
    .header(header::RETRY_AFTER, "1")
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

/// Longest URL (path and query string) the server reads: 16 KiB, twice the length RFC
/// 9110 §4.1 recommends every party support (long search texts fit).
pub const MAX_URL: usize = 16 * 1024;

/// Refuses a URL longer than [`MAX_URL`] with 414 before any routing or parsing. (The
/// HTTP/1 codec refuses some requests before they reach the application, without a body:
/// a URL over 65,534 bytes, the most `http::Uri` holds, with 400, and a request head over
/// actix-http's 128 KiB buffer with 431.)
pub async fn url_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let length = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_URL {
        let err = ApiError::new(
            ErrorCode::UriTooLong,
            format!("the URL is {length} bytes long; the server reads at most {MAX_URL}"),
        )
        .at(req.path().chars().take(200).collect::<String>());
        return Ok(req
            .into_response(err.error_response())
            .map_into_right_body());
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
