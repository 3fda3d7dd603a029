//! Closed vocabularies of the data model: resource level and kind, concept category and
//! link relation.
//!
//! Each is a string enum with one canonical, lower-case, `snake_case` spelling (used in
//! JSON, query strings and the store) and a few accepted synonyms for parsing author text
//! ("Intermediate", "regularization", "layer types"). Parsing is case-insensitive and
//! ignores surrounding white space and a trailing colon.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A value outside a closed vocabulary, with the allowed values for the error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {vocabulary}; expected one of: {}", allowed.join(", "))]
pub struct UnknownTerm {
    /// What was given, trimmed.
    pub value: String,
    /// The vocabulary's name ("level", "kind", ...).
    pub vocabulary: &'static str,
    /// The canonical spellings.
    pub allowed: &'static [&'static str],
}

/// Normalises a term for comparison: trimmed, without a trailing colon, lower case, with
/// `-`, `_` and runs of white space read as one space.
fn normalise(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches(':').trim();
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident as $label:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $canonical:tt $(| $synonym:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $canonical)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The canonical spellings, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($canonical),+];

            /// The canonical spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $canonical),+ }
            }

            /// Parses a canonical spelling or a synonym, case-insensitively.
            ///
            /// # Errors
            /// [`UnknownTerm`] naming the allowed canonical values.
            pub fn parse(raw: &str) -> Result<Self, UnknownTerm> {
                let key = normalise(raw);
                $(
                    if key == normalise($canonical) $(|| key == $synonym)* {
                        return Ok($name::$variant);
                    }
                )+
                Err(UnknownTerm { value: raw.trim().to_owned(), vocabulary: $label, allowed: Self::NAMES })
            }
        }

        impl FromStr for $name {
            type Err = UnknownTerm;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// How much a learner should already know to use a resource.
    Level as "level" {
        Beginner = "beginner" | "introductory" | "basic" | "easy",
        Intermediate = "intermediate" | "medium",
        Advanced = "advanced" | "expert level" | "hard",
        /// The resource has parts at several levels.
        Multiple = "multiple" | "all" | "mixed" | "all levels",
    }
}

vocabulary! {
    /// What sort of thing a resource is; it decides the BibTeX entry type on export.
    ResourceKind as "kind" {
        Course = "course" | "courses" | "lecture" | "lectures" | "class",
        Tutorial = "tutorial" | "tutorials",
        Documentation = "documentation" | "docs" | "doc" | "manual",
        Notebook = "notebook" | "notebooks",
        Book = "book" | "books" | "textbook",
        /// A research paper: journal article, conference paper or preprint.
        Paper = "paper" | "papers" | "preprint" | "article in journal",
        Survey = "survey" | "surveys" | "review" | "reviews",
        /// A magazine or web article that is not a research paper.
        Article = "article" | "articles",
        /// A blog post or forum post.
        Post = "post" | "blog post" | "blog" | "blogs" | "posts",
        /// Any other web page.
        Webpage = "webpage" | "web page" | "website" | "web" | "page",
        Video = "video" | "videos" | "playlist" | "talk" | "talks",
        Repository = "repository" | "repo" | "repositories" | "code",
        Dataset = "dataset" | "datasets" | "data",
        Software = "software" | "library" | "tool" | "tools" | "package",
        /// A technical report.
        Report = "report" | "technical report" | "techreport",
    }
}

vocabulary! {
    /// What sort of idea a concept is; catalogue headings name it ("## Metrics").
    Category as "category" {
        Metric = "metric" | "metrics" | "other metrics" | "evaluation metrics" | "measures",
        LayerType = "layer_type" | "layer types" | "layer type" | "layers",
        Regularisation = "regularisation" | "regularization" | "regularisation methods" | "regularization methods",
        Bias = "bias" | "biases",
        Task = "task" | "tasks",
        Model = "model" | "models" | "architecture" | "architectures" | "model architectures",
        Phenomenon = "phenomenon" | "phenomena",
        Topic = "topic" | "topics" | "subject" | "subjects",
    }
}

