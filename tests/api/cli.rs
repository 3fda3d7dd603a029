//! The `lore` command line: exit statuses and messages.

use crate::cases;
use crate::helpers::TestApp;

cases![
    unseeded: importing_a_missing_file_fails_naming_it,
    unseeded: importing_an_unknown_format_fails_and_other_files_still_import,
    unseeded: a_broken_bibtex_file_fails_with_its_line,
];

async fn importing_a_missing_file_fails_naming_it(app: &TestApp) {
    let (status, _, stderr) = app.lore(&["import", "/nonexistent/page.md"]);
    assert_ne!(status, 0);
    assert!(stderr.contains("/nonexistent/page.md"), "{stderr}");
}

async fn importing_an_unknown_format_fails_and_other_files_still_import(app: &TestApp) {
    let dir = app.data_dir.path();
    std::fs::write(dir.join("notes.txt"), "hello").unwrap();
    std::fs::write(dir.join("page.md"), "# P\n\n## Courses\n\n| Course | link | level |\n|---|---|---|\n| A | https://a.example/ | beginner |\n").unwrap();
    let (status, stdout, stderr) = app.lore(&[
        "import",
        dir.join("notes.txt").to_str().unwrap(),
        dir.join("page.md").to_str().unwrap(),
    ]);
    assert_ne!(
        status, 0,
        "a file that is not a catalogue fails the command"
    );
    assert!(stderr.contains("notes.txt"), "{stderr}");
    assert!(stdout.contains("page.md: resources: 1 created"), "{stdout}");
    let body = app.get_json("/resources?level=beginner", 200).await;
    assert_eq!(body["total"], 1);
}

async fn a_broken_bibtex_file_fails_with_its_line(app: &TestApp) {
    let path = app.data_dir.path().join("broken.bib");
    std::fs::write(&path, "\n\nthis is not bibtex {\n").unwrap();
    let (status, _, stderr) = app.lore(&["import", path.to_str().unwrap()]);
    assert_ne!(status, 0);
    assert!(stderr.contains("broken.bib:"), "{stderr}");
}
