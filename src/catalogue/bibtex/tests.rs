//! Tests of the BibTeX reader: the seed's references and the forms BibTeX files take.

use super::*;
use crate::catalogue::Outcome;
use proptest::prelude::*;

const SEED: &[u8] = include_bytes!("../../../seed/references.bib");

fn read(text: &str) -> Catalogue {
    parse("refs.bib", text.as_bytes()).expect("readable")
}

fn by_key<'c>(c: &'c Catalogue, key: &str) -> &'c ResourceDraft {
    c.resources
        .iter()
        .find(|r| r.data.citation_key.as_ref().map(CitationKey::as_str) == Some(key))
        .unwrap_or_else(|| panic!("no entry {key}"))
}

fn families(r: &ResourceDraft) -> Vec<&str> {
    r.data
        .authors
        .iter()
        .map(|p| p.family.as_deref().unwrap_or(""))
        .collect()
}

#[test]
fn the_seed_references_give_three_papers() {
    let c = parse("references.bib", SEED).unwrap();
    assert_eq!(c.format, SourceFormat::Bibtex);
    assert_eq!(c.resources.len(), 3);
    assert!(c.report.iter().all(|l| l.outcome == Outcome::Parsed));
    assert_eq!(
        c.report.iter().map(|l| l.line).collect::<Vec<_>>(),
        [4, 15, 28]
    );

    let ren = by_key(&c, "ren2015faster");
    assert_eq!(
        ren.data.title,
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks"
    );
    assert_eq!(ren.data.kind, Some(ResourceKind::Paper));
    assert_eq!(families(ren), ["Ren", "He", "Girshick", "Sun"]);
    assert_eq!(ren.data.authors[0].given.as_deref(), Some("Shaoqing"));
    assert_eq!(
        ren.data.booktitle.as_deref(),
        Some("Advances in Neural Information Processing Systems 28 (NeurIPS 2015)")
    );
    assert_eq!(ren.data.pages.as_deref(), Some("91–99"));
    assert_eq!(ren.data.year, Some(2015));
    assert_eq!(ren.data.arxiv_id.as_deref(), Some("1506.01497"));
    assert_eq!(ren.data.arxiv_class.as_deref(), Some("cs.CV"));
    assert!(ren.data.attributes.is_empty(), "{:?}", ren.data.attributes);

    let jiao = by_key(&c, "jiao2019survey");
    assert_eq!(
        jiao.data.title,
        "A Survey of Deep Learning-based Object Detection"
    );
    assert_eq!(jiao.data.kind, Some(ResourceKind::Paper));
    assert_eq!(
        families(jiao),
        ["Jiao", "Zhang", "Liu", "Yang", "Li", "Feng", "Qu"]
    );
    assert_eq!(jiao.data.journal.as_deref(), Some("IEEE Access"));
    assert_eq!(jiao.data.volume.as_deref(), Some("7"));
    assert_eq!(jiao.data.pages.as_deref(), Some("128837–128868"));
    assert_eq!(jiao.data.year, Some(2019));
    assert_eq!(
        jiao.data.doi.as_deref(),
        Some("10.1109/ACCESS.2019.2939201")
    );
    assert_eq!(jiao.data.arxiv_id.as_deref(), Some("1907.09408"));
    assert_eq!(jiao.data.arxiv_class.as_deref(), Some("cs.CV"));

    let feature = by_key(&c, "radhakrishnan2022feature");
    assert_eq!(
        feature.data.title,
        "Feature learning in neural networks and kernel machines that recursively learn features"
    );
    assert_eq!(feature.data.kind, Some(ResourceKind::Paper));
    assert_eq!(
        families(feature),
        ["Radhakrishnan", "Beaglehole", "Pandit", "Belkin"]
    );
    assert_eq!(feature.data.year, Some(2022));
    assert_eq!(feature.data.arxiv_id.as_deref(), Some("2212.13881"));
    assert_eq!(feature.data.arxiv_class.as_deref(), Some("stat.ML"));
    let provenance = feature.data.provenance.as_ref().unwrap();
    assert_eq!(
        (provenance.file.as_str(), provenance.line),
        ("references.bib", 28)
    );
}