vocabulary! {
    /// The type of a link. Concept → resource: `defined_in`, `introduced_in`,
    /// `explained_by`, `cited_by`; concept → concept: the SKOS mapping properties
    /// `broader`, `narrower`, `related`; resource → resource: `cites`, `part_of`.
    Relation as "relation" {
        /// The concept's definition is taken from the resource.
        DefinedIn = "defined_in",
        /// The resource first introduced the concept (a model's paper).
        IntroducedIn = "introduced_in",
        /// The resource explains or teaches the concept: a catalogue row's topic or task,
        /// or a link in the concept's definition.
        ExplainedBy = "explained_by",
        /// The concept's text cites the resource with a MyST `{cite}` role.
        CitedBy = "cited_by",
        /// SKOS `broader`: the target is more general.
        Broader = "broader",
        /// SKOS `narrower`: the target is more specific.
        Narrower = "narrower",
        /// SKOS `related`: associative, not hierarchical.
        Related = "related",
        /// The source resource cites the target resource.
        Cites = "cites",
        /// The source resource is part of the target resource.
        PartOf = "part_of",
    }
}

/// What sort of record a link end or a change names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Resource,
    Concept,
}

impl EntityType {
    /// The canonical spelling, as stored and serialised.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityType::Resource => "resource",
            EntityType::Concept => "concept",
        }
    }

    /// Parses the canonical spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "resource" => Some(EntityType::Resource),
            "concept" => Some(EntityType::Concept),
            _ => None,
        }
    }
}

impl Relation {
    /// The entity types a link of this relation joins, as (source, target).
    pub const fn ends(self) -> (EntityType, EntityType) {
        use EntityType::{Concept, Resource};
        match self {
            Relation::DefinedIn
            | Relation::IntroducedIn
            | Relation::ExplainedBy
            | Relation::CitedBy => (Concept, Resource),
            Relation::Broader | Relation::Narrower | Relation::Related => (Concept, Concept),
            Relation::Cites | Relation::PartOf => (Resource, Resource),
        }
    }
}

vocabulary! {
    /// An identifier or link a resource may have (the `has` filter).
    Has as "identifier" {
        /// A DOI.
        Doi = "doi",
        /// A URL to read, watch or run it.
        Url = "url",
        /// An arXiv identifier.
        Arxiv = "arxiv" | "arxiv id" | "eprint",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_case_insensitively_and_trimmed() {
        assert_eq!(Level::parse("Intermediate"), Ok(Level::Intermediate));
        assert_eq!(Level::parse(" beginner "), Ok(Level::Beginner));
        assert_eq!(Level::parse("MULTIPLE"), Ok(Level::Multiple));
    }

    #[test]
    fn unknown_level_names_the_allowed_values() {
        let err = Level::parse("expert").unwrap_err();
        assert_eq!(err.vocabulary, "level");
        assert_eq!(
            err.allowed,
            &["beginner", "intermediate", "advanced", "multiple"]
        );
        assert!(
            err.to_string()
                .contains("beginner, intermediate, advanced, multiple")
        );
    }

    #[test]
    fn headings_name_categories() {
        assert_eq!(Category::parse("Layer types:"), Ok(Category::LayerType));
        assert_eq!(Category::parse("Other metrics"), Ok(Category::Metric));
        assert_eq!(
            Category::parse("Regularisation"),
            Ok(Category::Regularisation)
        );
        assert_eq!(
            Category::parse("Regularization"),
            Ok(Category::Regularisation)
        );
        assert_eq!(Category::parse("layer_type"), Ok(Category::LayerType));
        assert!(Category::parse("Courses").is_err());
    }

    #[test]
    fn canonical_spelling_round_trips_through_serde() {
        for kind in ResourceKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ResourceKind::parse(kind.as_str()), Ok(*kind));
        }
        for relation in Relation::ALL {
            assert_eq!(Relation::parse(relation.as_str()), Ok(*relation));
        }
    }
}
