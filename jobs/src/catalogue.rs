//! The job kinds: one payload type per kind, each with a fixed queue name and policy,
//! and `AnyJob`, the only place a string becomes a job (schedules.toml, `kickoff
//! trigger`, the trigger endpoint).

use schemars::{JsonSchema, Schema, schema_for};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use std::future::Future;
use std::pin::Pin;

use crate::envelope::Envelope;
use crate::failure::JobFailure;
use crate::policy::JobPolicy;

/// Queue names. They are part of the stored data: never derive them from type names.
pub mod queues {
    pub const COLLECT: &str = "collect";
    pub const SCRAPE: &str = "scrape";
    pub const PROCESS: &str = "process";
    pub const INFERENCE: &str = "inference";
    pub const NOTIFY: &str = "notify";
    pub const SETTLE: &str = "settle";
    pub const TRAIN: &str = "train";
    pub const MAINTENANCE: &str = "maintenance";
    /// Every queue, in pipeline order.
    pub const ALL: [&str; 8] = [COLLECT, SCRAPE, PROCESS, INFERENCE, NOTIFY, SETTLE, TRAIN, MAINTENANCE];
}

/// A kind of job: its payload type, stable kind name, queue and policy.
pub trait Job: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    const KIND: &'static str;
    const QUEUE: &'static str;
    const POLICY: JobPolicy;
}

/// What running a job returns: boxed, so a job in flight holds its own handler's state
/// and not the largest handler's.
pub type Handled<'a> = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send + 'a>>;

/// A kind's handler on the runtime `R` that runs it (the workers' runtime). Every kind
/// in the catalogue needs one: [`AnyJob::handle`] does not compile for a runtime that
/// lacks a kind's handler.
pub trait Handle<R: ?Sized>: Job {
    fn handle<'a>(self, rt: &'a R, envelope: &'a Envelope) -> Handled<'a>;
}

/// Fan-out: one scrape job per league of football-data.co.uk results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectResults {
    /// Division codes (`E0`, `D1`, ...); empty means every configured league.
    #[serde(default)]
    pub leagues: Vec<String>,
    /// Season code as football-data.co.uk writes it (`2324`); absent means the current one.
    #[serde(default)]
    pub season: Option<String>,
}

/// Fan-out: one `scrape_page` per configured fixture source and league.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectFixtures {
    /// Division codes; empty means every configured league.
    #[serde(default)]
    pub leagues: Vec<String>,
    /// Sites (`[scrape.sources]` keys); empty means every configured one.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Season as `2023-24`; absent means the one running today.
    #[serde(default)]
    pub season: Option<String>,
    /// Day of pages listed by date (scoreboards); absent means today.
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
}

/// Fetch one football-data.co.uk CSV and store it as a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrapeFootballData {
    /// Division code, `E0`.
    pub league: String,
    /// Season code, `2324`.
    pub season: String,
}

/// Fetch one page of a scraped source and store it as a snapshot; its processing
/// follows. `source` is `{site}:{page}` or `{site}:{page}:{league}:{season}`
/// (`sofascore:round_events:E0:2015-16`): it names the parser and where rows belong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrapePage {
    pub source: String,
    pub url: String,
}

/// Read one league's match-odds markets from the Betfair Exchange and store them as a
/// snapshot; its processing follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrapeBetfair {
    /// Division code (`E0`), mapped to a competition by `[scrape.betfair] competitions`.
    pub league: String,
    /// Season as `2023-24`; absent means the one running today.
    #[serde(default)]
    pub season: Option<String>,
}

/// Turn a stored snapshot into entities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessSnapshot {
    pub snapshot_id: i64,
}

/// Predict the given matches (all upcoming ones when empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInference {
    #[serde(default)]
    pub match_ids: Vec<i64>,
}

/// Send one value bet to its subscribers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyValueBet {
    pub value_bet_id: i64,
    /// Only this chat (an operator's resend of an uncertain delivery); every matching
    /// subscription when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
}

