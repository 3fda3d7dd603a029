//! Which fields win when an import describes a record the store already holds.
//!
//! The rules make every import idempotent (the same file twice changes nothing) and make
//! the final state independent of whether a page or its `.bib` file came first:
//! - a catalogue page is authoritative for what the author catalogues: kind, level, URL,
//!   description, and the title unless a BibTeX entry has set it;
//! - a BibTeX entry is authoritative for bibliographic fields: title, authors, year,
//!   month, venue, publisher, volume, number, pages, DOI, arXiv id and class, ISBN;
//! - anything else, and anything guessed (a title made from a URL, a kind guessed from a
//!   host), only fills a field that is empty;
//! - provenance stays with the first page that described the record (a `.bib` entry's
//!   provenance gives way to a page's);
//! - a citation key is set when the record has none; an author's key from a `.bib` entry
//!   replaces a generated one once, and an imported key never changes.

use crate::catalogue::{ConceptDraft, ResourceDraft, SourceFormat};
use crate::domain::{ConceptData, ResourceData, ResourceKind};

/// Where a resource's citation key came from.
pub(crate) const KEY_GENERATED: &str = "generated";
/// Where a resource's citation key came from.
pub(crate) const KEY_IMPORTED: &str = "imported";

/// The outcome of merging a draft into a stored resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MergedResource {
    pub data: ResourceData,
    pub key_origin: Option<String>,
    pub enriched_from: Option<String>,
    /// The draft's citation key was not taken because the record keeps another one.
    pub key_kept: Option<String>,
}

fn set<T: Clone>(field: &mut Option<T>, value: &Option<T>) {
    if value.is_some() {
        field.clone_from(value);
    }
}

fn fill<T: Clone>(field: &mut Option<T>, value: &Option<T>) {
    if field.is_none() {
        field.clone_from(value);
    }
}

/// Merges `draft` (from `file`, in `format`) into a stored resource.
pub(crate) fn merge_resource(
    existing: &ResourceData,
    key_origin: Option<&str>,
    enriched_from: Option<&str>,
    draft: &ResourceDraft,
    format: SourceFormat,
    file: &str,
) -> MergedResource {
    let mut data = existing.clone();
    let new = &draft.data;
    let mut enriched = enriched_from.map(str::to_owned);
    let page = format == SourceFormat::Page;

    // Kind: stated by a page wins; anything else only replaces the default.
    let stated_kind = page && !draft.kind_guessed;
    if new.kind.is_some()
        && (stated_kind || data.kind.is_none() || data.kind == Some(ResourceKind::Webpage))
    {
        data.kind = new.kind;
    }

    // Title.
    let title_authoritative = if page {
        !draft.title_guessed && enriched_from.is_none()
    } else {
        true
    };
    if !new.title.trim().is_empty() && (title_authoritative || data.title.trim().is_empty()) {
        data.title.clone_from(&new.title);
    }

    // Catalogue fields.
    if page {
        set(&mut data.url, &new.url);
        set(&mut data.level, &new.level);
        set(&mut data.description, &new.description);
    } else {
        fill(&mut data.url, &new.url);
        fill(&mut data.level, &new.level);
        fill(&mut data.description, &new.description);
    }

    // Bibliographic fields.
    let bibliographic = |data: &mut ResourceData,
                         merge: fn(&mut Option<String>, &Option<String>)| {
        merge(&mut data.journal, &new.journal);
        merge(&mut data.booktitle, &new.booktitle);
        merge(&mut data.publisher, &new.publisher);
        merge(&mut data.institution, &new.institution);
        merge(&mut data.volume, &new.volume);
        merge(&mut data.number, &new.number);
        merge(&mut data.pages, &new.pages);
        merge(&mut data.doi, &new.doi);
        merge(&mut data.arxiv_id, &new.arxiv_id);
        merge(&mut data.arxiv_class, &new.arxiv_class);
        merge(&mut data.isbn, &new.isbn);
        merge(&mut data.urldate, &new.urldate);
    };
    if page {
        bibliographic(&mut data, fill);
        fill(&mut data.year, &new.year);
        fill(&mut data.month, &new.month);
        if data.authors.is_empty() {
            data.authors.clone_from(&new.authors);
            data.authors_truncated = new.authors_truncated;
        }
    } else {
        bibliographic(&mut data, set);
        set(&mut data.year, &new.year);
        set(&mut data.month, &new.month);
        if !new.authors.is_empty() {
            data.authors.clone_from(&new.authors);
            data.authors_truncated = new.authors_truncated;
        }
        enriched = Some(file.to_owned());
    }

    for (name, value) in &new.attributes {
        data.attributes.insert(name.clone(), value.clone());
    }
    // A page is where a work is catalogued: its provenance replaces that of a `.bib` entry.
    let from_bibtex = data
        .provenance
        .as_ref()
        .is_some_and(|p| Some(p.file.as_str()) == enriched_from);
    if page && from_bibtex {
        set(&mut data.provenance, &new.provenance);
    } else {
        fill(&mut data.provenance, &new.provenance);
    }

    // Citation key.
    let mut origin = key_origin.map(str::to_owned);
    let mut key_kept = None;
    if let Some(key) = &new.citation_key {
        let replaceable =
            data.citation_key.is_none() || (!page && key_origin == Some(KEY_GENERATED));
        if replaceable {
            data.citation_key = Some(key.clone());
            origin = Some(KEY_IMPORTED.to_owned());
        } else if data
            .citation_key
            .as_ref()
            .is_some_and(|k| !k.as_str().eq_ignore_ascii_case(key.as_str()))
        {
            key_kept = Some(key.to_string());
        }
    }

    MergedResource {
        data,
        key_origin: origin,
        enriched_from: enriched,
        key_kept,
    }
}

