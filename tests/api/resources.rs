//! `/resources` over the seed catalogue: filters, contents, paging.

use crate::cases;
use crate::helpers::{TestApp, field, items};

cases![
    seeded: beginner_resources_are_the_three_beginner_rows,
    seeded: intermediate_resources_are_cs330_the_survey_and_the_paper,
    seeded: the_seed_holds_nine_resources,
    seeded: filters_combine_and_take_alternatives,
    seeded: topics_filter_by_concept_slug_or_name,
    seeded: a_resource_links_to_its_topic_and_its_own_url,
    seeded: paging_walks_every_resource_once,
    seeded: the_link_header_carries_first_and_next,
    seeded: a_resource_is_found_by_slug,
];

async fn beginner_resources_are_the_three_beginner_rows(app: &TestApp) {
    let body = app.get_json("/resources?level=beginner", 200).await;
    assert_eq!(body["total"], 3);
    assert_eq!(
        field(&body, "title"),
        ["UMich", "30 Days Deep Learning", "PyTorch docs"]
    );
    assert_eq!(
        field(&body, "url"),
        [
            "https://www.youtube.com/watch?v=QytpbYkGxKo&list=PLLhQgjrONLVFP1E7p2jWMMeM2FWUf2Qc7",
            "https://github.com/patty-13/30_Days_Deeplearning",
            "https://pytorch.org/tutorials/beginner/data_loading_tutorial.html",
        ]
    );
    assert!(field(&body, "level").iter().all(|l| l == "beginner"));
    assert_eq!(field(&body, "kind"), ["course", "course", "tutorial"]);
}

async fn intermediate_resources_are_cs330_the_survey_and_the_paper(app: &TestApp) {
    let body = app.get_json("/resources?level=intermediate", 200).await;
    assert_eq!(
        field(&body, "title"),
        [
            "Stanford CS 330: Deep Multi-Task and Meta Learning",
            "A Survey of Deep Learning-based Object Detection",
            "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
        ]
    );
    assert_eq!(field(&body, "kind"), ["course", "survey", "paper"]);
    let survey = &items(&body)[1];
    assert_eq!(
        survey["doi"], "10.1109/ACCESS.2019.2939201",
        "enriched from references.bib: {survey}"
    );
    let paper = &items(&body)[2];
    assert_eq!(paper["arxiv_id"], "1506.01497", "{paper}");
    assert_eq!(paper["year"], 2015);
    assert_eq!(paper["authors"][0]["family"], "Ren");
    assert_eq!(paper["citation_key"], "ren2015faster");
}

async fn the_seed_holds_nine_resources(app: &TestApp) {
    let body = app.get_json("/resources", 200).await;
    assert_eq!(body["total"], 9, "{body}");
    let urls = field(&body, "url");
    assert!(urls.contains(&"https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning".to_owned()));
    assert!(
        urls.contains(&"https://arxiv.org/pdf/2212.13881.pdf".to_owned()),
        "the author's link is kept as written"
    );
    let grokking_paper = items(&body)
        .iter()
        .find(|r| r["arxiv_id"] == "2212.13881")
        .expect("the arXiv PDF");
    assert_eq!(
        grokking_paper["title"],
        "Feature learning in neural networks and kernel machines that recursively learn features"
    );
    let multiple = app.get_json("/resources?level=multiple", 200).await;
    assert_eq!(field(&multiple, "kind"), ["notebook"]);
}

async fn filters_combine_and_take_alternatives(app: &TestApp) {
    let either = app
        .get_json("/resources?level=beginner&level=multiple", 200)
        .await;
    assert_eq!(either["total"], 4);
    let comma = app
        .get_json("/resources?level=beginner,multiple", 200)
        .await;
    assert_eq!(field(&either, "slug"), field(&comma, "slug"));
    let both = app
        .get_json("/resources?level=intermediate&kind=course,survey", 200)
        .await;
    assert_eq!(field(&both, "kind"), ["course", "survey"]);
    let none = app.get_json("/resources?level=advanced", 200).await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["next"], serde_json::Value::Null);
}

