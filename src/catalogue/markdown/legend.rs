//! Tables that list no works: a colour legend (`| Colour | Meaning |`), a key to symbols.
//! A reader does not take their rows for resources: no row links anywhere, and no column
//! names what a work has (title, name, link, paper, model, authors, year, level, kind).

use super::blocks::Table;
use super::table::{Column, Layout};

/// The reason each row of such a table is skipped with.
pub(super) const REASON: &str = "the table lists no works (no links, and no title, paper, model, link, author, year, level or kind column)";

/// Whether `table`, read with `layout`, lists no works.
pub(super) fn lists_no_works(layout: &Layout, table: &Table) -> bool {
    let names_works = layout.columns.iter().any(|c| {
        matches!(
            c,
            Column::Title
                | Column::TitleOfKind(_)
                | Column::Link
                | Column::Paper
                | Column::Model
                | Column::Authors
                | Column::Year
                | Column::Level
                | Column::Kind
        )
    });
    let links = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .any(|cell| !cell.links.is_empty());
    !names_works && !links && !table.rows.is_empty()
}

#[cfg(test)]
mod tests {
    use super::super::blocks::{Block, LineIndex, read_blocks};
    use super::*;

    fn table(page: &str) -> (Layout, Table) {
        match read_blocks(page, &LineIndex::new(page)).remove(0) {
            Block::Table(table) => (Layout::new(&table.header), table),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_colour_legend_lists_no_works() {
        let (layout, t) = table("| Colour | Meaning |\n|---|---|\n| 🟢 | easy |\n| 🔴 | hard |\n");
        assert!(lists_no_works(&layout, &t));
    }

    #[test]
    fn tables_with_titles_or_links_list_works() {
        let (layout, t) = table("| Course | Meaning |\n|---|---|\n| Tensors | easy |\n");
        assert!(!lists_no_works(&layout, &t));
        let (layout, t) = table("| What | Where |\n|---|---|\n| Tensors | https://example.org |\n");
        assert!(!lists_no_works(&layout, &t));
    }
}