/// Settle pending value bets of finished matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleBets {}

/// Refit a model (all models when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainModel {
    #[serde(default)]
    pub model: Option<String>,
}

/// Housekeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceTask {
    /// Enforce dead-letter retention (count and age).
    DeadLetterRetention,
    /// Delete finished jobs' leftovers from every queue (Redis or embedded).
    VacuumQueue,
    /// Check the operator alerts and tell the ops chat of incidents that start or clear.
    OpsAlerts,
    /// Queue the processing of snapshots stored but never processed (a worker killed
    /// between storing a snapshot and queueing its processing).
    ProcessPending,
    /// Plan a `follow_match` at the kickoff of every match a live source knows that
    /// kicks off within the next hours or is under way (once per match and kickoff).
    PlanLiveFollows,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub task: MaintenanceTask,
}

/// Follows a match while it is played: polls its live source, stores its state, score
/// and incidents, publishes their events, and plans its next poll until the final
/// whistle (then settles its bets), or until the poll cap (an abandoned match). Planned
/// at the match's kickoff when its fixture is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowMatch {
    pub match_id: i64,
    /// The kickoff this poll was planned for: a match whose kickoff moved since has a
    /// plan of its own, and this one stops.
    pub kickoff: chrono::DateTime<chrono::Utc>,
    /// Polls made before this one.
    #[serde(default)]
    pub polls: u32,
}

/// POSTs one live event to a registered webhook, signed with its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverWebhook {
    pub webhook_id: i64,
    /// The event's channel (without the queue prefix).
    pub channel: String,
    /// The event's message, `{type, channel, timestamp, data}`, as published.
    pub payload: String,
}

/// Deletes stored page snapshots past their retention: processed ones fetched more than
/// `keep_days` ago, except the latest of each source and URL (an unchanged page is
/// recognised by it, and `kickoff replay` can still process it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PruneSnapshots {
    /// Days a processed snapshot is kept (default 30).
    #[serde(default)]
    pub keep_days: Option<u32>,
}

/// Test and benchmark job: does nothing, or fails as told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Fail transiently on the first `fail_times` attempts.
    #[serde(default)]
    pub fail_times: u32,
    /// Fail permanently.
    #[serde(default)]
    pub permanent: bool,
    /// Milliseconds to work.
    #[serde(default)]
    pub sleep_ms: u64,
    /// Free-form marker, recorded by the handler.
    #[serde(default)]
    pub tag: String,
    /// Panic instead of returning (tests that panics count as transient failures).
    #[serde(default)]
    pub panic: bool,
    /// Write a `probe_runs` row, fenced by the attempt's done marker (the fault tests'
    /// countable database effect).
    #[serde(default)]
    pub record: bool,
    /// Abort the worker process on every run (a poison job).
    #[serde(default)]
    pub abort: bool,
}

