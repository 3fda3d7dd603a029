//! A table cell that holds a title and more: `1) **Pebble Transformers** - introduces a
//! transformer. <br> ● It counts pebbles. <br> ● It beats every baseline.` A reader sees the
//! bold (or first-line) title and a description; the rank prefix (`1)`, `2.`, `#3`) and the
//! bullets (`●`, `•`, `-`) are layout, not words of either.

/// A cell's text split into its title and the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Split {
    pub title: String,
    /// The text after the title, one line per `<br>`-separated line, bullets removed.
    pub description: Option<String>,
}

/// Bullet characters authors put at the start of a line inside a cell.
const BULLETS: [char; 8] = ['●', '•', '▪', '◦', '‣', '∙', '○', '■'];

/// A rank written before a title: `1)`, `1.`, `(1)`, `#1`, at most three digits.
pub(super) fn is_rank(text: &str) -> bool {
    let t = text.trim();
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    t.strip_suffix(')')
        .map(|s| s.strip_prefix('(').unwrap_or(s))
        .or_else(|| t.strip_suffix('.'))
        .or_else(|| t.strip_prefix('#'))
        .is_some_and(digits)
}

/// `text` without a leading rank that is followed by more words.
fn strip_rank(text: &str) -> &str {
    let t = text.trim_start();
    match t.split_once(char::is_whitespace) {
        Some((first, rest)) if is_rank(first) && !rest.trim().is_empty() => rest.trim_start(),
        _ => t,
    }
}

/// A line without its leading bullet (`● `, `- `, `* `).
fn strip_bullet(line: &str) -> &str {
    let t = line.trim();
    let rest = t
        .strip_prefix(BULLETS)
        .or_else(|| t.strip_prefix("- "))
        .or_else(|| t.strip_prefix("* "));
    rest.map_or(t, str::trim_start)
}

/// Splits the text of a title cell (`text`, lines separated by `\n`) whose content starts
/// with the strong span `strong`. Returns `None` when the cell is a plain title (one line,
/// no rank, or a strong span that is the whole text): nothing to split.
pub(super) fn split(text: &str, strong: Option<&str>) -> Option<Split> {
    let mut lines = text
        .split('\n')
        .map(|l| {
            strip_bullet(l)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| !l.is_empty());
    let first_raw = lines.next()?;
    let others: Vec<String> = lines.collect();
    let first = strip_rank(&first_raw);
    let ranked = first.len() != first_raw.len();
    let lead = strong
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty() && first.starts_with(s.as_str()));
    let (title, after) = match lead {
        Some(s) => {
            let after = first[s.len()..]
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':')
                })
                .trim()
                .to_owned();
            (s, after)
        }
        None => (first.to_owned(), String::new()),
    };
    if !ranked && after.is_empty() && others.is_empty() {
        return None;
    }
    let description: Vec<String> = std::iter::once(after)
        .chain(others)
        .filter(|l| !l.is_empty())
        .collect();
    Some(Split {
        title,
        description: (!description.is_empty()).then(|| description.join("\n")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bold_title_with_bullets_splits_into_title_and_description() {
        let text = "1) Pebble Transformers - introduces a transformer for pebbles. \n ● It counts pebbles. \n ● It beats every baseline.";
        let split = split(text, Some("Pebble Transformers")).unwrap();
        assert_eq!(split.title, "Pebble Transformers");
        assert_eq!(
            split.description.as_deref(),
            Some(
                "introduces a transformer for pebbles.\nIt counts pebbles.\nIt beats every baseline."
            )
        );
    }

    #[test]
    fn without_a_bold_span_the_first_line_is_the_title() {
        let split = split("Gentle Tensors\n• week one\n• week two", None).unwrap();
        assert_eq!(split.title, "Gentle Tensors");
        assert_eq!(split.description.as_deref(), Some("week one\nweek two"));
        let split = super::split("2. Graph Thinking", None).unwrap();
        assert_eq!(split.title, "Graph Thinking");
        assert_eq!(split.description, None);
    }

    #[test]
    fn plain_titles_are_left_alone() {
        assert_eq!(split("Gentle Tensors", Some("Gentle Tensors")), None);
        assert_eq!(split("Deep Learning - Part 1", None), None);
        assert_eq!(split("2001 A Space Odyssey", None), None);
        // A lone number is a title of its own, not a rank before one.
        assert_eq!(split("42", None), None);
    }

    #[test]
    fn ranks_are_short_numbers_with_a_mark() {
        for rank in ["1)", "12.", "(3)", "#4"] {
            assert!(is_rank(rank), "{rank}");
        }
        for text in ["1", "2001.", "a)", "#", "1.5"] {
            assert!(!is_rank(text), "{text}");
        }
    }
}
