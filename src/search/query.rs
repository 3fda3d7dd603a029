//! The query language and its translation into tantivy queries.
//!
//! Users type words. On top of that they may write `"phrases"`, `-exclusions` (of a word,
//! a phrase or a `field:value`), `field:value` on the known fields `title`, `author`
//! (text) and `type`, `kind`, `level`, `category`, `topic` (exact values, like the
//! filters), and join them with `AND`, `OR`, `NOT` and parentheses (see
//! [`super::syntax`] for the syntax and its precedence). Nothing is a syntax error:
//! [`parse`] never fails and [`build`] always gives a query.
//!
//! Boolean structure maps onto tantivy's `BooleanQuery`: `AND` and neighbouring items are
//! `Must` clauses, `OR` a `BooleanQuery` of `Should` clauses, `NOT` and `-` `MustNot`
//! clauses; a part made only of exclusions (`NOT grokking`) matches every document but
//! those.
//!
//! Matching (see `DESIGN.md`, Search): every word is required. A word matches its stem in
//! `text` (titles, descriptions, topics, authors...), or, failing that, a nearby unstemmed word in `raw`: one
//! edit away for words of 5+ characters, two for 9+ (Damerau: a transposition is one
//! edit; the first letter must be right; only for words fewer than
//! [`TYPO_MAX_DOC_FREQ`] documents hold), or for the last word of the text, any word it
//! begins (search-as-you-type).
//! Ranking is BM25 over `text`, where titles weigh double (see `document.rs`), within
//! tiers: a document gains [`TIER`] for every word it matches exactly among those that
//! also have typo variants or completions, so documents matching every word exactly
//! come first, then those needing one typo or completion, and so on.
//!
//! tantivy's own `QueryParser` is not used: its lenient mode drops `author:smith` and
//! `days:` silently and knows nothing of typo tiers (`DEPENDENCIES.md`).

use std::collections::BTreeMap;
use std::fmt;

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, ExistsQuery,
    Explanation, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::excluded::excluded;
use super::schema::{Fields, analyze, raw_analyzer, stem};
pub use super::syntax::{Clause, Expr, Item, KnownField, ParsedQuery, parse};
use crate::domain::matching::name_key;
use crate::domain::{Category, EntityType, Level, ResourceKind, Timestamp};

/// Score added per query word matched exactly (stem in `title` or `text`); larger than
/// any BM25 contribution of one word, so tiers never mix.
pub const TIER: Score = 1000.0;
/// At most this many words, phrases and `field:value` items are used; the rest of a long
/// text is ignored (as Meilisearch caps query words at 10).
pub const MAX_ITEMS: usize = 16;
/// At most this many typo variants or completions are matched per word, the closest and
/// most frequent first.
pub const MAX_EXPANSIONS: usize = 10;
/// Typo variants are looked up for words that fewer than this many documents hold:
/// a word the index knows well was most likely typed on purpose, and its variants would
/// mostly add noise to the matches, the total and the facets (Typesense's
/// `typo_tokens_threshold` makes the same trade).
pub const TYPO_MAX_DOC_FREQ: u64 = 10;

pub use crate::domain::SearchFilters;

/// A query ready to run, and what to highlight in snippets.
pub struct BuiltQuery {
    pub query: Box<dyn Query>,
    /// Stems to highlight (as in the `title` and `text` fields), with a weight: 1 for
    /// words typed, less for typo variants and completions.
    pub highlight: BTreeMap<String, Score>,
    /// What the user should know about how the text was searched.
    pub warnings: Vec<String>,
}

impl fmt::Debug for BuiltQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuiltQuery")
            .field("query", &self.query)
            .field("highlight", &self.highlight)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Translates a parsed query and filters into a tantivy query over `searcher`'s index
/// (typo variants and completions are looked up in its term dictionaries).
pub fn build(
    parsed: &ParsedQuery,
    filters: &SearchFilters,
    fields: &Fields,
    searcher: &Searcher,
) -> BuiltQuery {
    let mut builder = Builder {
        fields,
        searcher,
        raw: raw_analyzer(),
        must: Vec::new(),
        must_not: Vec::new(),
        highlight: BTreeMap::new(),
        items: 0,
        truncated: false,
    };
    builder.expr(&parsed.expr);
    let mut warnings = Vec::new();
    if builder.truncated {
        warnings.push(format!(
            "only the first {MAX_ITEMS} words, phrases and field:value terms were searched"
        ));
    }
    if builder.must.is_empty() && builder.must_not.is_empty() {
        // Nothing searchable in the text (symbols only): nothing matches.
        return BuiltQuery {
            query: Box::new(EmptyQuery),
            highlight: builder.highlight,
            warnings,
        };
    }
    builder.filters(filters);
    let query = conjunction(builder.must, builder.must_not).unwrap_or_else(|| Box::new(EmptyQuery));
    BuiltQuery {
        query,
        highlight: builder.highlight,
        warnings,
    }
}

