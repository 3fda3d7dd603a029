//! Jupyter Books and the way a person reads a page: definitions under headings, category
//! words in headings, `{cite}` roles (`tests/fixtures/import-patterns/`, README there).

use std::collections::BTreeSet;

use crate::cases;
use crate::helpers::{TestApp, items, repo_root};

cases![
    unseeded: a_whole_book_imports_its_bib_files_then_its_pages_in_toc_order,
    unseeded: metrics_under_methods_headings_are_metric_concepts,
    unseeded: category_words_in_headings_give_metrics_with_their_definitions,
    unseeded: repeated_concept_headings_keep_every_definition,
    unseeded: cites_in_definitions_link_entries_and_dangling_keys_are_warned_about,
    unseeded: a_table_row_that_cites_an_entry_is_that_entry,
    unseeded: a_book_seeds_a_server,
    unseeded: lore_toml_maps_headings_and_columns,
    unseeded: pages_that_share_a_file_name_are_separate_sources,
];

/// Imports files or directories of `tests/fixtures/import-patterns/` in one run and
/// returns the JSON reports.
fn import(app: &TestApp, names: &[&str]) -> Vec<serde_json::Value> {
    let paths: Vec<String> = names
        .iter()
        .map(|n| {
            let path = repo_root().join("tests/fixtures/import-patterns").join(n);
            path.to_str().unwrap().to_owned()
        })
        .collect();
    let mut args = vec!["import"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let (status, stdout, stderr) = app.lore(&args);
    assert_eq!(status, 0, "{stderr}");
    let reports: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    reports.as_array().unwrap().clone()
}

async fn concept(app: &TestApp, slug: &str) -> serde_json::Value {
    app.get_json(&format!("/concepts/{slug}"), 200).await
}

async fn all(app: &TestApp, what: &str) -> Vec<serde_json::Value> {
    items(&app.get_json(&format!("/{what}?limit=500"), 200).await).clone()
}

fn warnings(report: &serde_json::Value) -> Vec<String> {
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "warning")
        .map(|l| l["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn cited_titles(concept: &serde_json::Value) -> BTreeSet<String> {
    concept["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["relation"] == "cited_by")
        .map(|l| l["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_whole_book_imports_its_bib_files_then_its_pages_in_toc_order(app: &TestApp) {
    let reports = import(app, &["book"]);
    let files: Vec<&str> = reports
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "references.bib",
            "intro.md",
            "count_basics.md",
            "eval_metrics.md"
        ]
    );

    // Definitions under headings, whatever the heading above them is called.
    for (slug, starts) in [
        ("tally-counting", "A mark is made for each pebble"),
        ("weighing", "Estimates the count from the weight"),
        ("sampling", "Counts a random part of the pile"),
    ] {
        let c = concept(app, slug).await;
        assert!(c["definition"].as_str().unwrap().starts_with(starts), "{c}");
        assert_eq!(c["provenance"]["heading_path"][0], "Counting", "{c}");
    }
    let tally = concept(app, "tally-counting").await;
    assert!(
        tally["definition"]
            .as_str()
            .unwrap()
            .contains("Works for any pile size"),
        "the bullets under a definition are part of it: {tally}"
    );
    for slug in [
        "absolute-count-error",
        "relative-count-error",
        "pile-distance",
    ] {
        let c = concept(app, slug).await;
        assert_eq!(c["category"], "metric", "{c}");
        assert!(
            c["definition"].as_str().is_some_and(|d| !d.is_empty()),
            "{c}"
        );
        assert_eq!(c["provenance"]["heading_path"][0], "Evaluation", "{c}");
        assert_eq!(
            c["learning_objectives"],
            serde_json::json!(["Learn about count metrics"]),
            "{c}"
        );
    }
    // Keywords are concepts; their key takeaways are the page's learning objectives.
    let pile = concept(app, "pile").await;
    assert_eq!(
        pile["definition"],
        "a heap of pebbles that touch each other"
    );
    assert_eq!(
        pile["learning_objectives"],
        serde_json::json!([
            "Learn how tally marks work.",
            "Learn why piles are hard to count."
        ])
    );
    concept(app, "tally").await;

    // `{cite:p}` with two keys: both works.
    let weighing = concept(app, "weighing").await;
    assert_eq!(
        cited_titles(&weighing),
        BTreeSet::from(["Counting Before Writing", "Weighing Piles of Pebbles"].map(str::to_owned)),
        "{weighing}"
    );
    // A key with no entry: a warning naming the file and line; the concept is there.
    let count_basics = &reports[2];
    assert!(
        warnings(count_basics)
            .iter()
            .any(|w| w.contains("count_basics.md:28") && w.contains("missing2020key")),
        "{count_basics}"
    );
    concept(app, "sampling").await;

    let resources = all(app, "resources").await;
    let by_title = |title: &str| {
        resources
            .iter()
            .find(|r| r["title"] == title)
            .unwrap_or_else(|| panic!("no resource {title}: {resources:?}"))
            .clone()
    };
    assert_eq!(by_title("PebbleCounter")["kind"], "software");
    let course = by_title("Pebbles 101");
    assert_eq!(course["kind"], "course");
    assert_eq!(course["level"], "beginner");
    by_title("Counting Before Writing");
    by_title("Weighing Piles of Pebbles");
    assert_eq!(
        resources.len(),
        4,
        "no resource for a directive: {resources:?}"
    );

    // Importing the book again changes nothing.
    let again = import(app, &["book"]);
    for report in &again {
        assert_eq!(report["summary"]["resources"]["created"], 0, "{report}");
        assert_eq!(report["summary"]["concepts"]["created"], 0, "{report}");
    }
}

async fn metrics_under_methods_headings_are_metric_concepts(app: &TestApp) {
    import(app, &["metrics-under-methods.md"]);
    for (slug, definition) in [
        ("hit-rate", "Share of items found among all relevant items."),
        ("miss-rate", "Share of relevant items not found."),
    ] {
        let c = concept(app, slug).await;
        assert_eq!(c["category"], "metric", "{c}");
        assert!(
            c["definition"].as_str().unwrap().contains(definition),
            "{c}"
        );
    }
    let names: BTreeSet<String> = all(app, "concepts")
        .await
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Hit Rate", "Miss Rate"].map(str::to_owned)),
        "no concept for Introduction or Methods"
    );
}

async fn category_words_in_headings_give_metrics_with_their_definitions(app: &TestApp) {
    import(app, &["category-words-in-headings.md"]);
    for slug in ["pebble-distance", "hit-rate", "shell-score"] {
        let c = concept(app, slug).await;
        assert_eq!(c["category"], "metric", "{c}");
    }
    let distance = concept(app, "pebble-distance").await;
    assert!(
        distance["definition"]
            .as_str()
            .unwrap()
            .contains("How far two pebbles lie apart."),
        "{distance}"
    );
}

async fn repeated_concept_headings_keep_every_definition(app: &TestApp) {
    import(app, &["repeated-concept-headings.md"]);
    let recall = concept(app, "recall").await;
    let definition = recall["definition"].as_str().unwrap();
    assert!(
        definition.contains("Share of relevant items that were found.")
            && definition.contains("Fraction of positives predicted as positive"),
        "{recall}"
    );
    let first = concept(app, "recall-1").await;
    assert!(
        first["definition"]
            .as_str()
            .unwrap()
            .contains("at the first position"),
        "{first}"
    );
}

async fn cites_in_definitions_link_entries_and_dangling_keys_are_warned_about(app: &TestApp) {
    let reports = import(app, &["cite-in-table-row.bib", "cite-in-definitions.md"]);
    let dropout = concept(app, "pebble-dropout").await;
    assert_eq!(dropout["category"], "regularisation", "{dropout}");
    assert_eq!(
        cited_titles(&dropout),
        BTreeSet::from(["A survey of pebble counting".to_owned()])
    );
    let page = &reports[1];
    assert!(
        warnings(page)
            .iter()
            .any(|w| w.contains("cite-in-definitions.md:9") && w.contains("missing2020key")),
        "{page}"
    );
    let decay = concept(app, "shell-decay").await;
    assert!(
        decay["definition"]
            .as_str()
            .unwrap()
            .contains("Shrinks shells")
    );
}

async fn a_table_row_that_cites_an_entry_is_that_entry(app: &TestApp) {
    for order in [
        ["cite-in-table-row.bib", "cite-in-table-row.md"],
        ["cite-in-table-row.md", "cite-in-table-row.bib"],
    ] {
        import(app, &order);
        let resources = all(app, "resources").await;
        assert_eq!(resources.len(), 1, "{order:?}: {resources:?}");
        let survey = &resources[0];
        assert_eq!(survey["citation_key"], "sample2019survey", "{survey}");
        assert_eq!(survey["title"], "A survey of pebble counting");
        let attributes = survey["attributes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(
            attributes
                .values()
                .all(|v| !v.as_str().unwrap_or_default().contains("{cite}")),
            "{survey}"
        );
    }
    // The author says which entry the row is, even under another title.
    let page = app.data_dir.path().join("surveys.md");
    std::fs::write(
        &page,
        "# Surveys\n\n| Title | Reference |\n|---|---|\n| Pebble counting, surveyed | {cite}`sample2019survey` |\n",
    )
    .unwrap();
    let (status, _, stderr) = app.lore(&["import", page.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    let resources = all(app, "resources").await;
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(resources[0]["citation_key"], "sample2019survey");
}

async fn a_book_seeds_a_server(app: &TestApp) {
    let book = repo_root().join("tests/fixtures/import-patterns/book");
    let seeded = TestApp::spawn_with(app.backend, false, |s| s.seed_dir = Some(book)).await;
    let weighing = concept(&seeded, "weighing").await;
    assert_eq!(cited_titles(&weighing).len(), 2, "{weighing}");
    assert_eq!(
        concept(&seeded, "pile-distance").await["provenance"]["heading_path"][0],
        "Evaluation"
    );
}

async fn lore_toml_maps_headings_and_columns(app: &TestApp) {
    let dir = app.data_dir.path();
    std::fs::write(
        dir.join("lore.toml"),
        "[import.headings]\n\"Evaluation and Plots\" = \"metric\"\n\n[import.columns]\n\"Course Name\" = \"title\"\n",
    )
    .unwrap();
    let page = dir.join("notes.md");
    std::fs::write(
        &page,
        "# Notes\n\n## Evaluation and Plots\n* Shell score\n\n## Courses\n\n| No. | Course Name | Link |\n|---|---|---|\n| 1. | Gentle Tensors | https://example.org/tensors |\n",
    )
    .unwrap();
    let (status, _, stderr) = app.lore(&["import", page.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(concept(app, "shell-score").await["category"], "metric");
    let resources = all(app, "resources").await;
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(resources[0]["title"], "Gentle Tensors");
    assert_eq!(resources[0]["kind"], "course");

    // A mapping to nothing lore knows stops the import, naming it.
    std::fs::write(
        dir.join("lore.toml"),
        "[import.headings]\n\"Plots\" = \"pictures\"\n",
    )
    .unwrap();
    let (status, _, stderr) = app.lore(&["import", page.to_str().unwrap()]);
    assert_ne!(status, 0);
    assert!(stderr.contains("\"Plots\" = \"pictures\""), "{stderr}");
}

/// A source is named by its path within the book (or directory) given, so a re-import of
/// `y/index.md` never removes what `x/index.md` holds; two files given in one run that
/// would share a name are refused, never synced against each other.
async fn pages_that_share_a_file_name_are_separate_sources(app: &TestApp) {
    let root = app.data_dir.path().join("nb");
    let book = root.join("bk");
    for (dir, course) in [("x", "Alpha course"), ("y", "Beta course")] {
        std::fs::create_dir_all(book.join(dir)).unwrap();
        std::fs::write(
            book.join(dir).join("index.md"),
            format!(
                "# {dir}\n\n## Courses\n\n| Title | Link |\n|---|---|\n\
                 | {course} | https://example.org/{dir} |\n"
            ),
        )
        .unwrap();
    }
    std::fs::write(book.join("_config.yml"), "title: Two indexes\n").unwrap();
    std::fs::write(
        book.join("_toc.yml"),
        "format: jb-book\nroot: x/index\nchapters:\n- file: y/index\n",
    )
    .unwrap();
    for _ in 0..2 {
        let (status, stdout, stderr) =
            app.lore(&["import", book.to_str().unwrap(), "--format", "json"]);
        assert_eq!(status, 0, "{stderr}");
        assert!(!stdout.contains("\"removed\": 1"), "{stdout}");
        let titles: BTreeSet<String> = all(app, "resources")
            .await
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            titles,
            BTreeSet::from(["Alpha course".to_owned(), "Beta course".to_owned()]),
            "{stdout}"
        );
    }
    let x = book.join("x/index.md");
    let y = book.join("y/index.md");
    let (status, _, stderr) = app.lore(&["import", x.to_str().unwrap(), y.to_str().unwrap()]);
    assert_ne!(
        status, 0,
        "two sources named index.md in one run are refused"
    );
    assert!(
        stderr.contains("index.md") && stderr.contains("another file of this import"),
        "{stderr}"
    );
    assert_eq!(all(app, "resources").await.len(), 2, "nothing was removed");
}
