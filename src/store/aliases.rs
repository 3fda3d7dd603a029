//! Citation-key aliases: keys a resource answers to besides its own.
//!
//! A key is unique ignoring case across the resources' own keys and the aliases
//! (migration `0012_citation_key_aliases`): a key names one work or none.

use std::collections::HashMap;

use super::sql::{Sql, Value};
use super::{Result, Store, Tx};
use crate::domain::{CitationKey, Slug};

/// What [`Tx::add_citation_key_alias`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasOutcome {
    /// The key now names the resource.
    Added,
    /// The key already named the resource (its own key or an alias).
    Already,
    /// Another resource has the key; it stays that resource's.
    Taken,
}

impl Tx {
    /// Makes `key` an alias of resource `resource_id`, unless a key equal ignoring case
    /// already names a resource.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn add_citation_key_alias(
        &mut self,
        resource_id: i64,
        key: &CitationKey,
    ) -> Result<AliasOutcome> {
        let lower = key.as_str().to_lowercase();
        if let Some(holder) = self.resource_id_by_citation_key(&lower).await? {
            return Ok(if holder == resource_id {
                AliasOutcome::Already
            } else {
                AliasOutcome::Taken
            });
        }
        let mut insert =
            Sql::new("INSERT INTO citation_key_aliases (key_lower, key, resource_id) VALUES (");
        insert
            .bind_list([
                Value::Text(lower),
                Value::Text(key.as_str().to_owned()),
                Value::Int(resource_id),
            ])
            .push(")");
        insert.execute(self.conn().await?).await?;
        Ok(AliasOutcome::Added)
    }

    /// The resource that `key` (ignoring case) names, other than `except_id`: its slug,
    /// the key as it holds it (its case), and whether that is an alias rather than its own
    /// citation key.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn citation_key_holder(
        &mut self,
        key: &str,
        except_id: Option<i64>,
    ) -> Result<Option<(String, String, bool)>> {
        let lower = key.to_lowercase();
        let except = except_id.unwrap_or(-1);
        let mut select = Sql::new(
            "SELECT slug, 'key', citation_key FROM resources WHERE lower(citation_key) = ",
        );
        select
            .bind(Value::Text(lower.clone()))
            .push(" AND id <> ")
            .bind(Value::Int(except))
            .push(
                " UNION ALL SELECT r.slug, 'alias', a.key FROM citation_key_aliases a \
                 JOIN resources r ON r.id = a.resource_id WHERE a.key_lower = ",
            )
            .bind(Value::Text(lower))
            .push(" AND a.resource_id <> ")
            .bind(Value::Int(except));
        let rows: Vec<(String, String, String)> = select.fetch_all(&mut *self.tx).await?;
        // A key is unique across keys and aliases; should both hold it, the key wins.
        Ok(rows
            .into_iter()
            .min_by_key(|(_, held_as, _)| held_as == "alias")
            .map(|(slug, held_as, held)| (slug, held, held_as == "alias")))
    }

    /// Whether `key` (ignoring case) is an alias of a resource other than `except_id`.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn citation_key_alias_taken(
        &mut self,
        key: &str,
        except_id: Option<i64>,
    ) -> Result<bool> {
        let mut count = Sql::new("SELECT COUNT(*) FROM citation_key_aliases WHERE key_lower = ");
        count
            .bind(Value::Text(key.to_lowercase()))
            .push(" AND resource_id <> ")
            .bind(Value::Int(except_id.unwrap_or(-1)));
        Ok(count.fetch_count(self.conn().await?).await? > 0)
    }
}

impl Store {
    /// The slug of the resource that has `key` (ignoring case) as its own citation key or
    /// as an alias, if any.
    ///
    /// # Errors
    /// [`super::StoreError::Database`].
    pub async fn resource_slug_by_citation_key(&self, key: &str) -> Result<Option<Slug>> {
        let lower = key.to_lowercase();
        let mut select = Sql::new("SELECT slug FROM resources WHERE lower(citation_key) = ");
        select
            .bind(Value::Text(lower.clone()))
            .push(
                " UNION ALL SELECT r.slug FROM citation_key_aliases a \
                 JOIN resources r ON r.id = a.resource_id WHERE a.key_lower = ",
            )
            .bind(Value::Text(lower));
        let rows: Vec<(String,)> = select.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().find_map(|(slug,)| Slug::parse(&slug).ok()))
    }

    /// The aliases of each of these resources, in key order.
    ///
    /// # Errors
    /// [`super::StoreError::Database`]; [`super::StoreError::Corrupt`] for a stored alias
    /// that is not a citation key.
    pub async fn citation_key_aliases(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<CitationKey>>> {
        let mut aliases: HashMap<i64, Vec<CitationKey>> = HashMap::new();
        if ids.is_empty() {
            return Ok(aliases);
        }
        let mut select =
            Sql::new("SELECT resource_id, key FROM citation_key_aliases WHERE resource_id IN (");
        select
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(") ORDER BY resource_id, key_lower");
        let rows: Vec<(i64, String)> = select.fetch_all(&self.pool).await?;
        for (id, key) in rows {
            let key = CitationKey::parse(&key)
                .map_err(|_| super::StoreError::Corrupt(format!("citation key alias {key:?}")))?;
            aliases.entry(id).or_default().push(key);
        }
        Ok(aliases)
    }
}
