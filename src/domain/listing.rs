//! What a list asks for: filters, a sort order and a page position. Parsed at the edge
//! (HTTP parameters, CLI flags); the store turns them into SQL and the search index into
//! tantivy queries.
//!
//! Filters follow the API's rule: values of one filter are alternatives (OR), filters
//! combine (AND); an empty list does not filter.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::matching::{name_key, title_sort_key};
use super::{Category, Concept, Has, Level, Resource, ResourceKind, UnknownTerm};

/// What a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Title (or concept name), letter by letter: case, accents, spaces and punctuation
    /// ignored ([`title_sort_key`]).
    Title,
    /// Publication year; records without one count as older than any.
    Year,
    /// When lore created the record.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
    /// Search relevance, best first (search only).
    Relevance,
}

impl SortKey {
    /// The key's name in `sort=`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SortKey::Title => "title",
            SortKey::Year => "year",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
            SortKey::Relevance => "relevance",
        }
    }
}

/// A sort order: a key, ascending or descending (`-` in front of its name). Ties are
/// broken by record id, in the same direction, so the order is total and stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// The `sort=` values of resource lists.
    pub const RESOURCE_NAMES: &'static [&'static str] = &[
        "title",
        "-title",
        "year",
        "-year",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ];
    /// The `sort=` values of concept lists (concepts have no year).
    pub const CONCEPT_NAMES: &'static [&'static str] = &[
        "title",
        "-title",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ];
    /// The `sort=` values of searches; `relevance` and `-relevance` both put the best
    /// match first.
    pub const SEARCH_NAMES: &'static [&'static str] = &[
        "relevance",
        "-relevance",
        "title",
        "-title",
        "year",
        "-year",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ];

    /// Parses one of `allowed` (one of the `*_NAMES` lists).
    ///
    /// # Errors
    /// [`UnknownTerm`] naming the allowed values.
    pub fn parse(raw: &str, allowed: &'static [&'static str]) -> Result<Sort, UnknownTerm> {
        let name = raw.trim();
        let unknown = || UnknownTerm {
            value: name.to_owned(),
            vocabulary: "sort order",
            allowed,
        };
        if !allowed.contains(&name) {
            return Err(unknown());
        }
        let (descending, key) = match name.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, name),
        };
        let key = match key {
            "title" => SortKey::Title,
            "year" => SortKey::Year,
            "created_at" => SortKey::CreatedAt,
            "updated_at" => SortKey::UpdatedAt,
            "relevance" => SortKey::Relevance,
            _ => return Err(unknown()),
        };
        Ok(Sort { key, descending })
    }

    /// The value a resource sorts by under this order (`None` for relevance).
    pub fn value_of_resource(self, resource: &Resource) -> Option<SortValue> {
        Some(match self.key {
            SortKey::Title => SortValue::Text(title_sort_key(&resource.data.title)),
            SortKey::Year => SortValue::Int(resource.data.year.map_or(NO_YEAR, i64::from)),
            SortKey::CreatedAt => SortValue::Text(resource.created_at.clone()),
            SortKey::UpdatedAt => SortValue::Text(resource.updated_at.clone()),
            SortKey::Relevance => return None,
        })
    }

    /// The value a concept sorts by under this order (`None` for relevance; concepts
    /// have no year and sort as records without one).
    pub fn value_of_concept(self, concept: &Concept) -> Option<SortValue> {
        Some(match self.key {
            SortKey::Title => SortValue::Text(title_sort_key(&concept.data.name)),
            SortKey::Year => SortValue::Int(NO_YEAR),
            SortKey::CreatedAt => SortValue::Text(concept.created_at.clone()),
            SortKey::UpdatedAt => SortValue::Text(concept.updated_at.clone()),
            SortKey::Relevance => return None,
        })
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.key.as_str())
    }
}

/// The year a record without one sorts as: before every year.
pub const NO_YEAR: i64 = -2_147_483_648;

/// The value a record sorts by: a title sort key or an RFC 3339 time as text (both
/// compare as bytes), or a year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Text(String),
    Int(i64),
}

