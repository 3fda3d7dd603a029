//! The store: every SQL statement lore runs, for SQLite and PostgreSQL.
//!
//! One implementation over sqlx's `Any` driver with portable SQL (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`); each backend keeps its own DDL under `migrations/`. The
//! only dialect-specific statement is PostgreSQL's advisory lock that serialises writers,
//! so that change-log sequence numbers become visible in commit order (a follower reading
//! `seq > n` never skips a change that commits late).

mod aliases;
mod batch;
mod changes;
mod concepts;
mod keys;
mod links;
mod overview;
mod page;
mod querying;
mod resources;
mod sources;
mod sql;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

use crate::domain::EntityType;
use sql::{Sql, Value};

pub use crate::domain::{ConceptFilter, ResourceFilter};
pub use aliases::AliasOutcome;
pub use batch::NewLink;
pub use changes::{Change, ChangeOp};
pub use concepts::StoredConcept;
pub use keys::StoredKey;
pub use links::{LinkEnd, StoredLink};
pub use overview::Counts;
pub use page::{Cursor, Page, PageRequest};
pub use resources::{Probe, StoredResource};
pub use sources::{RecordLabel, SourcedRecord};

/// Which database a store talks to, chosen from the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path?mode=rwc`: an embedded file, the zero-setup default.
    Sqlite,
    /// `postgres://` or `postgresql://`.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`] for any other scheme; [`StoreError::SqliteInMemory`]
    /// for an SQLite URL without a file.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            // Each pooled connection to an in-memory database gets its own, empty one.
            let path = rest.trim_start_matches("//");
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            if path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory")
            {
                return Err(StoreError::SqliteInMemory);
            }
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// What can go wrong in the store. Messages never include SQL or credentials.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL must start with sqlite:, postgres:// or postgresql://")]
    UnsupportedUrl,
    #[error(
        "an SQLite database must be a file (`sqlite://PATH`): an in-memory one would vanish between connections"
    )]
    SqliteInMemory,
    #[error("could not run the database migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("a record with this {field} already exists")]
    Conflict { field: &'static str },
    /// Another write (a long import, say) held the store's write lock for longer than
    /// [`WRITE_LOCK_WAIT`].
    #[error("another write holds the store; try again shortly")]
    Busy,
    /// A statement ran for longer than the store's query time limit and was stopped.
    #[error("the query took longer than the time limit")]
    Timeout,
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some(PG_QUERY_CANCELED)) =>
            {
                StoreError::Timeout
            }
            _ => StoreError::Database(err),
        }
    }
}

/// The SQLSTATE of a PostgreSQL statement stopped by `statement_timeout`
/// (`query_canceled`).
const PG_QUERY_CANCELED: &str = "57014";

/// How long one statement may run by default before it is stopped
/// ([`StoreError::Timeout`]).
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets up a new connection: SQLite's journal, lock wait and foreign keys; PostgreSQL's
/// statement time limit (zero for none).
async fn prepare(
    conn: &mut AnyConnection,
    backend: Backend,
    query_timeout: Duration,
) -> Result<(), sqlx::Error> {
    let ms = if query_timeout.is_zero() {
        0
    } else {
        query_timeout.as_millis().clamp(1, i64::MAX as u128)
    };
    // Numbers of ours, not input.
    let statements = match backend {
        Backend::Sqlite => format!(
            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
            WRITE_LOCK_WAIT.as_millis()
        ),
        Backend::Postgres => format!("SET statement_timeout = {ms}"),
    };
    conn.execute(sqlx::AssertSqlSafe(statements)).await?;
    Ok(())
}

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub struct Store {
    /// The connections this handle reads with: [`Store::reserved`] handles read with the
    /// reserved ones.
    pool: AnyPool,
    /// Connections kept for writes, readiness checks and the search indexer, so that slow
    /// reads holding every connection of `pool` cannot starve them.
    reserved: AnyPool,
    backend: Backend,
    counts: Arc<Mutex<CountCache>>,
}

/// List totals by count statement (text and values), valid while the change log ends at
/// `seq`: every write to resources, concepts or links appends to the log, so a total is
/// exact and is counted once per filter and store change, not once per page.
#[derive(Debug, Default)]
struct CountCache {
    seq: i64,
    totals: HashMap<String, i64>,
}

/// Totals a [`CountCache`] holds at most; it starts over when full.
const COUNT_CACHE_SIZE: usize = 4096;

/// Read connections of a SQLite store (readers share the file in WAL mode).
const READ_CONNECTIONS_SQLITE: u32 = 8;
/// Read connections of a PostgreSQL store.
const READ_CONNECTIONS_POSTGRES: u32 = 16;
/// Connections kept apart from reads, for write transactions, `/ready` and the search
/// indexer ([`Store::reserved`]): writers run one at a time, so two serve a writer and
/// the indexer, and a third the readiness check.
const RESERVED_CONNECTIONS: u32 = 3;