/// Queries that must match and queries that must not, as one query; `None` for none at
/// all. Only exclusions match every document but those.
fn conjunction(
    mut must: Vec<Box<dyn Query>>,
    must_not: Vec<Box<dyn Query>>,
) -> Option<Box<dyn Query>> {
    if must.is_empty() && must_not.is_empty() {
        return None;
    }
    if must_not.is_empty() && must.len() == 1 {
        return must.pop();
    }
    if must.is_empty() {
        must.push(Box::new(AllQuery));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        must.into_iter().map(|q| (Occur::Must, q)).collect();
    clauses.extend(must_not.into_iter().map(|q| (Occur::MustNot, excluded(q))));
    Some(Box::new(BooleanQuery::new(clauses)))
}

struct Builder<'a> {
    fields: &'a Fields,
    searcher: &'a Searcher,
    raw: TextAnalyzer,
    must: Vec<Box<dyn Query>>,
    must_not: Vec<Box<dyn Query>>,
    highlight: BTreeMap<String, Score>,
    items: usize,
    /// Terms were left out for [`MAX_ITEMS`].
    truncated: bool,
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A filter of alternatives that matches without changing scores; no alternative at
/// all (keys that name nothing) matches nothing.
fn filter_or_nothing(alternatives: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if alternatives.is_empty() {
        Box::new(EmptyQuery)
    } else {
        filter_query(alternatives)
    }
}

/// A filter that matches without changing scores.
fn filter_query(alternatives: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    let inner: Box<dyn Query> = if alternatives.len() == 1 {
        alternatives
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(EmptyQuery))
    } else {
        Box::new(BooleanQuery::new(
            alternatives
                .into_iter()
                .map(|q| (Occur::Should, q))
                .collect(),
        ))
    };
    Box::new(ConstScoreQuery::new(inner, 0.0))
}

fn parse_type(raw: &str) -> Option<EntityType> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "resource" | "resources" => Some(EntityType::Resource),
        "concept" | "concepts" => Some(EntityType::Concept),
        _ => None,
    }
}

