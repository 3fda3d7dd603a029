//! Writes from API clients: create, replace, delete and link records. Each is one
//! transaction that also appends to the change log, naming the key that made it.

use super::citation::issue_key;
use super::{CONCEPT_RESOURCE_LINKS, Result, Service, ServiceError, WithLinks};
use crate::domain::identity::Evidence;
use crate::domain::{ConceptData, EntityType, Relation, ResourceData, Slug};
use crate::store::{ChangeOp, StoreError, StoredConcept, StoredLink, StoredResource, Tx};

/// The outcome of `PUT` on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    Created,
    Existed,
}

fn conflict(err: StoreError) -> ServiceError {
    match err {
        StoreError::Conflict { field } => ServiceError::Conflict {
            field: if field.contains("slug") {
                "slug"
            } else {
                "citation_key"
            },
            what: format!("another record has this {field}"),
        },
        other => other.into(),
    }
}

/// The identity rules on a write: a DOI, arXiv id or URL names one work, held once. The
/// conflict when another resource holds one of `data`'s identifiers; for a replacement
/// (`replacing`: the resource's id and current data) only the identifiers it changes are
/// checked, so a record that already shares one (an import kept both) can still be edited.
///
/// # Errors
/// [`ServiceError::Store`].
async fn held_elsewhere(
    tx: &mut Tx,
    data: &ResourceData,
    replacing: Option<(i64, &ResourceData)>,
) -> Result<Option<ServiceError>> {
    let changed = |new: &Option<String>, old: Option<&Option<String>>| match old {
        Some(old) if old == new => None,
        _ => new.clone(),
    };
    let current = replacing.map(|(_, current)| current);
    let probe = ResourceData {
        title: data.title.clone(),
        doi: changed(&data.doi, current.map(|c| &c.doi)),
        arxiv_id: changed(&data.arxiv_id, current.map(|c| &c.arxiv_id)),
        url: changed(&data.url, current.map(|c| &c.url)),
        ..ResourceData::default()
    };
    if probe.doi.is_none() && probe.arxiv_id.is_none() && probe.url.is_none() {
        return Ok(None);
    }
    let Some((existing, evidence)) =
        super::import::find_same_work(tx, &probe, None, true, false).await?
    else {
        return Ok(None);
    };
    if !matches!(evidence, Evidence::Doi | Evidence::ArxivId | Evidence::Url)
        || replacing.is_some_and(|(id, _)| id == existing.id)
    {
        return Ok(None);
    }
    let slug = existing.resource.slug;
    Ok(Some(ServiceError::Conflict {
        field: evidence.as_str(),
        what: format!(
            "the resource `{slug}` (/resources/{slug}) already has this {}: it is the same work",
            evidence.as_str()
        ),
    }))
}

impl Service {
    /// Stores a new resource (slug from `slug` or the title; citation key issued unless
    /// given) and returns it.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when the slug or citation key is taken;
    /// [`ServiceError::Store`].
    pub async fn create_resource(
        &self,
        mut data: ResourceData,
        slug: Option<Slug>,
        actor: &str,
    ) -> Result<WithLinks<StoredResource>> {
        let mut tx = self.store.begin().await?;
        let slug = match slug {
            Some(slug) if tx.resource_slug_taken(&slug).await? => {
                return Err(ServiceError::Conflict {
                    field: "slug",
                    what: format!("a resource already has the slug `{slug}`"),
                });
            }
            Some(slug) => slug,
            None => super::import::free_slug(&mut tx, EntityType::Resource, &data.title).await?,
        };
        // An arXiv URL names an arXiv id, as on import.
        if data.arxiv_id.is_none() {
            data.arxiv_id = data
                .url
                .as_deref()
                .and_then(crate::catalogue::arxiv_id_from_url);
        }
        if let Some(conflict) = held_elsewhere(&mut tx, &data, None).await? {
            return Err(conflict);
        }
        let key_origin = match &data.citation_key {
            Some(key) => match tx.citation_key_holder(key.as_str(), None).await? {
                Some((holder, held, alias)) => {
                    let how = if alias {
                        "as an alias of its own key"
                    } else {
                        "as its key"
                    };
                    return Err(ServiceError::Conflict {
                        field: "citation_key",
                        what: format!(
                            "the resource `{holder}` (/resources/{holder}) already has the citation key `{held}` {how} (keys are compared ignoring case)"
                        ),
                    });
                }
                None => super::merge::KEY_IMPORTED,
            },
            None => {
                data.citation_key = Some(issue_key(&mut tx, &data).await?);
                super::merge::KEY_GENERATED
            }
        };
        let id = tx
            .insert_resource(&slug, &data, Some(key_origin), None)
            .await
            .map_err(conflict)?;
        tx.append_change(
            EntityType::Resource,
            id,
            slug.as_str(),
            ChangeOp::Create,
            Some(actor),
        )
        .await?;
        let written = written_resource(&mut tx, &slug).await?;
        self.commit(tx).await?;
        Ok(written)
    }

