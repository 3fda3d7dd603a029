//! Reading catalogue pages (MyST Markdown) and BibTeX files into drafts of records.
//!
//! Parsing is pure: a file's bytes become a [`Catalogue`] of resource and concept drafts,
//! the links between them (by index into the drafts) and a report line for every table
//! row, list item, link and BibTeX entry. The service then matches the drafts against the
//! store and decides what is created, updated, merged or unchanged.

pub mod bibtex;
pub mod book;
mod dates;
mod limits;
pub mod markdown;
pub mod text;
mod urls;

pub use urls::arxiv_id_from_url;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{CitationKey, ConceptData, Relation, ResourceData};

/// What sort of file a catalogue came from; it decides which fields win on a merge
/// (see `service::import`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// A Markdown catalogue page: authoritative for kind, level, URL and description.
    Page,
    /// A BibTeX file: authoritative for bibliographic fields (title, authors, venue...).
    Bibtex,
}

/// The parse of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// File name, as in [`crate::domain::Provenance::file`].
    pub file: String,
    /// Whether the file was a page or a BibTeX file.
    pub format: SourceFormat,
    /// The page title (first level-1 heading), if any.
    pub title: Option<String>,
    /// Resource drafts, deduplicated within the file (by URL, else by title).
    pub resources: Vec<ResourceDraft>,
    /// Concept drafts, deduplicated within the file (by name, ignoring case).
    pub concepts: Vec<ConceptDraft>,
    /// Typed links between the drafts.
    pub links: Vec<DraftLink>,
    /// One line per source item, in file order.
    pub report: Vec<ReportLine>,
    /// The page's headings in order, each with a unique anchor; empty for BibTeX.
    pub sections: Vec<PageSection>,
}

impl Catalogue {
    /// The section a 1-based line belongs to: the last heading at or above it.
    pub fn section_at(&self, line: u32) -> Option<&PageSection> {
        self.sections.iter().rev().find(|s| s.line <= line)
    }
}

/// A heading of a page and the anchor that names its section.
///
/// Anchors are [`crate::domain::Slug::from_title`] of the heading; the n-th repeat of a
/// heading (n ≥ 2) gets `--n` (`metrics`, `metrics--2`). A slug never holds `--`, so a
/// repeat can never take the anchor of another heading (`Metrics 1` is `metrics-1`), and an
/// anchor depends only on the headings before it with the same text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PageSection {
    /// Heading texts from the page title down to this heading.
    pub heading_path: Vec<String>,
    /// Unique within the page.
    pub anchor: String,
    /// 1 to 6.
    pub level: u8,
    /// 1-based line of the heading.
    pub line: u32,
}

/// A resource as a file describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceDraft {
    /// The fields the file states; `provenance` is where the draft was first mentioned.
    pub data: ResourceData,
    /// The title was made up from the URL, not written by the author: it fills an empty
    /// title but never replaces one.
    pub title_guessed: bool,
    /// The kind was guessed from the URL, not stated by a heading or column.
    pub kind_guessed: bool,
    /// Other citation keys the file declares for the same work: a biblatex `ids` field,
    /// and for a copy of an entry that lore's portable export wrote under an alias
    /// (`@comment{lore: ALIAS is an alias of KEY}` before it), the entry's own key.
    pub aliases: Vec<CitationKey>,
}

/// A concept as a file describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConceptDraft {
    /// The fields the file states; `provenance` is where the draft was first mentioned.
    pub data: ConceptData,
    /// The category comes from a table column (`topic`, `task`), not a heading.
    pub category_guessed: bool,
}

/// A draft record, by index into [`Catalogue::resources`] or [`Catalogue::concepts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DraftRef {
    /// Index into [`Catalogue::resources`].
    Resource(usize),
    /// Index into [`Catalogue::concepts`].
    Concept(usize),
}

/// A typed link between two drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftLink {
    /// The link's source end; its entity type matches [`Relation::ends`].
    pub source: DraftRef,
    /// The link type.
    pub relation: Relation,
    /// The link's target end.
    pub target: DraftRef,
    /// 1-based line that states the link.
    pub line: u32,
}

/// What sort of source item a report line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A table body row.
    Row,
    /// A table cell beyond the header's columns.
    Cell,
    /// A bullet or numbered list item.
    ListItem,
    /// A Markdown link, autolink or bare URL.
    Link,
    /// A heading with the text under it that defines a concept or a resource.
    Section,
    /// A MyST `{cite}` role.
    Citation,
    /// A MyST directive (```` ```{bibliography} ````), not content.
    Directive,
    /// A BibTeX entry.
    Entry,
    /// The file as a whole (encoding repairs, unreadable bytes).
    File,
    /// An HTML comment (`<!-- ... -->`), not content.
    Comment,
    /// A stored record that a previous import of the file described.
    Record,
    /// Raw HTML other than a comment that holds a link or an image; not read.
    Html,
}

