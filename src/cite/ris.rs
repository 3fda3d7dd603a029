//! The RIS writer, per the RIS format specification (Research Information Systems,
//! "RIS Format Specifications", 2011 revision): reference types (`TY`), tags and the
//! `XX  - value` line form.
//!
//! Lines end with CR LF, as the specification requires and as EndNote, Zotero, Mendeley
//! and citation-js all read; records end with `ER  - ` and are separated by one blank line.
//! Text is UTF-8 (NFC, white space collapsed onto one line) without a byte-order mark;
//! RIS has no escaping.

use super::latex::normalize_text;
use super::warning::Exported;
use super::work::{Prepared, Work};
use crate::domain::{Person, Resource};

/// The line end RIS requires.
pub const LINE_END: &str = "\r\n";

/// Writes one record, ending with `ER  - ` and a line end.
pub fn write_record(resource: &Resource) -> Exported {
    let p = Prepared::new(resource);
    let data = p.data;
    let mut out = Lines::default();
    out.tag("TY", Some(ris_type(p.work).to_owned()));
    out.tag("ID", Some(p.key.clone()));
    for person in &data.authors {
        out.tag("AU", ris_name(person));
    }
    out.tag("TI", Some(p.plain_title.clone()));
    let secondary = match p.work {
        Work::JournalArticle | Work::MagazineArticle => p.text(&data.journal),
        Work::ConferencePaper => p.text(&data.booktitle),
        _ => None,
    };
    out.tag("T2", secondary);
    out.tag("PY", p.year.map(|y| format!("{y:04}")));
    out.tag(
        "DA",
        p.year.map(|y| match p.month {
            Some(m) => format!("{y:04}/{m:02}"),
            None => format!("{y:04}"),
        }),
    );
    out.tag("VL", p.text(&data.volume));
    out.tag(
        "IS",
        p.text(&data.number).filter(|_| p.work != Work::Report),
    );
    out.tag(
        "M1",
        p.text(&data.number).filter(|_| p.work == Work::Report),
    );
    if let Some((first, last)) = &p.pages {
        out.tag("SP", Some(first.clone()));
        out.tag("EP", last.clone());
    }
    let publisher = match p.work {
        Work::Preprint => Some("arXiv".to_owned()),
        Work::JournalArticle | Work::MagazineArticle => None,
        _ => p.organisation(),
    };
    out.tag("PB", publisher);
    out.tag("SN", p.isbn.clone());
    out.tag("DO", p.doi.clone());
    out.tag("UR", p.url.clone());
    // Access date: Zotero's and EndNote's reading of the 2011 tags.
    out.tag(
        "Y2",
        p.accessed
            .map(|d| format!("{:04}/{:02}/{:02}", d.year(), u8::from(d.month()), d.day())),
    );
    if let Some(id) = &p.arxiv_id {
        let class = p
            .arxiv_class
            .as_ref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        out.tag("N1", Some(format!("arXiv:{id}{class}")));
    }
    // Edition (`ET`, which Zotero also reads as a program's version) and abstract (`AB`).
    out.tag(
        "ET",
        p.attribute("edition").or_else(|| p.attribute("version")),
    );
    out.tag("AB", p.attribute("abstract"));
    out.tag("ER", Some(String::new()));
    Exported {
        text: out.text,
        warnings: p.warnings,
    }
}

/// Writes the resources as RIS records in the order given, one blank line apart.
pub fn write_ris<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Exported {
    let mut out = Exported::default();
    for (i, resource) in resources.into_iter().enumerate() {
        let record = write_record(resource);
        if i > 0 {
            out.text.push_str(LINE_END);
        }
        out.text.push_str(&record.text);
        out.warnings.extend(record.warnings);
    }
    out
}

/// The RIS reference type for a work.
fn ris_type(work: Work) -> &'static str {
    match work {
        Work::JournalArticle => "JOUR",
        Work::ConferencePaper => "CPAPER",
        Work::Preprint => "UNPB",
        Work::Paper => "GEN",
        Work::MagazineArticle => "MGZN",
        Work::Book => "BOOK",
        Work::Proceedings => "CONF",
        Work::Report => "RPRT",
        Work::Software | Work::Repository => "COMP",
        Work::Dataset => "DATA",
        Work::Video => "VIDEO",
        Work::BlogPost => "BLOG",
        Work::Documentation | Work::Course | Work::Tutorial | Work::Notebook | Work::WebPage => {
            "ELEC"
        }
    }
}

