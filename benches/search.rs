//! The search benchmark (`scripts/bench-search.sh` runs it; see README, "Benchmarks").
//!
//! `run --docs N` generates a deterministic corpus of N resources, loads it through lore's
//! store (`Tx::insert_resource`, links and change log, as the importer writes), times a
//! full index rebuild (the code of `lore reindex`), loads the same documents into a
//! PostgreSQL full-text table (tsvector + GIN, `websearch_to_tsquery`) and an SQLite FTS5
//! table, then starts itself as a server process (`serve`) exposing lore's real routes
//! plus `/bench/pg-fts`, `/bench/sqlite-fts5` and `/bench/noop` on the same actix stack,
//! drives each endpoint with `wrk` over a fixed query mix, samples the server's RSS, and
//! writes the figures to `target/bench-search/results-N.json`. `report` renders every
//! results file into `BENCHMARKS.md`.
//!
//! The comparison endpoints and their SQL live here, not in lore: they are not part of
//! the product.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use lore::config::{Settings, StoreSettings};
use lore::domain::{
    Category, ConceptData, EntityType, Level, Person, Relation, ResourceData, ResourceKind, Slug,
};
use lore::search::{IndexLocation, Indexer, SearchIndex, WriterBudget};
use lore::startup::{Application, ExtraRoutes};
use lore::store::{ChangeOp, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, Row};

/// Changes to the generator or the query mix must bump this (cached corpora are reused
/// only when it matches).
const CORPUS_VERSION: u32 = 1;
const SEED: u64 = 20_261_130;
const TOPICS: usize = 1_000;
const QUERIES: usize = 500;
const LIMIT: usize = 10;

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The allocator of the `lore` binary, so the server measured is the one users run.
/// mimalloc: tantivy's indexing threads, sqlx's row decoding and the HTTP workers all
/// allocate small blocks from several threads at once, where glibc's allocator spends
/// its time on locks and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `cargo bench` appends `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("serve") => serve(&args[1..]),
        Some("report") => report(&args[1..]),
        Some("profile") => profile(&args[1..]),
        Some("rebuild") => rebuild_only(&args[1..]),
        _ => Err("usage: search (run --docs N [--connections C] [--duration S] [--no-compare] [--fresh] | report)".into()),
    };
    if let Err(err) = result {
        eprintln!("bench-search: {err}");
        std::process::exit(1);
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn has(args: &[String], name: &str) -> bool {
    args.iter().any(|a| a == name)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-search")
}

fn pg_admin_url() -> String {
    std::env::var("LORE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn pg_url(docs: usize) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/lore_bench_{docs}")
}

// ---------------------------------------------------------------------------------------
// The corpus: deterministic titles and descriptions over a Zipf-distributed vocabulary.
// ---------------------------------------------------------------------------------------

/// Frequent words first: English function words and the field's vocabulary, then
/// generated words for the long tail.
const HEAD: &str = "the of and a to in for with on is learning deep neural network networks model \
models data using from by an as are we this that training based via approach method methods \
our which can be it its at or paper results learn task tasks performance new two show propose \
image images language classification detection object representation representations \
generative adversarial reinforcement graph attention transformer transformers convolutional \
recurrent optimization gradient descent stochastic bayesian inference probabilistic \
variational autoencoder embedding embeddings semantic segmentation supervised unsupervised \
self semi contrastive pretraining fine tuning transfer domain adaptation robust robustness \
adversarial examples benchmark dataset datasets evaluation metric metrics accuracy loss \
function functions layer layers architecture architectures efficient scalable large scale \
small sample samples sampling policy value agent agents environment reward planning control \
sequence sequences time series forecasting speech recognition translation machine text \
generation question answering retrieval search ranking recommendation systems system \
knowledge reasoning causal fairness bias privacy federated distributed parallel hardware \
memory compression pruning quantization distillation sparse dense matrix tensor kernel \
kernels regression linear nonlinear convex theory analysis theoretical bounds guarantees \
generalization overfitting regularization dropout normalization batch weight weights \
initialization activation functions residual skip connections encoder decoder diffusion \
flow flows energy score matching contrastive clustering dimensionality reduction manifold \
visualization interpretability explanation explainable uncertainty calibration \
estimation detection anomaly outlier noise noisy labels label weak active online continual \
lifelong meta few shot zero multi modal multimodal vision video audio point cloud 3d \
medical clinical biology protein molecule chemistry physics climate finance tutorial course \
introduction practical guide lecture notes survey review overview primer hands python \
pytorch tensorflow jax notebook code implementation library framework toolkit open source";

/// Words that carry no meaning on their own, left out of generated queries.
const STOPWORDS: &[&str] = &[
    "the", "of", "and", "a", "to", "in", "for", "with", "on", "is", "using", "from", "by", "an",
    "as", "are", "we", "this", "that", "via", "our", "which", "can", "be", "it", "its", "at", "or",
    "two", "new", "show",
];

const GIVEN: &[&str] = &[
    "Ada",
    "Alan",
    "Yann",
    "Geoffrey",
    "Yoshua",
    "Fei",
    "Andrew",
    "Ian",
    "Kaiming",
    "Shaoqing",
    "Ross",
    "Jitendra",
    "Daphne",
    "Michael",
    "Judea",
    "Leslie",
    "Christopher",
    "Sebastian",
    "Hinrich",
    "Tomas",
    "Ilya",
    "Oriol",
    "Demis",
    "Percy",
    "Chelsea",
    "Sergey",
    "Pieter",
];
const FAMILY: &[&str] = &[
    "Lovelace",
    "Turing",
    "LeCun",
    "Hinton",
    "Bengio",
    "Li",
    "Ng",
    "Goodfellow",
    "He",
    "Ren",
    "Girshick",
    "Malik",
    "Koller",
    "Jordan",
    "Pearl",
    "Kaelbling",
    "Manning",
    "Thrun",
    "Schütze",
    "Mikolov",
    "Sutskever",
    "Vinyals",
    "Hassabis",
    "Liang",
    "Finn",
    "Levine",
    "Abbeel",
    "Müller",
    "García",
    "Nguyen",
    "Zhang",
    "Wang",
    "Kim",
    "Okafor",
    "Ivanova",
];

struct Vocabulary {
    words: Vec<String>,
    /// Cumulative Zipf weights (s = 1.0).
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(size: usize) -> Vocabulary {
        let mut words: Vec<String> = Vec::with_capacity(size);
        let mut seen = HashSet::new();
        for word in HEAD.split_whitespace() {
            if seen.insert(word.to_owned()) {
                words.push(word.to_owned());
            }
        }
        let mut rng = StdRng::seed_from_u64(SEED);
        const ONSETS: &[&str] = &[
            "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br",
            "cr", "dr", "gr", "pr", "st", "tr", "ch", "sh", "th", "pl", "cl", "sp", "qu",
        ];
        const NUCLEI: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"];
        const CODAS: &[&str] = &["", "", "", "n", "r", "s", "l", "t", "m", "x", "nd", "st"];
        while words.len() < size {
            let syllables = rng.random_range(2..=4);
            let mut word = String::new();
            for _ in 0..syllables {
                word.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
                word.push_str(NUCLEI[rng.random_range(0..NUCLEI.len())]);
            }
            word.push_str(CODAS[rng.random_range(0..CODAS.len())]);
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut cumulative = Vec::with_capacity(size);
        let mut total = 0.0;
        for rank in 1..=size {
            total += 1.0 / rank as f64;
            cumulative.push(total);
        }
        Vocabulary { words, cumulative }
    }

    fn word(&self, rng: &mut StdRng) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = rng.random::<f64>() * total;
        let i = self
            .cumulative
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

/// One generated resource.
struct Doc {
    title: String,
    description: String,
    kind: ResourceKind,
    level: Option<Level>,
    authors: Vec<Person>,
    topics: Vec<usize>,
}

fn sentence(vocab: &Vocabulary, rng: &mut StdRng, words: usize, capitalise: bool) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let word = vocab.word(rng);
        if capitalise && (i == 0 || (word.len() > 3 && rng.random_bool(0.6))) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(word);
        }
    }
    out
}

