//! The catalogue at a glance: how many resources and concepts, per level, kind and
//! category (the landing page and `GET /`).

use super::{Result, Service};
use crate::domain::{Category, Level, ResourceKind};
use crate::store::Counts;

/// Counts over the whole catalogue. Each list follows its vocabulary's order and leaves
/// out values no record has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub resources: i64,
    pub concepts: i64,
    pub levels: Vec<(Level, i64)>,
    pub kinds: Vec<(ResourceKind, i64)>,
    pub categories: Vec<(Category, i64)>,
}

/// The counts of the values of one vocabulary, in its order; stored values outside it
/// (none, as writes parse them) are left out.
fn in_order<T: Copy + PartialEq>(
    all: &[T],
    counts: &Counts,
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<(T, i64)> {
    let parsed: Vec<(T, i64)> = counts
        .iter()
        .filter_map(|(value, n)| Some((parse(value.as_deref()?)?, *n)))
        .collect();
    all.iter()
        .filter_map(|term| {
            let n: i64 = parsed
                .iter()
                .filter(|(t, _)| t == term)
                .map(|(_, n)| n)
                .sum();
            (n > 0).then_some((*term, n))
        })
        .collect()
}

impl Service {
    /// The catalogue's counts.
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub async fn overview(&self) -> Result<Overview> {
        let store = self.store();
        let levels = store.resources_by_level().await?;
        let kinds = store.resources_by_kind().await?;
        let categories = store.concepts_by_category().await?;
        Ok(Overview {
            resources: kinds.iter().map(|(_, n)| n).sum(),
            concepts: categories.iter().map(|(_, n)| n).sum(),
            levels: in_order(Level::ALL, &levels, |v| Level::parse(v).ok()),
            kinds: in_order(ResourceKind::ALL, &kinds, |v| ResourceKind::parse(v).ok()),
            categories: in_order(Category::ALL, &categories, |v| Category::parse(v).ok()),
        })
    }

    /// The last change-log `seq` of the store (0 for an empty log).
    ///
    /// # Errors
    /// [`super::ServiceError::Store`].
    pub async fn last_change_seq(&self) -> Result<i64> {
        Ok(self.store().last_change_seq().await?)
    }
}
