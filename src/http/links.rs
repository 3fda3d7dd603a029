//! `/links/{relation}/{source}/{target}`: one typed link as its own resource. `PUT` adds
//! it, `DELETE` removes it, `GET` tells whether it exists; either end shows it in its
//! `resources` or `concepts` list. The relation fixes the kinds of the ends
//! (`explained_by`: concept → resource; `related`: concept → concept; `cites`: resource →
//! resource).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::WriteKey;
use super::problem::{ApiError, ErrorCode, Problem, located};
use super::query::Query;
use super::responses::KeyErrors;
use super::views::Urls;
use crate::domain::{EntityType, Relation, Slug};
use crate::service::{LinkOutcome, Service};

/// One end of a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkEndView {
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub slug: String,
    pub href: String,
}

/// A link between two records.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkRecordView {
    pub relation: Relation,
    pub source: LinkEndView,
    pub target: LinkEndView,
    /// This link's URL.
    pub href: String,
}

struct LinkPath {
    relation: Relation,
    source: Slug,
    target: Slug,
}

fn parse_path(raw: &(String, String, String)) -> Result<LinkPath, ApiError> {
    let (relation, source, target) = raw;
    let relation = Relation::parse(relation).map_err(|err| {
        let allowed = err.allowed.iter().map(|a| (*a).to_owned()).collect();
        ApiError::new(ErrorCode::InvalidParameter, err.to_string()).field(
            "relation",
            "unknown relation",
            Some(allowed),
        )
    })?;
    let (source_type, target_type) = relation.ends();
    let slug = |raw: &str, entity: EntityType| {
        Slug::parse(raw).map_err(|_| {
            let code = match entity {
                EntityType::Resource => ErrorCode::ResourceNotFound,
                EntityType::Concept => ErrorCode::ConceptNotFound,
            };
            ApiError::new(code, format!("no {} has the slug `{raw}`", entity.as_str()))
        })
    };
    Ok(LinkPath {
        relation,
        source: slug(source, source_type)?,
        target: slug(target, target_type)?,
    })
}

fn view(req: &HttpRequest, link: &LinkPath) -> LinkRecordView {
    let urls = Urls::from_request(req);
    let (source_type, target_type) = link.relation.ends();
    LinkRecordView {
        relation: link.relation,
        href: urls.at(&format!(
            "/links/{}/{}/{}",
            link.relation, link.source, link.target
        )),
        source: LinkEndView {
            entity_type: source_type,
            slug: link.source.to_string(),
            href: urls.record(source_type, link.source.as_str()),
        },
        target: LinkEndView {
            entity_type: target_type,
            slug: link.target.to_string(),
            href: urls.record(target_type, link.target.as_str()),
        },
    }
}

/// Tells whether the link exists.
#[utoipa::path(
    operation_id = "get_link",
    tag = "links",
    params(
        ("relation" = Relation, Path, description = "The link's type; it fixes the kinds of the ends"),
        ("source" = String, Path, description = "The source's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
        ("target" = String, Path, description = "The target's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    ),
    responses(
        (status = 200, description = "The link exists", body = LinkRecordView),
        (status = 400, description = "Unknown relation or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "An end or the link does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/links/{relation}/{source}/{target}")]
pub async fn get(
    req: HttpRequest,
    service: web::Data<Service>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        let link = parse_path(&path)?;
        if !service
            .link_exists(link.relation, &link.source, &link.target)
            .await?
        {
            return Err(ApiError::new(
                ErrorCode::LinkNotFound,
                format!(
                    "no `{}` link joins `{}` to `{}`",
                    link.relation, link.source, link.target
                ),
            ));
        }
        Ok(HttpResponse::Ok().json(view(&req, &link)))
    })
    .await
}

/// Adds the link (idempotent): 201 when new, 200 when it existed.
#[utoipa::path(
    operation_id = "put_link",
    tag = "links",
    params(
        ("relation" = Relation, Path, description = "The link's type; it fixes the kinds of the ends"),
        ("source" = String, Path, description = "The source's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
        ("target" = String, Path, description = "The target's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "The link already existed", body = LinkRecordView),
        (status = 201, description = "The link was added", body = LinkRecordView,
            headers(("Location" = String, description = "The link's URL"))),
        (status = 404, description = "An end does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The link contradicts an existing SKOS link between the same concepts", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A record cannot link to itself", body = Problem, content_type = "application/problem+json"),
        KeyErrors,
    )
)]
#[put("/links/{relation}/{source}/{target}")]
pub async fn put(
    req: HttpRequest,
    service: web::Data<Service>,
    key: WriteKey,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        let link = parse_path(&path)?;
        let outcome = service
            .put_link(link.relation, &link.source, &link.target, &key.0.name)
            .await?;
        let body = view(&req, &link);
        Ok(match outcome {
            LinkOutcome::Existed => HttpResponse::Ok().json(body),
            LinkOutcome::Created => {
                let location = HeaderValue::from_str(&body.href)
                    .unwrap_or_else(|_| HeaderValue::from_static("/"));
                HttpResponse::Created()
                    .insert_header((header::LOCATION, location))
                    .json(body)
            }
        })
    })
    .await
}

/// Removes the link.
#[utoipa::path(
    operation_id = "delete_link",
    tag = "links",
    params(
        ("relation" = Relation, Path, description = "The link's type; it fixes the kinds of the ends"),
        ("source" = String, Path, description = "The source's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
        ("target" = String, Path, description = "The target's slug", max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "An end or the link does not exist", body = Problem, content_type = "application/problem+json"),
        KeyErrors,
    )
)]
#[delete("/links/{relation}/{source}/{target}")]
pub async fn delete(
    req: HttpRequest,
    service: web::Data<Service>,
    key: WriteKey,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        Query::parse(req.query_string(), &[])?;
        let link = parse_path(&path)?;
        service
            .delete_link(link.relation, &link.source, &link.target, &key.0.name)
            .await?;
        Ok(HttpResponse::NoContent().finish())
    })
    .await
}
