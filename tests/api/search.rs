//! `/search`: ranking, typos, prefixes, facets, snippets, errors, freshness, robustness.
//!
//! The `seeded` cases check search over the seed catalogue as a user would. The
//! `unseeded` ones write a catalogue shaped like the seed straight through the store
//! (records, links and change-log entries in one transaction, as the importer does), so
//! they also show that the indexer follows the change log of a running server.

use std::time::{Duration, Instant};

use lore::domain::{
    Category, ConceptData, EntityType, Level, Person, Relation, ResourceData, ResourceKind, Slug,
};
use lore::store::{ChangeOp, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cases;
use crate::helpers::{TestApp, assert_problem, field, items};

cases![
    seeded: object_detection_ranks_the_survey_the_paper_and_the_concept_first,
    seeded: a_typo_still_finds_grokking,
    seeded: regular_finds_the_regularisation_concepts,
    seeded: spearmans_finds_spearmans_rank_correlation,
    seeded: level_facets_equal_the_resource_lists,
    seeded: snippets_mark_the_matched_words,
    unseeded: a_page_imported_while_the_server_runs_is_searchable_within_a_second,
    unseeded: records_written_to_the_store_are_searchable_within_a_second,
    unseeded: ranking_typos_prefixes_and_possessives_over_records_from_the_store,
    unseeded: facets_count_all_matches_and_equal_the_filtered_totals,
    unseeded: phrases_exclusions_and_fields_narrow_the_matches,
    unseeded: pages_link_to_the_next_and_stop_at_the_window,
    unseeded: renaming_a_concept_refreshes_the_records_it_tags,
    unseeded: an_empty_or_missing_q_is_a_problem,
    unseeded: a_window_past_1000_is_a_problem,
    unseeded: bad_filters_and_facets_are_problems,
    unseeded: hostile_query_text_is_searched_as_words,
    unseeded: thousands_of_random_queries_never_fail,
    unseeded: search_is_in_the_openapi_document,
];

/// GET `/search` with these parameters (encoded here) and the JSON body, asserting 200.
async fn search(app: &TestApp, params: &[(&str, &str)]) -> serde_json::Value {
    let query = serde_urlencoded::to_string(params).unwrap();
    app.get_json(&format!("/search?{query}"), 200).await
}

async fn q(app: &TestApp, text: &str) -> serde_json::Value {
    search(app, &[("q", text)]).await
}

// --- acceptance checks on the seed ----------------------------------------------------

async fn object_detection_ranks_the_survey_the_paper_and_the_concept_first(app: &TestApp) {
    let body = q(app, "object detection").await;
    let top: Vec<String> = field(&body, "slug").into_iter().take(3).collect();
    let mut titles: Vec<String> = items(&body)
        .iter()
        .take(3)
        .map(|i| i["title"].as_str().unwrap().to_lowercase())
        .collect();
    titles.sort();
    assert!(top.contains(&"object-detection".to_owned()), "{body}");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("a survey of deep learning-based object detection")),
        "{body}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("faster r-cnn: towards")),
        "{body}"
    );
}

async fn a_typo_still_finds_grokking(app: &TestApp) {
    let body = q(app, "grokkng").await;
    assert_eq!(items(&body)[0]["title"], "Grokking", "{body}");
    assert_eq!(items(&body)[0]["type"], "concept");
}

async fn regular_finds_the_regularisation_concepts(app: &TestApp) {
    let body = q(app, "regular").await;
    let titles = field(&body, "title");
    for name in ["Early Stopping", "Grokking"] {
        assert!(titles.contains(&name.to_owned()), "{name} in {titles:?}");
    }
}

async fn spearmans_finds_spearmans_rank_correlation(app: &TestApp) {
    for text in ["spearmans", "Spearman's", "Spearman\u{2019}s"] {
        let body = q(app, text).await;
        assert_eq!(
            items(&body)[0]["title"],
            "Spearman\u{2019}s rank correlation",
            "{text}: {body}"
        );
    }
}

async fn level_facets_equal_the_resource_lists(app: &TestApp) {
    // `type:resource` alone matches every resource.
    let body = search(app, &[("q", "type:resource"), ("facets", "level")]).await;
    let resources = app.get_json("/resources?limit=500", 200).await;
    assert_eq!(body["total"], resources["total"], "{body}");
    for level in ["beginner", "intermediate", "advanced", "multiple"] {
        let listed = app
            .get_json(&format!("/resources?level={level}"), 200)
            .await;
        let counted = body["facets"]["level"][level].as_u64().unwrap_or(0);
        assert_eq!(
            serde_json::json!(counted),
            listed["total"],
            "{level}: {body}"
        );
    }
    // And for a text query: each facet count is the total of the filtered search.
    let learning = search(app, &[("q", "learning"), ("facets", "level")]).await;
    for (level, count) in learning["facets"]["level"].as_object().unwrap() {
        let filtered = search(app, &[("q", "learning"), ("level", level)]).await;
        assert_eq!(&filtered["total"], count, "{level}");
    }
}