/// Folds a second description of a record already written by the same import into it:
/// it only fills what is empty, so the first description wins and importing the file
/// again changes nothing.
pub(crate) fn fill_resource(existing: &ResourceData, new: &ResourceData) -> ResourceData {
    let mut data = existing.clone();
    if data.kind.is_none() || data.kind == Some(ResourceKind::Webpage) {
        data.kind = new.kind.or(data.kind);
    }
    for (field, value) in [
        (&mut data.url, &new.url),
        (&mut data.description, &new.description),
        (&mut data.journal, &new.journal),
        (&mut data.booktitle, &new.booktitle),
        (&mut data.publisher, &new.publisher),
        (&mut data.institution, &new.institution),
        (&mut data.volume, &new.volume),
        (&mut data.number, &new.number),
        (&mut data.pages, &new.pages),
        (&mut data.doi, &new.doi),
        (&mut data.arxiv_id, &new.arxiv_id),
        (&mut data.arxiv_class, &new.arxiv_class),
        (&mut data.isbn, &new.isbn),
        (&mut data.urldate, &new.urldate),
    ] {
        fill(field, value);
    }
    fill(&mut data.level, &new.level);
    fill(&mut data.year, &new.year);
    fill(&mut data.month, &new.month);
    fill(&mut data.citation_key, &new.citation_key);
    if data.authors.is_empty() {
        data.authors.clone_from(&new.authors);
        data.authors_truncated = new.authors_truncated;
    }
    for (name, value) in &new.attributes {
        data.attributes
            .entry(name.clone())
            .or_insert_with(|| value.clone());
    }
    data
}

/// As [`fill_resource`], for concepts.
pub(crate) fn fill_concept(existing: &ConceptData, new: &ConceptData) -> ConceptData {
    let mut data = existing.clone();
    fill(&mut data.category, &new.category);
    fill(&mut data.definition, &new.definition);
    fill(&mut data.note, &new.note);
    for alias in &new.aliases {
        if !data.aliases.contains(alias) {
            data.aliases.push(alias.clone());
        }
    }
    for key in &new.citation_keys {
        if !data.citation_keys.contains(key) {
            data.citation_keys.push(key.clone());
        }
    }
    for objective in &new.learning_objectives {
        if !data.learning_objectives.contains(objective) {
            data.learning_objectives.push(objective.clone());
        }
    }
    data
}

