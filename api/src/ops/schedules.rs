//! The schedules page: each cron entry with its timezone, job, last and next fire, fired
//! and missed ticks, manual runs and the outcomes of its last runs (each a link to the
//! chain it fanned out to), with Run now and Enable / Disable.

use chrono::Utc;
use jobs::Enqueued;
use jobs::schedule_state;
use maud::html;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};

use super::html::{action_button, page, when};
use super::session::{Acting, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

/// Runs shown per schedule.
const LAST_RUNS: usize = 5;

#[handler]
pub async fn list(session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let (Some(table), Some(client)) = (state.schedules.as_deref(), state.queues.as_ref()) else {
        return page("Schedules", Some(&op), html! { p { "This server has no schedules loaded." } })
            .into_response();
    };
    let (states, finished) = match (
        schedule_state::states(client, table, Utc::now()).await,
        crate::job_board::all_finished(client).await,
    ) {
        (Ok(s), Ok(f)) => (s, f),
        (Err(e), _) | (_, Err(e)) => return unavailable("queue backend", e),
    };
    page(
        "Schedules",
        Some(&op),
        html! {
            table #schedules {
                thead { tr {
                    th { "Schedule" } th { "Cron" } th { "Timezone" } th { "Job" } th { "Last fire (UTC)" }
                    th { "Next fire (UTC)" } th { "Fired" } th { "Missed" } th { "Run by hand" } th { "Last runs" } th { "State" }
                    @if op.may_act() { th { "Actions" } }
                } }
                tbody {
                    @for (entry, s) in table.entries.iter().zip(&states) {
                        tr data-schedule=(s.name) {
                            td { (s.name) } td { code { (s.cron) } } td { (s.timezone) }
                            td { (s.kind) " " code { (entry.job.args()) } }
                            td { (when(s.last_fire)) } td { (when(s.next_fire)) }
                            td.n { (s.fired) }
                            td.n { @if s.missed > 0 { span.error { (s.missed) } } @else { "0" } }
                            td.n { (s.runs_now) }
                            td.runs {
                                @for run in crate::job_board::last_runs(&finished, &s.name, LAST_RUNS) {
                                    a href=(format!("/ops/chains/{}", run.job_id)) title=(when(Some(run.at)))
                                        class=(if run.error.is_some() { "error" } else { "" }) { (crate::job_board::outcome_label(run)) }
                                    " "
                                }
                            }
                            td { @if s.enabled { "enabled" } @else { span.paused { "disabled" } } }
                            @if op.may_act() {
                                td {
                                    (action_button(&op, &format!("/ops/schedules/{}/run", s.name), "Run now"))
                                    " "
                                    @if s.enabled {
                                        (action_button(&op, &format!("/ops/schedules/{}/disable", s.name), "Disable"))
                                    } @else {
                                        (action_button(&op, &format!("/ops/schedules/{}/enable", s.name), "Enable"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `POST /ops/schedules/{name}/{run|enable|disable}`.
#[handler]
pub async fn act(
    Path((name, action)): Path<(String, String)>,
    Acting(op, _): Acting,
    state: Data<&ApiState>,
) -> Response {
    let (Some(table), Some(client)) = (state.schedules.as_deref(), state.queues.as_ref()) else {
        return unavailable("schedule table", "none loaded");
    };
    let Some(entry) = table.get(&name) else {
        return (StatusCode::NOT_FOUND, "no such schedule").into_response();
    };
    let (audit_action, details) = match action.as_str() {
        "run" => match schedule_state::run_now(client, entry).await {
            Ok((envelope, outcome)) => {
                let job_id = match outcome {
                    Enqueued::Queued { id, .. } => Some(id),
                    Enqueued::Duplicate { .. } => None,
                };
                ("schedule.run_now", serde_json::json!({ "job_id": job_id, "kind": envelope.kind }))
            }
            Err(e) => return unavailable("queue backend", e),
        },
        "enable" | "disable" => {
            let enabled = action == "enable";
            if let Err(e) = schedule_state::set_enabled(client, &name, enabled).await {
                return unavailable("queue backend", e);
            }
            (if enabled { "schedule.enable" } else { "schedule.disable" }, serde_json::Value::Null)
        }
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    audited_redirect(&state, &op, audit_action, &name, details, "/ops/schedules").await
}
