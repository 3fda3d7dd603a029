//! One template per page, and the functions that fill them from the API's views, so a
//! page shows exactly what the JSON representation at the same URL holds.

use actix_web::HttpRequest;
use askama::Template;

use super::super::problem::Problem;
use super::super::search::ResultsPage;
use super::super::views::{ConceptView, Direction, LinkView, ResourceView, Urls};
use super::{STYLE_SHEET_PATH, citation, render_markdown};
use crate::domain::{Category, EntityType, Level, Relation};
use crate::service::Overview;

/// What every page has around its content: title, style sheet, search box, and the link
/// to the same URL's JSON.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's `<title>` and heading.
    pub title: String,
    /// The style sheet's URL.
    pub style_sheet: String,
    pub home: String,
    pub resources: String,
    pub concepts: String,
    pub search: String,
    pub docs: String,
    /// This URL with `format=json`.
    pub json: String,
    /// The search box's text.
    pub q: String,
}

/// The query pairs of a request, without those a new page of links must not keep.
fn pairs_without(req: &HttpRequest, dropped: &[&str]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(name, _)| !dropped.contains(&name.as_str()));
    pairs
}

/// `path` with query `pairs`, under the public base.
fn url_of(urls: &Urls, path: &str, pairs: &[(String, String)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    if query.is_empty() {
        urls.at(path)
    } else {
        urls.at(&format!("{path}?{query}"))
    }
}

impl Chrome {
    /// The chrome of the page answering `req`.
    pub fn new(req: &HttpRequest, urls: &Urls, title: impl Into<String>) -> Self {
        let mut pairs = pairs_without(req, &["format"]);
        pairs.push(("format".into(), "json".into()));
        Chrome {
            title: title.into(),
            style_sheet: urls.at(STYLE_SHEET_PATH),
            home: urls.at("/"),
            resources: urls.at("/resources"),
            concepts: urls.at("/concepts"),
            search: urls.at("/search"),
            docs: urls.at(super::super::DOCS_PATH),
            json: url_of(urls, req.path(), &pairs),
            q: String::new(),
        }
    }
}

/// A link to a choice: a filter value or facet value, with how many records it keeps.
#[derive(Debug, Clone)]
pub struct Choice {
    pub label: String,
    pub count: Option<i64>,
    pub href: String,
    /// The page shows this choice now.
    pub current: bool,
}

/// A record in a list: its page, its name and a line about it.
#[derive(Debug, Clone)]
pub struct Item {
    pub href: String,
    pub title: String,
    pub about: String,
}

/// Items under a heading.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub items: Vec<Item>,
}

/// Links to the first, previous and next page.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A vocabulary term for people: `layer_type` → "layer type".
fn label(term: &str) -> String {
    term.replace('_', " ")
}

