//! `/search`: ranked, typo-tolerant full-text search over resources and concepts.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::bibliography::{FILTER_PARAMETERS, shared_filter};
use super::etag::json_with_etag;
use super::fields::{Selection, hit_fields};
use super::html;
use super::negotiate::{Representation, json_or_html, varies};
use super::params::{NameValue, SearchHitField, SearchHitSelection, SearchSort, YearValue};
use super::problem::{ApiError, ErrorCode, Problem, located};
use super::query::Query;
use super::views::Urls;
use crate::domain::{
    Category, EntityType, Has, Level, ResourceKind, SearchFilters, Sort, UnknownTerm,
};
use crate::search::{FacetField, MAX_WINDOW, SearchRequest, SearchResults};
use crate::service::Service;

/// Default number of matches per page.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
/// Largest number of matches per page.
pub const MAX_SEARCH_LIMIT: u32 = 100;

/// Query parameters of `GET /search`. Filters take several values, repeated or
/// comma-separated; values of one filter are alternatives, filters combine.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// What to search for. Every word must match (typos allowed: one in words of 5+
    /// characters, two in 9+; the last word also matches as a prefix). `"phrases"`,
    /// `-exclusions` and `field:value` on `title`, `author`, `type`, `kind`, `level`,
    /// `category` and `topic` are understood, joined by `AND`, `OR`, `NOT` (upper case)
    /// and parentheses; `NOT` binds tightest, then `AND` (also between neighbouring
    /// terms), then `OR`. Operators that do not fit together make the text searched as
    /// plain words, with a `warnings` entry; anything else is searched as words.
    #[param(min_length = 1, pattern = r"\S")]
    q: String,
    /// Record types to keep.
    #[param(rename = "type", style = Form, explode, inline)]
    entity_type: Option<Vec<EntityType>>,
    /// Resource kinds to keep (concepts have none).
    #[param(style = Form, explode, inline)]
    kind: Option<Vec<ResourceKind>>,
    /// Resource levels to keep (concepts have none).
    #[param(style = Form, explode, inline)]
    level: Option<Vec<Level>>,
    /// Concept categories to keep (resources have none).
    #[param(style = Form, explode, inline)]
    category: Option<Vec<Category>>,
    /// Concepts the record must be linked to, by slug or name.
    #[param(style = Form, explode, inline, value_type = Option<Vec<SearchTopicValue>>)]
    topic: Option<Vec<String>>,
    /// Publication years of resources: `2015`, `2015..2020`, `2015..`, `..2020`.
    #[param(style = Form, explode, inline, value_type = Option<Vec<YearValue>>)]
    year: Option<Vec<String>>,
    /// Authors' family names (a particle may come with them), ignoring case, accents,
    /// spaces and punctuation.
    #[param(style = Form, explode, inline, value_type = Option<Vec<NameValue>>)]
    author: Option<Vec<String>>,
    /// Journal or proceedings titles, or their beginnings, ignoring case, accents, spaces
    /// and punctuation.
    #[param(style = Form, explode, inline, value_type = Option<Vec<NameValue>>)]
    venue: Option<Vec<String>>,
    /// Identifiers the resources must have.
    #[param(style = Form, explode, inline)]
    has: Option<Vec<Has>>,
    /// Records changed at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    updated_since: Option<String>,
    /// The order of the matches: `relevance` (best first, the default), or a record
    /// field (`title`, `year`, `created_at`, `updated_at`), `-` in front for descending;
    /// ties are broken by record type and id.
    #[param(inline, value_type = Option<SearchSort>)]
    sort: Option<String>,
    /// Members of each match to return, repeated or comma-separated.
    #[param(style = Form, explode, inline, value_type = Option<Vec<SearchHitField>>)]
    fields: Option<Vec<String>>,
    /// Matches per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
    /// Matches to skip; `offset + limit` may not exceed 1000.
    #[param(minimum = 0, maximum = 999, default = 0)]
    offset: Option<u32>,
    /// Fields whose values to count over all matches.
    #[param(style = Form, explode, inline)]
    facets: Option<Vec<FacetField>>,
    /// `json`: the JSON representation, also for clients whose `Accept` prefers HTML.
    #[param(pattern = "^json$")]
    format: Option<String>,
}

