//! Catalogue pages: MyST Markdown read with pulldown-cmark (GFM tables).
//!
//! A page is read as its author writes it (DESIGN.md, "The catalogue importer"):
//! - headings give the section path; a heading that names a concept category
//!   (`## Metrics`, `## Layer types:`) makes its list items concepts of that category and
//!   its sub-headings (`### Pooling`) concepts whose definition is the text under them; a
//!   heading that names a resource kind (`## Courses`) gives its rows and items that kind;
//! - tables map columns by header synonyms and words ([`table::classify`]), never title a
//!   row by its number, split a title cell that holds more ([`cell_title`]), and skip
//!   tables that list no works ([`legend`]);
//! - list items with links are resources, read as references where they look like one
//!   (`**Title** (2015), G. Hinton et al. [[pdf]](url)`), or glossary entries where a
//!   term's definition holds the links ([`glossary`]);
//! - numbered paper paragraphs (`**[12]** Authors. "Title." Venue (2016). [[pdf]](url)`)
//!   are papers ([`paper_paragraph`]);
//! - emoji shortcodes are read as emoji ([`shortcodes`]); links to the page's own headings
//!   are not resources ([`self_links`]);
//! - a section whose text ends in a line of links (`🔗 [Link to Course](url)`) is one
//!   resource titled by its heading;
//! - every other link becomes a resource of its own;
//! - MyST directives, code and HTML comments are not content; the URLs in code,
//!   directives and raw HTML are reported as not read.
//!
//! Every table row, list item and link gets exactly one report line (parsed, merged or
//! skipped with a reason); warnings are extra lines.

mod blocks;
mod cell_title;
mod cites;
mod front_matter;
mod glossary;
mod headings;
mod legend;
mod paper_paragraph;
mod reading;
mod reference;
mod self_links;
mod shortcodes;
mod table;

use std::collections::{BTreeMap, HashMap};

use blocks::{Block, Cite, Inline, LineIndex, LinkForm, LinkRef, Row, Table, Unread};
use headings::Template;
pub use reading::{HeadingMeaning, Reading, ReadingError};
use self_links::SelfLinks;
use table::{Column, Layout};

use super::{
    Catalogue, ConceptDraft, DraftLink, DraftRef, ItemKind, PageSection, ReportLine, ResourceDraft,
    SourceFormat, limits, text, urls,
};
use crate::domain::{Category, ConceptData, Level, Provenance, Relation, ResourceKind, Slug};

/// Parses a catalogue page. Never fails: what cannot be read is reported.
pub fn parse(file_name: &str, bytes: &[u8]) -> Catalogue {
    parse_decoded(file_name, text::decode(bytes))
}

/// Parses a page whose bytes are already text ([`text::decode_with_label`]).
pub(super) fn parse_decoded(file_name: &str, decoded: text::Decoded) -> Catalogue {
    parse_in_book(file_name, decoded, &[])
}

/// Parses a page of a book: `parts` (the part and chapter captions above the page in the
/// book's table of contents) start every section path.
pub(super) fn parse_in_book(
    file_name: &str,
    decoded: text::Decoded,
    parts: &[String],
) -> Catalogue {
    parse_read_as(file_name, decoded, parts, &Reading::default())
}

/// Parses a page with the author's mappings of headings and columns ([`Reading`]);
/// `parts` start every section path (see [`parse_in_book`]).
pub(super) fn parse_read_as(
    file_name: &str,
    decoded: text::Decoded,
    parts: &[String],
    reading: &Reading,
) -> Catalogue {
    let text::Decoded { text, report } = decoded;
    let mut front_report = Vec::new();
    let (front_end, reading) = match front_matter::find(&text) {
        None => (None, reading.clone()),
        Some(front) => {
            front_report.extend(front_matter::urls(&front).into_iter().map(|(line, url)| {
                ReportLine::skipped(
                    line,
                    ItemKind::Link,
                    url,
                    "in the page's front matter, which is not read for resources",
                )
            }));
            let own = front_matter::reading(&front, reading).unwrap_or_else(|why| {
                front_report.push(ReportLine::warning(
                    front.line,
                    ItemKind::File,
                    "front matter",
                    format!("the page's lore: mappings are not used: {why}"),
                ));
                None
            });
            (Some(front.end), own.unwrap_or_else(|| reading.clone()))
        }
    };
    let text = match front_end {
        Some(end) => front_matter::blank(&text, end),
        None => text,
    };
    let lines = LineIndex::new(&text);
    let blocks = blocks::read_blocks(&text, &lines);
    let mut page = Page::new(file_name, &text, report);
    page.report.extend(front_report);
    page.parts = parts.to_vec();
    page.reading = reading;
    page.self_links = SelfLinks::new(&blocks);
    page.read(&blocks);
    page.finish()
}

/// What a heading makes of the text under it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// The page title (first level-1 heading).
    Title,
    Plain,
    /// `## Metrics`: list items are concepts of the category.
    Category(Category),
    /// `## Courses`: rows and items are resources of the kind.
    Kind(ResourceKind),
    /// `### Pooling` under a category heading: the heading defines the concept.
    Concept(usize, Option<Category>),
    /// `## Caltech CS156: ...` with a line of links: the heading names one resource.
    Resource(usize),
    /// A section of the author's page template (`### Keywords`, `### Key takeaways`).
    Template(Template),
}

struct HeadingFrame {
    level: u8,
    text: String,
    role: Role,
    /// The category the heading gives the definitions below it: its own, or the nearest
    /// one above it (the page title included).
    category: Option<Category>,
    /// The heading's line.
    line: u32,
    /// How many report lines there were when the heading was read: the lines after it
    /// until it closes are its section's.
    report_start: usize,
}

/// What the text under the current heading (up to the next heading or thematic break)
/// belongs to.
#[derive(Debug, Clone, Default)]
struct Segment {
    concept: Option<usize>,
    resource: Option<usize>,
    /// The link that gave the section's resource its URL, by (line, URL), and how the
    /// resource was added.
    primary_link: Option<(u32, String, Added)>,
    category: Option<Category>,
    kind: Option<ResourceKind>,
    /// A kind named by an emphasised label paragraph (`*(Blogs)*`), for the lists after it.
    label_kind: Option<ResourceKind>,
    /// The template section the text is in (`### Keywords`, `### Key takeaways`).
    template: Option<Template>,
}

struct Page<'t> {
    file: String,
    text: &'t str,
    title: Option<String>,
    resources: Vec<ResourceDraft>,
    concepts: Vec<ConceptDraft>,
    links: Vec<DraftLink>,
    report: Vec<ReportLine>,
    sections: Vec<PageSection>,
    by_url: HashMap<String, usize>,
    by_title: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    anchor_counts: HashMap<String, u32>,
    headings: Vec<HeadingFrame>,
    segment: Segment,
    /// Part and chapter captions of a book above the page; they start every section path.
    parts: Vec<String>,
    /// Learning objectives (`### Key takeaways` items) by the page section they belong to.
    objectives: Vec<(u32, String)>,
    /// The author's mappings of headings and table headers.
    reading: Reading,
    /// Addresses of this page's own headings ([`self_links`]).
    self_links: SelfLinks,
}

/// Where a draft ended up: a new draft, or merged into an earlier one.
#[derive(Debug, Clone, Copy)]
struct Added {
    index: usize,
    /// The line of the earlier draft this one was merged into.
    merged_into: Option<u32>,
}

