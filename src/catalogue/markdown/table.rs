//! Catalogue tables: what each column means (by header synonyms) and the cells
//! pulldown-cmark drops.

use crate::domain::ResourceKind;

/// What a table column holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Column {
    /// The resource's name (`title`, `name`, `resource`).
    Title,
    /// A header that names a kind (`Course`, `Docs`, `Survey`): the resource's name, and
    /// the kind of every row.
    TitleOfKind(ResourceKind),
    Link,
    Topic,
    Task,
    Level,
    /// A paper's title; with a model column, the row is that paper.
    Paper,
    /// A model, method or architecture: a concept the row's paper introduced.
    Model,
    Authors,
    Year,
    Kind,
    Description,
    /// Anything else, kept as an attribute under the header as written.
    Other(String),
}

/// Reads a header cell.
pub(super) fn classify(header: &str) -> Column {
    let key = header
        .trim()
        .trim_end_matches(':')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match key.as_str() {
        "title" | "name" | "resource" | "resources" => Column::Title,
        "link" | "links" | "url" | "urls" | "href" | "website" | "site" | "where" => Column::Link,
        "topic" | "topics" | "subject" | "subjects" => Column::Topic,
        "task" | "tasks" => Column::Task,
        "level" | "levels" | "difficulty" => Column::Level,
        "paper" | "papers" | "publication" => Column::Paper,
        "model" | "models" | "method" | "methods" | "architecture" | "architectures"
        | "algorithm" => Column::Model,
        "author" | "authors" | "by" => Column::Authors,
        "year" | "date" | "published" => Column::Year,
        "kind" | "type" | "format" | "medium" => Column::Kind,
        "description" | "notes" | "note" | "comment" | "comments" | "summary" | "remarks" => {
            Column::Description
        }
        _ => match ResourceKind::parse(&key) {
            Ok(kind) => Column::TitleOfKind(kind),
            Err(_) => Column::Other(header.trim().to_owned()),
        },
    }
}

/// The column roles of a table, decided once from its header.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    pub columns: Vec<Column>,
    /// The column that names the row's resource.
    pub title: Option<usize>,
    /// The kind the title column's header names (`Docs`), or paper for a paper column.
    pub kind: Option<ResourceKind>,
    /// The model column, when the rows are the papers that introduced the models.
    pub model: Option<usize>,
}

impl Layout {
    pub(super) fn new(header: &[String]) -> Layout {
        let mut columns: Vec<Column> = header.iter().map(|h| classify(h)).collect();
        let find =
            |columns: &[Column], wanted: &dyn Fn(&Column) -> bool| columns.iter().position(wanted);
        let paper = find(&columns, &|c| *c == Column::Paper);
        let model = find(&columns, &|c| *c == Column::Model);
        let titled = find(&columns, &|c| {
            matches!(c, Column::Title | Column::TitleOfKind(_))
        });
        let (title, kind, model) = match (paper, model, titled) {
            // `| Model | paper | task | level |`: each row is the paper.
            (Some(p), Some(m), _) => (Some(p), Some(ResourceKind::Paper), Some(m)),
            (_, _, Some(t)) => {
                let kind = match columns[t] {
                    Column::TitleOfKind(kind) => Some(kind),
                    _ => None,
                };
                (Some(t), kind, None)
            }
            (Some(p), None, None) => (Some(p), Some(ResourceKind::Paper), None),
            (None, Some(m), None) => (Some(m), None, None),
            (None, None, None) => (
                find(&columns, &|c| matches!(c, Column::Other(_))),
                None,
                None,
            ),
        };
        // A second column that names a kind is only an attribute.
        for (i, column) in columns.iter_mut().enumerate() {
            if Some(i) != title
                && let Column::TitleOfKind(_) | Column::Title = column
            {
                *column = Column::Other(header[i].trim().to_owned());
            }
        }
        Layout {
            columns,
            title,
            kind,
            model,
        }
    }
}

