//! One handler per job kind; `dispatch` maps an envelope to its handler.

mod maintenance;
mod probe;

use jobs::{AnyJob, Envelope};

use crate::runtime::{JobFailure, Runtime};

pub use probe::probe_log_key;

/// Runs the handler of the envelope's kind.
pub async fn dispatch(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    let job = envelope.job().map_err(JobFailure::permanent)?;
    match job {
        AnyJob::Probe(p) => probe::run(rt, envelope, &p).await,
        AnyJob::Maintenance(m) => maintenance::run(rt, &m).await,
        other => Err(JobFailure::Permanent(format!("no handler for `{}` in this build", other.kind()))),
    }
}
