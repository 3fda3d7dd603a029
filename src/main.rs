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

/// A linkable knowledge base for learning resources.
#[derive(Parser)]
#[command(name = "lore", version, about)]
struct Cli {
    /// Settings file (TOML); `./lore.toml` is read when present.
    #[arg(long, global = true, env = "LORE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API (importing the seed catalogue into an empty store).
    Serve(ServeArgs),
    /// Import catalogue pages (.md) and BibTeX files (.bib), or directories of them.
    Import(ImportArgs),
    /// Rebuild the search index from the store (stop `lore serve` first).
    Reindex(ReindexArgs),
    /// Print the OpenAPI document.
    Openapi,
}

/// Where the data lives; every subcommand that touches the store takes these.
#[derive(Args)]
struct StoreArgs {
    /// Directory for the SQLite database and the search index [default: ./data]
    #[arg(long, env = "LORE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://USER@HOST/DB` [default: an SQLite file in the data dir]
    #[arg(
        long,
        env = "LORE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
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
    /// Catalogue directory imported when the store is empty [default: ./seed]
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
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("lore: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("lore: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LORE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,tracing_actix_web=error")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
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
        Command::Reindex(args) => reindex(args, file).await,
        Command::Openapi => {
            print!("{}", lore::http::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
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
    let seed_dir = if args.no_seed || (args.seed.is_none() && file.no_seed == Some(true)) {
        None
    } else {
        Some(
            args.seed
                .clone()
                .or_else(|| file.seed_dir.clone())
                .unwrap_or_else(|| PathBuf::from(config::DEFAULT_SEED_DIR)),
        )
    };
    let settings = Settings {
        store: store_settings(args.store, &file),
        bind: config::parse_bind(&bind)?,
        seed_dir,
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

async fn import(args: ImportArgs, file: FileSettings) -> anyhow::Result<ExitCode> {
    let store = open_store(&store_settings(args.store, &file)).await?;
    let service = Service::new(store);
    let results = service.import_paths(&args.paths).await;
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
                eprintln!("lore: {err}");
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
    println!(
        "indexed {} records in {:.2} s ({:.0} records/s); {} is {:.1} MB, up to change {}",
        stats.documents,
        stats.elapsed.as_secs_f64(),
        stats.docs_per_second(),
        dir.display(),
        index.size_bytes() as f64 / 1e6,
        index.applied_seq(),
    );
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
    writeln!(
        out,
        "{}: {} created, {} updated, {} merged, {} unchanged, {} skipped, {} warnings, {} links added",
        path.display(),
        s.created,
        s.updated,
        s.merged,
        s.unchanged,
        s.skipped,
        s.warnings,
        s.links_added
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
