//! The overview: each queue's counters and paused flag with pause, resume and drain,
//! throughput and failure charts for the last hour, day or week, and the workers with
//! their concurrency, heartbeat age and jobs in flight. The page keeps itself current
//! through `/ops/live`, a server-sent event stream of the same section re-rendered.

use std::time::Duration;

use bytes::Bytes;
use jobs::client::WORKER_CONCURRENCY_KEY;
use jobs::series::Range;
use jobs::{QueueClient, QueueError, QueueStats, WorkerInfo, queues};
use maud::{Markup, PreEscaped, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{Body, IntoResponse, Response, handler};
use serde::Deserialize;

use super::charts;
use super::html::{action_button, page};
use super::session::{Acting, Operator, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

/// How often `/ops/live` sends a fresh section.
pub const LIVE_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Default, Deserialize)]
pub struct View {
    #[serde(default)]
    range: String,
}

impl View {
    fn range(&self) -> Range {
        Range::parse(&self.range).unwrap_or(Range::Hour)
    }
}

struct Snapshot {
    stats: Vec<QueueStats>,
    workers: Vec<WorkerInfo>,
    concurrency: std::collections::HashMap<String, i64>,
    done: Vec<u64>,
    failed: Vec<u64>,
}

async fn snapshot(client: &QueueClient, range: Range) -> Result<Snapshot, QueueError> {
    let mut stats = Vec::new();
    let mut workers = Vec::new();
    for q in queues::ALL {
        stats.push(client.stats(q).await?);
        workers.extend(client.workers(q).await?);
    }
    let concurrency = client.hash_get_all(WORKER_CONCURRENCY_KEY).await?;
    let (done, failed) = charts::totals(client, range).await?;
    Ok(Snapshot { stats, workers, concurrency, done, failed })
}

fn queue_actions(op: &Operator, s: &QueueStats) -> Markup {
    html! {
        @if s.paused {
            (action_button(op, &format!("/ops/queues/{}/resume", s.queue), "Resume"))
        } @else {
            (action_button(op, &format!("/ops/queues/{}/pause", s.queue), "Pause"))
        }
        " "
        @if s.pending + s.scheduled > 0 {
            form.inline.drain method="post" action=(format!("/ops/queues/{}/drain", s.queue))
                data-confirm=(format!("Delete the {} waiting job(s) of {}?", s.pending + s.scheduled, s.queue)) {
                (super::html::csrf_input(op))
                button type="submit" { "Drain" }
            }
        }
    }
}

fn live_section(op: &Operator, snap: &Snapshot, range: Range) -> Markup {
    let now = chrono::Utc::now();
    let link = |state: &str, queue: &str, n: u64| {
        html! { a href=(format!("/ops/jobs?state={state}&queue={queue}")) { (n) } }
    };
    html! {
        table #queues {
            thead { tr {
                th { "Queue" } th { "Pending" } th { "Scheduled" } th { "Retrying" } th { "Running" }
                th { "Dead" } th { "Done 1 h" } th { "Done 1 d" } th { "Oldest waiting" } th { "Workers" } th { "State" }
                @if op.may_act() { th { "Actions" } }
            } }
            tbody {
                @for s in &snap.stats {
                    tr data-queue=(s.queue) {
                        td { (s.queue) }
                        td.n.pending { (link("pending", &s.queue, s.pending)) }
                        td.n { (link("scheduled", &s.queue, s.scheduled)) }
                        td.n { (s.retrying) }
                        td.n { (link("running", &s.queue, s.running)) }
                        td.n { a href=(format!("/ops/dead-letters?queue={}", s.queue)) { (s.dead) } }
                        td.n { (link("succeeded", &s.queue, s.done_last_hour)) } td.n { (s.done_last_day) }
                        td.n { (s.oldest_pending_secs.map(|a| format!("{a:.0} s")).unwrap_or_default()) }
                        td.n { (s.workers) }
                        td { @if s.paused { span.paused { "paused" } } @else { "running" } }
                        @if op.may_act() { td { (queue_actions(op, s)) } }
                    }
                }
            }
        }
        nav.ranges {
            "Charts: "
            @for r in Range::ALL {
                @if r == range { strong { (r.as_str()) } } @else { a href=(format!("/ops/?range={}", r.as_str())) { (r.as_str()) } }
                " "
            }
        }
        (charts::chart(range, &snap.done, &snap.failed, now))
        h2 { "Workers" }
        @if snap.workers.is_empty() {
            p { "No worker has been seen in the last day." }
        } @else {
            table #workers {
                thead { tr {
                    th { "Worker" } th { "Host" } th { "Queue" } th { "Concurrency" } th { "Heartbeat" } th { "In flight" } th { "State" }
                } }
                tbody {
                    @for w in &snap.workers {
                        tr {
                            td { (w.name) } td { (w.host) } td { (w.queue) }
                            td.n { (snap.concurrency.get(&w.name).map(|c| c.to_string()).unwrap_or_else(|| "—".to_owned())) }
                            td.n { (format!("{} s ago", (now - w.last_seen).num_seconds().max(0))) }
                            td.n { (w.in_flight) }
                            td { @if w.alive { "alive" } @else { span.error { "gone" } } }
                        }
                    }
                }
            }
        }
    }
}

