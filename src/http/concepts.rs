//! `/concepts`: ideas such as metrics, layer types and tasks, with their links.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use utoipa::IntoParams;

use super::etag::{json_with_etag, json_with_tag, record_tag};
use super::fields::{LinkDetail, Selection, concept_fields};
use super::html;
use super::negotiate::{Representation, json_or_html, varies};
use super::paging::{ends, list_response, neighbours};
use super::params::{ConceptField, ConceptSelection, ConceptSort};
use super::problem::{ApiError, ErrorCode, Problem, located};
use super::query::Query;
use super::records;
use super::views::{ConceptView, ListView, ResourceView, Urls};
use crate::domain::{Category, ConceptFilter, EntityType, Position, ResourceFilter, Slug, Sort};
use crate::service::Service;
use crate::store::PageRequest;

/// How many of a concept's resources its page lists.
const PAGE_RESOURCES: u32 = 200;

/// Query parameters of `GET /concepts`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListConceptsQuery {
    /// Categories to keep; repeated or comma-separated values are alternatives.
    #[param(style = Form, explode, inline)]
    category: Option<Vec<Category>>,
    /// The order: import order by default; a key (`title`, the name letter by letter,
    /// `created_at`, `updated_at`), `-` in front for descending; ties are broken by
    /// record id. Cursors keep the order.
    #[param(inline, value_type = Option<ConceptSort>)]
    sort: Option<String>,
    /// Members of each concept to return, repeated or comma-separated.
    #[param(style = Form, explode, inline, value_type = Option<Vec<ConceptField>>)]
    fields: Option<Vec<String>>,
    /// Embedded links: `full` (default), `ids` (relation, direction and slug) or `none`.
    #[param(inline)]
    links: Option<LinkDetail>,
    /// Page size.
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: Option<u32>,
    /// Where the page starts: the `cursor` of a `next` or `prev` link.
    #[param(pattern = r"^[ab][0-9a-z]{1,12}(\.[0-9a-z]{0,64})?$")]
    cursor: Option<String>,
    /// `json`: the JSON representation, also for clients whose `Accept` prefers HTML.
    #[param(pattern = "^json$")]
    format: Option<String>,
}

/// Query parameters of `GET /concepts/{slug}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct GetConceptQuery {
    /// Members of the concept to return, repeated or comma-separated.
    #[param(style = Form, explode, inline, value_type = Option<Vec<ConceptField>>)]
    fields: Option<Vec<String>>,
    /// Embedded links: `full` (default), `ids` (relation, direction and slug) or `none`.
    #[param(inline)]
    links: Option<LinkDetail>,
    /// `json`: the JSON representation, also for clients whose `Accept` prefers HTML.
    #[param(pattern = "^json$")]
    format: Option<String>,
}

const LIST_PARAMETERS: &[&str] = &[
    "category", "sort", "fields", "links", "limit", "cursor", "format",
];

const GET_PARAMETERS: &[&str] = &["fields", "links", "format"];

/// Lists concepts, filtered by category and paged in import order or `sort` order.
#[utoipa::path(
    operation_id = "list_concepts",
    tag = "concepts",
    params(ListConceptsQuery),
    responses(
        (status = 200, description = "One page of concepts", body = ListView<ConceptSelection>,
            headers(
                ("Link" = String, description = "RFC 8288 links: `first`, and `prev`/`next` when they exist"),
                ("ETag" = String, description = "Strong entity tag of the body"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/concepts")]
pub async fn list(req: HttpRequest, service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let query = Query::parse(req.query_string(), LIST_PARAMETERS)?;
        let representation = json_or_html(&req, &query)?;
        let filter = ConceptFilter {
            categories: query.terms("category", Category::parse)?,
        };
        let sort = query.sort(Sort::CONCEPT_NAMES)?;
        let selection = Selection::parse(&query, concept_fields(), true)?;
        let page_request = query.sorted_page(sort)?;
        let page = if selection.needs_links() {
            service.list_concepts(&filter, &page_request).await?
        } else {
            service
                .list_concepts_without_links(&filter, &page_request)
                .await?
        };
        let urls = Urls::from_request(&req);
        let positions = ends(&page.items, |item| {
            Position::of_concept(sort, &item.record.concept, item.record.id)
        });
        let views: Vec<ConceptView> = page
            .items
            .iter()
            .map(|item| ConceptView::new(item, &urls))
            .collect();
        if representation == Representation::Html {
            let (prev, next) = neighbours(&req, &urls, &page, positions, sort);
            let paging = html::Paging { prev, next };
            let page = html::concepts_page(&req, &urls, &views, page.total, paging);
            return Ok(html::respond(StatusCode::OK, &page));
        }
        let items = views.iter().map(|view| selection.select(view)).collect();
        Ok(varies(list_response(
            &req, &urls, &page, positions, sort, items,
        )))
    })
    .await;
    html::or_problem(&req, answer)
}

/// Gets one concept with its links in both directions.
#[utoipa::path(
    operation_id = "get_concept",
    tag = "concepts",
    params(
        ("slug" = String, Path, description = "The concept's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
        GetConceptQuery,
    ),
    responses(
        (status = 200, description = "The concept", body = ConceptSelection,
            headers(("ETag" = String, description = "Strong entity tag of the body"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown query parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No concept has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/concepts/{slug}")]
pub async fn get(
    req: HttpRequest,
    service: web::Data<Service>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let query = Query::parse(req.query_string(), GET_PARAMETERS)?;
        let representation = json_or_html(&req, &query)?;
        let selection = Selection::parse(&query, concept_fields(), true)?;
        let slug = Slug::parse(&slug).map_err(|_| {
            ApiError::new(
                ErrorCode::ConceptNotFound,
                format!("no concept has the slug `{slug}`"),
            )
        })?;
        let item = service.get_concept(&slug).await?;
        let urls = Urls::from_request(&req);
        let view = ConceptView::new(&item, &urls);
        if representation == Representation::Html {
            // Its resources with their levels: those linked from it, as `?topic=` lists them.
            let filter = ResourceFilter {
                topics: vec![view.slug.clone()],
                ..ResourceFilter::default()
            };
            let page = PageRequest {
                limit: PAGE_RESOURCES,
                cursor: None,
                sort: None,
            };
            let resources = service.list_resources(&filter, &page).await?;
            let views: Vec<ResourceView> = resources
                .items
                .iter()
                .map(|r| ResourceView::new(r, &urls))
                .collect();
            let page = html::concept_page(&req, &urls, &view, &views, resources.total);
            return Ok(html::respond(StatusCode::OK, &page));
        }
        Ok(varies(if selection.is_whole() {
            let tag = record_tag(
                EntityType::Concept,
                item.record.id,
                &item.record.concept.created_at,
                item.record.concept.version,
            );
            json_with_tag(&req, &view, tag)
        } else {
            json_with_etag(&req, &selection.apply(&view))
        }))
    })
    .await;
    html::or_problem(&req, answer)
}

records::write_routes! {
    record: Concepts,
    input: ConceptInput,
    view: ConceptView,
    tag: "concepts",
    collection: "/concepts",
    item: "/concepts/{slug}",
    ids: ("create_concept", "replace_concept", "patch_concept", "delete_concept"),
    slug_description: "The concept's slug",
}