impl<'t> Page<'t> {
    fn new(file: &str, text: &'t str, report: Vec<ReportLine>) -> Self {
        Page {
            file: file.to_owned(),
            text,
            title: None,
            resources: Vec::new(),
            concepts: Vec::new(),
            links: Vec::new(),
            report,
            sections: Vec::new(),
            by_url: HashMap::new(),
            by_title: HashMap::new(),
            by_name: HashMap::new(),
            anchor_counts: HashMap::new(),
            headings: Vec::new(),
            segment: Segment::default(),
            parts: Vec::new(),
            objectives: Vec::new(),
            reading: Reading::default(),
            self_links: SelfLinks::default(),
        }
    }

    fn finish(mut self) -> Catalogue {
        while let Some(frame) = self.headings.pop() {
            self.close_heading(frame);
        }
        self.keep_objectives();
        let mut catalogue = Catalogue {
            file: self.file,
            format: SourceFormat::Page,
            title: self.title,
            resources: self.resources,
            concepts: self.concepts,
            links: self.links,
            report: self.report,
            sections: self.sections,
        };
        limits::enforce(&mut catalogue);
        // Items are reported as they are read; warnings follow their item on the same line.
        catalogue.report.sort_by_key(|line| line.line);
        catalogue
    }

    fn read(&mut self, blocks: &[Block]) {
        for (i, block) in blocks.iter().enumerate() {
            match block {
                Block::Heading { level, inline } => {
                    let end = blocks[i + 1..]
                        .iter()
                        .position(|b| matches!(b, Block::Heading { .. } | Block::Rule { .. }))
                        .map_or(blocks.len(), |j| i + 1 + j);
                    let body_end = match blocks.get(end) {
                        Some(Block::Heading { inline, .. }) => inline.span.start,
                        Some(Block::Rule { offset, .. }) => *offset,
                        _ => self.text.len(),
                    };
                    self.heading(*level, inline, &blocks[i + 1..end], body_end);
                }
                Block::Rule { .. } => {
                    // A thematic break ends the text that belongs to the heading above it
                    // (ml-youtube-courses puts its footer after `---`).
                    self.segment.concept = None;
                    self.segment.resource = None;
                    self.segment.primary_link = None;
                    self.segment.label_kind = None;
                }
                Block::Paragraph(inline) => self.paragraph(inline),
                Block::Item { inline, .. } => self.item(inline),
                Block::Table(table) => self.table(table),
                Block::Directive { line, name } => self.report.push(ReportLine::skipped(
                    *line,
                    ItemKind::Directive,
                    format!("{{{name}}}"),
                    "MyST directive: not content",
                )),
                Block::Comment { line, text } => self.comment(*line, text),
                Block::Unread { line, url, place } => self.report.push(match place {
                    Unread::Html => ReportLine::skipped(
                        *line,
                        ItemKind::Html,
                        url,
                        "inside raw HTML, not read as Markdown; write the link in Markdown to import it",
                    ),
                    Unread::CodeBlock => ReportLine::skipped(
                        *line,
                        ItemKind::Link,
                        url,
                        "inside a code block: not content",
                    ),
                    Unread::InlineCode => ReportLine::skipped(
                        *line,
                        ItemKind::Link,
                        url,
                        "inside inline code: not content",
                    ),
                    Unread::Directive => ReportLine::skipped(
                        *line,
                        ItemKind::Link,
                        url,
                        "inside a MyST directive: not content",
                    ),
                }),
            }
        }
    }

    // ----- headings -------------------------------------------------------------------

    fn heading(&mut self, level: u8, inline: &Inline, body: &[Block], body_end: usize) {
        let text = collapse(&inline.text);
        self.segment.primary_link = None;
        while self.headings.last().is_some_and(|h| h.level >= level) {
            if let Some(frame) = self.headings.pop() {
                self.close_heading(frame);
            }
        }
        let mut heading_path = self.heading_path();
        heading_path.push(text.clone());
        let anchor = self.unique_anchor(&text);
        self.sections.push(PageSection {
            heading_path,
            anchor,
            level,
            line: inline.line,
        });

        let name = vocabulary_text(&text);
        let parent_category = self.headings.iter().rev().find_map(|h| match h.role {
            Role::Category(c) => Some(Some(c)),
            Role::Concept(_, c) => Some(c),
            _ => None,
        });
        let inherited = self.headings.last().and_then(|h| h.category);
        let parent_concept = match self.headings.last().map(|h| h.role) {
            Some(Role::Concept(index, _)) => Some(index),
            _ => None,
        };
        let definition = self.text[inline.span.end.min(body_end)..body_end].trim();
        let role = if level == 1 && self.title.is_none() {
            self.title = Some(text.clone());
            Role::Title
        } else if let Some(meaning) = self.reading.heading(&name) {
            match meaning {
                HeadingMeaning::Category(category) => Role::Category(category),
                HeadingMeaning::Kind(kind) => Role::Kind(kind),
            }
        } else if let Some(template) = headings::template(&name) {
            Role::Template(template)
        } else if let Ok(category) = Category::parse(&name) {
            Role::Category(category)
        } else if let Ok(kind) = ResourceKind::parse(&name) {
            Role::Kind(kind)
        } else if let Some(category) = parent_category {
            let index = self.concept_section(&text, category, definition, inline, parent_concept);
            Role::Concept(index, category)
        } else if level >= 2 && body.iter().any(introduces_heading_resource) {
            Role::Resource(self.resource_section(&text, inline, body))
        } else if headings::category_named(&name).is_some() {
            // `## Distance Metrics (for ranking)`: the category of the definitions under
            // it (see `category` below); its own items stay as they are.
            Role::Plain
        } else if let Some(kind) = headings::kind_named(&name) {
            Role::Kind(kind)
        } else if level >= 3 && headings::is_definition(body) {
            // A sub-heading with text under it defines a concept, whatever the heading
            // above it is called; its category is the nearest one named above.
            let index = self.concept_section(&text, inherited, definition, inline, None);
            Role::Concept(index, inherited)
        } else {
            Role::Plain
        };
        let category = match role {
            Role::Title | Role::Plain => headings::category_named(&name).or(inherited),
            Role::Category(category) => Some(category),
            Role::Concept(_, category) => category.or(inherited),
            _ => inherited,
        };
        self.headings.push(HeadingFrame {
            level,
            text: text.clone(),
            role,
            category,
            line: inline.line,
            report_start: self.report.len(),
        });
        let kind = self.headings.iter().rev().find_map(|h| match h.role {
            Role::Kind(kind) => Some(kind),
            _ => None,
        });
        let primary_link = std::mem::take(&mut self.segment.primary_link);
        self.segment = Segment {
            concept: match role {
                Role::Concept(index, _) => Some(index),
                _ => None,
            },
            resource: match role {
                Role::Resource(index) => Some(index),
                _ => None,
            },
            primary_link: matches!(role, Role::Resource(_))
                .then_some(primary_link)
                .flatten(),
            category: match role {
                Role::Category(category) => Some(category),
                _ => None,
            },
            kind,
            label_kind: None,
            template: match role {
                Role::Template(template) => Some(template),
                _ => None,
            },
        };
        for (line, text) in &inline.comments {
            self.comment(*line, text);
        }
        // Links written in the heading itself are resources of the section's kind.
        self.standalone_links(inline);
        self.cites(&inline.cites);
    }

