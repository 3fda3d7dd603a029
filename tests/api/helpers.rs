//! Spawning the real server on a random port against a fresh, isolated store.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use lore::config::{Settings, StoreSettings};
use lore::startup::Application;
use sqlx::Connection;

/// The store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on (a maintenance database URL).
pub fn postgres_admin_url() -> String {
    std::env::var("LORE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether PostgreSQL answers at [`postgres_admin_url`]; the reason when it does not.
pub async fn postgres_available() -> Result<(), String> {
    let url = postgres_admin_url();
    match tokio::time::timeout(
        std::time::Duration::from_secs(5),
        sqlx::PgConnection::connect(&url),
    )
    .await
    {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(err)) => Err(format!("cannot connect to {url}: {err}")),
        Err(_) => Err(format!("no answer from {url} within 5 s")),
    }
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running server with its own store.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
    database: Option<String>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    /// A server over a fresh store, seeded from the repository's `seed/` when `seeded`.
    pub async fn spawn(backend: Backend, seeded: bool) -> TestApp {
        Self::spawn_with(backend, seeded, |_| {}).await
    }

    /// As [`TestApp::spawn`], with settings changed by `configure`.
    pub async fn spawn_with(
        backend: Backend,
        seeded: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let (database_url, database) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.path().join("lore.db").display()
                ),
                None,
            ),
            Backend::Postgres => {
                let name = fresh_database_name();
                let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
                    .await
                    .expect("PostgreSQL admin");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                let mut url = url::Url::parse(&postgres_admin_url()).expect("admin URL");
                url.set_path(&name);
                (url.to_string(), Some(name))
            }
        };
        let store = StoreSettings {
            data_dir: data_dir.path().to_path_buf(),
            database_url: Some(database_url.clone()),
        };
        let mut settings = Settings::new(store, "127.0.0.1:0".parse().expect("address"));
        settings.seed_dir = seeded.then(|| repo_root().join("seed"));
        // Tests hammer the server from one address; the limiter has its own test.
        settings.rate_limit = None;
        configure(&mut settings);
        let app = Application::build(&settings)
            .await
            .expect("application starts");
        let addr = app.addr();
        let server = tokio::spawn(app.into_server());
        TestApp {
            addr,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            backend,
            data_dir,
            database_url,
            database,
            server,
        }
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GET a path and read its JSON body, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// Runs `lore` with this app's store options; returns (status, stdout, stderr).
    pub fn lore(&self, args: &[&str]) -> (i32, String, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .arg("--database-url")
            .arg(&self.database_url)
            .env("LORE_LOG", "warn")
            .current_dir(self.data_dir.path())
            .output()
            .expect("run lore");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Stops the server and drops the test database.
    pub async fn teardown(self) {
        self.server.abort();
        let _ = self.server.await;
        if let Some(name) = self.database
            && let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await
        {
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
        }
    }
}

fn fresh_database_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("lore_test_{}_{n}_{nanos}", std::process::id())
}

/// The `items` of a list response.
pub fn items(body: &serde_json::Value) -> &Vec<serde_json::Value> {
    body["items"].as_array().expect("items array")
}

/// A field of every item, as strings.
pub fn field(body: &serde_json::Value, name: &str) -> Vec<String> {
    items(body)
        .iter()
        .map(|item| item[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Asserts an RFC 9457 problem response with `code`, returning the body.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], format!("urn:lore:problem:{code}"), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}
