//! `/concepts` over the seed catalogue.

use crate::cases;
use crate::helpers::{TestApp, field, items};

cases![
    seeded: metrics_include_spearman_repaired_with_its_note,
    seeded: headings_give_categories,
    seeded: faster_rcnn_is_introduced_in_the_paper,
    seeded: object_detection_links_to_the_survey_and_the_paper,
    seeded: definitions_link_to_the_pages_they_cite,
    seeded: definitions_keep_the_authors_words,
];

async fn metrics_include_spearman_repaired_with_its_note(app: &TestApp) {
    let body = app.get_json("/concepts?category=metric", 200).await;
    assert_eq!(
        field(&body, "name"),
        [
            "F1 Score",
            "Accuracy",
            "ROC AUC",
            "Prec-Recall curve",
            "Spearman\u{2019}s rank correlation"
        ]
    );
    let spearman = &items(&body)[4];
    assert_eq!(spearman["note"], "not commonly used for deep learning");
    assert!(!body.to_string().contains("â€"), "no mojibake left: {body}");
}

async fn headings_give_categories(app: &TestApp) {
    let layer = app.get_json("/concepts?category=layer_type", 200).await;
    assert_eq!(field(&layer, "name"), ["Pooling"]);
    let regularisation = app.get_json("/concepts?category=regularisation", 200).await;
    assert_eq!(
        field(&regularisation, "name"),
        ["Early Stopping", "Grokking"]
    );
    let bias = app.get_json("/concepts?category=bias", 200).await;
    assert_eq!(field(&bias, "name"), ["Inductive bias"]);
    let model = app.get_json("/concepts?category=model", 200).await;
    assert_eq!(field(&model, "name"), ["Faster R-CNN"]);
    let tasks = app.get_json("/concepts?category=task,topic", 200).await;
    let mut names = field(&tasks, "name");
    names.sort();
    assert_eq!(
        names,
        [
            "Model types - ready to train, with explanations",
            "deep learning intro",
            "load data and train a model",
            "meta learning",
            "object detection",
        ]
    );
}

async fn faster_rcnn_is_introduced_in_the_paper(app: &TestApp) {
    let body = app.get_json("/concepts/faster-r-cnn", 200).await;
    let links = body["resources"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{body}");
    assert_eq!(links[0]["relation"], "introduced_in");
    assert_eq!(links[0]["direction"], "outgoing");
    assert_eq!(
        links[0]["title"],
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks"
    );
}

async fn object_detection_links_to_the_survey_and_the_paper(app: &TestApp) {
    let body = app.get_json("/concepts/object-detection", 200).await;
    assert_eq!(body["category"], "task");
    let mut titles: Vec<&str> = body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "A Survey of Deep Learning-based Object Detection",
            "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
        ]
    );
}

async fn definitions_link_to_the_pages_they_cite(app: &TestApp) {
    let pooling = app.get_json("/concepts/pooling", 200).await;
    let cited = &pooling["resources"][0];
    let post: serde_json::Value = app
        .client
        .get(cited["href"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        post["url"],
        "https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning"
    );
    let incoming = &post["concepts"][0];
    assert_eq!(
        (incoming["slug"].as_str(), incoming["direction"].as_str()),
        (Some("pooling"), Some("incoming"))
    );

    let grokking = app.get_json("/concepts/grokking", 200).await;
    let paper: serde_json::Value = app
        .client
        .get(grokking["resources"][0]["href"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paper["url"], "https://arxiv.org/pdf/2212.13881.pdf");
}

async fn definitions_keep_the_authors_words(app: &TestApp) {
    let early = app.get_json("/concepts/early-stopping", 200).await;
    let definition = early["definition"].as_str().unwrap();
    assert!(
        definition.starts_with("Is used to stop the training if there is no improvement"),
        "{definition}"
    );
    assert!(
        definition.contains("Can be done passibely: save models based on best accuracy/loss"),
        "{definition}"
    );
    let bias = app.get_json("/concepts/inductive-bias", 200).await;
    assert_eq!(
        bias["definition"],
        "Inductive bias refers to the set of assumptions that a model makes to predict outputs for inputs it has never seen."
    );
}
