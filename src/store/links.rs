//! Typed links between records, read from either end.

use std::collections::HashMap;

use sqlx::FromRow;

use super::sql::{Sql, Value};
use super::{Result, Store, StoreError, Tx, now};
use crate::domain::{Category, EntityType, Relation, Slug};

/// One end of a stored link, with what a view needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEnd {
    pub entity_type: EntityType,
    /// Internal id.
    pub id: i64,
    pub slug: Slug,
    /// Title of a resource or name of a concept.
    pub label: String,
    /// Category, for a concept end.
    pub category: Option<Category>,
}

/// A stored link with both ends resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub source: LinkEnd,
    pub relation: Relation,
    pub target: LinkEnd,
}

#[derive(FromRow)]
struct LinkRow {
    source_type: String,
    source_id: i64,
    relation: String,
    target_type: String,
    target_id: i64,
    source_slug: Option<String>,
    source_label: Option<String>,
    source_category: Option<String>,
    target_slug: Option<String>,
    target_label: Option<String>,
    target_category: Option<String>,
}

fn end(
    entity_type: &str,
    id: i64,
    slug: Option<String>,
    label: Option<String>,
    category: Option<String>,
) -> Result<Option<LinkEnd>> {
    let bad = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("link end: {e}"));
    let entity_type = EntityType::parse(entity_type).ok_or_else(|| bad(&entity_type))?;
    // A dangling end (its record was deleted outside lore) is not shown.
    let (Some(slug), Some(label)) = (slug, label) else {
        return Ok(None);
    };
    Ok(Some(LinkEnd {
        entity_type,
        id,
        slug: Slug::parse(&slug).map_err(|e| bad(&e))?,
        label,
        category: category
            .as_deref()
            .map(Category::parse)
            .transpose()
            .map_err(|e| bad(&e))?,
    }))
}

/// Links with both ends resolved; the caller appends the `WHERE` condition.
const SELECT: &str = "SELECT l.source_type, l.source_id, l.relation, l.target_type, l.target_id, \
     COALESCE(rs.slug, cs.slug) AS source_slug, COALESCE(rs.title, cs.name) AS source_label, \
     cs.category AS source_category, \
     COALESCE(rt.slug, ct.slug) AS target_slug, COALESCE(rt.title, ct.name) AS target_label, \
     ct.category AS target_category \
     FROM links l \
     LEFT JOIN resources rs ON l.source_type = 'resource' AND rs.id = l.source_id \
     LEFT JOIN concepts cs ON l.source_type = 'concept' AND cs.id = l.source_id \
     LEFT JOIN resources rt ON l.target_type = 'resource' AND rt.id = l.target_id \
     LEFT JOIN concepts ct ON l.target_type = 'concept' AND ct.id = l.target_id \
     WHERE ";

fn rows_to_links(rows: Vec<LinkRow>) -> Result<Vec<StoredLink>> {
    let mut links = Vec::with_capacity(rows.len());
    for row in rows {
        let relation =
            Relation::parse(&row.relation).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let source = end(
            &row.source_type,
            row.source_id,
            row.source_slug,
            row.source_label,
            row.source_category,
        )?;
        let target = end(
            &row.target_type,
            row.target_id,
            row.target_slug,
            row.target_label,
            row.target_category,
        )?;
        if let (Some(source), Some(target)) = (source, target) {
            links.push(StoredLink {
                source,
                relation,
                target,
            });
        }
    }
    Ok(links)
}

/// The query of [`Store::links_of`].
fn links_of_query(entity_type: EntityType, ids: &[i64]) -> Sql {
    let mut sql = Sql::new(SELECT);
    sql.push("(l.source_type = ")
        .bind(Value::Text(entity_type.as_str().into()))
        .push(" AND l.source_id IN (")
        .bind_list(ids.iter().map(|&id| Value::Int(id)))
        .push(")) OR (l.target_type = ")
        .bind(Value::Text(entity_type.as_str().into()))
        .push(" AND l.target_id IN (")
        .bind_list(ids.iter().map(|&id| Value::Int(id)))
        .push(")) ORDER BY l.id");
    sql
}

