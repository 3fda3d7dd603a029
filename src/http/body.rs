//! Request bodies: size limits, media types, and JSON parsed into typed inputs with every
//! problem named by its field.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::problem::{ApiError, ErrorCode};
use crate::domain::InvalidField;

/// Largest request body the server reads, in bytes (`--max-body`, default 1 MiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(1024 * 1024)
    }
}

/// How long the server waits for a whole request body (`--body-timeout`, default 30 s);
/// a client that stalls longer gets 408 and its connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout(pub std::time::Duration);

impl Default for BodyTimeout {
    fn default() -> Self {
        BodyTimeout(std::time::Duration::from_secs(30))
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than {limit} bytes"),
    )
}

/// Reads the whole body, refusing more than the configured [`BodyLimit`] with 413 (up
/// front from `Content-Length` when it is given).
///
/// # Errors
/// `payload_too_large`; `malformed_body` when the connection fails mid-body;
/// `request_timeout` (408) when the whole body has not arrived within the
/// [`BodyTimeout`];
/// `unsupported_media_type` for a body with a `Content-Encoding` other than `identity`
/// (RFC 9110, section 15.5.16: the server takes bodies uncompressed).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::Bytes, ApiError> {
    if let Some(coding) = req.headers().get(header::CONTENT_ENCODING) {
        let coding = String::from_utf8_lossy(coding.as_bytes());
        if !coding.trim().eq_ignore_ascii_case("identity") {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!(
                    "the body has the Content-Encoding `{}`; send it uncompressed",
                    coding.trim()
                ),
            )
            .field(
                "Content-Encoding",
                "only `identity` is taken",
                Some(vec!["identity".to_owned()]),
            )
            .header(header::ACCEPT_ENCODING, "identity"));
        }
    }
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map_or_else(BodyLimit::default, |l| *l.get_ref())
        .0;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let timeout = req
        .app_data::<web::Data<BodyTimeout>>()
        .map_or_else(BodyTimeout::default, |t| *t.get_ref())
        .0;
    tokio::time::timeout(timeout, read_all(&mut payload, limit))
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::RequestTimeout,
                format!(
                    "the body did not arrive within {} s; send it at once",
                    timeout.as_secs_f64()
                ),
            )
            .header(header::CONNECTION, "close")
        })?
}

/// The body's bytes, up to `limit`.
async fn read_all(payload: &mut web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            ApiError::new(
                ErrorCode::MalformedBody,
                format!("the body could not be read: {err}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The request's media type (`type/subtype`, lower case, without parameters).
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// The `charset` parameter of the request's `Content-Type`, if any.
pub fn charset(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Checks that the body's media type is one of `accepted`.
///
/// # Errors
/// `unsupported_media_type` naming the accepted types.
pub fn require_media_type(req: &HttpRequest, accepted: &[&str]) -> Result<String, ApiError> {
    match media_type(req) {
        Some(media) if accepted.contains(&media.as_str()) => Ok(media),
        other => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "the body must be {}; it was {}",
                accepted.join(" or "),
                other.map_or_else(
                    || "not labelled (no Content-Type)".to_owned(),
                    |m| format!("`{m}`")
                )
            ),
        )
        .header(
            header::HeaderName::from_static("accept-post"),
            accepted.join(", "),
        )),
    }
}

/// Parses a JSON body into `T`.
///
/// # Errors
/// `malformed_body` (400) when it is not JSON; `invalid_body` (422) naming the field
/// when a value has the wrong type, a required field is missing or an unknown one is given.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object: serde would also read an array into a struct by position.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    {
        return Err(
            ApiError::new(ErrorCode::InvalidBody, "the body must be a JSON object").field(
                "body",
                "not an object",
                None,
            ),
        );
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                // serde names a missing field only in its message: "missing field `title`".
                let missing = inner
                    .to_string()
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split_once('`').map(|(name, _)| name.to_owned()));
                let field = match (missing, path.as_str()) {
                    (Some(name), ".") => name,
                    (Some(name), parent) => format!("{parent}.{name}"),
                    (None, ".") => "body".to_owned(),
                    (None, _) => path,
                };
                ApiError::new(ErrorCode::InvalidBody, format!("`{field}`: {inner}")).field(
                    &field,
                    inner.to_string(),
                    None,
                )
            }
            _ => ApiError::new(
                ErrorCode::MalformedBody,
                format!("the body is not valid JSON: {inner}"),
            ),
        }
    })?;
    deserializer.end().map_err(|err| {
        ApiError::new(
            ErrorCode::MalformedBody,
            format!("the body is not valid JSON: {err}"),
        )
    })?;
    Ok(value)
}

