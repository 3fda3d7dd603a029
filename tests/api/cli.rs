//! The `lore` command line: exit statuses and messages.

use crate::cases;
use crate::helpers::TestApp;

cases![
    unseeded: importing_a_missing_file_fails_naming_it,
    unseeded: importing_an_unknown_format_fails_and_other_files_still_import,
    unseeded: a_broken_bibtex_file_fails_with_its_line,
    unseeded: a_reader_that_stops_early_is_not_an_error,
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

/// `lore openapi | head -c 10`: the document (over 64 kB, more than a pipe holds) meets a
/// closed pipe; `lore` stops quietly instead of panicking.
async fn a_reader_that_stops_early_is_not_an_error(_app: &TestApp) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lore");
    let mut head = [0u8; 10];
    let mut stdout = child.stdout.take().expect("piped stdout");
    stdout.read_exact(&mut head).expect("the document begins");
    drop(stdout);
    let output = child.wait_with_output().expect("lore ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(head.starts_with(b"{"));
}
