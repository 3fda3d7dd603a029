//! Writes the bibliography fixtures in every export format, for
//! `scripts/validate-bibliography.sh` and for reading by eye.
//!
//! ```text
//! cargo run --example export-fixtures -- target/bib
//! scripts/validate-bibliography.sh target/bib/hard-cases.bib
//! scripts/validate-bibliography.sh --dialect biblatex target/bib/hard-cases.biblatex.bib
//! ```
//!
//! For each fixture set (`seed`, `hard-cases`) it writes `NAME.bib` (portable BibTeX,
//! pdflatex-safe), `NAME.unicode.bib` (portable BibTeX, UTF-8 throughout),
//! `NAME.biblatex.bib`, `NAME.csl.json` and `NAME.ris`, and prints the warnings.
//! Resources without a citation key get one from `generate_key`, as the service does.

use std::collections::HashSet;
use std::path::PathBuf;

use lore::cite::{self, BibtexOptions, Charset, Dialect};
use lore::domain::Resource;

mod domain {
    pub use lore::domain::*;
}

#[path = "../tests/fixtures/bib/load.rs"]
mod fixtures;

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/bib".into()),
    );
    std::fs::create_dir_all(&out)?;
    for (name, json) in [
        ("seed", fixtures::SEED),
        ("hard-cases", fixtures::HARD_CASES),
    ] {
        let resources = with_keys(fixtures::load(json));
        let variants = [
            ("bib", Dialect::Bibtex, Charset::Pdflatex),
            ("unicode.bib", Dialect::Bibtex, Charset::Unicode),
            ("biblatex.bib", Dialect::Biblatex, Charset::Pdflatex),
        ];
        for (ext, dialect, charset) in variants {
            let export =
                cite::bibtex::write_bibliography(&resources, BibtexOptions { dialect, charset });
            let path = out.join(format!("{name}.{ext}"));
            std::fs::write(&path, &export.text)?;
            println!("{} ({} warnings)", path.display(), export.warnings.len());
            for warning in &export.warnings {
                println!("  {warning}");
            }
        }
        let csl = cite::csl::write_csl_json(&resources);
        std::fs::write(out.join(format!("{name}.csl.json")), &csl.text)?;
        let ris = cite::ris::write_ris(&resources);
        std::fs::write(out.join(format!("{name}.ris")), &ris.text)?;
        println!(
            "{}.csl.json, {}.ris ({} and {} warnings)",
            out.join(name).display(),
            out.join(name).display(),
            csl.warnings.len(),
            ris.warnings.len()
        );
    }
    Ok(())
}

/// Issues keys to resources without one, imported keys first, unique ignoring case.
fn with_keys(mut resources: Vec<Resource>) -> Vec<Resource> {
    let mut taken: HashSet<String> = resources
        .iter()
        .filter_map(|r| r.data.citation_key.as_ref())
        .map(|k| k.as_str().to_lowercase())
        .collect();
    for resource in &mut resources {
        if resource.data.citation_key.is_none() {
            let key = cite::generate_key(&resource.data, |k| taken.contains(&k.to_lowercase()));
            taken.insert(key.as_str().to_lowercase());
            resource.data.citation_key = Some(key);
        }
    }
    resources
}
