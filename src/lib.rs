//! lore: a linkable knowledge base for learning resources.
//!
//! Catalogue pages (MyST Markdown) and BibTeX files are imported into a store of
//! resources and concepts joined by typed links, served over a REST API, searched with a
//! full-text index and exported as bibliographies. See `DESIGN.md` for the parts.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod cite;
pub mod config;
pub mod domain;
pub mod http;
pub mod search;
pub mod service;
pub mod startup;
pub mod store;