/// Merges a concept draft into a stored concept: what a page states (category from a
/// heading, definition, note) wins; a category guessed from a table column only fills;
/// aliases and citation keys are united.
pub(crate) fn merge_concept(existing: &ConceptData, draft: &ConceptDraft) -> ConceptData {
    let mut data = existing.clone();
    let new = &draft.data;
    if draft.category_guessed {
        fill(&mut data.category, &new.category)
    } else {
        set(&mut data.category, &new.category)
    }
    set(&mut data.definition, &new.definition);
    set(&mut data.note, &new.note);
    for alias in &new.aliases {
        if !data.aliases.contains(alias) {
            data.aliases.push(alias.clone());
        }
    }
    for key in &new.citation_keys {
        if !data.citation_keys.contains(key) {
            data.citation_keys.push(key.clone());
        }
    }
    for objective in &new.learning_objectives {
        if !data.learning_objectives.contains(objective) {
            data.learning_objectives.push(objective.clone());
        }
    }
    fill(&mut data.provenance, &new.provenance);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, CitationKey, Level, Person, Provenance};

    fn provenance(file: &str) -> Option<Provenance> {
        Some(Provenance {
            file: file.into(),
            heading_path: vec![],
            line: 1,
        })
    }

    fn page_draft() -> ResourceDraft {
        ResourceDraft {
            data: ResourceData {
                kind: Some(ResourceKind::Survey),
                title: "A Survey of Deep Learning-based Object Detection".into(),
                level: Some(Level::Intermediate),
                provenance: provenance("page.md"),
                ..ResourceData::default()
            },
            ..ResourceDraft::default()
        }
    }

    fn bib_draft() -> ResourceDraft {
        ResourceDraft {
            data: ResourceData {
                kind: Some(ResourceKind::Paper),
                title: "A Survey of Deep Learning-Based Object Detection".into(),
                authors: vec![Person::parse("Licheng Jiao").unwrap()],
                year: Some(2019),
                journal: Some("IEEE Access".into()),
                doi: Some("10.1109/ACCESS.2019.2939201".into()),
                citation_key: Some(CitationKey::parse("jiao2019survey").unwrap()),
                provenance: provenance("references.bib"),
                ..ResourceData::default()
            },
            ..ResourceDraft::default()
        }
    }

    /// Applies drafts in order, as repeated imports would.
    fn apply(drafts: &[(&ResourceDraft, SourceFormat, &str)]) -> MergedResource {
        let (first, ..) = drafts[0];
        let mut state = MergedResource {
            data: first.data.clone(),
            key_origin: first
                .data
                .citation_key
                .as_ref()
                .map(|_| KEY_IMPORTED.to_owned()),
            enriched_from: None,
            key_kept: None,
        };
        for (draft, format, file) in drafts {
            state = merge_resource(
                &state.data,
                state.key_origin.as_deref(),
                state.enriched_from.as_deref(),
                draft,
                *format,
                file,
            );
        }
        state
    }

    #[test]
    fn merging_the_same_draft_twice_changes_nothing() {
        let page = page_draft();
        let once = apply(&[(&page, SourceFormat::Page, "page.md")]);
        let twice = apply(&[
            (&page, SourceFormat::Page, "page.md"),
            (&page, SourceFormat::Page, "page.md"),
        ]);
        assert_eq!(once, twice);
    }

    #[test]
    fn page_and_bibtex_converge_in_either_order() {
        let (page, bib) = (page_draft(), bib_draft());
        let page_first = apply(&[
            (&page, SourceFormat::Page, "page.md"),
            (&bib, SourceFormat::Bibtex, "references.bib"),
            (&page, SourceFormat::Page, "page.md"),
        ]);
        let bib_first = apply(&[
            (&bib, SourceFormat::Bibtex, "references.bib"),
            (&page, SourceFormat::Page, "page.md"),
            (&bib, SourceFormat::Bibtex, "references.bib"),
        ]);
        let without_provenance = |m: &MergedResource| ResourceData {
            provenance: None,
            ..m.data.clone()
        };
        assert_eq!(
            without_provenance(&page_first),
            without_provenance(&bib_first)
        );
        assert_eq!(
            page_first.data.kind,
            Some(ResourceKind::Survey),
            "the page says what it catalogues"
        );
        assert_eq!(
            page_first.data.title, "A Survey of Deep Learning-Based Object Detection",
            "BibTeX owns the title"
        );
        assert_eq!(page_first.data.level, Some(Level::Intermediate));
        assert_eq!(page_first.data.year, Some(2019));
        assert_eq!(
            page_first
                .data
                .citation_key
                .as_ref()
                .map(CitationKey::as_str),
            Some("jiao2019survey")
        );
    }

    #[test]
    fn guessed_titles_never_replace_real_ones() {
        let mut guess = page_draft();
        guess.data.title = "arXiv:2212.13881".into();
        guess.title_guessed = true;
        let merged = apply(&[
            (&page_draft(), SourceFormat::Page, "a.md"),
            (&guess, SourceFormat::Page, "b.md"),
        ]);
        assert_eq!(merged.data.title, page_draft().data.title);
    }

    #[test]
    fn an_imported_key_replaces_a_generated_one_once_and_then_stays() {
        let bib = bib_draft();
        let mut data = page_draft().data;
        data.citation_key = Some(CitationKey::parse("jiao2019a").unwrap());
        let merged = merge_resource(
            &data,
            Some(KEY_GENERATED),
            None,
            &bib,
            SourceFormat::Bibtex,
            "r.bib",
        );
        assert_eq!(
            merged.data.citation_key.as_ref().unwrap().as_str(),
            "jiao2019survey"
        );
        assert_eq!(merged.key_origin.as_deref(), Some(KEY_IMPORTED));

        let mut other = bib_draft();
        other.data.citation_key = Some(CitationKey::parse("Jiao19").unwrap());
        let again = merge_resource(
            &merged.data,
            merged.key_origin.as_deref(),
            None,
            &other,
            SourceFormat::Bibtex,
            "s.bib",
        );
        assert_eq!(
            again.data.citation_key.as_ref().unwrap().as_str(),
            "jiao2019survey"
        );
        assert_eq!(again.key_kept.as_deref(), Some("Jiao19"));
    }

    #[test]
    fn a_second_description_in_one_file_only_fills_gaps() {
        let first = page_draft().data;
        let mut second = bib_draft().data;
        second.title = "Another title".into();
        second.level = Some(Level::Beginner);
        let filled = fill_resource(&first, &second);
        assert_eq!(filled.title, first.title, "the first description wins");
        assert_eq!(filled.level, Some(Level::Intermediate));
        assert_eq!(filled.year, Some(2019), "gaps are filled");
        assert_eq!(
            fill_resource(&filled, &second),
            filled,
            "folding again changes nothing"
        );
    }

    #[test]
    fn concept_categories_from_headings_beat_guesses_from_columns() {
        let existing = ConceptData {
            name: "Object detection".into(),
            category: Some(Category::Task),
            ..Default::default()
        };
        let heading = ConceptDraft {
            data: ConceptData {
                name: "Object detection".into(),
                category: Some(Category::Topic),
                ..Default::default()
            },
            category_guessed: false,
        };
        assert_eq!(
            merge_concept(&existing, &heading).category,
            Some(Category::Topic)
        );
        let column = ConceptDraft {
            category_guessed: true,
            ..heading
        };
        assert_eq!(
            merge_concept(&existing, &column).category,
            Some(Category::Task)
        );
    }
}
