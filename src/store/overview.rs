//! Counts over the whole catalogue, for its landing page: resources per level and kind,
//! concepts per category (each one `GROUP BY` over an indexed column).

use super::sql::Sql;
use super::{Result, Store};

/// How many records carry each value of one column; `None` counts records without one.
pub type Counts = Vec<(Option<String>, i64)>;

#[derive(sqlx::FromRow)]
struct CountRow {
    value: Option<String>,
    n: i64,
}

impl Store {
    async fn counts_by(&self, table: &str, column: &str) -> Result<Counts> {
        let sql = Sql::new(&format!(
            "SELECT {column} AS value, COUNT(*) AS n FROM {table} GROUP BY {column} ORDER BY {column}"
        ));
        let rows: Vec<CountRow> = sql.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.value, r.n)).collect())
    }

    /// Resources per level.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn resources_by_level(&self) -> Result<Counts> {
        self.counts_by("resources", "level").await
    }

    /// Resources per kind.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn resources_by_kind(&self) -> Result<Counts> {
        self.counts_by("resources", "kind").await
    }

    /// Concepts per category.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn concepts_by_category(&self) -> Result<Counts> {
        self.counts_by("concepts", "category").await
    }
}
