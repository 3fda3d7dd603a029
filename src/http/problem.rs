//! RFC 9457 problem details: the one shape every HTTP error leaves in.
//!
//! Each error has a stable machine-readable `code` from [`ErrorCode`], which fixes its
//! status and title; `detail` says what went wrong this time, and `errors` names the
//! offending fields or parameters.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::ServiceError;
use crate::store::StoreError;

/// The media type of problem details (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

macro_rules! error_codes {
    ($( $(#[$meta:meta])* $variant:ident = ($code:tt, $status:ident, $title:literal) ),+ $(,)?) => {
        /// Stable error codes; clients may match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
        pub enum ErrorCode {
            $( $(#[$meta])* #[serde(rename = $code)] $variant, )+
        }

        impl ErrorCode {
            /// The code as sent in `code`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }
            /// The HTTP status that goes with the code.
            pub const fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),+ }
            }
            /// A short, fixed summary of the problem type (RFC 9457 `title`).
            pub const fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),+ }
            }
        }
    };
}

error_codes! {
    /// A query parameter's value is not allowed (`level=expert`, `limit=0`).
    InvalidParameter = ("invalid_parameter", BAD_REQUEST, "A parameter has an invalid value"),
    /// The query string names a parameter the route does not take.
    UnknownParameter = ("unknown_parameter", BAD_REQUEST, "Unknown query parameter"),
    /// A parameter that takes one value was given several.
    RepeatedParameter = ("repeated_parameter", BAD_REQUEST, "A query parameter was repeated"),
    /// A required query parameter is absent (`q` of `/search`).
    MissingParameter = ("missing_parameter", BAD_REQUEST, "A required query parameter is missing"),
    /// The query string is not `application/x-www-form-urlencoded`.
    MalformedQuery = ("malformed_query", BAD_REQUEST, "The query string cannot be read"),
    /// No resource has this slug.
    ResourceNotFound = ("resource_not_found", NOT_FOUND, "Resource not found"),
    /// No concept has this slug.
    ConceptNotFound = ("concept_not_found", NOT_FOUND, "Concept not found"),
    /// No route has this path.
    RouteNotFound = ("route_not_found", NOT_FOUND, "No such route"),
    /// The route exists but not for this method; `Allow` lists the methods.
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    /// The request body is not well-formed JSON (or not JSON at all).
    MalformedBody = ("malformed_body", BAD_REQUEST, "The request body cannot be read"),
    /// The body is well-formed but a field is missing, unknown or invalid; see `errors`.
    InvalidBody = ("invalid_body", UNPROCESSABLE_ENTITY, "The request body is invalid"),
    /// The body is larger than the server accepts.
    PayloadTooLarge = ("payload_too_large", PAYLOAD_TOO_LARGE, "The request body is too large"),
    /// The request body did not arrive within the server's body-read time limit
    /// (`--body-timeout`).
    RequestTimeout = ("request_timeout", REQUEST_TIMEOUT, "The request body took too long"),
    /// The request's URL (path and query) is longer than the server reads.
    UriTooLong = ("uri_too_long", URI_TOO_LONG, "The URL is too long"),
    /// The body's media type is not one the route takes.
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    /// None of the media types in `Accept` can be produced.
    NotAcceptable = ("not_acceptable", NOT_ACCEPTABLE, "Not acceptable"),
    /// A slug or citation key is taken.
    Conflict = ("conflict", CONFLICT, "Conflict"),
    /// No link of this relation joins these records.
    LinkNotFound = ("link_not_found", NOT_FOUND, "Link not found"),
    /// A bearer token is required, or the one given is not valid.
    Unauthorized = ("unauthorized", UNAUTHORIZED, "Authentication required"),
    /// The key's scope does not allow this.
    Forbidden = ("forbidden", FORBIDDEN, "Insufficient scope"),
    /// `If-Match` is required to change or delete a record.
    PreconditionRequired = ("precondition_required", PRECONDITION_REQUIRED, "If-Match required"),
    /// `If-Match` does not match the current representation.
    PreconditionFailed = ("precondition_failed", PRECONDITION_FAILED, "The record has changed"),
    /// A page on another origin tried to write, and the server does not list that origin.
    OriginNotAllowed = ("origin_not_allowed", FORBIDDEN, "Origin not allowed to write"),
    /// Too many requests from this client or key; `Retry-After` says when to come back.
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS, "Too many requests"),
    /// The database does not answer.
    StoreUnavailable = ("store_unavailable", SERVICE_UNAVAILABLE, "The store is unavailable"),
    /// The search index is not available on this server.
    SearchUnavailable = ("search_unavailable", SERVICE_UNAVAILABLE, "Search is unavailable"),
    /// The request took longer than the server's time limit (`--query-timeout`).
    QueryTimeout = ("query_timeout", SERVICE_UNAVAILABLE, "The request took too long"),
    /// A fault on our side; the log has the cause.
    Internal = ("internal", INTERNAL_SERVER_ERROR, "Internal error"),
}

