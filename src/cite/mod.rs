//! Citation keys and the BibTeX, CSL-JSON and RIS writers.
//!
//! Everything here is a pure function of the stored data: no I/O. The service issues keys
//! with [`generate_key`] when it stores a resource without one, and the HTTP layer and the
//! `lore export` command call the writers:
//!
//! - [`bibtex::write_bibliography`] / [`bibtex::write_entry`]: BibTeX in a portable profile
//!   ([`Dialect::Bibtex`]) or for biblatex ([`Dialect::Biblatex`]), pdflatex-safe
//!   ([`Charset::Pdflatex`]) or UTF-8 throughout ([`Charset::Unicode`]);
//! - [`csl::write_csl_json`] / [`csl::to_csl`]: CSL-JSON (CSL 1.0.2 schema);
//! - [`ris::write_ris`] / [`ris::write_record`]: RIS;
//! - [`formatted::render`]: entries as a citation style sets them, in text or HTML.
//!
//! Every writer returns the text with [`ExportWarning`]s: characters pdflatex cannot set,
//! a missing key or year, an entry type that had to fall back, a percent-encoded URL.

pub mod bibtex;
pub mod csl;
pub mod formatted;
mod keys;
pub mod latex;
pub mod ris;
mod warning;
mod work;

pub use bibtex::{BibtexOptions, Dialect};
pub use formatted::{CitationStyle, Markup};
pub use keys::{generate_key, key_base};
pub use latex::{Charset, Substitution, Unsettable};
pub use warning::{ExportWarning, Exported, Problem};
pub use work::ENTRY_TYPE;

#[cfg(test)]
#[path = "../../tests/fixtures/bib/load.rs"]
mod fixtures;
