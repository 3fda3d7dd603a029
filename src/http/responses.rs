//! Error responses shared by many routes, for their OpenAPI descriptions.

use utoipa::IntoResponses;

use super::problem::Problem;

/// What any route needing a key may answer besides success.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum KeyErrors {
    /// An unknown query parameter.
    #[response(
        status = 400,
        description = "Unknown query parameter or unreadable body",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    /// No valid bearer token.
    #[response(
        status = 401,
        description = "No valid bearer token",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"lore\"`, with `error` when a token was sent"))
    )]
    Unauthorized(Problem),
    /// The key's scope is too narrow.
    #[response(
        status = 403,
        description = "The key's scope does not allow this",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer ... error=\"insufficient_scope\"`"))
    )]
    Forbidden(Problem),
    /// The store does not answer.
    #[response(
        status = 503,
        description = "The store is unavailable",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// What a route reading a request body may answer besides success.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// The body is too large.
    #[response(
        status = 413,
        description = "The body is larger than the server accepts",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    /// The body's media type is not accepted.
    #[response(
        status = 415,
        description = "Unsupported media type",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    /// A field is missing, unknown or invalid.
    #[response(
        status = 422,
        description = "A field is missing, unknown or invalid; `errors` names each",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// What a conditional change of an existing record may answer besides success.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ConditionalErrors {
    /// No record has this slug.
    #[response(
        status = 404,
        description = "No record has this slug",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    /// `If-Match` does not match.
    #[response(
        status = 412,
        description = "`If-Match` is stale: the record changed since it was read",
        content_type = "application/problem+json",
        headers(("ETag" = String, description = "The current entity tag"))
    )]
    Stale(Problem),
    /// `If-Match` is missing.
    #[response(
        status = 428,
        description = "`If-Match` is required",
        content_type = "application/problem+json"
    )]
    Required(Problem),
}
