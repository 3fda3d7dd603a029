//! The write handlers shared by resources and concepts: create, replace, merge-patch and
//! delete, with bearer keys, `If-Match` and problem+json. `resources.rs` and `concepts.rs`
//! hold the routes (and their OpenAPI descriptions) and call these.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::WriteKey;
use super::body::{invalid_fields, merge_patch, parse_json, read_body, require_media_type};
use super::etag::{check_if_match, json_with_tag, record_tag};
use super::problem::{ApiError, ErrorCode};
use super::query::Query;
use super::views::{ConceptView, ResourceView, Urls};
use crate::domain::{
    ConceptData, ConceptInput, EntityType, InvalidField, ResourceData, ResourceInput, Slug,
};
use crate::service::{Service, ServiceError, WithLinks};
use crate::store::{StoredConcept, StoredResource};

/// What the write handlers need to know about a kind of record.
pub(super) trait Record: Sized {
    type Stored;
    type Data;
    type Input: Serialize + DeserializeOwned;
    type View: Serialize;
    /// `resource` or `concept`.
    const NAME: &'static str;
    const NOT_FOUND: ErrorCode;

    fn view(item: &WithLinks<Self::Stored>, urls: &Urls) -> Self::View;
    fn href(view: &Self::View) -> &str;
    fn version(item: &WithLinks<Self::Stored>) -> i64;
    /// The entity tag of the record's whole JSON representation ([`record_tag`]).
    fn tag(item: &WithLinks<Self::Stored>) -> String;
    fn input_of(item: &WithLinks<Self::Stored>) -> Self::Input;
    fn requested_slug(input: &Self::Input) -> Option<&str>;
    fn parse(input: Self::Input) -> Result<(Self::Data, Option<Slug>), Vec<InvalidField>>;
    async fn get(service: &Service, slug: &Slug) -> Result<WithLinks<Self::Stored>, ServiceError>;
    async fn create(
        service: &Service,
        data: Self::Data,
        slug: Option<Slug>,
        actor: &str,
    ) -> Result<WithLinks<Self::Stored>, ServiceError>;
    async fn replace(
        service: &Service,
        slug: &Slug,
        version: i64,
        data: Self::Data,
        actor: &str,
    ) -> Result<WithLinks<Self::Stored>, ServiceError>;
    async fn delete(
        service: &Service,
        slug: &Slug,
        version: i64,
        actor: &str,
    ) -> Result<(), ServiceError>;
}

/// Resources, for the shared write handlers.
pub(super) struct Resources;
/// Concepts, for the shared write handlers.
pub(super) struct Concepts;

impl Record for Resources {
    type Stored = StoredResource;
    type Data = ResourceData;
    type Input = ResourceInput;
    type View = ResourceView;
    const NAME: &'static str = "resource";
    const NOT_FOUND: ErrorCode = ErrorCode::ResourceNotFound;

    fn view(item: &WithLinks<StoredResource>, urls: &Urls) -> ResourceView {
        ResourceView::new(item, urls)
    }
    fn href(view: &ResourceView) -> &str {
        &view.href
    }
    fn version(item: &WithLinks<StoredResource>) -> i64 {
        item.record.resource.version
    }
    fn tag(item: &WithLinks<StoredResource>) -> String {
        record_tag(
            EntityType::Resource,
            item.record.id,
            &item.record.resource.created_at,
            Self::version(item),
        )
    }
    fn input_of(item: &WithLinks<StoredResource>) -> ResourceInput {
        ResourceInput::from_data(&item.record.resource.data)
    }
    fn requested_slug(input: &ResourceInput) -> Option<&str> {
        input.slug.as_deref()
    }
    fn parse(input: ResourceInput) -> Result<(ResourceData, Option<Slug>), Vec<InvalidField>> {
        input.parse()
    }
    async fn get(
        service: &Service,
        slug: &Slug,
    ) -> Result<WithLinks<StoredResource>, ServiceError> {
        service.get_resource(slug).await
    }
    async fn create(
        service: &Service,
        data: ResourceData,
        slug: Option<Slug>,
        actor: &str,
    ) -> Result<WithLinks<StoredResource>, ServiceError> {
        service.create_resource(data, slug, actor).await
    }
    async fn replace(
        service: &Service,
        slug: &Slug,
        version: i64,
        data: ResourceData,
        actor: &str,
    ) -> Result<WithLinks<StoredResource>, ServiceError> {
        service.replace_resource(slug, version, data, actor).await
    }
    async fn delete(
        service: &Service,
        slug: &Slug,
        version: i64,
        actor: &str,
    ) -> Result<(), ServiceError> {
        service.delete_resource(slug, version, actor).await
    }
}

