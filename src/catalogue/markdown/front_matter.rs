//! A page's front matter: YAML between a first line `---` and the next line `---` or
//! `...`, as MyST and Jupyter Book read it (`jupytext`, `kernelspec`, `title`, …). lore
//! reads its `lore:` mapping, the same corrections as `lore.toml`'s `[import]` for this
//! page only, and leaves the other keys to the tools they belong to:
//!
//! ```yaml
//! ---
//! lore:
//!   headings:
//!     Evaluation and Plots: metric
//!   columns:
//!     Course Name: title
//! ---
//! ```
//!
//! Front matter is recognised only at the very start of a page; a `---` further down is a
//! thematic break.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::reading::Reading;

/// Where a page's front matter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FrontMatter<'t> {
    /// The YAML between the delimiter lines.
    pub yaml: &'t str,
    /// The 1-based line of the opening `---`.
    pub line: u32,
    /// The byte just after the closing delimiter line: where the Markdown starts.
    pub end: usize,
}

/// The page's front matter, if its first line is `---`, its next line starts a YAML
/// mapping (`title:`, `jupytext:`, `lore:`) and a later line closes it. (A page that opens
/// with a thematic break and text keeps them.)
pub(super) fn find(text: &str) -> Option<FrontMatter<'_>> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" || !lines.clone().next().is_some_and(is_mapping_key) {
        return None;
    }
    let start = first.len();
    let mut at = start;
    for line in lines {
        let bare = line.trim_end();
        if bare == "---" || bare == "..." {
            return Some(FrontMatter {
                yaml: &text[start..at],
                line: 1,
                end: at + line.len(),
            });
        }
        at += line.len();
    }
    None
}

/// Whether `line` opens a YAML mapping entry: a plain key followed by `:` and a space or
/// the line's end.
fn is_mapping_key(line: &str) -> bool {
    let Some((key, rest)) = line.trim_end().split_once(':') else {
        return false;
    };
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (rest.is_empty() || rest.starts_with(' '))
}

/// The URLs written in the front matter, with their 1-based lines: not catalogue entries,
/// but every URL of a page is accounted for in the import report.
pub(super) fn urls(front: &FrontMatter<'_>) -> Vec<(u32, String)> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut found = Vec::new();
    for (line, text) in (front.line + 1..).zip(front.yaml.lines()) {
        found.extend(finder.links(text).map(|l| (line, l.as_str().to_owned())));
    }
    found
}

/// `text` with the front matter's characters (up to `end`) replaced by spaces, line breaks
/// kept: the Markdown reader then sees blank lines, and every later byte offset and line
/// number stays the page's.
pub(super) fn blank(text: &str, end: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text[..end].chars() {
        if c == '\n' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out.push_str(&text[end..]);
    out
}

#[derive(Debug, Deserialize)]
struct Document {
    #[serde(default)]
    lore: Option<Corrections>,
}

/// The `lore:` key: the page's corrections.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corrections {
    #[serde(default)]
    headings: BTreeMap<String, String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    ratings: BTreeMap<String, String>,
}

/// The reading of a page with front matter: `base` (from `lore.toml`) overlaid by the
/// page's own `lore:` mappings, which win for the headings and headers they name.
///
/// # Errors
/// A message naming what is wrong (YAML that does not parse, an unknown key under
/// `lore:`, a value that is no category, kind or field); the page is then read with
/// `base` alone.
pub(super) fn reading(front: &FrontMatter<'_>, base: &Reading) -> Result<Option<Reading>, String> {
    let document: Option<Document> =
        serde_saphyr::from_str(front.yaml).map_err(|e| one_line(&e.to_string()))?;
    let Some(corrections) = document.and_then(|d| d.lore) else {
        return Ok(None);
    };
    let own = Reading::new(&corrections.headings, &corrections.columns)
        .and_then(|reading| reading.with_ratings(&corrections.ratings))
        .map_err(|e| {
            e.to_string()
                .replace("[import.headings]", "lore.headings:")
                .replace("[import.columns]", "lore.columns:")
                .replace("[import.ratings]", "lore.ratings:")
        })?;
    Ok(Some(base.overlaid_by(own)))
}

/// A YAML error as one report line: its first line (the parser adds the snippet it
/// read on the next ones), at most 200 characters.
fn one_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &first[..end]),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::markdown::HeadingMeaning;
    use crate::domain::Category;

    #[test]
    fn front_matter_is_found_only_at_the_start() {
        let page = "---\ntitle: Notes <https://e.org/a>\n...\n# Notes\n";
        let front = find(page).unwrap();
        assert_eq!(front.yaml, "title: Notes <https://e.org/a>\n");
        assert_eq!(&page[front.end..], "# Notes\n");
        assert_eq!(urls(&front), [(2, "https://e.org/a".to_owned())]);
        // A thematic break and text, not a mapping.
        assert_eq!(find("---\n[t](https://e.org/p)\n---\n"), None);
        assert_eq!(find("# Notes\n\n---\ntitle: x\n---\n"), None);
        assert_eq!(find("---\nnever closed\n"), None);
    }

    #[test]
    fn blanking_keeps_every_offset_and_line() {
        let page = "---\ntitle: Études\n---\n# Notes\n";
        let front = find(page).unwrap();
        let blanked = blank(page, front.end);
        assert_eq!(blanked.len(), page.len());
        assert_eq!(blanked.lines().count(), page.lines().count());
        assert!(blanked.ends_with("\n# Notes\n"));
        assert!(blanked[..front.end].trim().is_empty());
    }

    #[test]
    fn the_page_mappings_overlay_the_settings_and_bad_ones_are_named() {
        let page = "---\nkernelspec:\n  name: python3\nlore:\n  headings:\n    Evaluation and Plots: metric\n---\n";
        let front = find(page).unwrap();
        let reading = reading(&front, &Reading::default()).unwrap().unwrap();
        assert_eq!(
            reading.heading("Evaluation and Plots"),
            Some(HeadingMeaning::Category(Category::Metric))
        );
        let no_lore = find("---\ntitle: x\n---\n").unwrap();
        assert_eq!(reading_of(&no_lore), Ok(None));

        let bad = find("---\nlore:\n  headings:\n    Plots: pictures\n---\n").unwrap();
        let err = reading_of(&bad).unwrap_err();
        assert!(
            err.contains("lore.headings: \"Plots\" = \"pictures\""),
            "{err}"
        );
        let typo = find("---\nlore:\n  heading:\n    Plots: metric\n---\n").unwrap();
        let err = reading_of(&typo).unwrap_err();
        assert!(err.contains("heading"), "{err}");
        let broken = find("---\nlore: [unclosed\n---\n").unwrap();
        let err = reading_of(&broken).unwrap_err();
        assert!(!err.contains('\n') && !err.is_empty(), "{err}");
    }

    fn reading_of(front: &FrontMatter<'_>) -> Result<Option<Reading>, String> {
        reading(front, &Reading::default())
    }
}
