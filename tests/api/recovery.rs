//! Starting again after a crash: a process killed while committing the search index
//! leaves files that no commit references; the next start removes them, or rebuilds the
//! index when catching up still fails, and the index then matches the store.

use std::path::{Path, PathBuf};

use lore::config::{Settings, StoreSettings};
use lore::startup::{Application, index_dir};
use serde_json::Value;

use crate::cases;
use crate::helpers::TestApp;
use crate::writes::key;

cases![
    seeded: a_server_starts_over_files_left_by_an_interrupted_commit,
    seeded: a_catch_up_that_still_fails_falls_back_to_a_rebuild,
];

/// The store settings of `app`'s database with another data directory.
fn store_settings(app: &TestApp, data_dir: &Path) -> StoreSettings {
    StoreSettings {
        data_dir: data_dir.to_path_buf(),
        database_url: Some(app.database_url.clone()),
    }
}

/// Copies `app`'s index directory, as committed now, into a fresh data directory for the
/// same store; returns that data directory and the copy's path.
fn copy_index(app: &TestApp) -> (tempfile::TempDir, PathBuf) {
    let from = index_dir(&store_settings(app, app.data_dir.path()));
    let data_dir = tempfile::tempdir().unwrap();
    let to = index_dir(&store_settings(app, data_dir.path()));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".lock") {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
    (data_dir, to)
}

/// The segment ids and the opstamp of the index's last commit, from its `meta.json`.
fn segments_and_opstamp(index: &Path) -> (Vec<String>, u64) {
    let meta: Value =
        serde_json::from_slice(&std::fs::read(index.join("meta.json")).unwrap()).unwrap();
    let segments = meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
        .collect();
    (segments, meta["opstamp"].as_u64().unwrap())
}

/// Deletes the first listed resource through the API (its index document is deleted
/// when the change is applied: a delete file for its segment).
async fn delete_a_resource(app: &TestApp) {
    let token = key(app, "curator", "write");
    let list = app.get_json("/resources?limit=1", 200).await;
    let href = list["items"][0]["href"].as_str().unwrap().to_owned();
    let read = app.client.get(&href).send().await.unwrap();
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let deleted = app
        .client
        .delete(&href)
        .bearer_auth(&token)
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
}

/// Starts a second server on `data_dir` over `app`'s store.
async fn start_again(app: &TestApp, data_dir: &Path) -> Application {
    let mut settings = Settings::new(
        store_settings(app, data_dir),
        "127.0.0.1:0".parse().unwrap(),
    );
    settings.seed_dir = None;
    settings.rate_limit = None;
    Application::build(&settings)
        .await
        .expect("the server starts again")
}

/// The index holds one document per resource and concept of the store, and the
/// deleted resource is not among them.
async fn assert_index_matches_store(started: &Application) {
    let store = started.service().store();
    let records = store.count_resources().await.unwrap() + store.count_concepts().await.unwrap();
    let index = started.service().search_index().unwrap();
    assert_eq!(index.num_docs(), u64::try_from(records).unwrap());
    assert_eq!(index.applied_seq(), store.last_change_seq().await.unwrap());
}

async fn a_server_starts_over_files_left_by_an_interrupted_commit(app: &TestApp) {
    let (data_dir, index) = copy_index(app);
    delete_a_resource(app).await;
    // What a commit killed before writing meta.json leaves: a delete file for each
    // segment under each opstamp catching up may use, and a segment of its own.
    let (segments, opstamp) = segments_and_opstamp(&index);
    for segment in &segments {
        for stamp in opstamp..opstamp + 32 {
            std::fs::write(index.join(format!("{segment}.{stamp}.del")), b"partial").unwrap();
        }
    }
    let orphan = "0123456789abcdef0123456789abcdef";
    for ext in ["idx", "term", "store", "pos", "fast", "fieldnorm"] {
        std::fs::write(index.join(format!("{orphan}.{ext}")), b"partial").unwrap();
    }

    let started = start_again(app, data_dir.path()).await;
    assert_index_matches_store(&started).await;
    let left: Vec<String> = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|path| std::fs::read(path).unwrap() == b"partial")
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(left, Vec::<String>::new(), "unreferenced files are removed");
}

async fn a_catch_up_that_still_fails_falls_back_to_a_rebuild(app: &TestApp) {
    let (data_dir, index) = copy_index(app);
    delete_a_resource(app).await;
    // Directories where catching up must write its delete files: nothing removes them,
    // so applying the change fails, and the start rebuilds the index instead.
    let (segments, opstamp) = segments_and_opstamp(&index);
    for segment in &segments {
        for stamp in opstamp..opstamp + 32 {
            std::fs::create_dir_all(index.join(format!("{segment}.{stamp}.del"))).unwrap();
        }
    }

    let started = start_again(app, data_dir.path()).await;
    assert_index_matches_store(&started).await;
    let blocked = std::fs::read_dir(&index)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(blocked, 0, "the index directory was recreated");
}