impl Record for Concepts {
    type Stored = StoredConcept;
    type Data = ConceptData;
    type Input = ConceptInput;
    type View = ConceptView;
    const NAME: &'static str = "concept";
    const NOT_FOUND: ErrorCode = ErrorCode::ConceptNotFound;

    fn view(item: &WithLinks<StoredConcept>, urls: &Urls) -> ConceptView {
        ConceptView::new(item, urls)
    }
    fn href(view: &ConceptView) -> &str {
        &view.href
    }
    fn version(item: &WithLinks<StoredConcept>) -> i64 {
        item.record.concept.version
    }
    fn tag(item: &WithLinks<StoredConcept>) -> String {
        record_tag(
            EntityType::Concept,
            item.record.id,
            &item.record.concept.created_at,
            Self::version(item),
        )
    }
    fn input_of(item: &WithLinks<StoredConcept>) -> ConceptInput {
        ConceptInput::from_data(&item.record.concept.data)
    }
    fn requested_slug(input: &ConceptInput) -> Option<&str> {
        input.slug.as_deref()
    }
    fn parse(input: ConceptInput) -> Result<(ConceptData, Option<Slug>), Vec<InvalidField>> {
        input.parse()
    }
    async fn get(service: &Service, slug: &Slug) -> Result<WithLinks<StoredConcept>, ServiceError> {
        service.get_concept(slug).await
    }
    async fn create(
        service: &Service,
        data: ConceptData,
        slug: Option<Slug>,
        actor: &str,
    ) -> Result<WithLinks<StoredConcept>, ServiceError> {
        service.create_concept(data, slug, actor).await
    }
    async fn replace(
        service: &Service,
        slug: &Slug,
        version: i64,
        data: ConceptData,
        actor: &str,
    ) -> Result<WithLinks<StoredConcept>, ServiceError> {
        service.replace_concept(slug, version, data, actor).await
    }
    async fn delete(
        service: &Service,
        slug: &Slug,
        version: i64,
        actor: &str,
    ) -> Result<(), ServiceError> {
        service.delete_concept(slug, version, actor).await
    }
}

/// Parses a slug from a path; a malformed one names no record.
pub(super) fn parse_slug<R: Record>(raw: &str) -> Result<Slug, ApiError> {
    Slug::parse(raw)
        .map_err(|_| ApiError::new(R::NOT_FOUND, format!("no {} has the slug `{raw}`", R::NAME)))
}

/// The current record and the entity tag of its representation, for `If-Match`.
async fn current<R: Record>(
    service: &Service,
    slug: &Slug,
) -> Result<(WithLinks<R::Stored>, String), ApiError> {
    let item = R::get(service, slug).await?;
    let tag = R::tag(&item);
    Ok((item, tag))
}

