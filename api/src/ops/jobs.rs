//! Jobs by state (pending, scheduled, running from the queues; succeeded, retried,
//! dead-lettered from the journal of finished attempts), filtered by queue, kind,
//! argument text and error text, paginated, with bookmarkable URLs; a job's page with
//! its payload and every attempt; and the fan-out chain a job belongs to.

use std::collections::BTreeMap;

use jobs::queues;
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::html::{page, pretty, url_escape, when};
use super::session::{Refusal, current};
use super::unavailable;
use crate::job_board::{LIVE_SHOWN, Node, Row, STATES, chain_of, find, rows};
use crate::state::ApiState;

/// Rows per page.
const PER_PAGE: usize = 50;

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
        r.matches(&self.kind, &self.q, &self.error)
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
    let (first, live, attempts) = match find(client, &id).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return (StatusCode::NOT_FOUND, format!("no job {id} on the queues or in the journal"))
                .into_response();
        }
        Err(e) => return unavailable("queue backend", e),
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
        *counts.entry(n.row.state.as_str()).or_default() += 1;
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
