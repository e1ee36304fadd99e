//! The audit log: every operator action, newest first, who, what, on what and when.
//! Admins only, as `GET /admin/audit`: it names every operator and what they touched.

use entities::audit_log;
use entities::enums::Role;
use maud::html;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use super::html::page;
use super::session::{Refusal, current};
use crate::state::ApiState;

/// Rows shown.
const SHOWN: u64 = 200;

#[handler]
pub async fn log(session: &Session, state: Data<&ApiState>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    if !op.principal().may(Role::Admin) {
        return Refusal::Forbidden("the audit log needs the admin role").into_response();
    }
    let rows = match audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(SHOWN)
        .all(&state.db)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "ops audit page");
            return (StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable").into_response();
        }
    };
    page(
        "Audit log",
        Some(&op),
        html! {
            table #audit {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "What" } th { "Target" } th { "Details" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.at.format("%Y-%m-%d %H:%M:%S")) } td { (r.actor) } td { (r.action) }
                            td { (r.target.clone().unwrap_or_default()) }
                            td { @if !r.details.is_null() { code { (r.details) } } }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
