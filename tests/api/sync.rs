//! Re-importing a file makes the store match it: created, updated, removed, kept; and dry runs.

use crate::cases;
use crate::helpers::{TestApp, items, repo_root};

cases![
    unseeded: reimporting_an_edited_page_creates_updates_and_removes,
    unseeded: records_from_another_file_or_edited_through_the_api_are_kept,
    unseeded: a_dry_run_writes_nothing_and_reports_what_the_import_does,
    unseeded: a_file_that_now_describes_nothing_removes_nothing,
];

fn pattern(file: &str) -> Vec<u8> {
    std::fs::read(
        repo_root()
            .join("tests/fixtures/import-patterns")
            .join(file),
    )
    .unwrap()
}

/// Issues a write key through the CLI and returns its token.
fn write_key(app: &TestApp) -> String {
    let (status, stdout, stderr) =
        app.lore(&["keys", "create", "--name", "editor", "--scope", "write"]);
    assert_eq!(status, 0, "{stderr}");
    stdout.lines().last().unwrap().to_owned()
}

/// Imports `body` through `POST /imports` under `name`; returns the report.
async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    body: Vec<u8>,
    dry_run: bool,
) -> serde_json::Value {
    let dry = if dry_run { "&dry_run=true" } else { "" };
    let response = app
        .client
        .post(app.url(&format!("/imports?name={name}{dry}")))
        .bearer_auth(token)
        .header("Content-Type", "text/markdown")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn counts(report: &serde_json::Value) -> [u64; 5] {
    let r = &report["summary"]["resources"];
    ["created", "updated", "merged", "removed", "kept"].map(|f| r[f].as_u64().unwrap())
}

async fn last_seq(app: &TestApp) -> i64 {
    items(&app.get_json("/changes?limit=1000", 200).await)
        .last()
        .map_or(0, |c| c["seq"].as_i64().unwrap())
}

async fn search_slugs(app: &TestApp, q: &str) -> Vec<String> {
    let body = app.get_json(&format!("/search?q={q}"), 200).await;
    items(&body)
        .iter()
        .map(|i| i["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn reimporting_an_edited_page_creates_updates_and_removes(app: &TestApp) {
    let token = write_key(app);
    let first = import(app, &token, "reading-list.md", pattern("sync-v1.md"), false).await;
    assert_eq!(counts(&first), [3, 0, 0, 0, 0], "{first}");
    assert!(
        search_slugs(app, "beta")
            .await
            .contains(&"beta-course".to_owned())
    );
    let since = last_seq(app).await;

    let second = import(app, &token, "reading-list.md", pattern("sync-v2.md"), false).await;
    assert_eq!(counts(&second), [1, 2, 0, 1, 0], "{second}");
    let removed: Vec<&serde_json::Value> = second["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "removed")
        .collect();
    assert_eq!(removed.len(), 1, "{second}");
    assert_eq!(removed[0]["line"], 8, "{second}");
    assert!(
        removed[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Beta course") && t.contains("https://example.org/beta")),
        "{second}"
    );

    let alpha = app.get_json("/resources/alpha-course", 200).await;
    assert_eq!(
        alpha["title"], "Alpha course, second edition",
        "same slug, new title"
    );
    let gamma = app.get_json("/resources/gamma-course", 200).await;
    assert_eq!(gamma["level"], "advanced");
    app.get_json("/resources/delta-course", 200).await;
    assert_eq!(app.get("/resources/beta-course").await.status(), 404);
    assert_eq!(app.get_json("/resources", 200).await["total"], 3);

    let feed = app.get_json(&format!("/changes?since={since}"), 200).await;
    assert!(
        items(&feed).iter().any(|c| c["op"] == "delete"
            && c["slug"] == "beta-course"
            && c["entity"] == "resource"),
        "{feed}"
    );
    assert!(
        !search_slugs(app, "beta")
            .await
            .contains(&"beta-course".to_owned())
    );

    let again = import(app, &token, "reading-list.md", pattern("sync-v2.md"), false).await;
    assert_eq!(counts(&again), [0, 0, 0, 0, 0], "{again}");
}

async fn records_from_another_file_or_edited_through_the_api_are_kept(app: &TestApp) {
    let token = write_key(app);
    import(app, &token, "reading-list.md", pattern("sync-v1.md"), false).await;
    // Another page also lists Beta; Gamma is edited through the API.
    let other = b"## Courses\n\n- [Beta course](https://example.org/beta)\n".to_vec();
    let merged = import(app, &token, "other.md", other, false).await;
    assert_eq!(counts(&merged)[0], 0, "the same work: {merged}");
    let tag = app.get("/resources/gamma-course").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let patched = app
        .client
        .patch(app.url("/resources/gamma-course"))
        .bearer_auth(&token)
        .header("If-Match", tag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"description": "Edited by hand"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200, "{}", patched.text().await.unwrap());

    // v2 without Beta and Gamma.
    let v2 = "# Reading list\n\n## Courses\n\n| Course | link | topic | level |\n|---|---|---|---|\n\
        | Alpha course | https://example.org/alpha | vision | beginner |\n";
    let report = import(
        app,
        &token,
        "reading-list.md",
        v2.as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(counts(&report), [0, 0, 0, 0, 2], "{report}");
    let kept: Vec<String> = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "kept")
        .map(|l| l["reason"].as_str().unwrap().to_owned())
        .collect();
    assert!(kept.iter().any(|r| r.contains("other.md")), "{kept:?}");
    assert!(
        kept.iter().any(|r| r.contains("edited through the API")),
        "{kept:?}"
    );
    app.get_json("/resources/beta-course", 200).await;
    let gamma = app.get_json("/resources/gamma-course", 200).await;
    assert_eq!(gamma["description"], "Edited by hand");

    // A record the file still describes, edited through the API: kept as edited.
    let tag = app.get("/resources/alpha-course").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let patched = app
        .client
        .patch(app.url("/resources/alpha-course"))
        .bearer_auth(&token)
        .header("If-Match", tag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"title": "Alpha, as the curator calls it"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let report = import(
        app,
        &token,
        "reading-list.md",
        v2.as_bytes().to_vec(),
        false,
    )
    .await;
    let alpha_line = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == 7 && l["item"] == "row")
        .unwrap()
        .clone();
    assert_eq!(alpha_line["outcome"], "kept", "{report}");
    let alpha = app.get_json("/resources/alpha-course", 200).await;
    assert_eq!(alpha["title"], "Alpha, as the curator calls it");
}

async fn a_dry_run_writes_nothing_and_reports_what_the_import_does(app: &TestApp) {
    let token = write_key(app);
    import(app, &token, "reading-list.md", pattern("sync-v1.md"), false).await;
    let seq = last_seq(app).await;
    let before = app.get_json("/resources?limit=500", 200).await;
    let concepts = app.get_json("/concepts?limit=500", 200).await;

    let dry = import(app, &token, "reading-list.md", pattern("sync-v2.md"), true).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(last_seq(app).await, seq, "no change was logged");
    assert_eq!(app.get_json("/resources?limit=500", 200).await, before);
    assert_eq!(app.get_json("/concepts?limit=500", 200).await, concepts);

    let real = import(app, &token, "reading-list.md", pattern("sync-v2.md"), false).await;
    assert_eq!(dry["summary"], real["summary"]);
    assert_eq!(counts(&real), [1, 2, 0, 1, 0], "{real}");

    // The command line: same report, nothing written.
    let path = app.data_dir.path().join("reading-list.md");
    std::fs::write(&path, pattern("sync-v1.md")).unwrap();
    let seq = last_seq(app).await;
    let (status, stdout, stderr) = app.lore(&[
        "import",
        path.to_str().unwrap(),
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0, "{stderr}");
    let cli: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(counts(&cli[0]), [1, 2, 0, 1, 0], "{cli}");
    assert_eq!(last_seq(app).await, seq);
    let (status, stdout, _) = app.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0);
    let cli_real: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(cli[0]["summary"], cli_real[0]["summary"]);
}

async fn a_file_that_now_describes_nothing_removes_nothing(app: &TestApp) {
    let token = write_key(app);
    let first = import(app, &token, "reading-list.md", pattern("sync-v1.md"), false).await;
    assert_eq!(counts(&first), [3, 0, 0, 0, 0], "{first}");
    for body in [Vec::new(), b"\x00\x01 not a page \xff\xfe".to_vec()] {
        let report = import(app, &token, "reading-list.md", body, false).await;
        assert_eq!(counts(&report), [0, 0, 0, 0, 3], "{report}");
    }
    let total = app.get_json("/resources?limit=1", 200).await["total"].clone();
    assert_eq!(total, 3, "every record stays");
}
