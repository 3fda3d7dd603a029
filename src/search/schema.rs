//! The index schema: fields, analyzers and the schema version.
//!
//! Text is analysed twice. The *stemmed* analyzer (`lore_text`: words, lower case, ASCII
//! folding, English Snowball stemming) feeds `title`, `text` and `author`, which keep
//! positions for phrases and BM25 statistics for ranking. The *raw* analyzer (`lore_raw`:
//! the same without stemming) feeds `raw`, the union of all searchable text, on which
//! typo-tolerant and prefix matching run: edit distances are only meaningful between the
//! words people type, not between stems ("grokkng" is one edit from "grokking" but three
//! from its stem "grok").
//!
//! Words are split like tantivy's `SimpleTokenizer` (runs of alphanumeric characters),
//! except that a possessive `'s` (`'`, `’` or `ʼ` followed by `s` at the end of a word) is
//! kept inside the token's span and dropped from its text: "Spearman’s" is the one token
//! `spearman` covering all ten characters, so that "spearmans" (stemmed to `spearman`),
//! "Spearman's" and "Spearman’s" all match and highlights mark the whole word.
//!
//! Exact-value fields (`type`, `kind`, `level`, `category`, `topic`) are untokenised
//! strings, indexed for filters and columnar (FAST) for facet counts; those of the list
//! filters (`author_key`, `venue_key`, `has`) are indexed only. Sort keys and numbers
//! (`year`, `created`, `updated`, `title_sort`) are columnar only: ranges and sorting
//! read them per document. See tantivy's
//! `schema` module documentation and `examples/custom_tokenizer.rs`.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};

/// Bump whenever the schema, an analyzer or what a document holds changes: an index
/// written with another version is rebuilt from the store on open.
pub const SCHEMA_VERSION: u32 = 5;

/// Name of the stemmed analyzer.
pub const TEXT_ANALYZER: &str = "lore_text";
/// Name of the unstemmed analyzer used for typo and prefix matching.
pub const RAW_ANALYZER: &str = "lore_raw";

/// Tokens longer than this many bytes are dropped (base64 blobs, long URLs): they cost
/// index space and fuzzy-matching time and nobody types them.
pub const MAX_TOKEN_BYTES: usize = 40;

