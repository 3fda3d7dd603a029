//! Opening the index: on disk under the data directory or in RAM, with one long-lived
//! reader.
//!
//! The index is a projection of the store: each commit carries a payload naming the
//! schema version and the last change-log `seq` it reflects (tantivy's
//! `PreparedCommit::set_payload`). An index that is missing, unreadable, written with
//! another schema or without a payload is recreated empty and must be rebuilt from the
//! store; otherwise indexing resumes after the recorded `seq`.
//!
//! One `IndexWriter` may exist per index (tantivy enforces it with a lock file); the
//! reader uses `ReloadPolicy::Manual` and is reloaded by whoever commits, so searches see
//! a commit as soon as it is made and never pay for file watching.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, TantivyError,
};

use super::SearchError;
use super::schema::{Fields, SCHEMA_VERSION, register_analyzers};

/// How long [`SearchIndex::writer`] waits for the writer lock (tantivy's
/// `.tantivy-writer.lock`, an `flock`) before giving up. The lock follows the open file
/// description, so a writer this process just dropped stays locked while a child process
/// forked meanwhile has not yet reached `exec`; waiting a moment tells that apart from a
/// writer another process really holds.
pub const LOCK_PATIENCE: Duration = Duration::from_secs(2);

/// Where the index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// In memory; gone when the process ends (tests, benchmarks).
    Ram,
    /// In a directory (created when missing), normally `DATA_DIR/index`.
    Dir(PathBuf),
}

/// What an opened index holds, which decides how the indexer starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexState {
    /// Empty (new, or recreated for the reason given): rebuild from the store.
    Empty {
        /// Why the index is empty, for the log.
        reason: &'static str,
    },
    /// Reflects the change log up to and including this `seq`: catch up from there.
    AtSeq(i64),
}

/// The commit payload (JSON).
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    seq: i64,
}

/// Memory and threads for an [`IndexWriter`].
#[derive(Debug, Clone, Copy)]
pub struct WriterBudget {
    /// Indexing threads.
    pub threads: usize,
    /// Total heap in bytes, shared by the threads (tantivy needs at least 15 MB each).
    pub heap_bytes: usize,
}

impl WriterBudget {
    /// For following the change log: one thread, 40 MB.
    pub const FOLLOW: WriterBudget = WriterBudget {
        threads: 1,
        heap_bytes: 40_000_000,
    };

    /// For full rebuilds: one thread per core (at most 4), 200 MB.
    pub fn rebuild() -> WriterBudget {
        let threads = std::thread::available_parallelism()
            .map_or(2, std::num::NonZero::get)
            .clamp(1, 4);
        WriterBudget {
            threads,
            heap_bytes: 200_000_000,
        }
    }
}

