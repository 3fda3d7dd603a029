//! JSON representations. Every representation carries its own URL (`href`) and the URLs of
//! what it links to.

use std::collections::BTreeMap;

use actix_web::HttpRequest;
use serde::Serialize;
use utoipa::ToSchema;

use super::edge::Edge;
use crate::domain::{Category, EntityType, Level, Person, Provenance, Relation, ResourceKind};
use crate::service::WithLinks;
use crate::store::{LinkEnd, StoredConcept, StoredLink, StoredResource};

/// Builds absolute URLs: under the configured public URL, else for the host the client
/// called ([`Edge::base_url`]).
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// URLs for answers to `req`.
    pub fn from_request(req: &HttpRequest) -> Self {
        let base = match req.app_data::<actix_web::web::Data<Edge>>() {
            Some(edge) => edge.base_url(req),
            None => Edge::default().base_url(req),
        };
        Urls { base }
    }

    /// The absolute URL of a path (`/resources/umich`).
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL of a record.
    pub fn record(&self, entity_type: EntityType, slug: &str) -> String {
        match entity_type {
            EntityType::Resource => self.at(&format!("/resources/{slug}")),
            EntityType::Concept => self.at(&format!("/concepts/{slug}")),
        }
    }
}

/// Which way a link points, seen from the record that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// This record is the link's source.
    Outgoing,
    /// This record is the link's target.
    Incoming,
}

/// A link seen from one of its ends.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkView {
    pub relation: Relation,
    pub direction: Direction,
    /// What the other end is.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// The other end's slug.
    pub slug: String,
    /// The other end's title or name.
    pub title: String,
    /// The other end's category, when it is a concept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The other end's URL.
    pub href: String,
}

/// The links of one record, split by the other end's type.
fn split_links(
    links: &[StoredLink],
    own_type: EntityType,
    own_id: i64,
    urls: &Urls,
) -> (Vec<LinkView>, Vec<LinkView>) {
    let mut resources = Vec::new();
    let mut concepts = Vec::new();
    for link in links {
        let is_self = |end: &LinkEnd| end.entity_type == own_type && end.id == own_id;
        let (direction, other) = if is_self(&link.source) {
            (Direction::Outgoing, &link.target)
        } else if is_self(&link.target) {
            (Direction::Incoming, &link.source)
        } else {
            continue;
        };
        let view = LinkView {
            relation: link.relation,
            direction,
            entity_type: other.entity_type,
            slug: other.slug.to_string(),
            title: other.label.clone(),
            category: other.category,
            href: urls.record(other.entity_type, other.slug.as_str()),
        };
        match other.entity_type {
            EntityType::Resource => resources.push(view),
            EntityType::Concept => concepts.push(view),
        }
    }
    (resources, concepts)
}

/// A resource: something to read, watch or run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResourceView {
    pub slug: String,
    /// This resource's URL in lore.
    pub href: String,
    pub title: String,
    /// Where to read, watch or run it, as the author wrote it.
    pub url: Option<String>,
    pub kind: ResourceKind,
    pub level: Option<Level>,
    /// Names of the linked concepts of category `topic` or `task`.
    pub topics: Vec<String>,
    /// Markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub authors: Vec<Person>,
    /// The author list was cut short ("et al.").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub authors_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booktitle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arxiv_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arxiv_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urldate: Option<String>,
    /// The key to cite it by (`\cite{...}`).
    pub citation_key: Option<String>,
    /// Catalogue columns and BibTeX fields without a field of their own.
    pub attributes: BTreeMap<String, String>,
    /// Linked concepts, each with the relation and its direction.
    pub concepts: Vec<LinkView>,
    /// Linked resources (`cites`, `part_of`), in both directions.
    pub resources: Vec<LinkView>,
    /// Where the record was first described.
    pub provenance: Option<Provenance>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

