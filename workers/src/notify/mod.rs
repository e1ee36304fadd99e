//! Telegram notifications: the Bot API client, its error classes (which decide retry,
//! deactivation or dead letter), and the escaping every message text goes through.

pub mod bot_api;
pub mod error;
pub mod markdown;
pub mod types;

pub use bot_api::{BotApi, ParseMode};
pub use error::{BotApiError, Disposition};
pub use types::{Chat, Message, Update, User};
