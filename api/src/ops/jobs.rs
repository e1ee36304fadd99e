//! Jobs by state (pending, scheduled, running from the queues; succeeded, retried,
//! dead-lettered from the journal of finished attempts), filtered by queue, kind,
//! argument text and error text, paginated, with bookmarkable URLs; a job's page with
//! its payload and every attempt; and the fan-out chain a job belongs to.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jobs::journal::{EventKind, JobEvent, LiveJob, LiveState};
use jobs::{QueueClient, QueueError, queues};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::html::{page, pretty, url_escape, when};
use super::session::{Refusal, current};
use super::unavailable;
use crate::state::ApiState;

/// Waiting or running jobs read per queue and state at most.
pub const LIVE_SHOWN: usize = 500;
/// Rows per page.
const PER_PAGE: usize = 50;

/// The states a job list can show, in tab order.
const STATES: [&str; 6] = ["pending", "scheduled", "running", "succeeded", "retried", "dead_lettered"];

/// One row of a job list: a live job or a finished attempt.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub kind: String,
    pub queue: String,
    pub state: &'static str,
    pub attempt: u32,
    pub args: serde_json::Value,
    pub error: Option<String>,
    /// Finished at (journal), due at (scheduled) or enqueued at (others).
    pub at: DateTime<Utc>,
    pub worker: Option<String>,
    pub parent: Option<String>,
    pub chain: String,
    pub schedule: Option<String>,
}

impl Row {
    fn live(j: LiveJob) -> Self {
        let e = j.envelope;
        Row {
            chain: e.root.clone().unwrap_or_else(|| e.id.clone()),
            error: e.errors.last().map(|a| a.error.clone()),
            at: j.run_at.unwrap_or(e.enqueued_at),
            state: j.state.as_str(),
            id: e.id,
            kind: e.kind,
            queue: j.queue,
            attempt: e.attempt,
            args: e.args,
            worker: j.worker,
            parent: e.parent,
            schedule: e.schedule,
        }
    }

    fn finished(e: JobEvent) -> Self {
        Row {
            chain: e.chain().to_owned(),
            state: e.event.as_str(),
            id: e.job_id,
            kind: e.kind,
            queue: e.queue,
            attempt: e.attempt,
            args: e.args,
            error: e.error,
            at: e.at,
            worker: Some(e.worker).filter(|w| !w.is_empty()),
            parent: e.parent,
            schedule: e.schedule,
        }
    }
}

/// Every row of `states` on `queues`: live jobs oldest first, finished attempts newest first.
pub async fn rows(client: &QueueClient, queues: &[&str], states: &[&str]) -> Result<Vec<Row>, QueueError> {
    let mut out = Vec::new();
    for state in states {
        let live = LiveState::ALL.into_iter().find(|s| s.as_str() == *state);
        for q in queues {
            match live {
                Some(s) => out.extend(client.live_jobs(q, s, LIVE_SHOWN).await?.into_iter().map(Row::live)),
                None => out.extend(
                    client
                        .journal(q, jobs::journal::JOURNAL_CAP)
                        .await?
                        .into_iter()
                        .filter(|e| e.event.as_str() == *state)
                        .map(Row::finished),
                ),
            }
        }
    }
    Ok(out)
}

/// The journal of every queue, newest first within each queue.
async fn all_finished(client: &QueueClient) -> Result<Vec<JobEvent>, QueueError> {
    let mut out = Vec::new();
    for q in queues::ALL {
        out.extend(client.journal(q, jobs::journal::JOURNAL_CAP).await?);
    }
    Ok(out)
}

