//! `lore`: the command line. A shim over the library: parse flags, build settings, call
//! one use case, print, exit.

#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use lore::catalogue::Outcome;
use lore::config::{self, FileSettings, Settings, StoreSettings};
use lore::service::{ImportReport, Service};
use lore::startup::{Application, open_store};

/// mimalloc: tantivy's indexing threads, sqlx's row decoding and the HTTP workers all
/// allocate small blocks from several threads at once, where glibc's allocator spends
/// its time on locks and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A linkable knowledge base for learning resources.
#[derive(Parser)]
#[command(name = "lore", version, about)]
struct Cli {
    /// Settings file (TOML); `./lore.toml` is read when present.
    #[arg(long, global = true, env = "LORE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log lines as text or as one JSON object each.
    #[arg(long, global = true, env = "LORE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API (importing the seed catalogue into an empty store).
    Serve(ServeArgs),
    /// Import catalogue pages (.md) and BibTeX files (.bib), or directories of them.
    Import(ImportArgs),
    /// Export resources as BibTeX, CSL-JSON or RIS.
    Export(ExportArgs),
    /// Rebuild the search index from the store (stop `lore serve` first).
    Reindex(ReindexArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Manage API keys.
    Keys(KeysArgs),
}

#[derive(Args)]
struct KeysArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Issue a key; its token is printed once, on the last line of standard output.
    Create {
        /// A unique name, recorded with every change the key makes.
        #[arg(long)]
        name: String,
        /// What the key may do.
        #[arg(long, value_enum)]
        scope: ScopeArg,
    },
    /// List keys (never their tokens).
    List,
    /// Revoke a key by name.
    Revoke {
        /// The key's name.
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeArg {
    Read,
    Write,
    Admin,
}

impl From<ScopeArg> for lore::domain::Scope {
    fn from(scope: ScopeArg) -> Self {
        match scope {
            ScopeArg::Read => lore::domain::Scope::Read,
            ScopeArg::Write => lore::domain::Scope::Write,
            ScopeArg::Admin => lore::domain::Scope::Admin,
        }
    }
}

/// Where the data lives; every subcommand that touches the store takes these.
#[derive(Args)]
struct StoreArgs {
    /// Directory for the SQLite database and the search index [default: ./data]
    #[arg(long, env = "LORE_DATA_DIR", value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://USER@HOST/DB` [default: an SQLite file in the data dir]
    #[arg(
        long,
        env = "LORE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        global = true
    )]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "LORE_BIND", value_name = "ADDR")]
    bind: Option<String>,
    /// Catalogue directory imported when the store is empty [default: ./seed, when it
    /// exists]
    #[arg(
        long,
        env = "LORE_SEED",
        value_name = "DIR",
        conflicts_with = "no_seed"
    )]
    seed: Option<PathBuf>,
    /// Do not import a seed catalogue.
    #[arg(long)]
    no_seed: bool,
    /// Largest request body in bytes [default: 1048576]
    #[arg(long, env = "LORE_MAX_BODY", value_name = "BYTES")]
    max_body: Option<usize>,
    /// Seconds a request body may take to arrive before the answer is 408 [default: 30]
    #[arg(long, env = "LORE_BODY_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: Option<u64>,
    /// Requests per second per key or client address, bursts of twice that; 0 turns the
    /// limit off [default: 100]
    #[arg(long, env = "LORE_RATE_LIMIT", value_name = "PER_SECOND")]
    rate_limit: Option<u32>,
    /// Seconds a read of the store may take before it is answered 503 with Retry-After
    /// (PostgreSQL stops the statement a second later); 0 turns the limit off [default: 5]
    #[arg(long, env = "LORE_QUERY_TIMEOUT", value_name = "SECONDS", value_parser = parse_seconds)]
    query_timeout: Option<f64>,
    /// Reads need a key with `read` scope too.
    #[arg(long, env = "LORE_REQUIRE_READ_KEY")]
    require_read_key: bool,
    /// The URL clients reach lore at; every URL lore writes starts with it instead of the
    /// request's Host [default: the request's Host]
    #[arg(long, env = "LORE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Reverse proxies (address or CIDR) whose Forwarded / X-Forwarded-For name the
    /// client; repeat or separate with commas
    #[arg(
        long = "trusted-proxy",
        env = "LORE_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Origins whose pages may write through the API (any origin may read); repeat or
    /// separate with commas
    #[arg(
        long = "cors-origin",
        env = "LORE_CORS_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Files or directories to import.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// List every item, not only the skipped, merged and warned ones.
    #[arg(long, short)]
    verbose: bool,
    /// Report what the import would do, and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The files' encoding, a WHATWG label (`gbk`, `windows-1252`, `utf-16le`), for files
    /// that are not UTF-8; a byte order mark still wins.
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
}

