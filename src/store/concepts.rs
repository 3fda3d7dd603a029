//! Concepts: reads, matching on import, inserts and updates.

use sqlx::FromRow;

use super::querying::concept_sort;
use super::resources::{provenance, provenance_values};
use super::sql::{Sql, Value};
use super::{Page, PageRequest, Result, Store, StoreError, Tx, conflict_on, now};
use crate::domain::matching::{name_key, title_sort_key};
use crate::domain::{Category, Concept, ConceptData, ConceptFilter, Slug};

const COLUMNS: &str = "c.id, c.slug, c.name, c.category, c.definition, c.note, c.aliases, c.citation_keys, \
    c.learning_objectives, c.source_file, c.heading_path, c.source_line, c.version, c.created_at, c.updated_at";

/// A concept with its internal id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConcept {
    /// Internal id; never leaves the service.
    pub id: i64,
    pub concept: Concept,
}

#[derive(FromRow)]
struct ConceptRow {
    id: i64,
    slug: String,
    name: String,
    category: Option<String>,
    definition: Option<String>,
    note: Option<String>,
    aliases: String,
    citation_keys: String,
    learning_objectives: String,
    source_file: Option<String>,
    heading_path: String,
    source_line: Option<i64>,
    version: i64,
    created_at: String,
    updated_at: String,
}

impl TryFrom<ConceptRow> for StoredConcept {
    type Error = StoreError;

    fn try_from(row: ConceptRow) -> Result<Self> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("concept {what}: {e}"))
        };
        Ok(StoredConcept {
            id: row.id,
            concept: Concept {
                slug: Slug::parse(&row.slug).map_err(|e| bad("slug", &e))?,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
                data: ConceptData {
                    name: row.name,
                    category: row
                        .category
                        .as_deref()
                        .map(Category::parse)
                        .transpose()
                        .map_err(|e| bad("category", &e))?,
                    definition: row.definition,
                    note: row.note,
                    aliases: serde_json::from_str(&row.aliases).map_err(|e| bad("aliases", &e))?,
                    citation_keys: serde_json::from_str(&row.citation_keys)
                        .map_err(|e| bad("citation keys", &e))?,
                    learning_objectives: serde_json::from_str(&row.learning_objectives)
                        .map_err(|e| bad("learning objectives", &e))?,
                    provenance: provenance(row.source_file, &row.heading_path, row.source_line)?,
                },
            },
        })
    }
}

fn rows_to_concepts(rows: Vec<ConceptRow>) -> Result<Vec<StoredConcept>> {
    rows.into_iter().map(StoredConcept::try_from).collect()
}

fn push_filter(sql: &mut Sql, filter: &ConceptFilter) {
    if !filter.categories.is_empty() {
        sql.push(" AND c.category IN (")
            .bind_list(
                filter
                    .categories
                    .iter()
                    .map(|c| Value::Text(c.as_str().into())),
            )
            .push(")");
    }
}

impl Store {
    /// One page of concepts matching `filter`, in the page's sort order (id, that is
    /// import, order by default).
    ///
    /// # Errors
    /// [`StoreError::Database`], or [`StoreError::Corrupt`] for an unreadable row.
    pub async fn list_concepts(
        &self,
        filter: &ConceptFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredConcept>> {
        let mut count = Sql::new("SELECT COUNT(*) FROM concepts c WHERE 1 = 1");
        push_filter(&mut count, filter);
        let total = self.cached_count(count).await?;
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM concepts c WHERE 1 = 1"));
        push_filter(&mut select, filter);
        let (key, descending) = concept_sort(page.sort);
        page.push_sorted_keyset(&mut select, "c.id", key, descending);
        let rows: Vec<ConceptRow> = select.fetch_all(&self.pool).await?;
        Ok(page.finish(rows_to_concepts(rows)?, total))
    }

    /// Concepts with an id above `after`, in id order, at most `batch`.
    ///
    /// # Errors
    /// As [`Store::list_concepts`].
    pub async fn concepts_after(&self, after: i64, batch: u32) -> Result<Vec<StoredConcept>> {
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM concepts c WHERE c.id > "));
        select
            .bind(Value::Int(after))
            .push(" ORDER BY c.id ASC LIMIT ")
            .bind(Value::Int(i64::from(batch)));
        rows_to_concepts(select.fetch_all(&self.pool).await?)
    }

    /// The concept with `slug`, if any.
    ///
    /// # Errors
    /// As [`Store::list_concepts`].
    pub async fn concept_by_slug(&self, slug: &Slug) -> Result<Option<StoredConcept>> {
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM concepts c WHERE c.slug = "));
        select.bind(Value::Text(slug.to_string()));
        let rows: Vec<ConceptRow> = select.fetch_all(&self.pool).await?;
        rows.into_iter()
            .next()
            .map(StoredConcept::try_from)
            .transpose()
    }

    /// How many concepts the store holds.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn count_concepts(&self) -> Result<i64> {
        Sql::new("SELECT COUNT(*) FROM concepts")
            .fetch_count(&self.pool)
            .await
            .map_err(Into::into)
    }

    /// The concepts with these ids, in id order.
    ///
    /// # Errors
    /// As [`Store::list_concepts`].
    pub async fn concepts_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredConcept>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM concepts c WHERE c.id IN ("));
        select
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(") ORDER BY c.id");
        rows_to_concepts(select.fetch_all(&self.pool).await?)
    }
}

