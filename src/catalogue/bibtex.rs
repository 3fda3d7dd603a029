//! BibTeX files, read with the `biblatex` crate.
//!
//! The crate parses a whole file or fails on the first bad entry, so the file is first cut
//! into entries (by `@type{` and brace matching) and each is parsed on its own: a broken
//! entry gives a report line with its line number and the others still import. `@string`
//! macros apply to the entries after them, as in BibTeX, and are expanded here, bounded
//! in size and never recursively (see `macros`); `@comment` and `@preamble` are not
//! entries. Field values are decoded from LaTeX into Unicode text with raw LaTeX spans
//! for math and unknown commands (see `latex`); names are split by `biblatex`.

mod latex;
mod macros;

use std::collections::HashMap;

use biblatex::{Bibliography, Entry, Pair, ParseErrorKind, RawBibliography, RawChunk, Spanned};
use unicode_normalization::UnicodeNormalization;

use super::{
    Catalogue, DraftRef, ItemKind, ParseError, ReportLine, ResourceDraft, SourceFormat, dates,
    limits, text, urls,
};
use crate::domain::{CitationKey, Person, Provenance, ResourceKind};
use macros::Macros;

/// Parses a BibTeX file: one resource draft per entry.
///
/// # Errors
/// [`ParseError::Syntax`] when the file is not empty but holds no readable entry (text
/// that is not BibTeX, or only broken entries).
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Catalogue, ParseError> {
    parse_decoded(file_name, text::decode(bytes))
}

