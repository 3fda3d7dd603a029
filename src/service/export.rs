//! Bibliography export: every resource matching a filter, written in batches as BibTeX,
//! CSL-JSON or RIS, so an export of any size streams without holding the store in memory.

use std::collections::HashMap;

use futures_util::Stream;

use super::{Result, Service};
use crate::cite::{self, BibtexOptions, CitationStyle, ExportWarning, Markup};
use crate::domain::{CitationKey, Resource};
use crate::store::ResourceFilter;

/// Resources read from the store per query while exporting.
const BATCH: u32 = 500;

/// A bibliography format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// BibTeX in a dialect and charset (see [`cite::bibtex`]).
    Bibtex(BibtexOptions),
    /// A CSL-JSON array (CSL 1.0.2).
    CslJson,
    /// RIS records.
    Ris,
    /// Entries as a citation style sets them, in plain text or HTML (see
    /// [`cite::formatted`]).
    Formatted(CitationStyle, Markup),
}

impl ExportFormat {
    /// The media type of the format: `application/x-bibtex`,
    /// `application/vnd.citationstyles.csl+json`, `application/x-research-info-systems`,
    /// `text/plain` or `text/html`.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Bibtex(_) => "application/x-bibtex",
            ExportFormat::CslJson => "application/vnd.citationstyles.csl+json",
            ExportFormat::Ris => "application/x-research-info-systems",
            ExportFormat::Formatted(_, Markup::Text) => "text/plain",
            ExportFormat::Formatted(_, Markup::Html) => "text/html",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Bibtex(_) => "bib",
            ExportFormat::CslJson => "json",
            ExportFormat::Ris => "ris",
            ExportFormat::Formatted(_, Markup::Text) => "txt",
            ExportFormat::Formatted(_, Markup::Html) => "html",
        }
    }

    /// Writes a sequence of resources, each with its citation-key aliases, after `before`
    /// entries of the same document (CSL-JSON opens its array at the start and separates
    /// items with commas; numeric citation styles go on counting). Returns the text, the writers' warnings and the number
    /// of entries (BibTeX writes a resource once per alias more; see
    /// [`cite::bibtex::write_entry_with_aliases`]).
    fn write(
        self,
        resources: &[(Resource, Vec<CitationKey>)],
        before: usize,
    ) -> (String, Vec<ExportWarning>, usize) {
        let first = before == 0;
        let mut text = String::new();
        let mut warnings = Vec::new();
        if let ExportFormat::Formatted(style, markup) = self {
            if first {
                text.push_str(markup.opening());
            }
            let items: Vec<cite::csl::CslItem> = resources
                .iter()
                .map(|(resource, _)| {
                    let (item, item_warnings) = cite::csl::to_csl(resource);
                    warnings.extend(item_warnings);
                    item
                })
                .collect();
            text.push_str(&cite::formatted::render(&items, style, markup, before));
            return (text, warnings, resources.len());
        }
        let mut entries = 0;
        for (i, (resource, aliases)) in resources.iter().enumerate() {
            let leading = first && i == 0;
            entries += 1;
            match self {
                ExportFormat::Bibtex(options) => {
                    if !leading {
                        text.push_str(cite::bibtex::ENTRY_SEPARATOR);
                    }
                    let (exported, written) =
                        cite::bibtex::write_entry_with_aliases(resource, aliases, options);
                    entries += written - 1;
                    text.push_str(&exported.text);
                    warnings.extend(exported.warnings);
                }
                ExportFormat::CslJson => {
                    text.push_str(if leading { "[\n" } else { ",\n" });
                    let (item, item_warnings) = cite::csl::to_csl(resource);
                    text.push_str(&serde_json::to_string(&item).unwrap_or_else(|_| "{}".into()));
                    warnings.extend(item_warnings);
                }
                ExportFormat::Ris => {
                    let exported = cite::ris::write_record(resource);
                    text.push_str(&exported.text);
                    warnings.extend(exported.warnings);
                }
                ExportFormat::Formatted(..) => {}
            }
        }
        (text, warnings, entries)
    }

    /// What ends a streamed export of `count` items, so that a client can tell a complete
    /// one from one cut short: the BibTeX [`cite::bibtex::trailer`] line, CSL-JSON's
    /// closing bracket, and for RIS the `ER` that ends every record (nothing when
    /// there are none).
    fn export_ending(self, count: usize) -> String {
        match self {
            ExportFormat::Bibtex(_) if count > 0 => {
                format!(
                    "{}{}",
                    cite::bibtex::ENTRY_SEPARATOR,
                    cite::bibtex::trailer(count)
                )
            }
            ExportFormat::Bibtex(_) => cite::bibtex::trailer(0),
            ExportFormat::Formatted(_, markup) if count == 0 => {
                format!("{}{}", markup.opening(), markup.closing())
            }
            _ => self.ending(count).to_owned(),
        }
    }

    /// What ends a document that held `count` items.
    fn ending(self, count: usize) -> &'static str {
        match (self, count) {
            (ExportFormat::CslJson, 0) => "[]\n",
            (ExportFormat::CslJson, _) => "\n]\n",
            (ExportFormat::Formatted(_, markup), _) => markup.closing(),
            _ => "",
        }
    }
}

