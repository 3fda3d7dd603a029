//! The BibTeX patterns of `tests/fixtures/bibtex-patterns/` (README there): each file
//! imported, its stored fields checked, and its exports in both dialects and charsets.

use serde_json::Value;

use crate::cases;
use crate::helpers::{TestApp, assert_problem, items, repo_root};
use crate::writes::key;

cases![
    unseeded: latex_markup_is_decoded_and_math_is_exported_raw,
    unseeded: entities_are_decoded_once_and_url_macros_unwrapped,
    unseeded: url_macros_in_import_patterns_give_plain_urls,
    unseeded: imported_fields_are_kept_and_exported,
    unseeded: literal_names_and_scripts_survive_and_replacements_are_reported,
    unseeded: gbk_needs_its_encoding_named,
    unseeded: an_undated_web_resource_gets_no_access_date,
    unseeded: a_math_title_and_a_timestamp_sent_through_the_api_are_kept,
];

/// Imports a fixture file with `lore import`; returns the JSON report.
fn import(app: &TestApp, path: &str, extra: &[&str]) -> Value {
    let path = repo_root().join("tests/fixtures").join(path);
    let mut args = vec!["import", path.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (status, stdout, stderr) = app.lore(&args);
    assert_eq!(status, 0, "{stdout}{stderr}");
    serde_json::from_str::<Value>(&stdout).unwrap()[0].clone()
}

/// The stored resource with a citation key.
async fn by_key(app: &TestApp, key: &str) -> Value {
    let body = app.get_json("/resources?limit=500", 200).await;
    items(&body)
        .iter()
        .find(|r| r["citation_key"] == key)
        .unwrap_or_else(|| panic!("no resource {key}: {body}"))
        .clone()
}

/// The bibliography with the given query.
async fn bibliography(app: &TestApp, query: &str) -> String {
    let response = app.get(&format!("/bibliography?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.text().await.unwrap()
}

/// One entry of a BibTeX export, by key.
fn entry<'b>(bibtex: &'b str, key: &str) -> &'b str {
    let start = bibtex
        .find(&format!("{{{key},\n"))
        .unwrap_or_else(|| panic!("no entry {key} in {bibtex}"));
    let start = bibtex[..start].rfind('@').unwrap();
    let end = bibtex[start..].find("\n}\n").unwrap() + start + 3;
    &bibtex[start..end]
}

const DIALECTS: [&str; 2] = ["dialect=bibtex", "dialect=biblatex"];

async fn latex_markup_is_decoded_and_math_is_exported_raw(app: &TestApp) {
    import(app, "bibtex-patterns/latex-markup.bib", &[]);
    let roe = by_key(app, "roe2023").await;
    assert_eq!(roe["title"], "An Emphasised Word and a Tie Here");
    let ortiz = by_key(app, "ortiz2021").await;
    assert_eq!(ortiz["title"], "Naïve Pebble Sorting in PebbleSort");
    assert_eq!(ortiz["authors"][0]["family"], "Ortíz");
    assert_eq!(ortiz["authors"][1]["family"], "Müller");
    assert_eq!(ortiz["authors"][1]["given"], "Jörg");
    assert_eq!(ortiz["pages"], "10–20");
    let knn = by_key(app, "knn2022").await;
    assert_eq!(
        knn["title"],
        r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN Pebbles"
    );
    let quote = by_key(app, "quote2020").await;
    assert_eq!(quote["title"], "On ‘counting’ and non-counting pebbles");

    for dialect in DIALECTS {
        for charset in ["charset=pdflatex", "charset=unicode"] {
            let bib = bibliography(app, &format!("{dialect}&{charset}")).await;
            assert!(!bib.contains("textbackslash"), "{bib}");
            assert!(!bib.contains(r"\emph") && !bib.contains('~'), "{bib}");
            assert!(
                entry(&bib, "roe2023").contains("title = {An Emphasised Word and a Tie Here}"),
                "{bib}"
            );
            assert!(
                entry(&bib, "knn2022")
                    .contains(r"title = {Fast {$\mathcal{O}(n)$} Sorting for {$k$}-{NN} Pebbles}"),
                "math kept whole and raw: {bib}"
            );
            let ortiz = entry(&bib, "ortiz2021");
            assert!(ortiz.contains("Ortíz, Ana and Müller, Jörg"), "{ortiz}");
            assert!(ortiz.contains("pages = {10--20}"), "{ortiz}");
            assert!(
                entry(&bib, "quote2020").contains("‘counting’ and non-counting"),
                "{bib}"
            );
        }
    }
    let csl: Value = serde_json::from_str(&bibliography(app, "format=csljson").await).unwrap();
    let titles: Vec<&str> = csl
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Fast O(n) Sorting for k-NN Pebbles"),
        "{titles:?}"
    );
    let ris = bibliography(app, "format=ris").await;
    assert!(
        ris.contains("TI  - Fast O(n) Sorting for k-NN Pebbles"),
        "{ris}"
    );
}

