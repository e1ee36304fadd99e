//! Dead letters: list with filters, show, requeue (optionally with edited arguments),
//! delete, purge, and bulk actions on a selection or on everything a filter matches.

use chrono::{DateTime, Utc};
use entities::enums::Role;
use jobs::dead_letters::{self, DeadLetter, DeadLetterFilter, errors_of};
use jobs::{Enqueued, QueueClient};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::{actor, audited, queue_client};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, Meta, PageMeta, ok};
use crate::pagination::Page;
use crate::state::ApiState;
use crate::tags::ApiTags;

/// Bulk actions touch at most this many letters per call.
const MAX_BULK: usize = 10_000;

#[derive(Clone, Debug, Object)]
pub struct AttemptItem {
    pub attempt: u32,
    pub error: String,
    /// Permanent errors dead-letter at once; transient ones were retried.
    pub permanent: bool,
    pub started_at: DateTime<Utc>,
    pub failed_at: DateTime<Utc>,
    pub worker: String,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeadLetterItem {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    /// Every attempt's error, oldest first.
    pub errors: Vec<AttemptItem>,
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    pub requeued_at: Option<DateTime<Utc>>,
}

impl From<DeadLetter> for DeadLetterItem {
    fn from(d: DeadLetter) -> Self {
        let errors = errors_of(&d)
            .into_iter()
            .map(|e| AttemptItem {
                attempt: e.attempt,
                error: e.error,
                permanent: e.permanent,
                started_at: e.started_at,
                failed_at: e.failed_at,
                worker: e.worker,
            })
            .collect();
        Self {
            id: d.id,
            queue: d.queue,
            kind: d.kind,
            payload: d.payload,
            attempts: d.attempts,
            errors,
            first_failed_at: d.first_failed_at,
            last_failed_at: d.last_failed_at,
            requeued_at: d.requeued_at,
        }
    }
}

#[derive(Clone, Debug, Default, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RequeueRequest {
    /// Replacement arguments, validated against the kind's schema; omitted keeps them.
    pub args: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RequeuedItem {
    pub dead_letter_id: i64,
    /// `queued` or `duplicate`.
    pub outcome: String,
    pub job_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BulkAction {
    Requeue,
    Delete,
}

/// The letters a bulk action applies to: listed ids, or everything the filter matches.
#[derive(Clone, Debug, Default, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Selection {
    pub ids: Option<Vec<i64>>,
    pub queue: Option<String>,
    pub kind: Option<String>,
    /// Text one of the errors contains (case-insensitive).
    pub error: Option<String>,
}

#[derive(Clone, Debug, Object)]
pub struct BulkRequest {
    pub action: BulkAction,
    pub selection: Selection,
}

#[derive(Clone, Debug, Object)]
pub struct BulkResult {
    pub action: BulkAction,
    /// Letters the action applied to.
    pub affected: u64,
    pub ids: Vec<i64>,
}

#[derive(Clone, Debug, Default, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PurgeRequest {
    /// Only letters that last failed before this; omitted purges all.
    pub before: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Object)]
pub struct Affected {
    pub affected: u64,
}

fn outcome_item(id: i64, outcome: Enqueued) -> RequeuedItem {
    match outcome {
        Enqueued::Queued { id: job, .. } => {
            RequeuedItem { dead_letter_id: id, outcome: "queued".into(), job_id: Some(job) }
        }
        Enqueued::Duplicate { .. } => {
            RequeuedItem { dead_letter_id: id, outcome: "duplicate".into(), job_id: None }
        }
    }
}

pub struct DeadLettersApi {
    pub state: ApiState,
}

impl DeadLettersApi {
    async fn selected(&self, sel: &Selection) -> Result<Vec<i64>, ApiError> {
        if let Some(ids) = &sel.ids {
            if sel.queue.is_some() || sel.kind.is_some() || sel.error.is_some() {
                return Err(ApiError::validation("selection", "give either ids or a filter, not both"));
            }
            if ids.is_empty() || ids.len() > MAX_BULK {
                return Err(ApiError::validation("selection.ids", format!("1 to {MAX_BULK} ids")));
            }
            return Ok(ids.clone());
        }
        let filter = DeadLetterFilter {
            queue: sel.queue.clone(),
            kind: sel.kind.clone(),
            error_contains: sel.error.clone(),
            include_requeued: false,
            limit: Some(MAX_BULK as u64),
        };
        Ok(dead_letters::list(&self.state.db, &filter).await?.into_iter().map(|d| d.id).collect())
    }

