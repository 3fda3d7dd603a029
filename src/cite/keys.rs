//! Citation keys lore issues: `ren2015faster`.
//!
//! The scheme is the one Google Scholar popularised and Better BibTeX's default
//! `auth.lower + year + shorttitle(1,0).lower` follows: the first author's family name,
//! folded to ASCII, the year, and the first significant word of the title, all lower case.
//! A taken key gets a letter suffix, `ren2015fastera`, `ren2015fasterb`, ... `…z`, `…aa`,
//! as BibTeX styles do for labels (the BibTeX manual's `alpha` style; "Tame the BeaST" §6).
//!
//! Keys use only `[a-z0-9_:./-]`, so BibTeX, biber, pybtex and citation-js read them alike
//! and a MyST `{cite}` role needs no quoting. Keys are compared ignoring case (BibTeX does:
//! `Ren2015` and `ren2015` are one entry), and a key never changes once issued: callers
//! generate one only for a resource that has none.

use crate::domain::{CitationKey, MAX_KEY_LEN, ResourceData};

/// Longest family-name (or organisation) part of a generated key, in bytes.
const MAX_NAME_PART: usize = 24;
/// Longest title-word part of a generated key, in bytes.
const MAX_WORD_PART: usize = 20;
/// Title words a key made from the title alone takes at most.
const TITLE_ONLY_WORDS: usize = 3;
/// Longest key made from the title alone, before any suffix.
const MAX_TITLE_ONLY: usize = 40;

/// Words skipped when looking for the first significant title word: English articles,
/// conjunctions and short prepositions, and the particles of the languages Better BibTeX
/// skips (its `skipWords` list, abridged).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "across", "after", "against", "along", "among", "an", "and", "are",
    "around", "as", "at", "be", "before", "behind", "below", "between", "beyond", "but", "by",
    "can", "d", "da", "das", "de", "del", "della", "den", "der", "des", "di", "die", "do", "does",
    "du", "during", "ein", "eine", "el", "en", "et", "for", "from", "how", "il", "in", "into",
    "is", "it", "its", "l", "la", "las", "le", "les", "lo", "los", "near", "nor", "of", "off",
    "on", "onto", "or", "over", "per", "than", "that", "the", "their", "this", "through", "to",
    "toward", "towards", "un", "una", "une", "under", "upon", "versus", "via", "vs", "what",
    "when", "where", "which", "while", "who", "why", "with", "within", "without", "y", "your",
    "zu", "zum", "zur",
];

/// Generates a citation key for a resource that has none, trying candidates until
/// `is_taken` says one is free.
///
/// `is_taken` receives lower-case candidates and must compare ignoring case (a store keeps
/// keys unique on their lower-case form). The result is deterministic: the same data and
/// the same taken keys give the same key.
///
/// - First author, year and title: `ren2015faster` (family name without particle, folded
///   to ASCII with `deunicode`: "Müller" → `muller`; an organisation's whole name:
///   `{Google Research}` → `googleresearch`).
/// - No year: `ren_faster`.
/// - No author: up to three significant title words joined by `-`, then `-` and the
///   year: `30-days-deep-2021`, `pytorch-tutorial-learning`.
/// - Nothing usable in the title: the URL's site name (`youtube`), else `untitled`.
///
/// Keys already issued (`data.citation_key`) are never replaced: the caller calls this only
/// when that field is empty.
pub fn generate_key(data: &ResourceData, is_taken: impl Fn(&str) -> bool) -> CitationKey {
    let base = key_base(data);
    let mut n = 0u32;
    loop {
        let suffix = letter_suffix(n);
        let mut candidate = base.clone();
        candidate.truncate(MAX_KEY_LEN - suffix.len());
        let trimmed = candidate.trim_end_matches(['-', '_', '.', '/', ':']);
        let candidate = format!("{trimmed}{suffix}");
        if !is_taken(&candidate) {
            return CitationKey::parse(&candidate)
                .expect("generated keys hold only [a-z0-9_-] and start with a letter or digit");
        }
        n += 1;
    }
}

