//! Running a search: one pass over the matching documents collects the requested page,
//! the exact total and the facet counts; then the page's stored fields give titles, URLs
//! and highlighted snippets.
//!
//! Follows tantivy's `examples/basic_search.rs` (collectors), `examples/snippet.rs`
//! (`SnippetGenerator`) and `examples/custom_collector.rs` (facet counts read from FAST
//! columns).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::schema::Value;
use tantivy::{DocAddress, DocId, Score, SegmentReader, TantivyDocument};
use utoipa::ToSchema;

use super::SearchError;
use super::index::SearchIndex;
use super::query::{SearchFilters, build, parse};
use super::snippet::{Highlighter, plain_excerpt};
use super::sorted::SortedTop;
use crate::domain::{EntityType, Sort, SortKey, UnknownTerm};

/// Deepest result a search may page to: `offset + limit` at most this.
pub const MAX_WINDOW: usize = 1000;
/// Most values a `topic` facet lists (the most frequent).
pub const MAX_TOPIC_FACET_VALUES: usize = 100;
/// Longest snippet, in bytes of the text it is cut from (about as many characters).
pub const SNIPPET_CHARS: usize = 200;

/// A field whose values can be counted over the matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacetField {
    /// `resource` or `concept`.
    Type,
    /// Resource kind.
    Kind,
    /// Resource level.
    Level,
    /// Concept category.
    Category,
    /// Linked concepts, by slug (the most frequent [`MAX_TOPIC_FACET_VALUES`]).
    Topic,
}

impl FacetField {
    /// Every facet field.
    pub const ALL: &'static [FacetField] = &[
        FacetField::Type,
        FacetField::Kind,
        FacetField::Level,
        FacetField::Category,
        FacetField::Topic,
    ];
    /// Their names, as in `facets=`.
    pub const NAMES: &'static [&'static str] = &["type", "kind", "level", "category", "topic"];

    /// The field's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            FacetField::Type => "type",
            FacetField::Kind => "kind",
            FacetField::Level => "level",
            FacetField::Category => "category",
            FacetField::Topic => "topic",
        }
    }

    /// Parses a facet field name.
    ///
    /// # Errors
    /// [`UnknownTerm`] naming the allowed values.
    pub fn parse(raw: &str) -> Result<FacetField, UnknownTerm> {
        let key = raw.trim().to_ascii_lowercase();
        FacetField::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == key)
            .ok_or_else(|| UnknownTerm {
                value: raw.trim().to_owned(),
                vocabulary: "facet field",
                allowed: FacetField::NAMES,
            })
    }
}

/// A search: query text, filters, page and facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the user typed (see [`super::query`] for the syntax).
    pub text: String,
    pub filters: SearchFilters,
    /// Matches to skip.
    pub offset: usize,
    /// Matches to return; `offset + limit` is capped at [`MAX_WINDOW`].
    pub limit: usize,
    /// Fields to count values of, over all matches.
    pub facets: Vec<FacetField>,
    /// The order of the matches: relevance (best first) when `None`.
    pub sort: Option<Sort>,
}

/// One match.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub entity_type: EntityType,
    pub slug: String,
    /// Resource title or concept name.
    pub title: String,
    /// Where to read a resource.
    pub url: Option<String>,
    /// Relevance; higher is better, comparable only within one search.
    pub score: Score,
    /// HTML: an excerpt with the matched words in `<mark>`, everything else escaped.
    pub snippet: String,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// The requested page, best first.
    pub hits: Vec<SearchHit>,
    /// Matches over all pages (exact).
    pub total: u64,
    /// For each requested facet field, value → number of matches.
    pub facets: BTreeMap<FacetField, BTreeMap<String, u64>>,
    /// How the text was read when not as written (operators that do not fit together
    /// were searched as words; terms beyond the limit were left out).
    pub warnings: Vec<String>,
}

impl SearchIndex {
    /// Runs a search. CPU-bound: call it off the async workers (the service does).
    ///
    /// # Errors
    /// [`SearchError::Index`] when the index cannot be read.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.searcher();
        let fields = *self.fields();
        let parsed = parse(&request.text);
        let built = build(&parsed, &request.filters, &fields, &searcher);
        let offset = request.offset.min(MAX_WINDOW);
        let limit = request.limit.min(MAX_WINDOW - offset);

        // One pass over the matches collects the page (scored), the exact total and, when
        // asked, the facet counts. On the benchmark corpus this beats a count pass plus a
        // page pass pruned by block-max WAND: the count pass walks every match anyway.
        let facets = (!request.facets.is_empty()).then(|| Facets {
            fields: request.facets.clone(),
        });
        let count = tantivy::collector::Count;
        let (top, total, facets) = match request.sort.filter(|s| s.key != SortKey::Relevance) {
            Some(sort) => {
                let page = SortedTop {
                    sort,
                    offset,
                    limit,
                };
                searcher.search(&*built.query, &(page, count, facets))?
            }
            None => {
                let page = (limit > 0).then(|| {
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_score()
                });
                let (top, total, facets) =
                    searcher.search(&*built.query, &(page, count, facets))?;
                (top.unwrap_or_default(), total, facets)
            }
        };
        let total = total as u64;
        let facets = facets.unwrap_or_default();