impl Store {
    /// Every link that starts or ends at one of `ids` of type `entity_type`, in link
    /// order, each with both ends resolved.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn links_of(&self, entity_type: EntityType, ids: &[i64]) -> Result<Vec<StoredLink>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        rows_to_links(
            links_of_query(entity_type, ids)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The links among concepts (SKOS `broader`, `narrower`, `related`) that start or end
    /// at one of the concepts `ids`, in link order: what a concept's search document
    /// needs, without the links from every resource on its topic.
    ///
    /// # Errors
    /// As [`Store::links_of`].
    pub async fn concept_links_of(&self, ids: &[i64]) -> Result<Vec<StoredLink>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(SELECT);
        sql.push("l.source_type = 'concept' AND l.target_type = 'concept' AND (l.source_id IN (")
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(") OR l.target_id IN (")
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(")) ORDER BY l.id");
        rows_to_links(sql.fetch_all(&self.pool).await?)
    }

    /// Every link that starts or ends at a record of type `entity_type` with an id from
    /// `first` to `last` (inclusive), in link order: [`Store::links_of`] for a run of
    /// consecutive records (index rebuilds), without a long `IN` list.
    ///
    /// # Errors
    /// As [`Store::links_of`].
    pub async fn links_in_range(
        &self,
        entity_type: EntityType,
        first: i64,
        last: i64,
    ) -> Result<Vec<StoredLink>> {
        let mut sql = Sql::new(SELECT);
        sql.push("(l.source_type = ")
            .bind(Value::Text(entity_type.as_str().into()))
            .push(" AND l.source_id BETWEEN ")
            .bind(Value::Int(first))
            .push(" AND ")
            .bind(Value::Int(last))
            .push(") OR (l.target_type = ")
            .bind(Value::Text(entity_type.as_str().into()))
            .push(" AND l.target_id BETWEEN ")
            .bind(Value::Int(first))
            .push(" AND ")
            .bind(Value::Int(last))
            .push(") ORDER BY l.id");
        rows_to_links(sql.fetch_all(&self.pool).await?)
    }
}

impl Store {
    /// The links of the concepts `ids` as [`Store::links_of`] gives them, but at most
    /// `per_concept` links from each concept to resources (the first, in resource id
    /// order, as `/resources?topic=` lists them);
    /// with, for each concept that has more, how many it has.
    ///
    /// # Errors
    /// As [`Store::links_of`].
    pub async fn concept_links_bounded(
        &self,
        ids: &[i64],
        per_concept: u32,
    ) -> Result<(Vec<StoredLink>, HashMap<i64, i64>)> {
        let mut totals = HashMap::new();
        if ids.is_empty() {
            return Ok((Vec::new(), totals));
        }
        let id_list = |sql: &mut Sql| {
            sql.bind_list(ids.iter().map(|&id| Value::Int(id)));
        };
        // Every link but concept → resource: a few per concept.
        let mut others = Sql::new(SELECT);
        others
            .push("(l.source_type = 'concept' AND l.target_type = 'concept' AND (l.source_id IN (");
        id_list(&mut others);
        others.push(") OR l.target_id IN (");
        id_list(&mut others);
        others.push(
            "))) OR (l.source_type = 'resource' AND l.target_type = 'concept' AND l.target_id IN (",
        );
        id_list(&mut others);
        others.push(")) ORDER BY l.id");
        let mut links = rows_to_links(others.fetch_all(&self.pool).await?)?;

        // Concept → resource: one more than the bound of each, in resource id order by
        // `links_source`.
        let mut resources = Sql::new(SELECT);
        resources.push("l.id IN (");
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 {
                resources.push(" UNION ALL ");
            }
            resources
                .push("SELECT id FROM (SELECT id FROM links WHERE source_type = 'concept' AND source_id = ")
                .bind(Value::Int(id))
                .push(" AND target_type = 'resource' ORDER BY target_id LIMIT ")
                .bind(Value::Int(i64::from(per_concept) + 1))
                .push(&format!(") AS first_{i}"));
        }
        resources.push(") ORDER BY l.target_id");
        let mut kept: HashMap<i64, u32> = HashMap::new();
        for link in rows_to_links(resources.fetch_all(&self.pool).await?)? {
            let concept = link.source.id;
            let n = kept.entry(concept).or_default();
            *n += 1;
            if *n <= per_concept {
                links.push(link);
            } else {
                let mut count = Sql::new(
                    "SELECT COUNT(*) FROM links WHERE source_type = 'concept' AND source_id = ",
                );
                count
                    .bind(Value::Int(concept))
                    .push(" AND target_type = 'resource'");
                totals.insert(concept, self.cached_count(count).await?);
            }
        }
        Ok((links, totals))
    }
}

#[derive(FromRow)]
struct EndRow {
    entity_type: String,
    id: i64,
}

impl Tx {
    /// Every link that starts or ends at the record `id` of type `entity_type`, read
    /// inside the transaction (what [`Store::links_of`] gives for one record).
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn links_of(&mut self, entity_type: EntityType, id: i64) -> Result<Vec<StoredLink>> {
        rows_to_links(
            links_of_query(entity_type, &[id])
                .fetch_all(self.conn().await?)
                .await?,
        )
    }

