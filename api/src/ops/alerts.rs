//! Alert deliveries: the value-bet alerts that may or may not have reached their chat
//! (listed first, with what the call ended on), those being sent, then the latest sent. An operator
//! settles an uncertain one: the chat has it, or it is sent again to that chat alone.

use entities::alert_deliveries::Model;
use entities::enums::DeliveryState;
use jobs::alert_deliveries::{self, Resolution, ReviewError};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};

use super::html::{action_button, page, when};
use super::session::{Acting, Operator, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

/// Rows shown per table.
const SHOWN: u64 = 200;

fn table(op: &Operator, id: &str, rows: &[Model]) -> Markup {
    html! {
        table id=(id) {
            thead { tr {
                th { "Delivery" } th { "Value bet" } th { "Chat" } th { "State" } th { "Message" }
                th { "Changed (UTC)" } th { "Why" } th { "" }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td { (r.id) } td { (r.value_bet_id) } td { (r.chat_id) }
                        td { (format!("{:?}", r.state).to_lowercase()) }
                        td { (r.message_id.map(|m| m.to_string()).unwrap_or_default()) }
                        td { (when(Some(r.updated_at))) }
                        td { (r.error.clone().unwrap_or_default()) }
                        td {
                            @if r.state == DeliveryState::Uncertain && op.may_act() {
                                (action_button(op, &format!("/ops/alerts/{}/sent", r.id), "The chat has it"))
                                (action_button(op, &format!("/ops/alerts/{}/resend", r.id), "Send again"))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[handler]
pub async fn list(session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let read = async {
        let uncertain = alert_deliveries::list(&state.db, Some(DeliveryState::Uncertain), 0, SHOWN).await?;
        let sending = alert_deliveries::list(&state.db, Some(DeliveryState::Sending), 0, SHOWN).await?;
        let sent = alert_deliveries::list(&state.db, Some(DeliveryState::Sent), 0, SHOWN).await?;
        Ok::<_, sea_orm::DbErr>((uncertain, sending, sent))
    };
    let ((uncertain, n_uncertain), (sending, n_sending), (sent, n_sent)) = match read.await {
        Ok(r) => r,
        Err(e) => return unavailable("database", e),
    };
    page(
        "Alert deliveries",
        Some(&op),
        html! {
            h2 { "Uncertain (" (n_uncertain) ")" }
            p { "The call may have reached Telegram and no reply proves it: these are never sent again on their own. Ask the chat, then settle each." }
            (table(&op, "uncertain", &uncertain))
            h2 { "Sending (" (n_sending) ")" }
            p { "Claimed by a run that is sending now; one whose run died turns uncertain two minutes after its claim." }
            (table(&op, "sending", &sending))
            h2 { "Sent (" (n_sent) ")" }
            (table(&op, "sent", &sent))
        },
    )
    .into_response()
}

/// `POST /ops/alerts/{id}/{sent|resend}`.
#[handler]
pub async fn resolve(
    Path((id, action)): Path<(i64, String)>,
    Acting(op, _): Acting,
    state: Data<&ApiState>,
) -> Response {
    let resolution = match action.as_str() {
        "sent" => Resolution::Sent,
        "resend" => Resolution::Resend,
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    match alert_deliveries::resolve(&state.db, client, id, resolution).await {
        Ok(_) => {
            let details = serde_json::json!({ "resolution": action });
            audited_redirect(&state, &op, "alert_delivery.resolve", &id.to_string(), details, "/ops/alerts")
                .await
        }
        Err(ReviewError::NotFound(_)) => {
            (StatusCode::NOT_FOUND, format!("no alert delivery {id}")).into_response()
        }
        Err(e @ ReviewError::NotUncertain { .. }) => (StatusCode::CONFLICT, e.to_string()).into_response(),
        Err(ReviewError::Queue(e)) => unavailable("queue backend", e),
        Err(ReviewError::Db(e)) => unavailable("database", e),
    }
}