    /// Replaces a resource's data if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; [`ServiceError::Stale`] when another write came first;
    /// [`ServiceError::KeyChange`] when the data names another citation key;
    /// [`ServiceError::Conflict`]; [`ServiceError::Store`].
    pub async fn replace_resource(
        &self,
        slug: &Slug,
        expected_version: i64,
        mut data: ResourceData,
        actor: &str,
    ) -> Result<WithLinks<StoredResource>> {
        let mut tx = self.store.begin().await?;
        let stored = current_resource(&mut tx, slug, expected_version).await?;
        let current = &stored.resource.data;
        match (&data.citation_key, &current.citation_key) {
            (Some(new), Some(old)) if new != old => {
                return Err(ServiceError::KeyChange {
                    slug: slug.to_string(),
                    key: old.to_string(),
                });
            }
            _ => data.citation_key.clone_from(&current.citation_key),
        }
        data.provenance.clone_from(&current.provenance);
        if data.arxiv_id.is_none() && data.url != current.url {
            data.arxiv_id = data
                .url
                .as_deref()
                .and_then(crate::catalogue::arxiv_id_from_url);
        }
        if let Some(conflict) = held_elsewhere(&mut tx, &data, Some((stored.id, current))).await? {
            return Err(conflict);
        }
        let renamed = data.title != current.title;
        if data != *current {
            tx.update_resource(
                stored.id,
                &data,
                stored.key_origin.as_deref(),
                stored.enriched_from.as_deref(),
            )
            .await
            .map_err(conflict)?;
            tx.append_change(
                EntityType::Resource,
                stored.id,
                slug.as_str(),
                ChangeOp::Update,
                Some(actor),
            )
            .await?;
            if renamed {
                touch_linked(&mut tx, EntityType::Resource, stored.id, actor).await?;
            }
        }
        let written = written_resource(&mut tx, slug).await?;
        self.commit(tx).await?;
        Ok(written)
    }

    /// Deletes a resource and its links if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], [`ServiceError::Stale`], [`ServiceError::Store`].
    pub async fn delete_resource(
        &self,
        slug: &Slug,
        expected_version: i64,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let stored = current_resource(&mut tx, slug, expected_version).await?;
        let others = tx.delete_links_of(EntityType::Resource, stored.id).await?;
        tx.delete_resource(stored.id).await?;
        tx.append_change(
            EntityType::Resource,
            stored.id,
            slug.as_str(),
            ChangeOp::Delete,
            Some(actor),
        )
        .await?;
        touch_all(&mut tx, &others, actor).await?;
        self.commit(tx).await
    }

    /// Stores a new concept and returns it.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when the slug is taken; [`ServiceError::Store`].
    pub async fn create_concept(
        &self,
        data: ConceptData,
        slug: Option<Slug>,
        actor: &str,
    ) -> Result<WithLinks<StoredConcept>> {
        let mut tx = self.store.begin().await?;
        let slug = match slug {
            Some(slug) if tx.concept_slug_taken(&slug).await? => {
                return Err(ServiceError::Conflict {
                    field: "slug",
                    what: format!("a concept already has the slug `{slug}`"),
                });
            }
            Some(slug) => slug,
            None => super::import::free_slug(&mut tx, EntityType::Concept, &data.name).await?,
        };
        let id = tx.insert_concept(&slug, &data).await.map_err(conflict)?;
        tx.append_change(
            EntityType::Concept,
            id,
            slug.as_str(),
            ChangeOp::Create,
            Some(actor),
        )
        .await?;
        let written = written_concept(&mut tx, &slug).await?;
        self.commit(tx).await?;
        Ok(written)
    }

