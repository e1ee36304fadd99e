//! `POST /telegram/webhook`: Telegram's calls with the bot's updates. The caller is
//! known only by the `X-Telegram-Bot-Api-Secret-Token` header, which must equal
//! `[telegram] webhook_secret`. The reply goes back in the response body as a
//! `sendMessage` call, which Telegram executes, so the API makes no outgoing requests.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::auth::same_secret;
use crate::state::ApiState;

pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Updates are small; anything larger is not from Telegram.
const MAX_BODY: usize = 1 << 20;

/// The parts of an update the commands read (the full types live with the workers'
/// Bot API client, which the API does not depend on).
#[derive(Deserialize)]
struct Update {
    #[serde(default)]
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    chat: Chat,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
}

#[handler]
pub async fn webhook(req: &Request, body: Body, Data(state): Data<&ApiState>) -> Response {
    let expected = state.telegram_webhook_secret.expose_secret();
    let given = req.headers().get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    // An empty secret means the webhook is off: nothing could prove the caller.
    if expected.is_empty() || !same_secret(expected.as_bytes(), given) {
        tracing::info!("telegram webhook call refused: wrong secret");
        return status(StatusCode::UNAUTHORIZED);
    }
    let Ok(bytes) = body.into_bytes_limit(MAX_BODY).await else {
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let update: Update = match serde_json::from_slice(&bytes) {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "telegram webhook body is not an update");
            return status(StatusCode::BAD_REQUEST);
        }
    };
    // Other update kinds are acknowledged with nothing to do.
    let Some((chat_id, text)) = update.message.and_then(|m| Some((m.chat.id, m.text?))) else {
        return status(StatusCode::OK);
    };
    match jobs::telegram::reply(&state.db, chat_id, &text, chrono::Utc::now()).await {
        Ok(reply) => {
            let call = json!({"method": "sendMessage", "chat_id": chat_id, "text": reply, "parse_mode": "MarkdownV2"});
            Response::builder().content_type("application/json").body(call.to_string())
        }
        Err(e) => {
            // A 5xx makes Telegram deliver the update again later.
            tracing::error!(error = %e, "telegram command failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

fn status(code: StatusCode) -> Response {
    Response::builder().status(code).finish()
}

#[cfg(test)]
mod tests {
    use crate::auth::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3cres"));
        assert!(!same_secret(b"s3cret", b"s3cre"));
        assert!(!same_secret(b"s3cret", b""));
    }
}
