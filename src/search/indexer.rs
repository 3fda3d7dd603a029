//! The indexer: keeps the index a faithful projection of the store by following its
//! change log.
//!
//! It owns the index's one writer. [`Indexer::rebuild`] replaces the whole index with the
//! store's records; [`Indexer::catch_up`] applies the change log after the index's
//! recorded `seq` up to its end, in one commit, so searches move from one transaction's
//! end to another's (upsert = delete the record's key + add its new document, as in
//! tantivy's `examples/deleting_updating_documents.rs`);
//! [`Indexer::follow`] polls the log and catches up for as long as the server runs.
//!
//! A concept's name is part of the documents of the records linked to it (their topics),
//! so when a concept is renamed or deleted those records are re-indexed too.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tantivy::{IndexWriter, Term};

use super::SearchError;
use super::document::{Links, concept_document, key, resource_document};
use super::execute::{documents_mentioning, indexed_concept_name};
use super::index::{SearchIndex, WriterBudget};
use super::schema::Fields;
use crate::domain::EntityType;
use crate::store::{ResourceFilter, Store, StoredConcept, StoredLink, StoredResource};

/// Changes read per query while catching up.
pub const CHANGE_BATCH: u32 = 5_000;
/// Records read per query while rebuilding.
pub const REBUILD_BATCH: u32 = 2_000;
/// Ids per `IN (...)` list when re-reading records.
const ID_CHUNK: usize = 500;

/// How a rebuild went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RebuildStats {
    /// Documents indexed (resources and concepts).
    pub documents: u64,
    /// Wall time from the first read to the commit being visible.
    pub elapsed: Duration,
    /// The change-log `seq` the rebuilt index reflects.
    pub seq: i64,
}