#[test]
fn string_macros_and_month_forms_are_resolved() {
    let c = read(
        "@string{neurips = {Advances in Neural Information Processing Systems}}\n\
         @inproceedings{a, title = {A}, booktitle = neurips # { 28}, month = sep, year = 2015}\n\
         @article{b, title = {B}, journal = {J}, month = {September}, year = {2019}}\n\
         @article{c, title = {C}, journal = {J}, month = 9, year = {2019}}\n\
         @online{d, title = {D}, date = {2021-03-05}, url = {https://x.org/a?b=1&c=2}, urldate = {2024-01-02}}\n",
    );
    let a = by_key(&c, "a");
    assert_eq!(
        a.data.booktitle.as_deref(),
        Some("Advances in Neural Information Processing Systems 28")
    );
    assert_eq!((a.data.month, a.data.year), (Some(9), Some(2015)));
    assert_eq!(by_key(&c, "b").data.month, Some(9));
    assert_eq!(by_key(&c, "c").data.month, Some(9));
    let d = by_key(&c, "d");
    assert_eq!((d.data.year, d.data.month), (Some(2021), Some(3)));
    assert_eq!(d.data.kind, Some(ResourceKind::Webpage));
    assert_eq!(d.data.url.as_deref(), Some("https://x.org/a?b=1&c=2"));
    assert_eq!(d.data.urldate.as_deref(), Some("2024-01-02"));
}

#[test]
fn comments_preambles_unicode_dashes_and_one_line_entries() {
    let c = read(
        "% a comment line\n@comment{anything at all}\n@preamble{\"\\newcommand{\\x}{y}\"}\n\
         Stray text between entries is a comment in BibTeX.\n\
         @article{jiao, title={A Survey}, journal={{IEEE} Access}, pages={128837–128868}, year={2019}, doi={https://doi.org/10.1109/ACCESS.2019.2939201}}\n",
    );
    assert_eq!(c.resources.len(), 1);
    let jiao = by_key(&c, "jiao");
    assert_eq!(jiao.data.pages.as_deref(), Some("128837–128868"));
    assert_eq!(
        jiao.data.doi.as_deref(),
        Some("10.1109/ACCESS.2019.2939201")
    );
    assert_eq!(c.report.len(), 1);
    assert_eq!(c.report[0].line, 5);
}