async fn entities_are_decoded_once_and_url_macros_unwrapped(app: &TestApp) {
    import(app, "bibtex-patterns/entities-and-urls.bib", &[]);
    let mock = by_key(app, "mock2023").await;
    assert_eq!(mock["title"], "Losses & Metrics");
    assert_eq!(mock["journal"], "Journal of Materials & Methods");
    assert_eq!(
        by_key(app, "portal2020").await["url"],
        "https://example.org/portal"
    );
    let portal2021 = by_key(app, "portal2021").await;
    assert_eq!(portal2021["url"], "https://example.org/portal2");
    assert!(
        portal2021["attributes"].get("howpublished").is_none(),
        "{portal2021}"
    );
    assert_eq!(by_key(app, "glossary2024").await["urldate"], "2024-02-01");
    for dialect in DIALECTS {
        let bib = bibliography(app, dialect).await;
        let mock = entry(&bib, "mock2023");
        assert!(mock.contains(r"Losses \& Metrics"), "{mock}");
        assert!(!bib.contains("amp;"), "{bib}");
        assert!(
            entry(&bib, "portal2020").contains("url = {https://example.org/portal}"),
            "{bib}"
        );
        assert!(
            entry(&bib, "glossary2024").contains("urldate = {2024-02-01}"),
            "{bib}"
        );
    }
}

async fn url_macros_in_import_patterns_give_plain_urls(app: &TestApp) {
    import(app, "import-patterns/bib-url-macro.bib", &[]);
    assert_eq!(
        by_key(app, "portal2020").await["url"],
        "https://example.org/portal"
    );
    assert_eq!(
        by_key(app, "portal2021").await["url"],
        "https://example.org/portal2"
    );
}