    /// Lists a heading that gave nothing in the report: one that names no category, kind
    /// or template and under which (its sub-headings included) nothing became a record.
    fn close_heading(&mut self, frame: HeadingFrame) {
        if !matches!(frame.role, Role::Plain) {
            return;
        }
        let gave_something = self.report[frame.report_start..]
            .iter()
            .any(|line| line.draft.is_some());
        if !gave_something {
            self.report.push(ReportLine::skipped(
                frame.line,
                ItemKind::Section,
                shorten(&frame.text, 120),
                "a heading that names no category, kind or template, with nothing under it that became a record",
            ));
        }
    }

    /// `metrics`, then `metrics--2` for a repeat: see [`PageSection`].
    fn unique_anchor(&mut self, text: &str) -> String {
        let base = Slug::from_title(text, "section").as_str().to_owned();
        let count = self.anchor_counts.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}--{count}")
        }
    }

    fn concept_section(
        &mut self,
        name: &str,
        category: Option<Category>,
        definition: &str,
        inline: &Inline,
        parent: Option<usize>,
    ) -> usize {
        let draft = ConceptDraft {
            data: ConceptData {
                name: name.to_owned(),
                category,
                definition: (!definition.is_empty()).then(|| definition.to_owned()),
                provenance: Some(self.heading_provenance(inline.line, name)),
                ..ConceptData::default()
            },
            category_guessed: false,
        };
        let added = self.add_concept(draft);
        self.report_added(
            inline.line,
            ItemKind::Section,
            name,
            DraftRef::Concept(added.index),
            added,
        );
        if let Some(parent) = parent.filter(|&p| p != added.index) {
            self.link(
                DraftRef::Concept(added.index),
                Relation::Broader,
                DraftRef::Concept(parent),
                inline.line,
            );
        }
        added.index
    }

    /// A heading whose section ends in a line of links: one resource, titled by the
    /// heading, its URL from the first link, its description from the section's prose.
    fn resource_section(&mut self, title: &str, inline: &Inline, body: &[Block]) -> usize {
        let primary = body
            .iter()
            .filter(|b| is_link_line(b))
            .flat_map(|b| match b {
                Block::Paragraph(p) => p.links.iter(),
                _ => [].iter(),
            })
            .find(|l| skip_reason(l).is_none())
            .cloned();
        let description = body
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) if !is_link_line(b) && !p.is_label() => {
                    Some(self.text[p.span.clone()].trim().to_owned())
                }
                _ => None,
            })
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let mut draft = ResourceDraft::default();
        draft.data.title = title.to_owned();
        draft.data.description = (!description.is_empty()).then_some(description);
        draft.data.provenance = Some(self.heading_provenance(inline.line, title));
        let section_kind = self.headings.iter().rev().find_map(|h| match h.role {
            Role::Kind(kind) => Some(kind),
            _ => None,
        });
        if let Some(link) = &primary {
            draft.data.url = Some(link.url.clone());
            set_identifiers(&mut draft, &link.url);
            match section_kind.or_else(|| kind_named_in(&link.text)) {
                Some(kind) => draft.data.kind = Some(refined(kind, &link.url)),
                None => {
                    draft.data.kind = Some(urls::guess_kind(&link.url));
                    draft.kind_guessed = true;
                }
            }
        } else {
            draft.data.kind = section_kind;
        }
        let added = self.add_resource(draft);
        if let Some(link) = &primary {
            self.segment.primary_link = Some((link.line, link.url.clone(), added));
        }
        self.report_added(
            inline.line,
            ItemKind::Section,
            title,
            DraftRef::Resource(added.index),
            added,
        );
        added.index
    }

    // ----- paragraphs -------------------------------------------------------------------

    fn paragraph(&mut self, inline: &Inline) {
        if let Some(source) = self.text.get(inline.span.clone())
            && table::looks_like_rows(source)
        {
            self.report.push(ReportLine::warning(
                inline.line,
                ItemKind::Row,
                shorten(source.lines().next().unwrap_or(""), 100),
                format!(
                    "{}:{}: looks like a table but has no header separator row (`|---|---|`): read as a paragraph, so its columns (titles, levels...) are lost",
                    self.file, inline.line
                ),
            ));
        }
        if inline.is_label() {
            let label = inline
                .text
                .trim()
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_owned();
            self.segment.label_kind = ResourceKind::parse(&label).ok();
            return;
        }
        for (line, text) in &inline.comments {
            self.comment(*line, text);
        }
        self.cites(&inline.cites);
        if let Some(resource) = self.segment.resource {
            for link in &inline.links {
                if self.skip_link(link) {
                    continue;
                }
                let primary = self
                    .segment
                    .primary_link
                    .as_ref()
                    .filter(|(line, url, _)| *line == link.line && *url == link.url)
                    .map(|(_, _, added)| *added);
                if let Some(added) = primary {
                    let target = DraftRef::Resource(resource);
                    self.report_added(link.line, ItemKind::Link, &link.url, target, added);
                } else {
                    self.attribute_link(resource, link);
                }
            }
            return;
        }
        if self.paper_paragraph(inline) {
            return;
        }
        self.standalone_links(inline);
    }

    /// A numbered paper paragraph ([`paper_paragraph`]): one paper, its URL from the
    /// first link that is a resource, the other links kept as its attributes, its stars as
    /// the attribute `rating` and a parenthetical such as `(Milestone)` as `note`. False,
    /// with nothing reported, when the paragraph is not one or has no such link.
    fn paper_paragraph(&mut self, inline: &Inline) -> bool {
        if !inline
            .links
            .iter()
            .any(|l| self.link_skip_reason(l).is_none())
        {
            return false;
        }
        let Some(paper) = paper_paragraph::parse(&inline.prose) else {
            return false;
        };
        let usable: Vec<LinkRef> = inline
            .links
            .iter()
            .filter(|l| !self.skip_link(l))
            .cloned()
            .collect();
        let Some(primary) = usable.first() else {
            return false;
        };
        let mut draft = ResourceDraft::default();
        draft.data.title = paper.title.clone();
        draft.data.authors = paper.authors.clone();
        draft.data.authors_truncated = paper.authors_truncated;
        draft.data.year = paper.year;
        if paper.venue_is_meeting() {
            draft.data.booktitle = paper.venue.clone();
        } else {
            draft.data.journal = paper.venue.clone();
        }
        draft.data.volume = paper.volume.clone();
        if let Some(rating) = paper.rating {
            draft
                .data
                .attributes
                .insert("rating".to_owned(), rating.to_string());
            draft.data.level = draft
                .data
                .level
                .or_else(|| self.reading.level_for_rating(rating));
        }
        if let Some(note) = &paper.note {
            draft
                .data
                .attributes
                .insert("note".to_owned(), note.clone());
        }
        draft.data.url = Some(primary.url.clone());
        for link in &usable {
            set_identifiers(&mut draft, &link.url);
        }
        draft.data.provenance = Some(self.provenance(inline.line));
        self.set_kind(&mut draft, None, &primary.url, true);
        let added = self.add_resource(draft);
        let target = DraftRef::Resource(added.index);
        self.report_added(primary.line, ItemKind::Link, &primary.url, target, added);
        for link in &usable[1..] {
            self.attribute_link(added.index, link);
        }
        if let Some(concept) = self.segment.concept {
            self.link(
                DraftRef::Concept(concept),
                Relation::ExplainedBy,
                target,
                inline.line,
            );
        }
        true
    }

    /// Each link of `inline` becomes a resource of its own; in a concept's section, one
    /// that explains the concept.
    fn standalone_links(&mut self, inline: &Inline) {
        for link in &inline.links {
            if self.skip_link(link) {
                continue;
            }
            let index = self.link_resource(link);
            if let Some(concept) = self.segment.concept {
                self.link(
                    DraftRef::Concept(concept),
                    Relation::ExplainedBy,
                    DraftRef::Resource(index),
                    link.line,
                );
            }
        }
    }

    /// A resource made from one link, with its report line.
    fn link_resource(&mut self, link: &LinkRef) -> usize {
        let mut draft = ResourceDraft::default();
        if is_generic(link) {
            draft.data.title = urls::title_from_url(&link.url);
            draft.title_guessed = true;
        } else {
            draft.data.title = collapse(&link.text);
        }
        draft.data.url = Some(link.url.clone());
        set_identifiers(&mut draft, &link.url);
        self.set_kind(&mut draft, None, &link.url, false);
        draft.data.provenance = Some(self.provenance(link.line));
        let added = self.add_resource(draft);
        self.report_added(
            link.line,
            ItemKind::Link,
            &link.url,
            DraftRef::Resource(added.index),
            added,
        );
        added.index
    }

    /// Keeps a secondary link as an attribute of `resource`, named by its text.
    fn attribute_link(&mut self, resource: usize, link: &LinkRef) {
        let attributes = &mut self.resources[resource].data.attributes;
        let key = unique_key(attributes, &attribute_name(&link.text));
        attributes.insert(key.clone(), link.url.clone());
        self.report.push(ReportLine::merged(
            link.line,
            ItemKind::Link,
            &link.url,
            DraftRef::Resource(resource),
            format!("kept as attribute `{key}` of the resource"),
        ));
    }

    /// Why a link is not a resource: [`skip_reason`], or a link to a heading of this page.
    fn link_skip_reason(&self, link: &LinkRef) -> Option<String> {
        skip_reason(link).or_else(|| self.self_links.reason(&link.url).map(str::to_owned))
    }

    /// Reports a link that is not a resource; true when it was skipped.
    fn skip_link(&mut self, link: &LinkRef) -> bool {
        match self.link_skip_reason(link) {
            Some(reason) => {
                self.report.push(ReportLine::skipped(
                    link.line,
                    ItemKind::Link,
                    &link.url,
                    reason,
                ));
                true
            }
            None => false,
        }
    }

    fn cites(&mut self, cites: &[Cite]) {
        for cite in cites {
            let text = cite.keys.join(", ");
            match self.segment.concept {
                Some(concept) => {
                    let keys = &mut self.concepts[concept].data.citation_keys;
                    for key in &cite.keys {
                        if !keys.contains(key) {
                            keys.push(key.clone());
                        }
                    }
                    self.report.push(ReportLine::parsed(
                        cite.line,
                        ItemKind::Citation,
                        text,
                        DraftRef::Concept(concept),
                    ));
                }
                None => self.report.push(ReportLine::skipped(
                    cite.line,
                    ItemKind::Citation,
                    text,
                    format!(
                        "{{{}}} role outside a concept's section: nothing to attach it to",
                        cite.role
                    ),
                )),
            }
        }
    }

    fn comment(&mut self, line: u32, text: &str) {
        self.report.push(ReportLine::skipped(
            line,
            ItemKind::Comment,
            shorten(text, 100),
            "HTML comment: not content",
        ));
    }

    // ----- list items -------------------------------------------------------------------

    fn item(&mut self, inline: &Inline) {
        for (line, text) in &inline.comments {
            self.comment(*line, text);
        }
        if let Some(template) = self.segment.template
            && self.template_item(template, inline)
        {
            return;
        }
        let usable: Vec<LinkRef> = inline
            .links
            .iter()
            .filter(|l| !self.skip_link(l))
            .cloned()
            .collect();
        let prose = reference::clean_prose(&inline.prose);
        let shown = shorten(&collapse(&inline.text), 120);

        if let Some(concept) = self.segment.concept {
            // A list inside a concept's definition: part of its text.
            let name = self.concepts[concept].data.name.clone();
            self.report.push(ReportLine::merged(
                inline.line,
                ItemKind::ListItem,
                shown,
                DraftRef::Concept(concept),
                format!("part of the definition of {name}"),
            ));
            self.explaining_links(concept, &usable);
            self.cites(&inline.cites);
            return;
        }
        if let Some(resource) = self.segment.resource {
            if usable.is_empty() {
                // A course's lecture list: part of the course, never concepts.
                let attributes = &mut self.resources[resource].data.attributes;
                let contents = attributes.entry("contents".to_owned()).or_default();
                if !contents.is_empty() {
                    contents.push('\n');
                }
                contents.push_str(&collapse(&inline.text));
                self.report.push(ReportLine::merged(
                    inline.line,
                    ItemKind::ListItem,
                    shown,
                    DraftRef::Resource(resource),
                    "kept in the `contents` attribute of the section's resource",
                ));
            } else {
                let index = self.item_resource(inline, &usable, &prose);
                self.link(
                    DraftRef::Resource(index),
                    Relation::PartOf,
                    DraftRef::Resource(resource),
                    inline.line,
                );
            }
            self.cites(&inline.cites);
            return;
        }
        if let Some(entry) = glossary::parse(inline, &usable, is_generic) {
            self.glossary_item(inline, entry, &usable, shown);
            return;
        }
        if let Some(category) = self.segment.category {
            self.concept_item(inline, category, &usable, &prose, shown);
            return;
        }
        self.cites(&inline.cites);
        if !usable.is_empty() {
            self.item_resource(inline, &usable, &prose);
        } else if !inline.links.is_empty() {
            self.report.push(ReportLine::skipped(
                inline.line,
                ItemKind::ListItem,
                shown,
                "its links are not resources (see the link lines)",
            ));
        } else {
            let parsed = reference::parse(&prose, inline.strong.as_deref());
            let kind = self.segment.label_kind.or(self.segment.kind);
            if !parsed.title.is_empty() && (kind.is_some() || parsed.is_bibliographic()) {
                self.item_resource(inline, &[], &prose);
            } else {
                self.report.push(ReportLine::skipped(
                    inline.line,
                    ItemKind::ListItem,
                    shown,
                    "plain text outside a concept or resource section",
                ));
            }
        }
    }

    /// A list item under a category heading: a concept, with a trailing parenthetical as
    /// its note, explained by the item's links.
    fn concept_item(
        &mut self,
        inline: &Inline,
        category: Category,
        usable: &[LinkRef],
        prose: &str,
        shown: String,
    ) {
        let source = if prose.trim_matches(is_separator).is_empty() {
            usable
                .first()
                .filter(|l| !is_generic(l))
                .map(|l| collapse(&l.text))
                .unwrap_or_default()
        } else {
            prose.trim_matches(is_separator).to_owned()
        };
        if source.is_empty() {
            self.report.push(ReportLine::skipped(
                inline.line,
                ItemKind::ListItem,
                shown,
                "no name for a concept",
            ));
            for link in usable {
                self.link_resource(link);
            }
            return;
        }
        let (name, note) = split_note(&source);
        let data = ConceptData {
            name,
            category: Some(category),
            note,
            ..ConceptData::default()
        };
        self.add_item_concept(inline, &shown, data, usable);
    }

    /// A glossary bullet ([`glossary`]): the term is a concept (of the section's category,
    /// if any) defined by the text after it, explained by the resources its links name.
    fn glossary_item(
        &mut self,
        inline: &Inline,
        entry: glossary::Entry,
        usable: &[LinkRef],
        shown: String,
    ) {
        let data = ConceptData {
            name: entry.term,
            category: self.segment.category,
            definition: Some(entry.definition),
            ..ConceptData::default()
        };
        self.add_item_concept(inline, &shown, data, usable);
    }

    /// Adds the concept a list item names (`data`, without provenance: the item's line
    /// gives it), reports the item as that concept, links it to the resources of `usable`
    /// (`explained_by`) and reads the item's `{cite}` roles as the concept's.
    pub(super) fn add_item_concept(
        &mut self,
        inline: &Inline,
        shown: &str,
        data: ConceptData,
        usable: &[LinkRef],
    ) {
        let draft = ConceptDraft {
            data: ConceptData {
                provenance: Some(self.provenance(inline.line)),
                ..data
            },
            category_guessed: false,
        };
        let added = self.add_concept(draft);
        self.report_added(
            inline.line,
            ItemKind::ListItem,
            shown,
            DraftRef::Concept(added.index),
            added,
        );
        self.explaining_links(added.index, usable);
        let previous = self.segment.concept.replace(added.index);
        self.cites(&inline.cites);
        self.segment.concept = previous;
    }

    fn explaining_links(&mut self, concept: usize, links: &[LinkRef]) {
        for link in links {
            let index = self.link_resource(link);
            self.link(
                DraftRef::Concept(concept),
                Relation::ExplainedBy,
                DraftRef::Resource(index),
                link.line,
            );
        }
    }

    /// A resource from a list item: title from a leading bold span, the item's text read as
    /// a reference, or the first link's text; URL from the first usable link, the other
    /// links kept as attributes.
    fn item_resource(&mut self, inline: &Inline, usable: &[LinkRef], prose: &str) -> usize {
        let primary = usable.first();
        let generic = primary.is_none_or(is_generic);
        let mut draft = ResourceDraft::default();
        let mut parsed = reference::Reference::default();
        if inline.strong.is_some() || (generic && !prose.is_empty()) {
            parsed = reference::parse(prose, inline.strong.as_deref());
        }
        if !parsed.title.is_empty() {
            draft.data.title = parsed.title.clone();
        } else if let Some(link) = primary.filter(|l| !is_generic(l)) {
            draft.data.title = collapse(&link.text);
            // What follows the link: a level (`- beginner`) or a description.
            let extra = prose.trim_matches(is_separator);
            match Level::parse(extra) {
                Ok(level) => draft.data.level = Some(level),
                Err(_) if extra.chars().filter(|c| c.is_alphanumeric()).count() > 3 => {
                    parsed.rest = extra.to_owned();
                }
                Err(_) => {}
            }
        } else if let Some(link) = primary {
            draft.data.title = urls::title_from_url(&link.url);
            draft.title_guessed = true;
        } else {
            draft.data.title = prose.to_owned();
        }
        if !parsed.rest.is_empty() {
            match Level::parse(&parsed.rest) {
                Ok(level) => draft.data.level = Some(level),
                Err(_) => draft.data.description = Some(parsed.rest.clone()),
            }
        }
        draft.data.year = parsed.year;
        draft.data.month = parsed.month;
        draft.data.authors = parsed.authors.clone();
        draft.data.authors_truncated = parsed.authors_truncated;
        draft.data.provenance = Some(self.provenance(inline.line));
        if let Some(link) = primary {
            draft.data.url = Some(link.url.clone());
        }
        for link in usable {
            set_identifiers(&mut draft, &link.url);
        }
        let says_pdf = usable.iter().any(|l| attribute_name(&l.text) == "pdf");
        let url = primary.map_or("", |l| l.url.as_str()).to_owned();
        self.set_kind(
            &mut draft,
            parsed.kind,
            &url,
            parsed.is_bibliographic() || says_pdf,
        );

        let guessed = draft.title_guessed.then(|| draft.data.title.clone());
        let added = self.add_resource(draft);
        let target = DraftRef::Resource(added.index);
        self.report_added(
            inline.line,
            ItemKind::ListItem,
            &shorten(&collapse(&inline.text), 120),
            target,
            added,
        );
        if let (Some(title), Some(link)) = (guessed, primary)
            && !collapse(&link.text).is_empty()
            && link.text.trim() != link.url
        {
            // `- [pdf](url)`: the text names a file type, not the work.
            self.report.push(ReportLine::warning(
                inline.line,
                ItemKind::ListItem,
                &link.url,
                format!(
                    "{}:{}: the link text \"{}\" is no title; titled \"{title}\" from the URL",
                    self.file,
                    inline.line,
                    collapse(&link.text)
                ),
            ));
        }
        for (i, link) in usable.iter().enumerate() {
            if i == 0 {
                self.report_added(link.line, ItemKind::Link, &link.url, target, added);
            } else {
                self.attribute_link(added.index, link);
            }
        }
        added.index
    }

    /// Sets the kind: one the item states, a label or heading kind (refined by the URL
    /// when it is documentation), a paper for references, else a guess from the URL.
    fn set_kind(
        &self,
        draft: &mut ResourceDraft,
        stated: Option<ResourceKind>,
        url: &str,
        reference: bool,
    ) {
        if let Some(kind) = stated.or(self.segment.label_kind).or(self.segment.kind) {
            draft.data.kind = Some(refined(kind, url));
        } else if reference {
            draft.data.kind = Some(ResourceKind::Paper);
            draft.kind_guessed = true;
        } else if !url.is_empty() {
            draft.data.kind = Some(urls::guess_kind(url));
            draft.kind_guessed = true;
        }
    }

    // ----- tables ------------------------------------------------------------------------

    fn table(&mut self, table: &Table) {
        // Headers the author maps to a field (`"Course Name" = "title"`) are read as it.
        let mapped: Vec<String> = table
            .header
            .iter()
            .map(|h| self.reading.header(h).to_owned())
            .collect();
        let models_section = self.segment.category == Some(Category::Model);
        let mut layout = Layout::read(&mapped, models_section);
        layout.skip_numbering(|i| {
            table
                .rows
                .iter()
                .all(|r| r.cells.get(i).is_none_or(|c| table::is_row_number(&c.text)))
        });
        for cell in &table.header_cells {
            for (line, text) in &cell.comments {
                self.comment(*line, text);
            }
            self.cites(&cell.cites);
            self.standalone_links(cell);
        }
        if legend::lists_no_works(&layout, table) {
            self.report.push(ReportLine::warning(
                table.line,
                ItemKind::Row,
                shorten(&table.header.join(" | "), 100),
                format!(
                    "{}:{}: {}: its {} rows are not resources",
                    self.file,
                    table.line,
                    legend::REASON,
                    table.rows.len()
                ),
            ));
            for row in &table.rows {
                for cell in &row.cells {
                    for (line, text) in &cell.comments {
                        self.comment(*line, text);
                    }
                    self.cites(&cell.cites);
                }
                self.report.push(ReportLine::skipped(
                    row.line,
                    ItemKind::Row,
                    shorten(&collapse(&row.raw), 120),
                    legend::REASON,
                ));
            }
            return;
        }
        for row in &table.rows {
            self.row(&table.header, &layout, row);
        }
    }

    fn row(&mut self, header: &[String], layout: &Layout, row: &Row) {
        let cell_text = |i: usize| {
            row.cells
                .get(i)
                .map(|c| collapse(&c.text))
                .unwrap_or_default()
        };
        for cell in &row.cells {
            for (line, text) in &cell.comments {
                self.comment(*line, text);
            }
        }
        // Every link of the row, in column order, with its column.
        let mut usable: Vec<(usize, LinkRef)> = Vec::new();
        for (column, cell) in row.cells.iter().enumerate() {
            for link in &cell.links {
                if !self.skip_link(link) {
                    usable.push((column, link.clone()));
                }
            }
        }
        let link_column = layout.columns.iter().position(|c| *c == Column::Link);
        let primary = usable
            .iter()
            .position(|(c, _)| Some(*c) == link_column)
            .or_else(|| usable.iter().position(|(c, _)| Some(*c) == layout.title))
            .or(if usable.is_empty() { None } else { Some(0) });
        // A title cell with more in it (`1) **Title** - text <br> ● more`) splits.
        let split = layout.title.and_then(|t| {
            let cell = row.cells.get(t)?;
            cell_title::split(&cell.text, cell.strong.as_deref())
        });
        let title = match &split {
            Some(split) => split.title.clone(),
            None => layout.title.map(cell_text).unwrap_or_default(),
        };
        let shown = if title.is_empty() {
            primary.map_or_else(|| collapse(&row.raw), |p| usable[p].1.url.clone())
        } else {
            title.clone()
        };
        let only_skipped_links = usable.is_empty()
            && row.cells.iter().any(|c| !c.links.is_empty())
            && row.cells.iter().all(|c| c.prose.trim().is_empty());
        if only_skipped_links {
            // `| [Counting ⬇️](#counting) | [Sorting ⬇️](#sorting) |`: a table of contents.
            self.report.push(ReportLine::skipped(
                row.line,
                ItemKind::Row,
                shorten(&collapse(&row.raw), 120),
                "its links are not resources (see the link lines)",
            ));
            return;
        }
        if title.is_empty() && primary.is_none() {
            match layout.model.map(cell_text).filter(|m| !m.is_empty()) {
                // `| PebbleNet | | counting |`: a model whose paper is not given.
                Some(model) => self.model_row(header, layout, row, &model),
                None => self.report.push(ReportLine::skipped(
                    row.line,
                    ItemKind::Row,
                    shorten(&shown, 120),
                    "no title and no link",
                )),
            }
            return;
        }

        let mut draft = ResourceDraft::default();
        let url = primary.map(|p| usable[p].1.url.clone());
        match url.as_deref().filter(|u| title.is_empty() || title == *u) {
            Some(u) => {
                draft.data.title = urls::title_from_url(u);
                draft.title_guessed = true;
            }
            None => draft.data.title = title.clone(),
        }
        if let Some(u) = &url {
            draft.data.url = Some(u.clone());
            set_identifiers(&mut draft, u);
        }
        draft.data.description = split.and_then(|s| s.description);
        // The text of the link that gave the URL (`[TNS-101](url)` under `Course
        // WebPage`) says something the title does not: kept under the column's header.
        if let Some((column, link)) = primary.map(|p| &usable[p])
            && Some(*column) != layout.title
            && !is_generic(link)
            && collapse(&link.text) != title
        {
            let name = header.get(*column).map_or("link", |h| h.trim());
            let key = unique_key(&draft.data.attributes, name);
            draft.data.attributes.insert(key, collapse(&link.text));
        }
        draft.data.provenance = Some(self.provenance(row.line));
        let mut warnings = Vec::new();
        let mut stated_kind = layout.kind;
        let mut topics = Vec::new();
        let mut tasks = Vec::new();
        let mut model = None;
        for (i, column) in layout.columns.iter().enumerate() {
            if Some(i) == layout.title {
                continue;
            }
            let value = cell_text(i);
            if value.is_empty() {
                continue;
            }
            match column {
                Column::Link | Column::Title | Column::TitleOfKind(_) => {}
                Column::Topic => topics.push(value),
                Column::Task => tasks.push(value),
                Column::Model if layout.model == Some(i) => model = Some(value),
                Column::Level => match Level::parse(&value) {
                    Ok(level) => draft.data.level = Some(level),
                    Err(err) => {
                        warnings.push(ReportLine::warning(
                            row.line,
                            ItemKind::Row,
                            &value,
                            format!("{err}; kept as attribute `level`"),
                        ));
                        draft.data.attributes.insert("level".to_owned(), value);
                    }
                },
                Column::Kind => match ResourceKind::parse(&value) {
                    Ok(kind) => stated_kind = Some(kind),
                    Err(err) => {
                        warnings.push(ReportLine::warning(
                            row.line,
                            ItemKind::Row,
                            &value,
                            format!("{err}; kept as attribute `kind`"),
                        ));
                        draft.data.attributes.insert("kind".to_owned(), value);
                    }
                },
                Column::Authors => {
                    let (authors, truncated) = reference::parse_authors(&value);
                    draft.data.authors = authors;
                    draft.data.authors_truncated = truncated;
                }
                Column::Year => match leading_year(&value) {
                    Some(year) => {
                        draft.data.year = Some(year);
                        // `2023/03`: the month too, and the date as written.
                        if let Some(month) = month_after_year(&value) {
                            draft.data.month = Some(month);
                        }
                        if value.trim() != year.to_string() {
                            draft
                                .data
                                .attributes
                                .insert(header[i].trim().to_owned(), value);
                        }
                    }
                    None => {
                        draft
                            .data
                            .attributes
                            .insert(header[i].trim().to_owned(), value);
                    }
                },
                Column::Description => draft.data.description = Some(value),
                // A `{cite}` cell names the row's own work (see `row_cites`).
                Column::Paper | Column::Model | Column::Number | Column::Other(_)
                    if cites::only_cites(&row.cells[i]) => {}
                Column::Paper | Column::Model | Column::Number | Column::Other(_) => {
                    let cell = &row.cells[i];
                    // A cell that is one link keeps its text (`[4096](url)` → `4096`); the
                    // URL follows as an attribute of its own (below). A link whose text says
                    // nothing (`[Paper](url)`, a bare URL) gives the URL here.
                    let value = match cell.links.as_slice() {
                        [only] if collapse(&only.text) == value && is_generic(only) => {
                            only.url.clone()
                        }
                        _ => value,
                    };
                    let key = unique_key(&draft.data.attributes, header[i].trim());
                    draft.data.attributes.insert(key, value);
                }
            }
        }
        for (column, text) in table::extra_cells(&row.raw, header.len()) {
            let key = unique_key(&draft.data.attributes, &format!("cell {column}"));
            warnings.push(ReportLine::warning(
                row.line,
                ItemKind::Cell,
                &text,
                format!(
                    "{}:{}: the row has more cells than the header's {}; kept as attribute `{key}`",
                    self.file,
                    row.line,
                    header.len()
                ),
            ));
            draft.data.attributes.insert(key, text);
        }
        self.set_kind(&mut draft, stated_kind, url.as_deref().unwrap_or(""), false);

        let added = self.add_resource(draft);
        let target = DraftRef::Resource(added.index);
        self.report_added(row.line, ItemKind::Row, &shown, target, added);
        self.report.extend(warnings);
        self.row_cites(added.index, row);
        for (i, (column, link)) in usable.iter().enumerate() {
            if Some(i) == primary {
                self.report_added(link.line, ItemKind::Link, &link.url, target, added);
            } else {
                let header_name = header.get(*column).map_or("link", |h| h.trim());
                let in_cell = usable.iter().filter(|(c, _)| c == column).count();
                let own = attribute_name(&link.text);
                // Several links in one cell (`[Paper](a), [Tweet](b)`) are told apart by
                // their texts.
                let name = if in_cell > 1 && !own.is_empty() && link.text.trim() != link.url {
                    own.as_str()
                } else {
                    header_name
                };
                let attributes = &mut self.resources[added.index].data.attributes;
                let key = match attributes.get(name) {
                    Some(v) if *v == link.url => name.to_owned(),
                    // The cell's text is kept under the header: its URL beside it.
                    Some(v) if *v == collapse(&link.text) => {
                        unique_key(attributes, &format!("{name} URL"))
                    }
                    _ => unique_key(attributes, name),
                };
                attributes.insert(key.clone(), link.url.clone());
                self.report.push(ReportLine::merged(
                    link.line,
                    ItemKind::Link,
                    &link.url,
                    target,
                    format!("kept as attribute `{key}` of the row's resource"),
                ));
            }
        }
        for (names, category) in [(topics, Category::Topic), (tasks, Category::Task)] {
            for name in names {
                let concept = self.column_concept(&name, category, true, row.line);
                self.link(
                    DraftRef::Concept(concept),
                    Relation::ExplainedBy,
                    target,
                    row.line,
                );
            }
        }
        if let Some(name) = model {
            // The model column says outright that the name is a model.
            let concept = self.column_concept(&name, Category::Model, false, row.line);
            self.link(
                DraftRef::Concept(concept),
                Relation::IntroducedIn,
                target,
                row.line,
            );
        }
    }

    /// A row of a model table whose paper cell is empty and that has no link: the model is
    /// a concept, its topics and tasks related concepts, the other cells its note
    /// (`level: beginner`). The empty paper cell is no resource and no error.
    fn model_row(&mut self, header: &[String], layout: &Layout, row: &Row, model: &str) {
        let cell_text = |i: usize| {
            row.cells
                .get(i)
                .map(|c| collapse(&c.text))
                .unwrap_or_default()
        };
        let mut related = Vec::new();
        let mut notes = Vec::new();
        for (i, column) in layout.columns.iter().enumerate() {
            let value = cell_text(i);
            if Some(i) == layout.model || value.is_empty() {
                continue;
            }
            match column {
                Column::Topic => related.push((value, Category::Topic)),
                Column::Task => related.push((value, Category::Task)),
                _ => notes.push(format!("{}: {value}", header[i].trim())),
            }
        }
        let draft = ConceptDraft {
            data: ConceptData {
                name: model.to_owned(),
                category: Some(Category::Model),
                note: (!notes.is_empty()).then(|| notes.join("; ")),
                provenance: Some(self.provenance(row.line)),
                ..ConceptData::default()
            },
            category_guessed: false,
        };
        let added = self.add_concept(draft);
        self.report_added(
            row.line,
            ItemKind::Row,
            model,
            DraftRef::Concept(added.index),
            added,
        );
        for (name, category) in related {
            let concept = self.column_concept(&name, category, true, row.line);
            self.link(
                DraftRef::Concept(added.index),
                Relation::Related,
                DraftRef::Concept(concept),
                row.line,
            );
        }
    }

    fn column_concept(
        &mut self,
        name: &str,
        category: Category,
        guessed: bool,
        line: u32,
    ) -> usize {
        let draft = ConceptDraft {
            data: ConceptData {
                name: name.to_owned(),
                category: Some(category),
                provenance: Some(self.provenance(line)),
                ..ConceptData::default()
            },
            category_guessed: guessed,
        };
        self.add_concept(draft).index
    }

    // ----- drafts ------------------------------------------------------------------------

    fn provenance(&self, line: u32) -> Provenance {
        Provenance {
            file: self.file.clone(),
            heading_path: self.heading_path(),
            line,
        }
    }

    /// The book's parts above the page, then the headings above the current line.
    fn heading_path(&self) -> Vec<String> {
        self.parts
            .iter()
            .cloned()
            .chain(self.headings.iter().map(|h| h.text.clone()))
            .collect()
    }

    /// Provenance of a record a heading defines, read before the heading is pushed.
    fn heading_provenance(&self, line: u32, heading: &str) -> Provenance {
        let mut provenance = self.provenance(line);
        provenance.heading_path.push(heading.to_owned());
        provenance
    }

    /// Adds a resource, or merges it into the earlier draft with the same URL (or, without
    /// a URL, the same title): the earlier draft keeps its values and gains missing ones.
    fn add_resource(&mut self, draft: ResourceDraft) -> Added {
        let existing = match &draft.data.url {
            Some(url) => self.by_url.get(url.trim()).copied(),
            None => self.by_title.get(&draft.data.title.to_lowercase()).copied(),
        };
        if let Some(index) = existing {
            let line = merge_resource(&mut self.resources[index], draft);
            return Added {
                index,
                merged_into: Some(line),
            };
        }
        let index = self.resources.len();
        match &draft.data.url {
            Some(url) => self.by_url.insert(url.trim().to_owned(), index),
            None => self.by_title.insert(draft.data.title.to_lowercase(), index),
        };
        self.resources.push(draft);
        Added {
            index,
            merged_into: None,
        }
    }

    /// Adds a concept, or merges it into the earlier one with the same name ignoring case
    /// (the first spelling stays).
    fn add_concept(&mut self, draft: ConceptDraft) -> Added {
        let key = draft.data.name.to_lowercase();
        if let Some(&index) = self.by_name.get(&key) {
            let existing = &mut self.concepts[index];
            let line = existing.data.provenance.as_ref().map_or(0, |p| p.line);
            if existing.data.category.is_none()
                || (existing.category_guessed && !draft.category_guessed)
            {
                existing.data.category = draft.data.category;
                existing.category_guessed = draft.category_guessed;
            }
            // Two definitions under one name are two senses: both are kept.
            existing.data.definition =
                match (existing.data.definition.take(), draft.data.definition) {
                    (Some(first), Some(second)) if first != second => {
                        Some(format!("{first}\n\n{second}"))
                    }
                    (first, second) => first.or(second),
                };
            existing.data.note = existing.data.note.take().or(draft.data.note);
            return Added {
                index,
                merged_into: Some(line),
            };
        }
        let index = self.concepts.len();
        self.by_name.insert(key, index);
        self.concepts.push(draft);
        Added {
            index,
            merged_into: None,
        }
    }

    fn report_added(
        &mut self,
        line: u32,
        item: ItemKind,
        text: &str,
        draft: DraftRef,
        added: Added,
    ) {
        self.report.push(match added.merged_into {
            None => ReportLine::parsed(line, item, text, draft),
            Some(first) => ReportLine::merged(
                line,
                item,
                text,
                draft,
                format!("same record as line {first}"),
            ),
        });
    }

    fn link(&mut self, source: DraftRef, relation: Relation, target: DraftRef, line: u32) {
        let exists = self
            .links
            .iter()
            .any(|l| l.source == source && l.relation == relation && l.target == target);
        if !exists && source != target {
            self.links.push(DraftLink {
                source,
                relation,
                target,
                line,
            });
        }
    }
}

