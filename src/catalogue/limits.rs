//! The API's field rules, applied to drafts: an import never stores what a client could
//! not send through the API (`domain::input`).
//!
//! A record is kept whenever it can be. Free text over its limit (a title, a description,
//! a journal, an attribute, a name part) is cut at a character boundary and ends in `…`;
//! an identifier over its limit (URL, DOI, ISBN, arXiv class, URL date, a link kept as an
//! attribute) is dropped, since a cut one would point somewhere else. Control characters
//! the decoder could not see (a Markdown `&#1;`, a BibTeX command) are removed. Each change
//! is a warning with the file and line of the record.

use super::{Catalogue, DraftRef, ItemKind, ReportLine};
use std::collections::BTreeMap;

use crate::domain::{MAX_ATTRIBUTE_NAME, MAX_ATTRIBUTES, MAX_FIELD, MAX_TEXT, MAX_TITLE};

/// Longest author name part, in characters (as `domain::input` checks authors).
const MAX_NAME_PART: usize = 200;
/// Longest arXiv class or ISBN, in characters (as `ResourceInput::parse`).
const MAX_CODE: usize = 64;

/// Cuts, cleans or drops every draft field that breaks the API's rules, with a warning
/// per field on the line of the item that made the draft.
pub(super) fn enforce(catalogue: &mut Catalogue) {
    let mut changed: Vec<(DraftRef, u32, String, Vec<String>)> = Vec::new();
    for (index, draft) in catalogue.resources.iter_mut().enumerate() {
        let data = &mut draft.data;
        let mut changes = Changes::default();
        changes.text("title", &mut data.title, MAX_TITLE);
        changes.identifier("URL", &mut data.url, MAX_FIELD);
        if let Some(description) = &mut data.description {
            changes.text("description", description, MAX_TEXT);
        }
        for (name, value) in [
            ("journal", &mut data.journal),
            ("booktitle", &mut data.booktitle),
            ("publisher", &mut data.publisher),
            ("institution", &mut data.institution),
            ("volume", &mut data.volume),
            ("number", &mut data.number),
            ("pages", &mut data.pages),
        ] {
            if let Some(value) = value {
                changes.text(name, value, MAX_FIELD);
            }
        }
        changes.identifier("DOI", &mut data.doi, MAX_FIELD);
        changes.identifier("urldate", &mut data.urldate, MAX_FIELD);
        changes.identifier("arXiv class", &mut data.arxiv_class, MAX_CODE);
        changes.identifier("ISBN", &mut data.isbn, MAX_CODE);
        changes.attribute_names(&mut data.attributes);
        data.attributes.retain(|name, value| {
            let field = format!("attribute `{name}`");
            if is_url(value) {
                let mut kept = Some(std::mem::take(value));
                changes.identifier(&field, &mut kept, MAX_FIELD);
                *value = kept.unwrap_or_default();
                !value.is_empty()
            } else {
                changes.text(&field, value, crate::domain::attribute_limit(name));
                true
            }
        });
        for (i, person) in data.authors.iter_mut().enumerate() {
            for value in [
                &mut person.family,
                &mut person.given,
                &mut person.particle,
                &mut person.suffix,
                &mut person.literal,
            ]
            .into_iter()
            .flatten()
            {
                changes.text(&format!("name of author {}", i + 1), value, MAX_NAME_PART);
            }
        }
        if !changes.0.is_empty() {
            let line = data.provenance.as_ref().map_or(1, |p| p.line);
            changed.push((
                DraftRef::Resource(index),
                line,
                data.title.clone(),
                changes.0,
            ));
        }
    }
    for (index, draft) in catalogue.concepts.iter_mut().enumerate() {
        let data = &mut draft.data;
        let mut changes = Changes::default();
        changes.text("name", &mut data.name, MAX_TITLE);
        if let Some(definition) = &mut data.definition {
            changes.text("definition", definition, MAX_TEXT);
        }
        // The API takes a note of a title's length, not a description's.
        if let Some(note) = &mut data.note {
            changes.text("note", note, MAX_TITLE);
        }
        for alias in &mut data.aliases {
            changes.text("alias", alias, MAX_FIELD);
        }
        if !changes.0.is_empty() {
            let line = data.provenance.as_ref().map_or(1, |p| p.line);
            changed.push((DraftRef::Concept(index), line, data.name.clone(), changes.0));
        }
    }
    for (draft, provenance_line, shown, changes) in changed {
        let (line, item) = catalogue
            .report
            .iter()
            .find(|l| l.draft == Some(draft))
            .map_or((provenance_line, ItemKind::File), |l| (l.line, l.item));
        for change in changes {
            let warning = ReportLine::warning(
                line,
                item,
                shorten(&shown, 100),
                format!("{}:{line}: {change}", catalogue.file),
            );
            catalogue.report.push(warning);
        }
    }
}

/// What was changed in one draft, each as a sentence for the report.
#[derive(Default)]
struct Changes(Vec<String>);

impl Changes {
    /// Free text: control characters removed, then cut to `max` characters.
    fn text(&mut self, field: &str, value: &mut String, max: usize) {
        self.clean(field, value);
        if let Some(chars) = cut(value, max) {
            self.0.push(format!(
                "the {field} has {chars} characters, more than the {max} allowed; cut to {max}"
            ));
        }
    }

    /// An identifier: control characters removed, then dropped when over `max` characters.
    fn identifier(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        let Some(text) = value else {
            return;
        };
        self.clean(field, text);
        let chars = text.chars().count();
        if chars > max {
            *value = None;
            self.0.push(format!(
                "the {field} has {chars} characters, more than the {max} allowed; not kept, since a cut one would point elsewhere"
            ));
        }
    }

