//! The OpenAPI document: served, committed, and in sync with the code.

use crate::cases;
use crate::helpers::{TestApp, repo_root};

cases![
    unseeded: the_committed_document_matches_the_code,
    unseeded: swagger_ui_is_served_without_network,
];

async fn the_committed_document_matches_the_code(app: &TestApp) {
    let committed = std::fs::read_to_string(repo_root().join("openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    let generated = lore::http::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let served: serde_json::Value = app.get_json("/openapi.json", 200).await;
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.1.0");
    for path in [
        "/resources",
        "/resources/{slug}",
        "/concepts",
        "/concepts/{slug}",
        "/health",
        "/ready",
    ] {
        assert!(
            served["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
}

async fn swagger_ui_is_served_without_network(app: &TestApp) {
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(
        redirect.headers()["location"],
        format!("http://{}/docs/", app.addr).as_str()
    );
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "no asset comes from a CDN");
    let script = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status(), 200);
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
}
