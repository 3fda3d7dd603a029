//! `/resources`: things to read, watch or run.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use utoipa::IntoParams;

use super::bibliography::{self, FILTER_PARAMETERS, resource_filter};
use super::etag::{json_with_etag, json_with_tag, record_tag, text_with_etag};
use super::fields::{LinkDetail, Selection, resource_fields};
use super::html;
use super::negotiate::{self, Representation, negotiate, varies};
use super::paging::{ends, list_response, neighbours};
use super::params::{NameValue, ResourceField, ResourceSelection, ResourceSort, YearValue};
use super::problem::{ApiError, ErrorCode, Problem, located};
use super::query::Query;
use super::records;
use super::views::{ListView, ResourceView, Urls};
use crate::domain::{EntityType, Has, Level, Position, ResourceKind, Slug, Sort};
use crate::service::Service;

/// Query parameters of `GET /resources`. Filters take several values, repeated or
/// comma-separated; values of one filter are alternatives, filters combine.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListResourcesQuery {
    /// Levels to keep.
    #[param(style = Form, explode, inline)]
    level: Option<Vec<Level>>,
    /// Kinds to keep.
    #[param(style = Form, explode, inline)]
    kind: Option<Vec<ResourceKind>>,
    /// Concepts the resource must be linked to, by slug or name; commas separate
    /// alternatives and blank values are ignored.
    #[param(style = Form, explode)]
    topic: Option<Vec<String>>,
    /// Publication years: `2015`, `2015..2020`, `2015..`, `..2020`.
    #[param(style = Form, explode, inline, value_type = Option<Vec<YearValue>>)]
    year: Option<Vec<String>>,
    /// Authors' family names (a particle may come with them: `van der Maaten`), ignoring
    /// case, accents, spaces and punctuation.
    #[param(style = Form, explode, inline, value_type = Option<Vec<NameValue>>)]
    author: Option<Vec<String>>,
    /// Journal or proceedings titles, or their beginnings, ignoring case, accents, spaces
    /// and punctuation.
    #[param(style = Form, explode, inline, value_type = Option<Vec<NameValue>>)]
    venue: Option<Vec<String>>,
    /// Identifiers the resources must have.
    #[param(style = Form, explode, inline)]
    has: Option<Vec<Has>>,
    /// Resources changed at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    updated_since: Option<String>,
    /// The order: import order by default; a key (`title` letter by letter, `year` with
    /// resources without one first, `created_at`, `updated_at`), `-` in front for
    /// descending; ties are broken by record id. Cursors keep the order.
    #[param(inline, value_type = Option<ResourceSort>)]
    sort: Option<String>,
    /// Members of each resource to return (JSON only), repeated or comma-separated.
    #[param(style = Form, explode, inline, value_type = Option<Vec<ResourceField>>)]
    fields: Option<Vec<String>>,
    /// Embedded links (JSON only): `full` (default), `ids` (relation, direction and slug)
    /// or `none`.
    #[param(inline)]
    links: Option<LinkDetail>,
    /// Page size (JSON only: a bibliography holds every match).
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: Option<u32>,
    /// Where the page starts: the `cursor` of a `next` or `prev` link.
    #[param(pattern = r"^[ab][0-9a-z]{1,12}(\.[0-9a-z]{0,64})?$")]
    cursor: Option<String>,
    /// The representation, for clients that cannot send `Accept`: `json` (default),
    /// `bibtex`, `csljson`, `ris`, or formatted citations in a `style`: `text` or `html`.
    #[param(pattern = "^(json|bibtex|csljson|ris|text|html)$")]
    format: Option<String>,
    /// Citation style of `format=text` and `format=html` (default `apa`): `apa`,
    /// `chicago-author-date`, `chicago-notes`, `harvard-cite-them-right`, `ieee`,
    /// `modern-language-association` or `nature`.
    #[param(
        pattern = "^(apa|chicago-author-date|chicago-notes|harvard-cite-them-right|ieee|modern-language-association|nature)$"
    )]
    style: Option<String>,
    /// BibTeX flavour: `bibtex` (portable, default) or `biblatex`.
    #[param(pattern = "^(bibtex|biblatex)$")]
    dialect: Option<String>,
    /// BibTeX characters: `pdflatex` (default) or `unicode`.
    #[param(pattern = "^(pdflatex|unicode)$")]
    charset: Option<String>,
}

