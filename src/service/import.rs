//! Applying a parsed catalogue to the store, in one transaction per file.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::Result;
use super::citation::link_citations;
use super::known::Known;
use super::merge::{KEY_GENERATED, fill_concept, fill_resource, merge_concept, merge_resource};
use crate::catalogue::{
    Catalogue, DraftRef, ItemKind, Outcome, ReportLine, ResourceDraft, SourceFormat,
};
use crate::domain::identity::{Described, Evidence, same_work};
use crate::domain::{CitationKey, EntityType, ResourceData, Slug};
use crate::store::{AliasOutcome, ChangeOp, NewLink, Store, StoredResource, Tx};

/// What happened to the records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordCounts {
    /// Stored for the first time.
    pub created: usize,
    /// Records this file described before, changed.
    pub updated: usize,
    /// Records another file described, changed by this one.
    pub merged: usize,
    /// Already held exactly as described.
    pub unchanged: usize,
    /// Items that describe a record another item of this file already described, folded
    /// into it (not counted above: those count distinct records).
    pub merged_in_file: usize,
    /// Described by an earlier import of this file and no longer: removed.
    pub removed: usize,
    /// Left as they are although the file says otherwise (see the report's lines).
    pub kept: usize,
}

impl RecordCounts {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Merged => self.merged += 1,
            Outcome::Removed => self.removed += 1,
            Outcome::Kept => self.kept += 1,
            _ => self.unchanged += 1,
        }
    }
}

/// Counts of an import report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Distinct resources the file describes.
    pub resources: RecordCounts,
    /// Distinct concepts the file describes.
    pub concepts: RecordCounts,
    /// Links added.
    pub links_added: usize,
    /// Source items reported (rows, list items, links, entries...).
    pub items: usize,
    /// Items not imported, each with a reason.
    pub skipped: usize,
    /// Remarks about imported items.
    pub warnings: usize,
}

/// What an import did with every item of one file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// File name.
    pub file: String,
    pub format: SourceFormat,
    /// Nothing was written: the report says what the import would do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    pub summary: ImportSummary,
    /// One line per table row, list item, link, entry, skipped item or remark, in file order.
    pub lines: Vec<ReportLine>,
}

impl ImportReport {
    /// Whether importing again would change nothing: every item was unchanged or skipped.
    pub fn is_noop(&self) -> bool {
        let unchanged =
            |c: &RecordCounts| c.created == 0 && c.updated == 0 && c.merged == 0 && c.removed == 0;
        unchanged(&self.summary.resources)
            && unchanged(&self.summary.concepts)
            && self.summary.links_added == 0
    }
}

/// How an import writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The file is the source of the records it describes: records an earlier import of
    /// the same file name described and this one does not are removed (unless another
    /// file also describes them or they were edited through the API since).
    pub sync: bool,
    /// Report what the import would do, and write nothing.
    pub dry_run: bool,
    /// The files' encoding when they carry no byte order mark (`lore import --encoding`);
    /// `None`: UTF-8, or plausible Windows-1252.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl ImportOptions {
    /// Syncing, writing: how files named by their author are imported.
    pub const SYNC: ImportOptions = ImportOptions {
        sync: true,
        dry_run: false,
        encoding: None,
    };
}

/// What happened to one draft.
#[derive(Debug, Clone)]
struct Applied {
    entity: EntityType,
    id: i64,
    /// Another draft of this import already described the record; it is counted once.
    repeat: bool,
    outcome: Outcome,
    reason: Option<String>,
}

/// How far an import is: rows (resources and concepts) of the file written so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Rows handled, counting the one being written.
    pub done: u64,
    /// Rows the file holds.
    pub rows: u64,
}

