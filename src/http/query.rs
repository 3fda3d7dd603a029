//! Strict query strings: unknown parameters and bad values are errors, never ignored.
//!
//! Filters take several values by repeating the parameter or with commas
//! (`level=beginner&level=advanced` is `level=beginner,advanced`); values are alternatives.

use crate::domain::UnknownTerm;
use crate::store::{Cursor, PageRequest};

use super::problem::{ApiError, ErrorCode};

/// Default page size of list routes.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of list routes.
pub const MAX_LIMIT: u32 = 500;

/// The decoded parameters of one request.
#[derive(Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (`application/x-www-form-urlencoded`) and rejects parameters not in
    /// `known`.
    ///
    /// # Errors
    /// `malformed_query` for undecodable text; `unknown_parameter` naming the parameter and
    /// the ones the route takes.
    pub fn parse(raw: &str, known: &[&str]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|err| {
            ApiError::new(
                ErrorCode::MalformedQuery,
                format!("the query string cannot be decoded: {err}"),
            )
        })?;
        if let Some((name, _)) = pairs
            .iter()
            .find(|(name, _)| !known.contains(&name.as_str()))
        {
            let allowed: Vec<String> = known.iter().map(|k| (*k).to_owned()).collect();
            return Err(ApiError::new(
                ErrorCode::UnknownParameter,
                format!(
                    "this route does not take the parameter `{name}`; it takes: {}",
                    known.join(", ")
                ),
            )
            .field(name, "unknown parameter", Some(allowed)));
        }
        Ok(Query { pairs })
    }

    /// Every value of a list parameter: repeats and commas split, blanks trimmed.
    ///
    /// # Errors
    /// `invalid_parameter` when a value is empty.
    pub fn values(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let mut out = Vec::new();
        for (_, value) in self.pairs.iter().filter(|(n, _)| n == name) {
            for part in value.split(',') {
                let part = part.trim();
                if part.is_empty() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!("`{name}` must not be empty"),
                    )
                    .field(name, "empty value", None));
                }
                out.push(part);
            }
        }
        Ok(out)
    }

    /// Every value of a free-text list parameter (names, slugs): repeats and commas split,
    /// blanks trimmed, empty parts ignored.
    pub fn free_values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect()
    }

    /// A list parameter parsed as a closed vocabulary.
    ///
    /// # Errors
    /// `invalid_parameter` naming the parameter and the allowed values.
    pub fn terms<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, UnknownTerm>,
    ) -> Result<Vec<T>, ApiError> {
        self.values(name)?
            .into_iter()
            .map(|value| {
                parse(value).map_err(|err| {
                    let allowed = err.allowed.iter().map(|a| (*a).to_owned()).collect();
                    ApiError::new(ErrorCode::InvalidParameter, err.to_string()).field(
                        name,
                        format!("`{}` is not a {}", err.value, err.vocabulary),
                        Some(allowed),
                    )
                })
            })
            .collect()
    }

    /// A parameter that takes at most one value.
    ///
    /// # Errors
    /// `repeated_parameter` when given more than once.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::new(
                ErrorCode::RepeatedParameter,
                format!("`{name}` takes one value"),
            )
            .field(name, "given more than once", None));
        }
        Ok(first)
    }

    /// An integer parameter within `min..=max`, or `default` when absent.
    ///
    /// # Errors
    /// `invalid_parameter` naming the parameter and the range; `repeated_parameter`.
    pub fn number(&self, name: &str, min: i64, max: i64, default: i64) -> Result<i64, ApiError> {
        let Some(raw) = self.single(name)? else {
            return Ok(default);
        };
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let range = if max == i64::MAX {
                    format!("≥ {min}")
                } else {
                    format!("from {min} to {max}")
                };
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("`{name}` must be an integer {range}"),
                )
                .field(name, format!("`{raw}` is not an integer {range}"), None)
            })
    }

    /// `limit` and `cursor` as a page request.
    ///
    /// # Errors
    /// `invalid_parameter` for a limit outside 1..=[`MAX_LIMIT`] or a malformed cursor.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = self.number("limit", 1, i64::from(MAX_LIMIT), i64::from(DEFAULT_LIMIT))?;
        let limit = u32::try_from(limit).unwrap_or(DEFAULT_LIMIT);
        let cursor = match self.single("cursor")? {
            None => None,
            Some(raw) => Some(decode_cursor(raw).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    "`cursor` is not a cursor this server issued",
                )
                .field(
                    "cursor",
                    "use the `next` or `prev` link of a previous page",
                    None,
                )
            })?),
        };
        Ok(PageRequest { limit, cursor })
    }
}

/// Cursor text: `a` (after) or `b` (before) and a record id in base 36. Clients treat it
/// as opaque; every string matching [`CURSOR_PATTERN`] is a valid position.
pub fn encode_cursor(cursor: Cursor) -> String {
    let (tag, id) = match cursor {
        Cursor::After(id) => ('a', id),
        Cursor::Before(id) => ('b', id),
    };
    let mut digits = Vec::new();
    let mut n = u64::try_from(id).unwrap_or(0);
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    std::iter::once(tag)
        .chain(digits.into_iter().rev())
        .collect()
}

/// The form of a cursor, for the OpenAPI document.
pub const CURSOR_PATTERN: &str = "^[ab][0-9a-z]{1,12}$";

fn decode_cursor(raw: &str) -> Option<Cursor> {
    let (tag, digits) = raw.split_at_checked(1)?;
    if digits.is_empty()
        || digits.len() > 12
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return None;
    }
    let id = i64::from_str_radix(digits, 36).ok()?;
    match tag {
        "a" => Some(Cursor::After(id)),
        "b" => Some(Cursor::Before(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Level;

    #[test]
    fn repeats_and_commas_are_alternatives() {
        let q = Query::parse("level=beginner,advanced&level=Intermediate", &["level"]).unwrap();
        assert_eq!(
            q.terms("level", Level::parse).unwrap(),
            [Level::Beginner, Level::Advanced, Level::Intermediate]
        );
    }

    #[test]
    fn unknown_parameters_name_themselves_and_the_known_ones() {
        let err = Query::parse("levle=beginner", &["level", "limit"]).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownParameter);
        assert_eq!(err.errors[0].field, "levle");
        assert_eq!(
            err.errors[0].allowed.as_deref(),
            Some(&["level".to_owned(), "limit".to_owned()][..])
        );
    }

    #[test]
    fn bad_terms_list_the_allowed_values() {
        let q = Query::parse("level=expert", &["level"]).unwrap();
        let err = q.terms("level", Level::parse).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameter);
        assert_eq!(err.errors[0].field, "level");
        assert!(
            err.errors[0]
                .allowed
                .as_ref()
                .unwrap()
                .contains(&"beginner".to_owned())
        );
    }

    #[test]
    fn limits_outside_the_range_are_rejected() {
        for raw in ["0", "501", "-1", "ten", ""] {
            let q = Query::parse(&format!("limit={raw}"), &["limit"]).unwrap();
            assert_eq!(
                q.page().unwrap_err().code,
                ErrorCode::InvalidParameter,
                "{raw}"
            );
        }
        let q = Query::parse("limit=500", &["limit"]).unwrap();
        assert_eq!(q.page().unwrap().limit, 500);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        for cursor in [
            Cursor::After(0),
            Cursor::After(35),
            Cursor::Before(123_456_789),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(cursor)), Some(cursor));
        }
        for raw in ["", "a", "c12", "a!", "aZZ", "a1234567890123"] {
            assert_eq!(decode_cursor(raw), None, "{raw}");
        }
    }
}
