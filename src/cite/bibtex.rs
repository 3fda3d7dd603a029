//! The BibTeX writer: a portable BibTeX profile that bibtex, biber, pybtex and Sphinx all
//! accept, and a biblatex dialect.
//!
//! Sources: the BibTeX manual ("BibTeXing", Patashnik 1988: entry types, fields, names,
//! `month` macros), Markey's "Tame the BeaST" (names, braces, special characters), the
//! field set of natbib's `plainnat.bst` (which adds `url`, `doi`, `isbn`, `key`), arXiv's
//! "BibTeX and eprints" note (`eprint`, `archivePrefix`, `primaryClass`), and for the
//! biblatex dialect the biblatex manual (§2.1 entry types, §2.2 fields, §2.3.8 dates) with
//! the data model biber validates (`blx-dm.def`).
//!
//! Output is UTF-8 with LF line ends, no byte-order mark, nothing outside entries, and one
//! blank line between entries: each entry's text ends with `}\n`, and entries are joined
//! with [`ENTRY_SEPARATOR`].

use serde::Serialize;

use super::latex::{Charset, Escaped, Policy, escape_rich_title_with, escape_text_with};
use super::warning::{Exported, Problem};
use super::work::{Prepared, Work};
use crate::domain::{CitationKey, Person, Resource};

/// What goes between two entries: with each entry ending in a line break, one blank line.
pub const ENTRY_SEPARATOR: &str = "\n";

/// The last line of a complete BibTeX export of `count` entries:
/// `@comment{lore: N entries}` (always "entries", so a client can match
/// `^@comment\{lore: (\d+) entries\}$`). A file that lacks it, or whose count differs
/// from its entries, was cut short. `@comment` is BibTeX's own comment command: bibtex,
/// biber, pybtex and bibtexparser read it without a warning.
pub fn trailer(count: usize) -> String {
    format!("@comment{{lore: {count} entries}}\n")
}

/// Which BibTeX flavour to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Classic entry types (`@article`, `@inproceedings`, `@misc`, `@book`, `@techreport`,
    /// `@manual`) and fields (the BibTeX manual, §B), plus `url`, `doi`, `eprint`,
    /// `archivePrefix`, `primaryClass` and `urldate`; `month` as a bare macro (`sep`).
    /// Read by bibtex with any standard or natbib style, biber, pybtex, sphinxcontrib-bibtex
    /// and citation-js.
    #[default]
    Bibtex,
    /// biblatex's types and fields (the biblatex manual, §2): `@online`, `@software`,
    /// `@dataset`, `@report`; `date`, `journaltitle`, `eprinttype`, `eprintclass`. Every
    /// entry satisfies biber's data model (`biber --validate-datamodel`).
    Biblatex,
}

/// How to write BibTeX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct BibtexOptions {
    /// Portable BibTeX (the default) or biblatex.
    pub dialect: Dialect,
    /// Which characters may be written as they are; see [`Charset`].
    pub charset: Charset,
    /// Leave the `abstract` field out (it is written by default).
    pub omit_abstract: bool,
}

/// Writes one entry. Uses the resource's citation key; a resource without one (the caller
/// is expected to have issued it with [`super::generate_key`]) is written under its slug,
/// with a [`Problem::MissingKey`] warning.
pub fn write_entry(resource: &Resource, options: BibtexOptions) -> Exported {
    let mut prepared = Prepared::new(resource);
    let entry = build(&mut prepared, options);
    Exported {
        text: entry.render(),
        warnings: prepared.warnings,
    }
}

/// Writes one entry so that every key of the resource is citable: its own key and its
/// `aliases` (keys an import found to name the same work). biblatex reads aliases from the
/// entry's `ids` field (the biblatex manual, §2.2.3: "citation key aliases"); BibTeX has
/// no aliases, so the portable profile writes the entry again under each alias, one blank
/// line apart, each copy after a line `@comment{lore: ALIAS is an alias of KEY}` (a
/// document citing two keys of one work lists it twice; lore reads the file back as one
/// work with its aliases). Returns the text and the number of entries written.
pub fn write_entry_with_aliases(
    resource: &Resource,
    aliases: &[CitationKey],
    options: BibtexOptions,
) -> (Exported, usize) {
    if aliases.is_empty() {
        return (write_entry(resource, options), 1);
    }
    match options.dialect {
        Dialect::Biblatex => {
            let mut prepared = Prepared::new(resource);
            let mut entry = build(&mut prepared, options);
            let ids: Vec<&str> = aliases.iter().map(CitationKey::as_str).collect();
            entry.fields.push(("ids", Value::Braced(ids.join(","))));
            let exported = Exported {
                text: entry.render(),
                warnings: prepared.warnings,
            };
            (exported, 1)
        }
        Dialect::Bibtex => {
            let mut out = write_entry(resource, options);
            let own = resource
                .data
                .citation_key
                .as_ref()
                .map_or("", |k| k.as_str());
            for alias in aliases {
                let mut copy = resource.clone();
                copy.data.citation_key = Some(alias.clone());
                out.text.push_str(ENTRY_SEPARATOR);
                // Says which entry this one copies, so that importing the file again
                // gives one record with its aliases (`catalogue::bibtex` reads it).
                out.text
                    .push_str(&format!("@comment{{lore: {alias} is an alias of {own}}}\n"));
                // The copy's warnings repeat the entry's: reported once.
                out.text.push_str(&write_entry(&copy, options).text);
            }
            (out, 1 + aliases.len())
        }
    }
}

/// Writes a bibliography: the entries in the order given, one blank line apart. For a
/// streamed response, call [`write_entry`] per resource and put [`ENTRY_SEPARATOR`] between
/// the texts; the result is the same.
pub fn write_bibliography<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    options: BibtexOptions,
) -> Exported {
    let mut out = Exported::default();
    for (i, resource) in resources.into_iter().enumerate() {
        let entry = write_entry(resource, options);
        if i > 0 {
            out.text.push_str(ENTRY_SEPARATOR);
        }
        out.text.push_str(&entry.text);
        out.warnings.extend(entry.warnings);
    }
    out
}