/// Every live job of every queue.
async fn all_live(client: &QueueClient) -> Result<Vec<LiveJob>, QueueError> {
    let mut out = Vec::new();
    for q in queues::ALL {
        for s in LiveState::ALL {
            out.extend(client.live_jobs(q, s, LIVE_SHOWN).await?);
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    state: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    kind: String,
    /// Text the arguments (as JSON) contain.
    #[serde(default)]
    q: String,
    /// Text the error contains.
    #[serde(default)]
    error: String,
    #[serde(default)]
    page: usize,
}

impl Filter {
    fn state(&self) -> &'static str {
        STATES.iter().find(|s| **s == self.state).copied().unwrap_or("running")
    }

    fn keeps(&self, r: &Row) -> bool {
        let has = |hay: &str, needle: &str| {
            needle.trim().is_empty() || hay.to_lowercase().contains(&needle.trim().to_lowercase())
        };
        (self.kind.trim().is_empty() || r.kind == self.kind.trim())
            && has(&r.args.to_string(), &self.q)
            && (self.error.trim().is_empty() || r.error.as_deref().is_some_and(|e| has(e, &self.error)))
    }

    /// This filter's URL on another page or state.
    fn url(&self, state: &str, page: usize) -> String {
        format!(
            "/ops/jobs?state={state}&queue={}&kind={}&q={}&error={}&page={page}",
            url_escape(&self.queue),
            url_escape(&self.kind),
            url_escape(&self.q),
            url_escape(&self.error)
        )
    }
}

fn job_table(rows: &[Row]) -> Markup {
    html! {
        table #jobs {
            thead { tr {
                th { "Job" } th { "Queue" } th { "Kind" } th { "State" } th { "Attempt" } th { "Arguments" }
                th { "Error" } th { "At (UTC)" } th { "Worker" }
            } }
            tbody { @for r in rows {
                tr data-job=(r.id) {
                    td { a href=(format!("/ops/jobs/{}", r.id)) { code { (r.id) } } }
                    td { (r.queue) } td { (r.kind) } td { (r.state) } td.n { (r.attempt) }
                    td { code { (r.args) } }
                    td.error { (r.error.as_deref().unwrap_or("")) }
                    td { (when(Some(r.at))) }
                    td { (r.worker.as_deref().unwrap_or("")) }
                }
            } }
        }
    }
}

/// `GET /ops/jobs?state=&queue=&kind=&q=&error=&page=`.
#[handler]
pub async fn list(session: &Session, state: Data<&ApiState>, Query(filter): Query<Filter>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.as_ref() else {
        return page("Jobs", Some(&op), html! { p { "This server runs without a job queue." } })
            .into_response();
    };
    let shown = filter.state();
    let on: Vec<&str> =
        queues::ALL.iter().copied().filter(|q| filter.queue.is_empty() || *q == filter.queue).collect();
    let all = match rows(client, &on, &[shown]).await {
        Ok(r) => r,
        Err(e) => return unavailable("queue backend", e),
    };
    let matching: Vec<Row> = all.into_iter().filter(|r| filter.keeps(r)).collect();
    let pages = matching.len().div_ceil(PER_PAGE).max(1);
    let current_page = filter.page.clamp(1, pages);
    let slice: Vec<Row> =
        matching.iter().skip((current_page - 1) * PER_PAGE).take(PER_PAGE).cloned().collect();
    page(
        "Jobs",
        Some(&op),
        html! {
            nav.tabs { @for s in STATES {
                @if s == shown { strong { (s) } } @else { a href=(filter.url(s, 1)) { (s) } }
                " "
            } }
            form.filter method="get" action="/ops/jobs" {
                input type="hidden" name="state" value=(shown);
                label { "Queue " select name="queue" {
                    option value="" { "all" }
                    @for q in queues::ALL { option value=(q) selected[filter.queue == q] { (q) } }
                } }
                label { "Kind " input type="text" name="kind" value=(filter.kind); }
                label { "Arguments contain " input type="text" name="q" value=(filter.q); }
                label { "Error contains " input type="text" name="error" value=(filter.error); }
                button type="submit" { "Filter" }
            }
            p #summary { (matching.len()) " " (shown) " job(s); page " (current_page) " of " (pages) }
            (job_table(&slice))
            p.pages {
                @if current_page > 1 { a rel="prev" href=(filter.url(shown, current_page - 1)) { "← newer" } " " }
                @if current_page < pages { a rel="next" href=(filter.url(shown, current_page + 1)) { "older →" } }
            }
            p { small { "Waiting and running jobs: up to " (LIVE_SHOWN) " per queue. Finished attempts: the newest "
                (jobs::journal::JOURNAL_CAP) " per queue." } }
        },
    )
    .into_response()
}

