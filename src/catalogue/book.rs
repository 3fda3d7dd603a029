//! Jupyter Books: a directory with `_toc.yml` (the page order, in parts and chapters) and
//! `_config.yml` (`bibtex_bibfiles`, the book's BibTeX files).
//!
//! Follows the Jupyter Book 1 table-of-contents format (`format: jb-book` with `root`,
//! `parts[].caption`, `chapters[]`, `sections[]`; `jb-article` with `root` and
//! `sections[]`). A page's `file` is given without its extension; lore reads `.md` pages
//! (notebooks and reStructuredText pages are reported, not read).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A book's files in import order: its BibTeX files first, then its pages in the order
/// of the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Book {
    /// The `.bib` files `_config.yml` names, in its order.
    pub bib_files: Vec<PathBuf>,
    /// The pages, in table-of-contents order.
    pub pages: Vec<BookPage>,
    /// Entries that could not be read (a missing page), with the reason.
    pub passed_over: Vec<(PathBuf, &'static str)>,
}

/// A page of a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookPage {
    pub path: PathBuf,
    /// The part captions above the page (empty for the root page); they start its
    /// section paths.
    pub parts: Vec<String>,
}

/// Why a book's table of contents or configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a Jupyter Book table of contents or configuration: {message}")]
    Yaml { path: String, message: String },
}

#[derive(Debug, Deserialize, Default)]
struct Toc {
    root: Option<String>,
    #[serde(default)]
    parts: Vec<Part>,
    #[serde(default)]
    chapters: Vec<Entry>,
    #[serde(default)]
    sections: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Part {
    caption: Option<String>,
    #[serde(default)]
    chapters: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    file: Option<String>,
    #[serde(default)]
    sections: Vec<Entry>,
}

#[derive(Debug, Deserialize, Default)]
struct Config {
    #[serde(default)]
    bibtex_bibfiles: Vec<String>,
}

/// Whether `dir` is a Jupyter Book: it holds a `_toc.yml`.
pub fn is_book(dir: &Path) -> bool {
    dir.join("_toc.yml").is_file()
}

/// Reads a book's `_toc.yml` and `_config.yml` (optional).
///
/// # Errors
/// [`BookError`] when `_toc.yml` cannot be read or either file is not the YAML expected.
pub fn read(dir: &Path) -> Result<Book, BookError> {
    let toc: Toc = read_yaml(&dir.join("_toc.yml"))?.unwrap_or_default();
    let config: Config = read_yaml(&dir.join("_config.yml"))?.unwrap_or_default();
    let mut book = Book::default();
    for bib in &config.bibtex_bibfiles {
        let path = dir.join(bib);
        if !within(dir, Path::new(bib)) {
            book.passed_over.push((
                path,
                "named in _config.yml's bibtex_bibfiles, but outside the book's directory (import it on its own)",
            ));
        } else if path.is_file() {
            book.bib_files.push(path);
        } else {
            book.passed_over
                .push((path, "named in _config.yml's bibtex_bibfiles but missing"));
        }
    }
    if let Some(root) = &toc.root {
        book.page(dir, root, &[]);
    }
    for entry in toc.chapters.iter().chain(&toc.sections) {
        book.entry(dir, entry, &[]);
    }
    for part in &toc.parts {
        let parts: Vec<String> = part.caption.iter().cloned().collect();
        for entry in &part.chapters {
            book.entry(dir, entry, &parts);
        }
    }
    Ok(book)
}

impl Book {
    fn entry(&mut self, dir: &Path, entry: &Entry, parts: &[String]) {
        if let Some(file) = &entry.file {
            self.page(dir, file, parts);
        }
        for section in &entry.sections {
            self.entry(dir, section, parts);
        }
    }

