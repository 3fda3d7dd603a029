//! The write API: keys, validation, optimistic concurrency, links, imports, the change
//! feed and rate limiting.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cases;
use crate::helpers::{TestApp, assert_problem, items};

cases![
    unseeded: every_write_route_needs_a_write_key,
    seeded: a_resource_is_created_read_changed_and_deleted,
    unseeded: list_totals_follow_every_write,
    seeded: stale_or_missing_if_match_changes_nothing,
    unseeded: bad_bodies_are_rejected_naming_the_field,
    unseeded: conflicts_are_409,
    seeded: links_are_visible_from_both_ends,
    seeded: skos_links_that_contradict_are_409,
    seeded: concepts_are_written_like_resources,
    unseeded: imports_take_pages_and_bibtex,
    seeded: deletions_appear_in_the_change_feed_with_the_key_name,
    unseeded: a_write_is_searchable_before_its_request_returns,
    unseeded: a_write_on_one_process_is_searchable_on_another_within_a_second,
    unseeded: clients_over_the_rate_limit_get_429,
    unseeded: reads_can_require_a_key,
    unseeded: a_write_behind_a_long_one_gives_up_with_503,
    unseeded: every_write_answer_shows_the_version_it_wrote,
    unseeded: etags_do_not_depend_on_the_host,
    unseeded: a_merge_patch_removes_an_attribute_with_null,
];

/// Issues a key with `scope` through the CLI and returns its token.
pub(crate) fn key(app: &TestApp, name: &str, scope: &str) -> String {
    let (status, stdout, stderr) = app.lore(&["keys", "create", "--name", name, "--scope", scope]);
    assert_eq!(status, 0, "{stderr}");
    stdout
        .lines()
        .last()
        .expect("the token is the last line")
        .to_owned()
}

/// Sends a request with an optional bearer token and JSON body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn etag_of(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

const WRITE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/resources"),
    ("PUT", "/resources/x"),
    ("PATCH", "/resources/x"),
    ("DELETE", "/resources/x"),
    ("POST", "/concepts"),
    ("PUT", "/concepts/x"),
    ("PATCH", "/concepts/x"),
    ("DELETE", "/concepts/x"),
    ("PUT", "/links/explained_by/x/y"),
    ("DELETE", "/links/explained_by/x/y"),
    ("POST", "/imports"),
];

async fn every_write_route_needs_a_write_key(app: &TestApp) {
    let read = key(app, "reader", "read");
    for (method, path) in WRITE_ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = send(app, method.clone(), path, None, Some(json!({"title": "t"}))).await;
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"lore\"",
            "{method} {path}"
        );
        assert_problem(response, 401, "unauthorized").await;

        let response = send(
            app,
            method.clone(),
            path,
            Some("lore_0000000000000000_not-a-real-secret"),
            None,
        )
        .await;
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
        assert_problem(response, 401, "unauthorized").await;

        let response = send(
            app,
            method.clone(),
            path,
            Some(&read),
            Some(json!({"title": "t"})),
        )
        .await;
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("insufficient_scope")
        );
        assert_problem(response, 403, "forbidden").await;
    }
    let revoked = key(app, "gone", "write");
    let (status, _, _) = app.lore(&["keys", "revoke", "gone"]);
    assert_eq!(status, 0);
    let response = send(
        app,
        Method::POST,
        "/resources",
        Some(&revoked),
        Some(json!({"title": "t"})),
    )
    .await;
    assert_problem(response, 401, "unauthorized").await;
    assert_eq!(
        app.get_json("/resources", 200).await["total"],
        0,
        "nothing was written"
    );
}

