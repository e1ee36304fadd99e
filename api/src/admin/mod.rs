//! The admin API under `/api/v1/admin`: trigger jobs, watch and steer queues, workers,
//! schedules and dead letters, read the audit log. Reads need reader (an end user's
//! member role is refused: job arguments and dead-letter payloads are operator data);
//! actions need operator (purging and the audit log need admin); every action is written
//! to audit_log.

pub mod alert_deliveries;
pub mod audit_log;
pub mod dead_letters;
pub mod job_board;
pub mod jobs;
pub mod queues;
pub mod schedules;
pub mod webhooks;

use ::jobs::QueueClient;
use ::jobs::dead_letters::DeadLetterError;
use entities::enums::Role;

use crate::auth::{Credentials, Principal, audit};
use crate::envelope::ApiError;
use crate::state::ApiState;

/// The queue client, or UNAVAILABLE when the server runs without one.
pub(crate) fn queue_client(state: &ApiState) -> Result<&QueueClient, ApiError> {
    state.queues.as_ref().ok_or_else(|| ApiError::Unavailable("this server runs without a job queue".into()))
}

/// Checks the role, for an action that will be audited.
pub(crate) fn actor(auth: &Credentials, needed: Role) -> Result<Principal, ApiError> {
    auth.require(needed).cloned()
}

/// Writes the audit row of a finished action.
pub(crate) async fn audited(
    state: &ApiState,
    who: &Principal,
    action: &str,
    target: impl Into<Option<String>>,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    Ok(audit::record(&state.db, who, action, target.into(), details).await?)
}

impl From<DeadLetterError> for ApiError {
    fn from(e: DeadLetterError) -> Self {
        match e {
            DeadLetterError::NotFound(id) => ApiError::NotFound(format!("dead letter {id}")),
            e @ DeadLetterError::AlreadyRequeued { .. } => ApiError::Conflict(e.to_string()),
            DeadLetterError::Job(j @ ::jobs::JobError::InvalidArgs { .. }) => {
                ApiError::validation("args", j.to_string())
            }
            DeadLetterError::Job(j) => ApiError::validation("kind", j.to_string()),
            DeadLetterError::Db(d) => ApiError::Database(d),
            DeadLetterError::Queue(q) => ApiError::Queue(q),
        }
    }
}
