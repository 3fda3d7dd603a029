//! Catalogue pages: MyST Markdown read with pulldown-cmark (GFM tables).

use super::{Catalogue, SourceFormat};

/// Parses a catalogue page.
pub fn parse(file_name: &str, _bytes: &[u8]) -> Catalogue {
    Catalogue {
        file: file_name.to_owned(),
        format: SourceFormat::Page,
        title: None,
        resources: Vec::new(),
        concepts: Vec::new(),
        links: Vec::new(),
        report: Vec::new(),
    }
}
