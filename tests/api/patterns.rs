//! Pages written the way other authors write them (`tests/fixtures/import-patterns/`,
//! copies of `cases/import-patterns/`): each import gives what a person reads on the page.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cases;
use crate::helpers::{TestApp, items};
use crate::identity::{import_pattern, resources};

cases![
    unseeded: link_only_cells_keep_their_text_and_url,
    unseeded: a_ragged_wide_table_gives_two_papers_with_every_field,
    unseeded: a_title_cell_with_bullets_gives_title_and_description,
    unseeded: a_model_without_a_paper_is_a_concept_and_no_error,
    unseeded: numbered_paper_paragraphs_give_titles_authors_years_and_ratings,
    unseeded: pdf_link_titles_give_reference_titles_and_a_warning,
    unseeded: glossary_bullets_give_a_term_linked_to_named_resources,
    unseeded: emoji_shortcodes_never_reach_titles_or_heading_paths,
    unseeded: in_page_toc_links_are_skipped_with_a_reason,
];

fn by_title<'a>(all: &'a [Value], title: &str) -> &'a Value {
    all.iter()
        .find(|r| r["title"] == title)
        .unwrap_or_else(|| panic!("no resource {title:?} in {all:?}"))
}

fn titles(all: &[Value]) -> BTreeSet<String> {
    all.iter()
        .map(|r| r["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn concepts(app: &TestApp) -> Vec<Value> {
    let body = app.get_json("/concepts?limit=500", 200).await;
    items(&body).clone()
}

async fn concept(app: &TestApp, name: &str) -> Value {
    let all = concepts(app).await;
    let found = all
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no concept {name:?} in {all:?}"));
    let slug = found["slug"].as_str().unwrap();
    app.get_json(&format!("/concepts/{slug}"), 200).await
}

/// The report lines of `item` kind, as (line, outcome, reason).
fn lines(report: &Value, item: &str) -> Vec<(u64, String, String)> {
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["item"] == item)
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["outcome"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn link_only_cells_keep_their_text_and_url(app: &TestApp) {
    import_pattern(app, "link-only-cells.md");
    let all = resources(app).await;
    assert_eq!(
        titles(&all),
        BTreeSet::from(["Foo: a tiny model".to_owned()])
    );
    let paper = by_title(&all, "Foo: a tiny model");
    assert_eq!(paper["url"], "https://example.org/foo-paper");
    let attributes = &paper["attributes"];
    assert_eq!(attributes["Checkpoints"], "foo-7b", "{paper}");
    assert_eq!(attributes["Checkpoints URL"], "https://example.org/foo-7b");
    assert_eq!(attributes["Context Length"], "4096");
    assert_eq!(
        attributes["Context Length URL"],
        "https://example.org/foo-config"
    );
    let model = concept(app, "Foo-7B").await;
    assert_eq!(model["category"], "model");
    assert!(
        model["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "introduced_in" && l["title"] == "Foo: a tiny model"),
        "{model}"
    );
}

async fn a_ragged_wide_table_gives_two_papers_with_every_field(app: &TestApp) {
    let report = import_pattern(app, "ragged-wide-table.md");
    assert_eq!(report["summary"]["resources"]["created"], 2, "{report}");
    let all = resources(app).await;
    let foo_blog = by_title(&all, "Foo blog");
    assert_eq!(foo_blog["url"], "https://example.org/foo-blog");
    assert_eq!(
        (&foo_blog["year"], &foo_blog["month"]),
        (&Value::from(2023), &Value::from(3))
    );
    let attributes = &foo_blog["attributes"];
    for (key, value) in [
        ("Release Date", "2023/03"),
        ("Checkpoints", "foo-6b"),
        ("Checkpoints URL", "https://example.org/foo-6b"),
        ("Params (B)", "6"),
        ("Context Length", "2048"),
        ("Context Length URL", "https://example.org/foo-cfg"),
        ("Licence", "Apache 2.0"),
    ] {
        assert_eq!(attributes[key], value, "{key} in {foo_blog}");
    }
    let bar_blog = by_title(&all, "Bar blog");
    assert_eq!(bar_blog["attributes"]["Licence"], "MIT", "{bar_blog}");
    for name in ["Foo", "Bar"] {
        assert_eq!(concept(app, name).await["category"], "model");
    }
    assert_eq!(lines(&report, "comment").len(), 1, "{report}");
}

async fn a_title_cell_with_bullets_gives_title_and_description(app: &TestApp) {
    import_pattern(app, "title-and-bullets-in-one-cell.md");
    let all = resources(app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let paper = by_title(&all, "Pebble Transformers");
    assert_eq!(paper["url"], "https://example.org/pebble-transformers");
    let description = paper["description"].as_str().unwrap();
    assert!(
        description.starts_with("introduces a transformer for pebbles."),
        "{description}"
    );
    assert!(!description.contains('●'), "{description}");
    assert_eq!(paper["attributes"]["tweet"], "https://example.com/status/1");
}

async fn a_model_without_a_paper_is_a_concept_and_no_error(app: &TestApp) {
    let report = import_pattern(app, "model-without-paper.md");
    assert_eq!(report["summary"]["skipped"], 0, "{report}");
    assert_eq!(report["summary"]["warnings"], 0, "{report}");
    assert!(resources(app).await.is_empty());
    let model = concept(app, "PebbleNet").await;
    assert_eq!(model["category"], "model");
    assert!(
        model["concepts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["title"] == "counting" && l["category"] == "task"),
        "{model}"
    );
}

async fn numbered_paper_paragraphs_give_titles_authors_years_and_ratings(app: &TestApp) {
    import_pattern(app, "paper-paragraphs.md");
    let all = resources(app).await;
    assert_eq!(
        titles(&all),
        BTreeSet::from([
            "Learning to count pebbles".to_owned(),
            "Sorting shells quickly".to_owned()
        ])
    );
    let pebbles = by_title(&all, "Learning to count pebbles");
    assert_eq!(pebbles["kind"], "paper");
    assert_eq!(pebbles["year"], 2016);
    assert_eq!(pebbles["authors"][0]["family"], "Example", "{pebbles}");
    assert_eq!(pebbles["authors"][1]["family"], "Sample", "{pebbles}");
    assert_eq!(pebbles["journal"], "Journal of Examples");
    assert_eq!(pebbles["url"], "https://example.org/pebbles.pdf");
    assert_eq!(pebbles["attributes"]["rating"], "5");
    assert_eq!(pebbles["attributes"]["note"], "Milestone");
    let shells = by_title(&all, "Sorting shells quickly");
    assert_eq!(shells["year"], 2018);
    assert_eq!(shells["authors"][0]["family"], "Sample");
    assert_eq!(shells["booktitle"], "Workshop on Shells");
    assert_eq!(shells["attributes"]["rating"], "3");
}

async fn pdf_link_titles_give_reference_titles_and_a_warning(app: &TestApp) {
    let report = import_pattern(app, "pdf-link-titles.md");
    let all = resources(app).await;
    let paper = by_title(&all, "Counting pebbles at scale");
    assert_eq!(paper["year"], 2015);
    assert_eq!(paper["authors"][0]["family"], "Example");
    assert_eq!(paper["authors_truncated"], true);
    assert_eq!(paper["url"], "https://example.org/pebbles.pdf");
    assert_eq!(
        paper["attributes"]["code"],
        "https://example.org/pebbles-code"
    );
    assert!(all.iter().all(|r| r["title"] != "pdf"), "{all:?}");
    assert_eq!(report["summary"]["warnings"], 1, "{report}");
}

async fn glossary_bullets_give_a_term_linked_to_named_resources(app: &TestApp) {
    import_pattern(app, "glossary-bullets.md");
    let all = resources(app).await;
    assert_eq!(
        titles(&all),
        BTreeSet::from(["Rock DB".to_owned(), "Stone DB".to_owned()])
    );
    assert_eq!(by_title(&all, "Rock DB")["url"], "https://example.org/rock");
    assert_eq!(
        by_title(&all, "Stone DB")["url"],
        "https://example.org/stone"
    );
    assert!(all.iter().all(|r| r["description"].is_null()), "{all:?}");
    let term = concept(app, "Pebble stores").await;
    assert_eq!(
        term["definition"],
        "Stores (like Rock DB, Stone DB) keep pebbles."
    );
    let linked: BTreeSet<String> = term["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(linked, titles(&all));
}

async fn emoji_shortcodes_never_reach_titles_or_heading_paths(app: &TestApp) {
    import_pattern(app, "emoji-shortcodes.md");
    let all = resources(app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let course = by_title(&all, "Pebble counting 101");
    assert_eq!(course["kind"], "course");
    let path = course["provenance"]["heading_path"].to_string();
    assert!(
        path.contains("Courses") && !path.contains(":tada:"),
        "{path}"
    );
    assert!(!path.contains(":balloon:"), "{path}");
}

async fn in_page_toc_links_are_skipped_with_a_reason(app: &TestApp) {
    let report = import_pattern(app, "in-page-toc-links.md");
    let all = resources(app).await;
    assert_eq!(
        titles(&all),
        BTreeSet::from(["Pebble counting notes".to_owned()])
    );
    let skipped: Vec<_> = lines(&report, "link")
        .into_iter()
        .filter(|(_, outcome, _)| outcome == "skipped")
        .collect();
    assert_eq!(skipped.len(), 2, "{report}");
    assert!(
        skipped
            .iter()
            .all(|(line, _, reason)| *line == 5 && reason == "link to a heading of this page"),
        "{skipped:?}"
    );
}
