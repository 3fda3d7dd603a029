//! What an export reports alongside its text: every place where the output differs from
//! the stored data or where a consumer would complain.

use std::fmt;

use serde::Serialize;

use super::latex::{Substitution, Unsettable};

/// One remark about one exported entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportWarning {
    /// The entry's citation key (its `id` in CSL-JSON, `ID` in RIS).
    pub key: String,
    /// The field concerned, by its name in the output format, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(flatten)]
    pub problem: Problem,
}

/// What an [`ExportWarning`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// pdflatex cannot set this text; it was written as [`Unsettable::written_as`].
    Unsettable(Unsettable),
    /// The resource has no citation key; its slug was used. Callers issue keys with
    /// [`super::generate_key`] before exporting.
    MissingKey,
    /// The resource has an empty title; `used` stands in for it.
    EmptyTitle {
        /// The URL, else the slug.
        used: String,
    },
    /// An undated online resource is cited with the year it was accessed (its `urldate`),
    /// else the year lore recorded it, because BibTeX styles (`plainnat`: "empty year")
    /// and biber's data model require a year. No access date is invented for it.
    YearFromAccessDate {
        /// The year written.
        year: i32,
    },
    /// No year is known; BibTeX styles will warn about it.
    MissingYear,
    /// The entry type for the kind needs fields the resource lacks, so a more general type
    /// was written.
    EntryTypeFallback {
        /// The entry type the kind calls for (`book`).
        wanted: &'static str,
        /// The entry type written (`misc`).
        used: &'static str,
        /// The required fields the resource lacks.
        missing: Vec<&'static str>,
    },
    /// Characters that may not appear in a URL (or would end a BibTeX field) were
    /// percent-encoded (RFC 3986 §2.1); the address is the same.
    PercentEncoded {
        /// The stored value.
        original: String,
        /// The value written.
        written: String,
    },
    /// A stored value is malformed and was left out.
    Invalid {
        /// The stored value.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
}

impl fmt::Display for ExportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key)?;
        if let Some(field) = self.field {
            write!(f, ": {field}")?;
        }
        f.write_str(": ")?;
        match &self.problem {
            Problem::Unsettable(u) => match u.how {
                Substitution::Kept => write!(f, "pdflatex cannot set `{}`", u.text),
                Substitution::Removed => {
                    write!(f, "pdflatex cannot set `{}`; left out", u.text)
                }
                _ => write!(
                    f,
                    "pdflatex cannot set `{}`; written as `{}`",
                    u.text, u.written_as
                ),
            },
            Problem::MissingKey => f.write_str("no citation key; the slug was used"),
            Problem::EmptyTitle { used } => write!(f, "empty title; `{used}` used instead"),
            Problem::YearFromAccessDate { year } => {
                write!(
                    f,
                    "no year; the year it was accessed or recorded ({year}) was used"
                )
            }
            Problem::MissingYear => f.write_str("no year"),
            Problem::EntryTypeFallback {
                wanted,
                used,
                missing,
            } => write!(
                f,
                "written as @{used}: @{wanted} needs {}",
                missing.join(", ")
            ),
            Problem::PercentEncoded { original, written } => {
                write!(f, "`{original}` percent-encoded as `{written}`")
            }
            Problem::Invalid { value, expected } => {
                write!(f, "`{value}` is not {expected}; left out")
            }
        }
    }
}

/// The text of an export and what it reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exported {
    /// The exported text, ready to send or write.
    pub text: String,
    /// Remarks on the entries, in entry order.
    pub warnings: Vec<ExportWarning>,
}
