//! Content negotiation (RFC 9110 §12): one URL, several representations. JSON by
//! default; an HTML page when `Accept` prefers `text/html` (a browser); BibTeX, CSL-JSON
//! or RIS when `Accept` prefers them, or when `format=` asks (for browsers, where `format`
//! wins over `Accept`); formatted citations (`format=text` or `html`, with `style=`) only
//! when `format=` asks.

use actix_web::HttpRequest;
use actix_web::http::header::{self, Accept, Header};

use super::problem::{ApiError, ErrorCode};
use super::query::Query;
use crate::cite::{BibtexOptions, Charset, CitationStyle, Dialect, Markup};
use crate::service::ExportFormat;

/// Media type of BibTeX.
pub const BIBTEX: &str = "application/x-bibtex";
/// Media type of CSL-JSON.
pub const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";
/// Media type of RIS.
pub const RIS: &str = "application/x-research-info-systems";

/// Query parameters that choose a bibliographic representation.
pub const PARAMETERS: &[&str] = &["format", "dialect", "charset", "style"];

/// The citation style when `format=text` or `html` names none.
pub const DEFAULT_STYLE: CitationStyle = CitationStyle::Apa;

/// The representation a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    /// A page for people.
    Html,
    Bibliography(ExportFormat),
}

/// Whether a media range names HTML.
fn is_html(essence: &str) -> bool {
    matches!(essence, "text/html" | "application/xhtml+xml")
}

/// The media ranges of `Accept` that are not refused (q=0), best first; `None` without
/// the header.
fn ranked(req: &HttpRequest) -> Result<Option<Vec<String>>, ApiError> {
    if !req.headers().contains_key(header::ACCEPT) {
        return Ok(None);
    }
    let accept = Accept::parse(req)
        .map_err(|_| ApiError::new(ErrorCode::NotAcceptable, "the Accept header cannot be read"))?;
    // Media ranges with q=0 say "not this" (RFC 9110 §12.4.2).
    let acceptable = Accept(
        accept
            .0
            .into_iter()
            .filter(|item| item.quality > header::Quality::ZERO)
            .collect(),
    );
    Ok(Some(
        acceptable
            .ranked()
            .iter()
            .map(|mime| mime.essence_str().to_owned())
            .collect(),
    ))
}

/// Whether the request asks for a page: no `format` parameter, and `Accept` ranks an
/// HTML type before JSON, `*/*` and the bibliography types (as browsers send it).
pub fn prefers_html(req: &HttpRequest) -> bool {
    let has_format = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_or(true, |pairs| pairs.iter().any(|(name, _)| name == "format"));
    if has_format {
        return false;
    }
    let Ok(Some(ranked)) = ranked(req) else {
        return false;
    };
    for essence in ranked {
        if is_html(&essence) {
            return true;
        }
        if matches!(
            essence.as_str(),
            "application/json" | "application/*" | "*/*" | BIBTEX | CSL_JSON | RIS
        ) {
            return false;
        }
    }
    false
}

/// JSON or HTML, for routes that serve only these: `format=json` chooses JSON; else
/// HTML when [`prefers_html`]; else JSON, whatever else `Accept` says (as these routes
/// always answered).
///
/// # Errors
/// `invalid_parameter` for a `format` other than `json`.
pub fn json_or_html(req: &HttpRequest, query: &Query) -> Result<Representation, ApiError> {
    match query.single("format")? {
        Some("json") => Ok(Representation::Json),
        Some(other) => Err(bad("format", other, &["json"])),
        None if prefers_html(req) => Ok(Representation::Html),
        None => Ok(Representation::Json),
    }
}

/// Adds `Vary: Accept` to an answer of a route whose representation `Accept` chooses,
/// so that caches keep pages and JSON apart.
pub fn varies(mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

pub(super) fn bad(name: &str, value: &str, allowed: &[&str]) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!(
            "`{value}` is not a value of `{name}`; expected one of: {}",
            allowed.join(", ")
        ),
    )
    .field(
        name,
        format!("`{value}` is not allowed"),
        Some(allowed.iter().map(|a| (*a).to_owned()).collect()),
    )
}