/// One piece of an export: text to append, and what the writer had to say about it.
#[derive(Debug, Clone)]
pub struct ExportChunk {
    pub text: String,
    pub warnings: Vec<ExportWarning>,
}

/// One batch of an export as read from the store: resources in id order, each with its
/// citation-key aliases (BibTeX only), and the id of the last.
struct Batch {
    resources: Vec<(Resource, Vec<CitationKey>)>,
    last: Option<i64>,
}

/// The read of the next batch, running while the current one is written; dropped (the
/// client left, or the export failed), it stops the read.
struct Prefetch(tokio::task::JoinHandle<Result<Batch>>);

impl Prefetch {
    fn start(service: &Service, filter: &ResourceFilter, after: i64, format: ExportFormat) -> Self {
        let service = service.clone();
        let filter = filter.clone();
        Prefetch(tokio::spawn(async move {
            service.export_batch(&filter, after, format).await
        }))
    }

    async fn batch(mut self) -> Result<Batch> {
        (&mut self.0)
            .await
            .unwrap_or(Err(super::ServiceError::Task))
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Cursor {
    /// The read of the batch to write next; `None` before the first and once the export
    /// has ended.
    next: Option<Prefetch>,
    /// Whether the first batch was asked for.
    started: bool,
    count: usize,
    /// BibTeX: what was written in place of characters the charset cannot hold.
    replaced: Replacements,
}

/// Most replacement lines a BibTeX export ends with; more are counted in one line.
const MAX_REPLACEMENT_LINES: usize = 1000;

/// The characters an export wrote otherwise (transliterated, as math, left out), one
/// `@comment{lore: KEY FIELD: TEXT written as SUBSTITUTE (HOW)}` line each, so that a
/// client of `GET /bibliography` learns of every change without reading log output.
#[derive(Debug, Default)]
struct Replacements {
    lines: Vec<String>,
    more: usize,
}

impl Replacements {
    fn record(&mut self, warnings: &[ExportWarning]) {
        use crate::cite::{Problem, Substitution};
        for w in warnings {
            let Problem::Unsettable(u) = &w.problem else {
                continue;
            };
            let how = match u.how {
                Substitution::Kept => continue,
                Substitution::Math => "as math",
                Substitution::Transliterated => "transliterated",
                Substitution::Removed => "removed",
            };
            let line = format!(
                "@comment{{lore: {} {}: {} written as {} ({how})}}\n",
                w.key,
                w.field.unwrap_or("entry"),
                u.text,
                if u.written_as.is_empty() {
                    "nothing"
                } else {
                    u.written_as.trim()
                }
            );
            if self.lines.len() < MAX_REPLACEMENT_LINES {
                self.lines.push(line);
            } else {
                self.more += 1;
            }
        }
    }

    fn text(&self) -> String {
        let mut out: String = self.lines.concat();
        if self.more > 0 {
            out.push_str(&format!(
                "@comment{{lore: {} more replacements}}\n",
                self.more
            ));
        }
        out
    }
}

impl Service {
    /// Every resource matching `filter`, in id order, written in `format`, as a stream of
    /// chunks (one per batch of [`BATCH`] resources, then the document's ending: for
    /// BibTeX a `@comment{lore: N entries}` line). A store failure ends the stream with an
    /// error and without the ending.
    ///
    /// The next batch is read while the current one is written, so the store and the
    /// writer work at once.
    pub fn export(
        &self,
        filter: ResourceFilter,
        format: ExportFormat,
    ) -> impl Stream<Item = Result<ExportChunk>> + 'static {
        let service = self.clone();
        futures_util::stream::unfold(
            Cursor {
                next: None,
                started: false,
                count: 0,
                replaced: Replacements::default(),
            },
            move |mut cursor| {
                let service = service.clone();
                let filter = filter.clone();
                async move {
                    let pending = match cursor.next.take() {
                        Some(pending) => pending,
                        None if cursor.started => return None,
                        None => {
                            cursor.started = true;
                            Prefetch::start(&service, &filter, 0, format)
                        }
                    };
                    let batch = match pending.batch().await {
                        Ok(batch) => batch,
                        Err(err) => return Some((Err(err), cursor)),
                    };
                    let Some(last) = batch.last else {
                        let mut text = format.export_ending(cursor.count);
                        if matches!(format, ExportFormat::Bibtex(_)) {
                            // Before the trailer, which stays the last line.
                            let at = text.rfind("@comment{lore: ").unwrap_or(0);
                            text.insert_str(at, &cursor.replaced.text());
                        }
                        let chunk = ExportChunk {
                            text,
                            warnings: Vec::new(),
                        };
                        return Some((Ok(chunk), cursor));
                    };
                    cursor.next = Some(Prefetch::start(&service, &filter, last, format));
                    let before = cursor.count;
                    let (text, warnings, entries) = if matches!(format, ExportFormat::Formatted(..))
                    {
                        // Setting a batch in a citation style takes a while: off the async
                        // workers, so other requests are answered meanwhile.
                        let resources = batch.resources;
                        match tokio::task::spawn_blocking(move || format.write(&resources, before))
                            .await
                        {
                            Ok(written) => written,
                            Err(_) => {
                                cursor.next = None;
                                return Some((Err(super::ServiceError::Task), cursor));
                            }
                        }
                    } else {
                        format.write(&batch.resources, before)
                    };
                    cursor.count += entries;
                    if matches!(format, ExportFormat::Bibtex(_)) {
                        cursor.replaced.record(&warnings);
                    }
                    Some((Ok(ExportChunk { text, warnings }), cursor))
                }
            },
        )
    }

    /// The [`BATCH`] resources matching `filter` after id `after`, with their aliases
    /// when `format` is BibTeX.
    async fn export_batch(
        &self,
        filter: &ResourceFilter,
        after: i64,
        format: ExportFormat,
    ) -> Result<Batch> {
        let batch = self.store.resources_after(filter, after, BATCH).await?;
        let last = batch.last().map(|stored| stored.id);
        let mut aliases = match format {
            ExportFormat::Bibtex(_) => {
                let ids: Vec<i64> = batch.iter().map(|stored| stored.id).collect();
                self.store.citation_key_aliases(&ids).await?
            }
            _ => HashMap::new(),
        };
        let resources = batch
            .into_iter()
            .map(|stored| {
                let keys = aliases.remove(&stored.id).unwrap_or_default();
                (stored.resource, keys)
            })
            .collect();
        Ok(Batch { resources, last })
    }

    /// One resource in a bibliography format.
    ///
    /// # Errors
    /// [`super::ServiceError::NotFound`], [`super::ServiceError::Store`].
    pub async fn export_one(
        &self,
        slug: &crate::domain::Slug,
        format: ExportFormat,
    ) -> Result<ExportChunk> {
        let item = self.get_resource(slug).await?;
        let aliases = match format {
            ExportFormat::Bibtex(_) => self
                .store
                .citation_key_aliases(&[item.record.id])
                .await?
                .remove(&item.record.id)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let resources = [(item.record.resource, aliases)];
        let (mut text, warnings, _) = format.write(&resources, 0);
        text.push_str(format.ending(1));
        Ok(ExportChunk { text, warnings })
    }
}
