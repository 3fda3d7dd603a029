//! Formatted citations: bibliography entries as a style (APA, Chicago author-date, IEEE,
//! ...) sets them, in plain text or HTML, as reference managers offer them.
//!
//! Entries are rendered from the CSL-JSON items of [`super::csl`] by a CSL 1.0.2
//! processor (hayagriva) with the styles and locales it carries (nothing is fetched at run
//! time). The entries keep the order they are given in (the style's own bibliography
//! sort is not applied), so that a formatted bibliography lists what the other formats
//! list, in the same order; numeric styles number them in that order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use hayagriva::archive::{ArchivedStyle, locales};
use hayagriva::citationberg::json::Item;
use hayagriva::citationberg::{
    Display, FontStyle, FontVariant, FontWeight, IndependentStyle, Locale, Style, TextDecoration,
    VerticalAlign,
};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild, ElemChildren,
};

use super::csl::CslItem;

/// A citation style, by the name it has in the CSL style repository (and in Zotero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CitationStyle {
    /// American Psychological Association, 7th edition (author-date).
    Apa,
    /// Chicago Manual of Style, author-date.
    ChicagoAuthorDate,
    /// Chicago Manual of Style, notes and bibliography.
    ChicagoNotes,
    /// Harvard, as "Cite Them Right" sets it (author-date).
    HarvardCiteThemRight,
    /// Institute of Electrical and Electronics Engineers (numeric).
    Ieee,
    /// Modern Language Association (author-page).
    ModernLanguageAssociation,
    /// Nature (numeric).
    Nature,
}

impl CitationStyle {
    /// Every style, in the order of [`CitationStyle::NAMES`].
    pub const ALL: [CitationStyle; 7] = [
        CitationStyle::Apa,
        CitationStyle::ChicagoAuthorDate,
        CitationStyle::ChicagoNotes,
        CitationStyle::HarvardCiteThemRight,
        CitationStyle::Ieee,
        CitationStyle::ModernLanguageAssociation,
        CitationStyle::Nature,
    ];

    /// The names the `style` parameter accepts, one per style.
    pub const NAMES: [&'static str; 7] = [
        "apa",
        "chicago-author-date",
        "chicago-notes",
        "harvard-cite-them-right",
        "ieee",
        "modern-language-association",
        "nature",
    ];

    /// The style a name (exactly one of [`CitationStyle::NAMES`]) names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|known| *known == name)
            .map(|i| Self::ALL[i])
    }

    /// The style's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn archived(self) -> ArchivedStyle {
        match self {
            CitationStyle::Apa => ArchivedStyle::AmericanPsychologicalAssociation,
            CitationStyle::ChicagoAuthorDate => ArchivedStyle::ChicagoAuthorDate,
            CitationStyle::ChicagoNotes => ArchivedStyle::ChicagoNotes,
            CitationStyle::HarvardCiteThemRight => ArchivedStyle::HarvardCiteThemRight,
            CitationStyle::Ieee => ArchivedStyle::InstituteOfElectricalAndElectronicsEngineers,
            CitationStyle::ModernLanguageAssociation => ArchivedStyle::ModernLanguageAssociation,
            CitationStyle::Nature => ArchivedStyle::Nature,
        }
    }

    /// The style, decoded once, without its bibliography sort; `None` if the archive
    /// holds a dependent style under this name (none of ours is).
    fn independent(self) -> Option<&'static IndependentStyle> {
        static STYLES: [OnceLock<Option<IndependentStyle>>; 7] = [const { OnceLock::new() }; 7];
        STYLES[self as usize]
            .get_or_init(|| match self.archived().get() {
                Style::Independent(mut style) => {
                    if let Some(bibliography) = style.bibliography.as_mut() {
                        bibliography.sort = None;
                    }
                    Some(style)
                }
                Style::Dependent(_) => None,
            })
            .as_ref()
    }
}

/// The markup of formatted entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Markup {
    /// Plain text, one entry per line; italics and the like are lost.
    Text,
    /// HTML: a `<div class="csl-bib-body">` of `<div class="csl-entry">` elements, text
    /// escaped, italics as `<i>`, bold as `<b>`, links as `<a href>`.
    Html,
}

