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

/// Most attributes (extra columns, extra BibTeX fields) one resource may carry.
pub const MAX_ATTRIBUTES: usize = 100;
/// Longest attribute name, in characters.
pub const MAX_ATTRIBUTE_NAME: usize = 64;

/// Characters no text field may hold (Unicode `Cc`, except tab, line feed, carriage return).
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

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

/// An author as clients write it: name parts as in [`Person`], each a single line with a
/// visible character; a `literal` name (an organisation) wins over the other parts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub particle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub literal: Option<String>,
}

impl PersonInput {
    fn from_person(person: &Person) -> Self {
        PersonInput {
            family: person.family.clone(),
            given: person.given.clone(),
            particle: person.particle.clone(),
            suffix: person.suffix.clone(),
            literal: person.literal.clone(),
        }
    }
}

/// Reads a list of JSON objects (serde would also take an array for a struct, by position;
/// JSON Schema would not).
fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error;
    let items = Vec::<serde_json::Map<String, serde_json::Value>>::deserialize(deserializer)?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(serde_json::Value::Object(item))
                .map_err(|e| D::Error::custom(format!("item {i}: {e}")))
        })
        .collect()
}

/// Reads an optional whole number written as an integer or with a zero fraction (`1.0`),
/// as JSON Schema's `integer` allows.
fn whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    });
    let whole = whole
        .ok_or_else(|| D::Error::custom(format!("expected a whole number, found {number}")))?;
    T::try_from(whole)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{whole} is out of range")))
}

/// Free text in a list or map (JSON Schema only: an alias, an attribute value).
#[derive(ToSchema)]
#[schema(
    max_length = 2000,
    pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
)]
#[allow(dead_code)]
struct TextItem(String);

/// The JSON Schema of `attributes`: text values by name, names and count bounded as
/// [`ResourceInput::parse`] checks them.
fn attributes_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("Other fields, by name."))
        .additional_properties(Some(utoipa::openapi::Ref::from_schema_name("TextItem")))
        .property(
            "abstract",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The work's abstract, exported as `abstract`."))
                .max_length(Some(MAX_TEXT))
                .pattern(Some(
                    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
                )),
        )
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_ATTRIBUTE_NAME))
                .pattern(Some(
                    r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
                )),
        ))
        .max_properties(Some(MAX_ATTRIBUTES))
        .build()
}

/// The longest value, in characters, of an attribute: [`MAX_TEXT`] for an `abstract`
/// (a paragraph), [`MAX_FIELD`] for the others.
pub fn attribute_limit(name: &str) -> usize {
    if name == "abstract" {
        MAX_TEXT
    } else {
        MAX_FIELD
    }
}

/// A citation key in a list (JSON Schema only).
#[derive(ToSchema)]
#[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9_:./+-]{0,99}$")]
#[allow(dead_code)]
struct KeyItem(String);

/// A resource as clients write it (`POST /resources`, `PUT /resources/{slug}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    /// Requested slug; derived from the title when absent. Only on create: slugs never change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// 1 to 500 characters, with a visible one.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// Defaults to `webpage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ResourceKind>,
    /// An absolute `http` or `https` URL, kept byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\u0000-\u001F\u007F-\u009F]+$"
    )]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Markdown, up to 20 000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// Authors in order; an author without any name part is ignored.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "objects"
    )]
    pub authors: Vec<PersonInput>,
    /// The author list is cut short ("et al.").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authors_truncated: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schema(minimum = 1, maximum = 9999)]
    pub year: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schema(minimum = 1, maximum = 12)]
    pub month: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub journal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub booktitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub institution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub volume: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub pages: Option<String>,
    /// A DOI (`10.1109/ACCESS.2019.2939201`); a `https://doi.org/` prefix is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^(https?://(dx\.)?doi\.org/|doi:)?10\.[0-9.]+/[^\s\u0000-\u001F\u007F-\u009F]+$"
    )]
    pub doi: Option<String>,
    /// An arXiv identifier (`1506.01497`, `arXiv:1506.01497v3`, `cs/0112017`); the prefix
    /// and version are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^(arXiv:|arxiv:)?([0-9]{4}\.[0-9]{4,5}|[A-Za-z.-]+/[0-9]{7})(v[0-9]+)?$")]
    pub arxiv_id: Option<String>,
    /// arXiv primary class (`cs.CV`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub arxiv_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub isbn: Option<String>,
    /// When the URL was visited, `YYYY-MM-DD`; an RFC 3339 timestamp is also taken, and
    /// kept as its calendar date as written (`2024-02-01T00:30:00+01:00` → `2024-02-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub urldate: Option<String>,
    /// The key to cite it by; issued from the first author, year and title when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9_:./+-]{0,99}$")]
    pub citation_key: Option<String>,
    /// Other fields, by name: at most [`MAX_ATTRIBUTES`], each name 1 to
    /// [`MAX_ATTRIBUTE_NAME`] characters with a visible one and no control character.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = attributes_schema)]
    pub attributes: BTreeMap<String, String>,
}