impl Builder<'_> {
    fn filters(&mut self, filters: &SearchFilters) {
        let f = *self.fields;
        if !filters.types.is_empty() {
            let q = filters
                .types
                .iter()
                .map(|t| term_query(f.entity_type, t.as_str()))
                .collect();
            self.must.push(filter_query(q));
        }
        if !filters.kinds.is_empty() {
            let q = filters
                .kinds
                .iter()
                .map(|k| term_query(f.kind, k.as_str()))
                .collect();
            self.must.push(filter_query(q));
        }
        if !filters.levels.is_empty() {
            let q = filters
                .levels
                .iter()
                .map(|l| term_query(f.level, l.as_str()))
                .collect();
            self.must.push(filter_query(q));
        }
        if !filters.categories.is_empty() {
            let q = filters
                .categories
                .iter()
                .map(|c| term_query(f.category, c.as_str()))
                .collect();
            self.must.push(filter_query(q));
        }
        if !filters.topics.is_empty() {
            let q = filters
                .topics
                .iter()
                .flat_map(|t| self.topic_terms(t))
                .collect();
            self.must.push(filter_query(q));
        }
        self.list_filters(filters);
    }

    /// The filters of resource lists beyond level, kind and topic: years, authors,
    /// venues, identifiers, changes since an instant. Concepts have no year, author,
    /// venue or identifier: those filters keep resources only.
    fn list_filters(&mut self, filters: &SearchFilters) {
        let f = *self.fields;
        if !filters.years.is_empty() {
            let q = filters
                .years
                .iter()
                .map(|range| {
                    let bound = |year: Option<i32>, inclusive: fn(Term) -> Bound<Term>| {
                        year.map_or(Bound::Unbounded, |y| {
                            inclusive(Term::from_field_i64(f.year, i64::from(y)))
                        })
                    };
                    let (from, to) = (
                        bound(range.from, Bound::Included),
                        bound(range.to, Bound::Included),
                    );
                    let q: Box<dyn Query> = match (&from, &to) {
                        // Any year at all: every document that has one.
                        (Bound::Unbounded, Bound::Unbounded) => {
                            Box::new(ExistsQuery::new("year".to_owned(), false))
                        }
                        _ => Box::new(RangeQuery::new(from, to)),
                    };
                    q
                })
                .collect();
            self.must.push(filter_query(q));
        }
        let keyed = |field: Field, keys: Vec<String>| -> Vec<Box<dyn Query>> {
            keys.into_iter()
                .filter(|k| !k.is_empty())
                .map(|k| term_query(field, &k))
                .collect()
        };
        if !filters.authors.is_empty() {
            let q = keyed(f.author_key, filters.author_keys());
            self.must.push(filter_or_nothing(q));
        }
        if !filters.venues.is_empty() {
            let q = filters
                .venue_keys()
                .into_iter()
                .filter(|k| !k.is_empty())
                .map(|k| {
                    let from = Bound::Included(Term::from_field_text(f.venue_key, &k));
                    let to = prefix_end(k.as_bytes())
                        .and_then(|end| String::from_utf8(end).ok())
                        .map_or(Bound::Unbounded, |end| {
                            Bound::Excluded(Term::from_field_text(f.venue_key, &end))
                        });
                    Box::new(RangeQuery::new(from, to)) as Box<dyn Query>
                })
                .collect();
            self.must.push(filter_or_nothing(q));
        }
        if !filters.has.is_empty() {
            let q = filters
                .has
                .iter()
                .map(|h| term_query(f.has, h.as_str()))
                .collect();
            self.must.push(filter_query(q));
        }
        if let Some(since) = &filters.updated_since
            && let Some(seconds) = Timestamp::unix_of(since.as_str())
        {
            let from = Bound::Included(Term::from_field_i64(f.updated, seconds));
            let q: Box<dyn Query> = Box::new(RangeQuery::new(from, Bound::Unbounded));
            self.must.push(filter_query(vec![q]));
        }
    }

    fn topic_terms(&self, topic: &str) -> Vec<Box<dyn Query>> {
        let key = name_key(topic);
        vec![
            term_query(self.fields.topic, &key),
            term_query(self.fields.topic_key, &key),
        ]
    }

    /// Adds an expression to the conjunction being built (`must`, `must_not`).
    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Clause(clause) => {
                if self.items >= MAX_ITEMS {
                    self.truncated = true;
                } else {
                    self.clause(clause);
                }
            }
            Expr::And(parts) => {
                for part in parts {
                    self.expr(part);
                }
            }
            Expr::Or(parts) => {
                let mut alternatives: Vec<Box<dyn Query>> = parts
                    .iter()
                    .filter_map(|part| self.standalone(part))
                    .collect();
                match alternatives.len() {
                    0 => {}
                    1 => self.must.extend(alternatives.pop()),
                    _ => self.must.push(Box::new(BooleanQuery::new(
                        alternatives
                            .into_iter()
                            .map(|q| (Occur::Should, q))
                            .collect(),
                    ))),
                }
            }
            Expr::Not(inner) => {
                // What is excluded is not highlighted.
                let highlight = self.highlight.clone();
                let excluded = self.standalone(inner);
                self.highlight = highlight;
                self.must_not.extend(excluded);
            }
        }
    }

    /// An expression as a query of its own; `None` when it holds nothing to search.
    fn standalone(&mut self, expr: &Expr) -> Option<Box<dyn Query>> {
        let outer_must = std::mem::take(&mut self.must);
        let outer_must_not = std::mem::take(&mut self.must_not);
        self.expr(expr);
        let must = std::mem::replace(&mut self.must, outer_must);
        let must_not = std::mem::replace(&mut self.must_not, outer_must_not);
        conjunction(must, must_not)
    }

    fn push(&mut self, negated: bool, query: Box<dyn Query>) {
        if negated {
            self.must_not.push(query);
        } else {
            self.must.push(query);
        }
    }

    fn clause(&mut self, clause: &Clause) {
        let negated = clause.negated;
        match &clause.item {
            Item::Words(chunk) => {
                let words = analyze(&mut self.raw, chunk);
                if negated {
                    if words.len() > 1 {
                        self.items += 1;
                        if let Some(q) = self.phrase(&words, self.fields.text, false) {
                            self.must_not.push(q);
                        }
                    } else if let Some(word) = words.first() {
                        self.items += 1;
                        let stem = self.stem(word);
                        self.must_not.push(self.exact(&stem));
                    }
                    return;
                }
                let count = words.len();
                for (i, word) in words.iter().enumerate() {
                    if self.items >= MAX_ITEMS {
                        return;
                    }
                    self.items += 1;
                    let q = self.word(word, clause.prefix && i + 1 == count);
                    self.must.push(q);
                }
            }
            Item::Phrase(text) => {
                let words = analyze(&mut self.raw, text);
                if words.is_empty() {
                    return;
                }
                self.items += 1;
                if let Some(q) = self.phrase(&words, self.fields.text, !negated) {
                    self.push(negated, q);
                }
            }
            Item::Field {
                field,
                value,
                quoted,
                typed,
            } => {
                self.items += 1;
                match self.field_query(*field, value, *quoted, negated) {
                    Some(q) => self.push(negated, q),
                    None => {
                        // Not a valid value: search what was typed as words.
                        self.items -= 1;
                        let words = Clause {
                            negated,
                            item: Item::Words(typed.clone()),
                            prefix: false,
                        };
                        self.clause(&words);
                    }
                }
            }
        }
    }

    fn field_query(
        &mut self,
        field: KnownField,
        value: &str,
        quoted: bool,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let f = *self.fields;
        let exact = |field: Field, text: &str| Some(filter_query(vec![term_query(field, text)]));
        match field {
            KnownField::Type => exact(f.entity_type, parse_type(value)?.as_str()),
            KnownField::Kind => exact(f.kind, ResourceKind::parse(value).ok()?.as_str()),
            KnownField::Level => exact(f.level, Level::parse(value).ok()?.as_str()),
            KnownField::Category => exact(f.category, Category::parse(value).ok()?.as_str()),
            KnownField::Topic => {
                if !value.chars().any(char::is_alphanumeric) {
                    // Nothing to match in the value (`topic:++`).
                    return None;
                }
                Some(filter_query(self.topic_terms(value)))
            }
            KnownField::Title | KnownField::Author => {
                let target = if field == KnownField::Title {
                    f.title
                } else {
                    f.author
                };
                let words = analyze(&mut self.raw, value);
                if words.is_empty() {
                    return None;
                }
                if quoted && words.len() > 1 {
                    return self.phrase(&words, target, !negated);
                }
                let mut all = Vec::new();
                for word in &words {
                    let stem = self.stem(word);
                    if !negated {
                        self.highlight.insert(stem.clone(), 1.0);
                    }
                    all.push((Occur::Must, term_query(target, &stem)));
                }
                Some(Box::new(BooleanQuery::new(all)))
            }
        }
    }

    fn stem(&mut self, raw_word: &str) -> String {
        stem(raw_word)
    }

    /// A stem in `title` (boosted) or `text`, scored by BM25.
    fn exact(&self, stem: &str) -> Box<dyn Query> {
        term_query(self.fields.text, stem)
    }

    /// A phrase of raw words in `field`; a one-word phrase is that word, exact.
    fn phrase(
        &mut self,
        words: &[String],
        field: Field,
        highlight: bool,
    ) -> Option<Box<dyn Query>> {
        let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
        if highlight {
            for stem in &stems {
                self.highlight.insert(stem.clone(), 1.0);
            }
        }
        if stems.len() == 1 {
            return Some(term_query(field, &stems[0]));
        }
        let terms = stems
            .iter()
            .map(|s| Term::from_field_text(field, s))
            .collect();
        Some(Box::new(PhraseQuery::new(terms)))
    }

    /// How many documents hold `stem`.
    fn exact_doc_freq(&self, stem: &str) -> u64 {
        self.searcher
            .doc_freq(&Term::from_field_text(self.fields.text, stem))
            .unwrap_or(0)
    }

    /// A required word: exact or, failing that (a tier lower), a typo variant or
    /// completion.
    fn word(&mut self, raw_word: &str, prefix: bool) -> Box<dyn Query> {
        let stem = self.stem(raw_word);
        self.highlight.insert(stem.clone(), 1.0);
        let typos = self.exact_doc_freq(&stem) < TYPO_MAX_DOC_FREQ;
        let expansions = self.expansions(raw_word, &stem, prefix, typos);
        if expansions.is_empty() {
            // Every match is exact: no tier needed, and a plain term lets tantivy
            // intersect and prune (block-max WAND) at full speed.
            return self.exact(&stem);
        }
        let mut variants: Vec<Box<dyn Query>> = Vec::with_capacity(expansions.len());
        for (term, boost) in expansions {
            let variant_stem = self.stem(&term);
            self.highlight.entry(variant_stem).or_insert(boost);
            variants.push(Box::new(BoostQuery::new(
                term_query(self.fields.raw, &term),
                boost,
            )));
        }
        Box::new(AlternativesQuery {
            exact: self.exact(&stem),
            variants,
            tier: TIER,
        })
    }

    /// Unstemmed words of the index near `raw_word` (by the typo rules, when `typos`) or
    /// beginning with it (when `prefix`), other than those with the same stem, each with
    /// its boost.
    fn expansions(
        &mut self,
        raw_word: &str,
        stem: &str,
        prefix: bool,
        typos: bool,
    ) -> Vec<(String, Score)> {
        let chars = raw_word.chars().count();
        let distance: u8 = match chars {
            _ if !typos => 0,
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        };
        // term -> (document frequency over all segments, edit distance or None for a
        // completion)
        let mut found: BTreeMap<String, (u64, Option<u8>)> = BTreeMap::new();
        let raw_field = self.fields.raw;
        if distance > 0 {
            let fuzzy =
                FuzzyTermQuery::new(Term::from_field_text(raw_field, raw_word), distance, true);
            // Typos are looked for after the first letter, which must be right: that
            // keeps the walk over the term dictionary within one letter's words (Lucene's
            // `prefixLength`; Meilisearch also counts a wrong first letter extra).
            let first_len = raw_word.chars().next().map_or(0, char::len_utf8);
            let first = raw_word.as_bytes()[..first_len].to_vec();
            let first_end = prefix_end(&first);
            if let Ok(automaton) = fuzzy.automaton() {
                for segment in self.searcher.segment_readers() {
                    let Ok(inverted) = segment.inverted_index(raw_field) else {
                        continue;
                    };
                    let mut builder = inverted.terms().search(&automaton).ge(&first);
                    if let Some(end) = &first_end {
                        builder = builder.lt(end);
                    }
                    let Ok(mut stream) = builder.into_stream() else {
                        continue;
                    };
                    while stream.advance() {
                        let Ok(term) = std::str::from_utf8(stream.key()) else {
                            continue;
                        };
                        let entry = found.entry(term.to_owned()).or_insert((0, None));
                        entry.0 += u64::from(stream.value().doc_freq);
                        entry.1 = Some(edit_distance(raw_word, term).min(distance));
                    }
                }
            }
        }
        if prefix {
            let start = raw_word.as_bytes().to_vec();
            let end = prefix_end(&start);
            for segment in self.searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(raw_field) else {
                    continue;
                };
                let mut builder = inverted.terms().range().ge(&start);
                if let Some(end) = &end {
                    builder = builder.lt(end);
                }
                let Ok(mut stream) = builder.into_stream() else {
                    continue;
                };
                // Completions of a short prefix can be many: keep only the most frequent
                // (with room for those dropped below for sharing the word's stem),
                // copying a term only when it makes the cut.
                let mut best = TopTerms::new(2 * MAX_EXPANSIONS + 8);
                let mut scanned = 0;
                while stream.advance() && scanned < 20_000 {
                    scanned += 1;
                    best.offer(u64::from(stream.value().doc_freq), stream.key());
                }
                for (df, term) in best.terms {
                    let Ok(term) = String::from_utf8(term) else {
                        continue;
                    };
                    found.entry(term).or_insert((0, None)).0 += df;
                }
            }
        }
        found.remove(raw_word);
        let mut candidates: Vec<(String, u64, Option<u8>)> = found
            .into_iter()
            .map(|(term, (df, distance))| (term, df, distance))
            .collect();
        // Closest first (completions and one-edit variants before two edits), then the
        // most frequent.
        candidates.sort_by(|a, b| {
            let rank = |d: Option<u8>| d.map_or(1, |d| d.max(1));
            rank(a.2)
                .cmp(&rank(b.2))
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(&b.0))
        });
        let mut out = Vec::new();
        for (term, _, distance) in candidates {
            if out.len() >= MAX_EXPANSIONS {
                break;
            }
            if self.stem(&term) == stem {
                continue;
            }
            let boost = match distance {
                None | Some(0) => 0.5,
                Some(1) => 0.4,
                Some(_) => 0.2,
            };
            out.push((term, boost));
        }
        out
    }
}

