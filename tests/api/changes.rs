//! `/changes` and conditional GET.

use crate::cases;
use crate::helpers::{TestApp, assert_problem, items};

cases![
    seeded: the_change_feed_lists_the_seed_in_order,
    seeded: representations_carry_strong_etags_and_answer_304,
    unseeded: bad_feed_parameters_are_rejected,
];

async fn the_change_feed_lists_the_seed_in_order(app: &TestApp) {
    let feed = app.get_json("/changes?limit=1000", 200).await;
    let changes = items(&feed);
    let resources = app.get_json("/resources?limit=500", 200).await;
    let concepts = app.get_json("/concepts?limit=500", 200).await;
    let created = |entity: &str| {
        changes
            .iter()
            .filter(|c| c["entity"] == entity && c["op"] == "create")
            .count()
    };
    assert_eq!(
        created("resource") as u64,
        resources["total"].as_u64().unwrap()
    );
    assert_eq!(
        created("concept") as u64,
        concepts["total"].as_u64().unwrap()
    );
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let first = &changes[0];
    assert_eq!(
        first["href"],
        app.url(&format!(
            "/{}s/{}",
            first["entity"].as_str().unwrap(),
            first["slug"].as_str().unwrap()
        ))
    );

    let last = seqs.last().unwrap();
    assert_eq!(
        feed["next"],
        app.url(&format!("/changes?since={last}&limit=1000"))
    );
    let rest = app.get_json(&format!("/changes?since={last}"), 200).await;
    assert!(items(&rest).is_empty());
    let page = app.get_json("/changes?since=1&limit=2", 200).await;
    let page_seqs: Vec<i64> = items(&page)
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(page_seqs, seqs[1..3]);
}

async fn representations_carry_strong_etags_and_answer_304(app: &TestApp) {
    for path in ["/resources?level=beginner", "/concepts/pooling", "/changes"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        let other = app
            .client
            .get(app.url(path))
            .header("If-None-Match", "\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "{path}");
    }
}

async fn bad_feed_parameters_are_rejected(app: &TestApp) {
    for query in ["since=-1", "since=x", "limit=0", "limit=1001"] {
        assert_problem(
            app.get(&format!("/changes?{query}")).await,
            400,
            "invalid_parameter",
        )
        .await;
    }
    assert_problem(app.get("/changes?after=3").await, 400, "unknown_parameter").await;
}