async fn snippets_mark_the_matched_words(app: &TestApp) {
    let body = q(app, "object detection").await;
    for item in items(&body).iter().take(3) {
        let snippet = item["snippet"].as_str().unwrap();
        assert!(
            snippet.to_lowercase().contains("<mark>detection</mark>"),
            "{item}"
        );
    }
    let body = q(app, "grokkng").await;
    assert!(
        items(&body)[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>Grokking</mark>"),
        "{body}"
    );
    // Matched through a linked concept, with no description of its own: the snippet is
    // the title rather than nothing.
    for item in items(&q(app, "deep").await) {
        assert!(!item["snippet"].as_str().unwrap().is_empty(), "{item}");
    }
}

async fn a_page_imported_while_the_server_runs_is_searchable_within_a_second(app: &TestApp) {
    let page = app.data_dir.path().join("later.md");
    std::fs::write(
        &page,
        "# Later\n\n## Courses\n\n| Course | link | topic | level |\n|---|---|---|---|\n\
         | Quaternion Kinematics Primer | https://example.org/quaternions | rotations | advanced |\n",
    )
    .unwrap();
    let (status, stdout, stderr) = app.lore(&["import", page.to_str().unwrap()]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    let started = Instant::now();
    let found = poll(app, "quaternion kinematics").await;
    assert!(found, "not searchable after {:?}", started.elapsed());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "searchable after {:?}",
        started.elapsed()
    );
}

/// Polls `/search?q=text` until it finds something; false after 5 s.
async fn poll(app: &TestApp, text: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if q(app, text).await["total"].as_u64().unwrap_or(0) > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

// --- the same behaviour over records written through the store ------------------------

/// Ids of the records [`write_catalogue`] created.
struct Written {
    store: Store,
    detection: i64,
}

fn resource(
    title: &str,
    kind: ResourceKind,
    level: Option<Level>,
    description: Option<&str>,
) -> ResourceData {
    ResourceData {
        kind: Some(kind),
        title: title.to_owned(),
        url: Some(format!(
            "https://example.org/{}",
            Slug::from_title(title, "r")
        )),
        level,
        description: description.map(str::to_owned),
        ..ResourceData::default()
    }
}

fn concept(name: &str, category: Category, definition: Option<&str>) -> ConceptData {
    ConceptData {
        name: name.to_owned(),
        category: Some(category),
        definition: definition.map(str::to_owned),
        ..ConceptData::default()
    }
}

/// Writes a catalogue shaped like the seed in one transaction, with its change log.
async fn write_catalogue(app: &TestApp) -> Written {
    let store = Store::connect(&app.database_url).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let mut changes = Vec::new();
    let mut resources = Vec::new();
    let mut paper = resource(
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
        ResourceKind::Paper,
        Some(Level::Intermediate),
        None,
    );
    paper.authors = vec![
        Person::parse("Ren, Shaoqing").unwrap(),
        Person::parse("He, Kaiming").unwrap(),
    ];
    for data in [
        resource("UMich", ResourceKind::Course, Some(Level::Beginner), None),
        resource(
            "30 Days Deep Learning",
            ResourceKind::Course,
            Some(Level::Beginner),
            None,
        ),
        resource(
            "Stanford CS 330: Deep Multi-Task and Meta Learning",
            ResourceKind::Course,
            Some(Level::Intermediate),
            None,
        ),
        resource(
            "PyTorch docs",
            ResourceKind::Tutorial,
            Some(Level::Beginner),
            None,
        ),
        resource(
            "A Survey of Deep Learning-based Object Detection",
            ResourceKind::Survey,
            Some(Level::Intermediate),
            None,
        ),
        paper,
        resource(
            "The unreasonable effectiveness of deep learning",
            ResourceKind::Webpage,
            None,
            Some("An essay on why <deep> learning works & what pooling misses."),
        ),
    ] {
        let slug = Slug::from_title(&data.title, "resource");
        let id = tx.insert_resource(&slug, &data, None, None).await.unwrap();
        changes.push((EntityType::Resource, id, slug));
        resources.push(id);
    }
    let mut concepts = Vec::new();
    for data in [
        concept("deep learning intro", Category::Topic, None),
        concept("object detection", Category::Task, None),
        concept("Faster R-CNN", Category::Model, None),
        concept("Spearman\u{2019}s rank correlation", Category::Metric, None),
        concept("Accuracy", Category::Metric, None),
        concept(
            "Early Stopping",
            Category::Regularisation,
            Some(
                "Is used to stop the training if there is no improvement after a given number of events.",
            ),
        ),
        concept(
            "Grokking",
            Category::Regularisation,
            Some(
                "Grokking refers to the phenomenon of deep networks exhibiting a dramatic increase in test accuracy.",
            ),
        ),
    ] {
        let slug = Slug::from_title(&data.name, "concept");
        let id = tx.insert_concept(&slug, &data).await.unwrap();
        changes.push((EntityType::Concept, id, slug));
        concepts.push(id);
    }
    let concept_ref = |i: usize| (EntityType::Concept, concepts[i]);
    let resource_ref = |i: usize| (EntityType::Resource, resources[i]);
    for (c, relation, r) in [
        (0, Relation::ExplainedBy, 0),
        (0, Relation::ExplainedBy, 1),
        (1, Relation::ExplainedBy, 4),
        (1, Relation::ExplainedBy, 5),
        (2, Relation::IntroducedIn, 5),
    ] {
        tx.insert_link(concept_ref(c), relation, resource_ref(r), None)
            .await
            .unwrap();
    }
    for (entity, id, slug) in &changes {
        tx.append_change(*entity, *id, slug.as_str(), ChangeOp::Create, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert!(
        poll(app, "grokking").await,
        "the catalogue became searchable"
    );
    Written {
        store,
        detection: concepts[1],
    }
}

async fn records_written_to_the_store_are_searchable_within_a_second(app: &TestApp) {
    let started = Instant::now();
    let written = write_catalogue(app).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "searchable after {:?}",
        started.elapsed()
    );
    let body = q(app, "pytorch").await;
    assert_eq!(field(&body, "title"), ["PyTorch docs"]);
    written.store.close().await;
}

async fn ranking_typos_prefixes_and_possessives_over_records_from_the_store(app: &TestApp) {
    let written = write_catalogue(app).await;
    let body = q(app, "object detection").await;
    let top: Vec<String> = field(&body, "slug").into_iter().take(3).collect();
    assert_eq!(top[0], "object-detection", "{body}");
    assert!(top.contains(&"a-survey-of-deep-learning-based-object-detection".to_owned()));
    assert!(
        top.iter().any(|s| s.starts_with("faster-r-cnn-towards")),
        "{top:?}"
    );
    assert_eq!(body["total"], 3);
    let first = &items(&body)[0];
    assert_eq!(first["type"], "concept");
    assert_eq!(first["href"], app.url("/concepts/object-detection"));
    assert!(first["score"].as_f64().unwrap() > 0.0);

    assert_eq!(field(&q(app, "grokkng").await, "title")[0], "Grokking");
    let regular = field(&q(app, "regular").await, "title");
    assert!(
        regular.contains(&"Early Stopping".to_owned()),
        "{regular:?}"
    );
    assert!(regular.contains(&"Grokking".to_owned()), "{regular:?}");
    for text in ["spearmans", "Spearman's", "Spearman\u{2019}s"] {
        assert_eq!(
            field(&q(app, text).await, "title")[0],
            "Spearman\u{2019}s rank correlation",
            "{text}"
        );
    }
    let faster = search(app, &[("q", "faster"), ("type", "resource")]).await;
    let paper = &items(&faster)[0];
    assert_eq!(
        paper["url"],
        "https://example.org/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks"
    );
    written.store.close().await;
}

async fn facets_count_all_matches_and_equal_the_filtered_totals(app: &TestApp) {
    let written = write_catalogue(app).await;
    let all = search(
        app,
        &[
            ("q", "type:resource"),
            ("facets", "level,kind"),
            ("limit", "1"),
        ],
    )
    .await;
    assert_eq!(
        items(&all).len(),
        1,
        "the page is one item, the counts are not"
    );
    let listed = app.get_json("/resources?limit=500", 200).await;
    assert_eq!(all["total"], listed["total"]);
    for level in ["beginner", "intermediate"] {
        let list = app
            .get_json(&format!("/resources?level={level}"), 200)
            .await;
        assert_eq!(
            all["facets"]["level"][level], list["total"],
            "{level}: {all}"
        );
    }
    assert!(
        all["facets"]["level"].get("advanced").is_none(),
        "no zero counts"
    );
    assert_eq!(all["facets"]["kind"]["course"], 3);

    let deep = search(app, &[("q", "deep"), ("facets", "type,level,topic")]).await;
    let types = deep["facets"]["type"].as_object().unwrap();
    let sum: u64 = types.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(serde_json::json!(sum), deep["total"]);
    for (level, count) in deep["facets"]["level"].as_object().unwrap() {
        let filtered = search(app, &[("q", "deep"), ("level", level)]).await;
        assert_eq!(&filtered["total"], count, "{level}");
    }
    assert_eq!(deep["facets"]["topic"]["deep-learning-intro"], 2, "{deep}");
    let by_topic = search(app, &[("q", "deep"), ("topic", "Deep learning intro")]).await;
    assert_eq!(by_topic["total"], 2);
    let concepts = search(
        app,
        &[
            ("q", "stopping"),
            ("type", "concept"),
            ("category", "regularisation"),
        ],
    )
    .await;
    assert_eq!(field(&concepts, "title"), ["Early Stopping"]);
    written.store.close().await;
}

async fn phrases_exclusions_and_fields_narrow_the_matches(app: &TestApp) {
    let written = write_catalogue(app).await;
    assert_eq!(q(app, "\"object detection\"").await["total"], 3);
    let without = q(app, "object detection -faster").await;
    assert_eq!(without["total"], 2, "{without}");
    assert_eq!(
        field(&q(app, "detection kind:paper").await, "type"),
        ["resource"]
    );
    assert_eq!(
        field(&q(app, "detection type:concept").await, "slug"),
        ["object-detection"]
    );
    assert_eq!(q(app, "author:ren").await["total"], 1);
    // Three titles and the topic "deep learning intro" hold the phrase.
    assert_eq!(q(app, "title:\"deep learning\"").await["total"], 4);
    let snippet = items(&q(app, "pooling misses").await)[0]["snippet"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(snippet.contains("&lt;deep&gt;"), "{snippet}");
    assert!(
        snippet.contains("<mark>pooling</mark> <mark>misses</mark>"),
        "{snippet}"
    );
    written.store.close().await;
}

async fn pages_link_to_the_next_and_stop_at_the_window(app: &TestApp) {
    let written = write_catalogue(app).await;
    let all = search(app, &[("q", "deep")]).await;
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 4, "{all}");
    let first = app.get("/search?q=deep&limit=2").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: serde_json::Value = first.json().await.unwrap();
    let next = body["next"].as_str().unwrap().to_owned();
    assert!(link.contains(&format!("<{next}>; rel=\"next\"")), "{link}");
    let second: serde_json::Value = app
        .client
        .get(&next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(field(&second, "slug"), field(&all, "slug")[2..4].to_vec());
    let last = search(app, &[("q", "deep"), ("offset", &(total - 1).to_string())]).await;
    assert_eq!(items(&last).len(), 1);
    assert_eq!(last["next"], serde_json::Value::Null);
    let edge = search(app, &[("q", "deep"), ("offset", "990"), ("limit", "10")]).await;
    assert!(items(&edge).is_empty());
    assert_eq!(edge["total"], total);
    written.store.close().await;
}

async fn renaming_a_concept_refreshes_the_records_it_tags(app: &TestApp) {
    let written = write_catalogue(app).await;
    assert_eq!(
        search(app, &[("q", "detection"), ("type", "resource")]).await["total"],
        2
    );
    let mut tx = written.store.begin().await.unwrap();
    let renamed = concept("Object localisation", Category::Task, None);
    tx.update_concept(written.detection, &renamed)
        .await
        .unwrap();
    tx.append_change(
        EntityType::Concept,
        written.detection,
        "object-detection",
        ChangeOp::Update,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(poll(app, "localisation type:resource").await);
    let tagged = search(app, &[("q", "localisation"), ("type", "resource")]).await;
    assert_eq!(
        tagged["total"], 2,
        "both tagged resources carry the new name: {tagged}"
    );
    written.store.close().await;
}

// --- errors --------------------------------------------------------------------------

async fn an_empty_or_missing_q_is_a_problem(app: &TestApp) {
    let body = assert_problem(app.get("/search").await, 400, "missing_parameter").await;
    assert_eq!(body["errors"][0]["field"], "q");
    assert_eq!(body["instance"], "/search");
    for blank in ["", "%20", "%20%09%0A"] {
        let body = assert_problem(
            app.get(&format!("/search?q={blank}")).await,
            400,
            "invalid_parameter",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "q");
    }
}

async fn a_window_past_1000_is_a_problem(app: &TestApp) {
    let body = assert_problem(
        app.get("/search?q=deep&offset=995&limit=10").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "offset");
    assert_problem(
        app.get("/search?q=deep&offset=1000").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/search?q=deep&limit=0").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/search?q=deep&limit=101").await,
        400,
        "invalid_parameter",
    )
    .await;
    search(app, &[("q", "deep"), ("offset", "900"), ("limit", "100")]).await;
}

async fn bad_filters_and_facets_are_problems(app: &TestApp) {
    let body = assert_problem(
        app.get("/search?q=x&level=expert").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "level");
    assert_eq!(
        body["errors"][0]["allowed"],
        serde_json::json!(["beginner", "intermediate", "advanced", "multiple"])
    );
    let body = assert_problem(
        app.get("/search?q=x&facets=colour").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "facets");
    let body = assert_problem(
        app.get("/search?q=x&type=thing").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "type");
    assert_problem(
        app.get("/search?q=x&topic=").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/search?q=x&levle=beginner").await,
        400,
        "unknown_parameter",
    )
    .await;
    assert_problem(app.get("/search?q=x&q=y").await, 400, "repeated_parameter").await;
    let post = app
        .client
        .post(app.url("/search?q=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

// --- robustness ----------------------------------------------------------------------

async fn hostile_query_text_is_searched_as_words(app: &TestApp) {
    let written = write_catalogue(app).await;
    let long = "deep learning ".repeat(750);
    assert!(long.len() > 10_000);
    for text in [
        "C++",
        "\"unbalanced",
        "title:",
        "AND",
        "((",
        "https://arxiv.org/pdf/2212.13881.pdf?x=1&y=2#z",
        "\u{1f389}\u{1f9e0}",
        "-",
        "\"\"",
        "kind:",
        "a:b:c",
        "\u{0}",
        "*",
        "NOT OR",
        "\\",
        "%",
        long.as_str(),
    ] {
        let body = search(
            app,
            &[("q", text), ("facets", "type,kind,level,category,topic")],
        )
        .await;
        assert!(body["total"].is_u64(), "{text:?}: {body}");
    }
    assert!(q(app, "C++").await["total"].is_u64());
    written.store.close().await;
}

async fn thousands_of_random_queries_never_fail(app: &TestApp) {
    let written = write_catalogue(app).await;
    let mut rng = StdRng::seed_from_u64(3);
    let pieces = [
        "deep",
        "learnin",
        "objct",
        "detection",
        "\"",
        "-",
        ":",
        "title:",
        "kind:",
        "topic:",
        "level:",
        "type:",
        "(",
        ")",
        "AND",
        "OR",
        "NOT",
        "*",
        "?",
        "~",
        "^",
        "\\",
        "/",
        "’s",
        "'",
        "é",
        "ß",
        "\u{1f389}",
        "\u{0}",
        "\u{feff}",
        "+",
        "&",
        "=",
        "%",
        "#",
        " ",
        " ",
        "  ",
        "\t",
        "spearman",
        "grok",
        "x",
        "regular",
    ];
    let mut failures = Vec::new();
    let started = Instant::now();
    let count = 2_000;
    for _ in 0..count {
        let len = rng.random_range(1..12);
        let mut text = String::new();
        for _ in 0..len {
            if rng.random_bool(0.2) {
                // A random character, any plane.
                text.push(rng.random::<char>());
            } else {
                text.push_str(pieces[rng.random_range(0..pieces.len())]);
            }
        }
        let query =
            serde_urlencoded::to_string([("q", text.as_str()), ("facets", "level")]).unwrap();
        let response = app.get(&format!("/search?{query}")).await;
        let status = response.status().as_u16();
        let blank = text.chars().all(|c| c.is_whitespace() || c == '\u{feff}');
        if status >= 500 || (status != 200 && !blank) || (blank && status != 400) {
            failures.push(format!("{status} for {text:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} failed: {failures:?}",
        failures.len()
    );
    eprintln!("{count} random queries in {:?}", started.elapsed());
    written.store.close().await;
}

async fn search_is_in_the_openapi_document(app: &TestApp) {
    let api = app.get_json("/openapi.json", 200).await;
    let operation = &api["paths"]["/search"]["get"];
    assert_eq!(operation["operationId"], "search");
    let names: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "q",
            "type",
            "kind",
            "level",
            "category",
            "topic",
            "year",
            "author",
            "venue",
            "has",
            "updated_since",
            "sort",
            "fields",
            "limit",
            "offset",
            "facets",
            "format"
        ]
    );
    assert!(api["components"]["schemas"]["SearchView"].is_object());
}