impl Tx {
    /// The stored concept with the same name (compared as slugs: "Object detection" is
    /// "object-detection"), if any.
    ///
    /// # Errors
    /// As [`Store::list_concepts`].
    pub async fn find_concept(&mut self, name: &str) -> Result<Option<StoredConcept>> {
        let mut select = Sql::new(&format!(
            "SELECT {COLUMNS} FROM concepts c WHERE c.name_key = "
        ));
        select
            .bind(Value::Text(name_key(name)))
            .push(" ORDER BY c.id LIMIT 1");
        let rows: Vec<ConceptRow> = select.fetch_all(self.conn().await?).await?;
        rows.into_iter()
            .next()
            .map(StoredConcept::try_from)
            .transpose()
    }

    /// The concept with `slug`, read inside the transaction.
    ///
    /// # Errors
    /// As [`Store::list_concepts`].
    pub async fn concept_by_slug(&mut self, slug: &Slug) -> Result<Option<StoredConcept>> {
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM concepts c WHERE c.slug = "));
        select.bind(Value::Text(slug.to_string()));
        let rows: Vec<ConceptRow> = select.fetch_all(self.conn().await?).await?;
        rows.into_iter()
            .next()
            .map(StoredConcept::try_from)
            .transpose()
    }

    /// Deletes a concept (its links are the caller's business).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_concept(&mut self, id: i64) -> Result<()> {
        let mut sql = Sql::new("DELETE FROM concepts WHERE id = ");
        sql.bind(Value::Int(id));
        sql.execute(self.conn().await?).await?;
        self.forget_source(crate::domain::EntityType::Concept, id, None)
            .await
    }

    /// The ids of concepts whose `{cite}` roles name `key` (ignoring case).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn concept_ids_citing(&mut self, key: &str) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT concept_id FROM concept_citations WHERE key_lower = ");
        sql.bind(Value::Text(key.to_lowercase()))
            .push(" ORDER BY concept_id");
        let rows: Vec<(i64,)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Replaces the rows of `concept_citations` for concept `id` with its cited keys.
    async fn write_citations(&mut self, id: i64, data: &ConceptData, replace: bool) -> Result<()> {
        if replace {
            let mut delete = Sql::new("DELETE FROM concept_citations WHERE concept_id = ");
            delete.bind(Value::Int(id));
            delete.execute(self.conn().await?).await?;
        }
        let keys: std::collections::BTreeSet<String> = data
            .citation_keys
            .iter()
            .filter(|k| !k.contains('\0'))
            .map(|k| k.to_lowercase())
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let mut insert = Sql::new("INSERT INTO concept_citations (concept_id, key_lower) VALUES ");
        for (i, key) in keys.into_iter().enumerate() {
            if i > 0 {
                insert.push(", ");
            }
            insert
                .push("(")
                .bind(Value::Int(id))
                .push(", ")
                .bind(Value::Text(key))
                .push(")");
        }
        insert.execute(self.conn().await?).await?;
        Ok(())
    }

    /// Whether a concept already has `slug`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn concept_slug_taken(&mut self, slug: &Slug) -> Result<bool> {
        let mut count = Sql::new("SELECT COUNT(*) FROM concepts WHERE slug = ");
        count.bind(Value::Text(slug.to_string()));
        Ok(count.fetch_count(self.conn().await?).await? > 0)
    }

    /// Inserts a concept and returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the slug is taken; [`StoreError::Database`].
    pub async fn insert_concept(&mut self, slug: &Slug, data: &ConceptData) -> Result<i64> {
        let at = now();
        let mut sql = Sql::new(
            "INSERT INTO concepts (slug, name, name_key, category, definition, note, aliases, citation_keys, \
             learning_objectives, source_file, heading_path, source_line, name_sort, version, created_at, updated_at) VALUES (",
        );
        sql.bind(Value::Text(slug.to_string())).push(", ");
        push_data_values(&mut sql, data);
        sql.push(", ").bind(Value::Text(title_sort_key(&data.name)));
        sql.push(", 1, ")
            .bind(Value::Text(at.clone()))
            .push(", ")
            .bind(Value::Text(at))
            .push(") RETURNING id");
        let ids: Vec<(i64,)> = sql
            .fetch_all(self.conn().await?)
            .await
            .map_err(conflict_on("slug"))?;
        let id = ids
            .first()
            .map(|(id,)| *id)
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))?;
        self.write_citations(id, data, false).await?;
        Ok(id)
    }

    /// Replaces a concept's data (not its slug) and increments its version.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn update_concept(&mut self, id: i64, data: &ConceptData) -> Result<()> {
        let mut sql = Sql::new(
            "UPDATE concepts SET (name, name_key, category, definition, note, aliases, citation_keys, \
             learning_objectives, source_file, heading_path, source_line, name_sort, version, updated_at) = (",
        );
        push_data_values(&mut sql, data);
        sql.push(", ").bind(Value::Text(title_sort_key(&data.name)));
        sql.push(", version + 1, ")
            .bind(Value::Text(now()))
            .push(") WHERE id = ")
            .bind(Value::Int(id));
        sql.execute(self.conn().await?).await?;
        self.write_citations(id, data, true).await
    }
}

fn push_data_values(sql: &mut Sql, data: &ConceptData) {
    let (file, heading_path, line) = provenance_values(data.provenance.as_ref());
    sql.bind_list([
        Value::Text(data.name.clone()),
        Value::Text(name_key(&data.name)),
        Value::opt_text(data.category.map(|c| c.as_str())),
        Value::opt_text(data.definition.clone()),
        Value::opt_text(data.note.clone()),
        Value::Text(serde_json::to_string(&data.aliases).unwrap_or_else(|_| "[]".into())),
        Value::Text(serde_json::to_string(&data.citation_keys).unwrap_or_else(|_| "[]".into())),
        Value::Text(
            serde_json::to_string(&data.learning_objectives).unwrap_or_else(|_| "[]".into()),
        ),
        Value::opt_text(file),
        Value::Text(heading_path),
        Value::opt_int(line),
    ]);
}