/// `Family, Given` or `Family, Given, Suffix`, the particle before the family name
/// ("van der Maaten, Laurens"); an organisation as it is.
fn ris_name(person: &Person) -> Option<String> {
    let clean = |field: &Option<String>| {
        field
            .as_deref()
            .map(normalize_text)
            .filter(|v| !v.is_empty())
    };
    if let Some(literal) = clean(&person.literal) {
        return Some(literal);
    }
    let family = match (clean(&person.particle), clean(&person.family)) {
        (Some(particle), Some(family)) => format!("{particle} {family}"),
        (None, Some(family)) => family,
        (_, None) => return clean(&person.given),
    };
    Some(match (clean(&person.given), clean(&person.suffix)) {
        (Some(given), Some(suffix)) => format!("{family}, {given}, {suffix}"),
        (Some(given), None) => format!("{family}, {given}"),
        (None, Some(suffix)) => format!("{family}, , {suffix}"),
        (None, None) => family,
    })
}

#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    fn tag(&mut self, tag: &str, value: Option<String>) {
        if let Some(value) = value {
            let value = normalize_text(&value);
            if value.is_empty() && tag != "ER" {
                return;
            }
            self.text.push_str(tag);
            self.text.push_str("  - ");
            self.text.push_str(&value);
            self.text.push_str(LINE_END);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CitationKey, ResourceData, ResourceKind, Slug};

    #[test]
    fn a_conference_paper_is_a_cpaper_record_with_crlf_lines() {
        let resource = Resource {
            slug: Slug::parse("faster-r-cnn").unwrap(),
            data: ResourceData {
                kind: Some(ResourceKind::Paper),
                title: "Faster R-CNN".into(),
                authors: vec![
                    Person::parse("Shaoqing Ren").unwrap(),
                    Person::parse("Laurens van der Maaten").unwrap(),
                    Person::parse("King, Jr., Martin Luther").unwrap(),
                    Person::literal("Google Research"),
                ],
                year: Some(2015),
                booktitle: Some("Advances in Neural Information Processing Systems".into()),
                volume: Some("28".into()),
                pages: Some("91–99".into()),
                arxiv_id: Some("1506.01497".into()),
                arxiv_class: Some("cs.CV".into()),
                citation_key: Some(CitationKey::parse("ren2015faster").unwrap()),
                ..ResourceData::default()
            },
            version: 1,
            created_at: "2024-05-01T00:00:00Z".into(),
            updated_at: "2024-05-01T00:00:00Z".into(),
        };
        let record = write_record(&resource);
        assert!(record.warnings.is_empty());
        let expected = [
            "TY  - CPAPER",
            "ID  - ren2015faster",
            "AU  - Ren, Shaoqing",
            "AU  - van der Maaten, Laurens",
            "AU  - King, Martin Luther, Jr.",
            "AU  - Google Research",
            "TI  - Faster R-CNN",
            "T2  - Advances in Neural Information Processing Systems",
            "PY  - 2015",
            "DA  - 2015",
            "VL  - 28",
            "SP  - 91",
            "EP  - 99",
            "UR  - https://arxiv.org/abs/1506.01497",
            "N1  - arXiv:1506.01497 [cs.CV]",
            "ER  - ",
        ]
        .map(|line| format!("{line}\r\n"))
        .concat();
        assert_eq!(record.text, expected);
    }

    #[test]
    fn records_are_one_blank_line_apart() {
        let r = Resource {
            slug: Slug::parse("a").unwrap(),
            data: ResourceData {
                title: "A".into(),
                ..ResourceData::default()
            },
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let out = write_ris([&r, &r]);
        assert!(out.text.contains("ER  - \r\n\r\nTY  - ELEC\r\n"));
        assert!(!out.text.contains("\n\n\n"));
    }
}
