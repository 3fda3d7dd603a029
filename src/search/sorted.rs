//! Searches sorted by a record field instead of relevance: the page of matches in the
//! order of `title_sort`, `year`, `created` or `updated` (FAST columns), ties broken by
//! record type (`concept` before `resource`) and id, in the same direction, so the order
//! is total and pages do not overlap.
//!
//! Each segment keeps its best `offset + limit` matches (titles by term ordinal, which
//! orders them within the segment); the merge compares titles as text. A match without
//! the field sorts as the smallest value (a record without a year is older than any).

use std::cmp::Ordering;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use crate::domain::{Sort, SortKey};

/// What a match sorts by: a number, or a title (an ordinal within its segment until the
/// merge turns it into text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Primary {
    Number(i64),
    /// `None`: no title sort key (sorts first).
    Ordinal(Option<u64>),
    Text(String),
}

/// A match with what it sorts by.
#[derive(Debug, Clone)]
pub(crate) struct Ranked {
    primary: Primary,
    /// 0 for concepts, 1 for resources (their type names in alphabetical order).
    type_rank: u8,
    id: u64,
    score: Score,
    address: DocAddress,
}

impl Ranked {
    fn cmp_ascending(&self, other: &Ranked) -> Ordering {
        self.primary
            .cmp(&other.primary)
            .then(self.type_rank.cmp(&other.type_rank))
            .then(self.id.cmp(&other.id))
    }
}

fn order(descending: bool) -> impl Fn(&Ranked, &Ranked) -> Ordering {
    move |a, b| {
        let ascending = a.cmp_ascending(b);
        if descending {
            ascending.reverse()
        } else {
            ascending
        }
    }
}

/// Keeps the first `keep` of `ranked` in order, once it holds twice as many (amortised
/// `O(n log keep)`).
fn prune(ranked: &mut Vec<Ranked>, keep: usize, descending: bool, force: bool) {
    if force || ranked.len() >= 2 * keep.max(1) {
        ranked.sort_unstable_by(order(descending));
        ranked.truncate(keep);
    }
}

/// The matches at `offset..offset + limit` in `sort` order, with their scores.
pub(crate) struct SortedTop {
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

impl SortedTop {
    fn column(&self) -> &'static str {
        match self.sort.key {
            SortKey::Year => "year",
            SortKey::CreatedAt => "created",
            SortKey::UpdatedAt => "updated",
            SortKey::Title | SortKey::Relevance => "title_sort",
        }
    }
}

enum Key {
    Number(Option<Column<i64>>),
    Title(Option<StrColumn>),
}

/// One segment's part of a [`SortedTop`].
pub(crate) struct SegmentSortedTop {
    segment: u32,
    key: Key,
    types: Option<StrColumn>,
    /// For each `type` ordinal of the segment, its rank.
    type_ranks: Vec<u8>,
    ids: Column<u64>,
    keep: usize,
    descending: bool,
    ranked: Vec<Ranked>,
}

impl Collector for SortedTop {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentSortedTop;

    fn for_segment(
        &self,
        segment_local_id: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentSortedTop> {
        let fast = segment.fast_fields();
        let key = match self.sort.key {
            SortKey::Title | SortKey::Relevance => Key::Title(fast.str(self.column())?),
            _ => Key::Number(fast.i64(self.column()).ok()),
        };
        let types = fast.str("type")?;
        let mut type_ranks = Vec::new();
        if let Some(column) = &types {
            let mut name = String::new();
            for ord in 0..column.num_terms() as u64 {
                name.clear();
                column.ord_to_str(ord, &mut name)?;
                type_ranks.push(u8::from(name != "concept"));
            }
        }
        Ok(SegmentSortedTop {
            segment: segment_local_id,
            key,
            types,
            type_ranks,
            ids: fast.u64("id")?,
            keep: self.offset + self.limit,
            descending: self.sort.descending,
            ranked: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Ranked>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().collect();
        all.sort_by(order(self.sort.descending));
        Ok(all
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|r| (r.score, r.address))
            .collect())
    }
}

impl SegmentCollector for SegmentSortedTop {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.keep == 0 {
            return;
        }
        let primary = match &self.key {
            Key::Number(column) => Primary::Number(
                column
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .unwrap_or(crate::domain::NO_YEAR),
            ),
            Key::Title(column) => {
                Primary::Ordinal(column.as_ref().and_then(|c| c.term_ords(doc).next()))
            }
        };
        let type_rank = self
            .types
            .as_ref()
            .and_then(|c| c.term_ords(doc).next())
            .and_then(|ord| self.type_ranks.get(usize::try_from(ord).ok()?).copied())
            .unwrap_or(1);
        self.ranked.push(Ranked {
            primary,
            type_rank,
            id: self.ids.first(doc).unwrap_or(0),
            score,
            address: DocAddress::new(self.segment, doc),
        });
        prune(&mut self.ranked, self.keep, self.descending, false);
    }

    fn harvest(mut self) -> Vec<Ranked> {
        prune(&mut self.ranked, self.keep, self.descending, true);
        if let Key::Title(Some(column)) = &self.key {
            let mut text = String::new();
            for ranked in &mut self.ranked {
                if let Primary::Ordinal(ord) = ranked.primary {
                    text.clear();
                    if let Some(ord) = ord {
                        let _ = column.ord_to_str(ord, &mut text);
                    }
                    ranked.primary = Primary::Text(text.clone());
                }
            }
        } else if let Key::Title(None) = &self.key {
            for ranked in &mut self.ranked {
                ranked.primary = Primary::Text(String::new());
            }
        }
        self.ranked
    }
}
