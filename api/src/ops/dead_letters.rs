//! Dead letters: filtered by queue, kind and error text (bookmarkable), the top failing
//! errors, each letter's payload and attempts; requeue or delete one, or every letter
//! matching the filter; edit a payload, see the change as a diff, then requeue it.

use std::collections::BTreeMap;

use entities::dead_letters::Model;
use jobs::dead_letters::{self, DeadLetterError, DeadLetterFilter};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::html::{action_button, csrf_input, page, pretty, url_escape};
use super::session::{Acting, Operator, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

/// Letters listed at most.
const SHOWN: u64 = 500;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    error: String,
}

impl Filter {
    fn to_filter(&self, limit: Option<u64>) -> DeadLetterFilter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        DeadLetterFilter {
            queue: some(&self.queue),
            kind: some(&self.kind),
            error_contains: some(&self.error),
            include_requeued: false,
            limit,
        }
    }

    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="queue" value=(self.queue);
            input type="hidden" name="kind" value=(self.kind);
            input type="hidden" name="error" value=(self.error);
        }
    }
}

fn last_error(letter: &Model) -> String {
    dead_letters::errors_of(letter).last().map(|e| e.error.clone()).unwrap_or_default()
}

fn failed(e: DeadLetterError) -> Response {
    match e {
        DeadLetterError::NotFound(id) => {
            (StatusCode::NOT_FOUND, format!("no dead letter {id}")).into_response()
        }
        DeadLetterError::Queue(q) => unavailable("queue backend", q),
        e @ DeadLetterError::AlreadyRequeued { .. } => (StatusCode::CONFLICT, e.to_string()).into_response(),
        other => unavailable("database", other),
    }
}

#[handler]
pub async fn list(session: &Session, state: Data<&ApiState>, Query(filter): Query<Filter>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let letters = match dead_letters::list(&state.db, &filter.to_filter(Some(SHOWN))).await {
        Ok(l) => l,
        Err(e) => return unavailable("database", e),
    };
    let mut top: BTreeMap<String, usize> = BTreeMap::new();
    for l in &letters {
        *top.entry(last_error(l)).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = top.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    page(
        "Dead letters",
        Some(&op),
        html! {
            form.filter method="get" action="/ops/dead-letters" {
                label { "Queue " input type="text" name="queue" value=(filter.queue); }
                label { "Kind " input type="text" name="kind" value=(filter.kind); }
                label { "Error contains " input type="text" name="error" value=(filter.error); }
                button type="submit" { "Filter" }
            }
            h2 { "Top failing errors" }
            table #top-errors {
                thead { tr { th { "Error" } th { "Letters" } } }
                tbody { @for (error, n) in top.iter().take(10) {
                    tr { td { a href=(format!("/ops/dead-letters?error={}", url_escape(error))) { (error) } } td.n { (n) } }
                } }
            }
            h2 { (letters.len()) " letter(s)" }
            @if op.may_act() && !letters.is_empty() {
                p {
                    form.inline method="post" action="/ops/dead-letters/bulk/requeue" {
                        (csrf_input(&op)) (filter.hidden())
                        button type="submit" { "Requeue all " (letters.len()) " matching" }
                    }
                    " "
                    form.inline method="post" action="/ops/dead-letters/bulk/delete" {
                        (csrf_input(&op)) (filter.hidden())
                        button type="submit" { "Delete all " (letters.len()) " matching" }
                    }
                }
            }
            table #dead-letters {
                thead { tr {
                    th { "Id" } th { "Queue" } th { "Kind" } th { "Attempts" } th { "Last error" } th { "Last failed (UTC)" }
                    @if op.may_act() { th { "Actions" } }
                } }
                tbody { @for l in &letters {
                    tr data-letter=(l.id) {
                        td { a href=(format!("/ops/dead-letters/{}", l.id)) { (l.id) } }
                        td { (l.queue) } td { (l.kind) } td.n { (l.attempts) } td { (last_error(l)) }
                        td { (l.last_failed_at.format("%Y-%m-%d %H:%M:%S")) }
                        @if op.may_act() {
                            td {
                                (action_button(&op, &format!("/ops/dead-letters/{}/requeue", l.id), "Requeue"))
                                " "
                                (action_button(&op, &format!("/ops/dead-letters/{}/delete", l.id), "Delete"))
                            }
                        }
                    }
                } }
            }
        },
    )
    .into_response()
}

fn detail_page(op: &Operator, letter: &Model, args: Option<&str>, error: Option<&str>) -> Markup {
    let attempts = dead_letters::errors_of(letter);
    html! {
        p { "Queue " b { (letter.queue) } ", kind " b { (letter.kind) } ", " (letter.attempts) " attempt(s)"
            @if let Some(at) = letter.requeued_at { ", requeued at " (at.format("%Y-%m-%d %H:%M:%S")) } }
        h2 { "Payload" }
        @if op.may_act() && letter.requeued_at.is_none() {
            form method="post" action=(format!("/ops/dead-letters/{}/edit", letter.id)) {
                (csrf_input(op))
                textarea name="args" rows="8" cols="70" { (args.map(str::to_owned).unwrap_or_else(|| pretty(&letter.payload))) }
                br;
                button type="submit" { "Review the change" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
            }
        } @else {
            pre #payload { (pretty(&letter.payload)) }
        }
        h2 { "Attempts" }
        table #attempts {
            thead { tr { th { "#" } th { "Error" } th { "Permanent" } th { "Started (UTC)" } th { "Failed (UTC)" } th { "Took" } th { "Worker" } } }
            tbody { @for a in &attempts {
                tr {
                    td.n { (a.attempt) } td { (a.error) } td { @if a.permanent { "yes" } }
                    td { (a.started_at.format("%H:%M:%S%.3f")) } td { (a.failed_at.format("%Y-%m-%d %H:%M:%S%.3f")) }
                    td.n { ((a.failed_at - a.started_at).num_milliseconds()) " ms" } td { (a.worker) }
                }
            } }
        }
    }
}

