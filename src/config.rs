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
    /// How long a request body may take to arrive before the server answers 408.
    pub body_timeout: std::time::Duration,
    /// Requests per second per key or client address (burst: twice as many); `None`
    /// disables rate limiting.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Reads need a key with `read` scope.
    pub require_read_key: bool,
    /// Where people and proxies, not lore, say how lore is reached.
    pub edge: EdgeSettings,
    /// How long a read of the store (a list, a record, the change log) may take: over it
    /// the answer is 503 `query_timeout` with `Retry-After`, and PostgreSQL stops the
    /// statement a second later (`statement_timeout`). Zero is no limit.
    pub query_timeout: std::time::Duration,
    /// How imported pages map headings and table headers (`[import]` in `lore.toml`).
    pub reading: crate::catalogue::markdown::Reading,
}

/// How lore is reached through proxies and from other origins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EdgeSettings {
    /// The URL clients reach lore at (`https://lore.example.org`, or with a path prefix);
    /// every URL lore writes (`href`, `Location`, `Link`) starts with it. `None`: URLs
    /// follow the request's `Host` (and, from a trusted proxy, `Forwarded`).
    pub public_url: Option<PublicUrl>,
    /// Peers whose `Forwarded` / `X-Forwarded-For` headers name the client (reverse
    /// proxies); other peers are the client themselves.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Web origins (`https://app.example.org`) whose pages may write through the API;
    /// every origin may read.
    pub cors_origins: Vec<String>,
}

/// An absolute `http`/`https` URL without query, fragment or trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Parses a public URL.
    ///
    /// # Errors
    /// [`ConfigError::PublicUrl`] for anything but an `http`/`https` URL with a host and
    /// without query or fragment.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::PublicUrl {
            value: value.to_owned(),
            why: why.to_owned(),
        };
        let url = url::Url::parse(value.trim()).map_err(|err| bad(&err.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("a host is required"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("no user, query or fragment"));
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin (`scheme://host[:port]`), as browsers send it in `Origin`.
    pub fn origin(&self) -> String {
        url::Url::parse(&self.0)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default()
    }
}

/// Parses a proxy address or network (`10.0.0.0/8`, `127.0.0.1`, `::1`).
///
/// # Errors
/// [`ConfigError::Cidr`].
pub fn parse_cidr(value: &str) -> Result<ipnet::IpNet, ConfigError> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| ConfigError::Cidr {
            value: value.to_owned(),
        })
}

/// Parses a web origin (`https://app.example.org[:port]`), as browsers send it.
///
/// # Errors
/// [`ConfigError::Origin`] for anything with a path, query or another scheme.
pub fn parse_origin(value: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::Origin {
        value: value.to_owned(),
    };
    let url = url::Url::parse(value.trim()).map_err(|_| bad())?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || !bare || url.host_str().is_none() {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

/// Default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// Default time limit for reading a request body.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

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
            body_timeout: DEFAULT_BODY_TIMEOUT,
            rate_limit: std::num::NonZeroU32::new(DEFAULT_RATE_LIMIT),
            require_read_key: false,
            edge: EdgeSettings::default(),
            query_timeout: crate::store::DEFAULT_QUERY_TIMEOUT,
            reading: crate::catalogue::markdown::Reading::default(),
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
    /// Seconds.
    pub body_timeout: Option<u64>,
    pub rate_limit: Option<u32>,
    /// Seconds; see [`Settings::query_timeout`].
    pub query_timeout: Option<f64>,
    pub require_read_key: Option<bool>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub cors_origins: Option<Vec<String>>,
    /// `[import.headings]` and `[import.columns]`: the author's corrections to how pages
    /// are read.
    pub import: Option<ImportFileSettings>,
}

/// `lore.toml`'s `[import]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportFileSettings {
    /// Heading text → a category or kind (`"Evaluation and Plots" = "metric"`).
    #[serde(default)]
    pub headings: std::collections::BTreeMap<String, String>,
    /// Table header → a field (`"Course Name" = "title"`).
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// Star rating → a level (`1 = "beginner"`).
    #[serde(default)]
    pub ratings: std::collections::BTreeMap<String, String>,
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
    #[error("public URL `{value}`: {why} (e.g. https://lore.example.org)")]
    PublicUrl { value: String, why: String },
    #[error("trusted proxy `{value}` is not an IP address or CIDR network (e.g. 10.0.0.0/8)")]
    Cidr { value: String },
    #[error("CORS origin `{value}` is not SCHEME://HOST[:PORT] (e.g. https://app.example.org)")]
    Origin { value: String },
}

