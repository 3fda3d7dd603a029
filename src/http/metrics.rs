//! `GET /metrics`: Prometheus text exposition (format 0.0.4) of request counts and
//! latencies per route and status, searches and imports by outcome, and how far the search
//! index is behind the change log.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use super::problem::{ApiError, ErrorCode, located};
use super::query::Query;
use crate::service::Service;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";

/// Request latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The server's metrics, registered in their own registry.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    searches: IntCounterVec,
    imports: IntCounterVec,
    index_lag: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The status class of an outcome label: `ok` for 2xx and 3xx, else `client_error` or
/// `server_error`.
fn outcome(status: u16) -> &'static str {
    match status {
        500.. => "server_error",
        400..=499 => "client_error",
        _ => "ok",
    }
}

impl Metrics {
    /// Fresh metrics, all zero.
    ///
    /// # Panics
    /// Never in practice: the metric names and labels are fixed and valid.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "lore_http_requests_total",
                "HTTP requests answered, by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "lore_http_request_duration_seconds",
                "Time from a request's arrival to its response headers, by method, route pattern and status",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let searches = IntCounterVec::new(
            Opts::new(
                "lore_searches_total",
                "Searches (GET /search), by outcome: ok, client_error, server_error",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let imports = IntCounterVec::new(
            Opts::new(
                "lore_imports_total",
                "Imports posted to /imports, by outcome: ok, client_error, server_error",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let index_lag = IntGauge::new(
            "lore_search_index_lag_changes",
            "Change-log entries the search index has not applied yet (at the last scrape)",
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(searches.clone()),
            Box::new(imports.clone()),
            Box::new(index_lag.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Metrics {
            registry,
            requests,
            latency,
            searches,
            imports,
            index_lag,
        }
    }

    /// Records one answered request. `route` is the matched route pattern
    /// (`/resources/{slug}`), never the raw path, so the label set stays bounded.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status_label = status.to_string();
        let labels = [method, route, status_label.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
        match (method, route) {
            ("GET", "/search") => self.searches.with_label_values(&[outcome(status)]).inc(),
            ("POST", "/imports") => self.imports.with_label_values(&[outcome(status)]).inc(),
            _ => {}
        }
    }

    /// The metrics in Prometheus text format.
    fn render(&self) -> Result<Vec<u8>, prometheus::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Prometheus metrics of this server (text format 0.0.4).
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    service: web::Data<Service>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        if let Some(index) = service.search_index() {
            let store_seq = service.last_change_seq().await?;
            metrics
                .index_lag
                .set((store_seq - index.applied_seq()).max(0));
        }
        let body = metrics.render().map_err(|err| {
            tracing::error!(error = %err, "metrics cannot be encoded");
            ApiError::new(ErrorCode::Internal, "the metrics cannot be encoded")
        })?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, TextEncoder::new().format_type()))
            .body(body))
    })
    .await
}
