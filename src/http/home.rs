//! `GET /`: the catalogue at a glance, with links to browse it by level, kind and
//! category, and to search it. A browser gets the landing page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::etag::json_with_etag;
use super::html;
use super::negotiate::{Representation, json_or_html, varies};
use super::problem::{ApiError, Problem, located};
use super::query::Query;
use super::views::Urls;
use crate::service::{Overview, Service};

/// Query parameters of `GET /`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OverviewQuery {
    /// `json`: the JSON representation, also for clients whose `Accept` prefers HTML.
    #[param(pattern = "^json$")]
    format: Option<String>,
}

/// How many records have one value of a field, and the list of them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountView {
    /// The value (`beginner`, `paper`, `metric`).
    pub value: String,
    pub count: i64,
    /// The list of the records with this value.
    pub href: String,
}

/// The catalogue at a glance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverviewView {
    /// This document's URL.
    pub href: String,
    /// Resources in the catalogue.
    pub resources: i64,
    /// Concepts in the catalogue.
    pub concepts: i64,
    /// Resources per level (levels no resource has are left out).
    pub levels: Vec<CountView>,
    /// Resources per kind.
    pub kinds: Vec<CountView>,
    /// Concepts per category.
    pub categories: Vec<CountView>,
    /// The search URL; append the text to search for.
    #[schema(example = "https://lore.example.org/search?q=")]
    pub search: String,
}

impl OverviewView {
    fn new(counts: &Overview, urls: &Urls) -> Self {
        let count = |path: &str, name: &str, value: &str, n: i64| CountView {
            value: value.to_owned(),
            count: n,
            href: urls.at(&format!("{path}?{name}={value}")),
        };
        OverviewView {
            href: urls.at("/"),
            resources: counts.resources,
            concepts: counts.concepts,
            levels: counts
                .levels
                .iter()
                .map(|(l, n)| count("/resources", "level", l.as_str(), *n))
                .collect(),
            kinds: counts
                .kinds
                .iter()
                .map(|(k, n)| count("/resources", "kind", k.as_str(), *n))
                .collect(),
            categories: counts
                .categories
                .iter()
                .map(|(c, n)| count("/concepts", "category", c.as_str(), *n))
                .collect(),
            search: urls.at("/search?q="),
        }
    }
}

/// The catalogue at a glance: counts per level, kind and category, with the URLs that
/// list each.
#[utoipa::path(
    operation_id = "overview",
    tag = "overview",
    params(OverviewQuery),
    responses(
        (status = 200, description = "The counts and where to browse", body = OverviewView,
            headers(("ETag" = String, description = "Strong entity tag of the body"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/")]
pub async fn overview(
    req: HttpRequest,
    service: web::Data<Service>,
) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let query = Query::parse(req.query_string(), &["format"])?;
        let representation = json_or_html(&req, &query)?;
        let counts = service.overview().await?;
        let urls = Urls::from_request(&req);
        if representation == Representation::Html {
            let page = html::home_page(&req, &urls, &counts);
            return Ok(html::respond(StatusCode::OK, &page));
        }
        Ok(varies(json_with_etag(
            &req,
            &OverviewView::new(&counts, &urls),
        )))
    })
    .await;
    html::or_problem(&req, answer)
}
