//! `probe`: a job that does nothing or fails as told, for tests, benchmarks and
//! checking a deployment end to end. Each run is logged in Redis under
//! `{prefix}probe:{tag}` as `attempt unix_ms worker`.

use jobs::Envelope;
use jobs::catalogue::Probe;

use crate::runtime::{JobFailure, Runtime};

pub fn probe_log_key(prefix: &str, tag: &str) -> String {
    format!("{prefix}probe:{tag}")
}

pub async fn run(rt: &Runtime, envelope: &Envelope, probe: &Probe) -> Result<(), JobFailure> {
    if !probe.tag.is_empty() {
        let entry = format!("{} {} {}", envelope.attempt, chrono::Utc::now().timestamp_millis(), envelope.id);
        let mut conn = rt.queues.connection();
        let logged: Result<i64, _> = redis::cmd("RPUSH")
            .arg(probe_log_key(rt.queues.prefix(), &probe.tag))
            .arg(entry)
            .query_async(&mut conn)
            .await;
        logged.map_err(JobFailure::transient)?;
    }
    if probe.sleep_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(probe.sleep_ms)).await;
    }
    if probe.panic {
        panic!("probe {} panics as asked", probe.tag);
    }
    if probe.permanent {
        return Err(JobFailure::Permanent(format!("probe {} fails permanently", probe.tag)));
    }
    if envelope.attempt <= probe.fail_times {
        return Err(JobFailure::Transient(format!(
            "probe {} failure on attempt {}",
            probe.tag, envelope.attempt
        )));
    }
    Ok(())
}
