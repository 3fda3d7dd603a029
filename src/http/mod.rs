//! The REST API: thin handlers over the service, problem+json errors, paging, and the
//! OpenAPI document collected from the handlers by utoipa-actix-web.

pub mod auth;
mod bibliography;
pub mod body;
pub mod cache;
mod changes;
mod concepts;
pub mod cors;
pub mod edge;
pub mod etag;
mod fields;
mod health;
mod home;
pub mod html;
mod imports;
pub mod limits;
mod links;
pub mod metrics;
pub mod negotiate;
pub mod observe;
mod openapi;
mod paging;
mod params;
pub mod problem;
pub mod query;
mod records;
mod resources;
mod responses;
mod search;
pub mod views;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub use openapi::{ApiDoc, openapi, openapi_json};
use problem::{ApiError, ErrorCode};

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs/";

/// Registers every documented route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(home::overview)
        .service(resources::list)
        .service(resources::create)
        .service(resources::get)
        .service(resources::replace)
        .service(resources::patch)
        .service(resources::delete)
        .service(concepts::list)
        .service(concepts::create)
        .service(concepts::get)
        .service(concepts::replace)
        .service(concepts::patch)
        .service(concepts::delete)
        .service(links::get)
        .service(links::put)
        .service(links::delete)
        .service(imports::create)
        .service(bibliography::export)
        .service(changes::list)
        .service(search::search)
        .service(health::health)
        .service(health::ready);
}

/// Registers the routes that are not part of the API document: metrics and the pages'
/// style sheet.
pub fn operational_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(metrics::metrics).service(html::style_sheet);
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
                        if method == Method::GET {
                            methods.push(Method::HEAD);
                        }
                        methods.push(method);
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        routes.push((
            ResourceDef::new(OPENAPI_PATH),
            vec![Method::HEAD, Method::GET],
        ));
        routes.push((ResourceDef::new("/docs"), vec![Method::HEAD, Method::GET]));
        for path in [metrics::METRICS_PATH, html::STYLE_SHEET_PATH] {
            routes.push((ResourceDef::new(path), vec![Method::HEAD, Method::GET]));
        }
        routes.push((
            ResourceDef::new("/docs/{tail}*"),
            vec![Method::HEAD, Method::GET],
        ));
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
        Some(methods) => ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} does not take {}", path, req.method()),
        )
        .allow(methods)
        .at(req.uri().to_string()),
        None => ApiError::new(
            ErrorCode::RouteNotFound,
            format!("there is no route {path}"),
        )
        .at(req.uri().to_string()),
    })
}

/// `/docs` without the slash: Swagger UI's relative asset paths need it.
#[get("/docs")]
pub async fn docs_redirect(req: HttpRequest) -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", views::Urls::from_request(&req).at(DOCS_PATH)))
        .finish()
}
