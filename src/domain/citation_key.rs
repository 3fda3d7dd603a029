//! Citation keys: the names authors cite a resource by (`\cite{ren2015faster}`,
//! ``{cite}`ren2015faster` ``).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest citation key, in bytes.
pub const MAX_KEY_LEN: usize = 100;

/// A citation key as BibTeX, biber, pybtex and citation-js all accept it.
///
/// Keys kept from an imported `.bib` file may hold any of `[A-Za-z0-9_:./+-]`; keys lore
/// generates use only `[a-z0-9_:./-]`. Keys are unique ignoring case: BibTeX treats
/// `Ren2015` and `ren2015` as the same entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitationKey(String);

/// Why a string is not a citation key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a citation key is 1 to {MAX_KEY_LEN} characters of A-Z, a-z, 0-9 and _ : . / + -, starting with a letter or digit"
)]
pub struct CitationKeyError;

impl CitationKey {
    /// Parses a key.
    ///
    /// # Errors
    /// [`CitationKeyError`] when empty, too long, or holding a character BibTeX tools read
    /// differently (space, comma, braces, `%`, `#`, quotes, non-ASCII).
    pub fn parse(raw: &str) -> Result<Self, CitationKeyError> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_KEY_LEN
            && raw.starts_with(|c: char| c.is_ascii_alphanumeric())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_:./+-".contains(&b));
        if ok {
            Ok(CitationKey(raw.to_owned()))
        } else {
            Err(CitationKeyError)
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CitationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CitationKey {
    type Error = CitationKeyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CitationKey::parse(&value)
    }
}

impl From<CitationKey> for String {
    fn from(key: CitationKey) -> Self {
        key.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_keys_that_bibtex_tools_read_alike() {
        for key in [
            "ren2015faster",
            "Jiao2019",
            "arXiv:2212.13881",
            "doe_2020/a",
            "a+b",
        ] {
            assert!(CitationKey::parse(key).is_ok(), "{key}");
        }
    }

    #[test]
    fn rejects_keys_that_break_entries() {
        for key in [
            "",
            "a b",
            "a,b",
            "a{b",
            "a%b",
            "a#b",
            "é",
            "-lead",
            &"k".repeat(101),
        ] {
            assert_eq!(CitationKey::parse(key), Err(CitationKeyError), "{key}");
        }
    }
}
