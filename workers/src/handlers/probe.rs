//! `probe`: a job that does nothing or fails as told, for tests, benchmarks and
//! checking a deployment end to end. Each run is logged on the queue backend under
//! `{prefix}probe:{tag}` as `attempt unix_ms job_id`.

use jobs::catalogue::Probe;
use jobs::{Envelope, JobFailure};

use crate::runtime::Runtime;

pub fn probe_log_key(tag: &str) -> String {
    format!("probe:{tag}")
}

pub async fn run(rt: &Runtime, envelope: &Envelope, probe: &Probe) -> Result<(), JobFailure> {
    if !probe.tag.is_empty() {
        let entry = format!("{} {} {}", envelope.attempt, chrono::Utc::now().timestamp_millis(), envelope.id);
        let logged = rt.queues.log_push(&probe_log_key(&probe.tag), &entry).await;
        logged?;
    }
    if probe.sleep_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(probe.sleep_ms)).await;
    }
    if probe.abort {
        eprintln!("probe {} aborts its process as asked", probe.tag);
        std::process::abort();
    }
    if probe.record {
        record(rt, envelope, &probe.tag).await?;
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
async fn record(rt: &Runtime, envelope: &Envelope, tag: &str) -> Result<(), JobFailure> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let Some(txn) = rt.fenced(envelope).await? else {
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
