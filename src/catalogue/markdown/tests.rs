//! Tests of the page reader: the seed page record by record, the edge cases of
//! `cases/README.md`, two real catalogues, and random input.

use super::*;
use crate::catalogue::Outcome;
use proptest::prelude::*;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

const SEED: &[u8] = include_bytes!("../../../seed/deep-learning-basics.md");
const EXTRA_CELLS: &[u8] = include_bytes!("../../../tests/fixtures/cases/extra-cells.md");
const MISSING_PIPES: &[u8] = include_bytes!("../../../tests/fixtures/cases/missing-pipes.md");
const BOM: &[u8] = include_bytes!("../../../tests/fixtures/cases/bom-first-heading.md");
const REPEATED: &[u8] = include_bytes!("../../../tests/fixtures/cases/repeated-headings.md");
const ML_COURSES: &[u8] =
    include_bytes!("../../../tests/fixtures/catalogues/ml-youtube-courses.md");
const AWESOME: &[u8] =
    include_bytes!("../../../tests/fixtures/catalogues/awesome-deep-learning-papers.md");

fn resource<'c>(c: &'c Catalogue, title: &str) -> (usize, &'c ResourceDraft) {
    c.resources
        .iter()
        .enumerate()
        .find(|(_, r)| r.data.title == title)
        .unwrap_or_else(|| panic!("no resource {title:?}"))
}

fn concept<'c>(c: &'c Catalogue, name: &str) -> (usize, &'c ConceptDraft) {
    c.concepts
        .iter()
        .enumerate()
        .find(|(_, k)| k.data.name == name)
        .unwrap_or_else(|| panic!("no concept {name:?}"))
}

fn has_link(c: &Catalogue, source: DraftRef, relation: Relation, target: DraftRef) -> bool {
    c.links
        .iter()
        .any(|l| l.source == source && l.relation == relation && l.target == target)
}

fn lines_of(c: &Catalogue, item: ItemKind) -> Vec<&ReportLine> {
    c.report
        .iter()
        .filter(|l| l.item == item && l.outcome != Outcome::Warning)
        .collect()
}

/// Counts the page's rows, list items and links with pulldown-cmark directly, apart from
/// the importer: links are link and image events plus URLs (linkify) in text outside links,
/// in code blocks, their info strings and code spans; raw HTML yields no links, but the
/// rest of the line after a comment that starts an HTML block is read as Markdown again.
fn source_items(bytes: &[u8]) -> (usize, usize, Vec<String>) {
    source_items_in(&crate::catalogue::text::decode(bytes).text)
}

fn source_items_in(text: &str) -> (usize, usize, Vec<String>) {
    // Front matter is YAML, not Markdown: only its URLs are accounted for.
    let (text, front_urls) = match front_matter::find(text) {
        Some(front) => (
            front_matter::blank(text, front.end),
            front_matter::urls(&front)
                .into_iter()
                .map(|(_, url)| url)
                .collect(),
        ),
        None => (text.to_owned(), Vec::new()),
    };
    let text = text.as_str();
    let mut rows = 0;
    let mut items = 0;
    let mut urls: Vec<String> = front_urls;
    let mut in_head = false;
    let mut depth_link = 0;
    let mut in_code = false;
    let mut html: Option<String> = None;
    let mut run = String::new();
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let found =
        |text: &str| -> Vec<String> { finder.links(text).map(|l| l.as_str().to_owned()).collect() };
    for event in Parser::new_ext(text, blocks::options()) {
        match &event {
            Event::Text(t) if in_code => {
                urls.extend(found(t));
                continue;
            }
            Event::Text(t) if depth_link == 0 => {
                run.push_str(t);
                continue;
            }
            _ => {}
        }
        urls.extend(found(&run));
        run.clear();
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) if !in_head => rows += 1,
            Event::Start(Tag::Item) => items += 1,
            Event::Start(Tag::Link { dest_url, .. }) => {
                urls.push(dest_url.to_string());
                depth_link += 1;
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                urls.push(dest_url.to_string());
                depth_link += 1;
            }
            Event::End(TagEnd::Link | TagEnd::Image) => depth_link -= 1,
            Event::Code(code) if depth_link == 0 => urls.extend(found(&code)),
            Event::Start(Tag::CodeBlock(kind)) => {
                if let pulldown_cmark::CodeBlockKind::Fenced(info) = kind {
                    urls.extend(found(&info));
                }
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::HtmlBlock) => html = Some(String::new()),
            Event::Html(h) => html.get_or_insert_default().push_str(&h),
            Event::End(TagEnd::HtmlBlock) => {
                let block = html.take().unwrap_or_default();
                if let Some(rest) = block.trim_start().strip_prefix("<!--")
                    && let Some(close) = rest.find("-->")
                {
                    let line = rest[close + 3..].lines().next().unwrap_or("");
                    let mut markdown = String::new();
                    let mut rest = line;
                    while let Some(open) = rest.find("<!--") {
                        markdown.push_str(&rest[..open]);
                        rest = rest[open..]
                            .find("-->")
                            .map_or("", |i| &rest[open + i + 3..]);
                    }
                    markdown.push_str(rest);
                    let (r, i, u) = source_items_in(markdown.trim_start());
                    rows += r;
                    items += i;
                    urls.extend(u);
                }
            }
            _ => {}
        }
    }
    urls.extend(found(&run));
    (rows, items, urls)
}