impl RebuildStats {
    /// Documents per second.
    pub fn docs_per_second(&self) -> f64 {
        self.documents as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Rebuild progress: records indexed so far out of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Owns the index writer and applies the store to the index.
pub struct Indexer {
    index: SearchIndex,
    store: Store,
    writer: Arc<Mutex<IndexWriter>>,
    /// Changes read per query while catching up ([`CHANGE_BATCH`]).
    change_batch: u32,
}

/// A batch of records read from the store, ready to become documents.
enum Batch {
    Resources(Vec<StoredResource>, Vec<StoredLink>),
    Concepts(Vec<StoredConcept>, Vec<StoredLink>),
}

impl Batch {
    fn len(&self) -> usize {
        match self {
            Batch::Resources(r, _) => r.len(),
            Batch::Concepts(c, _) => c.len(),
        }
    }

    /// Adds every record's document.
    fn add_to(&self, writer: &IndexWriter, fields: &Fields) -> Result<(), SearchError> {
        match self {
            Batch::Resources(resources, links) => {
                let links = Links::new(links);
                for resource in resources {
                    writer.add_document(resource_document(fields, resource, &links))?;
                }
            }
            Batch::Concepts(concepts, links) => {
                let links = Links::new(links);
                for concept in concepts {
                    writer.add_document(concept_document(fields, concept, &links))?;
                }
            }
        }
        Ok(())
    }
}

fn lock(writer: &Mutex<IndexWriter>) -> std::sync::MutexGuard<'_, IndexWriter> {
    // A panic while holding the lock leaves the writer usable: its state is tantivy's.
    writer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Indexer {
    /// Takes the index's writer with `budget`.
    ///
    /// # Errors
    /// [`SearchError::Locked`] when another process writes the index.
    pub fn new(
        index: SearchIndex,
        store: Store,
        budget: WriterBudget,
    ) -> Result<Indexer, SearchError> {
        let writer = index.writer(budget)?;
        Ok(Indexer {
            index,
            store,
            writer: Arc::new(Mutex::new(writer)),
            change_batch: CHANGE_BATCH,
        })
    }

    /// The index this indexer writes.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// This indexer with a writer of another budget (a large one for rebuilds, a small
    /// one to follow the log), once the old writer's merges have finished.
    ///
    /// # Errors
    /// [`SearchError::Index`].
    pub async fn with_budget(self, budget: WriterBudget) -> Result<Indexer, SearchError> {
        let Indexer {
            index,
            store,
            writer,
            change_batch,
        } = self;
        let old = Arc::try_unwrap(writer)
            .map_err(|_| SearchError::Task)?
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let reopened = index.clone();
        let writer = tokio::task::spawn_blocking(move || -> Result<IndexWriter, SearchError> {
            old.wait_merging_threads()?;
            reopened.writer(budget)
        })
        .await
        .map_err(|_| SearchError::Task)??;
        Ok(Indexer {
            index,
            store,
            writer: Arc::new(Mutex::new(writer)),
            change_batch,
        })
    }

    /// Replaces the index's contents with every record of the store, then applies the
    /// changes made meanwhile. `progress` is called after each batch.
    ///
    /// # Errors
    /// [`SearchError::Store`] when the store cannot be read; [`SearchError::Index`].
    pub async fn rebuild(
        &mut self,
        mut progress: impl FnMut(Progress),
    ) -> Result<RebuildStats, SearchError> {
        let started = Instant::now();
        // Changes after this seq may or may not be in what is read below; catching up from
        // it afterwards re-applies them, which is harmless.
        let seq = self.store.last_change_seq().await?;
        let total =
            u64::try_from(self.store.count_resources().await? + self.store.count_concepts().await?)
                .unwrap_or(0);
        lock(&self.writer).delete_all_documents()?;

        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(4);
        let writer = self.writer.clone();
        let fields = *self.index.fields();
        let consumer = tokio::task::spawn_blocking(move || -> Result<u64, SearchError> {
            let writer = lock(&writer);
            let mut documents = 0;
            while let Some(batch) = receiver.blocking_recv() {
                batch.add_to(&writer, &fields)?;
                documents += batch.len() as u64;
            }
            Ok(documents)
        });

        let produced = self.produce_all(&sender, total, &mut progress).await;
        drop(sender);
        let documents = consumer.await.map_err(|_| SearchError::Task)??;
        produced?;

        self.commit(seq).await?;
        progress(Progress {
            done: documents,
            total: documents.max(total),
        });
        let stats = RebuildStats {
            documents,
            elapsed: started.elapsed(),
            seq,
        };
        self.catch_up().await?;
        Ok(stats)
    }

    async fn produce_all(
        &self,
        sender: &tokio::sync::mpsc::Sender<Batch>,
        total: u64,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SearchError> {
        let mut done = 0u64;
        let mut after = 0;
        let all = ResourceFilter::default();
        loop {
            let resources = self
                .store
                .resources_after(&all, after, REBUILD_BATCH)
                .await?;
            let (Some(first), Some(last)) = (resources.first(), resources.last()) else {
                break;
            };
            let links = self
                .store
                .links_in_range(EntityType::Resource, first.id, last.id)
                .await?;
            after = last.id;
            done += resources.len() as u64;
            if sender
                .send(Batch::Resources(resources, links))
                .await
                .is_err()
            {
                // The consumer stopped: its error is reported by the caller.
                return Ok(());
            }
            progress(Progress { done, total });
        }
        let mut after = 0;
        loop {
            let concepts = self.store.concepts_after(after, REBUILD_BATCH).await?;
            let Some(last) = concepts.last() else {
                break;
            };
            let ids: Vec<i64> = concepts.iter().map(|c| c.id).collect();
            let links = self.store.concept_links_of(&ids).await?;
            after = last.id;
            done += concepts.len() as u64;
            if sender.send(Batch::Concepts(concepts, links)).await.is_err() {
                return Ok(());
            }
            progress(Progress { done, total });
        }
        Ok(())
    }

    /// Commits the writer's pending operations as reflecting `seq`, off the async threads.
    async fn commit(&self, seq: i64) -> Result<(), SearchError> {
        let index = self.index.clone();
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || index.commit(&mut lock(&writer), seq))
            .await
            .map_err(|_| SearchError::Task)?
    }

    /// Merges every segment into one (after a rebuild: fewer segments, faster searches)
    /// and waits for it.
    ///
    /// # Errors
    /// [`SearchError::Index`].
    pub async fn merge_segments(&self) -> Result<(), SearchError> {
        let index = self.index.clone();
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let ids = index.index().searchable_segment_ids()?;
            if ids.len() > 1 {
                let mut writer = lock(&writer);
                writer.merge(&ids).wait()?;
            }
            index.reload()
        })
        .await
        .map_err(|_| SearchError::Task)?
    }