/// Query parameters of `GET /resources/{slug}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct GetResourceQuery {
    /// Members of the resource to return (JSON only), repeated or comma-separated.
    #[param(style = Form, explode, inline, value_type = Option<Vec<ResourceField>>)]
    fields: Option<Vec<String>>,
    /// Embedded links (JSON only): `full` (default), `ids` (relation, direction and slug)
    /// or `none`.
    #[param(inline)]
    links: Option<LinkDetail>,
    /// The representation, for clients that cannot send `Accept`: `json` (default),
    /// `bibtex`, `csljson`, `ris`, or formatted citations in a `style`: `text` or `html`.
    #[param(pattern = "^(json|bibtex|csljson|ris|text|html)$")]
    format: Option<String>,
    /// Citation style of `format=text` and `format=html` (default `apa`): `apa`,
    /// `chicago-author-date`, `chicago-notes`, `harvard-cite-them-right`, `ieee`,
    /// `modern-language-association` or `nature`.
    #[param(
        pattern = "^(apa|chicago-author-date|chicago-notes|harvard-cite-them-right|ieee|modern-language-association|nature)$"
    )]
    style: Option<String>,
    /// BibTeX flavour: `bibtex` (portable, default) or `biblatex`.
    #[param(pattern = "^(bibtex|biblatex)$")]
    dialect: Option<String>,
    /// BibTeX characters: `pdflatex` (default) or `unicode`.
    #[param(pattern = "^(pdflatex|unicode)$")]
    charset: Option<String>,
}

/// Parameters of `GET /resources` besides the shared filters.
const LIST_PARAMETERS: &[&str] = &[
    "topic", "sort", "fields", "links", "limit", "cursor", "format", "dialect", "charset", "style",
];

/// Parameters of `GET /resources/{slug}` besides those of the representation.
const GET_PARAMETERS: &[&str] = &["fields", "links"];

