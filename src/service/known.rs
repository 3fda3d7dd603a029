//! What an import knows of the store before its first row: the stored resources its rows
//! may be, the versions at which files imported them, and the slugs and citation keys its
//! new resources could clash with. Read in a few statements for the whole file, and kept
//! current as the import writes, so that deciding a row of a large page runs no
//! statement; whatever it was not read for is looked up in the store, as a single write
//! does.

use std::collections::{HashMap, HashSet};

use super::Result;
use crate::catalogue::Catalogue;
use crate::cite;
use crate::domain::{CitationKey, EntityType, Resource, ResourceData, Slug};
use crate::store::{Probe, StoredResource, Tx};

/// Stored and written resources by the values [`Tx::resource_candidates`] probes.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The resources read or written, current.
    resources: HashMap<i64, StoredResource>,
    /// Ids by probe value.
    by_probe: HashMap<(Probe, String), Vec<i64>>,
    /// The probe values each resource is filed under in `by_probe`.
    filed_under: HashMap<i64, Vec<(Probe, String)>>,
    /// Ids whose import versions were read, and the largest version at which a file
    /// imported each (absent: none did).
    versions_read: HashSet<i64>,
    imported_at: HashMap<i64, i64>,
    /// Resource slugs that were looked up, and those of them that are taken (with every
    /// slug this import issued).
    slugs_read: HashSet<String>,
    slugs_taken: HashSet<String>,
    /// Citation-key prefixes whose stored keys were read, and the keys (lower case), with
    /// every key this import stored.
    key_prefixes_read: HashSet<String>,
    keys_taken: HashSet<String>,
}

impl Known {
    /// Reads what the resources of `catalogue` need: the stored resources sharing a probe
    /// value with any of them, their import versions, the taken slugs among their titles'
    /// slugs, and the stored citation keys starting with their keys' bases.
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub(super) async fn read(tx: &mut Tx, catalogue: &Catalogue) -> Result<Known> {
        let mut known = Known::default();
        if catalogue.resources.is_empty() {
            return Ok(known);
        }
        let mut probes: HashMap<Probe, HashSet<String>> = HashMap::new();
        let mut slugs = HashSet::new();
        let mut prefixes = HashSet::new();
        for draft in &catalogue.resources {
            for (probe, value) in Probe::values(&draft.data) {
                probes.entry(probe).or_default().insert(value);
            }
            slugs.insert(
                Slug::from_title(&draft.data.title, EntityType::Resource.as_str()).to_string(),
            );
            if draft.data.citation_key.is_none() {
                prefixes.insert(cite::key_base(&draft.data).to_lowercase());
            }
        }
        let mut ids = HashSet::new();
        for (probe, values) in probes {
            let values: Vec<String> = values.into_iter().collect();
            for (value, id) in tx.resource_ids_by_probe(probe, &values).await? {
                known
                    .by_probe
                    .entry((probe, value.clone()))
                    .or_default()
                    .push(id);
                known
                    .filed_under
                    .entry(id)
                    .or_default()
                    .push((probe, value));
                ids.insert(id);
            }
        }
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        for stored in tx.resources_by_ids(&ids).await? {
            known.resources.insert(stored.id, stored);
        }
        known.imported_at = tx.import_versions(EntityType::Resource, &ids).await?;
        known.versions_read.extend(ids);

        let slugs: Vec<String> = slugs.into_iter().collect();
        known.slugs_taken = tx.resource_slugs_taken(&slugs).await?;
        known.slugs_read.extend(slugs);

        let prefixes: Vec<String> = prefixes.into_iter().filter(|p| !p.is_empty()).collect();
        known
            .keys_taken
            .extend(tx.citation_keys_with_prefixes(&prefixes).await?);
        known.key_prefixes_read.extend(prefixes);
        Ok(known)
    }

