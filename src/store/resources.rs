//! Resources: reads, matching on import, inserts and updates.

use std::collections::BTreeMap;

use sqlx::FromRow;

use super::batch::rows_per_statement;
use super::querying::{push_resource_filters, resource_key_values, resource_sort};
use super::sql::{Sql, Value};
use super::{Page, PageRequest, Result, Store, StoreError, Tx, conflict_on, now};
use crate::domain::identity::{arxiv_key, doi_key};
use crate::domain::matching::{name_key, title_key, url_key};
use crate::domain::{
    CitationKey, Level, Person, Provenance, Resource, ResourceData, ResourceFilter, ResourceKind,
    Slug,
};

/// The columns every resource read selects, in [`ResourceRow`] order.
const COLUMNS: &str = "r.id, r.slug, r.kind, r.title, r.url, r.level, r.description, r.authors, \
    r.authors_truncated, r.year, r.month, r.journal, r.booktitle, r.publisher, r.institution, \
    r.volume, r.number, r.pages, r.doi, r.arxiv_id, r.arxiv_class, r.isbn, r.urldate, \
    r.citation_key, r.key_origin, r.attributes, r.enriched_from, r.source_file, r.heading_path, \
    r.source_line, r.version, r.created_at, r.updated_at";

/// How [`Tx::resource_candidates`] finds a stored resource that may be the same work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// DOI, ignoring case ([`doi_key`]).
    Doi,
    /// arXiv id without version ([`arxiv_key`]).
    Arxiv,
    /// Normalised URL ([`url_key`]).
    Url,
    /// Citation key, ignoring case (in lower case).
    CitationKey,
    /// Title key ([`title_key`]).
    Title,
}

impl Probe {
    /// The stored value the probe compares, as SQL.
    fn column(self) -> &'static str {
        match self {
            Probe::Doi => "lower(r.doi)",
            Probe::Arxiv => "r.arxiv_id",
            Probe::Url => "r.url_key",
            Probe::CitationKey => "lower(r.citation_key)",
            Probe::Title => "r.title_key",
        }
    }

    /// The value of each probe for the work `data` describes, as a statement compares
    /// them with [`Probe::column`].
    pub fn values(data: &ResourceData) -> Vec<(Probe, String)> {
        let mut probes = Vec::new();
        if let Some(doi) = data.doi.as_deref().map(doi_key).filter(|d| !d.is_empty()) {
            probes.push((Probe::Doi, doi));
        }
        if let Some(arxiv) = data
            .arxiv_id
            .as_deref()
            .map(arxiv_key)
            .filter(|a| !a.is_empty())
        {
            probes.push((Probe::Arxiv, arxiv));
        }
        if let Some(key) = data.url.as_deref().and_then(url_key) {
            probes.push((Probe::Url, key));
        }
        if let Some(key) = &data.citation_key {
            probes.push((Probe::CitationKey, key.as_str().to_lowercase()));
        }
        let title = title_key(&data.title);
        if !title.is_empty() {
            probes.push((Probe::Title, title));
        }
        probes
    }

    /// The values under which a resource stored with `data` is found, as the columns
    /// hold them (a superset where SQL's `lower` may differ from Rust's).
    pub fn stored_values(data: &ResourceData) -> Vec<(Probe, String)> {
        let mut values = Vec::new();
        if let Some(doi) = &data.doi {
            values.push((Probe::Doi, doi.to_ascii_lowercase()));
            values.push((Probe::Doi, doi.to_lowercase()));
        }
        if let Some(arxiv) = &data.arxiv_id {
            values.push((Probe::Arxiv, arxiv.clone()));
        }
        if let Some(key) = data.url.as_deref().and_then(url_key) {
            values.push((Probe::Url, key));
        }
        if let Some(key) = &data.citation_key {
            values.push((Probe::CitationKey, key.as_str().to_ascii_lowercase()));
            values.push((Probe::CitationKey, key.as_str().to_lowercase()));
        }
        values.push((Probe::Title, title_key(&data.title)));
        values.dedup();
        values
    }
}

/// A resource with what only the store knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResource {
    /// Internal id; never leaves the service.
    pub id: i64,
    pub resource: Resource,
    /// `generated` or `imported`, when the resource has a citation key.
    pub key_origin: Option<String>,
    /// The `.bib` file whose entry last set the bibliographic fields.
    pub enriched_from: Option<String>,
}

