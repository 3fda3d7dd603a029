//! Formatted citations: `format=text` and `format=html` with a `style`, on
//! `/bibliography`, `/resources` and `/resources/{slug}`.

use crate::cases;
use crate::helpers::{TestApp, assert_problem};
use crate::writes::key;

cases![
    seeded: apa_and_ieee_set_a_seeded_entry_in_their_order,
    seeded: formatted_bibliographies_keep_the_export_order_and_filters,
    seeded: one_resource_is_one_formatted_entry,
    unseeded: html_entries_are_escaped,
    seeded: unknown_styles_are_problems_whatever_the_format,
];

const FASTER_RCNN: &str =
    "/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks";

/// The body of a `200` answer after checking its `Content-Type`.
async fn body(app: &TestApp, path: &str, content_type: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], content_type, "{path}");
    response.text().await.unwrap()
}

/// Where each of `parts` starts in `text`, asserting that they come in this order.
fn in_order(text: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        let at = text[from..]
            .find(part)
            .unwrap_or_else(|| panic!("`{part}` is not after byte {from} of {text}"));
        from += at + part.len();
    }
}

/// The line of a text bibliography that mentions `needle`.
fn line_with<'t>(text: &'t str, needle: &str) -> &'t str {
    text.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}` in {text}"))
}

async fn apa_and_ieee_set_a_seeded_entry_in_their_order(app: &TestApp) {
    let text = "text/plain; charset=utf-8";
    let apa = body(app, "/bibliography?format=text&style=apa", text).await;
    let entry = line_with(&apa, "Faster R-CNN");
    // APA: family name and initials, year in parentheses, then the title.
    in_order(
        entry,
        &[
            "Ren, S.",
            "He, K.",
            "Sun, J.",
            "(2015)",
            "Faster R-CNN: Towards Real-Time",
        ],
    );
    let ieee = body(app, "/bibliography?format=text&style=ieee", text).await;
    let entry = line_with(&ieee, "Faster R-CNN");
    // IEEE: a number, initials before the family name, the title in quotes, the year last.
    assert!(entry.starts_with('['), "{entry}");
    in_order(
        entry,
        &[
            "S. Ren",
            "K. He",
            "J. Sun",
            "“Faster R-CNN: Towards Real-Time",
            "2015",
        ],
    );
    let default = body(app, "/bibliography?format=text", text).await;
    assert_eq!(default, apa, "APA is the default style");
}

async fn formatted_bibliographies_keep_the_export_order_and_filters(app: &TestApp) {
    let csl = body(
        app,
        "/bibliography?format=csljson&level=beginner,intermediate",
        "application/vnd.citationstyles.csl+json",
    )
    .await;
    let items: Vec<serde_json::Value> = serde_json::from_str(&csl).unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert!(titles.len() > 1, "{csl}");
    let ieee = body(
        app,
        "/bibliography?format=text&style=ieee&level=beginner,intermediate",
        "text/plain; charset=utf-8",
    )
    .await;
    let lines: Vec<&str> = ieee.lines().collect();
    assert_eq!(lines.len(), titles.len(), "{ieee}");
    for (i, (line, title)) in lines.iter().zip(&titles).enumerate() {
        assert!(line.starts_with(&format!("[{}]", i + 1)), "{line}");
        // Styles may change a title's case, never its words.
        let first_word = title.split_whitespace().next().unwrap().to_lowercase();
        assert!(
            line.to_lowercase().contains(&first_word),
            "{line} / {title}"
        );
    }
    let listed = app
        .get("/resources?level=beginner,intermediate&format=text&style=ieee")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(listed, ieee, "the list route serves the same bibliography");
    let html = body(
        app,
        "/bibliography?format=html&style=apa&level=advanced",
        "text/html; charset=utf-8",
    )
    .await;
    assert_eq!(html, "<div class=\"csl-bib-body\">\n</div>\n");
}

async fn one_resource_is_one_formatted_entry(app: &TestApp) {
    let entry = body(
        app,
        &format!("{FASTER_RCNN}?format=text&style=ieee"),
        "text/plain; charset=utf-8",
    )
    .await;
    assert_eq!(entry.lines().count(), 1, "{entry}");
    assert!(entry.starts_with("[1] S. Ren"), "{entry}");
    let html = body(
        app,
        &format!("{FASTER_RCNN}?format=html&style=chicago-author-date"),
        "text/html; charset=utf-8",
    )
    .await;
    assert!(
        html.starts_with("<div class=\"csl-bib-body\">\n  <div class=\"csl-entry\">Ren, Shaoqing"),
        "{html}"
    );
    assert!(html.ends_with("</div>\n</div>\n"), "{html}");
}

async fn html_entries_are_escaped(app: &TestApp) {
    let token = key(app, "curator", "write");
    let created = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "Losses & <script>alert(1)</script> Metrics",
            "kind": "paper",
            "year": 2021,
            "journal": "Journal of \"Quoted\" Things",
            "authors": [{"given": "Ann", "family": "O'Neil"}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    for style in ["apa", "ieee"] {
        let html = body(
            app,
            &format!("/bibliography?format=html&style={style}"),
            "text/html; charset=utf-8",
        )
        .await;
        assert!(
            html.contains("Losses &amp; &lt;script&gt;alert(1)&lt;/script&gt; Metrics"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("O&#39;Neil") || html.contains("O’Neil"),
            "{html}"
        );
        let text = body(
            app,
            &format!("/bibliography?format=text&style={style}"),
            "text/plain; charset=utf-8",
        )
        .await;
        assert!(
            text.contains("Losses & <script>alert(1)</script> Metrics"),
            "text is not escaped: {text}"
        );
    }
}

async fn unknown_styles_are_problems_whatever_the_format(app: &TestApp) {
    for path in [
        "/bibliography?format=text&style=harvard-made-up",
        &format!("{FASTER_RCNN}?format=html&style=APA"),
        "/resources?format=text&style=nope",
    ] {
        let problem = assert_problem(app.get(path).await, 400, "invalid_parameter").await;
        assert_eq!(problem["errors"][0]["field"], "style", "{problem}");
        let allowed = problem["errors"][0]["allowed"].as_array().unwrap();
        for style in ["apa", "chicago-author-date", "ieee"] {
            assert!(allowed.iter().any(|a| a == style), "{problem}");
        }
    }
    // A style is checked with any format, and used by text and HTML only (as `dialect`
    // is by BibTeX only).
    let problem = assert_problem(
        app.get("/bibliography?format=bibtex&style=nope").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "style", "{problem}");
    let styled = app.get("/bibliography?format=bibtex&style=ieee").await;
    assert_eq!(styled.status(), 200);
    let plain = app.get("/bibliography?format=bibtex").await;
    assert_eq!(styled.text().await.unwrap(), plain.text().await.unwrap());
}
