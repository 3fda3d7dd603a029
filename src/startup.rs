//! Building the application: store, service and a bound HTTP server. Tests call
//! [`Application::build`] with port 0 and talk to the real server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::http::body::{BodyLimit, BodyTimeout};
use crate::http::cors::{self, WriteOrigins};
use crate::http::edge::Edge;
use crate::http::limits::{self, Limiter, RateLimit, ReadPolicy};
use crate::http::metrics::Metrics;
use crate::http::{self, KnownRoutes, cache, observe};
use crate::search::{IndexLocation, IndexState, Indexer, SearchError, SearchIndex, WriterBudget};
use crate::service::{ImportReport, Service, ServiceError};
use crate::store::{Store, StoreError};
use actix_web::middleware::{Compress, from_fn};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot import the seed catalogue: {0}")]
    Seed(#[from] ServiceError),
    #[error("cannot open the search index: {0}")]
    Search(#[from] SearchError),
}

/// How often the indexer polls the change log: a write made by another process is
/// searchable about this long after it commits (plus the time to index it).
pub const INDEXER_POLL: Duration = Duration::from_millis(100);

/// Routes added to the server by a harness (the search benchmark's comparison
/// endpoints); `lore` itself adds none.
pub type ExtraRoutes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// A built, bound, not yet running server.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    service: Service,
    seed_reports: Vec<ImportReport>,
    indexer: tokio::task::JoinHandle<()>,
}

/// Opens the store named by `settings` (creating the data directory first).
///
/// # Errors
/// [`StartupError::DataDir`] or [`StartupError::Store`].
pub async fn open_store(settings: &crate::config::StoreSettings) -> Result<Store, StartupError> {
    open_store_with_timeout(settings, crate::store::DEFAULT_QUERY_TIMEOUT).await
}

/// [`open_store`] with a time limit on each statement (PostgreSQL; see
/// [`Store::connect_with_timeout`]).
///
/// # Errors
/// As [`open_store`].
pub async fn open_store_with_timeout(
    settings: &crate::config::StoreSettings,
    query_timeout: std::time::Duration,
) -> Result<Store, StartupError> {
    let data_dir = &settings.data_dir;
    let dir_error = |source| StartupError::DataDir {
        path: data_dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(dir_error)?;
    if settings.database_url.is_none() {
        // SQLite needs to write its file and journal here; say so now rather than after
        // the pool has timed out.
        let probe = data_dir.join(".lore-write-check");
        std::fs::write(&probe, b"").map_err(dir_error)?;
        let _ = std::fs::remove_file(&probe);
    }
    Ok(Store::connect_with_timeout(&settings.database_url(), query_timeout).await?)
}

impl Application {
    /// Opens the store (running migrations), imports the seed catalogue when the store is
    /// empty, and binds the server.
    ///
    /// # Errors
    /// [`StartupError`] naming what failed.
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        Self::build_with(settings, None).await
    }

    /// As [`Application::build`], with `extra` routes on the same server.
    ///
    /// # Errors
    /// [`StartupError`] naming what failed.
    pub async fn build_with(
        settings: &Settings,
        extra: Option<ExtraRoutes>,
    ) -> Result<Application, StartupError> {
        // The server stops a statement a second after its request has been answered 503.
        let statement_timeout = if settings.query_timeout.is_zero() {
            Duration::ZERO
        } else {
            settings.query_timeout + Duration::from_secs(1)
        };
        let store = open_store_with_timeout(&settings.store, statement_timeout).await?;
        let service = Service::new(store)
            .with_query_timeout(settings.query_timeout)
            .with_reading(settings.reading.clone());

        let mut seed_reports = Vec::new();
        if let Some(seed_dir) = &settings.seed_dir
            && service.store().count_resources().await? == 0
        {
            let run = service.import_paths(std::slice::from_ref(seed_dir)).await;
            for (path, reason) in &run.passed_over {
                tracing::info!(path = %path.display(), reason, "seed entry passed over");
            }
            for (path, result) in run.reports {
                match result {
                    Ok(report) => seed_reports.push(report),
                    Err(err) => {
                        tracing::error!(file = %path.display(), error = %err, "seed import failed");
                        return Err(StartupError::Seed(err));
                    }
                }
            }
        }

        let (search, indexer) = start_search(&settings.store, service.store().clone()).await?;
        let service = Service::with_search(service.store().clone(), search)
            .with_query_timeout(settings.query_timeout)
            .with_reading(settings.reading.clone());
        let indexer = tokio::spawn(indexer.follow(INDEXER_POLL));

        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let server = serve(listener, service.clone(), settings, extra)
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Application {
            server,
            addr,
            service,
            seed_reports,
            indexer,
        })
    }

    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service behind the server.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// What the seed import did, when it ran.
    pub fn seed_reports(&self) -> &[ImportReport] {
        &self.seed_reports
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM).
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.indexer.abort();
        result
    }

    /// The server future, to spawn in tests.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// The search index's directory under the data directory.
