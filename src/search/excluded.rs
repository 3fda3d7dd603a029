//! Exclusions (`-word`, `-"a phrase"`, `NOT (...)`) that tantivy's `Exclude` can probe
//! safely.
//!
//! tantivy 0.27's `Exclude` asks its exclusion scorer `seek_danger(doc)` for every
//! candidate, without first checking whether that scorer already stands past `doc` (it
//! starts on its first match, and a miss may leave it further ahead). `DocSet`'s default
//! `seek_danger` copes, but `PhraseScorer` (and an intersection holding one) asserts
//! `target >= doc()`: a search such as `learning -"deep learning"`, where the phrase first
//! matches after the first candidate, panics in debug builds, and relies on the
//! postings' lower bounds to answer right in release builds.
//!
//! [`excluded`] wraps an exclusion in a scorer that only ever seeks forward and answers
//! membership from `doc()`: the contract every scorer keeps.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, TermQuery, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// `query` made safe to use as a `MustNot` clause. A plain term query is returned as it
/// is (its scorer copes, and tantivy gives it a faster path).
pub fn excluded(query: Box<dyn Query>) -> Box<dyn Query> {
    if query.is::<TermQuery>() {
        return query;
    }
    Box::new(ExcludedQuery { inner: query })
}

/// A query whose scorer seeks only forward (see the module documentation).
#[derive(Debug)]
struct ExcludedQuery {
    inner: Box<dyn Query>,
}

impl Clone for ExcludedQuery {
    fn clone(&self) -> Self {
        ExcludedQuery {
            inner: self.inner.box_clone(),
        }
    }
}

impl Query for ExcludedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight {
            inner: self.inner.weight(enable_scoring)?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct ExcludedWeight {
    inner: Box<dyn Weight>,
}

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardScorer {
            inner: self.inner.scorer(reader, boost)?,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

/// Forwards everything but `seek_danger`, so `DocSet`'s default applies: it seeks only
/// when the scorer stands before the target, and leaves it valid.
struct ForwardScorer {
    inner: Box<dyn Scorer>,
}

impl DocSet for ForwardScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.inner.doc() >= target {
            return self.inner.doc();
        }
        self.inner.seek(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for ForwardScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}