/// Every row, list item and link has exactly one report line, and every resource draft
/// is named by a line.
fn assert_accounts_for_everything(bytes: &[u8], c: &Catalogue) {
    let (rows, items, mut urls) = source_items(bytes);
    assert_eq!(lines_of(c, ItemKind::Row).len(), rows, "rows");
    assert_eq!(lines_of(c, ItemKind::ListItem).len(), items, "list items");
    let mut reported: Vec<String> = lines_of(c, ItemKind::Link)
        .iter()
        .map(|l| l.text.clone())
        .collect();
    urls.sort();
    reported.sort();
    assert_eq!(reported, urls, "links");
    for line in lines_of(c, ItemKind::Link) {
        match line.outcome {
            Outcome::Parsed => {
                let Some(DraftRef::Resource(i)) = line.draft else {
                    panic!("{line:?}")
                };
                assert_eq!(c.resources[i].data.url.as_deref(), Some(line.text.as_str()));
            }
            Outcome::Merged => {
                let Some(DraftRef::Resource(i)) = line.draft else {
                    panic!("{line:?}")
                };
                let data = &c.resources[i].data;
                assert!(
                    data.url.as_deref() == Some(line.text.as_str())
                        || data.attributes.values().any(|v| *v == line.text),
                    "{line:?}"
                );
            }
            Outcome::Skipped => assert!(line.reason.is_some()),
            other => panic!("link line {other:?}"),
        }
    }
    for (i, _) in c.resources.iter().enumerate() {
        assert!(
            c.report
                .iter()
                .any(|l| l.draft == Some(DraftRef::Resource(i))),
            "resource {i} has no report line"
        );
    }
    // The report is in file order.
    assert!(c.report.windows(2).all(|w| w[0].line <= w[1].line));
}

// ----- the seed page ---------------------------------------------------------------------

#[test]
fn the_seed_page_gives_its_nine_resources() {
    let c = parse("deep-learning-basics.md", SEED);
    assert_eq!(c.title.as_deref(), Some("Deep learning basics"));
    assert_eq!(c.resources.len(), 9, "{:#?}", c.resources);
    let expect = [
        (
            "UMich",
            ResourceKind::Course,
            Some(Level::Beginner),
            Some(
                "https://www.youtube.com/watch?v=QytpbYkGxKo&list=PLLhQgjrONLVFP1E7p2jWMMeM2FWUf2Qc7",
            ),
        ),
        (
            "30 Days Deep Learning",
            ResourceKind::Course,
            Some(Level::Beginner),
            Some("https://github.com/patty-13/30_Days_Deeplearning"),
        ),
        (
            "Stanford CS 330: Deep Multi-Task and Meta Learning",
            ResourceKind::Course,
            Some(Level::Intermediate),
            Some("https://cs330.stanford.edu/"),
        ),
        (
            "PyTorch docs",
            ResourceKind::Tutorial,
            Some(Level::Beginner),
            Some("https://pytorch.org/tutorials/beginner/data_loading_tutorial.html"),
        ),
        (
            "PyTorch notebooks 'Deep Learning 1 (PyTorch)'",
            ResourceKind::Notebook,
            Some(Level::Multiple),
            Some(
                "https://uvadlc-notebooks.readthedocs.io/en/latest/tutorial_notebooks/tutorial2/Introduction_to_PyTorch.html",
            ),
        ),
        (
            "A Survey of Deep Learning-based Object Detection",
            ResourceKind::Survey,
            Some(Level::Intermediate),
            None,
        ),
        (
            "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
            ResourceKind::Paper,
            Some(Level::Intermediate),
            None,
        ),
        (
            "The unreasonable effectiveness of deep learning",
            ResourceKind::Post,
            None,
            Some(
                "https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning",
            ),
        ),
        (
            "arXiv:2212.13881",
            ResourceKind::Paper,
            None,
            Some("https://arxiv.org/pdf/2212.13881.pdf"),
        ),
    ];
    for (title, kind, level, url) in expect {
        let (_, r) = resource(&c, title);
        assert_eq!(r.data.kind, Some(kind), "{title}");
        assert_eq!(r.data.level, level, "{title}");
        assert_eq!(r.data.url.as_deref(), url, "{title}");
    }
    let (_, pdf) = resource(&c, "arXiv:2212.13881");
    assert_eq!(pdf.data.arxiv_id.as_deref(), Some("2212.13881"));
    assert!(pdf.title_guessed && pdf.kind_guessed);
    let (_, post) = resource(&c, "The unreasonable effectiveness of deep learning");
    assert!(post.title_guessed);
    let (_, umich) = resource(&c, "UMich");
    assert!(!umich.title_guessed && !umich.kind_guessed);
    let provenance = umich.data.provenance.as_ref().unwrap();
    assert_eq!(provenance.file, "deep-learning-basics.md");
    assert_eq!(provenance.heading_path, ["Deep learning basics", "Courses"]);
    assert_eq!(provenance.line, 9);
}

