//! Sorting and the filters beyond level, kind and topic: years, authors, venues,
//! identifiers and changes since an instant, and the keys they need (migration 0007).
//!
//! Every filter and sort order has an index: `resources_year_sort` (the expression
//! `COALESCE(year, NO_YEAR)` serves both `sort=year` and `year=`), `resource_authors_family_key`,
//! `resources_venue_key`, the partial `resources_has_*`, `resources_updated_at` (also
//! `sort=updated_at`), `resources_created_at`, `resources_title_sort`, and the concept
//! equivalents.

use super::page::SortColumn;
use super::sql::{Sql, Value};
use super::{Result, Store, Tx};
use crate::domain::matching::title_sort_key;
use crate::domain::{
    Has, NO_YEAR, ResourceData, ResourceFilter, Sort, SortKey, author_keys, venue_key,
};

/// The year expression of `resources_year_sort`, written exactly as the index is.
const YEAR: &str = "COALESCE(r.year, -2147483648)";

/// Rows whose keys are filled per statement when the store opens.
const FILL_BATCH: i64 = 1000;

/// The expression resources sort by, and whether descending; id order for `None` (and
/// for relevance, which only searches have).
pub(super) fn resource_sort(sort: Option<Sort>) -> (SortColumn, bool) {
    let Some(sort) = sort else {
        return (None, false);
    };
    let column = match sort.key {
        SortKey::Title => Some("r.title_sort"),
        SortKey::Year => Some(YEAR),
        SortKey::CreatedAt => Some("r.created_at"),
        SortKey::UpdatedAt => Some("r.updated_at"),
        SortKey::Relevance => None,
    };
    (column, column.is_some() && sort.descending)
}

/// The expression concepts sort by, and whether descending (concepts have no year: id
/// order).
pub(super) fn concept_sort(sort: Option<Sort>) -> (SortColumn, bool) {
    let Some(sort) = sort else {
        return (None, false);
    };
    let column = match sort.key {
        SortKey::Title => Some("c.name_sort"),
        SortKey::CreatedAt => Some("c.created_at"),
        SortKey::UpdatedAt => Some("c.updated_at"),
        SortKey::Year | SortKey::Relevance => None,
    };
    (column, column.is_some() && sort.descending)
}

/// A key that can be bound: U+0000 is in no stored text (PostgreSQL cannot hold it), and
/// an empty key names nothing.
fn usable(key: &str) -> bool {
    !key.is_empty() && !key.contains('\0')
}

/// The smallest string greater than every string starting with `prefix` (ASCII keys).
pub(super) fn prefix_end(prefix: &str) -> Option<String> {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < 0x7f {
            bytes.push(last + 1);
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

/// Appends `AND (...)` for the year, author, venue, identifier and `updated_since`
/// filters of resources (alias `r`).
pub(super) fn push_resource_filters(sql: &mut Sql, filter: &ResourceFilter) {
    if !filter.years.is_empty() {
        sql.push(" AND (");
        for (i, range) in filter.years.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            let from = range.from.map_or(NO_YEAR + 1, i64::from);
            let to = range.to.map_or(i64::from(i32::MAX), i64::from);
            sql.push(&format!("{YEAR} BETWEEN "))
                .bind(Value::Int(from))
                .push(" AND ")
                .bind(Value::Int(to));
        }
        sql.push(")");
    }
    if !filter.authors.is_empty() {
        let keys: Vec<String> = filter
            .author_keys()
            .into_iter()
            .filter(|k| usable(k))
            .collect();
        if keys.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(" AND r.id IN (SELECT a.resource_id FROM resource_authors a WHERE a.family_key IN (")
                .bind_list(keys.into_iter().map(Value::Text))
                .push("))");
        }
    }
    if !filter.venues.is_empty() {
        let keys: Vec<String> = filter
            .venue_keys()
            .into_iter()
            .filter(|k| usable(k))
            .collect();
        if keys.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            // Each venue is a prefix: a range of the index.
            sql.push(" AND (");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push("(r.venue_key >= ").bind(Value::Text(key.clone()));
                if let Some(end) = prefix_end(&key) {
                    sql.push(" AND r.venue_key < ").bind(Value::Text(end));
                }
                sql.push(")");
            }
            sql.push(")");
        }
    }
    if !filter.has.is_empty() {
        sql.push(" AND (");
        for (i, has) in filter.has.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(match has {
                Has::Doi => "r.doi IS NOT NULL",
                Has::Url => "r.url IS NOT NULL",
                Has::Arxiv => "r.arxiv_id IS NOT NULL",
            });
        }
        sql.push(")");
    }
    if let Some(since) = &filter.updated_since {
        sql.push(" AND r.updated_at >= ")
            .bind(Value::Text(since.as_str().to_owned()));
    }
}

