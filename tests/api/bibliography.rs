//! Bibliography export: `/bibliography`, content negotiation, `lore export`, and `{cite}`
//! roles resolved to BibTeX entries.

use serde_json::Value;

use crate::cases;
use crate::helpers::{TestApp, assert_problem, repo_root};

cases![
    seeded: beginner_bibliography_and_negotiated_list_agree,
    seeded: every_format_and_dialect_is_served,
    seeded: one_resource_is_one_entry_with_an_etag,
    seeded: unacceptable_requests_are_problems,
    seeded: the_cli_export_matches_the_route,
    unseeded: imported_keys_survive_export,
    unseeded: cite_roles_link_concepts_to_entries_in_either_order,
    seeded: complete_exports_end_with_their_format_s_ending,
    unseeded: an_export_of_several_batches_holds_every_entry_once_in_list_order,
];

/// The citation keys of a BibTeX document, in order.
fn keys(bibtex: &str) -> Vec<String> {
    bibtex
        .lines()
        .filter_map(|line| line.strip_prefix('@'))
        .filter(|rest| !rest.starts_with("comment{"))
        .filter_map(|rest| rest.split_once('{'))
        .map(|(_, key)| key.trim_end_matches(',').to_owned())
        .collect()
}

async fn text(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), 200, "{}", response.url());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, response.text().await.unwrap())
}

async fn beginner_bibliography_and_negotiated_list_agree(app: &TestApp) {
    let (content_type, bibliography) =
        text(app.get("/bibliography?level=beginner&format=bibtex").await).await;
    assert_eq!(content_type, "application/x-bibtex; charset=utf-8");
    let negotiated = app
        .client
        .get(app.url("/resources?level=beginner"))
        .header("Accept", "application/x-bibtex")
        .send()
        .await
        .unwrap();
    assert!(
        negotiated.headers()["vary"]
            .to_str()
            .unwrap()
            .starts_with("Accept")
    );
    let (_, listed) = text(negotiated).await;
    assert_eq!(bibliography, listed, "one bibliography, two ways to ask");
    assert_eq!(keys(&bibliography).len(), 3);
    let json = app.get_json("/resources?level=beginner", 200).await;
    let json_keys: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["citation_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        keys(&bibliography),
        json_keys,
        "the stored keys are the exported ones"
    );
    let (_, again) = text(app.get("/bibliography?level=beginner").await).await;
    assert_eq!(again, bibliography, "keys and text are stable");
    assert!(
        !bibliography.starts_with('\u{feff}') && !bibliography.contains('\r'),
        "UTF-8, LF, no BOM"
    );
    assert!(
        bibliography.contains("\n}\n\n@"),
        "one blank line between entries"
    );
}

async fn every_format_and_dialect_is_served(app: &TestApp) {
    let (content_type, csl) = text(app.get("/bibliography?format=csljson").await).await;
    assert_eq!(content_type, "application/vnd.citationstyles.csl+json");
    let items: Vec<Value> = serde_json::from_str(&csl).unwrap();
    assert_eq!(items.len(), 9);
    let paper = items.iter().find(|i| i["id"] == "ren2015faster").unwrap();
    assert_eq!(paper["type"], "paper-conference");
    assert_eq!(paper["author"][0]["family"], "Ren");

    let (content_type, ris) =
        text(app.get("/bibliography?format=ris&level=intermediate").await).await;
    assert_eq!(
        content_type,
        "application/x-research-info-systems; charset=utf-8"
    );
    assert_eq!(ris.matches("ER  - ").count(), 3);
    assert!(ris.contains("TY  - JOUR"), "{ris}");

    let (_, biblatex) = text(app.get("/bibliography?dialect=biblatex").await).await;
    assert!(biblatex.contains("@online{"), "{biblatex}");
    assert!(
        biblatex.contains("journaltitle = {IEEE Access}"),
        "{biblatex}"
    );
    let (_, unicode) = text(app.get("/bibliography?charset=unicode&format=bibtex").await).await;
    assert!(unicode.contains("Spearman") || unicode.contains("@misc"));

    let empty = app.get("/bibliography?format=csljson&level=advanced").await;
    let (_, empty) = text(empty).await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&empty).unwrap().len(), 0);
}

