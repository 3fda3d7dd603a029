//! Writes the bibliography fixtures in every export format, for
//! `scripts/validate-bibliography.sh` and for reading by eye.
//!
//! ```text
//! cargo run --example export-fixtures -- target/bib
//! scripts/validate-bibliography.sh target/bib/hard-cases.bib
//! scripts/validate-bibliography.sh --dialect biblatex target/bib/hard-cases.biblatex.bib
//! ```
//!
//! For each fixture set (`seed`, `hard-cases`, `bibtex-patterns`: the `.bib` files of
//! `tests/fixtures/bibtex-patterns/` as imported, and `aliases`: the seed with
//! citation-key aliases on two entries) it writes `NAME.bib` (portable BibTeX,
//! pdflatex-safe), `NAME.unicode.bib` (portable BibTeX, UTF-8 throughout),
//! `NAME.biblatex.bib`, `NAME.csl.json` and `NAME.ris`, and prints the warnings.
//! Resources without a citation key get one from `generate_key`, as the service does.
//!
//! With `--fuzz N` it also writes `fuzz.bib` and `fuzz.biblatex.bib`: N entries with
//! random titles and names (seeded with N) drawn from ASCII, LaTeX's special characters,
//! Latin letters pdflatex sets, and characters it cannot set.

use std::collections::HashSet;
use std::path::PathBuf;

use lore::cite::{self, BibtexOptions, Charset, Dialect};
use lore::domain::{CitationKey, Resource};

mod domain {
    pub use lore::domain::*;
}

#[path = "../tests/fixtures/bib/load.rs"]
mod fixtures;

