//! The identity rules on real import patterns: one record per work, never two works in one.

use std::collections::BTreeSet;

use crate::cases;
use crate::helpers::{TestApp, assert_problem, items, repo_root};

cases![
    unseeded: books_with_one_title_and_different_urls_are_two_resources,
    unseeded: editorials_that_differ_by_doi_or_arxiv_id_are_four_resources,
    unseeded: numbered_course_tables_give_four_courses,
    unseeded: look_alike_and_non_ascii_titles_give_eight_resources,
    unseeded: slug_suffixes_never_collide_or_merge,
    unseeded: reimporting_the_bibtex_export_keeps_every_resource_and_key,
    unseeded: merges_within_a_file_are_counted_and_named_by_title_and_url,
    unseeded: creating_a_resource_with_a_held_doi_arxiv_id_or_url_is_409,
    unseeded: merged_citation_keys_stay_citable_and_redirect,
];

/// Imports one file of `tests/fixtures/import-patterns/` and returns its JSON report.
pub(crate) fn import_pattern(app: &TestApp, file: &str) -> serde_json::Value {
    let path = repo_root()
        .join("tests/fixtures/import-patterns")
        .join(file);
    let (status, stdout, stderr) =
        app.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let reports: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    reports[0].clone()
}

pub(crate) async fn resources(app: &TestApp) -> Vec<serde_json::Value> {
    let body = app.get_json("/resources?limit=500", 200).await;
    items(&body).clone()
}

fn strings(records: &[serde_json::Value], field: &str) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn books_with_one_title_and_different_urls_are_two_resources(app: &TestApp) {
    let report = import_pattern(app, "same-title-different-urls.md");
    assert_eq!(report["summary"]["resources"]["created"], 2, "{report}");
    let all = resources(app).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(
        strings(&all, "slug"),
        BTreeSet::from(["deep-nets".to_owned(), "deep-nets-2".to_owned()])
    );
    assert_eq!(
        strings(&all, "url"),
        BTreeSet::from([
            "https://example.org/book-one".to_owned(),
            "https://example.com/other-book.pdf".to_owned()
        ])
    );
    assert!(all.iter().all(|r| r["title"] == "Deep Nets"), "{all:?}");

    let again = import_pattern(app, "same-title-different-urls.md");
    assert_eq!(again["summary"]["resources"]["unchanged"], 2, "{again}");
    assert_eq!(resources(app).await.len(), 2);
}

async fn editorials_that_differ_by_doi_or_arxiv_id_are_four_resources(app: &TestApp) {
    let report = import_pattern(app, "editorials.bib");
    assert_eq!(report["summary"]["resources"]["created"], 4, "{report}");
    let all = resources(app).await;
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(
        strings(&all, "citation_key"),
        BTreeSet::from(["alpha2020", "beta2021", "gamma2022a", "delta2022b"].map(str::to_owned))
    );
    let beta = all
        .iter()
        .find(|r| r["citation_key"] == "beta2021")
        .unwrap();
    assert_eq!(beta["doi"], "10.1234/two.2", "{beta}");
    assert_eq!(beta["year"], 2021, "{beta}");
    assert_eq!(beta["journal"], "Journal Two", "{beta}");
    let delta = all
        .iter()
        .find(|r| r["citation_key"] == "delta2022b")
        .unwrap();
    assert_eq!(delta["arxiv_id"], "2202.00002", "{delta}");
    let bib = app.get("/bibliography?format=bibtex").await;
    let text = bib.text().await.unwrap();
    for key in ["alpha2020", "beta2021", "gamma2022a", "delta2022b"] {
        assert!(text.contains(&format!("{{{key},")), "{key} in {text}");
    }
}