/// A concept slug or name; commas separate alternatives, none may be blank.
#[derive(ToSchema)]
#[schema(pattern = r"^\s*[^,\s][^,]*(,\s*[^,\s][^,]*)*$")]
#[allow(dead_code)]
struct SearchTopicValue(String);

/// Parameters of `GET /search` besides the filters shared with the lists.
const PARAMETERS: &[&str] = &[
    "q", "type", "category", "topic", "sort", "fields", "limit", "offset", "facets", "format",
];

/// The facets a search page shows, whatever `facets` asks for.
const PAGE_FACETS: &[FacetField] = &[
    FacetField::Type,
    FacetField::Kind,
    FacetField::Level,
    FacetField::Category,
];

/// Every parameter of `GET /search`.
fn parameters() -> Vec<&'static str> {
    [FILTER_PARAMETERS, PARAMETERS].concat()
}

/// One match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHitView {
    /// What the record is.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub slug: String,
    /// The record's URL in lore.
    pub href: String,
    /// Resource title or concept name.
    pub title: String,
    /// Where to read, watch or run a resource.
    pub url: Option<String>,
    /// Relevance: higher is better; comparable only within one search.
    pub score: f32,
    /// HTML: an excerpt of the description or definition (or the title) with the
    /// matched words in `<mark>…</mark>`; all other text is escaped.
    pub snippet: String,
}

/// Search results: one page of matches, the exact number of matches and facet counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchView {
    /// Best first, or in `sort` order; each with the members `fields` selects.
    #[schema(value_type = Vec<SearchHitSelection>)]
    pub items: Vec<serde_json::Value>,
    /// Matches over all pages (exact).
    pub total: u64,
    /// For each field asked for in `facets`, value → number of matches (values with no
    /// match are left out; `topic` lists the 100 most frequent).
    #[schema(example = json!({"level": {"beginner": 3, "intermediate": 2}}))]
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// The URL of the next page, `null` on the last (or past the 1000th match).
    pub next: Option<String>,
    /// How `q` was read when not as written: operators that do not fit together
    /// (`deep AND`, `(grokking`) make it searched as plain words, and only the first 16
    /// terms are searched.
    #[schema(example = json!(["`AND` needs a term after it: the query was searched as plain words"]))]
    pub warnings: Vec<String>,
}

fn parse_type(raw: &str) -> Result<EntityType, UnknownTerm> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "resource" => Ok(EntityType::Resource),
        "concept" => Ok(EntityType::Concept),
        _ => Err(UnknownTerm {
            value: raw.trim().to_owned(),
            vocabulary: "type",
            allowed: &["resource", "concept"],
        }),
    }
}

/// A `u32` parameter within `min..=max` ([`Query::number`]).
fn number(query: &Query, name: &str, min: u32, max: u32, default: u32) -> Result<u32, ApiError> {
    let n = query.number(name, min.into(), max.into(), default.into())?;
    // Within `min..=max`, so within `u32`.
    Ok(u32::try_from(n).unwrap_or(default))
}

/// Blank in the sense of JSON Schema's `\S` (Unicode white space and the BOM).
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

