//! Keyset paging over record ids.

/// Where a page starts: after or before a record id (opaque to clients; see
/// `http::paging` for the cursor encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Records with a larger id, ascending.
    After(i64),
    /// Records with a smaller id; the page still lists them ascending.
    Before(i64),
}

/// A page request: at most `limit` records from `cursor` (or from the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<Cursor>,
}

/// One page of records in id order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Records matching the filter, over all pages.
    pub total: i64,
    /// Records exist before the first item of this page.
    pub has_before: bool,
    /// Records exist after the last item of this page.
    pub has_after: bool,
}

impl PageRequest {
    /// Appends the keyset condition and order for `id_column` to a statement whose
    /// `WHERE` clause is already open (`... WHERE 1 = 1`).
    pub(crate) fn push_keyset(&self, sql: &mut super::sql::Sql, id_column: &str) {
        use super::sql::Value;
        match self.cursor {
            Some(Cursor::After(id)) => {
                sql.push(&format!(" AND {id_column} > "))
                    .bind(Value::Int(id));
                sql.push(&format!(" ORDER BY {id_column} ASC"));
            }
            Some(Cursor::Before(id)) => {
                sql.push(&format!(" AND {id_column} < "))
                    .bind(Value::Int(id));
                sql.push(&format!(" ORDER BY {id_column} DESC"));
            }
            None => {
                sql.push(&format!(" ORDER BY {id_column} ASC"));
            }
        }
        sql.push(" LIMIT ")
            .bind(Value::Int(i64::from(self.limit) + 1));
    }

    /// Turns the `limit + 1` rows fetched by [`PageRequest::push_keyset`] into a page.
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
