//! Keyset paging: a page starts after (or before) a record's place in the list's order,
//! never at an offset, so pages stay cheap however deep and stable while records come
//! and go. The place is the sort value and the record id (the tie-break).

pub use crate::domain::{Cursor, Page, PageRequest};
use crate::domain::{Position, SortValue};

use super::sql::{Sql, Value};

/// The SQL expression a list sorts by, or `None` for id (import) order.
pub(crate) type SortColumn = Option<&'static str>;

fn bind_value(sql: &mut Sql, value: &SortValue) {
    match value {
        SortValue::Text(text) => sql.bind(Value::Text(text.clone())),
        SortValue::Int(n) => sql.bind(Value::Int(*n)),
    };
}

/// The place a cursor names, compared with `(key, id)`: `>` or `<`.
fn push_place(sql: &mut Sql, id_column: &str, key: SortColumn, place: &Position, op: &str) {
    match (key, &place.value) {
        (Some(key), Some(value)) => {
            // The bound on the key alone is implied by the row comparison; SQLite needs
            // it to search an expression index (`COALESCE(year, ...)`) instead of
            // scanning it, PostgreSQL seeks with the row comparison itself.
            sql.push(&format!(" AND {key} {op}= "));
            bind_value(sql, value);
            sql.push(&format!(" AND ({key}, {id_column}) {op} ("));
            bind_value(sql, value);
            sql.push(", ").bind(Value::Int(place.id)).push(")");
        }
        _ => {
            sql.push(&format!(" AND {id_column} {op} "))
                .bind(Value::Int(place.id));
        }
    }
}

impl PageRequest {
    /// Appends the keyset condition and order to a statement whose `WHERE` clause is
    /// already open (`... WHERE 1 = 1`): in the order of `key` (ascending, or descending
    /// when `descending`), ties broken by `id_column` in the same direction; in id order
    /// when `key` is `None`. A cursor without a sort value counts from the id alone.
    pub(crate) fn push_sorted_keyset(
        &self,
        sql: &mut Sql,
        id_column: &str,
        key: SortColumn,
        descending: bool,
    ) {
        // Walking backwards from a `before` cursor reverses the order; `finish` turns
        // the page round again.
        let backwards = matches!(self.cursor, Some(Cursor::Before(_)));
        let (forward, backward) = if descending { ("<", ">") } else { (">", "<") };
        match &self.cursor {
            Some(Cursor::After(place)) => push_place(sql, id_column, key, place, forward),
            Some(Cursor::Before(place)) => push_place(sql, id_column, key, place, backward),
            None => {}
        }
        let direction = if descending != backwards {
            "DESC"
        } else {
            "ASC"
        };
        match key {
            Some(key) => sql.push(&format!(
                " ORDER BY {key} {direction}, {id_column} {direction}"
            )),
            None => sql.push(&format!(" ORDER BY {id_column} {direction}")),
        };
        sql.push(" LIMIT ")
            .bind(Value::Int(i64::from(self.limit) + 1));
    }

    /// Turns the `limit + 1` rows fetched by [`PageRequest::push_sorted_keyset`] into a
    /// page.
    pub(crate) fn finish<T>(&self, mut rows: Vec<T>, total: i64) -> Page<T> {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let (has_before, has_after) = match self.cursor {
            None => (false, more),
            Some(Cursor::After(_)) => (true, more),
            Some(Cursor::Before(_)) => {
                rows.reverse();
                (more, true)
            }
        };
        Page {
            items: rows,
            total,
            has_before,
            has_after,
        }
    }
}
