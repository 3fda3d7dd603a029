//! Glossary bullets: `* **Pebble stores**: Stores (like [Rock DB](url), [Stone DB](url))
//! keep pebbles.` A reader sees a term, its definition in the author's words, and examples
//! linked inside the definition: the term is a concept, each link a resource titled by its
//! own text, and the definition keeps the link texts (never "Stores (like , )").

use super::blocks::{Inline, LinkRef};

/// A list item read as a glossary entry.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub term: String,
    /// The text after the term and its separator, link texts included.
    pub definition: String,
}

/// Reads `inline` as a glossary entry: a leading strong term that is not a link's text,
/// then `:` (or a dash) and a definition that holds every one of the item's `links`
/// (those that are resources) by their own, non-generic text. `generic` says whether a
/// link's text names nothing (`[pdf]`, `here`): such a link is the item's own URL, so
/// the item is a resource, not a glossary entry.
pub(super) fn parse(
    inline: &Inline,
    links: &[LinkRef],
    generic: impl Fn(&LinkRef) -> bool,
) -> Option<Entry> {
    let term = collapse(inline.strong.as_deref()?);
    if term.is_empty() || links.is_empty() {
        return None;
    }
    let text = collapse(&inline.text);
    let after = text.strip_prefix(term.as_str())?.trim_start();
    let definition = after
        .strip_prefix(':')
        .or_else(|| after.strip_prefix(['-', '–', '—']))?
        .trim();
    if !definition.chars().any(char::is_alphabetic) {
        return None;
    }
    // Each link's text, in order, inside the definition; the words around them must be a
    // definition, not only a list of link names. One pass: each search starts after the
    // previous link's text.
    let mut from = 0;
    let mut around = 0;
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
    for link in links {
        let own = collapse(&link.text);
        if own.is_empty() || generic(link) || own == term {
            return None;
        }
        let at = from + definition[from..].find(own.as_str())?;
        around += letters(&definition[from..at]);
        from = at + own.len();
    }
    around += letters(&definition[from..]);
    if around < 3 {
        return None;
    }
    Some(Entry {
        term,
        definition: definition.to_owned(),
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::blocks::{Block, LineIndex, read_blocks};
    use super::*;

    fn item(text: &str) -> Inline {
        match read_blocks(text, &LineIndex::new(text)).remove(0) {
            Block::Item { inline, .. } => inline,
            other => panic!("{other:?}"),
        }
    }

    fn generic(link: &LinkRef) -> bool {
        matches!(link.text.trim_matches(['[', ']']), "pdf" | "code" | "here")
    }

    fn entry(text: &str) -> Option<Entry> {
        let inline = item(text);
        parse(&inline, &inline.links, generic)
    }

    #[test]
    fn a_term_with_links_inside_its_definition_is_a_glossary_entry() {
        let entry = entry(
            "* **Pebble stores**: Stores (like [Rock DB](https://example.org/rock), [Stone DB](https://example.org/stone)) keep pebbles.\n",
        )
        .unwrap();
        assert_eq!(entry.term, "Pebble stores");
        assert_eq!(
            entry.definition,
            "Stores (like Rock DB, Stone DB) keep pebbles."
        );
    }

    #[test]
    fn references_and_named_links_are_not_glossary_entries() {
        // A reference: the strong span is a title, the links are its files.
        assert_eq!(
            entry(
                "- **Counting pebbles** (2015), A. Example. [[pdf]](https://example.org/p.pdf)\n"
            ),
            None
        );
        // A generic link is the item's own URL.
        assert_eq!(
            entry("- **Foo**: a library for pebbles, [here](https://example.org/foo)\n"),
            None
        );
        // The strong span is the link.
        assert_eq!(
            entry("- **[Foo](https://example.org/foo)**: a library for pebbles\n"),
            None
        );
        // Nothing but link names after the term.
        assert_eq!(
            entry("- **Tools**: [A](https://a.example), [B](https://b.example)\n"),
            None
        );
        // A link text that is not in the definition (the strong span holds it).
        assert_eq!(
            entry("- **Foo [docs](https://example.org/foo)**: a library for pebbles\n"),
            None
        );
        // No links: a term alone is left to the section's reading.
        assert_eq!(entry("- **2016** : +60 citations\n"), None);
    }

    #[test]
    fn many_links_are_read_in_one_pass() {
        let links: String = (0..20_000)
            .map(|i| format!("[Store {i}](https://example.org/{i}), "))
            .collect();
        let entry = entry(&format!("- **Stores**: like {links}and more\n")).unwrap();
        assert_eq!(entry.term, "Stores");
    }
}
