//! The import patterns of `tests/fixtures/import-patterns/` (copies of
//! `cases/import-patterns/`), each read as its README says a person reads it. Every case
//! also accounts for each row, item and link in the report.

use super::*;

fn case(file: &str) -> Catalogue {
    let path = format!(
        "{}/tests/fixtures/import-patterns/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let c = parse(file, &bytes);
    assert_accounts_for_everything(&bytes, &c);
    c
}

fn titles(c: &Catalogue) -> Vec<&str> {
    c.resources.iter().map(|r| r.data.title.as_str()).collect()
}

fn attribute<'r>(r: &'r ResourceDraft, key: &str) -> Option<&'r str> {
    r.data.attributes.get(key).map(String::as_str)
}

fn family(r: &ResourceDraft) -> Vec<&str> {
    r.data
        .authors
        .iter()
        .map(|p| p.family.as_deref().unwrap_or(""))
        .collect()
}

#[test]
fn numbered_course_tables_are_titled_by_the_course_name() {
    let c = case("numbered-course-tables.md");
    assert_eq!(
        titles(&c),
        [
            "Gentle Tensors",
            "Graph Thinking",
            "Kernel Tricks",
            "Bayes at Noon"
        ]
    );
    let (_, tensors) = resource(&c, "Gentle Tensors");
    assert_eq!(
        tensors.data.url.as_deref(),
        Some("https://example.org/tensors")
    );
    assert_eq!(tensors.data.kind, Some(ResourceKind::Course));
    assert_eq!(tensors.data.year, Some(2020));
    assert_eq!(family(tensors), ["Person"]);
    assert_eq!(tensors.data.authors[0].given.as_deref(), Some("A."));
    assert_eq!(attribute(tensors, "Course WebPage"), Some("TNS-101"));
    let (_, bayes) = resource(&c, "Bayes at Noon");
    assert_eq!(
        (bayes.data.year, attribute(bayes, "Course WebPage")),
        (Some(2018), Some("BAY-400"))
    );
}

#[test]
fn link_only_cells_keep_their_text_and_their_url() {
    let c = case("link-only-cells.md");
    assert_eq!(titles(&c), ["Foo: a tiny model"]);
    let (paper, r) = resource(&c, "Foo: a tiny model");
    assert_eq!(r.data.url.as_deref(), Some("https://example.org/foo-paper"));
    assert_eq!(attribute(r, "Checkpoints"), Some("foo-7b"));
    assert_eq!(
        attribute(r, "Checkpoints URL"),
        Some("https://example.org/foo-7b")
    );
    assert_eq!(attribute(r, "Context Length"), Some("4096"));
    assert_eq!(
        attribute(r, "Context Length URL"),
        Some("https://example.org/foo-config")
    );
    // The row's name is the model the paper introduced.
    let (model, foo_7b) = concept(&c, "Foo-7B");
    assert_eq!(foo_7b.data.category, Some(Category::Model));
    assert!(has_link(
        &c,
        DraftRef::Concept(model),
        Relation::IntroducedIn,
        DraftRef::Resource(paper)
    ));
}

#[test]
fn a_ragged_wide_table_keeps_every_field() {
    let c = case("ragged-wide-table.md");
    assert_eq!(titles(&c), ["Foo blog", "Bar blog"]);
    let (_, foo_blog) = resource(&c, "Foo blog");
    assert_eq!(
        foo_blog.data.url.as_deref(),
        Some("https://example.org/foo-blog")
    );
    assert_eq!(
        (foo_blog.data.year, foo_blog.data.month),
        (Some(2023), Some(3))
    );
    // The comment is dropped from the cell, the date kept as written.
    assert_eq!(attribute(foo_blog, "Release Date"), Some("2023/03"));
    assert_eq!(attribute(foo_blog, "Checkpoints"), Some("foo-6b"));
    assert_eq!(
        attribute(foo_blog, "Checkpoints URL"),
        Some("https://example.org/foo-6b")
    );
    assert_eq!(attribute(foo_blog, "Params (B)"), Some("6"));
    assert_eq!(attribute(foo_blog, "Context Length"), Some("2048"));
    assert_eq!(
        attribute(foo_blog, "Context Length URL"),
        Some("https://example.org/foo-cfg")
    );
    // The row without a closing pipe still has its last cell.
    assert_eq!(attribute(foo_blog, "Licence"), Some("Apache 2.0"));
    let (_, bar_blog) = resource(&c, "Bar blog");
    assert_eq!(attribute(bar_blog, "Licence"), Some("MIT"));
    assert_eq!(attribute(bar_blog, "Release Date"), Some("2023/04"));
    for name in ["Foo", "Bar"] {
        assert_eq!(concept(&c, name).1.data.category, Some(Category::Model));
    }
    let comments = reported(&c, ItemKind::Comment);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        c.resources
            .iter()
            .all(|r| r.data.attributes.values().all(|v| !v.contains("<!--")))
    );
}