    fn page(&mut self, dir: &Path, file: &str, parts: &[String]) {
        let base = dir.join(file);
        if !within(dir, Path::new(file)) {
            self.passed_over.push((
                base,
                "named in _toc.yml, but outside the book's directory (pages are read from the book only)",
            ));
            return;
        }
        let found = ["md", "markdown"]
            .iter()
            .map(|ext| base.with_extension(ext))
            .chain([base.clone()])
            .find(|p| p.is_file() && p.extension().is_some_and(|e| e == "md" || e == "markdown"));
        match found {
            Some(path) if !within(dir, path.strip_prefix(dir).unwrap_or(&path)) => {
                self.passed_over.push((
                    path,
                    "named in _toc.yml, but a link to a file outside the book's directory",
                ));
            }
            Some(path) if !self.pages.iter().any(|p| p.path == path) => {
                self.pages.push(BookPage {
                    path,
                    parts: parts.to_vec(),
                });
            }
            Some(_) => {}
            None if base.with_extension("ipynb").is_file() => self.passed_over.push((
                base.with_extension("ipynb"),
                "a notebook named in _toc.yml (notebooks are not read)",
            )),
            None => self.passed_over.push((
                base,
                "named in _toc.yml, but the book has no such page (.md)",
            )),
        }
    }
}

/// Whether `file`, a path from `_toc.yml` or `_config.yml` relative to the book's
/// directory `dir`, names a file within it: it is not absolute, no `..` climbs above the
/// directory, and where it exists, no symbolic link leads out of it.
fn within(dir: &Path, file: &Path) -> bool {
    if !stays_within(file) {
        return false;
    }
    match (dir.canonicalize(), dir.join(file).canonicalize()) {
        (Ok(dir), Ok(target)) => target.starts_with(dir),
        // A file that does not exist is reported as missing.
        _ => true,
    }
}

/// Whether a relative path stays within its base, read lexically: it is not absolute and
/// no `..` climbs above the base.
fn stays_within(file: &Path) -> bool {
    use std::path::Component;
    let mut depth = 0_usize;
    for component in file.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

fn read_yaml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, BookError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(BookError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    serde_saphyr::from_str(&text)
        .map(Some)
        .map_err(|e| BookError::Yaml {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_book() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import-patterns/book")
    }

    #[test]
    fn a_book_lists_its_bib_files_then_its_pages_in_toc_order_with_their_parts() {
        let book = read(&case_book()).unwrap();
        let names = |paths: Vec<&PathBuf>| {
            paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(book.bib_files.iter().collect()), ["references.bib"]);
        assert_eq!(
            names(book.pages.iter().map(|p| &p.path).collect()),
            ["intro.md", "count_basics.md", "eval_metrics.md"]
        );
        let parts: Vec<_> = book.pages.iter().map(|p| p.parts.clone()).collect();
        assert_eq!(
            parts,
            [
                vec![],
                vec!["Counting".to_owned()],
                vec!["Evaluation".to_owned()]
            ]
        );
        assert!(book.passed_over.is_empty(), "{:?}", book.passed_over);
    }

    #[test]
    fn a_toc_entry_without_a_page_is_passed_over_with_the_reason() {
        let dir = std::env::temp_dir().join(format!("lore-book-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("_toc.yml"),
            "format: jb-book\nroot: intro\nchapters:\n  - file: gone\n",
        )
        .unwrap();
        std::fs::write(dir.join("intro.md"), "# Intro\n").unwrap();
        let book = read(&dir).unwrap();
        assert_eq!(book.pages.len(), 1);
        assert_eq!(book.passed_over.len(), 1);
        assert!(book.passed_over[0].1.contains("no such page"));
        std::fs::write(dir.join("gone.ipynb"), "{}").unwrap();
        let book = read(&dir).unwrap();
        assert!(book.passed_over[0].0.ends_with("gone.ipynb"));
        assert!(book.passed_over[0].1.contains("notebooks are not read"));
        std::fs::write(dir.join("_toc.yml"), "root: [unclosed\n").unwrap();
        assert!(matches!(read(&dir), Err(BookError::Yaml { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_toc_entry_outside_the_book_is_passed_over_not_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("book");
        std::fs::create_dir_all(dir.join("part")).unwrap();
        std::fs::write(root.path().join("secret.md"), "# Not the book's\n").unwrap();
        std::fs::write(dir.join("intro.md"), "# Intro\n").unwrap();
        std::fs::write(dir.join("part/page.md"), "# Page\n").unwrap();
        std::fs::write(
            dir.join("_toc.yml"),
            "root: intro\nchapters:\n  - file: ../secret\n  - file: part/../part/page\n  - file: /etc/hostname\n",
        )
        .unwrap();
        let book = read(&dir).unwrap();
        let pages: Vec<_> = book.pages.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            pages,
            [dir.join("intro.md"), dir.join("part/../part/page.md")]
        );
        assert_eq!(book.passed_over.len(), 2, "{:?}", book.passed_over);
        assert!(
            book.passed_over
                .iter()
                .all(|(_, why)| why.contains("outside the book"))
        );

        // Nor are .bib files outside it, or pages that link out of it.
        std::fs::write(root.path().join("refs.bib"), "@misc{s, title = {Secret}}\n").unwrap();
        std::fs::write(
            dir.join("_config.yml"),
            "bibtex_bibfiles:\n  - ../refs.bib\n  - /etc/hostname\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.md"), dir.join("link.md")).unwrap();
        std::fs::write(
            dir.join("_toc.yml"),
            "root: intro\nchapters:\n  - file: link\n",
        )
        .unwrap();
        let book = read(&dir).unwrap();
        assert!(book.bib_files.is_empty(), "{:?}", book.bib_files);
        assert_eq!(book.pages.len(), 1, "{:?}", book.pages);
        assert_eq!(book.passed_over.len(), 3, "{:?}", book.passed_over);
        assert!(
            book.passed_over
                .iter()
                .all(|(_, why)| why.contains("outside the book"))
        );
    }
}