/// Patches the live section with each `refresh` event, node by node, so elements that
/// did not change (a button under the pointer) stay the same elements; asks before a drain.
const SCRIPT: &str = r#"
document.addEventListener("submit", e => {
  const f = e.target.closest("form[data-confirm]");
  if (f && !confirm(f.dataset.confirm)) e.preventDefault();
});
function patch(old, fresh) {
  if (old.nodeType !== fresh.nodeType || old.nodeName !== fresh.nodeName
      || old.childNodes.length !== fresh.childNodes.length) {
    old.replaceWith(fresh.cloneNode(true));
    return;
  }
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
    return;
  }
  for (const a of fresh.attributes) if (old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  for (const a of [...old.attributes]) if (!fresh.hasAttribute(a.name)) old.removeAttribute(a.name);
  [...old.childNodes].forEach((c, i) => patch(c, fresh.childNodes[i]));
}
const live = document.getElementById("live");
const src = new EventSource("/ops/live?range=" + encodeURIComponent(live.dataset.range));
src.addEventListener("refresh", e => {
  const fresh = document.createElement("div");
  fresh.innerHTML = e.data;
  if (fresh.childNodes.length !== live.childNodes.length) { live.innerHTML = e.data; return; }
  [...live.childNodes].forEach((c, i) => patch(c, fresh.childNodes[i]));
});
"#;

#[handler]
pub async fn overview(session: &Session, state: Data<&ApiState>, Query(view): Query<View>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.as_ref() else {
        return page("Queues", Some(&op), html! { p { "This server runs without a job queue." } })
            .into_response();
    };
    let range = view.range();
    let snap = match snapshot(client, range).await {
        Ok(s) => s,
        Err(e) => return unavailable("queue backend", e),
    };
    page(
        "Queues",
        Some(&op),
        html! {
            div #live data-range=(range.as_str()) { (live_section(&op, &snap, range)) }
            script { (PreEscaped(SCRIPT)) }
        },
    )
    .into_response()
}

/// One server-sent event carrying `html` (which has no line breaks: maud writes none).
fn refresh_frame(html: &str) -> String {
    format!("event: refresh\ndata: {}\n\n", html.replace('\n', " "))
}

/// `GET /ops/live?range=`: the overview's live section, re-rendered every `LIVE_EVERY`
/// as a `refresh` event, until the client goes away.
#[handler]
pub async fn live(session: &Session, state: Data<&ApiState>, Query(view): Query<View>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.clone() else { return unavailable("queue backend", "no job queue") };
    let range = view.range();
    let ticks = futures::stream::unfold((client, op, true), move |(client, op, first)| async move {
        if !first {
            tokio::time::sleep(LIVE_EVERY).await;
        }
        let chunk = match snapshot(&client, range).await {
            Ok(snap) => refresh_frame(&live_section(&op, &snap, range).into_string()),
            Err(e) => {
                tracing::warn!(error = %e, "ops: live overview");
                ": queue backend unavailable\n\n".to_owned()
            }
        };
        Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), (client, op, false)))
    });
    Response::builder()
        .content_type("text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_bytes_stream(ticks))
}

/// `POST /ops/queues/{queue}/{pause|resume|drain}`.
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
        "pause" => jobs::pauses::pause(&state.db, client, queue, Some(&op.actor))
            .await
            .map(|()| serde_json::Value::Null),
        "resume" => jobs::pauses::resume(&state.db, client, queue).await.map(|()| serde_json::Value::Null),
        "drain" => client.drain(queue).await.map(|n| serde_json::json!({ "removed": n })).map_err(Into::into),
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    match done {
        Ok(details) => {
            audited_redirect(&state, &op, &format!("queue.{action}"), queue, details, "/ops/").await
        }
        Err(jobs::pauses::PauseError::Db(e)) => unavailable("database", e),
        Err(jobs::pauses::PauseError::Queue(e)) => unavailable("queue backend", e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_refresh_event_is_one_data_line() {
        let frame = super::refresh_frame("<table>\n<tr></tr></table>");
        assert_eq!(frame, "event: refresh\ndata: <table> <tr></tr></table>\n\n");
    }
}
