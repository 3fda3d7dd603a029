//! API tests: every test starts the real server on a random port over its own store, and
//! the whole suite runs twice, against SQLite and against PostgreSQL.
//!
//! PostgreSQL comes from `LORE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates a fresh database there
//! and drops it afterwards. When no server answers, the PostgreSQL tests are reported as
//! ignored with the reason, unless `LORE_REQUIRE_POSTGRES=1` (as in CI) makes that a failure.

mod helpers;

mod bibliography;
mod bibtex_patterns;
mod books;
mod changes;
mod cli;
mod concepts;
mod edge;
mod errors;
mod formatted;
mod identity;
mod import;
mod openapi;
mod patterns;
mod querying;
mod recovery;
mod resources;
mod scale;
mod search;
mod sync;
mod web;
mod writes;

use std::future::Future;
use std::pin::Pin;

use futures::FutureExt;
use helpers::{Backend, TestApp};
use libtest_mimic::{Arguments, Failed, Trial};

/// A test body: gets a running app, checks it.
pub type Check = fn(&TestApp) -> Pin<Box<dyn Future<Output = ()> + '_>>;

/// One test: its name, whether the store is seeded, and its body.
pub struct Case {
    pub name: &'static str,
    pub seeded: bool,
    pub check: Check,
}

/// Declares cases: `cases![seeded: name, unseeded: other]` for `async fn name(app: &TestApp)`.
#[macro_export]
macro_rules! cases {
    ($($seed:ident : $name:ident),* $(,)?) => {
        pub fn cases() -> Vec<$crate::Case> {
            vec![$($crate::Case {
                name: concat!(module_path!(), "::", stringify!($name)),
                seeded: $crate::cases!(@seeded $seed),
                check: |app| Box::pin($name(app)),
            }),*]
        }
    };
    (@seeded seeded) => { true };
    (@seeded unseeded) => { false };
}

fn run_case(backend: Backend, case: &Case) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let app = TestApp::spawn(backend, case.seeded).await;
        let outcome = std::panic::AssertUnwindSafe((case.check)(&app))
            .catch_unwind()
            .await;
        app.teardown().await;
        outcome.map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "test panicked".into());
            Failed::from(message)
        })
    })
}

fn main() {
    let args = Arguments::from_args();
    let cases: Vec<Case> = [
        bibliography::cases(),
        books::cases(),
        bibtex_patterns::cases(),
        changes::cases(),
        cli::cases(),
        concepts::cases(),
        edge::cases(),
        errors::cases(),
        formatted::cases(),
        identity::cases(),
        import::cases(),
        openapi::cases(),
        patterns::cases(),
        querying::cases(),
        recovery::cases(),
        resources::cases(),
        scale::cases(),
        writes::cases(),
        search::cases(),
        sync::cases(),
        web::cases(),
    ]
    .into_iter()
    .flatten()
    .collect();

    let probe = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(helpers::postgres_available());
    let require_postgres = std::env::var("LORE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let postgres_skipped = match &probe {
        Ok(()) => false,
        Err(reason) if require_postgres => {
            eprintln!("error: PostgreSQL is required (LORE_REQUIRE_POSTGRES=1) but {reason}");
            std::process::exit(1);
        }
        Err(reason) => {
            eprintln!("\nnote: PostgreSQL suite SKIPPED: {reason}.");
            eprintln!(
                "      Set LORE_TEST_POSTGRES_URL to a server where tests may create databases.\n"
            );
            true
        }
    };

    let cases: &'static [Case] = Box::leak(cases.into_boxed_slice());
    let mut trials = Vec::new();
    for case in cases {
        let name = case.name.trim_start_matches("api::");
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            run_case(Backend::Sqlite, case)
        }));
        trials.push(
            Trial::test(format!("postgres::{name}"), move || {
                run_case(Backend::Postgres, case)
            })
            .with_ignored_flag(postgres_skipped),
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if postgres_skipped {
        eprintln!("note: the PostgreSQL suite was skipped (see above); only SQLite was tested.");
    }
    conclusion.exit();
}
