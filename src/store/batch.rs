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

/// Resources per insert statement (36 bound values each).
const RESOURCES_PER_STATEMENT: usize = 500;
/// Rows per statement for the narrow tables (at most 8 bound values a row).
const ROWS_PER_STATEMENT: usize = 1000;
/// Ids a PostgreSQL transaction reserves from the resources' sequence at a time.
const IDS_PER_RESERVATION: i64 = 500;

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
        if self.pending.len() >= RESOURCES_PER_STATEMENT {
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
                    let mut sql = Sql::new(
                        "SELECT nextval(pg_get_serial_sequence('resources', 'id')) \
                         FROM generate_series(1, ",
                    );
                    sql.bind(Value::Int(IDS_PER_RESERVATION)).push(")");
                    let ids: Vec<(i64,)> = sql.fetch_all(&mut *self.tx).await?;
                    self.next_ids.reserved = ids.into_iter().map(|(id,)| id).collect();
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
        for chunk in pending.chunks(RESOURCES_PER_STATEMENT) {
            let mut sql = Sql::new(&format!(
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
        for chunk in authors.chunks(ROWS_PER_STATEMENT) {
            let mut sql =
                Sql::new("INSERT INTO resource_authors (resource_id, family_key) VALUES ");
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
        for chunk in unique.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(
                "INSERT INTO links (source_type, source_id, relation, target_type, target_id, \
                 source_file, source_line, created_at) VALUES ",
            );
            for (i, (source, relation, target, origin)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind_list([
                        Value::Text(source.0.as_str().into()),
                        Value::Int(source.1),
                        Value::Text(relation.as_str().into()),
                        Value::Text(target.0.as_str().into()),
                        Value::Int(target.1),
                        Value::opt_text(origin.map(|(file, _)| file)),
                        Value::opt_int(origin.map(|(_, line)| line)),
                        Value::Text(at.clone()),
                    ])
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
        for chunk in changes.chunks(ROWS_PER_STATEMENT) {
            let mut sql =
                Sql::new("INSERT INTO changes (entity, entity_id, slug, op, at, actor) VALUES ");
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
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Sql::new(
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
            let mut confirm = Sql::new(&format!(
                "UPDATE import_sources SET version = (SELECT t.version FROM {table} t \
                 WHERE t.id = import_sources.entity_id) WHERE entity_type = "
            ));
            confirm
                .bind(Value::Text(entity.as_str().into()))
                .push(&format!(
                    " AND entity_id IN (SELECT id FROM {table} WHERE id IN ("
                ))
                .bind_list(chunk.iter().map(|&id| Value::Int(id)))
                .push("))");
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
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut sql =
                Sql::new("SELECT entity_id, MAX(version) FROM import_sources WHERE entity_type = ");
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
        for chunk in slugs.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new("SELECT slug FROM resources WHERE slug IN (");
            sql.bind_list(chunk.iter().map(|s| Value::Text(s.clone())))
                .push(")");
            let rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
            taken.extend(rows.into_iter().map(|(slug,)| slug));
        }
        Ok(taken)
    }
}
