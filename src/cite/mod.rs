//! Citation keys and the BibTeX, CSL-JSON and RIS writers.