/// A link to the same path with `name` set to `value` (or removed when `current`), the
/// page position reset.
fn choice(
    req: &HttpRequest,
    urls: &Urls,
    name: &str,
    value: &str,
    count: Option<i64>,
    current: bool,
) -> Choice {
    let mut pairs = pairs_without(req, &["format", "cursor", "offset", name]);
    if !current {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    Choice {
        label: label(value),
        count,
        href: url_of(urls, req.path(), &pairs),
        current,
    }
}

/// The values of query parameter `name`, split at commas.
fn selected(req: &HttpRequest, name: &str) -> Vec<String> {
    pairs_without(req, &[])
        .into_iter()
        .filter(|(n, _)| n == name)
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------------------- landing

/// `/`: the search box, the counts, and levels, kinds and categories to browse.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub resources: i64,
    pub concepts: i64,
    pub levels: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub categories: Vec<Choice>,
}

/// The landing page.
pub fn home_page(req: &HttpRequest, urls: &Urls, overview: &Overview) -> HomePage {
    let to = |path: &str, name: &str, value: &str, count: i64| Choice {
        label: label(value),
        count: Some(count),
        href: url_of(urls, path, &[(name.to_owned(), value.to_owned())]),
        current: false,
    };
    HomePage {
        chrome: Chrome::new(req, urls, "lore"),
        resources: overview.resources,
        concepts: overview.concepts,
        levels: overview
            .levels
            .iter()
            .map(|(level, n)| to("/resources", "level", level.as_str(), *n))
            .collect(),
        kinds: overview
            .kinds
            .iter()
            .map(|(kind, n)| to("/resources", "kind", kind.as_str(), *n))
            .collect(),
        categories: overview
            .categories
            .iter()
            .map(|(category, n)| to("/concepts", "category", category.as_str(), *n))
            .collect(),
    }
}

// -------------------------------------------------------------------------- resources

fn authors_short(view: &ResourceView) -> Option<String> {
    let names: Vec<String> = view.authors.iter().map(|p| p.display_name()).collect();
    match names.len() {
        0 => None,
        1..=3 if !view.authors_truncated => Some(names.join(", ")),
        _ => Some(format!("{} et al.", names[0])),
    }
}

/// "paper · advanced · 2015 · Ren et al."
fn resource_about(view: &ResourceView) -> String {
    let mut parts = vec![label(view.kind.as_str())];
    if let Some(level) = view.level {
        parts.push(level.as_str().to_owned());
    }
    if let Some(year) = view.year {
        parts.push(year.to_string());
    }
    if let Some(authors) = authors_short(view) {
        parts.push(authors);
    }
    parts.join(" · ")
}

fn resource_item(view: &ResourceView) -> Item {
    Item {
        href: view.href.clone(),
        title: view.title.clone(),
        about: resource_about(view),
    }
}

/// `/resources`: one page of resources, with levels and kinds to filter by.
#[derive(Template)]
#[template(path = "resources.html")]
pub struct ResourcesPage {
    pub chrome: Chrome,
    pub total: i64,
    pub items: Vec<Item>,
    pub levels: Vec<Choice>,
    pub kinds: Vec<Choice>,
    /// The topics the list is narrowed to.
    pub topics: Vec<String>,
    pub paging: Paging,
}

/// The page of a resource list.
pub fn resources_page(
    req: &HttpRequest,
    urls: &Urls,
    items: &[ResourceView],
    total: i64,
    paging: Paging,
) -> ResourcesPage {
    let levels = selected(req, "level");
    let kinds = selected(req, "kind");
    ResourcesPage {
        chrome: Chrome::new(req, urls, "Resources"),
        total,
        items: items.iter().map(resource_item).collect(),
        levels: Level::ALL
            .iter()
            .map(|l| {
                let current = levels.iter().any(|s| s == l.as_str());
                choice(req, urls, "level", l.as_str(), None, current)
            })
            .collect(),
        kinds: crate::domain::ResourceKind::ALL
            .iter()
            .map(|k| {
                let current = kinds.iter().any(|s| s == k.as_str());
                choice(req, urls, "kind", k.as_str(), None, current)
            })
            .collect(),
        topics: selected(req, "topic"),
        paging,
    }
}

/// One field of a resource, for its page.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// Where the value leads, if anywhere.
    pub href: Option<String>,
}

/// A download of the resource's entry.
#[derive(Debug, Clone)]
pub struct Download {
    pub label: String,
    pub href: String,
    pub file_name: String,
}

/// `/resources/{slug}`: the fields, the links both ways, the citation and downloads.
#[derive(Template)]
#[template(path = "resource.html")]
pub struct ResourcePage {
    pub chrome: Chrome,
    pub about: String,
    /// Where to read, watch or run it.
    pub url: Option<String>,
    pub authors: Option<String>,
    /// HTML rendered from the description's Markdown.
    pub description: Option<String>,
    pub fields: Vec<Field>,
    pub concepts: Vec<Group>,
    pub resources: Vec<Group>,
    pub citation: String,
    pub citation_key: Option<String>,
    pub downloads: Vec<Download>,
    pub provenance: Option<String>,
}

