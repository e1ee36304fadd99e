//! Shared set-up of the queue commands: the configured backend's queues under the prefix,
//! and a shutdown signal.

use anyhow::Context;
use entities::settings::DatabaseSettings;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::redis_queue::{RedisQueues, connect_client};
use jobs::{QueueBackend, QueueClient};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::{Settings, env_name};

/// The queues of the configured backend. The embedded queue shares `db`'s pool when it
/// lives in the same SQLite file (one pool per process: SQLite has one writer).
pub async fn open(settings: &Settings, db: Option<&DatabaseConnection>) -> anyhow::Result<QueueClient> {
    let prefix = settings.queue.prefix_for(&env_name())?;
    let url = settings.queue.url.expose();
    let shown = settings.queue.url.masked();
    match settings.queue.backend()? {
        QueueBackend::Redis => {
            let client = settings.queue.redis_client()?;
            let conn = connect_client(client)
                .await
                .with_context(|| format!("connecting to the queue at {shown}"))?;
            Ok(RedisQueues::new(conn, prefix).into())
        }
        QueueBackend::Embedded => {
            let pool = match db.filter(|_| url == settings.database.url.expose()) {
                Some(db) => db.get_sqlite_connection_pool().clone(),
                None => {
                    let own =
                        DatabaseSettings { url: settings.queue.url.clone(), ..settings.database.clone() };
                    entities::connect(&own)
                        .await
                        .with_context(|| format!("opening the embedded queue at {shown}"))?
                        .get_sqlite_connection_pool()
                        .clone()
                }
            };
            let queues = EmbeddedQueues::open(pool, prefix)
                .await
                .with_context(|| format!("setting up the embedded queue at {shown}"))?;
            Ok(queues.into())
        }
    }
}

/// Refuses a Redis that may drop queued jobs (see `jobs::redis_server`): an eviction
/// policy always, no persistence in the `production` environment; warns otherwise.
pub async fn check_durability(queues: &QueueClient) -> anyhow::Result<()> {
    let Some(server) = queues.redis_server().await.context("reading the Redis server's settings")? else {
        return Ok(());
    };
    let production = env_name() == "production";
    if let Some(warning) = server.check(production)? {
        tracing::warn!(run_id = %server.run_id, "{warning}");
    }
    tracing::info!(
        run_id = %server.run_id,
        version = %server.version,
        maxmemory_policy = %server.maxmemory_policy,
        aof = server.aof,
        "Redis server"
    );
    Ok(())
}

/// A flag that turns true on SIGTERM or SIGINT.
pub fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    let _ = tx.send(true);
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        let _ = tx.send(true);
    });
    rx
}