#[derive(FromRow)]
struct ResourceRow {
    id: i64,
    slug: String,
    kind: String,
    title: String,
    url: Option<String>,
    level: Option<String>,
    description: Option<String>,
    authors: String,
    authors_truncated: i64,
    year: Option<i64>,
    month: Option<i64>,
    journal: Option<String>,
    booktitle: Option<String>,
    publisher: Option<String>,
    institution: Option<String>,
    volume: Option<String>,
    number: Option<String>,
    pages: Option<String>,
    doi: Option<String>,
    arxiv_id: Option<String>,
    arxiv_class: Option<String>,
    isbn: Option<String>,
    urldate: Option<String>,
    citation_key: Option<String>,
    key_origin: Option<String>,
    attributes: String,
    enriched_from: Option<String>,
    source_file: Option<String>,
    heading_path: String,
    source_line: Option<i64>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// A row of a list page: the resource and the change-log end it was read at.
#[derive(FromRow)]
struct PagedRow {
    change_seq: i64,
    #[sqlx(flatten)]
    row: ResourceRow,
}

/// The last change-log `seq` (zero for none), as a scalar subquery.
const LAST_SEQ: &str = "(SELECT COALESCE(MAX(seq), 0) FROM changes)";

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {err}"))
}

impl TryFrom<ResourceRow> for StoredResource {
    type Error = StoreError;

    fn try_from(row: ResourceRow) -> Result<Self> {
        let slug = Slug::parse(&row.slug).map_err(|e| corrupt("resource slug", e))?;
        let kind = ResourceKind::parse(&row.kind).map_err(|e| corrupt("resource kind", e))?;
        let level = row
            .level
            .as_deref()
            .map(Level::parse)
            .transpose()
            .map_err(|e| corrupt("resource level", e))?;
        let authors: Vec<Person> =
            serde_json::from_str(&row.authors).map_err(|e| corrupt("resource authors", e))?;
        let attributes: BTreeMap<String, String> =
            serde_json::from_str(&row.attributes).map_err(|e| corrupt("resource attributes", e))?;
        let citation_key = row
            .citation_key
            .as_deref()
            .map(CitationKey::parse)
            .transpose()
            .map_err(|e| corrupt("citation key", e))?;
        let provenance = provenance(row.source_file, &row.heading_path, row.source_line)?;
        Ok(StoredResource {
            id: row.id,
            key_origin: row.key_origin,
            enriched_from: row.enriched_from,
            resource: Resource {
                slug,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
                data: ResourceData {
                    kind: Some(kind),
                    title: row.title,
                    url: row.url,
                    level,
                    description: row.description,
                    authors,
                    authors_truncated: row.authors_truncated != 0,
                    year: row.year.and_then(|y| i32::try_from(y).ok()),
                    month: row.month.and_then(|m| u8::try_from(m).ok()),
                    journal: row.journal,
                    booktitle: row.booktitle,
                    publisher: row.publisher,
                    institution: row.institution,
                    volume: row.volume,
                    number: row.number,
                    pages: row.pages,
                    doi: row.doi,
                    arxiv_id: row.arxiv_id,
                    arxiv_class: row.arxiv_class,
                    isbn: row.isbn,
                    urldate: row.urldate,
                    citation_key,
                    attributes,
                    provenance,
                },
            },
        })
    }
}

/// Reads provenance columns; shared with concepts.
pub(super) fn provenance(
    file: Option<String>,
    heading_path: &str,
    line: Option<i64>,
) -> Result<Option<Provenance>> {
    let Some(file) = file else { return Ok(None) };
    let heading_path: Vec<String> =
        serde_json::from_str(heading_path).map_err(|e| corrupt("heading path", e))?;
    let line = line.and_then(|l| u32::try_from(l).ok()).unwrap_or(0);
    Ok(Some(Provenance {
        file,
        heading_path,
        line,
    }))
}

