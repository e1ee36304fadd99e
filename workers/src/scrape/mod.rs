//! Scraping: fetching pages (over HTTP or in a browser), the fetcher's health, and which
//! pages a collection fans out to. The sites' URL builders and parsers are the `sources`
//! crate.

pub mod fetch;
pub mod health;
pub mod targets;
