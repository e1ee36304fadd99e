//! The Telegram bot's side that needs only the database: the subscriber commands and
//! the MarkdownV2 escaping their replies go through. Both transports share it: the
//! long poll (`kickoff bot`, with the workers' Bot API client) and the API's webhook,
//! which cannot depend on the workers.

pub mod commands;
pub mod markdown;
mod today;

pub use commands::{Command, CommandError, reply};
