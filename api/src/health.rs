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

/// Why the queue backend is not ready, if it is not: Redis must answer PING in time.
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

/// The Redis run id and uptime, best effort (an ACL may refuse INFO): a run id other
/// than the last one seen means Redis restarted in between.
async fn redis_identity(queues: &QueueClient) -> Option<serde_json::Value> {
    match tokio::time::timeout(REDIS_PING_TIMEOUT, queues.redis_server()).await {
        Ok(Ok(Some(r))) => Some(serde_json::json!({ "run_id": r.run_id, "uptime_secs": r.uptime_secs })),
        Ok(Ok(None)) => None,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "readiness check: Redis INFO refused");
            None
        }
        Err(_) => None,
    }
}

/// Ready when the database answers, and Redis when the queue is Redis; the answer names
/// the Redis run id and uptime when Redis tells them.
#[handler]
pub async fn ready(state: Data<&ApiState>) -> Response {
    let backend = state.db.get_database_backend();
    if let Err(e) = state.db.query_one_raw(Statement::from_string(backend, "SELECT 1")).await {
        tracing::warn!(error = %e, "readiness check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
    }
    let mut data = serde_json::json!({ "status": "ready" });
    if let Some(queues) = &state.queues {
        if let Some(why) = redis_unready(queues).await {
            tracing::warn!(error = %why, "readiness check: redis unreachable");
            return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
        }
        if let Some(identity) = redis_identity(queues).await {
            data["redis"] = identity;
        }
    }
    Json(serde_json::json!({ "success": true, "data": data })).into_response()
}
