//! Behaviour of the search index over a small catalogue shaped like the seed.

use proptest::prelude::*;
use tantivy::TantivyDocument;

use super::document::{concept_document, resource_document};
use super::*;
use crate::domain::{
    Category, Concept, ConceptData, EntityType, Level, Person, Relation, Resource, ResourceData,
    ResourceKind, Slug,
};
use crate::store::{LinkEnd, StoredConcept, StoredLink, StoredResource};

fn resource(id: i64, title: &str, kind: ResourceKind, level: Option<Level>) -> StoredResource {
    StoredResource {
        id,
        resource: Resource {
            slug: Slug::from_title(title, "resource"),
            data: ResourceData {
                kind: Some(kind),
                title: title.to_owned(),
                url: Some(format!("https://example.org/{id}")),
                level,
                ..ResourceData::default()
            },
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        },
        key_origin: None,
        enriched_from: None,
    }
}

fn concept(id: i64, name: &str, category: Category, definition: Option<&str>) -> StoredConcept {
    StoredConcept {
        id,
        concept: Concept {
            slug: Slug::from_title(name, "concept"),
            data: ConceptData {
                name: name.to_owned(),
                category: Some(category),
                definition: definition.map(str::to_owned),
                ..ConceptData::default()
            },
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        },
    }
}

fn concept_end(c: &StoredConcept) -> LinkEnd {
    LinkEnd {
        entity_type: EntityType::Concept,
        id: c.id,
        slug: c.concept.slug.clone(),
        label: c.concept.data.name.clone(),
        category: c.concept.data.category,
    }
}

fn resource_end(r: &StoredResource) -> LinkEnd {
    LinkEnd {
        entity_type: EntityType::Resource,
        id: r.id,
        slug: r.resource.slug.clone(),
        label: r.resource.data.title.clone(),
        category: None,
    }
}

fn link(c: &StoredConcept, relation: Relation, r: &StoredResource) -> StoredLink {
    StoredLink {
        source: concept_end(c),
        relation,
        target: resource_end(r),
    }
}

/// The seed's records, as the importer makes them.
pub(crate) fn seed_like() -> Vec<TantivyDocument> {
    let (_, fields) = schema::Fields::schema();
    let intro = concept(101, "deep learning intro", Category::Topic, None);
    let meta = concept(102, "meta learning", Category::Topic, None);
    let detection = concept(103, "object detection", Category::Task, None);
    let faster = concept(104, "Faster R-CNN", Category::Model, None);
    let mut concepts = vec![
        intro.clone(),
        meta.clone(),
        detection.clone(),
        faster.clone(),
        concept(105, "F1 Score", Category::Metric, None),
        concept(106, "Accuracy", Category::Metric, None),
        concept(
            107,
            "Spearman\u{2019}s rank correlation",
            Category::Metric,
            None,
        ),
        concept(
            108,
            "Pooling",
            Category::LayerType,
            Some(
                "Pooling is a poor way to do dynamic routing. - https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning",
            ),
        ),
        concept(
            109,
            "Early Stopping",
            Category::Regularisation,
            Some(
                "Is used to stop the training if there is no improvement after a given number of events.",
            ),
        ),
        concept(
            110,
            "Grokking",
            Category::Regularisation,
            Some(
                "Grokking refers to the phenomenon of deep networks exhibiting a dramatic increase in test accuracy when training past the point where training accuracy is 100% - https://arxiv.org/pdf/2212.13881.pdf",
            ),
        ),
        concept(
            111,
            "Inductive bias",
            Category::Bias,
            Some(
                "Inductive bias refers to the set of assumptions that a model makes to predict outputs for inputs it has never seen.",
            ),
        ),
    ];
    concepts[6].concept.data.note = Some("not commonly used for deep learning".into());
    let umich = resource(1, "UMich", ResourceKind::Course, Some(Level::Beginner));
    let days = resource(
        2,
        "30 Days Deep Learning",
        ResourceKind::Course,
        Some(Level::Beginner),
    );
    let cs330 = resource(
        3,
        "Stanford CS 330: Deep Multi-Task and Meta Learning",
        ResourceKind::Course,
        Some(Level::Intermediate),
    );
    let docs = resource(
        4,
        "PyTorch docs",
        ResourceKind::Tutorial,
        Some(Level::Beginner),
    );
    let survey = resource(
        6,
        "A Survey of Deep Learning-based Object Detection",
        ResourceKind::Survey,
        Some(Level::Intermediate),
    );
    let mut paper = resource(
        7,
        "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
        ResourceKind::Paper,
        Some(Level::Intermediate),
    );
    paper.resource.data.authors = vec![
        Person::parse("Ren, Shaoqing").unwrap(),
        Person::parse("He, Kaiming").unwrap(),
    ];
    let mut lesswrong = resource(
        8,
        "The unreasonable effectiveness of deep learning",
        ResourceKind::Webpage,
        None,
    );
    lesswrong.resource.data.description =
        Some("An essay on why <deep> learning works & what pooling misses.".into());
    let links = vec![
        link(&intro, Relation::ExplainedBy, &umich),
        link(&intro, Relation::ExplainedBy, &days),
        link(&meta, Relation::ExplainedBy, &cs330),
        link(&detection, Relation::ExplainedBy, &survey),
        link(&detection, Relation::ExplainedBy, &paper),
        link(&faster, Relation::IntroducedIn, &paper),
    ];
    let links = super::document::Links::new(&links);
    let mut docs_out = Vec::new();
    for r in [&umich, &days, &cs330, &docs, &survey, &paper, &lesswrong] {
        docs_out.push(resource_document(&fields, r, &links));
    }
    for c in &concepts {
        docs_out.push(concept_document(&fields, c, &links));
    }
    docs_out
}

