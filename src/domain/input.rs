//! What API clients send to create or replace records, and its parsing into the data
//! model. Every problem is reported, each naming its field, so a client can fix them all
//! at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Category, CitationKey, ConceptData, Level, Person, ResourceData, ResourceKind, Slug};

/// Longest title or name, in characters.
pub const MAX_TITLE: usize = 500;
/// Longest description or definition, in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest short field (journal, pages, ...) or URL, in characters.
pub const MAX_FIELD: usize = 2_000;

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    /// JSON path of the field, e.g. `authors[1].family`.
    pub field: String,
    pub message: String,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> InvalidField {
    InvalidField {
        field: field.into(),
        message: message.into(),
    }
}

/// A resource as clients write it (`POST /resources`, `PUT /resources/{slug}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    /// Requested slug; derived from the title when absent. Only on create: slugs never change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// 1 to 500 characters.
    pub title: String,
    /// Defaults to `webpage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ResourceKind>,
    /// An absolute `http` or `https` URL, kept byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Markdown, up to 20 000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Authors in order; each needs a `family` name or a `literal` one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Person>,
    /// The author list is cut short ("et al.").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authors_truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 9999)]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 12)]
    pub month: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booktitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// A DOI (`10.1109/ACCESS.2019.2939201`); a `https://doi.org/` prefix is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// An arXiv identifier (`1506.01497`, `arXiv:1506.01497v3`, `cs/0112017`); the prefix
    /// and version are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arxiv_id: Option<String>,
    /// arXiv primary class (`cs.CV`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arxiv_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    /// When the URL was visited, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urldate: Option<String>,
    /// The key to cite it by; issued from the first author, year and title when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation_key: Option<String>,
    /// Other fields, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// A concept as clients write it (`POST /concepts`, `PUT /concepts/{slug}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConceptInput {
    /// Requested slug; derived from the name when absent. Only on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// 1 to 500 characters.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Markdown, up to 20 000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Keys of works the definition cites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citation_keys: Vec<String>,
}

/// Collects field problems while parsing.
#[derive(Default)]
struct Problems(Vec<InvalidField>);