/// Writes provenance columns as (file, heading path JSON, line); shared with concepts.
pub(super) fn provenance_values(
    provenance: Option<&Provenance>,
) -> (Option<String>, String, Option<i64>) {
    match provenance {
        Some(p) => (
            Some(p.file.clone()),
            serde_json::to_string(&p.heading_path).unwrap_or_else(|_| "[]".into()),
            Some(i64::from(p.line)),
        ),
        None => (None, "[]".into(), None),
    }
}

fn rows_to_resources(rows: Vec<ResourceRow>) -> Result<Vec<StoredResource>> {
    rows.into_iter().map(StoredResource::try_from).collect()
}

/// The ids of the concepts a `topic=` filter names, `None` without one.
type TopicIds = Option<Vec<i64>>;

fn push_filter(sql: &mut Sql, filter: &ResourceFilter, topics: &TopicIds) {
    if !filter.levels.is_empty() {
        sql.push(" AND r.level IN (")
            .bind_list(filter.levels.iter().map(|l| Value::Text(l.as_str().into())))
            .push(")");
    }
    if !filter.kinds.is_empty() {
        sql.push(" AND r.kind IN (")
            .bind_list(filter.kinds.iter().map(|k| Value::Text(k.as_str().into())))
            .push(")");
    }
    match topics {
        None => {}
        Some(ids) if ids.is_empty() => {
            sql.push(" AND 1 = 0");
        }
        Some(ids) => {
            // The resources the concepts link to, in id order from `links_source`. The
            // concepts' ids are bound, not looked up in a subquery, so that PostgreSQL's
            // statistics see how many links each has and plan a topic of 10 000 resources
            // unlike one of 10.
            sql.push(
                " AND r.id IN (SELECT l.target_id FROM links l \
                 WHERE l.source_type = 'concept' AND l.source_id IN (",
            )
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(") AND l.target_type = 'resource')");
        }
    }
    push_resource_filters(sql, filter);
}

impl Store {
    /// The ids of the concepts `filter.topics` names (by slug or name), `None` when it
    /// names none.
    async fn topic_ids(&self, filter: &ResourceFilter) -> Result<TopicIds> {
        if filter.topics.is_empty() {
            return Ok(None);
        }
        // U+0000 is in no stored text (PostgreSQL text cannot hold it): a topic holding it
        // names no concept, and is not sent to the database.
        let topics: Vec<&String> = filter.topics.iter().filter(|t| !t.contains('\0')).collect();
        if topics.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let keys: Vec<String> = topics.iter().map(|t| name_key(t)).collect();
        let mut select = Sql::new("SELECT c.id FROM concepts c WHERE c.slug IN (");
        select
            .bind_list(topics.iter().map(|t| Value::Text(t.to_lowercase())))
            .push(") OR c.name_key IN (")
            .bind_list(keys.into_iter().map(Value::Text))
            .push(") ORDER BY c.id");
        let rows: Vec<(i64,)> = select.fetch_all(&self.pool).await?;
        Ok(Some(rows.into_iter().map(|(id,)| id).collect()))
    }
}

impl Store {
    /// One page of resources matching `filter`, in the page's sort order (id, that is
    /// import, order by default).
    ///
    /// # Errors
    /// [`StoreError::Database`], or [`StoreError::Corrupt`] for an unreadable row.
    pub async fn list_resources(
        &self,
        filter: &ResourceFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredResource>> {
        let topics = self.topic_ids(filter).await?;
        // The page reads the end of the change log with its rows (one statement, one
        // snapshot), so a total counted for that state is reused without another query.
        let mut select = Sql::new(&format!(
            "SELECT {LAST_SEQ} AS change_seq, {COLUMNS} FROM resources r WHERE 1 = 1"
        ));
        push_filter(&mut select, filter, &topics);
        let (key, descending) = resource_sort(page.sort);
        page.push_sorted_keyset(&mut select, "r.id", key, descending);
        let rows: Vec<PagedRow> = select.fetch_all(&self.pool).await?;
        let seq = match rows.first() {
            Some(row) => row.change_seq,
            None => self.last_change_seq().await?,
        };
        let mut count = Sql::new("SELECT COUNT(*) FROM resources r WHERE 1 = 1");
        push_filter(&mut count, filter, &topics);
        let total = self.cached_count_at(seq, count).await?;
        let rows = rows.into_iter().map(|paged| paged.row).collect();
        Ok(page.finish(rows_to_resources(rows)?, total))
    }

    /// Every resource matching `filter`, in id order, `batch` rows per query: for exports
    /// and index rebuilds that must not hold everything in memory at once.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resources_after(
        &self,
        filter: &ResourceFilter,
        after: i64,
        batch: u32,
    ) -> Result<Vec<StoredResource>> {
        let topics = self.topic_ids(filter).await?;
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM resources r WHERE 1 = 1"));
        push_filter(&mut select, filter, &topics);
        select.push(" AND r.id > ").bind(Value::Int(after));
        select
            .push(" ORDER BY r.id ASC LIMIT ")
            .bind(Value::Int(i64::from(batch)));
        let rows: Vec<ResourceRow> = select.fetch_all(&self.pool).await?;
        rows_to_resources(rows)
    }