    /// Attribute names (table headers, link texts, BibTeX field names): control characters
    /// removed, cut to [`MAX_ATTRIBUTE_NAME`] characters, kept distinct; past
    /// [`MAX_ATTRIBUTES`], the rest are not kept and each is named.
    fn attribute_names(&mut self, attributes: &mut BTreeMap<String, String>) {
        let mut kept = BTreeMap::new();
        for (name, value) in std::mem::take(attributes) {
            let mut clean: String = name.chars().filter(|c| !c.is_control()).collect();
            clean = clean.trim().to_owned();
            cut(&mut clean, MAX_ATTRIBUTE_NAME);
            if clean.is_empty() {
                clean = "attribute".to_owned();
            }
            let unique = super::markdown::unique_key(&kept, &clean);
            if unique != name {
                self.0.push(format!(
                    "the attribute name `{}` is not 1 to {MAX_ATTRIBUTE_NAME} characters \
                     without control characters; renamed `{unique}`",
                    shorten(&name.escape_debug().to_string(), 100)
                ));
            }
            if kept.len() == MAX_ATTRIBUTES {
                self.0.push(format!(
                    "more than {MAX_ATTRIBUTES} attributes; `{unique}` not kept"
                ));
                continue;
            }
            kept.insert(unique, value);
        }
        *attributes = kept;
    }

    fn clean(&mut self, field: &str, value: &mut String) {
        if value.chars().any(is_forbidden) {
            let before = value.chars().count();
            value.retain(|c| !is_forbidden(c));
            self.0.push(format!(
                "the {field} held {} control character(s), which the API refuses; removed",
                before - value.chars().count()
            ));
        }
    }
}

/// What the API refuses in text: Unicode `Cc` other than tab and line breaks.
fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Cuts `value` to `max` characters, the last one `…`; returns the characters it had.
fn cut(value: &mut String, max: usize) -> Option<usize> {
    let chars = value.chars().count();
    if chars <= max {
        return None;
    }
    let end = value
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(value.len(), |(i, _)| i);
    value.truncate(end);
    value.truncate(value.trim_end().len());
    value.push('…');
    Some(chars)
}

/// An attribute that holds a link (a table's second link column), which cutting would break.
fn is_url(value: &str) -> bool {
    (value.starts_with("https://") || value.starts_with("http://"))
        && !value.chars().any(char::is_whitespace)
}

fn shorten(text: &str, max: usize) -> String {
    let mut text = text.to_owned();
    cut(&mut text, max);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Outcome, ResourceDraft, SourceFormat};
    use crate::domain::Provenance;

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        let mut value = "é".repeat(10);
        assert_eq!(cut(&mut value, 4), Some(10));
        assert_eq!(value, "ééé…");
        assert_eq!(value.chars().count(), 4);
        let mut short = "abc".to_owned();
        assert_eq!(cut(&mut short, 3), None);
        assert_eq!(short, "abc");
    }

    /// A page `p.md` that made `draft`.
    fn page_of(draft: ResourceDraft) -> Catalogue {
        Catalogue {
            file: "p.md".to_owned(),
            format: SourceFormat::Page,
            title: None,
            resources: vec![draft],
            concepts: Vec::new(),
            links: Vec::new(),
            report: Vec::new(),
            sections: Vec::new(),
        }
    }

    #[test]
    fn control_characters_from_character_references_are_removed() {
        let mut draft = ResourceDraft::default();
        draft.data.title = "A\u{1}B".to_owned();
        draft.data.url = Some("https://a.example/\u{85}x".to_owned());
        draft.data.provenance = Some(Provenance {
            file: "p.md".to_owned(),
            heading_path: Vec::new(),
            line: 7,
        });
        let mut catalogue = page_of(draft);
        enforce(&mut catalogue);
        let data = &catalogue.resources[0].data;
        assert_eq!(data.title, "AB");
        assert_eq!(data.url.as_deref(), Some("https://a.example/x"));
        assert_eq!(catalogue.report.len(), 2);
        assert!(catalogue.report.iter().all(|l| l.line == 7
            && l.outcome == Outcome::Warning
            && l.reason.as_deref().unwrap().starts_with("p.md:7: the ")));
    }

    #[test]
    fn attribute_names_are_cleaned_cut_and_counted() {
        let mut draft = ResourceDraft::default();
        draft.data.title = "T".to_owned();
        let long = "h".repeat(MAX_ATTRIBUTE_NAME + 10);
        draft
            .data
            .attributes
            .insert(long.clone(), "long".to_owned());
        draft
            .data
            .attributes
            .insert("a\u{0}b".to_owned(), "nul".to_owned());
        for i in 0..MAX_ATTRIBUTES {
            draft
                .data
                .attributes
                .insert(format!("x{i:03}"), i.to_string());
        }
        let mut catalogue = page_of(draft);
        enforce(&mut catalogue);
        let attributes = &catalogue.resources[0].data.attributes;
        assert_eq!(attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(attributes["ab"], "nul");
        let cut = attributes.iter().find(|(_, v)| *v == "long").unwrap().0;
        assert_eq!(cut.chars().count(), MAX_ATTRIBUTE_NAME);
        assert!(attributes.keys().all(|k| !k.chars().any(char::is_control)));
        let reasons: Vec<&str> = catalogue
            .report
            .iter()
            .filter_map(|l| l.reason.as_deref())
            .collect();
        assert_eq!(reasons.iter().filter(|r| r.contains("renamed")).count(), 2);
        assert_eq!(reasons.iter().filter(|r| r.contains("not kept")).count(), 2);
    }
}
