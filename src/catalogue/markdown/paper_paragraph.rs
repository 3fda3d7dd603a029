//! Numbered paper paragraphs, as reading roadmaps write them:
//! `**[12]** Example, Ann, and Bob Sample. "**Title**." Journal 3 (2016). [[pdf]](url)
//! **(Milestone)** :star::star::star:`: a rank in brackets, the authors (the first one
//! written family name first, MLA style), the quoted title, the venue, the year in
//! parentheses, then notes and a star rating.
//!
//! The input is the paragraph's prose (its text without link texts, shortcodes already
//! turned into emoji), so the links are left to the caller.

use super::reference::clean_prose;
use crate::domain::Person;

/// What a numbered paper paragraph says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct PaperParagraph {
    pub title: String,
    /// In the order written.
    pub authors: Vec<Person>,
    /// "et al." ended the author list.
    pub authors_truncated: bool,
    pub year: Option<i32>,
    /// The text between the title and the year (`Journal of Examples 3`), volume split off.
    pub venue: Option<String>,
    /// A trailing number of the venue (`3` in `Journal of Examples 3`).
    pub volume: Option<String>,
    /// Words in parentheses after the year (`(Milestone)`), joined with `; `.
    pub note: Option<String>,
    /// Stars (`⭐`, from `:star:`), 1 to 5; more than five count as five.
    pub rating: Option<u8>,
}

impl PaperParagraph {
    /// The venue names a meeting (`Workshop on Shells`) rather than a journal.
    pub(super) fn venue_is_meeting(&self) -> bool {
        let venue = self.venue.as_deref().unwrap_or("").to_lowercase();
        [
            "workshop",
            "conference",
            "proceedings",
            "symposium",
            "meeting",
            "conf.",
        ]
        .iter()
        .any(|w| venue.contains(w))
    }
}

/// Reads `prose` as a numbered paper paragraph; `None` when it does not start with a
/// bracketed number (`[12]`) or has no quoted title.
pub(super) fn parse(prose: &str) -> Option<PaperParagraph> {
    if !prose.trim_start().starts_with('[') {
        return None;
    }
    let text = clean_prose(prose);
    let rest = text.strip_prefix('[')?;
    let close = rest.find(']')?;
    let number = &rest[..close];
    if number.is_empty() || number.len() > 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &rest[close + 1..];
    let open = rest.find(['"', '“'])?;
    let quote_len = rest[open..].chars().next().map_or(1, char::len_utf8);
    let after_open = &rest[open + quote_len..];
    let close = after_open.find(['"', '”'])?;
    let closing_len = after_open[close..].chars().next().map_or(1, char::len_utf8);
    let title = after_open[..close]
        .trim()
        .trim_end_matches(['.', ',', ';'])
        .trim()
        .to_owned();
    if title.is_empty() {
        return None;
    }
    let mut paper = PaperParagraph {
        title,
        ..PaperParagraph::default()
    };
    let (authors, truncated) = parse_authors(rest[..open].trim());
    paper.authors = authors;
    paper.authors_truncated = truncated;

    let after = after_open[close + closing_len..].trim_start_matches(['.', ',', ' ']);
    let (venue, tail) = match year_paren(after) {
        Some((at, end, year)) => {
            paper.year = Some(year);
            (&after[..at], &after[end..])
        }
        None => ("", after),
    };
    let venue = venue.trim().trim_end_matches([',', '.', ' ']).trim();
    if !venue.is_empty() {
        match venue.rsplit_once(' ') {
            Some((name, number)) if number.bytes().all(|b| b.is_ascii_digit()) => {
                paper.venue = Some(name.trim_end_matches(',').trim().to_owned());
                paper.volume = Some(number.to_owned());
            }
            _ => paper.venue = Some(venue.to_owned()),
        }
    }
    let notes: Vec<&str> = parentheticals(tail)
        .into_iter()
        .filter(|n| !n.is_empty() && !n.chars().any(|c| c.is_ascii_digit()))
        .collect();
    paper.note = (!notes.is_empty()).then(|| notes.join("; "));
    let stars = tail.chars().filter(|&c| c == '⭐').count();
    paper.rating = (stars > 0).then(|| u8::try_from(stars.min(5)).unwrap_or(5));
    Some(paper)
}