async fn topics_filter_by_concept_slug_or_name(app: &TestApp) {
    let by_slug = app.get_json("/resources?topic=object-detection", 200).await;
    assert_eq!(field(&by_slug, "kind"), ["survey", "paper"]);
    let by_name = app
        .get_json("/resources?topic=Object%20detection", 200)
        .await;
    assert_eq!(field(&by_slug, "slug"), field(&by_name, "slug"));
    let unknown = app
        .get_json("/resources?topic=quantum-gardening", 200)
        .await;
    assert_eq!(unknown["total"], 0);
}

async fn a_resource_links_to_its_topic_and_its_own_url(app: &TestApp) {
    let body = app.get_json("/resources", 200).await;
    for item in items(&body) {
        let slug = item["slug"].as_str().unwrap();
        assert_eq!(item["href"], app.url(&format!("/resources/{slug}")));
        for concept in item["concepts"].as_array().unwrap() {
            let concept_slug = concept["slug"].as_str().unwrap();
            assert_eq!(
                concept["href"],
                app.url(&format!("/concepts/{concept_slug}"))
            );
        }
    }
    let table_rows: Vec<&serde_json::Value> = items(&body)
        .iter()
        .filter(|r| r["level"].is_string())
        .collect();
    assert_eq!(table_rows.len(), 7);
    for row in table_rows {
        assert_eq!(
            row["topics"].as_array().map(Vec::len),
            Some(1),
            "every table row has its topic: {row}"
        );
    }
    let umich = items(&body).iter().find(|r| r["title"] == "UMich").unwrap();
    assert_eq!(umich["topics"][0], "deep learning intro");
}

async fn paging_walks_every_resource_once(app: &TestApp) {
    let mut seen = Vec::new();
    let mut next = Some(app.url("/resources?limit=2"));
    let mut pages = 0;
    while let Some(url) = next {
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["total"], 9);
        assert!(items(&body).len() <= 2);
        seen.extend(field(&body, "slug"));
        next = body["next"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages <= 5, "paging does not end");
    }
    assert_eq!(pages, 5);
    let all = app.get_json("/resources?limit=500", 200).await;
    assert_eq!(seen, field(&all, "slug"));
}

async fn the_link_header_carries_first_and_next(app: &TestApp) {
    let first = app.get("/resources?level=beginner&limit=2").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: serde_json::Value = first.json().await.unwrap();
    let next = body["next"].as_str().unwrap();
    assert!(link.contains(&format!("<{next}>; rel=\"next\"")), "{link}");
    assert!(link.contains("rel=\"first\""), "{link}");
    assert!(!link.contains("rel=\"prev\""), "{link}");
    assert!(next.contains("level=beginner"), "filters are kept: {next}");

    let second = app.client.get(next).send().await.unwrap();
    let link = second.headers()["link"].to_str().unwrap().to_owned();
    let body: serde_json::Value = second.json().await.unwrap();
    assert_eq!(field(&body, "title"), ["PyTorch docs"]);
    assert_eq!(body["next"], serde_json::Value::Null);
    let prev = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"prev\""))
        .expect("prev link");
    let prev_url = prev.trim_start_matches('<').split('>').next().unwrap();
    let back: serde_json::Value = app
        .client
        .get(prev_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(field(&back, "title"), ["UMich", "30 Days Deep Learning"]);
}

async fn a_resource_is_found_by_slug(app: &TestApp) {
    let list = app.get_json("/resources?level=intermediate", 200).await;
    let paper = items(&list).iter().find(|r| r["kind"] == "paper").unwrap();
    let href = paper["href"].as_str().unwrap();
    let one: serde_json::Value = app
        .client
        .get(href)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["title"], paper["title"]);
    let introduced = one["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["relation"] == "introduced_in")
        .expect("the model concept links here");
    assert_eq!(introduced["slug"], "faster-r-cnn");
    assert_eq!(introduced["direction"], "incoming");
    assert_eq!(one["provenance"]["file"], "deep-learning-basics.md");
    assert_eq!(one["provenance"]["line"], 30);
}
