//! `webhooks`: an endpoint registered for live-event channels (`matches:live`,
//! `predictions:new`, `matches:*`, ...), its signing secret and its delivery health.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub url: String,
    /// A JSON array of channel names or `family:*` patterns.
    pub channels: Json,
    /// The HMAC-SHA256 key of the signatures; shown once, when registered.
    #[serde(skip)]
    pub secret: String,
    pub active: bool,
    /// Failed deliveries since the last good one.
    pub failure_streak: i32,
    pub last_error: Option<String>,
    pub last_delivered_at: Option<DateTimeUtc>,
    /// When a failure streak disabled it.
    pub disabled_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The channels it asked for, as stored.
    pub fn channel_list(&self) -> Vec<String> {
        self.channels.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// Whether an event on `channel` goes to it: a listed channel, or a `family:*`
    /// pattern the channel starts with.
    pub fn wants(&self, channel: &str) -> bool {
        self.channel_list().iter().any(|c| match c.strip_suffix('*') {
            Some(prefix) => channel.starts_with(prefix),
            None => c == channel,
        })
    }
}