///
/// Each database gets its own index (`DATA_DIR/index/{12 hex digits of the SHA-256 of
/// [`database_identity`]}`), so serving the same data directory from SQLite and then from
/// PostgreSQL never searches one store with the other's index, while the same database
/// named by another spelling of its path keeps its index.
pub fn index_dir(settings: &crate::config::StoreSettings) -> std::path::PathBuf {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(database_identity(settings).as_bytes());
    let name: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    settings.data_dir.join("index").join(name)
}

/// What names the database independently of how the command line spelled it.
///
/// - the default SQLite file (`DATA_DIR/lore.db`): `sqlite:lore.db`, whatever the data
///   directory is called, so a data directory moved or restored elsewhere keeps its index;
/// - another SQLite file: `sqlite:` and its canonical path (relative to the canonical data
///   directory when inside it), so `./x.db` and `/abs/x.db` are one database;
/// - any other URL (PostgreSQL): the URL as given.
pub fn database_identity(settings: &crate::config::StoreSettings) -> String {
    const DEFAULT: &str = "sqlite:lore.db";
    let Some(url) = &settings.database_url else {
        return DEFAULT.to_owned();
    };
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return url.clone();
    };
    let rest = rest.trim_start_matches("//");
    let file = rest.split_once('?').map_or(rest, |(file, _)| file);
    if file.is_empty() || file == ":memory:" {
        return url.clone();
    }
    let Ok(path) = std::fs::canonicalize(file) else {
        return url.clone();
    };
    let data_dir = std::fs::canonicalize(&settings.data_dir).ok();
    match data_dir
        .as_deref()
        .and_then(|dir| path.strip_prefix(dir).ok())
    {
        Some(inside) if inside == std::path::Path::new("lore.db") => DEFAULT.to_owned(),
        Some(inside) => format!("sqlite:{}", inside.display()),
        None => format!("sqlite:{}", path.display()),
    }
}

/// Opens the search index under the data directory, brings it up to date with the store
/// (a full rebuild when it is new or was written by another schema, else the changes
/// since its last commit) and returns it with the indexer that keeps it fresh.
///
/// Taking the index's writer deletes files an interrupted commit left behind
/// ([`SearchIndex`]'s writer); a catch-up that still fails for a reason of the index (not
/// of the store) is logged with its cause and replaced by a full rebuild, so a server
/// killed at any moment starts again.
///
/// # Errors
/// [`StartupError::Search`], [`StartupError::Store`].
pub async fn start_search(
    settings: &crate::config::StoreSettings,
    store: Store,
) -> Result<(SearchIndex, Indexer), StartupError> {
    let location = IndexLocation::Dir(index_dir(settings));
    let (index, state) = SearchIndex::open(&location)?;
    // The indexer reads with the reserved connections, so slow reads do not stop it.
    let store = store.reserved();
    let store_seq = store.last_change_seq().await?;
    let rebuild_reason = match state {
        IndexState::Empty { reason } => Some(reason),
        IndexState::AtSeq(seq) if seq > store_seq => {
            Some("the index is ahead of the store's change log (another database?)")
        }
        IndexState::AtSeq(_) => None,
    };
    if let Some(reason) = rebuild_reason {
        return rebuild_search(index, store, reason).await;
    }
    match catch_up_search(&index, store.clone()).await {
        Ok(indexer) => Ok((index, indexer)),
        Err(err @ (SearchError::Locked | SearchError::Store(_))) => Err(err.into()),
        Err(err) => {
            tracing::warn!(
                error = %err,
                "the search index cannot catch up with the store's change log; recreating and rebuilding it"
            );
            drop(index);
            let reason = "catching up with the change log failed";
            let (index, _) = SearchIndex::recreate(&location, reason)?;
            rebuild_search(index, store, reason).await
        }
    }
}

/// Applies the changes logged since the index's last commit.
async fn catch_up_search(index: &SearchIndex, store: Store) -> Result<Indexer, SearchError> {
    let mut indexer = Indexer::new(index.clone(), store, WriterBudget::FOLLOW)?;
    let applied = indexer.catch_up().await?;
    tracing::info!(
        changes = applied,
        seq = index.applied_seq(),
        "search index caught up"
    );
    Ok(indexer)
}

/// Fills `index` from the store, saying why.
async fn rebuild_search(
    index: SearchIndex,
    store: Store,
    reason: &'static str,
) -> Result<(SearchIndex, Indexer), StartupError> {
    tracing::info!(reason, "rebuilding the search index from the store");
    let mut indexer = Indexer::new(index.clone(), store, WriterBudget::rebuild())?;
    let stats = indexer.rebuild(|_| {}).await?;
    tracing::info!(
        documents = stats.documents,
        seconds = stats.elapsed.as_secs_f64(),
        "search index rebuilt"
    );
    Ok((index, indexer.with_budget(WriterBudget::FOLLOW).await?))
}

