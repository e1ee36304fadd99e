//! Everything in Kickoff that does work: the worker runtime (pools, our retries,
//! dead letters), one handler per job kind, and the code they run. `process` turns
//! fetched payloads into entities; `scrape` holds the sources and their parsers;
//! `predict` is the numeric core of the models (fitting, margins, stakes, metrics);
//! `notify` talks to Telegram's Bot API.

pub mod backtest;
pub mod clock;
pub mod handlers;
pub mod history;
pub mod inference;
pub mod llm;
pub mod notify;
pub mod predict;
pub mod process;
pub mod registry;
pub mod runtime;
pub mod scheduler;
pub mod scrape;
pub mod settings;
pub mod training;
