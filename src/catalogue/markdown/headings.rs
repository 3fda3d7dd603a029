//! Reading headings as a person reads them: the category or kind a heading names (its head
//! noun, singular or plural, with qualifiers), the sections of the author's page template
//! (`Keywords`, `Key takeaways`, `Introduction`...), and whether the text under a heading is
//! a definition.
//!
//! A heading names a category when its whole text is one (`## Metrics`, `## Layer types:`);
//! failing that, when the last word of its text without parentheses is one (`## Distance
//! Metrics (for ranking)`, `## Recent surveys`), or the last word inside its parentheses
//! (`## Methods (Count Error Metrics)`). The last word of an English noun phrase is its head,
//! so `## Metric learning` names no category.

use super::blocks::{Block, Inline};
use super::{Page, collapse, shorten};
use crate::catalogue::{DraftRef, ItemKind, ReportLine};
use crate::domain::{Category, ConceptData, ResourceKind};

/// A section of the author's page template, read for what it is rather than as content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Template {
    /// `### Keywords`: each item is a concept (`Pile: a heap of pebbles`).
    Keywords,
    /// `### Key takeaways`, `### Learning objectives`: each item is a learning objective of
    /// the page's section.
    Objectives,
    /// `## Introduction`, `## References`, `## Summary`...: structure, never a concept.
    Structure,
}

/// The template section a heading names, if any.
pub(super) fn template(text: &str) -> Option<Template> {
    let key = normalise(text);
    match key.as_str() {
        "keywords" | "key words" | "key terms" | "glossary" => Some(Template::Keywords),
        "key takeaways"
        | "takeaways"
        | "learning objectives"
        | "learning goals"
        | "learning outcomes"
        | "objectives" => Some(Template::Objectives),
        "introduction" | "intro" | "overview" | "summary" | "conclusion" | "conclusions"
        | "references" | "bibliography" | "further reading" | "see also" | "background"
        | "motivation" | "notes" | "contents" | "table of contents" | "acknowledgements"
        | "acknowledgments" | "exercises" | "questions" => Some(Template::Structure),
        _ => None,
    }
}

/// The category a heading names: its whole text, else its head noun, else the head noun
/// of its parenthetical (see the module documentation).
pub(super) fn category_named(text: &str) -> Option<Category> {
    named(text, |term| Category::parse(term).ok())
}

/// The resource kind a heading names, read as [`category_named`] reads categories.
pub(super) fn kind_named(text: &str) -> Option<ResourceKind> {
    named(text, |term| ResourceKind::parse(term).ok())
}

fn named<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    let text = text.trim_matches(|c: char| !c.is_alphanumeric() && c != ')');
    if let Some(found) = parse(text) {
        return Some(found);
    }
    let (outside, inside) = split_parentheses(text);
    if outside != text
        && let Some(found) = parse(&outside)
    {
        return Some(found);
    }
    // A short phrase: a long heading is a title (`Introduction to Deep Generative Models`
    // is a course), not a category.
    [outside, inside]
        .iter()
        .filter(|part| part.split_whitespace().count() <= MAX_PHRASE_WORDS && !is_list(part))
        .find_map(|part| last_word(part).and_then(&parse))
}

/// A heading that lists several things (`Video Lectures / Tutorials / Blogs`) names no
/// single category or kind.
fn is_list(phrase: &str) -> bool {
    let lower = phrase.to_lowercase();
    phrase.contains(['/', ',', '&', ';']) || lower.contains(" and ") || lower.contains(" or ")
}

/// The most words a heading's phrase may have for its head noun to name a category.
const MAX_PHRASE_WORDS: usize = 4;

/// (text outside parentheses, text inside them), each with white space collapsed.
fn split_parentheses(text: &str) -> (String, String) {
    let (mut outside, mut inside) = (String::new(), String::new());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                outside.push(' ');
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                inside.push(' ');
            }
            _ if depth > 0 => inside.push(c),
            _ => outside.push(c),
        }
    }
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    (collapse(&outside), collapse(&inside))
}

fn last_word(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_')
        .rfind(|w| !w.is_empty())
}

