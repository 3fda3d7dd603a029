//! Pages for people at the API's URLs: browsers get HTML, every other client JSON as
//! before.

use crate::cases;
use crate::helpers::TestApp;

cases![
    seeded: browsers_get_pages_at_every_browsable_url,
    seeded: json_stays_the_default_for_other_clients,
    seeded: format_json_gives_browsers_the_json,
    seeded: a_resource_page_cites_links_and_offers_downloads,
    seeded: a_concept_page_renders_its_definition_and_resources_by_level,
    seeded: search_pages_mark_matches_and_link_facets_and_escape_the_query,
    seeded: errors_are_pages_for_browsers_and_problems_for_the_rest,
    seeded: the_landing_json_counts_and_links,
    seeded: the_style_sheet_is_served_and_cached,
];

/// What Chromium and Firefox send for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

const FASTER_RCNN: &str =
    "/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks";

async fn page(app: &TestApp, path: &str, status: u16) -> String {
    let response = app
        .client
        .get(app.url(path))
        .header("Accept", BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), status, "GET {path}");
    let headers = response.headers().clone();
    assert_eq!(
        headers["content-type"], "text/html; charset=utf-8",
        "GET {path}"
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"),
        "GET {path}"
    );
    assert!(
        headers
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Accept")),
        "GET {path}: {headers:?}"
    );
    // askama escapes with numeric references; compare with the named ones.
    let body = response
        .text()
        .await
        .unwrap()
        .replace("&#38;", "&amp;")
        .replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#34;", "&quot;");
    assert!(body.starts_with("<!doctype html>"), "GET {path}");
    assert!(body.contains("<main id=\"main\">"), "GET {path}");
    body
}

async fn content_type(app: &TestApp, path: &str, accept: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path} ({accept:?})");
    response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned()
}

const BROWSABLE: &[&str] = &[
    "/",
    "/resources",
    FASTER_RCNN,
    "/concepts",
    "/concepts/grokking",
    "/search?q=grokking",
];

async fn browsers_get_pages_at_every_browsable_url(app: &TestApp) {
    for path in BROWSABLE {
        let body = page(app, path, 200).await;
        // Every page links to its JSON.
        let json = if path.contains('?') {
            format!("{path}&amp;format=json")
        } else {
            format!("{path}?format=json")
        };
        assert!(body.contains(&json), "{path} links to {json}");
        assert!(!body.contains("<script"), "{path} has no script");
    }
    let home = page(app, "/", 200).await;
    assert!(home.contains("role=\"search\""), "a search box");
    assert!(home.contains("<strong>9</strong> resources"), "{home}");
    assert!(
        home.contains("/resources?level=beginner"),
        "levels to browse"
    );
    assert!(
        home.contains("/concepts?category=metric"),
        "categories to browse"
    );
}

async fn json_stays_the_default_for_other_clients(app: &TestApp) {
    for path in BROWSABLE {
        assert_eq!(
            content_type(app, path, None).await,
            "application/json",
            "{path}"
        );
        assert_eq!(
            content_type(app, path, Some("application/json")).await,
            "application/json",
            "{path}"
        );
        assert_eq!(
            content_type(app, path, Some("*/*")).await,
            "application/json",
            "{path}"
        );
    }
    // The bibliography types still win when asked for.
    assert!(
        content_type(app, FASTER_RCNN, Some("application/x-bibtex"))
            .await
            .starts_with("application/x-bibtex")
    );
    // The same JSON as before: no HTML crept into the API.
    let body = app.get_json(FASTER_RCNN, 200).await;
    assert_eq!(body["citation_key"], "ren2015faster");
}

async fn format_json_gives_browsers_the_json(app: &TestApp) {
    for path in BROWSABLE {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{sep}format=json");
        assert_eq!(
            content_type(app, &url, Some(BROWSER)).await,
            "application/json",
            "{url}"
        );
    }
}

async fn a_resource_page_cites_links_and_offers_downloads(app: &TestApp) {
    let body = page(app, FASTER_RCNN, 200).await;
    assert!(body.contains("<h1>Faster R-CNN: Towards Real-Time Object Detection"));
    assert!(
        body.contains("Ren, S., He, K., Girshick, R., &amp; Sun, J. (2015)."),
        "the citation"
    );
    assert!(body.contains("ren2015faster"), "the citation key");
    for format in ["bibtex", "csljson", "ris"] {
        assert!(
            body.contains(&format!("{FASTER_RCNN}?format={format}")),
            "download {format}"
        );
    }
    // Links both ways: the model concept it introduces, the task it explains.
    assert!(body.contains("/concepts/faster-r-cnn"), "{body}");
    assert!(body.contains("Introduces"), "{body}");
    assert!(body.contains("https://arxiv.org/abs/1506.01497"));
    // Each download serves its format.
    let response = app
        .client
        .get(app.url(&format!("{FASTER_RCNN}?format=ris")))
        .header("Accept", BROWSER)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-research-info-systems")
    );
}

async fn a_concept_page_renders_its_definition_and_resources_by_level(app: &TestApp) {
    let body = page(app, "/concepts/grokking", 200).await;
    assert!(body.contains("<h2>Definition</h2>"), "{body}");
    assert!(body.contains("<p>Grokking refers to"), "Markdown: {body}");
    assert!(body.contains("<h2>Resources</h2>"), "{body}");
    let intro = page(app, "/concepts/deep-learning-intro", 200).await;
    let beginner = intro.find("<h3>Beginner</h3>").expect("beginner group");
    if let Some(other) = intro.find("<h3>Intermediate</h3>") {
        assert!(beginner < other, "beginner first");
    }
}

async fn search_pages_mark_matches_and_link_facets_and_escape_the_query(app: &TestApp) {
    let body = page(app, "/search?q=grokking", 200).await;
    assert!(body.contains("<mark>Grokking</mark>"), "{body}");
    assert!(
        body.contains("/search?q=grokking&amp;type=concept"),
        "facet link: {body}"
    );
    let hostile = page(app, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200).await;
    assert!(!hostile.contains("<script>"), "{hostile}");
    assert!(hostile.contains("&lt;script&gt;"), "{hostile}");
    // Paging: one match per page links to the next.
    let first = page(app, "/search?q=deep&limit=1", 200).await;
    assert!(first.contains("rel=\"next\""), "{first}");
    assert!(first.contains("offset=1"), "{first}");
}

async fn errors_are_pages_for_browsers_and_problems_for_the_rest(app: &TestApp) {
    let body = page(app, "/resources/no-such-thing", 404).await;
    assert!(body.contains("no resource has the slug"), "{body}");
    page(app, "/resources?level=expert", 400).await;
    crate::helpers::assert_problem(
        app.get("/resources/no-such-thing").await,
        404,
        "resource_not_found",
    )
    .await;
}

async fn the_landing_json_counts_and_links(app: &TestApp) {
    let body = app.get_json("/", 200).await;
    assert_eq!(body["resources"], 9);
    assert_eq!(body["concepts"], 15);
    let beginner = body["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["value"] == "beginner")
        .expect("beginner");
    assert_eq!(beginner["count"], 3);
    let href = beginner["href"].as_str().unwrap();
    assert!(href.ends_with("/resources?level=beginner"), "{href}");
    let path = href.split_once(&app.addr.to_string()).unwrap().1;
    assert_eq!(app.get_json(path, 200).await["total"], 3);
    let metric = body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"] == "metric")
        .expect("metric");
    assert_eq!(metric["count"], 5);
}

async fn the_style_sheet_is_served_and_cached(app: &TestApp) {
    let response = app.get("/assets/lore.css").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "public, max-age=86400");
}