#[derive(Args)]
struct ExportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Bibliography format.
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Bibtex)]
    format: ExportFormatArg,
    /// BibTeX flavour.
    #[arg(long, value_enum, default_value_t = DialectArg::Bibtex)]
    dialect: DialectArg,
    /// BibTeX characters: `pdflatex` replaces (and reports) what pdflatex cannot set.
    #[arg(long, value_enum, default_value_t = CharsetArg::Pdflatex)]
    charset: CharsetArg,
    /// BibTeX: leave out the `abstract` field (as `abstract=false` on `/bibliography`).
    #[arg(long)]
    no_abstract: bool,
    /// Levels to keep (repeat or comma = OR).
    #[arg(long, value_delimiter = ',')]
    level: Vec<String>,
    /// Kinds to keep.
    #[arg(long, value_delimiter = ',')]
    kind: Vec<String>,
    /// Concepts the resources must be linked to, by slug or name.
    #[arg(long)]
    topic: Vec<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormatArg {
    Bibtex,
    Csljson,
    Ris,
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Bibtex,
    Biblatex,
}

#[derive(Clone, Copy, ValueEnum)]
enum CharsetArg {
    Pdflatex,
    Unicode,
}

#[derive(Args)]
struct ReindexArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            note(&format!("lore: cannot start the async runtime: {err}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // The reader went away (`lore export | head`): what it read was written.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            note(&format!("lore: {}", describe(&err)));
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes a line to standard error; a closed or full stderr is not worth a panic.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// An error and its causes, each said once (sqlx repeats its source in its own message).
fn describe(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.retain(|p| !text.contains(p.as_str()));
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LORE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        // One object per line, the request span's id included, for log shippers.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = match &cli.config {
        Some(path) => FileSettings::load(path, true)?,
        None => FileSettings::load(std::path::Path::new(config::DEFAULT_CONFIG_FILE), false)?,
    };
    // `lore` alone serves with the defaults (and the LORE_* environment).
    let command = match cli.command {
        Some(command) => command,
        None => Cli::parse_from(["lore", "serve"])
            .command
            .ok_or_else(|| anyhow::anyhow!("no command given"))?,
    };
    match command {
        Command::Serve(args) => serve(args, file).await,
        Command::Import(args) => import(args, file).await,
        Command::Keys(args) => keys(args, file).await,
        Command::Export(args) => export(args, file).await,
        Command::Reindex(args) => reindex(args, file).await,
        Command::Openapi => {
            write!(std::io::stdout(), "{}", lore::http::openapi_json())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A number of seconds ≥ 0 (`5`, `0.5`).
fn parse_seconds(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("`{raw}` is not a number of seconds ≥ 0 (e.g. 5)")),
    }
}

fn store_settings(args: StoreArgs, file: &FileSettings) -> StoreSettings {
    StoreSettings {
        data_dir: args
            .data_dir
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR)),
        database_url: args.database_url.or_else(|| file.database_url.clone()),
    }
}

