//! The parts of the Bot API's objects Kickoff reads; every other field is ignored, so
//! new fields Telegram adds never break parsing.

use serde::{Deserialize, Serialize};

/// One incoming update from `getUpdates` or a webhook call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// Increasing id; the next `getUpdates` offset is the last one plus one.
    pub update_id: i64,
    /// A new message; `None` for update kinds Kickoff does not handle.
    #[serde(default)]
    pub message: Option<Message>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub message_id: i64,
    pub chat: Chat,
    /// The sender; absent for messages posted in channels.
    #[serde(default)]
    pub from: Option<User>,
    /// Unix time the message was sent.
    #[serde(default)]
    pub date: i64,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub username: Option<String>,
}