/// A concept as clients write it (`POST /concepts`, `PUT /concepts/{slug}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConceptInput {
    /// Requested slug; derived from the name when absent. Only on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// 1 to 500 characters, with a visible one.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Markdown, up to 20 000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<TextItem>)]
    pub aliases: Vec<String>,
    /// Keys of works the definition cites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<KeyItem>)]
    pub citation_keys: Vec<String>,
    /// What a learner should take away from the section that defines the concept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<TextItem>)]
    pub learning_objectives: Vec<String>,
}

/// Collects field problems while parsing.
#[derive(Default)]
struct Problems(Vec<InvalidField>);

impl Problems {
    /// Free text: at most `max` characters, no control characters but tab and line
    /// breaks; kept trimmed, and blank counts as absent.
    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let value = value?;
        if value.chars().count() > max {
            self.0
                .push(invalid(field, format!("at most {max} characters")));
        }
        if value.chars().any(forbidden) {
            self.0
                .push(invalid(field, "control characters are not allowed"));
        }
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// A value of a fixed form (URL, DOI, ...), taken exactly as given: `parse` gives its
    /// normal form or `None`, then `expected` is reported.
    fn exact(
        &mut self,
        field: &str,
        value: Option<String>,
        max: usize,
        parse: impl Fn(&str) -> Option<String>,
        expected: &str,
    ) -> Option<String> {
        let value = value?;
        let parsed = (value.chars().count() <= max)
            .then(|| parse(&value))
            .flatten();
        if parsed.is_none() {
            self.0.push(invalid(field, expected));
        }
        parsed
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
        && suffix.chars().all(visible);
    ok.then(|| bare.to_owned())
}

/// An arXiv identifier without prefix or version, or `None` when it is not one.
fn parse_arxiv_id(raw: &str) -> Option<String> {
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

/// Neither white space nor a control character: what URLs and identifiers are made of.
fn visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control()
}

/// An absolute `http(s)` URL, kept as written.
fn parse_url(raw: &str) -> Option<String> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))?;
    (!rest.is_empty() && rest.chars().all(visible)).then(|| raw.to_owned())
}

/// A calendar date `YYYY-MM-DD` (RFC 3339 `full-date`).
/// A date, or the calendar date of an RFC 3339 timestamp as written (not moved to UTC:
/// the day where the page was read).
fn parse_urldate(raw: &str) -> Option<String> {
    if raw.len() == 10 {
        return parse_date(raw);
    }
    let rfc3339 = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(raw, &rfc3339).ok()?;
    parse_date(raw.get(..10)?)
}

fn parse_date(raw: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format).ok().map(|_| raw.to_owned())
}