impl Problems {
    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let value = value?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.chars().count() > max {
            self.0
                .push(invalid(field, format!("at most {max} characters")));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.0
                .push(invalid(field, "control characters are not allowed"));
        }
        Some(trimmed.to_owned())
    }

    fn required(&mut self, field: &str, value: String) -> String {
        match self.text(field, Some(value), MAX_TITLE) {
            Some(text) => text,
            None => {
                self.0.push(invalid(field, "must not be empty"));
                String::new()
            }
        }
    }

    fn slug(&mut self, value: Option<String>) -> Option<Slug> {
        let raw = value?;
        match Slug::parse(&raw) {
            Ok(slug) => Some(slug),
            Err(err) => {
                self.0.push(invalid("slug", err.to_string()));
                None
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<InvalidField>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// A DOI without resolver prefix, or `None` when it is not one.
fn parse_doi(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let bare = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|prefix| raw.strip_prefix(prefix))
    .unwrap_or(raw);
    let (prefix, suffix) = bare.split_once('/')?;
    let registrant = prefix.strip_prefix("10.")?;
    let ok = !registrant.is_empty()
        && registrant.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !suffix.is_empty()
        && !suffix.chars().any(char::is_whitespace);
    ok.then(|| bare.to_owned())
}

/// An arXiv identifier without prefix or version, or `None` when it is not one.
fn parse_arxiv_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let id = raw
        .strip_prefix("arXiv:")
        .or_else(|| raw.strip_prefix("arxiv:"))
        .unwrap_or(raw);
    let id = match id.rfind('v') {
        Some(i) if i > 0 && id[i + 1..].bytes().all(|b| b.is_ascii_digit()) && i + 1 < id.len() => {
            &id[..i]
        }
        _ => id,
    };
    let new_style = id.split_once('.').is_some_and(|(yymm, number)| {
        yymm.len() == 4
            && yymm.bytes().all(|b| b.is_ascii_digit())
            && (4..=5).contains(&number.len())
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    let old_style = id.split_once('/').is_some_and(|(archive, number)| {
        !archive.is_empty()
            && archive
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'.' || b.is_ascii_uppercase())
            && number.len() == 7
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    (new_style || old_style).then(|| id.to_owned())
}

fn valid_url(raw: &str) -> bool {
    url::Url::parse(raw)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn valid_date(raw: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format).is_ok()
}

impl ResourceInput {
    /// Parses the input into resource data and the requested slug.
    ///
    /// # Errors
    /// Every invalid field, each with its JSON path and what is expected.
    pub fn parse(self) -> Result<(ResourceData, Option<Slug>), Vec<InvalidField>> {
        let mut p = Problems::default();
        let slug = p.slug(self.slug);
        let title = p.required("title", self.title);
        let url = p.text("url", self.url, MAX_FIELD);
        if let Some(url) = &url
            && !valid_url(url)
        {
            p.0.push(invalid("url", "must be an absolute http or https URL"));
        }
        for (i, author) in self.authors.iter().enumerate() {
            let named = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
            if !named(&author.family) && !named(&author.literal) {
                p.0.push(invalid(
                    format!("authors[{i}]"),
                    "needs a `family` or a `literal` name",
                ));
            }
            if named(&author.literal) && (named(&author.family) || named(&author.given)) {
                p.0.push(invalid(
                    format!("authors[{i}]"),
                    "a `literal` name stands alone",
                ));
            }
        }
        if let Some(year) = self.year
            && !(1..=9999).contains(&year)
        {
            p.0.push(invalid("year", "must be from 1 to 9999"));
        }
        if let Some(month) = self.month
            && !(1..=12).contains(&month)
        {
            p.0.push(invalid("month", "must be from 1 to 12"));
        }
        let doi = p.text("doi", self.doi, MAX_FIELD).and_then(|raw| {
            let doi = parse_doi(&raw);
            if doi.is_none() {
                p.0.push(invalid(
                    "doi",
                    "must be a DOI such as 10.1109/ACCESS.2019.2939201",
                ));
            }
            doi
        });
        let arxiv_id = p.text("arxiv_id", self.arxiv_id, 64).and_then(|raw| {
            let id = parse_arxiv_id(&raw);
            if id.is_none() {
                p.0.push(invalid(
                    "arxiv_id",
                    "must be an arXiv identifier such as 1506.01497",
                ));
            }
            id
        });
        let urldate = p.text("urldate", self.urldate, 10);
        if let Some(date) = &urldate
            && !valid_date(date)
        {
            p.0.push(invalid("urldate", "must be a date YYYY-MM-DD"));
        }
        let citation_key = p
            .text("citation_key", self.citation_key, 200)
            .and_then(|raw| match CitationKey::parse(&raw) {
                Ok(key) => Some(key),
                Err(err) => {
                    p.0.push(invalid("citation_key", err.to_string()));
                    None
                }
            });
        let mut attributes = BTreeMap::new();
        for (name, value) in self.attributes {
            let field = format!("attributes.{name}");
            if name.trim().is_empty() || name.chars().count() > 100 {
                p.0.push(invalid(&field, "attribute names are 1 to 100 characters"));
            }
            if let Some(value) = p.text(&field, Some(value), MAX_FIELD) {
                attributes.insert(name, value);
            }
        }
        let data = ResourceData {
            kind: Some(self.kind.unwrap_or(ResourceKind::Webpage)),
            title,
            url,
            level: self.level,
            description: p.text("description", self.description, MAX_TEXT),
            authors: self.authors,
            authors_truncated: self.authors_truncated,
            year: self.year,
            month: self.month,
            journal: p.text("journal", self.journal, MAX_FIELD),
            booktitle: p.text("booktitle", self.booktitle, MAX_FIELD),
            publisher: p.text("publisher", self.publisher, MAX_FIELD),
            institution: p.text("institution", self.institution, MAX_FIELD),
            volume: p.text("volume", self.volume, MAX_FIELD),
            number: p.text("number", self.number, MAX_FIELD),
            pages: p.text("pages", self.pages, MAX_FIELD),
            doi,
            arxiv_id,
            arxiv_class: p.text("arxiv_class", self.arxiv_class, 64),
            isbn: p.text("isbn", self.isbn, 64),
            urldate,
            citation_key,
            attributes,
            provenance: None,
        };
        p.finish((data, slug))
    }

    /// The input that would recreate `data` (the basis of JSON merge patches).
    pub fn from_data(data: &ResourceData) -> Self {
        ResourceInput {
            slug: None,
            title: data.title.clone(),
            kind: data.kind,
            url: data.url.clone(),
            level: data.level,
            description: data.description.clone(),
            authors: data.authors.clone(),
            authors_truncated: data.authors_truncated,
            year: data.year,
            month: data.month,
            journal: data.journal.clone(),
            booktitle: data.booktitle.clone(),
            publisher: data.publisher.clone(),
            institution: data.institution.clone(),
            volume: data.volume.clone(),
            number: data.number.clone(),
            pages: data.pages.clone(),
            doi: data.doi.clone(),
            arxiv_id: data.arxiv_id.clone(),
            arxiv_class: data.arxiv_class.clone(),
            isbn: data.isbn.clone(),
            urldate: data.urldate.clone(),
            citation_key: data.citation_key.as_ref().map(ToString::to_string),
            attributes: data.attributes.clone(),
        }
    }
}

impl ConceptInput {
    /// Parses the input into concept data and the requested slug.
    ///
    /// # Errors
    /// Every invalid field, each with its JSON path and what is expected.
    pub fn parse(self) -> Result<(ConceptData, Option<Slug>), Vec<InvalidField>> {
        let mut p = Problems::default();
        let slug = p.slug(self.slug);
        let name = p.required("name", self.name);
        let mut aliases = Vec::new();
        for (i, alias) in self.aliases.into_iter().enumerate() {
            if let Some(alias) = p.text(&format!("aliases[{i}]"), Some(alias), MAX_TITLE) {
                aliases.push(alias);
            }
        }
        let mut citation_keys = Vec::new();
        for (i, key) in self.citation_keys.into_iter().enumerate() {
            match CitationKey::parse(key.trim()) {
                Ok(key) => citation_keys.push(key.to_string()),
                Err(err) => {
                    p.0.push(invalid(format!("citation_keys[{i}]"), err.to_string()))
                }
            }
        }
        let data = ConceptData {
            name,
            category: self.category,
            definition: p.text("definition", self.definition, MAX_TEXT),
            note: p.text("note", self.note, MAX_TITLE),
            aliases,
            citation_keys,
            provenance: None,
        };
        p.finish((data, slug))
    }

    /// The input that would recreate `data`.
    pub fn from_data(data: &ConceptData) -> Self {
        ConceptInput {
            slug: None,
            name: data.name.clone(),
            category: data.category,
            definition: data.definition.clone(),
            note: data.note.clone(),
            aliases: data.aliases.clone(),
            citation_keys: data.citation_keys.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[InvalidField]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_minimal_resource_is_a_titled_web_page() {
        let input = ResourceInput {
            title: "  Notes  ".into(),
            ..ResourceInput::default()
        };
        let (data, slug) = input.parse().unwrap();
        assert_eq!(data.title, "Notes");
        assert_eq!(data.kind, Some(ResourceKind::Webpage));
        assert_eq!(slug, None);
    }

    #[test]
    fn every_invalid_field_is_named() {
        let input = ResourceInput {
            slug: Some("Bad Slug".into()),
            title: " ".into(),
            url: Some("ftp://x".into()),
            year: Some(0),
            month: Some(13),
            doi: Some("not a doi".into()),
            arxiv_id: Some("12345".into()),
            urldate: Some("2024-02-30".into()),
            citation_key: Some("a b".into()),
            authors: vec![Person::default()],
            ..ResourceInput::default()
        };
        let errors = input.parse().unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "slug",
                "title",
                "url",
                "authors[0]",
                "year",
                "month",
                "doi",
                "arxiv_id",
                "urldate",
                "citation_key"
            ]
        );
    }

    #[test]
    fn identifiers_are_normalised() {
        let input = ResourceInput {
            title: "Faster R-CNN".into(),
            doi: Some("https://doi.org/10.1109/ACCESS.2019.2939201".into()),
            arxiv_id: Some("arXiv:1506.01497v3".into()),
            ..ResourceInput::default()
        };
        let (data, _) = input.parse().unwrap();
        assert_eq!(data.doi.as_deref(), Some("10.1109/ACCESS.2019.2939201"));
        assert_eq!(data.arxiv_id.as_deref(), Some("1506.01497"));
        assert_eq!(
            parse_arxiv_id("cs/0112017v1").as_deref(),
            Some("cs/0112017")
        );
    }

    #[test]
    fn inputs_round_trip_through_data() {
        let input = ResourceInput {
            title: "T".into(),
            kind: Some(ResourceKind::Paper),
            year: Some(2015),
            citation_key: Some("ren2015faster".into()),
            ..ResourceInput::default()
        };
        let (data, _) = input.clone().parse().unwrap();
        assert_eq!(ResourceInput::from_data(&data), input);
    }

    #[test]
    fn concepts_need_a_name_and_valid_keys() {
        let errors = ConceptInput {
            name: String::new(),
            citation_keys: vec!["ok".into(), "not ok".into()],
            ..ConceptInput::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(&errors), ["name", "citation_keys[1]"]);
    }
}