/// Handles on every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `r{id}` or `c{id}`: the unique key documents are replaced and deleted by.
    pub key: Field,
    /// The record's internal id (FAST), to find resources that mention a concept.
    pub id: Field,
    /// `resource` or `concept` (exact, FAST, stored).
    pub entity_type: Field,
    /// The record's slug (stored).
    pub slug: Field,
    /// Title of a resource, name and aliases of a concept (stemmed, stored; the first
    /// value is the title).
    pub title: Field,
    /// What plain words are searched in (stemmed): the title twice (see
    /// `document::TITLE_WEIGHT`), aliases, description or definition, note, linked
    /// concept names, authors, venue, kind, level and category labels.
    pub text: Field,
    /// Author names (stemmed), for `author:` queries.
    pub author: Field,
    /// Everything in `title` and `text`, unstemmed: for typo and prefix matching.
    pub raw: Field,
    /// Description or definition as written (stored only), for snippets.
    pub body: Field,
    /// Where to read the resource (stored only).
    pub url: Field,
    /// Resource kind (exact, FAST).
    pub kind: Field,
    /// Resource level (exact, FAST).
    pub level: Field,
    /// Concept category (exact, FAST).
    pub category: Field,
    /// Slugs of linked concepts (exact, FAST, multi-valued).
    pub topic: Field,
    /// Name keys of linked concepts (exact), so `topic=object detection` matches too.
    pub topic_key: Field,
    /// Internal ids of linked concepts (indexed), to refresh resources when a concept
    /// changes.
    pub concept: Field,
    /// Publication year (FAST), for `year=` and `sort=year`.
    pub year: Field,
    /// When lore created the record, seconds since 1970 (FAST), for `sort=created_at`.
    pub created: Field,
    /// When the record last changed, seconds since 1970 (FAST), for `updated_since=` and
    /// `sort=updated_at`.
    pub updated: Field,
    /// The title's sort key (FAST), for `sort=title`.
    pub title_sort: Field,
    /// Author keys (exact), for `author=`.
    pub author_key: Field,
    /// The venue's match key (exact), for `venue=`.
    pub venue_key: Field,
    /// Identifiers the resource has: `doi`, `url`, `arxiv` (exact), for `has=`.
    pub has: Field,
}

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let stemmed = |stored: bool| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(TEXT_ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let raw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(RAW_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            key: builder.add_text_field("key", STRING),
            id: builder.add_u64_field("id", FAST),
            entity_type: builder.add_text_field("type", STRING | FAST | STORED),
            slug: builder.add_text_field("slug", STORED),
            title: builder.add_text_field("title", stemmed(true)),
            text: builder.add_text_field("text", stemmed(false)),
            author: builder.add_text_field("author", stemmed(false)),
            raw: builder.add_text_field("raw", raw),
            body: builder.add_text_field("body", STORED),
            url: builder.add_text_field("url", STORED),
            kind: builder.add_text_field("kind", STRING | FAST),
            level: builder.add_text_field("level", STRING | FAST),
            category: builder.add_text_field("category", STRING | FAST),
            topic: builder.add_text_field("topic", STRING | FAST),
            topic_key: builder.add_text_field("topic_key", STRING),
            concept: builder.add_u64_field("concept", INDEXED),
            year: builder.add_i64_field("year", FAST),
            created: builder.add_i64_field("created", FAST),
            updated: builder.add_i64_field("updated", FAST),
            title_sort: builder.add_text_field("title_sort", FAST),
            author_key: builder.add_text_field("author_key", STRING),
            venue_key: builder.add_text_field("venue_key", STRING),
            has: builder.add_text_field("has", STRING),
        };
        (builder.build(), fields)
    }

    /// Reads the field handles of an index built from [`Fields::schema`].
    ///
    /// # Errors
    /// When a field is missing (the index was built with another schema).
    pub fn of(schema: &Schema) -> tantivy::Result<Fields> {
        Ok(Fields {
            key: schema.get_field("key")?,
            id: schema.get_field("id")?,
            entity_type: schema.get_field("type")?,
            slug: schema.get_field("slug")?,
            title: schema.get_field("title")?,
            text: schema.get_field("text")?,
            author: schema.get_field("author")?,
            raw: schema.get_field("raw")?,
            body: schema.get_field("body")?,
            url: schema.get_field("url")?,
            kind: schema.get_field("kind")?,
            level: schema.get_field("level")?,
            category: schema.get_field("category")?,
            topic: schema.get_field("topic")?,
            topic_key: schema.get_field("topic_key")?,
            concept: schema.get_field("concept")?,
            year: schema.get_field("year")?,
            created: schema.get_field("created")?,
            updated: schema.get_field("updated")?,
            title_sort: schema.get_field("title_sort")?,
            author_key: schema.get_field("author_key")?,
            venue_key: schema.get_field("venue_key")?,
            has: schema.get_field("has")?,
        })
    }
}

/// The stemmed analyzer: words, at most [`MAX_TOKEN_BYTES`], lower case, ASCII-folded,
/// English Snowball stems.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer)
        .build()
}

/// Most words a [`CachedStemmer`] remembers before it starts afresh.
const STEM_CACHE_WORDS: usize = 100_000;

/// English Snowball stemming (as tantivy's `Stemmer::new(Language::English)`) that
/// remembers the stems of the words it has seen. Word frequencies are skewed, so while an
/// index segment is written (one analyzer per field and indexing thread, living as long as
/// the segment) most words are looked up, not stemmed again. A clone starts with an empty
/// memory: analyzers fetched for one query stay cheap.
#[derive(Clone, Copy, Default)]
struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            stems: std::collections::HashMap::new(),
            inner: tokenizer,
        }
    }
}

