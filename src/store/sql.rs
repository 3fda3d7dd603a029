//! A small builder for statements with a variable number of parameters (`IN (...)`
//! lists, optional filters).
//!
//! sqlx's `QueryBuilder<Any>` writes `?` placeholders, which PostgreSQL rejects; this one
//! writes `$1, $2, ...`, which both SQLite and PostgreSQL accept. Values are always bound,
//! never spliced into the text.

use sqlx::any::AnyArguments;
use sqlx::{AssertSqlSafe, FromRow};

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(i64),
    Text(String),
    /// A NULL of integer type (PostgreSQL checks parameter types even for NULL).
    NullInt,
    /// A NULL of text type.
    NullText,
}

impl Value {
    /// Text, or a text-typed NULL.
    pub(crate) fn opt_text(value: Option<impl Into<String>>) -> Value {
        value.map_or(Value::NullText, |v| Value::Text(v.into()))
    }

    /// An integer, or an integer-typed NULL.
    pub(crate) fn opt_int(value: Option<impl Into<i64>>) -> Value {
        value.map_or(Value::NullInt, |v| Value::Int(v.into()))
    }
}

/// SQL text with `$n` placeholders and the values for them, in order.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
    /// Placeholders are `?` rather than `$n` (SQLite only).
    anonymous: bool,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
            anonymous: false,
        }
    }

    /// Writes the placeholders of later values as `?`, which SQLite binds in order,
    /// instead of `$n`, which it looks up by name, one parameter after another: a
    /// statement of many rows binds in time linear in its values, not quadratic.
    /// PostgreSQL accepts only `$n`.
    pub(crate) fn anonymous_placeholders(&mut self) -> &mut Self {
        self.anonymous = true;
        self
    }

    /// Appends literal SQL (never user input).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.values.len().to_string());
        }
        self
    }

    /// Appends `$a, $b, ...` for each value (the caller writes the parentheses).
    pub(crate) fn bind_list(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value);
        }
        self
    }

    /// The text and the values, as one string: equal for statements that answer alike.
    pub(crate) fn cache_key(&self) -> String {
        format!("{}\u{0}{:?}", self.text, self.values)
    }

    fn arguments(self) -> (String, AnyArguments) {
        use sqlx::Arguments;
        let mut args = AnyArguments::default();
        for value in self.values {
            // Adding an i64 or a String to AnyArguments cannot fail.
            let _ = match value {
                Value::Int(i) => args.add(i),
                Value::Text(s) => args.add(s),
                Value::NullInt => args.add(Option::<i64>::None),
                Value::NullText => args.add(Option::<String>::None),
            };
        }
        (self.text, args)
    }

    /// Runs the statement and maps every row.
    pub(crate) async fn fetch_all<'e, T, E>(self, executor: E) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let (text, args) = self.arguments();
        sqlx::query_as_with::<_, T, _>(AssertSqlSafe(text), args)
            .fetch_all(executor)
            .await
    }

    /// Runs a statement for its effect; returns the number of rows it touched.
    pub(crate) async fn execute<'e, E>(self, executor: E) -> Result<u64, sqlx::Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let (text, args) = self.arguments();
        Ok(sqlx::query_with(AssertSqlSafe(text), args)
            .execute(executor)
            .await?
            .rows_affected())
    }

    /// Runs a statement that returns one number (a `COUNT(*)`).
    pub(crate) async fn fetch_count<'e, E>(self, executor: E) -> Result<i64, sqlx::Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let (text, args) = self.arguments();
        sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(text), args)
            .fetch_one(executor)
            .await
    }
}