/// BibTeX options from `dialect` (`bibtex`, `biblatex`) and `charset` (`pdflatex`,
/// `unicode`).
///
/// # Errors
/// `invalid_parameter` naming the parameter and its allowed values.
pub fn bibtex_options(query: &Query) -> Result<BibtexOptions, ApiError> {
    let dialect = match query.single("dialect")? {
        None | Some("bibtex") => Dialect::Bibtex,
        Some("biblatex") => Dialect::Biblatex,
        Some(other) => return Err(bad("dialect", other, &["bibtex", "biblatex"])),
    };
    let charset = match query.single("charset")? {
        None | Some("pdflatex") => Charset::Pdflatex,
        Some("unicode") => Charset::Unicode,
        Some(other) => return Err(bad("charset", other, &["pdflatex", "unicode"])),
    };
    Ok(BibtexOptions {
        dialect,
        charset,
        ..BibtexOptions::default()
    })
}

/// The citation style `style=` names ([`DEFAULT_STYLE`] without one).
///
/// # Errors
/// `invalid_parameter` naming `style` and listing the styles.
fn style_parameter(query: &Query) -> Result<CitationStyle, ApiError> {
    match query.single("style")? {
        None => Ok(DEFAULT_STYLE),
        Some(name) => {
            CitationStyle::parse(name).ok_or_else(|| bad("style", name, &CitationStyle::NAMES))
        }
    }
}

/// The format `format=` names, if any (`json` names no bibliography format); `style`
/// is used by `format=text` and `html` only (and checked with any format).
///
/// # Errors
/// `invalid_parameter` for an unknown format or style.
pub fn format_parameter(
    query: &Query,
    allow_json: bool,
) -> Result<Option<Representation>, ApiError> {
    let allowed: &[&str] = if allow_json {
        &["json", "bibtex", "csljson", "ris", "text", "html"]
    } else {
        &["bibtex", "csljson", "ris", "text", "html"]
    };
    let format = query.single("format")?;
    // Checked whatever the format, as `dialect` and `charset` are.
    let style = style_parameter(query)?;
    Ok(match format {
        None => None,
        Some("text") => Some(Representation::Bibliography(ExportFormat::Formatted(
            style,
            Markup::Text,
        ))),
        Some("html") => Some(Representation::Bibliography(ExportFormat::Formatted(
            style,
            Markup::Html,
        ))),
        Some("json") if allow_json => Some(Representation::Json),
        Some("bibtex") => Some(Representation::Bibliography(ExportFormat::Bibtex(
            bibtex_options(query)?,
        ))),
        Some("csljson") => Some(Representation::Bibliography(ExportFormat::CslJson)),
        Some("ris") => Some(Representation::Bibliography(ExportFormat::Ris)),
        Some(other) => return Err(bad("format", other, allowed)),
    })
}

/// The representation for a request to a route that serves JSON and bibliographies.
///
/// # Errors
/// `invalid_parameter` for a bad `format`, `dialect` or `charset`; `not_acceptable` (406)
/// when `Accept` admits none of the representations.
pub fn negotiate(req: &HttpRequest, query: &Query) -> Result<Representation, ApiError> {
    // `dialect` and `charset` are checked whatever the representation.
    bibtex_options(query)?;
    if let Some(chosen) = format_parameter(query, true)? {
        return Ok(chosen);
    }
    let Some(ranked) = ranked(req)? else {
        return Ok(Representation::Json);
    };
    for essence in ranked {
        let chosen = match essence.as_str() {
            "application/json" | "application/*" | "*/*" => Some(Representation::Json),
            html if is_html(html) => Some(Representation::Html),
            BIBTEX => Some(Representation::Bibliography(ExportFormat::Bibtex(
                bibtex_options(query)?,
            ))),
            CSL_JSON => Some(Representation::Bibliography(ExportFormat::CslJson)),
            RIS => Some(Representation::Bibliography(ExportFormat::Ris)),
            _ => None,
        };
        if let Some(chosen) = chosen {
            return Ok(chosen);
        }
    }
    Err(ApiError::new(
        ErrorCode::NotAcceptable,
        format!("this resource is available as application/json, {BIBTEX}, {CSL_JSON} or {RIS}"),
    )
    .header(header::VARY, "Accept"))
}
