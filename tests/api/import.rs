//! Importing catalogues into a running server's store: idempotent, transactional, lossless.

use crate::cases;
use crate::helpers::{TestApp, repo_root};

cases![
    seeded: importing_the_seed_again_changes_nothing,
    unseeded: edge_cases_import_without_loss,
    unseeded: real_catalogues_account_for_every_link,
    unseeded: look_alike_titles_stay_apart_and_same_works_merge_once,
];

async fn importing_the_seed_again_changes_nothing(app: &TestApp) {
    let store = app_store(app).await;
    let before_seq = store.last_change_seq().await.unwrap();
    let before = app.get_json("/resources?limit=500", 200).await;
    let concepts_before = app.get_json("/concepts?limit=500", 200).await;

    let seed = repo_root().join("seed");
    let (status, stdout, stderr) =
        app.lore(&["import", seed.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let reports: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for report in reports.as_array().unwrap() {
        assert_nothing_changed(report);
    }

    assert_eq!(
        store.last_change_seq().await.unwrap(),
        before_seq,
        "no change was logged"
    );
    assert_eq!(app.get_json("/resources?limit=500", 200).await, before);
    assert_eq!(
        app.get_json("/concepts?limit=500", 200).await,
        concepts_before
    );
    store.close().await;
}

async fn edge_cases_import_without_loss(app: &TestApp) {
    let cases = repo_root().join("tests/fixtures/cases");
    let (status, stdout, stderr) =
        app.lore(&["import", cases.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let reports: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let report = |file: &str| {
        reports
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["file"] == file)
            .unwrap()
            .clone()
    };

    let extra = report("extra-cells.md");
    let warning = extra["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["outcome"] == "warning")
        .expect("a warning");
    assert_eq!(warning["line"], 5, "{warning}");

    let missing = app
        .get_json("/resources?topic=spectral-methods,optimisers,arrays", 200)
        .await;
    assert_eq!(missing["total"], 3);
    let signals = missing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Signals 200")
        .unwrap();
    assert_eq!(signals["url"], "https://example.org/signals?list=A1&idx=2");
    assert_eq!(signals["level"], "intermediate");

    let all = app.get_json("/resources?limit=500", 200).await;
    assert!(
        !all.to_string().contains('\u{feff}'),
        "no byte order mark in any record"
    );
    let concepts = app.get_json("/concepts?limit=500", 200).await;
    assert!(!concepts.to_string().contains('\u{feff}'));
}

async fn real_catalogues_account_for_every_link(app: &TestApp) {
    let dir = repo_root().join("tests/fixtures/catalogues");
    let (status, stdout, stderr) = app.lore(&["import", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let reports: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for report in reports.as_array().unwrap() {
        for line in report["lines"].as_array().unwrap() {
            if line["outcome"] == "skipped" {
                assert!(
                    line["reason"].as_str().is_some_and(|r| !r.is_empty()),
                    "a skip says why: {line}"
                );
            }
        }
        assert!(
            report["summary"]["resources"]["created"].as_u64().unwrap() > 0,
            "{}",
            report["file"]
        );
    }
    // Importing again changes nothing.
    let (status, stdout, _) = app.lore(&["import", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0);
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for report in again.as_array().unwrap() {
        assert_nothing_changed(report);
    }
}

async fn app_store(app: &TestApp) -> lore::store::Store {
    lore::store::Store::connect(&app.database_url)
        .await
        .unwrap()
}

/// Asserts that an import report shows no write at all.
fn assert_nothing_changed(report: &serde_json::Value) {
    let summary = &report["summary"];
    for records in ["resources", "concepts"] {
        for outcome in ["created", "updated", "merged"] {
            assert_eq!(
                summary[records][outcome], 0,
                "{records} {outcome} in {report}"
            );
        }
    }
    assert_eq!(summary["links_added"], 0, "{report}");
    for line in report["lines"].as_array().unwrap() {
        // `merged` lines are items folded into another item of the same file.
        assert!(
            ["unchanged", "merged", "skipped", "warning"]
                .contains(&line["outcome"].as_str().unwrap()),
            "{line}"
        );
    }
}

async fn look_alike_titles_stay_apart_and_same_works_merge_once(app: &TestApp) {
    let dir = app.data_dir.path();
    let page = "# Books\n\n## Courses\n\n| Course | link | level |\n|---|---|---|\n\
        | C++ Primer | | beginner |\n| C# Primer | | advanced |\n| C Primer | | intermediate |\n\
        | Go Tour | https://go.dev/tour | beginner |\n| Go Tour again | https://go.dev/tour/ | beginner |\n\
        | Go Tour shouting | HTTPS://GO.DEV/tour | beginner |\n\n## Metrics\n\n* C++\n* C#\n* C\n";
    std::fs::write(dir.join("books.md"), page).unwrap();
    let bib = "@article{Same1, title = {One Study of Things}, doi = {10.5555/same}, year = 2020}\n\
        @article{same2, title = {Another Name Entirely}, doi = {https://doi.org/10.5555/SAME}, year = 2021}\n";
    std::fs::write(dir.join("same.bib"), bib).unwrap();
    for file in ["books.md", "same.bib"] {
        let (status, stdout, stderr) = app.lore(&[
            "import",
            dir.join(file).to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(status, 0, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let merged: Vec<&serde_json::Value> = report[0]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["outcome"] == "merged")
            .collect();
        assert!(
            merged
                .iter()
                .all(|l| l["reason"].as_str().is_some_and(|r| r.contains("line"))),
            "{merged:?}"
        );
    }
    let primers = app.get_json("/resources?kind=course&limit=500", 200).await;
    let titles: Vec<&str> = primers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"C++ Primer")
            && titles.contains(&"C# Primer")
            && titles.contains(&"C Primer"),
        "{titles:?}"
    );
    assert_eq!(
        titles.iter().filter(|t| t.starts_with("Go Tour")).count(),
        1,
        "one tour, three spellings of its URL"
    );
    let metrics = app.get_json("/concepts?category=metric", 200).await;
    assert_eq!(metrics["total"], 3, "C++, C# and C are three concepts");
    let all = app.get_json("/resources?limit=500", 200).await;
    let study = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["doi"]
                .as_str()
                .is_some_and(|d| d.eq_ignore_ascii_case("10.5555/same"))
        })
        .unwrap();
    assert_eq!(
        study["title"], "One Study of Things",
        "the first description wins"
    );

    for file in ["books.md", "same.bib"] {
        let (status, stdout, _) = app.lore(&[
            "import",
            dir.join(file).to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(status, 0);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_nothing_changed(&report[0]);
    }
}
