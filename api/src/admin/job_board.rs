//! Jobs by state and one job with every attempt: `GET /admin/jobs` and
//! `GET /admin/jobs/id/{id}`, read as the dashboard's job pages read them (waiting and
//! running jobs from the queues, finished attempts from each queue's journal).

use chrono::{DateTime, Utc};
use entities::enums::Role;
use jobs::journal::JobEvent;
use jobs::queues;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Enum, Object, OpenApi};

use super::queue_client;
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, ok};
use crate::job_board::{Row, find, rows};
use crate::pagination::Page;
use crate::state::ApiState;
use crate::tags::ApiTags;

/// Where a job is, or how its attempt ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Scheduled,
    #[default]
    Running,
    Succeeded,
    Retried,
    DeadLettered,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Scheduled => "scheduled",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Retried => "retried",
            JobState::DeadLettered => "dead_lettered",
        }
    }
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct JobAttempt {
    pub attempt: u32,
    /// `succeeded`, `retried` or `dead_lettered`.
    pub outcome: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub worker: String,
    pub error: Option<String>,
    pub dead_letter_id: Option<i64>,
}

impl From<JobEvent> for JobAttempt {
    fn from(e: JobEvent) -> Self {
        Self {
            attempt: e.attempt,
            outcome: e.event.as_str().to_owned(),
            started_at: e.started_at,
            finished_at: e.at,
            duration_ms: e.duration_ms,
            worker: e.worker,
            error: e.error,
            dead_letter_id: e.dead_letter_id,
        }
    }
}

#[derive(Clone, Debug, Object)]
pub struct JobDetail {
    /// Where the job is now: on a queue, or its last finished attempt.
    pub job: Row,
    /// Its finished attempts in the journal, oldest first.
    pub attempts: Vec<JobAttempt>,
}

pub struct JobBoardApi {
    pub state: ApiState,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Jobs")]
impl JobBoardApi {
    /// Jobs in one state, filtered by queue, kind, argument text and error text. Waiting
    /// and running jobs are read from the queues (up to 500 per queue), oldest first;
    /// finished attempts from each queue's journal (its newest 2,000), newest first.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/jobs", method = "get")]
    async fn list(
        &self,
        auth: Credentials,
        state: Query<Option<JobState>>,
        queue: Query<Option<String>>,
        kind: Query<Option<String>>,
        /// Text the arguments (as JSON) contain (case-insensitive).
        q: Query<Option<String>>,
        /// Text the error contains (case-insensitive).
        error: Query<Option<String>>,
        #[oai(validator(minimum(value = "1")))] page: Query<Option<u64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<Row>> {
        auth.require(Role::Reader)?;
        let p = Page::new(page.0, per_page.0)?;
        let client = queue_client(&self.state)?;
        let on: Vec<&str> = match queue.0.as_deref() {
            None => queues::ALL.to_vec(),
            Some(q) => vec![
                queues::ALL
                    .iter()
                    .copied()
                    .find(|k| *k == q)
                    .ok_or_else(|| ApiError::validation("queue", format!("unknown queue `{q}`")))?,
            ],
        };
        let state = state.0.unwrap_or_default();
        let (kind, text, error) =
            (kind.0.unwrap_or_default(), q.0.unwrap_or_default(), error.0.unwrap_or_default());
        let matching: Vec<Row> = rows(client, &on, &[state.as_str()])
            .await?
            .into_iter()
            .filter(|r| r.matches(&kind, &text, &error))
            .collect();
        let total = matching.len() as u64;
        let items = matching
            .into_iter()
            .skip(usize::try_from(p.offset()).unwrap_or(usize::MAX))
            .take(p.per_page as usize)
            .collect();
        Ok(ok(items, p.meta(total)))
    }

    /// One job: where it is now and every finished attempt in the journal.
    #[oai(path = "/jobs/id/:id", method = "get")]
    async fn one(&self, auth: Credentials, id: Path<String>) -> ApiResult<JobDetail> {
        auth.require(Role::Reader)?;
        let client = queue_client(&self.state)?;
        let Some((job, _, attempts)) = find(client, &id.0).await? else {
            return Err(ApiError::NotFound(format!("job `{}`", id.0)).into());
        };
        let attempts = attempts.into_iter().map(JobAttempt::from).collect();
        Ok(ok(JobDetail { job, attempts }, None))
    }
}