    /// Replaces a concept's data if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], [`ServiceError::Stale`], [`ServiceError::Store`].
    pub async fn replace_concept(
        &self,
        slug: &Slug,
        expected_version: i64,
        mut data: ConceptData,
        actor: &str,
    ) -> Result<WithLinks<StoredConcept>> {
        let mut tx = self.store.begin().await?;
        let stored = current_concept(&mut tx, slug, expected_version).await?;
        data.provenance.clone_from(&stored.concept.data.provenance);
        if data != stored.concept.data {
            let renamed = data.name != stored.concept.data.name
                || data.category != stored.concept.data.category;
            tx.update_concept(stored.id, &data).await?;
            tx.append_change(
                EntityType::Concept,
                stored.id,
                slug.as_str(),
                ChangeOp::Update,
                Some(actor),
            )
            .await?;
            if renamed {
                touch_linked(&mut tx, EntityType::Concept, stored.id, actor).await?;
            }
        }
        let written = written_concept(&mut tx, slug).await?;
        self.commit(tx).await?;
        Ok(written)
    }

    /// Deletes a concept and its links if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], [`ServiceError::Stale`], [`ServiceError::Store`].
    pub async fn delete_concept(
        &self,
        slug: &Slug,
        expected_version: i64,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let stored = current_concept(&mut tx, slug, expected_version).await?;
        let others = tx.delete_links_of(EntityType::Concept, stored.id).await?;
        tx.delete_concept(stored.id).await?;
        tx.append_change(
            EntityType::Concept,
            stored.id,
            slug.as_str(),
            ChangeOp::Delete,
            Some(actor),
        )
        .await?;
        touch_all(&mut tx, &others, actor).await?;
        self.commit(tx).await
    }

    /// Adds the link `source --relation--> target` unless it exists; the relation fixes
    /// which kinds of records the slugs name ([`Relation::ends`]).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] naming a missing end; [`ServiceError::Store`].
    pub async fn put_link(
        &self,
        relation: Relation,
        source: &Slug,
        target: &Slug,
        actor: &str,
    ) -> Result<LinkOutcome> {
        let mut tx = self.store.begin().await?;
        let (source_end, target_end) = link_ends(&mut tx, relation, source, target).await?;
        if source_end == target_end {
            return Err(ServiceError::SelfLink {
                slug: source.to_string(),
            });
        }
        if source_end.0 == EntityType::Concept && target_end.0 == EntityType::Concept {
            let existing = tx.concept_links_between(source_end.1, target_end.1).await?;
            let new = (source_end.1, relation, target_end.1);
            if let Some((link, why)) = existing
                .iter()
                .find_map(|&link| skos_contradiction(new, link).map(|why| (link, why)))
            {
                let slug_of = |id: i64| if id == source_end.1 { source } else { target };
                return Err(ServiceError::ContradictoryLink {
                    relation,
                    from: source.to_string(),
                    to: target.to_string(),
                    existing: format!("{} {} {}", slug_of(link.0), link.1, slug_of(link.2)),
                    why,
                });
            }
        }
        let added = tx
            .insert_link(source_end, relation, target_end, None)
            .await?;
        if added {
            touch_all(&mut tx, &[source_end, target_end], actor).await?;
        }
        self.commit(tx).await?;
        Ok(if added {
            LinkOutcome::Created
        } else {
            LinkOutcome::Existed
        })
    }

    /// Removes the link `source --relation--> target`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] when an end or the link does not exist;
    /// [`ServiceError::Store`].
    pub async fn delete_link(
        &self,
        relation: Relation,
        source: &Slug,
        target: &Slug,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let (source_end, target_end) = link_ends(&mut tx, relation, source, target).await?;
        if !tx.delete_link(source_end, relation, target_end).await? {
            return Err(ServiceError::NoLink {
                relation,
                from: source.to_string(),
                to: target.to_string(),
            });
        }
        touch_all(&mut tx, &[source_end, target_end], actor).await?;
        self.commit(tx).await
    }

    /// Whether the link `source --relation--> target` exists.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] when an end does not exist; [`ServiceError::Store`].
    pub async fn link_exists(
        &self,
        relation: Relation,
        source: &Slug,
        target: &Slug,
    ) -> Result<bool> {
        let (source_type, target_type) = relation.ends();
        let links = match source_type {
            EntityType::Resource => self.get_resource(source).await?.links,
            EntityType::Concept => self.get_concept(source).await?.links,
        };
        match target_type {
            EntityType::Resource => drop(self.get_resource(target).await?),
            EntityType::Concept => drop(self.get_concept(target).await?),
        }
        Ok(links.iter().any(|l| {
            l.relation == relation
                && (l.source.entity_type, &l.source.slug) == (source_type, source)
                && (l.target.entity_type, &l.target.slug) == (target_type, target)
        }))
    }

