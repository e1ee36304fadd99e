//! Telegram alert deliveries: the ledger, filtered by state, and the operator's decision
//! on an uncertain one (the chat has it, or send it again to that chat alone).

use chrono::{DateTime, Utc};
use entities::alert_deliveries::Model;
use entities::enums::{DeliveryState, Role};
use jobs::Enqueued;
use jobs::alert_deliveries::{self, Resolution, ReviewError};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::{actor, audited, queue_client};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, Meta, PageMeta, ok};
use crate::pagination::Page;
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StateParam {
    /// Claimed; the Bot API call is under way, or its process died during it.
    Sending,
    /// Telegram took it.
    Sent,
    /// It may or may not have reached the chat; never resent on its own.
    Uncertain,
}

impl From<StateParam> for DeliveryState {
    fn from(s: StateParam) -> Self {
        match s {
            StateParam::Sending => Self::Sending,
            StateParam::Sent => Self::Sent,
            StateParam::Uncertain => Self::Uncertain,
        }
    }
}

impl From<DeliveryState> for StateParam {
    fn from(s: DeliveryState) -> Self {
        match s {
            DeliveryState::Sending => Self::Sending,
            DeliveryState::Sent => Self::Sent,
            DeliveryState::Uncertain => Self::Uncertain,
        }
    }
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AlertDeliveryItem {
    pub id: i64,
    pub value_bet_id: i64,
    pub chat_id: i64,
    pub state: StateParam,
    /// Telegram's id of the message, once sent.
    pub message_id: Option<i64>,
    /// The job that claimed it.
    pub job_id: String,
    /// How the call ended, for an uncertain delivery.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Model> for AlertDeliveryItem {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            value_bet_id: m.value_bet_id,
            chat_id: m.chat_id,
            state: m.state.into(),
            message_id: m.message_id,
            job_id: m.job_id,
            error: m.error,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ResolutionParam {
    /// The chat has the message: record it as sent.
    Sent,
    /// The chat does not have it: send it again, to that chat only.
    Resend,
}

impl From<ResolutionParam> for Resolution {
    fn from(r: ResolutionParam) -> Self {
        match r {
            ResolutionParam::Sent => Self::Sent,
            ResolutionParam::Resend => Self::Resend,
        }
    }
}

#[derive(Clone, Debug, Object)]
pub struct ResolveRequest {
    pub resolution: ResolutionParam,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ResolvedItem {
    pub id: i64,
    pub resolution: ResolutionParam,
    /// For a resend: `queued`, or `duplicate` when it was queued before.
    pub outcome: Option<String>,
    pub job_id: Option<String>,
}

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::NotFound(id) => ApiError::NotFound(format!("alert delivery {id}")),
            e @ ReviewError::NotUncertain { .. } => ApiError::Conflict(e.to_string()),
            ReviewError::Db(d) => ApiError::Database(d),
            ReviewError::Queue(q) => ApiError::Queue(q),
        }
    }
}

pub struct AlertDeliveriesApi {
    pub state: ApiState,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::AlertDeliveries")]
impl AlertDeliveriesApi {
    /// Alert deliveries, most recently changed first, filtered by state.
    #[oai(path = "/alert-deliveries", method = "get")]
    async fn list(
        &self,
        auth: Credentials,
        state: Query<Option<StateParam>>,
        #[oai(validator(minimum(value = "1")))] page: Query<Option<u64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<AlertDeliveryItem>> {
        auth.require(Role::Reader)?;
        let p = Page::new(page.0, per_page.0)?;
        let (rows, total) =
            alert_deliveries::list(&self.state.db, state.0.map(Into::into), p.offset(), p.per_page).await?;
        let items = rows.into_iter().map(AlertDeliveryItem::from).collect();
        Ok(ok(items, Some(Meta::Page(PageMeta::new(p.page, p.per_page, total)))))
    }

    /// Settles an uncertain delivery: the chat has it, or it is sent again to that chat
    /// alone (operator).
    #[oai(path = "/alert-deliveries/:id/resolve", method = "post")]
    async fn resolve(
        &self,
        auth: Credentials,
        id: Path<i64>,
        body: Json<ResolveRequest>,
    ) -> ApiResult<ResolvedItem> {
        let who = actor(&auth, Role::Operator)?;
        let resolution = body.0.resolution;
        let queues = queue_client(&self.state)?;
        let enqueued = alert_deliveries::resolve(&self.state.db, queues, id.0, resolution.into())
            .await
            .map_err(ApiError::from)?;
        let (outcome, job_id) = match &enqueued {
            Some(Enqueued::Queued { id, .. }) => (Some("queued".to_owned()), Some(id.clone())),
            Some(Enqueued::Duplicate { .. }) => (Some("duplicate".to_owned()), None),
            None => (None, None),
        };
        let details =
            serde_json::json!({ "resolution": format!("{resolution:?}").to_lowercase(), "outcome": outcome });
        audited(&self.state, &who, "alert_delivery.resolve", Some(id.0.to_string()), details).await?;
        Ok(ok(ResolvedItem { id: id.0, resolution, outcome, job_id }, None))
    }
}
