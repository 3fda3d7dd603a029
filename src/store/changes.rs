//! The change log: one row per write, appended in the writing transaction.
//!
//! The search indexer follows it to stay fresh and `GET /changes` publishes it, so the
//! `seq` order is the order in which writes became visible.

use serde::Serialize;
use sqlx::FromRow;
use utoipa::ToSchema;

use super::sql::{Sql, Value};
use super::{Result, Store, StoreError, Tx, now};
use crate::domain::EntityType;

/// What a write did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Create,
    Update,
    Delete,
}

impl ChangeOp {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Create => "create",
            ChangeOp::Update => "update",
            ChangeOp::Delete => "delete",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "create" => Some(ChangeOp::Create),
            "update" => Some(ChangeOp::Update),
            "delete" => Some(ChangeOp::Delete),
            _ => None,
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the log, increasing.
    pub seq: i64,
    pub entity: EntityType,
    /// Internal id of the record.
    pub entity_id: i64,
    /// The record's slug (kept after a deletion).
    pub slug: String,
    pub op: ChangeOp,
    /// RFC 3339, UTC.
    pub at: String,
    /// Name of the API key that made the change; `None` for the CLI and the importer.
    pub actor: Option<String>,
}

#[derive(FromRow)]
struct ChangeRow {
    seq: i64,
    entity: String,
    entity_id: i64,
    slug: String,
    op: String,
    at: String,
    actor: Option<String>,
}

impl Store {
    /// Up to `limit` changes with `seq > since`, in order.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn changes_since(&self, since: i64, limit: u32) -> Result<Vec<Change>> {
        let mut sql = Sql::new(
            "SELECT seq, entity, entity_id, slug, op, at, actor FROM changes WHERE seq > ",
        );
        sql.bind(Value::Int(since))
            .push(" ORDER BY seq ASC LIMIT ")
            .bind(Value::Int(i64::from(limit)));
        let rows: Vec<ChangeRow> = sql.fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| {
                Ok(Change {
                    seq: row.seq,
                    entity: EntityType::parse(&row.entity).ok_or_else(|| {
                        StoreError::Corrupt(format!("change entity {}", row.entity))
                    })?,
                    entity_id: row.entity_id,
                    slug: row.slug,
                    op: ChangeOp::parse(&row.op)
                        .ok_or_else(|| StoreError::Corrupt(format!("change op {}", row.op)))?,
                    at: row.at,
                    actor: row.actor,
                })
            })
            .collect()
    }

    /// The last `seq` in the log, 0 when it is empty.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn last_change_seq(&self) -> Result<i64> {
        Ok(Sql::new("SELECT COALESCE(MAX(seq), 0) FROM changes")
            .fetch_count(&self.pool)
            .await?)
    }
}

impl Tx {
    /// Appends a change to the log.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn append_change(
        &mut self,
        entity: EntityType,
        entity_id: i64,
        slug: &str,
        op: ChangeOp,
        actor: Option<&str>,
    ) -> Result<()> {
        let mut sql =
            Sql::new("INSERT INTO changes (entity, entity_id, slug, op, at, actor) VALUES (");
        sql.bind_list([
            Value::Text(entity.as_str().into()),
            Value::Int(entity_id),
            Value::Text(slug.into()),
            Value::Text(op.as_str().into()),
            Value::Text(now()),
            Value::opt_text(actor),
        ])
        .push(") RETURNING seq");
        let seq = sql.fetch_count(self.conn().await?).await?;
        self.last_seq = self.last_seq.max(Some(seq));
        Ok(())
    }
}