    async fn requeue_one(
        &self,
        queues: &QueueClient,
        id: i64,
        args: Option<serde_json::Value>,
    ) -> Result<RequeuedItem, ApiError> {
        let outcome = dead_letters::requeue(&self.state.db, queues, id, args).await?;
        Ok(outcome_item(id, outcome))
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::DeadLetters")]
impl DeadLettersApi {
    /// Dead letters, newest failure first, filtered by queue, kind and error text.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/dead-letters", method = "get")]
    async fn list(
        &self,
        auth: Credentials,
        queue: Query<Option<String>>,
        kind: Query<Option<String>>,
        /// Text one of the errors contains (case-insensitive).
        error: Query<Option<String>>,
        /// Include letters already requeued.
        include_requeued: Query<Option<bool>>,
        #[oai(validator(minimum(value = "1")))] page: Query<Option<u64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<DeadLetterItem>> {
        auth.require(Role::Reader)?;
        let p = Page::new(page.0, per_page.0)?;
        let filter = DeadLetterFilter {
            queue: queue.0,
            kind: kind.0,
            error_contains: error.0,
            include_requeued: include_requeued.0.unwrap_or(false),
            limit: None,
        };
        let all = dead_letters::list(&self.state.db, &filter).await?;
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(p.offset() as usize)
            .take(p.per_page as usize)
            .map(DeadLetterItem::from)
            .collect();
        Ok(ok(items, Some(Meta::Page(PageMeta::new(p.page, p.per_page, total)))))
    }

    /// One dead letter with every attempt's error.
    #[oai(path = "/dead-letters/:id", method = "get")]
    async fn one(&self, auth: Credentials, id: Path<i64>) -> ApiResult<DeadLetterItem> {
        auth.require(Role::Reader)?;
        Ok(ok(dead_letters::get(&self.state.db, id.0).await.map_err(ApiError::from)?.into(), None))
    }

    /// Enqueues the job again as a first attempt, with edited arguments if given (operator).
    #[oai(path = "/dead-letters/:id/requeue", method = "post")]
    async fn requeue(
        &self,
        auth: Credentials,
        id: Path<i64>,
        body: Json<RequeueRequest>,
    ) -> ApiResult<RequeuedItem> {
        let who = actor(&auth, Role::Operator)?;
        let queues = queue_client(&self.state)?;
        let edited = body.0.args.is_some();
        let item = self.requeue_one(queues, id.0, body.0.args).await?;
        let details = serde_json::json!({ "edited": edited, "outcome": item.outcome, "job_id": item.job_id });
        audited(&self.state, &who, "dead_letter.requeue", Some(id.0.to_string()), details).await?;
        Ok(ok(item, None))
    }

    /// Deletes one dead letter (operator).
    #[oai(path = "/dead-letters/:id", method = "delete")]
    async fn delete(&self, auth: Credentials, id: Path<i64>) -> ApiResult<Affected> {
        let who = actor(&auth, Role::Operator)?;
        let affected = dead_letters::delete(&self.state.db, &[id.0]).await?;
        if affected == 0 {
            return Err(ApiError::NotFound(format!("dead letter {}", id.0)).into());
        }
        audited(&self.state, &who, "dead_letter.delete", Some(id.0.to_string()), serde_json::Value::Null)
            .await?;
        Ok(ok(Affected { affected }, None))
    }

    /// Requeues or deletes the selected letters, or all a filter matches (operator).
    #[oai(path = "/dead-letters/bulk", method = "post")]
    async fn bulk(&self, auth: Credentials, body: Json<BulkRequest>) -> ApiResult<BulkResult> {
        let who = actor(&auth, Role::Operator)?;
        let ids = self.selected(&body.0.selection).await?;
        let mut done = Vec::with_capacity(ids.len());
        match body.0.action {
            BulkAction::Delete => done = dead_letters::delete_existing(&self.state.db, &ids).await?,
            BulkAction::Requeue => {
                let queues = queue_client(&self.state)?;
                for id in ids {
                    match self.requeue_one(queues, id, None).await {
                        Ok(_) => done.push(id),
                        // A listed id may be gone or requeued already; the others still go.
                        Err(ApiError::NotFound(_) | ApiError::Conflict(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        let details = serde_json::json!({ "ids": &done });
        let action = match body.0.action {
            BulkAction::Requeue => "dead_letter.bulk_requeue",
            BulkAction::Delete => "dead_letter.bulk_delete",
        };
        audited(&self.state, &who, action, None, details).await?;
        Ok(ok(BulkResult { action: body.0.action, affected: done.len() as u64, ids: done }, None))
    }

    /// Deletes every dead letter, or those that last failed before `before` (admin).
    #[oai(path = "/dead-letters/purge", method = "post")]
    async fn purge(&self, auth: Credentials, body: Json<PurgeRequest>) -> ApiResult<Affected> {
        let who = actor(&auth, Role::Admin)?;
        let cutoff = body.0.before.unwrap_or_else(|| Utc::now() + chrono::Duration::days(36_500));
        let affected = dead_letters::purge_before(&self.state.db, cutoff).await?;
        let details = serde_json::json!({ "before": body.0.before, "affected": affected });
        audited(&self.state, &who, "dead_letter.purge", None, details).await?;
        Ok(ok(Affected { affected }, None))
    }
}