/// A record's place in a sorted list: its sort value (`None` in id order) and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub value: Option<SortValue>,
    pub id: i64,
}

impl Position {
    /// A place in id order.
    pub fn id(id: i64) -> Position {
        Position { value: None, id }
    }

    /// The place of resource `id` in `sort` order (id order for `None`).
    pub fn of_resource(sort: Option<Sort>, resource: &Resource, id: i64) -> Position {
        Position {
            value: sort.and_then(|s| s.value_of_resource(resource)),
            id,
        }
    }

    /// The place of concept `id` in `sort` order (id order for `None`).
    pub fn of_concept(sort: Option<Sort>, concept: &Concept, id: i64) -> Position {
        Position {
            value: sort.and_then(|s| s.value_of_concept(concept)),
            id,
        }
    }
}

/// Where a page starts (opaque to clients; see `http::query` for the encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// Records after this place in the list's order.
    After(Position),
    /// Records before this place; the page still lists them in the list's order.
    Before(Position),
}

/// A page request: at most `limit` records from `cursor` (or from the start), in `sort`
/// order (import order when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub sort: Option<Sort>,
}

/// One page of records in the requested order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Records matching the filter, over all pages (exact; the store counts once per
    /// filter and change-log position).
    pub total: i64,
    /// Records exist before the first item of this page.
    pub has_before: bool,
    /// Records exist after the last item of this page.
    pub has_after: bool,
}

/// A year or a range of years, ends included: `2015`, `2015..2020`, `2015..`, `..2020`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// Why a year filter did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a year or a range of years: give `2015`, `2015..2020`, `2015..` or `..2020` (years 0 to 9999)"
)]
pub struct BadYearRange(pub String);

impl YearRange {
    /// The form of a year filter, for the OpenAPI document.
    pub const PATTERN: &'static str = r"^([0-9]{1,4}(\.\.([0-9]{1,4})?)?|\.\.[0-9]{1,4})$";

    /// Parses `2015`, `2015..2020`, `2015..` or `..2020`. A range whose first year is
    /// after its last holds no year.
    ///
    /// # Errors
    /// [`BadYearRange`].
    pub fn parse(raw: &str) -> Result<YearRange, BadYearRange> {
        let text = raw.trim();
        let bad = || BadYearRange(text.to_owned());
        let year = |part: &str| -> Result<Option<i32>, BadYearRange> {
            if part.is_empty() {
                return Ok(None);
            }
            if part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map(Some).map_err(|_| bad())
        };
        match text.split_once("..") {
            None => {
                let only = year(text)?.ok_or_else(bad)?;
                Ok(YearRange {
                    from: Some(only),
                    to: Some(only),
                })
            }
            Some((from, to)) => {
                let range = YearRange {
                    from: year(from)?,
                    to: year(to)?,
                };
                if range.from.is_none() && range.to.is_none() {
                    return Err(bad());
                }
                Ok(range)
            }
        }
    }

    /// Whether `year` is in the range.
    pub fn contains(self, year: i32) -> bool {
        self.from.is_none_or(|from| from <= year) && self.to.is_none_or(|to| year <= to)
    }
}

/// An instant, as the store writes times: RFC 3339 in UTC with whole seconds
/// (`2026-11-30T03:38:00Z`), so that it compares with stored times as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(String);

/// Why a time did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 date and time such as `2026-01-31T09:00:00Z`")]
pub struct BadTimestamp(pub String);

impl Timestamp {
    /// Parses an RFC 3339 date and time with any offset; a fraction of a second rounds
    /// up to the next whole second (a record stamped within the same second but before
    /// the given instant is not after it). Instants beyond the years 0 to 9999 in UTC
    /// are clamped to them.
    ///
    /// # Errors
    /// [`BadTimestamp`].
    pub fn parse(raw: &str) -> Result<Timestamp, BadTimestamp> {
        let text = raw.trim();
        let at =
            OffsetDateTime::parse(text, &Rfc3339).map_err(|_| BadTimestamp(text.to_owned()))?;
        let rounding = i64::from(at.nanosecond() > 0);
        Ok(Timestamp::from_unix(
            at.unix_timestamp().saturating_add(rounding),
        ))
    }