/// Fills the earlier draft's empty fields from a later mention; returns the earlier line.
fn merge_resource(existing: &mut ResourceDraft, new: ResourceDraft) -> u32 {
    let line = existing.data.provenance.as_ref().map_or(0, |p| p.line);
    let data = &mut existing.data;
    if existing.title_guessed && !new.title_guessed {
        data.title = new.data.title;
        existing.title_guessed = false;
    }
    if data.kind.is_none()
        || (existing.kind_guessed && !new.kind_guessed && new.data.kind.is_some())
    {
        data.kind = new.data.kind;
        existing.kind_guessed = new.kind_guessed;
    }
    data.level = data.level.or(new.data.level);
    data.description = data.description.take().or(new.data.description);
    data.year = data.year.or(new.data.year);
    data.month = data.month.or(new.data.month);
    if data.authors.is_empty() {
        data.authors = new.data.authors;
        data.authors_truncated = new.data.authors_truncated;
    }
    data.arxiv_id = data.arxiv_id.take().or(new.data.arxiv_id);
    data.doi = data.doi.take().or(new.data.doi);
    for (key, value) in new.data.attributes {
        data.attributes.entry(key).or_insert(value);
    }
    line
}

/// Why a link is not a resource: images, badges, anchors, relative links, e-mail.
fn skip_reason(link: &LinkRef) -> Option<String> {
    if link.form == LinkForm::Image {
        return Some(if link.wraps_image {
            "image inside a link (badge)".to_owned()
        } else {
            "image".to_owned()
        });
    }
    if link.wraps_image {
        return Some("badge: a link around an image".to_owned());
    }
    urls::skip_reason(&link.url).map(str::to_owned)
}

