//! `/metrics` in the Prometheus text format. The process has one recorder, installed
//! here the first time the API is built; every `metrics::` call of the process (the
//! API's, the queue client's) lands in it.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::envelope::internal_body;
use crate::state::ApiState;

/// Time to answer a request, by route template and status.
pub const REQUEST_DURATION: &str = "request_duration_seconds";

/// From 5 ms to 10 s: reads take milliseconds, a slow database seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How long a scrape waits for the queue statistics before answering without them.
const QUEUE_STATS_TIMEOUT: Duration = Duration::from_secs(3);

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use; `None` when another
/// recorder was installed first (then this process exports nothing here).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.to_owned()), &BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "no Prometheus recorder: /metrics will answer 503");
                    None
                }
            }
        })
        .as_ref()
}

/// Records one answered request.
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
    metrics::histogram!(REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
}

/// Refreshes the queue gauges from the backend; a failing backend leaves them stale and
/// says so in the log rather than failing the scrape.
async fn refresh_queue_gauges(state: &ApiState) {
    let Some(queues) = &state.queues else { return };
    for queue in jobs::queues::ALL {
        let stats = match tokio::time::timeout(QUEUE_STATS_TIMEOUT, queues.stats(queue)).await {
            Ok(Ok(stats)) => stats,
            Ok(Err(e)) => {
                tracing::warn!(queue, error = %e, "queue statistics unavailable for /metrics");
                continue;
            }
            Err(_) => {
                tracing::warn!(queue, "queue statistics timed out for /metrics");
                return;
            }
        };
        let q = queue.to_owned();
        metrics::gauge!("kickoff_queue_depth", "queue" => q.clone())
            .set((stats.pending + stats.scheduled) as f64);
        for (state, n) in [
            ("pending", stats.pending),
            ("scheduled", stats.scheduled),
            ("retrying", stats.retrying),
            ("running", stats.running),
            ("dead", stats.dead),
        ] {
            metrics::gauge!("kickoff_queue_jobs", "queue" => q.clone(), "state" => state).set(n as f64);
        }
        metrics::gauge!("kickoff_queue_workers", "queue" => q.clone()).set(stats.workers as f64);
        metrics::gauge!("kickoff_queue_paused", "queue" => q).set(if stats.paused { 1.0 } else { 0.0 });
    }
}

/// The process's metrics as a Prometheus scrape answer.
fn exposition() -> Response {
    let Some(handle) = recorder() else {
        return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
    };
    handle.run_upkeep();
    Response::builder().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}

#[handler]
pub async fn scrape(state: Data<&ApiState>) -> Response {
    if recorder().is_some() {
        refresh_queue_gauges(&state).await;
    }
    exposition()
}

/// `/metrics` of a process without the API (a worker): its own jobs, scrapes and
/// inference counters.
#[handler]
pub fn process_metrics() -> Response {
    exposition()
}