impl ResourceView {
    /// The view of a stored resource and its links.
    pub fn new(item: &WithLinks<StoredResource>, urls: &Urls) -> Self {
        let stored = &item.record;
        let resource = &stored.resource;
        let data = &resource.data;
        let (resources, concepts) = split_links(&item.links, EntityType::Resource, stored.id, urls);
        let topics = concepts
            .iter()
            .filter(|c| matches!(c.category, Some(Category::Topic | Category::Task)))
            .map(|c| c.title.clone())
            .collect();
        ResourceView {
            slug: resource.slug.to_string(),
            href: urls.record(EntityType::Resource, resource.slug.as_str()),
            title: data.title.clone(),
            url: data.url.clone(),
            kind: data.kind_or_default(),
            level: data.level,
            topics,
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
            concepts,
            resources,
            provenance: data.provenance.clone(),
            created_at: resource.created_at.clone(),
            updated_at: resource.updated_at.clone(),
        }
    }
}

/// A concept: an idea such as a metric, a layer type or a task.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConceptView {
    pub slug: String,
    /// This concept's URL in lore.
    pub href: String,
    pub name: String,
    pub category: Option<Category>,
    /// Markdown, in the author's words.
    pub definition: Option<String>,
    /// A remark the author attached to the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub aliases: Vec<String>,
    /// Keys of the `{cite}` roles in the concept's text.
    pub citation_keys: Vec<String>,
    /// What a learner should take away from the page section that defines the concept
    /// (a book page's `Key takeaways`); empty when the page states none.
    pub learning_objectives: Vec<String>,
    /// Linked resources, each with the relation and its direction: the first 100 (in
    /// the order of `/resources?topic=`) when there are more; `resources_total` counts them all and
    /// `resources_next` lists them, a page at a time.
    pub resources: Vec<LinkView>,
    /// How many resources the concept links to.
    pub resources_total: i64,
    /// `/resources?topic={slug}`, every resource the concept links to as pages, when
    /// `resources` holds only the first of them; `null` when it holds them all.
    pub resources_next: Option<String>,
    /// Linked concepts (SKOS `broader`, `narrower`, `related`), in both directions.
    pub concepts: Vec<LinkView>,
    pub provenance: Option<Provenance>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

impl ConceptView {
    /// The view of a stored concept and its links.
    pub fn new(item: &WithLinks<StoredConcept>, urls: &Urls) -> Self {
        let stored = &item.record;
        let concept = &stored.concept;
        let data = &concept.data;
        let (resources, concepts) = split_links(&item.links, EntityType::Concept, stored.id, urls);
        ConceptView {
            slug: concept.slug.to_string(),
            href: urls.record(EntityType::Concept, concept.slug.as_str()),
            name: data.name.clone(),
            category: data.category,
            definition: data.definition.clone(),
            note: data.note.clone(),
            aliases: data.aliases.clone(),
            citation_keys: data.citation_keys.clone(),
            learning_objectives: data.learning_objectives.clone(),
            resources_total: item
                .resources_total
                .unwrap_or_else(|| i64::try_from(resources.len()).unwrap_or(i64::MAX)),
            resources_next: item.resources_total.map(|_| {
                urls.at(&format!(
                    "/resources?topic={}&limit=100",
                    concept.slug.as_str()
                ))
            }),
            resources,
            concepts,
            provenance: data.provenance.clone(),
            created_at: concept.created_at.clone(),
            updated_at: concept.updated_at.clone(),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListView<T> {
    pub items: Vec<T>,
    /// Items matching the filters, over all pages. Exact: counted once per filter after
    /// each change to the store (the `/changes` log), then reused by every page.
    pub total: i64,
    /// The URL of the next page, `null` on the last.
    pub next: Option<String>,
}

/// A list of resources.
pub type ResourceList = ListView<ResourceView>;
/// A list of concepts.
pub type ConceptList = ListView<ConceptView>;

/// Liveness and readiness answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusView {
    /// `ok` or `ready`.
    pub status: String,
}