/// Parses a BibTeX file whose bytes are already text ([`text::decode_with_label`]).
///
/// # Errors
/// As [`parse`].
pub(super) fn parse_decoded(
    file_name: &str,
    decoded: text::Decoded,
) -> Result<Catalogue, ParseError> {
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

    let mut macros = Macros::default();
    let mut keys: HashMap<String, u32> = HashMap::new();
    // `@comment{lore: ALIAS is an alias of KEY}`: (ALIAS, KEY), in file order.
    let mut declared: Vec<(CitationKey, CitationKey)> = Vec::new();
    let mut first_error: Option<(u32, String)> = None;
    let mut read_any = false;
    for (piece, source) in pieces.iter().zip(&sources) {
        let line = line_of(piece.start);
        match piece.kind.as_str() {
            "comment" => {
                read_any = true;
                if let Some((alias, of)) = declared_alias(source) {
                    declared.push((alias, of));
                }
            }
            "preamble" => read_any = true,
            "string" => match RawBibliography::parse(source) {
                Ok(raw) => {
                    read_any = true;
                    for remark in macros.define(&raw.abbreviations) {
                        catalogue.report.push(ReportLine::warning(
                            line,
                            ItemKind::Entry,
                            "@string",
                            format!("{file_name}:{line}: {remark}"),
                        ));
                    }
                }
                Err(err) => catalogue.report.push(ReportLine::skipped(
                    line,
                    ItemKind::Entry,
                    "@string",
                    format!(
                        "unreadable @string definition ({})",
                        Unreadable::new(err.span.start, &err.kind).describe(
                            source,
                            line,
                            piece.closed
                        )
                    ),
                )),
            },
            _ => match read_entry(source, &mut macros, &format!("{file_name}:{line}")) {
                Ok((entry, raw, warnings)) => {
                    read_any = true;
                    let index = catalogue.resources.len();
                    let (draft, mut notes) =
                        entry_draft(&entry, &raw, &piece.kind, file_name, line);
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
                Err(unreadable) => {
                    // The entry's own line is where the author looks; the line of the
                    // problem goes into the reason.
                    let message = format!(
                        "unreadable entry ({})",
                        unreadable.describe(source, line, piece.closed)
                    );
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
    resolve_crossrefs(&mut catalogue.resources);
    apply_declared_aliases(&mut catalogue.resources, &declared);
    limits::enforce(&mut catalogue);
    catalogue.report.sort_by_key(|l| l.line);
    Ok(catalogue)
}

/// The alias a lore export declares before a copy of an entry:
/// `@comment{lore: ALIAS is an alias of KEY}` (see `cite::bibtex::write_entry_with_aliases`).
fn declared_alias(source: &str) -> Option<(CitationKey, CitationKey)> {
    let body = source.trim().strip_prefix('@')?;
    let body = body
        .get(7..)
        .filter(|_| body[..7].eq_ignore_ascii_case("comment"))?;
    let inner = body.trim().strip_prefix('{')?.strip_suffix('}')?;
    let rest = inner.trim().strip_prefix("lore: ")?;
    let (alias, of) = rest.split_once(" is an alias of ")?;
    Some((
        CitationKey::parse(alias.trim()).ok()?,
        CitationKey::parse(of.trim()).ok()?,
    ))
}

/// Each declared (alias, key) pair makes the entry with the key and the copy under the
/// alias name each other: both are one work whatever else they say.
fn apply_declared_aliases(
    resources: &mut [ResourceDraft],
    declared: &[(CitationKey, CitationKey)],
) {
    if declared.is_empty() {
        return;
    }
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, draft) in resources.iter().enumerate() {
        if let Some(key) = &draft.data.citation_key {
            by_key.insert(key.as_str().to_lowercase(), i);
        }
    }
    for (alias, of) in declared {
        if let Some(&i) = by_key.get(&of.as_str().to_lowercase())
            && !resources[i].aliases.contains(alias)
        {
            resources[i].aliases.push(alias.clone());
        }
        if let Some(&i) = by_key.get(&alias.as_str().to_lowercase())
            && !resources[i].aliases.contains(of)
        {
            resources[i].aliases.push(of.clone());
        }
    }
}

/// `crossref = {key}` resolved within the file, as bibtex and biber resolve it: the entry
/// inherits what it lacks of the parent's venue (the parent's `booktitle`, else its title,
/// as the `booktitle`), `editor`, `publisher`, year and month.
fn resolve_crossrefs(resources: &mut [ResourceDraft]) {
    let by_key: HashMap<String, usize> = resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.data.citation_key.as_ref()?.as_str().to_lowercase(), i)))
        .collect();
    for i in 0..resources.len() {
        let Some(parent) = resources[i]
            .data
            .attributes
            .get("crossref")
            .and_then(|k| by_key.get(&k.to_lowercase()))
            .copied()
            .filter(|&p| p != i)
        else {
            continue;
        };
        let parent = resources[parent].data.clone();
        let child = &mut resources[i].data;
        if child.booktitle.is_none() {
            child.booktitle = parent.booktitle.clone().or(Some(parent.title.clone()));
        }
        if child.publisher.is_none() {
            child.publisher = parent.publisher.clone();
        }
        if child.year.is_none() {
            child.year = parent.year;
            child.month = child.month.or(parent.month);
        }
        for name in ["editor", "organization", "address"] {
            if let Some(value) = parent.attributes.get(name) {
                child
                    .attributes
                    .entry(name.to_owned())
                    .or_insert_with(|| value.clone());
            }
        }
    }
}

/// One `@type{...}` piece of the file, by byte range.
struct Piece {
    start: usize,
    end: usize,
    /// The entry type, lower case (`article`, `string`, `comment`).
    kind: String,
    /// The entry is delimited by `(` ... `)`.
    parenthesised: bool,
    /// Its closing delimiter was found; otherwise it runs to the next entry's line.
    closed: bool,
}

impl Piece {
    fn source(&self, text: &str) -> String {
        let source = dotless_accents(&text[self.start..self.end]);
        if !self.parenthesised {
            return source;
        }
        let mut out = source;
        if let Some(open) = out.find('(') {
            out.replace_range(open..=open, "{");
        }
        if let Some(close) = out.rfind(')') {
            out.replace_range(close..=close, "}");
        }
        out
    }
}

/// Accents over a dotless i or j (`\'\i`, `\"{\j}`) written over the plain letter, as
/// `biblatex` composes only those when it splits names.
fn dotless_accents(source: &str) -> String {
    if !source.contains("\\i") && !source.contains("\\j") {
        return source.to_owned();
    }
    let mut out = source.to_owned();
    for accent in ['\'', '`', '^', '"', '~', '=', '.'] {
        for letter in ['i', 'j'] {
            for (from, to) in [
                (
                    format!("\\{accent}\\{letter}"),
                    format!("\\{accent}{letter}"),
                ),
                (
                    format!("\\{accent}{{\\{letter}}}"),
                    format!("\\{accent}{{{letter}}}"),
                ),
            ] {
                out = out.replace(&from, &to);
            }
        }
    }
    out
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
            let (end, closed) = entry_end(text, body, parenthesised);
            pieces.push(Piece {
                start: i,
                end,
                kind,
                parenthesised,
                closed,
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

/// The end (exclusive) of the entry whose delimiter is at `open`, and whether its closing
/// delimiter was found.
fn entry_end(text: &str, open: usize, parenthesised: bool) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open + 1;
    let mut line_start = false;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && b == b'@' && entry_head(text, i).is_some() {
            // The next entry starts on its own line: this one never closed.
            return (text[..i].rfind('\n').map_or(i, |nl| nl + 1), false);
        }
        if b == b'\n' {
            line_start = true;
        } else if !b.is_ascii_whitespace() {
            line_start = false;
        }
        match b {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' if depth == 0 && !parenthesised => return (i + 1, true),
            b'}' => depth = depth.saturating_sub(1),
            b')' if depth == 0 && parenthesised => return (i + 1, true),
            _ => {}
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// Why an entry could not be read.
struct Unreadable {
    /// Byte offset of the problem in the entry's text.
    offset: usize,
    message: String,
    /// The text ran out before the entry was complete.
    end_of_text: bool,
}

impl Unreadable {
    fn new(offset: usize, kind: &ParseErrorKind) -> Self {
        Unreadable {
            offset,
            message: kind.to_string(),
            end_of_text: matches!(kind, ParseErrorKind::UnexpectedEof),
        }
    }

    /// What is wrong, naming the line of the problem within the entry (which starts on
    /// `line`): where the entry's text runs out, the delimiter left open, since an entry
    /// that never closes runs on to the next one and the text on the way is not its own.
    fn describe(&self, source: &str, line: u32, closed: bool) -> String {
        let line_at = |offset: usize| line + line_of_text(source, offset) - 1;
        if (!closed || self.end_of_text)
            && let Some((offset, delimiter)) = unclosed_delimiter(source)
        {
            return format!(
                "the `{delimiter}` on line {} is never closed",
                line_at(offset)
            );
        }
        if !closed {
            return format!("{}; the entry never closes", self.message);
        }
        let within = self.offset.min(source.trim_end().len());
        format!("{} on line {}", self.message, line_at(within))
    }
}

/// The `{` or `"` of an entry that is most likely never closed, by offset, if any is left
/// open: the value delimiter open where a later line starts a new field (`  year =
/// 2002`), else the innermost one still open at the end. Braces are matched as in
/// [`entry_end`]; quotes delimit values only outside braces.
fn unclosed_delimiter(source: &str) -> Option<(usize, char)> {
    let bytes = source.as_bytes();
    let mut braces: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    let mut suspect: Option<(usize, char)> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => braces.push(i),
            b'}' => {
                braces.pop();
            }
            b'"' if braces.len() == 1 => quote = if quote.is_some() { None } else { Some(i) },
            b'\n' if suspect.is_none() && starts_field(&source[i + 1..]) => {
                suspect = match (quote, braces.as_slice()) {
                    (Some(q), _) => Some((q, '"')),
                    (None, [_, .., value]) => Some((*value, '{')),
                    _ => None,
                };
            }
            _ => {}
        }
        i += 1;
    }
    if braces.is_empty() && quote.is_none() {
        return None;
    }
    suspect
        .or(quote.map(|q| (q, '"')))
        .or(braces.last().map(|&b| (b, '{')))
}

/// The line starts a field: `name =`, after optional white space.
fn starts_field(line: &str) -> bool {
    let line = line.trim_start_matches([' ', '\t']);
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')))
        .unwrap_or(line.len());
    name_len > 0
        && line.as_bytes()[0].is_ascii_alphabetic()
        && line[name_len..]
            .trim_start_matches([' ', '\t'])
            .starts_with('=')
}

/// Parses one entry with `biblatex`, its `@string` macros expanded by [`Macros`]. An
/// undefined macro is kept as its own name with a warning, as BibTeX does; a field whose
/// expansion is too long is left out with a warning that names `place` (`file:line`).
fn read_entry<'s>(
    source: &'s str,
    macros: &mut Macros<'s>,
    place: &str,
) -> Result<(Entry, RawFields, Vec<String>), Unreadable> {
    let raw = RawBibliography::parse(source).map_err(|e| Unreadable::new(e.span.start, &e.kind))?;
    let Some(mut entry) = raw.entries.into_iter().next() else {
        return Err(Unreadable {
            offset: 0,
            message: "no entry".to_owned(),
            end_of_text: false,
        });
    };
    let mut warnings = Vec::new();
    let mut raw_fields = RawFields::new();
    let mut fields = Vec::with_capacity(entry.v.fields.len());
    for pair in std::mem::take(&mut entry.v.fields) {
        match macros.expand(&pair.value.v) {
            Ok((value, undefined)) => {
                for name in undefined {
                    let warning =
                        format!("undefined @string macro `{name}`: its name is kept as the value");
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                }
                let text: String = value
                    .iter()
                    .map(|chunk| match chunk.v {
                        RawChunk::Normal(s) | RawChunk::Abbreviation(s) => s,
                    })
                    .collect();
                raw_fields.insert(pair.key.v.to_ascii_lowercase(), text);
                fields.push(Pair::new(pair.key, Spanned::new(value, pair.value.span)));
            }
            Err(reason) => warnings.push(format!(
                "{place}: field `{}` not read: {reason}",
                pair.key.v
            )),
        }
    }
    entry.v.fields = fields;
    let one = RawBibliography {
        preamble: String::new(),
        entries: vec![entry],
        abbreviations: Vec::new(),
    };
    let bibliography =
        Bibliography::from_raw(one).map_err(|e| Unreadable::new(e.span.start, &e.kind))?;
    bibliography
        .into_iter()
        .next()
        .map(|e| (e, raw_fields, warnings))
        .ok_or(Unreadable {
            offset: 0,
            message: "no entry".to_owned(),
            end_of_text: false,
        })
}

/// Each field's value as written (macros expanded), by lower-case name.
type RawFields = HashMap<String, String>;

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
fn entry_draft(
    entry: &Entry,
    raw: &RawFields,
    kind: &str,
    file: &str,
    line: u32,
) -> (ResourceDraft, Vec<String>) {
    let mut notes = Vec::new();
    let field = |name: &str| -> Option<String> {
        let value = latex::decode_text(raw.get(name)?);
        (!value.is_empty()).then_some(value)
    };
    // Identifiers, URLs and dates: as written, `\url{}` unwrapped, escapes undone.
    let verbatim = |name: &str| -> Option<String> {
        let value = latex::unwrap_url(raw.get(name)?);
        let value = ["_", "%", "&", "#", "~"]
            .iter()
            .fold(value, |v, c| v.replace(&format!("\\{c}"), c));
        let value = value.trim().to_owned();
        (!value.is_empty()).then_some(value)
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
        let braced = raw
            .get("author")
            .map(|a| braced_names(a))
            .unwrap_or_default();
        let aligned = braced.len() == people.len();
        for (i, person) in people.iter().enumerate() {
            if person.name.eq_ignore_ascii_case("others") && person.given_name.is_empty() {
                data.authors_truncated = true;
            } else if let Some(Some(literal)) = braced.get(i).filter(|_| aligned) {
                data.authors
                    .push(Person::literal(latex::decode_text(literal)));
            } else if let Some(p) = domain_person(person) {
                data.authors.push(p);
            }
        }
    }
    let date = verbatim("date");
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
    // A full date (`2022-06-14`) keeps its day as the `date` attribute.
    if let Some(day) = date.as_deref().and_then(calendar_date) {
        data.attributes.insert("date".to_owned(), day);
    }
    data.journal = field("journal").or_else(|| field("journaltitle"));
    data.booktitle = field("booktitle");
    data.publisher = field("publisher");
    data.institution = field("institution").or_else(|| field("school"));
    data.volume = field("volume");
    data.number = field("number");
    data.pages = field("pages");
    data.isbn = field("isbn");
    data.url = verbatim("url");
    // `howpublished = {\url{...}}` is where older styles put a URL.
    let howpublished_url = raw
        .get("howpublished")
        .map(|h| latex::unwrap_url(h))
        .filter(|h| is_url(h));
    if data.url.is_none() {
        data.url = howpublished_url.clone();
    }
    data.urldate = verbatim("urldate").map(|d| calendar_date(&d).unwrap_or(d));
    data.doi = verbatim("doi").map(|d| urls::bare_doi(&d).unwrap_or(d));

    let archive = field("archiveprefix").or_else(|| field("eprinttype"));
    let eprint = verbatim("eprint");
    let is_arxiv = archive
        .as_deref()
        .is_none_or(|a| a.eq_ignore_ascii_case("arxiv"));
    // DBLP's arXiv entries: `journal = {CoRR}, volume = {abs/2101.00001}`.
    let corr_volume = data
        .volume
        .as_deref()
        .and_then(|v| v.strip_prefix("abs/"))
        .filter(|_| {
            data.journal
                .as_deref()
                .is_some_and(|j| j.eq_ignore_ascii_case("corr"))
        })
        .and_then(urls::arxiv_id);
    if corr_volume.is_some() {
        data.journal = None;
        data.volume = None;
    }
    data.arxiv_id = eprint
        .as_deref()
        .filter(|_| is_arxiv)
        .and_then(urls::arxiv_id)
        .or(corr_volume)
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
        let name = name.to_ascii_lowercase();
        if name == "ids" {
            // biblatex's citation-key aliases (the biblatex manual, §2.2.3).
            for key in verbatim(&name).unwrap_or_default().split(',') {
                let key = key.trim();
                match CitationKey::parse(key) {
                    Ok(key) => draft.aliases.push(key),
                    Err(_) if key.is_empty() => {}
                    Err(_) => notes.push(format!("`ids`: `{key}` is not a citation key; left out")),
                }
            }
            continue;
        }
        if KNOWN_FIELDS.contains(&name.as_str())
            || (name == "howpublished" && howpublished_url.is_some())
        {
            continue;
        }
        let value = if VERBATIM_ATTRIBUTES.contains(&name.as_str()) {
            verbatim(&name)
        } else {
            field(&name)
        };
        if let Some(value) = value {
            data.attributes.insert(name, value);
        }
    }
    let entry_type = kind.to_ascii_lowercase();
    let label = data.attributes.get("howpublished").map(String::as_str);
    data.kind = Some(kind_of(&entry_type, data.arxiv_id.is_some(), label));
    if matches!(entry_type.as_str(), "proceedings" | "mvproceedings") {
        // No kind tells a volume of conference papers from a book; exports need to.
        data.attributes
            .insert(crate::cite::ENTRY_TYPE.to_owned(), "proceedings".to_owned());
    }
    data.provenance = Some(Provenance {
        file: file.to_owned(),
        heading_path: Vec::new(),
        line,
    });
    draft.title_guessed = title_guessed;
    (draft, notes)
}

/// Attributes kept as written rather than decoded from LaTeX: dates, keys and links.
const VERBATIM_ATTRIBUTES: &[&str] = &["eventdate", "origdate", "crossref", "file", "pdf"];

/// Whether a value is a web address.
fn is_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !value.contains(char::is_whitespace)
}