    /// The resource with `slug`, if any.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resource_by_slug(&self, slug: &Slug) -> Result<Option<StoredResource>> {
        let mut select = Sql::new(&format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.slug = "
        ));
        select.bind(Value::Text(slug.to_string()));
        let rows: Vec<ResourceRow> = select.fetch_all(&self.pool).await?;
        rows.into_iter()
            .next()
            .map(StoredResource::try_from)
            .transpose()
    }

    /// The resources with these ids, in id order.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resources_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredResource>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Sql::new(&format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.id IN ("
        ));
        select
            .bind_list(ids.iter().map(|&id| Value::Int(id)))
            .push(") ORDER BY r.id");
        rows_to_resources(select.fetch_all(&self.pool).await?)
    }

    /// How many resources the store holds.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn count_resources(&self) -> Result<i64> {
        Sql::new("SELECT COUNT(*) FROM resources")
            .fetch_count(&self.pool)
            .await
            .map_err(Into::into)
    }
}

impl Tx {
    /// The stored resources that may be the work `data` describes: those sharing its DOI
    /// (ignoring case), arXiv id (stored without version), normalised URL, citation key (ignoring
    /// case) or title key, in id order. Which of them is the same work is decided by
    /// [`crate::domain::identity::same_work`].
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resource_candidates(
        &mut self,
        data: &ResourceData,
    ) -> Result<Vec<StoredResource>> {
        let probes: Vec<(String, Value)> = Probe::values(data)
            .into_iter()
            .map(|(probe, value)| (format!("{} = ", probe.column()), Value::Text(value)))
            .collect();
        if probes.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM resources r WHERE "));
        for (i, (condition, value)) in probes.into_iter().enumerate() {
            if i > 0 {
                select.push(" OR ");
            }
            select.push(&condition).bind(value);
        }
        select.push(" ORDER BY r.id");
        let rows: Vec<ResourceRow> = select.fetch_all(self.conn().await?).await?;
        rows_to_resources(rows)
    }

