//! A stand-in for Telegram's Bot API under `/telegram/bot{token}/{method}`, so the demo's
//! alerts go somewhere it can show: every call is recorded, `sendMessage` answered as
//! Telegram does, `getUpdates` has nothing new, and the webhook calls succeed.

use std::sync::{Arc, PoisonError};

use poem::web::{Data, Json, Path};
use poem::{Response, handler, http::StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

use super::SiteState;

/// One call the fake received.
#[derive(Clone, Debug, Serialize)]
pub struct BotCall {
    pub method: String,
    pub params: Value,
}

impl BotCall {
    /// The chat and text of a `sendMessage`.
    pub fn message(&self) -> Option<(i64, &str)> {
        if self.method != "sendMessage" {
            return None;
        }
        Some((self.params["chat_id"].as_i64()?, self.params["text"].as_str()?))
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    Response::builder().status(status).content_type("application/json").body(body.to_string())
}

fn refused(status: StatusCode, description: &str) -> Response {
    answer(status, json!({"ok": false, "error_code": status.as_u16(), "description": description}))
}

#[handler]
pub fn call(
    Path((bot, method)): Path<(String, String)>,
    body: String,
    state: Data<&Arc<SiteState>>,
) -> Response {
    if !bot.starts_with("bot") {
        return refused(StatusCode::NOT_FOUND, "Not Found");
    }
    let Ok(params) = serde_json::from_str::<Value>(&body) else {
        return refused(StatusCode::BAD_REQUEST, "Bad Request: the body is not JSON");
    };
    let ok = |result: Value| answer(StatusCode::OK, json!({"ok": true, "result": result}));
    let call = BotCall { method: method.clone(), params };
    let message = call.message().map(|(chat, text)| (chat, text.to_owned()));
    let n = {
        let mut log = state.telegram.lock().unwrap_or_else(PoisonError::into_inner);
        log.push(call);
        log.len()
    };
    match method.as_str() {
        "sendMessage" => {
            let Some((chat_id, text)) = message else {
                return refused(StatusCode::BAD_REQUEST, "Bad Request: chat_id and text are required");
            };
            ok(json!({"message_id": n, "date": chrono::Utc::now().timestamp(), "text": text,
                      "chat": {"id": chat_id, "type": if chat_id < 0 { "group" } else { "private" }}}))
        }
        "getUpdates" => ok(json!([])),
        "setWebhook" | "deleteWebhook" => ok(json!(true)),
        _ => refused(StatusCode::NOT_FOUND, "Not Found: method not found"),
    }
}

/// `GET /_telegram`: every call so far.
#[handler]
pub fn calls(state: Data<&Arc<SiteState>>) -> Json<Vec<BotCall>> {
    Json(state.telegram_calls())
}
