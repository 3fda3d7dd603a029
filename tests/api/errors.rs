//! Error responses: RFC 9457 problem details with stable codes.

use crate::cases;
use crate::helpers::{TestApp, assert_problem};

cases![
    seeded: an_unknown_level_names_the_parameter_and_the_allowed_values,
    seeded: an_unknown_parameter_is_rejected_not_ignored,
    seeded: a_bad_limit_is_rejected,
    seeded: a_foreign_cursor_is_rejected,
    seeded: unknown_slugs_are_not_found,
    seeded: a_wrong_method_is_405_with_allow,
    seeded: head_answers_like_get_without_a_body,
    unseeded: unknown_routes_are_problems_too,
    seeded: an_empty_filter_value_is_rejected,
    seeded: nul_characters_match_nothing_and_fail_nothing,
    unseeded: an_over_long_url_is_414,
    unseeded: a_stalled_body_is_408,
];

async fn an_unknown_level_names_the_parameter_and_the_allowed_values(app: &TestApp) {
    let body = assert_problem(
        app.get("/resources?level=expert").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "level");
    assert_eq!(
        body["errors"][0]["allowed"],
        serde_json::json!(["beginner", "intermediate", "advanced", "multiple"])
    );
    assert_eq!(body["instance"], "/resources?level=expert");
    let body = assert_problem(
        app.get("/concepts?category=colour").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "category");
    let body = assert_problem(
        app.get("/resources?kind=podcast").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "kind");
}

async fn an_unknown_parameter_is_rejected_not_ignored(app: &TestApp) {
    let body = assert_problem(
        app.get("/resources?levle=beginner").await,
        400,
        "unknown_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "levle");
    assert!(
        body["errors"][0]["allowed"]
            .as_array()
            .unwrap()
            .contains(&"level".into())
    );
    assert_problem(
        app.get("/resources/umich?x=1").await,
        400,
        "unknown_parameter",
    )
    .await;
    assert_problem(app.get("/health?verbose=1").await, 400, "unknown_parameter").await;
}

async fn a_bad_limit_is_rejected(app: &TestApp) {
    for limit in ["0", "501", "-3", "many", "1.5"] {
        let body = assert_problem(
            app.get(&format!("/resources?limit={limit}")).await,
            400,
            "invalid_parameter",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "limit");
    }
    assert_problem(
        app.get("/resources?limit=1&limit=2").await,
        400,
        "repeated_parameter",
    )
    .await;
    assert_eq!(app.get("/resources?limit=500").await.status(), 200);
}

async fn a_foreign_cursor_is_rejected(app: &TestApp) {
    let body = assert_problem(
        app.get("/resources?cursor=%F0%9F%98%80").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "cursor");
}

async fn unknown_slugs_are_not_found(app: &TestApp) {
    assert_problem(
        app.get("/resources/no-such-thing").await,
        404,
        "resource_not_found",
    )
    .await;
    assert_problem(
        app.get("/concepts/no-such-thing").await,
        404,
        "concept_not_found",
    )
    .await;
    assert_problem(
        app.get("/resources/NOT%20A%20SLUG").await,
        404,
        "resource_not_found",
    )
    .await;
}

async fn a_wrong_method_is_405_with_allow(app: &TestApp) {
    for (method, path, allow) in [
        (reqwest::Method::PATCH, "/resources", "HEAD, GET, POST"),
        (
            reqwest::Method::POST,
            "/concepts/pooling",
            "HEAD, GET, PUT, DELETE, PATCH",
        ),
        (reqwest::Method::PUT, "/health", "HEAD, GET"),
        (reqwest::Method::POST, "/changes", "HEAD, GET"),
    ] {
        let response = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow, "{path}");
        assert_problem(response, 405, "method_not_allowed").await;
    }
}

async fn head_answers_like_get_without_a_body(app: &TestApp) {
    let get = app.get("/resources/umich").await;
    let head = app
        .client
        .head(app.url("/resources/umich"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"], get.headers()["etag"]);
    assert_eq!(
        head.headers()["content-length"],
        get.headers()["content-length"]
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

async fn unknown_routes_are_problems_too(app: &TestApp) {
    assert_problem(app.get("/nowhere").await, 404, "route_not_found").await;
}

async fn an_empty_filter_value_is_rejected(app: &TestApp) {
    let body = assert_problem(app.get("/resources?level=").await, 400, "invalid_parameter").await;
    assert_eq!(body["errors"][0]["field"], "level");
}

/// PostgreSQL refuses U+0000 in text; a filter holding it names nothing stored, and is
/// answered like any other value that matches nothing.
async fn nul_characters_match_nothing_and_fail_nothing(app: &TestApp) {
    for path in [
        "/resources?topic=%00",
        "/resources?kind=book&topic=a%00b",
        "/bibliography?topic=%00",
        "/bibliography?format=csljson&topic=%00",
        "/search?q=%00",
        "/search?q=pooling&topic=%00",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    let body = app.get_json("/resources?topic=%00", 200).await;
    assert_eq!(body["total"], 0);
    let body = app
        .get_json("/bibliography?format=csljson&topic=%00", 200)
        .await;
    assert_eq!(body, serde_json::json!([]));
    // One alternative holding U+0000 leaves the others.
    let either = app
        .get_json("/resources?topic=object%20detection,%00", 200)
        .await;
    let alone = app
        .get_json("/resources?topic=object%20detection", 200)
        .await;
    assert!(alone["total"].as_u64().unwrap() > 0);
    assert_eq!(either["total"], alone["total"]);
    assert_problem(
        app.get("/concepts?category=%00").await,
        400,
        "invalid_parameter",
    )
    .await;
    for path in ["/resources/a%00b", "/concepts/%00"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

/// A URL over 16 KiB is refused with a problem, not a bare 400 or a 5xx.
async fn an_over_long_url_is_414(app: &TestApp) {
    let long = format!("/resources?author={}", "a".repeat(17 * 1024));
    let body = assert_problem(app.get(&long).await, 414, "uri_too_long").await;
    assert!(body["detail"].as_str().unwrap().contains("16384"), "{body}");
    // Just under the limit, the request is read (and its parameters judged).
    let fits = format!("/resources?author={}", "a".repeat(8 * 1024 - 100));
    assert_eq!(app.get(&fits).await.status(), 200);
}

/// A client that sends its headers and then stalls is answered 408 once the body-read
/// limit (here 1 s) has passed, instead of holding the connection.
async fn a_stalled_body_is_408(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let slow = TestApp::spawn_with(app.backend, false, |settings| {
        settings.body_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let token = crate::writes::key(&slow, "curator", "write");
    let mut socket = tokio::net::TcpStream::connect(slow.addr).await.unwrap();
    let head = format!(
        "POST /resources HTTP/1.1\r\nHost: lore\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\": "
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // Read until the answer's body is complete (the server may keep the socket open).
    loop {
        let n = socket.read(&mut buffer).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
        if String::from_utf8_lossy(&answer).contains("request_timeout") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    slow.teardown().await;
}
