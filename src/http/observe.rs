//! Observability of every request: an `X-Request-Id` (the client's when it sends a
//! usable one, else a fresh UUID), one access-log line (method, route, status, duration,
//! request id, key name, client address), and the request metrics of [`Metrics`].

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

use super::edge::Edge;
use super::metrics::Metrics;

/// The request id header (a de facto standard; Heroku, nginx and most tracers use it).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a client.
const MAX_REQUEST_ID: usize = 128;

/// The request's id, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The name of the key that authenticated the request, in its extensions (set by
/// authentication), for the access log.
#[derive(Debug, Clone)]
pub struct KeyName(pub String);

/// The client's address as [`Edge::client_ip`] found it, in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// The client's id when it is 1 to 128 visible ASCII characters (so it is safe in a log
/// line and a header), else a fresh UUID v4.
fn request_id(given: Option<&HeaderValue>) -> String {
    given
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| {
            !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.bytes().all(|b| b.is_ascii_graphic())
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Gives the request its id, runs it inside a `request` span carrying the id (so every
/// log line it causes names it), then sets `X-Request-Id`, records the metrics and writes
/// the access-log line.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(req.headers().get(REQUEST_ID));
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let client = match req.app_data::<web::Data<Edge>>() {
        Some(edge) => edge.client_ip(req.peer_addr().map(|a| a.ip()), req.headers()),
        None => req.peer_addr().map(|a| a.ip()),
    };
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(ClientIp(client));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.call(req).instrument(span).await?;

    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    let request = response.request();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let key = request.extensions().get::<KeyName>().map(|k| k.0.clone());
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, seconds);
    }
    tracing::info!(
        target: "lore::access",
        method,
        route,
        path,
        status,
        duration_ms = (seconds * 1000.0 * 1000.0).round() / 1000.0,
        request_id = %id,
        key = key.as_deref().unwrap_or("-"),
        client = %client.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_client_ids_are_kept_and_others_replaced() {
        let given = HeaderValue::from_static("abc-123");
        assert_eq!(request_id(Some(&given)), "abc-123");
        let spaced = HeaderValue::from_static("a b");
        assert_ne!(request_id(Some(&spaced)), "a b");
        let long = HeaderValue::from_str(&"x".repeat(129)).unwrap();
        assert_eq!(request_id(Some(&long)).len(), 36, "a UUID instead");
        assert_eq!(request_id(None).len(), 36);
    }
}
