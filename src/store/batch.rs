//! Many rows per statement, for imports: resources queued and written in batches, links,
//! change-log entries and import sources written in batches, and the reads an import
//! makes once for all of its rows (taken slugs, import versions).
//!
//! Bound parameters per statement stay under SQLite's limit (32,766) and PostgreSQL's
//! (65,535).

use std::collections::{HashMap, HashSet, VecDeque};

use super::resources::{INSERT_COLUMNS, push_insert_values};
use super::sql::{Sql, Value};
use super::{Backend, ChangeOp, Result, StoreError, Tx, conflict_on, now};
use crate::domain::{EntityType, Relation, ResourceData, Slug, author_keys};

/// Bound values per resource row of an insert.
const RESOURCE_VALUES: usize = 36;
/// Resources queued before they are written.
const QUEUE_LENGTH: usize = 500;
/// Ids a PostgreSQL transaction reserves from the resources' sequence at a time.
const IDS_PER_RESERVATION: i64 = 500;

/// Bound values one statement of many rows carries: under SQLite's limit (32,766) and
/// PostgreSQL's (65,535).
const VALUES_PER_STATEMENT: usize = 18_000;

/// Rows of `values` bound values each that one statement carries.
pub(super) fn rows_per_statement(values: usize) -> usize {
    (VALUES_PER_STATEMENT / values.max(1)).max(1)
}

/// A resource [`Tx::queue_resource`] has given an id, not written yet.
#[derive(Debug)]
pub(super) struct PendingResource {
    id: i64,
    slug: Slug,
    data: ResourceData,
    key_origin: Option<String>,
    enriched_from: Option<String>,
    at: String,
}

/// Ids for queued resources: on SQLite, the next after the largest stored one (the
/// transaction holds the write lock); on PostgreSQL, values reserved from the identity
/// sequence (other sessions may take values in between).
#[derive(Debug, Default)]
pub(super) struct IdBlock {
    next: Option<i64>,
    reserved: VecDeque<i64>,
}

impl IdBlock {
    /// Forgets the SQLite counter: a resource was inserted with an id the database chose.
    pub(super) fn forget(&mut self) {
        self.next = None;
    }
}

/// A link to add: its source, relation, target and the file and line that state it.
pub type NewLink<'a> = (
    (EntityType, i64),
    Relation,
    (EntityType, i64),
    Option<(&'a str, u32)>,
);

/// A link's identity, as the unique index sees it.
type LinkKey = (String, i64, String, String, i64);

fn table(entity: EntityType) -> &'static str {
    match entity {
        EntityType::Resource => "resources",
        EntityType::Concept => "concepts",
    }
}

impl Tx {
    /// The connection, after writing the queued resources: every statement but the queue's
    /// own goes through here, so reads see every write of the transaction.
    ///
    /// # Errors
    /// As [`Tx::flush`].
    /// A statement for many rows: on SQLite with `?` placeholders (see
    /// [`Sql::anonymous_placeholders`]).
    pub(super) fn batch_sql(&self, text: &str) -> Sql {
        let mut sql = Sql::new(text);
        if self.backend == Backend::Sqlite {
            sql.anonymous_placeholders();
        }
        sql
    }

    pub(super) async fn conn(&mut self) -> Result<&mut sqlx::AnyConnection> {
        self.flush().await?;
        Ok(&mut *self.tx)
    }

    /// Gives a new resource its id and queues it; it is written with the queue, many rows
    /// per statement, before the next other statement of the transaction runs or when the
    /// queue is full. Author keys are written with it.
    ///
    /// # Errors
    /// [`StoreError::Database`]; [`StoreError::Conflict`] when a queued slug or citation
    /// key is taken (reported by the statement that writes the queue).
    pub async fn queue_resource(
        &mut self,
        slug: &Slug,
        data: &ResourceData,
        key_origin: Option<&str>,
        enriched_from: Option<&str>,
    ) -> Result<i64> {
        let id = self.next_resource_id().await?;
        self.pending.push(PendingResource {
            id,
            slug: slug.clone(),
            data: data.clone(),
            key_origin: key_origin.map(str::to_owned),
            enriched_from: enriched_from.map(str::to_owned),
            at: now(),
        });
        if self.pending.len() >= QUEUE_LENGTH {
            self.flush().await?;
        }
        Ok(id)
    }