async fn serve(args: ServeArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    let bind = args
        .bind
        .clone()
        .or_else(|| file.bind.clone())
        .unwrap_or_else(|| config::DEFAULT_BIND.to_owned());
    let default_seed_missing = args.seed.is_none()
        && file.seed_dir.is_none()
        && !std::path::Path::new(config::DEFAULT_SEED_DIR).is_dir();
    let seed_dir = if args.no_seed
        || (args.seed.is_none() && file.no_seed == Some(true))
        || default_seed_missing
    {
        // An installed `lore serve` run outside the repository has no ./seed: it serves
        // what the store holds.
        None
    } else {
        Some(
            args.seed
                .clone()
                .or_else(|| file.seed_dir.clone())
                .unwrap_or_else(|| PathBuf::from(config::DEFAULT_SEED_DIR)),
        )
    };
    let rate_limit = args
        .rate_limit
        .or(file.rate_limit)
        .unwrap_or(config::DEFAULT_RATE_LIMIT);
    let edge = edge_settings(&args, &file)?;
    let settings = Settings {
        store: store_settings(args.store, &file),
        bind: config::parse_bind(&bind)?,
        seed_dir,
        max_body: args
            .max_body
            .or(file.max_body)
            .unwrap_or(config::DEFAULT_MAX_BODY),
        body_timeout: args
            .body_timeout
            .or(file.body_timeout)
            .map_or(config::DEFAULT_BODY_TIMEOUT, std::time::Duration::from_secs),
        rate_limit: std::num::NonZeroU32::new(rate_limit),
        require_read_key: args.require_read_key || file.require_read_key == Some(true),
        edge,
        reading: file.reading()?,
        query_timeout: match args.query_timeout.or(file.query_timeout) {
            Some(seconds) => std::time::Duration::try_from_secs_f64(seconds).map_err(|_| {
                anyhow::anyhow!("query_timeout `{seconds}` is not a number of seconds ≥ 0 (e.g. 5)")
            })?,
            None => lore::store::DEFAULT_QUERY_TIMEOUT,
        },
    };
    tracing::info!(?settings, "starting");
    let app = Application::build(&settings).await?;
    for report in app.seed_reports() {
        tracing::info!(file = %report.file, summary = ?report.summary, "seed imported");
    }
    tracing::info!(
        "serving on http://{addr} (API docs at http://{addr}/docs/)",
        addr = app.addr()
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Proxy, public URL and CORS settings: flags and environment, else `lore.toml`.
fn edge_settings(args: &ServeArgs, file: &FileSettings) -> anyhow::Result<config::EdgeSettings> {
    let public_url = args.public_url.clone().or_else(|| file.public_url.clone());
    let or_file = |given: &Vec<String>, from_file: &Option<Vec<String>>| {
        if given.is_empty() {
            from_file.clone().unwrap_or_default()
        } else {
            given.clone()
        }
    };
    Ok(config::EdgeSettings {
        public_url: public_url
            .as_deref()
            .map(config::PublicUrl::parse)
            .transpose()?,
        trusted_proxies: or_file(&args.trusted_proxies, &file.trusted_proxies)
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| config::parse_cidr(v))
            .collect::<Result<_, _>>()?,
        cors_origins: or_file(&args.cors_origins, &file.cors_origins)
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| config::parse_origin(v))
            .collect::<Result<_, _>>()?,
    })
}

async fn import(args: ImportArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    let reading = file.reading()?;
    let store = open_store(&store_settings(args.store, &file)).await?;
    let service = Service::new(store).with_reading(reading);
    let encoding = match args.encoding.as_deref() {
        Some(label) => Some(
            encoding_rs::Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| anyhow::anyhow!("--encoding {label}: not an encoding label"))?,
        ),
        None => None,
    };
    let options = lore::service::ImportOptions {
        dry_run: args.dry_run,
        encoding,
        ..lore::service::ImportOptions::SYNC
    };
    // Rows read, on a terminal only: piped or logged runs stay clean.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} importing {msg}: {pos}/{len} rows [{bar:40}] {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let run = service
        .import_paths_with(&args.paths, options, &|path, progress| {
            if let Some(bar) = &bar {
                if progress.done <= 1 {
                    bar.set_message(path.display().to_string());
                }
                bar.set_length(progress.rows);
                bar.set_position(progress.done);
            }
        })
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (path, reason) in &run.passed_over {
        note(&format!("{}: passed over: {reason}", path.display()));
    }
    let results = run.reports;
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut reports = Vec::new();
    for (path, result) in results {
        match result {
            Ok(report) => {
                if let ReportFormat::Text = args.format {
                    print_report(&mut out, &path, &report, args.verbose)?;
                }
                reports.push(report);
            }
            Err(err) => {
                failed = true;
                note(&format!("lore: {err}"));
            }
        }
    }
    if let ReportFormat::Json = args.format {
        serde_json::to_writer_pretty(&mut out, &reports)?;
        writeln!(out)?;
    }
    service.store().close().await;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn keys(args: KeysArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    let service = Service::new(open_store(&store_settings(args.store, &file)).await?);
    let code = match args.command {
        KeysCommand::Create { name, scope } => {
            let scope = lore::domain::Scope::from(scope);
            let token = service.create_key(&name, scope).await?;
            writeln!(
                std::io::stdout(),
                "created {scope} key `{name}`; keep this token, it is not shown again:"
            )?;
            writeln!(std::io::stdout(), "{}", token.reveal())?;
            ExitCode::SUCCESS
        }
        KeysCommand::List => {
            for key in service.list_keys().await? {
                let state = key
                    .revoked_at
                    .as_deref()
                    .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                writeln!(
                    std::io::stdout(),
                    "{}\t{}\tcreated {}\t{}",
                    key.name,
                    key.scope,
                    key.created_at,
                    state
                )?;
            }
            ExitCode::SUCCESS
        }
        KeysCommand::Revoke { name } => {
            if service.revoke_key(&name).await? {
                writeln!(std::io::stdout(), "revoked `{name}`")?;
                ExitCode::SUCCESS
            } else {
                note(&format!(
                    "lore: no active key is named `{}`",
                    name.escape_debug()
                ));
                ExitCode::FAILURE
            }
        }
    };
    service.store().close().await;
    Ok(code)
}