fn request(query: &Query) -> Result<SearchRequest, ApiError> {
    let text = match query.single("q")? {
        None => {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "`q` is required: the text to search for",
            )
            .field("q", "missing", None));
        }
        Some(text) if is_blank(text) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "`q` must not be empty: give the text to search for",
            )
            .field("q", "empty", None));
        }
        Some(text) => text.to_owned(),
    };
    let limit = number(query, "limit", 1, MAX_SEARCH_LIMIT, DEFAULT_SEARCH_LIMIT)?;
    let offset = number(query, "offset", 0, MAX_WINDOW as u32 - 1, 0)?;
    if (offset + limit) as usize > MAX_WINDOW {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "`offset` + `limit` may not exceed {MAX_WINDOW}: matches past the {MAX_WINDOW}th are not served; narrow the search instead"
            ),
        )
        .field("offset", format!("{offset} + {limit} is over {MAX_WINDOW}"), None));
    }
    let mut facets = query.terms("facets", FacetField::parse)?;
    facets.sort();
    facets.dedup();
    let shared = shared_filter(query)?;
    Ok(SearchRequest {
        text,
        filters: SearchFilters {
            types: query.terms("type", parse_type)?,
            kinds: shared.kinds,
            levels: shared.levels,
            categories: query.terms("category", Category::parse)?,
            topics: query
                .values("topic")?
                .into_iter()
                .map(str::to_owned)
                .collect(),
            years: shared.years,
            authors: shared.authors,
            venues: shared.venues,
            has: shared.has,
            updated_since: shared.updated_since,
        },
        offset: offset as usize,
        limit: limit as usize,
        facets,
        sort: query.sort(Sort::SEARCH_NAMES)?,
    })
}

