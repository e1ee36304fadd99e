//! Triggering a job by hand: `POST /admin/jobs/{kind}` with arguments validated against
//! the kind's schema, an optional start time and idempotency key; and the catalogue of
//! kinds with their schemas, from which clients build forms.

use chrono::{DateTime, Utc};
use entities::enums::Role;
use jobs::catalogue::{KINDS, args_schema};
use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, JobError};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{actor, audited, queue_client};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, Envelope as Body, ErrorResponse, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

/// Idempotency keys longer than this are refused.
const MAX_KEY_LEN: usize = 200;

#[derive(Clone, Debug, Object)]
pub struct JobKind {
    pub kind: String,
    pub queue: String,
    pub max_attempts: u32,
    /// JSON schema of the arguments.
    pub args_schema: serde_json::Value,
}

#[derive(Clone, Debug, Default, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TriggerRequest {
    /// The job's arguments; omitted or null for kinds without any.
    pub args: Option<serde_json::Value>,
    /// Run no earlier than this (UTC); omitted means now.
    pub run_at: Option<DateTime<Utc>>,
    /// A second trigger with the same key within 24 h enqueues nothing.
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TriggeredJob {
    /// `queued` or `duplicate`.
    pub outcome: String,
    pub kind: String,
    pub queue: String,
    /// The job id (absent for a duplicate).
    pub id: Option<String>,
    pub run_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<String>,
}

#[derive(ApiResponse)]
pub enum TriggerResponse {
    /// The job was enqueued.
    #[oai(status = 202)]
    Queued(Json<Body<TriggeredJob>>),
    /// The idempotency key was used within 24 h; nothing was enqueued.
    #[oai(status = 200)]
    Duplicate(Json<Body<TriggeredJob>>),
}

pub struct AdminJobsApi {
    pub state: ApiState,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Jobs")]
impl AdminJobsApi {
    /// Every job kind with its queue, attempts and argument schema.
    #[oai(path = "/jobs/kinds", method = "get")]
    async fn kinds(&self, auth: Credentials) -> ApiResult<Vec<JobKind>> {
        auth.require(Role::Reader)?;
        let kinds = KINDS
            .iter()
            .map(|(kind, queue, policy)| JobKind {
                kind: (*kind).to_owned(),
                queue: (*queue).to_owned(),
                max_attempts: policy.max_attempts,
                args_schema: args_schema(kind).and_then(|s| serde_json::to_value(s).ok()).unwrap_or_default(),
            })
            .collect();
        Ok(ok(kinds, None))
    }

    /// Enqueues a job of `kind` (operator).
    #[oai(path = "/jobs/:kind", method = "post")]
    async fn trigger(
        &self,
        auth: Credentials,
        kind: Path<String>,
        body: Json<TriggerRequest>,
    ) -> Result<TriggerResponse, ErrorResponse> {
        let who = actor(&auth, Role::Operator)?;
        let req = body.0;
        let job = AnyJob::from_parts(&kind.0, req.args.clone().unwrap_or_default()).map_err(|e| match e {
            JobError::UnknownKind { .. } => ApiError::NotFound(format!("job kind `{}`", kind.0)),
            JobError::InvalidArgs { message, .. } => ApiError::validation("args", message),
        })?;
        if let Some(key) = &req.idempotency_key
            && (key.is_empty() || key.len() > MAX_KEY_LEN)
        {
            return Err(
                ApiError::validation("idempotency_key", format!("must be 1 to {MAX_KEY_LEN} bytes")).into()
            );
        }
        let envelope = Envelope::new(&job);
        let opts = EnqueueOptions { run_at: req.run_at, idempotency_key: req.idempotency_key.clone() };
        let outcome = queue_client(&self.state)?.enqueue(&envelope, &opts).await.map_err(ApiError::from)?;
        let mut item = TriggeredJob {
            outcome: "queued".into(),
            kind: job.kind().to_owned(),
            queue: job.queue().to_owned(),
            id: None,
            run_at: req.run_at,
            idempotency_key: req.idempotency_key,
        };
        let details = serde_json::json!({ "args": job.args(), "run_at": req.run_at, "outcome": &outcome });
        audited(&self.state, &who, "job.trigger", Some(job.kind().to_owned()), details).await?;
        Ok(match outcome {
            Enqueued::Queued { id, .. } => {
                item.id = Some(id);
                TriggerResponse::Queued(ok(item, None))
            }
            Enqueued::Duplicate { .. } => {
                item.outcome = "duplicate".into();
                TriggerResponse::Duplicate(ok(item, None))
            }
        })
    }
}