async fn numbered_course_tables_give_four_courses(app: &TestApp) {
    let report = import_pattern(app, "numbered-course-tables.md");
    assert_eq!(report["summary"]["resources"]["created"], 4, "{report}");
    let all = resources(app).await;
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(strings(&all, "url").len(), 4, "{all:?}");
    assert_eq!(strings(&all, "slug").len(), 4, "{all:?}");
    // Titled by the course name, never by the numbering column or the link's text.
    assert_eq!(
        strings(&all, "title"),
        BTreeSet::from(
            [
                "Gentle Tensors",
                "Graph Thinking",
                "Kernel Tricks",
                "Bayes at Noon"
            ]
            .map(str::to_owned)
        )
    );
    let tensors = all.iter().find(|r| r["title"] == "Gentle Tensors").unwrap();
    assert_eq!(tensors["url"], "https://example.org/tensors", "{tensors}");
    assert_eq!(tensors["kind"], "course", "{tensors}");
    assert_eq!(tensors["year"], 2020, "{tensors}");
    assert_eq!(tensors["authors"][0]["family"], "Person", "{tensors}");
    assert_eq!(
        tensors["attributes"]["Course WebPage"], "TNS-101",
        "{tensors}"
    );
}

async fn look_alike_and_non_ascii_titles_give_eight_resources(app: &TestApp) {
    let report = import_pattern(app, "non-ascii-and-look-alike-titles.md");
    assert_eq!(report["summary"]["resources"]["created"], 8, "{report}");
    let all = resources(app).await;
    assert_eq!(all.len(), 8, "{all:?}");
    let slugs = strings(&all, "slug");
    assert_eq!(slugs.len(), 8, "{slugs:?}");
    assert!(slugs.iter().all(|s| !s.is_empty()), "{slugs:?}");
    let titles = strings(&all, "title");
    for title in ["Tübingen lectures", "Tubingen lectures"] {
        assert!(titles.contains(title), "{title} in {titles:?}");
    }
}

async fn slug_suffixes_never_collide_or_merge(app: &TestApp) {
    let report = import_pattern(app, "slug-suffix-collisions.md");
    assert_eq!(report["summary"]["resources"]["created"], 4, "{report}");
    let all = resources(app).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let slugs = strings(&all, "slug");
    assert_eq!(slugs.len(), 4, "{slugs:?}");
    assert!(
        slugs.contains("metrics") && slugs.contains("metrics-2"),
        "{slugs:?}"
    );
    assert_eq!(strings(&all, "url").len(), 4, "{all:?}");
}

async fn reimporting_the_bibtex_export_keeps_every_resource_and_key(app: &TestApp) {
    let keys = |bib: &str| -> Vec<String> {
        let mut keys: Vec<String> = bib
            .lines()
            .filter(|l| l.starts_with('@') && !l.to_ascii_lowercase().starts_with("@comment"))
            .filter_map(|l| {
                l.split_once('{')
                    .map(|(_, k)| k.trim_end_matches(',').to_owned())
            })
            .collect();
        keys.sort();
        keys
    };
    for path in [
        "tests/fixtures/catalogues",
        "tests/fixtures/bib/references.bib",
    ] {
        let path = repo_root().join(path);
        let (status, _, stderr) = app.lore(&["import", path.to_str().unwrap()]);
        assert_eq!(status, 0, "{stderr}");
    }
    let export = app
        .get("/bibliography?format=bibtex")
        .await
        .text()
        .await
        .unwrap();
    let total = app.get_json("/resources?limit=1", 200).await["total"]
        .as_u64()
        .unwrap();
    let exported = keys(&export);
    assert!(exported.len() >= 100, "{} entries", exported.len());
    assert_eq!(
        exported.len() as u64,
        total,
        "the export holds every resource"
    );

    let empty = TestApp::spawn(app.backend, false).await;
    let path = empty.data_dir.path().join("export.bib");
    std::fs::write(&path, &export).unwrap();
    let (status, _, stderr) = empty.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let count = empty.get_json("/resources?limit=1", 200).await["total"].clone();
    let again = empty
        .get("/bibliography?format=bibtex")
        .await
        .text()
        .await
        .unwrap();
    empty.teardown().await;
    assert_eq!(count, total, "one resource per exported entry");
    assert_eq!(keys(&again), exported, "the same keys");
}