/// A paragraph of links and nothing else but symbols (`🔗 [Link to Course](url)`).
fn is_link_line(block: &Block) -> bool {
    match block {
        Block::Paragraph(p) => {
            p.links.iter().any(|l| skip_reason(l).is_none())
                && !p.prose.chars().any(char::is_alphanumeric)
        }
        _ => false,
    }
}

/// A line of links whose first link does not name its resource (`🔗 [Link to
/// Course](url)`): the heading above names it. A line like `[PyTorch](url)` names its own
/// resource and leaves the heading alone.
fn introduces_heading_resource(block: &Block) -> bool {
    is_link_line(block)
        && match block {
            Block::Paragraph(p) => p
                .links
                .iter()
                .find(|l| skip_reason(l).is_none())
                .is_some_and(is_generic),
            _ => false,
        }
}

/// Link text that says nothing about the resource: "[pdf]", "here", "Link to Course",
/// or the URL itself.
fn is_generic(link: &LinkRef) -> bool {
    let text = attribute_name(&link.text);
    matches!(link.form, LinkForm::Bare | LinkForm::Autolink)
        || text.is_empty()
        || link.text.trim() == link.url
        || link.text.trim().to_lowercase().starts_with("link")
        || matches!(
            text.as_str(),
            "pdf"
                | "web"
                | "html"
                | "here"
                | "this"
                | "click here"
                | "website"
                | "site"
                | "url"
                | "paper"
                | "code"
                | "video"
                | "videos"
                | "slides"
                | "arxiv"
                | "doi"
                | "homepage"
                | "home page"
                | "page"
                | "more"
                | "read more"
                | "source"
                | "github"
                | "course"
                | "course website"
                | "lectures"
                | "lecture videos"
                | "materials"
        )
}