/// The first `(YYYY)` as (start, end, year).
fn year_paren(s: &str) -> Option<(usize, usize, i32)> {
    s.match_indices('(').find_map(|(at, _)| {
        let inner = s.get(at + 1..at + 5)?;
        let year = inner
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2099).contains(y))?;
        (s.as_bytes().get(at + 5) == Some(&b')')).then_some((at, at + 6, year))
    })
}

/// The texts inside top-level parentheses, in order.
fn parentheticals(s: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => {
                if depth == 0 {
                    start = i + 1;
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    found.push(s[start..i].trim());
                }
            }
            _ => {}
        }
    }
    found
}

/// `Example, Ann, and Bob Sample`: the first name family-first (one word before its
/// comma), the others as written; `A. Example, B. Sample and C. Third` as written.
fn parse_authors(s: &str) -> (Vec<Person>, bool) {
    let mut s = s.trim().trim_end_matches(['.', ',', ' ']).to_owned();
    let mut truncated = false;
    for marker in ["et al", "et. al", "and others"] {
        if s.to_lowercase().ends_with(marker) {
            s.truncate(s.len() - marker.len());
            s = s.trim_end_matches([',', ' ']).to_owned();
            truncated = true;
            break;
        }
    }
    let parts: Vec<&str> = s
        .split(", and ")
        .flat_map(|p| p.split(" and "))
        .flat_map(|p| p.split(", "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut names: Vec<String> = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let inverted = i == 0
            && parts.len() > 1
            && !parts[0].contains([' ', '.'])
            && s.starts_with(&format!("{}, {}", parts[0], parts[1]));
        if inverted {
            names.push(format!("{}, {}", parts[0], parts[1]));
            i += 2;
        } else {
            names.push(parts[i].to_owned());
            i += 1;
        }
    }
    (
        names.iter().filter_map(|n| Person::parse(n)).collect(),
        truncated,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(paper: &PaperParagraph) -> Vec<&str> {
        paper
            .authors
            .iter()
            .map(|p| p.family.as_deref().unwrap_or(""))
            .collect()
    }

    #[test]
    fn a_numbered_paragraph_gives_title_authors_venue_year_note_and_rating() {
        let paper = parse(
            "[1] Example, Ann, and Bob Sample. \"Learning to count pebbles.\" Journal of Examples 3 (2016). [] (Milestone) ⭐⭐⭐⭐⭐",
        )
        .unwrap();
        assert_eq!(paper.title, "Learning to count pebbles");
        assert_eq!(family(&paper), ["Example", "Sample"]);
        assert_eq!(paper.authors[0].given.as_deref(), Some("Ann"));
        assert_eq!(paper.authors[1].given.as_deref(), Some("Bob"));
        assert_eq!(paper.year, Some(2016));
        assert_eq!(paper.venue.as_deref(), Some("Journal of Examples"));
        assert_eq!(paper.volume.as_deref(), Some("3"));
        assert!(!paper.venue_is_meeting());
        assert_eq!(paper.note.as_deref(), Some("Milestone"));
        assert_eq!(paper.rating, Some(5));
    }

    #[test]
    fn one_author_family_first_and_a_workshop() {
        let paper =
            parse("[2] Sample, Bob. “Sorting shells quickly.” Workshop on Shells (2018). ⭐⭐⭐")
                .unwrap();
        assert_eq!(paper.title, "Sorting shells quickly");
        assert_eq!(family(&paper), ["Sample"]);
        assert_eq!(paper.year, Some(2018));
        assert!(paper.venue_is_meeting());
        assert_eq!((paper.note, paper.rating), (None, Some(3)));
    }

    #[test]
    fn names_written_given_first_and_et_al() {
        let paper =
            parse("[3] A. Example, B. Sample and C. Third et al. \"T.\" V (2020).").unwrap();
        assert_eq!(family(&paper), ["Example", "Sample", "Third"]);
        assert!(paper.authors_truncated);
    }

    #[test]
    fn other_paragraphs_are_not_papers() {
        assert_eq!(parse("Learning to count \"pebbles\" (2016)."), None);
        assert_eq!(parse("[1] No quoted title here (2016)."), None);
        assert_eq!(parse("[x] A. \"T.\" (2016)."), None);
    }
}
