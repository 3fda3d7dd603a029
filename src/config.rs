//! Typed settings, from defaults, then an optional `lore.toml`, then `LORE_*` environment
//! variables and command-line flags (flags win over the environment; clap reads both).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the server listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Where data lives unless told otherwise.
pub const DEFAULT_DATA_DIR: &str = "./data";
/// The catalogue imported into an empty store unless told otherwise.
pub const DEFAULT_SEED_DIR: &str = "./seed";
/// The settings file read when present.
pub const DEFAULT_CONFIG_FILE: &str = "lore.toml";

/// Settings for the store, shared by every subcommand.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// Directory for the SQLite file and the search index; created when missing.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; `None` means `sqlite://{data_dir}/lore.db`.
    pub database_url: Option<String>,
}

impl StoreSettings {
    /// The database URL to connect to.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("lore.db").display()
            ),
        }
    }
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .finish()
    }
}

/// Settings of `lore serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub store: StoreSettings,
    /// Address and port to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Catalogue directory imported when the store is empty; `None` disables seeding.
    pub seed_dir: Option<PathBuf>,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Requests per second per key or client address (burst: twice as many); `None`
    /// disables rate limiting.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Reads need a key with `read` scope.
    pub require_read_key: bool,
}

/// Default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// Default rate limit, requests per second per key or client address.
pub const DEFAULT_RATE_LIMIT: u32 = 100;

impl Settings {
    /// Settings with the defaults for everything but the store and the address.
    pub fn new(store: StoreSettings, bind: SocketAddr) -> Self {
        Settings {
            store,
            bind,
            seed_dir: Some(PathBuf::from(DEFAULT_SEED_DIR)),
            max_body: DEFAULT_MAX_BODY,
            rate_limit: std::num::NonZeroU32::new(DEFAULT_RATE_LIMIT),
            require_read_key: false,
        }
    }
}

/// What `lore.toml` may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub seed_dir: Option<PathBuf>,
    pub no_seed: Option<bool>,
    pub max_body: Option<usize>,
    pub rate_limit: Option<u32>,
    pub require_read_key: Option<bool>,
}

/// A settings problem, naming the source and the value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("bind address `{value}` is not HOST:PORT (e.g. 127.0.0.1:8080)")]
    Bind { value: String },
}

impl FileSettings {
    /// Reads `path`; a missing file is empty settings unless `required`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when a required file is missing or unreadable;
    /// [`ConfigError::Parse`] naming the file, line and unknown or mistyped key.
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(FileSettings::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|err| {
            let line = err
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let path = match line {
                Some(line) => format!("{}:{line}", path.display()),
                None => path.display().to_string(),
            };
            ConfigError::Parse {
                path,
                message: err.message().to_owned(),
            }
        })
    }
}

/// Parses a bind address.
///
/// # Errors
/// [`ConfigError::Bind`].
pub fn parse_bind(value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::Bind {
        value: value.to_owned(),
    })
}

/// A database URL with any password replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_debug_output() {
        let settings = StoreSettings {
            data_dir: "./data".into(),
            database_url: Some("postgres://lore:hunter2@db/lore".into()),
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("***"));
    }

    #[test]
    fn the_default_database_is_a_file_in_the_data_dir() {
        let settings = StoreSettings {
            data_dir: "/tmp/x".into(),
            database_url: None,
        };
        assert_eq!(settings.database_url(), "sqlite:///tmp/x/lore.db?mode=rwc");
    }

    #[test]
    fn settings_files_report_unknown_keys_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lore.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:1\"\nbnid = 3\n").unwrap();
        let err = FileSettings::load(&path, true).unwrap_err().to_string();
        assert!(err.contains("lore.toml:2"), "{err}");
        assert!(err.contains("bnid"), "{err}");
    }

    #[test]
    fn a_missing_optional_file_is_empty() {
        let settings = FileSettings::load(Path::new("/nonexistent/lore.toml"), false).unwrap();
        assert!(settings.bind.is_none());
    }
}
