//! The identity rules: whether two descriptions of resources name the same work.
//!
//! Every place that decides whether an imported row or entry, or a record written through
//! the API, is a record the store already holds asks [`same_work`]. The rules, in order:
//! 1. A DOI (compared ignoring case) or an arXiv id (compared without its version) that
//!    both sides have decides: equal means the same work, different means two works.
//! 2. Otherwise a URL both sides have decides the same way (normalised by
//!    [`url_key`]: scheme, `www.`, fragment and a trailing `/` ignored), so rows with
//!    different URLs in one page are never the same work.
//! 3. Otherwise the same citation key (ignoring case) from the same source file means the
//!    same work (from different sources, only when the titles match too); two different
//!    keys from the same source file mean two works.
//! 4. Otherwise, as a fallback, the same title (see [`title_key`]) means the same work when
//!    neither title was guessed, the title is long enough to identify a work on its own or
//!    both descriptions come from the same file, and, where both sides say them, the first
//!    author's family name and the year agree. When both sides are BibTeX entries, both
//!    must say them.

use super::matching::{title_identifies, title_key, url_key};
use super::record::ResourceData;

/// One side of a comparison: a resource's data and what is known about where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Described<'a> {
    pub data: &'a ResourceData,
    /// The source files this description comes from (a draft's file; a stored record's
    /// page and `.bib` file). Empty for records written through the API.
    pub sources: &'a [&'a str],
    /// Whether the title was made up (from a URL or file name) rather than written.
    pub title_guessed: bool,
    /// Whether this description comes from a BibTeX entry (or was enriched by one).
    pub bibliographic: bool,
}

/// Why two descriptions are the same work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    Doi,
    ArxivId,
    Url,
    CitationKey,
    Title,
}

impl Evidence {
    /// The field named in reports: `doi`, `arxiv_id`, `url`, `citation_key` or `title`.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Doi => "doi",
            Evidence::ArxivId => "arxiv_id",
            Evidence::Url => "url",
            Evidence::CitationKey => "citation_key",
            Evidence::Title => "title",
        }
    }
}

/// A DOI reduced for comparison: trimmed, without a resolver prefix, lower case.
pub fn doi_key(doi: &str) -> String {
    let doi = doi.trim();
    let lower = doi.to_ascii_lowercase();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.trim().to_owned();
        }
    }
    lower
}

/// An arXiv id reduced for comparison: lower case, without `arXiv:` and a trailing
/// version (`2201.00001v2` → `2201.00001`).
pub fn arxiv_key(id: &str) -> String {
    let id = id.trim().to_ascii_lowercase();
    let id = id.strip_prefix("arxiv:").unwrap_or(&id).to_owned();
    match id.rfind('v') {
        Some(at)
            if at > 0
                && at + 1 < id.len()
                && id[at + 1..].chars().all(|c| c.is_ascii_digit())
                && id[..at].ends_with(|c: char| c.is_ascii_digit()) =>
        {
            id[..at].to_owned()
        }
        _ => id,
    }
}

/// Compares one identifier both sides may have: `Some(true)` equal, `Some(false)`
/// different, `None` when a side lacks it.
fn compare(a: Option<String>, b: Option<String>) -> Option<bool> {
    match (a, b) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => Some(a == b),
        _ => None,
    }
}

fn first_family(data: &ResourceData) -> Option<String> {
    let person = data.authors.first()?;
    let name = person.family.as_deref().or(person.literal.as_deref())?;
    let key = title_key(name);
    (!key.is_empty()).then_some(key)
}