/// An attribute name from link text: lower case, symbols dropped, "link to" removed
/// (`[[pdf]]` → `pdf`, `Link to Materials` → `materials`).
fn attribute_name(text: &str) -> String {
    let words: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .to_lowercase();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    words
        .strip_prefix("link to ")
        .map_or(words.clone(), str::to_owned)
        .trim_matches('-')
        .trim()
        .to_owned()
}

/// `key`, or `key 2`, `key 3`... when taken.
pub(super) fn unique_key(attributes: &BTreeMap<String, String>, key: &str) -> String {
    let key = if key.is_empty() { "link" } else { key };
    if !attributes.contains_key(key) {
        return key.to_owned();
    }
    (2..)
        .map(|n| format!("{key} {n}"))
        .find(|k| !attributes.contains_key(k))
        .unwrap_or_else(|| key.to_owned())
}

/// A kind a link's text names: "Link to Course" → course, "Lectures" → course.
fn kind_named_in(text: &str) -> Option<ResourceKind> {
    attribute_name(text)
        .split([' ', '/'])
        .find_map(|word| ResourceKind::parse(word).ok())
}

/// A documentation kind narrowed by a URL that says tutorial or notebook.
fn refined(kind: ResourceKind, url: &str) -> ResourceKind {
    match kind {
        ResourceKind::Documentation => urls::refine_kind(url).unwrap_or(kind),
        _ => kind,
    }
}