/// Splits a raw table row into trimmed cell texts, the way GFM does: an optional leading
/// and trailing pipe, cells separated by pipes that are not escaped with `\`.
pub(super) fn split_row(raw: &str) -> Vec<String> {
    let line = raw.trim();
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == '|' {
            cells.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    cells.push(current);
    if line.starts_with('|') {
        cells.remove(0);
    }
    if cells.len() > 1 && line.ends_with('|') && !line.ends_with("\\|") {
        cells.pop();
    }
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// A paragraph's source that reads like table rows without the header separator row GFM
/// needs (`|---|---|`): at least two lines, each starting and ending with `|` or holding
/// two or more cell separators. Pipes escaped with `\` and inside code spans do not count,
/// so prose with a stray pipe is not taken for a table.
pub(super) fn looks_like_rows(source: &str) -> bool {
    let lines: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.len() >= 2
        && lines.iter().all(|line| {
            let pipes = separators(line);
            (line.starts_with('|') && line.ends_with('|') && !line.ends_with("\\|") && pipes >= 2)
                || pipes >= 2 && split_row(line).len() >= 3
        })
}

/// Unescaped pipes outside code spans.
fn separators(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    let mut in_code = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '`' => in_code = !in_code,
            '|' if !in_code => count += 1,
            _ => {}
        }
    }
    count
}

/// The cells of `raw` beyond the header's `columns`, as (1-based column, text), empty
/// ones left out.
pub(super) fn extra_cells(raw: &str, columns: usize) -> Vec<(usize, String)> {
    split_row(raw)
        .into_iter()
        .enumerate()
        .skip(columns)
        .filter(|(_, text)| !text.is_empty())
        .map(|(i, text)| (i + 1, text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_by_synonyms() {
        assert_eq!(
            classify("Course"),
            Column::TitleOfKind(ResourceKind::Course)
        );
        assert_eq!(
            classify("Docs"),
            Column::TitleOfKind(ResourceKind::Documentation)
        );
        assert_eq!(classify(" link "), Column::Link);
        assert_eq!(classify("URL"), Column::Link);
        assert_eq!(classify("Difficulty"), Column::Level);
        assert_eq!(classify("Topics"), Column::Topic);
        assert_eq!(classify("Stars"), Column::Other("Stars".into()));
    }

    #[test]
    fn a_model_table_with_papers_is_about_the_papers() {
        let layout = Layout::new(&[
            "Model".into(),
            "paper".into(),
            "task".into(),
            "level".into(),
        ]);
        assert_eq!(layout.title, Some(1));
        assert_eq!(layout.model, Some(0));
        assert_eq!(layout.kind, Some(ResourceKind::Paper));
    }

    #[test]
    fn rows_split_with_or_without_outer_pipes() {
        assert_eq!(split_row("| a | b |"), ["a", "b"]);
        assert_eq!(split_row("| a | b "), ["a", "b"]);
        assert_eq!(split_row("a | b |"), ["a", "b"]);
        assert_eq!(split_row(r"| a \| b | c |"), [r"a \| b", "c"]);
        assert_eq!(
            extra_cells("| Tensor Basics | https://x | beginner | 2021 |", 3),
            [(4, "2021".to_owned())]
        );
        assert!(extra_cells("| a | b | c |", 3).is_empty());
    }

    #[test]
    fn rows_without_a_separator_row_are_told_from_prose() {
        assert!(looks_like_rows("| Course | level |\n| A | beginner |\n"));
        assert!(looks_like_rows(
            "Course | link | level\nA | https://a.example | beginner\n"
        ));
        assert!(!looks_like_rows("| only one line |\n"));
        assert!(!looks_like_rows(
            "Use a | b here.\nAnd `x | y | z` there.\n"
        ));
        assert!(!looks_like_rows(
            "Escaped \\| pipes \\| only\nsecond | line\n"
        ));
    }
}