fn serve(
    listener: TcpListener,
    service: Service,
    settings: &Settings,
    extra: Option<ExtraRoutes>,
) -> std::io::Result<Server> {
    let service = web::Data::new(service);
    let document = http::openapi();
    let known = web::Data::new(KnownRoutes::from_openapi(&document));
    let body_limit = web::Data::new(BodyLimit(settings.max_body));
    let body_timeout = web::Data::new(BodyTimeout(settings.body_timeout));
    let read_policy = web::Data::new(ReadPolicy {
        require_key: settings.require_read_key,
    });
    let edge = web::Data::new(Edge::new(&settings.edge));
    let write_origins = web::Data::new(WriteOrigins(settings.edge.cors_origins.clone()));
    let metrics = web::Data::new(Metrics::new());
    let limiter = settings.rate_limit.map(|per_second| {
        let burst = per_second.saturating_mul(std::num::NonZeroU32::MIN.saturating_add(1));
        web::Data::new(Limiter::new(RateLimit { per_second, burst }))
    });
    if let Some(limiter) = limiter.clone() {
        // Idle clients' buckets are forgotten once a minute, so memory stays bounded.
        tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                limiter.forget_idle();
            }
        });
    }
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(service.clone())
            .configure(http::routes)
            .split_for_parts();
        let extra = extra.clone();
        let app = app.configure(move |cfg| {
            if let Some(extra) = &extra {
                extra(cfg);
            }
        });
        let mut app = app
            .app_data(known.clone())
            .app_data(body_limit.clone())
            .app_data(body_timeout.clone())
            .app_data(read_policy.clone())
            .app_data(edge.clone())
            .app_data(write_origins.clone())
            .app_data(metrics.clone())
            .configure(http::operational_routes)
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url(http::OPENAPI_PATH, document.clone())
                    // Swagger UI's default validator badge loads from swagger.io: the docs
                    // must work offline.
                    .config(
                        utoipa_swagger_ui::Config::new([http::OPENAPI_PATH]).validator_url("none"),
                    ),
            )
            .service(http::docs_redirect)
            .default_service(web::to(http::fallback));
        if let Some(limiter) = &limiter {
            app = app.app_data(limiter.clone());
        }
        // Outermost last: every answer, a 429 or a refused origin included, gets a request
        // id, a log line, metrics and compression.
        app.wrap(from_fn(limits::read_policy))
            .wrap(from_fn(limits::head_as_get))
            .wrap(from_fn(limits::rate_limit))
            .wrap(from_fn(limits::url_limit))
            .wrap(cors::layer())
            .wrap(from_fn(cors::origin_policy))
            .wrap(from_fn(cache::cache_control))
            .wrap(Compress::default())
            .wrap(from_fn(observe::observe))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreSettings;

    #[test]
    fn each_database_has_its_own_index_under_the_data_dir() {
        let sqlite = StoreSettings {
            data_dir: "/d".into(),
            database_url: None,
        };
        let postgres = StoreSettings {
            data_dir: "/d".into(),
            database_url: Some("postgres://p@h/lore".into()),
        };
        assert!(index_dir(&sqlite).starts_with("/d/index"));
        assert_ne!(index_dir(&sqlite), index_dir(&postgres));
        assert_eq!(index_dir(&postgres), index_dir(&postgres.clone()), "stable");
    }

    #[test]
    fn the_index_does_not_depend_on_how_the_data_dir_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let absolute = dir.path().to_path_buf();
        let dotted = absolute.join(".").join("sub").join("..");
        std::fs::create_dir_all(absolute.join("sub")).unwrap();
        std::fs::write(absolute.join("lore.db"), b"").unwrap();
        std::fs::write(absolute.join("other.db"), b"").unwrap();
        let settings = |data_dir: &std::path::Path, url: Option<String>| StoreSettings {
            data_dir: data_dir.to_path_buf(),
            database_url: url,
        };
        let default = database_identity(&settings(&absolute, None));
        assert_eq!(default, database_identity(&settings(&dotted, None)));
        assert_eq!(
            default,
            database_identity(&settings(
                &dotted,
                Some(format!(
                    "sqlite://{}?mode=rwc",
                    dotted.join("lore.db").display()
                ))
            )),
            "the default file named by its URL is the default database"
        );
        let other = |dir: &std::path::Path| {
            database_identity(&settings(
                dir,
                Some(format!("sqlite://{}", dir.join("other.db").display())),
            ))
        };
        assert_eq!(other(&absolute), other(&dotted));
        assert_eq!(other(&absolute), "sqlite:other.db");
        assert_ne!(other(&absolute), default);
    }
}
