//! What the index holds for a resource or a concept: one tantivy document per record.

use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::domain::matching::{name_key, title_sort_key};
use crate::domain::{Category, EntityType, Has, Timestamp, author_keys, venue_key};
use crate::store::{LinkEnd, StoredConcept, StoredLink, StoredResource};

/// The unique key of a record's document: `r{id}` or `c{id}`.
pub fn key(entity_type: EntityType, id: i64) -> String {
    match entity_type {
        EntityType::Resource => format!("r{id}"),
        EntityType::Concept => format!("c{id}"),
    }
}

/// How many times a title counts in `text` (a field weight by repetition: tantivy scores
/// each field with plain BM25, and searching one field lets it intersect plain term
/// postings and prune with block-max WAND).
pub const TITLE_WEIGHT: usize = 2;

/// Longest description or definition kept for snippets, in bytes (cut at a character
/// boundary); the whole text is still indexed.
const MAX_BODY_BYTES: usize = 2_000;

/// A category as words (`layer_type` → `layer type`).
pub fn category_label(category: Category) -> String {
    category.as_str().replace('_', " ")
}

/// A batch's links, grouped by the records they touch.
pub struct Links<'a> {
    by_end: std::collections::HashMap<(EntityType, i64), Vec<&'a StoredLink>>,
}

impl<'a> Links<'a> {
    /// Groups `links` by each of their ends.
    pub fn new(links: &'a [StoredLink]) -> Links<'a> {
        let mut by_end: std::collections::HashMap<(EntityType, i64), Vec<&'a StoredLink>> =
            std::collections::HashMap::with_capacity(links.len() * 2);
        for link in links {
            by_end
                .entry((link.source.entity_type, link.source.id))
                .or_default()
                .push(link);
            by_end
                .entry((link.target.entity_type, link.target.id))
                .or_default()
                .push(link);
        }
        Links { by_end }
    }

    fn of(&self, entity_type: EntityType, id: i64) -> &[&'a StoredLink] {
        self.by_end
            .get(&(entity_type, id))
            .map_or(&[], Vec::as_slice)
    }
}

/// The concepts a record's topics are: for a resource, the concepts linked to it (any
/// relation, as `GET /resources?topic=` filters); for a concept, the concepts it is
/// linked with (SKOS `broader`, `narrower`, `related`, either direction).
fn topics<'a>(links: &[&'a StoredLink], own_type: EntityType, own_id: i64) -> Vec<&'a LinkEnd> {
    let is_self = |end: &LinkEnd| end.entity_type == own_type && end.id == own_id;
    let mut out: Vec<&LinkEnd> = Vec::new();
    for link in links {
        let other = if is_self(&link.source) {
            &link.target
        } else if is_self(&link.target) {
            &link.source
        } else {
            continue;
        };
        if other.entity_type != EntityType::Concept || is_self(other) {
            continue;
        }
        if own_type == EntityType::Resource && !is_self(&link.target) {
            continue;
        }
        if !out.iter().any(|seen| seen.id == other.id) {
            out.push(other);
        }
    }
    out
}

fn add_topics(
    doc: &mut TantivyDocument,
    fields: &Fields,
    topics: &[&LinkEnd],
    text: &mut Vec<String>,
) {
    for topic in topics {
        doc.add_text(fields.topic, topic.slug.as_str());
        let key = name_key(&topic.label);
        if key != topic.slug.as_str() {
            doc.add_text(fields.topic_key, &key);
        }
        doc.add_u64(fields.concept, u64::try_from(topic.id).unwrap_or(0));
        text.push(topic.label.clone());
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The record's times as seconds since 1970, for sorting and `updated_since`.
fn add_times(doc: &mut TantivyDocument, fields: &Fields, created_at: &str, updated_at: &str) {
    if let Some(created) = Timestamp::unix_of(created_at) {
        doc.add_i64(fields.created, created);
    }
    if let Some(updated) = Timestamp::unix_of(updated_at) {
        doc.add_i64(fields.updated, updated);
    }
}

/// What resources and concepts have in common in the index.
struct Common<'a> {
    entity_type: EntityType,
    id: i64,
    slug: &'a str,
    /// Title or name first, then aliases.
    titles: Vec<&'a str>,
    text: Vec<String>,
    body: Option<&'a str>,
}

impl Common<'_> {
    fn add_to(&self, doc: &mut TantivyDocument, fields: &Fields) {
        doc.add_text(fields.key, key(self.entity_type, self.id));
        doc.add_u64(fields.id, u64::try_from(self.id).unwrap_or(0));
        doc.add_text(fields.entity_type, self.entity_type.as_str());
        doc.add_text(fields.slug, self.slug);
        if let Some(title) = self.titles.first() {
            doc.add_text(fields.title_sort, title_sort_key(title));
        }
        for title in &self.titles {
            doc.add_text(fields.title, title);
            doc.add_text(fields.raw, title);
        }
        // The title (not the aliases) twice in `text`: a title word counts more in
        // BM25 than a word of the description, without a second field to search.
        if let Some(title) = self.titles.first() {
            for _ in 0..TITLE_WEIGHT {
                doc.add_text(fields.text, title);
            }
        }
        for alias in self.titles.iter().skip(1) {
            doc.add_text(fields.text, alias);
        }
        for part in &self.text {
            doc.add_text(fields.text, part);
            doc.add_text(fields.raw, part);
        }
        if let Some(body) = self.body {
            doc.add_text(fields.body, truncate(body, MAX_BODY_BYTES));
        }
    }
}