    async fn next_resource_id(&mut self) -> Result<i64> {
        match self.backend {
            Backend::Sqlite => {
                let next = match self.next_ids.next {
                    Some(next) => next,
                    None => {
                        let (max,): (i64,) =
                            sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM resources")
                                .fetch_one(&mut *self.tx)
                                .await?;
                        max + 1
                    }
                };
                self.next_ids.next = Some(next + 1);
                Ok(next)
            }
            Backend::Postgres => {
                if self.next_ids.reserved.is_empty() {
                    // One block of values: writers hold the advisory lock, and the API
                    // inserts resources only in a write transaction, so no other session
                    // takes a value between `nextval` and `setval`.
                    let mut sql = Sql::new(
                        "SELECT setval(pg_get_serial_sequence('resources', 'id'), \
                         nextval(pg_get_serial_sequence('resources', 'id')) + ",
                    );
                    sql.bind(Value::Int(IDS_PER_RESERVATION - 1)).push(")");
                    let last = sql.fetch_count(&mut *self.tx).await?;
                    self.next_ids.reserved = (last - IDS_PER_RESERVATION + 1..=last).collect();
                }
                self.next_ids
                    .reserved
                    .pop_front()
                    .ok_or_else(|| StoreError::Corrupt("no resource id reserved".into()))
            }
        }
    }