    /// The instant `seconds` after 1970-01-01T00:00:00Z, clamped to the years 0 to 9999.
    pub fn from_unix(seconds: i64) -> Timestamp {
        const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let at = OffsetDateTime::from_unix_timestamp(seconds.clamp(MIN, MAX))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Timestamp::from_datetime(at).unwrap_or_else(|| Timestamp("1970-01-01T00:00:00Z".into()))
    }

    fn from_datetime(at: OffsetDateTime) -> Option<Timestamp> {
        if !(0..=9999).contains(&at.year()) {
            return None;
        }
        at.format(&Rfc3339).ok().map(Timestamp)
    }

    /// Seconds since 1970-01-01T00:00:00Z of a time as the store writes it.
    pub fn unix_of(text: &str) -> Option<i64> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(OffsetDateTime::unix_timestamp)
    }

    /// The time as text (`2026-11-30T03:38:00Z`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Filters of resource lists, bibliographies and searches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    pub levels: Vec<Level>,
    pub kinds: Vec<ResourceKind>,
    /// Concepts the resource is linked to, by slug or name ("object-detection",
    /// "object detection").
    pub topics: Vec<String>,
    /// Publication years.
    pub years: Vec<YearRange>,
    /// Authors' family names, matched ignoring case, accents, spaces and punctuation
    /// ([`name_key`]); a particle may be given with the name ("van der Maaten").
    pub authors: Vec<String>,
    /// Journal or proceedings titles, or their beginnings, matched as authors are.
    pub venues: Vec<String>,
    /// Identifiers the resource has.
    pub has: Vec<Has>,
    /// Records changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl ResourceFilter {
    /// The author filter's keys (see [`author_keys`]); empty keys name no author.
    pub fn author_keys(&self) -> Vec<String> {
        self.authors.iter().map(|a| name_key(a)).collect()
    }

    /// The venue filter's keys.
    pub fn venue_keys(&self) -> Vec<String> {
        self.venues.iter().map(|v| name_key(v)).collect()
    }
}

/// The keys a resource's authors are found by: each family name, with and without its
/// particle, or an organisation's whole name, reduced by [`name_key`]; no duplicates.
pub fn author_keys(resource: &super::ResourceData) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        let key = name_key(text);
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    };
    for person in &resource.authors {
        if let Some(family) = &person.family {
            add(family);
            if let Some(particle) = &person.particle {
                add(&format!("{particle} {family}"));
            }
        } else if let Some(literal) = &person.literal {
            add(literal);
        }
    }
    keys
}

/// The key a resource's venue is found by: its journal's, else its book title's.
pub fn venue_key(resource: &super::ResourceData) -> Option<String> {
    resource
        .journal
        .as_deref()
        .or(resource.booktitle.as_deref())
        .map(name_key)
        .filter(|key| !key.is_empty())
}

/// Filters of searches: those of resource lists plus record types and concept
/// categories. Each list is a set of alternatives; lists combine. Filters that only
/// resources have a value for (kind, level, year, author, venue, identifiers) keep
/// resources only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters {
    pub types: Vec<super::EntityType>,
    pub kinds: Vec<ResourceKind>,
    pub levels: Vec<Level>,
    pub categories: Vec<Category>,
    /// Linked concepts by slug or name.
    pub topics: Vec<String>,
    /// Publication years.
    pub years: Vec<YearRange>,
    /// Authors' family names (see [`ResourceFilter::authors`]).
    pub authors: Vec<String>,
    /// Journal or proceedings titles, or their beginnings.
    pub venues: Vec<String>,
    /// Identifiers the resource has.
    pub has: Vec<Has>,
    /// Records changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl SearchFilters {
    /// The author filter's keys.
    pub fn author_keys(&self) -> Vec<String> {
        self.authors.iter().map(|a| name_key(a)).collect()
    }

    /// The venue filter's keys.
    pub fn venue_keys(&self) -> Vec<String> {
        self.venues.iter().map(|v| name_key(v)).collect()
    }
}

