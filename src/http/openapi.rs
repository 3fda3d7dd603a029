//! The OpenAPI 3.1 document: collected from the annotated handlers by
//! utoipa-actix-web, plus what no handler states (security scheme, rate-limit answers).

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::routes;

/// The parts of the OpenAPI document that are not collected from handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "lore",
        description = "A linkable knowledge base of learning resources and the concepts they explain. \
            Every resource and concept has a stable URL; lists filter with plain query parameters \
            (repeat a parameter or use commas for alternatives) and page with `limit` and an opaque \
            `cursor`. Errors are RFC 9457 `application/problem+json` with a stable `code`."
    ),
    modifiers(&BearerKeys),
    tags(
        (name = "overview", description = "The catalogue at a glance"),
        (name = "resources", description = "Things to read, watch or run"),
        (name = "concepts", description = "Ideas, with links to the resources that explain them"),
        (name = "search", description = "Full-text search over resources and concepts"),
        (name = "bibliography", description = "Exports as BibTeX, CSL-JSON and RIS"),
        (name = "links", description = "Typed links between records, each with its own URL"),
        (name = "imports", description = "Catalogue pages and BibTeX files posted for import"),
        (name = "changes", description = "The change log, for mirrors and replicas"),
        (name = "health", description = "Liveness and readiness probes"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme: keys from `lore keys create`.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("lore_{key id}_{secret}")
                    .description(Some("A key issued by `lore keys create`; its scope (read, write, admin) decides what it may do."))
                    .build(),
            ),
        );
    }
}

/// Adds the `429 Too Many Requests` answer, which any route can give, to every operation.
struct RateLimitResponses;

impl Modify for RateLimitResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let response = ResponseBuilder::new()
            .description("Too many requests from this key or client address")
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .description(Some("Seconds to wait before retrying"))
                    .schema(Some(u64_schema()))
                    .build(),
            )
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 5] = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .insert("429".into(), RefOr::T(response.clone()));
            }
        }
    }
}

/// Derives the bodies of `PUT` and `PATCH` from the create inputs, so they are written
/// once: a replacement is an input without `slug` and `citation_key` (neither changes once
/// issued; sending the current one is harmless); a merge patch
/// (RFC 7396) is a replacement whose fields are all optional and, but for the title or
/// name, nullable (`null` clears a field).
struct WriteSchemas;

impl Modify for WriteSchemas {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{OneOfBuilder, Schema, SchemaType, Type};

        fn nullable(property: &mut RefOr<Schema>) {
            let add_null = |schema_type: &mut SchemaType| match schema_type {
                SchemaType::Type(t) if *t != Type::Null => {
                    *schema_type = SchemaType::Array(vec![t.clone(), Type::Null])
                }
                SchemaType::Array(types) if !types.contains(&Type::Null) => types.push(Type::Null),
                _ => {}
            };
            match property {
                RefOr::T(Schema::Object(object)) => add_null(&mut object.schema_type),
                RefOr::T(Schema::Array(array)) => add_null(&mut array.schema_type),
                RefOr::T(_) => {}
                RefOr::Ref(reference) => {
                    let wrapped = OneOfBuilder::new()
                        .item(RefOr::Ref(reference.clone()))
                        .item(utoipa::openapi::schema::ObjectBuilder::new().schema_type(Type::Null))
                        .build();
                    *property = RefOr::T(Schema::OneOf(wrapped));
                }
            }
        }

        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (collection, input, required) in [
            ("resources", "Resource", "title"),
            ("concepts", "Concept", "name"),
        ] {
            let Some(RefOr::T(Schema::Object(object))) =
                components.schemas.get(&format!("{input}Input")).cloned()
            else {
                continue;
            };
            let mut replacement = object;
            // Slugs and issued citation keys never change.
            replacement.properties.shift_remove("slug");
            replacement.properties.shift_remove("citation_key");
            replacement.description = Some(format!(
                "A {} as clients replace it (`PUT`): its input without `slug` and `citation_key`, which never change.",
                input.to_lowercase()
            ));
            let mut patch = replacement.clone();
            patch.required.clear();
            for (name, property) in patch.properties.iter_mut() {
                if name != required {
                    nullable(property);
                }
                // A merge patch is recursive: `null` removes a named attribute too.
                if name == "attributes"
                    && let RefOr::T(Schema::Object(attributes)) = property
                {
                    for (_, attribute) in attributes.properties.iter_mut() {
                        nullable(attribute);
                    }
                }
            }
            patch.description = Some(format!(
                "A JSON merge patch (RFC 7396) of a {}: given fields replace, `null` clears.",
                input.to_lowercase()
            ));
            components.schemas.insert(
                format!("{input}Replacement"),
                RefOr::T(Schema::Object(replacement)),
            );
            components
                .schemas
                .insert(format!("{input}Patch"), RefOr::T(Schema::Object(patch)));

            let Some(item) = openapi
                .paths
                .paths
                .get_mut(&format!("/{collection}/{{slug}}"))
            else {
                continue;
            };
            let bodies = [(&mut item.put, "Replacement"), (&mut item.patch, "Patch")];
            for (operation, suffix) in bodies {
                let Some(RefOr::T(body)) = operation.as_mut().and_then(|o| o.request_body.as_mut())
                else {
                    continue;
                };
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        content.schema =
                            Some(Ref::from_schema_name(format!("{input}{suffix}")).into());
                    }
                }
            }
        }
    }
}

fn u64_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(0))
        .build()
}

/// The OpenAPI 3.1 document of the API, as served at [`OPENAPI_PATH`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    // Paths exist only now, after the handlers were collected.
    RateLimitResponses.modify(&mut api);
    WriteSchemas.modify(&mut api);
    api
}

/// The OpenAPI document as pretty JSON with a final newline, as committed in
/// `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