fn normalise(text: &str) -> String {
    text.trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether the text under a heading reads as a definition: it starts with prose (a
/// paragraph or a list item that is not a list of links) and holds no table.
pub(super) fn is_definition(body: &[Block]) -> bool {
    let mut content = body.iter().filter(|b| {
        !matches!(
            b,
            Block::Comment { .. } | Block::Directive { .. } | Block::Unread { .. }
        )
    });
    let starts_with_prose = match content.next() {
        Some(Block::Paragraph(p)) => !p.is_label() && has_prose(p),
        Some(Block::Item { inline, .. }) => inline.links.is_empty() && has_prose(inline),
        _ => false,
    };
    starts_with_prose && !body.iter().any(|b| matches!(b, Block::Table(_)))
}

/// Some words outside links: a sentence, not a line of links.
fn has_prose(inline: &Inline) -> bool {
    inline
        .prose
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
        >= 2
}

/// A keyword item: `Pile: a heap of pebbles` → (`Pile`, `a heap of pebbles`); `Tally` →
/// (`Tally`, none).
pub(super) fn keyword(text: &str) -> (String, Option<String>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for separator in [": ", " - ", " – ", " — "] {
        if let Some((name, definition)) = text.split_once(separator) {
            let name = name.trim_matches(|c: char| c == '*' || c.is_whitespace());
            let definition = definition.trim();
            if !name.is_empty() && !definition.is_empty() {
                return (name.to_owned(), Some(definition.to_owned()));
            }
        }
    }
    (
        text.trim_matches(|c: char| c == '*' || c == ':' || c.is_whitespace())
            .to_owned(),
        None,
    )
}

impl Page<'_> {
    /// Reads an item of a template section; false when it is to be read as any other item
    /// (a keyword or takeaway with links in it).
    pub(super) fn template_item(&mut self, template: Template, inline: &Inline) -> bool {
        if !inline.links.is_empty() {
            return false;
        }
        let shown = shorten(&inline.text, 120);
        match template {
            Template::Structure => false,
            Template::Keywords => {
                let (name, definition) = keyword(&inline.prose);
                if name.is_empty() {
                    return false;
                }
                let data = ConceptData {
                    name,
                    category: self.headings.last().and_then(|h| h.category),
                    definition,
                    ..ConceptData::default()
                };
                // A keyword with links is read as any other item (above): none to add.
                self.add_item_concept(inline, &shown, data, &[]);
                true
            }
            Template::Objectives => {
                let text = collapse(&inline.text);
                if text.is_empty() {
                    return false;
                }
                self.objectives.push((inline.line, text));
                self.cites(&inline.cites);
                true
            }
        }
    }

    /// Gives every concept of the page its learning objectives, and reports each objective
    /// as kept on them (or skipped when the page defines no concept).
    pub(super) fn keep_objectives(&mut self) {
        let objectives: Vec<String> = self.objectives.iter().map(|(_, t)| t.clone()).collect();
        for concept in &mut self.concepts {
            for objective in &objectives {
                if !concept.data.learning_objectives.contains(objective) {
                    concept.data.learning_objectives.push(objective.clone());
                }
            }
        }
        for (line, text) in std::mem::take(&mut self.objectives) {
            self.report.push(if self.concepts.is_empty() {
                ReportLine::skipped(
                    line,
                    ItemKind::ListItem,
                    shorten(&text, 120),
                    "a learning objective, and the page defines no concept to keep it on",
                )
            } else {
                ReportLine::merged(
                    line,
                    ItemKind::ListItem,
                    shorten(&text, 120),
                    DraftRef::Concept(0),
                    "kept as a learning objective of the page's concepts",
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_word_with_qualifiers_names_the_category() {
        assert_eq!(category_named("Metrics"), Some(Category::Metric));
        assert_eq!(
            category_named("Distance Metrics (for ranking)"),
            Some(Category::Metric)
        );
        assert_eq!(
            category_named("Methods (Count Error Metrics)"),
            Some(Category::Metric)
        );
        assert_eq!(category_named("Quality metrics"), Some(Category::Metric));
        assert_eq!(category_named("Layer types:"), Some(Category::LayerType));
        assert_eq!(category_named("Methods (classification)"), None);
        assert_eq!(category_named("Metric learning"), None);
        assert_eq!(
            category_named("Introduction to Deep Learning and Deep Generative Models"),
            None
        );
        assert_eq!(kind_named("Recent surveys"), Some(ResourceKind::Survey));
        assert_eq!(kind_named("Video Lectures / Tutorials / Blogs"), None);
        assert_eq!(category_named("Unsupervised / Generative Models"), None);
        assert_eq!(kind_named("🎓 Courses"), Some(ResourceKind::Course));
    }

    #[test]
    fn template_sections_are_recognised_in_any_case() {
        assert_eq!(template("Key Takeaways"), Some(Template::Objectives));
        assert_eq!(template("Keywords"), Some(Template::Keywords));
        assert_eq!(template("Introduction"), Some(Template::Structure));
        assert_eq!(template("Tally Counting"), None);
    }

    fn concepts(page: &str) -> Vec<crate::domain::ConceptData> {
        super::super::parse("page.md", page.as_bytes())
            .concepts
            .into_iter()
            .map(|c| c.data)
            .collect()
    }

    #[test]
    fn a_sub_heading_with_text_under_it_defines_a_concept_under_any_heading() {
        let c = concepts(
            "# Quality metrics\n\n## Introduction\n\nSome words.\n\n## Methods (classification)\n\n### Hit Rate\n- Share of items found.\n\n### Links only\n- [A](https://example.org/a)\n",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].name, "Hit Rate");
        assert_eq!(c[0].category, Some(Category::Metric));
        assert_eq!(c[0].definition.as_deref(), Some("- Share of items found."));
    }

    #[test]
    fn template_sections_give_keywords_and_learning_objectives() {
        let c = concepts(
            "# Pebbles\n\n## Introduction\n\n### Key takeaways\n* Learn tallies.\n\n### Keywords\n* Tally\n* Pile: a heap\n",
        );
        let names: Vec<_> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Tally", "Pile"]);
        assert_eq!(c[1].definition.as_deref(), Some("a heap"));
        assert!(
            c.iter()
                .all(|c| c.learning_objectives == ["Learn tallies."])
        );
    }

    #[test]
    fn two_definitions_under_one_name_are_both_kept() {
        let c =
            concepts("# M\n\n## Metrics\n\n### Recall\nOne sense.\n\n### Recall\nAnother sense.\n");
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].definition.as_deref(),
            Some("One sense.\n\nAnother sense.")
        );
    }

    #[test]
    fn a_keyword_splits_into_name_and_definition() {
        assert_eq!(
            keyword("Pile: a heap of pebbles"),
            ("Pile".to_owned(), Some("a heap of pebbles".to_owned()))
        );
        assert_eq!(keyword("Tally"), ("Tally".to_owned(), None));
    }
}