    /// The stored resources that may be the work a draft of the catalogue describes, in
    /// id order: what [`Tx::resource_candidates`] answers, from memory (every probe value
    /// of every draft was read, and every resource written since is filed).
    pub(super) fn candidates(&self, data: &ResourceData) -> Vec<StoredResource> {
        let mut ids: Vec<i64> = Probe::values(data)
            .iter()
            .filter_map(|probe| self.by_probe.get(probe))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.resources.get(&id).cloned())
            .collect()
    }

    /// Whether the resource `stored` was edited through the API since a file imported
    /// it ([`Tx::edited_since_import`]).
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub(super) async fn edited_since_import(
        &self,
        tx: &mut Tx,
        stored: &StoredResource,
    ) -> Result<bool> {
        if !self.versions_read.contains(&stored.id) {
            return Ok(tx
                .edited_since_import(EntityType::Resource, stored.id)
                .await?);
        }
        let current = self
            .resources
            .get(&stored.id)
            .map_or(stored.resource.version, |r| r.resource.version);
        Ok(self
            .imported_at
            .get(&stored.id)
            .is_some_and(|&imported| current > imported))
    }

    /// A free slug for a new resource titled `title` (see
    /// [`super::import::free_slug`]); it is taken from now on.
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub(super) async fn free_slug(&mut self, tx: &mut Tx, title: &str) -> Result<Slug> {
        let base = Slug::from_title(title, EntityType::Resource.as_str());
        let mut candidate = base.clone();
        let mut n = 1;
        loop {
            let taken = if self.slugs_read.contains(candidate.as_str()) {
                self.slugs_taken.contains(candidate.as_str())
            } else {
                tx.resource_slug_taken(&candidate).await?
            };
            if !taken {
                self.slugs_read.insert(candidate.to_string());
                self.slugs_taken.insert(candidate.to_string());
                return Ok(candidate);
            }
            n += 1;
            candidate = base.with_suffix(n);
        }
    }

    /// Issues a citation key for `data`, unique ignoring case among the stored keys and
    /// aliases (see [`super::citation::issue_key`]).
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub(super) async fn issue_key(
        &mut self,
        tx: &mut Tx,
        data: &ResourceData,
    ) -> Result<CitationKey> {
        let base = cite::key_base(data).to_lowercase();
        if !self.key_prefixes_read.contains(&base) {
            let keys = tx.citation_keys_starting_with(&base).await?;
            self.keys_taken.extend(keys);
            self.key_prefixes_read.insert(base);
        }
        Ok(cite::generate_key(data, |candidate| {
            self.keys_taken.contains(candidate)
        }))
    }

    /// Notes a citation key (or alias) the import stored.
    pub(super) fn key_taken(&mut self, key: &str) {
        self.keys_taken.insert(key.to_lowercase());
    }

    /// Notes a resource the import wrote (inserted, or updated to `stored`).
    pub(super) fn wrote(&mut self, stored: StoredResource) {
        let id = stored.id;
        for value in self.filed_under.remove(&id).unwrap_or_default() {
            if let Some(ids) = self.by_probe.get_mut(&value) {
                ids.retain(|&other| other != id);
            }
        }
        let values = Probe::stored_values(&stored.resource.data);
        for value in &values {
            let ids = self.by_probe.entry(value.clone()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        self.filed_under.insert(id, values);
        if let Some(key) = &stored.resource.data.citation_key {
            self.key_taken(key.as_str());
        }
        self.resources.insert(id, stored);
    }

    /// Notes a new resource the import queued.
    pub(super) fn inserted(
        &mut self,
        id: i64,
        slug: Slug,
        data: ResourceData,
        key_origin: Option<&str>,
        enriched_from: Option<&str>,
    ) {
        self.wrote(StoredResource {
            id,
            resource: Resource {
                slug,
                version: 1,
                created_at: String::new(),
                updated_at: String::new(),
                data,
            },
            key_origin: key_origin.map(str::to_owned),
            enriched_from: enriched_from.map(str::to_owned),
        });
    }

    /// Notes an update of `stored` to `data` (its version moves on).
    pub(super) fn updated(
        &mut self,
        stored: &StoredResource,
        data: &ResourceData,
        key_origin: Option<&str>,
        enriched_from: Option<&str>,
    ) {
        let mut next = stored.clone();
        next.resource.version = self
            .resources
            .get(&stored.id)
            .map_or(stored.resource.version, |r| r.resource.version)
            + 1;
        next.resource.data = data.clone();
        next.key_origin = key_origin.map(str::to_owned);
        next.enriched_from = enriched_from.map(str::to_owned);
        self.wrote(next);
    }
}