/// Whether `a` and `b` describe the same work, and on what evidence (see the module
/// documentation for the rules). Symmetric.
pub fn same_work(a: &Described<'_>, b: &Described<'_>) -> Option<Evidence> {
    let doi = compare(
        a.data.doi.as_deref().map(doi_key),
        b.data.doi.as_deref().map(doi_key),
    );
    let arxiv = compare(
        a.data.arxiv_id.as_deref().map(arxiv_key),
        b.data.arxiv_id.as_deref().map(arxiv_key),
    );
    if doi == Some(false) || arxiv == Some(false) {
        return None;
    }
    if doi == Some(true) {
        return Some(Evidence::Doi);
    }
    if arxiv == Some(true) {
        return Some(Evidence::ArxivId);
    }
    match compare(
        a.data.url.as_deref().and_then(url_key),
        b.data.url.as_deref().and_then(url_key),
    ) {
        Some(true) => return Some(Evidence::Url),
        Some(false) => return None,
        None => {}
    }
    let same_source = a.sources.iter().any(|s| b.sources.contains(s));
    match compare(
        a.data
            .citation_key
            .as_ref()
            .map(|k| k.as_str().to_ascii_lowercase()),
        b.data
            .citation_key
            .as_ref()
            .map(|k| k.as_str().to_ascii_lowercase()),
    ) {
        // A key names a work within its source; across sources only with the same title.
        Some(true) if same_source || title_key(&a.data.title) == title_key(&b.data.title) => {
            return Some(Evidence::CitationKey);
        }
        Some(true) => return None,
        Some(false) if same_source => return None,
        _ => {}
    }

    // The fallback: the title.
    if a.title_guessed || b.title_guessed {
        return None;
    }
    let title = title_key(&a.data.title);
    if title.is_empty() || title != title_key(&b.data.title) {
        return None;
    }
    if !same_source && !title_identifies(&a.data.title) {
        return None;
    }
    let author = compare(first_family(a.data), first_family(b.data));
    let year = compare(
        a.data.year.map(|y| y.to_string()),
        b.data.year.map(|y| y.to_string()),
    );
    if author == Some(false) || year == Some(false) {
        return None;
    }
    // Two BibTeX entries must both name the first author and the year.
    if a.bibliographic && b.bibliographic && (author.is_none() || year.is_none()) {
        return None;
    }
    Some(Evidence::Title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CitationKey, Person};

    fn data(title: &str) -> ResourceData {
        ResourceData {
            title: title.into(),
            ..ResourceData::default()
        }
    }

    fn side<'a>(data: &'a ResourceData, sources: &'a [&'a str]) -> Described<'a> {
        Described {
            data,
            sources,
            title_guessed: false,
            bibliographic: false,
        }
    }

    fn entry(title: &str, family: &str, year: i32) -> ResourceData {
        ResourceData {
            authors: vec![Person {
                family: Some(family.into()),
                ..Person::default()
            }],
            year: Some(year),
            ..data(title)
        }
    }

    #[test]
    fn dois_match_ignoring_case_and_resolver_and_differ_decisively() {
        let a = ResourceData {
            doi: Some("10.1234/ABC".into()),
            url: Some("https://example.org/a".into()),
            ..data("One")
        };
        let b = ResourceData {
            doi: Some("https://doi.org/10.1234/abc".into()),
            url: Some("https://example.org/b".into()),
            ..data("Two")
        };
        assert_eq!(
            same_work(&side(&a, &[]), &side(&b, &[])),
            Some(Evidence::Doi)
        );
        let c = ResourceData {
            doi: Some("10.1234/other".into()),
            url: Some("https://example.org/a".into()),
            ..data("One")
        };
        assert_eq!(same_work(&side(&a, &[]), &side(&c, &[])), None);
    }

    #[test]
    fn arxiv_ids_match_without_their_version() {
        assert_eq!(arxiv_key("arXiv:2201.00001v3"), "2201.00001");
        assert_eq!(arxiv_key("hep-th/9901001v1"), "hep-th/9901001");
        assert_eq!(arxiv_key("2201.00001"), "2201.00001");
        let a = ResourceData {
            arxiv_id: Some("2201.00001v2".into()),
            ..data("Counting pebbles")
        };
        let b = ResourceData {
            arxiv_id: Some("2201.00001".into()),
            ..data("Counting")
        };
        let c = ResourceData {
            arxiv_id: Some("2202.00002".into()),
            ..data("Counting pebbles")
        };
        assert_eq!(
            same_work(&side(&a, &[]), &side(&b, &[])),
            Some(Evidence::ArxivId)
        );
        assert_eq!(
            same_work(&side(&a, &["x.bib"]), &side(&c, &["x.bib"])),
            None
        );
    }

    #[test]
    fn different_urls_are_different_works_even_with_one_title() {
        let a = ResourceData {
            url: Some("https://example.org/book-one".into()),
            ..data("Deep Nets")
        };
        let b = ResourceData {
            url: Some("https://example.com/other-book.pdf".into()),
            ..data("Deep Nets")
        };
        assert_eq!(same_work(&side(&a, &["p.md"]), &side(&b, &["p.md"])), None);
        let c = ResourceData {
            url: Some("http://www.example.org/book-one/".into()),
            ..data("Another")
        };
        assert_eq!(
            same_work(&side(&a, &["p.md"]), &side(&c, &["q.md"])),
            Some(Evidence::Url)
        );
    }

    #[test]
    fn keys_match_and_different_keys_of_one_file_are_different_works() {
        let key = |k: &str| Some(CitationKey::parse(k).unwrap());
        let a = ResourceData {
            citation_key: key("alpha2020"),
            ..entry("Editorial", "Alpha", 2020)
        };
        let b = ResourceData {
            citation_key: key("Alpha2020"),
            ..data("Something else")
        };
        assert_eq!(
            same_work(&side(&a, &["a.bib"]), &side(&b, &["a.bib"])),
            Some(Evidence::CitationKey)
        );
        // Another source's key names the same work only with the same title.
        assert_eq!(
            same_work(&side(&a, &["a.bib"]), &side(&b, &["b.bib"])),
            None
        );
        let same_title = ResourceData {
            citation_key: key("alpha2020"),
            ..data("Editorial")
        };
        assert_eq!(
            same_work(&side(&a, &["a.bib"]), &side(&same_title, &["b.bib"])),
            Some(Evidence::CitationKey)
        );
        let c = ResourceData {
            citation_key: key("alpha2020b"),
            ..entry("Editorial", "Alpha", 2020)
        };
        assert_eq!(
            same_work(&side(&a, &["a.bib"]), &side(&c, &["a.bib"])),
            None
        );
    }

    #[test]
    fn titles_are_a_fallback_that_needs_agreeing_authors_and_years() {
        let a = entry("A long title about pebbles", "Alpha", 2020);
        let b = entry("A long title about pebbles", "Alpha", 2020);
        let other_year = entry("A long title about pebbles", "Alpha", 2021);
        let other_author = entry("A long title about pebbles", "Beta", 2020);
        let bare = data("A long title about pebbles");
        let entry_side = |d| Described {
            bibliographic: true,
            ..side(d, &["a.bib"])
        };
        assert_eq!(
            same_work(&entry_side(&a), &side(&b, &["p.md"])),
            Some(Evidence::Title)
        );
        assert_eq!(same_work(&entry_side(&a), &side(&other_year, &[])), None);
        assert_eq!(same_work(&entry_side(&a), &side(&other_author, &[])), None);
        // A page row without author and year matches an entry by its title...
        assert_eq!(
            same_work(&entry_side(&a), &side(&bare, &["p.md"])),
            Some(Evidence::Title)
        );
        // ... two entries need both to say them.
        assert_eq!(same_work(&entry_side(&a), &entry_side(&bare)), None);
        assert_eq!(
            same_work(&entry_side(&a), &entry_side(&b)),
            Some(Evidence::Title)
        );
        // Two page rows: the title alone, when it is long enough or in one file.
        assert_eq!(
            same_work(&side(&bare, &["p.md"]), &side(&bare, &["q.md"])),
            Some(Evidence::Title)
        );
        let short = data("Notes");
        assert_eq!(
            same_work(&side(&short, &["p.md"]), &side(&short, &["q.md"])),
            None
        );
        assert_eq!(
            same_work(&side(&short, &["p.md"]), &side(&short, &["p.md"])),
            Some(Evidence::Title)
        );
        let guessed = Described {
            title_guessed: true,
            ..side(&bare, &["q.md"])
        };
        assert_eq!(same_work(&side(&bare, &["p.md"]), &guessed), None);
    }

    #[test]
    fn accents_do_not_merge_rows_whose_urls_differ() {
        let a = ResourceData {
            url: Some("https://example.org/c6".into()),
            ..data("Tübingen lectures")
        };
        let b = ResourceData {
            url: Some("https://example.org/c7".into()),
            ..data("Tubingen lectures")
        };
        assert_eq!(same_work(&side(&a, &["p.md"]), &side(&b, &["p.md"])), None);
    }
}