/// Filters of concept lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConceptFilter {
    pub categories: Vec<Category>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Person, ResourceData};

    #[test]
    fn sort_names_parse_with_a_minus_for_descending() {
        let sort = Sort::parse("-year", Sort::RESOURCE_NAMES).unwrap();
        assert_eq!(
            sort,
            Sort {
                key: SortKey::Year,
                descending: true
            }
        );
        assert_eq!(sort.to_string(), "-year");
        assert!(Sort::parse("year", Sort::CONCEPT_NAMES).is_err());
        assert!(Sort::parse("relevance", Sort::RESOURCE_NAMES).is_err());
        let err = Sort::parse("colour", Sort::SEARCH_NAMES).unwrap_err();
        assert!(err.allowed.contains(&"-relevance"));
        assert!(Sort::parse("+title", Sort::RESOURCE_NAMES).is_err());
    }

    #[test]
    fn year_ranges_have_open_ends() {
        let range = |from, to| YearRange { from, to };
        assert_eq!(YearRange::parse("2015"), Ok(range(Some(2015), Some(2015))));
        assert_eq!(
            YearRange::parse("2015..2020"),
            Ok(range(Some(2015), Some(2020)))
        );
        assert_eq!(YearRange::parse("2015.."), Ok(range(Some(2015), None)));
        assert_eq!(YearRange::parse(" ..2020 "), Ok(range(None, Some(2020))));
        for bad in [
            "",
            "..",
            "20150",
            "2015...2020",
            "-5",
            "x..2020",
            "2015..2020..2021",
        ] {
            assert!(YearRange::parse(bad).is_err(), "{bad}");
        }
        for good in ["2015", "2015..2020", "2015..", "..2020", "0"] {
            assert!(YearRange::parse(good).is_ok(), "{good}");
        }
        assert!(YearRange::parse("2020..2015").is_ok_and(|r| !r.contains(2017)));
    }

    #[test]
    fn timestamps_normalise_to_utc_seconds_rounding_up() {
        assert_eq!(
            Timestamp::parse("2026-01-31T10:00:00+01:00")
                .unwrap()
                .as_str(),
            "2026-01-31T09:00:00Z"
        );
        assert_eq!(
            Timestamp::parse("2026-01-31T09:00:00.2Z").unwrap().as_str(),
            "2026-01-31T09:00:01Z"
        );
        assert!(Timestamp::parse("2026-01-31").is_err());
        assert!(Timestamp::parse("yesterday").is_err());
        let at = Timestamp::parse("2026-01-31T09:00:00Z").unwrap();
        assert_eq!(
            Timestamp::from_unix(Timestamp::unix_of(at.as_str()).unwrap()),
            at
        );
        assert_eq!(
            Timestamp::from_unix(i64::MAX).as_str(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::parse("9999-12-31T23:00:00-05:00")
                .unwrap()
                .as_str(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::parse("2026-01-31t09:00:00z").unwrap().as_str(),
            "2026-01-31T09:00:00Z"
        );
    }

    #[test]
    fn authors_are_found_by_family_name_with_or_without_particle() {
        let data = ResourceData {
            authors: vec![
                Person::parse("van der Maaten, Laurens").unwrap(),
                Person::parse("Müller, Klaus-Robert").unwrap(),
                Person::literal("Google Research"),
            ],
            ..ResourceData::default()
        };
        assert_eq!(
            author_keys(&data),
            ["maaten", "vandermaaten", "muller", "googleresearch"]
        );
        let filter = ResourceFilter {
            authors: vec!["MÜLLER".into(), "van der Maaten".into()],
            ..ResourceFilter::default()
        };
        assert_eq!(filter.author_keys(), ["muller", "vandermaaten"]);
    }
}
