//! Strict query strings: unknown parameters and bad values are errors, never ignored.
//!
//! Filters take several values by repeating the parameter or with commas
//! (`level=beginner&level=advanced` is `level=beginner,advanced`); values are alternatives.

use std::fmt::Display;

use crate::domain::{
    Cursor, PageRequest, Position, Sort, SortKey, SortValue, Timestamp, UnknownTerm,
};

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

    /// A list parameter whose values each parse with `parse`.
    ///
    /// # Errors
    /// `invalid_parameter` naming the parameter and saying what `parse` expected.
    pub fn parsed<T, E: Display>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, E>,
    ) -> Result<Vec<T>, ApiError> {
        self.values(name)?
            .into_iter()
            .map(|value| {
                parse(value).map_err(|err| {
                    ApiError::new(ErrorCode::InvalidParameter, format!("`{name}`: {err}")).field(
                        name,
                        err.to_string(),
                        None,
                    )
                })
            })
            .collect()
    }

    /// `sort` as one of `allowed` (see [`Sort`]'s name lists), or `None` when absent.
    ///
    /// # Errors
    /// `invalid_parameter` naming the allowed values; `repeated_parameter`.
    pub fn sort(&self, allowed: &'static [&'static str]) -> Result<Option<Sort>, ApiError> {
        let Some(raw) = self.single("sort")? else {
            return Ok(None);
        };
        Sort::parse(raw, allowed).map(Some).map_err(|err| {
            let names = err.allowed.iter().map(|a| (*a).to_owned()).collect();
            ApiError::new(ErrorCode::InvalidParameter, err.to_string()).field(
                "sort",
                format!("`{}` is not a {}", err.value, err.vocabulary),
                Some(names),
            )
        })
    }

    /// `limit` and `cursor` as a page request in id (import) order.
    ///
    /// # Errors
    /// `invalid_parameter` for a limit outside 1..=[`MAX_LIMIT`] or a malformed cursor.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        self.sorted_page(None)
    }

    /// `limit` and `cursor` as a page request in `sort` order (id order for `None`).
    ///
    /// # Errors
    /// As [`Query::page`].
    pub fn sorted_page(&self, sort: Option<Sort>) -> Result<PageRequest, ApiError> {
        let limit = self.number("limit", 1, i64::from(MAX_LIMIT), i64::from(DEFAULT_LIMIT))?;
        let limit = u32::try_from(limit).unwrap_or(DEFAULT_LIMIT);
        let cursor = match self.single("cursor")? {
            None => None,
            Some(raw) => Some(decode_cursor(raw, sort).ok_or_else(|| {
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
        Ok(PageRequest {
            limit,
            cursor,
            sort,
        })
    }

    /// `updated_since` as an instant, or `None` when absent.
    ///
    /// # Errors
    /// `invalid_parameter` for text that is not RFC 3339; `repeated_parameter`.
    pub fn timestamp(&self, name: &str) -> Result<Option<Timestamp>, ApiError> {
        let Some(raw) = self.single(name)? else {
            return Ok(None);
        };
        Timestamp::parse(raw).map(Some).map_err(|err| {
            ApiError::new(ErrorCode::InvalidParameter, format!("`{name}`: {err}")).field(
                name,
                err.to_string(),
                None,
            )
        })
    }
}

/// Cursor text: `a` (after) or `b` (before), the record id in base 36 and, in a sorted
/// list, `.` and the record's sort value: a title sort key as it is (letters and digits),
/// a year or a time (seconds since 1970) as a base-36 number offset by 2⁶³. Clients treat
/// it as opaque; every string matching [`CURSOR_PATTERN`] is a valid position in any
/// order (a value read in another order than it was issued for is a position all the
/// same).
pub fn encode_cursor(cursor: &Cursor, sort: Option<Sort>) -> String {
    let (tag, position) = match cursor {
        Cursor::After(position) => ('a', position),
        Cursor::Before(position) => ('b', position),
    };
    let mut text = String::new();
    text.push(tag);
    text.push_str(&base36(u64::try_from(position.id).unwrap_or(0)));
    let value = match (sort.map(|s| s.key), &position.value) {
        (Some(SortKey::Title), Some(SortValue::Text(key))) => Some(key.clone()),
        (Some(SortKey::Year), Some(SortValue::Int(year))) => Some(offset36(*year)),
        (Some(SortKey::CreatedAt | SortKey::UpdatedAt), Some(SortValue::Text(at))) => {
            Some(offset36(Timestamp::unix_of(at).unwrap_or(0)))
        }
        _ => None,
    };
    if let Some(value) = value {
        text.push('.');
        text.push_str(&value);
    }
    text
}

/// The form of a cursor, for the OpenAPI document.
pub const CURSOR_PATTERN: &str = r"^[ab][0-9a-z]{1,12}(\.[0-9a-z]{0,64})?$";

fn base36(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.into_iter().rev().collect()
}

/// A signed number as base 36 of its distance from `i64::MIN` (so that it needs no sign).
fn offset36(n: i64) -> String {
    base36(n.wrapping_sub(i64::MIN) as u64)
}

/// The inverse of [`offset36`] for any string of base-36 digits: empty is `i64::MIN`,
/// beyond the range saturates at `i64::MAX`.
fn from_offset36(digits: &str) -> i64 {
    let mut n: u64 = 0;
    for c in digits.chars() {
        let digit = u64::from(c.to_digit(36).unwrap_or(0));
        n = n.saturating_mul(36).saturating_add(digit);
    }
    (n as i64).wrapping_add(i64::MIN)
}

fn decode_cursor(raw: &str, sort: Option<Sort>) -> Option<Cursor> {
    let (tag, rest) = raw.split_at_checked(1)?;
    let (digits, value) = match rest.split_once('.') {
        Some((digits, value)) => (digits, Some(value)),
        None => (rest, None),
    };
    let base36 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if digits.is_empty() || digits.len() > 12 || !base36(digits) {
        return None;
    }
    if value.is_some_and(|v| v.len() > 64 || !base36(v)) {
        return None;
    }
    let id = i64::from_str_radix(digits, 36).ok()?;
    let value = value.unwrap_or("");
    let value = match sort.map(|s| s.key) {
        None | Some(SortKey::Relevance) => None,
        Some(SortKey::Title) => Some(SortValue::Text(value.to_owned())),
        Some(SortKey::Year) => Some(SortValue::Int(from_offset36(value))),
        Some(SortKey::CreatedAt | SortKey::UpdatedAt) => Some(SortValue::Text(
            Timestamp::from_unix(from_offset36(value))
                .as_str()
                .to_owned(),
        )),
    };
    let position = Position { value, id };
    match tag {
        "a" => Some(Cursor::After(position)),
        "b" => Some(Cursor::Before(position)),
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
            Cursor::After(Position::id(0)),
            Cursor::After(Position::id(35)),
            Cursor::Before(Position::id(123_456_789)),
        ] {
            assert_eq!(
                decode_cursor(&encode_cursor(&cursor, None), None),
                Some(cursor)
            );
        }
        for raw in [
            "",
            "a",
            "c12",
            "a!",
            "aZZ",
            "a1234567890123",
            "a1.A",
            "a1.-",
            "a1..2",
        ] {
            assert_eq!(decode_cursor(raw, None), None, "{raw}");
        }
    }

    #[test]
    fn sorted_cursors_carry_the_sort_value() {
        let sorts = |key| [false, true].map(|descending| Some(Sort { key, descending }));
        let cases = [
            (SortKey::Title, SortValue::Text("fasterrcnn".into())),
            (SortKey::Title, SortValue::Text(String::new())),
            (SortKey::Year, SortValue::Int(2015)),
            (SortKey::Year, SortValue::Int(crate::domain::NO_YEAR)),
            (
                SortKey::CreatedAt,
                SortValue::Text("2026-11-30T03:38:00Z".into()),
            ),
            (
                SortKey::UpdatedAt,
                SortValue::Text("1969-07-20T20:17:40Z".into()),
            ),
        ];
        for (key, value) in cases {
            for sort in sorts(key) {
                let cursor = Cursor::Before(Position {
                    value: Some(value.clone()),
                    id: 42,
                });
                let text = encode_cursor(&cursor, sort);
                assert_eq!(decode_cursor(&text, sort), Some(cursor), "{text}");
            }
        }
    }

    #[test]
    fn any_text_of_the_cursor_pattern_is_a_position_in_any_order() {
        let orders = [
            None,
            Some(SortKey::Title),
            Some(SortKey::Year),
            Some(SortKey::CreatedAt),
        ];
        for raw in [
            "a0",
            "b0.",
            "azzzzzzzzzzzz.zzzzzzzzzzzzzzzzzzzzzzzz",
            "a1.0",
            "b9.abc",
        ] {
            for key in orders {
                let sort = key.map(|key| Sort {
                    key,
                    descending: false,
                });
                assert!(decode_cursor(raw, sort).is_some(), "{raw} {key:?}");
            }
        }
        assert_eq!(from_offset36(""), i64::MIN);
        assert_eq!(from_offset36(&"z".repeat(64)), i64::MAX);
    }
}