/// The key [`generate_key`] tries first, before any disambiguating suffix.
pub fn key_base(data: &ResourceData) -> String {
    let name = data
        .authors
        .iter()
        .find_map(|p| p.sort_name().or(p.given.as_deref()))
        .map(|n| cap(&fold_compact(n), MAX_NAME_PART))
        .filter(|n| !n.is_empty());
    let year = data
        .year
        .filter(|y| (0..=9999).contains(y))
        .map(|y| y.to_string());
    let words = title_words(&data.title);
    let first_word = words
        .iter()
        .find(|w| !STOP_WORDS.contains(&w.as_str()))
        .or(words.first())
        .map(|w| cap(w, MAX_WORD_PART));

    match (name, year, first_word) {
        (Some(name), Some(year), word) => format!("{name}{year}{}", word.unwrap_or_default()),
        (Some(name), None, Some(word)) => format!("{name}_{word}"),
        (Some(name), None, None) => name,
        (None, year, _) => {
            let title = title_only(&words);
            let stem = if title.is_empty() {
                site_name(data.url.as_deref()).unwrap_or_else(|| "untitled".to_owned())
            } else {
                title
            };
            match year {
                Some(year) => format!("{stem}-{year}"),
                None => stem,
            }
        }
    }
}

/// `a`..`z`, `aa`..`az`, `ba`, ... for n = 1, 2, ...; empty for n = 0 (bijective base 26).
fn letter_suffix(n: u32) -> String {
    let mut n = n;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// Folds to lower-case ASCII and keeps only letters and digits: "O'Neil-Smith" → `oneilsmith`.
fn fold_compact(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The title's words, folded to lower-case ASCII: split at everything but letters, digits,
/// hyphens and apostrophes, which join (`R-CNN` gives `rcnn`, `β-VAE` `bvae`, `Spearman's`
/// `spearmans`). Braces and LaTeX commands of imported titles fall away with the other
/// punctuation.
fn title_words(title: &str) -> Vec<String> {
    deunicode::deunicode(title)
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '\'')))
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Up to [`TITLE_ONLY_WORDS`] significant words joined by `-`, within [`MAX_TITLE_ONLY`].
fn title_only(words: &[String]) -> String {
    let significant: Vec<&String> = words
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect();
    let chosen: Vec<&String> = if significant.is_empty() {
        words.iter().take(TITLE_ONLY_WORDS).collect()
    } else {
        significant.into_iter().take(TITLE_ONLY_WORDS).collect()
    };
    let mut out = String::new();
    for word in chosen {
        let word = cap(word, MAX_WORD_PART);
        let extra = if out.is_empty() { 0 } else { 1 } + word.len();
        if !out.is_empty() && out.len() + extra > MAX_TITLE_ONLY {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

/// The registrable-looking part of a URL's host: `https://www.youtube.com/...` → `youtube`.
fn site_name(url: Option<&str>) -> Option<String> {
    let host = url::Url::parse(url?).ok()?.host_str()?.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let label = match labels.as_slice() {
        [] => return None,
        [only] => *only,
        [.., name, _tld] => name,
    };
    let name = fold_compact(label);
    (!name.is_empty()).then(|| cap(&name, MAX_NAME_PART))
}

fn cap(s: &str, max: usize) -> String {
    // ASCII only at this point, so any byte index is a char boundary.
    s[..s.len().min(max)].to_owned()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashSet;

    use super::*;
    use crate::domain::Person;

    fn paper(first_author: Person, year: Option<i32>, title: &str) -> ResourceData {
        ResourceData {
            title: title.to_owned(),
            authors: vec![first_author, Person::parse("Kaiming He").unwrap()],
            year,
            ..ResourceData::default()
        }
    }

    fn free(_: &str) -> bool {
        false
    }

    proptest::proptest! {
        /// Whatever the data, a generated key is a valid, lower-case, short key.
        #[test]
        fn generated_keys_are_always_valid(
            title in "\\PC{0,60}",
            family in proptest::option::of("\\PC{0,20}"),
            year in proptest::option::of(-50i32..12000),
        ) {
            let data = ResourceData {
                title,
                authors: family.into_iter().map(|f| Person { family: Some(f), ..Person::default() }).collect(),
                year,
                ..ResourceData::default()
            };
            let key = generate_key(&data, |k| k.len() % 3 == 0);
            proptest::prop_assert!(CitationKey::parse(key.as_str()).is_ok());
            proptest::prop_assert!(key.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_:./-".contains(&b)), "{}", key);
            proptest::prop_assert!(key.as_str().len() <= MAX_KEY_LEN);
        }
    }

    #[test]
    fn keys_are_family_year_and_first_significant_word() {
        let data = paper(
            Person::parse("Shaoqing Ren").unwrap(),
            Some(2015),
            "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
        );
        assert_eq!(generate_key(&data, free).as_str(), "ren2015faster");
        let data = paper(
            Person::parse("Licheng Jiao").unwrap(),
            Some(2019),
            "A Survey of Deep Learning-based Object Detection",
        );
        assert_eq!(generate_key(&data, free).as_str(), "jiao2019survey");
        let data = paper(
            Person::parse("Adityanarayanan Radhakrishnan").unwrap(),
            Some(2022),
            "Feature learning in neural networks and kernel machines that recursively learn features",
        );
        assert_eq!(
            generate_key(&data, free).as_str(),
            "radhakrishnan2022feature"
        );
    }

    #[test]
    fn names_are_folded_to_ascii_without_particles() {
        let data = paper(
            Person::parse("Laurens van der Maaten").unwrap(),
            Some(2008),
            "Visualizing Data using t-SNE",
        );
        assert_eq!(generate_key(&data, free).as_str(), "maaten2008visualizing");
        let data = paper(
            Person::parse("Jürgen Schmidhuber").unwrap(),
            Some(2015),
            "Deep learning in neural networks: An overview",
        );
        assert_eq!(generate_key(&data, free).as_str(), "schmidhuber2015deep");
        let data = paper(
            Person::parse("O'Neil, Cathy").unwrap(),
            Some(2016),
            "Weapons of Math Destruction",
        );
        assert_eq!(generate_key(&data, free).as_str(), "oneil2016weapons");
        let data = paper(Person::literal("Google Research"), Some(2020), "The Year");
        assert_eq!(generate_key(&data, free).as_str(), "googleresearch2020year");
        let data = paper(Person::parse("张 伟").unwrap(), Some(2020), "深度学习");
        assert_eq!(generate_key(&data, free).as_str(), "wei2020shen");
    }

    #[test]
    fn stop_words_are_skipped_unless_the_title_has_nothing_else() {
        let data = paper(Person::parse("Ann Lee").unwrap(), Some(2001), "On the Of");
        assert_eq!(generate_key(&data, free).as_str(), "lee2001on");
        let data = paper(
            Person::parse("Ann Lee").unwrap(),
            Some(2001),
            "Towards a Theory of {BERT}",
        );
        assert_eq!(generate_key(&data, free).as_str(), "lee2001theory");
    }

    #[test]
    fn taken_keys_get_letter_suffixes_ignoring_case() {
        let data = paper(Person::parse("Shaoqing Ren").unwrap(), Some(2015), "Faster");
        let taken: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
        taken.borrow_mut().insert("Ren2015Faster".to_lowercase());
        let mut issued = Vec::new();
        for _ in 0..28 {
            let key = generate_key(&data, |k| taken.borrow().contains(&k.to_lowercase()));
            taken.borrow_mut().insert(key.as_str().to_owned());
            issued.push(key.as_str().to_owned());
        }
        assert_eq!(issued[0], "ren2015fastera");
        assert_eq!(issued[1], "ren2015fasterb");
        assert_eq!(issued[25], "ren2015fasterz");
        assert_eq!(issued[26], "ren2015fasteraa");
        assert_eq!(issued[27], "ren2015fasterab");
    }

    #[test]
    fn resources_without_author_or_year_get_readable_title_keys() {
        let data = ResourceData {
            title: "30 Days of Deep Learning".into(),
            url: Some("https://github.com/x/30-days".into()),
            ..ResourceData::default()
        };
        assert_eq!(generate_key(&data, free).as_str(), "30-days-deep");
        let data = ResourceData {
            title: "Learning PyTorch with Examples".into(),
            year: Some(2024),
            ..ResourceData::default()
        };
        assert_eq!(
            generate_key(&data, free).as_str(),
            "learning-pytorch-examples-2024"
        );
        let data = paper(Person::parse("Ann Lee").unwrap(), None, "Sparse Nets");
        assert_eq!(generate_key(&data, free).as_str(), "lee_sparse");
        let data = ResourceData {
            title: "?!".into(),
            url: Some("https://www.youtube.com/playlist?list=PL5".into()),
            ..ResourceData::default()
        };
        assert_eq!(generate_key(&data, free).as_str(), "youtube");
        let data = ResourceData::default();
        assert_eq!(generate_key(&data, free).as_str(), "untitled");
    }

    #[test]
    fn generated_keys_are_short_and_valid() {
        let data = ResourceData {
            title: "Supercalifragilisticexpialidocious ".repeat(10),
            authors: vec![Person::parse(&"Wolfeschlegelsteinhausen".repeat(4)).unwrap()],
            year: Some(1999),
            ..ResourceData::default()
        };
        let key = generate_key(&data, free);
        assert!(key.as_str().len() <= MAX_NAME_PART + 4 + MAX_WORD_PART);
        assert!(
            key.as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_:./-".contains(&b))
        );
    }
}