/// One offending field or parameter.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// The parameter or JSON field, e.g. `level`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
    /// The values it accepts, when they are a closed set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// An RFC 9457 problem details object, with lore's `code` and `errors` extensions.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:lore:problem:invalid_parameter",
    "title": "A parameter has an invalid value",
    "status": 400,
    "detail": "`expert` is not a level; expected one of: beginner, intermediate, advanced, multiple",
    "instance": "/resources?level=expert",
    "code": "invalid_parameter",
    "errors": [{"field": "level", "message": "`expert` is not a level", "allowed": ["beginner", "intermediate", "advanced", "multiple"]}]
}))]
pub struct Problem {
    /// A URI naming the problem type: `urn:lore:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request target the problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub code: ErrorCode,
    /// The offending fields or parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub instance: Option<String>,
    /// Extra response headers (`Allow`, `WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    /// An error with a code and a detail message.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            instance: None,
            headers: Vec::new(),
        }
    }

    /// Names an offending field or parameter.
    pub fn field(
        mut self,
        field: &str,
        message: impl Into<String>,
        allowed: Option<Vec<String>>,
    ) -> Self {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
            allowed,
        });
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the `Allow` header of a 405.
    pub fn allow(self, methods: &[Method]) -> Self {
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        self.header(header::ALLOW, allow)
    }

    /// Sets the request target the problem is about.
    pub fn at(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The problem details body.
    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:lore:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            instance: self.instance.clone(),
            code: self.code,
            errors: self.errors.clone(),
        }
    }
}

/// Runs a handler body and marks any error it returns with the request target
/// (RFC 9457 `instance`).
pub async fn located<T>(
    req: &actix_web::HttpRequest,
    body: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    body.await.map_err(|err| {
        if err.instance.is_some() {
            err
        } else {
            err.at(req.uri().to_string())
        }
    })
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        // Every 503 says when to come back (RFC 9110 §10.2.3); the causes that know better
        // set their own.
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE
            && !self
                .headers
                .iter()
                .any(|(name, _)| name == header::RETRY_AFTER)
        {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound { entity, slug } => {
                let code = if entity == "concept" {
                    ErrorCode::ConceptNotFound
                } else {
                    ErrorCode::ResourceNotFound
                };
                ApiError::new(code, format!("no {entity} has the slug `{slug}`"))
            }
            ServiceError::Unavailable => ApiError::new(
                ErrorCode::StoreUnavailable,
                "the store does not answer; try again shortly",
            ),
            ServiceError::Conflict { field, ref what } => {
                ApiError::new(ErrorCode::Conflict, what.clone()).field(field, what.clone(), None)
            }
            ServiceError::Store(StoreError::Busy) => ApiError::new(
                ErrorCode::StoreUnavailable,
                "another write holds the store (a long import, say); try again shortly",
            )
            .header(
                header::RETRY_AFTER,
                crate::store::WRITE_LOCK_WAIT.as_secs().to_string(),
            ),
            ServiceError::Store(StoreError::Timeout) => super::limits::query_timeout_error(),
            ServiceError::Store(StoreError::Conflict { field }) => ApiError::new(
                ErrorCode::Conflict,
                format!("another record has this {field}"),
            ),
            ServiceError::Stale { .. } => {
                ApiError::new(ErrorCode::PreconditionFailed, err.to_string())
            }
            ServiceError::KeyChange { .. } => ApiError::new(
                ErrorCode::InvalidBody,
                err.to_string(),
            )
            .field("citation_key", err.to_string(), None),
            ServiceError::SelfLink { .. } => ApiError::new(ErrorCode::InvalidBody, err.to_string()),
            ServiceError::ContradictoryLink { .. } => ApiError::new(
                ErrorCode::Conflict,
                err.to_string(),
            )
            .field("relation", err.to_string(), None),
            ServiceError::NoLink { .. } => ApiError::new(ErrorCode::LinkNotFound, err.to_string()),
            ServiceError::Parse(ref parse) => {
                ApiError::new(ErrorCode::InvalidBody, parse.to_string())
            }
            ServiceError::InvalidKeyName { .. } => {
                ApiError::new(ErrorCode::InvalidBody, err.to_string())
            }
            ServiceError::KeyExists { .. } => ApiError::new(ErrorCode::Conflict, err.to_string()),
            ServiceError::Store(StoreError::Database(
                ref cause @ (sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)),
            )) => {
                tracing::error!(error = %cause, "store unavailable");
                ApiError::new(
                    ErrorCode::StoreUnavailable,
                    "the store did not answer; try again shortly",
                )
            }
            ServiceError::SearchUnavailable => ApiError::new(
                ErrorCode::SearchUnavailable,
                "this server has no search index",
            ),
            other => {
                tracing::error!(error = ?other, "request failed");
                ApiError::new(
                    ErrorCode::Internal,
                    "the request failed on our side; the server log has the cause",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(error: &ApiError) -> Option<String> {
        let response = error.error_response();
        response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn every_503_says_when_to_come_back() {
        let unavailable = ApiError::from(ServiceError::Unavailable);
        assert_eq!(unavailable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after(&unavailable).as_deref(), Some("1"));
        let busy = ApiError::from(ServiceError::Store(StoreError::Busy));
        assert_eq!(
            retry_after(&busy),
            Some(crate::store::WRITE_LOCK_WAIT.as_secs().to_string()),
            "a cause that knows better keeps its own"
        );
        let not_found = ApiError::from(ServiceError::NotFound {
            entity: "resource",
            slug: "x".into(),
        });
        assert_eq!(retry_after(&not_found), None);
    }
}