/// The `capacity` most frequent terms offered, copied only when kept.
struct TopTerms {
    capacity: usize,
    terms: Vec<(u64, Vec<u8>)>,
}

impl TopTerms {
    fn new(capacity: usize) -> TopTerms {
        TopTerms {
            capacity,
            terms: Vec::with_capacity(capacity),
        }
    }

    fn offer(&mut self, df: u64, term: &[u8]) {
        if self.terms.len() < self.capacity {
            self.terms.push((df, term.to_vec()));
            return;
        }
        if let Some(min) = self.terms.iter_mut().min_by_key(|(df, _)| *df)
            && min.0 < df
        {
            min.0 = df;
            min.1.clear();
            min.1.extend_from_slice(term);
        }
    }
}

/// The smallest byte string greater than every string starting with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions) between
/// two words, by characters, capped at 3.
pub fn edit_distance(a: &str, b: &str) -> u8 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    u8::try_from(d[a.len() * width + b.len()].min(3)).unwrap_or(3)
}

/// One query word with its typo variants or completions: matches what any of them
/// matches; scores the exact match [`TIER`] plus its BM25 when it matches, else the best
/// variant's (boosted) BM25.
///
/// A purpose-built union: tantivy's `BufferedUnionScorer` refills a 4096-document window
/// from every child on each `seek`, which is costly inside an intersection, where the
/// other words' postings drive and this union is mostly sought far ahead; here a seek
/// moves only the children behind the target.
#[derive(Debug)]
pub struct AlternativesQuery {
    exact: Box<dyn Query>,
    variants: Vec<Box<dyn Query>>,
    tier: Score,
}