async fn a_resource_is_created_read_changed_and_deleted(app: &TestApp) {
    let token = key(app, "curator", "write");
    let body = json!({
        "title": "Attention Is All You Need",
        "kind": "paper",
        "url": "https://arxiv.org/abs/1706.03762",
        "level": "advanced",
        "authors": [{"family": "Vaswani", "given": "Ashish"}, {"literal": "Google Brain"}],
        "year": 2017,
        "arxiv_id": "arXiv:1706.03762v7",
    });
    let created = send(app, Method::POST, "/resources", Some(&token), Some(body)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let view: Value = created.json().await.unwrap();
    assert_eq!(location, view["href"]);
    assert_eq!(view["slug"], "attention-is-all-you-need");
    assert_eq!(view["arxiv_id"], "1706.03762");
    assert_eq!(
        etag,
        etag_of(app, "/resources/attention-is-all-you-need").await,
        "the ETag is the representation's"
    );
    let advanced = app.get_json("/resources?level=advanced", 200).await;
    assert_eq!(advanced["total"], 1);

    let patched = app
        .client
        .patch(&location)
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"level": "intermediate", "url": null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let new_etag = patched.headers()["etag"].to_str().unwrap().to_owned();
    // Removing a field the record cannot have is a mistake, not a no-op.
    let unknown = app
        .client
        .patch(&location)
        .bearer_auth(&token)
        .header("If-Match", &new_etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"colour": null}"#)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(unknown, 422, "invalid_body").await;
    assert_eq!(problem["errors"][0]["field"], "colour");
    assert_ne!(new_etag, etag);
    let view: Value = patched.json().await.unwrap();
    assert_eq!(view["level"], "intermediate");
    assert_eq!(view["url"], Value::Null);
    assert_eq!(view["year"], 2017, "fields the patch does not name stay");

    let replaced = app
        .client
        .put(&location)
        .bearer_auth(&token)
        .header("If-Match", &new_etag)
        .json(&json!({"title": "Attention Is All You Need", "kind": "paper", "year": 2017}))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    let view: Value = replaced.json().await.unwrap();
    assert_eq!(view["level"], Value::Null, "PUT replaces the whole record");
    assert_eq!(view["authors"], json!([]));
    let latest = etag_of(app, "/resources/attention-is-all-you-need").await;

    let deleted = app
        .client
        .delete(&location)
        .bearer_auth(&token)
        .header("If-Match", &latest)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/resources/attention-is-all-you-need").await,
        404,
        "resource_not_found",
    )
    .await;
}

async fn stale_or_missing_if_match_changes_nothing(app: &TestApp) {
    let token = key(app, "curator", "write");
    let before = app.get_json("/resources/umich", 200).await;
    let path = "/resources/umich";
    for (if_match, status, code) in [
        (None, 428, "precondition_required"),
        (Some("\"stale\""), 412, "precondition_failed"),
    ] {
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(&token);
            if let Some(tag) = if_match {
                request = request.header("If-Match", tag);
            }
            if method != Method::DELETE {
                request = request.json(&json!({"title": "Changed"}));
            }
            assert_problem(request.send().await.unwrap(), status, code).await;
        }
    }
    let weak = format!("W/{}", etag_of(app, path).await);
    let response = app
        .client
        .delete(app.url(path))
        .bearer_auth(&token)
        .header("If-Match", weak)
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    assert_eq!(app.get_json(path, 200).await, before, "nothing changed");
}