/// How a link reads from the page of the end that shows it.
fn relation_label(relation: Relation, direction: Direction) -> &'static str {
    use Direction::{Incoming, Outgoing};
    match (relation, direction) {
        (Relation::DefinedIn, Incoming) => "Defines",
        (Relation::DefinedIn, Outgoing) => "Defined in",
        (Relation::IntroducedIn, Incoming) => "Introduces",
        (Relation::IntroducedIn, Outgoing) => "Introduced in",
        (Relation::ExplainedBy, Incoming) => "Explains",
        (Relation::ExplainedBy, Outgoing) => "Explained by",
        (Relation::CitedBy, Incoming) => "Cited for",
        (Relation::CitedBy, Outgoing) => "Cited by",
        (Relation::Cites, Outgoing) => "Cites",
        (Relation::Cites, Incoming) => "Cited by",
        (Relation::PartOf, Outgoing) => "Part of",
        (Relation::PartOf, Incoming) => "Has parts",
        // SKOS: `A broader B` says B is broader than A.
        (Relation::Broader, Outgoing) | (Relation::Narrower, Incoming) => "Broader",
        (Relation::Narrower, Outgoing) | (Relation::Broader, Incoming) => "Narrower",
        (Relation::Related, _) => "Related",
    }
}

/// Links grouped by how they read, in the order each label first appears.
fn grouped(links: &[LinkView]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for link in links {
        let label = relation_label(link.relation, link.direction);
        let item = Item {
            href: link.href.clone(),
            title: link.title.clone(),
            about: link.category.map(label_of_category).unwrap_or_default(),
        };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.items.push(item),
            None => groups.push(Group {
                label: label.to_owned(),
                items: vec![item],
            }),
        }
    }
    groups
}

fn label_of_category(category: Category) -> String {
    label(category.as_str())
}

/// The fields of a resource worth a row: venue, numbers, identifiers, attributes.
fn resource_fields(view: &ResourceView) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut add = |name: &str, value: &Option<String>, href: Option<String>| {
        if let Some(value) = value {
            fields.push(Field {
                name: name.to_owned(),
                value: value.clone(),
                href,
            });
        }
    };
    add("Journal", &view.journal, None);
    add("Book title", &view.booktitle, None);
    add("Publisher", &view.publisher, None);
    add("Institution", &view.institution, None);
    add("Volume", &view.volume, None);
    add("Number", &view.number, None);
    add("Pages", &view.pages, None);
    add(
        "DOI",
        &view.doi,
        view.doi.as_ref().map(|d| format!("https://doi.org/{d}")),
    );
    add(
        "arXiv",
        &view.arxiv_id,
        view.arxiv_id
            .as_ref()
            .map(|a| format!("https://arxiv.org/abs/{a}")),
    );
    add("arXiv class", &view.arxiv_class, None);
    add("ISBN", &view.isbn, None);
    add("Visited", &view.urldate, None);
    if let Some(month) = view.month {
        fields.push(Field {
            name: "Month".into(),
            value: month.to_string(),
            href: None,
        });
    }
    if !view.topics.is_empty() {
        fields.push(Field {
            name: "Topics".into(),
            value: view.topics.join(", "),
            href: None,
        });
    }
    for (name, value) in &view.attributes {
        fields.push(Field {
            name: name.clone(),
            value: value.clone(),
            href: None,
        });
    }
    fields
}

/// The page of one resource.
pub fn resource_page(req: &HttpRequest, urls: &Urls, view: &ResourceView) -> ResourcePage {
    let stem = view
        .citation_key
        .clone()
        .unwrap_or_else(|| view.slug.clone());
    let download = |label: &str, format: &str, extension: &str| Download {
        label: label.to_owned(),
        href: format!("{}?format={format}", view.href),
        file_name: format!("{stem}.{extension}"),
    };
    ResourcePage {
        chrome: Chrome::new(req, urls, view.title.clone()),
        about: resource_about(view),
        url: view.url.clone().filter(|u| {
            let lower = u.to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        }),
        authors: (!view.authors.is_empty()).then(|| {
            let mut names: Vec<String> = view.authors.iter().map(|p| p.display_name()).collect();
            if view.authors_truncated {
                names.push("et al.".into());
            }
            names.join(", ")
        }),
        description: view.description.as_deref().map(render_markdown),
        fields: resource_fields(view),
        concepts: grouped(&view.concepts),
        resources: grouped(&view.resources),
        citation: citation(view),
        citation_key: view.citation_key.clone(),
        downloads: vec![
            download("BibTeX", "bibtex", "bib"),
            download("CSL-JSON", "csljson", "json"),
            download("RIS", "ris", "ris"),
        ],
        provenance: view.provenance.as_ref().map(|p| {
            format!(
                "{}, line {} ({})",
                p.file,
                p.line,
                p.heading_path.join(" › ")
            )
        }),
    }
}

