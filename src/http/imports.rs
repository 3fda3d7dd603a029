//! `POST /imports`: a catalogue page or BibTeX file in the body, imported in one
//! transaction; the answer is the import report.

use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa::{IntoParams, ToSchema};

use super::auth::WriteKey;
use super::body::{charset, read_body, require_media_type};
use super::problem::{ApiError, ErrorCode, located};
use super::query::Query;
use super::responses::{BodyErrors, KeyErrors};
use crate::service::{ImportOptions, ImportReport, Service};

/// Media types of catalogue pages.
const MARKDOWN: &[&str] = &["text/markdown", "text/x-markdown"];
/// Media types of BibTeX files.
const BIBTEX: &[&str] = &["application/x-bibtex", "text/x-bibtex"];
/// Bytes of no declared format (what generated clients send): `name` says which.
const BYTES: &str = "application/octet-stream";

/// Query parameters of `POST /imports`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// The file's name, recorded as each record's provenance (`notes.md`, `refs.bib`);
    /// its extension (`.md`, `.markdown`, `.bib`, any case) decides the format. Defaults to
    /// `upload.md` or `upload.bib` by media type; required with
    /// `application/octet-stream`.
    #[param(
        max_length = 255,
        pattern = r"^[^/\\\u0000-\u001F\u007F-\u009F]*\.([Mm][Dd]|[Mm][Aa][Rr][Kk][Dd][Oo][Ww][Nn]|[Bb][Ii][Bb])$"
    )]
    name: Option<String>,
    /// `true`: report what the import would do and write nothing.
    dry_run: Option<bool>,
}

/// A file's bytes, in whatever encoding (`format: binary`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct FileBody(Vec<u8>);

/// Imports a catalogue page (`text/markdown`) or a BibTeX file (`application/x-bibtex`),
/// or either as `application/octet-stream` with a `name` whose extension says which.
#[utoipa::path(
    operation_id = "import",
    tag = "imports",
    params(ImportQuery),
    request_body(description = "The file's bytes (UTF-8; Windows-1252 is repaired)",
        content(
            (FileBody = "text/markdown"),
            (FileBody = "application/x-bibtex"),
            (FileBody = "application/octet-stream"))),
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
        let query = Query::parse(req.query_string(), &["name", "dry_run"])?;
        let dry_run = match query.single("dry_run")? {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    "`dry_run` must be `true` or `false`",
                )
                .field("dry_run", "not a boolean", None));
            }
        };
        let accepted: Vec<&str> = MARKDOWN
            .iter()
            .chain(BIBTEX)
            .chain(&[BYTES])
            .copied()
            .collect();
        let media = require_media_type(&req, &accepted)?;
        // The name's extension decides the format when a name is given; else the media type.
        // A file named by the client is the source of its records (re-importing it syncs);
        // unnamed uploads share a default name, so they only add and update.
        let sync = query.single("name")?.is_some();
        let name = match query.single("name")? {
            Some(name) => {
                let lower = name.to_ascii_lowercase();
                let plain = !name.is_empty()
                    && name.chars().count() <= 255
                    && !name.contains(['/', '\\'])
                    && !name.chars().any(char::is_control);
                let known = [".md", ".markdown", ".bib"]
                    .iter()
                    .any(|ext| lower.ends_with(ext));
                if !plain || !known {
                    return Err(ApiError::new(
                        ErrorCode::InvalidParameter,
                        "`name` must be a file name ending in .md, .markdown or .bib",
                    )
                    .field("name", "not a catalogue file name", None));
                }
                name.to_owned()
            }
            None if media == BYTES => {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    "an `application/octet-stream` body needs a `name` ending in .md, .markdown or .bib",
                )
                .field("name", "required with application/octet-stream", None));
            }
            None if BIBTEX.contains(&media.as_str()) => "upload.bib".to_owned(),
            None => "upload.md".to_owned(),
        };
        let body = read_body(&req, payload).await?;
        let charset = charset(&req);
        let report = service
            .import_bytes_with_charset(
                &name,
                &body,
                charset.as_deref(),
                Some(&key.0.name),
                ImportOptions {
                    sync,
                    dry_run,
                    ..ImportOptions::default()
                },
            )
            .await?;
        Ok(HttpResponse::Ok().json(report))
    })
    .await
}
