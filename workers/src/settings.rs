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

/// `[scrape]`: where and how data is fetched.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeSettings {
    /// Base URL of football-data.co.uk season files: `{base}/{season}/{league}.csv`.
    pub football_data_url: String,
    /// Division codes `collect_results` fans out to when a job names none.
    pub leagues: Vec<String>,
    /// Seconds before a request is abandoned.
    pub timeout_secs: u64,
    pub user_agent: String,
}

impl Default for ScrapeSettings {
    fn default() -> Self {
        Self {
            football_data_url: "https://www.football-data.co.uk/mmz4281".to_owned(),
            leagues: ["E0", "D1", "I1", "SP1"].map(String::from).to_vec(),
            timeout_secs: 30,
            user_agent: concat!("kickoff/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