/// Writes a catalogue's drafts and links in one transaction and resolves its report;
/// also returns the last change-log `seq` the import appended.
pub(super) async fn apply(
    store: &Store,
    catalogue: Catalogue,
    actor: Option<&str>,
    options: ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Send + Sync),
) -> Result<(ImportReport, Option<i64>)> {
    let rows = (catalogue.resources.len() + catalogue.concepts.len()) as u64;
    let mut done = 0;
    let mut tx = store.begin().await?;
    let mut known = Known::read(&mut tx, &catalogue).await?;
    let file = catalogue.file.clone();
    // The change-log operation for each record this import wrote, by (type, id).
    let mut changed: BTreeMap<(EntityType, i64), (Slug, ChangeOp)> = BTreeMap::new();
    let mut extra_lines = Vec::new();

    // Records this import has already written, with the line that described them first:
    // a later description of the same record only fills its gaps (see `merge::fill_*`).
    let mut seen: HashMap<(EntityType, i64), u32> = HashMap::new();
    let mut resources = Vec::with_capacity(catalogue.resources.len());
    for index in 0..catalogue.resources.len() {
        done += 1;
        progress(ImportProgress { done, rows });
        resources.push(
            apply_resource(
                &mut tx,
                &mut known,
                &catalogue,
                index,
                &mut changed,
                &mut seen,
                &mut extra_lines,
            )
            .await?,
        );
    }

    let mut concepts = Vec::with_capacity(catalogue.concepts.len());
    for draft in &catalogue.concepts {
        done += 1;
        progress(ImportProgress { done, rows });
        let line = draft.data.provenance.as_ref().map_or(0, |p| p.line);
        let applied = match tx.find_concept(&draft.data.name).await? {
            None => {
                let slug = free_slug(&mut tx, EntityType::Concept, &draft.data.name).await?;
                let id = tx.insert_concept(&slug, &draft.data).await?;
                changed.insert((EntityType::Concept, id), (slug.clone(), ChangeOp::Create));
                seen.insert((EntityType::Concept, id), line);
                Applied {
                    entity: EntityType::Concept,
                    id,
                    repeat: false,
                    outcome: Outcome::Created,
                    reason: None,
                }
            }
            Some(stored)
                if !seen.contains_key(&(EntityType::Concept, stored.id))
                    && tx
                        .edited_since_import(EntityType::Concept, stored.id)
                        .await? =>
            {
                seen.insert((EntityType::Concept, stored.id), line);
                Applied {
                    entity: EntityType::Concept,
                    id: stored.id,
                    repeat: false,
                    outcome: Outcome::Kept,
                    reason: Some(edited_reason("concept", stored.concept.slug.as_str())),
                }
            }
            Some(stored) => {
                let slug = stored.concept.slug.clone();
                let first = seen.get(&(EntityType::Concept, stored.id)).copied();
                let merged = match first {
                    Some(_) => fill_concept(&stored.concept.data, &draft.data),
                    None => merge_concept(&stored.concept.data, draft),
                };
                if merged != stored.concept.data {
                    tx.update_concept(stored.id, &merged).await?;
                    changed
                        .entry((EntityType::Concept, stored.id))
                        .or_insert((slug.clone(), ChangeOp::Update));
                }
                let ours = stored
                    .concept
                    .data
                    .provenance
                    .as_ref()
                    .is_some_and(|p| p.file == file);
                let (outcome, reason) = match first {
                    Some(first) => (
                        Outcome::Merged,
                        Some(format!("the same concept as line {first} (`{slug}`)")),
                    ),
                    None if merged == stored.concept.data => (Outcome::Unchanged, None),
                    None if ours => (Outcome::Updated, None),
                    None => (
                        Outcome::Merged,
                        Some(format!("merged into the existing concept `{slug}`")),
                    ),
                };
                seen.entry((EntityType::Concept, stored.id)).or_insert(line);
                Applied {
                    entity: EntityType::Concept,
                    id: stored.id,
                    repeat: first.is_some(),
                    outcome,
                    reason,
                }
            }
        };
        concepts.push(applied);
    }

    let applied_of = |draft: DraftRef| match draft {
        DraftRef::Resource(i) => resources.get(i),
        DraftRef::Concept(i) => concepts.get(i),
    };
    let mut links_added = 0;
    let mut touched = Vec::new();
    let links: Vec<NewLink> = catalogue
        .links
        .iter()
        .filter_map(|link| {
            let (source, target) = (applied_of(link.source)?, applied_of(link.target)?);
            let different = source.entity != target.entity || source.id != target.id;
            different.then_some((
                (source.entity, source.id),
                link.relation,
                (target.entity, target.id),
                Some((file.as_str(), link.line)),
            ))
        })
        .collect();
    for (link, added) in links.iter().zip(tx.insert_links(&links).await?) {
        if added {
            links_added += 1;
            touched.push(link.0);
            touched.push(link.2);
        }
    }
    // `{cite}` roles become links once the cited work is stored, whichever came first.
    let mut cited: Vec<(&str, u32)> = Vec::new();
    for draft in &catalogue.concepts {
        let line = draft.data.provenance.as_ref().map_or(0, |p| p.line);
        cited.extend(
            draft
                .data
                .citation_keys
                .iter()
                .map(|key| (key.as_str(), line)),
        );
    }
    for draft in &catalogue.resources {
        let line = draft.data.provenance.as_ref().map_or(0, |p| p.line);
        cited.extend(
            draft
                .data
                .citation_key
                .iter()
                .map(|key| (key.as_str(), line)),
        );
    }
    for (key, line) in cited {
        for (source, target) in link_citations(&mut tx, key, Some((&file, line))).await? {
            links_added += 1;
            touched.extend([source, target]);
        }
    }
    // A `{cite}` key that names no stored work is worth a warning: a typo, or a `.bib`
    // not imported yet (the link is made when it is).
    let cite_lines = catalogue
        .report
        .iter()
        .filter(|l| l.item == ItemKind::Citation && l.draft.is_some());
    for cite in cite_lines {
        for key in cite.text.split(", ").filter(|k| !k.is_empty()) {
            if tx.resource_id_by_citation_key(key).await?.is_none() {
                extra_lines.push(ReportLine::warning(
                    cite.line,
                    ItemKind::Citation,
                    key,
                    format!(
                        "{file}:{}: no stored work has the citation key `{key}`; it is linked \
                         when a BibTeX entry with that key is imported",
                        cite.line
                    ),
                ));
            }
        }
    }
    let described: HashSet<(EntityType, i64)> = resources
        .iter()
        .chain(&concepts)
        .map(|a| (a.entity, a.id))
        .collect();
    let mut removals = RemovalCounts::default();
    // A file that now describes nothing (an empty or unreadable body sent under a page's
    // name) removes nothing: emptying a source is done record by record, not by accident.
    let emptied = described.is_empty();
    if options.sync {
        for record in tx.records_from_file(&file).await? {
            let key = (record.entity, record.id);
            if described.contains(&key) {
                continue;
            }
            let Some(label) = tx.record_label(record.entity, record.id).await? else {
                tx.forget_source(record.entity, record.id, Some(&file))
                    .await?;
                continue;
            };
            let line = label
                .line
                .filter(|_| label.file.as_deref() == Some(file.as_str()))
                .and_then(|l| u32::try_from(l).ok())
                .unwrap_or(0);
            let text = match &label.url {
                Some(url) => format!("{} <{url}>", label.title),
                None => label.title.clone(),
            };
            let what = record.entity.as_str();
            let others = tx.other_sources(record.entity, record.id, &file).await?;
            let edited = tx.edited_since_import(record.entity, record.id).await?;
            let (outcome, reason) = if emptied {
                (
                    Outcome::Kept,
                    format!(
                        "no longer in this file; `{}` is kept: the file describes no record, \
                         and an empty file removes nothing",
                        label.slug
                    ),
                )
            } else if !others.is_empty() {
                tx.forget_source(record.entity, record.id, Some(&file))
                    .await?;
                (
                    Outcome::Kept,
                    format!(
                        "no longer in this file; `{}` is kept: it is also imported from {}",
                        label.slug,
                        others.join(", ")
                    ),
                )
            } else if edited {
                (Outcome::Kept, edited_reason(what, &label.slug))
            } else {
                let neighbours = tx.delete_links_of(record.entity, record.id).await?;
                match record.entity {
                    EntityType::Resource => tx.delete_resource(record.id).await?,
                    EntityType::Concept => tx.delete_concept(record.id).await?,
                }
                if let Ok(slug) = Slug::parse(&label.slug) {
                    changed.insert(key, (slug, ChangeOp::Delete));
                }
                touched.extend(neighbours);
                (
                    Outcome::Removed,
                    format!(
                        "no longer in this file: the {what} `{}` was removed",
                        label.slug
                    ),
                )
            };
            removals.count(record.entity, outcome);
            extra_lines.push(ReportLine {
                line,
                item: ItemKind::Record,
                outcome,
                text,
                reason: Some(reason),
                draft: None,
            });
        }
    }
    for (entity, id) in touched {
        if changed.contains_key(&(entity, id)) {
            continue;
        }
        let in_sync = !tx.edited_since_import(entity, id).await?;
        let slug = tx.touch(entity, id).await?;
        if in_sync {
            tx.confirm_sources(entity, id).await?;
        }
        if let Some(slug) = slug.and_then(|s| Slug::parse(&s).ok()) {
            changed.insert((entity, id), (slug, ChangeOp::Update));
        }
    }
    for (entity, applied) in [
        (EntityType::Resource, &resources),
        (EntityType::Concept, &concepts),
    ] {
        let ids: Vec<i64> = applied
            .iter()
            .filter(|a| a.outcome != Outcome::Kept)
            .map(|a| a.id)
            .collect();
        tx.record_sources(entity, &ids, &file).await?;
    }
    let changes: Vec<(EntityType, i64, &str, ChangeOp)> = changed
        .iter()
        .map(|((entity, id), (slug, op))| (*entity, *id, slug.as_str(), *op))
        .collect();
    tx.append_changes(&changes, actor).await?;
    let last_seq = if options.dry_run {
        tx.rollback().await?;
        None
    } else {
        tx.commit().await?
    };

    let mut lines = catalogue.report;
    for line in &mut lines {
        if line.outcome != Outcome::Parsed {
            continue;
        }
        if let Some(applied) = line.draft.and_then(applied_of) {
            line.outcome = applied.outcome;
            line.reason.clone_from(&applied.reason);
            // A merged row is named by its title and URL, not by whatever cell came first.
            if let (Outcome::Merged, Some(DraftRef::Resource(i))) = (applied.outcome, line.draft)
                && let Some(draft) = catalogue.resources.get(i)
                && !draft.data.title.trim().is_empty()
            {
                line.text = match &draft.data.url {
                    Some(url) => format!("{} <{url}>", draft.data.title),
                    None => draft.data.title.clone(),
                };
            }
        }
    }
    lines.extend(extra_lines);
    lines.sort_by_key(|l| l.line);

    let mut summary = ImportSummary {
        links_added,
        items: lines.len(),
        ..ImportSummary::default()
    };
    for applied in &resources {
        if applied.repeat {
            summary.resources.merged_in_file += 1;
        } else {
            summary.resources.count(applied.outcome);
        }
    }
    for applied in &concepts {
        if applied.repeat {
            summary.concepts.merged_in_file += 1;
        } else {
            summary.concepts.count(applied.outcome);
        }
    }
    summary.resources.removed += removals.resources.removed;
    summary.resources.kept += removals.resources.kept;
    summary.concepts.removed += removals.concepts.removed;
    summary.concepts.kept += removals.concepts.kept;
    summary.skipped = lines
        .iter()
        .filter(|l| l.outcome == Outcome::Skipped)
        .count();
    summary.warnings = lines
        .iter()
        .filter(|l| l.outcome == Outcome::Warning)
        .count();
    Ok((
        ImportReport {
            file,
            format: catalogue.format,
            dry_run: options.dry_run,
            summary,
            lines,
        },
        last_seq,
    ))
}

