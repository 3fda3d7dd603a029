//! `/changes`: the change log as a feed, so other apps can mirror the knowledge base.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::etag::json_with_etag;
use super::problem::{ApiError, Problem, located};
use super::query::Query;
use super::views::Urls;
use crate::domain::EntityType;
use crate::service::Service;
use crate::store::ChangeOp;

/// Default number of changes per page.
const DEFAULT_LIMIT: u32 = 100;
/// Largest number of changes per page.
const MAX_LIMIT: u32 = 1000;

/// Query parameters of `GET /changes`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListChangesQuery {
    /// Return changes after this sequence number (0: from the start).
    #[param(minimum = 0, default = 0)]
    since: Option<i64>,
    /// Page size.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// One write to the knowledge base.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// Position in the log; strictly increasing.
    pub seq: i64,
    /// What was written.
    pub entity: EntityType,
    /// The record's slug (kept after a deletion).
    pub slug: String,
    pub op: ChangeOp,
    /// RFC 3339, UTC.
    pub at: String,
    /// Name of the API key that made the change; absent for imports from the command line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The record's URL (gone after a deletion).
    pub href: String,
}

/// A page of the change log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeed {
    /// Changes in `seq` order.
    pub items: Vec<ChangeView>,
    /// The URL to poll for what comes next (`since` = the last `seq` seen).
    pub next: String,
}

/// Lists changes after `since`, in order, deletions included.
#[utoipa::path(
    operation_id = "list_changes",
    tag = "changes",
    params(ListChangesQuery),
    responses(
        (status = 200, description = "Changes after `since`", body = ChangeFeed,
            headers(("ETag" = String, description = "Strong entity tag of the body"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list(req: HttpRequest, service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        let query = Query::parse(req.query_string(), &["since", "limit"])?;
        let since = query.number("since", 0, i64::MAX, 0)?;
        let limit = query.number("limit", 1, i64::from(MAX_LIMIT), i64::from(DEFAULT_LIMIT))?;
        let limit = u32::try_from(limit).unwrap_or(DEFAULT_LIMIT);
        let changes = service.changes_since(since, limit).await?;
        let urls = Urls::from_request(&req);
        let last = changes.last().map_or(since, |c| c.seq);
        let items = changes
            .into_iter()
            .map(|c| ChangeView {
                href: urls.record(c.entity, &c.slug),
                seq: c.seq,
                entity: c.entity,
                slug: c.slug,
                op: c.op,
                at: c.at,
                key: c.actor,
            })
            .collect();
        let next = urls.at(&format!("/changes?since={last}&limit={limit}"));
        Ok(json_with_etag(&req, &ChangeFeed { items, next }))
    })
    .await
}