    /// Writes the queued resources and their author keys.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a slug or citation key is taken;
    /// [`StoreError::Database`].
    pub async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        // PostgreSQL's identity column takes an id from the statement only when told to.
        let overriding = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " OVERRIDING SYSTEM VALUE",
        };
        for chunk in pending.chunks(rows_per_statement(RESOURCE_VALUES)) {
            let mut sql = self.batch_sql(&format!(
                "INSERT INTO resources (id, {INSERT_COLUMNS}){overriding} VALUES "
            ));
            for (i, row) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(Value::Int(row.id))
                    .push(", ");
                push_insert_values(
                    &mut sql,
                    &row.slug,
                    &row.data,
                    row.key_origin.as_deref(),
                    row.enriched_from.as_deref(),
                    &row.at,
                );
                sql.push(")");
            }
            sql.execute(&mut *self.tx)
                .await
                .map_err(conflict_on("slug or citation key"))?;
        }
        let authors: Vec<(i64, String)> = pending
            .iter()
            .flat_map(|row| {
                author_keys(&row.data)
                    .into_iter()
                    .filter(|k| !k.contains('\0'))
                    .map(move |k| (row.id, k))
            })
            .collect();
        for chunk in authors.chunks(rows_per_statement(2)) {
            let mut sql =
                self.batch_sql("INSERT INTO resource_authors (resource_id, family_key) VALUES ");
            for (i, (id, key)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(Value::Int(*id))
                    .push(", ")
                    .bind(Value::Text(key.clone()))
                    .push(")");
            }
            sql.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Adds links, many per statement; says for each whether it was added (`false`: the
    /// same link was stored already, or listed earlier).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn insert_links(&mut self, links: &[NewLink<'_>]) -> Result<Vec<bool>> {
        let key = |(source, relation, target, _): &NewLink<'_>| -> LinkKey {
            (
                source.0.as_str().to_owned(),
                source.1,
                relation.as_str().to_owned(),
                target.0.as_str().to_owned(),
                target.1,
            )
        };
        let mut first: HashMap<LinkKey, usize> = HashMap::new();
        let mut unique = Vec::new();
        for (i, link) in links.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(entry) = first.entry(key(link)) {
                entry.insert(i);
                unique.push(link);
            }
        }
        let mut added = vec![false; links.len()];
        let at = now();
        for chunk in unique.chunks(rows_per_statement(8)) {
            let mut sql = self.batch_sql(
                "INSERT INTO links (source_type, source_id, relation, target_type, target_id, \
                 source_file, source_line, created_at) VALUES ",
            );
            for (i, (source, relation, target, origin)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind_list(super::links::link_row(
                        *source,
                        *relation,
                        *target,
                        *origin,
                        at.clone(),
                    ))
                    .push(")");
            }
            sql.push(
                " ON CONFLICT (source_type, source_id, relation, target_type, target_id) \
                 DO NOTHING RETURNING source_type, source_id, relation, target_type, target_id",
            );
            let rows: Vec<LinkKey> = sql.fetch_all(self.conn().await?).await?;
            for row in rows {
                if let Some(&i) = first.get(&row) {
                    added[i] = true;
                }
            }
        }
        Ok(added)
    }

    /// Appends change-log entries in order, many per statement (see
    /// [`Tx::append_change`]).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn append_changes(
        &mut self,
        changes: &[(EntityType, i64, &str, ChangeOp)],
        actor: Option<&str>,
    ) -> Result<()> {
        let at = now();
        for chunk in changes.chunks(rows_per_statement(6)) {
            let mut sql = self
                .batch_sql("INSERT INTO changes (entity, entity_id, slug, op, at, actor) VALUES ");
            for (i, (entity, id, slug, op)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind_list([
                        Value::Text(entity.as_str().into()),
                        Value::Int(*id),
                        Value::Text((*slug).into()),
                        Value::Text(op.as_str().into()),
                        Value::Text(at.clone()),
                        Value::opt_text(actor),
                    ])
                    .push(")");
            }
            sql.push(" RETURNING seq");
            let seqs: Vec<(i64,)> = sql.fetch_all(self.conn().await?).await?;
            self.last_seq = self.last_seq.max(seqs.into_iter().map(|(seq,)| seq).max());
        }
        Ok(())
    }

    /// [`Tx::record_source`] for many records of one type: `file` describes them, at
    /// their current versions (and every file that describes them is confirmed at it).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn record_sources(
        &mut self,
        entity: EntityType,
        ids: &[i64],
        file: &str,
    ) -> Result<()> {
        let table = table(entity);
        let ids: Vec<i64> = {
            let mut seen = HashSet::new();
            ids.iter().copied().filter(|id| seen.insert(*id)).collect()
        };
        for chunk in ids.chunks(rows_per_statement(1)) {
            let mut insert = self.batch_sql(
                "INSERT INTO import_sources (entity_type, entity_id, file, version) SELECT ",
            );
            insert
                .bind(Value::Text(entity.as_str().into()))
                .push(", id, ")
                .bind(Value::Text(file.to_owned()))
                .push(&format!(", version FROM {table} WHERE id IN ("))
                .bind_list(chunk.iter().map(|&id| Value::Int(id)))
                .push(") ON CONFLICT (entity_type, entity_id, file) DO NOTHING");
            insert.execute(self.conn().await?).await?;
            // Only the rows whose version differs are written.
            let mut confirm = self.batch_sql(&format!(
                "UPDATE import_sources SET version = t.version FROM {table} t \
                 WHERE t.id = import_sources.entity_id AND import_sources.version <> t.version \
                 AND import_sources.entity_type = "
            ));
            confirm
                .bind(Value::Text(entity.as_str().into()))
                .push(" AND import_sources.entity_id IN (")
                .bind_list(chunk.iter().map(|&id| Value::Int(id)))
                .push(")");
            confirm.execute(self.conn().await?).await?;
        }
        Ok(())
    }

    /// The largest version at which some file imported each of these records, for those
    /// any file imported (see [`Tx::edited_since_import`]).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn import_versions(
        &mut self,
        entity: EntityType,
        ids: &[i64],
    ) -> Result<HashMap<i64, i64>> {
        let mut versions = HashMap::new();
        for chunk in ids.chunks(rows_per_statement(1)) {
            let mut sql = self.batch_sql(
                "SELECT entity_id, MAX(version) FROM import_sources WHERE entity_type = ",
            );
            sql.bind(Value::Text(entity.as_str().into()))
                .push(" AND entity_id IN (")
                .bind_list(chunk.iter().map(|&id| Value::Int(id)))
                .push(") GROUP BY entity_id");
            let rows: Vec<(i64, i64)> = sql.fetch_all(self.conn().await?).await?;
            versions.extend(rows);
        }
        Ok(versions)
    }

    /// Which of these slugs resources have.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn resource_slugs_taken(&mut self, slugs: &[String]) -> Result<HashSet<String>> {
        let mut taken = HashSet::new();
        for chunk in slugs.chunks(rows_per_statement(1)) {
            let mut sql = self.batch_sql("SELECT slug FROM resources WHERE slug IN (");
            sql.bind_list(chunk.iter().map(|s| Value::Text(s.clone())))
                .push(")");
            let rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
            taken.extend(rows.into_iter().map(|(slug,)| slug));
        }
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lore.db").display());
        let store = Store::connect(&url).await.unwrap();
        (dir, store)
    }

    fn titled(title: &str) -> ResourceData {
        ResourceData {
            title: title.to_owned(),
            ..ResourceData::default()
        }
    }

    /// Queued resources are read back inside the transaction, and ids stay unique when
    /// queued and directly inserted resources alternate, past one statement's worth.
    #[tokio::test]
    async fn queued_resources_are_seen_by_every_later_statement() {
        let (_dir, store) = store().await;
        let mut tx = store.begin().await.unwrap();
        let mut ids = Vec::new();
        for i in 0..QUEUE_LENGTH + 3 {
            let slug = Slug::parse(&format!("queued-{i}")).unwrap();
            ids.push(
                tx.queue_resource(&slug, &titled(&format!("Queued {i}")), None, None)
                    .await
                    .unwrap(),
            );
        }
        let slug = Slug::parse("queued-2").unwrap();
        let read = tx.resource_by_slug(&slug).await.unwrap().unwrap();
        assert_eq!(read.id, ids[2]);
        let direct = tx
            .insert_resource(
                &Slug::parse("direct").unwrap(),
                &titled("Direct"),
                None,
                None,
            )
            .await
            .unwrap();
        let after = tx
            .queue_resource(&Slug::parse("after").unwrap(), &titled("After"), None, None)
            .await
            .unwrap();
        ids.extend([direct, after]);
        tx.commit().await.unwrap();
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
        assert_eq!(store.count_resources().await.unwrap(), ids.len() as i64);
        store.close().await;
    }

    /// A link listed twice, or stored already, is added once.
    #[tokio::test]
    async fn links_are_added_once() {
        let (_dir, store) = store().await;
        let mut tx = store.begin().await.unwrap();
        let a = tx
            .queue_resource(&Slug::parse("a").unwrap(), &titled("A"), None, None)
            .await
            .unwrap();
        let b = tx
            .queue_resource(&Slug::parse("b").unwrap(), &titled("B"), None, None)
            .await
            .unwrap();
        let (ra, rb) = ((EntityType::Resource, a), (EntityType::Resource, b));
        let first: Vec<NewLink> = vec![(ra, Relation::Cites, rb, Some(("f.md", 1)))];
        assert_eq!(tx.insert_links(&first).await.unwrap(), [true]);
        let again: Vec<NewLink> = vec![
            (ra, Relation::Cites, rb, None),
            (rb, Relation::Cites, ra, None),
            (rb, Relation::Cites, ra, Some(("f.md", 2))),
        ];
        assert_eq!(tx.insert_links(&again).await.unwrap(), [false, true, false]);
        tx.commit().await.unwrap();
        store.close().await;
    }

    /// Change-log entries of a batch keep their order, and the transaction's last `seq`
    /// is the last of them.
    #[tokio::test]
    async fn changes_are_appended_in_order() {
        let (_dir, store) = store().await;
        let mut tx = store.begin().await.unwrap();
        let changes: Vec<(EntityType, i64, &str, ChangeOp)> = (1..=1500)
            .map(|id| (EntityType::Resource, id, "s", ChangeOp::Create))
            .collect();
        tx.append_changes(&changes, None).await.unwrap();
        let last = tx.commit().await.unwrap();
        let read = store.changes_since(0, 2000).await.unwrap();
        assert_eq!(read.len(), 1500);
        assert!(read.windows(2).all(|w| w[0].entity_id < w[1].entity_id));
        assert_eq!(last, Some(read[1499].seq));
        store.close().await;
    }
}