#[test]
fn the_seed_page_gives_its_concepts_with_categories_notes_and_definitions() {
    let c = parse("deep-learning-basics.md", SEED);
    let expect = [
        ("F1 Score", Category::Metric, false),
        ("Accuracy", Category::Metric, false),
        ("ROC AUC", Category::Metric, false),
        ("Prec-Recall curve", Category::Metric, false),
        ("Spearman’s rank correlation", Category::Metric, false),
        ("Pooling", Category::LayerType, false),
        ("Early Stopping", Category::Regularisation, false),
        ("Grokking", Category::Regularisation, false),
        ("Inductive bias", Category::Bias, false),
        ("Faster R-CNN", Category::Model, false),
        ("deep learning intro", Category::Topic, true),
        ("meta learning", Category::Topic, true),
        ("load data and train a model", Category::Topic, true),
        (
            "Model types - ready to train, with explanations",
            Category::Topic,
            true,
        ),
        ("object detection", Category::Task, true),
    ];
    assert_eq!(c.concepts.len(), expect.len(), "{:#?}", c.concepts);
    for (name, category, guessed) in expect {
        let (_, k) = concept(&c, name);
        assert_eq!(k.data.category, Some(category), "{name}");
        assert_eq!(k.category_guessed, guessed, "{name}");
    }
    let (_, spearman) = concept(&c, "Spearman’s rank correlation");
    assert_eq!(
        spearman.data.note.as_deref(),
        Some("not commonly used for deep learning")
    );
    assert_eq!(
        concept(&c, "Pooling").1.data.definition.as_deref(),
        Some(
            "Pooling is a poor way to do dynamic routing. - https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning"
        )
    );
    assert_eq!(
        concept(&c, "Early Stopping").1.data.definition.as_deref(),
        Some(
            "Is used to stop the training if there is no improvement after a given number of events. \nCan be done actively: break training loop based on if condition: tracking of no improvement of last epochs or momentum.\nCan be done passibely: save models based on best accuracy/loss"
        )
    );
    assert_eq!(
        concept(&c, "Grokking").1.data.definition.as_deref(),
        Some(
            "Grokking refers to the phenomenon of deep networks exhibiting a dramatic increase in test accuracy when training past the point where training accuracy is 100% - https://arxiv.org/pdf/2212.13881.pdf"
        )
    );
    assert_eq!(
        concept(&c, "Inductive bias").1.data.definition.as_deref(),
        Some(
            "Inductive bias refers to the set of assumptions that a model makes to predict outputs for inputs it has never seen."
        )
    );
    let pooling = concept(&c, "Pooling").1.data.provenance.clone().unwrap();
    assert_eq!(
        pooling.heading_path,
        ["Deep learning basics", "Layer types:", "Pooling"]
    );
    assert_eq!(pooling.line, 45);
    // The mojibake was repaired, and said so.
    assert!(c.report.iter().any(|l| l.line == 40
        && l.item == ItemKind::File
        && l.outcome == Outcome::Warning
        && l.text.contains("Spearmanâ€™s → Spearman’s")));
}

#[test]
fn the_seed_page_links_concepts_to_resources() {
    let c = parse("deep-learning-basics.md", SEED);
    let r = |t: &str| DraftRef::Resource(resource(&c, t).0);
    let k = |n: &str| DraftRef::Concept(concept(&c, n).0);
    let paper = r("Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks");
    let survey = r("A Survey of Deep Learning-based Object Detection");
    assert!(has_link(
        &c,
        k("Faster R-CNN"),
        Relation::IntroducedIn,
        paper
    ));
    assert!(has_link(
        &c,
        k("object detection"),
        Relation::ExplainedBy,
        survey
    ));
    assert!(has_link(
        &c,
        k("object detection"),
        Relation::ExplainedBy,
        paper
    ));
    assert!(has_link(
        &c,
        k("Pooling"),
        Relation::ExplainedBy,
        r("The unreasonable effectiveness of deep learning")
    ));
    assert!(has_link(
        &c,
        k("Grokking"),
        Relation::ExplainedBy,
        r("arXiv:2212.13881")
    ));
    for (title, topic) in [
        ("UMich", "deep learning intro"),
        ("30 Days Deep Learning", "deep learning intro"),
        (
            "Stanford CS 330: Deep Multi-Task and Meta Learning",
            "meta learning",
        ),
        ("PyTorch docs", "load data and train a model"),
        (
            "PyTorch notebooks 'Deep Learning 1 (PyTorch)'",
            "Model types - ready to train, with explanations",
        ),
    ] {
        assert!(
            has_link(&c, k(topic), Relation::ExplainedBy, r(title)),
            "{title}"
        );
    }
    assert_eq!(c.links.len(), 10, "{:#?}", c.links);
}

#[test]
fn the_seed_page_reports_every_item() {
    let c = parse("deep-learning-basics.md", SEED);
    assert_accounts_for_everything(SEED, &c);
    let directive = c
        .report
        .iter()
        .find(|l| l.item == ItemKind::Directive)
        .unwrap();
    assert_eq!(
        (directive.line, directive.outcome, directive.text.as_str()),
        (66, Outcome::Skipped, "{bibliography}")
    );
    assert_eq!(lines_of(&c, ItemKind::Row).len(), 7);
    assert_eq!(lines_of(&c, ItemKind::ListItem).len(), 5);
    assert_eq!(lines_of(&c, ItemKind::Section).len(), 4);
    assert!(
        c.report
            .iter()
            .all(|l| l.outcome != Outcome::Skipped || l.item == ItemKind::Directive)
    );
}

#[test]
fn importing_the_same_page_twice_gives_the_same_drafts() {
    assert_eq!(parse("a.md", SEED), parse("a.md", SEED));
}

// ----- the edge cases of cases/README.md ------------------------------------------------

#[test]
fn extra_cells_are_kept_as_attributes_with_a_warning() {
    let c = parse("extra-cells.md", EXTRA_CELLS);
    assert_eq!(c.resources.len(), 2);
    let (_, tensors) = resource(&c, "Tensor Basics");
    assert_eq!(
        tensors.data.url.as_deref(),
        Some("https://example.org/tensors")
    );
    assert_eq!(tensors.data.level, Some(Level::Beginner));
    assert_eq!(tensors.data.kind, Some(ResourceKind::Course));
    assert_eq!(
        tensors.data.attributes.get("cell 4").map(String::as_str),
        Some("2021")
    );
    let (_, graphs) = resource(&c, "Graph Nets 101");
    assert_eq!(graphs.data.level, Some(Level::Intermediate));
    assert!(graphs.data.attributes.is_empty());
    let warning = c.report.iter().find(|l| l.item == ItemKind::Cell).unwrap();
    assert_eq!(
        (warning.line, warning.outcome, warning.text.as_str()),
        (5, Outcome::Warning, "2021")
    );
    assert!(
        warning
            .reason
            .as_deref()
            .unwrap()
            .contains("extra-cells.md:5")
    );
    assert_accounts_for_everything(EXTRA_CELLS, &c);
}