#[test]
fn a_title_cell_with_bullets_splits_into_title_and_description() {
    let c = case("title-and-bullets-in-one-cell.md");
    assert_eq!(titles(&c), ["Pebble Transformers"]);
    let (_, r) = resource(&c, "Pebble Transformers");
    assert_eq!(
        r.data.url.as_deref(),
        Some("https://example.org/pebble-transformers")
    );
    let description = r.data.description.as_deref().unwrap();
    assert!(description.starts_with("introduces a transformer for pebbles."));
    assert!(description.contains("It beats every baseline"));
    assert!(!description.contains('●') && !description.contains("1)"));
    assert_eq!(attribute(r, "tweet"), Some("https://example.com/status/1"));
}

#[test]
fn a_model_without_a_paper_is_a_concept_and_no_error() {
    let c = case("model-without-paper.md");
    assert!(c.resources.is_empty());
    let (model, pebblenet) = concept(&c, "PebbleNet");
    assert_eq!(pebblenet.data.category, Some(Category::Model));
    let (task, counting) = concept(&c, "counting");
    assert_eq!(counting.data.category, Some(Category::Task));
    assert!(has_link(
        &c,
        DraftRef::Concept(model),
        Relation::Related,
        DraftRef::Concept(task)
    ));
    assert_eq!(pebblenet.data.note.as_deref(), Some("level: beginner"));
    let rows = reported(&c, ItemKind::Row);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, Outcome::Parsed);
    assert!(c.report.iter().all(|l| l.outcome != Outcome::Warning));
}

#[test]
fn numbered_paper_paragraphs_give_title_authors_year_venue_and_rating() {
    let c = case("paper-paragraphs.md");
    assert_eq!(
        titles(&c),
        ["Learning to count pebbles", "Sorting shells quickly"]
    );
    let (_, pebbles) = resource(&c, "Learning to count pebbles");
    assert_eq!(family(pebbles), ["Example", "Sample"]);
    assert_eq!(pebbles.data.year, Some(2016));
    assert_eq!(pebbles.data.journal.as_deref(), Some("Journal of Examples"));
    assert_eq!(pebbles.data.volume.as_deref(), Some("3"));
    assert_eq!(
        pebbles.data.url.as_deref(),
        Some("https://example.org/pebbles.pdf")
    );
    assert_eq!(pebbles.data.kind, Some(ResourceKind::Paper));
    assert_eq!(attribute(pebbles, "rating"), Some("5"));
    assert_eq!(attribute(pebbles, "note"), Some("Milestone"));
    let (_, shells) = resource(&c, "Sorting shells quickly");
    assert_eq!(family(shells), ["Sample"]);
    assert_eq!(shells.data.year, Some(2018));
    assert_eq!(shells.data.booktitle.as_deref(), Some("Workshop on Shells"));
    assert_eq!(attribute(shells, "rating"), Some("3"));
    assert_eq!(attribute(shells, "note"), None);
}

#[test]
fn pdf_links_never_title_a_resource_pdf() {
    let c = case("pdf-link-titles.md");
    let (_, r) = resource(&c, "Counting pebbles at scale");
    assert_eq!(r.data.year, Some(2015));
    assert_eq!(family(r), ["Example"]);
    assert!(r.data.authors_truncated);
    assert_eq!(
        r.data.url.as_deref(),
        Some("https://example.org/pebbles.pdf")
    );
    assert_eq!(
        attribute(r, "code"),
        Some("https://example.org/pebbles-code")
    );
    let bare = c
        .resources
        .iter()
        .find(|r| r.data.url.as_deref() == Some("https://example.org/shells.pdf"))
        .unwrap();
    assert_eq!(bare.data.title, "Shells");
    assert!(bare.title_guessed);
    assert!(c.report.iter().any(|l| {
        l.outcome == Outcome::Warning
            && l.line == 4
            && l.reason
                .as_deref()
                .is_some_and(|r| r.contains("pdf-link-titles.md:4"))
    }));
}