/// The migrations of each backend, embedded at build time.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `url` (an SQLite file is created if missing) and runs the migrations.
    ///
    /// SQLite connections use WAL journaling and a 5 s busy timeout so that a `lore import`
    /// in another process can write while the server reads.
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`], [`StoreError::Database`] when the database cannot
    /// be reached, [`StoreError::Migrate`] when a migration fails.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with_timeout(url, DEFAULT_QUERY_TIMEOUT).await
    }

    /// [`Store::connect`] with a time limit on every PostgreSQL statement but the
    /// migrations' (`statement_timeout`, whole milliseconds, at least one): one over it
    /// is stopped by the server, even when its client has gone, and fails with
    /// [`StoreError::Timeout`]. A zero limit is none. SQLite statements are not limited
    /// here (the HTTP layer bounds how long a request waits for them).
    ///
    /// # Errors
    /// As [`Store::connect`].
    pub async fn connect_with_timeout(url: &str, query_timeout: Duration) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?;
        // Migrations (an index over a large table, say) run without the limit, on a
        // connection of their own.
        let mut conn = AnyConnection::connect_with(&options).await?;
        prepare(&mut conn, backend, Duration::ZERO).await?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&mut conn).await.map_err(StoreError::Migrate)?;
        conn.close().await?;
        let pool_of = |size: u32| {
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move { prepare(conn, backend, query_timeout).await })
                })
        };
        let (read_size, reserved_size) = match backend {
            Backend::Sqlite => (READ_CONNECTIONS_SQLITE, RESERVED_CONNECTIONS),
            Backend::Postgres => (READ_CONNECTIONS_POSTGRES, RESERVED_CONNECTIONS),
        };
        let pool = pool_of(read_size).connect_with(options.clone()).await?;
        let reserved = pool_of(reserved_size).connect_with(options).await?;
        let store = Store {
            pool,
            reserved,
            backend,
            counts: Arc::default(),
        };
        store.fill_query_keys().await?;
        Ok(store)
    }

    /// The number a `COUNT(*)` statement answers, from the [`CountCache`] when the change
    /// log has not moved since it was counted.
    async fn cached_count(&self, count: Sql) -> Result<i64> {
        let seq = self.last_change_seq().await?;
        self.cached_count_at(seq, count).await
    }

    /// [`Store::cached_count`] for a caller that has read the change log's end, `seq`, in
    /// the same snapshot as its page.
    async fn cached_count_at(&self, seq: i64, count: Sql) -> Result<i64> {
        let key = count.cache_key();
        {
            let mut cache = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            if cache.seq != seq {
                cache.seq = seq;
                cache.totals.clear();
            }
            if let Some(&total) = cache.totals.get(&key) {
                return Ok(total);
            }
        }
        let total = count.fetch_count(&self.pool).await?;
        let mut cache = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if cache.seq == seq {
            if cache.totals.len() >= COUNT_CACHE_SIZE {
                cache.totals.clear();
            }
            cache.totals.insert(key, total);
        }
        Ok(total)
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers, on a reserved connection (so that it answers
    /// while slow reads hold every read connection).
    ///
    /// # Errors
    /// [`StoreError::Database`] when it does not.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.reserved.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// A handle on the same store that reads with the reserved connections: for the
    /// search indexer, which must keep following the change log while reads are slow.
    pub fn reserved(&self) -> Store {
        Store {
            pool: self.reserved.clone(),
            ..self.clone()
        }
    }

    /// Refreshes the statistics the query planner chooses indexes by, after a write of
    /// many rows (a large import): without them SQLite, say, sorts every `level=` match
    /// for `sort=-year` instead of walking the year index. SQLite runs `ANALYZE`, which
    /// reads every index (about 0.3 s at 100k resources; a sampled one with
    /// `analysis_limit` misjudges an index whose first rows share one value);
    /// PostgreSQL `ANALYZE`s the tables lists filter (it samples a fixed number of rows),
    /// which autovacuum would do later.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn refresh_statistics(&self) -> Result<()> {
        let statements: &[&str] = match self.backend {
            Backend::Sqlite => &["ANALYZE"],
            Backend::Postgres => &["ANALYZE resources, resource_authors, links, concepts"],
        };
        let mut conn = self.reserved.acquire().await?;
        for statement in statements {
            sqlx::query(*statement).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
        self.reserved.close().await;
    }

    /// Starts a write transaction. Writers run one at a time: on PostgreSQL a
    /// transaction-scoped advisory lock serialises them, so change-log `seq` values become
    /// visible in order; on SQLite `BEGIN IMMEDIATE` takes the write lock. A write's
    /// statements have no time limit (PostgreSQL `statement_timeout = 0` for the
    /// transaction): they are bounded by what they write.
    ///
    /// # Errors
    /// [`StoreError::Busy`] when another write holds the lock for longer than
    /// [`WRITE_LOCK_WAIT`]; [`StoreError::Database`].
    pub async fn begin(&self) -> Result<Tx> {
        // SQLite: take the write lock at once, so a transaction that reads and then writes
        // never fails to upgrade its snapshot (SQLITE_BUSY_SNAPSHOT) under concurrent writers;
        // it waits up to `busy_timeout` (WRITE_LOCK_WAIT) for another writer.
        let mut tx = match self.backend {
            Backend::Sqlite => self
                .reserved
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(busy_or_database)?,
            Backend::Postgres => self.reserved.begin().await?,
        };
        if self.backend == Backend::Postgres {
            // A number of ours, not input.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SET LOCAL lock_timeout = '{}ms'",
                WRITE_LOCK_WAIT.as_millis()
            )))
            .execute(&mut *tx)
            .await?;
            // A write is bounded by what it writes, not by the readers' time limit: an
            // import's large statements must not be stopped halfway, and a wait for the
            // write lock must end as `lock_timeout` (Busy), not as a read's timeout.
            sqlx::query("SET LOCAL statement_timeout = 0")
                .execute(&mut *tx)
                .await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7311)")
                .execute(&mut *tx)
                .await
                .map_err(busy_or_database)?;
        }
        Ok(Tx {
            tx,
            last_seq: None,
            backend: self.backend,
            pending: Vec::new(),
            next_ids: batch::IdBlock::default(),
        })
    }
}

/// A write transaction: dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// The last change-log `seq` this transaction appended.
    last_seq: Option<i64>,
    backend: Backend,
    /// Resources queued by [`Tx::queue_resource`], written by [`Tx::flush`]: before any
    /// other statement of the transaction runs, so that every read sees them.
    pending: Vec<batch::PendingResource>,
    /// Ids reserved for queued resources.
    next_ids: batch::IdBlock,
}

impl Tx {
    /// Commits every write of the transaction at once; returns the last change-log `seq`
    /// it appended, if any (a follower has seen the write once it has applied that).
    ///
    /// # Errors
    /// [`StoreError::Database`]; nothing is written then.
    pub async fn commit(mut self) -> Result<Option<i64>> {
        self.flush().await?;
        self.tx.commit().await?;
        Ok(self.last_seq)
    }

    /// Discards every write of the transaction.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Moves a record's `version` on (its links changed, so its representation did) and
    /// returns its slug, or `None` when no such record exists.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn touch(&mut self, entity_type: EntityType, id: i64) -> Result<Option<String>> {
        let table = match entity_type {
            EntityType::Resource => "resources",
            EntityType::Concept => "concepts",
        };
        let mut sql = Sql::new(&format!(
            "UPDATE {table} SET version = version + 1, updated_at = "
        ));
        sql.bind(Value::Text(now()))
            .push(" WHERE id = ")
            .bind(Value::Int(id))
            .push(" RETURNING slug");
        let rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows.into_iter().next().map(|(slug,)| slug))
    }
}

/// Now, as RFC 3339 in UTC with second precision (`2026-11-30T03:38:00Z`).
pub(crate) fn now() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How long a write waits for another write to finish before giving up with
/// [`StoreError::Busy`].
pub const WRITE_LOCK_WAIT: Duration = Duration::from_secs(5);

/// A lock wait that ran out (SQLite `SQLITE_BUSY`, PostgreSQL `lock_not_available`) as
/// [`StoreError::Busy`]; anything else as [`StoreError::Database`].
fn busy_or_database(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("5" | "55P03")) => {
            StoreError::Busy
        }
        _ => StoreError::Database(err),
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] on `field`.
pub(crate) fn conflict_on(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { field },
        _ => StoreError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/ready`, a write and the indexer's reads still answer while slow reads hold every
    /// read connection.
    #[tokio::test]
    async fn reserved_connections_answer_while_reads_hold_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lore.db").display());
        let store = Store::connect(&url).await.unwrap();
        let mut held = Vec::new();
        for _ in 0..READ_CONNECTIONS_SQLITE {
            held.push(store.pool.acquire().await.unwrap());
        }
        assert!(
            store.pool.try_acquire().is_none(),
            "every read connection is held"
        );
        async fn within<T>(what: impl std::future::Future<Output = T>) -> T {
            tokio::time::timeout(Duration::from_secs(5), what)
                .await
                .expect("answers without waiting for a read connection")
        }
        within(store.ping()).await.unwrap();
        let mut tx = within(store.begin()).await.unwrap();
        assert_eq!(tx.touch(EntityType::Resource, 1).await.unwrap(), None);
        tx.commit().await.unwrap();
        within(store.reserved().last_change_seq()).await.unwrap();
        drop(held);
    }

    #[test]
    fn sqlite_urls_must_name_a_file() {
        assert_eq!(
            Backend::from_url("sqlite://data/lore.db?mode=rwc").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("sqlite:lore.db").ok(),
            Some(Backend::Sqlite)
        );
        for url in [
            "sqlite://",
            "sqlite::memory:",
            "sqlite://x.db?mode=memory",
            "sqlite:",
        ] {
            assert!(
                matches!(Backend::from_url(url), Err(StoreError::SqliteInMemory)),
                "{url}"
            );
        }
        assert!(matches!(
            Backend::from_url("mysql://x"),
            Err(StoreError::UnsupportedUrl)
        ));
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
    }
}