async fn merges_within_a_file_are_counted_and_named_by_title_and_url(app: &TestApp) {
    let path = app.data_dir.path().join("twice.md");
    std::fs::write(
        &path,
        "## Books\n\n- [Deep Pebbles](https://example.org/pebbles)\n\
         - [Deep Pebbles, the book](https://example.org/pebbles/)\n",
    )
    .unwrap();
    let (status, stdout, stderr) =
        app.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let resources = &report[0]["summary"]["resources"];
    assert_eq!(resources["created"], 1, "{report}");
    assert_eq!(resources["merged_in_file"], 1, "{report}");
    let merged: Vec<&serde_json::Value> = report[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "merged")
        .collect();
    assert!(!merged.is_empty(), "{report}");
    for line in merged {
        assert_eq!(line["line"], 4, "{line}");
        assert_eq!(
            line["text"], "Deep Pebbles, the book <https://example.org/pebbles/>",
            "{line}"
        );
        let reason = line["reason"].as_str().unwrap();
        assert!(
            reason.contains("twice.md:3")
                && reason.contains("`deep-pebbles`")
                && reason.contains("url"),
            "{reason}"
        );
    }
    let (_, text, _) = app.lore(&["import", path.to_str().unwrap()]);
    assert!(text.contains("1 items merged within the file"), "{text}");
}