/// `201 Created` (with `Location`) or `200 OK`, carrying the record as the write left it
/// and its `ETag`.
fn written<R: Record>(
    req: &HttpRequest,
    item: &WithLinks<R::Stored>,
    created: bool,
) -> HttpResponse {
    let view = R::view(item, &Urls::from_request(req));
    let mut response = json_with_tag(req, &view, R::tag(item));
    if created && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::CREATED;
        if let Ok(location) = HeaderValue::from_str(R::href(&view)) {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// `POST /{records}`.
pub(super) async fn create<R: Record>(
    req: &HttpRequest,
    service: &Service,
    key: &WriteKey,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    Query::parse(req.query_string(), &[])?;
    require_media_type(req, &["application/json"])?;
    let input: R::Input = parse_json(&read_body(req, payload).await?)?;
    let (data, slug) = R::parse(input).map_err(invalid_fields)?;
    let item = R::create(service, data, slug, &key.0.name).await?;
    Ok(written::<R>(req, &item, true))
}

/// `PUT /{records}/{slug}`: replace with a whole input.
pub(super) async fn replace<R: Record>(
    req: &HttpRequest,
    service: &Service,
    key: &WriteKey,
    slug: &str,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    Query::parse(req.query_string(), &[])?;
    let slug = parse_slug::<R>(slug)?;
    let (item, tag) = current::<R>(service, &slug).await?;
    require_media_type(req, &["application/json"])?;
    let input: R::Input = parse_json(&read_body(req, payload).await?)?;
    update::<R>(req, service, key, &slug, &item, &tag, input).await
}

/// `PATCH /{records}/{slug}`: a JSON merge patch (RFC 7396) of the record's input.
pub(super) async fn patch<R: Record>(
    req: &HttpRequest,
    service: &Service,
    key: &WriteKey,
    slug: &str,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    Query::parse(req.query_string(), &[])?;
    let slug = parse_slug::<R>(slug)?;
    let (item, tag) = current::<R>(service, &slug).await?;
    require_media_type(req, &["application/merge-patch+json", "application/json"])?;
    let patch: serde_json::Value = parse_json(&read_body(req, payload).await?)?;
    let input: R::Input = merge_patch(R::input_of(&item), &patch)?;
    update::<R>(req, service, key, &slug, &item, &tag, input).await
}

/// Validates the new input, then checks `If-Match` (a bad body is a 400 or 422 whatever
/// the precondition), then writes.
async fn update<R: Record>(
    req: &HttpRequest,
    service: &Service,
    key: &WriteKey,
    slug: &Slug,
    item: &WithLinks<R::Stored>,
    tag: &str,
    input: R::Input,
) -> Result<HttpResponse, ApiError> {
    if R::requested_slug(&input).is_some_and(|s| s != slug.as_str()) {
        return Err(
            ApiError::new(ErrorCode::InvalidBody, "slugs never change").field(
                "slug",
                "slugs never change",
                None,
            ),
        );
    }
    let (data, _) = R::parse(input).map_err(invalid_fields)?;
    check_if_match(req, tag)?;
    let item = R::replace(service, slug, R::version(item), data, &key.0.name).await?;
    Ok(written::<R>(req, &item, false))
}

/// `DELETE /{records}/{slug}`.
pub(super) async fn delete<R: Record>(
    req: &HttpRequest,
    service: &Service,
    key: &WriteKey,
    slug: &str,
) -> Result<HttpResponse, ApiError> {
    Query::parse(req.query_string(), &[])?;
    let slug = parse_slug::<R>(slug)?;
    let (item, tag) = current::<R>(service, &slug).await?;
    check_if_match(req, &tag)?;
    R::delete(service, &slug, R::version(&item), &key.0.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares the write routes of a collection (`POST`, `PUT`, `PATCH`, `DELETE`) with their
/// OpenAPI descriptions, over the shared handlers above: resources and concepts are
/// written alike, so their routes are written once. The invoking module imports actix's
/// `post`, `put`, `patch` and `delete` attributes (utoipa recognises them by name).
macro_rules! write_routes {
    (
        record: $record:ident,
        input: $input:ident,
        view: $view:ident,
        tag: $tag:tt,
        collection: $collection:tt,
        item: $item:tt,
        ids: ($create_id:tt, $replace_id:tt, $patch_id:tt, $delete_id:tt),
        slug_description: $slug_description:tt $(,)?
    ) => {
        /// Creates a record; its slug comes from its title or name unless given.
        #[utoipa::path(
            operation_id = $create_id,
            tag = $tag,
            request_body(content = crate::domain::$input, content_type = "application/json"),
            security(("bearer" = ["write"])),
            responses(
                (status = 201, description = "Created", body = $view, headers(
                    ("Location" = String, description = "The new record's URL"),
                    ("ETag" = String, description = "Strong entity tag of the body"))),
                (status = 409, description = "A unique value (slug, citation key) is taken", body = super::problem::Problem, content_type = "application/problem+json"),
                super::responses::KeyErrors,
                super::responses::BodyErrors,
            )
        )]
        #[post($collection)]
        pub async fn create(
            req: actix_web::HttpRequest,
            service: actix_web::web::Data<crate::service::Service>,
            key: super::auth::WriteKey,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, super::problem::ApiError> {
            super::problem::located(&req, super::records::create::<super::records::$record>(&req, &service, &key, payload)).await
        }

        /// Replaces a record. Needs `If-Match` with the current `ETag`; the slug and an
        /// issued citation key never change.
        #[utoipa::path(
            operation_id = $replace_id,
            tag = $tag,
            params(
                ("slug" = String, Path, description = $slug_description, max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                ("If-Match" = String, Header, description = "The `ETag` of the representation being replaced"),
            ),
            request_body(content = crate::domain::$input, content_type = "application/json"),
            security(("bearer" = ["write"])),
            responses(
                (status = 200, description = "Replaced", body = $view, headers(("ETag" = String, description = "Strong entity tag of the body"))),
                (status = 409, description = "A unique value is taken", body = super::problem::Problem, content_type = "application/problem+json"),
                super::responses::KeyErrors,
                super::responses::BodyErrors,
                super::responses::ConditionalErrors,
            )
        )]
        #[put($item)]
        pub async fn replace(
            req: actix_web::HttpRequest,
            service: actix_web::web::Data<crate::service::Service>,
            key: super::auth::WriteKey,
            slug: actix_web::web::Path<String>,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, super::problem::ApiError> {
            super::problem::located(&req, super::records::replace::<super::records::$record>(&req, &service, &key, &slug, payload)).await
        }

        /// Changes some fields with a JSON merge patch (RFC 7396): given fields replace,
        /// `null` clears. Needs `If-Match` with the current `ETag`.
        #[utoipa::path(
            operation_id = $patch_id,
            tag = $tag,
            params(
                ("slug" = String, Path, description = $slug_description, max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                ("If-Match" = String, Header, description = "The `ETag` of the representation being changed"),
            ),
            request_body(content = Object, description = "A JSON merge patch of the record's input", content_type = "application/merge-patch+json"),
            security(("bearer" = ["write"])),
            responses(
                (status = 200, description = "Changed", body = $view, headers(("ETag" = String, description = "Strong entity tag of the body"))),
                (status = 409, description = "A unique value is taken", body = super::problem::Problem, content_type = "application/problem+json"),
                super::responses::KeyErrors,
                super::responses::BodyErrors,
                super::responses::ConditionalErrors,
            )
        )]
        #[patch($item)]
        pub async fn patch(
            req: actix_web::HttpRequest,
            service: actix_web::web::Data<crate::service::Service>,
            key: super::auth::WriteKey,
            slug: actix_web::web::Path<String>,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, super::problem::ApiError> {
            super::problem::located(&req, super::records::patch::<super::records::$record>(&req, &service, &key, &slug, payload)).await
        }

        /// Deletes a record and its links. Needs `If-Match` with the current `ETag`.
        #[utoipa::path(
            operation_id = $delete_id,
            tag = $tag,
            params(
                ("slug" = String, Path, description = $slug_description, max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                ("If-Match" = String, Header, description = "The `ETag` of the representation being deleted"),
            ),
            security(("bearer" = ["write"])),
            responses(
                (status = 204, description = "Deleted"),
                super::responses::KeyErrors,
                super::responses::ConditionalErrors,
            )
        )]
        #[delete($item)]
        pub async fn delete(
            req: actix_web::HttpRequest,
            service: actix_web::web::Data<crate::service::Service>,
            key: super::auth::WriteKey,
            slug: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, super::problem::ApiError> {
            super::problem::located(&req, super::records::delete::<super::records::$record>(&req, &service, &key, &slug)).await
        }
    };
}
pub(super) use write_routes;