    /// The ids of the stored resources that [`Tx::resource_candidates`] finds by `probe`
    /// for any of `values`, with the value each matched: an import reads these once for
    /// all of its rows.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn resource_ids_by_probe(
        &mut self,
        probe: Probe,
        values: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let column = probe.column();
        let mut found = Vec::new();
        for chunk in values.chunks(rows_per_statement(1)) {
            let mut sql = self.batch_sql(&format!(
                "SELECT {column}, r.id FROM resources r WHERE {column} IN ("
            ));
            sql.bind_list(chunk.iter().map(|v| Value::Text(v.clone())))
                .push(")");
            let rows: Vec<(String, i64)> = sql.fetch_all(self.conn().await?).await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// The resources with these ids, in id order, read inside the transaction.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resources_by_ids(&mut self, ids: &[i64]) -> Result<Vec<StoredResource>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(rows_per_statement(1)) {
            let mut select = self.batch_sql(&format!(
                "SELECT {COLUMNS} FROM resources r WHERE r.id IN ("
            ));
            select
                .bind_list(chunk.iter().map(|&id| Value::Int(id)))
                .push(")");
            let rows: Vec<ResourceRow> = select.fetch_all(self.conn().await?).await?;
            found.extend(rows_to_resources(rows)?);
        }
        found.sort_by_key(|r| r.id);
        Ok(found)
    }

    /// The resource with `slug`, read inside the transaction.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resource_by_slug(&mut self, slug: &Slug) -> Result<Option<StoredResource>> {
        let mut select = Sql::new(&format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.slug = "
        ));
        select.bind(Value::Text(slug.to_string()));
        let rows: Vec<ResourceRow> = select.fetch_all(self.conn().await?).await?;
        rows.into_iter()
            .next()
            .map(StoredResource::try_from)
            .transpose()
    }

    /// The resource cited as `key` (its own key or an alias, ignoring case), read inside
    /// the transaction.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resource_by_citation_key(&mut self, key: &str) -> Result<Option<StoredResource>> {
        match self.resource_id_by_citation_key(key).await? {
            Some(id) => self.resource_by_id(id).await,
            None => Ok(None),
        }
    }

    /// The resource with internal id `id`, read inside the transaction.
    ///
    /// # Errors
    /// As [`Store::list_resources`].
    pub async fn resource_by_id(&mut self, id: i64) -> Result<Option<StoredResource>> {
        let mut select = Sql::new(&format!("SELECT {COLUMNS} FROM resources r WHERE r.id = "));
        select.bind(Value::Int(id));
        let rows: Vec<ResourceRow> = select.fetch_all(self.conn().await?).await?;
        rows.into_iter()
            .next()
            .map(StoredResource::try_from)
            .transpose()
    }

    /// Deletes a resource (its links are the caller's business).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_resource(&mut self, id: i64) -> Result<()> {
        let mut sql = Sql::new("DELETE FROM resources WHERE id = ");
        sql.bind(Value::Int(id));
        sql.execute(self.conn().await?).await?;
        self.forget_source(crate::domain::EntityType::Resource, id, None)
            .await
    }

    /// The stored citation keys that start with `prefix`, ignoring case, in lower case.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn citation_keys_starting_with(&mut self, prefix: &str) -> Result<Vec<String>> {
        let prefix = prefix.to_lowercase();
        let mut sql =
            Sql::new("SELECT lower(citation_key) FROM resources WHERE lower(citation_key) ");
        match (self.backend, super::querying::prefix_end(&prefix)) {
            // A range of `resources_citation_key` (bytes order): SQLite only searches an
            // index for `LIKE` on a plain column.
            (super::Backend::Sqlite, Some(end)) if !prefix.is_empty() => sql
                .push(">= ")
                .bind(Value::Text(prefix.clone()))
                .push(" AND lower(citation_key) < ")
                .bind(Value::Text(end))
                .push(" AND lower(citation_key) LIKE "),
            // `resources_citation_key_prefix` (text_pattern_ops) serves the pattern
            // operators `~>=~` / `~<~`: unlike `LIKE $1`, they seek the index in a generic
            // plan too, which PostgreSQL uses for a statement prepared and run many times
            // (an import's), where `LIKE $1` would scan the whole table per row.
            (super::Backend::Postgres, Some(end)) if !prefix.is_empty() => sql
                .push("~>=~ ")
                .bind(Value::Text(prefix.clone()))
                .push(" AND lower(citation_key) ~<~ ")
                .bind(Value::Text(end))
                .push(" AND lower(citation_key) LIKE "),
            _ => sql.push("LIKE "),
        };
        sql.bind(Value::Text(format!("{}%", like_escape(&prefix))))
            .push(" ESCAPE '\\'");
        let mut rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
        // Aliases are keys too (a range of their primary key).
        let mut aliases =
            Sql::new("SELECT key_lower FROM citation_key_aliases WHERE key_lower >= ");
        aliases.bind(Value::Text(prefix.clone()));
        if let Some(end) = super::querying::prefix_end(&prefix) {
            aliases.push(" AND key_lower < ").bind(Value::Text(end));
        }
        let aliases: Vec<(String,)> = aliases.fetch_all(self.conn().await?).await?;
        rows.extend(
            aliases
                .into_iter()
                .filter(|(key,)| key.starts_with(&prefix)),
        );
        Ok(rows.into_iter().map(|(key,)| key).collect())
    }

    /// The stored citation keys and aliases, in lower case, that start with any of these
    /// (lower-case, non-empty) prefixes: [`Tx::citation_keys_starting_with`] for many
    /// prefixes, a range of each index per prefix, many prefixes per statement.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn citation_keys_with_prefixes(
        &mut self,
        prefixes: &[String],
    ) -> Result<Vec<String>> {
        let ranges: Vec<(&String, String)> = prefixes
            .iter()
            .filter(|p| !p.is_empty())
            .filter_map(|p| super::querying::prefix_end(p).map(|end| (p, end)))
            .collect();
        // As in `citation_keys_starting_with`: PostgreSQL's pattern operators seek the
        // `text_pattern_ops` index in a generic plan too.
        let (from, to) = match self.backend {
            super::Backend::Sqlite => (">=", "<"),
            super::Backend::Postgres => ("~>=~", "~<~"),
        };
        let mut keys = Vec::new();
        // Four values per prefix; at most a hundred prefixes, each its own index range.
        for chunk in ranges.chunks(rows_per_statement(4).min(100)) {
            let mut sql = self.batch_sql("");
            for (i, (prefix, end)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push(&format!(
                    "SELECT lower(citation_key) FROM resources WHERE lower(citation_key) {from} "
                ))
                .bind(Value::Text((*prefix).clone()))
                .push(&format!(" AND lower(citation_key) {to} "))
                .bind(Value::Text(end.clone()))
                .push(" UNION ALL SELECT key_lower FROM citation_key_aliases WHERE key_lower >= ")
                .bind(Value::Text((*prefix).clone()))
                .push(" AND key_lower < ")
                .bind(Value::Text(end.clone()));
            }
            let rows: Vec<(String,)> = sql.fetch_all(self.conn().await?).await?;
            keys.extend(rows.into_iter().map(|(key,)| key));
        }
        Ok(keys)
    }

    /// The id of the resource cited as `key` (ignoring case; its own key or an alias), if
    /// any.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn resource_id_by_citation_key(&mut self, key: &str) -> Result<Option<i64>> {
        let lower = key.to_lowercase();
        let mut sql = Sql::new("SELECT id FROM resources WHERE lower(citation_key) = ");
        sql.bind(Value::Text(lower.clone()))
            .push(" UNION ALL SELECT resource_id FROM citation_key_aliases WHERE key_lower = ")
            .bind(Value::Text(lower));
        let rows: Vec<(i64,)> = sql.fetch_all(self.conn().await?).await?;
        Ok(rows.first().map(|(id,)| *id))
    }

    /// Whether a resource already has `slug`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn resource_slug_taken(&mut self, slug: &Slug) -> Result<bool> {
        let mut count = Sql::new("SELECT COUNT(*) FROM resources WHERE slug = ");
        count.bind(Value::Text(slug.to_string()));
        Ok(count.fetch_count(self.conn().await?).await? > 0)
    }

    /// Whether a resource other than `except_id` has `key`, ignoring case, as its own key or
    /// as an alias.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn citation_key_taken(&mut self, key: &str, except_id: Option<i64>) -> Result<bool> {
        let mut count = Sql::new("SELECT COUNT(*) FROM resources WHERE lower(citation_key) = ");
        count.bind(Value::Text(key.to_lowercase()));
        count
            .push(" AND id <> ")
            .bind(Value::Int(except_id.unwrap_or(-1)));
        Ok(count.fetch_count(self.conn().await?).await? > 0
            || self.citation_key_alias_taken(key, except_id).await?)
    }

    /// Inserts a resource and returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the slug or citation key is taken;
    /// [`StoreError::Database`].
    pub async fn insert_resource(
        &mut self,
        slug: &Slug,
        data: &ResourceData,
        key_origin: Option<&str>,
        enriched_from: Option<&str>,
    ) -> Result<i64> {
        let mut sql = Sql::new(&format!(
            "INSERT INTO resources ({INSERT_COLUMNS}) VALUES ("
        ));
        push_insert_values(&mut sql, slug, data, key_origin, enriched_from, &now());
        sql.push(") RETURNING id");
        let ids: Vec<(i64,)> = sql
            .fetch_all(self.conn().await?)
            .await
            .map_err(conflict_on("slug or citation key"))?;
        let id = ids
            .first()
            .map(|(id,)| *id)
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))?;
        // The database chose the id: ids of queued resources are counted afresh.
        self.next_ids.forget();
        self.write_author_keys(id, data, false).await?;
        Ok(id)
    }

    /// Replaces a resource's data (not its slug) and increments its version.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the citation key is taken; [`StoreError::Database`].
    pub async fn update_resource(
        &mut self,
        id: i64,
        data: &ResourceData,
        key_origin: Option<&str>,
        enriched_from: Option<&str>,
    ) -> Result<()> {
        let mut sql = Sql::new(
            "UPDATE resources SET (kind, title, title_key, url, url_key, level, description, authors, \
             authors_truncated, year, month, journal, booktitle, publisher, institution, volume, number, \
             pages, doi, arxiv_id, arxiv_class, isbn, urldate, citation_key, key_origin, attributes, \
             enriched_from, source_file, heading_path, source_line, title_sort, venue_key, version, \
             updated_at) = (",
        );
        push_data_values(&mut sql, data, key_origin, enriched_from);
        sql.push(", ").bind_list(resource_key_values(data));
        sql.push(", version + 1, ")
            .bind(Value::Text(now()))
            .push(") WHERE id = ")
            .bind(Value::Int(id));
        sql.execute(self.conn().await?)
            .await
            .map_err(conflict_on("citation key"))?;
        self.write_author_keys(id, data, true).await
    }
}