async fn export(args: ExportArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    use futures_util::StreamExt;
    use lore::cite::{BibtexOptions, Charset, Dialect};
    use lore::domain::{Level, ResourceKind};
    use lore::service::ExportFormat;

    let filter = lore::store::ResourceFilter {
        levels: args
            .level
            .iter()
            .map(|l| Level::parse(l))
            .collect::<Result<_, _>>()?,
        kinds: args
            .kind
            .iter()
            .map(|k| ResourceKind::parse(k))
            .collect::<Result<_, _>>()?,
        topics: args.topic.clone(),
        ..lore::store::ResourceFilter::default()
    };
    let format = match args.format {
        ExportFormatArg::Bibtex => ExportFormat::Bibtex(BibtexOptions {
            dialect: match args.dialect {
                DialectArg::Bibtex => Dialect::Bibtex,
                DialectArg::Biblatex => Dialect::Biblatex,
            },
            charset: match args.charset {
                CharsetArg::Pdflatex => Charset::Pdflatex,
                CharsetArg::Unicode => Charset::Unicode,
            },
            omit_abstract: args.no_abstract,
        }),
        ExportFormatArg::Csljson => ExportFormat::CslJson,
        ExportFormatArg::Ris => ExportFormat::Ris,
    };
    let service = Service::new(open_store(&store_settings(args.store, &file)).await?);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let name = args
        .output
        .as_ref()
        .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    let mut chunks = std::pin::pin!(service.export(filter, format));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        out.write_all(chunk.text.as_bytes())?;
        for warning in &chunk.warnings {
            note(&format!("{name}: warning: {warning}"));
        }
    }
    out.flush()?;
    service.store().close().await;
    Ok(ExitCode::SUCCESS)
}

async fn reindex(args: ReindexArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    use lore::search::{IndexLocation, Indexer, SearchIndex, WriterBudget};

    let settings = store_settings(args.store, &file);
    let store = open_store(&settings).await?;
    let dir = lore::startup::index_dir(&settings);
    let (index, _) = SearchIndex::open(&IndexLocation::Dir(dir.clone()))?;
    let mut indexer = Indexer::new(index.clone(), store.clone(), WriterBudget::rebuild())?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} indexing {pos}/{len} records [{bar:40}] {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let stats = indexer
        .rebuild(|progress| {
            if let Some(bar) = &bar {
                bar.set_length(progress.total);
                bar.set_position(progress.done);
            }
        })
        .await?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    indexer.merge_segments().await?;
    drop(indexer.with_budget(WriterBudget::FOLLOW).await?);
    writeln!(
        std::io::stdout(),
        "indexed {} records in {:.2} s ({:.0} records/s); {} is {:.1} MB, up to change {}",
        stats.documents,
        stats.elapsed.as_secs_f64(),
        stats.docs_per_second(),
        dir.display(),
        index.size_bytes() as f64 / 1e6,
        index.applied_seq(),
    )?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print_report(
    out: &mut impl Write,
    path: &std::path::Path,
    report: &ImportReport,
    verbose: bool,
) -> std::io::Result<()> {
    let s = &report.summary;
    let counts = |c: &lore::service::RecordCounts| {
        format!(
            "{} created, {} updated, {} merged, {} unchanged, {} removed, {} kept; \
             {} items merged within the file",
            c.created, c.updated, c.merged, c.unchanged, c.removed, c.kept, c.merged_in_file
        )
    };
    writeln!(
        out,
        "{}{}: resources: {}; concepts: {}; {} links added; {} items, {} skipped, {} warnings",
        if report.dry_run {
            "(dry run, nothing written) "
        } else {
            ""
        },
        path.display(),
        counts(&s.resources),
        counts(&s.concepts),
        s.links_added,
        s.items,
        s.skipped,
        s.warnings
    )?;
    for line in &report.lines {
        let worth_showing = !matches!(
            line.outcome,
            Outcome::Created | Outcome::Updated | Outcome::Unchanged
        );
        if verbose || worth_showing {
            let outcome = serde_json::to_value(line.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let item = serde_json::to_value(line.item)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            write!(
                out,
                "  {}:{}: {outcome} {item}: {}",
                path.display(),
                line.line,
                line.text
            )?;
            match &line.reason {
                Some(reason) => writeln!(out, " ({reason})")?,
                None => writeln!(out)?,
            }
        }
    }
    Ok(())
}