/// The URL of this request at another offset.
fn offset_url(req: &HttpRequest, urls: &Urls, offset: usize) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).unwrap_or_default();
    pairs.retain(|(name, _)| name != "offset");
    if offset > 0 {
        pairs.push(("offset".into(), offset.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    urls.at(&format!("{}?{query}", req.path()))
}

/// One page of results, before a representation is chosen.
pub struct ResultsPage {
    /// Best first, or in `sort` order.
    pub hits: Vec<SearchHitView>,
    /// Matches over all pages (exact).
    pub total: u64,
    /// Field → value → number of matches.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// The URL of the previous page, if any.
    pub prev: Option<String>,
    /// The URL of the next page, if any.
    pub next: Option<String>,
    /// How `q` was read when not as written.
    pub warnings: Vec<String>,
}

/// The page of results a search gave, with the URLs of its neighbours.
fn results_page(
    req: &HttpRequest,
    urls: &Urls,
    request: &SearchRequest,
    results: SearchResults,
) -> ResultsPage {
    let end = request.offset + request.limit;
    let next =
        (end < MAX_WINDOW && (end as u64) < results.total).then(|| offset_url(req, urls, end));
    let prev = (request.offset > 0)
        .then(|| offset_url(req, urls, request.offset.saturating_sub(request.limit)));
    let items = results
        .hits
        .into_iter()
        .map(|hit| SearchHitView {
            href: urls.record(hit.entity_type, &hit.slug),
            entity_type: hit.entity_type,
            slug: hit.slug,
            title: hit.title,
            url: hit.url,
            score: hit.score,
            snippet: hit.snippet,
        })
        .collect();
    let facets = results
        .facets
        .into_iter()
        .map(|(field, counts)| (field.as_str().to_owned(), counts))
        .collect();
    ResultsPage {
        hits: items,
        total: results.total,
        facets,
        prev,
        next,
        warnings: results.warnings,
    }
}

/// The JSON answer: the hits with the members `selection` keeps, an `ETag` (or `304`)
/// and RFC 8288 `Link` relations.
fn json_answer(
    req: &HttpRequest,
    urls: &Urls,
    page: ResultsPage,
    selection: &Selection,
) -> HttpResponse {
    let mut links = vec![format!("<{}>; rel=\"first\"", offset_url(req, urls, 0))];
    if let Some(prev) = &page.prev {
        links.push(format!("<{prev}>; rel=\"prev\""));
    }
    if let Some(next) = &page.next {
        links.push(format!("<{next}>; rel=\"next\""));
    }
    let view = SearchView {
        items: page.hits.iter().map(|hit| selection.apply(hit)).collect(),
        total: page.total,
        facets: page.facets,
        next: page.next,
        warnings: page.warnings,
    };
    let mut response = json_with_etag(req, &view);
    if let Ok(value) = header::HeaderValue::from_str(&links.join(", ")) {
        response.headers_mut().insert(header::LINK, value);
    }
    varies(response)
}

/// Searches resources and concepts: ranked by relevance (BM25, title first; documents
/// matching every word exactly before those that needed a typo or a completion), with
/// highlighted snippets, an exact total and facet counts.
#[utoipa::path(
    operation_id = "search",
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "One page of matches", body = SearchView,
            headers(
                ("Link" = String, description = "RFC 8288 links: `first`, and `prev`/`next` when they exist"),
                ("ETag" = String, description = "Strong entity tag of the body"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Missing or empty `q`, unknown parameter, invalid value, or `offset + limit` over 1000", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    service: web::Data<Service>,
) -> Result<HttpResponse, ApiError> {
    let answer = located(&req, async {
        let query = Query::parse(req.query_string(), &parameters())?;
        let representation = json_or_html(&req, &query)?;
        let mut request = request(&query)?;
        let selection = Selection::parse(&query, hit_fields(), false)?;
        let urls = Urls::from_request(&req);
        if representation == Representation::Html {
            request.facets = PAGE_FACETS.to_vec();
        }
        let results = service.search(request.clone()).await?;
        let page = results_page(&req, &urls, &request, results);
        if representation == Representation::Html {
            let paging = html::Paging {
                prev: page.prev.clone(),
                next: page.next.clone(),
            };
            let html_page =
                html::search_page(&req, &urls, &request.text, &page, request.offset, paging);
            return Ok(html::respond(StatusCode::OK, &html_page));
        }
        Ok(json_answer(&req, &urls, page, &selection))
    })
    .await;
    html::or_problem(&req, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<SearchRequest, ApiError> {
        request(&Query::parse(raw, &parameters())?)
    }

    #[test]
    fn q_is_required_and_not_blank() {
        assert_eq!(parse("").unwrap_err().code, ErrorCode::MissingParameter);
        assert_eq!(parse("q=").unwrap_err().code, ErrorCode::InvalidParameter);
        assert_eq!(
            parse("q=%20%09").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert_eq!(
            parse("q=%EF%BB%BF").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert_eq!(parse("q=x").unwrap().text, "x");
    }

    #[test]
    fn the_window_stops_at_1000() {
        assert_eq!(parse("q=x&offset=980&limit=20").unwrap().offset, 980);
        let err = parse("q=x&offset=990&limit=20").unwrap_err();
        assert_eq!(err.errors[0].field, "offset");
        assert_eq!(parse("q=x&limit=101").unwrap_err().errors[0].field, "limit");
        assert_eq!(
            parse("q=x&offset=-1").unwrap_err().errors[0].field,
            "offset"
        );
        assert_eq!(parse("q=x").unwrap().limit, 20);
    }

    #[test]
    fn filters_and_facets_parse_like_the_lists() {
        let request =
            parse("q=x&type=concept&level=Beginner,advanced&facets=level,kind&facets=level")
                .unwrap();
        assert_eq!(request.filters.types, [EntityType::Concept]);
        assert_eq!(request.filters.levels, [Level::Beginner, Level::Advanced]);
        assert_eq!(request.facets, [FacetField::Kind, FacetField::Level]);
        let err = parse("q=x&facets=colour").unwrap_err();
        assert_eq!(err.errors[0].field, "facets");
        assert!(
            err.errors[0]
                .allowed
                .as_ref()
                .unwrap()
                .contains(&"topic".to_owned())
        );
        assert_eq!(parse("q=x&type=thing").unwrap_err().errors[0].field, "type");
        assert_eq!(
            parse("q=x&topic=").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
    }
}
