//! The REST API: thin handlers over the service, problem+json errors, paging, and the
//! OpenAPI document collected from the handlers by utoipa-actix-web.

mod concepts;
mod health;
mod paging;
pub mod problem;
pub mod query;
mod resources;
mod search;
pub mod views;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use problem::{ApiError, ErrorCode};

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs/";

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
    tags(
        (name = "resources", description = "Things to read, watch or run"),
        (name = "concepts", description = "Ideas, with links to the resources that explain them"),
        (name = "search", description = "Full-text search over resources and concepts"),
        (name = "health", description = "Liveness and readiness probes"),
    )
)]
pub struct ApiDoc;

/// Registers every documented route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(resources::list)
        .service(resources::get)
        .service(concepts::list)
        .service(concepts::get)
        .service(search::search)
        .service(health::health)
        .service(health::ready);
}

/// The OpenAPI 3.1 document of the API, as served at [`OPENAPI_PATH`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    api
}

/// The OpenAPI document as pretty JSON with a final newline, as committed in
/// `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// The paths the server answers and the methods each takes, for 405 answers.
#[derive(Debug)]
pub struct KnownRoutes(Vec<(ResourceDef, Vec<Method>)>);

impl KnownRoutes {
    /// The routes of `api` plus the documentation routes.
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes: Vec<(ResourceDef, Vec<Method>)> = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                let operations = [
                    (Method::GET, &item.get),
                    (Method::PUT, &item.put),
                    (Method::POST, &item.post),
                    (Method::DELETE, &item.delete),
                    (Method::PATCH, &item.patch),
                ];
                for (method, operation) in operations {
                    if operation.is_some() {
                        methods.push(method);
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        routes.push((ResourceDef::new(OPENAPI_PATH), vec![Method::GET]));
        routes.push((ResourceDef::new("/docs"), vec![Method::GET]));
        routes.push((ResourceDef::new("/docs/{tail}*"), vec![Method::GET]));
        KnownRoutes(routes)
    }

    fn methods_for(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// Answers requests no route took: 405 with `Allow` for a known path, else 404.
pub async fn fallback(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    Err(match known.methods_for(path) {
        Some(methods) => {
            let mut err = ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} does not take {}", path, req.method()),
            )
            .at(req.uri().to_string());
            err.allow = methods.to_vec();
            err
        }
        None => ApiError::new(
            ErrorCode::RouteNotFound,
            format!("there is no route {path}"),
        )
        .at(req.uri().to_string()),
    })
}

/// `/docs` without the slash: Swagger UI's relative asset paths need it.
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", DOCS_PATH))
        .finish()
}
