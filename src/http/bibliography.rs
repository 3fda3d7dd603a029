//! `GET /bibliography`: every resource matching the filters as BibTeX, CSL-JSON, RIS or
//! formatted citations (text or HTML in a citation style), streamed, without a size cap.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::{Stream, StreamExt};
use utoipa::IntoParams;

use super::etag::{header_lists, tag_of};
use super::negotiate::{Representation, format_parameter};
use super::params::{NameValue, YearValue};
use super::problem::{ApiError, Problem, located};
use super::query::Query;
use crate::cite::BibtexOptions;
use crate::domain::{Has, Level, ResourceFilter, ResourceKind, YearRange};
use crate::service::{ExportChunk, ExportFormat, Service};

/// Query parameters of `GET /bibliography`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BibliographyQuery {
    /// Levels to keep (repeat or comma = OR).
    #[param(style = Form, explode, inline)]
    level: Option<Vec<Level>>,
    /// Kinds to keep.
    #[param(style = Form, explode, inline)]
    kind: Option<Vec<ResourceKind>>,
    /// Concepts the resources must be linked to, by slug or name.
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
    /// `bibtex` (default), `csljson`, `ris`, or formatted citations in a `style`: `text`
    /// (one entry per line) or `html` (a `div` of `div class="csl-entry"`, text escaped).
    #[param(pattern = "^(bibtex|csljson|ris|text|html)$")]
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
    /// BibTeX characters: `pdflatex` (default; what pdflatex cannot set is replaced, and
    /// each replacement is listed before the closing line as
    /// `@comment{lore: KEY FIELD: TEXT written as SUBSTITUTE (HOW)}`) or `unicode`.
    #[param(pattern = "^(pdflatex|unicode)$")]
    charset: Option<String>,
    /// BibTeX: `false` leaves the `abstract` field out (default `true`).
    #[param(pattern = "^(true|false)$")]
    r#abstract: Option<String>,
}

/// The parameters of the filters shared by `/resources`, `/bibliography` and `/search`,
/// `topic` apart.
pub(super) const FILTER_PARAMETERS: &[&str] = &[
    "level",
    "kind",
    "year",
    "author",
    "venue",
    "has",
    "updated_since",
];

/// The filters shared by `/resources`, `/bibliography` and `/search` (`topic` is read
/// by the caller: blank topics are ignored here and refused there).
///
/// # Errors
/// `invalid_parameter` naming the parameter: an unknown level, kind or identifier, a
/// malformed year or time, an empty author or venue.
pub(super) fn shared_filter(query: &Query) -> Result<ResourceFilter, ApiError> {
    let owned = |values: Vec<&str>| values.into_iter().map(str::to_owned).collect();
    Ok(ResourceFilter {
        levels: query.terms("level", Level::parse)?,
        kinds: query.terms("kind", ResourceKind::parse)?,
        topics: Vec::new(),
        years: query.parsed("year", YearRange::parse)?,
        authors: owned(query.values("author")?),
        venues: owned(query.values("venue")?),
        has: query.terms("has", Has::parse)?,
        updated_since: query.timestamp("updated_since")?,
    })
}

/// The filters of `/resources` and `/bibliography`.
///
/// # Errors
/// As [`shared_filter`].
pub(super) fn resource_filter(query: &Query) -> Result<ResourceFilter, ApiError> {
    Ok(ResourceFilter {
        topics: query
            .free_values("topic")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        ..shared_filter(query)?
    })
}

/// A `200 OK` whose body streams every resource matching `filter` in `format`.
pub(super) fn stream(
    service: &Service,
    filter: ResourceFilter,
    format: ExportFormat,
) -> HttpResponse {
    streamed(service.export(filter, format), format)
}

/// A `200 OK` streaming `chunks` as a document in `format`.
///
/// The status is sent before the first chunk, so a failure after it cannot become a
/// problem response: it is logged and the body ends with an error, on which the server
/// closes the connection without the terminating zero-length chunk (HTTP/1.1 chunked
/// encoding), so clients see a truncated transfer rather than a complete document. A
/// complete export also ends with its format's ending (see `Service::export`).
fn streamed(
    chunks: impl Stream<Item = crate::service::Result<ExportChunk>> + 'static,
    format: ExportFormat,
) -> HttpResponse {
    let body = chunks.map(|chunk| {
        chunk
            .map(|ExportChunk { text, .. }| web::Bytes::from(text))
            .map_err(|err| {
                tracing::error!(error = %err, "export failed mid-stream");
                std::io::Error::other("the export failed")
            })
    });
    let disposition = format!("inline; filename=\"lore.{}\"", format.extension());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media_type(format)))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .streaming(body)
}

