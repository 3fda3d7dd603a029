//! Querying: boolean search, sorting, the filters of lists, bibliographies and search,
//! and field selection, with their problems.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases;
use crate::helpers::{TestApp, assert_problem, field, items};

cases![
    seeded: or_and_and_not_combine_search_matches,
    seeded: malformed_operators_are_searched_as_words_with_a_warning,
    seeded: resources_sort_by_title_year_and_times_both_ways,
    seeded: cursors_walk_every_sort_order_across_ties_both_ways,
    seeded: concepts_sort_by_name_and_times,
    seeded: an_update_moves_a_resource_to_the_end_of_updated_at,
    seeded: years_filter_with_open_ends,
    seeded: authors_filter_by_family_name_ignoring_case_and_accents,
    seeded: venues_and_identifiers_filter,
    seeded: updated_since_keeps_what_changed_at_or_after_an_instant,
    seeded: new_filters_combine_with_the_others_and_reach_bibliographies,
    seeded: fields_select_members_and_links_shorten,
    seeded: bad_sorts_filters_and_selections_are_problems,
    seeded: keys_of_records_older_than_the_keys_are_filled_when_the_store_opens,
    seeded: searches_sort_by_relevance_or_a_field_and_page_without_overlap,
    seeded: searches_take_the_filters_of_the_lists,
    seeded: search_fields_select_members_and_bad_values_are_problems,
];

/// Issues a write key through the CLI and returns its token.
fn write_key(app: &TestApp) -> String {
    let (status, stdout, stderr) =
        app.lore(&["keys", "create", "--name", "querying", "--scope", "write"]);
    assert_eq!(status, 0, "{stderr}");
    stdout.lines().last().expect("token").to_owned()
}

/// Sends a JSON write with a bearer token (and `If-Match` when given).
async fn write(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request.send().await.unwrap()
}

