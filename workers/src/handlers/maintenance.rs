//! `maintenance`: dead-letter retention, and deleting finished tasks from the queues.

use jobs::catalogue::{Maintenance, MaintenanceTask};
use jobs::dead_letters;

use crate::runtime::{JobFailure, Runtime};

/// Dead letters kept at most, and for at most this many days.
pub const DEAD_LETTER_MAX_COUNT: u64 = 10_000;
pub const DEAD_LETTER_MAX_AGE_DAYS: i64 = 30;

pub async fn run(rt: &Runtime, job: &Maintenance) -> Result<(), JobFailure> {
    match job.task {
        MaintenanceTask::DeadLetterRetention => {
            let removed = dead_letters::enforce_retention(
                &rt.db,
                DEAD_LETTER_MAX_COUNT,
                chrono::Duration::days(DEAD_LETTER_MAX_AGE_DAYS),
            )
            .await
            .map_err(JobFailure::transient)?;
            tracing::info!(removed, "dead-letter retention applied");
            Ok(())
        }
        MaintenanceTask::VacuumQueue => Err(JobFailure::Permanent(
            "vacuum_queue applies to the embedded queue, not available in this build".into(),
        )),
    }
}