/// A shared handle on the index and its reader. Cloning is cheap.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    location: IndexLocation,
    /// The last change-log `seq` visible to searchers.
    applied: AtomicI64,
    /// Commits made through this handle.
    commits: std::sync::atomic::AtomicU64,
    /// The same, for those who wait for a write to become searchable.
    applied_watch: tokio::sync::watch::Sender<i64>,
    /// Wakes the indexer before its next poll (a write on this server just committed).
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("location", &self.inner.location)
            .field("applied_seq", &self.applied_seq())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index at `location`, creating or recreating it when needed (see the
    /// module documentation), and says what it holds.
    ///
    /// # Errors
    /// [`SearchError::Io`] when the directory cannot be created or cleared;
    /// [`SearchError::Locked`] when an index that must be recreated is in use by another
    /// process; [`SearchError::Index`] for other tantivy failures.
    pub fn open(location: &IndexLocation) -> Result<(SearchIndex, IndexState), SearchError> {
        Self::open_or_recreate(location, None)
    }

    /// Deletes the index at `location` and opens an empty one in its place, to be
    /// rebuilt: for an index that opened but could not be brought up to date. `reason`
    /// is what the returned [`IndexState::Empty`] says. The caller must have dropped its
    /// writer on the old index.
    ///
    /// # Errors
    /// As [`SearchIndex::open`].
    pub fn recreate(
        location: &IndexLocation,
        reason: &'static str,
    ) -> Result<(SearchIndex, IndexState), SearchError> {
        Self::open_or_recreate(location, Some(reason))
    }

    fn open_or_recreate(
        location: &IndexLocation,
        recreate: Option<&'static str>,
    ) -> Result<(SearchIndex, IndexState), SearchError> {
        let (schema, fields) = Fields::schema();
        let (index, state) = match (location, recreate) {
            (IndexLocation::Dir(dir), Some(reason)) => (
                recreate_dir(dir, schema.clone())?,
                IndexState::Empty { reason },
            ),
            (IndexLocation::Ram, _) => (
                Index::builder()
                    .schema(schema.clone())
                    .settings(settings())
                    .create_in_ram()?,
                IndexState::Empty {
                    reason: "the index is kept in memory",
                },
            ),
            (IndexLocation::Dir(dir), None) => open_dir(dir, schema.clone())?,
        };
        let (index, state, reader) = match reader_of(&index) {
            Ok(reader) => (index, state, reader),
            Err(err) => match location {
                IndexLocation::Ram => return Err(err.into()),
                IndexLocation::Dir(dir) => {
                    // A segment named by meta.json is missing or damaged.
                    tracing::warn!(error = %err, dir = %dir.display(), "the index's segments cannot be read; recreating it");
                    drop(index);
                    let index = recreate_dir(dir, schema)?;
                    let reader = reader_of(&index)?;
                    let state = IndexState::Empty {
                        reason: "the index's segments could not be read",
                    };
                    (index, state, reader)
                }
            },
        };
        let applied = match state {
            IndexState::AtSeq(seq) => seq,
            IndexState::Empty { .. } => 0,
        };
        let search_index = SearchIndex {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                location: location.clone(),
                applied: AtomicI64::new(applied),
                commits: std::sync::atomic::AtomicU64::new(0),
                applied_watch: tokio::sync::watch::Sender::new(applied),
                wake: tokio::sync::Notify::new(),
            }),
        };
        Ok((search_index, state))
    }

    /// The last change-log `seq` that searches see.
    pub fn applied_seq(&self) -> i64 {
        self.inner.applied.load(Ordering::Acquire)
    }

    /// Commits made through this handle since the index was opened: each is a state
    /// searches may see.
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }

    /// Documents searches see (resources and concepts).
    pub fn num_docs(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Bytes the index occupies on disk (0 in RAM).
    pub fn size_bytes(&self) -> u64 {
        match &self.inner.location {
            IndexLocation::Ram => 0,
            IndexLocation::Dir(dir) => dir_size(dir),
        }
    }

    /// Where the index lives.
    pub fn location(&self) -> &IndexLocation {
        &self.inner.location
    }

    /// A searcher over the last reloaded commit.
    pub(crate) fn searcher(&self) -> Searcher {
        self.inner.reader.searcher()
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.inner.fields
    }

    pub(crate) fn index(&self) -> &Index {
        &self.inner.index
    }

    /// Takes the index's one writer.
    ///
    /// # Errors
    /// [`SearchError::Locked`] when another writer (a running server, `lore reindex`)
    /// still holds it after [`LOCK_PATIENCE`].
    ///
    /// Before handing it out, deletes the files of commits that never finished (a
    /// process killed while committing leaves segment and delete files that `meta.json`
    /// does not reference; replaying the same changes would try to create them again and
    /// fail with `FileAlreadyExists`).
    pub(crate) fn writer(&self, budget: WriterBudget) -> Result<IndexWriter, SearchError> {
        let deadline = std::time::Instant::now() + LOCK_PATIENCE;
        let writer = loop {
            match self
                .inner
                .index
                .writer_with_num_threads(budget.threads, budget.heap_bytes)
            {
                Ok(writer) => break writer,
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(SearchError::Locked);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(other) => return Err(SearchError::Index(other)),
            }
        };
        if let IndexLocation::Dir(dir) = &self.inner.location {
            // tantivy's own collection: managed files the last commit does not use.
            writer.garbage_collect_files().wait()?;
            let removed = remove_unreferenced_files(&self.inner.index, dir)?;
            if removed > 0 {
                tracing::info!(
                    files = removed,
                    dir = %dir.display(),
                    "removed index files no commit references (left by an interrupted commit)"
                );
            }
        }
        Ok(writer)
    }

    /// Commits what `writer` holds, recording `seq`, and makes it visible to searches.
    ///
    /// # Errors
    /// [`SearchError::Index`]; the commit is then not visible and `seq` not recorded.
    pub(crate) fn commit(&self, writer: &mut IndexWriter, seq: i64) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            seq,
        })
        .unwrap_or_default();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.inner.reader.reload()?;
        self.inner.applied.store(seq, Ordering::Release);
        self.inner.commits.fetch_add(1, Ordering::Relaxed);
        self.inner.applied_watch.send_replace(seq);
        Ok(())
    }

    /// Waits until searches see change-log entry `seq`, waking the indexer at once
    /// instead of at its next poll; gives up after `limit`. Returns whether `seq` is
    /// searchable.
    pub async fn wait_for(&self, seq: i64, limit: std::time::Duration) -> bool {
        let mut applied = self.inner.applied_watch.subscribe();
        self.inner.wake.notify_one();
        tokio::time::timeout(limit, applied.wait_for(|&current| current >= seq))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Resolves when a writer on this server asks the indexer to catch up now.
    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }

    /// Reloads the reader (after another handle committed, e.g. a merge finished).
    ///
    /// # Errors
    /// [`SearchError::Index`].
    pub(crate) fn reload(&self) -> Result<(), SearchError> {
        self.inner.reader.reload()?;
        Ok(())
    }
}

