//! football-data.co.uk CSVs (results, statistics and bookmaker odds): header layout,
//! pure row parsing, and the batched writes into the entities.

pub mod copy;
pub mod import;
pub mod store;

pub use import::{FileRejection, ImportError, ImportSummary, import_bytes, import_paths};