        let mut highlighter = Highlighter::new(&built.highlight);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
            };
            let entity_type = text(fields.entity_type)
                .as_deref()
                .and_then(EntityType::parse)
                .unwrap_or(EntityType::Resource);
            let title = text(fields.title).unwrap_or_default();
            let body = text(fields.body).unwrap_or_default();
            let snippet = highlighter
                .highlight(&body, SNIPPET_CHARS)
                .or_else(|| highlighter.highlight(&title, SNIPPET_CHARS))
                .unwrap_or_else(|| {
                    // The words matched elsewhere (a topic, an author): the start of the
                    // text, or the title when there is none.
                    let text = if body.trim().is_empty() {
                        &title
                    } else {
                        &body
                    };
                    plain_excerpt(text, SNIPPET_CHARS)
                });
            hits.push(SearchHit {
                entity_type,
                slug: text(fields.slug).unwrap_or_default(),
                title,
                url: text(fields.url),
                score,
                snippet,
            });
        }
        let mut warnings = parsed.warnings;
        warnings.extend(built.warnings);
        Ok(SearchResults {
            hits,
            total,
            facets,
            warnings,
        })
    }
}

/// Counts the values of some exact-value fields over every matching document, reading
/// their FAST (columnar) data: per segment, counts by term ordinal; merged by value.
struct Facets {
    fields: Vec<FacetField>,
}

struct SegmentFacets {
    columns: Vec<(FacetField, Option<StrColumn>, Vec<u32>)>,
}

type FacetCounts = BTreeMap<FacetField, BTreeMap<String, u64>>;

fn column_name(field: FacetField) -> &'static str {
    match field {
        FacetField::Type => "type",
        FacetField::Kind => "kind",
        FacetField::Level => "level",
        FacetField::Category => "category",
        FacetField::Topic => "topic",
    }
}

impl Collector for Facets {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment_local_id: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let mut columns = Vec::with_capacity(self.fields.len());
        for &field in &self.fields {
            let column = segment.fast_fields().str(column_name(field))?;
            let size = column.as_ref().map_or(0, |c| c.num_terms());
            columns.push((field, column, vec![0u32; size]));
        }
        Ok(SegmentFacets { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut merged: FacetCounts = self.fields.iter().map(|&f| (f, BTreeMap::new())).collect();
        for fruit in fruits {
            for (field, counts) in fruit {
                let target = merged.entry(field).or_default();
                for (value, count) in counts {
                    *target.entry(value).or_default() += count;
                }
            }
        }
        if let Some(topics) = merged.get_mut(&FacetField::Topic)
            && topics.len() > MAX_TOPIC_FACET_VALUES
        {
            let mut ranked: Vec<(String, u64)> = std::mem::take(topics).into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked.truncate(MAX_TOPIC_FACET_VALUES);
            *topics = ranked.into_iter().collect();
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.columns {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    if let Some(count) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                        *count += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut out = FacetCounts::new();
        for (field, column, counts) in self.columns {
            let values = out.entry(field).or_default();
            let Some(column) = column else { continue };
            let mut value = String::new();
            for (ord, &count) in counts.iter().enumerate() {
                if count == 0 {
                    continue;
                }
                value.clear();
                if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    *values.entry(value.clone()).or_default() += u64::from(count);
                }
            }
        }
        out
    }
}

/// Internal: which documents mention a concept, as (type, id), for the indexer.
pub(crate) fn documents_mentioning(
    index: &SearchIndex,
    concept_id: i64,
) -> Result<Vec<(EntityType, i64)>, SearchError> {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::TermQuery;
    use tantivy::schema::IndexRecordOption;

    let searcher = index.searcher();
    let fields = index.fields();
    let query = TermQuery::new(
        tantivy::Term::from_field_u64(fields.concept, u64::try_from(concept_id).unwrap_or(0)),
        IndexRecordOption::Basic,
    );
    let addresses = searcher.search(&query, &DocSetCollector)?;
    let mut columns: HashMap<u32, (tantivy::columnar::Column<u64>, Option<StrColumn>)> =
        HashMap::new();
    let mut out = Vec::with_capacity(addresses.len());
    for DocAddress {
        segment_ord,
        doc_id,
    } in addresses
    {
        let (ids, types) = match columns.entry(segment_ord) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let reader = searcher.segment_reader(segment_ord);
                let ids = reader.fast_fields().u64("id")?;
                let types = reader.fast_fields().str("type")?;
                slot.insert((ids, types))
            }
        };
        let Some(id) = ids.first(doc_id).and_then(|id| i64::try_from(id).ok()) else {
            continue;
        };
        let mut name = String::new();
        let entity_type = types
            .as_ref()
            .and_then(|t| t.term_ords(doc_id).next())
            .and_then(|ord| t_ord_to_str(types.as_ref(), ord, &mut name))
            .and_then(EntityType::parse);
        if let Some(entity_type) = entity_type {
            out.push((entity_type, id));
        }
    }
    Ok(out)
}

fn t_ord_to_str<'a>(column: Option<&StrColumn>, ord: u64, out: &'a mut String) -> Option<&'a str> {
    let column = column?;
    out.clear();
    column.ord_to_str(ord, out).ok()?.then_some(out.as_str())
}

/// Internal: the name a concept is indexed under, if it is indexed.
pub(crate) fn indexed_concept_name(
    index: &SearchIndex,
    concept_id: i64,
) -> Result<Option<String>, SearchError> {
    use tantivy::query::TermQuery;
    use tantivy::schema::IndexRecordOption;

    let searcher = index.searcher();
    let fields = index.fields();
    let key = super::document::key(EntityType::Concept, concept_id);
    let query = TermQuery::new(
        tantivy::Term::from_field_text(fields.key, &key),
        IndexRecordOption::Basic,
    );
    let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    let Some((_, address)) = top.into_iter().next() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(address)?;
    Ok(doc
        .get_first(fields.title)
        .and_then(|v| v.as_str().map(str::to_owned)))
}