/// Applies a JSON merge patch (RFC 7396) to `base` and parses the result as `T`.
///
/// # Errors
/// `malformed_body` when the patch is not an object; `invalid_body` naming the field when
/// the patched document is not a valid `T`.
pub fn merge_patch<B: serde::Serialize, T: DeserializeOwned>(
    base: B,
    patch: &serde_json::Value,
) -> Result<T, ApiError> {
    let Some(fields) = patch.as_object() else {
        return Err(ApiError::new(
            ErrorCode::MalformedBody,
            "a merge patch is a JSON object",
        ));
    };
    // A `null` for a field the record does not have would merge into nothing: check the
    // patch's own names against the input's.
    let known = serde_aux::serde_introspection::serde_introspect::<T>();
    if let Some(name) = fields.keys().find(|name| !known.contains(&name.as_str())) {
        let allowed = known.iter().map(|k| (*k).to_owned()).collect();
        return Err(
            ApiError::new(ErrorCode::InvalidBody, format!("unknown field `{name}`")).field(
                name,
                "unknown field",
                Some(allowed),
            ),
        );
    }
    let mut document = serde_json::to_value(base).map_err(|err| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the record could not be serialised: {err}"),
        )
    })?;
    json_patch::merge(&mut document, patch);
    parse_json(&serde_json::to_vec(&document).unwrap_or_default())
}

/// A 422 naming every invalid field.
pub fn invalid_fields(errors: Vec<InvalidField>) -> ApiError {
    let detail = errors
        .iter()
        .map(|e| format!("`{}` {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ");
    errors
        .into_iter()
        .fold(ApiError::new(ErrorCode::InvalidBody, detail), |err, e| {
            err.field(&e.field, e.message, None)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ResourceInput;

    #[test]
    fn syntax_errors_are_malformed_and_data_errors_name_the_field() {
        let err = parse_json::<ResourceInput>(b"{\"title\": ").unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedBody);
        let err =
            parse_json::<ResourceInput>(b"{\"title\": \"t\", \"year\": \"soon\"}").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBody);
        assert_eq!(err.errors[0].field, "year");
        let err = parse_json::<ResourceInput>(b"{\"title\": \"t\", \"colour\": 1}").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBody);
        assert_eq!(err.errors[0].field, "colour", "unknown fields are named");
        let err = parse_json::<ResourceInput>(b"{}").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBody);
        assert_eq!(err.errors[0].field, "title", "a missing field is named");
        let err =
            parse_json::<ResourceInput>(b"{\"title\": \"t\", \"level\": \"expert\"}").unwrap_err();
        assert_eq!(err.errors[0].field, "level");
        let err =
            parse_json::<ResourceInput>(b"{\"title\": \"t\", \"authors\": [{\"famly\": \"x\"}]}")
                .unwrap_err();
        assert_eq!(err.errors[0].field, "authors");
        assert!(
            err.errors[0].message.contains("item 0") && err.errors[0].message.contains("famly"),
            "{err:?}"
        );
        let err = parse_json::<ResourceInput>(
            b"{\"title\": \"t\", \"authors\": [[\"Ren\", \"Shaoqing\"]]}",
        )
        .unwrap_err();
        assert_eq!(
            err.errors[0].field, "authors[0]",
            "an author is an object, not a list"
        );
        let err = parse_json::<ResourceInput>(b"[\"t\"]").unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidBody,
            "a body is an object, not a list"
        );
        let err = parse_json::<ResourceInput>(b"{\"title\": \"t\"} trailing").unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedBody);
    }
}