impl FileSettings {
    /// The `[import]` mappings, checked.
    ///
    /// # Errors
    /// [`crate::catalogue::markdown::ReadingError`] naming a value that is no category,
    /// kind or field.
    pub fn reading(
        &self,
    ) -> Result<crate::catalogue::markdown::Reading, crate::catalogue::markdown::ReadingError> {
        match &self.import {
            Some(import) => {
                crate::catalogue::markdown::Reading::new(&import.headings, &import.columns)?
                    .with_ratings(&import.ratings)
            }
            None => Ok(crate::catalogue::markdown::Reading::default()),
        }
    }

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
        let at = |line: Option<usize>| match line {
            Some(line) => format!("{}:{line}", path.display()),
            None => path.display().to_string(),
        };
        let settings: FileSettings = toml::from_str(&text).map_err(|err| {
            let line = err
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            ConfigError::Parse {
                path: at(line),
                message: err.message().to_owned(),
            }
        })?;
        if let Err(err) = settings.reading() {
            use crate::catalogue::markdown::ReadingError;
            let (table, key) = match &err {
                ReadingError::Heading { heading, .. } => ("headings", heading),
                ReadingError::Column { header, .. } => ("columns", header),
                ReadingError::Rating { rating, .. } => ("ratings", rating),
            };
            return Err(ConfigError::Parse {
                path: at(line_of_key(&text, &format!("import.{table}"), key)),
                message: err.to_string(),
            });
        }
        Ok(settings)
    }
}

/// The 1-based line where `key` is set in the TOML table `table` (`[import.headings]`,
/// key quoted or bare), for an error that the TOML parser did not give a place.
fn line_of_key(text: &str, table: &str, key: &str) -> Option<usize> {
    let header = format!("[{table}]");
    let mut in_table = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line.split('#').next().is_some_and(|h| h.trim() == header);
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().trim_matches(|c| c == '"' || c == '\'');
        if in_table && name == key {
            return Some(number + 1);
        }
    }
    None
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
    fn public_urls_lose_the_trailing_slash_and_keep_a_prefix() {
        let url = PublicUrl::parse("https://lore.example.org/kb/").unwrap();
        assert_eq!(url.as_str(), "https://lore.example.org/kb");
        assert_eq!(url.origin(), "https://lore.example.org");
        for bad in [
            "lore.example.org",
            "ftp://x",
            "https://x/?a=1",
            "https://x/#f",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn proxies_are_networks_or_addresses_and_origins_are_bare() {
        assert_eq!(parse_cidr("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_cidr("::1").unwrap().to_string(), "::1/128");
        assert!(parse_cidr("10.0.0.0/40").is_err());
        assert_eq!(
            parse_origin("https://App.example.org:8443").unwrap(),
            "https://app.example.org:8443"
        );
        assert!(parse_origin("https://app.example.org/x").is_err());
        assert!(parse_origin("*").is_err());
    }

    #[test]
    fn a_missing_optional_file_is_empty() {
        let settings = FileSettings::load(Path::new("/nonexistent/lore.toml"), false).unwrap();
        assert!(settings.bind.is_none());
    }

    #[test]
    fn a_mapping_to_nothing_known_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lore.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:8080\"\n\n[import.headings]\n\"Evaluation\" = \"metric\"\n\"Plots\" = \"pictures\"\n",
        )
        .unwrap();
        let err = FileSettings::load(&path, true).unwrap_err().to_string();
        assert!(err.contains("lore.toml:5:"), "{err}");
        assert!(err.contains("\"Plots\" = \"pictures\""), "{err}");
        std::fs::write(&path, "[import.ratings]\n9 = \"beginner\"\n").unwrap();
        let err = FileSettings::load(&path, true).unwrap_err().to_string();
        assert!(err.contains("lore.toml:2:"), "{err}");
    }
}
