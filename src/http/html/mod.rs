//! Pages for people: the same URLs as the API answer HTML when `Accept` prefers it (see
//! [`super::negotiate`]). Templates live in `templates/` (askama, checked at compile time,
//! escaped by default); the one style sheet in `assets/`. No script, nothing from another
//! host: the pages work offline, and their `Content-Security-Policy` says so.

mod citation;
mod markdown;
mod pages;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get};
use askama::Template;

use super::negotiate::prefers_html;
use super::problem::ApiError;
use super::views::Urls;

pub use citation::citation;
pub use markdown::render as render_markdown;
pub use pages::{
    Chrome, Paging, concept_page, concepts_page, error_page, home_page, resource_page,
    resources_page, search_page,
};

/// The style sheet of every page.
const STYLE_SHEET: &str = include_str!("../../../assets/lore.css");
/// Where the style sheet is served.
pub const STYLE_SHEET_PATH: &str = "/assets/lore.css";

/// What pages may load: their own style sheet, nothing else (no script at all).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The style sheet of the pages.
#[get("/assets/lore.css")]
pub async fn style_sheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .body(STYLE_SHEET)
}

/// An HTML answer with `status`, or the error page when the template cannot render.
pub fn respond(status: StatusCode, page: &impl Template) -> HttpResponse {
    let body = match page.render() {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "a page failed to render");
            return HttpResponse::InternalServerError()
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("The page failed to render; the server log has the cause.");
        }
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::VARY, "Accept"))
        .body(body)
}

/// The answer of a route that serves pages: errors become the error page (with the
/// problem's status, title and detail) when the request prefers HTML, and stay problem
/// details otherwise.
///
/// # Errors
/// The handler's error, for clients that do not prefer HTML.
pub fn or_problem(
    req: &HttpRequest,
    answer: Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    match answer {
        Err(err) if prefers_html(req) => {
            let urls = Urls::from_request(req);
            let problem = err.problem();
            let mut response = respond(err.code.status(), &error_page(req, &urls, &problem));
            for (name, value) in &err.headers {
                if let Ok(value) = HeaderValue::from_str(value) {
                    response.headers_mut().insert(name.clone(), value);
                }
            }
            Ok(response)
        }
        answer => answer,
    }
}