struct CachedStemmerFilter<T> {
    stems: std::collections::HashMap<String, String>,
    inner: T,
}

impl<T: Clone> Clone for CachedStemmerFilter<T> {
    fn clone(&self) -> Self {
        CachedStemmerFilter {
            stems: std::collections::HashMap::new(),
            inner: self.inner.clone(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.stems.len() >= STEM_CACHE_WORDS {
            self.stems.clear();
        }
        CachedStemmerStream {
            stems: &mut self.stems,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            tail: self.inner.token_stream(text),
        }
    }
}

struct CachedStemmerStream<'a, T> {
    stems: &'a mut std::collections::HashMap<String, String>,
    stemmer: frostem::Stemmer,
    tail: T,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
        } else {
            let stem = self.stemmer.stem(&token.text).into_owned();
            let word = std::mem::replace(&mut token.text, stem.clone());
            self.stems.insert(word, stem);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The unstemmed analyzer: as [`text_analyzer`] without the stemmer.
pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Stems one lower-case, ASCII-folded word as the stemmed analyzer does.
pub fn stem(word: &str) -> String {
    frostem::Stemmer::new(frostem::Algorithm::English)
        .stem(word)
        .into_owned()
}

/// The analyzer snippets are made with: the stemmed analyzer, except that only words
/// that may stem to one of `stems` are stemmed (the others cannot be highlighted, and
/// stemming is the costly step). A Snowball English stem keeps the word's first two
/// letters (bar three exceptions such as "dying" → "die"), so a word is stemmed when it
/// begins like one of the stems.
pub fn snippet_analyzer<'a>(stems: impl IntoIterator<Item = &'a str>) -> TextAnalyzer {
    let keys: Vec<Vec<u8>> = stems
        .into_iter()
        .map(|s| s.as_bytes()[..s.len().min(2)].to_vec())
        .collect();
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(SelectiveStemmer {
            keys: std::sync::Arc::new(keys),
        })
        .build()
}

/// Stems the words that begin with one of `keys` (see [`snippet_analyzer`]).
#[derive(Clone)]
struct SelectiveStemmer {
    keys: std::sync::Arc<Vec<Vec<u8>>>,
}

impl TokenFilter for SelectiveStemmer {
    type Tokenizer<T: Tokenizer> = SelectiveStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> SelectiveStemmerFilter<T> {
        SelectiveStemmerFilter {
            keys: self.keys,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
struct SelectiveStemmerFilter<T> {
    keys: std::sync::Arc<Vec<Vec<u8>>>,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for SelectiveStemmerFilter<T> {
    type TokenStream<'a> = SelectiveStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SelectiveStemmerStream {
            keys: &self.keys,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            tail: self.inner.token_stream(text),
        }
    }
}

struct SelectiveStemmerStream<'a, T> {
    keys: &'a [Vec<u8>],
    stemmer: frostem::Stemmer,
    tail: T,
}

impl<T: TokenStream> TokenStream for SelectiveStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let bytes = token.text.as_bytes();
        if self.keys.iter().any(|key| bytes.starts_with(key))
            && let std::borrow::Cow::Owned(stemmed) = self.stemmer.stem(&token.text)
        {
            token.text = stemmed;
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Registers lore's analyzers on an index; tantivy does not persist tokenizers, so every
/// opened index needs this before indexing or searching.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
    index.tokenizers().register(RAW_ANALYZER, raw_analyzer());
}

/// Every token of `text` through `analyzer`, in order.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Splits text into runs of alphanumeric characters, folding a possessive `'s` into the
/// preceding word's span (see the module documentation).
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The token stream of [`WordTokenizer`].
pub struct WordStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to look at.
    cursor: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            cursor: 0,
            token: &mut self.token,
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let rest = &self.text[self.cursor..];
        let Some((start_in_rest, _)) = rest.char_indices().find(|(_, c)| c.is_alphanumeric())
        else {
            self.cursor = self.text.len();
            return false;
        };
        let start = self.cursor + start_in_rest;
        let word_len = self.text[start..]
            .char_indices()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(self.text.len() - start, |(i, _)| i);
        let end = start + word_len;
        // A possessive: apostrophe, `s`, then the end of the word.
        let mut span_end = end;
        let mut after = self.text[end..].chars();
        if let (Some(apostrophe), Some(s)) = (after.next(), after.next())
            && is_apostrophe(apostrophe)
            && (s == 's' || s == 'S')
            && !after.next().is_some_and(char::is_alphanumeric)
        {
            span_end = end + apostrophe.len_utf8() + 1;
        }
        self.token.offset_from = start;
        self.token.offset_to = span_end;
        self.token.text.push_str(&self.text[start..end]);
        self.cursor = span_end;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(String, usize, usize)> {
        let mut tokenizer = WordTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn possessives_stay_inside_the_word() {
        assert_eq!(
            spans("Spearman’s rank"),
            [("Spearman".to_owned(), 0, 12), ("rank".to_owned(), 13, 17)]
        );
        assert_eq!(spans("Spearman's")[0], ("Spearman".to_owned(), 0, 10));
        assert_eq!(spans("Bayesʼs rule").len(), 2);
    }

    #[test]
    fn other_apostrophes_split_like_the_simple_tokenizer() {
        let words: Vec<String> = spans("don't o'neil it's'x")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(words, ["don", "t", "o", "neil", "it", "x"]);
    }

    #[test]
    fn punctuation_emoji_and_empty_text_give_no_tokens() {
        assert!(spans("").is_empty());
        assert!(spans("(( ++ -- 🎉 \u{2019} :").is_empty());
        assert_eq!(spans("C++"), [("C".to_owned(), 0, 1)]);
    }

    #[test]
    fn the_three_spellings_of_spearmans_analyse_alike() {
        let mut text = text_analyzer();
        for spelling in ["spearmans", "Spearman's", "Spearman’s", "SPEARMAN"] {
            assert_eq!(analyze(&mut text, spelling), ["spearman"], "{spelling}");
        }
    }

    #[test]
    fn text_is_folded_and_stemmed_raw_only_folded() {
        let mut text = text_analyzer();
        let mut raw = raw_analyzer();
        assert_eq!(
            analyze(&mut text, "Régularisation Detections"),
            ["regularis", "detect"]
        );
        assert_eq!(
            analyze(&mut raw, "Régularisation Detections"),
            ["regularisation", "detections"]
        );
        assert!(analyze(&mut raw, &"x".repeat(MAX_TOKEN_BYTES + 1)).is_empty());
    }

    #[test]
    fn single_words_and_snippets_stem_like_the_analyzer() {
        let mut text = text_analyzer();
        for word in [
            "detections",
            "regularisation",
            "spearman",
            "happy",
            "running",
            "a",
        ] {
            assert_eq!(analyze(&mut text, word), [stem(word)], "{word}");
        }
        let mut snippets = snippet_analyzer(["detect", "happi"]);
        assert_eq!(
            analyze(&mut snippets, "Detections of happy runners"),
            ["detect", "of", "happi", "runners"]
        );
    }

    #[test]
    fn remembered_stems_are_the_stemmer_s() {
        use tantivy::tokenizer::{Language, Stemmer};
        let mut plain = TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut cached = text_analyzer();
        let text = "Runners running ran; the runner runs. Generalisation generalises, \
                    generalising the GENERALISED running dogs' dog";
        // Twice through the same analyzer: the second pass reads every stem from memory.
        for _ in 0..2 {
            assert_eq!(analyze(&mut cached, text), analyze(&mut plain, text));
        }
        let mut fresh = cached.clone();
        assert_eq!(analyze(&mut fresh, text), analyze(&mut plain, text));
    }

    #[test]
    fn the_schema_reads_back_its_fields() {
        let (schema, fields) = Fields::schema();
        let again = Fields::of(&schema).unwrap();
        assert_eq!(fields.topic, again.topic);
        assert_eq!(fields.raw, again.raw);
    }
}