async fn creating_a_resource_with_a_held_doi_arxiv_id_or_url_is_409(app: &TestApp) {
    import_pattern(app, "editorials.bib");
    let (status, stdout, stderr) =
        app.lore(&["keys", "create", "--name", "curator", "--scope", "write"]);
    assert_eq!(status, 0, "{stderr}");
    let token = stdout.lines().last().unwrap().to_owned();
    let post = |body: serde_json::Value| {
        app.client
            .post(app.url("/resources"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let alpha = resources(app)
        .await
        .into_iter()
        .find(|r| r["citation_key"] == "alpha2020")
        .unwrap();
    let alpha_slug = alpha["slug"].as_str().unwrap().to_owned();
    let problem = assert_problem(
        post(serde_json::json!({"title": "Another editorial", "doi": "10.1234/ONE.1"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "doi", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("`{alpha_slug}`")),
        "{problem}"
    );

    let problem = assert_problem(
        post(serde_json::json!({"title": "Pebbles", "url": "https://arxiv.org/abs/2201.00001v2"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "arxiv_id", "{problem}");

    let created =
        post(serde_json::json!({"title": "Fresh", "url": "https://arxiv.org/abs/2301.00009"}))
            .await
            .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["arxiv_id"], "2301.00009", "{created}");

    let created = post(serde_json::json!({"title": "Site", "url": "https://example.org/site"}))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let problem = assert_problem(
        post(serde_json::json!({"title": "Site again", "url": "http://www.example.org/site/"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "url", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("`site`"),
        "{problem}"
    );
    assert_eq!(resources(app).await.len(), 6, "nothing else was stored");

    // PATCH and PUT follow the same rules, for the identifiers they change.
    let fresh = app.get("/resources/fresh").await;
    let etag = fresh.headers()["etag"].to_str().unwrap().to_owned();
    let patch = |body: serde_json::Value, etag: String| {
        app.client
            .patch(app.url("/resources/fresh"))
            .bearer_auth(&token)
            .header("If-Match", etag)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
    };
    let problem = assert_problem(
        patch(serde_json::json!({"doi": "10.1234/one.1"}), etag.clone())
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "doi", "{problem}");
    let problem = assert_problem(
        patch(
            serde_json::json!({"url": "https://example.org/site#top"}),
            etag.clone(),
        )
        .await
        .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "url", "{problem}");
    let edited = patch(serde_json::json!({"title": "Fresh, edited"}), etag)
        .await
        .unwrap();
    assert_eq!(edited.status(), 200, "its own identifiers are no conflict");
    let view: serde_json::Value = edited.json().await.unwrap();
    assert_eq!(view["arxiv_id"], "2301.00009", "{view}");
}

/// Status and `Location` of a GET of `path`, without following redirects.
async fn get_unfollowed(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(app.url(path)).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (response.status().as_u16(), location)
}

async fn merged_citation_keys_stay_citable_and_redirect(app: &TestApp) {
    let write = |name: &str, text: &str| {
        let path = app.data_dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let first = write(
        "first.bib",
        "@article{pebble2020, title = {Counting Pebbles}, author = {Example, Ann}, \
         year = {2020}, doi = {10.5555/pebbles}}\n\
         @article{pebble2020b, title = {Counting Pebbles Again}, author = {Example, Ann}, \
         year = {2020}, doi = {10.5555/PEBBLES}}\n",
    );
    let second = write(
        "second.bib",
        "@article{Counting:Pebbles, title = {Counting pebbles}, author = {Example, Ann}, \
         year = {2020}, doi = {https://doi.org/10.5555/pebbles}}\n\
         @article{stones2021, title = {Sorting Stones}, author = {Roe, Bo}, year = {2021}, \
         doi = {10.5555/stones}}\n",
    );
    for path in [&first, &second] {
        let (status, stdout, stderr) =
            app.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(status, 0, "{stderr}");
        assert!(
            stdout.contains("stays citable as an alias"),
            "the report says which key became an alias: {stdout}"
        );
    }
    let list = resources(app).await;
    assert_eq!(list.len(), 2, "one resource per DOI: {list:?}");
    let pebbles = list
        .iter()
        .find(|r| r["citation_key"] == "pebble2020")
        .expect("the first key stays the resource's own");
    let href = pebbles["href"].as_str().unwrap();
    for alias in [
        "pebble2020b",
        "Counting:Pebbles",
        "COUNTING:PEBBLES",
        "pebble2020",
    ] {
        let (status, location) =
            get_unfollowed(app, &format!("/resources/{alias}?fields=title")).await;
        assert_eq!(status, 301, "{alias}");
        assert_eq!(
            location.as_deref(),
            Some(format!("{href}?fields=title").as_str()),
            "{alias}"
        );
    }
    let (status, _) = get_unfollowed(app, "/resources/nobody2020").await;
    assert_eq!(status, 404, "a key nobody has is not found");

    // Exports keep every key citable: biblatex lists the aliases in `ids`, portable BibTeX
    // writes the entry again under each alias.
    let biblatex = app
        .get("/bibliography?dialect=biblatex")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        biblatex.contains("ids = {Counting:Pebbles,pebble2020b}"),
        "{biblatex}"
    );
    assert!(
        biblatex.trim_end().ends_with("@comment{lore: 2 entries}"),
        "{biblatex}"
    );
    let portable = app.get("/bibliography").await.text().await.unwrap();
    for key in [
        "pebble2020",
        "pebble2020b",
        "Counting:Pebbles",
        "stones2021",
    ] {
        assert!(
            portable.contains(&format!("{{{key},\n")),
            "{key}: {portable}"
        );
    }
    assert!(
        portable.trim_end().ends_with("@comment{lore: 4 entries}"),
        "{portable}"
    );
    let one = app
        .client
        .get(format!("{href}?format=bibtex&dialect=biblatex"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        one.contains("ids = {Counting:Pebbles,pebble2020b}"),
        "{one}"
    );

    // Both exports import again as the same works, with every key citable.
    for (name, text) in [("portable.bib", &portable), ("biblatex.bib", &biblatex)] {
        let empty = TestApp::spawn(app.backend, false).await;
        let path = empty.data_dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (status, stdout, stderr) =
            empty.lore(&["import", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(status, 0, "{stderr}");
        let again = resources(&empty).await;
        assert_eq!(again.len(), 2, "{name}: {stdout}");
        assert_eq!(
            strings(&again, "citation_key"),
            strings(&list, "citation_key"),
            "{name}"
        );
        for alias in ["pebble2020b", "Counting:Pebbles"] {
            let (status, location) = get_unfollowed(&empty, &format!("/resources/{alias}")).await;
            assert_eq!(status, 301, "{name}: {alias}");
            assert!(
                location.unwrap().ends_with("/resources/counting-pebbles"),
                "{name}"
            );
        }
        empty.teardown().await;
    }

    // An alias is a key: a later work cannot take it, and a write that tries is told
    // which resource has it.
    let token = crate::writes::key(app, "curator", "write");
    let response = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Another Book", "kind": "book", "citation_key": "Pebble2020B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let problem: serde_json::Value = response.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("/resources/counting-pebbles")
            && detail.contains("`pebble2020b` as an alias"),
        "{problem}"
    );

    let third = write(
        "third.bib",
        "@book{pebble2020b, title = {A Different Book}, author = {Doe, Cy}, year = {2019}}\n",
    );
    let (status, stdout, stderr) =
        app.lore(&["import", third.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stdout.contains("another resource already has this citation key"),
        "{stdout}"
    );
    let list = resources(app).await;
    let book = list
        .iter()
        .find(|r| r["title"] == "A Different Book")
        .unwrap();
    assert_ne!(book["citation_key"], "pebble2020b");
}
