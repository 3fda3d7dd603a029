//! Reading a list item written as a reference, as awesome lists do:
//! `**Title** (2015), G. Hinton et al. [[pdf]](url)` or
//! `Deep learning (Book, 2016), Goodfellow et al. [[html]](url)`.
//!
//! The input is the item's prose (its text without links), so only the title, the
//! parenthetical with the year and the author list remain to be told apart.

use super::super::dates::month_number;
use crate::domain::{Person, ResourceKind};

/// What a reference-style list item says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Reference {
    pub title: String,
    pub year: Option<i32>,
    pub month: Option<u8>,
    /// A kind named in the parenthetical (`(Book, 2016)`).
    pub kind: Option<ResourceKind>,
    pub authors: Vec<Person>,
    /// "et al." ended the author list.
    pub authors_truncated: bool,
    /// Text that is neither title, year nor authors.
    pub rest: String,
}

impl Reference {
    /// The item reads as a bibliographic reference (a year or authors were found).
    pub(super) fn is_bibliographic(&self) -> bool {
        self.year.is_some() || !self.authors.is_empty()
    }
}

/// Collapses white space and drops bracket debris that link removal leaves behind
/// (`[[pdf]] ()` when the author put a space between `]` and `(`).
pub(super) fn clean_prose(prose: &str) -> String {
    let mut s = prose.split_whitespace().collect::<Vec<_>>().join(" ");
    // Each round is linear; labels inside labels need a round each, and no real page
    // nests them deeper than this.
    for _ in 0..4 {
        let before = s.len();
        s = remove_empty_brackets(&s);
        s = remove_bracketed_labels(&s);
        s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.len() == before {
            break;
        }
    }
    s
}

