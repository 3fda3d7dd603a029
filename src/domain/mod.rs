//! Pure types of the data model: resources, concepts, typed links and the vocabularies
//! they use. Nothing here does I/O; a value of one of these types is valid.

mod api_key;
mod citation_key;
pub mod identity;
mod input;
pub mod latex_span;
mod listing;
pub mod matching;
mod person;
mod record;
mod slug;
mod vocabulary;

pub use api_key::{Scope, Token};
pub use citation_key::{CitationKey, CitationKeyError, MAX_KEY_LEN};
pub use input::{
    ConceptInput, InvalidField, MAX_ATTRIBUTE_NAME, MAX_ATTRIBUTES, MAX_FIELD, MAX_TEXT, MAX_TITLE,
    PersonInput, ResourceInput, attribute_limit,
};
pub use latex_span::{LatexSpan, has_latex_spans, latex_spans};
pub use listing::{
    BadTimestamp, BadYearRange, ConceptFilter, Cursor, NO_YEAR, Page, PageRequest, Position,
    ResourceFilter, SearchFilters, Sort, SortKey, SortValue, Timestamp, YearRange, author_keys,
    venue_key,
};
pub use person::Person;
pub use record::{Concept, ConceptData, EntityRef, Link, Provenance, Resource, ResourceData};
pub use slug::{MAX_SLUG_LEN, Slug, SlugError};
pub use vocabulary::{Category, EntityType, Has, Level, Relation, ResourceKind, UnknownTerm};