#[handler]
pub async fn show(Path(id): Path<i64>, session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    match dead_letters::get(&state.db, id).await {
        Ok(letter) => page(&format!("Dead letter {id}"), Some(&op), detail_page(&op, &letter, None, None))
            .into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    args: String,
}

/// `POST /ops/dead-letters/{id}/edit`: the edited payload beside the stored one, as a
/// line diff, with the button that requeues it (nothing changes before that).
#[handler]
pub async fn review(
    Path(id): Path<i64>,
    Acting(op, form): Acting<EditForm>,
    state: Data<&ApiState>,
) -> Response {
    let letter = match dead_letters::get(&state.db, id).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let refuse = |message: String| {
        let body = detail_page(&op, &letter, Some(&form.args), Some(&message));
        (StatusCode::UNPROCESSABLE_ENTITY, page(&format!("Dead letter {id}"), Some(&op), body))
            .into_response()
    };
    let edited: Value = match serde_json::from_str(&form.args) {
        Ok(v) => v,
        Err(e) => return refuse(format!("The payload is not JSON: {e}.")),
    };
    if let Err(e) = jobs::AnyJob::from_parts(&letter.kind, edited.clone()) {
        return refuse(format!("{e}."));
    }
    let (before, after) = (pretty(&letter.payload), pretty(&edited));
    let diff = TextDiff::from_lines(&before, &after);
    page(
        &format!("Requeue dead letter {id} with this change?"),
        Some(&op),
        html! {
            pre #diff { @for change in diff.iter_all_changes() {
                @match change.tag() {
                    ChangeTag::Delete => { del { "- " (change) } }
                    ChangeTag::Insert => { ins { "+ " (change) } }
                    ChangeTag::Equal => { span { "  " (change) } }
                }
            } }
            form method="post" action=(format!("/ops/dead-letters/{id}/requeue")) {
                (csrf_input(&op))
                input type="hidden" name="args" value=(after);
                button type="submit" { "Requeue with this payload" }
            }
            p { a href=(format!("/ops/dead-letters/{id}")) { "Back without requeueing" } }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct RequeueForm {
    args: Option<String>,
}

/// `POST /ops/dead-letters/{id}/requeue`, with the reviewed payload or as it was.
#[handler]
pub async fn requeue(
    Path(id): Path<i64>,
    Acting(op, form): Acting<RequeueForm>,
    state: Data<&ApiState>,
) -> Response {
    let edited = match form.args.as_deref().map(serde_json::from_str::<Value>).transpose() {
        Ok(v) => v,
        Err(e) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, format!("the payload is not JSON: {e}"))
                .into_response();
        }
    };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    let details = serde_json::json!({ "edited": edited.is_some() });
    match dead_letters::requeue(&state.db, client, id, edited).await {
        Ok(_) => {
            audited_redirect(
                &state,
                &op,
                "dead_letter.requeue",
                &id.to_string(),
                details,
                "/ops/dead-letters",
            )
            .await
        }
        Err(DeadLetterError::Job(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
        Err(e) => failed(e),
    }
}

/// `POST /ops/dead-letters/{id}/delete`.
#[handler]
pub async fn delete(Path(id): Path<i64>, Acting(op, _): Acting, state: Data<&ApiState>) -> Response {
    match dead_letters::delete(&state.db, &[id]).await {
        Ok(0) => (StatusCode::NOT_FOUND, format!("no dead letter {id}")).into_response(),
        Ok(_) => {
            audited_redirect(
                &state,
                &op,
                "dead_letter.delete",
                &id.to_string(),
                Value::Null,
                "/ops/dead-letters",
            )
            .await
        }
        Err(e) => unavailable("database", e),
    }
}

#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(flatten)]
    filter: Filter,
}

/// `POST /ops/dead-letters/bulk/{requeue|delete}`: every letter the filter matches.
#[handler]
pub async fn bulk(
    Path(action): Path<String>,
    Acting(op, form): Acting<BulkForm>,
    state: Data<&ApiState>,
) -> Response {
    let letters = match dead_letters::list(&state.db, &form.filter.to_filter(None)).await {
        Ok(l) => l,
        Err(e) => return unavailable("database", e),
    };
    let ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
    match action.as_str() {
        "requeue" => {
            let Some(client) = state.queues.as_ref() else {
                return unavailable("queue backend", "no job queue");
            };
            for id in &ids {
                match dead_letters::requeue(&state.db, client, *id, None).await {
                    // Requeued or deleted meanwhile by someone else: the rest still go.
                    Ok(_) | Err(DeadLetterError::AlreadyRequeued { .. } | DeadLetterError::NotFound(_)) => {}
                    Err(e) => return failed(e),
                }
            }
        }
        "delete" => {
            if let Err(e) = dead_letters::delete(&state.db, &ids).await {
                return unavailable("database", e);
            }
        }
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    }
    let details = serde_json::json!({ "ids": ids, "queue": form.filter.queue, "kind": form.filter.kind, "error": form.filter.error });
    audited_redirect(
        &state,
        &op,
        &format!("dead_letter.bulk_{action}"),
        "filter",
        details,
        "/ops/dead-letters",
    )
    .await
}
