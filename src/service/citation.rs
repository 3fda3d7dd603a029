//! Citation keys: issuing them for resources that have none, and turning MyST `{cite}`
//! roles into `cited_by` links once the cited work is in the store.

use std::collections::HashSet;

use super::Result;
use crate::cite;
use crate::domain::{CitationKey, EntityType, Relation, ResourceData};
use crate::store::Tx;

/// Issues a citation key for `data` (see [`cite::generate_key`]), unique ignoring
/// case among the keys already stored.
///
/// # Errors
/// [`super::ServiceError::Store`].
pub(super) async fn issue_key(tx: &mut Tx, data: &ResourceData) -> Result<CitationKey> {
    // Every candidate starts with the base, so the keys sharing it are all that can clash.
    let base = cite::key_base(data);
    let taken: HashSet<String> = tx
        .citation_keys_starting_with(&base)
        .await?
        .into_iter()
        .collect();
    Ok(cite::generate_key(data, |candidate| {
        taken.contains(candidate)
    }))
}

/// Links concepts whose text cites `key` ({cite} roles) to the resource with that key,
/// in both orders of import: call it for each concept's keys and for each resource's key.
/// Returns the ends of the links it added.
///
/// # Errors
/// [`super::ServiceError::Store`].
pub(super) async fn link_citations(
    tx: &mut Tx,
    key: &str,
    file: Option<(&str, u32)>,
) -> Result<Vec<((EntityType, i64), (EntityType, i64))>> {
    let mut added = Vec::new();
    let Some(resource) = tx.resource_id_by_citation_key(key).await? else {
        return Ok(added);
    };
    for concept in tx.concept_ids_citing(key).await? {
        let (source, target) = (
            (EntityType::Concept, concept),
            (EntityType::Resource, resource),
        );
        if tx
            .insert_link(source, Relation::CitedBy, target, file)
            .await?
        {
            added.push((source, target));
        }
    }
    Ok(added)
}