impl Clone for AlternativesQuery {
    fn clone(&self) -> Self {
        AlternativesQuery {
            exact: self.exact.box_clone(),
            variants: self.variants.iter().map(|v| v.box_clone()).collect(),
            tier: self.tier,
        }
    }
}

impl Query for AlternativesQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut children = Vec::with_capacity(self.variants.len() + 1);
        children.push(self.exact.weight(enable_scoring)?);
        for variant in &self.variants {
            children.push(variant.weight(enable_scoring)?);
        }
        Ok(Box::new(AlternativesWeight {
            children,
            tier: self.tier,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.exact.query_terms(visitor);
        for variant in &self.variants {
            variant.query_terms(visitor);
        }
    }
}

struct AlternativesWeight {
    /// The exact match first.
    children: Vec<Box<dyn Weight>>,
    tier: Score,
}

impl Weight for AlternativesWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut children = Vec::with_capacity(self.children.len());
        for child in &self.children {
            children.push(child.scorer(reader, boost)?);
        }
        let mut scorer = AlternativesScorer {
            doc: 0,
            children,
            tier: self.tier * boost,
        };
        scorer.doc = scorer.min_doc();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Ok(Explanation::new("no alternative matches", 0.0));
        }
        Ok(Explanation::new(
            "exact match plus tier, else the best variant",
            scorer.score(),
        ))
    }
}

struct AlternativesScorer {
    doc: DocId,
    /// The exact match first.
    children: Vec<Box<dyn Scorer>>,
    tier: Score,
}

impl AlternativesScorer {
    fn min_doc(&self) -> DocId {
        self.children
            .iter()
            .map(|c| c.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for AlternativesScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for child in &mut self.children {
            if child.doc() == current {
                child.advance();
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        for child in &mut self.children {
            if child.doc() < target {
                child.seek(target);
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.children
            .iter()
            .map(|c| c.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.children.iter().map(|c| c.cost()).sum()
    }
}

impl Scorer for AlternativesScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut children = self.children.iter_mut();
        if let Some(exact) = children.next()
            && exact.doc() == doc
        {
            return self.tier + exact.score();
        }
        children
            .filter(|c| c.doc() == doc)
            .map(|c| c.score())
            .fold(0.0, Score::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances_count_transpositions_as_one() {
        assert_eq!(edit_distance("grokkng", "grokking"), 1);
        assert_eq!(edit_distance("teh", "the"), 1);
        assert_eq!(edit_distance("regularisation", "regularization"), 1);
        assert_eq!(edit_distance("a", "abcdef"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn prefix_ends_increment_the_last_byte() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff]), None);
    }
}