/// `GET /ops/jobs/{id}`: the job's payload, where it is now, and every attempt.
#[handler]
pub async fn show(session: &Session, state: Data<&ApiState>, Path(id): Path<String>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    let (live, finished) = match (all_live(client).await, all_finished(client).await) {
        (Ok(l), Ok(f)) => (l, f),
        (Err(e), _) | (_, Err(e)) => return unavailable("queue backend", e),
    };
    let live = live.into_iter().find(|j| j.envelope.id == id);
    let mut attempts: Vec<JobEvent> = finished.into_iter().filter(|e| e.job_id == id).collect();
    attempts.sort_by_key(|e| (e.attempt, e.at));
    let Some(first) =
        live.as_ref().map(|j| Row::live(j.clone())).or_else(|| attempts.last().cloned().map(Row::finished))
    else {
        return (StatusCode::NOT_FOUND, format!("no job {id} on the queues or in the journal"))
            .into_response();
    };
    let dead_letter = attempts.iter().find_map(|e| e.dead_letter_id);
    page(
        &format!("Job {id}"),
        Some(&op),
        html! {
            dl #job {
                dt { "Kind" } dd { (first.kind) }
                dt { "Queue" } dd { (first.queue) }
                dt { "State" } dd #state { (first.state) }
                @if let Some(w) = &first.worker { dt { "Worker" } dd { (w) } }
                @if let Some(s) = &first.schedule { dt { "Schedule" } dd { (s) } }
                dt { "Chain" } dd { a href=(format!("/ops/chains/{}", first.chain)) { "fan-out of " code { (first.chain) } } }
                @if let Some(p) = &first.parent { dt { "Parent" } dd { a href=(format!("/ops/jobs/{p}")) { code { (p) } } } }
                @if let Some(d) = dead_letter { dt { "Dead letter" } dd { a href=(format!("/ops/dead-letters/{d}")) { "#" (d) } } }
            }
            h2 { "Payload" }
            pre #payload { (pretty(&first.args)) }
            h2 { "Attempts" }
            @if attempts.is_empty() {
                p { "No attempt has finished yet." }
            } @else {
                table #attempts {
                    thead { tr { th { "Attempt" } th { "Outcome" } th { "Started (UTC)" } th { "Took" } th { "Worker" } th { "Error" } } }
                    tbody { @for a in &attempts {
                        tr {
                            td.n { (a.attempt) } td { (a.event.as_str()) } td { (when(Some(a.started_at))) }
                            td.n { (a.duration_ms) " ms" } td { (a.worker) }
                            td.error { (a.error.as_deref().unwrap_or("")) }
                        }
                    } }
                }
            }
            @if let Some(j) = &live && !j.envelope.errors.is_empty() {
                h2 { "Earlier failures carried by the job" }
                table #carried-errors {
                    thead { tr { th { "Attempt" } th { "Started (UTC)" } th { "Failed (UTC)" } th { "Worker" } th { "Error" } } }
                    tbody { @for e in &j.envelope.errors {
                        tr { td.n { (e.attempt) } td { (when(Some(e.started_at))) } td { (when(Some(e.failed_at))) } td { (e.worker) } td.error { (e.error) } }
                    } }
                }
            }
        },
    )
    .into_response()
}

/// One job of a chain: its newest state and its children.
struct Node {
    row: Row,
    children: Vec<String>,
}

