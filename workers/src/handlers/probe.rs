//! `probe`: a job that does nothing or fails as told, for tests, benchmarks and
//! checking a deployment end to end. Each run is logged on the queue backend under
//! `{prefix}probe:{tag}` as `attempt unix_ms job_id`.

use jobs::catalogue::Probe;
use jobs::{Envelope, Handle, Handled, JobFailure, QueueClient};

use super::Cx;
use crate::runtime::Runtime;

pub fn probe_log_key(tag: &str) -> String {
    format!("probe:{tag}")
}

impl Handle<Runtime> for Probe {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        // The run log is a list on the queue backend.
        Box::pin(run(Cx::new(rt, envelope, &rt.queues), self))
    }
}

async fn run(cx: Cx<'_, &QueueClient>, probe: Probe) -> Result<(), JobFailure> {
    let envelope = cx.envelope;
    if !probe.tag.is_empty() {
        let entry = format!("{} {} {}", envelope.attempt, chrono::Utc::now().timestamp_millis(), envelope.id);
        cx.deps.log_push(&probe_log_key(&probe.tag), &entry).await?;
    }
    if probe.sleep_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(probe.sleep_ms)).await;
    }
    if probe.abort {
        eprintln!("probe {} aborts its process as asked", probe.tag);
        std::process::abort();
    }
    if probe.record {
        record(&cx, &probe.tag).await?;
    }
    if probe.panic {
        panic!("probe {} panics as asked", probe.tag);
    }
    if probe.permanent {
        return Err(JobFailure::permanent(format!("probe {} fails permanently", probe.tag)));
    }
    if envelope.attempt <= probe.fail_times {
        return Err(JobFailure::transient(format!(
            "probe {} failure on attempt {}",
            probe.tag, envelope.attempt
        )));
    }
    Ok(())
}

/// Writes the probe's `probe_runs` row in its attempt's fenced transaction.
async fn record<D>(cx: &Cx<'_, D>, tag: &str) -> Result<(), JobFailure> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let envelope = cx.envelope;
    let Some(txn) = cx.fenced().await? else {
        return Ok(());
    };
    entities::probe_runs::ActiveModel {
        tag: Set(tag.to_owned()),
        job_id: Set(envelope.id.clone()),
        attempt: Set(envelope.attempt as i32),
        ran_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    jobs::failpoint::hit("probe_before_commit");
    Ok(txn.commit().await?)
}