    /// Commits a write and waits until the search index has applied it.
    async fn commit(&self, tx: Tx) -> Result<()> {
        let seq = tx.commit().await?;
        self.searchable(seq).await;
        Ok(())
    }
}

/// Why the concept link `new` cannot stand beside `existing` (both `(source, relation,
/// target)` over the same two concepts), after the SKOS integrity conditions: `related`
/// is disjoint with `broader`/`narrower` (SKOS Reference, S27), and `A broader B` is
/// `B narrower A` (S25), so holding it both ways would make each concept more general
/// than the other. Only direct links are compared; `None` when they agree.
fn skos_contradiction(
    new: (i64, Relation, i64),
    existing: (i64, Relation, i64),
) -> Option<&'static str> {
    /// `(more general, more specific)` for a hierarchical link.
    fn hierarchy((source, relation, target): (i64, Relation, i64)) -> Option<(i64, i64)> {
        match relation {
            Relation::Broader => Some((target, source)),
            Relation::Narrower => Some((source, target)),
            _ => None,
        }
    }
    match (hierarchy(new), hierarchy(existing)) {
        (Some(new), Some(existing)) if new.0 == existing.1 && new.1 == existing.0 => {
            Some("each concept would be broader than the other")
        }
        (Some(_), None) if existing.1 == Relation::Related => {
            Some("SKOS keeps `related` apart from `broader` and `narrower`")
        }
        (None, Some(_)) if new.1 == Relation::Related => {
            Some("SKOS keeps `related` apart from `broader` and `narrower`")
        }
        _ => None,
    }
}

/// The stored resource with `slug`, checked to be at `expected_version`.
async fn current_resource(
    tx: &mut Tx,
    slug: &Slug,
    expected_version: i64,
) -> Result<StoredResource> {
    let stored = tx
        .resource_by_slug(slug)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            entity: "resource",
            slug: slug.to_string(),
        })?;
    if stored.resource.version != expected_version {
        return Err(ServiceError::Stale {
            entity: "resource",
            slug: slug.to_string(),
        });
    }
    Ok(stored)
}

/// The stored concept with `slug`, checked to be at `expected_version`.
async fn current_concept(tx: &mut Tx, slug: &Slug, expected_version: i64) -> Result<StoredConcept> {
    let stored = tx
        .concept_by_slug(slug)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            entity: "concept",
            slug: slug.to_string(),
        })?;
    if stored.concept.version != expected_version {
        return Err(ServiceError::Stale {
            entity: "concept",
            slug: slug.to_string(),
        });
    }
    Ok(stored)
}

/// Resolves the ends of a link by the relation's end types.
async fn link_ends(
    tx: &mut Tx,
    relation: Relation,
    source: &Slug,
    target: &Slug,
) -> Result<((EntityType, i64), (EntityType, i64))> {
    let (source_type, target_type) = relation.ends();
    Ok((
        end(tx, source_type, source).await?,
        end(tx, target_type, target).await?,
    ))
}

async fn end(tx: &mut Tx, entity_type: EntityType, slug: &Slug) -> Result<(EntityType, i64)> {
    let id = match entity_type {
        EntityType::Resource => tx.resource_by_slug(slug).await?.map(|r| r.id),
        EntityType::Concept => tx.concept_by_slug(slug).await?.map(|c| c.id),
    };
    id.map(|id| (entity_type, id))
        .ok_or_else(|| ServiceError::NotFound {
            entity: entity_type.as_str(),
            slug: slug.to_string(),
        })
}

/// The resource `slug` with its links as this transaction wrote them: what the write's
/// response shows, whatever other writers commit after it.
async fn written_resource(tx: &mut Tx, slug: &Slug) -> Result<WithLinks<StoredResource>> {
    let record = tx
        .resource_by_slug(slug)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            entity: "resource",
            slug: slug.to_string(),
        })?;
    let links = tx.links_of(EntityType::Resource, record.id).await?;
    Ok(WithLinks {
        record,
        links,
        resources_total: None,
    })
}

/// The concept `slug` with its links as this transaction wrote them.
async fn written_concept(tx: &mut Tx, slug: &Slug) -> Result<WithLinks<StoredConcept>> {
    let record = tx
        .concept_by_slug(slug)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            entity: "concept",
            slug: slug.to_string(),
        })?;
    let links = tx.links_of(EntityType::Concept, record.id).await?;
    let (links, resources_total) = bounded_concept_links(links, CONCEPT_RESOURCE_LINKS);
    Ok(WithLinks {
        record,
        links,
        resources_total,
    })
}

