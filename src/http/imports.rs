//! `POST /imports`: a catalogue page or BibTeX file in the body, imported in one
//! transaction; the answer is the import report.

use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa::IntoParams;

use super::auth::WriteKey;
use super::body::{read_body, require_media_type};
use super::problem::{ApiError, ErrorCode, located};
use super::query::Query;
use super::responses::{BodyErrors, KeyErrors};
use crate::service::{ImportReport, Service};

/// Media types of catalogue pages.
const MARKDOWN: &[&str] = &["text/markdown", "text/x-markdown"];
/// Media types of BibTeX files.
const BIBTEX: &[&str] = &["application/x-bibtex", "text/x-bibtex"];

/// Query parameters of `POST /imports`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// The file's name, recorded as each record's provenance (`notes.md`, `refs.bib`);
    /// its extension must agree with the media type. Defaults to `upload.md` or
    /// `upload.bib`.
    #[param(max_length = 255, pattern = r"^[^/\\]+\.(md|markdown|bib)$")]
    name: Option<String>,
}

/// Imports a catalogue page (`text/markdown`) or a BibTeX file (`application/x-bibtex`).
#[utoipa::path(
    operation_id = "import",
    tag = "imports",
    params(ImportQuery),
    request_body(description = "The file's bytes (UTF-8; Windows-1252 is repaired)",
        content((String = "text/markdown"), (String = "application/x-bibtex"))),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "What happened to every row, item, link and entry", body = ImportReport),
        KeyErrors,
        BodyErrors,
    )
)]
#[post("/imports")]
pub async fn create(
    req: HttpRequest,
    service: web::Data<Service>,
    key: WriteKey,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        let query = Query::parse(req.query_string(), &["name"])?;
        let accepted: Vec<&str> = MARKDOWN.iter().chain(BIBTEX).copied().collect();
        let media = require_media_type(&req, &accepted)?;
        let is_bibtex = BIBTEX.contains(&media.as_str());
        let name = match query.single("name")? {
            None => if is_bibtex { "upload.bib" } else { "upload.md" }.to_owned(),
            Some(name) => {
                let lower = name.to_ascii_lowercase();
                let plain = !name.is_empty() && name.len() <= 255 && !name.contains(['/', '\\']);
                let agrees = if is_bibtex {
                    lower.ends_with(".bib")
                } else {
                    lower.ends_with(".md") || lower.ends_with(".markdown")
                };
                if !plain || !agrees {
                    return Err(ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!(
                            "`name` must be a file name ending in {} for `{media}`",
                            if is_bibtex { ".bib" } else { ".md" }
                        ),
                    )
                    .field("name", "not a matching file name", None));
                }
                name.to_owned()
            }
        };
        let body = read_body(&req, payload).await?;
        let report = service
            .import_bytes(&name, &body, Some(&key.0.name))
            .await?;
        Ok(HttpResponse::Ok().json(report))
    })
    .await
}