impl Markup {
    /// What opens a document of formatted entries.
    pub fn opening(self) -> &'static str {
        match self {
            Markup::Text => "",
            Markup::Html => "<div class=\"csl-bib-body\">\n",
        }
    }

    /// What closes a document of formatted entries.
    pub fn closing(self) -> &'static str {
        match self {
            Markup::Text => "",
            Markup::Html => "</div>\n",
        }
    }
}

/// The locales of the archive, decoded once.
fn locale_files() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(locales)
}

/// `items` as bibliography entries in `style`, in the given order, each on its own
/// line (text) or in its own `<div class="csl-entry">` (HTML), without the document's
/// [`Markup::opening`] and [`Markup::closing`]. `numbered_before` is how many entries came
/// before these in the same bibliography, so that numeric styles go on counting (the
/// first of `items` is number `numbered_before + 1`).
///
/// An item the processor cannot read or render is written as its title alone, so no
/// entry is ever left out.
pub fn render(
    items: &[CslItem],
    style: CitationStyle,
    markup: Markup,
    numbered_before: usize,
) -> String {
    let entries: Vec<Option<Item>> = items
        .iter()
        .map(|item| {
            serde_json::to_value(item)
                .ok()
                .and_then(|value| serde_json::from_value(value).ok())
        })
        .collect();
    let readable: Vec<&Item> = entries.iter().flatten().collect();
    // The processor is a large body of code whose failures on unusual data should
    // cost one document's formatting, not the worker.
    let rendered = style.independent().and_then(|csl| {
        catch_unwind(AssertUnwindSafe(|| {
            render_entries(&readable, csl, markup, numbered_before)
        }))
        .ok()
    });
    let mut rendered = rendered.unwrap_or_default().into_iter();
    let mut out = String::new();
    for (item, entry) in items.iter().zip(&entries) {
        let line = match entry {
            Some(_) => rendered.next(),
            None => None,
        }
        .unwrap_or_else(|| escaped(&item.title, markup));
        match markup {
            Markup::Text => {
                out.push_str(&line);
                out.push('\n');
            }
            Markup::Html => {
                out.push_str("  <div class=\"csl-entry\">");
                out.push_str(&line);
                out.push_str("</div>\n");
            }
        }
    }
    out
}

/// The entries of `items` in `style`, one string each, in order (an empty list when the
/// style has no bibliography).
fn render_entries(
    items: &[&Item],
    style: &IndependentStyle,
    markup: Markup,
    numbered_before: usize,
) -> Vec<String> {
    let locales = locale_files();
    let mut driver = BibliographyDriver::new().with_citation_number_offset(numbered_before);
    for item in items {
        driver.citation(CitationRequest::from_items(
            vec![CitationItem::with_entry(*item)],
            style,
            locales,
        ));
    }
    let rendered = driver.finish(BibliographyRequest::new(style, None, locales));
    let Some(bibliography) = rendered.bibliography else {
        return Vec::new();
    };
    bibliography
        .items
        .iter()
        .map(|entry| {
            let mut line = String::new();
            if let Some(first) = &entry.first_field {
                write_child(&mut line, first, markup);
                line.push(' ');
            }
            write_children(&mut line, &entry.content, markup);
            // Blocks become line breaks in text; one entry stays one line.
            let words: Vec<&str> = line.split_whitespace().collect();
            words.join(" ")
        })
        .collect()
}

fn write_children(out: &mut String, children: &ElemChildren, markup: Markup) {
    for child in &children.0 {
        write_child(out, child, markup);
    }
}

fn write_child(out: &mut String, child: &ElemChild, markup: Markup) {
    match child {
        ElemChild::Text(text) => formatted(out, &text.text, &text.formatting, markup),
        ElemChild::Elem(elem) => match (elem.display, markup) {
            (None, _) => write_children(out, &elem.children, markup),
            // A displayed part (a block, IEEE's number in the margin) is set apart by a
            // space in text, and is a `div` of citeproc-js's class in HTML.
            (Some(_), Markup::Text) => {
                out.push(' ');
                write_children(out, &elem.children, markup);
                out.push(' ');
            }
            (Some(display), Markup::Html) => {
                let class = match display {
                    Display::Block => "csl-block",
                    Display::LeftMargin => "csl-left-margin",
                    Display::RightInline => "csl-right-inline",
                    Display::Indent => "csl-indent",
                };
                out.push_str("<div class=\"");
                out.push_str(class);
                out.push_str("\">");
                write_children(out, &elem.children, markup);
                out.push_str("</div>");
            }
        },
        ElemChild::Markup(text) => out.push_str(&escaped(text, markup)),
        ElemChild::Link { text, url } => match markup {
            Markup::Text => out.push_str(&text.text),
            Markup::Html => {
                out.push_str("<a href=\"");
                out.push_str(&escape_html(url));
                out.push_str("\">");
                formatted(out, &text.text, &text.formatting, markup);
                out.push_str("</a>");
            }
        },
        ElemChild::Transparent { .. } => {}
    }
}