#[test]
fn glossary_bullets_give_a_concept_linked_to_resources_named_by_their_links() {
    let c = case("glossary-bullets.md");
    let (rock, r) = resource(&c, "Rock DB");
    assert_eq!(r.data.url.as_deref(), Some("https://example.org/rock"));
    let (stone, s) = resource(&c, "Stone DB");
    assert_eq!(s.data.url.as_deref(), Some("https://example.org/stone"));
    let (term, stores) = concept(&c, "Pebble stores");
    assert_eq!(
        stores.data.definition.as_deref(),
        Some("Stores (like Rock DB, Stone DB) keep pebbles.")
    );
    for target in [rock, stone] {
        assert!(has_link(
            &c,
            DraftRef::Concept(term),
            Relation::ExplainedBy,
            DraftRef::Resource(target)
        ));
    }
    assert!(c.resources.iter().all(|r| {
        r.data
            .description
            .as_deref()
            .is_none_or(|d| !d.contains("(like , )"))
    }));
}

#[test]
fn emoji_shortcodes_never_reach_titles_or_heading_paths() {
    let c = case("emoji-shortcodes.md");
    assert_eq!(titles(&c), ["Pebble counting 101"]);
    let r = &c.resources[0];
    assert_eq!(r.data.kind, Some(ResourceKind::Course));
    let path = &r.data.provenance.as_ref().unwrap().heading_path;
    assert_eq!(path, &["🎉 Courses 🎈"]);
    assert!(c.sections.iter().all(|s| {
        s.heading_path
            .iter()
            .all(|h| !h.contains(":tada:") && !h.contains(":balloon:"))
    }));
}

#[test]
fn in_page_table_of_contents_links_are_skipped_with_a_reason() {
    let c = case("in-page-toc-links.md");
    assert_eq!(titles(&c), ["Pebble counting notes"]);
    let links = reported(&c, ItemKind::Link);
    let skipped: Vec<&str> = links
        .iter()
        .filter(|l| l.1 == Outcome::Skipped)
        .map(|l| l.3)
        .collect();
    assert_eq!(
        skipped,
        [
            "link to a heading of this page",
            "link to a heading of this page"
        ]
    );
    let rows = reported(&c, ItemKind::Row);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, Outcome::Skipped);
}

#[test]
fn a_colour_legend_is_no_list_of_works_and_is_reported() {
    let page = "## Courses\n\n| Colour | Meaning |\n|---|---|\n| 🟢 | beginner |\n| 🔴 | advanced |\n\n| Course | link |\n|---|---|\n| Tensors | https://example.org/t |\n";
    let c = parse("legend.md", page.as_bytes());
    assert_eq!(titles(&c), ["Tensors"]);
    let rows = reported(&c, ItemKind::Row);
    assert_eq!(
        rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [
            (3, Outcome::Warning),
            (5, Outcome::Skipped),
            (6, Outcome::Skipped),
            (10, Outcome::Parsed)
        ]
    );
    assert!(rows[0].3.contains("legend.md:3"), "{rows:?}");
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn star_ratings_give_levels_where_the_author_maps_them() {
    let page = std::fs::read_to_string(format!(
        "{}/tests/fixtures/import-patterns/paper-paragraphs.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let levels = |c: &Catalogue| -> Vec<Option<Level>> {
        c.resources.iter().map(|r| r.data.level).collect()
    };
    assert_eq!(levels(&case("paper-paragraphs.md")), [None, None]);
    let mapped = format!("---\nlore:\n  ratings:\n    5: advanced\n    3: beginner\n---\n{page}");
    let c = parse("paper-paragraphs.md", mapped.as_bytes());
    assert_eq!(levels(&c), [Some(Level::Advanced), Some(Level::Beginner)]);
}