/// A BibTeX document as `GET /bibliography` streams it: the entries, then the
/// `@comment{lore: N entries}` trailer, which the validators must accept too.
fn streamed(entries: &str, count: usize) -> String {
    let separator = if count > 0 {
        cite::bibtex::ENTRY_SEPARATOR
    } else {
        ""
    };
    format!("{entries}{separator}{}", cite::bibtex::trailer(count))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fuzz_at = args.iter().position(|a| a == "--fuzz");
    let fuzz = fuzz_at.map(|i| {
        args.get(i + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(200)
    });
    let out = PathBuf::from(
        args.iter()
            .enumerate()
            .find(|(i, a)| !a.starts_with("--") && fuzz_at.is_none_or(|f| *i != f + 1))
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| "target/bib".into()),
    );
    std::fs::create_dir_all(&out)?;
    if let Some(n) = fuzz {
        let resources = with_keys(random_resources(n));
        for (file, dialect) in [
            ("fuzz.bib", Dialect::Bibtex),
            ("fuzz.biblatex.bib", Dialect::Biblatex),
        ] {
            let options = BibtexOptions {
                dialect,
                charset: Charset::Pdflatex,
                ..BibtexOptions::default()
            };
            let export = cite::bibtex::write_bibliography(&resources, options);
            std::fs::write(out.join(file), streamed(&export.text, resources.len()))?;
            println!(
                "{} ({} warnings)",
                out.join(file).display(),
                export.warnings.len()
            );
        }
    }
    let sets = [
        ("seed", fixtures::load(fixtures::SEED)),
        ("hard-cases", fixtures::load(fixtures::HARD_CASES)),
        ("bibtex-patterns", bibtex_patterns()?),
        ("aliases", fixtures::load(fixtures::SEED)),
    ];
    for (name, resources) in sets {
        let resources = with_keys(resources);
        // The `aliases` set: the seed with citation-key aliases on its first two entries,
        // as imports that merged works under other keys leave them.
        let aliases = |i: usize| -> Vec<CitationKey> {
            let keys: &[&str] = match (name, i) {
                ("aliases", 0) => &["seed-alias-one", "Seed:Alias2"],
                ("aliases", 1) => &["seed.alias.three"],
                _ => &[],
            };
            keys.iter()
                .map(|k| CitationKey::parse(k).unwrap())
                .collect()
        };
        let variants = [
            ("bib", Dialect::Bibtex, Charset::Pdflatex),
            ("unicode.bib", Dialect::Bibtex, Charset::Unicode),
            ("biblatex.bib", Dialect::Biblatex, Charset::Pdflatex),
        ];
        for (ext, dialect, charset) in variants {
            let options = BibtexOptions {
                dialect,
                charset,
                ..BibtexOptions::default()
            };
            let mut export = cite::Exported::default();
            let mut entries = 0;
            for (i, resource) in resources.iter().enumerate() {
                let (entry, written) =
                    cite::bibtex::write_entry_with_aliases(resource, &aliases(i), options);
                if i > 0 {
                    export.text.push_str(cite::bibtex::ENTRY_SEPARATOR);
                }
                export.text.push_str(&entry.text);
                export.warnings.extend(entry.warnings);
                entries += written;
            }
            let path = out.join(format!("{name}.{ext}"));
            std::fs::write(&path, streamed(&export.text, entries))?;
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

/// The entries of `tests/fixtures/bibtex-patterns/*.bib` as the importer reads them (the
/// GBK file with its charset named), for the validators.
fn bibtex_patterns() -> anyhow::Result<Vec<Resource>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bibtex-patterns");
    let mut resources = Vec::new();
    for file in [
        "latex-markup.bib",
        "entities-and-urls.bib",
        "fields.bib",
        "names-and-scripts.bib",
        "gbk-encoded.bib",
    ] {
        let bytes = std::fs::read(dir.join(file))?;
        let charset = file.starts_with("gbk").then_some("gbk");
        let catalogue = lore::catalogue::parse_file_with_charset(file, &bytes, charset)?;
        for draft in catalogue.resources {
            let slug = format!("pattern-{}", resources.len() + 1);
            resources.push(Resource {
                slug: lore::domain::Slug::parse(&slug)?,
                data: draft.data,
                version: 1,
                created_at: "2024-05-01T09:30:00Z".into(),
                updated_at: "2024-05-01T09:30:00Z".into(),
            });
        }
    }
    Ok(resources)
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

/// Random resources from a fixed seed, for `--fuzz`.
fn random_resources(n: usize) -> Vec<Resource> {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const SPECIAL: &str = "&%$#_{}~^\\`'\",-@=<>|/.:;!?";
    const LATIN: &str = "éèêëüöäßøłçñåæœšžčřŁŚİığĞ–—“”‘’…€£§°±×÷µ";
    const OTHER: &str = "αβγΩΣ深度学习Привет🚀∞≤ℓ₁ạễ\u{301}\u{302}\u{200b}";
    let mut rng = StdRng::seed_from_u64(n as u64);
    let mut pick = |rng: &mut StdRng| -> char {
        let set: Vec<char> = match rng.random_range(0..10) {
            0..=4 => ('a'..='z')
                .chain('A'..='Z')
                .chain(" 0123456789".chars())
                .collect(),
            5..=6 => SPECIAL.chars().collect(),
            7..=8 => LATIN.chars().collect(),
            _ => OTHER.chars().collect(),
        };
        set[rng.random_range(0..set.len())]
    };
    (0..n)
        .map(|i| {
            let len = rng.random_range(1..60);
            let title: String = (0..len).map(|_| pick(&mut rng)).collect();
            // Name parts start with a letter and hold no comma or backtick, as names do:
            // biber 2.18 writes broken initials for a part that starts with `& # _ % $`
            // or holds a backtick, and counts commas inside braces ("too many commas").
            let word = |rng: &mut StdRng, pick: &mut dyn FnMut(&mut StdRng) -> char| -> String {
                let len = rng.random_range(0..9);
                let first: Vec<char> = "ABCÉŁØÜabcéłαβΩ深П".chars().collect();
                std::iter::once(first[rng.random_range(0..first.len())])
                    .chain(
                        (0..len)
                            .map(|_| pick(rng))
                            .filter(|c| !matches!(c, ',' | '`')),
                    )
                    .collect()
            };
            let authors = (0..rng.random_range(0..4))
                .map(|_| lore::domain::Person {
                    family: Some(word(&mut rng, &mut pick)),
                    given: Some(word(&mut rng, &mut pick)),
                    ..Default::default()
                })
                .collect();
            let data = lore::domain::ResourceData {
                kind: Some(
                    lore::domain::ResourceKind::ALL[i % lore::domain::ResourceKind::ALL.len()],
                ),
                title,
                authors,
                year: Some(2000 + (i % 25) as i32),
                url: Some(format!("https://example.org/{i}/a%20b_c#d~e&f")),
                journal: (i % 3 == 0).then(|| "Journal of Fuzz & Noise".to_owned()),
                booktitle: (i % 3 == 1).then(|| "Proc. 100% Fuzz".to_owned()),
                publisher: Some("Fuzz_Press".to_owned()),
                institution: Some("Institute #1".to_owned()),
                ..Default::default()
            };
            Resource {
                slug: lore::domain::Slug::parse(&format!("fuzz-{i}")).expect("slug"),
                data,
                version: 1,
                created_at: "2024-05-01T00:00:00Z".into(),
                updated_at: "2024-05-01T00:00:00Z".into(),
            }
        })
        .collect()
}