/// Removes `()` and `[]` holding nothing but spaces, nested ones included (`[( )]`), in
/// one pass: a closing bracket takes back its opener when only spaces stand between.
fn remove_empty_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let opener = match c {
            ')' => '(',
            ']' => '[',
            _ => {
                out.push(c);
                continue;
            }
        };
        let kept = out.trim_end_matches(' ').len();
        if out[..kept].ends_with(opener) {
            out.truncate(kept - opener.len_utf8());
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes `[[pdf]]`-style labels: short bracketed words that were meant as link text.
fn remove_bracketed_labels(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("[[") {
        let Some(close) = rest[open..].find("]]") else {
            break;
        };
        let inner = &rest[open + 2..open + close];
        out.push_str(&rest[..open]);
        if inner.len() > 12 || !inner.chars().all(|c| c.is_alphanumeric() || c == ' ') {
            out.push_str(&rest[open..open + close + 2]);
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// Parses a reference from an item's cleaned prose and the strong span it starts with.
pub(super) fn parse(prose: &str, strong: Option<&str>) -> Reference {
    let s = prose.trim();
    let mut reference = Reference::default();
    let strong = strong.map(str::trim).filter(|t| !t.is_empty());
    let mut lenient_authors = true;
    let mut rest = match strong.and_then(|t| s.strip_prefix(t).map(|rest| (t, rest))) {
        Some((title, rest)) => {
            reference.title = title.to_owned();
            rest.to_owned()
        }
        None => match find_year_paren(s) {
            Some(open) => {
                reference.title = s[..open].to_owned();
                s[open..].to_owned()
            }
            None => match s.rfind(", ") {
                Some(comma) if looks_like_authors(&s[comma + 2..], false) => {
                    reference.title = s[..comma].to_owned();
                    s[comma..].to_owned()
                }
                _ => {
                    lenient_authors = false;
                    reference.title = s.to_owned();
                    String::new()
                }
            },
        },
    };

    // The parenthetical with the year, right after the title.
    let trimmed = rest.trim_start();
    if trimmed.starts_with('(') && find_year_paren(trimmed) == Some(0) {
        let close = trimmed.find(')');
        let inner = &trimmed[1..close.unwrap_or(trimmed.len())];
        let (inside, after) = match close {
            Some(close) => (inner, trimmed[close + 1..].to_owned()),
            // `(2014, C. Dong et al.` : the year, then the authors, never closed.
            None => match inner.find(',') {
                Some(comma) => (&inner[..comma], inner[comma..].to_owned()),
                None => (inner, String::new()),
            },
        };
        read_parenthetical(inside, &mut reference);
        rest = after;
    }

    // `Models(2017): A Tutorial, G. Neubig.`: a subtitle after the year.
    let trimmed = rest.trim_start();
    if strong.is_none()
        && let Some(after_colon) = trimmed.strip_prefix(':')
    {
        let (subtitle, after) = match after_colon.find(',') {
            Some(comma) => (&after_colon[..comma], after_colon[comma..].to_owned()),
            None => (after_colon, String::new()),
        };
        let subtitle = subtitle.trim();
        if !subtitle.is_empty() {
            reference.title = format!("{}: {subtitle}", reference.title.trim());
        }
        rest = after;
    }

    let rest = rest
        .trim()
        .trim_start_matches([',', ';', ':', '.', '-', '–', '—', ' '])
        .trim();
    if !rest.is_empty() {
        if looks_like_authors(rest, lenient_authors) {
            let (authors, truncated) = parse_authors(rest);
            reference.authors = authors;
            reference.authors_truncated = truncated;
        } else {
            reference.rest = rest.to_owned();
        }
    }
    reference.title = reference
        .title
        .trim()
        .trim_end_matches([',', ';', ':', '-', '–', '—', ' '])
        .trim()
        .to_owned();
    reference
}

/// Byte index of the first `(` that opens a date parenthetical: one that starts with a
/// year (`(2015)`, `(2014, C. Dong et al.`) or holds only a year, months and kind words
/// (`(Book, Jan 2017)`). Prose in parentheses that merely mentions a year is not one.
fn find_year_paren(s: &str) -> Option<usize> {
    /// Longest parenthetical looked into, in bytes: a date or kind is a few words.
    const MAX_INSIDE: usize = 64;
    s.match_indices('(').map(|(i, _)| i).find(|&open| {
        let inner = &s[open + 1..];
        let mut window = inner.len().min(MAX_INSIDE);
        while !inner.is_char_boundary(window) {
            window -= 1;
        }
        let inner = match inner[..window].find(')') {
            Some(close) => &inner[..close],
            None if inner.len() <= MAX_INSIDE => inner,
            None => return false,
        };
        let mut words = inner
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .peekable();
        if words.peek().is_some_and(|w| year(w).is_some()) {
            return true;
        }
        let mut has_year = false;
        let all_dates = words.all(|w| {
            has_year |= year(w).is_some();
            year(w).is_some() || month_number(w).is_some() || ResourceKind::parse(w).is_ok()
        });
        all_dates && has_year
    })
}

fn year(word: &str) -> Option<i32> {
    (word.len() == 4)
        .then(|| word.parse::<i32>().ok())
        .flatten()
        .filter(|y| (1900..=2099).contains(y))
}

/// Reads `Book, Jan 2017` into kind, month and year.
fn read_parenthetical(inside: &str, reference: &mut Reference) {
    for word in inside.split(|c: char| !c.is_alphanumeric()) {
        if let Some(y) = year(word) {
            reference.year.get_or_insert(y);
        } else if let Some(m) = month_number(word) {
            reference.month.get_or_insert(m);
        } else if let Ok(kind) = ResourceKind::parse(word) {
            reference.kind.get_or_insert(kind);
        }
    }
}

const PARTICLES: [&str; 8] = ["van", "von", "de", "der", "den", "da", "di", "la"];

/// Whether `s` reads as a list of person names. `lenient` (after a title or year, where
/// authors are expected) accepts capitalised words; otherwise an initial (`M.`) or
/// "et al." is needed, so "Stanford University" is not taken for a person.
fn looks_like_authors(s: &str, lenient: bool) -> bool {
    let (names, truncated) = split_names(s);
    if names.is_empty() {
        return false;
    }
    let mut has_initial = false;
    for name in &names {
        let words: Vec<&str> = name.split_whitespace().collect();
        if words.is_empty() || words.len() > 5 {
            return false;
        }
        for word in &words {
            let first = word.chars().next().unwrap_or(' ');
            if !(first.is_uppercase() || PARTICLES.contains(word)) {
                return false;
            }
            let letters = word.trim_end_matches('.');
            if word.ends_with('.') && letters.chars().count() <= 2 {
                has_initial = true;
            }
        }
    }
    lenient || has_initial || truncated
}

/// Splits an author list into names; the flag says "et al." ended it.
fn split_names(s: &str) -> (Vec<String>, bool) {
    let mut s = s
        .trim()
        .trim_end_matches([')', ']', ',', ';', ':', ' ', '.'])
        .to_owned();
    let lower = s.to_lowercase();
    let mut truncated = false;
    for marker in ["et al.", "et. al.", "et al", "et. al", "and others"] {
        if lower.ends_with(marker) {
            s.truncate(s.len() - marker.len());
            truncated = true;
            break;
        }
    }
    let s = s.trim().trim_end_matches([',', ' ']);
    let names = s
        .split(", ")
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split(" & "))
        .map(|name| {
            let name = name.trim();
            // A final full stop ends the list, unless it belongs to an initial ("Y.").
            match name.strip_suffix('.') {
                Some(stem) if stem.chars().last().is_some_and(char::is_lowercase) => stem,
                _ => name,
            }
        })
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    (names, truncated)
}

/// Parses an author list with [`Person::parse`]; "et al." sets the flag.
pub(super) fn parse_authors(s: &str) -> (Vec<Person>, bool) {
    let (names, truncated) = split_names(s);
    (
        names.iter().filter_map(|n| Person::parse(n)).collect(),
        truncated,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(reference: &Reference) -> Vec<String> {
        reference
            .authors
            .iter()
            .map(|p| p.family.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn bold_title_year_and_et_al() {
        let r = parse(
            "Distilling the knowledge in a neural network (2015), G. Hinton et al.",
            Some("Distilling the knowledge in a neural network"),
        );
        assert_eq!(r.title, "Distilling the knowledge in a neural network");
        assert_eq!(r.year, Some(2015));
        assert_eq!(family(&r), ["Hinton"]);
        assert_eq!(r.authors[0].given.as_deref(), Some("G."));
        assert!(r.authors_truncated);
    }

    #[test]
    fn plain_title_with_a_kind_in_the_parenthetical() {
        let r = parse(
            "Neural Network and Deep Learning (Book, Jan 2017), Michael Nielsen.",
            None,
        );
        assert_eq!(r.title, "Neural Network and Deep Learning");
        assert_eq!(
            (r.year, r.month, r.kind),
            (Some(2017), Some(1), Some(ResourceKind::Book))
        );
        assert_eq!(family(&r), ["Nielsen"]);
        assert!(!r.authors_truncated);
    }

    #[test]
    fn two_authors_and_a_final_full_stop() {
        let r = parse(
            "On the Origin of Deep Learning (2017), H. Wang and Bhiksha Raj.",
            None,
        );
        assert_eq!(family(&r), ["Wang", "Raj"]);
    }

    #[test]
    fn subtitle_after_the_year() {
        let r = parse(
            "Neural Machine Translation and Sequence-to-sequence Models(2017): A Tutorial, G. Neubig.",
            None,
        );
        assert_eq!(
            r.title,
            "Neural Machine Translation and Sequence-to-sequence Models: A Tutorial"
        );
        assert_eq!(family(&r), ["Neubig"]);
    }

    #[test]
    fn unclosed_parenthetical_and_no_comma() {
        let r = parse(
            "Learning a Deep Convolutional Network for Image Super-Resolution (2014, C. Dong et al.",
            None,
        );
        assert_eq!(
            r.title,
            "Learning a Deep Convolutional Network for Image Super-Resolution"
        );
        assert_eq!((r.year, family(&r)), (Some(2014), vec!["Dong".to_owned()]));
        let r = parse(
            "Random search for hyper-parameter optimization (2012) J. Bergstra and Y. Bengio",
            Some("Random search for hyper-parameter optimization"),
        );
        assert_eq!(family(&r), ["Bergstra", "Bengio"]);
    }

    #[test]
    fn names_after_a_comma_need_an_initial_without_a_year() {
        let r = parse(
            "Achieving open vocabulary neural machine translation with hybrid word-character models, M. Luong and C. Manning.",
            None,
        );
        assert_eq!(family(&r), ["Luong", "Manning"]);
        let r = parse(
            "CS231n, Convolutional Neural Networks for Visual Recognition, Stanford University",
            None,
        );
        assert_eq!(
            r.title,
            "CS231n, Convolutional Neural Networks for Visual Recognition, Stanford University"
        );
        assert!(r.authors.is_empty());
    }

    #[test]
    fn prose_that_mentions_a_year_in_parentheses_is_not_a_reference() {
        let r = parse(
            "If a paper is added, another paper (usually from More Papers from 2016 section) should be removed",
            None,
        );
        assert_eq!(r.year, None);
        assert!(!r.is_bibliographic());
        let r = parse("Inside-outside net (2016), S. Bell et al. .", None);
        assert_eq!(family(&r), ["Bell"]);
        assert!(r.authors_truncated);
    }

    #[test]
    fn debris_of_broken_links_is_removed() {
        assert_eq!(
            clean_prose("Improving similarity, O. Levy et al. [[pdf]] ()"),
            "Improving similarity, O. Levy et al."
        );
        assert_eq!(clean_prose("a  \n b"), "a b");
        assert_eq!(clean_prose("x [( )] y [ ] z (w)"), "x y z (w)");
    }

    #[test]
    fn deep_nesting_is_linear_not_quadratic() {
        // Quadratic work on these would take minutes; linear work takes milliseconds.
        let brackets = format!("x{}{} y", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(clean_prose(&brackets), "x y");
        let unclosed = format!("Title {}2019", "(".repeat(100_000));
        // The year in the last (unclosed) parentheses is found near the end.
        assert!(find_year_paren(&unclosed).is_some_and(|at| at > 99_000));
        let no_year = format!("Title {}", "(".repeat(100_000));
        assert_eq!(find_year_paren(&no_year), None);
        assert_eq!(find_year_paren("Title (Jan 2019) more"), Some(6));
    }
}