#[test]
fn rows_missing_a_pipe_import_with_all_four_fields() {
    let c = parse("missing-pipes.md", MISSING_PIPES);
    assert_eq!(c.resources.len(), 3);
    let expect = [
        (
            "Signals 200",
            "https://example.org/signals?list=A1&idx=2",
            "spectral methods",
            Level::Intermediate,
        ),
        (
            "Optim Lab",
            "https://example.org/optim",
            "optimisers",
            Level::Beginner,
        ),
        (
            "NumPy drills",
            "https://example.org/np",
            "arrays",
            Level::Beginner,
        ),
    ];
    for (i, (title, url, topic, level)) in expect.into_iter().enumerate() {
        let r = &c.resources[i];
        assert_eq!(r.data.title, title);
        assert_eq!(r.data.url.as_deref(), Some(url));
        assert_eq!(r.data.level, Some(level));
        assert_eq!(r.data.kind, Some(ResourceKind::Course));
        let (k, _) = concept(&c, topic);
        assert!(has_link(
            &c,
            DraftRef::Concept(k),
            Relation::ExplainedBy,
            DraftRef::Resource(i)
        ));
    }
    assert!(c.report.iter().all(|l| l.outcome != Outcome::Warning));
    assert_accounts_for_everything(MISSING_PIPES, &c);
}

#[test]
fn a_byte_order_mark_does_not_hide_the_title() {
    let c = parse("bom-first-heading.md", BOM);
    assert_eq!(c.title.as_deref(), Some("Sparse Nets Reading List"));
    assert_eq!(c.sections[0].anchor, "sparse-nets-reading-list");
    let (_, primer) = resource(&c, "Pruning primer");
    assert_eq!(
        primer.data.url.as_deref(),
        Some("https://example.org/prune")
    );
    assert_eq!(primer.data.level, Some(Level::Beginner));
    assert_eq!(
        primer.data.provenance.as_ref().unwrap().heading_path,
        ["Sparse Nets Reading List"]
    );
    let everything = format!("{c:?}");
    assert!(!everything.contains('\u{feff}'));
    assert_accounts_for_everything(BOM, &c);
}

#[test]
fn repeated_headings_get_unique_stable_anchors() {
    let c = parse("repeated-headings.md", REPEATED);
    let anchors: Vec<&str> = c.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(
        anchors,
        ["metrics-page", "metrics", "metrics--2", "metrics-1"]
    );
    let lines: Vec<u32> = c.sections.iter().map(|s| s.line).collect();
    assert_eq!(lines, [1, 3, 5, 7]);
    assert_eq!(c.sections[2].heading_path, ["Metrics page", "Metrics"]);
    assert_eq!(
        c.section_at(6).map(|s| s.anchor.as_str()),
        Some("metrics--2")
    );
    // Dropping the repeat leaves the other anchors as they were.
    let c = parse("x.md", b"# Metrics page\n\n## Metrics\n\n## Metrics 1\n");
    let anchors: Vec<&str> = c.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(anchors, ["metrics-page", "metrics", "metrics-1"]);
    // Even a heading literally written like a repeat's anchor does not collide.
    let c = parse("x.md", b"# A\n## Metrics\n## Metrics\n## Metrics--2\n");
    let anchors: Vec<&str> = c.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(anchors, ["a", "metrics", "metrics--2", "metrics-2"]);
}

// ----- real catalogues --------------------------------------------------------------------

#[test]
fn ml_youtube_courses_are_headed_sections() {
    let c = parse("ml-youtube-courses.md", ML_COURSES);
    assert_accounts_for_everything(ML_COURSES, &c);
    assert_eq!(c.title.as_deref(), Some("📺 ML YouTube Courses"));
    // Lecture lists are course contents, never concepts.
    assert!(c.concepts.is_empty(), "{:#?}", c.concepts);
    let (_, caltech) = resource(&c, "Caltech CS156: Learning from Data");
    assert_eq!(caltech.data.kind, Some(ResourceKind::Course));
    assert_eq!(
        caltech.data.url.as_deref(),
        Some("https://www.youtube.com/playlist?list=PLD63A284B7615313A")
    );
    assert_eq!(
        caltech.data.description.as_deref(),
        Some(
            "An introductory course in machine learning that covers the basic theory, algorithms, and applications."
        )
    );
    let contents = &caltech.data.attributes["contents"];
    assert_eq!(contents.lines().count(), 18);
    assert!(contents.starts_with("Lecture 1: The Learning Problem\n"));
    assert_eq!(
        caltech.data.provenance.as_ref().unwrap().heading_path,
        ["📺 ML YouTube Courses", "Caltech CS156: Learning from Data"]
    );
    let (_, cs230) = resource(&c, "Stanford CS230: Deep Learning (2018)");
    assert_eq!(
        cs230.data.attributes.get("materials").map(String::as_str),
        Some("https://cs230.stanford.edu/syllabus/")
    );
    let (_, tubingen) = resource(&c, "Statistical Machine Learning (Tübingen)");
    assert_eq!(tubingen.data.kind, Some(ResourceKind::Course));
    let courses = c
        .report
        .iter()
        .filter(|l| l.item == ItemKind::Section)
        .count();
    assert_eq!(courses, 59);
    // The table of contents points inside the page.
    let anchors = c
        .report
        .iter()
        .filter(|l| l.reason.as_deref() == Some("in-page anchor"))
        .count();
    assert_eq!(anchors, 58);
    // Two sections share a URL: the second merges into the first.
    let merged = c
        .report
        .iter()
        .find(|l| l.item == ItemKind::Section && l.outcome == Outcome::Merged)
        .unwrap();
    assert_eq!(merged.text, "Building Systems with the ChatGPT API");
    // The footer after `---` is not part of the last course.
    let (_, notes) = resource(&c, "ML Course Notes");
    assert!(notes.title_guessed);
    assert!(
        !resource(&c, "Advanced Robotics: UC Berkeley")
            .1
            .data
            .attributes
            .values()
            .any(|v| v.contains("twitter"))
    );
}

