//! One module per subcommand group.

pub mod apikey;
pub mod backtest;
pub mod bench;
pub mod bot;
pub mod demo;
pub mod freshness;
pub mod import;
pub mod jobs_cli;
pub mod migrate;
pub mod models;
pub mod queue;
pub mod serve;
pub mod teams;
pub mod worker;
