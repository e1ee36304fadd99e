//! Telegram notifications: the Bot API client, its error classes (which decide retry,
//! deactivation or dead letter), the escaping every message text goes through, and the
//! value-bet alert with the subscriptions it goes to and its once-only delivery, kept in
//! the delivery ledger; and the
//! long poll that answers subscriber commands.

pub mod alert;
pub mod bot_api;
pub mod delivery;
pub mod error;
pub mod fake_bot;
pub mod ops;
pub mod poll;
pub mod subscriptions;
pub mod types;

// The escaping lives in `jobs` so the API's webhook replies can share it.
pub use jobs::telegram::markdown;

pub use alert::{Alert, AlertError};
pub use bot_api::{BotApi, ParseMode};
pub use delivery::{Delivered, DeliveryError};
pub use error::{BotApiError, Disposition};
pub use types::{Chat, Message, Update, User};