#[test]
fn awesome_papers_have_years_and_authors() {
    let c = parse("awesome-deep-learning-papers.md", AWESOME);
    assert_accounts_for_everything(AWESOME, &c);
    let (_, distilling) = resource(&c, "Distilling the knowledge in a neural network");
    assert_eq!(distilling.data.year, Some(2015));
    assert_eq!(distilling.data.kind, Some(ResourceKind::Paper));
    assert_eq!(
        distilling.data.url.as_deref(),
        Some("http://arxiv.org/pdf/1503.02531")
    );
    assert_eq!(distilling.data.arxiv_id.as_deref(), Some("1503.02531"));
    assert_eq!(distilling.data.authors[0].family.as_deref(), Some("Hinton"));
    assert!(distilling.data.authors_truncated);
    let (_, wavenet) = resource(&c, "WaveNet: A Generative Model for Raw Audio");
    assert_eq!(
        wavenet.data.attributes.get("web").map(String::as_str),
        Some("https://deepmind.com/blog/wavenet-generative-model-raw-audio/")
    );
    let (_, book) = resource(&c, "Neural Network and Deep Learning");
    assert_eq!(book.data.kind, Some(ResourceKind::Book));
    assert_eq!(book.data.authors[0].family.as_deref(), Some("Nielsen"));
    // Every bold paper item has authors, and all but one a year.
    let bold: Vec<&ResourceDraft> = c
        .resources
        .iter()
        .filter(|r| {
            let line = r.data.provenance.as_ref().unwrap().line as usize;
            let text = std::str::from_utf8(AWESOME).unwrap();
            text.lines().nth(line - 1).unwrap().starts_with("- **")
        })
        .collect();
    assert_eq!(bold.len(), 100);
    assert!(bold.iter().all(|r| !r.data.authors.is_empty()), "authors");
    assert_eq!(bold.iter().filter(|r| r.data.year.is_none()).count(), 1);
    assert!(
        bold.iter()
            .all(|r| r.data.kind == Some(ResourceKind::Paper))
    );
    // What HTML comments hide is not imported.
    assert!(c.resources.iter().all(|r| {
        !r.data
            .url
            .as_deref()
            .unwrap_or("")
            .contains("scholar.google")
    }));
    assert_eq!(lines_of(&c, ItemKind::Comment).len(), 10);
    // Blog labels give their lists a kind.
    assert_eq!(
        resource(&c, "Distill").1.data.kind,
        Some(ResourceKind::Post)
    );
    assert!(c.concepts.is_empty());
}

// ----- rules on small pages ---------------------------------------------------------------

#[test]
fn cite_roles_attach_to_the_concept_of_their_section() {
    let page = "# P\n\n## Regularisation\n\n### Dropout\nDrops units {cite}`srivastava2014dropout`.\nSee {cite:p}`a, b`.\n\n## Other\nText {cite:t}`c`.\n";
    let c = parse("p.md", page.as_bytes());
    let (_, dropout) = concept(&c, "Dropout");
    assert_eq!(
        dropout.data.citation_keys,
        ["srivastava2014dropout", "a", "b"]
    );
    let cites = lines_of(&c, ItemKind::Citation);
    assert_eq!(cites.len(), 3);
    assert_eq!(cites[0].outcome, Outcome::Parsed);
    assert_eq!(cites[2].outcome, Outcome::Skipped);
    assert_eq!(cites[2].line, 10);
}

#[test]
fn comments_and_directives_are_not_content() {
    let page = "# P\n\n## Courses\n\n<!--\n- [Hidden](https://hidden.example/a)\n-->\n\n- [Shown](https://shown.example/b) <!-- [x](https://x.example) -->\n\n```{figure} img.png\n```\n";
    let c = parse("p.md", page.as_bytes());
    assert_eq!(c.resources.len(), 1);
    assert_eq!(c.resources[0].data.title, "Shown");
    assert_eq!(c.resources[0].data.kind, Some(ResourceKind::Course));
    let comments = lines_of(&c, ItemKind::Comment);
    assert_eq!(comments.iter().map(|l| l.line).collect::<Vec<_>>(), [5, 9]);
    assert_eq!(lines_of(&c, ItemKind::Directive)[0].text, "{figure}");
    assert_accounts_for_everything(page.as_bytes(), &c);
    let c = parse(
        "p.md",
        b"Text <a href=\"https://x.example\">x</a> more.\n\n<p><img src=\"https://x.example/i.png\"></p>\n",
    );
    assert_eq!(
        lines_of(&c, ItemKind::Html)
            .iter()
            .map(|l| (l.line, l.outcome))
            .collect::<Vec<_>>(),
        [(1, Outcome::Skipped), (3, Outcome::Skipped)]
    );
}

