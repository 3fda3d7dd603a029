//! Bounded work per request and imports at scale: a read over the time limit answers 503,
//! its statement stops, and a large page imports idempotently.

use std::fmt::Write as _;
use std::time::Duration;

use sqlx::Connection;

use crate::cases;
use crate::helpers::{Backend, TestApp};

cases![
    unseeded: a_read_over_the_time_limit_answers_503_and_its_statement_stops,
    unseeded: importing_a_10k_row_page_twice_is_idempotent,
];

/// Fills the store with `rows` resources in one statement (both dialects).
async fn fill(app: &TestApp, rows: u32) {
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
         INSERT INTO resources (slug, kind, title, title_key, level, title_sort, created_at, updated_at) \
         SELECT 'r-' || i, 'paper', 'Title ' || i, 'title' || i, \
         CASE i % 4 WHEN 0 THEN 'beginner' WHEN 1 THEN 'intermediate' WHEN 2 THEN 'advanced' ELSE 'multiple' END, \
         'title' || (i * 7919 % {rows}), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n"
    );
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

async fn a_read_over_the_time_limit_answers_503_and_its_statement_stops(app: &TestApp) {
    sqlx::any::install_default_drivers();
    let limited = TestApp::spawn_with(app.backend, false, |s| {
        s.store.database_url = Some(app.database_url.clone());
        s.query_timeout = Duration::from_millis(1);
    })
    .await;
    // A list that counts 100 000 of 200 000 rows, checking two columns of each, takes
    // far longer than a millisecond.
    fill(app, 200_000).await;
    let path = "/resources?level=beginner&level=advanced&kind=paper&sort=-title&limit=100";
    let response = limited.get(path).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response.headers()["retry-after"].to_str().unwrap(),
        "1",
        "{:?}",
        response.headers()
    );
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "query_timeout", "{problem}");
    assert_eq!(problem["status"], 503, "{problem}");

    if app.backend == Backend::Postgres {
        // The server stops the statement itself (statement_timeout): none of the store's
        // statements stays active once the client has its answer.
        let database = url::Url::parse(&app.database_url).unwrap().path()[1..].to_owned();
        let mut admin = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .unwrap();
        let mut active = i64::MAX;
        for _ in 0..100 {
            active = sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 \
                 AND state = 'active' AND pid <> pg_backend_pid()",
            )
            .bind(&database)
            .fetch_one(&mut admin)
            .await
            .unwrap();
            if active == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(active, 0, "statements still running");
    }
    limited.teardown().await;

    // Without the limit the same list answers, with the exact total.
    let page = app.get_json(path, 200).await;
    assert_eq!(page["total"], 100_000, "{}", page["total"]);
    assert_eq!(page["items"].as_array().unwrap().len(), 100);
}

/// A catalogue page of `rows` course rows on 50 topics and 4 levels.
fn page(rows: usize, tag: &str) -> String {
    let mut page = String::from(
        "# Courses at scale\n\n## Courses\n\n| Course | link | topic | level |\n|---|---|---|---|\n",
    );
    let levels = ["beginner", "intermediate", "advanced", "multiple"];
    for i in 0..rows {
        let _ = writeln!(
            page,
            "| Course {tag} {i} | https://example.org/{tag}/{i} | topic {} | {} |",
            i % 50,
            levels[i % 4]
        );
    }
    page
}

async fn importing_a_10k_row_page_twice_is_idempotent(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("large.md");
    std::fs::write(&file, page(10_000, "a")).unwrap();
    let file = file.to_str().unwrap();

    let (status, stdout, stderr) = app.lore(&["import", file, "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let first: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(first[0]["summary"]["resources"]["created"], 10_000);
    assert_eq!(first[0]["summary"]["concepts"]["created"], 50);
    assert_eq!(first[0]["summary"]["links_added"], 10_000);
    let beginners = app.get_json("/resources?level=beginner&limit=1", 200).await;
    assert_eq!(beginners["total"], 2_500);
    let topic = app.get_json("/resources?topic=topic+7&limit=1", 200).await;
    assert_eq!(topic["total"], 200);
    // A concept carries its first 100 resources and says where the rest are.
    let concept = app.get_json("/concepts/topic-7", 200).await;
    assert_eq!(concept["resources"].as_array().unwrap().len(), 100);
    assert_eq!(concept["resources"][0]["slug"], topic["items"][0]["slug"]);
    assert_eq!(concept["resources_total"], 200);
    assert!(
        concept["resources_next"]
            .as_str()
            .unwrap()
            .ends_with("/resources?topic=topic-7&limit=100"),
        "{}",
        concept["resources_next"]
    );
    let list = app.get_json("/concepts?limit=100", 200).await;
    for item in list["items"].as_array().unwrap() {
        assert_eq!(
            item["resources"].as_array().unwrap().len(),
            100,
            "{}",
            item["slug"]
        );
        assert_eq!(item["resources_total"], 200, "{}", item["slug"]);
    }
    let changes = app.get_json("/changes?since=0&limit=1", 200).await;

    // A large import leaves the query planner statistics to choose indexes by.
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    let analysed: i64 = match app.backend {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'resources'")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        }
        Backend::Postgres => sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_user_tables \
             WHERE relname = 'resources' AND last_analyze IS NOT NULL",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap(),
    };
    assert!(analysed > 0, "no planner statistics after a 10k-row import");
    conn.close().await.unwrap();

    let (status, stdout, stderr) = app.lore(&["import", file, "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let summary = &again[0]["summary"];
    for records in ["resources", "concepts"] {
        for outcome in ["created", "updated", "merged"] {
            assert_eq!(
                summary[records][outcome], 0,
                "{records} {outcome}: {summary}"
            );
        }
    }
    assert_eq!(summary["resources"]["unchanged"], 10_000, "{summary}");
    assert_eq!(summary["links_added"], 0, "{summary}");
    assert_eq!(app.get_json("/changes?since=0&limit=1", 200).await, changes);

    // A write moves the totals on: they are never stale.
    let small = dir.path().join("small.md");
    std::fs::write(&small, page(4, "b")).unwrap();
    let (status, _, stderr) = app.lore(&["import", small.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    let beginners = app.get_json("/resources?level=beginner&limit=1", 200).await;
    assert_eq!(beginners["total"], 2_501);
    let all = app.get_json("/resources?limit=1", 200).await;
    assert_eq!(all["total"], 10_004);
}
