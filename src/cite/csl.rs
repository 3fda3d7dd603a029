//! The CSL-JSON writer, per the CSL 1.0.2 specification ("Appendix IV: Variables",
//! "Appendix III: Types", "Name-part Order") and its `csl-data.json` schema.
//!
//! Text is plain Unicode (NFC, white space collapsed): no LaTeX, no escaping. Dates are
//! `date-parts`; names have `family`, `given`, `non-dropping-particle` ("van der"),
//! `suffix`, or a `literal` for organisations. Unlike the BibTeX writer, an undated
//! resource stays undated: CSL processors print "n.d." themselves.

use serde::Serialize;

use super::latex::normalize_text;
use super::warning::{ExportWarning, Exported};
use super::work::{Prepared, Work};
use crate::domain::{Person, Resource};

/// One CSL-JSON item (CSL 1.0.2 `csl-data.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CslItem {
    /// The citation key.
    pub id: String,
    /// A CSL 1.0.2 item type: `article-journal`, `paper-conference`, `article` (a
    /// preprint), `book`, `report`, `webpage`, `post-weblog`, `software`, `dataset`,
    /// `motion_picture`, `article-magazine`.
    #[serde(rename = "type")]
    pub item_type: &'static str,
    /// The citation key again, as CSL 1.0.2's `citation-key` variable.
    #[serde(rename = "citation-key")]
    pub citation_key: String,
    /// Plain text, case kept.
    pub title: String,
    /// In order; an "et al." in the stored list is not represented.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<CslName>,
    /// Year, or year and month; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<CslDate>,
    /// When the URL was visited (the BibTeX `urldate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessed: Option<CslDate>,
    /// Journal, proceedings or web site.
    #[serde(rename = "container-title", skip_serializing_if = "Option::is_none")]
    pub container_title: Option<String>,
    /// Publisher, institution, or `arXiv` for a preprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The sort of item within its type ("Preprint", "Online course", "GitHub repository").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Volume of a journal, proceedings or book series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// The journal issue (the stored `number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Page range with a hyphen, `91-99`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Report number, or `arXiv:ID` for a preprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Bare DOI.
    #[serde(rename = "DOI", skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// ISBN with a valid check digit.
    #[serde(rename = "ISBN", skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    /// The stored URL (for a preprint without one, its arXiv abstract page).
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Version of software (the imported `version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Edition (the imported `edition`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// When the event took place (the imported `eventdate`, `YYYY-MM-DD` or a range
    /// `YYYY-MM-DD/YYYY-MM-DD`).
    #[serde(rename = "event-date", skip_serializing_if = "Option::is_none")]
    pub event_date: Option<CslDate>,
    /// The imported `abstract`.
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    pub abstract_: Option<String>,
}

/// A date or a range of dates, `YYYY[-MM[-DD]]` with an optional `/` and a second one,
/// as CSL `date-parts`; `None` when a part is not a number.
fn csl_date_range(raw: &str) -> Option<CslDate> {
    let parts = |date: &str| -> Option<Vec<i32>> {
        let parts: Option<Vec<i32>> = date.split('-').map(|p| p.parse().ok()).collect();
        parts.filter(|p| (1..=3).contains(&p.len()))
    };
    let date_parts = raw
        .split('/')
        .map(|d| parts(d.trim()))
        .collect::<Option<Vec<_>>>()?;
    (1..=2)
        .contains(&date_parts.len())
        .then_some(CslDate { date_parts })
}

/// A CSL name: personal (family, given and particles) or literal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CslName {
    /// Family name without particle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// A particle kept with the family name when only the family name is shown
    /// ("van der Maaten").
    #[serde(
        rename = "non-dropping-particle",
        skip_serializing_if = "Option::is_none"
    )]
    pub non_dropping_particle: Option<String>,
    /// "Jr.", "III".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// An organisation's whole name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// A CSL date: `{"date-parts": [[2015, 9]]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CslDate {
    /// One date: `[[year]]`, `[[year, month]]` or `[[year, month, day]]`.
    #[serde(rename = "date-parts")]
    pub date_parts: Vec<Vec<i32>>,
}

/// Maps one resource to a CSL item, with the warnings of its preparation (missing key,
/// percent-encoded URL, malformed ISBN or access date).
pub fn to_csl(resource: &Resource) -> (CslItem, Vec<ExportWarning>) {
    let p = Prepared::new(resource);
    let data = p.data;
    let organisation = p.organisation();
    let (item_type, genre) = match p.work {
        Work::JournalArticle => ("article-journal", None),
        Work::ConferencePaper => ("paper-conference", None),
        Work::Preprint => ("article", Some("Preprint")),
        Work::Paper => ("article", None),
        Work::MagazineArticle => ("article-magazine", None),
        // CSL 1.0.2 has no proceedings type; a volume of papers is a book.
        Work::Book | Work::Proceedings => ("book", None),
        Work::Report => ("report", Some("Technical report")),
        Work::Documentation => ("webpage", Some("Documentation")),
        Work::Software => ("software", None),
        Work::Repository => ("software", Some("Source code repository")),
        Work::Dataset => ("dataset", None),
        Work::Video => ("motion_picture", Some("Video")),
        Work::Course => ("webpage", Some("Online course")),
        Work::Tutorial => ("webpage", Some("Tutorial")),
        Work::Notebook => ("webpage", Some("Notebook")),
        Work::BlogPost => ("post-weblog", None),
        Work::WebPage => ("webpage", None),
    };
    // Web sites are containers in CSL ("container-title" of a webpage is the site);
    // software, data sets and books have publishers.
    let (container_title, publisher) = match p.work {
        Work::JournalArticle | Work::MagazineArticle => (p.text(&data.journal), None),
        Work::ConferencePaper => (p.text(&data.booktitle), p.text(&data.publisher)),
        Work::Preprint => (None, Some("arXiv".to_owned())),
        Work::Report => (None, organisation),
        Work::Book
        | Work::Proceedings
        | Work::Software
        | Work::Repository
        | Work::Dataset
        | Work::Paper => (None, organisation),
        Work::Documentation
        | Work::Video
        | Work::Course
        | Work::Tutorial
        | Work::Notebook
        | Work::BlogPost
        | Work::WebPage => (organisation, None),
    };
    let number = match p.work {
        Work::Preprint => p.arxiv_id.as_ref().map(|id| format!("arXiv:{id}")),
        Work::Report => p.text(&data.number),
        _ => None,
    };
    let issue = match p.work {
        Work::Report | Work::Preprint => None,
        _ => p.text(&data.number),
    };
    let item = CslItem {
        id: p.key.clone(),
        item_type,
        citation_key: p.key.clone(),
        title: p.plain_title.clone(),
        author: data.authors.iter().filter_map(csl_name).collect(),
        // A full imported date (`2022-06-14`) of the same year gives the day too.
        issued: p
            .attribute("date")
            .filter(|d| super::work::parse_iso_date(d).is_some())
            .filter(|d| p.year.is_some_and(|y| d.starts_with(&format!("{y:04}-"))))
            .and_then(|d| csl_date_range(&d))
            .or_else(|| {
                p.year.map(|y| CslDate {
                    date_parts: vec![match p.month {
                        Some(m) => vec![y, i32::from(m)],
                        None => vec![y],
                    }],
                })
            }),
        accessed: p.accessed.map(|d| CslDate {
            date_parts: vec![vec![
                d.year(),
                i32::from(u8::from(d.month())),
                i32::from(d.day()),
            ]],
        }),
        container_title,
        publisher,
        genre: genre.map(str::to_owned),
        volume: p.text(&data.volume),
        issue,
        page: p.pages.as_ref().map(|(first, last)| match last {
            Some(last) => format!("{first}-{last}"),
            None => first.clone(),
        }),
        number,
        doi: p.doi.clone(),
        isbn: p.isbn.clone(),
        url: p.url.clone(),
        version: p.attribute("version"),
        edition: p.attribute("edition"),
        event_date: p.attribute("eventdate").and_then(|d| csl_date_range(&d)),
        abstract_: p.attribute("abstract"),
    };
    (item, p.warnings)
}

/// Writes a CSL-JSON array of the resources, in the order given, pretty-printed with a
/// final line break.
pub fn write_csl_json<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Exported {
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    for resource in resources {
        let (item, w) = to_csl(resource);
        items.push(item);
        warnings.extend(w);
    }
    let mut text = serde_json::to_string_pretty(&items).expect("CSL items serialise");
    text.push('\n');
    Exported { text, warnings }
}

fn csl_name(person: &Person) -> Option<CslName> {
    let clean = |field: &Option<String>| {
        field
            .as_deref()
            .map(normalize_text)
            .filter(|v| !v.is_empty())
    };
    if let Some(literal) = clean(&person.literal) {
        return Some(CslName {
            literal: Some(literal),
            ..CslName::default()
        });
    }
    let name = CslName {
        family: clean(&person.family),
        given: clean(&person.given),
        non_dropping_particle: clean(&person.particle),
        suffix: clean(&person.suffix),
        literal: None,
    };
    match (&name.family, &name.given) {
        (None, None) => None,
        // A single name stored as given ("Plato") is a family name in CSL.
        (None, Some(given)) => Some(CslName {
            family: Some(given.clone()),
            given: None,
            ..name
        }),
        _ => Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CitationKey, ResourceData, ResourceKind, Slug};

    fn resource(data: ResourceData) -> Resource {
        Resource {
            slug: Slug::parse("x").unwrap(),
            data,
            version: 1,
            created_at: "2024-05-01T00:00:00Z".into(),
            updated_at: "2024-05-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_journal_article_maps_to_article_journal() {
        let (item, warnings) = to_csl(&resource(ResourceData {
            kind: Some(ResourceKind::Survey),
            title: "A Survey of Deep Learning-based Object Detection".into(),
            authors: vec![Person::parse("Licheng Jiao").unwrap()],
            year: Some(2019),
            journal: Some("IEEE Access".into()),
            volume: Some("7".into()),
            pages: Some("128837--128868".into()),
            doi: Some("https://doi.org/10.1109/ACCESS.2019.2939201".into()),
            citation_key: Some(CitationKey::parse("jiao2019survey").unwrap()),
            ..ResourceData::default()
        }));
        assert!(warnings.is_empty());
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["type"], "article-journal");
        assert_eq!(json["id"], "jiao2019survey");
        assert_eq!(json["container-title"], "IEEE Access");
        assert_eq!(json["issued"]["date-parts"][0][0], 2019);
        assert_eq!(json["page"], "128837-128868");
        assert_eq!(json["DOI"], "10.1109/ACCESS.2019.2939201");
        assert_eq!(json["author"][0]["family"], "Jiao");
        assert!(json.get("accessed").is_none());
    }

    #[test]
    fn names_keep_particles_suffixes_and_literals() {
        let p = Person::parse("Laurens van der Maaten").unwrap();
        let n = csl_name(&p).unwrap();
        assert_eq!(n.non_dropping_particle.as_deref(), Some("van der"));
        assert_eq!(n.family.as_deref(), Some("Maaten"));
        let n = csl_name(&Person::literal("Google Research")).unwrap();
        assert_eq!(n.literal.as_deref(), Some("Google Research"));
        let n = csl_name(&Person::parse("King, Jr., Martin Luther").unwrap()).unwrap();
        assert_eq!(n.suffix.as_deref(), Some("Jr."));
    }

    #[test]
    fn an_undated_web_page_has_neither_an_access_date_nor_an_issued_date() {
        let (item, _) = to_csl(&resource(ResourceData {
            kind: Some(ResourceKind::Tutorial),
            title: "Learning PyTorch with Examples".into(),
            url: Some("https://pytorch.org/tutorials/".into()),
            publisher: Some("PyTorch".into()),
            ..ResourceData::default()
        }));
        assert_eq!(item.item_type, "webpage");
        assert!(item.issued.is_none());
        assert_eq!(item.accessed, None, "never the day lore recorded it");
        assert_eq!(item.container_title.as_deref(), Some("PyTorch"));
    }
}