#[test]
fn links_that_are_not_resources_are_skipped_with_a_reason() {
    let page = "# P\n\n- [Intro](#intro)\n- [Guide](docs/guide.md)\n- [Mail](mailto:me@example.org)\n- ![logo](https://example.org/logo.png)\n- <https://example.org/auto>\n";
    let c = parse("p.md", page.as_bytes());
    let reasons: Vec<&str> = lines_of(&c, ItemKind::Link)
        .iter()
        .map(|l| l.reason.as_deref().unwrap_or("parsed"))
        .collect();
    assert_eq!(
        reasons,
        [
            "in-page anchor",
            "relative link (points into the catalogue's own site)",
            "e-mail address",
            "image",
            "parsed"
        ]
    );
    assert_eq!(c.resources.len(), 1);
    assert_eq!(c.resources[0].data.title, "Auto");
    assert!(c.resources[0].title_guessed);
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn duplicates_merge_into_the_first_mention() {
    let page = "# P\n\n## Metrics\n- Object detection\n- object detection (again)\n\n## Courses\n| Course | link | level |\n|---|---|---|\n| A | https://a.example/x | beginner |\n| A again | https://a.example/x | expert |\n";
    let c = parse("p.md", page.as_bytes());
    assert_eq!(c.concepts.len(), 1);
    assert_eq!(c.concepts[0].data.name, "Object detection");
    assert_eq!(c.concepts[0].data.note.as_deref(), Some("again"));
    assert_eq!(c.resources.len(), 1);
    let items = lines_of(&c, ItemKind::ListItem);
    assert_eq!(
        items.iter().map(|l| l.outcome).collect::<Vec<_>>(),
        [Outcome::Parsed, Outcome::Merged]
    );
    let rows = lines_of(&c, ItemKind::Row);
    assert_eq!(rows[1].outcome, Outcome::Merged);
    assert_eq!(rows[1].reason.as_deref(), Some("same record as line 10"));
    // The unknown level of the merged row is reported and kept.
    let warning = c
        .report
        .iter()
        .find(|l| l.outcome == Outcome::Warning)
        .unwrap();
    assert_eq!((warning.line, warning.text.as_str()), (11, "expert"));
    assert_eq!(c.resources[0].data.level, Some(Level::Beginner));
    assert_eq!(
        c.resources[0]
            .data
            .attributes
            .get("level")
            .map(String::as_str),
        Some("expert")
    );
}

#[test]
fn unknown_columns_are_attributes_and_kinds_come_from_columns() {
    let page = "| Title | URL | Type | Stars | authors | year |\n|---|---|---|---|---|---|\n| X | https://x.example/paper | paper | 5 | A. Smith and B. Jones | 2020 |\n| Y | https://github.com/y/y | gizmo | | | |\n";
    let c = parse("p.md", page.as_bytes());
    let (_, x) = resource(&c, "X");
    assert_eq!(x.data.kind, Some(ResourceKind::Paper));
    assert!(!x.kind_guessed);
    assert_eq!(
        x.data.attributes.get("Stars").map(String::as_str),
        Some("5")
    );
    assert_eq!(x.data.year, Some(2020));
    assert_eq!(x.data.authors.len(), 2);
    let (_, y) = resource(&c, "Y");
    assert_eq!(y.data.kind, Some(ResourceKind::Repository));
    assert!(y.kind_guessed);
    assert_eq!(
        y.data.attributes.get("kind").map(String::as_str),
        Some("gizmo")
    );
}

#[test]
fn arxiv_and_doi_links_carry_their_identifiers() {
    let page = "# P\n\n- [Faster R-CNN](https://arxiv.org/abs/1506.01497v3)\n- [Survey](https://doi.org/10.1109/ACCESS.2019.2939201)\n";
    let c = parse("p.md", page.as_bytes());
    assert_eq!(c.resources[0].data.arxiv_id.as_deref(), Some("1506.01497"));
    assert_eq!(
        c.resources[1].data.doi.as_deref(),
        Some("10.1109/ACCESS.2019.2939201")
    );
    assert_eq!(c.resources[1].data.kind, Some(ResourceKind::Paper));
}

#[test]
fn a_line_of_generic_links_makes_the_heading_a_resource() {
    let page = "# P\n\n## Deep Dive Course\n\nCovers everything.\n\n- Week 1\n- [Week 2 notes](https://w.example/2)\n\n🔗 [Link to Course](https://c.example/) 🔗 [Slides](https://c.example/slides)\n\n## Tools\n\n[PyTorch](https://pytorch.org/)\n\n[JAX](https://jax.example/)\n";
    let c = parse("p.md", page.as_bytes());
    let (course, r) = resource(&c, "Deep Dive Course");
    assert_eq!(r.data.url.as_deref(), Some("https://c.example/"));
    assert_eq!(r.data.kind, Some(ResourceKind::Course));
    assert!(!r.kind_guessed);
    assert_eq!(r.data.description.as_deref(), Some("Covers everything."));
    assert_eq!(r.data.attributes["contents"], "Week 1");
    assert_eq!(r.data.attributes["slides"], "https://c.example/slides");
    let (week2, _) = resource(&c, "Week 2 notes");
    assert!(has_link(
        &c,
        DraftRef::Resource(week2),
        Relation::PartOf,
        DraftRef::Resource(course)
    ));
    // Links that name their own resources do not make the heading one.
    resource(&c, "PyTorch");
    resource(&c, "JAX");
    assert!(c.resources.iter().all(|r| r.data.title != "Tools"));
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn nested_concept_headings_are_narrower_concepts() {
    let page = "## Layers\n\n### Pooling\nReduces size.\n\n#### Max pooling\nTakes the maximum.\n";
    let c = parse("p.md", page.as_bytes());
    let (pooling, _) = concept(&c, "Pooling");
    let (max, max_pooling) = concept(&c, "Max pooling");
    assert_eq!(max_pooling.data.category, Some(Category::LayerType));
    assert!(has_link(
        &c,
        DraftRef::Concept(max),
        Relation::Broader,
        DraftRef::Concept(pooling)
    ));
}

#[test]
fn invalid_utf8_pages_still_import_with_a_warning() {
    let c = parse("p.md", b"# Caf\xe9 list\n\n- [A](https://a.example)\n");
    assert_eq!(c.title.as_deref(), Some("Café list"));
    assert_eq!(c.report[0].item, ItemKind::File);
    assert_eq!(c.resources.len(), 1);
}

fn reported(c: &Catalogue, item: ItemKind) -> Vec<(u32, Outcome, &str, &str)> {
    c.report
        .iter()
        .filter(|l| l.item == item)
        .map(|l| {
            (
                l.line,
                l.outcome,
                l.text.as_str(),
                l.reason.as_deref().unwrap_or(""),
            )
        })
        .collect()
}

#[test]
fn a_link_after_a_comment_on_its_line_is_imported() {
    let page = "# P\n\n<!-- note --> [After](https://h.example/3)\n\n<!-- a\nb --> <!-- c --> [Later](https://h.example/4) <!-- d\n";
    let c = parse("p.md", page.as_bytes());
    let (_, after) = resource(&c, "After");
    assert_eq!(after.data.url.as_deref(), Some("https://h.example/3"));
    assert_eq!(after.data.provenance.as_ref().unwrap().line, 3);
    resource(&c, "Later");
    assert_eq!(
        lines_of(&c, ItemKind::Link)
            .iter()
            .map(|l| (l.line, l.outcome))
            .collect::<Vec<_>>(),
        [(3, Outcome::Parsed), (6, Outcome::Parsed)]
    );
    assert_eq!(
        lines_of(&c, ItemKind::Comment)
            .iter()
            .map(|l| l.line)
            .collect::<Vec<_>>(),
        [3, 5, 6, 6]
    );
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn urls_inside_raw_html_are_reported() {
    let page = "# P\n\n<div>\n- [x](https://d.example/1)\n- https://d.example/2 <!-- https://hidden.example -->\n<a href='docs/x.html'>x</a>\n</div>\n";
    let c = parse("p.md", page.as_bytes());
    assert!(c.resources.is_empty());
    let reason = "inside raw HTML, not read as Markdown; write the link in Markdown to import it";
    assert_eq!(
        reported(&c, ItemKind::Html),
        [
            (4, Outcome::Skipped, "https://d.example/1", reason),
            (5, Outcome::Skipped, "https://d.example/2", reason),
            (6, Outcome::Skipped, "docs/x.html", reason),
        ]
    );
    assert_eq!(lines_of(&c, ItemKind::Comment).len(), 1);
}

#[test]
fn rows_without_a_separator_row_are_warned_about() {
    let page = "# P\n\n## Courses\n\n| Course | level |\n| [A](https://a.example/) | beginner |\n\nPlain text | with a pipe.\nAnd more.\n";
    let c = parse("p.md", page.as_bytes());
    let warnings = reported(&c, ItemKind::Row);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let (line, outcome, text, reason) = warnings[0];
    assert_eq!(
        (line, outcome, text),
        (5, Outcome::Warning, "| Course | level |")
    );
    assert!(reason.starts_with("p.md:5: looks like a table but has no header separator row"));
    // Its link is still a resource.
    resource(&c, "A");
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn urls_in_code_and_directives_are_reported() {
    let page = "# P\n\n```bash\ncurl https://c.example/1\n```\n\n```{note}\nSee https://n.example/2\n```\n\n```{figure} https://f.example/3.png\n```\n\nRun `pip install https://i.example/4` first.\n\n    indented https://c.example/5\n";
    let c = parse("p.md", page.as_bytes());
    assert!(c.resources.is_empty(), "{:?}", c.resources);
    assert_eq!(
        reported(&c, ItemKind::Link),
        [
            (
                4,
                Outcome::Skipped,
                "https://c.example/1",
                "inside a code block: not content"
            ),
            (
                8,
                Outcome::Skipped,
                "https://n.example/2",
                "inside a MyST directive: not content"
            ),
            (
                11,
                Outcome::Skipped,
                "https://f.example/3.png",
                "inside a MyST directive: not content"
            ),
            (
                14,
                Outcome::Skipped,
                "https://i.example/4",
                "inside inline code: not content"
            ),
            (
                16,
                Outcome::Skipped,
                "https://c.example/5",
                "inside a code block: not content"
            ),
        ]
    );
    assert_accounts_for_everything(page.as_bytes(), &c);
}

#[test]
fn control_characters_are_removed_before_parsing() {
    let page = b"# P\n\n- [Ti\0tle](https://a.example/x\0y)\n- [B\x07](https://b.example)\n";
    let c = parse("p.md", page);
    let (_, a) = resource(&c, "Title");
    assert_eq!(a.data.url.as_deref(), Some("https://a.example/xy"));
    resource(&c, "B");
    let files: Vec<u32> = c
        .report
        .iter()
        .filter(|l| l.item == ItemKind::File && l.outcome == Outcome::Warning)
        .map(|l| l.line)
        .collect();
    assert_eq!(files, [3, 4]);
}

#[test]
fn old_mac_line_ends_give_the_right_lines() {
    let page =
        b"# P\r\r- [A](https://a.example)\r- [B](https://b.example)\r\r## Metrics\r- Accuracy\r";
    let c = parse("p.md", page);
    assert_eq!(
        lines_of(&c, ItemKind::ListItem)
            .iter()
            .map(|l| l.line)
            .collect::<Vec<_>>(),
        [3, 4, 7]
    );
    assert_eq!(
        c.sections.iter().map(|s| s.line).collect::<Vec<_>>(),
        [1, 6]
    );
}

#[test]
fn utf16_pages_without_a_byte_order_mark_import() {
    let text = "# Seite\n\n- [Straße](https://s.example)\n";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let c = parse("p.md", &bytes);
    assert_eq!(c.title.as_deref(), Some("Seite"));
    resource(&c, "Straße");
    assert_eq!(c.report[0].item, ItemKind::File);
    assert_eq!(c.report[0].outcome, Outcome::Warning);
    // A declared charset is honoured, with nothing to warn about.
    let c = crate::catalogue::parse_file_with_charset("p.md", &bytes, Some("UTF-16LE")).unwrap();
    resource(&c, "Straße");
    assert!(c.report.iter().all(|l| l.item != ItemKind::File));
    let bib: Vec<u8> = "@misc{k, title = {Grüße}}\n"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let c = crate::catalogue::parse_file_with_charset("r.bib", &bib, Some("utf-16be")).unwrap();
    assert_eq!(c.resources[0].data.title, "Grüße");
}

#[test]
fn page_fields_over_the_api_limits_are_cut() {
    let page = format!(
        "# P\n\n- [{}](https://a.example)\n\n## Regularisation\n\n### Dropout\n{}\n",
        "T".repeat(501),
        "d".repeat(20_001)
    );
    let c = parse("p.md", page.as_bytes());
    assert_eq!(c.resources[0].data.title.chars().count(), 500);
    let (_, dropout) = concept(&c, "Dropout");
    assert_eq!(
        dropout.data.definition.as_ref().unwrap().chars().count(),
        20_000
    );
    let warnings: Vec<(u32, ItemKind)> = c
        .report
        .iter()
        .filter(|l| l.outcome == Outcome::Warning)
        .map(|l| (l.line, l.item))
        .collect();
    assert_eq!(warnings, [(3, ItemKind::ListItem), (7, ItemKind::Section)]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let c = parse("r.md", &bytes);
        prop_assert!(c.report.windows(2).all(|w| w[0].line <= w[1].line));
    }

    #[test]
    fn markdownish_text_never_panics_and_is_accounted_for(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("# ".to_owned()), Just("## Metrics\n".to_owned()), Just("### X\n".to_owned()),
                Just("## Courses\n".to_owned()), Just("| a | link | level |\n|---|---|---|\n".to_owned()),
                Just("| ".to_owned()), Just(" |".to_owned()), Just("- ".to_owned()), Just("* ".to_owned()),
                Just("\n".to_owned()), Just("[t](https://e.org/p)".to_owned()), Just("https://e.org/q ".to_owned()),
                Just("<!-- ".to_owned()), Just(" -->".to_owned()), Just("```{note}\n".to_owned()), Just("```\n".to_owned()),
                Just("{cite}`k`".to_owned()), Just("**b**".to_owned()), Just("(2015), A. B et al.".to_owned()),
                Just("![i](https://e.org/i.png)".to_owned()), Just("---\n".to_owned()), Just("🔗 ".to_owned()),
                Just("\u{feff}".to_owned()), Just("â€™".to_owned()), Just("\\".to_owned()), Just("beginner".to_owned()),
                "[a-zA-Z0-9 ()\\[\\]:,.|#*_-]{0,12}",
            ],
            0..40,
        )
    ) {
        let page: String = parts.concat();
        let c = parse("r.md", page.as_bytes());
        let (rows, items, urls) = source_items(page.as_bytes());
        prop_assert_eq!(lines_of(&c, ItemKind::Row).len(), rows);
        prop_assert_eq!(lines_of(&c, ItemKind::ListItem).len(), items);
        prop_assert_eq!(lines_of(&c, ItemKind::Link).len(), urls.len());
    }
}

mod patterns;

#[test]
fn a_heading_that_gives_nothing_is_listed_and_one_that_gives_a_record_is_not() {
    let page = "# Notes\n\n## Odds and ends\n\nSome prose.\n\n### Loose thoughts\n\n\
                ## Courses\n\n- [A course](https://a.example/x)\n\n## Reading room\n\n\
                ### Shelf\n\n- [A book](https://b.example/y)\n\n## Introduction\n\nProse.\n";
    let c = parse("notes.md", page.as_bytes());
    let listed: Vec<(u32, &str)> = c
        .report
        .iter()
        .filter(|l| l.item == ItemKind::Section && l.outcome == Outcome::Skipped)
        .map(|l| (l.line, l.text.as_str()))
        .collect();
    // `Courses` names a kind, `Reading room` holds a record in its sub-heading, and
    // `Introduction` is part of a page's usual structure.
    assert_eq!(listed, [(3, "Odds and ends"), (7, "Loose thoughts")]);
    assert!(
        c.report
            .iter()
            .filter(|l| l.item == ItemKind::Section)
            .all(|l| l
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("names no category"))),
        "{:?}",
        c.report
    );
}

#[test]
fn front_matter_is_not_content_and_its_lore_mappings_correct_the_reading() {
    let page = "---\njupytext:\n  formats: md:myst\nlore:\n  headings:\n    Evaluation and Plots: metric\n---\n\n\
                # Notes\n\n## Evaluation and Plots\n\n- Recall\n- Precision\n";
    let c = parse("notes.md", page.as_bytes());
    assert_eq!(c.title.as_deref(), Some("Notes"));
    let names: Vec<_> = c
        .concepts
        .iter()
        .map(|k| (k.data.name.as_str(), k.data.category))
        .collect();
    assert_eq!(
        names,
        [
            ("Recall", Some(Category::Metric)),
            ("Precision", Some(Category::Metric))
        ]
    );
    assert!(
        c.report.iter().all(|l| l.outcome != Outcome::Skipped),
        "{:?}",
        c.report
    );
    assert_eq!(c.sections[0].line, 9, "lines stay the page's");

    let typo = "---\nlore:\n  headings:\n    Evaluation and Plots: metrix\n---\n# Notes\n";
    let c = parse("notes.md", typo.as_bytes());
    let warning = c
        .report
        .iter()
        .find(|l| l.item == ItemKind::File && l.outcome == Outcome::Warning)
        .expect("a warning about the front matter");
    assert_eq!(warning.line, 1);
    assert!(
        warning.reason.as_deref().unwrap().contains("metrix"),
        "{warning:?}"
    );
}