/// What happened to a source item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The parser turned the item into the draft in [`ReportLine::draft`]; the service
    /// replaces this with what happened to that draft in the store.
    Parsed,
    /// A new record was stored.
    Created,
    /// An existing record from this file was changed.
    Updated,
    /// The item was merged into a record that already existed (from this file or another).
    Merged,
    /// The store already held exactly this.
    Unchanged,
    /// Not imported; [`ReportLine::reason`] says why.
    Skipped,
    /// Imported, with a remark worth reading (an extra cell, a repaired encoding).
    Warning,
    /// A record this file described before and no longer does was removed.
    Removed,
    /// A record was left as it is although the file says otherwise; [`ReportLine::reason`]
    /// says why (another file also describes it, or it was edited through the API since
    /// its import).
    Kept,
}

/// One line of an import report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportLine {
    /// 1-based line in the file.
    pub line: u32,
    /// What sort of source item the line is about.
    pub item: ItemKind,
    /// What happened to it.
    pub outcome: Outcome,
    /// What the item was about, in the author's words (a title, a name, a URL).
    pub text: String,
    /// Why it was skipped, merged or warned about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The draft the item became.
    #[serde(skip)]
    pub draft: Option<DraftRef>,
}

impl ReportLine {
    /// A line for an item that became `draft`.
    pub fn parsed(line: u32, item: ItemKind, text: impl Into<String>, draft: DraftRef) -> Self {
        ReportLine {
            line,
            item,
            outcome: Outcome::Parsed,
            text: text.into(),
            reason: None,
            draft: Some(draft),
        }
    }

    /// A line for an item that was not imported.
    pub fn skipped(
        line: u32,
        item: ItemKind,
        text: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ReportLine {
            line,
            item,
            outcome: Outcome::Skipped,
            text: text.into(),
            reason: Some(reason.into()),
            draft: None,
        }
    }

    /// A line for an item merged into another draft of the same file.
    pub fn merged(
        line: u32,
        item: ItemKind,
        text: impl Into<String>,
        draft: DraftRef,
        reason: impl Into<String>,
    ) -> Self {
        ReportLine {
            line,
            item,
            outcome: Outcome::Merged,
            text: text.into(),
            reason: Some(reason.into()),
            draft: Some(draft),
        }
    }

    /// A remark about an item that was imported.
    pub fn warning(
        line: u32,
        item: ItemKind,
        text: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ReportLine {
            line,
            item,
            outcome: Outcome::Warning,
            text: text.into(),
            reason: Some(reason.into()),
            draft: None,
        }
    }
}

/// A file that could not be read as a catalogue at all.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file's name or extension says neither Markdown nor BibTeX.
    #[error("{file}: not a catalogue page (.md) or a BibTeX file (.bib)")]
    UnknownFormat {
        /// The file name as given.
        file: String,
    },
    /// The BibTeX file is not BibTeX at all (no entry could be read).
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The file name as given.
        file: String,
        /// 1-based line of the first text that is not BibTeX, or of the first broken entry.
        line: u32,
        /// What is wrong there.
        message: String,
    },
}

/// [`parse_file_with_charset`] with the author's mappings of headings and columns
/// ([`markdown::Reading`], from `lore.toml`) and, for a page of a Jupyter Book, the part
/// captions above it in `_toc.yml` (they start every section path of the page).
///
/// # Errors
/// As [`parse_file`].
pub fn parse_file_read_as(
    file_name: &str,
    bytes: &[u8],
    charset: Option<&str>,
    parts: &[String],
    reading: &markdown::Reading,
) -> Result<Catalogue, ParseError> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Ok(markdown::parse_read_as(
            file_name,
            text::decode_with_label(bytes, charset),
            parts,
            reading,
        ))
    } else {
        parse_file_with_charset(file_name, bytes, charset)
    }
}

/// Parses a file by its extension: `.md`/`.markdown` as a catalogue page, `.bib` as BibTeX.
///
/// # Errors
/// [`ParseError::UnknownFormat`] for other extensions; [`ParseError::Syntax`] when a BibTeX
/// file holds no readable entry although it is not empty.
pub fn parse_file(file_name: &str, bytes: &[u8]) -> Result<Catalogue, ParseError> {
    parse_file_with_charset(file_name, bytes, None)
}