/// Formats one name the way BibTeX reads it (the BibTeX manual, §4; "Tame the BeaST" §11):
/// `von Last, First` or `von Last, Jr, First`, e.g. `van der Maaten, Laurens`,
/// `King, Jr., Martin Luther`; an organisation in one extra pair of braces,
/// `{Google Research}`. A family name BibTeX would split wrongly (one with a lower-case
/// word, a comma or the word "and") is braced whole: `{García y López}, Ana`.
///
/// Names never use math (a name in Greek script is transliterated like any other script
/// pdflatex cannot set) and keep `--` as it is (biber's initials break on `-{}-`).
pub fn format_name(person: &Person, charset: Charset) -> Escaped {
    let policy = Policy {
        math: false,
        ligatures: false,
    };
    let mut out = Escaped::default();
    // Each part escaped; a part that escapes to nothing (only invisible characters) is
    // absent, so no name ends in a comma ("Name 1 ... has a comma at the end").
    let mut part = |field: &Option<String>| -> Option<String> {
        let e = escape_text_with(field.as_deref()?, charset, policy);
        for u in e.unsettable {
            if !out.unsettable.iter().any(|x| x.text == u.text) {
                out.unsettable.push(u);
            }
        }
        (!e.text.is_empty()).then_some(e.text)
    };
    let literal = part(&person.literal);
    let family = part(&person.family);
    let given = part(&person.given);
    let particle = part(&person.particle);
    let suffix = part(&person.suffix);
    let text = match (literal, family, given) {
        (Some(literal), _, _) => format!("{{{literal}}}"),
        (None, Some(mut family), given) => {
            let needs_braces = family.split(' ').any(|w| {
                w.chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase)
            }) || family.contains(',')
                || family.split(' ').any(|w| w.eq_ignore_ascii_case("and"))
                // A family name alone that has (or was transliterated into) words:
                // `凯撒` → `{Kai Sa}`, one name, not given name + family name.
                || (given.is_none() && family.contains(' '));
            if needs_braces {
                family = format!("{{{family}}}");
            }
            let mut name = match particle {
                Some(p) => format!("{} {family}", braced_if_unsafe(&p)),
                None => family,
            };
            let given = given.map(|g| braced_if_unsafe(&g));
            match (suffix, given) {
                (Some(suffix), Some(given)) => {
                    name = format!("{name}, {}, {given}", braced_if_unsafe(&suffix));
                }
                // "Last, Jr," with nothing after the comma draws a BibTeX warning.
                (Some(suffix), None) => name = format!("{{{name} {suffix}}}"),
                (None, Some(given)) => name = format!("{name}, {given}"),
                (None, None) => {}
            }
            name
        }
        // A single name ("Plato"), or a whole name stored as given: kept as one unit.
        (None, None, Some(given)) if given.contains([' ', ',']) => format!("{{{given}}}"),
        (None, None, Some(given)) => given,
        (None, None, None) => String::new(),
    };
    out.text = text;
    out
}

