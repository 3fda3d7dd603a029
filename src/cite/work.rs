//! What sort of work a resource is for citing, and the facts every writer shares: key,
//! title, dates, identifiers and pages, cleaned once.

use time::{Date, Month};

use super::latex::normalize_text;
use super::warning::{ExportWarning, Problem};
use crate::domain::{Resource, ResourceData, ResourceKind};

/// The attribute that keeps a BibTeX entry type no resource kind tells apart
/// (`proceedings`, a book of conference papers).
pub const ENTRY_TYPE: &str = "entrytype";

/// The bibliographic sort of a resource: its [`ResourceKind`] refined by the fields it has
/// (a paper with a journal is a journal article, with a booktitle a conference paper, with
/// only an arXiv identifier a preprint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    JournalArticle,
    ConferencePaper,
    Preprint,
    /// A paper with no venue and no arXiv identifier.
    Paper,
    /// A non-research article in a magazine or periodical.
    MagazineArticle,
    Book,
    /// The proceedings of a conference as one volume (imported from `@proceedings`).
    Proceedings,
    Report,
    Documentation,
    Software,
    Repository,
    Dataset,
    Video,
    Course,
    Tutorial,
    Notebook,
    BlogPost,
    WebPage,
}

impl Work {
    pub(crate) fn of(data: &ResourceData) -> Work {
        let has = |field: &Option<String>| field.as_deref().is_some_and(|v| !v.trim().is_empty());
        match data.kind_or_default() {
            ResourceKind::Paper | ResourceKind::Survey => {
                if has(&data.journal) {
                    Work::JournalArticle
                } else if has(&data.booktitle) {
                    Work::ConferencePaper
                } else if has(&data.arxiv_id) {
                    Work::Preprint
                } else {
                    Work::Paper
                }
            }
            ResourceKind::Article if has(&data.journal) => Work::MagazineArticle,
            ResourceKind::Article | ResourceKind::Webpage => Work::WebPage,
            ResourceKind::Book
                if data
                    .attributes
                    .get(ENTRY_TYPE)
                    .is_some_and(|t| t == "proceedings") =>
            {
                Work::Proceedings
            }
            ResourceKind::Book => Work::Book,
            ResourceKind::Report => Work::Report,
            ResourceKind::Documentation => Work::Documentation,
            ResourceKind::Software => Work::Software,
            ResourceKind::Repository => Work::Repository,
            ResourceKind::Dataset => Work::Dataset,
            ResourceKind::Video => Work::Video,
            ResourceKind::Course => Work::Course,
            ResourceKind::Tutorial => Work::Tutorial,
            ResourceKind::Notebook => Work::Notebook,
            ResourceKind::Post => Work::BlogPost,
        }
    }

    /// Whether the work lives on the web and is cited with the date it was accessed:
    /// everything but papers, books, reports and magazine articles.
    pub(crate) fn is_online(self) -> bool {
        !matches!(
            self,
            Work::JournalArticle
                | Work::ConferencePaper
                | Work::Preprint
                | Work::Paper
                | Work::MagazineArticle
                | Work::Book
                | Work::Proceedings
                | Work::Report
        )
    }
}