/// The document with this number; the same for every run.
fn doc(vocab: &Vocabulary, n: usize) -> Doc {
    let mut rng = StdRng::seed_from_u64(SEED ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    // Titles: 3 to 14 words (mean about 8, ~60 characters).
    let title_words = 3 + rng.random_range(0..6) + rng.random_range(0..6);
    let mut title = sentence(vocab, &mut rng, title_words, true);
    if rng.random_bool(0.2) {
        title.push_str(": ");
        let words = rng.random_range(2..5);
        title.push_str(&sentence(vocab, &mut rng, words, true));
    }
    // Descriptions: 0 to 4 sentences of 8 to 25 words (mean ~45 words, ~300 characters).
    let sentences = rng.random_range(0..=4);
    let mut description = String::new();
    for _ in 0..sentences {
        let words = rng.random_range(8..=25);
        description.push_str(&sentence(vocab, &mut rng, words, false));
        description.push_str(". ");
    }
    let kinds = [
        (ResourceKind::Paper, 40),
        (ResourceKind::Article, 12),
        (ResourceKind::Tutorial, 10),
        (ResourceKind::Course, 8),
        (ResourceKind::Video, 8),
        (ResourceKind::Repository, 7),
        (ResourceKind::Book, 4),
        (ResourceKind::Survey, 4),
        (ResourceKind::Documentation, 3),
        (ResourceKind::Notebook, 2),
        (ResourceKind::Dataset, 2),
    ];
    let mut pick = rng.random_range(0..100);
    let mut kind = ResourceKind::Paper;
    for (k, weight) in kinds {
        if pick < weight {
            kind = k;
            break;
        }
        pick -= weight;
    }
    let level = match rng.random_range(0..10) {
        0..=2 => Some(Level::Beginner),
        3..=5 => Some(Level::Intermediate),
        6..=7 => Some(Level::Advanced),
        8 => Some(Level::Multiple),
        _ => None,
    };
    let mut authors = Vec::new();
    if matches!(
        kind,
        ResourceKind::Paper | ResourceKind::Survey | ResourceKind::Book
    ) {
        for _ in 0..rng.random_range(1..=4) {
            authors.push(Person {
                given: Some(GIVEN[rng.random_range(0..GIVEN.len())].to_owned()),
                family: Some(FAMILY[rng.random_range(0..FAMILY.len())].to_owned()),
                ..Person::default()
            });
        }
    }
    let mut topics = Vec::new();
    for _ in 0..rng.random_range(1..=2) {
        // Skewed: a few topics tag many resources.
        let t = (rng.random::<f64>().powi(3) * TOPICS as f64) as usize;
        if !topics.contains(&t) {
            topics.push(t.min(TOPICS - 1));
        }
    }
    Doc {
        title,
        description: description.trim_end().to_owned(),
        kind,
        level,
        authors,
        topics,
    }
}

fn topic_name(vocab: &Vocabulary, t: usize) -> String {
    // Two content words from the frequent part of the vocabulary.
    let a = &vocab.words[40 + (t * 7) % 400];
    let b = &vocab.words[40 + (t * 13 + 5) % 900];
    format!("{a} {b} {t}")
}

fn is_content(word: &str) -> bool {
    !STOPWORDS.contains(&word.to_lowercase().as_str()) && word.chars().count() >= 3
}

/// The query mix: words a user would type to find a resource they half remember, typed
/// with typos or as search-as-you-type prefixes, and some broad topical queries.
fn queries(vocab: &Vocabulary, docs: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let mut out = Vec::with_capacity(QUERIES);
    while out.len() < QUERIES {
        let d = doc(vocab, rng.random_range(0..docs));
        let words: Vec<String> = d
            .title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| is_content(w))
            .map(str::to_lowercase)
            .collect();
        if words.len() < 3 {
            continue;
        }
        let start = rng.random_range(0..words.len() - 2);
        let kind = rng.random_range(0..100);
        let q = match kind {
            // Two words of a title.
            0..=34 => format!("{} {}", words[start], words[start + 1]),
            // One word.
            35..=49 => words[start].clone(),
            // Three words.
            50..=62 => format!("{} {} {}", words[start], words[start + 1], words[start + 2]),
            // A typo in a long word.
            63..=72 => {
                let (i, long) = match words[start..start + 2]
                    .iter()
                    .enumerate()
                    .find(|(_, w)| w.len() >= 5)
                {
                    Some((i, w)) => (i, w.clone()),
                    None => continue,
                };
                let mut chars: Vec<char> = long.chars().collect();
                let at = rng.random_range(1..chars.len() - 1);
                if rng.random_bool(0.5) {
                    chars.swap(at, at + 1);
                } else {
                    chars.remove(at);
                }
                let typo: String = chars.into_iter().collect();
                let other = &words[start + 1 - i];
                if i == 0 {
                    format!("{typo} {other}")
                } else {
                    format!("{other} {typo}")
                }
            }
            // Search as you type: the last word cut short.
            73..=87 => {
                let last = &words[start + 1];
                let cut: String = last.chars().take(3.max(last.chars().count() / 2)).collect();
                format!("{} {cut}", words[start])
            }
            // A phrase.
            88..=94 => format!("\"{} {}\"", words[start], words[start + 1]),
            // A broad topical word pair from the frequent vocabulary.
            _ => {
                let a = &vocab.words[40 + rng.random_range(0..200)];
                let b = &vocab.words[40 + rng.random_range(0..200)];
                format!("{a} {b}")
            }
        };
        out.push(q);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Loading: lore's store (the real write path), PostgreSQL FTS, SQLite FTS5.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
struct Prepared {
    version: u32,
    docs: usize,
    load_seconds: f64,
}

async fn load_store(store: &Store, vocab: &Vocabulary, docs: usize) -> AnyResult<()> {
    let started = Instant::now();
    let mut tx = store.begin().await?;
    let mut topic_ids = Vec::with_capacity(TOPICS);
    for t in 0..TOPICS {
        let name = topic_name(vocab, t);
        let slug = Slug::from_title(&name, "topic");
        let data = ConceptData {
            name,
            category: Some(Category::Topic),
            ..ConceptData::default()
        };
        let id = tx.insert_concept(&slug, &data).await?;
        tx.append_change(
            EntityType::Concept,
            id,
            slug.as_str(),
            ChangeOp::Create,
            None,
        )
        .await?;
        topic_ids.push(id);
    }
    tx.commit().await?;
    let mut tx = store.begin().await?;
    for n in 0..docs {
        let d = doc(vocab, n);
        let slug = Slug::parse(&format!("doc-{n}"))?;
        let data = ResourceData {
            kind: Some(d.kind),
            title: d.title,
            url: Some(format!("https://example.org/doc/{n}")),
            level: d.level,
            description: (!d.description.is_empty()).then_some(d.description),
            authors: d.authors,
            ..ResourceData::default()
        };
        let id = tx.insert_resource(&slug, &data, None, None).await?;
        for t in d.topics {
            tx.insert_link(
                (EntityType::Concept, topic_ids[t]),
                Relation::ExplainedBy,
                (EntityType::Resource, id),
                None,
            )
            .await?;
        }
        tx.append_change(
            EntityType::Resource,
            id,
            slug.as_str(),
            ChangeOp::Create,
            None,
        )
        .await?;
        if (n + 1) % 10_000 == 0 {
            tx.commit().await?;
            tx = store.begin().await?;
            eprint!(
                "\r  store: {} of {docs} resources ({:.0}/s)   ",
                n + 1,
                (n + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    tx.commit().await?;
    eprintln!(
        "\r  store: {docs} resources in {:.1} s            ",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn copy_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

async fn load_postgres(vocab: &Vocabulary, docs: usize) -> AnyResult<()> {
    let started = Instant::now();
    let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await?;
    let name = format!("lore_bench_{docs}");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let mut conn = sqlx::PgConnection::connect(&pg_url(docs)).await?;
    sqlx::query(
        "CREATE TABLE bench_docs (id bigint PRIMARY KEY, slug text NOT NULL, title text NOT NULL, \
         description text, tsv tsvector GENERATED ALWAYS AS \
         (setweight(to_tsvector('english', title), 'A') || \
          setweight(to_tsvector('english', coalesce(description, '')), 'B')) STORED)",
    )
    .execute(&mut conn)
    .await?;
    let mut copy = conn
        .copy_in_raw("COPY bench_docs (id, slug, title, description) FROM STDIN")
        .await?;
    let mut buffer = String::new();
    for n in 0..docs {
        let d = doc(vocab, n);
        buffer.push_str(&format!("{n}\tdoc-{n}\t"));
        copy_escape(&d.title, &mut buffer);
        buffer.push('\t');
        if d.description.is_empty() {
            buffer.push_str("\\N");
        } else {
            copy_escape(&d.description, &mut buffer);
        }
        buffer.push('\n');
        if buffer.len() > 1 << 20 {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
        }
    }
    copy.send(buffer.into_bytes()).await?;
    copy.finish().await?;
    sqlx::query("CREATE INDEX bench_docs_tsv ON bench_docs USING GIN (tsv)")
        .execute(&mut conn)
        .await?;
    sqlx::query("VACUUM ANALYZE bench_docs")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    eprintln!(
        "  postgres: {docs} rows and GIN index in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn load_fts5(path: &Path, vocab: &Vocabulary, docs: usize) -> AnyResult<()> {
    let started = Instant::now();
    let _ = std::fs::remove_file(path);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE bench_fts USING fts5(slug UNINDEXED, title, description, \
         tokenize = 'porter unicode61 remove_diacritics 2')",
    )
    .execute(&mut conn)
    .await?;
    sqlx::query("INSERT INTO bench_fts(bench_fts, rank) VALUES ('rank', 'bm25(0.0, 3.0, 1.0)')")
        .execute(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    for n in 0..docs {
        let d = doc(vocab, n);
        sqlx::query(
            "INSERT INTO bench_fts (rowid, slug, title, description) VALUES ($1, $2, $3, $4)",
        )
        .bind(n as i64)
        .bind(format!("doc-{n}"))
        .bind(d.title)
        .bind((!d.description.is_empty()).then_some(d.description))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    sqlx::query("INSERT INTO bench_fts(bench_fts) VALUES ('optimize')")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    eprintln!(
        "  sqlite fts5: {docs} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The comparison endpoints.
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct FtsHit {
    slug: String,
    title: String,
    score: f64,
    snippet: String,
}

#[derive(Serialize)]
struct FtsResults {
    items: Vec<FtsHit>,
    total: i64,
}

#[derive(Deserialize)]
struct QueryParam {
    q: String,
}

const PG_SQL: &str = "WITH query AS (SELECT websearch_to_tsquery('english', $1) AS q), \
    top AS (SELECT d.slug, d.title, d.description, ts_rank(d.tsv, query.q) AS rank, \
            count(*) OVER () AS total \
            FROM bench_docs d, query WHERE d.tsv @@ query.q ORDER BY rank DESC LIMIT 10) \
    SELECT top.slug, top.title, top.rank::float8 AS rank, top.total, \
        ts_headline('english', coalesce(top.description, top.title), query.q, \
                    'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12') AS snippet \
    FROM top, query ORDER BY top.rank DESC";

async fn pg_fts(pool: web::Data<sqlx::PgPool>, q: web::Query<QueryParam>) -> HttpResponse {
    let rows = match sqlx::query(PG_SQL)
        .bind(&q.q)
        .fetch_all(pool.get_ref())
        .await
    {
        Ok(rows) => rows,
        Err(err) => return HttpResponse::InternalServerError().body(err.to_string()),
    };
    let total = rows.first().map_or(0, |r| r.get::<i64, _>("total"));
    let items = rows
        .iter()
        .map(|r| FtsHit {
            slug: r.get("slug"),
            title: r.get("title"),
            score: r.get("rank"),
            snippet: r.get("snippet"),
        })
        .collect();
    HttpResponse::Ok().json(FtsResults { items, total })
}

/// The user's words as an FTS5 query: every word required, quoted (so no syntax can
/// fail), the last one a prefix unless the text ends in a space; a quoted text is a
/// phrase.
fn fts5_query(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    if text.trim_start().starts_with('"') {
        return format!(
            "\"{}\"",
            words
                .iter()
                .map(|w| w.trim_matches('"'))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let mut q = words.join(" ");
    if !q.is_empty() && !text.ends_with(' ') {
        q.push('*');
    }
    q
}

const FTS5_TOP: &str = "SELECT slug, title, rank, \
    snippet(bench_fts, 2, '<mark>', '</mark>', '…', 20) AS snippet \
    FROM bench_fts WHERE bench_fts MATCH $1 ORDER BY rank LIMIT 10";
const FTS5_COUNT: &str = "SELECT count(*) FROM bench_fts WHERE bench_fts MATCH $1";

async fn sqlite_fts5(pool: web::Data<sqlx::SqlitePool>, q: web::Query<QueryParam>) -> HttpResponse {
    let query = fts5_query(&q.q);
    if query.is_empty() {
        return HttpResponse::Ok().json(FtsResults {
            items: Vec::new(),
            total: 0,
        });
    }
    let rows = sqlx::query(FTS5_TOP)
        .bind(&query)
        .fetch_all(pool.get_ref())
        .await;
    let total = sqlx::query_scalar::<_, i64>(FTS5_COUNT)
        .bind(&query)
        .fetch_one(pool.get_ref())
        .await;
    match (rows, total) {
        (Ok(rows), Ok(total)) => {
            let items = rows
                .iter()
                .map(|r| FtsHit {
                    slug: r.get("slug"),
                    title: r.get("title"),
                    score: -r.get::<f64, _>("rank"),
                    snippet: r.get::<Option<String>, _>("snippet").unwrap_or_default(),
                })
                .collect();
            HttpResponse::Ok().json(FtsResults { items, total })
        }
        (Err(err), _) | (_, Err(err)) => HttpResponse::InternalServerError().body(err.to_string()),
    }
}

async fn noop(_req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(FtsResults {
        items: Vec::new(),
        total: 0,
    })
}

// ---------------------------------------------------------------------------------------
// `serve`: lore's application plus the comparison routes, in its own process.
// ---------------------------------------------------------------------------------------

fn serve(args: &[String]) -> AnyResult<()> {
    let docs: usize = flag(args, "--docs").ok_or("--docs")?.parse()?;
    let port: u16 = flag(args, "--port").ok_or("--port")?.parse()?;
    let dir = out_dir().join(docs.to_string());
    let compare = !has(args, "--no-compare");
    runtime().block_on(async move {
        let extra: ExtraRoutes = if compare {
            let pg = sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .connect(&pg_url(docs))
                .await?;
            let fts_url = format!("sqlite://{}?mode=ro", dir.join("fts.db").display());
            let fts = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(16)
                .connect(&fts_url)
                .await?;
            let pg = web::Data::new(pg);
            let fts = web::Data::new(fts);
            Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(pg.clone())
                    .app_data(fts.clone())
                    .route("/bench/pg-fts", web::get().to(pg_fts))
                    .route("/bench/sqlite-fts5", web::get().to(sqlite_fts5))
                    .route("/bench/noop", web::get().to(noop));
            })
        } else {
            Arc::new(|cfg: &mut web::ServiceConfig| {
                cfg.route("/bench/noop", web::get().to(noop));
            })
        };
        let store = StoreSettings {
            data_dir: dir.clone(),
            database_url: None,
        };
        let mut settings = Settings::new(store, format!("127.0.0.1:{port}").parse()?);
        settings.seed_dir = None;
        // The load generator is one client: a rate limit would measure the limiter.
        settings.rate_limit = None;
        let app = Application::build_with(&settings, Some(extra)).await?;
        eprintln!("  serving on {}", app.addr());
        app.run_until_stopped().await?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// `run`: prepare, rebuild, serve, measure.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Measurement {
    endpoint: String,
    connections: usize,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    errors: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Results {
    docs: usize,
    documents_indexed: u64,
    rebuild_seconds: f64,
    rebuild_docs_per_second: f64,
    merge_seconds: f64,
    index_bytes: u64,
    rss_bytes: u64,
    rss_anon_bytes: u64,
    rss_file_bytes: u64,
    duration_seconds: u64,
    measurements: Vec<Measurement>,
    machine: String,
    command: String,
    date: String,
}

fn run(args: &[String]) -> AnyResult<()> {
    let docs: usize = flag(args, "--docs")
        .ok_or("--docs N is required")?
        .parse()?;
    let connections: usize = flag(args, "--connections").map_or(Ok(16), |c| c.parse())?;
    let duration: u64 = flag(args, "--duration").map_or(Ok(10), |c| c.parse())?;
    let compare = !has(args, "--no-compare");
    let fresh = has(args, "--fresh");
    let dir = out_dir().join(docs.to_string());
    std::fs::create_dir_all(&dir)?;
    let vocab = Vocabulary::new(40_000);
    let queries = queries(&vocab, docs);

    eprintln!("corpus of {docs} resources in {}", dir.display());
    let marker = dir.join("prepared.json");
    let prepared: Option<Prepared> = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(|p: &Prepared| p.version == CORPUS_VERSION && p.docs == docs && !fresh);
    let rt = runtime();
    if prepared.is_none() {
        for stale in [
            "lore.db",
            "lore.db-wal",
            "lore.db-shm",
            "fts.db",
            "fts.db-wal",
            "fts.db-shm",
        ] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        let _ = std::fs::remove_dir_all(dir.join("index"));
        let started = Instant::now();
        rt.block_on(async {
            let store = Store::connect(&format!(
                "sqlite://{}?mode=rwc",
                dir.join("lore.db").display()
            ))
            .await?;
            load_store(&store, &vocab, docs).await?;
            store.close().await;
            load_fts5(&dir.join("fts.db"), &vocab, docs).await?;
            if compare {
                load_postgres(&vocab, docs).await?;
            }
            AnyResult::Ok(())
        })?;
        let prepared = Prepared {
            version: CORPUS_VERSION,
            docs,
            load_seconds: started.elapsed().as_secs_f64(),
        };
        std::fs::write(&marker, serde_json::to_string(&prepared)?)?;
    }

    // The rebuild, as `lore reindex` does it.
    let (stats, merge_seconds, index_bytes) = rt.block_on(async {
        let store = Store::connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.join("lore.db").display()
        ))
        .await?;
        let (index, _) = SearchIndex::open(&IndexLocation::Dir(dir.join("index")))?;
        let mut indexer = Indexer::new(index.clone(), store.clone(), WriterBudget::rebuild())?;
        let stats = indexer.rebuild(|_| {}).await?;
        eprintln!(
            "  rebuild: {} documents in {:.2} s ({:.0} docs/s)",
            stats.documents,
            stats.elapsed.as_secs_f64(),
            stats.docs_per_second()
        );
        let merging = Instant::now();
        indexer.merge_segments().await?;
        let merge_seconds = merging.elapsed().as_secs_f64();
        drop(indexer.with_budget(WriterBudget::FOLLOW).await?);
        eprintln!(
            "  merge: {merge_seconds:.2} s, index {:.1} MB",
            index.size_bytes() as f64 / 1e6
        );
        store.close().await;
        AnyResult::Ok((stats, merge_seconds, index.size_bytes()))
    })?;
    drop(rt);

    // The server, in its own process so that its RSS is its own.
    let port = free_port()?;
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "serve",
            "--docs",
            &docs.to_string(),
            "--port",
            &port.to_string(),
        ])
        .args(if compare {
            &[][..]
        } else {
            &["--no-compare"][..]
        })
        .env("LORE_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()?;
    let outcome = measure(
        &mut child,
        port,
        docs,
        connections,
        duration,
        compare,
        &queries,
        &dir,
    );
    let _ = child.kill();
    let _ = child.wait();
    let (measurements, rss) = outcome?;

    let results = Results {
        docs,
        documents_indexed: stats.documents,
        rebuild_seconds: stats.elapsed.as_secs_f64(),
        rebuild_docs_per_second: stats.docs_per_second(),
        merge_seconds,
        index_bytes,
        rss_bytes: rss.0,
        rss_anon_bytes: rss.1,
        rss_file_bytes: rss.2,
        duration_seconds: duration,
        measurements,
        machine: machine(),
        command: format!("scripts/bench-search.sh {docs}"),
        date: date(),
    };
    let path = out_dir().join(format!("results-{docs}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    eprintln!("wrote {}", path.display());
    print_results(&results);
    Ok(())
}

/// Rebuilds a prepared corpus's index (for `perf record`).
fn rebuild_only(args: &[String]) -> AnyResult<()> {
    let docs: usize = flag(args, "--docs")
        .ok_or("--docs N is required")?
        .parse()?;
    let dir = out_dir().join(docs.to_string());
    runtime().block_on(async {
        let store = Store::connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.join("lore.db").display()
        ))
        .await?;
        let (index, _) = SearchIndex::open(&IndexLocation::Dir(dir.join("index")))?;
        let mut indexer = Indexer::new(index.clone(), store.clone(), WriterBudget::rebuild())?;
        let stats = indexer.rebuild(|_| {}).await?;
        eprintln!(
            "rebuild: {} documents in {:.2} s ({:.0} docs/s)",
            stats.documents,
            stats.elapsed.as_secs_f64(),
            stats.docs_per_second()
        );
        let merging = Instant::now();
        indexer.merge_segments().await?;
        eprintln!(
            "merge: {:.2} s, {:.1} MB",
            merging.elapsed().as_secs_f64(),
            index.size_bytes() as f64 / 1e6
        );
        drop(indexer.with_budget(WriterBudget::FOLLOW).await?);
        AnyResult::Ok(())
    })
}

/// Runs the query mix in-process against a prepared corpus's index, reporting the
/// slowest queries (for `perf record`).
fn profile(args: &[String]) -> AnyResult<()> {
    let docs: usize = flag(args, "--docs")
        .ok_or("--docs N is required")?
        .parse()?;
    let rounds: usize = flag(args, "--rounds").map_or(Ok(5), |c| c.parse())?;
    let limit: usize = flag(args, "--limit").map_or(Ok(LIMIT), |c| c.parse())?;
    let dir = out_dir().join(docs.to_string());
    let vocab = Vocabulary::new(40_000);
    let queries = queries(&vocab, docs);
    let (index, _) = SearchIndex::open(&IndexLocation::Dir(dir.join("index")))?;
    let mut times: Vec<(Duration, &String, u64)> = Vec::new();
    let started = Instant::now();
    for _ in 0..rounds {
        times.clear();
        for q in &queries {
            let t = Instant::now();
            let results = index.search(&lore::search::SearchRequest {
                text: q.clone(),
                limit,
                ..lore::search::SearchRequest::default()
            })?;
            times.push((t.elapsed(), q, results.total));
        }
    }
    let per = started.elapsed() / (rounds * queries.len()) as u32;
    times.sort();
    eprintln!(
        "mean {per:?}; p50 {:?}; p99 {:?}",
        times[times.len() / 2].0,
        times[times.len() * 99 / 100].0
    );
    for (t, q, total) in times.iter().rev().take(15) {
        eprintln!("  {t:>10.2?} {total:>7} {q:?}");
    }
    Ok(())
}

fn free_port() -> AnyResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn measure(
    child: &mut Child,
    port: u16,
    docs: usize,
    connections: usize,
    duration: u64,
    compare: bool,
    queries: &[String],
    dir: &Path,
) -> AnyResult<(Vec<Measurement>, (u64, u64, u64))> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while get(port, "/ready").is_none_or(|(s, _)| s != 200) {
        if Instant::now() > deadline || child.try_wait()?.is_some() {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every endpoint answers every query with 200 (and lore finds something for most).
    let mut found = 0;
    for q in queries {
        let (status, body) =
            get(port, &format!("/search?limit={LIMIT}&{}", encode(q))).ok_or("no answer")?;
        if status != 200 {
            return Err(format!("/search {q:?}: {status} {body}").into());
        }
        let total = serde_json::from_str::<serde_json::Value>(&body)?["total"]
            .as_u64()
            .unwrap_or(0);
        found += usize::from(total > 0);
    }
    eprintln!("  {found} of {} queries find something", queries.len());
    let lines: String = queries.iter().map(|q| format!("{}\n", encode(q))).collect();
    let query_file = dir.join("queries.txt");
    std::fs::write(&query_file, lines)?;
    let script = dir.join("queries.lua");
    std::fs::write(&script, WRK_SCRIPT)?;

    let mut endpoints: Vec<(&str, String)> = vec![
        ("lore /search", format!("/search?limit={LIMIT}&")),
        ("no-op", "/bench/noop?".to_owned()),
    ];
    if compare {
        endpoints.push(("PostgreSQL FTS", "/bench/pg-fts?".to_owned()));
        endpoints.push(("SQLite FTS5", "/bench/sqlite-fts5?".to_owned()));
        for q in queries.iter().take(20) {
            for prefix in ["/bench/pg-fts?", "/bench/sqlite-fts5?"] {
                let (status, body) =
                    get(port, &format!("{prefix}{}", encode(q))).ok_or("no answer")?;
                if status != 200 {
                    return Err(format!("{prefix} {q:?}: {status} {body}").into());
                }
            }
        }
    }
    let mut measurements = Vec::new();
    let mut rss = (0, 0, 0);
    let mut runs: Vec<(usize, &str, &String)> = Vec::new();
    for (name, prefix) in &endpoints {
        runs.push((connections, name, prefix));
    }
    runs.push((1, endpoints[0].0, &endpoints[0].1));
    for (conns, name, prefix) in runs {
        // Warm up, then measure.
        wrk(&script, &query_file, port, prefix, conns, 2)?;
        let m = wrk(&script, &query_file, port, prefix, conns, duration)?;
        eprintln!(
            "  {name:<16} c={conns:<3} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests, {} errors)",
            m.requests_per_second, m.p50_ms, m.p99_ms, m.requests, m.errors
        );
        measurements.push(Measurement {
            endpoint: name.to_owned(),
            ..m
        });
        if name == "lore /search" && conns == connections {
            rss = process_rss(child.id());
        }
    }
    let _ = docs;
    Ok((measurements, rss))
}

const WRK_SCRIPT: &str = r#"
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do queries[#queries + 1] = line end
local prefix = os.getenv("BENCH_PREFIX")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  counter = id * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", prefix .. queries[(counter % #queries) + 1])
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %f %f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors))
end
"#;

fn wrk(
    script: &Path,
    queries: &Path,
    port: u16,
    prefix: &str,
    connections: usize,
    seconds: u64,
) -> AnyResult<Measurement> {
    let threads = connections.clamp(1, 2);
    let output = Command::new("wrk")
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "30s",
            "-s",
        ])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .env("BENCH_QUERIES", queries)
        .env("BENCH_PREFIX", prefix)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .ok_or_else(|| {
            format!(
                "wrk printed no result: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let requests: u64 = fields[1].parse()?;
    let duration_us: f64 = fields[2].parse()?;
    Ok(Measurement {
        endpoint: String::new(),
        connections,
        requests_per_second: requests as f64 / (duration_us / 1e6),
        p50_ms: fields[3].parse::<f64>()? / 1000.0,
        p99_ms: fields[4].parse::<f64>()? / 1000.0,
        requests,
        errors: fields[5].parse()?,
    })
}

/// (VmRSS, RssAnon, RssFile) of a process, in bytes.
fn process_rss(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gb = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cores} cores ({model}), {mem_gb:.0} GB RAM")
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn find<'a>(results: &'a Results, endpoint: &str, connections: usize) -> Option<&'a Measurement> {
    results
        .measurements
        .iter()
        .find(|m| m.endpoint == endpoint && m.connections == connections)
}

fn print_results(results: &Results) {
    let mut out = String::new();
    render(&mut out, results);
    println!("{out}");
}

fn ratio(a: Option<&Measurement>, b: Option<&Measurement>) -> Option<f64> {
    Some(a?.requests_per_second / b?.requests_per_second.max(1e-9))
}

fn render(out: &mut String, r: &Results) {
    use std::fmt::Write as _;
    let c = r
        .measurements
        .iter()
        .map(|m| m.connections)
        .max()
        .unwrap_or(16);
    let _ = writeln!(out, "### {} resources\n", r.docs);
    let _ = writeln!(
        out,
        "Measured {} on {}; reproduce with `{}`.\n",
        r.date, r.machine, r.command
    );
    let _ = writeln!(out, "| endpoint | connections | req/s | p50 | p99 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for m in &r.measurements {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.2} ms | {:.2} ms |",
            m.endpoint, m.connections, m.requests_per_second, m.p50_ms, m.p99_ms
        );
    }
    let search = find(r, "lore /search", c);
    let _ = writeln!(out);
    let fmt = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| format!("{x:.2}×"));
    let _ = writeln!(
        out,
        "- /search vs PostgreSQL FTS: {}",
        fmt(ratio(search, find(r, "PostgreSQL FTS", c)))
    );
    let _ = writeln!(
        out,
        "- /search vs SQLite FTS5: {}",
        fmt(ratio(search, find(r, "SQLite FTS5", c)))
    );
    let _ = writeln!(
        out,
        "- /search vs the no-op ceiling: {}",
        fmt(ratio(search, find(r, "no-op", c)))
    );
    let _ = writeln!(
        out,
        "- rebuild: {} documents in {:.2} s = {:.0} docs/s (then merging into one segment: {:.2} s)",
        r.documents_indexed, r.rebuild_seconds, r.rebuild_docs_per_second, r.merge_seconds
    );
    let _ = writeln!(out, "- index size: {:.1} MB", r.index_bytes as f64 / 1e6);
    let _ = writeln!(
        out,
        "- server RSS after the /search runs: {:.0} MB ({:.0} MB heap and other anonymous memory, {:.0} MB mapped index and binary pages)",
        r.rss_bytes as f64 / 1e6,
        r.rss_anon_bytes as f64 / 1e6,
        r.rss_file_bytes as f64 / 1e6
    );
    let _ = writeln!(out);
}

fn report(args: &[String]) -> AnyResult<()> {
    let target = flag(args, "--out").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md"),
        PathBuf::from,
    );
    let mut all: BTreeMap<usize, Results> = BTreeMap::new();
    for entry in std::fs::read_dir(out_dir())? {
        let path = entry?.path();
        let is_result = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("results-") && n.ends_with(".json"));
        if is_result {
            let results: Results = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            all.insert(results.docs, results);
        }
    }
    let existing = std::fs::read_to_string(&target).unwrap_or_default();
    let begin = "<!-- results: generated by scripts/bench-search.sh; do not edit by hand -->";
    let end = "<!-- end of results -->";
    let mut generated = String::new();
    generated.push_str(begin);
    generated.push('\n');
    for results in all.values() {
        render(&mut generated, results);
    }
    generated.push_str(end);
    let text = match (existing.find(begin), existing.find(end)) {
        (Some(b), Some(e)) if b < e => format!(
            "{}{}{}",
            &existing[..b],
            generated,
            &existing[e + end.len()..]
        ),
        _ => format!("{existing}\n{generated}\n"),
    };
    std::fs::write(&target, text)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}
