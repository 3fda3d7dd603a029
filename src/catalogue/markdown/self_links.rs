//! Links to the page's own headings written as full URLs, as a README's table of contents
//! does on GitHub: `[Counting ⬇️](https://github.com/example/pebbles#counting)`.
//!
//! A page does not know its own URL, so it is inferred: a link whose text and URL
//! fragment both name a heading of this page (compared the way GitHub makes heading
//! anchors) points at this page, and so does every other URL with a fragment on the same address (`#sorting`
//! beside `#counting`, for a heading the author renamed). Such links are not resources.

use std::collections::HashSet;

use super::blocks::{Block, Inline};

/// The reason given in the import report.
pub(super) const REASON: &str = "link to a heading of this page";

/// The addresses (URL without fragment) that this page's table-of-contents links use.
#[derive(Debug, Default)]
pub(super) struct SelfLinks {
    addresses: HashSet<String>,
}

impl SelfLinks {
    /// Reads the page's headings, then its links: one pass over each.
    pub(super) fn new(blocks: &[Block]) -> SelfLinks {
        let headings: HashSet<String> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { inline, .. } => Some(anchor(&inline.text)),
                _ => None,
            })
            .filter(|a| !a.is_empty())
            .collect();
        let mut addresses = HashSet::new();
        if headings.is_empty() {
            return SelfLinks { addresses };
        }
        for inline in blocks.iter().flat_map(inlines) {
            for link in &inline.links {
                let Some((address, fragment)) = split_fragment(&link.url) else {
                    continue;
                };
                let target = anchor(&percent_decoded(fragment));
                if headings.contains(&target) && anchor(&link.text) == target {
                    addresses.insert(address.to_owned());
                }
            }
        }
        SelfLinks { addresses }
    }

    /// Why `url` is not a resource, when it points at a heading of this page.
    pub(super) fn reason(&self, url: &str) -> Option<&'static str> {
        let (address, _) = split_fragment(url)?;
        self.addresses.contains(address).then_some(REASON)
    }
}

/// The inline parts of a block that can hold links.
fn inlines(block: &Block) -> Vec<&Inline> {
    match block {
        Block::Heading { inline, .. } | Block::Paragraph(inline) | Block::Item { inline, .. } => {
            vec![inline]
        }
        Block::Table(table) => table
            .header_cells
            .iter()
            .chain(table.rows.iter().flat_map(|r| r.cells.iter()))
            .collect(),
        _ => Vec::new(),
    }
}

/// (address, fragment) of an absolute URL with a non-empty fragment.
fn split_fragment(url: &str) -> Option<(&str, &str)> {
    let (address, fragment) = url.trim().split_once('#')?;
    (address.contains("://") && !fragment.is_empty()).then_some((address, fragment))
}

fn percent_decoded(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

/// A heading anchor compared loosely: lower case, letters and digits, every other run of
/// characters one `-`, none at the ends (GitHub keeps the hyphens that emoji leave; this
/// drops them on both sides of the comparison).
fn anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::blocks::{LineIndex, read_blocks};
    use super::*;

    fn self_links(page: &str) -> SelfLinks {
        SelfLinks::new(&read_blocks(page, &LineIndex::new(page)))
    }

    #[test]
    fn links_to_the_page_headings_and_their_address_are_self_links() {
        let links = self_links(
            "# Pebble list\n\n[Counting](https://github.com/example/pebbles#counting) [Sorting](https://github.com/example/pebbles#sorting)\n\n## 🎉 Counting!\n",
        );
        assert_eq!(
            links.reason("https://github.com/example/pebbles#counting"),
            Some(REASON)
        );
        assert_eq!(
            links.reason("https://github.com/example/pebbles#sorting"),
            Some(REASON)
        );
        // The repository itself, and other pages, are resources.
        assert_eq!(links.reason("https://github.com/example/pebbles"), None);
        assert_eq!(links.reason("https://example.org/other#counting"), None);
    }

    #[test]
    fn fragments_that_name_no_heading_or_not_the_link_text_are_other_pages() {
        let links = self_links(
            "# List\n\n- [Docs](https://example.org/docs#install)\n- [How to set up Foo](https://example.org/foo#usage)\n\n## Usage\n",
        );
        assert_eq!(links.reason("https://example.org/docs#install"), None);
        assert_eq!(links.reason("https://example.org/foo#usage"), None);
    }

    #[test]
    fn anchors_compare_as_github_writes_them() {
        assert_eq!(anchor("1.1 Basics (intro)"), "1-1-basics-intro");
        assert_eq!(anchor("🎉 Courses 🎈"), "courses");
        assert_eq!(anchor(&percent_decoded("caf%C3%A9-list")), "café-list");
    }
}