    /// Applies every change logged after the index's `seq`, reading the log in batches
    /// of [`CHANGE_BATCH`] and committing once, when a read reaches the end of the log.
    /// Writers are serialised and each commits its changes at once, so the log always
    /// ends on a transaction's last change: a search never sees part of one write or
    /// import, however large. Returns how many changes were applied.
    ///
    /// # Errors
    /// [`SearchError::Store`] or [`SearchError::Index`]; nothing is then committed.
    pub async fn catch_up(&mut self) -> Result<u64, SearchError> {
        let mut applied = 0u64;
        let mut seq = self.index.applied_seq();
        let mut resources = BTreeSet::new();
        let mut concepts = BTreeSet::new();
        loop {
            let changes = self.store.changes_since(seq, self.change_batch).await?;
            for change in &changes {
                match change.entity {
                    EntityType::Resource => resources.insert(change.entity_id),
                    EntityType::Concept => concepts.insert(change.entity_id),
                };
            }
            applied += changes.len() as u64;
            if let Some(last) = changes.last() {
                seq = last.seq;
            }
            if changes.len() < self.change_batch as usize {
                break;
            }
        }
        if applied == 0 {
            return Ok(0);
        }
        self.apply(resources, concepts).await?;
        self.commit(seq).await?;
        tracing::debug!(changes = applied, seq, "search index caught up");
        Ok(applied)
    }

