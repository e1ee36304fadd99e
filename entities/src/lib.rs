//! Kickoff's data model: one SeaORM entity module per table, the enums stored in them,
//! the `[database]` settings, and opening a connection on PostgreSQL or SQLite.

pub mod db;
pub mod enums;
mod nodelay;
pub mod secret;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub mod alert_deliveries;
pub mod api_keys;
pub mod audit_log;
pub mod dead_letters;
pub mod job_runs;
pub mod leagues;
pub mod match_incidents;
pub mod match_stats;
pub mod matches;
pub mod model_versions;
pub mod news;
pub mod odds;
pub mod odds_lines;
pub mod players;
pub mod predictions;
pub mod probe_runs;
pub mod queue_pauses;
pub mod scrape_snapshots;
pub mod standings;
pub mod team_aliases;
pub mod team_review;
pub mod teams;
pub mod telegram_subscriptions;
pub mod value_bets;
pub mod webhooks;

pub use db::{DbError, Engine, connect};
pub use settings::DatabaseSettings;