/// Escapes the `LIKE` wildcards `%` and `_` (and the escape character `\\` itself).
pub(super) fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The columns an insert of a resource names, in [`push_insert_values`] order.
pub(super) const INSERT_COLUMNS: &str = "slug, kind, title, title_key, url, url_key, level, \
    description, authors, authors_truncated, year, month, journal, booktitle, publisher, \
    institution, volume, number, pages, doi, arxiv_id, arxiv_class, isbn, urldate, citation_key, \
    key_origin, attributes, enriched_from, source_file, heading_path, source_line, title_sort, \
    venue_key, version, created_at, updated_at";

/// The bound values of one inserted resource (version 1, created and updated `at`), in
/// [`INSERT_COLUMNS`] order, without parentheses.
pub(super) fn push_insert_values(
    sql: &mut Sql,
    slug: &Slug,
    data: &ResourceData,
    key_origin: Option<&str>,
    enriched_from: Option<&str>,
    at: &str,
) {
    sql.bind(Value::Text(slug.to_string())).push(", ");
    push_data_values(sql, data, key_origin, enriched_from);
    sql.push(", ").bind_list(resource_key_values(data));
    sql.push(", 1, ")
        .bind(Value::Text(at.to_owned()))
        .push(", ")
        .bind(Value::Text(at.to_owned()));
}