/// Checks one author's name parts; an author with none is `None` (it says nothing).
fn check_person(p: &mut Problems, index: usize, person: &PersonInput) -> Option<Person> {
    let field = format!("authors[{index}]");
    let mut part = |name: &str, value: &Option<String>| -> Option<String> {
        let value = value.as_ref()?;
        if value.trim().is_empty()
            || value.chars().any(char::is_control)
            || value.chars().count() > 200
        {
            p.0.push(invalid(
                format!("{field}.{name}"),
                "a single line of at most 200 characters with a visible one",
            ));
            return None;
        }
        Some(value.trim().to_owned())
    };
    let parsed = Person {
        family: part("family", &person.family),
        given: part("given", &person.given),
        particle: part("particle", &person.particle),
        suffix: part("suffix", &person.suffix),
        literal: part("literal", &person.literal),
    };
    if let Some(literal) = parsed.literal {
        return Some(Person::literal(literal));
    }
    (parsed != Person::default()).then_some(parsed)
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
        let url = p.exact(
            "url",
            self.url,
            MAX_FIELD,
            parse_url,
            "must be an absolute http or https URL",
        );
        let authors: Vec<Person> = self
            .authors
            .iter()
            .enumerate()
            .filter_map(|(i, author)| check_person(&mut p, i, author))
            .collect();
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
        let doi = p.exact(
            "doi",
            self.doi,
            MAX_FIELD,
            parse_doi,
            "must be a DOI such as 10.1109/ACCESS.2019.2939201",
        );
        let arxiv_id = p.exact(
            "arxiv_id",
            self.arxiv_id,
            64,
            parse_arxiv_id,
            "must be an arXiv identifier such as 1506.01497",
        );
        let urldate = p.exact(
            "urldate",
            self.urldate,
            40,
            parse_urldate,
            "must be a date YYYY-MM-DD or an RFC 3339 timestamp",
        );
        let citation_key = p
            .exact(
                "citation_key",
                self.citation_key,
                100,
                |raw| CitationKey::parse(raw).ok().map(|k| k.to_string()),
                "1 to 100 characters of A-Z, a-z, 0-9 and _ : . / + -, starting with a letter or digit",
            )
            .and_then(|key| CitationKey::parse(&key).ok());
        if self.attributes.len() > MAX_ATTRIBUTES {
            p.0.push(invalid(
                "attributes",
                format!("at most {MAX_ATTRIBUTES} attributes"),
            ));
        }
        let mut attributes = BTreeMap::new();
        for (name, value) in self.attributes {
            let field = format!("attributes.{}", name.escape_debug());
            if name.trim().is_empty()
                || name.chars().count() > MAX_ATTRIBUTE_NAME
                || name.chars().any(char::is_control)
            {
                p.0.push(invalid(
                    field,
                    format!(
                        "an attribute name is 1 to {MAX_ATTRIBUTE_NAME} characters, \
                         not blank, without control characters"
                    ),
                ));
                continue;
            }
            if let Some(value) = p.text(&field, Some(value), attribute_limit(&name)) {
                attributes.insert(name, value);
            }
        }
        let data = ResourceData {
            kind: Some(self.kind.unwrap_or(ResourceKind::Webpage)),
            title,
            url,
            level: self.level,
            description: p.text("description", self.description, MAX_TEXT),
            authors,
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
            authors: data.authors.iter().map(PersonInput::from_person).collect(),
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
            if let Some(alias) = p.text(&format!("aliases[{i}]"), Some(alias), MAX_FIELD) {
                aliases.push(alias);
            }
        }
        let mut citation_keys = Vec::new();
        for (i, key) in self.citation_keys.into_iter().enumerate() {
            match CitationKey::parse(&key) {
                Ok(key) => citation_keys.push(key.to_string()),
                Err(err) => {
                    p.0.push(invalid(format!("citation_keys[{i}]"), err.to_string()))
                }
            }
        }
        let mut learning_objectives = Vec::new();
        for (i, objective) in self.learning_objectives.into_iter().enumerate() {
            let field = format!("learning_objectives[{i}]");
            if let Some(objective) = p.text(&field, Some(objective), MAX_FIELD) {
                learning_objectives.push(objective);
            }
        }
        let data = ConceptData {
            name,
            category: self.category,
            definition: p.text("definition", self.definition, MAX_TEXT),
            note: p.text("note", self.note, MAX_TITLE),
            aliases,
            citation_keys,
            learning_objectives,
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
            learning_objectives: data.learning_objectives.clone(),
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
            authors: vec![PersonInput {
                given: Some("\u{7}".into()),
                ..PersonInput::default()
            }],
            ..ResourceInput::default()
        };
        let errors = input.parse().unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "slug",
                "title",
                "url",
                "authors[0].given",
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

    #[test]
    fn access_timestamps_are_kept_as_their_calendar_date() {
        assert_eq!(
            parse_urldate("2024-02-01T00:30:00+01:00").as_deref(),
            Some("2024-02-01"),
            "the day where it was read, not moved to UTC"
        );
        assert_eq!(parse_urldate("2024-02-01").as_deref(), Some("2024-02-01"));
        assert_eq!(parse_urldate("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_urldate("yesterday"), None);
    }
}