/// The stored resource a draft declares itself to be: one whose own key or alias is the
/// draft's key or one of its declared aliases, when that resource's key is among the
/// draft's keys too (a biblatex `ids` field, or a copy lore's export wrote under an alias:
/// the file itself says the keys name one work).
async fn declared_same_work(tx: &mut Tx, draft: &ResourceDraft) -> Result<Option<StoredResource>> {
    if draft.aliases.is_empty() {
        return Ok(None);
    }
    let keys: Vec<&str> = draft
        .data
        .citation_key
        .iter()
        .chain(&draft.aliases)
        .map(|k| k.as_str())
        .collect();
    for key in &keys {
        if let Some(stored) = tx.resource_by_citation_key(key).await?
            && let Some(own) = &stored.resource.data.citation_key
            && keys.iter().any(|k| k.eq_ignore_ascii_case(own.as_str()))
        {
            return Ok(Some(stored));
        }
    }
    Ok(None)
}

/// Applies one resource draft ([`apply_resource_data`]), then keeps the aliases the file
/// declares for it citable.
async fn apply_resource(
    tx: &mut Tx,
    known: &mut Known,
    catalogue: &Catalogue,
    index: usize,
    changed: &mut BTreeMap<(EntityType, i64), (Slug, ChangeOp)>,
    seen: &mut HashMap<(EntityType, i64), u32>,
    extra_lines: &mut Vec<ReportLine>,
) -> Result<Applied> {
    let applied =
        apply_resource_data(tx, known, catalogue, index, changed, seen, extra_lines).await?;
    let draft = &catalogue.resources[index];
    if draft.aliases.is_empty() {
        return Ok(applied);
    }
    let line = draft.data.provenance.as_ref().map_or(0, |p| p.line);
    let Some(stored) = tx.resource_by_id(applied.id).await? else {
        return Ok(applied);
    };
    for alias in &draft.aliases {
        keep_citable(
            tx,
            known,
            applied.id,
            &stored.resource,
            alias,
            line,
            extra_lines,
        )
        .await?;
    }
    Ok(applied)
}