/// `text` with its formatting as HTML elements (text markup ignores it).
fn formatted(out: &mut String, text: &str, formatting: &hayagriva::Formatting, markup: Markup) {
    if markup == Markup::Text {
        out.push_str(text);
        return;
    }
    let mut closing = Vec::new();
    let mut open = |out: &mut String, tag: &'static str, close: &'static str| {
        out.push_str(tag);
        closing.push(close);
    };
    if formatting.font_style == FontStyle::Italic {
        open(out, "<i>", "</i>");
    }
    if formatting.font_weight == FontWeight::Bold {
        open(out, "<b>", "</b>");
    }
    if formatting.font_variant == FontVariant::SmallCaps {
        open(out, "<span style=\"font-variant: small-caps\">", "</span>");
    }
    if formatting.text_decoration == TextDecoration::Underline {
        open(out, "<u>", "</u>");
    }
    match formatting.vertical_align {
        VerticalAlign::Sup => open(out, "<sup>", "</sup>"),
        VerticalAlign::Sub => open(out, "<sub>", "</sub>"),
        _ => {}
    }
    out.push_str(&escape_html(text));
    for close in closing.into_iter().rev() {
        out.push_str(close);
    }
}

fn escaped(text: &str, markup: Markup) -> String {
    match markup {
        Markup::Text => text.to_owned(),
        Markup::Html => escape_html(text),
    }
}

/// `text` with `&`, `<`, `>`, `"` and `'` as character references.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::csl::to_csl;
    use crate::domain::{CitationKey, Person, Resource, ResourceData, ResourceKind, Slug};

    fn item(title: &str) -> CslItem {
        let key: String = title
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_lowercase();
        let resource = Resource {
            slug: Slug::parse("x").unwrap(),
            data: ResourceData {
                kind: Some(ResourceKind::Paper),
                title: title.into(),
                authors: vec![Person::parse("Ada Lovelace").unwrap()],
                year: Some(2019),
                journal: Some("Journal of Examples".into()),
                citation_key: Some(CitationKey::parse(&key).unwrap()),
                ..ResourceData::default()
            },
            version: 1,
            created_at: "2024-05-01T00:00:00Z".into(),
            updated_at: "2024-05-01T00:00:00Z".into(),
        };
        to_csl(&resource).0
    }

    #[test]
    fn every_name_parses_to_its_style() {
        for (name, style) in CitationStyle::NAMES.iter().zip(CitationStyle::ALL) {
            assert_eq!(CitationStyle::parse(name), Some(style));
            assert_eq!(style.name(), *name);
        }
        assert_eq!(CitationStyle::parse("APA"), None);
    }

    #[test]
    fn every_style_renders_every_entry_in_the_given_order() {
        let items = [item("Zebra studies"), item("Aardvark studies")];
        for style in CitationStyle::ALL {
            let text = render(&items, style, Markup::Text, 0);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{style:?}: {text}");
            assert!(lines[0].contains("Zebra"), "{style:?}: {text}");
            assert!(lines[1].contains("Aardvark"), "{style:?}: {text}");
            // (A repeated author may be written as a dash, as MLA does.)
            assert!(
                lines[0].contains("Lovelace") && lines.iter().all(|l| l.contains("2019")),
                "{style:?} names the author and year: {text}"
            );
        }
    }

    #[test]
    fn numeric_styles_go_on_counting_after_earlier_entries() {
        let text = render(&[item("Later")], CitationStyle::Ieee, Markup::Text, 41);
        assert!(text.starts_with("[42]"), "{text}");
    }

    #[test]
    fn html_escapes_the_text_of_entries() {
        let html = render(
            &[item("Losses & <Metrics>")],
            CitationStyle::Apa,
            Markup::Html,
            0,
        );
        assert!(html.contains("Losses &amp; &lt;Metrics&gt;"), "{html}");
        assert!(!html.contains("<Metrics>"), "{html}");
    }
}