async fn bad_bodies_are_rejected_naming_the_field(app: &TestApp) {
    let token = key(app, "curator", "write");
    let cases: &[(&str, u16, &str, Option<&str>)] = &[
        ("{\"title\": ", 400, "malformed_body", None),
        ("[1, 2]", 422, "invalid_body", None),
        (
            "{\"title\": \"t\", \"colour\": \"red\"}",
            422,
            "invalid_body",
            Some("colour"),
        ),
        (
            "{\"title\": \"t\", \"level\": \"expert\"}",
            422,
            "invalid_body",
            Some("level"),
        ),
        (
            "{\"title\": \"t\", \"year\": \"soon\"}",
            422,
            "invalid_body",
            Some("year"),
        ),
        ("{\"title\": \"   \"}", 422, "invalid_body", Some("title")),
        (
            "{\"title\": \"t\", \"url\": \"javascript:alert(1)\"}",
            422,
            "invalid_body",
            Some("url"),
        ),
        (
            "{\"title\": \"t\", \"slug\": \"Not A Slug\"}",
            422,
            "invalid_body",
            Some("slug"),
        ),
        (
            "{\"title\": \"t\", \"month\": 13}",
            422,
            "invalid_body",
            Some("month"),
        ),
        (
            "{\"title\": \"t\", \"authors\": [{\"given\": \"Ada\\nLovelace\"}]}",
            422,
            "invalid_body",
            Some("authors[0].given"),
        ),
        (
            "{\"title\": \"a\\u0000b\"}",
            422,
            "invalid_body",
            Some("title"),
        ),
        (
            "{\"title\": \"t\", \"attributes\": {\"k\\u0000\": \"v\"}}",
            422,
            "invalid_body",
            Some("attributes.k\\0"),
        ),
        (
            "{\"title\": \"t\", \"attributes\": {\" \": \"v\"}}",
            422,
            "invalid_body",
            Some("attributes. "),
        ),
    ];
    for (body, status, code, field) in cases {
        let response = app
            .client
            .post(app.url("/resources"))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(*body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, *status, code).await;
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], *field, "{body}: {problem}");
        }
    }
    let response = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body("{\"title\": \"t\"}")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;
    let gzipped = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(vec![0x1f, 0x8b, 0x08, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["accept-encoding"], "identity");
    let problem = assert_problem(gzipped, 415, "unsupported_media_type").await;
    assert_eq!(problem["errors"][0]["field"], "Content-Encoding");
    let huge = json!({"title": "t", "description": "x".repeat(2 * 1024 * 1024)});
    let response = send(app, Method::POST, "/resources", Some(&token), Some(huge)).await;
    assert_problem(response, 413, "payload_too_large").await;
    assert_eq!(
        app.get_json("/resources", 200).await["total"],
        0,
        "nothing was written"
    );
}

async fn conflicts_are_409(app: &TestApp) {
    let token = key(app, "curator", "write");
    let first = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "A", "slug": "a", "citation_key": "doe2020a"})),
    )
    .await;
    assert_eq!(first.status(), 201);
    let same_slug = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "B", "slug": "a"})),
    )
    .await;
    assert_problem(same_slug, 409, "conflict").await;
    let same_key = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "C", "citation_key": "Doe2020A"})),
    )
    .await;
    assert_problem(same_key, 409, "conflict").await;
    let concept = send(
        app,
        Method::POST,
        "/concepts",
        Some(&token),
        Some(json!({"name": "Dropout", "slug": "dropout"})),
    )
    .await;
    assert_eq!(concept.status(), 201);
    let again = send(
        app,
        Method::POST,
        "/concepts",
        Some(&token),
        Some(json!({"name": "Dropout 2", "slug": "dropout"})),
    )
    .await;
    assert_problem(again, 409, "conflict").await;
    assert_eq!(app.get_json("/resources", 200).await["total"], 1);
}