async fn apply_resource_data(
    tx: &mut Tx,
    known: &mut Known,
    catalogue: &Catalogue,
    index: usize,
    changed: &mut BTreeMap<(EntityType, i64), (Slug, ChangeOp)>,
    seen: &mut HashMap<(EntityType, i64), u32>,
    extra_lines: &mut Vec<ReportLine>,
) -> Result<Applied> {
    let draft = &catalogue.resources[index];
    let file = &catalogue.file;
    let line = draft.data.provenance.as_ref().map_or(0, |p| p.line);
    let declared = declared_same_work(tx, draft)
        .await?
        .map(|stored| (stored, Evidence::CitationKey));
    let cited = match declared {
        Some(declared) => Some(declared),
        None => cited_work(tx, catalogue, &draft.data).await?,
    };
    let found = match cited {
        Some(cited) => Some(cited),
        None => best_same_work(
            known.candidates(&draft.data),
            &draft.data,
            Some(file),
            draft.title_guessed,
            catalogue.format == SourceFormat::Bibtex,
        ),
    };
    let evidence = found.as_ref().map_or("", |(_, e)| e.as_str());
    let found = found.map(|(stored, _)| stored);
    if let Some(stored) = &found
        && let Some(&first) = seen.get(&(EntityType::Resource, stored.id))
    {
        let filled = fill_resource(&stored.resource.data, &draft.data);
        if filled != stored.resource.data {
            tx.update_resource(
                stored.id,
                &filled,
                stored.key_origin.as_deref(),
                stored.enriched_from.as_deref(),
            )
            .await?;
            known.updated(
                stored,
                &filled,
                stored.key_origin.as_deref(),
                stored.enriched_from.as_deref(),
            );
            changed
                .entry((EntityType::Resource, stored.id))
                .or_insert((stored.resource.slug.clone(), ChangeOp::Update));
        }
        keep_key_citable(
            tx,
            known,
            stored.id,
            &stored.resource,
            &draft.data,
            line,
            extra_lines,
        )
        .await?;
        let reason = format!(
            "the same work as line {first} ({file}:{first}, `{}`), by {evidence}",
            stored.resource.slug
        );
        return Ok(Applied {
            entity: EntityType::Resource,
            id: stored.id,
            repeat: true,
            outcome: Outcome::Merged,
            reason: Some(reason),
        });
    }
    if let Some(stored) = &found {
        seen.insert((EntityType::Resource, stored.id), line);
        if known.edited_since_import(tx, stored).await? {
            keep_key_citable(
                tx,
                known,
                stored.id,
                &stored.resource,
                &draft.data,
                line,
                extra_lines,
            )
            .await?;
            return Ok(Applied {
                entity: EntityType::Resource,
                id: stored.id,
                repeat: false,
                outcome: Outcome::Kept,
                reason: Some(edited_reason("resource", stored.resource.slug.as_str())),
            });
        }
    }
    let Some(stored) = found else {
        let slug = known.free_slug(tx, &draft.data.title).await?;
        let mut data = draft.data.clone();
        let mut key_origin = data
            .citation_key
            .as_ref()
            .map(|_| super::merge::KEY_IMPORTED);
        if let Some(key) = &data.citation_key
            && tx.citation_key_taken(key.as_str(), None).await?
        {
            extra_lines.push(ReportLine::warning(
                line,
                ItemKind::Entry,
                key.as_str(),
                "another resource already has this citation key (keys are unique ignoring case); a new key was issued",
            ));
            data.citation_key = None;
            key_origin = None;
        }
        if data.citation_key.is_none() {
            data.citation_key = Some(known.issue_key(tx, &data).await?);
            key_origin = Some(KEY_GENERATED);
        }
        let id = tx
            .queue_resource(&slug, &data, key_origin, enriched(catalogue))
            .await?;
        known.inserted(id, slug.clone(), data, key_origin, enriched(catalogue));
        changed.insert((EntityType::Resource, id), (slug.clone(), ChangeOp::Create));
        seen.insert((EntityType::Resource, id), line);
        return Ok(Applied {
            entity: EntityType::Resource,
            id,
            repeat: false,
            outcome: Outcome::Created,
            reason: None,
        });
    };

    let resource = &stored.resource;
    let mut merged = merge_resource(
        &resource.data,
        stored.key_origin.as_deref(),
        stored.enriched_from.as_deref(),
        draft,
        catalogue.format,
        file,
    );
    if let Some(key) = merged.data.citation_key.as_ref()
        && resource.data.citation_key.as_ref() != Some(key)
        && tx.citation_key_taken(key.as_str(), Some(stored.id)).await?
    {
        merged.key_kept = Some(key.to_string());
        merged
            .data
            .citation_key
            .clone_from(&resource.data.citation_key);
        merged.key_origin.clone_from(&stored.key_origin);
    }
    if merged.key_kept.is_some() {
        keep_key_citable(
            tx,
            known,
            stored.id,
            resource,
            &draft.data,
            line,
            extra_lines,
        )
        .await?;
    }
    let slug = resource.slug.clone();
    let unchanged = merged.data == resource.data
        && merged.key_origin == stored.key_origin
        && merged.enriched_from == stored.enriched_from;
    if unchanged {
        return Ok(Applied {
            entity: EntityType::Resource,
            id: stored.id,
            repeat: false,
            outcome: Outcome::Unchanged,
            reason: None,
        });
    }
    tx.update_resource(
        stored.id,
        &merged.data,
        merged.key_origin.as_deref(),
        merged.enriched_from.as_deref(),
    )
    .await?;
    known.updated(
        &stored,
        &merged.data,
        merged.key_origin.as_deref(),
        merged.enriched_from.as_deref(),
    );
    changed
        .entry((EntityType::Resource, stored.id))
        .or_insert((slug.clone(), ChangeOp::Update));
    let ours = resource
        .data
        .provenance
        .as_ref()
        .is_some_and(|p| &p.file == file);
    let (outcome, reason) = if ours {
        (Outcome::Updated, None)
    } else {
        (
            Outcome::Merged,
            Some(format!(
                "merged into the existing resource `{slug}` ({}{}), by {evidence}",
                resource.data.title,
                resource
                    .data
                    .provenance
                    .as_ref()
                    .map(|p| format!(", from {}:{}", p.file, p.line))
                    .unwrap_or_default()
            )),
        )
    };
    Ok(Applied {
        entity: EntityType::Resource,
        id: stored.id,
        repeat: false,
        outcome,
        reason,
    })
}