async fn imported_fields_are_kept_and_exported(app: &TestApp) {
    import(app, "bibtex-patterns/fields.bib", &[]);
    let gadget = by_key(app, "gadget2025").await;
    assert_eq!(gadget["attributes"]["version"], "2.0.1");
    let talk = by_key(app, "talk2022").await;
    assert_eq!(talk["attributes"]["date"], "2022-06-14");
    assert_eq!(talk["attributes"]["eventdate"], "2022-06-13/2022-06-15");
    assert_eq!(talk["month"], 6);
    let chapter = by_key(app, "chapter2022").await;
    assert_eq!(chapter["booktitle"], "Proceedings of the Pebble Workshop");
    assert_eq!(chapter["publisher"], "Example Press");
    assert_eq!(chapter["year"], 2022);
    assert_eq!(chapter["attributes"]["editor"], "Shell, Sue");
    let corr = by_key(app, "corr2021").await;
    assert_eq!(corr["arxiv_id"], "2101.00001");
    assert!(
        corr.get("journal").is_none() && corr.get("volume").is_none(),
        "{corr}"
    );

    let bibtex = bibliography(app, "dialect=bibtex").await;
    let biblatex = bibliography(app, "dialect=biblatex").await;
    for bib in [&bibtex, &biblatex] {
        assert!(
            entry(bib, "gadget2025").contains("version = {2.0.1}"),
            "{bib}"
        );
        let manual = entry(bib, "manual2019");
        assert!(manual.starts_with("@manual{"), "{manual}");
        assert!(manual.contains("edition = {3}"), "{manual}");
        assert!(
            manual.contains("organization = {Pebble Society}"),
            "{manual}"
        );
        assert!(
            entry(bib, "talk2022").contains("abstract = {We count pebbles at dawn"),
            "{bib}"
        );
        let chapter = entry(bib, "chapter2022");
        assert!(chapter.starts_with("@inproceedings{"), "{chapter}");
        assert!(chapter.contains("pages = {10--19}"), "{chapter}");
        assert!(
            chapter.contains("booktitle = {Proceedings of the Pebble Workshop}"),
            "{chapter}"
        );
        assert!(chapter.contains("editor = {Shell, Sue}"), "{chapter}");
        let corr = entry(bib, "corr2021");
        assert!(
            corr.starts_with("@misc{") || corr.starts_with("@online{"),
            "{corr}"
        );
        assert!(corr.contains("doi = {10.48550/arXiv.2101.00001}"), "{corr}");
        assert!(corr.contains("eprint = {2101.00001}"), "{corr}");
        assert!(!corr.contains("volume") && !corr.contains("CoRR"), "{corr}");
    }
    assert!(entry(&bibtex, "corr2021").contains("archivePrefix = {arXiv}"));
    assert!(entry(&biblatex, "corr2021").contains("pubstate = {prepublished}"));
    let talk = entry(&biblatex, "talk2022");
    assert!(talk.contains("date = {2022-06-14}"), "{talk}");
    assert!(
        talk.contains("eventdate = {2022-06-13/2022-06-15}"),
        "{talk}"
    );

    let without = bibliography(app, "dialect=biblatex&abstract=false").await;
    assert!(!without.contains("abstract"), "{without}");
    let (status, exported, stderr) = app.lore(&[
        "export",
        "--dialect",
        "biblatex",
        "--charset",
        "unicode",
        "--no-abstract",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        !exported.contains("abstract") && exported.contains("talk2022"),
        "{exported}"
    );
    let wrong = app.get("/bibliography?abstract=maybe").await;
    assert_problem(wrong, 400, "invalid_parameter").await;

    let csl: Value = serde_json::from_str(&bibliography(app, "format=csljson").await).unwrap();
    let corr = csl
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "corr2021")
        .unwrap();
    assert_eq!(corr["DOI"], "10.48550/arXiv.2101.00001", "{corr}");
    let item = |key: &str| {
        csl.as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(item("gadget2025")["version"], "2.0.1");
    assert_eq!(item("manual2019")["edition"], "3");
    let talk = item("talk2022");
    assert_eq!(
        talk["issued"]["date-parts"],
        serde_json::json!([[2022, 6, 14]])
    );
    assert_eq!(
        talk["event-date"]["date-parts"],
        serde_json::json!([[2022, 6, 13], [2022, 6, 15]])
    );
    assert!(talk["abstract"].as_str().unwrap().starts_with("We count"));
    let ris = bibliography(app, "format=ris").await;
    assert!(
        ris.contains("ET  - 2.0.1\r\n") || ris.contains("ET  - 2.0.1\n"),
        "{ris}"
    );
    assert!(ris.contains("AB  - We count pebbles"), "{ris}");
}

async fn literal_names_and_scripts_survive_and_replacements_are_reported(app: &TestApp) {
    import(app, "bibtex-patterns/names-and-scripts.bib", &[]);
    let attention = by_key(app, "attention2024").await;
    assert_eq!(attention["authors"][0]["literal"], "凯撒", "{attention}");
    assert_eq!(attention["title"], "注意力 for pebbles");
    let luu = by_key(app, "luu2023").await;
    assert_eq!(luu["authors"][0]["family"], "Lưu");
    assert_eq!(luu["authors"][1]["literal"], "Ann B. Example", "{luu}");
    assert_eq!(luu["title"], "tinyflow: pebble flows");

    for dialect in DIALECTS {
        let unicode = bibliography(app, &format!("{dialect}&charset=unicode")).await;
        let attention = entry(&unicode, "attention2024");
        assert!(attention.contains("author = {{凯撒}}"), "{attention}");
        assert!(
            attention.contains("title = {注意力 for pebbles}"),
            "{attention}"
        );
        let luu = entry(&unicode, "luu2023");
        assert!(
            luu.contains("author = {Lưu, Minh and {Ann B. Example}}"),
            "{luu}"
        );
        assert!(luu.contains("title = {{tinyflow}: pebble flows}"), "{luu}");
        assert!(!unicode.contains("written as"), "{unicode}");

        let pdflatex = bibliography(app, &format!("{dialect}&charset=pdflatex")).await;
        let attention = entry(&pdflatex, "attention2024");
        assert!(
            attention.contains("author = {{Kai Sa}}"),
            "one name: {attention}"
        );
        assert!(!attention.contains("author = {Kai Sa}"), "{attention}");
        assert!(
            pdflatex.contains("@comment{lore: attention2024 title: 注 written as Zhu"),
            "the transliteration is reported to the client: {pdflatex}"
        );
        assert!(
            pdflatex.ends_with("@comment{lore: 2 entries}\n"),
            "the trailer stays last: {pdflatex}"
        );
    }
}

async fn gbk_needs_its_encoding_named(app: &TestApp) {
    let path = repo_root().join("tests/fixtures/bibtex-patterns/gbk-encoded.bib");
    let (status, stdout, stderr) = app.lore(&["import", path.to_str().unwrap()]);
    assert_ne!(status, 0, "{stdout}");
    assert!(
        format!("{stdout}{stderr}").contains("byte 28 (0xD7) is the first that is not"),
        "{stdout}{stderr}"
    );
    let all = app.get_json("/resources", 200).await;
    assert!(items(&all).is_empty(), "never stored as mojibake: {all}");

    let token = key(app, "curator", "write");
    let bytes = std::fs::read(&path).unwrap();
    let refused = app
        .client
        .post(app.url("/imports?name=gbk.bib"))
        .bearer_auth(&token)
        .header("Content-Type", "application/x-bibtex")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(refused, 422, "invalid_body").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("byte 28 (0xD7)"),
        "{problem}"
    );
    let declared = app
        .client
        .post(app.url("/imports?name=gbk.bib"))
        .bearer_auth(&token)
        .header("Content-Type", "application/x-bibtex; charset=gbk")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 200);
    assert_eq!(by_key(app, "gbk2020").await["title"], "石子计数");

    import(
        app,
        "bibtex-patterns/gbk-encoded.bib",
        &["--encoding", "gbk"],
    );
    assert_eq!(by_key(app, "gbk2020").await["title"], "石子计数");
}

