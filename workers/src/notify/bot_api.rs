//! The Bot API client: each method is a JSON POST to `{api_url}/bot{token}/{method}`,
//! answered by `{"ok": true, "result": ...}` or an error envelope (see `error`). The
//! token is a credential inside the URL, so the URL is built per call and never kept,
//! logged or put into an error; anything echoed back is scrubbed of it as well.

use std::time::Duration;

use entities::secret::{ConnUrl, MASK};
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::{BotApiError, classify};
use super::types::{Message, Update};
use crate::scrape::fetch::http::retry_after;
use crate::settings::TelegramSettings;

/// Limit of an ordinary call; a long poll adds its own wait on top.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How Telegram should read a message's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseMode {
    /// Text escaped with `markdown::escape_markdown_v2` around MarkdownV2 markup.
    MarkdownV2,
    /// Text escaped with `markdown::escape_html` around HTML tags.
    Html,
    /// Shown as written.
    Plain,
}

impl ParseMode {
    fn as_param(self) -> Option<&'static str> {
        match self {
            Self::MarkdownV2 => Some("MarkdownV2"),
            Self::Html => Some("HTML"),
            Self::Plain => None,
        }
    }
}

/// The success half of the reply envelope.
#[derive(Deserialize)]
struct Reply<T> {
    ok: bool,
    result: Option<T>,
}

/// A client of one bot. `Debug` shows the base URL masked and the token redacted.
#[derive(Clone, Debug)]
pub struct BotApi {
    http: reqwest::Client,
    api_url: ConnUrl,
    token: SecretString,
}

impl BotApi {
    pub fn new(api_url: ConnUrl, token: SecretString) -> Result<Self, BotApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| BotApiError::Setup(e.without_url().to_string()))?;
        Ok(Self { http, api_url, token })
    }

    /// The client `[telegram]` describes, or `None` when no token is set (sending is off).
    pub fn from_settings(settings: &TelegramSettings) -> Result<Option<Self>, BotApiError> {
        if settings.bot_token.expose_secret().is_empty() {
            return Ok(None);
        }
        Self::new(settings.api_url.clone(), settings.bot_token.clone()).map(Some)
    }

    /// Sends `text` to `chat_id`; the text must already be escaped for `parse_mode`.
    pub async fn send_message(
        &self,
        chat_id: i64,
        text: &str,
        parse_mode: ParseMode,
    ) -> Result<Message, BotApiError> {
        self.send_message_within(chat_id, text, parse_mode, CALL_TIMEOUT).await
    }

    /// `send_message` that gives up after `limit` (at most the usual call limit), for a
    /// caller whose own time runs out sooner.
    pub async fn send_message_within(
        &self,
        chat_id: i64,
        text: &str,
        parse_mode: ParseMode,
        limit: Duration,
    ) -> Result<Message, BotApiError> {
        let mut params = json!({"chat_id": chat_id, "text": text});
        if let Some(mode) = parse_mode.as_param() {
            params["parse_mode"] = json!(mode);
        }
        self.call("sendMessage", &params, limit.min(CALL_TIMEOUT)).await
    }

    /// Updates from `offset` on (the last seen `update_id` plus one, which also confirms
    /// the earlier ones to Telegram), waiting up to `timeout_secs` for one to arrive.
    pub async fn get_updates(&self, offset: i64, timeout_secs: u32) -> Result<Vec<Update>, BotApiError> {
        let params = json!({"offset": offset, "timeout": timeout_secs});
        let limit = CALL_TIMEOUT + Duration::from_secs(u64::from(timeout_secs));
        self.call("getUpdates", &params, limit).await
    }

    /// Has Telegram POST updates to `url`, with `secret_token` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header of each call.
    pub async fn set_webhook(&self, url: &str, secret_token: &SecretString) -> Result<(), BotApiError> {
        let params = json!({"url": url, "secret_token": secret_token.expose_secret()});
        self.call::<bool>("setWebhook", &params, CALL_TIMEOUT).await.map(drop)
    }

    /// Removes the webhook; `getUpdates` is refused while one is set.
    pub async fn delete_webhook(&self) -> Result<(), BotApiError> {
        self.call::<bool>("deleteWebhook", &json!({}), CALL_TIMEOUT).await.map(drop)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &Value,
        limit: Duration,
    ) -> Result<T, BotApiError> {
        tracing::debug!(method, "bot api call");
        let base = self.api_url.expose().trim_end_matches('/');
        let url = format!("{base}/bot{}/{method}", self.token.expose_secret());
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(params.to_string())
            .timeout(limit)
            .send()
            .await;
        let resp = sent.map_err(|e| self.network(e))?;
        let status = resp.status().as_u16();
        let wait = retry_after(resp.headers());
        let body = resp.bytes().await.map_err(|e| self.network(e))?;
        if !(200..300).contains(&status) {
            return Err(self.scrub(classify(status, &body, wait)));
        }
        // A success status whose body is not Telegram's answer: the call may have
        // done its work, so it is unconfirmed rather than refused.
        let garbled = |m: String| self.scrub(BotApiError::Unconfirmed { status: Some(status), message: m });
        let reply: Reply<T> = serde_json::from_slice(&body)
            .map_err(|e| garbled(format!("the reply is not the expected JSON: {e}")))?;
        match reply {
            Reply { ok: true, result: Some(result) } => Ok(result),
            Reply { ok: true, result: None } => Err(garbled("the reply has no result".to_owned())),
            Reply { ok: false, .. } => Err(self.scrub(classify(status, &body, wait))),
        }
    }

    /// A transport failure, with the error's causes (which name the failure, e.g.
    /// "connection refused") but not its URL. Only a connection never made proves the
    /// request never reached Telegram (`Transient`); any later failure is `Unconfirmed`.
    fn network(&self, e: reqwest::Error) -> BotApiError {
        let timed_out = e.is_timeout();
        let never_sent = e.is_connect() || e.is_builder();
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        if timed_out {
            message.push_str(" (timed out)");
        }
        self.scrub(if never_sent {
            BotApiError::Transient { status: None, message }
        } else {
            BotApiError::Unconfirmed { status: None, message }
        })
    }

    /// `e` with every occurrence of the token masked: a proxy or fake may echo the URL.
    fn scrub(&self, e: BotApiError) -> BotApiError {
        let token = self.token.expose_secret();
        if token.is_empty() {
            return e;
        }
        let clean = |s: String| s.replace(token, MASK);
        match e {
            BotApiError::Blocked { description } => BotApiError::Blocked { description: clean(description) },
            BotApiError::Migrated { to, description } => {
                BotApiError::Migrated { to, description: clean(description) }
            }
            BotApiError::Permanent { status, description } => {
                BotApiError::Permanent { status, description: clean(description) }
            }
            BotApiError::Transient { status, message } => {
                BotApiError::Transient { status, message: clean(message) }
            }
            BotApiError::Unconfirmed { status, message } => {
                BotApiError::Unconfirmed { status, message: clean(message) }
            }
            BotApiError::Malformed(m) => BotApiError::Malformed(clean(m)),
            BotApiError::Setup(m) => BotApiError::Setup(clean(m)),
            e @ BotApiError::RateLimited { .. } => e,
        }
    }
}
