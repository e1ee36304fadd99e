//! What a failed Bot API call means for the job that made it. Telegram answers every
//! error as `{"ok": false, "error_code", "description", "parameters"}`; the code decides
//! the class, and the class decides whether to wait, retry, stop writing to a chat, or
//! dead-letter the job with Telegram's description.

use std::time::Duration;

use serde::Deserialize;

/// Wait after a 429 that names no time: Telegram always does, a proxy may not.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum BotApiError {
    /// 429: too many messages; wait `retry_after` before the next one.
    #[error("rate limited by the Bot API, retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// 403 (the bot was blocked or kicked, the user deleted) or a 400 "chat not
    /// found" (the chat is gone): the chat should be deactivated, never retried.
    #[error("the Bot API refused the chat: {description}")]
    Blocked { description: String },
    /// 400 with `migrate_to_chat_id`: the group became a supergroup under a new id,
    /// where its messages go from now on.
    #[error("the chat moved to {to}: {description}")]
    Migrated { to: i64, description: String },
    /// Any other 4xx (malformed markup, message too long, bad token): retrying would
    /// fail the same way.
    #[error("the Bot API answered {status}: {description}")]
    Permanent { status: u16, description: String },
    /// Telegram's own error reply with a 5xx, or a connection that was never made:
    /// nothing was done, and another attempt may succeed.
    #[error("transient Bot API failure: {message}")]
    Transient { status: Option<u16>, message: String },
    /// The request may have reached Telegram and no reply says what became of it (a
    /// timeout or a reset after sending, a proxy's error page, a garbled success): a
    /// message may exist. Other calls retry it; a send is recorded as uncertain.
    #[error("unconfirmed Bot API call: {message}")]
    Unconfirmed { status: Option<u16>, message: String },
    /// A success status with a body that is not the Bot API's envelope.
    #[error("the Bot API reply is not the expected JSON: {0}")]
    Malformed(String),
    /// The HTTP client could not be built (TLS setup); nothing was sent.
    #[error("the Bot API client could not be set up: {0}")]
    Setup(String),
}

/// What the caller should do about an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Try again, after the given wait when Telegram named one.
    Retry(Option<Duration>),
    /// Stop sending to this chat.
    Deactivate,
    /// Send to the chat under this id from now on.
    Migrate(i64),
    /// Give up on this job and keep the response for inspection.
    DeadLetter,
}

impl BotApiError {
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::RateLimited { retry_after } => Disposition::Retry(Some(*retry_after)),
            Self::Transient { .. } | Self::Unconfirmed { .. } => Disposition::Retry(None),
            Self::Blocked { .. } => Disposition::Deactivate,
            Self::Migrated { to, .. } => Disposition::Migrate(*to),
            Self::Permanent { .. } | Self::Malformed(_) | Self::Setup(_) => Disposition::DeadLetter,
        }
    }

    /// Whether the call may have had its effect although it failed.
    pub fn is_unconfirmed(&self) -> bool {
        matches!(self, Self::Unconfirmed { .. })
    }

    pub fn is_blocked(&self) -> bool {
        matches!(self, Self::Blocked { .. })
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self.disposition(), Disposition::DeadLetter)
    }
}

impl jobs::Classify for BotApiError {
    /// Rate limits and server or network failures.
    fn is_transient(&self) -> bool {
        matches!(self.disposition(), Disposition::Retry(_))
    }

    /// How long Telegram asked to wait, for a rate limit.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

/// The error half of the Bot API's reply envelope.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorReply {
    pub error_code: Option<u16>,
    pub description: Option<String>,
    pub parameters: Option<ResponseParameters>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResponseParameters {
    pub retry_after: Option<u64>,
    pub migrate_to_chat_id: Option<i64>,
}

/// Classifies a failed reply: HTTP `status`, its `body`, and the Retry-After header's
/// wait (a fallback for a 429 whose body names none). Telegram sets the HTTP status to
/// `error_code`; the body's code wins when a proxy answered 200 around an error. A 5xx
/// without Telegram's error envelope came from something in between (a proxy's gateway
/// error), which does not prove Telegram never took the request.
pub(crate) fn classify(status: u16, body: &[u8], header_wait: Option<Duration>) -> BotApiError {
    let parsed: Option<ErrorReply> = serde_json::from_slice(body).ok();
    let from_telegram = parsed.as_ref().is_some_and(|r| r.error_code.is_some());
    let reply = parsed.unwrap_or_default();
    let status = match reply.error_code {
        Some(code) if status < 400 => code,
        _ => status,
    };
    let description =
        reply.description.unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    let parameters = reply.parameters.unwrap_or_default();
    match status {
        429 => {
            let body_wait = parameters.retry_after.map(Duration::from_secs);
            BotApiError::RateLimited { retry_after: body_wait.or(header_wait).unwrap_or(DEFAULT_RETRY_AFTER) }
        }
        403 => BotApiError::Blocked { description },
        400 if let Some(to) = parameters.migrate_to_chat_id => BotApiError::Migrated { to, description },
        400 if description.to_ascii_lowercase().contains("chat not found") => {
            BotApiError::Blocked { description }
        }
        400..=499 => BotApiError::Permanent { status, description },
        // An `ok: false` reply that names no error code.
        0..=399 => BotApiError::Malformed(description),
        _ if from_telegram => BotApiError::Transient { status: Some(status), message: description },
        _ => BotApiError::Unconfirmed { status: Some(status), message: description },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobs::Classify;

    #[test]
    fn each_status_has_its_class() {
        let rate = classify(429, br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#, None);
        assert_eq!(rate.disposition(), Disposition::Retry(Some(Duration::from_secs(7))));
        let blocked = classify(
            403,
            br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
            None,
        );
        assert!(blocked.is_blocked() && !blocked.is_transient());
        assert_eq!(
            blocked.to_string(),
            "the Bot API refused the chat: Forbidden: bot was blocked by the user"
        );
        let bad = classify(
            400,
            br#"{"ok":false,"error_code":400,"description":"Bad Request: message is too long"}"#,
            None,
        );
        assert!(
            matches!(&bad, BotApiError::Permanent { status: 400, description } if description == "Bad Request: message is too long")
        );
        assert!(bad.is_permanent());
        let gone = classify(
            400,
            br#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
            None,
        );
        assert_eq!(gone.disposition(), Disposition::Deactivate);
        let moved = classify(
            400,
            br#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}"#,
            None,
        );
        assert_eq!(moved.disposition(), Disposition::Migrate(-1_001_234_567_890));
        assert!(!moved.is_transient() && !moved.is_permanent());
        let down =
            classify(500, br#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#, None);
        assert!(matches!(&down, BotApiError::Transient { status: Some(500), .. }) && down.is_transient());
        let gateway = classify(502, b"<html>Bad Gateway</html>", None);
        assert!(matches!(&gateway, BotApiError::Unconfirmed { status: Some(502), .. }), "{gateway:?}");
        assert!(gateway.is_transient() && gateway.is_unconfirmed());
    }

    #[test]
    fn rate_limit_wait_falls_back_to_the_header_then_a_default() {
        let header = classify(429, b"slow down", Some(Duration::from_secs(3)));
        assert_eq!(header.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(classify(429, b"", None).retry_after(), Some(DEFAULT_RETRY_AFTER));
    }

    #[test]
    fn an_error_inside_a_success_status_is_still_classified() {
        let e = classify(
            200,
            br#"{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}"#,
            None,
        );
        assert!(e.is_blocked());
    }
}
