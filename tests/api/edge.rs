//! What the HTTP edge adds to every answer: CORS, compression, caching, request ids,
//! metrics, rate-limit headers, and URLs that follow the configured public URL and trusted
//! proxies only.

use reqwest::Method;
use serde_json::json;

use crate::cases;
use crate::helpers::{TestApp, assert_problem};

cases![
    seeded: preflights_from_any_origin_may_read_and_listed_origins_may_write,
    seeded: answers_are_compressed_when_the_client_accepts_it,
    seeded: reads_say_how_to_cache_them,
    seeded: request_ids_are_echoed_or_made,
    seeded: metrics_count_requests_per_route_and_status,
    seeded: a_public_url_keeps_a_hostile_host_out_of_every_link,
    seeded: without_a_public_url_an_untrusted_peer_cannot_forward_a_host,
    seeded: search_and_bibliography_answers_carry_etags,
    unseeded: rate_limits_show_in_headers_and_spare_probes,
    unseeded: only_trusted_proxies_name_the_client,
];

const APP_ORIGIN: &str = "https://app.example.org";

fn key(app: &TestApp, name: &str) -> String {
    let (status, stdout, stderr) =
        app.lore(&["keys", "create", "--name", name, "--scope", "write"]);
    assert_eq!(status, 0, "{stderr}");
    stdout.lines().last().unwrap().to_owned()
}