fn set_identifiers(draft: &mut ResourceDraft, url: &str) {
    if draft.data.arxiv_id.is_none() {
        draft.data.arxiv_id = urls::arxiv_id_from_url(url);
    }
    if draft.data.doi.is_none() && url.to_ascii_lowercase().contains("doi.org/") {
        draft.data.doi = urls::bare_doi(url);
    }
}

/// Heading text as a vocabulary term: emoji and other symbols around it dropped.
fn vocabulary_text(text: &str) -> String {
    text.trim_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

/// Splits a trailing parenthetical off a name: `Spearman’s rank correlation (not
/// commonly used)` → (`Spearman’s rank correlation`, `not commonly used`).
fn split_note(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    if let Some(body) = text.strip_suffix(')') {
        let mut depth = 0usize;
        for (i, c) in body.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' if depth == 0 => {
                    let name = body[..i].trim();
                    let note = body[i + 1..].trim();
                    if !name.is_empty() && !note.is_empty() {
                        return (name.to_owned(), Some(note.to_owned()));
                    }
                    break;
                }
                '(' => depth -= 1,
                _ => {}
            }
        }
    }
    (text.to_owned(), None)
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':' | ',' | ';' | '|' | '·' | '.')
}

/// The month of `2023/03`, `2023-3` or `2023.03`: one or two digits from 1 to 12 after
/// the leading year and one separator.
fn month_after_year(text: &str) -> Option<u8> {
    let rest = text.trim().get(4..)?;
    let rest = rest.strip_prefix(['/', '-', '.'])?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let month: u8 = (1..=2)
        .contains(&digits.len())
        .then(|| digits.parse().ok())??;
    (1..=12).contains(&month).then_some(month)
}

fn leading_year(text: &str) -> Option<i32> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

/// White space runs as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shorten(text: &str, max_chars: usize) -> String {
    let text = collapse(text);
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests;