    /// Deletes every link that starts or ends at a record; returns the other ends, so their
    /// versions can move on.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn delete_links_of(
        &mut self,
        entity_type: EntityType,
        id: i64,
    ) -> Result<Vec<(EntityType, i64)>> {
        let kind = || Value::Text(entity_type.as_str().into());
        let mut others = Sql::new(
            "SELECT target_type AS entity_type, target_id AS id FROM links WHERE source_type = ",
        );
        others
            .bind(kind())
            .push(" AND source_id = ")
            .bind(Value::Int(id))
            .push(" UNION SELECT source_type AS entity_type, source_id AS id FROM links WHERE target_type = ")
            .bind(kind())
            .push(" AND target_id = ")
            .bind(Value::Int(id));
        let rows: Vec<EndRow> = others.fetch_all(self.conn().await?).await?;
        let mut delete = Sql::new("DELETE FROM links WHERE (source_type = ");
        delete
            .bind(kind())
            .push(" AND source_id = ")
            .bind(Value::Int(id))
            .push(") OR (target_type = ")
            .bind(kind())
            .push(" AND target_id = ")
            .bind(Value::Int(id))
            .push(")");
        delete.execute(self.conn().await?).await?;
        rows.into_iter()
            .filter(|row| !(row.entity_type == entity_type.as_str() && row.id == id))
            .map(|row| {
                let other = EntityType::parse(&row.entity_type).ok_or_else(|| {
                    StoreError::Corrupt(format!("link end type {}", row.entity_type))
                })?;
                Ok((other, row.id))
            })
            .collect()
    }

    /// Deletes one link; returns whether it existed.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_link(
        &mut self,
        source: (EntityType, i64),
        relation: Relation,
        target: (EntityType, i64),
    ) -> Result<bool> {
        let mut sql = Sql::new("DELETE FROM links WHERE source_type = ");
        sql.bind(Value::Text(source.0.as_str().into()))
            .push(" AND source_id = ")
            .bind(Value::Int(source.1))
            .push(" AND relation = ")
            .bind(Value::Text(relation.as_str().into()))
            .push(" AND target_type = ")
            .bind(Value::Text(target.0.as_str().into()))
            .push(" AND target_id = ")
            .bind(Value::Int(target.1));
        Ok(sql.execute(self.conn().await?).await? > 0)
    }

    /// The relations of the links that join the concepts `a` and `b`, in either direction,
    /// as `(source id, relation, target id)`.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn concept_links_between(
        &mut self,
        a: i64,
        b: i64,
    ) -> Result<Vec<(i64, Relation, i64)>> {
        let mut sql = Sql::new(
            "SELECT source_id, relation, target_id FROM links \
             WHERE source_type = 'concept' AND target_type = 'concept' AND ((source_id = ",
        );
        sql.bind(Value::Int(a))
            .push(" AND target_id = ")
            .bind(Value::Int(b))
            .push(") OR (source_id = ")
            .bind(Value::Int(b))
            .push(" AND target_id = ")
            .bind(Value::Int(a))
            .push(")) ORDER BY id");
        let rows: Vec<(i64, String, i64)> = sql.fetch_all(self.conn().await?).await?;
        rows.into_iter()
            .map(|(source, relation, target)| {
                let relation =
                    Relation::parse(&relation).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((source, relation, target))
            })
            .collect()
    }

    /// Adds a link unless it exists; returns whether it was added.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn insert_link(
        &mut self,
        source: (EntityType, i64),
        relation: Relation,
        target: (EntityType, i64),
        origin: Option<(&str, u32)>,
    ) -> Result<bool> {
        let mut sql = Sql::new(
            "INSERT INTO links (source_type, source_id, relation, target_type, target_id, source_file, \
             source_line, created_at) VALUES (",
        );
        sql.bind_list(link_row(source, relation, target, origin, now()))
        .push(
            ") ON CONFLICT (source_type, source_id, relation, target_type, target_id) DO NOTHING",
        );
        Ok(sql.execute(self.conn().await?).await? > 0)
    }
}

/// The values of a `links` row, in the column order `source_type, source_id, relation,
/// target_type, target_id, source_file, source_line, created_at` (one insert or a batch).
pub(super) fn link_row(
    source: (EntityType, i64),
    relation: Relation,
    target: (EntityType, i64),
    origin: Option<(&str, u32)>,
    at: String,
) -> [Value; 8] {
    [
        Value::Text(source.0.as_str().into()),
        Value::Int(source.1),
        Value::Text(relation.as_str().into()),
        Value::Text(target.0.as_str().into()),
        Value::Int(target.1),
        Value::opt_text(origin.map(|(file, _)| file)),
        Value::opt_int(origin.map(|(_, line)| line)),
        Value::Text(at),
    ]
}