/// The document of a resource; `links` may hold links of other records too.
pub fn resource_document(
    fields: &Fields,
    stored: &StoredResource,
    links: &Links<'_>,
) -> TantivyDocument {
    let resource = &stored.resource;
    let data = &resource.data;
    let mut doc = TantivyDocument::new();
    let mut text: Vec<String> = Vec::new();
    if let Some(description) = &data.description {
        text.push(description.clone());
    }
    let topics = topics(
        links.of(EntityType::Resource, stored.id),
        EntityType::Resource,
        stored.id,
    );
    add_topics(&mut doc, fields, &topics, &mut text);
    for person in &data.authors {
        let name = person.display_name();
        doc.add_text(fields.author, &name);
        text.push(name);
    }
    for venue in [
        &data.journal,
        &data.booktitle,
        &data.publisher,
        &data.institution,
    ]
    .into_iter()
    .flatten()
    {
        text.push(venue.clone());
    }
    let kind = data.kind_or_default();
    text.push(kind.as_str().to_owned());
    doc.add_text(fields.kind, kind.as_str());
    if let Some(level) = data.level {
        text.push(level.as_str().to_owned());
        doc.add_text(fields.level, level.as_str());
    }
    if let Some(url) = &data.url {
        doc.add_text(fields.url, url);
    }
    if let Some(year) = data.year {
        doc.add_i64(fields.year, i64::from(year));
    }
    for key in author_keys(data) {
        doc.add_text(fields.author_key, &key);
    }
    if let Some(key) = venue_key(data) {
        doc.add_text(fields.venue_key, &key);
    }
    for (has, present) in [
        (Has::Doi, data.doi.is_some()),
        (Has::Url, data.url.is_some()),
        (Has::Arxiv, data.arxiv_id.is_some()),
    ] {
        if present {
            doc.add_text(fields.has, has.as_str());
        }
    }
    add_times(&mut doc, fields, &resource.created_at, &resource.updated_at);
    Common {
        entity_type: EntityType::Resource,
        id: stored.id,
        slug: resource.slug.as_str(),
        titles: vec![data.title.as_str()],
        text,
        body: data.description.as_deref(),
    }
    .add_to(&mut doc, fields);
    doc
}

/// The document of a concept; `links` may hold links of other records too.
pub fn concept_document(
    fields: &Fields,
    stored: &StoredConcept,
    links: &Links<'_>,
) -> TantivyDocument {
    let concept = &stored.concept;
    let data = &concept.data;
    let mut doc = TantivyDocument::new();
    let mut text: Vec<String> = Vec::new();
    if let Some(definition) = &data.definition {
        text.push(definition.clone());
    }
    if let Some(note) = &data.note {
        text.push(note.clone());
    }
    let topics = topics(
        links.of(EntityType::Concept, stored.id),
        EntityType::Concept,
        stored.id,
    );
    add_topics(&mut doc, fields, &topics, &mut text);
    if let Some(category) = data.category {
        text.push(category_label(category));
        doc.add_text(fields.category, category.as_str());
    }
    add_times(&mut doc, fields, &concept.created_at, &concept.updated_at);
    let mut titles: Vec<&str> = vec![data.name.as_str()];
    titles.extend(data.aliases.iter().map(String::as_str));
    Common {
        entity_type: EntityType::Concept,
        id: stored.id,
        slug: concept.slug.as_str(),
        titles,
        text,
        body: data.definition.as_deref().or(data.note.as_deref()),
    }
    .add_to(&mut doc, fields);
    doc
}