/// Lists resources, filtered and sorted; JSON pages (import order unless `sort` says
/// otherwise), or the whole selection as a bibliography (`Accept: application/x-bibtex`,
/// CSL-JSON or RIS, or `format=`), in import order.
#[utoipa::path(
    operation_id = "list_resources",
    tag = "resources",
    params(ListResourcesQuery),
    responses(
        (status = 200, description = "One page of resources, or every match as a bibliography",
            content(
                (ListView<ResourceSelection> = "application/json"),
                (String = "application/x-bibtex"),
                (Vec<Object> = "application/vnd.citationstyles.csl+json"),
                (String = "application/x-research-info-systems"),
                (String = "text/plain"),
                (String = "text/html")),
            headers(
                ("Link" = String, description = "RFC 8288 links: `first`, and `prev`/`next` when they exist (JSON)"),
                ("ETag" = String, description = "Strong entity tag of the body (JSON)"),
                ("Vary" = String, description = "`Accept`"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` admits no representation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources")]
pub async fn list(req: HttpRequest, service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let parameters = [FILTER_PARAMETERS, LIST_PARAMETERS].concat();
        let query = Query::parse(req.query_string(), &parameters)?;
        let filter = resource_filter(&query)?;
        let sort = query.sort(Sort::RESOURCE_NAMES)?;
        let page_request = query.sorted_page(sort)?;
        let selection = Selection::parse(&query, resource_fields(), true)?;
        let representation = negotiate(&req, &query)?;
        if let Representation::Bibliography(format) = representation {
            service.ready().await?;
            return Ok(varies(bibliography::stream(&service, filter, format)));
        }
        let page = if selection.needs_links() {
            service.list_resources(&filter, &page_request).await?
        } else {
            service
                .list_resources_without_links(&filter, &page_request)
                .await?
        };
        let urls = Urls::from_request(&req);
        let positions = ends(&page.items, |item| {
            Position::of_resource(sort, &item.record.resource, item.record.id)
        });
        let views: Vec<ResourceView> = page
            .items
            .iter()
            .map(|item| ResourceView::new(item, &urls))
            .collect();
        if representation == Representation::Html {
            let (prev, next) = neighbours(&req, &urls, &page, positions, sort);
            let paging = html::Paging { prev, next };
            let page = html::resources_page(&req, &urls, &views, page.total, paging);
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

/// Gets one resource with its links, or as a bibliography entry (`Accept` or `format=`).
#[utoipa::path(
    operation_id = "get_resource",
    tag = "resources",
    params(
        ("slug" = String, Path, description = "The resource's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
        GetResourceQuery,
    ),
    responses(
        (status = 200, description = "The resource",
            content(
                (ResourceSelection = "application/json"),
                (String = "application/x-bibtex"),
                (Vec<Object> = "application/vnd.citationstyles.csl+json"),
                (String = "application/x-research-info-systems"),
                (String = "text/plain"),
                (String = "text/html")),
            headers(
                ("ETag" = String, description = "Strong entity tag of the body"),
                ("Vary" = String, description = "`Accept`"))),
        (status = 301, description = "The path names the resource by one of its citation keys (its own or an alias): `Location` is the resource's URL",
            headers(("Location" = String, description = "The resource's URL, with this request's query"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown query parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource has this slug or citation key", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` admits no representation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources/{slug}")]
pub async fn get(
    req: HttpRequest,
    service: web::Data<Service>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let parameters = [negotiate::PARAMETERS, GET_PARAMETERS].concat();
        let query = Query::parse(req.query_string(), &parameters)?;
        let selection = Selection::parse(&query, resource_fields(), true)?;
        let slug = Slug::parse(&slug).map_err(|_| {
            ApiError::new(
                ErrorCode::ResourceNotFound,
                format!("no resource has the slug `{slug}`"),
            )
        })?;
        let representation = negotiate(&req, &query)?;
        let response = match representation {
            Representation::Json => {
                let item = service.get_resource(&slug).await?;
                let view = ResourceView::new(&item, &Urls::from_request(&req));
                if selection.is_whole() {
                    let tag = record_tag(
                        EntityType::Resource,
                        item.record.id,
                        &item.record.resource.created_at,
                        item.record.resource.version,
                    );
                    json_with_tag(&req, &view, tag)
                } else {
                    json_with_etag(&req, &selection.apply(&view))
                }
            }
            Representation::Html => {
                let item = service.get_resource(&slug).await?;
                let urls = Urls::from_request(&req);
                let view = ResourceView::new(&item, &urls);
                html::respond(StatusCode::OK, &html::resource_page(&req, &urls, &view))
            }
            Representation::Bibliography(format) => {
                let entry = service.export_one(&slug, format).await?;
                text_with_etag(&req, bibliography::media_type(format), entry.text)
            }
        };
        Ok(varies(response))
    })
    .await;
    let answer = match answer {
        // Only a well-formed key can name a resource (stored keys are all well-formed).
        Err(err)
            if err.code == ErrorCode::ResourceNotFound
                && crate::domain::CitationKey::parse(&slug).is_ok() =>
        {
            match service.resource_slug_by_citation_key(&slug).await {
                Ok(Some(canonical)) => Ok(moved_to(&req, &canonical)),
                Ok(None) => Err(err),
                Err(lookup) => Err(ApiError::from(lookup).at(req.uri().to_string())),
            }
        }
        other => other,
    };
    html::or_problem(&req, answer)
}

/// `301 Moved Permanently` to the resource `slug`, with this request's query: the answer
/// to a path that names a resource by citation key instead of slug.
fn moved_to(req: &HttpRequest, slug: &Slug) -> HttpResponse {
    let mut location = Urls::from_request(req).record(EntityType::Resource, slug.as_str());
    if !req.query_string().is_empty() {
        location.push('?');
        location.push_str(req.query_string());
    }
    HttpResponse::MovedPermanently()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

records::write_routes! {
    record: Resources,
    input: ResourceInput,
    view: ResourceView,
    tag: "resources",
    collection: "/resources",
    item: "/resources/{slug}",
    ids: ("create_resource", "replace_resource", "patch_resource", "delete_resource"),
    slug_description: "The resource's slug",
}
