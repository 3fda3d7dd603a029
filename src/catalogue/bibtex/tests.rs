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
    // The title's brace on line 4 is the one never closed: line 5 starts a new field.
    assert!(reason.contains("`{` on line 4 is never closed"), "{reason}");
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

fn warnings_on(c: &Catalogue, line: u32) -> Vec<String> {
    c.report
        .iter()
        .filter(|l| l.line == line && l.outcome == Outcome::Warning)
        .map(|l| l.reason.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_recursive_string_is_reported_and_the_entry_still_imports() {
    // Through concatenation this overflowed the stack and aborted the process.
    for text in [
        "@string{a = \"x\" # a}\n@misc{k, title = a}\n",
        "@string{a = a}\n@misc{k, title = a}\n",
        "@string{a = b, b = a}\n@misc{k, title = a}\n",
        "@string{a = \"x\" # A}\n@misc{k, title = a}\n",
    ] {
        let c = read(text);
        assert_eq!(c.resources.len(), 1, "{text}");
        let title = &by_key(&c, "k").data.title;
        assert!(["a", "b"].contains(&title.as_str()), "{text}: {title}");
        let remarks = warnings_on(&c, 1);
        assert_eq!(remarks.len(), 1, "{text}: {remarks:?}");
        assert!(
            remarks[0].starts_with("refs.bib:1: @string `a`"),
            "{remarks:?}"
        );
    }
    let c = read("@string{a = \"x\" # a}\n@misc{k, title = a}\n");
    assert!(warnings_on(&c, 1)[0].contains("recursive"));
    assert!(warnings_on(&c, 2)[0].contains("undefined @string macro `a`"));
}

#[test]
fn strings_expand_when_defined_as_in_bibtex() {
    // A name in its own definition is the earlier macro, so this appends; names ignore case.
    let c = read(
        "@string{j = \"Journal\"}\n@string{J = j # \" of Things\", v = \"7\"}\n\
         @article{k, title = {T}, journal = J, volume = V # {b}, month = oct}\n",
    );
    let k = by_key(&c, "k");
    assert_eq!(k.data.journal.as_deref(), Some("Journal of Things"));
    assert_eq!(k.data.volume.as_deref(), Some("7b"));
    assert_eq!(k.data.month, Some(10));
    assert!(
        c.report.iter().all(|l| l.outcome == Outcome::Parsed),
        "{:?}",
        c.report
    );
}

#[test]
fn a_doubling_string_is_never_built() {
    // 8 × 2²² characters: 33 million before expansion was bounded.
    let mut text = String::from("@string{a0 = \"xxxxxxxx\"}\n");
    for i in 1..=22 {
        text.push_str(&format!("@string{{a{i} = a{} # a{}}}\n", i - 1, i - 1));
    }
    text.push_str("@misc{k, title = a22, note = a13}\n");
    let started = std::time::Instant::now();
    let c = read(&text);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let k = by_key(&c, "k");
    assert_eq!(k.data.title, "k");
    // a13 expands to 65 536 characters: within bounds, then cut to the API's limit.
    assert_eq!(k.data.attributes["note"].chars().count(), 2000);
    // a14 is the first too long; the macros built on it are not reported again.
    let remarks = warnings_on(&c, 15);
    assert_eq!(remarks.len(), 1, "{remarks:?}");
    assert!(remarks[0].contains("`a14` would expand to more than 100000 characters"));
    assert_eq!(c.report.iter().filter(|l| l.text == "@string").count(), 1);
    let entry = warnings_on(&c, 24);
    assert!(
        entry.iter().any(|r| r
            == "refs.bib:24: field `title` not read: the @string macro `a22` expands to more than 100000 characters"),
        "{entry:?}"
    );
}

#[test]
fn fields_over_the_api_limits_are_cut_or_dropped_with_a_warning() {
    let long_url = format!("https://x.example/{}", "p".repeat(2100));
    let c = read(&format!(
        "% limits\n@article{{k,\n  title = {{{}}},\n  journal = {{{}}},\n  url = {{{long_url}}},\n  author = {{{}, Ann}},\n  year = 2020}}\n",
        "T".repeat(600),
        "J".repeat(2500),
        "F".repeat(250),
    ));
    let k = by_key(&c, "k");
    assert_eq!(k.data.title.chars().count(), 500);
    assert!(k.data.title.ends_with('…'));
    assert_eq!(k.data.journal.as_ref().unwrap().chars().count(), 2000);
    assert_eq!(k.data.url, None);
    assert_eq!(
        k.data.authors[0].family.as_ref().unwrap().chars().count(),
        200
    );
    assert_eq!(k.data.year, Some(2020));
    let remarks = warnings_on(&c, 2);
    assert_eq!(remarks.len(), 4, "{remarks:?}");
    assert!(remarks.iter().all(|r| r.starts_with("refs.bib:2: the ")));
    assert!(remarks.iter().any(|r| {
        r.contains("the title has 600 characters, more than the 500 allowed; cut to 500")
    }));
    assert!(
        remarks
            .iter()
            .any(|r| r.contains("the URL has 2118 characters") && r.contains("not kept"))
    );
}

#[test]
fn control_characters_and_old_mac_line_ends_keep_lines_right() {
    let c = read(
        "% refs\r@misc{a, title = {Nul\0led}, url = {https://a.example/\0x}}\r\r@misc{b,\r title = {B}}\r",
    );
    assert_eq!(by_key(&c, "a").data.title, "Nulled");
    assert_eq!(
        by_key(&c, "a").data.url.as_deref(),
        Some("https://a.example/x")
    );
    let lines: Vec<(u32, ItemKind, Outcome)> = c
        .report
        .iter()
        .map(|l| (l.line, l.item, l.outcome))
        .collect();
    assert_eq!(
        lines,
        [
            (2, ItemKind::File, Outcome::Warning),
            (2, ItemKind::Entry, Outcome::Parsed),
            (4, ItemKind::Entry, Outcome::Parsed),
        ]
    );
}

#[test]
fn an_entry_that_never_closes_is_reported_within_itself() {
    // 23 lines; the broken entry is lines 5 to 9, its title's brace never closed. The
    // error used to be "unexpected end of file on line 14", a comment after the entry.
    let text = "% Refs\n\n@article{good1, title = {G1}, year = 2001}\n\n\
        @article{broken,\n  title = {Unclosed title,\n  author = {A. Author},\n  year = 2002\n}\n\n\
        % ---------- second part ----------\n% notes about the next entries\n% more\n% yet more\n\
        @article{good2,\n  title = {G2},\n  year = 2003\n}\n\n@misc{good3,\n  title = {G3}\n}\n% end\n";
    assert_eq!(text.lines().count(), 23);
    let c = read(text);
    assert_eq!(c.resources.len(), 3);
    let broken = c
        .report
        .iter()
        .find(|l| l.outcome == Outcome::Skipped)
        .unwrap();
    assert_eq!(broken.line, 5);
    assert_eq!(
        broken.reason.as_deref(),
        Some("unreadable entry (the `{` on line 6 is never closed)")
    );
    // An unclosed quote inside a closed entry: the quote's line.
    let c = read("@misc{p, title = {P}}\n@misc{q,\n  title = \"Open,\n  year = 2001\n}\n");
    let reason = c.report[1].reason.clone().unwrap();
    assert!(
        reason.contains("`\"` on line 3 is never closed"),
        "{reason}"
    );
    // Other errors keep their own line, within the entry.
    let c = read("@misc{x, title = {T}}\n@misc{y,\n  title = {T}\n  year = 2001}\n");
    let reason = c.report[1].reason.clone().unwrap();
    assert!(reason.ends_with("on line 4)"), "{reason}");
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

/// A file of `tests/fixtures/bibtex-patterns/`, read.
fn pattern(bytes: &[u8]) -> Catalogue {
    parse("patterns.bib", bytes).expect("readable")
}

#[test]
fn latex_markup_is_decoded_and_math_kept_raw() {
    let c = pattern(include_bytes!(
        "../../../tests/fixtures/bibtex-patterns/latex-markup.bib"
    ));
    assert_eq!(
        by_key(&c, "roe2023").data.title,
        "An Emphasised Word and a Tie Here"
    );
    let ortiz = by_key(&c, "ortiz2021");
    assert_eq!(ortiz.data.title, "Naïve Pebble Sorting in PebbleSort");
    assert_eq!(families(ortiz), ["Ortíz", "Müller"]);
    assert_eq!(ortiz.data.authors[1].given.as_deref(), Some("Jörg"));
    assert_eq!(ortiz.data.pages.as_deref(), Some("10–20"));
    assert_eq!(
        by_key(&c, "knn2022").data.title,
        r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN Pebbles"
    );
    assert_eq!(
        by_key(&c, "quote2020").data.title,
        "On ‘counting’ and non-counting pebbles"
    );
}

#[test]
fn entities_urls_and_timestamps_are_read_once() {
    let c = pattern(include_bytes!(
        "../../../tests/fixtures/bibtex-patterns/entities-and-urls.bib"
    ));
    let mock = by_key(&c, "mock2023");
    assert_eq!(mock.data.title, "Losses & Metrics");
    assert_eq!(
        mock.data.journal.as_deref(),
        Some("Journal of Materials & Methods")
    );
    assert_eq!(
        by_key(&c, "portal2020").data.url.as_deref(),
        Some("https://example.org/portal")
    );
    let portal = by_key(&c, "portal2021");
    assert_eq!(
        portal.data.url.as_deref(),
        Some("https://example.org/portal2")
    );
    assert!(!portal.data.attributes.contains_key("howpublished"));
    assert_eq!(
        by_key(&c, "glossary2024").data.urldate.as_deref(),
        Some("2024-02-01")
    );
    let macro_file = pattern(include_bytes!(
        "../../../tests/fixtures/import-patterns/bib-url-macro.bib"
    ));
    let urls: Vec<_> = macro_file
        .resources
        .iter()
        .map(|r| r.data.url.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        urls,
        ["https://example.org/portal", "https://example.org/portal2"]
    );
}

#[test]
fn fields_crossrefs_and_corr_entries() {
    let c = pattern(include_bytes!(
        "../../../tests/fixtures/bibtex-patterns/fields.bib"
    ));
    let attribute = |key: &str, name: &str| {
        by_key(&c, key)
            .data
            .attributes
            .get(name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(attribute("gadget2025", "version"), "2.0.1");
    assert_eq!(attribute("manual2019", "edition"), "3");
    assert_eq!(attribute("manual2019", "organization"), "Pebble Society");
    assert_eq!(attribute("talk2022", "date"), "2022-06-14");
    assert_eq!(attribute("talk2022", "eventdate"), "2022-06-13/2022-06-15");
    assert!(attribute("talk2022", "abstract").starts_with("We count pebbles"));
    let chapter = by_key(&c, "chapter2022");
    assert_eq!(
        chapter.data.booktitle.as_deref(),
        Some("Proceedings of the Pebble Workshop")
    );
    assert_eq!(chapter.data.publisher.as_deref(), Some("Example Press"));
    assert_eq!(chapter.data.year, Some(2022));
    assert_eq!(attribute("chapter2022", "editor"), "Shell, Sue");
    let corr = by_key(&c, "corr2021");
    assert_eq!(corr.data.arxiv_id.as_deref(), Some("2101.00001"));
    assert_eq!(corr.data.journal, None);
    assert_eq!(corr.data.volume, None);
}

#[test]
fn braced_names_are_literal() {
    let c = pattern(include_bytes!(
        "../../../tests/fixtures/bibtex-patterns/names-and-scripts.bib"
    ));
    let attention = by_key(&c, "attention2024");
    assert_eq!(attention.data.authors, [Person::literal("凯撒")]);
    let luu = by_key(&c, "luu2023");
    assert_eq!(luu.data.authors[0].family.as_deref(), Some("Lưu"));
    assert_eq!(luu.data.authors[1], Person::literal("Ann B. Example"));
    assert_eq!(luu.data.title, "tinyflow: pebble flows");
}

#[test]
fn gbk_without_a_charset_is_refused_at_its_first_bad_byte() {
    let bytes = include_bytes!("../../../tests/fixtures/bibtex-patterns/gbk-encoded.bib");
    let err = crate::catalogue::parse_file("gbk.bib", bytes).unwrap_err();
    assert!(err.to_string().contains("byte 28 (0xD7)"), "{err}");
    let c = crate::catalogue::parse_file_with_charset("gbk.bib", bytes, Some("gbk")).unwrap();
    assert_eq!(c.resources[0].data.title, "石子计数");
    // Western text in Windows-1252 still reads.
    let latin = b"@misc{k, title = {Caf\xe9 M\xfcller}, year = 2020}";
    let c = crate::catalogue::parse_file("latin.bib", latin).unwrap();
    assert_eq!(c.resources[0].data.title, "Café Müller");
}

#[test]
fn abstracts_are_kept_whole() {
    let words = "pebbles at dawn ".repeat(400);
    let text = format!("@misc{{long, title = {{Long}}, year = 2020, abstract = {{{words}}}}}");
    let c = read(&text);
    let kept = &by_key(&c, "long").data.attributes["abstract"];
    assert_eq!(kept.chars().count(), words.trim().chars().count());
    assert!(kept.chars().count() > crate::domain::MAX_FIELD);
}

#[test]
fn a_name_that_starts_with_a_character_of_several_bytes_is_read() {
    let c =
        read("@misc{m, title = {T}, author = {Gaël Varoquaux and Ünal Öztürk and Ann Andersen}}");
    assert_eq!(
        families(by_key(&c, "m")),
        ["Varoquaux", "Öztürk", "Andersen"]
    );
    assert_eq!(
        braced_names("Pedregosa, Fabian and Varoquaux, Gaël and {ÉCOLE}").len(),
        3
    );
}

#[test]
fn lore_s_kind_labels_in_howpublished_give_the_kind_back() {
    let c = read(
        "@misc{s, title = {S}, howpublished = {Software}}\n\
         @misc{c, title = {C}, howpublished = {Online course}}\n\
         @software{r, title = {R}, howpublished = {GitHub repository}}\n\
         @misc{w, title = {W}, howpublished = {Printed leaflet}}\n\
         @proceedings{p, title = {P}, editor = {Ed, Anne}, year = 2015}",
    );
    let kind = |key| by_key(&c, key).data.kind;
    assert_eq!(kind("s"), Some(ResourceKind::Software));
    assert_eq!(kind("c"), Some(ResourceKind::Course));
    assert_eq!(kind("r"), Some(ResourceKind::Repository));
    assert_eq!(kind("w"), Some(ResourceKind::Webpage));
    assert_eq!(kind("p"), Some(ResourceKind::Book));
    assert_eq!(
        by_key(&c, "p").data.attributes[crate::cite::ENTRY_TYPE],
        "proceedings"
    );
}