/// Braces a name part that holds a comma or the word "and", which would split the name.
fn braced_if_unsafe(text: &str) -> String {
    if text.contains(',') || text.split(' ').any(|w| w.eq_ignore_ascii_case("and")) {
        format!("{{{text}}}")
    } else {
        text.to_owned()
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A field value: braced text, or a bare macro (`sep`).
enum Value {
    Braced(String),
    Macro(&'static str),
}

struct Entry {
    entry_type: &'static str,
    key: String,
    fields: Vec<(&'static str, Value)>,
}

impl Entry {
    fn render(&self) -> String {
        let mut out = format!("@{}{{{},\n", self.entry_type, self.key);
        let last = self.fields.len().saturating_sub(1);
        for (i, (name, value)) in self.fields.iter().enumerate() {
            out.push_str("  ");
            out.push_str(name);
            out.push_str(" = ");
            match value {
                Value::Braced(text) => {
                    out.push('{');
                    out.push_str(text);
                    out.push('}');
                }
                Value::Macro(m) => out.push_str(m),
            }
            if i != last {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str("}\n");
        out
    }
}

/// Collects fields, escaping text and recording unsettable characters.
struct Fields<'p, 'a> {
    prepared: &'p mut Prepared<'a>,
    charset: Charset,
    policy: Policy,
    fields: Vec<(&'static str, Value)>,
}

impl Fields<'_, '_> {
    fn text(&mut self, name: &'static str, value: Option<String>) {
        if let Some(value) = value {
            let escaped = escape_text_with(&value, self.charset, self.policy);
            self.push_escaped(name, escaped);
        }
    }

    fn push_escaped(&mut self, name: &'static str, escaped: Escaped) {
        for u in escaped.unsettable {
            self.prepared.warn(Some(name), Problem::Unsettable(u));
        }
        if !escaped.text.is_empty() {
            self.fields.push((name, Value::Braced(escaped.text)));
        }
    }

    /// Written raw: identifiers, URLs, dates and numbers that [`Prepared`] already checked.
    fn raw(&mut self, name: &'static str, value: Option<String>) {
        if let Some(value) = value {
            self.fields.push((name, Value::Braced(value)));
        }
    }

    /// A page range as BibTeX styles expect it, `91--99`: each page escaped, the range
    /// dash written as `--`.
    fn pages(&mut self, pages: Option<(String, Option<String>)>) {
        let Some((first, last)) = pages else {
            return;
        };
        let mut escaped = escape_text_with(&first, self.charset, self.policy);
        if let Some(last) = last {
            let last = escape_text_with(&last, self.charset, self.policy);
            escaped.text = format!("{}--{}", escaped.text, last.text);
            escaped.unsettable.extend(last.unsettable);
        }
        self.push_escaped("pages", escaped);
    }

    fn authors(&mut self) {
        let data = self.prepared.data;
        let mut names = Vec::new();
        for person in &data.authors {
            let name = format_name(person, self.charset);
            for u in name.unsettable {
                self.prepared.warn(Some("author"), Problem::Unsettable(u));
            }
            if !name.text.is_empty() {
                names.push(name.text);
            }
        }
        if names.is_empty() {
            return;
        }
        if data.authors_truncated {
            names.push("others".to_owned());
        }
        self.fields
            .push(("author", Value::Braced(names.join(" and "))));
    }

    fn title(&mut self) {
        let escaped = escape_rich_title_with(&self.prepared.title, self.charset, self.policy);
        self.push_escaped("title", escaped);
    }
}

/// Whether any author has a name that survives escaping.
fn has_authors(p: &Prepared) -> bool {
    p.data
        .authors
        .iter()
        .any(|a| !format_name(a, Charset::Unicode).text.is_empty())
}

/// The year to write: the stored one, or for an undated online work the year it was
/// accessed (with a warning), since `plainnat` ("empty year") and biber's data model both
/// require one.
fn year_to_write(p: &mut Prepared) -> Option<i32> {
    if p.year.is_some() {
        return p.year;
    }
    match p.accessed.or(p.recorded).filter(|_| p.work.is_online()) {
        Some(date) => {
            let year = date.year();
            p.warn(Some("year"), Problem::YearFromAccessDate { year });
            Some(year)
        }
        None => {
            p.warn(Some("year"), Problem::MissingYear);
            None
        }
    }
}

/// The `howpublished` text of a BibTeX `@misc` entry: what sort of thing it is, and where
/// (the publisher or institution, if any).
fn howpublished(p: &Prepared) -> Option<String> {
    let site = p.organisation();
    match (kind_label(p), site) {
        (Some(label), Some(site)) if !label.to_lowercase().contains(&site.to_lowercase()) => {
            Some(format!("{label}, {site}"))
        }
        (Some(label), _) => Some(label),
        (None, site) => site,
    }
}

/// What sort of thing a `@misc` entry is: "Online course", "GitHub repository", "arXiv
/// preprint arXiv:2212.13881", or a paper's venue when it had to fall back to `@misc`.
fn kind_label(p: &Prepared) -> Option<String> {
    let host = p
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        });
    let label: Option<String> = match p.work {
        Work::Preprint => p
            .arxiv_id
            .as_ref()
            .map(|id| format!("arXiv preprint arXiv:{id}")),
        Work::Course => Some("Online course".into()),
        Work::Video => Some("Video".into()),
        Work::Tutorial => Some("Tutorial".into()),
        Work::Notebook => Some("Notebook".into()),
        Work::BlogPost => Some("Blog post".into()),
        Work::Dataset => Some("Dataset".into()),
        Work::Software => Some("Software".into()),
        Work::Documentation => Some("Documentation".into()),
        Work::Repository => Some(match host.as_deref() {
            Some("github.com") => "GitHub repository".into(),
            Some("gitlab.com") => "GitLab repository".into(),
            Some("bitbucket.org") => "Bitbucket repository".into(),
            _ => "Source code repository".into(),
        }),
        // A paper or article written as @misc: its venue, if any.
        Work::JournalArticle | Work::MagazineArticle => p.text(&p.data.journal),
        Work::ConferencePaper => p.text(&p.data.booktitle),
        Work::Book | Work::Proceedings | Work::Report | Work::Paper | Work::WebPage => None,
    };
    label
}

/// Chooses the entry type and writes the fields.
fn build(p: &mut Prepared, options: BibtexOptions) -> Entry {
    let year = year_to_write(p);
    let authors = has_authors(p);
    let (entry_type, wanted) = match options.dialect {
        Dialect::Bibtex => bibtex_type(p, authors, year.is_some()),
        Dialect::Biblatex => biblatex_type(p, authors, year.is_some()),
    };
    if let Some((wanted, missing)) = wanted {
        p.warn(
            None,
            Problem::EntryTypeFallback {
                wanted,
                used: entry_type,
                missing,
            },
        );
    }
    let key = p.key.clone();
    let charset = options.charset;
    let policy = Policy::default();
    let mut f = Fields {
        prepared: p,
        charset,
        policy,
        fields: Vec::new(),
    };
    match options.dialect {
        Dialect::Bibtex => bibtex_fields(&mut f, entry_type, year),
        Dialect::Biblatex => biblatex_fields(&mut f, entry_type, year),
    }
    imported_fields(&mut f, options);
    Entry {
        entry_type,
        key,
        fields: f.fields,
    }
}

type Fallback = Option<(&'static str, Vec<&'static str>)>;

/// Required fields per the BibTeX manual (§B) as `plainnat` checks them.
fn bibtex_type(p: &Prepared, authors: bool, year: bool) -> (&'static str, Fallback) {
    let need = |wanted: &'static str, checks: &[(&'static str, bool)]| -> Option<Fallback> {
        let missing: Vec<&'static str> = checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect();
        if missing.is_empty() {
            None
        } else {
            Some(Some((wanted, missing)))
        }
    };
    let publisher = p.text(&p.data.publisher).is_some();
    let institution = p.text(&p.data.institution).is_some();
    let check = match p.work {
        Work::JournalArticle | Work::MagazineArticle => (
            "article",
            need("article", &[("author", authors), ("year", year)]),
        ),
        Work::ConferencePaper => (
            "inproceedings",
            need("inproceedings", &[("author", authors), ("year", year)]),
        ),
        Work::Book => (
            "book",
            need(
                "book",
                &[
                    ("author", authors),
                    ("publisher", publisher),
                    ("year", year),
                ],
            ),
        ),
        Work::Report => (
            "techreport",
            need(
                "techreport",
                &[
                    ("author", authors),
                    ("institution", institution),
                    ("year", year),
                ],
            ),
        ),
        // Only a title and a year are required (the BibTeX manual, §B); the editors are
        // written from the imported `editor`.
        Work::Proceedings => ("proceedings", need("proceedings", &[("year", year)])),
        Work::Documentation => ("manual", None),
        _ => ("misc", None),
    };
    match check {
        (t, None) => (t, None),
        (_, Some(fallback)) => ("misc", fallback),
    }
}

/// Mandatory fields per biber's data model (`blx-dm.def`, `\DeclareDatamodelConstraints`).
fn biblatex_type(p: &Prepared, authors: bool, year: bool) -> (&'static str, Fallback) {
    let online_ok = p.url.is_some() || p.doi.is_some() || p.arxiv_id.is_some();
    let general = if online_ok { "online" } else { "misc" };
    let institution = p.text(&p.data.institution).is_some();
    let fallback = |wanted: &'static str, checks: &[(&'static str, bool)]| {
        let missing: Vec<&'static str> = checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect();
        if missing.is_empty() {
            (wanted, None)
        } else {
            (general, Some((wanted, missing)))
        }
    };
    match p.work {
        Work::JournalArticle | Work::MagazineArticle => {
            fallback("article", &[("author", authors), ("year", year)])
        }
        Work::ConferencePaper => fallback("inproceedings", &[("author", authors), ("year", year)]),
        Work::Book => fallback("book", &[("author", authors), ("year", year)]),
        Work::Proceedings => fallback("proceedings", &[("year", year)]),
        Work::Report => fallback(
            "report",
            &[
                ("author", authors),
                ("institution", institution),
                ("year", year),
            ],
        ),
        Work::Documentation => fallback("manual", &[("year", year)]),
        Work::Software | Work::Repository => ("software", None),
        Work::Dataset => ("dataset", None),
        _ => (general, None),
    }
}

fn date_of(year: Option<i32>, month: Option<u8>) -> Option<String> {
    let year = year.filter(|y| (0..=9999).contains(y))?;
    Some(match month {
        Some(m) => format!("{year:04}-{m:02}"),
        None => format!("{year:04}"),
    })
}

fn bibtex_fields(f: &mut Fields, entry_type: &'static str, year: Option<i32>) {
    let p = &*f.prepared;
    let journal = p.text(&p.data.journal);
    let booktitle = p.text(&p.data.booktitle);
    let publisher = p.text(&p.data.publisher);
    let institution = p.text(&p.data.institution);
    let organisation = p.organisation();
    let volume = p.text(&p.data.volume);
    let number = p.text(&p.data.number);
    let pages = p.pages.clone();
    let month = p.month.map(|m| MONTHS[usize::from(m - 1)]);
    let howpublished = howpublished(p);
    let title_key = p.plain_title.clone();
    let authors = has_authors(p);
    let (doi, url, isbn) = (p.doi.clone(), p.url.clone(), p.isbn.clone());
    let accessed = p.accessed.map(iso_date);
    let (eprint, class) = (p.arxiv_id.clone(), p.arxiv_class.clone());

    f.authors();
    f.title();
    match entry_type {
        "article" => {
            f.text("journal", journal);
            f.text("volume", volume);
            f.text("number", number);
            f.pages(pages);
        }
        "inproceedings" => {
            f.text("booktitle", booktitle);
            // plainnat warns "can't use both volume and number", and about "a number but
            // no series"; lore keeps no series, so the number stays out.
            drop(number);
            f.text("volume", volume);
            f.pages(pages);
            f.text("publisher", publisher);
        }
        "book" => {
            f.text("publisher", publisher);
            f.text("volume", volume);
        }
        "proceedings" => {
            f.text("publisher", publisher);
            f.text("volume", volume);
        }
        "techreport" => {
            f.text("institution", institution);
            f.text("number", number);
        }
        "manual" => f.text("organization", organisation.clone()),
        _ => f.text("howpublished", howpublished),
    }
    f.raw("year", year.map(|y| y.to_string()));
    if let (Some(month), Some(_)) = (month, year) {
        f.fields.push(("month", Value::Macro(month)));
    }
    if matches!(entry_type, "book" | "proceedings") {
        f.raw("isbn", isbn);
    }
    f.raw("doi", doi);
    if let Some(eprint) = eprint {
        f.raw("eprint", Some(eprint));
        f.raw("archivePrefix", Some("arXiv".to_owned()));
        f.raw("primaryClass", class);
    }
    f.raw("url", url);
    f.raw("urldate", accessed);
    // Sorting and author-year labels need a `key` when there is no author ("to sort, need
    // author or key"). It is the title, as APA puts the title first for works without an
    // author: plainnat labels such entries by `key` alone, and a shared key (an
    // organisation's name) makes `a`, `b`, ... labels that run out after 60 entries.
    if !authors {
        f.text("key", Some(title_key));
    }
}

fn biblatex_fields(f: &mut Fields, entry_type: &'static str, year: Option<i32>) {
    let p = &*f.prepared;
    let journal = p.text(&p.data.journal);
    let booktitle = p.text(&p.data.booktitle);
    let publisher = p.text(&p.data.publisher);
    let institution = p.text(&p.data.institution);
    let organisation = p.organisation();
    let volume = p.text(&p.data.volume);
    let number = p.text(&p.data.number);
    let pages = p.pages.clone();
    let date = date_of(year, p.month);
    let (doi, url, isbn) = (p.doi.clone(), p.url.clone(), p.isbn.clone());
    let accessed = p.accessed.map(iso_date);
    let (eprint, class) = (p.arxiv_id.clone(), p.arxiv_class.clone());
    // The organisation goes to `organization`; `howpublished` says only what it is.
    let howpublished = kind_label(p);

    f.authors();
    f.title();
    match entry_type {
        "article" => {
            f.text("journaltitle", journal);
            f.text("volume", volume);
            f.text("number", number);
            f.pages(pages);
        }
        "inproceedings" => {
            f.text("booktitle", booktitle);
            f.text("volume", volume);
            f.text("number", number);
            f.pages(pages);
            f.text("publisher", publisher);
            f.raw("isbn", isbn);
        }
        "book" | "proceedings" => {
            f.text("publisher", publisher);
            f.text("volume", volume);
            f.raw("isbn", isbn);
        }
        "report" => {
            f.raw("type", Some("techreport".to_owned()));
            f.text("institution", institution);
            f.text("number", number);
        }
        "manual" | "dataset" | "online" => f.text("organization", organisation),
        "software" | "misc" => {
            f.text("organization", organisation);
            f.text("howpublished", howpublished);
        }
        _ => {}
    }
    f.raw("date", date);
    f.raw("doi", doi);
    if let Some(eprint) = eprint {
        f.raw("eprint", Some(eprint));
        f.raw("eprinttype", Some("arxiv".to_owned()));
        f.raw("eprintclass", class);
    }
    f.raw("url", url);
    f.raw("urldate", accessed);
}

/// Fields kept from an imported entry as attributes: `editor`, `edition`, `version`,
/// `abstract` (unless [`BibtexOptions::omit_abstract`]), and in biblatex the full `date`
/// (in place of year and month), `eventdate` and, for preprints, `pubstate`. BibTeX
/// styles ignore the fields they do not print (`version`, `abstract`); biber's data
/// model has them all.
fn imported_fields(f: &mut Fields, options: BibtexOptions) {
    let p = &*f.prepared;
    // Every entry type of both data models has `editor`; for a work without authors
    // (proceedings) it is also who the styles name.
    let editor = p.attribute("editor");
    let edition = p.attribute("edition");
    let version = p.attribute("version");
    let abstract_ = p.attribute("abstract").filter(|_| !options.omit_abstract);
    let full_date = p
        .attribute("date")
        .filter(|d| super::work::parse_iso_date(d).is_some())
        .filter(|d| p.year.is_some_and(|y| d.starts_with(&format!("{y:04}-"))));
    let eventdate = p.attribute("eventdate");
    let preprint = p.work == Work::Preprint;
    if let Some(editor) = editor {
        let escaped = super::latex::escape_text_with(
            &editor,
            f.charset,
            Policy {
                math: false,
                ligatures: false,
            },
        );
        f.push_escaped("editor", escaped);
    }
    f.text("edition", edition);
    f.text("version", version);
    if options.dialect == Dialect::Biblatex {
        if let Some(date) = full_date {
            for (name, value) in &mut f.fields {
                if *name == "date" {
                    *value = Value::Braced(date.clone());
                }
            }
        }
        f.raw(
            "eventdate",
            eventdate.filter(|d| d.chars().all(|c| c.is_ascii_digit() || "-/".contains(c))),
        );
        if preprint {
            f.raw("pubstate", Some("prepublished".to_owned()));
        }
    }
    f.text("abstract", abstract_);
}

fn iso_date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use biblatex::{Bibliography, ChunksExt};
    use proptest::prelude::*;

    use super::*;
    use crate::cite::fixtures;
    use crate::cite::generate_key;
    use crate::cite::latex::is_pdflatex_settable;
    use crate::domain::{CitationKey, ResourceData, ResourceKind, Slug};

    const BIBTEX: BibtexOptions = BibtexOptions {
        dialect: Dialect::Bibtex,
        charset: Charset::Pdflatex,
        omit_abstract: false,
    };
    const BIBLATEX: BibtexOptions = BibtexOptions {
        dialect: Dialect::Biblatex,
        charset: Charset::Pdflatex,
        omit_abstract: false,
    };
    const UNICODE: BibtexOptions = BibtexOptions {
        dialect: Dialect::Bibtex,
        charset: Charset::Unicode,
        omit_abstract: false,
    };

    /// The fixtures with keys issued as the service issues them.
    fn keyed(json: &str) -> Vec<Resource> {
        let mut resources = fixtures::load(json);
        let mut taken: HashSet<String> = resources
            .iter()
            .filter_map(|r| r.data.citation_key.as_ref())
            .map(|k| k.as_str().to_lowercase())
            .collect();
        for r in &mut resources {
            if r.data.citation_key.is_none() {
                let key = generate_key(&r.data, |k| taken.contains(&k.to_lowercase()));
                taken.insert(key.as_str().to_lowercase());
                r.data.citation_key = Some(key);
            }
        }
        resources
    }

    #[test]
    fn aliases_are_ids_in_biblatex_and_copies_in_bibtex() {
        let paper = resource(ResourceData {
            kind: Some(ResourceKind::Paper),
            title: "Counting Pebbles".into(),
            citation_key: Some(CitationKey::parse("own2020").unwrap()),
            year: Some(2020),
            ..ResourceData::default()
        });
        let aliases = [
            CitationKey::parse("Other:Key").unwrap(),
            CitationKey::parse("third").unwrap(),
        ];
        let biblatex = BibtexOptions {
            dialect: Dialect::Biblatex,
            ..BIBTEX
        };
        let (one, entries) = write_entry_with_aliases(&paper, &aliases, biblatex);
        assert_eq!(entries, 1);
        assert!(one.text.contains("{own2020,\n"), "{}", one.text);
        assert!(
            one.text.contains("  ids = {Other:Key,third}\n"),
            "{}",
            one.text
        );
        let (copies, entries) = write_entry_with_aliases(&paper, &aliases, BIBTEX);
        assert_eq!(entries, 3);
        let keys: Vec<&str> = copies
            .text
            .lines()
            .filter_map(|l| l.strip_prefix('@'))
            .filter(|l| !l.starts_with("comment"))
            .map(|l| l.split_once('{').unwrap().1.trim_end_matches(','))
            .collect();
        assert_eq!(keys, ["own2020", "Other:Key", "third"]);
        assert!(
            copies
                .text
                .contains("\n@comment{lore: Other:Key is an alias of own2020}\n")
        );
        let without = write_entry(&paper, BIBTEX).text;
        assert_eq!(
            copies.text.matches("Counting Pebbles").count(),
            3 * without.matches("Counting Pebbles").count(),
            "the same fields under each key"
        );
        assert!(copies.text.starts_with(&without), "the entry itself first");
        assert_eq!(
            write_entry_with_aliases(&paper, &[], BIBTEX).0.text,
            without,
            "no aliases, no change"
        );
    }

    #[test]
    fn raw_math_is_written_whole_and_a_lower_case_brand_protected() {
        let paper = resource(ResourceData {
            kind: Some(ResourceKind::Paper),
            title: r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN Pebbles".into(),
            citation_key: Some(CitationKey::parse("knn").unwrap()),
            year: Some(2022),
            ..ResourceData::default()
        });
        let text = write_entry(&paper, BIBTEX).text;
        assert!(
            text.contains(r"title = {Fast {$\mathcal{O}(n)$} Sorting for {$k$}-{NN} Pebbles}"),
            "{text}"
        );
        let brand = resource(ResourceData {
            title: "tinyflow: pebble flows".into(),
            citation_key: Some(CitationKey::parse("tf").unwrap()),
            ..ResourceData::default()
        });
        let text = write_entry(&brand, BIBLATEX).text;
        assert!(
            text.contains("title = {{tinyflow}: pebble flows}"),
            "{text}"
        );
    }

    #[test]
    fn family_only_names_stay_one_name_when_transliterated() {
        let name = |p: Person| format_name(&p, Charset::Pdflatex).text;
        assert_eq!(name(Person::literal("凯撒")), "{Kai Sa}");
        let family_only = Person {
            family: Some("凯撒".into()),
            ..Person::default()
        };
        assert_eq!(name(family_only), "{Kai Sa}");
        assert_eq!(
            format_name(&Person::literal("凯撒"), Charset::Unicode).text,
            "{凯撒}"
        );
    }

    /// Import → export (both dialects, Unicode) → import keeps every entry's title,
    /// authors, year, DOI and URL.
    fn assert_round_trip(file: &str, bytes: &[u8]) {
        let first = crate::catalogue::parse_file(file, bytes).unwrap();
        let resources: Vec<Resource> = first
            .resources
            .iter()
            .map(|draft| resource(draft.data.clone()))
            .collect();
        for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
            let options = BibtexOptions {
                dialect,
                charset: Charset::Unicode,
                omit_abstract: false,
            };
            let exported = write_bibliography(&resources, options).text;
            let again = crate::catalogue::parse_file(file, exported.as_bytes()).unwrap();
            assert_eq!(again.resources.len(), first.resources.len(), "{exported}");
            for (before, after) in first.resources.iter().zip(&again.resources) {
                let (b, a) = (&before.data, &after.data);
                let facts = |d: &ResourceData| {
                    (
                        d.title.clone(),
                        d.authors.clone(),
                        d.year,
                        d.doi.clone(),
                        d.url.clone(),
                    )
                };
                // An arXiv preprint gains its arXiv DOI and `abs` URL on export.
                let mut expected = facts(b);
                if b.arxiv_id.is_some() {
                    expected.3 = a.doi.clone();
                    expected.4 = expected.4.or(a.url.clone());
                }
                assert_eq!(facts(a), expected, "{file} {dialect:?}: {exported}");
            }
        }
    }

    #[test]
    fn bibtex_patterns_and_fixtures_survive_the_round_trip() {
        assert_round_trip(
            "latex-markup.bib",
            include_bytes!("../../tests/fixtures/bibtex-patterns/latex-markup.bib"),
        );
        assert_round_trip(
            "entities-and-urls.bib",
            include_bytes!("../../tests/fixtures/bibtex-patterns/entities-and-urls.bib"),
        );
        assert_round_trip(
            "fields.bib",
            include_bytes!("../../tests/fixtures/bibtex-patterns/fields.bib"),
        );
        assert_round_trip(
            "names-and-scripts.bib",
            include_bytes!("../../tests/fixtures/bibtex-patterns/names-and-scripts.bib"),
        );
        assert_round_trip(
            "references.bib",
            include_bytes!("../../tests/fixtures/bib/references.bib"),
        );
        assert_round_trip("seed.bib", include_bytes!("../../seed/references.bib"));
        assert_round_trip(
            "kinds.bib",
            include_bytes!("../../tests/fixtures/bib/kinds.bib"),
        );
        assert_round_trip(
            "editorials.bib",
            include_bytes!("../../tests/fixtures/import-patterns/editorials.bib"),
        );
    }

    #[test]
    fn proceedings_software_and_datasets_keep_their_kind_through_the_round_trip() {
        let file = "kinds.bib";
        let bytes = include_bytes!("../../tests/fixtures/bib/kinds.bib");
        let first = crate::catalogue::parse_file(file, bytes).unwrap();
        let kinds = |c: &crate::catalogue::Catalogue| -> Vec<_> {
            c.resources.iter().map(|r| r.data.kind).collect()
        };
        assert_eq!(
            kinds(&first),
            [
                Some(ResourceKind::Book),
                Some(ResourceKind::Software),
                Some(ResourceKind::Dataset)
            ]
        );
        let resources: Vec<Resource> = first
            .resources
            .iter()
            .map(|draft| resource(draft.data.clone()))
            .collect();
        for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
            for charset in [Charset::Pdflatex, Charset::Unicode] {
                let options = BibtexOptions {
                    dialect,
                    charset,
                    omit_abstract: false,
                };
                let exported = write_bibliography(&resources, options).text;
                assert!(
                    exported.contains("@proceedings{nips2015,"),
                    "{dialect:?}: {exported}"
                );
                assert!(
                    exported.contains(
                        "editor = {Cortes, Corinna and Lawrence, Neil D. and Lee, Daniel D.}"
                    ),
                    "{exported}"
                );
                let again = crate::catalogue::parse_file(file, exported.as_bytes()).unwrap();
                assert_eq!(kinds(&again), kinds(&first), "{dialect:?}: {exported}");
                let proceedings = &again.resources[0].data;
                assert_eq!(
                    proceedings
                        .attributes
                        .get(crate::cite::ENTRY_TYPE)
                        .map(String::as_str),
                    Some("proceedings"),
                    "{exported}"
                );
                let again: Vec<Resource> = again
                    .resources
                    .iter()
                    .map(|draft| resource(draft.data.clone()))
                    .collect();
                assert_eq!(
                    write_bibliography(&again, options).text,
                    exported,
                    "{dialect:?}: a second round changes nothing"
                );
            }
        }
        let (item, _) = crate::cite::csl::to_csl(&resources[0]);
        assert_eq!(item.item_type, "book");
        assert!(
            crate::cite::ris::write_record(&resources[0])
                .text
                .starts_with("TY  - CONF")
        );
    }

    fn resource(data: ResourceData) -> Resource {
        Resource {
            slug: Slug::parse("some-slug").unwrap(),
            data,
            version: 1,
            created_at: "2024-05-01T09:30:00Z".into(),
            updated_at: "2024-05-01T09:30:00Z".into(),
        }
    }

    fn entry_of(resources: &[Resource], key: &str, options: BibtexOptions) -> String {
        let r = resources
            .iter()
            .find(|r| r.data.citation_key.as_ref().unwrap().as_str() == key)
            .unwrap_or_else(|| panic!("no resource with key {key}"));
        write_entry(r, options).text
    }

    #[test]
    fn the_seed_papers_export_as_the_portable_profile_expects() {
        let seed = keyed(fixtures::SEED);
        assert_eq!(
            entry_of(&seed, "ren2015faster", BIBTEX),
            "@inproceedings{ren2015faster,
  author = {Ren, Shaoqing and He, Kaiming and Girshick, Ross and Sun, Jian},
  title = {Faster {R-CNN}: Towards Real-Time Object Detection with Region Proposal Networks},
  booktitle = {Advances in Neural Information Processing Systems},
  volume = {28},
  pages = {91--99},
  year = {2015},
  eprint = {1506.01497},
  archivePrefix = {arXiv},
  primaryClass = {cs.CV},
  url = {https://arxiv.org/abs/1506.01497}
}
"
        );
        assert_eq!(
            entry_of(&seed, "jiao2019survey", BIBTEX),
            "@article{jiao2019survey,
  author = {Jiao, Licheng and Zhang, Fan and Liu, Fang and Yang, Shuyuan and Li, Lingling and Feng, Zhixi and Qu, Rong},
  title = {A Survey of Deep Learning-based Object Detection},
  journal = {IEEE Access},
  volume = {7},
  pages = {128837--128868},
  year = {2019},
  doi = {10.1109/ACCESS.2019.2939201},
  eprint = {1907.09408},
  archivePrefix = {arXiv},
  primaryClass = {cs.CV},
  url = {https://ieeexplore.ieee.org/document/8825470}
}
"
        );
        assert_eq!(
            entry_of(&seed, "radhakrishnan2022feature", BIBTEX),
            "@misc{radhakrishnan2022feature,
  author = {Radhakrishnan, Adityanarayanan and Beaglehole, Daniel and Pandit, Parthe and Belkin, Mikhail},
  title = {Feature learning in neural networks and kernel machines that recursively learn features},
  howpublished = {arXiv preprint arXiv:2212.13881},
  year = {2022},
  month = dec,
  doi = {10.48550/arXiv.2212.13881},
  eprint = {2212.13881},
  archivePrefix = {arXiv},
  primaryClass = {stat.ML},
  url = {https://arxiv.org/abs/2212.13881}
}
"
        );
        assert_eq!(
            entry_of(&seed, "radhakrishnan2022feature", BIBLATEX),
            "@online{radhakrishnan2022feature,
  author = {Radhakrishnan, Adityanarayanan and Beaglehole, Daniel and Pandit, Parthe and Belkin, Mikhail},
  title = {Feature learning in neural networks and kernel machines that recursively learn features},
  date = {2022-12},
  doi = {10.48550/arXiv.2212.13881},
  eprint = {2212.13881},
  eprinttype = {arxiv},
  eprintclass = {stat.ML},
  url = {https://arxiv.org/abs/2212.13881},
  pubstate = {prepublished}
}
"
        );
        assert_eq!(
            entry_of(&seed, "jiao2019survey", BIBLATEX)
                .lines()
                .nth(3)
                .unwrap(),
            "  journaltitle = {IEEE Access},"
        );
    }

    #[test]
    fn undated_web_resources_are_cited_with_the_year_they_were_accessed_or_recorded() {
        let seed = keyed(fixtures::SEED);
        let export = write_bibliography(&seed, BIBTEX);
        assert_eq!(
            entry_of(&seed, "learning-pytorch-examples", BIBTEX),
            "@misc{learning-pytorch-examples,
  title = {Learning {PyTorch} with Examples},
  howpublished = {Tutorial, PyTorch},
  year = {2024},
  url = {https://pytorch.org/tutorials/beginner/pytorch_with_examples.html},
  urldate = {2024-03-14},
  key = {Learning PyTorch with Examples}
}
"
        );
        // The repository has no urldate and gets none: nobody accessed it on a known day.
        // Its year is the one lore recorded it in.
        let repository = entry_of(&seed, "30-days-deep", BIBTEX);
        assert!(!repository.contains("urldate"), "{repository}");
        assert!(repository.contains("  year = {2024},\n"), "{repository}");
        let years: Vec<_> = export
            .warnings
            .iter()
            .filter(|w| matches!(w.problem, Problem::YearFromAccessDate { year: 2024 }))
            .map(|w| w.key.as_str())
            .collect();
        assert_eq!(
            years,
            [
                "umich-eecs-498007",
                "30-days-deep",
                "learning-pytorch-examples"
            ]
        );
        assert_eq!(export.warnings.len(), 3);
    }

    #[test]
    fn entry_types_follow_the_kind_in_both_dialects() {
        let hard = keyed(fixtures::HARD_CASES);
        let seed = keyed(fixtures::SEED);
        let all: Vec<Resource> = seed.into_iter().chain(hard).collect();
        let type_of = |key: &str, options| {
            let text = entry_of(&all, key, options);
            text[1..text.find('{').unwrap()].to_owned()
        };
        for (key, bibtex, biblatex) in [
            ("jiao2019survey", "article", "article"),
            ("ren2015faster", "inproceedings", "inproceedings"),
            ("radhakrishnan2022feature", "misc", "online"),
            ("umich-eecs-498007", "misc", "online"),
            ("30-days-deep", "misc", "software"),
            ("learning-pytorch-examples", "misc", "online"),
            ("tensor", "misc", "online"),
            ("torch-nn-crossentropyloss", "manual", "manual"),
            ("alammar2018illustrated", "misc", "online"),
            ("3blue1brown2017neural", "misc", "online"),
            ("mnist-10-lines", "misc", "online"),
            ("imagenet-large-scale-2012", "misc", "dataset"),
            ("scikitlearndevelopers2024scikitlearn", "misc", "software"),
            ("krizhevsky2009learning", "techreport", "report"),
            ("goodfellow2016deep", "book", "book"),
            ("x-scale-tags-2020", "misc", "online"),
        ] {
            assert_eq!(type_of(key, BIBTEX), bibtex, "{key} (bibtex)");
            assert_eq!(type_of(key, BIBLATEX), biblatex, "{key} (biblatex)");
        }
    }

    #[test]
    fn entries_missing_required_fields_fall_back_with_a_warning() {
        let book = resource(ResourceData {
            kind: Some(ResourceKind::Book),
            title: "Untitled Draft".into(),
            authors: vec![Person::parse("Ann Lee").unwrap()],
            year: Some(2001),
            citation_key: Some(CitationKey::parse("lee2001untitled").unwrap()),
            ..ResourceData::default()
        });
        let out = write_entry(&book, BIBTEX);
        assert!(out.text.starts_with("@misc{lee2001untitled,\n"));
        assert_eq!(
            out.warnings[0].problem,
            Problem::EntryTypeFallback {
                wanted: "book",
                used: "misc",
                missing: vec!["publisher"]
            }
        );
        // biblatex's @book needs no publisher.
        assert!(write_entry(&book, BIBLATEX).text.starts_with("@book{"));
    }

    #[test]
    fn a_resource_without_a_key_is_written_under_its_slug() {
        let out = write_entry(
            &resource(ResourceData {
                title: "Page".into(),
                year: Some(2020),
                ..ResourceData::default()
            }),
            BIBTEX,
        );
        assert!(out.text.starts_with("@misc{some-slug,\n"));
        assert_eq!(out.warnings[0].problem, Problem::MissingKey);
    }

    #[test]
    fn names_are_family_comma_given_with_particles_suffixes_and_braced_organisations() {
        let name = |p: Person| format_name(&p, Charset::Pdflatex).text;
        assert_eq!(
            name(Person::parse("Shaoqing Ren").unwrap()),
            "Ren, Shaoqing"
        );
        assert_eq!(
            name(Person::parse("Laurens van der Maaten").unwrap()),
            "van der Maaten, Laurens"
        );
        assert_eq!(
            name(Person::parse("King, Jr., Martin Luther").unwrap()),
            "King, Jr., Martin Luther"
        );
        assert_eq!(
            name(Person::literal("Google Research")),
            "{Google Research}"
        );
        assert_eq!(name(Person::literal("AT&T Labs")), r"{AT\&T Labs}");
        assert_eq!(
            name(Person {
                family: Some("García y López".into()),
                given: Some("Ana".into()),
                ..Person::default()
            }),
            "{García y López}, Ana"
        );
        assert_eq!(
            name(Person {
                family: Some("Mu\u{308}ller".into()),
                given: Some("Jo\u{308}rg".into()),
                ..Person::default()
            }),
            "Müller, Jörg"
        );
        assert_eq!(name(Person::parse("Plato").unwrap()), "Plato");
        let mut truncated = ResourceData {
            title: "T".into(),
            authors: vec![Person::parse("Ann Lee").unwrap()],
            authors_truncated: true,
            year: Some(2000),
            ..ResourceData::default()
        };
        let text = write_entry(&resource(truncated.clone()), BIBTEX).text;
        assert!(
            text.contains("  author = {Lee, Ann and others},\n"),
            "{text}"
        );
        truncated.authors.push(Person::literal("Barnes and Noble"));
        let text = write_entry(&resource(truncated), BIBTEX).text;
        assert!(text.contains("{Barnes and Noble} and others"), "{text}");
    }

    #[test]
    fn identifiers_are_raw_and_months_are_macros() {
        let hard = keyed(fixtures::HARD_CASES);
        let text = entry_of(&hard, "escaper2021escaping", BIBTEX);
        assert!(text.contains("  url = {https://example.org/~user/a%20b_c/page?x=1&y=2#sec-3},\n"));
        let text = entry_of(&hard, "devlin2019bert", BIBTEX);
        assert!(text.contains("  doi = {10.18653/v1/N19-1423}\n"), "{text}");
        assert!(text.contains("  month = jun,\n"));
        let text = entry_of(&hard, "ren2015fasterb", BIBTEX);
        assert!(
            text.contains("  doi = {10.1007/978-3-319-10590-1_53}\n"),
            "{text}"
        );
        assert!(!text.contains("howpublished = {\\url"));
    }

    #[test]
    fn unsettable_characters_are_reported_never_dropped_silently() {
        let hard = keyed(fixtures::HARD_CASES);
        let export = write_bibliography(&hard, BIBTEX);
        let reported: HashSet<String> = export
            .warnings
            .iter()
            .filter_map(|w| match &w.problem {
                Problem::Unsettable(u) => Some(u.text.clone()),
                _ => None,
            })
            .collect();
        for resource in &hard {
            let texts = resource
                .data
                .authors
                .iter()
                .flat_map(|p| [&p.family, &p.given, &p.literal])
                .flatten()
                .chain([&resource.data.title])
                .chain(resource.data.publisher.iter());
            for text in texts {
                for c in crate::cite::latex::normalize_text(text).chars() {
                    if !is_pdflatex_settable(c)
                        && !unicode_normalization::char::is_combining_mark(c)
                    {
                        assert!(
                            reported.iter().any(|r| r.starts_with(c)),
                            "{c:?} in {text:?} was not reported"
                        );
                    }
                }
            }
        }
        // ...and the pdflatex-safe export holds none of them.
        assert!(
            export
                .text
                .chars()
                .all(|c| c == '\n' || is_pdflatex_settable(c)),
        );
    }

    #[test]
    fn a_bibliography_is_utf8_lf_entries_one_blank_line_apart() {
        let hard = keyed(fixtures::HARD_CASES);
        for options in [BIBTEX, BIBLATEX, UNICODE] {
            let text = write_bibliography(&hard, options).text;
            assert!(text.starts_with('@'));
            assert!(!text.starts_with('\u{feff}'));
            assert!(!text.contains('\r'));
            assert!(text.ends_with("}\n"));
            assert!(!text.contains("\n\n\n"));
            assert_eq!(text.matches("}\n\n@").count(), hard.len() - 1);
            // Nothing outside entries: every line is an entry head, a field, or a close.
            for line in text.lines() {
                assert!(
                    line.is_empty()
                        || line.starts_with('@')
                        || line.starts_with("  ")
                        || line == "}",
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn every_export_of_the_fixtures_parses_with_the_biblatex_crate() {
        for json in [fixtures::SEED, fixtures::HARD_CASES] {
            let resources = keyed(json);
            for options in [BIBTEX, BIBLATEX, UNICODE] {
                let text = write_bibliography(&resources, options).text;
                let bib = Bibliography::parse(&text)
                    .unwrap_or_else(|e| panic!("{options:?}: {e:?}\n{text}"));
                assert_eq!(bib.len(), resources.len());
                for r in &resources {
                    let key = r.data.citation_key.as_ref().unwrap().as_str();
                    let entry = bib.get(key).unwrap();
                    assert!(entry.title().is_ok(), "{key}");
                }
            }
        }
    }

    #[test]
    fn the_unicode_export_round_trips_titles_and_names_of_the_hard_cases() {
        let hard = keyed(fixtures::HARD_CASES);
        let text = write_bibliography(&hard, UNICODE).text;
        let bib = Bibliography::parse(&text).unwrap();
        for r in &hard {
            let key = r.data.citation_key.as_ref().unwrap().as_str();
            let entry = bib.get(key).unwrap();
            assert_eq!(
                entry.title().unwrap().format_verbatim(),
                crate::cite::latex::normalize_text(&r.data.title),
                "{key}"
            );
        }
    }

    /// Any character, weighted towards the ones BibTeX and LaTeX treat specially.
    fn text_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => any::<char>(),
            2 => prop::sample::select(
                "&%$#_{}~^\\`'\",-@=<>|/.:;!? \t\n\u{a0}".chars().collect::<Vec<_>>()
            ),
            2 => prop::char::range('a', 'z'),
            1 => prop::char::range('A', 'Z'),
            1 => prop::sample::select(
                "éüßøłçñαβΩ深学\u{301}\u{308}".chars().collect::<Vec<_>>()
            ),
        ]
    }

    fn name_word(upper: bool) -> impl Strategy<Value = String> {
        let first = if upper {
            prop::sample::select("ABCDÉÖŁŠZ".chars().collect::<Vec<_>>())
        } else {
            prop::sample::select("abcdéöłšz".chars().collect::<Vec<_>>())
        };
        let rest = prop::collection::vec(
            prop::sample::select(
                "abcdefghijklmnopqrstuvwxyzéèöüłšçñ'-"
                    .chars()
                    .collect::<Vec<_>>(),
            ),
            1..8,
        );
        (first, rest).prop_map(|(f, r)| {
            let mut s: String = std::iter::once(f).chain(r).collect();
            // A word ends in a letter, as names do; the biblatex crate reads `--` in a name
            // as an en dash, which a name never means.
            while s.ends_with(['\'', '-']) {
                s.pop();
            }
            while s.contains("--") {
                s = s.replace("--", "-");
            }
            s
        })
    }

    fn person() -> impl Strategy<Value = Person> {
        let words = |upper| prop::collection::vec(name_word(upper), 1..3).prop_map(|w| w.join(" "));
        prop_oneof![
            4 => (
                prop_oneof![3 => words(true), 1 => words(false)],
                words(true),
                prop::option::of(prop::sample::select(vec!["van", "van der", "de la", "von", "di"])),
                prop::option::of(prop::sample::select(vec!["Jr.", "III", "Sr."])),
            )
                .prop_map(|(family, given, particle, suffix)| Person {
                    family: Some(family),
                    given: Some(given),
                    particle: particle.map(Into::into),
                    suffix: suffix.map(Into::into),
                    literal: None,
                }),
            1 => words(true).prop_map(|w| Person::literal(format!("{w} & Co"))),
        ]
    }

    fn url() -> impl Strategy<Value = String> {
        let chars: Vec<char> = ('a'..='z')
            .chain('A'..='Z')
            .chain('0'..='9')
            .chain("-._~:/?#[]@!$&'()*+,;=%".chars())
            .collect();
        prop::collection::vec(prop::sample::select(chars), 0..60)
            .prop_map(|cs| format!("https://example.org/{}", cs.into_iter().collect::<String>()))
    }

    /// Characters pdflatex sets, weighted towards the ones LaTeX treats specially.
    fn settable_char() -> impl Strategy<Value = char> {
        let non_ascii: Vec<char> = ('\u{a0}'..'\u{10000}')
            .filter(|c| is_pdflatex_settable(*c))
            // NFC maps a few (U+2126 OHM SIGN) to characters outside the set (U+03A9).
            .filter(|c| crate::cite::latex::normalize_text(&c.to_string()) == c.to_string())
            .collect();
        prop_oneof![
            3 => prop::char::range(' ', '~'),
            2 => prop::sample::select(non_ascii),
            1 => prop::sample::select("&%$#_{}~^\\`'-, ".chars().collect::<Vec<_>>()),
        ]
    }

    /// A title of plain text: text that happens to hold a raw LaTeX span (`$x$`,
    /// `\\foo{}`), which the writers emit as LaTeX by design, loses its `$` and `\\`.
    fn title_from(chars: Vec<char>) -> String {
        let title: String = chars.into_iter().collect();
        if crate::domain::has_latex_spans(&title) {
            title.replace('$', "S").replace('\\', "/")
        } else {
            title
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Export → parse with the biblatex crate → the same title (after NFC and white
        /// space collapsing), the same names, the same URL byte for byte.
        #[test]
        fn exports_parse_back_to_the_same_text(
            title in prop::collection::vec(text_char(), 1..80).prop_map(title_from),
            authors in prop::collection::vec(person(), 1..4),
            url in url(),
        ) {
            let data = ResourceData {
                kind: Some(ResourceKind::Webpage),
                title: title.clone(),
                authors: authors.clone(),
                year: Some(2020),
                url: Some(url.clone()),
                citation_key: Some(CitationKey::parse("k").unwrap()),
                ..ResourceData::default()
            };
            let text = write_entry(&resource(data), UNICODE).text;
            let bib = Bibliography::parse(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
            let entry = bib.get("k").unwrap();

            let expected_title = match crate::cite::latex::normalize_text(&title) {
                t if t.is_empty() => url.clone(),
                t => t,
            };
            prop_assert_eq!(entry.title().unwrap().format_verbatim(), expected_title, "{}", text);

            let parsed = entry.author().unwrap();
            prop_assert_eq!(parsed.len(), authors.len(), "{}", text);
            for (got, want) in parsed.iter().zip(&authors) {
                let nfc = |s: &Option<String>| s.as_deref().map(crate::cite::latex::normalize_text).unwrap_or_default();
                match &want.literal {
                    Some(literal) => prop_assert_eq!(&got.name, &nfc(&Some(literal.clone()))),
                    None => {
                        prop_assert_eq!(&got.name, &nfc(&want.family), "{}", text);
                        prop_assert_eq!(&got.given_name, &nfc(&want.given), "{}", text);
                        prop_assert_eq!(&got.prefix, &nfc(&want.particle), "{}", text);
                        prop_assert_eq!(&got.suffix, &nfc(&want.suffix), "{}", text);
                    }
                }
            }

            // Byte for byte in the file; and through the parser, except that biblatex 0.12
            // turns `--` into an en dash even in verbatim fields.
            let url_line = format!("  url = {{{url}}}");
            prop_assert!(text.lines().any(|l| l.trim_end_matches(',') == url_line), "{}", text);
            if !url.contains("--") {
                prop_assert_eq!(entry.get("url").unwrap().format_verbatim(), url);
            }
        }

        /// With the pdflatex charset, any text becomes an entry of characters pdflatex sets
        /// that still parses, and every character it had to replace is reported.
        #[test]
        fn any_text_becomes_pdflatex_safe_and_the_substitutes_are_reported(
            title in prop::collection::vec(text_char(), 1..80).prop_map(title_from),
            authors in prop::collection::vec(person(), 1..3),
        ) {
            let data = ResourceData {
                title: title.clone(),
                authors,
                year: Some(2020),
                citation_key: Some(CitationKey::parse("k").unwrap()),
                ..ResourceData::default()
            };
            let out = write_entry(&resource(data), BIBTEX);
            prop_assert!(out.text.chars().all(|c| c == '\n' || is_pdflatex_settable(c)), "{}", out.text);
            prop_assert!(Bibliography::parse(&out.text).is_ok(), "{}", out.text);
            let reported: Vec<&str> = out.warnings.iter().filter_map(|w| match &w.problem {
                Problem::Unsettable(u) => Some(u.text.as_str()),
                _ => None,
            }).collect();
            for c in crate::cite::latex::normalize_text(&title).chars() {
                if !is_pdflatex_settable(c) {
                    prop_assert!(reported.iter().any(|r| r.contains(c)), "{:?} not reported", c);
                }
            }
        }

        /// With the pdflatex charset, text made only of characters pdflatex sets comes back
        /// unchanged and nothing is reported.
        #[test]
        fn pdflatex_settable_text_round_trips_without_warnings(
            title in prop::collection::vec(settable_char(), 1..80).prop_map(title_from),
        ) {
            let data = ResourceData {
                title: title.clone(),
                year: Some(2020),
                authors: vec![Person::parse("Ann Lee").unwrap()],
                citation_key: Some(CitationKey::parse("k").unwrap()),
                ..ResourceData::default()
            };
            let out = write_entry(&resource(data), BIBTEX);
            let expected = crate::cite::latex::normalize_text(&title);
            prop_assume!(!expected.is_empty());
            prop_assert!(out.warnings.is_empty(), "{:?}", out.warnings);
            let bib = Bibliography::parse(&out.text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(bib.get("k").unwrap().title().unwrap().format_verbatim(), expected);
        }
    }
}
