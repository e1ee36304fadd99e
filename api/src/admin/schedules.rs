//! The cron table with its shared state (last and next fire, fired and missed ticks),
//! run now, enable and disable.

use chrono::{DateTime, Utc};
use entities::enums::Role;
use jobs::Enqueued;
use jobs::schedule::{ScheduleEntry, Schedules};
use jobs::schedule_state::{self, EntryState};
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};

use super::{actor, audited, queue_client};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleItem {
    pub name: String,
    /// Seconds first, 6 or 7 fields.
    pub cron: String,
    pub timezone: String,
    pub kind: String,
    pub args: serde_json::Value,
    /// Effective: an operator's override if any, else schedules.toml.
    pub enabled: bool,
    /// Whether `enabled` was set by an operator.
    pub overridden: bool,
    pub last_fire: Option<DateTime<Utc>>,
    pub next_fire: Option<DateTime<Utc>>,
    pub fired: u64,
    /// Ticks no scheduler fired within the catch-up window.
    pub missed_ticks: u64,
    pub last_missed: Option<DateTime<Utc>>,
    pub runs_now: u64,
    pub last_run_now: Option<DateTime<Utc>>,
}

fn item(entry: &ScheduleEntry, s: EntryState) -> ScheduleItem {
    ScheduleItem {
        name: s.name,
        cron: s.cron,
        timezone: s.timezone,
        kind: s.kind,
        args: entry.job.args(),
        enabled: s.enabled,
        overridden: s.overridden,
        last_fire: s.last_fire,
        next_fire: s.next_fire,
        fired: s.fired,
        missed_ticks: s.missed,
        last_missed: s.last_missed,
        runs_now: s.runs_now,
        last_run_now: s.last_run_now,
    }
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RunNowItem {
    pub schedule: String,
    /// `queued` or `duplicate`.
    pub outcome: String,
    pub job_id: Option<String>,
    pub queue: String,
}

pub struct SchedulesApi {
    pub state: ApiState,
}

impl SchedulesApi {
    fn table(&self) -> Result<&Schedules, ApiError> {
        self.state.schedules.as_deref().ok_or_else(|| ApiError::Unavailable("no schedules are loaded".into()))
    }

    fn entry(&self, name: &str) -> Result<&ScheduleEntry, ApiError> {
        self.table()?.get(name).ok_or_else(|| ApiError::NotFound(format!("schedule `{name}`")))
    }

    async fn one_item(&self, name: &str) -> Result<ScheduleItem, ApiError> {
        let entry = self.entry(name)?;
        let state = schedule_state::state_of(queue_client(&self.state)?, entry, Utc::now()).await?;
        Ok(item(entry, state))
    }

    async fn set_enabled(&self, auth: &Credentials, name: &str, enabled: bool) -> ApiResult<ScheduleItem> {
        let who = actor(auth, Role::Operator)?;
        self.entry(name)?;
        schedule_state::set_enabled(queue_client(&self.state)?, name, enabled).await?;
        let action = if enabled { "schedule.enable" } else { "schedule.disable" };
        audited(&self.state, &who, action, Some(name.to_owned()), serde_json::Value::Null).await?;
        Ok(ok(self.one_item(name).await?, None))
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Schedules")]
impl SchedulesApi {
    /// Every schedule in file order, with its shared state.
    #[oai(path = "/schedules", method = "get")]
    async fn list(&self, auth: Credentials) -> ApiResult<Vec<ScheduleItem>> {
        auth.require(Role::Reader)?;
        let table = self.table()?;
        let states = schedule_state::states(queue_client(&self.state)?, table, Utc::now()).await?;
        Ok(ok(table.entries.iter().zip(states).map(|(e, s)| item(e, s)).collect(), None))
    }

    #[oai(path = "/schedules/:name", method = "get")]
    async fn one(&self, auth: Credentials, name: Path<String>) -> ApiResult<ScheduleItem> {
        auth.require(Role::Reader)?;
        Ok(ok(self.one_item(&name.0).await?, None))
    }

    /// Enqueues the schedule's job now, outside its cron (operator).
    #[oai(path = "/schedules/:name/run", method = "post")]
    async fn run_now(&self, auth: Credentials, name: Path<String>) -> ApiResult<RunNowItem> {
        let who = actor(&auth, Role::Operator)?;
        let entry = self.entry(&name.0)?;
        let (envelope, outcome) = schedule_state::run_now(queue_client(&self.state)?, entry).await?;
        let (label, job_id) = match outcome {
            Enqueued::Queued { id, .. } => ("queued", Some(id)),
            Enqueued::Duplicate { .. } => ("duplicate", None),
        };
        let details = serde_json::json!({ "job_id": &job_id, "kind": envelope.kind });
        audited(&self.state, &who, "schedule.run_now", Some(name.0.clone()), details).await?;
        let queue = entry.job.queue().to_owned();
        Ok(ok(RunNowItem { schedule: name.0, outcome: label.into(), job_id, queue }, None))
    }

    /// Lets the schedule fire again, for every scheduler process (operator).
    #[oai(path = "/schedules/:name/enable", method = "post")]
    async fn enable(&self, auth: Credentials, name: Path<String>) -> ApiResult<ScheduleItem> {
        self.set_enabled(&auth, &name.0, true).await
    }

    /// Stops the schedule firing, for every scheduler process (operator).
    #[oai(path = "/schedules/:name/disable", method = "post")]
    async fn disable(&self, auth: Credentials, name: Path<String>) -> ApiResult<ScheduleItem> {
        self.set_enabled(&auth, &name.0, false).await
    }
}