fn index_of(docs: Vec<TantivyDocument>) -> SearchIndex {
    let (index, _) = SearchIndex::open(&IndexLocation::Ram).unwrap();
    let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
    for doc in docs {
        writer.add_document(doc).unwrap();
    }
    index.commit(&mut writer, 1).unwrap();
    index
}

fn seed_index() -> SearchIndex {
    index_of(seed_like())
}

fn search(index: &SearchIndex, text: &str) -> SearchResults {
    index
        .search(&SearchRequest {
            text: text.to_owned(),
            limit: 20,
            ..SearchRequest::default()
        })
        .unwrap()
}

fn slugs(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.slug.as_str()).collect()
}

#[test]
fn object_detection_ranks_the_concept_the_survey_and_the_paper_first() {
    let index = seed_index();
    let results = search(&index, "object detection");
    let top: Vec<&str> = slugs(&results).into_iter().take(3).collect();
    for expected in [
        "object-detection",
        "a-survey-of-deep-learning-based-object-detection",
        "faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks",
    ] {
        assert!(top.contains(&expected), "{expected} in {top:?}");
    }
    assert_eq!(
        results.hits[0].slug, "object-detection",
        "the shortest title first"
    );
    assert!(
        results.hits[0].snippet.contains("<mark>"),
        "{:?}",
        results.hits[0]
    );
}

#[test]
fn one_typo_is_forgiven_in_words_of_five_letters() {
    let index = seed_index();
    assert_eq!(slugs(&search(&index, "grokkng"))[0], "grokking");
    assert_eq!(
        slugs(&search(&index, "grokikng"))[0],
        "grokking",
        "a transposition is one edit"
    );
    assert_eq!(slugs(&search(&index, "poolng "))[0], "pooling");
    assert_eq!(
        search(&index, "bais ").total,
        0,
        "four letters: no typo allowed"
    );
}

