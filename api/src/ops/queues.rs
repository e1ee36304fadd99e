//! The queues page: each queue's counters and paused flag with pause and resume, and
//! the workers with their heartbeat age and jobs in flight.

use jobs::queues;
use maud::html;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};

use super::html::{action_button, page};
use super::session::{Acting, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

#[handler]
pub async fn overview(session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.as_ref() else {
        return page("Queues", Some(&op), html! { p { "This server runs without a job queue." } })
            .into_response();
    };
    let mut stats = Vec::new();
    let mut workers = Vec::new();
    for q in queues::ALL {
        match (client.stats(q).await, client.workers(q).await) {
            (Ok(s), Ok(w)) => {
                stats.push(s);
                workers.extend(w);
            }
            (Err(e), _) | (_, Err(e)) => return unavailable("queue backend", e),
        }
    }
    let now = chrono::Utc::now();
    page(
        "Queues",
        Some(&op),
        html! {
            table #queues {
                thead { tr {
                    th { "Queue" } th { "Pending" } th { "Scheduled" } th { "Retrying" } th { "Running" }
                    th { "Dead" } th { "Done 1 h" } th { "Done 1 d" } th { "Oldest waiting" } th { "Workers" } th { "State" }
                    @if op.may_act() { th { "Actions" } }
                } }
                tbody {
                    @for s in &stats {
                        tr data-queue=(s.queue) {
                            td { (s.queue) }
                            td.n { (s.pending) } td.n { (s.scheduled) } td.n { (s.retrying) } td.n { (s.running) }
                            td.n { (s.dead) } td.n { (s.done_last_hour) } td.n { (s.done_last_day) }
                            td.n { (s.oldest_pending_secs.map(|a| format!("{a:.0} s")).unwrap_or_default()) }
                            td.n { (s.workers) }
                            td { @if s.paused { span.paused { "paused" } } @else { "running" } }
                            @if op.may_act() {
                                td {
                                    @if s.paused {
                                        (action_button(&op, &format!("/ops/queues/{}/resume", s.queue), "Resume"))
                                    } @else {
                                        (action_button(&op, &format!("/ops/queues/{}/pause", s.queue), "Pause"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h1 { "Workers" }
            @if workers.is_empty() {
                p { "No worker has been seen in the last day." }
            } @else {
                table #workers {
                    thead { tr { th { "Worker" } th { "Host" } th { "Queue" } th { "Heartbeat" } th { "In flight" } th { "State" } } }
                    tbody {
                        @for w in &workers {
                            tr {
                                td { (w.name) } td { (w.host) } td { (w.queue) }
                                td.n { (format!("{} s ago", (now - w.last_seen).num_seconds().max(0))) }
                                td.n { (w.in_flight) }
                                td { @if w.alive { "alive" } @else { span.error { "gone" } } }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `POST /ops/queues/{queue}/{pause|resume}`.
#[handler]
pub async fn act(
    Path((queue, action)): Path<(String, String)>,
    Acting(op, _): Acting,
    state: Data<&ApiState>,
) -> Response {
    let Some(queue) = queues::ALL.iter().find(|q| **q == queue) else {
        return (StatusCode::NOT_FOUND, "no such queue").into_response();
    };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    let done = match action.as_str() {
        "pause" => client.pause(queue).await,
        "resume" => client.resume(queue).await,
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    if let Err(e) = done {
        return unavailable("queue backend", e);
    }
    audited_redirect(&state, &op, &format!("queue.{action}"), queue, serde_json::Value::Null, "/ops/").await
}