async fn one_resource_is_one_entry_with_an_etag(app: &TestApp) {
    let path =
        "/resources/faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks";
    let response = app
        .client
        .get(app.url(path))
        .header("Accept", "application/x-bibtex")
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (_, entry) = text(response).await;
    assert_eq!(keys(&entry), ["ren2015faster"]);
    assert!(entry.contains("eprint = {1506.01497}"), "{entry}");
    let again = app
        .client
        .get(app.url(path))
        .header("Accept", "application/x-bibtex")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let (_, ris) = text(app.get(&format!("{path}?format=ris")).await).await;
    assert!(ris.starts_with("TY  - CPAPER"), "{ris}");
    let page = app
        .client
        .get(app.url(path))
        .header("Accept", "text/html, */*;q=0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let json = app
        .client
        .get(app.url(path))
        .header("Accept", "application/json, */*;q=0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
}

async fn unacceptable_requests_are_problems(app: &TestApp) {
    let response = app
        .client
        .get(app.url("/resources"))
        .header("Accept", "image/png")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["vary"]
            .to_str()
            .unwrap()
            .starts_with("Accept")
    );
    assert_problem(response, 406, "not_acceptable").await;
    let response = app
        .client
        .get(app.url("/resources/umich"))
        .header("Accept", "application/x-bibtex;q=0")
        .send()
        .await
        .unwrap();
    assert_problem(response, 406, "not_acceptable").await;
    let body = assert_problem(
        app.get("/bibliography?format=docx").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "format");
    let body = assert_problem(
        app.get("/bibliography?dialect=amsrefs").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "dialect");
    assert_problem(
        app.get("/bibliography?level=expert").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/bibliography?limit=3").await,
        400,
        "unknown_parameter",
    )
    .await;
}

async fn the_cli_export_matches_the_route(app: &TestApp) {
    let out = app.data_dir.path().join("refs.bib");
    let (status, _, stderr) = app.lore(&[
        "export",
        "--format",
        "bibtex",
        "--level",
        "beginner",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(status, 0, "{stderr}");
    let written = std::fs::read_to_string(&out).unwrap();
    let (_, served) = text(app.get("/bibliography?level=beginner").await).await;
    assert_eq!(written, served);
    assert!(
        stderr.contains("warning"),
        "the writer's remarks reach stderr: {stderr}"
    );
    let (status, _, stderr) = app.lore(&["export", "--level", "expert"]);
    assert_ne!(status, 0);
    assert!(stderr.contains("expert"), "{stderr}");
}

async fn imported_keys_survive_export(app: &TestApp) {
    let bib = repo_root().join("tests/fixtures/bib/references.bib");
    let (status, stdout, stderr) = app.lore(&["import", bib.to_str().unwrap()]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    let imported = [
        "Vaswani_2017",
        "He2016Deep",
        "kingma2014adam",
        "devlin-etal-2019-bert",
        "JMLR:v15:srivastava14a",
        "5206848",
        "pmlr-v37-ioffe15",
    ];
    let (_, exported) = text(app.get("/bibliography").await).await;
    assert_eq!(keys(&exported), imported, "every key, as written");
    assert!(exported.contains("month = dec"), "{exported}");
    assert!(
        exported.contains("5998--6008"),
        "Unicode dashes become `--`: {exported}"
    );
}

async fn cite_roles_link_concepts_to_entries_in_either_order(app: &TestApp) {
    let dir = app.data_dir.path();
    let page = "# Notes\n\n## Layer types\n\n### Residual connection\nSkip connections {cite}`He2016Deep` ease training.\n";
    std::fs::write(dir.join("notes.md"), page).unwrap();
    let (status, _, stderr) = app.lore(&["import", dir.join("notes.md").to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    let concept = app.get_json("/concepts/residual-connection", 200).await;
    assert_eq!(concept["citation_keys"], serde_json::json!(["He2016Deep"]));
    assert!(
        concept["resources"].as_array().unwrap().is_empty(),
        "the work is not stored yet"
    );

    let bib = repo_root().join("tests/fixtures/bib/references.bib");
    let (status, _, stderr) = app.lore(&["import", bib.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    let concept = app.get_json("/concepts/residual-connection", 200).await;
    let link = &concept["resources"][0];
    assert_eq!(link["relation"], "cited_by");
    assert_eq!(
        link["title"],
        "Deep Residual Learning for Image Recognition"
    );

    // The other order: a page citing a work that is already stored.
    std::fs::write(
        dir.join("more.md"),
        "# More\n\n## Regularisation\n\n### Dropout\nSee {cite}`JMLR:v15:srivastava14a`.\n",
    )
    .unwrap();
    let (status, _, stderr) = app.lore(&["import", dir.join("more.md").to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");
    let dropout = app.get_json("/concepts/dropout", 200).await;
    assert_eq!(dropout["resources"][0]["relation"], "cited_by");
}

/// A client can tell a complete export from one cut short: BibTeX ends with
/// `@comment{lore: N entries}` counting its entries, CSL-JSON with the array's closing
/// bracket, RIS with the last record's `ER` line.
async fn complete_exports_end_with_their_format_s_ending(app: &TestApp) {
    let total = app.get_json("/resources", 200).await["total"]
        .as_u64()
        .unwrap() as usize;
    assert!(total > 1);
    for path in ["/bibliography", "/resources?format=bibtex"] {
        let (_, bibtex) = text(app.get(path).await).await;
        let last = bibtex.lines().last().unwrap();
        assert_eq!(last, format!("@comment{{lore: {total} entries}}"), "{path}");
        let trailer = format!("}}\n\n@comment{{lore: {total} entries}}\n");
        assert!(
            bibtex.ends_with(&trailer),
            "one blank line before it: {path}"
        );
        assert_eq!(keys(&bibtex).len(), total, "{path}");
    }
    for path in ["/bibliography?format=csljson", "/resources?format=csljson"] {
        let (_, csl) = text(app.get(path).await).await;
        assert!(csl.ends_with("\n]\n"), "{path}: {csl}");
        let items: Vec<Value> = serde_json::from_str(&csl).unwrap();
        assert_eq!(items.len(), total, "{path}");
    }
    for path in ["/bibliography?format=ris", "/resources?format=ris"] {
        let (_, ris) = text(app.get(path).await).await;
        assert_eq!(ris.lines().last(), Some("ER  - "), "{path}");
        assert_eq!(
            ris.lines().filter(|l| *l == "ER  - ").count(),
            total,
            "{path}"
        );
    }
    let (_, none) = text(app.get("/bibliography?year=1000").await).await;
    assert_eq!(none, "@comment{lore: 0 entries}\n");
    let (_, none) = text(app.get("/bibliography?year=1000&format=csljson").await).await;
    assert_eq!(none, "[]\n");
}

/// More resources than one batch of the export reads (500): the entries come once each,
/// in the order `/resources` lists them, and the trailer counts them all.
async fn an_export_of_several_batches_holds_every_entry_once_in_list_order(app: &TestApp) {
    use std::fmt::Write as _;
    let rows = 1_201;
    let mut page = String::from("# Courses\n\n| Title | link | level |\n|---|---|---|\n");
    for i in 0..rows {
        let _ = writeln!(
            page,
            "| Batched course {i} | https://example.org/batched/{i} | beginner |"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batched.md");
    std::fs::write(&file, page).unwrap();
    let (status, _, stderr) = app.lore(&["import", file.to_str().unwrap()]);
    assert_eq!(status, 0, "{stderr}");

    let mut listed = Vec::new();
    let mut page = app.get_json("/resources?limit=500", 200).await;
    loop {
        for item in page["items"].as_array().unwrap() {
            listed.push(item["citation_key"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["next"].as_str() else {
            break;
        };
        page = app
            .client
            .get(next)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    assert_eq!(listed.len(), rows);

    let (_, bibtex) = text(app.get("/bibliography").await).await;
    assert_eq!(keys(&bibtex), listed);
    assert!(
        bibtex.ends_with(&format!("}}\n\n@comment{{lore: {rows} entries}}\n")),
        "{}",
        &bibtex[bibtex.len() - 200..]
    );
    let (_, csl) = text(app.get("/bibliography?format=csljson").await).await;
    let items: Vec<Value> = serde_json::from_str(&csl).unwrap();
    assert_eq!(items.len(), rows);
}