#[test]
fn two_typos_are_forgiven_in_words_of_nine_letters() {
    let index = seed_index();
    assert_eq!(
        slugs(&search(&index, "correlatoin "))[0],
        "spearman-s-rank-correlation"
    );
    assert_eq!(
        slugs(&search(&index, "corelatoin "))[0],
        "spearman-s-rank-correlation"
    );
    assert_eq!(
        search(&index, "stpoing ").total,
        0,
        "seven letters allow one edit only"
    );
}

#[test]
fn the_last_word_is_also_a_prefix() {
    let index = seed_index();
    let results = search(&index, "regular");
    let found = slugs(&results);
    assert!(found.contains(&"early-stopping"), "{found:?}");
    assert!(found.contains(&"grokking"), "{found:?}");
    assert_eq!(
        search(&index, "regular ").total,
        0,
        "a finished word is not a prefix"
    );
    assert!(slugs(&search(&index, "deep lea")).contains(&"30-days-deep-learning"));
}

#[test]
fn possessives_match_with_and_without_the_apostrophe() {
    let index = seed_index();
    for text in ["spearmans", "Spearman's", "Spearman\u{2019}s", "spearman"] {
        let results = search(&index, text);
        assert_eq!(
            slugs(&results).first(),
            Some(&"spearman-s-rank-correlation"),
            "{text}"
        );
    }
    let results = search(&index, "spearmans");
    assert!(
        results.hits[0]
            .snippet
            .contains("<mark>Spearman\u{2019}s</mark>"),
        "{}",
        results.hits[0].snippet
    );
}

#[test]
fn every_word_is_required_and_exact_matches_rank_before_typos() {
    let index = seed_index();
    assert_eq!(search(&index, "object grokking").total, 0);
    let exact = search(&index, "deep learning");
    let typo = search(&index, "deep lerning ");
    assert!(exact.total >= 3);
    assert!(
        slugs(&typo).contains(&"30-days-deep-learning"),
        "{:?}",
        slugs(&typo)
    );
    let mixed = search(&index, "accuracy ");
    assert_eq!(mixed.hits[0].slug, "accuracy", "the exact title first");
}

#[test]
fn phrases_exclusions_and_fields() {
    let index = seed_index();
    let phrase = search(&index, "\"object detection\"");
    assert_eq!(phrase.total, 3);
    let not_paper = search(&index, "object detection -faster");
    assert!(
        !slugs(&not_paper).iter().any(|s| s.contains("faster")),
        "{:?}",
        slugs(&not_paper)
    );
    assert_eq!(not_paper.total, 2);
    let papers = search(&index, "detection kind:paper");
    assert_eq!(
        slugs(&papers),
        ["faster-r-cnn-towards-real-time-object-detection-with-region-proposal-networks"]
    );
    let concepts = search(&index, "detection type:concept");
    assert_eq!(slugs(&concepts), ["object-detection"]);
    let not_concepts = search(&index, "detection -type:concept");
    assert_eq!(not_concepts.total, 2);
    let by_author = search(&index, "author:ren");
    assert_eq!(by_author.total, 1);
    let by_title = search(&index, "title:\"meta learning\"");
    assert_eq!(
        slugs(&by_title),
        [
            "meta-learning",
            "stanford-cs-330-deep-multi-task-and-meta-learning"
        ]
    );
    let topic = search(&index, "topic:object-detection");
    assert_eq!(topic.total, 2);
    let topic_by_name = search(&index, "topic:\"Object detection\"");
    assert_eq!(topic_by_name.total, 2);
    let unknown_field = search(&index, "colour:pooling");
    assert_eq!(unknown_field.total, 0, "`colour` is a word to match");
    let bad_value = search(&index, "kind:pooling");
    assert_eq!(
        bad_value.total, 0,
        "`kind pooling` as words: nothing has both"
    );
}

