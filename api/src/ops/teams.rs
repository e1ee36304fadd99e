//! Teams to review: the clubs a new source's spelling created (no seed name backs them,
//! nobody reviewed them). An operator merges one into the club it really is (its matches,
//! statistics, odds and aliases move), adds an alias a source uses, or keeps it.

use entities::team_review::{self, ReviewError, ReviewItem};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use super::html::{action_button, csrf_input, page};
use super::session::{Acting, NoFields, Operator, Refusal, current};
use super::unavailable;
use crate::state::ApiState;

fn row(op: &Operator, t: &ReviewItem) -> Markup {
    html! {
        tr id=(format!("team-{}", t.id)) {
            td { (t.id) } td { (t.name) } td { (t.league.clone().unwrap_or_default()) } td { (t.matches) }
            td { (t.aliases.join("; ")) }
            td {
                @if op.may_act() {
                    form.inline method="post" action=(format!("/ops/teams/{}/merge", t.id)) {
                        (csrf_input(op))
                        label { "into team id " input type="number" name="into" required min="1"; }
                        button type="submit" { "Merge" }
                    }
                    form.inline method="post" action=(format!("/ops/teams/{}/alias", t.id)) {
                        (csrf_input(op))
                        input type="text" name="source" placeholder="source" required;
                        input type="text" name="alias" placeholder="name it uses" required;
                        button type="submit" { "Add alias" }
                    }
                    (action_button(op, &format!("/ops/teams/{}/keep", t.id), "Keep as a club"))
                }
            }
        }
    }
}

#[handler]
pub async fn list(session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let items = match team_review::to_review(&state.db).await {
        Ok(i) => i,
        Err(e) => return unavailable("database", e),
    };
    page(
        "Teams to review",
        Some(&op),
        html! {
            p { "Clubs created from a spelling no known name matched. Merge one into the club it is (its matches, statistics, odds and aliases move, in one transaction), add the alias a source uses, or keep it as a club of its own." }
            @if items.is_empty() { p #none { "No team to review." } }
            @else {
                table #review {
                    thead { tr { th { "Id" } th { "Name" } th { "League" } th { "Matches" } th { "Names by source" } th { "" } } }
                    tbody { @for t in &items { (row(&op, t)) } }
                }
            }
        },
    )
    .into_response()
}

fn answer(result: Result<(), ReviewError>) -> Response {
    match result {
        Ok(()) => Redirect::see_other("/ops/teams").into_response(),
        Err(ReviewError::NotFound(id)) => (StatusCode::NOT_FOUND, format!("no team {id}")).into_response(),
        Err(ReviewError::Db(e)) => unavailable("database", e),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    }
}

/// The form's fields arrive as text (a flattened form reads no numbers).
#[derive(Debug, Deserialize)]
pub struct MergeForm {
    into: String,
}

/// `POST /ops/teams/{id}/merge` with `into` (audited in the merge's transaction).
#[handler]
pub async fn merge(
    Path(id): Path<i64>,
    Acting(op, form): Acting<MergeForm>,
    state: Data<&ApiState>,
) -> Response {
    let Ok(into) = form.into.trim().parse::<i64>() else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "`into` is a team id").into_response();
    };
    answer(team_review::merge(&state.db, &op.actor, id, into).await.map(|_| ()))
}

#[derive(Debug, Deserialize)]
pub struct AliasForm {
    source: String,
    alias: String,
}

/// `POST /ops/teams/{id}/alias` with `source` and `alias`.
#[handler]
pub async fn alias(
    Path(id): Path<i64>,
    Acting(op, form): Acting<AliasForm>,
    state: Data<&ApiState>,
) -> Response {
    answer(team_review::add_alias(&state.db, &op.actor, id, &form.source, &form.alias).await)
}

/// `POST /ops/teams/{id}/keep`.
#[handler]
pub async fn keep(Path(id): Path<i64>, Acting(op, NoFields {}): Acting, state: Data<&ApiState>) -> Response {
    answer(team_review::keep(&state.db, &op.actor, id).await)
}
