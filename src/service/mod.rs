//! Use cases: the only layer that touches both the store and the search index.

mod citation;
mod export;
mod import;
mod keys;
mod known;
mod merge;
mod overview;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use export::{ExportChunk, ExportFormat};
pub use import::{ImportOptions, ImportProgress, ImportReport, ImportSummary, RecordCounts};

pub use keys::{AuthFailure, MAX_KEY_NAME, Principal};
pub use overview::Overview;
pub use write::LinkOutcome;

use crate::catalogue::{self, ParseError};
use crate::domain::{EntityType, Slug};
use crate::search::{SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::store::{
    ConceptFilter, Page, PageRequest, ResourceFilter, Store, StoreError, StoredConcept, StoredLink,
    StoredResource,
};

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no {entity} has the slug `{slug}`")]
    NotFound { entity: &'static str, slug: String },
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Two files of one import would be the same source: a re-import syncs a source by
    /// its name, so one would remove the other's records.
    #[error(
        "{path}: another file of this import, {other}, has the source name `{name}` (a source is named by its path within the directory or book given, or by its file name); import them separately or rename one"
    )]
    SameSourceName {
        path: String,
        other: String,
        name: String,
    },
    /// A Jupyter Book's `_toc.yml` or `_config.yml` could not be read.
    #[error(transparent)]
    Book(#[from] catalogue::book::BookError),
    #[error("a key name is 1 to 64 characters of A-Z a-z 0-9 - _ . @; {name:?} is not")]
    InvalidKeyName { name: String },
    #[error("a key named `{name}` already exists")]
    KeyExists { name: String },
    #[error("{what}")]
    Conflict { field: &'static str, what: String },
    #[error("the {entity} `{slug}` has changed since it was read")]
    Stale { entity: &'static str, slug: String },
    #[error("`{slug}` is cited as `{key}`; issued citation keys never change")]
    KeyChange { slug: String, key: String },
    #[error("`{slug}` cannot link to itself")]
    SelfLink { slug: String },
    /// SKOS forbids the new link beside one that exists: `related` is disjoint with the
    /// hierarchy, and a concept cannot be both broader and narrower than another.
    #[error("`{from}` {relation} `{to}` contradicts the existing link `{existing}`: {why}")]
    ContradictoryLink {
        relation: crate::domain::Relation,
        from: String,
        to: String,
        existing: String,
        why: &'static str,
    },
    #[error("no `{relation}` link joins `{from}` to `{to}`")]
    NoLink {
        relation: crate::domain::Relation,
        from: String,
        to: String,
    },
    #[error("the store does not answer")]
    Unavailable,
    /// Work handed to a blocking thread ended without an answer (it panicked).
    #[error("a background task failed")]
    Task,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("this service has no search index")]
    SearchUnavailable,
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Result of a use case.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// A record with every link that starts or ends at it.
#[derive(Debug, Clone)]
pub struct WithLinks<T> {
    pub record: T,
    pub links: Vec<StoredLink>,
    /// How many resources a concept links to, when `links` holds only the first
    /// [`CONCEPT_RESOURCE_LINKS`] of them; `None` when it holds them all.
    pub resources_total: Option<i64>,
}

/// The most links to resources a concept's representation carries; the rest are listed by
/// `/resources?topic={slug}`.
pub const CONCEPT_RESOURCE_LINKS: u32 = 100;

/// How long a write waits for the search index to show it before answering anyway.
pub const FRESHNESS_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The application's use cases over one store and, when serving, its search index.
#[derive(Clone, Debug)]
pub struct Service {
    store: Store,
    search: Option<Search>,
    /// How long one read may take ([`Service::with_query_timeout`]); zero for no limit.
    query_timeout: std::time::Duration,
    /// The author's mappings of headings and columns for imports
    /// ([`Service::with_reading`]).
    reading: Arc<catalogue::markdown::Reading>,
}

/// The search index and the threads searches run on: one per core, so that a burst of
/// searches queues instead of spreading over many threads that each keep their own
/// memory and take turns on the same cores.
#[derive(Clone, Debug)]
struct Search {
    index: SearchIndex,
    threads: std::sync::Arc<rayon::ThreadPool>,
}

/// An import of at least this many items refreshes the store's planner statistics
/// ([`Store::refresh_statistics`]).
const STATISTICS_AFTER_ITEMS: usize = 1000;

impl Service {
    /// A service over `store`, without search (the CLI's import and export).
    pub fn new(store: Store) -> Self {
        Service {
            store,
            search: None,
            query_timeout: std::time::Duration::ZERO,
            reading: Arc::default(),
        }
    }

    /// A service over `store` that searches `search` (kept fresh by an
    /// [`crate::search::Indexer`] following the store's change log).
    ///
    /// # Panics
    /// When the operating system refuses to start the search threads.
    pub fn with_search(store: Store, search: SearchIndex) -> Self {
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
            .thread_name(|i| format!("lore-search-{i}"))
            // A panicking search drops its answer: that request fails, not the process.
            .panic_handler(|_| tracing::error!("a search panicked"))
            .build()
            .expect("the search threads start");
        Service {
            store,
            search: Some(Search {
                index: search,
                threads: std::sync::Arc::new(threads),
            }),
            query_timeout: std::time::Duration::ZERO,
            reading: Arc::default(),
        }
    }

    /// This service reading imported pages with the author's mappings of headings to
    /// categories or kinds and of table headers to fields (`lore.toml`'s `[import]`).
    #[must_use]
    pub fn with_reading(mut self, reading: catalogue::markdown::Reading) -> Self {
        self.reading = Arc::new(reading);
        self
    }

    /// This service with a time limit on each read (lists, records, changes): one that
    /// runs over it is dropped, its statement with it, and fails with
    /// [`crate::store::StoreError::Timeout`]. Zero is no limit.
    #[must_use]
    pub fn with_query_timeout(mut self, limit: std::time::Duration) -> Self {
        self.query_timeout = limit;
        self
    }

    /// Runs a read within [`Service::with_query_timeout`]'s limit.
    async fn bounded<T>(&self, read: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if self.query_timeout.is_zero() {
            return read.await;
        }
        tokio::time::timeout(self.query_timeout, read)
            .await
            .unwrap_or(Err(ServiceError::Store(crate::store::StoreError::Timeout)))
    }

    /// Checks that the store answers (readiness; before a streamed answer, whose status
    /// cannot change once sent).
    ///
    /// # Errors
    /// [`ServiceError::Unavailable`].
    pub async fn ready(&self) -> Result<()> {
        self.store.ping().await.map_err(|err| {
            tracing::warn!(error = %err, "the store does not answer");
            ServiceError::Unavailable
        })
    }

    /// The store, for readiness checks and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Waits until the search index shows change-log entry `seq` (a write this service
    /// just committed), so that a client that wrote and then searches finds what it wrote.
    /// Gives up after [`FRESHNESS_LIMIT`] (the write stands; it becomes searchable a little
    /// later), and does nothing without a search index.
    async fn searchable(&self, seq: Option<i64>) {
        if let (Some(seq), Some(search)) = (seq, &self.search)
            && !search.index.wait_for(seq, FRESHNESS_LIMIT).await
        {
            tracing::warn!(seq, "a write is not searchable yet; answering anyway");
        }
    }

    /// The search index, when this service has one.
    pub fn search_index(&self) -> Option<&SearchIndex> {
        self.search.as_ref().map(|search| &search.index)
    }

    /// Full-text search over resources and concepts. Runs on the search threads (one
    /// per core), never on the async workers.
    ///
    /// # Errors
    /// [`ServiceError::SearchUnavailable`] without an index; [`ServiceError::Search`].
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResults> {
        let search = self
            .search
            .as_ref()
            .ok_or(ServiceError::SearchUnavailable)?;
        let index = search.index.clone();
        let (answer, answered) = tokio::sync::oneshot::channel();
        search.threads.spawn(move || {
            // The receiver is gone when the client went away: nothing to answer.
            let _ = answer.send(index.search(&request));
        });
        answered
            .await
            .map_err(|_| ServiceError::Search(SearchError::Task))?
            .map_err(ServiceError::Search)
    }

    /// One page of resources with their links.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn list_resources(
        &self,
        filter: &ResourceFilter,
        page: &PageRequest,
    ) -> Result<Page<WithLinks<StoredResource>>> {
        self.bounded(async {
            let page = self.store.list_resources(filter, page).await?;
            let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
            let links = self.store.links_of(EntityType::Resource, &ids).await?;
            Ok(attach_links(page, links, EntityType::Resource, |r| r.id))
        })
        .await
    }

    /// One page of resources without their links (for representations that leave them
    /// out).
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn list_resources_without_links(
        &self,
        filter: &ResourceFilter,
        page: &PageRequest,
    ) -> Result<Page<WithLinks<StoredResource>>> {
        self.bounded(async {
            let page = self.store.list_resources(filter, page).await?;
            Ok(attach_links(page, Vec::new(), EntityType::Resource, |r| {
                r.id
            }))
        })
        .await
    }

    /// The slug of the resource cited as `key`: its own citation key or an alias (a key
    /// an import found to name the same work), ignoring case.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn resource_slug_by_citation_key(&self, key: &str) -> Result<Option<Slug>> {
        self.bounded(async { Ok(self.store.resource_slug_by_citation_key(key).await?) })
            .await
    }

    /// One resource with its links.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], [`ServiceError::Store`].
    pub async fn get_resource(&self, slug: &Slug) -> Result<WithLinks<StoredResource>> {
        self.bounded(async {
            let record =
                self.store
                    .resource_by_slug(slug)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound {
                        entity: "resource",
                        slug: slug.to_string(),
                    })?;
            let links = self
                .store
                .links_of(EntityType::Resource, &[record.id])
                .await?;
            Ok(WithLinks {
                record,
                links,
                resources_total: None,
            })
        })
        .await
    }

    /// One page of concepts with their links.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn list_concepts(
        &self,
        filter: &ConceptFilter,
        page: &PageRequest,
    ) -> Result<Page<WithLinks<StoredConcept>>> {
        self.bounded(async {
            let page = self.store.list_concepts(filter, page).await?;
            let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
            let (links, totals) = self
                .store
                .concept_links_bounded(&ids, CONCEPT_RESOURCE_LINKS)
                .await?;
            let mut page = attach_links(page, links, EntityType::Concept, |c| c.id);
            for item in &mut page.items {
                item.resources_total = totals.get(&item.record.id).copied();
            }
            Ok(page)
        })
        .await
    }

    /// One page of concepts without their links (for representations that leave them
    /// out).
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn list_concepts_without_links(
        &self,
        filter: &ConceptFilter,
        page: &PageRequest,
    ) -> Result<Page<WithLinks<StoredConcept>>> {
        self.bounded(async {
            let page = self.store.list_concepts(filter, page).await?;
            Ok(attach_links(page, Vec::new(), EntityType::Concept, |c| {
                c.id
            }))
        })
        .await
    }

    /// One concept with its links in both directions.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], [`ServiceError::Store`].
    pub async fn get_concept(&self, slug: &Slug) -> Result<WithLinks<StoredConcept>> {
        self.bounded(async {
            let record =
                self.store
                    .concept_by_slug(slug)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound {
                        entity: "concept",
                        slug: slug.to_string(),
                    })?;
            let (links, totals) = self
                .store
                .concept_links_bounded(&[record.id], CONCEPT_RESOURCE_LINKS)
                .await?;
            let resources_total = totals.get(&record.id).copied();
            Ok(WithLinks {
                record,
                links,
                resources_total,
            })
        })
        .await
    }

    /// Up to `limit` changes after `since`, in order.
    ///
    /// # Errors
    /// [`ServiceError::Store`].
    pub async fn changes_since(&self, since: i64, limit: u32) -> Result<Vec<crate::store::Change>> {
        self.bounded(async { Ok(self.store.changes_since(since, limit).await?) })
            .await
    }

    /// Imports one catalogue page or BibTeX file given as bytes, in one transaction.
    ///
    /// # Errors
    /// [`ServiceError::Parse`] when the file is not a catalogue at all;
    /// [`ServiceError::Store`] (nothing is written then).
    pub async fn import_bytes(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: Option<&str>,
    ) -> Result<ImportReport> {
        self.import_bytes_with_charset(file_name, bytes, None, actor, ImportOptions::SYNC)
            .await
    }

    /// As [`Service::import_bytes`], calling `progress` as rows are written.
    ///
    /// # Errors
    /// As [`Service::import_bytes`].
    pub async fn import_bytes_with_progress(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: Option<&str>,
        progress: &(dyn Fn(ImportProgress) + Send + Sync),
    ) -> Result<ImportReport> {
        self.import_parsed(
            file_name,
            bytes,
            None,
            None,
            actor,
            ImportOptions::SYNC,
            progress,
        )
        .await
    }

    /// As [`Service::import_bytes`], reading the bytes in `charset` (a WHATWG encoding
    /// label such as `utf-16le` or `windows-1252`) when given (a byte order mark wins),
    /// syncing and writing as `options` say.
    ///
    /// # Errors
    /// As [`Service::import_bytes`].
    pub async fn import_bytes_with_charset(
        &self,
        file_name: &str,
        bytes: &[u8],
        charset: Option<&str>,
        actor: Option<&str>,
        options: ImportOptions,
    ) -> Result<ImportReport> {
        self.import_parsed(file_name, bytes, charset, None, actor, options, &|_| {})
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_parsed(
        &self,
        file_name: &str,
        bytes: &[u8],
        charset: Option<&str>,
        parts: Option<&[String]>,
        actor: Option<&str>,
        options: ImportOptions,
        progress: &(dyn Fn(ImportProgress) + Send + Sync),
    ) -> Result<ImportReport> {
        let catalogue = self
            .parse_catalogue(file_name, bytes, charset, parts)
            .await?;
        let (report, seq) = import::apply(&self.store, catalogue, actor, options, progress).await?;
        if seq.is_some() && report.summary.items >= STATISTICS_AFTER_ITEMS {
            // The import has landed; stale planner statistics only cost speed.
            if let Err(err) = self.store.refresh_statistics().await {
                tracing::warn!(error = %err, "the planner statistics could not be refreshed after an import");
            }
        }
        self.searchable(seq).await;
        Ok(report)
    }

    async fn parse_catalogue(
        &self,
        file_name: &str,
        bytes: &[u8],
        charset: Option<&str>,
        parts: Option<&[String]>,
    ) -> Result<catalogue::Catalogue> {
        // Parsing is CPU work (a large page or .bib takes a while): off the async workers,
        // so other requests are answered meanwhile.
        let (name, bytes, charset, parts) = (
            file_name.to_owned(),
            bytes.to_vec(),
            charset.map(str::to_owned),
            parts.map(<[String]>::to_vec),
        );
        let reading = Arc::clone(&self.reading);
        Ok(tokio::task::spawn_blocking(move || {
            catalogue::parse_file_read_as(
                &name,
                &bytes,
                charset.as_deref(),
                parts.as_deref().unwrap_or_default(),
                &reading,
            )
        })
        .await
        .map_err(|_| ServiceError::Task)??)
    }

    /// Imports files and directories: a directory contributes its `.md` pages first (so
    /// records keep the order of the pages), then its `.bib` files, which enrich them;
    /// each set in name order. A Jupyter Book directory (one with a `_toc.yml`)
    /// contributes the `.bib` files its `_config.yml` names first (so `{cite}` roles find
    /// their entries), then its pages in table-of-contents order. Each file is its own transaction; one that fails does not
    /// stop the others.
    pub async fn import_paths(&self, paths: &[PathBuf]) -> ImportRun {
        self.import_paths_with(paths, ImportOptions::SYNC, &|_, _| {})
            .await
    }

    /// As [`Service::import_paths`], syncing and writing as `options` say and calling
    /// `progress` with each file and how far its import is. In a dry run each file is
    /// reported as if imported alone into the store as it is.
    pub async fn import_paths_with(
        &self,
        paths: &[PathBuf],
        options: ImportOptions,
        progress: &(dyn Fn(&Path, ImportProgress) + Send + Sync),
    ) -> ImportRun {
        let mut run = ImportRun::default();
        let mut files = Vec::new();
        for path in paths {
            match catalogue_files(path, &mut run.passed_over) {
                Ok(found) => files.extend(found),
                Err(err) => run.reports.push((path.clone(), Err(err))),
            }
        }
        let mut names: std::collections::HashMap<String, PathBuf> =
            std::collections::HashMap::new();
        for file in files {
            if let Some(other) = names.get(&file.name) {
                let err = ServiceError::SameSourceName {
                    path: file.path.display().to_string(),
                    other: other.display().to_string(),
                    name: file.name.clone(),
                };
                run.reports.push((file.path, Err(err)));
                continue;
            }
            names.insert(file.name.clone(), file.path.clone());
            let result = self
                .import_file(&file, options, &|done| {
                    progress(&file.path, done);
                })
                .await;
            run.reports.push((file.path, result));
        }
        run
    }

    async fn import_file(
        &self,
        file: &FileToImport,
        options: ImportOptions,
        progress: &(dyn Fn(ImportProgress) + Send + Sync),
    ) -> Result<ImportReport> {
        let bytes = tokio::fs::read(&file.path)
            .await
            .map_err(|source| ServiceError::Read {
                path: file.path.display().to_string(),
                source,
            })?;
        let charset = options.encoding.map(encoding_rs::Encoding::name);
        self.import_parsed(
            &file.name,
            &bytes,
            charset,
            file.parts.as_deref(),
            None,
            options,
            progress,
        )
        .await
    }
}