/// Keeps the citation key of `draft` citable when the work it names is stored as `stored`
/// (id `id`) under another key: the key becomes an alias of the stored resource
/// (`GET /resources/{key}` redirects, exports keep it), unless another resource has it.
/// Issued keys never change, so the stored key stays the resource's own. Reports which.
///
/// # Errors
/// [`super::ServiceError::Store`].
async fn keep_key_citable(
    tx: &mut Tx,
    known: &mut Known,
    id: i64,
    stored: &crate::domain::Resource,
    draft: &ResourceData,
    line: u32,
    extra_lines: &mut Vec<ReportLine>,
) -> Result<()> {
    match &draft.citation_key {
        Some(key) => keep_citable(tx, known, id, stored, key, line, extra_lines).await,
        None => Ok(()),
    }
}

/// Makes `key` an alias of the stored resource `stored` (id `id`) unless it is its own key
/// or already names it; reports what became of it.
async fn keep_citable(
    tx: &mut Tx,
    known: &mut Known,
    id: i64,
    stored: &crate::domain::Resource,
    key: &CitationKey,
    line: u32,
    extra_lines: &mut Vec<ReportLine>,
) -> Result<()> {
    let own = stored.data.citation_key.as_ref().map_or("", |k| k.as_str());
    if key.as_str().eq_ignore_ascii_case(own) {
        return Ok(());
    }
    let detail = match tx.add_citation_key_alias(id, key).await? {
        AliasOutcome::Added => {
            known.key_taken(key.as_str());
            link_citations(tx, key.as_str(), None).await?;
            format!(
                "the same work as `{}`, whose citation key is `{own}`: `{key}` stays citable as an alias of it",
                stored.slug
            )
        }
        AliasOutcome::Already => return Ok(()),
        AliasOutcome::Taken => format!(
            "the same work as `{}` (citation key `{own}`), but another resource has the key `{key}`: citing `{key}` cites that other resource",
            stored.slug
        ),
    };
    extra_lines.push(ReportLine::warning(
        line,
        ItemKind::Entry,
        key.as_str(),
        detail,
    ));
    Ok(())
}

