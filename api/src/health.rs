//! `/health` (the process answers) and `/ready` (the database answers too).

use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler, http::StatusCode};
use sea_orm::{ConnectionTrait, Statement};

use crate::envelope::internal_body;
use crate::state::ApiState;

#[handler]
pub fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "success": true, "data": { "status": "ok" } }))
}

#[handler]
pub async fn ready(state: Data<&ApiState>) -> Response {
    let backend = state.db.get_database_backend();
    match state.db.query_one_raw(Statement::from_string(backend, "SELECT 1")).await {
        Ok(_) => Json(serde_json::json!({ "success": true, "data": { "status": "ready" } })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response()
        }
    }
}