/// Every item of a list, following `next` links from `path` (pages of `limit`).
async fn walk(app: &TestApp, path: &str) -> (Vec<Value>, Vec<String>) {
    let mut out = Vec::new();
    let mut pages = Vec::new();
    let mut url = app.url(path);
    loop {
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body: Value = response.json().await.unwrap();
        out.extend(items(&body).iter().cloned());
        pages.push(url.clone());
        match body["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
    (out, pages)
}

/// The `rel` link of a response's `Link` header.
fn link(response: &reqwest::Response, rel: &str) -> Option<String> {
    let header = response.headers().get("link")?.to_str().ok()?.to_owned();
    header.split(", ").find_map(|part| {
        let (url, attrs) = part.split_once(">; ")?;
        (attrs == format!("rel=\"{rel}\"")).then(|| url.trim_start_matches('<').to_owned())
    })
}

/// A title reduced as `sort=title` reduces it (the seed's titles are ASCII).
fn letters(title: &str) -> String {
    title
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(64)
        .collect()
}

/// GET `/search` with these parameters (encoded here), asserting 200.
async fn search(app: &TestApp, params: &[(&str, &str)]) -> serde_json::Value {
    let query = serde_urlencoded::to_string(params).unwrap();
    app.get_json(&format!("/search?{query}"), 200).await
}

/// The slugs of every match of `q` (at most 100).
async fn matches(app: &TestApp, q: &str) -> BTreeSet<String> {
    let body = search(app, &[("q", q), ("limit", "100")]).await;
    assert!(body["total"].as_u64().unwrap() <= 100, "{body}");
    field(&body, "slug").into_iter().collect()
}

async fn or_and_and_not_combine_search_matches(app: &TestApp) {
    let grokking = matches(app, "grokking").await;
    let pooling = matches(app, "pooling").await;
    assert!(grokking.contains("grokking") && pooling.contains("pooling"));
    assert_eq!(
        matches(app, "grokking OR pooling").await,
        grokking.union(&pooling).cloned().collect()
    );
    let early_stopping = matches(app, "early AND stopping").await;
    assert!(
        early_stopping.contains("early-stopping"),
        "{early_stopping:?}"
    );
    assert_eq!(early_stopping, matches(app, "early stopping").await);
    let everything = matches(app, "NOT qqqqqqqq").await;
    let not_grokking = matches(app, "NOT grokking").await;
    assert!(!not_grokking.is_empty());
    assert_eq!(
        not_grokking,
        everything.difference(&grokking).cloned().collect()
    );
    let grouped = matches(app, "(grokking OR pooling) AND NOT essay").await;
    assert!(grouped.contains("grokking") && grouped.contains("pooling"));
    assert!(grouped.is_subset(&grokking.union(&pooling).cloned().collect()));
    assert_eq!(
        matches(app, "early and stopping").await,
        BTreeSet::new(),
        "lower-case `and` is a word every match must hold"
    );
}

async fn malformed_operators_are_searched_as_words_with_a_warning(app: &TestApp) {
    for text in [
        "early AND",
        "(grokking",
        "OR pooling",
        "grokking)",
        "()",
        "NOT",
    ] {
        let body = search(app, &[("q", text)]).await;
        let warnings = body["warnings"].as_array().expect("warnings");
        assert_eq!(warnings.len(), 1, "{text}: {body}");
        assert!(
            warnings[0]
                .as_str()
                .unwrap()
                .ends_with("searched as plain words"),
            "{text}: {body}"
        );
    }
    let fine = search(app, &[("q", "grokking OR pooling")]).await;
    assert_eq!(fine["warnings"], serde_json::json!([]));
    let _ = items(&fine);

    // Nesting deep enough to exhaust a thread's stack is searched as words too, and the
    // server goes on answering.
    let deep_parentheses = format!("{}grokking{}", "(".repeat(1000), ")".repeat(1000));
    let deep_nots = format!("{}grokking", "NOT ".repeat(3000));
    for text in [deep_parentheses, deep_nots] {
        let body = search(app, &[("q", &text)]).await;
        let warnings = body["warnings"].as_array().expect("warnings");
        assert!(
            warnings[0].as_str().unwrap().contains("nest deeper"),
            "{body}"
        );
    }
    assert_eq!(app.get("/health").await.status(), 200);
}

// --- sorting ---------------------------------------------------------------------------

async fn resources_sort_by_title_year_and_times_both_ways(app: &TestApp) {
    let imported = app.get_json("/resources", 200).await;
    let by_id = field(&imported, "slug");
    let by_title = app.get_json("/resources?sort=title", 200).await;
    let titles = field(&by_title, "title");
    let mut expected = field(&imported, "title");
    expected.sort_by_key(|t| letters(t));
    assert_eq!(titles, expected);
    let descending = app.get_json("/resources?sort=-title", 200).await;
    let mut reversed = field(&by_title, "slug");
    reversed.reverse();
    assert_eq!(field(&descending, "slug"), reversed);

    let newest = app.get_json("/resources?sort=-year", 200).await;
    let years: Vec<Value> = items(&newest).iter().map(|i| i["year"].clone()).collect();
    assert_eq!(
        years[..3],
        [json!(2022), json!(2019), json!(2015)],
        "{years:?}"
    );
    assert!(
        years[3..].iter().all(Value::is_null),
        "no year last: {years:?}"
    );
    let undated: Vec<String> = field(&newest, "slug")[3..].to_vec();
    let mut undated_by_id: Vec<String> = by_id
        .iter()
        .filter(|s| undated.contains(s))
        .cloned()
        .collect();
    undated_by_id.reverse();
    assert_eq!(undated, undated_by_id, "ties by id, descending too");
    let oldest = app.get_json("/resources?sort=year", 200).await;
    let mut reversed = field(&newest, "slug");
    reversed.reverse();
    assert_eq!(field(&oldest, "slug"), reversed);

    for key in ["created_at", "updated_at"] {
        let body = app.get_json(&format!("/resources?sort={key}"), 200).await;
        let times = field(&body, key);
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "{key}");
        let body = app.get_json(&format!("/resources?sort=-{key}"), 200).await;
        let times = field(&body, key);
        let mut sorted = times.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(times, sorted, "-{key}");
    }
}

async fn cursors_walk_every_sort_order_across_ties_both_ways(app: &TestApp) {
    for sort in [
        "title",
        "-title",
        "year",
        "-year",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ] {
        let whole = app.get_json(&format!("/resources?sort={sort}"), 200).await;
        let expected = field(&whole, "slug");
        let (walked, pages) = walk(app, &format!("/resources?sort={sort}&limit=2")).await;
        let slugs: Vec<String> = walked
            .iter()
            .map(|i| i["slug"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(slugs, expected, "sort={sort}: every record once, in order");
        assert_eq!(pages.len(), expected.len().div_ceil(2), "sort={sort}");
        // Back from the last page through the `prev` links.
        let mut url = pages.last().unwrap().clone();
        let mut backwards = Vec::new();
        loop {
            let response = app.client.get(&url).send().await.unwrap();
            let previous = link(&response, "prev");
            let body: Value = response.json().await.unwrap();
            let mut page: Vec<String> = field(&body, "slug");
            page.reverse();
            backwards.extend(page);
            match previous {
                Some(prev) => url = prev,
                None => break,
            }
        }
        backwards.reverse();
        assert_eq!(backwards, expected, "sort={sort}: prev links walk back");
    }
    // A cursor issued in one order is a position in another, never an error.
    let first = app.get_json("/resources?sort=title&limit=2", 200).await;
    let next = first["next"].as_str().unwrap().to_owned();
    let cursor = next.split("cursor=").nth(1).unwrap().to_owned();
    app.get_json(&format!("/resources?sort=-year&cursor={cursor}"), 200)
        .await;
    app.get_json(&format!("/resources?cursor={cursor}"), 200)
        .await;
}

async fn concepts_sort_by_name_and_times(app: &TestApp) {
    let by_name = app.get_json("/concepts?sort=title&limit=500", 200).await;
    let names = field(&by_name, "name");
    let mut expected = names.clone();
    expected.sort_by_key(|n| letters(n));
    assert_eq!(names, expected);
    let descending = app.get_json("/concepts?sort=-title&limit=500", 200).await;
    let mut reversed = names.clone();
    reversed.reverse();
    assert_eq!(field(&descending, "name"), reversed);
    let (walked, _) = walk(app, "/concepts?sort=-created_at&limit=3").await;
    let whole = app
        .get_json("/concepts?sort=-created_at&limit=500", 200)
        .await;
    assert_eq!(walked, *items(&whole));
}

async fn an_update_moves_a_resource_to_the_end_of_updated_at(app: &TestApp) {
    let token = write_key(app);
    let before = app.get_json("/resources?sort=-updated_at", 200).await;
    let oldest = field(&before, "slug").last().unwrap().clone();
    let path = format!("/resources/{oldest}");
    let response = app.get(&path).await;
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    let patched = write(
        app,
        Method::PATCH,
        &path,
        &token,
        Some(&tag),
        json!({"description": "Updated."}),
    )
    .await;
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    let stamp = patched["updated_at"].as_str().unwrap();
    let after = app.get_json("/resources?sort=-updated_at", 200).await;
    let times = field(&after, "updated_at");
    assert_eq!(times[0], stamp, "the latest change comes first");
    // Records changed in the same second follow each other by id, descending.
    let same_second: Vec<String> = field(&after, "slug")
        .into_iter()
        .zip(&times)
        .filter(|(_, t)| *t == stamp)
        .map(|(s, _)| s)
        .collect();
    assert!(same_second.contains(&oldest), "{after}");
    let since = app
        .get_json(&format!("/resources?updated_since={stamp}"), 200)
        .await;
    let mut since = field(&since, "slug");
    since.sort();
    let mut expected = same_second;
    expected.sort();
    assert_eq!(since, expected);
}

// --- filters ---------------------------------------------------------------------------

/// The `citation_key`s of a resource list.
async fn keys(app: &TestApp, query: &str) -> Vec<String> {
    let body = app.get_json(&format!("/resources?{query}"), 200).await;
    let mut keys: Vec<String> = field(&body, "citation_key");
    keys.sort();
    keys
}

async fn years_filter_with_open_ends(app: &TestApp) {
    assert_eq!(keys(app, "year=2015").await, ["ren2015faster"]);
    assert_eq!(
        keys(app, "year=2015..2020").await,
        ["jiao2019survey", "ren2015faster"]
    );
    assert_eq!(
        keys(app, "year=2016..").await,
        ["jiao2019survey", "radhakrishnan2022feature"]
    );
    assert_eq!(keys(app, "year=..2015").await, ["ren2015faster"]);
    assert_eq!(
        keys(app, "year=2015,2022").await,
        ["radhakrishnan2022feature", "ren2015faster"]
    );
    assert_eq!(
        keys(app, "year=2015&year=2022").await,
        keys(app, "year=2015,2022").await
    );
    assert!(keys(app, "year=2020..2015").await.is_empty());
    assert!(keys(app, "year=1990").await.is_empty());
}

async fn authors_filter_by_family_name_ignoring_case_and_accents(app: &TestApp) {
    assert_eq!(keys(app, "author=Ren").await, ["ren2015faster"]);
    assert_eq!(keys(app, "author=REN").await, ["ren2015faster"]);
    assert_eq!(
        keys(app, "author=girshick,belkin").await,
        ["radhakrishnan2022feature", "ren2015faster"]
    );
    assert!(
        keys(app, "author=Shaoqing").await.is_empty(),
        "family names only"
    );
    let token = write_key(app);
    let created = write(
        app,
        Method::POST,
        "/resources",
        &token,
        None,
        json!({"title": "Kernel methods revisited", "kind": "paper", "year": 2001,
               "authors": [{"family": "Müller", "given": "Klaus-Robert"},
                           {"family": "Maaten", "particle": "van der", "given": "Laurens"}]}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let slug = created["slug"].as_str().unwrap();
    for name in [
        "muller",
        "MÜLLER",
        "Müller",
        "maaten",
        "van der Maaten",
        "Van-der-maaten",
    ] {
        let body = app
            .get_json(&format!("/resources?author={}", urlencode(name)), 200)
            .await;
        assert_eq!(field(&body, "slug"), [slug], "{name}");
    }
    // The keys follow the record: a replaced author list is found by its new names.
    let tag = app.get(&format!("/resources/{slug}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let patched = write(
        app,
        Method::PATCH,
        &format!("/resources/{slug}"),
        &token,
        Some(&tag),
        json!({"authors": [{"family": "Schölkopf", "given": "Bernhard"}]}),
    )
    .await;
    assert_eq!(patched.status(), 200);
    assert!(keys(app, "author=muller").await.is_empty());
    let body = app.get_json("/resources?author=scholkopf", 200).await;
    assert_eq!(field(&body, "slug"), [slug]);
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap()[1..].to_owned()
}

async fn venues_and_identifiers_filter(app: &TestApp) {
    assert_eq!(keys(app, "venue=IEEE%20Access").await, ["jiao2019survey"]);
    assert_eq!(
        keys(app, "venue=ieee").await,
        ["jiao2019survey"],
        "a beginning"
    );
    assert_eq!(
        keys(
            app,
            "venue=Advances%20in%20Neural%20Information%20Processing%20Systems"
        )
        .await,
        ["ren2015faster"],
        "proceedings titles by their beginning"
    );
    assert!(keys(app, "venue=access").await.is_empty());
    assert_eq!(keys(app, "has=doi").await, ["jiao2019survey"]);
    assert_eq!(
        keys(app, "has=arxiv").await,
        [
            "jiao2019survey",
            "radhakrishnan2022feature",
            "ren2015faster"
        ]
    );
    let all = app.get_json("/resources", 200).await;
    let with_url = items(&all).iter().filter(|r| !r["url"].is_null()).count();
    let body = app.get_json("/resources?has=url", 200).await;
    assert_eq!(body["total"], with_url);
    assert_eq!(
        keys(app, "has=doi,arxiv").await,
        keys(app, "has=arxiv").await,
        "alternatives"
    );
}

async fn updated_since_keeps_what_changed_at_or_after_an_instant(app: &TestApp) {
    let all = app.get_json("/resources", 200).await;
    let mut times = field(&all, "updated_at");
    times.sort();
    let (first, last) = (times[0].clone(), times.last().unwrap().clone());
    let since_first = app
        .get_json(&format!("/resources?updated_since={first}"), 200)
        .await;
    assert_eq!(since_first["total"], all["total"]);
    let since_last = app
        .get_json(&format!("/resources?updated_since={last}"), 200)
        .await;
    assert!(since_last["total"].as_u64().unwrap() >= 1);
    assert!(field(&since_last, "updated_at").iter().all(|t| *t >= last));
    let after_last =
        lore::domain::Timestamp::from_unix(lore::domain::Timestamp::unix_of(&last).unwrap() + 1);
    let later = app
        .get_json(
            &format!("/resources?updated_since={}", after_last.as_str()),
            200,
        )
        .await;
    assert_eq!(later["total"], 0);
    // The same instant in another offset, and a fraction of a second after it.
    let unix = lore::domain::Timestamp::unix_of(&last).unwrap();
    let shifted = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = app
        .get_json(
            &format!("/resources?updated_since={}", urlencode(&shifted)),
            200,
        )
        .await;
    assert_eq!(body["total"], since_last["total"], "{shifted}");
    let fraction = last.replace('Z', ".5Z");
    let body = app
        .get_json(&format!("/resources?updated_since={fraction}"), 200)
        .await;
    assert_eq!(body["total"], 0, "{fraction} rounds up");
}

async fn new_filters_combine_with_the_others_and_reach_bibliographies(app: &TestApp) {
    assert_eq!(
        keys(app, "year=2015..2022&has=doi").await,
        ["jiao2019survey"]
    );
    assert!(keys(app, "author=ren&year=2019").await.is_empty());
    assert_eq!(
        keys(app, "level=intermediate&has=arxiv&sort=-year").await,
        ["jiao2019survey", "ren2015faster"]
    );
    let response = app.get("/bibliography?author=ren").await;
    assert_eq!(response.status(), 200);
    let bibtex = response.text().await.unwrap();
    assert_eq!(
        bibtex.matches("\n@").count() + usize::from(bibtex.starts_with('@')),
        2,
        "one entry and the trailer: {bibtex}"
    );
    assert!(bibtex.ends_with("@comment{lore: 1 entries}\n"), "{bibtex}");
    assert!(bibtex.contains("ren2015faster"), "{bibtex}");
    let response = app.get("/bibliography?year=2019..&format=csljson").await;
    let csl: Value = response.json().await.unwrap();
    assert_eq!(csl.as_array().unwrap().len(), 2, "{csl}");
    let response = app
        .client
        .get(app.url("/resources?venue=ieee&updated_since=2000-01-01T00:00:00Z"))
        .header("Accept", "application/x-bibtex")
        .send()
        .await
        .unwrap();
    let bibtex = response.text().await.unwrap();
    assert!(bibtex.contains("jiao2019survey") && !bibtex.contains("ren2015faster"));
}

// --- field selection ---------------------------------------------------------------------

async fn fields_select_members_and_links_shorten(app: &TestApp) {
    let whole = app.get("/resources").await.bytes().await.unwrap().len();
    let response = app.get("/resources?fields=slug,title,url,level").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.len() * 3 < whole, "{} of {whole} bytes", text.len());
    let body: Value = serde_json::from_str(&text).unwrap();
    for item in items(&body) {
        let mut members: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        members.sort_unstable();
        assert_eq!(members, ["level", "slug", "title", "url"], "{item}");
    }
    assert_eq!(body["total"], 9);
    let paged = app
        .get_json("/resources?fields=slug&limit=4&sort=title", 200)
        .await;
    assert!(paged["next"].as_str().unwrap().contains("fields=slug"));

    let ids = app
        .get_json("/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks?links=ids", 200)
        .await;
    let concept = &ids["concepts"][0];
    let mut members: Vec<&str> = concept
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["direction", "relation", "slug"], "{ids}");
    assert_eq!(
        ids["title"],
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks"
    );
    let none = app.get_json("/resources?links=none&limit=500", 200).await;
    for item in items(&none) {
        assert!(
            item.get("concepts").is_none() && item.get("resources").is_none(),
            "{item}"
        );
        assert!(item.get("topics").is_some());
    }
    let one = app
        .get_json(
            "/concepts/object-detection?fields=slug,name,resources&links=ids",
            200,
        )
        .await;
    assert_eq!(one.as_object().unwrap().len(), 3, "{one}");
    assert!(
        one["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l.get("href").is_none())
    );
    let concepts = app.get_json("/concepts?fields=name&limit=3", 200).await;
    assert!(
        items(&concepts)
            .iter()
            .all(|c| c.as_object().unwrap().len() == 1)
    );
    // Other representations stay whole.
    let response = app
        .get("/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks?fields=slug&format=bibtex")
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("author"));
    // A selection has its own entity tag.
    let path =
        "/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks";
    let whole_tag = app.get(path).await.headers()["etag"].clone();
    let selected_tag = app.get(&format!("{path}?fields=slug")).await.headers()["etag"].clone();
    assert_ne!(whole_tag, selected_tag);
}

// --- problems --------------------------------------------------------------------------

async fn bad_sorts_filters_and_selections_are_problems(app: &TestApp) {
    for (path, parameter, code) in [
        ("/resources?sort=colour", "sort", "invalid_parameter"),
        ("/resources?sort=relevance", "sort", "invalid_parameter"),
        ("/resources?sort=%2Btitle", "sort", "invalid_parameter"),
        (
            "/resources?sort=title&sort=year",
            "sort",
            "repeated_parameter",
        ),
        ("/concepts?sort=year", "sort", "invalid_parameter"),
        ("/bibliography?sort=title", "sort", "unknown_parameter"),
        ("/resources?year=twenty", "year", "invalid_parameter"),
        ("/resources?year=2015...2020", "year", "invalid_parameter"),
        ("/resources?year=..", "year", "invalid_parameter"),
        ("/bibliography?year=20155", "year", "invalid_parameter"),
        ("/resources?author=", "author", "invalid_parameter"),
        ("/resources?venue=ieee,,acm", "venue", "invalid_parameter"),
        ("/resources?has=isbn", "has", "invalid_parameter"),
        ("/bibliography?has=orcid", "has", "invalid_parameter"),
        (
            "/resources?updated_since=yesterday",
            "updated_since",
            "invalid_parameter",
        ),
        (
            "/resources?updated_since=2026-01-01",
            "updated_since",
            "invalid_parameter",
        ),
        (
            "/bibliography?updated_since=2026-13-01T00:00:00Z",
            "updated_since",
            "invalid_parameter",
        ),
        (
            "/resources?fields=slug,colour",
            "fields",
            "invalid_parameter",
        ),
        (
            "/resources/umich?fields=colour",
            "fields",
            "invalid_parameter",
        ),
        ("/concepts?fields=title", "fields", "invalid_parameter"),
        ("/concepts/pooling?links=some", "links", "invalid_parameter"),
        ("/resources?links=all", "links", "invalid_parameter"),
        (
            "/resources?sort=title&cursor=a1.ABC",
            "cursor",
            "invalid_parameter",
        ),
    ] {
        let body = assert_problem(app.get(path).await, 400, code).await;
        assert_eq!(body["errors"][0]["field"], parameter, "{path}: {body}");
    }
    let body = assert_problem(
        app.get("/resources?sort=colour").await,
        400,
        "invalid_parameter",
    )
    .await;
    let allowed = body["errors"][0]["allowed"].as_array().unwrap();
    assert!(allowed.contains(&json!("-year")), "{body}");
    let body = assert_problem(
        app.get("/resources?has=isbn").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["allowed"], json!(["doi", "url", "arxiv"]));
}

// --- the store's keys --------------------------------------------------------------------

async fn keys_of_records_older_than_the_keys_are_filled_when_the_store_opens(app: &TestApp) {
    use sqlx::Connection;
    let sorted = app.get_json("/resources?sort=title", 200).await;
    // Rows as a store migrated to the sort and match keys holds them before it opens.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .unwrap();
    for statement in [
        "UPDATE resources SET title_sort = NULL, venue_key = NULL",
        "UPDATE concepts SET name_sort = NULL",
        "DELETE FROM resource_authors",
    ] {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
    assert!(keys(app, "author=ren").await.is_empty());
    // Opening the store (as the next start does) fills them.
    let store = lore::store::Store::connect(&app.database_url)
        .await
        .unwrap();
    store.close().await;
    assert_eq!(keys(app, "author=ren").await, ["ren2015faster"]);
    assert_eq!(keys(app, "venue=ieee").await, ["jiao2019survey"]);
    let again = app.get_json("/resources?sort=title", 200).await;
    assert_eq!(field(&again, "slug"), field(&sorted, "slug"));
    let concepts = app.get_json("/concepts?sort=title&limit=500", 200).await;
    let names = field(&concepts, "name");
    let mut expected = names.clone();
    expected.sort_by_key(|n| letters(n));
    assert_eq!(names, expected);
}

// --- search ------------------------------------------------------------------------------

async fn searches_sort_by_relevance_or_a_field_and_page_without_overlap(app: &TestApp) {
    let relevance = search(app, &[("q", "deep"), ("limit", "100")]).await;
    let default = field(&relevance, "slug");
    let explicit = search(
        app,
        &[("q", "deep"), ("limit", "100"), ("sort", "relevance")],
    )
    .await;
    assert_eq!(field(&explicit, "slug"), default);
    let scores: Vec<f64> = items(&relevance)
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let by_title = search(app, &[("q", "deep"), ("limit", "100"), ("sort", "title")]).await;
    let titles = field(&by_title, "title");
    let mut expected = titles.clone();
    expected.sort_by_key(|t| letters(t));
    assert_eq!(titles, expected);
    let mut as_set = field(&by_title, "slug");
    as_set.sort();
    let mut all = default.clone();
    all.sort();
    assert_eq!(as_set, all, "the same matches, another order");

    let newest = search(
        app,
        &[("q", "detection"), ("limit", "100"), ("sort", "-year")],
    )
    .await;
    assert_eq!(
        items(&newest)[0]["title"],
        "A Survey of Deep Learning-based Object Detection",
        "2019 before 2015: {newest}"
    );
    assert_eq!(
        items(&newest)[1]["title"],
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks"
    );

    for sort in [
        "title",
        "-title",
        "year",
        "-year",
        "created_at",
        "-updated_at",
    ] {
        let whole = search(app, &[("q", "deep"), ("limit", "100"), ("sort", sort)]).await;
        let mut paged = Vec::new();
        let total = whole["total"].as_u64().unwrap() as usize;
        for offset in (0..total).step_by(2) {
            let offset = offset.to_string();
            let page = search(
                app,
                &[
                    ("q", "deep"),
                    ("limit", "2"),
                    ("offset", &offset),
                    ("sort", sort),
                ],
            )
            .await;
            paged.extend(field(&page, "slug"));
        }
        assert_eq!(paged, field(&whole, "slug"), "sort={sort}");
    }
    let next = search(app, &[("q", "deep"), ("limit", "2"), ("sort", "-year")]).await;
    assert!(next["next"].as_str().unwrap().contains("sort=-year"));
}

async fn searches_take_the_filters_of_the_lists(app: &TestApp) {
    let slugs = |body: &Value| {
        let mut s = field(body, "slug");
        s.sort();
        s
    };
    let detection = |extra: &[(&'static str, &'static str)]| {
        let mut params = vec![("q", "detection"), ("limit", "100")];
        params.extend_from_slice(extra);
        params
    };
    let survey = "a-survey-of-deep-learning-based-object-detection";
    let paper = "faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks";
    let year = search(app, &detection(&[("year", "2019..")])).await;
    assert_eq!(slugs(&year), [survey]);
    let open = search(app, &detection(&[("year", "..2015")])).await;
    assert_eq!(slugs(&open), [paper]);
    let author = search(app, &detection(&[("author", "GIRSHICK")])).await;
    assert_eq!(slugs(&author), [paper]);
    let venue = search(app, &detection(&[("venue", "ieee access")])).await;
    assert_eq!(slugs(&venue), [survey]);
    let doi = search(app, &detection(&[("has", "doi")])).await;
    assert_eq!(slugs(&doi), [survey]);
    let arxiv = search(app, &detection(&[("has", "arxiv"), ("year", "2015")])).await;
    assert_eq!(slugs(&arxiv), [paper]);
    let everything = search(app, &detection(&[])).await;
    let since = search(
        app,
        &detection(&[("updated_since", "2000-01-01T00:00:00Z")]),
    )
    .await;
    assert_eq!(since["total"], everything["total"], "concepts too");
    let future = search(
        app,
        &detection(&[("updated_since", "9999-01-01T00:00:00Z")]),
    )
    .await;
    assert_eq!(future["total"], 0);
    // The same filters on the list agree with the search.
    let listed = app.get_json("/resources?year=2019..&has=doi", 200).await;
    assert_eq!(field(&listed, "slug"), [survey]);
}

async fn search_fields_select_members_and_bad_values_are_problems(app: &TestApp) {
    let body = search(app, &[("q", "grokking"), ("fields", "slug,title")]).await;
    for item in items(&body) {
        assert_eq!(item.as_object().unwrap().len(), 2, "{item}");
    }
    assert!(body["total"].as_u64().unwrap() >= 1);
    for (query, parameter, code) in [
        ("q=x&sort=colour", "sort", "invalid_parameter"),
        ("q=x&sort=%2Byear", "sort", "invalid_parameter"),
        ("q=x&year=2015-2020", "year", "invalid_parameter"),
        ("q=x&author=", "author", "invalid_parameter"),
        ("q=x&venue=%20", "venue", "invalid_parameter"),
        ("q=x&has=isbn", "has", "invalid_parameter"),
        (
            "q=x&updated_since=monday",
            "updated_since",
            "invalid_parameter",
        ),
        ("q=x&fields=snippet,colour", "fields", "invalid_parameter"),
        ("q=x&links=none", "links", "unknown_parameter"),
    ] {
        let response = app.get(&format!("/search?{query}")).await;
        let body = assert_problem(response, 400, code).await;
        assert_eq!(body["errors"][0]["field"], parameter, "{query}: {body}");
    }
}