/// Appends the bound values of every data column, in the order the statements name them.
fn push_data_values(
    sql: &mut Sql,
    data: &ResourceData,
    key_origin: Option<&str>,
    enriched_from: Option<&str>,
) {
    let text = |v: &Option<String>| Value::opt_text(v.clone());
    let (file, heading_path, line) = provenance_values(data.provenance.as_ref());
    let values = [
        Value::Text(data.kind_or_default().as_str().into()),
        Value::Text(data.title.clone()),
        Value::Text(title_key(&data.title)),
        text(&data.url),
        Value::opt_text(data.url.as_deref().and_then(url_key)),
        Value::opt_text(data.level.map(|l| l.as_str())),
        text(&data.description),
        Value::Text(serde_json::to_string(&data.authors).unwrap_or_else(|_| "[]".into())),
        Value::Int(i64::from(data.authors_truncated)),
        Value::opt_int(data.year),
        Value::opt_int(data.month),
        text(&data.journal),
        text(&data.booktitle),
        text(&data.publisher),
        text(&data.institution),
        text(&data.volume),
        text(&data.number),
        text(&data.pages),
        text(&data.doi),
        text(&data.arxiv_id),
        text(&data.arxiv_class),
        text(&data.isbn),
        text(&data.urldate),
        Value::opt_text(data.citation_key.as_ref().map(|k| k.as_str())),
        Value::opt_text(key_origin),
        Value::Text(serde_json::to_string(&data.attributes).unwrap_or_else(|_| "{}".into())),
        Value::opt_text(enriched_from),
        Value::opt_text(file),
        Value::Text(heading_path),
        Value::opt_int(line),
    ];
    sql.bind_list(values);
}
