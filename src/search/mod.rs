//! Full-text search: a tantivy index that is a projection of the store.
//!
//! - [`schema`]: fields and analyzers (stemmed and unstemmed, possessive-aware words).
//! - [`index`]: opening the index on disk or in RAM, its one reader, commits with the
//!   change-log `seq` they reflect.
//! - [`indexer`]: rebuilding from the store and following its change log.
//! - [`syntax`]: the query language (words, phrases, exclusions, `field:value`, `AND`,
//!   `OR`, `NOT`, parentheses).
//! - [`query`]: its translation into ranked, typo-tolerant, prefix-matching tantivy queries.
//! - `excluded`: exclusions that tantivy's `Exclude` can probe safely.
//! - [`execute`]: running a search: page, exact total, facet counts.
//! - `sorted`: pages sorted by a record field instead of relevance.
//! - [`snippet`]: excerpts with the matched words marked.
//!
//! See `DESIGN.md` (Search) for the behaviour and `BENCHMARKS.md` for what it costs.

mod document;
mod excluded;
pub mod execute;
pub mod index;
pub mod indexer;
pub mod query;
pub mod schema;
pub mod snippet;
mod sorted;
pub mod syntax;
#[cfg(test)]
mod tests;

pub use execute::{FacetField, MAX_WINDOW, SearchHit, SearchRequest, SearchResults};
pub use index::{IndexLocation, IndexState, SearchIndex, WriterBudget};
pub use indexer::{Indexer, Progress, RebuildStats};
pub use query::SearchFilters;

use crate::store::StoreError;

/// What can go wrong with the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(
        "the search index is in use by another process (is `lore serve` running on this data directory?)"
    )]
    Locked,
    #[error("search index file error: {0}")]
    Io(#[source] std::io::Error),
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a search task stopped unexpectedly")]
    Task,
}