/// Refuses bytes that a declared charset does not read, rather than store what a decoder
/// makes of them: an unknown label, bytes that are not UTF-8 when UTF-8 is declared (the
/// offset of the first), or bytes the declared legacy encoding cannot decode (the line of
/// the first). A byte order mark decides over the label, as in [`text::decode_with_label`].
fn check_declared_charset(file_name: &str, bytes: &[u8], label: &str) -> Result<(), ParseError> {
    let refuse = |line: usize, message: String| ParseError::Syntax {
        file: file_name.to_owned(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        message,
    };
    let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
        return Err(refuse(
            1,
            format!(
                "unknown charset `{label}`: name an encoding by its WHATWG label (utf-8, gbk, \
                 shift_jis, windows-1252, ...)"
            ),
        ));
    };
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return Ok(());
    }
    let line_at = |offset: usize| 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    if encoding == encoding_rs::UTF_8 {
        if let Err(err) = std::str::from_utf8(bytes) {
            let offset = err.valid_up_to();
            return Err(refuse(
                line_at(offset),
                format!(
                    "declared UTF-8, but byte {offset} (0x{:02X}) is not UTF-8; name the file's \
                     encoding",
                    bytes[offset]
                ),
            ));
        }
        return Ok(());
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        let line = text
            .find('\u{fffd}')
            .map_or(1, |at| 1 + text[..at].matches('\n').count());
        return Err(refuse(
            line,
            format!(
                "declared {}, but line {line} does not read as {}; name the file's encoding",
                encoding.name(),
                encoding.name()
            ),
        ));
    }
    Ok(())
}

/// [`parse_file`] for bytes whose charset the sender declared (the `charset` parameter of
/// a `Content-Type`, a WHATWG label such as `utf-16le`); see [`text::decode_with_label`].
///
/// # Errors
/// As [`parse_file`]; also [`ParseError::Syntax`] naming the offset of the first byte that
/// is not UTF-8 when no charset is declared and the bytes are neither UTF-8 nor plausible
/// Windows-1252 ([`text::undeclared_legacy_offset`]).
pub fn parse_file_with_charset(
    file_name: &str,
    bytes: &[u8],
    charset: Option<&str>,
) -> Result<Catalogue, ParseError> {
    let lower = file_name.to_ascii_lowercase();
    if charset.is_none()
        && (lower.ends_with(".bib") || lower.ends_with(".md") || lower.ends_with(".markdown"))
        && let Some(offset) = text::undeclared_legacy_offset(bytes)
    {
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        return Err(ParseError::Syntax {
            file: file_name.to_owned(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            message: format!(
                "not UTF-8: byte {offset} (0x{:02X}) is the first that is not, and the file \
                 does not read as Windows-1252 either; name its encoding (`lore import \
                 --encoding gbk`, or `charset=` in the Content-Type)",
                bytes[offset]
            ),
        });
    }
    if let Some(label) = charset.map(str::trim).filter(|l| !l.is_empty()) {
        check_declared_charset(file_name, bytes, label)?;
    }
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Ok(markdown::parse_decoded(
            file_name,
            text::decode_with_label(bytes, charset),
        ))
    } else if lower.ends_with(".bib") {
        bibtex::parse_decoded(file_name, text::decode_with_label(bytes, charset))
    } else {
        Err(ParseError::UnknownFormat {
            file: file_name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(bytes: &[u8], charset: &str) -> String {
        match parse_file_with_charset("x.bib", bytes, Some(charset)) {
            Err(ParseError::Syntax { message, line, .. }) => format!("{line}: {message}"),
            other => panic!("{charset}: not refused: {other:?}"),
        }
    }

    #[test]
    fn a_declared_charset_that_does_not_read_the_bytes_is_refused() {
        // "石子计数" in GBK.
        let gbk: &[u8] = b"@misc{a, title = {\xca\xaf\xd7\xd3\xbc\xc6\xca\xfd}}\n";
        let utf8 = "@misc{a, title = {L\u{1b0}u}}\n".as_bytes();
        let m = refused(gbk, "utf-8");
        assert!(
            m.starts_with("1: declared UTF-8, but byte 20 (0xD7)"),
            "{m}"
        );
        assert!(refused(b"@misc{a,\n title = {\x81\x7f}}\n", "gbk").contains("line 2"));
        assert!(refused(utf8, "nonsense").contains("unknown charset `nonsense`"));
        let read = parse_file_with_charset("x.bib", gbk, Some("gbk")).unwrap();
        assert_eq!(read.resources[0].data.title, "石子计数");
        let read = parse_file_with_charset("x.bib", utf8, Some("UTF-8")).unwrap();
        assert_eq!(read.resources[0].data.title, "L\u{1b0}u");
    }
}