/// The calendar date `YYYY-MM-DD` at the start of an ISO 8601 date or timestamp, as
/// written (`2024-02-01T00:30:00+01:00` → `2024-02-01`: the day where it was taken).
fn calendar_date(value: &str) -> Option<String> {
    let day = value.get(..10)?;
    let rest = &value[10..];
    let bytes = day.as_bytes();
    let shaped = bytes[4] == b'-'
        && bytes[7] == b'-'
        && day
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    let ends = rest.is_empty() || rest.starts_with(['T', 't', ' ']);
    (shaped && ends).then(|| day.to_owned())
}

/// For each name of a raw `author` value (split at a top-level ` and `), its text without
/// the braces when the whole name is one brace group (`{Ann B. Example}`, `{凯撒}`): a
/// literal name, never split into parts.
fn braced_names(raw: &str) -> Vec<Option<String>> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'\\' => i += 1,
            c if depth == 0 && c.is_ascii_whitespace() => {
                let rest = &raw[i..];
                let word = rest.trim_start();
                // `get`: the word may start with a character of several bytes (`Gaël`).
                if word.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("and"))
                    && word
                        .get(3..)
                        .is_some_and(|rest| rest.starts_with(char::is_whitespace))
                {
                    names.push(&raw[start..i]);
                    let skipped = rest.len() - word.len() + 3;
                    i += skipped;
                    start = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    names.push(&raw[start..]);
    names
        .into_iter()
        .map(|name| {
            let name = name.trim();
            let inner = name.strip_prefix('{')?.strip_suffix('}')?;
            // `{A} and {B}` read as one: the braces must enclose the whole name.
            let mut depth = 0usize;
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => return None,
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            let inner = inner.trim();
            (!inner.is_empty() && !inner.starts_with('\\')).then(|| inner.to_owned())
        })
        .collect()
}

