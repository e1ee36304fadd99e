//! `/health` (the process answers) and `/ready` (the database answers too, and Redis
//! when the queue is Redis).

use std::time::Duration;

use jobs::QueueClient;
use jobs::redis_server::RedisServer;
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

/// The Redis server behind the queues when it answers in time (`None` on the embedded
/// queue), or why it is not ready.
async fn redis_state(queues: &QueueClient) -> Result<Option<RedisServer>, String> {
    match tokio::time::timeout(REDIS_PING_TIMEOUT, queues.redis_server()).await {
        Ok(Ok(server)) => Ok(server),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {REDIS_PING_TIMEOUT:?}")),
    }
}

/// Ready when the database answers, and Redis when the queue is Redis. The answer names
/// the Redis run id and uptime: a run id other than the last one seen means Redis
/// restarted in between.
#[handler]
pub async fn ready(state: Data<&ApiState>) -> Response {
    let backend = state.db.get_database_backend();
    if let Err(e) = state.db.query_one_raw(Statement::from_string(backend, "SELECT 1")).await {
        tracing::warn!(error = %e, "readiness check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
    }
    let mut data = serde_json::json!({ "status": "ready" });
    if let Some(queues) = &state.queues {
        match redis_state(queues).await {
            Ok(Some(r)) => {
                data["redis"] = serde_json::json!({ "run_id": r.run_id, "uptime_secs": r.uptime_secs });
            }
            Ok(None) => {}
            Err(why) => {
                tracing::warn!(error = %why, "readiness check: redis unreachable");
                return (StatusCode::SERVICE_UNAVAILABLE, internal_body()).into_response();
            }
        }
    }
    Json(serde_json::json!({ "success": true, "data": data })).into_response()
}