async fn an_undated_web_resource_gets_no_access_date(app: &TestApp) {
    import(app, "bibtex-patterns/entities-and-urls.bib", &[]);
    for dialect in DIALECTS {
        let bib = bibliography(app, dialect).await;
        let portal = entry(&bib, "portal2020");
        assert!(
            !portal.contains("urldate"),
            "nobody accessed it on a known day: {portal}"
        );
        assert!(
            portal.contains("year = {2020}") || portal.contains("date = {2020}"),
            "{portal}"
        );
    }
}

async fn a_math_title_and_a_timestamp_sent_through_the_api_are_kept(app: &TestApp) {
    let token = key(app, "curator", "write");
    let created = app
        .client
        .post(app.url("/resources"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": r"Fast $\mathcal{O}(n)$ Sorting",
            "kind": "paper",
            "url": "https://example.org/fast",
            "urldate": "2024-02-01T00:30:00+01:00",
            "year": 2022,
            "citation_key": "fast2022",
            "attributes": {"abstract": "x".repeat(5000)},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let stored = by_key(app, "fast2022").await;
    assert_eq!(stored["urldate"], "2024-02-01");
    assert_eq!(stored["slug"], "fast-o-n-sorting");
    for dialect in DIALECTS {
        let bib = bibliography(app, dialect).await;
        let fast = entry(&bib, "fast2022");
        assert!(
            fast.contains(r"title = {Fast {$\mathcal{O}(n)$} Sorting}"),
            "{fast}"
        );
        assert!(fast.contains("urldate = {2024-02-01}"), "{fast}");
    }
}
