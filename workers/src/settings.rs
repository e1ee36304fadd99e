//! The settings sections the workers own.

use entities::secret::{ConnUrl, deserialize_secret, serialize_masked};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[telegram]`: the Bot API used for alerts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramSettings {
    /// Bot token from @BotFather; empty disables sending.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub bot_token: SecretString,
    /// Secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` on webhook calls.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub webhook_secret: SecretString,
    /// Bot API base URL.
    pub api_url: ConnUrl,
    /// Chat that receives operator alerts; 0 disables them.
    pub ops_chat_id: i64,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            bot_token: SecretString::from(""),
            webhook_secret: SecretString::from(""),
            api_url: ConnUrl::new("https://api.telegram.org"),
            ops_chat_id: 0,
        }
    }
}