/// The `Content-Type` of a format, with its charset.
pub(super) fn media_type(format: ExportFormat) -> HeaderValue {
    let value = match format {
        ExportFormat::CslJson => format.media_type().to_owned(),
        _ => format!("{}; charset=utf-8", format.media_type()),
    };
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

/// Exports the resources matching the filters, all of them, in one document.
#[utoipa::path(
    operation_id = "bibliography",
    tag = "bibliography",
    params(BibliographyQuery),
    responses(
        // The text types come before CSL-JSON: generated clients read every answer as the
        // first media type they know (`text/plain` for openapi-python-client), and the
        // body is text in every format.
        (status = 200, description = "The bibliography: BibTeX, RIS, formatted citations (text or HTML) or CSL-JSON", content(
            (String = "application/x-bibtex"),
            (String = "application/x-research-info-systems"),
            (String = "text/plain"),
            (String = "text/html"),
            (Vec<Object> = "application/vnd.citationstyles.csl+json")),
            headers(("ETag" = String, description = "Strong entity tag: changes with any write to the store"))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Unknown parameter or invalid value", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/bibliography")]
pub async fn export(
    req: HttpRequest,
    service: web::Data<Service>,
) -> Result<HttpResponse, ApiError> {
    located(&req, async {
        let mut parameters = FILTER_PARAMETERS.to_vec();
        parameters.extend(["topic", "format", "dialect", "charset", "style", "abstract"]);
        let query = Query::parse(req.query_string(), &parameters)?;
        let filter = resource_filter(&query)?;
        let mut options = super::negotiate::bibtex_options(&query)?;
        options.omit_abstract = match query.single("abstract")? {
            None | Some("true") => false,
            Some("false") => true,
            Some(other) => {
                return Err(super::negotiate::bad("abstract", other, &["true", "false"]));
            }
        };
        let format = match format_parameter(&query, false)? {
            Some(Representation::Bibliography(ExportFormat::Bibtex(chosen))) => {
                ExportFormat::Bibtex(BibtexOptions {
                    omit_abstract: options.omit_abstract,
                    ..chosen
                })
            }
            Some(Representation::Bibliography(format)) => format,
            _ => ExportFormat::Bibtex(options),
        };
        service.ready().await?;
        let tag = version_tag(&req, service.last_change_seq().await?);
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| header_lists(v, &tag, true));
        if unchanged {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, tag))
                .finish());
        }
        let mut response = stream(&service, filter, format);
        if let Ok(value) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        Ok(response)
    })
    .await
}

/// The entity tag of a streamed bibliography: it is written from the store as of change
/// `seq`, by this version of lore, for this query, so those four decide its bytes (the
/// body is never held whole to hash it).
fn version_tag(req: &HttpRequest, seq: i64) -> String {
    let urls = super::views::Urls::from_request(req);
    let identity = format!(
        "{}\n{seq}\n{}\n{}",
        env!("CARGO_PKG_VERSION"),
        urls.at(req.path()),
        req.query_string()
    );
    tag_of(identity.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;
    use actix_web::{App, HttpServer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The raw bytes of a `GET /` to a server whose one route streams `chunks`, read
    /// until the server closes the connection.
    async fn raw_response(chunks: fn() -> Vec<crate::service::Result<ExportChunk>>) -> Vec<u8> {
        let server = HttpServer::new(move || {
            App::new().route(
                "/",
                web::get().to(move || async move {
                    // Each chunk comes after a pause, as batches from the store do,
                    // so the server flushes what it has before the next one.
                    let paced = futures_util::stream::iter(chunks()).then(|chunk| async {
                        tokio::task::yield_now().await;
                        chunk
                    });
                    streamed(
                        paced,
                        ExportFormat::Bibtex(crate::cite::BibtexOptions::default()),
                    )
                }),
            )
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        socket
            .write_all(b"GET / HTTP/1.1\r\nHost: lore\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut bytes = Vec::new();
        socket.read_to_end(&mut bytes).await.unwrap_or_default();
        handle.stop(false).await;
        bytes
    }

    fn chunk(text: &str) -> crate::service::Result<ExportChunk> {
        Ok(ExportChunk {
            text: text.to_owned(),
            warnings: Vec::new(),
        })
    }

    #[actix_web::test]
    async fn a_complete_export_ends_with_the_terminating_chunk() {
        let bytes =
            raw_response(|| vec![chunk("@misc{a,\n}\n"), chunk("@comment{lore: 1 entries}\n")])
                .await;
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.ends_with("\r\n0\r\n\r\n"), "{text:?}");
    }

    #[actix_web::test]
    async fn an_export_that_fails_after_the_status_ends_without_the_terminating_chunk() {
        let bytes = raw_response(|| {
            vec![
                chunk("@misc{a,\n}\n"),
                Err(ServiceError::NotFound {
                    entity: "resource",
                    slug: "gone".into(),
                }),
                chunk("@comment{lore: 1 entries}\n"),
            ]
        })
        .await;
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.contains("@misc{a,"), "{text:?}");
        assert!(
            !text.contains("@comment"),
            "nothing after the failure: {text:?}"
        );
        assert!(!text.ends_with("0\r\n\r\n"), "no clean end: {text:?}");
    }
}
