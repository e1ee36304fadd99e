//! Everything in Kickoff that does work: the worker runtime (pools, our retries,
//! dead letters), one handler per job kind, and the code they run. `process` turns
//! fetched payloads into entities; `scrape` holds the sources and their parsers;
//! `notify` talks to Telegram's Bot API. The models' numeric core is the `predict`
//! crate.

pub mod backtest;
pub mod clock;
pub mod events;
pub mod handlers;
pub mod history;
pub mod inference;
pub mod llm;
pub mod notify;
pub mod process;
pub mod registry;
pub mod runtime;
pub mod scheduler;
pub mod scrape;
pub mod settings;
pub mod training;
pub mod webhooks;