/// The values of the `title_sort` and `venue_key` columns of a resource, in that order.
pub(super) fn resource_key_values(data: &ResourceData) -> [Value; 2] {
    [
        Value::Text(title_sort_key(&data.title)),
        Value::opt_text(venue_key(data)),
    ]
}

impl Tx {
    /// Replaces the author keys of resource `id` with those of `data`.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub(super) async fn write_author_keys(
        &mut self,
        id: i64,
        data: &ResourceData,
        replace: bool,
    ) -> Result<()> {
        if replace {
            let mut delete = Sql::new("DELETE FROM resource_authors WHERE resource_id = ");
            delete.bind(Value::Int(id));
            delete.execute(self.conn().await?).await?;
        }
        insert_author_keys(self.conn().await?, id, data).await
    }
}

async fn insert_author_keys<'e, E>(executor: E, id: i64, data: &ResourceData) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let keys: Vec<String> = author_keys(data)
        .into_iter()
        .filter(|k| !k.contains('\0'))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let mut insert = Sql::new("INSERT INTO resource_authors (resource_id, family_key) VALUES ");
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
    insert.execute(executor).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    title: String,
    authors: String,
    journal: Option<String>,
    booktitle: Option<String>,
}

impl Store {
    /// Fills the sort and match keys of records written before they existed (a store
    /// migrated to 0007), a batch per transaction. Idempotent; cheap when there is
    /// nothing to fill.
    ///
    /// # Errors
    /// [`super::StoreError::Database`], or [`super::StoreError::Corrupt`] for authors
    /// that are not readable.
    pub(super) async fn fill_query_keys(&self) -> Result<()> {
        loop {
            let mut select = Sql::new(
                "SELECT id, title, authors, journal, booktitle FROM resources \
                 WHERE title_sort IS NULL ORDER BY id LIMIT ",
            );
            select.bind(Value::Int(FILL_BATCH));
            let rows: Vec<KeyRow> = select.fetch_all(&self.pool).await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.begin().await?;
            for row in rows {
                let data = ResourceData {
                    title: row.title,
                    authors: serde_json::from_str(&row.authors).map_err(|e| {
                        super::StoreError::Corrupt(format!("resource authors: {e}"))
                    })?,
                    journal: row.journal,
                    booktitle: row.booktitle,
                    ..ResourceData::default()
                };
                let mut update = Sql::new("UPDATE resources SET (title_sort, venue_key) = (");
                update
                    .bind_list(resource_key_values(&data))
                    .push(") WHERE id = ")
                    .bind(Value::Int(row.id));
                update.execute(&mut *tx.tx).await?;
                tx.write_author_keys(row.id, &data, true).await?;
            }
            tx.commit().await?;
        }
        loop {
            let mut select = Sql::new(
                "SELECT id, name FROM concepts WHERE name_sort IS NULL ORDER BY id LIMIT ",
            );
            select.bind(Value::Int(FILL_BATCH));
            let rows: Vec<(i64, String)> = select.fetch_all(&self.pool).await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.begin().await?;
            for (id, name) in rows {
                let mut update = Sql::new("UPDATE concepts SET name_sort = ");
                update
                    .bind(Value::Text(title_sort_key(&name)))
                    .push(" WHERE id = ")
                    .bind(Value::Int(id));
                update.execute(&mut *tx.tx).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends_bound_every_key_that_starts_with_the_prefix() {
        assert_eq!(prefix_end("ieee").as_deref(), Some("ieef"));
        assert_eq!(prefix_end("a\u{7f}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
    }
}