fn tree(id: &str, nodes: &BTreeMap<String, Node>, depth: usize) -> Markup {
    let Some(n) = nodes.get(id) else { return html! {} };
    html! {
        li data-job=(id) data-state=(n.row.state) {
            a href=(format!("/ops/jobs/{id}")) { (n.row.kind) } " "
            code { (n.row.args) } " — "
            span class=(if n.row.state == "dead_lettered" { "error" } else { "" }) { (n.row.state) }
            @if n.row.attempt > 1 { " (attempt " (n.row.attempt) ")" }
            @if !n.children.is_empty() && depth < 16 {
                ul { @for c in &n.children { (tree(c, nodes, depth + 1)) } }
            }
        }
    }
}

/// The rows of a chain, one per job (its newest state), keyed by job id.
async fn chain_of(client: &QueueClient, root: &str) -> Result<BTreeMap<String, Node>, QueueError> {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    // A job's latest attempt is its highest (clocks of two workers may disagree).
    for e in all_finished(client).await?.into_iter().filter(|e| e.chain() == root) {
        let newer = nodes.get(&e.job_id).is_some_and(|n| (n.row.attempt, n.row.at) >= (e.attempt, e.at));
        if !newer {
            nodes.insert(e.job_id.clone(), Node { row: Row::finished(e), children: Vec::new() });
        }
    }
    // A job still on a queue is there after its last finished attempt.
    for j in all_live(client).await? {
        let row = Row::live(j);
        if row.chain == root {
            nodes.insert(row.id.clone(), Node { row, children: Vec::new() });
        }
    }
    let links: Vec<(String, String)> =
        nodes.values().filter_map(|n| n.row.parent.clone().map(|p| (p, n.row.id.clone()))).collect();
    for (parent, child) in links {
        if let Some(p) = nodes.get_mut(&parent) {
            p.children.push(child);
        }
    }
    for n in nodes.values_mut() {
        n.children.sort();
    }
    Ok(nodes)
}

/// `GET /ops/chains/{root}`: the jobs a root job fanned out to, as a tree.
#[handler]
pub async fn chain(session: &Session, state: Data<&ApiState>, Path(root): Path<String>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    let nodes = match chain_of(client, &root).await {
        Ok(n) => n,
        Err(e) => return unavailable("queue backend", e),
    };
    if nodes.is_empty() {
        return (StatusCode::NOT_FOUND, format!("no chain {root} on the queues or in the journal"))
            .into_response();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in nodes.values() {
        *counts.entry(n.row.state).or_default() += 1;
    }
    // Jobs whose parent fell out of the journal are shown as roots of their own.
    let tops: Vec<&String> = nodes
        .iter()
        .filter(|(_, n)| n.row.parent.as_ref().is_none_or(|p| !nodes.contains_key(p)))
        .map(|(id, _)| id)
        .collect();
    page(
        "Fan-out chain",
        Some(&op),
        html! {
            p #chain-summary {
                (nodes.len()) " job(s): "
                @for (s, n) in &counts { (n) " " (s) "; " }
            }
            ul #chain { @for t in tops { (tree(t, &nodes, 0)) } }
        },
    )
    .into_response()
}

/// The newest `n` runs a schedule started (its root jobs' latest outcome).
pub fn last_runs<'a>(finished: &'a [JobEvent], schedule: &str, n: usize) -> Vec<&'a JobEvent> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&JobEvent> =
        finished.iter().filter(|e| e.parent.is_none() && e.schedule.as_deref() == Some(schedule)).collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    out.retain(|e| seen.insert(e.job_id.clone()));
    out.truncate(n);
    out
}

/// The journal of every queue (the schedules page shows the last runs from it).
pub async fn journal_of_all(client: &QueueClient) -> Result<Vec<JobEvent>, QueueError> {
    all_finished(client).await
}

/// A short label of an outcome.
pub fn outcome_label(e: &JobEvent) -> &'static str {
    match e.event {
        EventKind::Succeeded => "ok",
        EventKind::Retried => "retrying",
        EventKind::DeadLettered => "dead",
    }
}
