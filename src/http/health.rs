//! Liveness and readiness probes.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::problem::{ApiError, Problem, located};
use super::query::Query;
use super::views::StatusView;
use crate::service::Service;

/// Liveness: the process answers HTTP.
#[utoipa::path(
    operation_id = "health",
    tag = "health",
    responses(
        (status = 200, description = "The server is up", body = StatusView),
        (status = 400, description = "Unknown query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health")]
pub async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        Ok(HttpResponse::Ok().json(StatusView {
            status: "ok".into(),
        }))
    })
    .await
}

/// Readiness: the store answers.
#[utoipa::path(
    operation_id = "ready",
    tag = "health",
    responses(
        (status = 200, description = "The store answers", body = StatusView),
        (status = 400, description = "Unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(
    req: HttpRequest,
    service: web::Data<Service>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        service.ready().await?;
        Ok(HttpResponse::Ok().json(StatusView {
            status: "ready".into(),
        }))
    })
    .await
}