/// An `arXiv:ID` mention in a journal or note field (`arXiv preprint arXiv:2212.13881`).
fn arxiv_in_text(text: Option<&str>) -> Option<String> {
    let text = text?;
    let at = text.to_ascii_lowercase().find("arxiv:")?;
    urls::arxiv_id(&text[at..])
}

/// The resource kind of a BibTeX entry type. A `@misc` or `@software` entry whose
/// `howpublished` is one of the labels lore writes for kinds BibTeX has no type for
/// ("Software", "Online course", "GitHub repository", ...) is of that kind, so that an
/// export imports back as what it was.
fn kind_of(entry_type: &str, arxiv: bool, howpublished: Option<&str>) -> ResourceKind {
    if matches!(entry_type, "misc" | "software")
        && let Some(kind) = howpublished.and_then(kind_of_label)
    {
        return kind;
    }
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

/// The kind a `howpublished` label of lore's BibTeX writer stands for.
fn kind_of_label(label: &str) -> Option<ResourceKind> {
    let label = label.trim().to_ascii_lowercase();
    Some(match label.as_str() {
        "software" => ResourceKind::Software,
        "dataset" => ResourceKind::Dataset,
        "online course" => ResourceKind::Course,
        "video" => ResourceKind::Video,
        "tutorial" => ResourceKind::Tutorial,
        "notebook" => ResourceKind::Notebook,
        "blog post" => ResourceKind::Post,
        "documentation" => ResourceKind::Documentation,
        "github repository"
        | "gitlab repository"
        | "bitbucket repository"
        | "source code repository" => ResourceKind::Repository,
        _ => return None,
    })
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