/// What [`Service::import_paths`] did.
#[derive(Debug, Default)]
pub struct ImportRun {
    /// Each file's report, or why it could not be imported, in import order.
    pub reports: Vec<(PathBuf, Result<ImportReport>)>,
    /// Entries of the given directories that are not catalogues, with the reason.
    pub passed_over: Vec<(PathBuf, &'static str)>,
}

/// A file to import, and for a page of a book the part captions above it.
/// A file an import reads.
struct FileToImport {
    path: PathBuf,
    /// The source name its records keep and a re-import syncs by: the path within the
    /// directory or book given (`x/index.md`), or the file name of a file given itself.
    name: String,
    /// A book page's part and chapter captions.
    parts: Option<Vec<String>>,
}

impl FileToImport {
    fn new(path: PathBuf, root: Option<&Path>, parts: Option<Vec<String>>) -> Self {
        let within = root.and_then(|root| path.strip_prefix(root).ok());
        let name = match within {
            Some(relative) => relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            None => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
        };
        FileToImport { path, name, parts }
    }
}

/// The files to import for `path`: itself; for a Jupyter Book its `.bib` files then its
/// pages ([`catalogue::book`]); for another directory its `.md` then `.bib` files (not
/// recursive); other entries go to `passed_over`.
fn catalogue_files(
    path: &Path,
    passed_over: &mut Vec<(PathBuf, &'static str)>,
) -> Result<Vec<FileToImport>> {
    let read_error = |source| ServiceError::Read {
        path: path.display().to_string(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_dir() {
        return Ok(vec![FileToImport::new(path.to_path_buf(), None, None)]);
    }
    if catalogue::book::is_book(path) {
        let book = catalogue::book::read(path)?;
        passed_over.extend(book.passed_over);
        let bib = book
            .bib_files
            .into_iter()
            .map(|p| FileToImport::new(p, Some(path), None));
        let pages = book
            .pages
            .into_iter()
            .map(|p| FileToImport::new(p.path, Some(path), Some(p.parts)));
        return Ok(bib.chain(pages).collect());
    }
    let mut bib = Vec::new();
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read_error)? {
        let Ok(entry) = entry else {
            passed_over.push((
                path.to_path_buf(),
                "an entry of this directory could not be read",
            ));
            continue;
        };
        let file = entry.path();
        if file.is_dir() {
            passed_over.push((file, "a directory (directories are not searched)"));
            continue;
        }
        let extension = file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("bib") => bib.push(file),
            Some("md" | "markdown") => pages.push(file),
            _ => passed_over.push((file, "not a catalogue page (.md) or BibTeX file (.bib)")),
        }
    }
    if bib.is_empty() && pages.is_empty() {
        passed_over.push((
            path.to_path_buf(),
            "the directory holds no .md or .bib file",
        ));
    }
    bib.sort();
    pages.sort();
    Ok(pages
        .into_iter()
        .chain(bib)
        .map(|p| FileToImport::new(p, Some(path), None))
        .collect())
}

/// Distributes links over the records of a page they start or end at.
fn attach_links<T>(
    page: Page<T>,
    links: Vec<StoredLink>,
    entity_type: EntityType,
    id: impl Fn(&T) -> i64,
) -> Page<WithLinks<T>> {
    let items = page
        .items
        .into_iter()
        .map(|record| {
            let own = id(&record);
            let touches =
                |end: &crate::store::LinkEnd| end.entity_type == entity_type && end.id == own;
            let links = links
                .iter()
                .filter(|l| touches(&l.source) || touches(&l.target))
                .cloned()
                .collect();
            WithLinks {
                record,
                links,
                resources_total: None,
            }
        })
        .collect();
    Page {
        items,
        total: page.total,
        has_before: page.has_before,
        has_after: page.has_after,
    }
}