#[test]
fn a_broken_entry_is_reported_and_the_others_still_import() {
    let c = read(
        "@article{first, title = {First}, year = 2001}\n\
         \n\
         @article{broken,\n  title = {Never closed,\n  year = 2002\n\
         @article{third,\n  title = {Third},\n  year = 2003,\n}\n\
         @article{fourth title = {No comma}}\n\
         @book{fifth, title = {Fifth}}\n",
    );
    let keys: Vec<&str> = c
        .resources
        .iter()
        .map(|r| r.data.citation_key.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(keys, ["first", "third", "fifth"]);
    let skipped: Vec<u32> = c
        .report
        .iter()
        .filter(|l| l.outcome == Outcome::Skipped)
        .map(|l| l.line)
        .collect();
    assert_eq!(skipped, [3, 10]);
    let reason = c
        .report
        .iter()
        .find(|l| l.line == 3)
        .unwrap()
        .reason
        .clone()
        .unwrap();
    assert!(reason.contains("on line 5"), "{reason}");
    assert!(
        c.report
            .iter()
            .any(|l| l.line == 6 && l.outcome == Outcome::Parsed)
    );
    assert_eq!(by_key(&c, "fifth").data.kind, Some(ResourceKind::Book));
}

#[test]
fn names_keep_their_parts() {
    let c = read(
        "@misc{a, title = {T}, author = {van der Maaten, Laurens and Ludwig van Beethoven and {Google Research} and King, Jr., Martin Luther and M{\\\"u}ller, J{\\\"o}rg and others}}\n",
    );
    let a = by_key(&c, "a");
    let authors = &a.data.authors;
    assert_eq!(authors.len(), 5);
    assert_eq!(
        (
            authors[0].particle.as_deref(),
            authors[0].family.as_deref(),
            authors[0].given.as_deref()
        ),
        (Some("van der"), Some("Maaten"), Some("Laurens"))
    );
    assert_eq!(
        (authors[1].particle.as_deref(), authors[1].family.as_deref()),
        (Some("van"), Some("Beethoven"))
    );
    assert_eq!(authors[2], Person::literal("Google Research"));
    assert_eq!(authors[3].suffix.as_deref(), Some("Jr."));
    assert_eq!(authors[3].given.as_deref(), Some("Martin Luther"));
    assert_eq!(authors[4].display_name(), "Jörg Müller");
    assert!(a.data.authors_truncated);
}

#[test]
fn titles_are_plain_text_and_other_fields_are_attributes() {
    let c = read(
        "@misc{k, title = {{BERT}: Pre-training of Deep {\\\"U}ber-{T}ransformers --- \\& more}, eprint = {1810.04805v2}, archivePrefix = {arXiv}, primaryClass = {cs.CL}, note = {Some note}, keywords = {nlp, transformers}, abstract = {An   abstract\n  over lines}}\n",
    );
    let k = by_key(&c, "k");
    assert_eq!(
        k.data.title,
        "BERT: Pre-training of Deep Über-Transformers — & more"
    );
    assert_eq!(k.data.kind, Some(ResourceKind::Paper));
    assert_eq!(k.data.arxiv_id.as_deref(), Some("1810.04805"));
    assert_eq!(k.data.attributes["note"], "Some note");
    assert_eq!(k.data.attributes["keywords"], "nlp, transformers");
    assert_eq!(k.data.attributes["abstract"], "An abstract over lines");
}

#[test]
fn entry_types_map_to_kinds() {
    for (entry_type, kind) in [
        ("article", ResourceKind::Paper),
        ("inproceedings", ResourceKind::Paper),
        ("conference", ResourceKind::Paper),
        ("phdthesis", ResourceKind::Paper),
        ("misc", ResourceKind::Webpage),
        ("unpublished", ResourceKind::Webpage),
        ("online", ResourceKind::Webpage),
        ("electronic", ResourceKind::Webpage),
        ("www", ResourceKind::Webpage),
        ("book", ResourceKind::Book),
        ("inbook", ResourceKind::Book),
        ("techreport", ResourceKind::Report),
        ("report", ResourceKind::Report),
        ("manual", ResourceKind::Documentation),
        ("software", ResourceKind::Software),
        ("dataset", ResourceKind::Dataset),
        ("whatever", ResourceKind::Webpage),
    ] {
        let c = read(&format!("@{entry_type}{{k, title = {{T}}}}"));
        assert_eq!(c.resources[0].data.kind, Some(kind), "{entry_type}");
    }
    let c = read("@misc{k, title = {T}, journal = {arXiv preprint arXiv:2212.13881}}");
    assert_eq!(c.resources[0].data.kind, Some(ResourceKind::Paper));
    assert_eq!(c.resources[0].data.arxiv_id.as_deref(), Some("2212.13881"));
}

#[test]
fn keys_bad_or_repeated_and_undefined_macros_are_reported() {
    let c = read(
        "@article{Ren2015, title = {A}}\n@article{ren2015, title = {B}}\n@article{bad{key, title = {C}}\n@article{m, title = {D}, journal = undefinedmacro}\n@article{é, title = {E}}\n",
    );
    let outcomes: Vec<(u32, Outcome)> = c.report.iter().map(|l| (l.line, l.outcome)).collect();
    assert!(outcomes.contains(&(2, Outcome::Skipped)), "{outcomes:?}");
    let m = by_key(&c, "m");
    assert_eq!(m.data.journal.as_deref(), Some("undefinedmacro"));
    assert!(
        c.report
            .iter()
            .any(|l| l.line == 4 && l.outcome == Outcome::Warning)
    );
    let unkeyed = c.resources.iter().find(|r| r.data.title == "E").unwrap();
    assert_eq!(unkeyed.data.citation_key, None);
    assert!(
        c.report
            .iter()
            .any(|l| l.line == 5 && l.outcome == Outcome::Warning)
    );
}

#[test]
fn parenthesised_entries_are_read() {
    let c = read("@article(k, title = {T (with parentheses)}, year = 2020)\n");
    assert_eq!(c.resources[0].data.title, "T (with parentheses)");
}

#[test]
fn garbage_is_a_syntax_error_and_empty_files_are_fine() {
    assert!(read("").resources.is_empty());
    assert!(read("\n% only a comment\n\n").resources.is_empty());
    match parse("x.bib", b"\n\nthis is not bibtex\n") {
        Err(ParseError::Syntax { line, file, .. }) => {
            assert_eq!((line, file.as_str()), (3, "x.bib"));
        }
        other => panic!("{other:?}"),
    }
    match parse("x.bib", b"@article{only, title = {never closed\n") {
        Err(ParseError::Syntax { line, .. }) => assert_eq!(line, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bib_files_go_through_parse_file() {
    let c = crate::catalogue::parse_file("seed/references.bib", SEED).unwrap();
    assert_eq!(c.resources.len(), 3);
    assert!(matches!(
        crate::catalogue::parse_file("x.txt", b""),
        Err(ParseError::UnknownFormat { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse("r.bib", &bytes);
    }

    #[test]
    fn bibtex_like_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("@article{".to_owned()), Just("@string{".to_owned()), Just("@comment{".to_owned()),
                Just("@misc(".to_owned()), Just("}".to_owned()), Just(")".to_owned()), Just("{".to_owned()),
                Just("title = ".to_owned()), Just("author = {A and others}".to_owned()), Just(",".to_owned()),
                Just("\n".to_owned()), Just("\"".to_owned()), Just("#".to_owned()), Just("\\\"o".to_owned()),
                Just("month = sep".to_owned()), Just("$x$".to_owned()), Just("%".to_owned()),
                "[a-z0-9 =:._-]{0,10}",
            ],
            0..30,
        )
    ) {
        let text: String = parts.concat();
        if let Ok(c) = parse("r.bib", text.as_bytes()) {
            prop_assert!(c.report.windows(2).all(|w| w[0].line <= w[1].line));
        }
    }
}