    /// Re-indexes these records (deleting those the store no longer has), and the
    /// records whose topics name a concept that was renamed or deleted.
    async fn apply(
        &self,
        mut resource_ids: BTreeSet<i64>,
        concept_ids: BTreeSet<i64>,
    ) -> Result<(), SearchError> {
        let ids: Vec<i64> = concept_ids.iter().copied().collect();
        let mut concepts = Vec::new();
        let mut concept_links = Vec::new();
        for chunk in ids.chunks(ID_CHUNK) {
            concepts.extend(self.store.concepts_by_ids(chunk).await?);
        }
        let mut all_concepts: BTreeSet<i64> = concept_ids.clone();
        for &id in &concept_ids {
            let new_name = concepts
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.concept.data.name.as_str());
            let old_name = indexed_concept_name(&self.index, id)?;
            if old_name.is_some() && old_name.as_deref() != new_name {
                for (entity_type, dependant) in documents_mentioning(&self.index, id)? {
                    match entity_type {
                        EntityType::Resource => resource_ids.insert(dependant),
                        EntityType::Concept => all_concepts.insert(dependant),
                    };
                }
            }
        }
        let extra: Vec<i64> = all_concepts.difference(&concept_ids).copied().collect();
        for chunk in extra.chunks(ID_CHUNK) {
            concepts.extend(self.store.concepts_by_ids(chunk).await?);
        }
        let all_concept_ids: Vec<i64> = all_concepts.iter().copied().collect();
        for chunk in all_concept_ids.chunks(ID_CHUNK) {
            concept_links.extend(self.store.concept_links_of(chunk).await?);
        }
        let writer = self.writer.clone();
        let fields = *self.index.fields();
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let writer = lock(&writer);
            for id in &all_concept_ids {
                writer.delete_term(Term::from_field_text(
                    fields.key,
                    &key(EntityType::Concept, *id),
                ));
            }
            Batch::Concepts(concepts, concept_links).add_to(&writer, &fields)
        })
        .await
        .map_err(|_| SearchError::Task)??;

        // Resources a batch at a time, so a large catch-up never holds them all.
        let ids: Vec<i64> = resource_ids.iter().copied().collect();
        for batch in ids.chunks(REBUILD_BATCH as usize) {
            let mut resources = Vec::new();
            let mut resource_links = Vec::new();
            for chunk in batch.chunks(ID_CHUNK) {
                resources.extend(self.store.resources_by_ids(chunk).await?);
                resource_links.extend(self.store.links_of(EntityType::Resource, chunk).await?);
            }
            let batch = batch.to_vec();
            let writer = self.writer.clone();
            tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
                let writer = lock(&writer);
                for id in &batch {
                    writer.delete_term(Term::from_field_text(
                        fields.key,
                        &key(EntityType::Resource, *id),
                    ));
                }
                Batch::Resources(resources, resource_links).add_to(&writer, &fields)
            })
            .await
            .map_err(|_| SearchError::Task)??;
        }
        Ok(())
    }

    /// Polls the change log every `interval`, or at once when a writer on this server asks
    /// ([`SearchIndex::wait_for`]), and catches up, until the task is dropped.
    /// Errors are logged and retried; a store whose log is behind the index (a different
    /// or restored database) triggers a rebuild.
    pub async fn follow(mut self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        let index = self.index.clone();
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = index.woken() => {}
            }
            let result = match self.store.last_change_seq().await {
                Ok(last) if last > self.index.applied_seq() => self.catch_up().await.map(drop),
                Ok(last) if last < self.index.applied_seq() => {
                    tracing::warn!(
                        store_seq = last,
                        index_seq = self.index.applied_seq(),
                        "the store's change log is behind the search index; rebuilding it"
                    );
                    self.rebuild(|_| {}).await.map(drop)
                }
                Ok(_) => Ok(()),
                Err(err) => Err(err.into()),
            };
            match result {
                Ok(()) if failing => {
                    tracing::info!("the search indexer is following the change log again");
                    failing = false;
                }
                Ok(()) => {}
                Err(err) => {
                    if !failing {
                        tracing::error!(error = %err, "the search indexer cannot follow the change log; retrying");
                    }
                    failing = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::IndexLocation;
    use crate::service::Service;

    const BIBTEX: &str = "@article{a2020, title={Alpha Transactions}, author={Ada, A.}, year={2020}}\n\
        @article{b2020, title={Beta Transactions}, author={Bob, B.}, year={2020}}\n\
        @article{c2020, title={Gamma Transactions}, author={Cy, C.}, year={2020}}\n\
        @article{d2020, title={Delta Transactions}, author={Di, D.}, year={2020}}\n\
        @article{e2020, title={Epsilon Transactions}, author={Ed, E.}, year={2020}}\n";

    #[tokio::test]
    async fn catching_up_commits_once_at_the_end_of_the_log_whatever_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lore.db").display());
        let store = Store::connect(&url).await.unwrap();
        let service = Service::new(store.clone());
        service
            .import_bytes("five.bib", BIBTEX.as_bytes(), None)
            .await
            .unwrap();
        let last = store.last_change_seq().await.unwrap();
        assert!(last >= 5, "one change per record");

        let (index, _) = SearchIndex::open(&IndexLocation::Ram).unwrap();
        let mut indexer = Indexer::new(index.clone(), store.clone(), WriterBudget::FOLLOW).unwrap();
        indexer.change_batch = 2;
        let applied = indexer.catch_up().await.unwrap();
        assert_eq!(applied, u64::try_from(last).unwrap());
        assert_eq!(index.commits(), 1, "the import became searchable at once");
        assert_eq!(index.applied_seq(), last);
        let records =
            store.count_resources().await.unwrap() + store.count_concepts().await.unwrap();
        assert_eq!(index.num_docs(), u64::try_from(records).unwrap());

        // Nothing new: no commit.
        assert_eq!(indexer.catch_up().await.unwrap(), 0);
        assert_eq!(index.commits(), 1);
        store.close().await;
    }
}
