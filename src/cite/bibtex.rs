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

use super::latex::{Charset, Escaped, escape_text, escape_title, normalize_text};
use super::warning::{Exported, Problem};
use super::work::{Prepared, Work};
use crate::domain::{Person, Resource};

/// What goes between two entries: with each entry ending in a line break, one blank line.
pub const ENTRY_SEPARATOR: &str = "\n";

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
    pub dialect: Dialect,
    /// Which characters may be written as they are; see [`Charset`].
    pub charset: Charset,
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
pub fn format_name(person: &Person, charset: Charset) -> Escaped {
    let mut out = Escaped::default();
    let part = |text: &str, out: &mut Escaped| -> String {
        let e = escape_text(text, charset);
        for u in e.unsettable {
            if !out.unsettable.iter().any(|x| x.text == u.text) {
                out.unsettable.push(u);
            }
        }
        e.text
    };
    let clean = |field: &Option<String>| {
        field
            .as_deref()
            .map(normalize_text)
            .filter(|v| !v.is_empty())
    };
    let (literal, family, given, particle, suffix) = (
        clean(&person.literal),
        clean(&person.family),
        clean(&person.given),
        clean(&person.particle),
        clean(&person.suffix),
    );
    let text = match (literal, family, given) {
        (Some(literal), _, _) => format!("{{{}}}", part(&literal, &mut out)),
        (None, Some(family), given) => {
            let mut family = part(&family, &mut out);
            let needs_braces = family.split(' ').any(|w| {
                w.chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase)
            }) || family.contains(',')
                || family.split(' ').any(|w| w.eq_ignore_ascii_case("and"));
            if needs_braces {
                family = format!("{{{family}}}");
            }
            let mut name = match particle {
                Some(p) => format!("{} {family}", braced_if_unsafe(&part(&p, &mut out))),
                None => family,
            };
            let given = given.map(|g| braced_if_unsafe(&part(&g, &mut out)));
            match (suffix, given) {
                (Some(suffix), Some(given)) => {
                    let suffix = braced_if_unsafe(&part(&suffix, &mut out));
                    name = format!("{name}, {suffix}, {given}");
                }
                (Some(suffix), None) => {
                    // "Last, Jr," with nothing after the comma draws a BibTeX warning.
                    let suffix = part(&suffix, &mut out);
                    name = format!("{{{name} {suffix}}}");
                }
                (None, Some(given)) => name = format!("{name}, {given}"),
                (None, None) => {}
            }
            name
        }
        (None, None, Some(given)) => {
            // A single name ("Plato"), or a whole name stored as given: kept as one unit.
            let given = part(&given, &mut out);
            if given.contains(' ') || given.contains(',') {
                format!("{{{given}}}")
            } else {
                given
            }
        }
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
    fields: Vec<(&'static str, Value)>,
}

impl Fields<'_, '_> {
    fn text(&mut self, name: &'static str, value: Option<String>) {
        if let Some(value) = value {
            let escaped = escape_text(&value, self.charset);
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
        let mut escaped = escape_text(&first, self.charset);
        if let Some(last) = last {
            let last = escape_text(&last, self.charset);
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
        self.fields.push(("author", Value::Braced(names.join(" and "))));
    }

    fn title(&mut self) {
        let escaped = escape_title(&self.prepared.title, self.charset);
        self.push_escaped("title", escaped);
    }
}

fn has_authors(p: &Prepared) -> bool {
    p.data.authors.iter().any(|a| {
        [&a.literal, &a.family, &a.given]
            .into_iter()
            .flatten()
            .any(|s| !s.trim().is_empty())
    })
}

/// The year to write: the stored one, or for an undated online work the year it was
/// accessed (with a warning), since `plainnat` ("empty year") and biber's data model both
/// require one.
fn year_to_write(p: &mut Prepared) -> Option<i32> {
    if p.year.is_some() {
        return p.year;
    }
    match p.accessed.filter(|_| p.work.is_online()) {
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

/// The `howpublished` text of a `@misc` entry: what sort of thing it is, and where.
fn howpublished(p: &Prepared) -> Option<String> {
    let host = p
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_owned()));
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
        Work::Book | Work::Report | Work::Paper | Work::WebPage => None,
    };
    let site = p.organisation();
    match (label, site) {
        (Some(label), Some(site)) if !label.to_lowercase().contains(&site.to_lowercase()) => {
            Some(format!("{label}, {site}"))
        }
        (Some(label), _) => Some(label),
        (None, site) => site,
    }
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
    let mut f = Fields {
        prepared: p,
        charset,
        fields: Vec::new(),
    };
    match options.dialect {
        Dialect::Bibtex => bibtex_fields(&mut f, entry_type, year),
        Dialect::Biblatex => biblatex_fields(&mut f, entry_type, year),
    }
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
        Work::JournalArticle | Work::MagazineArticle => {
            ("article", need("article", &[("author", authors), ("year", year)]))
        }
        Work::ConferencePaper => (
            "inproceedings",
            need("inproceedings", &[("author", authors), ("year", year)]),
        ),
        Work::Book => (
            "book",
            need(
                "book",
                &[("author", authors), ("publisher", publisher), ("year", year)],
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
    let title_key = p.title.clone();
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
    if entry_type == "book" {
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
    // author or key"); @manual can use its organization.
    if !authors && !(entry_type == "manual" && organisation.is_some()) {
        f.text("key", organisation.or(Some(title_key)));
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
    let howpublished = howpublished(p);

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
        "book" => {
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

fn iso_date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