/// A concept's links as [`crate::store::Store::concept_links_bounded`] gives them, from all
/// of them: the links other than concept → resource in link order, then the first
/// `per_concept` links to resources in resource id order; with how many resources it links
/// to when that is more. A write answers with the same body a read of it gives.
fn bounded_concept_links(
    links: Vec<StoredLink>,
    per_concept: u32,
) -> (Vec<StoredLink>, Option<i64>) {
    let (mut to_resources, mut kept): (Vec<_>, Vec<_>) = links.into_iter().partition(|link| {
        link.source.entity_type == EntityType::Concept
            && link.target.entity_type == EntityType::Resource
    });
    let total = to_resources.len();
    to_resources.sort_by_key(|link| link.target.id);
    to_resources.truncate(per_concept as usize);
    kept.extend(to_resources);
    let total = (total > per_concept as usize).then(|| i64::try_from(total).unwrap_or(i64::MAX));
    (kept, total)
}

/// Moves on the versions of the records linked to a record whose title, name or category
/// changed: their representations show it in their links, and a representation's
/// entity tag follows its version.
async fn touch_linked(tx: &mut Tx, entity_type: EntityType, id: i64, actor: &str) -> Result<()> {
    let others: Vec<(EntityType, i64)> = tx
        .links_of(entity_type, id)
        .await?
        .into_iter()
        .map(|link| {
            if link.source.entity_type == entity_type && link.source.id == id {
                (link.target.entity_type, link.target.id)
            } else {
                (link.source.entity_type, link.source.id)
            }
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    touch_all(tx, &others, actor).await
}

/// Moves the versions of records whose links changed and logs an update for each.
async fn touch_all(tx: &mut Tx, ends: &[(EntityType, i64)], actor: &str) -> Result<()> {
    for &(entity_type, id) in ends {
        if let Some(slug) = tx.touch(entity_type, id).await? {
            tx.append_change(entity_type, id, &slug, ChangeOp::Update, Some(actor))
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skos_links_that_disagree_are_found() {
        use Relation::{Broader, Narrower, Related};
        // a broader b: b is more general. Its inverse spelling agrees.
        assert_eq!(skos_contradiction((1, Broader, 2), (2, Narrower, 1)), None);
        assert_eq!(skos_contradiction((1, Broader, 2), (1, Broader, 2)), None);
        assert_eq!(skos_contradiction((1, Related, 2), (2, Related, 1)), None);
        // Each more general than the other.
        assert!(skos_contradiction((1, Broader, 2), (2, Broader, 1)).is_some());
        assert!(skos_contradiction((1, Broader, 2), (1, Narrower, 2)).is_some());
        assert!(skos_contradiction((1, Narrower, 2), (2, Narrower, 1)).is_some());
        // related is disjoint with the hierarchy.
        assert!(skos_contradiction((1, Related, 2), (2, Broader, 1)).is_some());
        assert!(skos_contradiction((1, Narrower, 2), (2, Related, 1)).is_some());
    }

    fn end(entity_type: EntityType, id: i64) -> crate::store::LinkEnd {
        crate::store::LinkEnd {
            entity_type,
            id,
            slug: Slug::parse(&format!("record-{id}")).expect("a valid slug"),
            label: format!("Record {id}"),
            category: None,
        }
    }

    fn link(
        source: (EntityType, i64),
        relation: Relation,
        target: (EntityType, i64),
    ) -> StoredLink {
        StoredLink {
            source: end(source.0, source.1),
            relation,
            target: end(target.0, target.1),
        }
    }

    #[test]
    fn a_written_concept_carries_its_links_as_a_read_bounds_them() {
        use EntityType::{Concept, Resource};
        let concept = (Concept, 1);
        // Links to resources in link order 30, 10, 20; a SKOS link between them.
        let links = vec![
            link(concept, Relation::ExplainedBy, (Resource, 30)),
            link(concept, Relation::ExplainedBy, (Resource, 10)),
            link(concept, Relation::Broader, (Concept, 2)),
            link(concept, Relation::DefinedIn, (Resource, 20)),
        ];
        let (bounded, total) = bounded_concept_links(links.clone(), 2);
        let order: Vec<i64> = bounded.iter().map(|l| l.target.id).collect();
        assert_eq!(
            order,
            [2, 10, 20],
            "others first, then the first resources by id"
        );
        assert_eq!(total, Some(3));

        let (all, total) = bounded_concept_links(links, 3);
        assert_eq!(all.len(), 4);
        assert_eq!(total, None, "no total when every link is there");
    }
}
