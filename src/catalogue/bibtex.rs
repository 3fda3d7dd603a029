//! BibTeX files, read with the `biblatex` crate.
//!
//! The crate parses a whole file or fails on the first bad entry, so the file is first cut
//! into entries (by `@type{` and brace matching) and each is parsed on its own: a broken
//! entry gives a report line with its line number and the others still import. `@string`
//! macros apply to the entries after them, as in BibTeX; `@comment` and `@preamble` are
//! not entries. Field values are decoded by `biblatex` (braces, `\"o`, `--`) into plain
//! Unicode text.

use std::collections::HashMap;

use biblatex::{
    Bibliography, ChunksExt, Entry, Pair, ParseErrorKind, RawBibliography, RawChunk, Spanned,
};
use unicode_normalization::UnicodeNormalization;

use super::{
    Catalogue, DraftRef, ItemKind, ParseError, ReportLine, ResourceDraft, SourceFormat, dates,
    text, urls,
};
use crate::domain::{CitationKey, Person, Provenance, ResourceKind};

/// Parses a BibTeX file: one resource draft per entry.
///
/// # Errors
/// [`ParseError::Syntax`] when the file is not empty but holds no readable entry (text
/// that is not BibTeX, or only broken entries).
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Catalogue, ParseError> {
    let decoded = text::decode(bytes);
    let text = decoded.text.as_str();
    let mut catalogue = Catalogue {
        file: file_name.to_owned(),
        format: SourceFormat::Bibtex,
        title: None,
        resources: Vec::new(),
        concepts: Vec::new(),
        links: Vec::new(),
        report: decoded.report,
        sections: Vec::new(),
    };
    let pieces = split_entries(text);
    // Entries delimited by parentheses are rewritten with braces, which `biblatex` reads;
    // every piece's source lives here so parsed values can borrow from it.
    let sources: Vec<String> = pieces.iter().map(|p| p.source(text)).collect();
    let line_of = |offset: usize| line_of_text(text, offset);

    let mut macros: Vec<Pair<'_>> = Vec::new();
    let mut keys: HashMap<String, u32> = HashMap::new();
    let mut first_error: Option<(u32, String)> = None;
    let mut read_any = false;
    for (piece, source) in pieces.iter().zip(&sources) {
        let line = line_of(piece.start);
        match piece.kind.as_str() {
            "comment" | "preamble" => read_any = true,
            "string" => match RawBibliography::parse(source) {
                Ok(raw) => {
                    read_any = true;
                    macros.extend(raw.abbreviations);
                }
                Err(err) => catalogue.report.push(ReportLine::skipped(
                    line + line_of_text(source, err.span.start) - 1,
                    ItemKind::Entry,
                    "@string",
                    format!("unreadable @string definition: {}", err.kind),
                )),
            },
            _ => match read_entry(source, &macros) {
                Ok((entry, warnings)) => {
                    read_any = true;
                    let index = catalogue.resources.len();
                    let (draft, mut notes) = entry_draft(&entry, &piece.kind, file_name, line);
                    let shown = entry.key.clone();
                    if let Some(first) = keys.get(&entry.key.to_lowercase()) {
                        catalogue.report.push(ReportLine::skipped(
                            line,
                            ItemKind::Entry,
                            shown,
                            format!(
                                "duplicate citation key (keys ignore case): the entry on line {first} is kept"
                            ),
                        ));
                        continue;
                    }
                    keys.insert(entry.key.to_lowercase(), line);
                    catalogue.resources.push(draft);
                    catalogue.report.push(ReportLine::parsed(
                        line,
                        ItemKind::Entry,
                        shown.clone(),
                        DraftRef::Resource(index),
                    ));
                    notes.extend(warnings);
                    for note in notes {
                        catalogue.report.push(ReportLine::warning(
                            line,
                            ItemKind::Entry,
                            shown.clone(),
                            note,
                        ));
                    }
                }
                Err((offset, message)) => {
                    // The entry's own line is where the author looks; the error's line
                    // (within the entry's text) goes into the reason.
                    let within = offset.min(source.trim_end().len());
                    let error_line = line + line_of_text(source, within) - 1;
                    let message = format!("unreadable entry ({message} on line {error_line})");
                    first_error.get_or_insert((line, message.clone()));
                    catalogue.report.push(ReportLine::skipped(
                        line,
                        ItemKind::Entry,
                        format!("@{}", piece.kind),
                        message,
                    ));
                }
            },
        }
    }

    if !read_any {
        let (line, message) = match first_error {
            Some(error) => error,
            None => match first_text(text) {
                Some(offset) => (line_of(offset), "no BibTeX entry found".to_owned()),
                None => return Ok(catalogue),
            },
        };
        return Err(ParseError::Syntax {
            file: file_name.to_owned(),
            line,
            message,
        });
    }
    catalogue.report.sort_by_key(|l| l.line);
    Ok(catalogue)
}