async fn preflight(app: &TestApp, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/resources"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

async fn preflights_from_any_origin_may_read_and_listed_origins_may_write(app: &TestApp) {
    let cors = TestApp::spawn_with(app.backend, false, |s| {
        s.edge.cors_origins = vec![APP_ORIGIN.to_owned()];
    })
    .await;
    // Reads: any origin.
    let response = preflight(&cors, "https://anyone.example", "GET").await;
    assert_eq!(response.status(), 204);
    let methods = response.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    let read = cors
        .client
        .get(cors.url("/resources"))
        .header("Origin", "https://anyone.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert!(read.headers().contains_key("access-control-allow-origin"));
    let exposed = read.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in [
        "etag",
        "link",
        "location",
        "ratelimit-remaining",
        "x-request-id",
    ] {
        assert!(exposed.contains(header), "{exposed}");
    }
    // Writes: the listed origin only.
    assert_eq!(preflight(&cors, APP_ORIGIN, "POST").await.status(), 204);
    let refused = preflight(&cors, "https://evil.example", "POST").await;
    assert_problem(refused, 403, "origin_not_allowed").await;
    let token = key(&cors, "curator");
    let write = |origin: &'static str, title: &'static str| {
        cors.client
            .post(cors.url("/resources"))
            .bearer_auth(&token)
            .header("Origin", origin)
            .json(&json!({"title": title, "kind": "article"}))
            .send()
    };
    let refused = write("https://evil.example", "From elsewhere")
        .await
        .unwrap();
    assert_problem(refused, 403, "origin_not_allowed").await;
    assert_eq!(
        cors.get_json("/resources", 200).await["total"],
        0,
        "nothing was written"
    );
    let allowed = write(APP_ORIGIN, "From the app").await.unwrap();
    assert_eq!(allowed.status(), 201);
    assert_eq!(allowed.headers()["access-control-allow-origin"], APP_ORIGIN);
    // lore's own pages (Swagger UI) write from its own origin.
    let own = format!("http://{}", cors.addr);
    let own_write = cors
        .client
        .post(cors.url("/resources"))
        .bearer_auth(&token)
        .header("Origin", own)
        .json(&json!({"title": "From the docs", "kind": "article"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own_write.status(), 201);
    cors.teardown().await;
}

async fn answers_are_compressed_when_the_client_accepts_it(app: &TestApp) {
    for encoding in ["gzip", "br", "zstd"] {
        let response = app
            .client
            .get(app.url("/concepts"))
            .header("Accept-Encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
    let plain = app.get("/concepts").await;
    assert!(!plain.headers().contains_key("content-encoding"));
}

async fn reads_say_how_to_cache_them(app: &TestApp) {
    let cache = |path: &'static str| async move {
        app.get(path).await.headers()["cache-control"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(cache("/resources").await, "no-cache");
    assert_eq!(cache("/health").await, "no-store");
    assert_eq!(cache("/docs/swagger-ui.css").await, "public, max-age=86400");
}

async fn request_ids_are_echoed_or_made(app: &TestApp) {
    let response = app
        .client
        .get(app.url("/resources/no-such-thing"))
        .header("X-Request-Id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let made = app.get("/health").await;
    let id = made.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let other = app.get("/health").await;
    assert_ne!(other.headers()["x-request-id"], id);
}

async fn metrics(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    response.text().await.unwrap()
}

async fn metrics_count_requests_per_route_and_status(app: &TestApp) {
    app.get("/resources").await;
    app.get("/resources/no-such-thing").await;
    app.get("/resources/no-such-thing").await;
    app.get("/search?q=grokking").await;
    let text = metrics(app).await;
    assert!(
        text.contains(
            r#"lore_http_requests_total{method="GET",route="/resources",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"lore_http_requests_total{method="GET",route="/resources/{slug}",status="404"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"lore_http_request_duration_seconds_count{method="GET",route="/search",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"lore_searches_total{outcome="ok"} 1"#),
        "{text}"
    );
    assert!(text.contains("lore_search_index_lag_changes 0"), "{text}");
}

async fn a_public_url_keeps_a_hostile_host_out_of_every_link(app: &TestApp) {
    let public = TestApp::spawn_with(app.backend, true, |s| {
        s.edge.public_url =
            Some(lore::config::PublicUrl::parse("https://lore.example.org/kb").unwrap());
    })
    .await;
    let token = key(&public, "curator");
    let hostile = [
        ("Host", "evil.example"),
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "host=evil.example;proto=http"),
    ];
    let get = |path: &'static str, accept: &'static str| {
        let mut request = public.client.get(public.url(path)).header("Accept", accept);
        for (name, value) in hostile {
            request = request.header(name, value);
        }
        request.send()
    };
    for (path, accept) in [
        ("/resources?limit=2", "application/json"),
        ("/concepts/grokking", "application/json"),
        ("/search?q=deep&limit=1", "application/json"),
        ("/", "application/json"),
        ("/changes?since=0&limit=1", "application/json"),
        ("/", "text/html"),
        ("/search?q=deep&limit=1", "text/html"),
        ("/concepts/grokking", "text/html"),
    ] {
        let response = get(path, accept).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        assert!(!body.contains("evil.example"), "{path} ({accept}): {body}");
        assert!(!link.contains("evil.example"), "{path}: {link}");
        assert!(
            body.contains("https://lore.example.org/kb/"),
            "{path}: {body}"
        );
    }
    let mut create = public
        .client
        .post(public.url("/resources"))
        .bearer_auth(&token)
        .json(&json!({"title": "Hosted elsewhere", "kind": "article"}));
    for (name, value) in hostile {
        create = create.header(name, value);
    }
    let created = create.send().await.unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.headers()["location"],
        "https://lore.example.org/kb/resources/hosted-elsewhere"
    );
    public.teardown().await;
}

async fn without_a_public_url_an_untrusted_peer_cannot_forward_a_host(app: &TestApp) {
    let response = app
        .client
        .get(app.url("/resources?limit=1"))
        .header("X-Forwarded-Host", "evil.example")
        .header("Forwarded", "host=evil.example")
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(!body.contains("evil.example"), "{body}");
    assert!(
        body.contains(&format!("http://{}/resources/", app.addr)),
        "{body}"
    );
}

async fn search_and_bibliography_answers_carry_etags(app: &TestApp) {
    for path in ["/search?q=grokking", "/bibliography?level=beginner"] {
        let first = app.get(path).await;
        assert_eq!(first.status(), 200, "{path}");
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], tag.as_str());
        let other = app.get(&format!("{path}&limit=1")).await;
        if other.status() == 200 {
            assert_ne!(other.headers()["etag"], tag.as_str(), "{path}");
        }
    }
    // A write moves the bibliography's tag.
    let before = app.get("/bibliography").await.headers()["etag"].clone();
    let token = key(app, "curator");
    let created = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .json(&json!({"title": "A new entry", "kind": "article"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let after = app.get("/bibliography").await.headers()["etag"].clone();
    assert_ne!(before, after);
}

fn number(response: &reqwest::Response, name: &str) -> u64 {
    response.headers()[name].to_str().unwrap().parse().unwrap()
}

async fn rate_limits_show_in_headers_and_spare_probes(app: &TestApp) {
    let limited = TestApp::spawn_with(app.backend, false, |s| {
        s.rate_limit = std::num::NonZeroU32::new(1);
    })
    .await;
    let first = limited.get("/resources").await;
    assert_eq!(first.status(), 200);
    assert_eq!(number(&first, "ratelimit-limit"), 2, "a burst of two");
    assert_eq!(number(&first, "ratelimit-remaining"), 1);
    assert!((1..=2).contains(&number(&first, "ratelimit-reset")));
    let mut last = limited.get("/resources").await;
    for _ in 0..3 {
        if last.status() == 429 {
            break;
        }
        last = limited.get("/resources").await;
    }
    assert_eq!(last.status(), 429);
    assert_eq!(number(&last, "ratelimit-remaining"), 0);
    for _ in 0..10 {
        assert_eq!(
            limited.get("/health").await.status(),
            200,
            "probes are never limited"
        );
        assert_eq!(limited.get("/ready").await.status(), 200);
    }
    limited.teardown().await;
}

async fn only_trusted_proxies_name_the_client(app: &TestApp) {
    let statuses = |trusted: bool| async move {
        let proxy = TestApp::spawn_with(app.backend, false, |s| {
            s.rate_limit = std::num::NonZeroU32::new(1);
            if trusted {
                s.edge.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            }
        })
        .await;
        // Three clients behind the proxy, two requests each: each client has its own
        // bucket (a burst of two) when the proxy is trusted; one shared bucket otherwise.
        let mut statuses = Vec::new();
        for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
            for _ in 0..2 {
                let response = proxy
                    .client
                    .get(proxy.url("/resources"))
                    .header("X-Forwarded-For", client)
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status().as_u16());
            }
        }
        proxy.teardown().await;
        statuses
    };
    assert!(
        statuses(true).await.iter().all(|s| *s == 200),
        "one bucket per client"
    );
    assert!(
        statuses(false).await.contains(&429),
        "the peer's bucket, shared"
    );
}