/// The stored resource that is the same work as `data` (from `file`, when imported), by
/// the identity rules of [`crate::domain::identity`], with the evidence; the record with
/// the strongest evidence, then the oldest, when several are.
pub(super) async fn find_same_work(
    tx: &mut Tx,
    data: &ResourceData,
    file: Option<&str>,
    title_guessed: bool,
    bibliographic: bool,
) -> Result<Option<(StoredResource, Evidence)>> {
    Ok(best_same_work(
        tx.resource_candidates(data).await?,
        data,
        file,
        title_guessed,
        bibliographic,
    ))
}

/// Of `candidates` (in id order), the one that is the same work as `data`, with the
/// evidence: see [`find_same_work`].
fn best_same_work(
    candidates: Vec<StoredResource>,
    data: &ResourceData,
    file: Option<&str>,
    title_guessed: bool,
    bibliographic: bool,
) -> Option<(StoredResource, Evidence)> {
    let draft_sources: Vec<&str> = file.into_iter().collect();
    let draft = Described {
        data,
        sources: &draft_sources,
        title_guessed,
        bibliographic,
    };
    let mut best: Option<(StoredResource, Evidence)> = None;
    for stored in candidates {
        let sources: Vec<&str> = stored
            .resource
            .data
            .provenance
            .as_ref()
            .map(|p| p.file.as_str())
            .into_iter()
            .chain(stored.enriched_from.as_deref())
            .collect();
        let side = Described {
            data: &stored.resource.data,
            sources: &sources,
            title_guessed: false,
            bibliographic: stored.enriched_from.is_some(),
        };
        let Some(evidence) = same_work(&draft, &side) else {
            continue;
        };
        if best.as_ref().is_none_or(|(_, e)| evidence < *e) {
            best = Some((stored, evidence));
        }
    }
    best
}