/// One `@type{...}` piece of the file, by byte range.
struct Piece {
    start: usize,
    end: usize,
    /// The entry type, lower case (`article`, `string`, `comment`).
    kind: String,
    /// The entry is delimited by `(` ... `)`.
    parenthesised: bool,
}

impl Piece {
    fn source(&self, text: &str) -> String {
        let source = &text[self.start..self.end];
        if !self.parenthesised {
            return source.to_owned();
        }
        let mut out = source.to_owned();
        if let Some(open) = out.find('(') {
            out.replace_range(open..=open, "{");
        }
        if let Some(close) = out.rfind(')') {
            out.replace_range(close..=close, "}");
        }
        out
    }
}

/// Cuts the file into `@type{...}` pieces. An entry whose braces never close ends where a
/// line starts with the next `@type{`, so one broken entry does not swallow the rest.
/// Text between entries is a comment, as in BibTeX.
fn split_entries(text: &str) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'@'
            && let Some((kind, body)) = entry_head(text, i)
        {
            let parenthesised = bytes[body] == b'(';
            let end = entry_end(text, body, parenthesised);
            pieces.push(Piece {
                start: i,
                end,
                kind,
                parenthesised,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    pieces
}

/// At an `@`: the lower-case entry type and the offset of the opening delimiter.
fn entry_head(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at + 1..];
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let after = &rest[name_len..];
    let gap = after.len() - after.trim_start().len();
    let delimiter = at + 1 + name_len + gap;
    matches!(text.as_bytes().get(delimiter), Some(b'{' | b'('))
        .then(|| (rest[..name_len].to_ascii_lowercase(), delimiter))
}

/// The end (exclusive) of the entry whose delimiter is at `open`.
fn entry_end(text: &str, open: usize, parenthesised: bool) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open + 1;
    let mut line_start = false;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && b == b'@' && entry_head(text, i).is_some() {
            // The next entry starts on its own line: this one never closed.
            return text[..i].rfind('\n').map_or(i, |nl| nl + 1);
        }
        if b == b'\n' {
            line_start = true;
        } else if !b.is_ascii_whitespace() {
            line_start = false;
        }
        match b {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' if depth == 0 && !parenthesised => return i + 1,
            b'}' => depth = depth.saturating_sub(1),
            b')' if depth == 0 && parenthesised => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Parses one entry with `biblatex`, resolving `@string` macros. An undefined macro is
/// kept as its own name with a warning, as BibTeX does.
fn read_entry<'s>(
    source: &'s str,
    macros: &[Pair<'s>],
) -> Result<(Entry, Vec<String>), (usize, String)> {
    let raw = RawBibliography::parse(source).map_err(|e| (e.span.start, e.kind.to_string()))?;
    let Some(entry) = raw.entries.into_iter().next() else {
        return Err((0, "no entry".to_owned()));
    };
    let mut macros = macros.to_vec();
    let mut warnings = Vec::new();
    for _ in 0..16 {
        let one = RawBibliography {
            preamble: String::new(),
            entries: vec![entry.clone()],
            abbreviations: macros.clone(),
        };
        match Bibliography::from_raw(one) {
            Ok(bibliography) => {
                return bibliography
                    .into_iter()
                    .next()
                    .map(|e| (e, warnings))
                    .ok_or((0, "no entry".to_owned()));
            }
            Err(err) => match &err.kind {
                ParseErrorKind::UnknownAbbreviation(name) => {
                    let Some(at) = source.find(name.as_str()) else {
                        return Err((err.span.start, err.kind.to_string()));
                    };
                    let name = &source[at..at + name.len()];
                    warnings.push(format!(
                        "undefined @string macro `{name}`: its name is kept as the value"
                    ));
                    macros.push(Pair::new(
                        Spanned::new(name, at..at + name.len()),
                        Spanned::new(
                            vec![Spanned::new(RawChunk::Normal(name), at..at + name.len())],
                            at..at + name.len(),
                        ),
                    ));
                }
                _ => return Err((err.span.start, err.kind.to_string())),
            },
        }
    }
    Err((0, "too many undefined @string macros".to_owned()))
}

/// Fields read into [`crate::domain::ResourceData`]; the others become attributes.
const KNOWN_FIELDS: &[&str] = &[
    "title",
    "author",
    "year",
    "date",
    "month",
    "journal",
    "journaltitle",
    "booktitle",
    "publisher",
    "institution",
    "school",
    "volume",
    "number",
    "pages",
    "doi",
    "eprint",
    "archiveprefix",
    "eprinttype",
    "primaryclass",
    "eprintclass",
    "isbn",
    "url",
    "urldate",
];

/// The draft for an entry, and remarks worth a warning.
fn entry_draft(entry: &Entry, kind: &str, file: &str, line: u32) -> (ResourceDraft, Vec<String>) {
    let mut notes = Vec::new();
    let field = |name: &str| -> Option<String> {
        let value = entry.get(name)?.format_verbatim();
        let value: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
        (!value.is_empty()).then(|| value.nfc().collect())
    };
    let mut draft = ResourceDraft::default();
    let mut title_guessed = false;
    let data = &mut draft.data;

    match CitationKey::parse(&entry.key) {
        Ok(key) => data.citation_key = Some(key),
        Err(err) => notes.push(format!("citation key `{}` not kept: {err}", entry.key)),
    }
    data.title = field("title").unwrap_or_default();
    if data.title.is_empty() {
        data.title = entry.key.clone();
        title_guessed = true;
        notes.push("no title: the citation key stands in for it".to_owned());
    }
    if let Ok(people) = entry.author() {
        for person in &people {
            if person.name.eq_ignore_ascii_case("others") && person.given_name.is_empty() {
                data.authors_truncated = true;
            } else if let Some(p) = domain_person(person) {
                data.authors.push(p);
            }
        }
    }
    let date = field("date");
    data.year = field("year")
        .as_deref()
        .or(date.as_deref())
        .and_then(dates::first_year);
    data.month = match field("month") {
        Some(month) => {
            let parsed = dates::month_number(&month);
            if parsed.is_none() {
                notes.push(format!("month `{month}` is not a month; kept as attribute"));
                data.attributes.insert("month".to_owned(), month);
            }
            parsed
        }
        None => date
            .as_deref()
            .and_then(|d| d.split('-').nth(1))
            .and_then(dates::month_number),
    };
    data.journal = field("journal").or_else(|| field("journaltitle"));
    data.booktitle = field("booktitle");
    data.publisher = field("publisher");
    data.institution = field("institution").or_else(|| field("school"));
    data.volume = field("volume");
    data.number = field("number");
    data.pages = field("pages");
    data.isbn = field("isbn");
    data.url = entry
        .get("url")
        .map(|chunks| chunks.format_verbatim().trim().to_owned())
        .filter(|u| !u.is_empty());
    data.urldate = field("urldate");
    data.doi = field("doi").and_then(|d| urls::bare_doi(&d).or(Some(d)));

    let archive = field("archiveprefix").or_else(|| field("eprinttype"));
    let eprint = field("eprint");
    let is_arxiv = archive
        .as_deref()
        .is_none_or(|a| a.eq_ignore_ascii_case("arxiv"));
    data.arxiv_id = eprint
        .as_deref()
        .filter(|_| is_arxiv)
        .and_then(urls::arxiv_id)
        .or_else(|| data.url.as_deref().and_then(urls::arxiv_id_from_url))
        .or_else(|| arxiv_in_text(data.journal.as_deref()))
        .or_else(|| arxiv_in_text(field("note").as_deref()));
    data.arxiv_class = field("primaryclass").or_else(|| field("eprintclass"));
    if let (Some(eprint), false) = (&eprint, is_arxiv) {
        data.attributes.insert("eprint".to_owned(), eprint.clone());
        if let Some(archive) = &archive {
            data.attributes
                .insert("eprinttype".to_owned(), archive.clone());
        }
    }

    for name in entry.fields.keys() {
        if !KNOWN_FIELDS.contains(&name.as_str())
            && let Some(value) = field(name)
        {
            data.attributes.insert(name.clone(), value);
        }
    }
    data.kind = Some(kind_of(kind, data.arxiv_id.is_some()));
    data.provenance = Some(Provenance {
        file: file.to_owned(),
        heading_path: Vec::new(),
        line,
    });
    draft.title_guessed = title_guessed;
    (draft, notes)
}

/// An `arXiv:ID` mention in a journal or note field (`arXiv preprint arXiv:2212.13881`).
fn arxiv_in_text(text: Option<&str>) -> Option<String> {
    let text = text?;
    let at = text.to_ascii_lowercase().find("arxiv:")?;
    urls::arxiv_id(&text[at..])
}

/// The resource kind of a BibTeX entry type.
fn kind_of(entry_type: &str, arxiv: bool) -> ResourceKind {
    match entry_type {
        "article" | "inproceedings" | "conference" | "incollection" | "phdthesis"
        | "mastersthesis" | "thesis" => ResourceKind::Paper,
        "misc" | "unpublished" if arxiv => ResourceKind::Paper,
        "book" | "inbook" | "mvbook" | "booklet" | "collection" | "proceedings" => {
            ResourceKind::Book
        }
        "techreport" | "report" => ResourceKind::Report,
        "manual" => ResourceKind::Documentation,
        "software" => ResourceKind::Software,
        "dataset" => ResourceKind::Dataset,
        _ => ResourceKind::Webpage,
    }
}

/// A `biblatex` name as lore's name parts. A family name with spaces and nothing else
/// can only come from a braced name (`{Google Research}`), which is an organisation.
fn domain_person(person: &biblatex::Person) -> Option<Person> {
    let clean = |s: &str| {
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!s.is_empty()).then(|| s.nfc().collect::<String>())
    };
    let family = clean(&person.name);
    let given = clean(&person.given_name);
    let particle = clean(&person.prefix);
    let suffix = clean(&person.suffix);
    match (&family, &given, &particle, &suffix) {
        (None, None, _, _) => None,
        (Some(name), None, None, None) if name.contains(' ') => Some(Person::literal(name)),
        _ => Some(Person {
            family,
            given,
            particle,
            suffix,
            literal: None,
        }),
    }
}

/// Offset of the first character that is neither white space nor in a `%` comment line.
fn first_text(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !trimmed.is_empty() && !trimmed.starts_with('%') {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

/// 1-based line of a byte offset (offsets past the end count as the last line).
fn line_of_text(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    let count = text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(count + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