/// Opens or (re)creates the index in `dir`.
fn open_dir(
    dir: &Path,
    schema: tantivy::schema::Schema,
) -> Result<(Index, IndexState), SearchError> {
    std::fs::create_dir_all(dir).map_err(SearchError::Io)?;
    if !dir.join("meta.json").exists() {
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_dir(dir)?;
        return Ok((
            index,
            IndexState::Empty {
                reason: "there was no index",
            },
        ));
    }
    let reason = match Index::open_in_dir(dir) {
        Err(err) => {
            tracing::warn!(error = %err, dir = %dir.display(), "the index cannot be read; recreating it");
            "the index could not be read"
        }
        Ok(index) => {
            let payload = index
                .load_metas()
                .ok()
                .and_then(|meta| meta.payload)
                .and_then(|p| serde_json::from_str::<Payload>(&p).ok());
            match payload {
                Some(p) if p.schema == SCHEMA_VERSION && index.schema() == schema => {
                    return Ok((index, IndexState::AtSeq(p.seq)));
                }
                Some(p) if p.schema != SCHEMA_VERSION => "the index was built with another schema",
                Some(_) => "the index schema differs from this version's",
                None => "the index has no commit from lore",
            }
        }
    };
    Ok((recreate_dir(dir, schema)?, IndexState::Empty { reason }))
}

/// The one reader, registering lore's analyzers first.
fn reader_of(index: &Index) -> tantivy::Result<IndexReader> {
    register_analyzers(index);
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}

/// Deletes the index in `dir` and creates an empty one.
///
/// # Errors
/// [`SearchError::Locked`] when another process writes the old index;
/// [`SearchError::Io`], [`SearchError::Index`].
fn recreate_dir(dir: &Path, schema: tantivy::schema::Schema) -> Result<Index, SearchError> {
    // Make sure no other process uses the old index before deleting it.
    if let Ok(old) = Index::open_in_dir(dir) {
        match old.writer_with_num_threads::<tantivy::TantivyDocument>(1, 15_000_000) {
            Err(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                return Err(SearchError::Locked);
            }
            Ok(writer) => drop(writer),
            Err(_) => {}
        }
    }
    std::fs::remove_dir_all(dir).map_err(SearchError::Io)?;
    std::fs::create_dir_all(dir).map_err(SearchError::Io)?;
    let index = Index::builder()
        .schema(schema)
        .settings(settings())
        .create_in_dir(dir)?;
    Ok(index)
}

/// Deletes the segment files in `dir` that the index's `meta.json` does not reference,
/// including those tantivy does not list as its own (`.managed.json` is written before
/// each file, but a file copied in or a lost update would escape tantivy's collection).
/// Only names shaped like tantivy's segment files (32 hex digits, a dot, an extension)
/// are considered; `meta.json`, `.managed.json` and lock files are kept. Must run while
/// holding the index's writer, before it writes anything. Returns how many were deleted.
fn remove_unreferenced_files(index: &Index, dir: &Path) -> Result<usize, SearchError> {
    let living = index.load_metas()?.list_segment_files();
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(SearchError::Io)? {
        let entry = entry.map_err(SearchError::Io)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_segment_file_name(name) && !living.contains(Path::new(name)) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(SearchError::Io(err)),
            }
        }
    }
    Ok(removed)
}

/// Whether `name` looks like a segment file: `{32 hex digits}.{extension}` or
/// `{32 hex digits}.{opstamp}.del`.
fn is_segment_file_name(name: &str) -> bool {
    let Some((id, rest)) = name.split_once('.') else {
        return false;
    };
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !rest.is_empty()
}

