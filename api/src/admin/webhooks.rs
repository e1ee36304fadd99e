//! Webhooks (admin): register an endpoint for live-event channels, list them with their
//! delivery health, enable one a failure streak disabled, delete one. The signing secret
//! is shown once, in the registration's answer. Workers check the URL again on every
//! delivery (https on a public address unless configured; see `[webhooks]`).

use chrono::{DateTime, Utc};
use entities::enums::Role;
use entities::webhooks::{self, Model};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};

use super::{actor, audited};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, ok};
use crate::events::channel::parse_list;
use crate::state::ApiState;
use crate::tags::ApiTags;

/// Longest URL accepted.
const MAX_URL: usize = 2_048;

#[derive(Clone, Debug, Object)]
pub struct NewWebhook {
    /// `https://…` (plain http only to an endpoint the deployment allows).
    pub url: String,
    /// Channels as `/events` takes them: `matches:live`, `matches:{id}`,
    /// `odds:{match_id}`, `predictions:new`, `value_bets:alerts`, `matches:*`, `odds:*`.
    pub channels: Vec<String>,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookItem {
    pub id: i64,
    pub url: String,
    pub channels: Vec<String>,
    pub active: bool,
    /// Failed deliveries since the last good one.
    pub failure_streak: i32,
    pub last_error: Option<String>,
    pub last_delivered_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The HMAC-SHA256 key of `X-Kickoff-Signature`: only in the registration's answer.
    pub secret: Option<String>,
}

impl From<Model> for WebhookItem {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            channels: m.channel_list(),
            url: m.url,
            active: m.active,
            failure_streak: m.failure_streak,
            last_error: m.last_error,
            last_delivered_at: m.last_delivered_at,
            disabled_at: m.disabled_at,
            created_by: m.created_by,
            created_at: m.created_at,
            secret: None,
        }
    }
}

fn valid_url(raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_URL {
        return Err(ApiError::validation("url", format!("longer than {MAX_URL} characters")));
    }
    let url = url::Url::parse(raw.trim()).map_err(|e| ApiError::validation("url", e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ApiError::validation("url", "an http or https URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::validation(
            "url",
            "credentials in the URL are not kept; the signature authenticates",
        ));
    }
    Ok(url.to_string())
}

pub struct WebhooksApi {
    pub state: ApiState,
}

impl WebhooksApi {
    async fn find(&self, id: i64) -> Result<Model, ApiError> {
        webhooks::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("webhook {id}")))
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Registers an endpoint for channels (admin). The answer holds its secret, once.
    #[oai(path = "/webhooks", method = "post")]
    async fn create(&self, auth: Credentials, body: Json<NewWebhook>) -> ApiResult<WebhookItem> {
        let who = actor(&auth, Role::Admin)?;
        let url = valid_url(&body.url)?;
        parse_list(&body.channels.join(",")).map_err(|e| ApiError::validation("channels", e))?;
        let mut channels = body.0.channels.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>();
        channels.dedup();
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let row = webhooks::ActiveModel {
            url: Set(url.clone()),
            channels: Set(serde_json::json!(channels)),
            secret: Set(secret.clone()),
            active: Set(true),
            failure_streak: Set(0),
            created_by: Set(who.actor.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.state.db)
        .await?;
        let details = serde_json::json!({ "url": url, "channels": channels });
        audited(&self.state, &who, "webhook.create", Some(row.id.to_string()), details).await?;
        Ok(ok(WebhookItem { secret: Some(secret), ..row.into() }, None))
    }

    /// Every registered endpoint with its delivery health (admin).
    #[oai(path = "/webhooks", method = "get")]
    async fn list(&self, auth: Credentials) -> ApiResult<Vec<WebhookItem>> {
        auth.require(Role::Admin)?;
        let rows = webhooks::Entity::find().order_by_asc(webhooks::Column::Id).all(&self.state.db).await?;
        Ok(ok(rows.into_iter().map(WebhookItem::from).collect(), None))
    }

    /// Enables an endpoint again, its failure streak cleared (admin).
    #[oai(path = "/webhooks/:id/enable", method = "post")]
    async fn enable(&self, auth: Credentials, id: Path<i64>) -> ApiResult<WebhookItem> {
        let who = actor(&auth, Role::Admin)?;
        let mut row = self.find(id.0).await?.into_active_model();
        row.active = Set(true);
        row.failure_streak = Set(0);
        row.disabled_at = Set(None);
        let row = row.update(&self.state.db).await?;
        audited(&self.state, &who, "webhook.enable", Some(id.0.to_string()), serde_json::Value::Null).await?;
        Ok(ok(row.into(), None))
    }

    /// Deletes an endpoint; deliveries still queued for it are dropped (admin).
    #[oai(path = "/webhooks/:id", method = "delete")]
    async fn delete(&self, auth: Credentials, id: Path<i64>) -> ApiResult<WebhookItem> {
        let who = actor(&auth, Role::Admin)?;
        let row = self.find(id.0).await?;
        webhooks::Entity::delete_by_id(row.id).exec(&self.state.db).await?;
        audited(&self.state, &who, "webhook.delete", Some(id.0.to_string()), serde_json::Value::Null).await?;
        Ok(ok(row.into(), None))
    }
}
