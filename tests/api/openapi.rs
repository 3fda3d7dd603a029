//! The OpenAPI document: served, committed, and in sync with the code.

use crate::cases;
use crate::helpers::{TestApp, repo_root};

cases![
    unseeded: the_committed_document_matches_the_code,
    unseeded: swagger_ui_is_served_without_network,
    unseeded: exports_declare_their_media_types_for_generated_clients,
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

/// Generated clients read an answer as the first media type they know: JSON for
/// `application/json` and `+json`, text for `text/*`, bytes for `application/octet-stream`
/// (openapi-python-client); a request body must be one of JSON, a form or bytes.
async fn exports_declare_their_media_types_for_generated_clients(app: &TestApp) {
    let document: serde_json::Value = app.get_json("/openapi.json", 200).await;
    let content = |path: &str, method: &str| {
        document["paths"][path][method]["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has content"))
            .clone()
    };
    let text_types = [
        "application/x-bibtex",
        "application/x-research-info-systems",
        "text/plain",
        "text/html",
    ];
    for path in ["/bibliography", "/resources", "/resources/{slug}"] {
        let content = content(path, "get");
        for media in text_types {
            assert_eq!(
                content[media]["schema"]["type"], "string",
                "{path} {media}: {content:?}"
            );
        }
        assert_eq!(
            content["application/vnd.citationstyles.csl+json"]["schema"]["type"], "array",
            "{path}"
        );
    }
    let bibliography = content("/bibliography", "get");
    let known = bibliography
        .keys()
        .find(|media| {
            media.starts_with("text/")
                || media.ends_with("json")
                || *media == "application/octet-stream"
        })
        .unwrap();
    assert_eq!(known, "text/plain", "every export reads as text");
    let body = &document["paths"]["/imports"]["post"]["requestBody"]["content"];
    let schema = body["application/octet-stream"]["schema"]["$ref"]
        .as_str()
        .and_then(|path| path.strip_prefix("#/components/schemas/"))
        .map_or(&body["application/octet-stream"]["schema"], |name| {
            &document["components"]["schemas"][name]
        });
    assert_eq!(schema["type"], "string", "{body}");
    assert_eq!(schema["format"], "binary", "{body}");
}
