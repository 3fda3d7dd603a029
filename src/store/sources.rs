//! Which files each record was imported from, for re-import as sync.

use super::sql::{Sql, Value};
use super::{Result, Tx};
use crate::domain::EntityType;

/// A record a file was the source of, as of that file's last import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourcedRecord {
    pub entity: EntityType,
    /// Internal id of the record.
    pub id: i64,
    /// The record's version when an import last wrote or confirmed it.
    pub version: i64,
}

fn table(entity: EntityType) -> &'static str {
    match entity {
        EntityType::Resource => "resources",
        EntityType::Concept => "concepts",
    }
}

impl Tx {
    /// The records `file` was the source of, in (type, id) order.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn records_from_file(&mut self, file: &str) -> Result<Vec<SourcedRecord>> {
        let mut sql =
            Sql::new("SELECT entity_type, entity_id, version FROM import_sources WHERE file = ");
        sql.bind(Value::Text(file.to_owned()))
            .push(" ORDER BY entity_type, entity_id");
        let rows: Vec<(String, i64, i64)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(entity, id, version)| {
                Some(SourcedRecord {
                    entity: EntityType::parse(&entity)?,
                    id,
                    version,
                })
            })
            .collect())
    }

    /// The files other than `file` a record was imported from, in name order.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn other_sources(
        &mut self,
        entity: EntityType,
        id: i64,
        file: &str,
    ) -> Result<Vec<String>> {
        let mut sql = Sql::new("SELECT file FROM import_sources WHERE entity_type = ");
        sql.bind(Value::Text(entity.as_str().into()))
            .push(" AND entity_id = ")
            .bind(Value::Int(id))
            .push(" AND file <> ")
            .bind(Value::Text(file.to_owned()))
            .push(" ORDER BY file");
        let rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows.into_iter().map(|(file,)| file).collect())
    }

    /// The current version of a record, `None` when it no longer exists.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn record_version(&mut self, entity: EntityType, id: i64) -> Result<Option<i64>> {
        let mut sql = Sql::new(&format!(
            "SELECT version FROM {} WHERE id = ",
            table(entity)
        ));
        sql.bind(Value::Int(id));
        let rows: Vec<(i64,)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows.first().map(|(version,)| *version))
    }

    /// Records that `file` is a source of the record, and that every import source of it
    /// now holds its current version (an import wrote or confirmed it).
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn record_source(&mut self, entity: EntityType, id: i64, file: &str) -> Result<()> {
        let Some(version) = self.record_version(entity, id).await? else {
            return Ok(());
        };
        let mut insert =
            Sql::new("INSERT INTO import_sources (entity_type, entity_id, file, version) VALUES (");
        insert
            .bind_list([
                Value::Text(entity.as_str().into()),
                Value::Int(id),
                Value::Text(file.to_owned()),
                Value::Int(version),
            ])
            .push(") ON CONFLICT (entity_type, entity_id, file) DO NOTHING");
        insert.execute(self.conn().await?).await?;
        self.confirm_sources(entity, id).await
    }

    /// Forgets that `file` (or, when `None`, any file) is a source of the record.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn forget_source(
        &mut self,
        entity: EntityType,
        id: i64,
        file: Option<&str>,
    ) -> Result<()> {
        let mut sql = Sql::new("DELETE FROM import_sources WHERE entity_type = ");
        sql.bind(Value::Text(entity.as_str().into()))
            .push(" AND entity_id = ")
            .bind(Value::Int(id));
        if let Some(file) = file {
            sql.push(" AND file = ").bind(Value::Text(file.to_owned()));
        }
        sql.execute(self.conn().await?).await?;
        Ok(())
    }
}

/// What a report says about a record: its slug, title or name, URL and provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLabel {
    pub slug: String,
    /// A resource's title or a concept's name.
    pub title: String,
    pub url: Option<String>,
    /// The file and 1-based line of the record's provenance.
    pub file: Option<String>,
    pub line: Option<i64>,
}

/// Slug, title, URL, source file and line.
type LabelRow = (String, String, Option<String>, Option<String>, Option<i64>);

impl Tx {
    /// The label of a record, `None` when it no longer exists.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn record_label(
        &mut self,
        entity: EntityType,
        id: i64,
    ) -> Result<Option<RecordLabel>> {
        let columns = match entity {
            EntityType::Resource => "slug, title, url, source_file, source_line",
            EntityType::Concept => "slug, name, CAST(NULL AS TEXT), source_file, source_line",
        };
        let mut sql = Sql::new(&format!(
            "SELECT {columns} FROM {} WHERE id = ",
            table(entity)
        ));
        sql.bind(Value::Int(id));
        let rows: Vec<LabelRow> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows
            .into_iter()
            .next()
            .map(|(slug, title, url, file, line)| RecordLabel {
                slug,
                title,
                url,
                file,
                line,
            }))
    }

    /// Whether the record was changed by something other than an import since an import
    /// last wrote it (its version is past the one every import source holds); `false` for
    /// records no import wrote.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn edited_since_import(&mut self, entity: EntityType, id: i64) -> Result<bool> {
        let mut sql = Sql::new("SELECT MAX(version) FROM import_sources WHERE entity_type = ");
        sql.bind(Value::Text(entity.as_str().into()))
            .push(" AND entity_id = ")
            .bind(Value::Int(id));
        let rows: Vec<(Option<i64>,)> = sql.fetch_all(self.conn().await?).await?;
        let Some(imported) = rows.first().and_then(|(v,)| *v) else {
            return Ok(false);
        };
        Ok(self
            .record_version(entity, id)
            .await?
            .is_some_and(|current| current > imported))
    }

    /// Sets every import source of the record to its current version: an import changed
    /// it (a link), so it was not edited through the API.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn confirm_sources(&mut self, entity: EntityType, id: i64) -> Result<()> {
        let Some(version) = self.record_version(entity, id).await? else {
            return Ok(());
        };
        let mut update = Sql::new("UPDATE import_sources SET version = ");
        update
            .bind(Value::Int(version))
            .push(" WHERE entity_type = ")
            .bind(Value::Text(entity.as_str().into()))
            .push(" AND entity_id = ")
            .bind(Value::Int(id));
        update.execute(self.conn().await?).await?;
        Ok(())
    }
}
