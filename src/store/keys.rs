//! API keys.

use sqlx::FromRow;

use super::sql::{Sql, Value};
use super::{Result, Store, StoreError, conflict_on, now};
use crate::domain::Scope;

/// A stored key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Unique name, recorded with every change the key makes.
    pub name: String,
    /// The public part of the token.
    pub key_id: String,
    /// Hex SHA-256 of the secret part of the token.
    pub secret_sha256: String,
    pub scope: Scope,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; a revoked key authenticates nothing.
    pub revoked_at: Option<String>,
}

#[derive(FromRow)]
struct KeyRow {
    name: String,
    key_id: String,
    secret_sha256: String,
    scope: String,
    created_at: String,
    revoked_at: Option<String>,
}

impl TryFrom<KeyRow> for StoredKey {
    type Error = StoreError;
    fn try_from(row: KeyRow) -> Result<Self> {
        Ok(StoredKey {
            scope: Scope::parse(&row.scope)
                .ok_or_else(|| StoreError::Corrupt(format!("key scope {}", row.scope)))?,
            name: row.name,
            key_id: row.key_id,
            secret_sha256: row.secret_sha256,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

const COLUMNS: &str = "name, key_id, secret_sha256, scope, created_at, revoked_at";

impl Store {
    /// Stores a new key.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken; [`StoreError::Database`].
    pub async fn insert_key(
        &self,
        name: &str,
        key_id: &str,
        secret_sha256: &str,
        scope: Scope,
    ) -> Result<()> {
        let mut sql = Sql::new(
            "INSERT INTO api_keys (name, key_id, secret_sha256, scope, created_at) VALUES (",
        );
        sql.bind_list([
            Value::Text(name.into()),
            Value::Text(key_id.into()),
            Value::Text(secret_sha256.into()),
            Value::Text(scope.as_str().into()),
            Value::Text(now()),
        ])
        .push(")");
        sql.execute(&self.pool).await.map_err(conflict_on("name"))?;
        Ok(())
    }

    /// Every key, revoked ones included, by name.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn list_keys(&self) -> Result<Vec<StoredKey>> {
        let rows: Vec<KeyRow> = Sql::new(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY name"))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    /// The key whose token carries `key_id`, if any.
    ///
    /// # Errors
    /// [`StoreError::Database`] or [`StoreError::Corrupt`].
    pub async fn key_by_id(&self, key_id: &str) -> Result<Option<StoredKey>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM api_keys WHERE key_id = "));
        sql.bind(Value::Text(key_id.into()));
        let rows: Vec<KeyRow> = sql.fetch_all(&self.pool).await?;
        rows.into_iter().next().map(StoredKey::try_from).transpose()
    }

    /// Revokes the key called `name`; returns whether an unrevoked key had that name.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn revoke_key(&self, name: &str) -> Result<bool> {
        let mut sql = Sql::new("UPDATE api_keys SET revoked_at = ");
        sql.bind(Value::Text(now()))
            .push(" WHERE revoked_at IS NULL AND name = ")
            .bind(Value::Text(name.into()));
        Ok(sql.execute(&self.pool).await? > 0)
    }
}