// The catalogue: one line per kind (its payload type, kind name, queue and policy)
// makes the type a `Job` and gives it its place in `AnyJob`, `KINDS`, `args_schema`,
// `AnyJob::kind` and `AnyJob::handle` (which needs the kind's `Handle`). A kind's name
// is part of the stored data, never derived from its type name; a test checks that it
// matches `AnyJob`'s tag.
macro_rules! catalogue {
    ($($ty:ident: $kind:literal, $queue:expr, $policy:expr;)*) => {
        $(impl Job for $ty {
            const KIND: &'static str = $kind;
            const QUEUE: &'static str = $queue;
            const POLICY: JobPolicy = $policy;
        })*

        /// Every job kind, tagged by its kind name: `{"kind": "collect_results", "args": {...}}`.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "kind", content = "args", rename_all = "snake_case", deny_unknown_fields)]
        pub enum AnyJob {
            $($ty($ty),)*
        }

        /// Kind name, queue and policy of every job kind.
        pub const KINDS: [(&str, &str, JobPolicy); [$($kind),*].len()] = [$(($ty::KIND, $ty::QUEUE, $ty::POLICY)),*];

        /// The JSON schema of a kind's arguments.
        pub fn args_schema(kind: &str) -> Option<Schema> {
            Some(match kind {
                $($ty::KIND => schema_for!($ty),)*
                _ => return None,
            })
        }

        impl AnyJob {
            pub fn kind(&self) -> &'static str {
                match self {
                    $(AnyJob::$ty(_) => $ty::KIND,)*
                }
            }

            /// Runs the job with its kind's handler on `rt`.
            pub fn handle<'a, R: ?Sized>(self, rt: &'a R, envelope: &'a Envelope) -> Handled<'a>
            where
                $($ty: Handle<R>,)*
            {
                match self {
                    $(AnyJob::$ty(job) => job.handle(rt, envelope),)*
                }
            }
        }

        $(impl From<$ty> for AnyJob {
            fn from(job: $ty) -> Self {
                AnyJob::$ty(job)
            }
        })*
    };
}

catalogue! {
    CollectResults: "collect_results", queues::COLLECT, JobPolicy::new(3, 1_000, 60, 60);
    CollectFixtures: "collect_fixtures", queues::COLLECT, JobPolicy::new(3, 1_000, 60, 60);
    ScrapeFootballData: "scrape_football_data", queues::SCRAPE, JobPolicy::new(5, 2_000, 300, 120);
    ScrapePage: "scrape_page", queues::SCRAPE, JobPolicy::new(5, 2_000, 300, 120);
    ScrapeBetfair: "scrape_betfair", queues::SCRAPE, JobPolicy::new(5, 2_000, 300, 120);
    ProcessSnapshot: "process_snapshot", queues::PROCESS, JobPolicy::new(3, 1_000, 60, 300);
    RunInference: "run_inference", queues::INFERENCE, JobPolicy::new(3, 1_000, 60, 300);
    NotifyValueBet: "notify_value_bet", queues::NOTIFY, JobPolicy::new(8, 1_000, 600, 60);
    DeliverWebhook: "deliver_webhook", queues::NOTIFY, JobPolicy::new(8, 2_000, 600, 30);
    SettleBets: "settle_bets", queues::SETTLE, JobPolicy::new(3, 5_000, 300, 300);
    FollowMatch: "follow_match", queues::SCRAPE, JobPolicy::new(3, 2_000, 30, 60);
    TrainModel: "train_model", queues::TRAIN, JobPolicy::new(2, 60_000, 600, 3_600);
    Maintenance: "maintenance", queues::MAINTENANCE, JobPolicy::new(3, 5_000, 300, 600);
    PruneSnapshots: "prune_snapshots", queues::MAINTENANCE, JobPolicy::new(3, 5_000, 300, 600);
    Probe: "probe", queues::MAINTENANCE, JobPolicy::new(4, 500, 5, 30);
}

/// A job that could not be built from its kind and arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("unknown job kind `{kind}` (known: {known})")]
    UnknownKind { kind: String, known: String },
    #[error("invalid arguments for `{kind}`: {message}")]
    InvalidArgs { kind: String, message: String },
}

/// The policy of a kind.
pub fn policy_of(kind: &str) -> Option<JobPolicy> {
    KINDS.iter().find(|(k, _, _)| *k == kind).map(|(_, _, p)| *p)
}

/// The longest time limit of the kinds on `queue` (zero for a queue without kinds): how
/// long a stopping worker of that queue may have to wait for its jobs to end.
pub fn longest_timeout(queue: &str) -> std::time::Duration {
    KINDS.iter().filter(|(_, q, _)| *q == queue).map(|(_, _, p)| p.timeout).max().unwrap_or_default()
}