/// The stored work a page's draft cites as its own (a table row whose `{cite}` gave it
/// the key): the author said which entry the row is, whatever its title.
async fn cited_work(
    tx: &mut Tx,
    catalogue: &Catalogue,
    data: &crate::domain::ResourceData,
) -> Result<Option<(StoredResource, Evidence)>> {
    let Some(key) = data
        .citation_key
        .as_ref()
        .filter(|_| catalogue.format == SourceFormat::Page)
    else {
        return Ok(None);
    };
    let probe = crate::domain::ResourceData {
        citation_key: Some(key.clone()),
        ..crate::domain::ResourceData::default()
    };
    Ok(tx
        .resource_candidates(&probe)
        .await?
        .into_iter()
        .find(|stored| {
            stored
                .resource
                .data
                .citation_key
                .as_ref()
                .is_some_and(|k| k.as_str().eq_ignore_ascii_case(key.as_str()))
        })
        .map(|stored| (stored, Evidence::CitationKey)))
}

/// Records removed or kept by a sync, by kind.
#[derive(Debug, Default)]
struct RemovalCounts {
    resources: RecordCounts,
    concepts: RecordCounts,
}

impl RemovalCounts {
    fn count(&mut self, entity: EntityType, outcome: Outcome) {
        match entity {
            EntityType::Resource => self.resources.count(outcome),
            EntityType::Concept => self.concepts.count(outcome),
        }
    }
}

