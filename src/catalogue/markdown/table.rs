//! Catalogue tables: what each column means (by header synonyms and the words of longer
//! headers: `Course Name`, `Course WebPage`, `Instructor`, `Paper/Blog`) and the cells
//! pulldown-cmark drops.

use crate::domain::{Category, ResourceKind};

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
    /// A numbering column (`#`, `No.`, `S.No`, `Rank`): never the title, kept as an
    /// attribute.
    Number,
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
        "author" | "authors" | "author(s)" | "by" | "instructor" | "instructors"
        | "instructor(s)" | "lecturer" | "lecturers" | "teacher" | "teachers" | "taught by"
        | "speaker" | "speakers" | "presenter" | "presenters" | "creator" | "creators" => {
            Column::Authors
        }
        "year" | "date" | "published" | "release date" | "released" | "publication date"
        | "year published" => Column::Year,
        "kind" | "type" | "format" | "medium" => Column::Kind,
        "description" | "notes" | "note" | "comment" | "comments" | "summary" | "remarks" => {
            Column::Description
        }
        _ if is_numbering(&key) => Column::Number,
        _ => match ResourceKind::parse(&key) {
            Ok(kind) => Column::TitleOfKind(kind),
            Err(_) => by_words(&key).unwrap_or_else(|| Column::Other(header.trim().to_owned())),
        },
    }
}

/// `#`, `No.`, `S.No`, `Sr. No.`, `Sl No`, `Rank`, `Index`: a header that numbers rows.
fn is_numbering(key: &str) -> bool {
    let squeezed: String = key
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '/'))
        .collect();
    matches!(
        squeezed.as_str(),
        "#" | "no"
            | "nr"
            | "num"
            | "number"
            | "sno"
            | "srno"
            | "slno"
            | "sn"
            | "serial"
            | "serialno"
            | "rank"
            | "index"
            | "idx"
    )
}

/// A header of several words read by its words: `Course Name` (a kind and `name` or
/// `title`) names the row's resource of that kind; `Course WebPage` (ending in a link
/// word) is its link; `Language Model` (ending in a model word) a model; `Paper/Blog`
/// the first part that means something.
fn by_words(key: &str) -> Option<Column> {
    if key.contains(['/', '&']) {
        return key
            .split(['/', '&'])
            .map(classify)
            .find(|c| !matches!(c, Column::Other(_)));
    }
    let (head, last) = key.rsplit_once(' ')?;
    match last {
        "name" | "title" | "names" | "titles" => Some(match ResourceKind::parse(head) {
            Ok(kind) => Column::TitleOfKind(kind),
            Err(_) if Category::parse(head) == Ok(Category::Model) => Column::Model,
            Err(_) => Column::Title,
        }),
        "link" | "links" | "url" | "webpage" | "website" | "page" | "homepage" | "site" => {
            Some(Column::Link)
        }
        "model" | "models" | "architecture" => Some(Column::Model),
        _ => None,
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
    /// The layout of a table outside a models section.
    #[cfg(test)]
    pub(super) fn new(header: &[String]) -> Layout {
        Layout::read(header, false)
    }

    /// The layout of a table under a models heading (`## Models`): a `Name` column beside
    /// a paper column names the model the row's paper introduced, as `Model` would.
    pub(super) fn read(header: &[String], models_section: bool) -> Layout {
        let mut columns: Vec<Column> = header.iter().map(|h| classify(h)).collect();
        if models_section
            && columns.contains(&Column::Paper)
            && !columns.contains(&Column::Model)
            && let Some(name) = columns.iter().position(|c| *c == Column::Title)
        {
            columns[name] = Column::Model;
        }
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

    /// Moves the title off a column that only numbers the rows (every body cell a number
    /// such as `1.`, `2)` or empty), to the next column of no known meaning. `numbers`
    /// tells whether column `i` holds only numbers.
    pub(super) fn skip_numbering(&mut self, numbers: impl Fn(usize) -> bool) {
        let Some(title) = self.title else {
            return;
        };
        if !matches!(self.columns[title], Column::Other(_)) || !numbers(title) {
            return;
        }
        self.columns[title] = Column::Number;
        self.title = self
            .columns
            .iter()
            .position(|c| matches!(c, Column::Other(_)));
    }
}

/// A cell that only numbers its row: `1`, `1.`, `2)`, `#3`, or empty.
pub(super) fn is_row_number(text: &str) -> bool {
    let t = text
        .trim()
        .trim_start_matches('#')
        .trim_end_matches(['.', ')']);
    t.bytes().all(|b| b.is_ascii_digit())
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
    fn longer_headers_are_read_by_their_words() {
        assert_eq!(
            classify("Course Name"),
            Column::TitleOfKind(ResourceKind::Course)
        );
        assert_eq!(classify("Full name"), Column::Title);
        assert_eq!(classify("Course WebPage"), Column::Link);
        assert_eq!(classify("Instructor"), Column::Authors);
        assert_eq!(classify("Release Date"), Column::Year);
        assert_eq!(classify("Language Model"), Column::Model);
        assert_eq!(classify("Paper/Blog"), Column::Paper);
        assert_eq!(
            classify("Context Length"),
            Column::Other("Context Length".into())
        );
    }

    #[test]
    fn numbering_columns_are_never_the_title() {
        for header in ["#", "No.", "S.No", "S. No.", "Sr. No", "Rank"] {
            assert_eq!(classify(header), Column::Number, "{header}");
        }
        let header = [
            "S.No",
            "Course Name",
            "Instructor",
            "Course WebPage",
            "Year",
        ]
        .map(str::to_owned);
        let layout = Layout::new(&header);
        assert_eq!(layout.title, Some(1));
        assert_eq!(layout.kind, Some(ResourceKind::Course));
        // A numbering column the header does not name is found by its cells.
        let mut layout = Layout::new(&["Pos".into(), "What".into()]);
        assert_eq!(layout.title, Some(0));
        layout.skip_numbering(|i| i == 0);
        assert_eq!(
            (layout.title, &layout.columns[0]),
            (Some(1), &Column::Number)
        );
        assert!(is_row_number("1.") && is_row_number("#2") && is_row_number("3)"));
        assert!(!is_row_number("1a") && !is_row_number("Tensors"));
    }

    #[test]
    fn a_name_beside_a_paper_under_models_is_the_model() {
        let header = ["Name", "Checkpoints", "Paper"].map(str::to_owned);
        let layout = Layout::read(&header, true);
        assert_eq!((layout.title, layout.model), (Some(2), Some(0)));
        let layout = Layout::read(&header, false);
        assert_eq!((layout.title, layout.model), (Some(0), None));
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