/// The facts of one resource, cleaned for export.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    pub data: &'a ResourceData,
    pub key: String,
    pub work: Work,
    /// Normalised, never empty; may hold raw LaTeX spans ([`crate::domain::latex_spans`]).
    pub title: String,
    /// The title as a reader sees it: raw LaTeX spans as plain text.
    pub plain_title: String,
    pub year: Option<i32>,
    /// 1 to 12, only with a year.
    pub month: Option<u8>,
    /// When the URL was accessed: `urldate`, only when someone gave one (lore never
    /// invents an access date).
    pub accessed: Option<Date>,
    /// The day lore recorded the resource (`created_at`): the year of last resort for an
    /// undated online work.
    pub recorded: Option<Date>,
    /// Safe to write raw (see [`raw_value`]).
    pub url: Option<String>,
    /// Bare, without a resolver prefix.
    pub doi: Option<String>,
    pub arxiv_id: Option<String>,
    pub arxiv_class: Option<String>,
    /// First and last page.
    pub pages: Option<(String, Option<String>)>,
    /// ISBN-10 or ISBN-13 with a valid check digit, as given.
    pub isbn: Option<String>,
    pub warnings: Vec<ExportWarning>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(resource: &'a Resource) -> Prepared<'a> {
        let data = &resource.data;
        let mut warnings = Vec::new();
        let key = match &data.citation_key {
            Some(key) => key.as_str().to_owned(),
            None => {
                let key = resource.slug.as_str().to_owned();
                warnings.push(ExportWarning {
                    key: key.clone(),
                    field: None,
                    problem: Problem::MissingKey,
                });
                key
            }
        };
        let warn = |warnings: &mut Vec<ExportWarning>, field, problem| {
            warnings.push(ExportWarning {
                key: key.clone(),
                field: Some(field),
                problem,
            })
        };
        let work = Work::of(data);

        let mut title = normalize_text(&data.title);
        if title.is_empty() {
            title = data
                .url
                .clone()
                .unwrap_or_else(|| resource.slug.as_str().to_owned());
            warn(
                &mut warnings,
                "title",
                Problem::EmptyTitle {
                    used: title.clone(),
                },
            );
        }

        let year = data.year;
        let month = data
            .month
            .filter(|m| (1..=12).contains(m) && year.is_some());

        let mut url = clean(&data.url).map(|u| raw_value(&u, "url", &key, &mut warnings));
        let doi = clean(&data.doi)
            .map(|d| strip_doi_prefix(&d).to_owned())
            .filter(|d| !d.is_empty())
            .map(|d| raw_value(&d, "doi", &key, &mut warnings));
        let arxiv_id = clean(&data.arxiv_id)
            .map(|a| strip_prefix_ignore_case(&a, "arxiv:").trim().to_owned())
            .filter(|a| !a.is_empty())
            .map(|a| raw_value(&a, "eprint", &key, &mut warnings));
        let arxiv_class = clean(&data.arxiv_class)
            .filter(|_| arxiv_id.is_some())
            .map(|c| raw_value(&c, "primaryClass", &key, &mut warnings));
        if url.is_none() {
            url = arxiv_id
                .as_ref()
                .map(|id| format!("https://arxiv.org/abs/{id}"));
        }

        // A malformed urldate is reported and treated as missing.
        let stored_urldate = clean(&data.urldate).and_then(|raw| {
            let date = parse_iso_date(&raw);
            if date.is_none() {
                warn(
                    &mut warnings,
                    "urldate",
                    Problem::Invalid {
                        value: raw,
                        expected: "a date YYYY-MM-DD",
                    },
                );
            }
            date
        });
        let accessed = stored_urldate.filter(|_| url.is_some());
        let recorded = resource.created_at.get(..10).and_then(parse_iso_date);
        // Every arXiv paper has a DataCite DOI, `10.48550/arXiv.ID` (arXiv, "Understanding
        // the arXiv identifier"); a preprint without another DOI is cited with it.
        let doi = doi.or_else(|| {
            arxiv_id
                .as_ref()
                .filter(|_| work == Work::Preprint)
                .map(|id| format!("10.48550/arXiv.{id}"))
        });

        let pages = clean(&data.pages).map(|p| split_pages(&p));
        let isbn = clean(&data.isbn).and_then(|raw| {
            if isbn_is_valid(&raw) {
                Some(raw)
            } else {
                warn(
                    &mut warnings,
                    "isbn",
                    Problem::Invalid {
                        value: raw,
                        expected: "an ISBN with a valid check digit",
                    },
                );
                None
            }
        });

        Prepared {
            data,
            key,
            work,
            plain_title: crate::domain::latex_span::plain(&title),
            title,
            year,
            month,
            accessed,
            recorded,
            url,
            doi,
            arxiv_id,
            arxiv_class,
            pages,
            isbn,
            warnings,
        }
    }

    /// Records a warning about `field` of this entry.
    pub(crate) fn warn(&mut self, field: Option<&'static str>, problem: Problem) {
        self.warnings.push(ExportWarning {
            key: self.key.clone(),
            field,
            problem,
        });
    }

    /// A trimmed, normalised text field, `None` when empty.
    pub(crate) fn text(&self, field: &Option<String>) -> Option<String> {
        field
            .as_deref()
            .map(normalize_text)
            .filter(|v| !v.is_empty())
    }

    /// The publisher, else the institution: the organisation behind a web resource.
    pub(crate) fn organisation(&self) -> Option<String> {
        self.text(&self.data.publisher)
            .or_else(|| self.text(&self.data.institution))
            .or_else(|| self.attribute("organization"))
    }

    /// A bibliographic attribute kept from an import (`version`, `edition`, `abstract`,
    /// `eventdate`, `date`, `editor`, `organization`), trimmed and normalised.
    pub(crate) fn attribute(&self, name: &str) -> Option<String> {
        self.data
            .attributes
            .get(name)
            .map(|v| normalize_text(v))
            .filter(|v| !v.is_empty())
    }
}

fn clean(field: &Option<String>) -> Option<String> {
    field
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> &'s str {
    match s.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &s[prefix.len()..],
        _ => s,
    }
}

/// `https://doi.org/10.1/x`, `doi:10.1/x` → `10.1/x`.
pub(crate) fn strip_doi_prefix(doi: &str) -> &str {
    let mut rest = doi.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
    ] {
        rest = strip_prefix_ignore_case(rest, prefix).trim_start();
    }
    rest
}

