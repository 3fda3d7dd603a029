//! The records lore keeps: resources, concepts and the typed links between them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Category, CitationKey, EntityType, Level, Person, Relation, ResourceKind, Slug};

/// Where a record came from: the catalogue file (its name, as a Jupyter Book `docname`
/// would name it, so re-importing from another directory finds the same records), the
/// headings above it, and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    /// File name, e.g. `deep-learning-basics.md`.
    pub file: String,
    /// Heading texts from the page title down, e.g. `["Deep learning basics", "Courses"]`.
    pub heading_path: Vec<String>,
    /// 1-based line number.
    pub line: u32,
}

/// What lore knows about a resource, apart from its slug.
///
/// Bibliographic fields follow BibTeX's standard fields (the BibTeX manual, §2.2) with
/// `doi`, `eprint` (as `arxiv_id` + `arxiv_class`) and `urldate` from common styles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceData {
    pub kind: Option<ResourceKind>,
    pub title: String,
    /// Where to read, watch or run it; kept byte for byte as the author wrote it.
    pub url: Option<String>,
    pub level: Option<Level>,
    /// Markdown.
    pub description: Option<String>,
    /// Authors in order.
    pub authors: Vec<Person>,
    /// The author list was cut short ("et al."; BibTeX `and others`).
    pub authors_truncated: bool,
    pub year: Option<i32>,
    /// 1 to 12.
    pub month: Option<u8>,
    pub journal: Option<String>,
    pub booktitle: Option<String>,
    pub publisher: Option<String>,
    pub institution: Option<String>,
    pub volume: Option<String>,
    pub number: Option<String>,
    /// Page range with an en dash or `--`, as given ("91--99").
    pub pages: Option<String>,
    /// Bare DOI, without a resolver prefix (`10.1109/ACCESS.2019.2939201`).
    pub doi: Option<String>,
    /// arXiv identifier without version (`1506.01497`).
    pub arxiv_id: Option<String>,
    /// arXiv primary class (`cs.CV`).
    pub arxiv_class: Option<String>,
    pub isbn: Option<String>,
    /// When the URL was last visited, `YYYY-MM-DD`.
    pub urldate: Option<String>,
    pub citation_key: Option<CitationKey>,
    /// Catalogue columns and BibTeX fields lore has no field for, by name.
    pub attributes: BTreeMap<String, String>,
    pub provenance: Option<Provenance>,
}

/// A stored resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub slug: Slug,
    pub data: ResourceData,
    /// Increments on every change; the basis of the `ETag`.
    pub version: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

impl ResourceData {
    /// The kind, defaulting to a web page when nothing better is known.
    pub fn kind_or_default(&self) -> ResourceKind {
        self.kind.unwrap_or(ResourceKind::Webpage)
    }
}

/// What lore knows about a concept, apart from its slug.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConceptData {
    pub name: String,
    pub category: Option<Category>,
    /// Markdown, in the author's words.
    pub definition: Option<String>,
    /// A remark the author attached, such as a parenthetical after the name.
    pub note: Option<String>,
    pub aliases: Vec<String>,
    /// Keys of MyST `{cite}` roles in the concept's text.
    pub citation_keys: Vec<String>,
    /// What a learner should take away from the page section that defines the concept
    /// (a book page's `Key takeaways`), in the author's words.
    #[serde(default)]
    pub learning_objectives: Vec<String>,
    pub provenance: Option<Provenance>,
}

/// A stored concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub slug: Slug,
    pub data: ConceptData,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One end of a link.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityRef {
    pub entity_type: EntityType,
    pub slug: Slug,
}

/// A typed, directed edge; every link is visible from both ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub source: EntityRef,
    pub relation: Relation,
    pub target: EntityRef,
}
