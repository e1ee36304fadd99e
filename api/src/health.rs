//! `/health` (the process answers) and `/ready` (the database answers too, and Redis
//! when the queue is Redis).

use std::time::Duration;

use jobs::QueueClient;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler, http::StatusCode};
use sea_orm::{ConnectionTrait, Statement};

use crate::envelope::internal_body;
use crate::state::ApiState;

/// A readiness probe must answer before the orchestrator's own timeout.
const REDIS_PING_TIMEOUT: Duration = Duration::from_secs(2);

#[handler]
pub fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "success": true, "data": { "status": "ok" } }))
}

/// Why the queue backend is not ready, if it is not.
async fn redis_unready(queues: &QueueClient) -> Option<String> {
    let QueueClient::Redis(q) = queues else { return None };
    let mut conn = q.connection();
    let ping = redis::cmd("PING");
    match tokio::time::timeout(REDIS_PING_TIMEOUT, ping.query_async::<String>(&mut conn)).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no PONG within {REDIS_PING_TIMEOUT:?}")),
    }
}

#[handler]
pub async fn ready(state: Data<&ApiState>) -> Response {
    let backend = state.db.get_database_backend();
    if let Err(e) = state.db.query_one_raw(Statement::from_string(backend, "SELECT 1")).await {
        tracing::warn!(error = %e, "readiness check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
    }
    if let Some(queues) = &state.queues
        && let Some(why) = redis_unready(queues).await
    {
        tracing::warn!(error = %why, "readiness check: redis unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
    }
    Json(serde_json::json!({ "success": true, "data": { "status": "ready" } })).into_response()
}
