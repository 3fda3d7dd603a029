//! MyST `{cite}` roles in table rows: a row that cites one work is that work (a survey
//! table whose `Reference` column cites the `.bib` entry), so the row takes the entry's
//! citation key and merges with it on import instead of becoming a second record.

use super::Page;
use super::blocks::{Inline, Row};
use crate::catalogue::{DraftRef, ItemKind, ReportLine};
use crate::domain::CitationKey;

/// A cell that holds `{cite}` roles and nothing else.
pub(super) fn only_cites(cell: &Inline) -> bool {
    !cell.cites.is_empty()
        && cell.links.is_empty()
        && !cell.prose.chars().any(char::is_alphanumeric)
}

impl Page<'_> {
    /// Reads the `{cite}` roles of a row that became `resource`: a single cited key is the
    /// row's own citation key; several keys are reported, not linked.
    pub(super) fn row_cites(&mut self, resource: usize, row: &Row) {
        let cites: Vec<_> = row.cells.iter().flat_map(|c| c.cites.iter()).collect();
        let mut keys: Vec<&str> = Vec::new();
        for cite in &cites {
            for key in &cite.keys {
                if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    keys.push(key);
                }
            }
        }
        let target = DraftRef::Resource(resource);
        let own = match keys.as_slice() {
            [key] => CitationKey::parse(key).ok(),
            _ => None,
        };
        let data = &mut self.resources[resource].data;
        let taken = own.is_some() && data.citation_key.is_none();
        if taken {
            data.citation_key = own;
        }
        for cite in cites {
            let text = cite.keys.join(", ");
            self.report.push(if taken {
                ReportLine::parsed(cite.line, ItemKind::Citation, text, target)
            } else {
                ReportLine::skipped(
                    cite.line,
                    ItemKind::Citation,
                    text,
                    format!(
                        "{{{}}} role in a row that cites several works or has a key: not the row's own key",
                        cite.role
                    ),
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_row_citing_one_work_takes_its_key_and_keeps_no_cite_attribute() {
        let c = super::super::parse(
            "page.md",
            "# S\n\n| Title | Reference |\n|---|---|\n| A survey | {cite}`sample2019survey` |\n| Two | {cite}`a,b` |\n"
                .as_bytes(),
        );
        let one = &c.resources[0].data;
        assert_eq!(
            one.citation_key.as_ref().map(|k| k.as_str()),
            Some("sample2019survey")
        );
        assert!(
            one.attributes.values().all(|v| !v.contains("cite")),
            "{one:?}"
        );
        assert!(c.resources[1].data.citation_key.is_none());
    }
}