/// A value written raw (never LaTeX-escaped) in `url`, `doi` and `eprint`. In a URL,
/// characters RFC 3986 does not allow (space, `" < > \ ^ ` { | }`, controls and non-ASCII)
/// are percent-encoded as UTF-8, so braces stay balanced and `\url` reads it; everything
/// else, including `% _ # ~ &`, is kept byte for byte. A DOI or an arXiv identifier is a
/// name, not a URL: only what would break the field (braces, backslash, white space,
/// controls, non-ASCII) is encoded, and `<`, `>`, `;` of old SICI DOIs stay.
pub(crate) fn raw_value(
    value: &str,
    field: &'static str,
    key: &str,
    warnings: &mut Vec<ExportWarning>,
) -> String {
    let unsafe_chars = if field == "url" {
        "\"<>\\^`{|}"
    } else {
        "\\{}"
    };
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let safe = c.is_ascii_graphic() && !unsafe_chars.contains(c);
        if safe {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out != value {
        warnings.push(ExportWarning {
            key: key.to_owned(),
            field: Some(field),
            problem: Problem::PercentEncoded {
                original: value.to_owned(),
                written: out.clone(),
            },
        });
    }
    out
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_iso_date(raw: &str) -> Option<Date> {
    let bytes = raw.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = raw[..4].parse().ok()?;
    let month: u8 = raw[5..7].parse().ok()?;
    let day: u8 = raw[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Splits `91--99`, `91–99`, `91-99` into first and last page; a single page or an
/// article number has no last page.
pub(crate) fn split_pages(raw: &str) -> (String, Option<String>) {
    let normalised = normalize_text(raw);
    for sep in ["--", "–", "—", "-"] {
        if let Some((first, last)) = normalised.split_once(sep) {
            let (first, last) = (first.trim(), last.trim().trim_start_matches('-').trim());
            if !first.is_empty() && !last.is_empty() {
                return (first.to_owned(), Some(last.to_owned()));
            }
        }
    }
    (normalised, None)
}

/// Whether an ISBN-10 or ISBN-13 (hyphens and spaces allowed) has a valid check digit,
/// as biber's data model checks it.
pub(crate) fn isbn_is_valid(raw: &str) -> bool {
    let chars: Vec<char> = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    match chars.len() {
        10 => {
            let mut sum = 0;
            for (i, c) in chars.iter().enumerate() {
                let v = match (i, c) {
                    (9, 'X' | 'x') => 10,
                    (_, c) => match c.to_digit(10) {
                        Some(d) => d,
                        None => return false,
                    },
                };
                sum += v * (10 - i as u32);
            }
            sum % 11 == 0
        }
        13 => {
            let mut sum = 0;
            for (i, c) in chars.iter().enumerate() {
                let Some(d) = c.to_digit(10) else {
                    return false;
                };
                sum += if i % 2 == 0 { d } else { 3 * d };
            }
            sum % 10 == 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_are_refined_by_their_venue() {
        let paper = |journal: Option<&str>, booktitle: Option<&str>, arxiv: Option<&str>| {
            Work::of(&ResourceData {
                kind: Some(ResourceKind::Paper),
                journal: journal.map(Into::into),
                booktitle: booktitle.map(Into::into),
                arxiv_id: arxiv.map(Into::into),
                ..ResourceData::default()
            })
        };
        assert_eq!(
            paper(Some("IEEE Access"), None, Some("1")),
            Work::JournalArticle
        );
        assert_eq!(
            paper(None, Some("NeurIPS"), Some("1")),
            Work::ConferencePaper
        );
        assert_eq!(paper(None, None, Some("2212.13881")), Work::Preprint);
        assert_eq!(paper(None, None, None), Work::Paper);
        assert_eq!(Work::of(&ResourceData::default()), Work::WebPage);
    }

    #[test]
    fn raw_values_keep_uri_characters_byte_for_byte() {
        let mut w = Vec::new();
        let url = "https://ex.org/a%20b_c/~d?e=1&f=2#g";
        assert_eq!(raw_value(url, "url", "k", &mut w), url);
        assert!(w.is_empty());
        assert_eq!(
            raw_value("https://ex.org/a b{c}/é", "url", "k", &mut w),
            "https://ex.org/a%20b%7Bc%7D/%C3%A9"
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn doi_prefixes_are_stripped() {
        assert_eq!(
            strip_doi_prefix("https://doi.org/10.1109/X.1"),
            "10.1109/X.1"
        );
        assert_eq!(strip_doi_prefix("doi: 10.1109/X.1"), "10.1109/X.1");
        assert_eq!(strip_doi_prefix("10.1109/X.1"), "10.1109/X.1");
    }

    #[test]
    fn pages_split_on_any_dash() {
        assert_eq!(split_pages("91--99"), ("91".into(), Some("99".into())));
        assert_eq!(split_pages("91–99"), ("91".into(), Some("99".into())));
        assert_eq!(split_pages("e1234"), ("e1234".into(), None));
    }

    #[test]
    fn isbn_check_digits() {
        assert!(isbn_is_valid("978-0-262-03561-3"));
        assert!(isbn_is_valid("0-262-03561-8"));
        assert!(!isbn_is_valid("978-0-262-03561-4"));
        assert!(!isbn_is_valid("12345"));
    }

    #[test]
    fn dates_must_exist() {
        assert!(parse_iso_date("2024-02-29").is_some());
        assert!(parse_iso_date("2023-02-29").is_none());
        assert!(parse_iso_date("2024-1-2").is_none());
    }
}
