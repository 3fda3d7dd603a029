//! Bearer-token authentication (RFC 6750) for routes that need a key.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::observe::KeyName;
use super::problem::{ApiError, ErrorCode};
use crate::domain::Scope;
use crate::service::{AuthFailure, Principal, Service};

/// The realm named in `WWW-Authenticate`.
const REALM: &str = "lore";

/// The key behind a request that needs write scope. Extracting it answers 401 (with
/// `WWW-Authenticate: Bearer`) without a valid token and 403 when the key's scope is too
/// narrow.
#[derive(Debug, Clone)]
pub struct WriteKey(pub Principal);

impl FromRequest for WriteKey {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authorize(&req, Scope::Write).await.map(WriteKey) })
    }
}

/// The bearer token of a request, if it sent an `Authorization: Bearer` header.
fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default().trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthorized(
            "the Authorization header must be `Bearer TOKEN`",
            Some("invalid_request"),
        ));
    }
    Ok(Some(token.trim().to_owned()))
}

fn unauthorized(detail: &str, error: Option<&str>) -> ApiError {
    let challenge = match error {
        Some(error) => format!("Bearer realm=\"{REALM}\", error=\"{error}\""),
        None => format!("Bearer realm=\"{REALM}\""),
    };
    ApiError::new(ErrorCode::Unauthorized, detail).header(header::WWW_AUTHENTICATE, challenge)
}

/// Authenticates the request's bearer token and checks that its key allows `required`.
///
/// # Errors
/// `unauthorized` (401) without a token or with one that is malformed, unknown or revoked;
/// `forbidden` (403) when the key's scope is too narrow; `store_unavailable` when the
/// store cannot be asked.
pub async fn authorize(req: &HttpRequest, required: Scope) -> Result<Principal, ApiError> {
    let Some(token) = bearer(req)? else {
        return Err(unauthorized(
            &format!("this request needs a key with `{required}` scope"),
            None,
        ));
    };
    let service = req
        .app_data::<web::Data<Service>>()
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the service is not configured"))?;
    match service.authenticate(&token).await? {
        Ok(principal) if principal.scope.allows(required) => {
            req.extensions_mut().insert(KeyName(principal.name.clone()));
            Ok(principal)
        }
        Ok(principal) => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "the key `{}` has `{}` scope; this request needs `{required}`",
                principal.name, principal.scope
            ),
        )
        .header(
            header::WWW_AUTHENTICATE,
            format!("Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{required}\""),
        )),
        Err(AuthFailure::Malformed) => Err(unauthorized(
            "the bearer token is not a lore token",
            Some("invalid_token"),
        )),
        Err(AuthFailure::Invalid) => Err(unauthorized(
            "the bearer token is unknown or revoked",
            Some("invalid_token"),
        )),
    }
}