async fn links_are_visible_from_both_ends(app: &TestApp) {
    let token = key(app, "curator", "write");
    let path = "/links/explained_by/pooling/umich";
    assert_problem(app.get(path).await, 404, "link_not_found").await;
    let umich_tag = etag_of(app, "/resources/umich").await;
    let put = send(app, Method::PUT, path, Some(&token), None).await;
    assert_eq!(put.status(), 201);
    assert_eq!(put.headers()["location"].to_str().unwrap(), app.url(path));
    let again = send(app, Method::PUT, path, Some(&token), None).await;
    assert_eq!(again.status(), 200, "PUT is idempotent");
    let link = app.get_json(path, 200).await;
    assert_eq!(link["source"]["href"], app.url("/concepts/pooling"));

    let pooling = app.get_json("/concepts/pooling", 200).await;
    assert!(
        pooling["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["slug"] == "umich" && l["direction"] == "outgoing")
    );
    let umich = app.get_json("/resources/umich", 200).await;
    assert!(
        umich["concepts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["slug"] == "pooling" && l["direction"] == "incoming")
    );
    assert_ne!(
        etag_of(app, "/resources/umich").await,
        umich_tag,
        "a new link changes both representations"
    );

    assert_problem(
        send(
            app,
            Method::PUT,
            "/links/explained_by/pooling/no-such",
            Some(&token),
            None,
        )
        .await,
        404,
        "resource_not_found",
    )
    .await;
    assert_problem(
        send(
            app,
            Method::PUT,
            "/links/explained_by/umich/pooling",
            Some(&token),
            None,
        )
        .await,
        404,
        "concept_not_found",
    )
    .await;
    assert_problem(
        send(
            app,
            Method::PUT,
            "/links/likes/pooling/umich",
            Some(&token),
            None,
        )
        .await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        send(
            app,
            Method::PUT,
            "/links/related/pooling/pooling",
            Some(&token),
            None,
        )
        .await,
        422,
        "invalid_body",
    )
    .await;

    let deleted = send(app, Method::DELETE, path, Some(&token), None).await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        send(app, Method::DELETE, path, Some(&token), None).await,
        404,
        "link_not_found",
    )
    .await;
    let umich = app.get_json("/resources/umich", 200).await;
    assert!(
        !umich["concepts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["slug"] == "pooling")
    );
}

async fn skos_links_that_contradict_are_409(app: &TestApp) {
    let token = key(app, "curator", "write");
    let put = |path: &'static str| send(app, Method::PUT, path, Some(&token), None);
    assert_eq!(
        put("/links/broader/grokking/early-stopping").await.status(),
        201
    );
    // The same hierarchy spelt from the other end agrees with it.
    assert_eq!(
        put("/links/narrower/early-stopping/grokking")
            .await
            .status(),
        201
    );
    for path in [
        "/links/broader/early-stopping/grokking",
        "/links/narrower/grokking/early-stopping",
        "/links/related/early-stopping/grokking",
        "/links/related/grokking/early-stopping",
    ] {
        let body = assert_problem(put(path).await, 409, "conflict").await;
        assert_eq!(body["errors"][0]["field"], "relation", "{path}");
        assert!(app.get(path).await.status() == 404, "{path} was not added");
    }
    assert_eq!(put("/links/related/grokking/pooling").await.status(), 201);
    assert_problem(
        put("/links/broader/pooling/grokking").await,
        409,
        "conflict",
    )
    .await;
}

async fn concepts_are_written_like_resources(app: &TestApp) {
    let token = key(app, "curator", "write");
    let created = send(
        app,
        Method::POST,
        "/concepts",
        Some(&token),
        Some(json!({"name": "Dropout", "category": "regularisation", "definition": "Randomly zeroes activations."})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let regularisation = app.get_json("/concepts?category=regularisation", 200).await;
    assert!(
        items(&regularisation)
            .iter()
            .any(|c| c["name"] == "Dropout")
    );
    let patched = app
        .client
        .patch(app.url("/concepts/dropout"))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"aliases": ["dropout regularisation"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let slug_change = app
        .client
        .put(app.url("/concepts/dropout"))
        .bearer_auth(&token)
        .header("If-Match", etag_of(app, "/concepts/dropout").await)
        .json(&json!({"name": "Dropout", "slug": "drop-out"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(slug_change, 422, "invalid_body").await;
    assert_eq!(problem["errors"][0]["field"], "slug");
    // Deleting a concept removes its links from the other ends.
    let grokking_tag = etag_of(app, "/concepts/grokking").await;
    let deleted = app
        .client
        .delete(app.url("/concepts/grokking"))
        .bearer_auth(&token)
        .header("If-Match", grokking_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let paper = app.get_json("/resources?limit=500", 200).await;
    let arxiv = items(&paper)
        .iter()
        .find(|r| r["arxiv_id"] == "2212.13881")
        .unwrap();
    assert!(arxiv["concepts"].as_array().unwrap().is_empty(), "{arxiv}");
}

async fn imports_take_pages_and_bibtex(app: &TestApp) {
    let token = key(app, "curator", "write");
    let page = "# Reading\n\n## Courses\n\n| Course | link | level |\n|---|---|---|\n| Fast.ai | https://course.fast.ai/ | beginner |\n";
    let response = app
        .client
        .post(app.url("/imports?name=reading.md"))
        .bearer_auth(&token)
        .header("Content-Type", "text/markdown")
        .body(page)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["file"], "reading.md");
    assert_eq!(report["summary"]["resources"]["created"], 1);
    let course = app.get_json("/resources?level=beginner", 200).await;
    assert_eq!(items(&course)[0]["provenance"]["file"], "reading.md");

    let bib =
        "@article{doe2020, title = {A Study}, author = {Doe, Jane}, year = 2020, journal = {J}}\n";
    let response = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(&token)
        .header("Content-Type", "application/x-bibtex")
        .body(bib)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["file"], "upload.bib");
    let all = app.get_json("/resources", 200).await;
    assert!(items(&all).iter().any(|r| r["citation_key"] == "doe2020"));

    // Bytes without a declared format, as generated clients send them: the name says which.
    let octets =
        "@book{roe2021, title = {Octets}, author = {Roe, Richard}, year = 2021, publisher = {P}}\n";
    let response = app
        .client
        .post(app.url("/imports?name=octets.bib"))
        .bearer_auth(&token)
        .header("Content-Type", "application/octet-stream")
        .body(octets)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["file"], "octets.bib");
    let all = app.get_json("/resources", 200).await;
    assert!(items(&all).iter().any(|r| r["citation_key"] == "roe2021"));
    let unnamed = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(&token)
        .header("Content-Type", "application/octet-stream")
        .body(octets)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(unnamed, 400, "invalid_parameter").await;
    assert_eq!(problem["errors"][0]["field"], "name");

    let not_a_catalogue = app
        .client
        .post(app.url("/imports?name=notes.txt"))
        .bearer_auth(&token)
        .header("Content-Type", "text/markdown")
        .body(page)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(not_a_catalogue, 400, "invalid_parameter").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    let not_bibtex = app
        .client
        .post(app.url("/imports?name=refs.bib"))
        .bearer_auth(&token)
        .header("Content-Type", "application/x-bibtex")
        .body("this is not BibTeX {")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(not_bibtex, 422, "invalid_body").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("refs.bib:1"),
        "{problem}"
    );
    let utf16: Vec<u8> = "# Notes\n\n## Courses\n\n| Course | link | level |\n|---|---|---|\n| Léa's course | https://lea.example/ | beginner |\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let response = app
        .client
        .post(app.url("/imports?name=utf16.md"))
        .bearer_auth(&token)
        .header("Content-Type", "text/markdown; charset=utf-16le")
        .body(utf16)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["resources"]["created"], 1, "{report}");
    let wrong_type = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(&token)
        .header("Content-Type", "image/png")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 415, "unsupported_media_type").await;
}

async fn deletions_appear_in_the_change_feed_with_the_key_name(app: &TestApp) {
    let token = key(app, "mirror-writer", "write");
    let last = items(&app.get_json("/changes?limit=1000", 200).await)
        .last()
        .unwrap()["seq"]
        .as_i64()
        .unwrap();
    let tag = etag_of(app, "/resources/umich").await;
    let response = app
        .client
        .delete(app.url("/resources/umich"))
        .bearer_auth(&token)
        .header("If-Match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let feed = app.get_json(&format!("/changes?since={last}"), 200).await;
    let deletion = items(&feed)
        .iter()
        .find(|c| c["op"] == "delete")
        .expect("a deletion");
    assert_eq!(deletion["entity"], "resource");
    assert_eq!(deletion["slug"], "umich");
    assert_eq!(deletion["key"], "mirror-writer");
    // The topic concept lost a link: its update is in the feed too.
    assert!(items(&feed).iter().any(|c| c["entity"] == "concept"
        && c["slug"] == "deep-learning-intro"
        && c["op"] == "update"));
}

async fn clients_over_the_rate_limit_get_429(app: &TestApp) {
    let limited = TestApp::spawn_with(app.backend, false, |s| {
        s.rate_limit = std::num::NonZeroU32::new(1)
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = limited.get("/resources").await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&retry), "{retry}");
            assert_problem(response, 429, "rate_limited").await;
            break;
        }
    }
    assert_eq!(
        &statuses[..2],
        [200, 200],
        "a burst of two is allowed: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    limited.teardown().await;
}

async fn reads_can_require_a_key(app: &TestApp) {
    let private = TestApp::spawn_with(app.backend, false, |s| s.require_read_key = true).await;
    assert_problem(private.get("/resources").await, 401, "unauthorized").await;
    assert_eq!(
        private.get("/health").await.status(),
        200,
        "probes stay public"
    );
    assert_eq!(private.get("/openapi.json").await.status(), 200);
    let token = key(&private, "reader", "read");
    let response = private
        .client
        .get(private.url("/resources"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    private.teardown().await;
}

async fn search_total(app_url: &str, client: &reqwest::Client, q: &str) -> u64 {
    let url = format!(
        "{app_url}/search?{}",
        serde_urlencoded::to_string([("q", q)]).unwrap()
    );
    let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
    body["total"].as_u64().unwrap_or(0)
}

async fn a_write_is_searchable_before_its_request_returns(app: &TestApp) {
    let token = key(app, "curator", "write");
    for i in 0..5 {
        let title = format!("Holographic Reduced Representations part {i}");
        let created = send(
            app,
            Method::POST,
            "/resources",
            Some(&token),
            Some(json!({"title": title})),
        )
        .await;
        assert_eq!(created.status(), 201);
        // No waiting: the write answered only once the index showed it.
        let total = search_total(
            &app.url(""),
            &app.client,
            &format!("holographic reduced part {i}"),
        )
        .await;
        assert!(
            total >= 1,
            "write {i} not searchable when its request returned"
        );
    }
    let slug = "holographic-reduced-representations-part-0";
    let etag = etag_of(app, &format!("/resources/{slug}")).await;
    let deleted = app
        .client
        .delete(app.url(&format!("/resources/{slug}")))
        .bearer_auth(&token)
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let body: Value = app.get_json("/search?q=holographic&limit=50", 200).await;
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["slug"] != slug),
        "a deletion is searchable at once too"
    );
}

/// A second `lore serve` process over the same store, stopped when dropped.
struct OtherProcess {
    child: std::process::Child,
    url: String,
    _data_dir: tempfile::TempDir,
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn a_write_on_one_process_is_searchable_on_another_within_a_second(app: &TestApp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .args([
            "serve",
            "--no-seed",
            "--rate-limit",
            "0",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data-dir")
        .arg(data_dir.path())
        .arg("--database-url")
        .arg(&app.database_url)
        .env("LORE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("second lore process");
    let other = OtherProcess {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _data_dir: data_dir,
    };
    let ready = async {
        loop {
            if app
                .client
                .get(format!("{}/ready", other.url))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), ready)
        .await
        .expect("the second process starts");

    let token = key(app, "curator", "write");
    let created = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "Zygohistomorphic Prepromorphisms"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let written = std::time::Instant::now();
    let mut found = false;
    while written.elapsed() < std::time::Duration::from_secs(3) {
        if search_total(&other.url, &app.client, "zygohistomorphic").await > 0 {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let elapsed = written.elapsed();
    assert!(found, "the other process never found the write");
    assert!(
        elapsed < std::time::Duration::from_secs(1),
        "found after {elapsed:?}"
    );
}

/// A write that waits longer than `WRITE_LOCK_WAIT` for another (a long import) is told to
/// come back later, instead of failing with 500 or waiting without end.
async fn a_write_behind_a_long_one_gives_up_with_503(app: &TestApp) {
    let token = key(app, "curator", "write");
    let post = || {
        send(
            app,
            Method::POST,
            "/resources",
            Some(&token),
            Some(json!({"title": "Behind a long import"})),
        )
    };
    let store = lore::store::Store::connect(&app.database_url)
        .await
        .unwrap();
    let long_write = store.begin().await.unwrap();
    let started = std::time::Instant::now();
    let response = post().await;
    assert!(started.elapsed() >= lore::store::WRITE_LOCK_WAIT);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_problem(response, 503, "store_unavailable").await;
    // `lore import` says the same, whatever the readers' time limit.
    let page = app.data_dir.path().join("behind.md");
    std::fs::write(
        &page,
        "# Behind\n\n## Courses\n\n- [Behind](https://behind.example/)\n",
    )
    .unwrap();
    let (status, _, stderr) = app.lore(&["import", page.to_str().unwrap()]);
    assert_ne!(status, 0);
    assert!(stderr.contains("another write holds the store"), "{stderr}");
    drop(long_write);
    assert_eq!(post().await.status(), StatusCode::CREATED);
    store.close().await;
}

/// Sixteen clients each read a resource and PATCH their own `description` with the
/// `ETag` they read, retrying on 412, while the others do the same. Every 2xx answer shows
/// the value its request wrote, with an `ETag` no other answer has; and a client that
/// keeps its copy and that `ETag` cannot PUT over a change made after it (412).
async fn every_write_answer_shows_the_version_it_wrote(app: &TestApp) {
    const WRITERS: usize = 16;
    const ROUNDS: usize = 3;
    let token = key(app, "curator", "write");
    let created = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "Contended Record"})),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();

    let writer = |n: usize| {
        let (client, location, token) = (app.client.clone(), location.clone(), token.clone());
        async move {
            let mut answers = Vec::new();
            for round in 0..ROUNDS {
                let value = format!("writer {n} round {round}");
                loop {
                    let read = client.get(&location).send().await.unwrap();
                    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
                    let patched = client
                        .patch(&location)
                        .bearer_auth(&token)
                        .header("If-Match", &etag)
                        .header("Content-Type", "application/merge-patch+json")
                        .body(json!({"description": value}).to_string())
                        .send()
                        .await
                        .unwrap();
                    match patched.status().as_u16() {
                        200 => {
                            let tag = patched.headers()["etag"].to_str().unwrap().to_owned();
                            let body: Value = patched.json().await.unwrap();
                            answers.push((value.clone(), body["description"].clone(), tag));
                            break;
                        }
                        412 => {}
                        other => panic!("PATCH answered {other}"),
                    }
                }
            }
            answers
        }
    };
    let answers: Vec<(String, Value, String)> = futures::future::join_all((0..WRITERS).map(writer))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(answers.len(), WRITERS * ROUNDS);
    for (wrote, shown, _) in &answers {
        assert_eq!(
            shown,
            &json!(wrote),
            "the answer shows what its request wrote"
        );
    }
    let tags: std::collections::HashSet<&String> = answers.iter().map(|(_, _, t)| t).collect();
    assert_eq!(
        tags.len(),
        answers.len(),
        "each answer tags its own version"
    );

    // Keep-my-copy: A writes and keeps the ETag it got; B changes the record; A's PUT
    // with its kept ETag is refused.
    let mine = app
        .client
        .patch(&location)
        .bearer_auth(&token)
        .header(
            "If-Match",
            etag_of(app, &location.replace(&app.url(""), "")).await,
        )
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"description": "mine"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    let kept = mine.headers()["etag"].to_str().unwrap().to_owned();
    let theirs = app
        .client
        .patch(&location)
        .bearer_auth(&token)
        .header("If-Match", &kept)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"description": "theirs"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 200);
    let overwrite = app
        .client
        .put(&location)
        .bearer_auth(&token)
        .header("If-Match", &kept)
        .json(&json!({"title": "Contended Record", "description": "mine again"}))
        .send()
        .await
        .unwrap();
    assert_problem(overwrite, 412, "precondition_failed").await;
}

/// The same version read through two names of the server has one `ETag`, and either
/// name's tag is good for `If-Match` on the other.
async fn etags_do_not_depend_on_the_host(app: &TestApp) {
    let token = key(app, "curator", "write");
    let created = send(
        app,
        Method::POST,
        "/resources",
        Some(&token),
        Some(json!({"title": "Hosted Twice"})),
    )
    .await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let path = location.replace(&app.url(""), "");
    let read_as = |host: &'static str| app.client.get(app.url(&path)).header("Host", host).send();
    let local = read_as("localhost").await.unwrap();
    let numeric = read_as("127.0.0.1").await.unwrap();
    let local_tag = local.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(local_tag, numeric.headers()["etag"].to_str().unwrap());
    assert_ne!(
        local.json::<Value>().await.unwrap()["href"],
        numeric.json::<Value>().await.unwrap()["href"],
        "the links differ, the tag does not"
    );
    let patched = app
        .client
        .patch(app.url(&path))
        .header("Host", "127.0.0.1")
        .bearer_auth(&token)
        .header("If-Match", &local_tag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"level": "beginner"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
}

/// RFC 7396 is recursive: `{"attributes": {"abstract": null}}` removes the abstract and
/// keeps the other attributes; an abstract with a control character is 422 naming it.
async fn a_merge_patch_removes_an_attribute_with_null(app: &TestApp) {
    let token = key(app, "editor", "write");
    let created = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .json(&json!({"title": "Pebbles", "attributes": {"abstract": "Counting them.", "venue note": "kept"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let patch = |body: Value, etag: String| {
        app.client
            .patch(&location)
            .bearer_auth(&token)
            .header("If-Match", etag)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
    };
    let bad = patch(json!({"attributes": {"abstract": "a\u{e}b"}}), etag.clone())
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(
        problem["errors"][0]["field"], "attributes.abstract",
        "{problem}"
    );
    let patched = patch(json!({"attributes": {"abstract": null}}), etag)
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let view: Value = patched.json().await.unwrap();
    assert_eq!(view["attributes"], json!({"venue note": "kept"}), "{view}");
}

/// Totals are counted once per filter and store state, then reused: the next page after
/// a write counts again.
async fn list_totals_follow_every_write(app: &TestApp) {
    let token = key(app, "curator", "write");
    let beginners = "/resources?level=beginner&limit=1";
    for _ in 0..2 {
        assert_eq!(app.get_json(beginners, 200).await["total"], 0);
    }
    let mut locations = Vec::new();
    for (i, total) in [(0, 1), (1, 2)] {
        let body = json!({"title": format!("Counted course {i}"), "level": "beginner"});
        let created = send(app, Method::POST, "/resources", Some(&token), Some(body)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        locations.push((
            created.headers()["location"].to_str().unwrap().to_owned(),
            created.headers()["etag"].to_str().unwrap().to_owned(),
        ));
        for _ in 0..2 {
            let page = app.get_json(beginners, 200).await;
            assert_eq!(page["total"], total, "{page}");
        }
    }
    let (location, etag) = &locations[0];
    let patched = app
        .client
        .patch(location)
        .bearer_auth(&token)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"level": "advanced"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(app.get_json(beginners, 200).await["total"], 1);
    assert_eq!(
        app.get_json("/resources?level=advanced", 200).await["total"],
        1
    );
}