// --------------------------------------------------------------------------- concepts

/// `/concepts`: one page of concepts, with categories to filter by.
#[derive(Template)]
#[template(path = "concepts.html")]
pub struct ConceptsPage {
    pub chrome: Chrome,
    pub total: i64,
    pub items: Vec<Item>,
    pub categories: Vec<Choice>,
    pub paging: Paging,
}

/// The page of a concept list.
pub fn concepts_page(
    req: &HttpRequest,
    urls: &Urls,
    items: &[ConceptView],
    total: i64,
    paging: Paging,
) -> ConceptsPage {
    let categories = selected(req, "category");
    ConceptsPage {
        chrome: Chrome::new(req, urls, "Concepts"),
        total,
        items: items
            .iter()
            .map(|c| Item {
                href: c.href.clone(),
                title: c.name.clone(),
                about: c.category.map(label_of_category).unwrap_or_default(),
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| {
                let current = categories.iter().any(|s| s == c.as_str());
                choice(req, urls, "category", c.as_str(), None, current)
            })
            .collect(),
        paging,
    }
}

/// `/concepts/{slug}`: the definition, broader, narrower and related concepts, and the
/// resources by level, beginner first.
#[derive(Template)]
#[template(path = "concept.html")]
pub struct ConceptPage {
    pub chrome: Chrome,
    pub category: Option<String>,
    pub aliases: Vec<String>,
    pub note: Option<String>,
    /// HTML rendered from the definition's Markdown.
    pub definition: Option<String>,
    pub broader: Vec<Item>,
    pub narrower: Vec<Item>,
    pub related: Vec<Item>,
    /// Linked resources by level, beginner first; those without a level last.
    pub levels: Vec<Group>,
    /// The list of every linked resource, when this page shows only the first ones.
    pub more: Option<String>,
}

/// The page of one concept; `resources` are its linked resources (as listed by topic),
/// `total` how many there are.
pub fn concept_page(
    req: &HttpRequest,
    urls: &Urls,
    view: &ConceptView,
    resources: &[ResourceView],
    total: i64,
) -> ConceptPage {
    let concepts = |wanted: &str| -> Vec<Item> {
        view.concepts
            .iter()
            .filter(|l| relation_label(l.relation, l.direction) == wanted)
            .map(|l| Item {
                href: l.href.clone(),
                title: l.title.clone(),
                about: l.category.map(label_of_category).unwrap_or_default(),
            })
            .collect()
    };
    let mut levels: Vec<Group> = Level::ALL
        .iter()
        .map(|level| Group {
            label: capitalised(level.as_str()),
            items: resources
                .iter()
                .filter(|r| r.level == Some(*level))
                .map(resource_item)
                .collect(),
        })
        .collect();
    levels.push(Group {
        label: "Level not given".into(),
        items: resources
            .iter()
            .filter(|r| r.level.is_none())
            .map(resource_item)
            .collect(),
    });
    levels.retain(|g| !g.items.is_empty());
    let more = (total > resources.len() as i64).then(|| {
        url_of(
            urls,
            "/resources",
            &[("topic".to_owned(), view.slug.clone())],
        )
    });
    ConceptPage {
        chrome: Chrome::new(req, urls, view.name.clone()),
        category: view.category.map(label_of_category),
        aliases: view.aliases.clone(),
        note: view.note.clone(),
        definition: view.definition.as_deref().map(render_markdown),
        broader: concepts("Broader"),
        narrower: concepts("Narrower"),
        related: concepts("Related"),
        levels,
        more,
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

// ----------------------------------------------------------------------------- search

/// A piece of a snippet: text, marked when it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

/// Reads a snippet (escaped text with `<mark>…</mark>`) back into plain pieces, so the
/// page escapes the text itself and `<mark>` is the only markup that reaches it.
fn pieces(snippet: &str) -> Vec<Piece> {
    let unescape = |text: &str| {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    };
    let mut out = Vec::new();
    let mut rest = snippet;
    while !rest.is_empty() {
        let (before, marked, after) = match rest.split_once("<mark>") {
            Some((before, tail)) => match tail.split_once("</mark>") {
                Some((marked, after)) => (before, Some(marked), after),
                None => (before, Some(tail), ""),
            },
            None => (rest, None, ""),
        };
        if !before.is_empty() {
            out.push(Piece {
                text: unescape(before),
                marked: false,
            });
        }
        if let Some(marked) = marked.filter(|m| !m.is_empty()) {
            out.push(Piece {
                text: unescape(marked),
                marked: true,
            });
        }
        rest = after;
    }
    out
}

/// One match on the search page.
#[derive(Debug, Clone)]
pub struct Hit {
    pub href: String,
    pub title: String,
    pub kind: String,
    pub url: Option<String>,
    pub snippet: Vec<Piece>,
}

/// One facet: its values as links that narrow the search.
#[derive(Debug, Clone)]
pub struct Facet {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// `/search`: matches with highlighted snippets, facets as links, and paging.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub total: u64,
    /// "1–20 of 42"
    pub range: String,
    pub hits: Vec<Hit>,
    pub facets: Vec<Facet>,
    pub paging: Paging,
}

/// The page of search results; `offset` is the first match's position.
pub fn search_page(
    req: &HttpRequest,
    urls: &Urls,
    q: &str,
    view: &ResultsPage,
    offset: usize,
    paging: Paging,
) -> SearchPage {
    let mut chrome = Chrome::new(req, urls, format!("Search: {q}"));
    chrome.q = q.to_owned();
    let facets = view
        .facets
        .iter()
        .filter(|(_, counts)| !counts.is_empty())
        .map(|(field, counts)| {
            let current = selected(req, field);
            Facet {
                label: capitalised(field),
                choices: counts
                    .iter()
                    .map(|(value, n)| {
                        let is_current = current.iter().any(|c| c == &value.to_lowercase());
                        choice(req, urls, field, value, Some(*n as i64), is_current)
                    })
                    .collect(),
            }
        })
        .collect();
    let shown = view.hits.len();
    SearchPage {
        chrome,
        total: view.total,
        range: if shown == 0 {
            String::new()
        } else {
            format!("{}–{} of {}", offset + 1, offset + shown, view.total)
        },
        hits: view
            .hits
            .iter()
            .map(|hit| Hit {
                href: hit.href.clone(),
                title: hit.title.clone(),
                kind: match hit.entity_type {
                    EntityType::Resource => "resource".into(),
                    EntityType::Concept => "concept".into(),
                },
                url: hit.url.clone().filter(|u| {
                    let lower = u.to_ascii_lowercase();
                    lower.starts_with("http://") || lower.starts_with("https://")
                }),
                snippet: pieces(&hit.snippet),
            })
            .collect(),
        facets,
        paging,
    }
}

// ------------------------------------------------------------------------------ error

/// Any error, for people: the problem's title and detail.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub detail: String,
}

/// The page of a problem.
pub fn error_page(req: &HttpRequest, urls: &Urls, problem: &Problem) -> ErrorPage {
    ErrorPage {
        chrome: Chrome::new(req, urls, problem.title.clone()),
        status: problem.status,
        detail: problem.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_come_apart_into_marked_and_plain_text() {
        let parts = pieces("a &lt;b&gt; <mark>Grokking</mark> &amp; c");
        assert_eq!(
            parts,
            [
                Piece {
                    text: "a <b> ".into(),
                    marked: false
                },
                Piece {
                    text: "Grokking".into(),
                    marked: true
                },
                Piece {
                    text: " & c".into(),
                    marked: false
                },
            ]
        );
    }

    #[test]
    fn links_read_from_the_end_that_shows_them() {
        assert_eq!(
            relation_label(Relation::Broader, Direction::Outgoing),
            "Broader"
        );
        assert_eq!(
            relation_label(Relation::Broader, Direction::Incoming),
            "Narrower"
        );
        assert_eq!(
            relation_label(Relation::IntroducedIn, Direction::Incoming),
            "Introduces"
        );
    }
}