#[test]
fn an_excluded_phrase_that_first_matches_late_leaves_out_only_its_matches() {
    // The phrase's first match (the second document) comes after the first candidate:
    // tantivy's exclusion probes the phrase behind where it stands.
    let (_, fields) = schema::Fields::schema();
    let links = super::document::Links::new(&[]);
    let titles = [
        "Learning deep representations",
        "Deep learning",
        "Learning to rank",
        "Deep learning again",
        "Machine learning",
    ];
    let docs = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let r = resource(i as i64 + 1, title, ResourceKind::Book, None);
            resource_document(&fields, &r, &links)
        })
        .collect();
    let index = index_of(docs);
    let mut found = slugs(&search(&index, "learning -\"deep learning\""))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(
        found,
        [
            "learning-deep-representations",
            "learning-to-rank",
            "machine-learning"
        ]
    );
    let mut grouped = slugs(&search(&index, "learning -\"to rank\" -\"deep learning\""))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    grouped.sort();
    assert_eq!(
        grouped,
        ["learning-deep-representations", "machine-learning"]
    );
}

fn slug_set(index: &SearchIndex, text: &str) -> std::collections::BTreeSet<String> {
    let results = index
        .search(&SearchRequest {
            text: text.to_owned(),
            limit: 100,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(results.hits.len() as u64, results.total, "{text}");
    results.hits.into_iter().map(|h| h.slug).collect()
}

#[test]
fn or_and_and_not_combine_matches() {
    let index = seed_index();
    let grokking = slug_set(&index, "grokking");
    let pooling = slug_set(&index, "pooling");
    assert!(!grokking.is_empty() && !pooling.is_empty());
    let either = slug_set(&index, "grokking OR pooling");
    assert_eq!(either, grokking.union(&pooling).cloned().collect());
    assert_eq!(
        slug_set(&index, "early AND stopping"),
        slug_set(&index, "early stopping")
    );
    assert!(slug_set(&index, "early AND stopping").contains("early-stopping"));
    let everything = slug_set(&index, "NOT zzzz");
    assert_eq!(
        everything.len(),
        seed_like().len(),
        "NOT alone excludes only its matches"
    );
    let not_grokking = slug_set(&index, "NOT grokking");
    assert_eq!(
        not_grokking,
        everything.difference(&grokking).cloned().collect()
    );
    assert_eq!(slug_set(&index, "-grokking"), not_grokking);
    let deep = slug_set(&index, "deep ");
    let learning = slug_set(&index, "learning ");
    assert_eq!(
        slug_set(&index, "deep -(learning OR grokking) "),
        deep.difference(&learning)
            .filter(|s| !grokking.contains(*s))
            .cloned()
            .collect()
    );
    assert_eq!(
        slug_set(&index, "(object OR meta) AND NOT detection "),
        slug_set(&index, "meta -detection ")
            .union(&slug_set(&index, "object -detection "))
            .cloned()
            .collect()
    );
}

#[test]
fn malformed_operators_search_the_words_and_say_so() {
    let index = seed_index();
    let results = search(&index, "early AND");
    assert_eq!(results.warnings.len(), 1, "{:?}", results.warnings);
    assert!(
        results.warnings[0].contains("searched as plain words"),
        "{:?}",
        results.warnings
    );
    assert_eq!(
        slugs(&results),
        slugs(&search(&index, "early and")),
        "the same as the words"
    );
    assert!(search(&index, "grokking OR pooling").warnings.is_empty());
    let long = search(&index, &"deep ".repeat(20));
    assert_eq!(long.warnings.len(), 1, "{:?}", long.warnings);
}

/// An index of resources with these (title, year) written in two commits, so in (at
/// least) two segments.
fn two_segment_index(first: &[(&str, Option<i32>)], second: &[(&str, Option<i32>)]) -> SearchIndex {
    let (_, fields) = schema::Fields::schema();
    let links = super::document::Links::new(&[]);
    let (index, _) = SearchIndex::open(&IndexLocation::Ram).unwrap();
    let mut writer = index.writer(WriterBudget::FOLLOW).unwrap();
    let mut id = 0;
    for (seq, batch) in [first, second].into_iter().enumerate() {
        for (title, year) in batch {
            id += 1;
            let mut r = resource(id, title, ResourceKind::Book, None);
            r.resource.data.year = *year;
            r.resource.data.description = Some("shared words".into());
            r.resource.created_at = format!("2026-01-0{}T00:00:00Z", 1 + id % 3);
            r.resource.updated_at = r.resource.created_at.clone();
            writer
                .add_document(resource_document(&fields, &r, &links))
                .unwrap();
        }
        index.commit(&mut writer, seq as i64 + 1).unwrap();
    }
    index
}

fn sorted_titles(index: &SearchIndex, sort: &str, offset: usize, limit: usize) -> Vec<String> {
    index
        .search(&SearchRequest {
            text: "shared".into(),
            sort: Some(
                crate::domain::Sort::parse(sort, crate::domain::Sort::SEARCH_NAMES).unwrap(),
            ),
            offset,
            limit,
            ..SearchRequest::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.title)
        .collect()
}

#[test]
fn sorted_searches_merge_segments_and_break_ties_by_id() {
    let index = two_segment_index(
        &[("Beta", Some(2019)), ("Alpha", None), ("Delta", Some(2015))],
        &[
            ("Gamma", Some(2019)),
            ("alpha", Some(2022)),
            ("Élan", Some(2015)),
        ],
    );
    assert_eq!(
        sorted_titles(&index, "title", 0, 10),
        ["Alpha", "alpha", "Beta", "Delta", "Élan", "Gamma"],
        "letter by letter, ties by id"
    );
    assert_eq!(
        sorted_titles(&index, "-title", 0, 10),
        ["Gamma", "Élan", "Delta", "Beta", "alpha", "Alpha"]
    );
    assert_eq!(
        sorted_titles(&index, "-year", 0, 10),
        ["alpha", "Gamma", "Beta", "Élan", "Delta", "Alpha"],
        "newest first, ties by id descending, no year last"
    );
    assert_eq!(
        sorted_titles(&index, "year", 0, 10),
        ["Alpha", "Delta", "Élan", "Beta", "Gamma", "alpha"]
    );
    let mut paged = Vec::new();
    for offset in 0..6 {
        paged.extend(sorted_titles(&index, "created_at", offset, 1));
    }
    assert_eq!(paged, sorted_titles(&index, "created_at", 0, 10));
    assert_eq!(paged.len(), 6);
    let relevance = sorted_titles(&index, "relevance", 0, 10);
    assert_eq!(relevance.len(), 6);
}

#[test]
fn filters_and_facets_count_every_match() {
    let index = seed_index();
    let request = |filters: SearchFilters| SearchRequest {
        text: "deep".to_owned(),
        filters,
        limit: 1,
        facets: vec![
            FacetField::Level,
            FacetField::Type,
            FacetField::Topic,
            FacetField::Kind,
        ],
        ..SearchRequest::default()
    };
    let all = index.search(&request(SearchFilters::default())).unwrap();
    assert_eq!(all.hits.len(), 1, "one per page");
    let levels = &all.facets[&FacetField::Level];
    let beginners = index
        .search(&request(SearchFilters {
            levels: vec![Level::Beginner],
            ..SearchFilters::default()
        }))
        .unwrap();
    assert_eq!(levels.get("beginner").copied(), Some(beginners.total));
    assert_eq!(levels.get("beginner").copied(), Some(2), "{levels:?}");
    let types = &all.facets[&FacetField::Type];
    assert_eq!(types.values().sum::<u64>(), all.total);
    assert_eq!(
        all.facets[&FacetField::Topic]
            .get("deep-learning-intro")
            .copied(),
        Some(2)
    );
    let topic = index
        .search(&request(SearchFilters {
            topics: vec!["deep learning intro".into()],
            ..SearchFilters::default()
        }))
        .unwrap();
    assert_eq!(topic.total, 2);
}

#[test]
fn snippets_mark_matches_and_escape_the_rest() {
    let index = seed_index();
    let results = search(&index, "pooling misses");
    let hit = &results.hits[0];
    assert_eq!(hit.slug, "the-unreasonable-effectiveness-of-deep-learning");
    assert!(hit.snippet.contains("&lt;deep&gt;"), "{}", hit.snippet);
    assert!(hit.snippet.contains("&amp;"), "{}", hit.snippet);
    assert!(
        hit.snippet
            .contains("<mark>pooling</mark> <mark>misses</mark>"),
        "{}",
        hit.snippet
    );
    let typo = search(&index, "grokkng");
    assert!(
        typo.hits[0].snippet.contains("<mark>Grokking</mark>"),
        "{}",
        typo.hits[0].snippet
    );
}

#[test]
fn paging_stops_at_the_window() {
    let index = seed_index();
    let page = index
        .search(&SearchRequest {
            text: "deep".into(),
            offset: 2,
            limit: 2,
            ..SearchRequest::default()
        })
        .unwrap();
    let all = search(&index, "deep");
    assert_eq!(page.total, all.total);
    assert_eq!(slugs(&page), slugs(&all)[2..4]);
    let far = index
        .search(&SearchRequest {
            text: "deep".into(),
            offset: 5000,
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(far.hits.is_empty());
}

#[test]
fn hostile_text_searches_as_words() {
    let index = seed_index();
    let long = "deep learning ".repeat(800);
    for text in [
        "C++",
        "\"unbalanced",
        "title:",
        "AND",
        "((",
        "https://arxiv.org/pdf/2212.13881.pdf",
        "🎉🎉",
        "-",
        "--",
        "-\"",
        "\"\"",
        "kind:",
        "topic:++",
        "a:b:c",
        "\u{0}",
        &long,
        "OR NOT",
        "*",
        "?~^",
        "title:\"",
        "AND -deep🎉AND",
        "NOT",
        "-(",
        "()",
        "((a OR b) AND NOT (c OR -\"d e\"))",
    ] {
        let results = index.search(&SearchRequest {
            text: text.to_owned(),
            limit: 5,
            facets: FacetField::ALL.to_vec(),
            ..SearchRequest::default()
        });
        assert!(results.is_ok(), "{text:?}: {results:?}");
    }
    assert!(
        search(&index, "https://arxiv.org/pdf/2212.13881.pdf").total >= 1,
        "URL words match the definition"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_text_makes_a_search_fail(text in ".{0,80}") {
        let index = seed_index_cached();
        let parsed = query::parse(&text);
        prop_assert!(parsed.clauses().len() <= text.len());
        let results = index.search(&SearchRequest {
            text: text.clone(),
            limit: 3,
            facets: vec![FacetField::Level],
            ..SearchRequest::default()
        });
        prop_assert!(results.is_ok());
    }

    #[test]
    fn no_query_syntax_makes_a_search_fail(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("-"), Just("\""), Just(":"), Just("title:"), Just("kind:"), Just("topic:"),
                Just(" "), Just("deep"), Just("learnin"), Just("(("), Just("AND"), Just("’s"),
                Just("é"), Just("🎉"), Just("+"), Just("*"),
            ],
            0..20,
        )
    ) {
        let text: String = parts.concat();
        let index = seed_index_cached();
        let request = SearchRequest { text, limit: 3, ..SearchRequest::default() };
        let results = index.search(&request);
        prop_assert!(results.is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_boolean_query_makes_a_search_fail(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("AND "), Just("OR "), Just("NOT "), Just("("), Just(")"), Just("-("),
                Just(" "), Just("deep "), Just("learnin"), Just("\"deep learning\" "),
                Just("-pooling "), Just("kind:paper "), Just("🎉"), Just("-"),
            ],
            0..24,
        )
    ) {
        let text: String = parts.concat();
        let index = seed_index_cached();
        let request = SearchRequest { text, limit: 3, ..SearchRequest::default() };
        prop_assert!(index.search(&request).is_ok());
    }
}

fn seed_index_cached() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(seed_index)
}