/// Index settings: LZ4 doc store in 4 KiB blocks (a search reads a few scattered
/// documents; small blocks mean little to decompress for each).
fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: tantivy::store::Compressor::None,
        docstore_blocksize: 4_096,
        ..IndexSettings::default()
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::Term;

    #[test]
    fn a_writer_released_within_the_patience_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let location = IndexLocation::Dir(dir.path().join("index"));
        let (index, _) = SearchIndex::open(&location).unwrap();
        let held = index.writer(WriterBudget::FOLLOW).unwrap();
        // Released a moment later, as a lock held by a child between fork and exec is.
        let release = std::thread::spawn(move || {
            std::thread::sleep(LOCK_PATIENCE / 10);
            drop(held);
        });
        assert!(index.writer(WriterBudget::FOLLOW).is_ok());
        release.join().unwrap();
    }

    #[test]
    fn a_new_directory_gives_an_empty_index_and_a_commit_records_the_seq() {
        let dir = tempfile::tempdir().unwrap();
        let location = IndexLocation::Dir(dir.path().join("index"));
        let (index, state) = SearchIndex::open(&location).unwrap();
        assert!(matches!(state, IndexState::Empty { .. }));
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        index.commit(&mut writer, 42).unwrap();
        assert_eq!(index.applied_seq(), 42);
        assert!(matches!(
            index.writer(WriterBudget::FOLLOW),
            Err(SearchError::Locked)
        ));
        drop(writer);
        drop(index);
        let (index, state) = SearchIndex::open(&location).unwrap();
        assert_eq!(state, IndexState::AtSeq(42));
        assert_eq!(index.applied_seq(), 42);
    }

    #[test]
    fn an_index_without_a_lore_commit_is_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        std::fs::create_dir_all(&path).unwrap();
        let mut builder = tantivy::schema::Schema::builder();
        builder.add_text_field("other", tantivy::schema::TEXT);
        let other = Index::create_in_dir(&path, builder.build()).unwrap();
        let mut writer: IndexWriter = other.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.commit().unwrap();
        drop(writer);
        let (index, state) = SearchIndex::open(&IndexLocation::Dir(path)).unwrap();
        assert!(matches!(state, IndexState::Empty { .. }), "{state:?}");
        assert_eq!(index.num_docs(), 0);
        assert!(index.index().schema().get_field("raw").is_ok());
    }
    /// The names and contents of the files in `dir`.
    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                let name = e.file_name().into_string().unwrap();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn files_of_an_interrupted_commit_are_removed_before_the_same_changes_are_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let location = IndexLocation::Dir(path.clone());
        let (index, _) = SearchIndex::open(&location).unwrap();
        let key = index.fields().key;
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        writer
            .add_document(tantivy::doc!(key => "resource:1"))
            .unwrap();
        writer
            .add_document(tantivy::doc!(key => "resource:2"))
            .unwrap();
        index.commit(&mut writer, 1).unwrap();
        drop(writer);
        drop(index);
        let committed = files(&path);

        // The next process deletes a document: its commit writes
        // `{segment}.{opstamp}.del`, then meta.json. A process killed between the two
        // leaves the delete file behind.
        let (index, _) = SearchIndex::open(&location).unwrap();
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        writer.delete_term(Term::from_field_text(key, "resource:1"));
        index.commit(&mut writer, 2).unwrap();
        drop(writer);
        drop(index);
        for (name, bytes) in &committed {
            if name == "meta.json" || name == ".managed.json" {
                std::fs::write(path.join(name), bytes).unwrap();
            }
        }
        let orphans: Vec<String> = files(&path)
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| !committed.iter().any(|(old, _)| old == name))
            .collect();
        assert!(
            orphans.iter().any(|name| name.ends_with(".del")),
            "the interrupted commit left a delete file: {orphans:?}"
        );

        // Starting again replays the same change to the same opstamp.
        let (index, state) = SearchIndex::open(&location).unwrap();
        assert_eq!(state, IndexState::AtSeq(1));
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        for orphan in &orphans {
            assert!(!path.join(orphan).exists(), "{orphan} was removed");
        }
        writer.delete_term(Term::from_field_text(key, "resource:1"));
        index.commit(&mut writer, 2).unwrap();
        assert_eq!(index.num_docs(), 1);
        assert_eq!(index.applied_seq(), 2);
    }

    #[test]
    fn an_index_whose_segments_are_missing_is_recreated_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let location = IndexLocation::Dir(path.clone());
        let (index, _) = SearchIndex::open(&location).unwrap();
        let key = index.fields().key;
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        writer
            .add_document(tantivy::doc!(key => "resource:1"))
            .unwrap();
        index.commit(&mut writer, 7).unwrap();
        drop(writer);
        drop(index);
        for (name, _) in files(&path) {
            if is_segment_file_name(&name) {
                std::fs::remove_file(path.join(&name)).unwrap();
            }
        }
        let (index, state) = SearchIndex::open(&location).unwrap();
        assert!(matches!(state, IndexState::Empty { .. }), "{state:?}");
        assert_eq!(index.num_docs(), 0);
        let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
        index.commit(&mut writer, 7).unwrap();
    }

    #[test]
    fn segment_file_names_are_recognised() {
        assert!(is_segment_file_name("0123456789abcdef0123456789abcdef.idx"));
        assert!(is_segment_file_name(
            "0123456789abcdef0123456789abcdef.4675.del"
        ));
        assert!(!is_segment_file_name("meta.json"));
        assert!(!is_segment_file_name(".managed.json"));
        assert!(!is_segment_file_name(".tantivy-writer.lock"));
        assert!(!is_segment_file_name("0123456789abcdef0123456789abcdef"));
    }
}
