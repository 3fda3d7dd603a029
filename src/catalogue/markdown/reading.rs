//! The author's corrections to how pages are read, without code: `lore.toml`'s
//! `[import.headings]` maps a heading to a category or kind, `[import.columns]` a table
//! header to a field, `[import.ratings]` a star rating (1–5, as numbered paper paragraphs
//! give it) to a level.
//!
//! ```toml
//! [import.headings]
//! "Evaluation and Plots" = "metric"
//! [import.columns]
//! "Course Name" = "title"
//! [import.ratings]
//! 1 = "beginner"
//! 5 = "advanced"
//! ```

use std::collections::{BTreeMap, HashMap};

use super::table::{Column, classify};
use crate::domain::{Category, Level, ResourceKind};

/// What a heading is read as, by the author's say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadingMeaning {
    Category(Category),
    Kind(ResourceKind),
}

/// The author's mappings, with headings and headers compared ignoring case, white space
/// runs and a trailing colon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    headings: HashMap<String, HeadingMeaning>,
    columns: HashMap<String, String>,
    /// Star rating (1–5) → the level of a rated resource that has none.
    ratings: HashMap<u8, Level>,
}

/// A mapping that names no category, kind or field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    #[error(
        "[import.headings] \"{heading}\" = \"{value}\": not a category ({}) or kind ({})",
        Category::NAMES.join(", "),
        ResourceKind::NAMES.join(", ")
    )]
    Heading { heading: String, value: String },
    #[error(
        "[import.columns] \"{header}\" = \"{value}\": not a field (title, link, topic, task, level, paper, model, authors, year, kind, description)"
    )]
    Column { header: String, value: String },
    #[error(
        "[import.ratings] \"{rating}\" = \"{value}\": a rating is a number of stars from 1 to 5 and a level one of {}",
        Level::NAMES.join(", ")
    )]
    Rating { rating: String, value: String },
}

impl Reading {
    /// Checks and keeps the mappings.
    ///
    /// # Errors
    /// [`ReadingError`] for the first value that names nothing lore knows.
    pub fn new(
        headings: &BTreeMap<String, String>,
        columns: &BTreeMap<String, String>,
    ) -> Result<Self, ReadingError> {
        let mut reading = Reading::default();
        for (heading, value) in headings {
            let meaning = match (Category::parse(value), ResourceKind::parse(value)) {
                (Ok(category), _) => HeadingMeaning::Category(category),
                (_, Ok(kind)) => HeadingMeaning::Kind(kind),
                _ => {
                    return Err(ReadingError::Heading {
                        heading: heading.clone(),
                        value: value.clone(),
                    });
                }
            };
            reading.headings.insert(key(heading), meaning);
        }
        for (header, value) in columns {
            if matches!(classify(value), Column::Other(_)) {
                return Err(ReadingError::Column {
                    header: header.clone(),
                    value: value.clone(),
                });
            }
            reading.columns.insert(key(header), value.clone());
        }
        Ok(reading)
    }

    /// These mappings with levels for star ratings (`"1" = "beginner"`).
    ///
    /// # Errors
    /// [`ReadingError::Rating`] for a key that is no number from 1 to 5 or a value that
    /// is no level.
    pub fn with_ratings(
        mut self,
        ratings: &BTreeMap<String, String>,
    ) -> Result<Self, ReadingError> {
        for (rating, value) in ratings {
            let stars = rating
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=5).contains(n));
            match (stars, Level::parse(value)) {
                (Some(stars), Ok(level)) => {
                    self.ratings.insert(stars, level);
                }
                _ => {
                    return Err(ReadingError::Rating {
                        rating: rating.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
        Ok(self)
    }

    /// The level the author gives a resource rated `stars`, if any.
    pub(super) fn level_for_rating(&self, stars: u8) -> Option<Level> {
        self.ratings.get(&stars).copied()
    }

    /// These mappings with `other`'s added, `other` winning for the headings and headers
    /// both name (a page's front matter over `lore.toml`).
    pub(super) fn overlaid_by(&self, other: Reading) -> Reading {
        let mut reading = self.clone();
        reading.headings.extend(other.headings);
        reading.columns.extend(other.columns);
        reading.ratings.extend(other.ratings);
        reading
    }

    /// What the author says `heading` is, if anything.
    pub(super) fn heading(&self, heading: &str) -> Option<HeadingMeaning> {
        self.headings.get(&key(heading)).copied()
    }

    /// The header to read a column as: the field the author maps it to, else itself.
    pub(super) fn header<'a>(&'a self, header: &'a str) -> &'a str {
        self.columns
            .get(&key(header))
            .map_or(header, String::as_str)
    }
}

fn key(text: &str) -> String {
    text.trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn headings_and_headers_map_ignoring_case_and_symbols() {
        let reading = Reading::new(
            &map(&[("Evaluation and Plots", "metric"), ("Reading", "books")]),
            &map(&[("Course Name", "title")]),
        )
        .unwrap();
        assert_eq!(
            reading.heading("📊 evaluation and plots:"),
            Some(HeadingMeaning::Category(Category::Metric))
        );
        assert_eq!(
            reading.heading("Reading"),
            Some(HeadingMeaning::Kind(ResourceKind::Book))
        );
        assert_eq!(reading.header("course name"), "title");
        assert_eq!(reading.header("Instructor"), "Instructor");
    }

    #[test]
    fn a_mapping_to_nothing_known_is_an_error_naming_it() {
        let err = Reading::new(&map(&[("Plots", "pictures")]), &BTreeMap::new()).unwrap_err();
        assert!(
            err.to_string().contains("\"Plots\" = \"pictures\""),
            "{err}"
        );
        let err = Reading::new(&BTreeMap::new(), &map(&[("Course Name", "titel")])).unwrap_err();
        assert!(matches!(err, ReadingError::Column { .. }), "{err}");
    }

    #[test]
    fn ratings_map_to_levels_and_bad_ones_are_named() {
        let reading = Reading::default()
            .with_ratings(&map(&[("1", "beginner"), ("5", "Advanced")]))
            .unwrap();
        assert_eq!(reading.level_for_rating(1), Some(Level::Beginner));
        assert_eq!(reading.level_for_rating(5), Some(Level::Advanced));
        assert_eq!(reading.level_for_rating(3), None);
        for bad in [("6", "beginner"), ("one", "beginner"), ("2", "expert")] {
            let err = Reading::default().with_ratings(&map(&[bad])).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("\"{}\" = \"{}\"", bad.0, bad.1)),
                "{err}"
            );
        }
    }
}