/// Why a record the file describes was left as it is.
fn edited_reason(what: &str, slug: &str) -> String {
    format!(
        "the {what} `{slug}` was edited through the API since its import: kept as it is, \
         this file's description was not applied"
    )
}

/// The `.bib` file name for BibTeX imports (it sets the bibliographic fields).
fn enriched(catalogue: &Catalogue) -> Option<&str> {
    (catalogue.format == SourceFormat::Bibtex).then_some(catalogue.file.as_str())
}

/// A slug for a new record: from its title, with `-2`, `-3`, ... when taken.
pub(super) async fn free_slug(tx: &mut Tx, entity: EntityType, title: &str) -> Result<Slug> {
    let base = Slug::from_title(title, entity.as_str());
    let mut candidate = base.clone();
    let mut n = 1;
    loop {
        let taken = match entity {
            EntityType::Resource => tx.resource_slug_taken(&candidate).await?,
            EntityType::Concept => tx.concept_slug_taken(&candidate).await?,
        };
        if !taken {
            return Ok(candidate);
        }
        n += 1;
        candidate = base.with_suffix(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Service;

    #[tokio::test]
    async fn an_import_reports_each_row_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lore.db").display());
        let store = Store::connect(&url).await.unwrap();
        let service = Service::new(store.clone());
        let bibtex = "@article{a2020, title={Alpha}, author={Ada, A.}, year={2020}}\n\
                      @article{b2020, title={Beta}, author={Bob, B.}, year={2020}}\n\
                      @article{c2020, title={Gamma}, author={Cy, C.}, year={2020}}\n";
        let seen = std::sync::Mutex::new(Vec::new());
        service
            .import_bytes_with_progress("three.bib", bibtex.as_bytes(), None, &|p| {
                seen.lock().unwrap().push((p.done, p.rows));
            })
            .await
            .unwrap();
        assert_eq!(seen.into_inner().unwrap(), [(1, 3), (2, 3), (3, 3)]);
        store.close().await;
    }
}