/// Whether a job of `kind` with `args` needs the database (every kind but a probe that
/// records nothing): while it is unreachable such jobs wait instead of holding slots.
pub fn needs_database(kind: &str, args: &serde_json::Value) -> bool {
    kind != Probe::KIND || args.get("record").and_then(serde_json::Value::as_bool).unwrap_or(false)
}

/// The queue of a kind.
pub fn queue_of(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, _, _)| *k == kind).map(|(_, q, _)| *q)
}

impl AnyJob {
    /// Builds a job from a kind name and JSON arguments (`null` means no arguments).
    pub fn from_parts(kind: &str, args: serde_json::Value) -> Result<Self, JobError> {
        if queue_of(kind).is_none() {
            let known: Vec<&str> = KINDS.iter().map(|(k, _, _)| *k).collect();
            return Err(JobError::UnknownKind { kind: kind.to_owned(), known: known.join(", ") });
        }
        let args = if args.is_null() { serde_json::json!({}) } else { args };
        serde_json::from_value(serde_json::json!({ "kind": kind, "args": args }))
            .map_err(|e| JobError::InvalidArgs { kind: kind.to_owned(), message: e.to_string() })
    }

    pub fn queue(&self) -> &'static str {
        queue_of(self.kind()).unwrap_or(queues::MAINTENANCE)
    }

    /// The arguments alone, as stored in a job envelope.
    pub fn args(&self) -> serde_json::Value {
        serde_json::to_value(self)
            .ok()
            .and_then(|mut v| v.get_mut("args").map(serde_json::Value::take))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_kind_and_args() {
        let job =
            AnyJob::from_parts("scrape_football_data", json!({"league": "E0", "season": "2324"})).unwrap();
        assert_eq!(
            job,
            AnyJob::ScrapeFootballData(ScrapeFootballData { league: "E0".into(), season: "2324".into() })
        );
        assert_eq!(job.queue(), "scrape");
        assert_eq!(AnyJob::from_parts(job.kind(), job.args()).unwrap(), job);
        assert_eq!(
            AnyJob::from_parts("settle_bets", serde_json::Value::Null).unwrap(),
            AnyJob::SettleBets(SettleBets {})
        );
    }

    #[test]
    fn rejects_unknown_kinds_and_bad_args() {
        let e = AnyJob::from_parts("mine_bitcoin", json!({})).unwrap_err();
        assert!(matches!(&e, JobError::UnknownKind { .. }));
        assert!(e.to_string().contains("collect_results"), "{e}");
        let e = AnyJob::from_parts("process_snapshot", json!({"snapshot_id": "x"})).unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
        let e = AnyJob::from_parts("process_snapshot", json!({"snapshot_id": 1, "extra": 2})).unwrap_err();
        assert!(e.to_string().contains("unknown field `extra`"), "{e}");
        let e = AnyJob::from_parts("scrape_football_data", json!({"league": "E0"})).unwrap_err();
        assert!(e.to_string().contains("missing field `season`"), "{e}");
    }

    #[test]
    fn every_kind_name_is_its_tag_in_any_job() {
        for (kind, _, _) in KINDS {
            // A kind with required arguments fails on them; a kind name that is not
            // `AnyJob`'s tag would fail as an unknown variant.
            match AnyJob::from_parts(kind, json!({})) {
                Ok(job) => assert_eq!(job.kind(), kind),
                Err(e) => assert!(e.to_string().contains("missing field"), "{kind}: {e}"),
            }
        }
    }

    #[test]
    fn every_kind_has_a_schema_queue_and_policy() {
        for (kind, queue, policy) in KINDS {
            assert!(queues::ALL.contains(&queue), "{kind}");
            assert!(policy.max_attempts >= 1);
            let schema = args_schema(kind).unwrap();
            assert_eq!(schema.get("type"), Some(&json!("object")), "{kind}: {schema:?}");
        }
        let s = args_schema("scrape_football_data").unwrap();
        assert_eq!(s.get("required"), Some(&json!(["league", "season"])));
        assert!(args_schema("nope").is_none());
    }
}
