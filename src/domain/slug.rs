//! Slugs: the stable, URL-safe names of resources and concepts (`faster-r-cnn`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest slug, in bytes; longer titles are cut at a word boundary.
pub const MAX_SLUG_LEN: usize = 80;

/// A slug: 1 to [`MAX_SLUG_LEN`] bytes of `[a-z0-9]` words joined by single `-`.
///
/// Slugs appear in URLs (`/resources/{slug}`) and never change once issued.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug is at most {MAX_SLUG_LEN} bytes long")]
    TooLong,
    #[error("a slug holds only lower-case ASCII letters, digits and single hyphens between them")]
    Invalid,
}

impl Slug {
    /// Parses an existing slug, as found in a URL.
    ///
    /// # Errors
    /// [`SlugError`] when the text is empty, too long, or not `[a-z0-9]+(-[a-z0-9]+)*`.
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        if raw.is_empty() {
            return Err(SlugError::Empty);
        }
        if raw.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let well_formed = raw.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if well_formed {
            Ok(Slug(raw.to_owned()))
        } else {
            Err(SlugError::Invalid)
        }
    }

    /// Derives a slug from a title or name: transliterated to ASCII (`deunicode`), lower
    /// case, every run of other characters turned into one `-`, cut to [`MAX_SLUG_LEN`]
    /// at a word boundary. A title with no letters or digits gives `fallback`. Raw LaTeX
    /// spans count as the text a reader sees (`$\mathcal{O}(n)$` as `O(n)`).
    pub fn from_title(title: &str, fallback: &str) -> Slug {
        let ascii = deunicode::deunicode(&super::latex_span::plain(title));
        let mut words: Vec<String> = Vec::new();
        let mut current = String::new();
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                current.push(c.to_ascii_lowercase());
            } else if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
        let mut slug = String::new();
        for word in words {
            let extra = if slug.is_empty() {
                word.len()
            } else {
                word.len() + 1
            };
            if slug.len() + extra > MAX_SLUG_LEN {
                if slug.is_empty() {
                    slug.push_str(&word[..MAX_SLUG_LEN]);
                }
                break;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word);
        }
        if slug.is_empty() {
            Slug::parse(fallback).unwrap_or_else(|_| Slug("item".to_owned()))
        } else {
            Slug(slug)
        }
    }

    /// The `n`-th alternative for a taken slug: `slug-2`, `slug-3`, ... (`n` ≥ 2), still
    /// within [`MAX_SLUG_LEN`].
    pub fn with_suffix(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_SLUG_LEN - suffix.len());
        let base = base.trim_end_matches('-');
        Slug(format!("{base}{suffix}"))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_ascii_hyphenated_slugs() {
        assert_eq!(
            Slug::from_title(r"Fast $\mathcal{O}(n)$ Sorting", "x").as_str(),
            "fast-o-n-sorting"
        );
        assert_eq!(
            Slug::from_title("Faster R-CNN", "x").as_str(),
            "faster-r-cnn"
        );
        assert_eq!(
            Slug::from_title("Spearman’s rank correlation", "x").as_str(),
            "spearman-s-rank-correlation"
        );
        assert_eq!(
            Slug::from_title("Statistical ML (Tübingen)", "x").as_str(),
            "statistical-ml-tubingen"
        );
        assert_eq!(
            Slug::from_title("\u{feff}Sparse Nets", "x").as_str(),
            "sparse-nets"
        );
        assert_eq!(Slug::from_title("📺 ???", "item").as_str(), "tv");
        assert_eq!(Slug::from_title("?!", "item").as_str(), "item");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let slug = Slug::from_title(&"word ".repeat(40), "x");
        assert!(slug.as_str().len() <= MAX_SLUG_LEN);
        assert!(!slug.as_str().ends_with('-'));
        assert!(Slug::parse(slug.as_str()).is_ok());
    }

    #[test]
    fn suffixes_stay_valid_and_short() {
        let long = Slug::from_title(&"abcdefghij ".repeat(10), "x");
        let alt = long.with_suffix(12);
        assert!(alt.as_str().ends_with("-12"));
        assert!(Slug::parse(alt.as_str()).is_ok());
    }

    #[test]
    fn parse_rejects_what_from_title_would_never_make() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse("Upper"), Err(SlugError::Invalid));
        assert_eq!(Slug::parse("a--b"), Err(SlugError::Invalid));
        assert_eq!(Slug::parse("-a"), Err(SlugError::Invalid));
        assert_eq!(Slug::parse(&"a".repeat(81)), Err(SlugError::TooLong));
        assert!(Slug::parse("cs-330").is_ok());
    }
}
