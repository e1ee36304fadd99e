//! Shared set-up of the queue commands: the Redis queues under the configured prefix,
//! and a shutdown signal.

use anyhow::{Context, bail};
use jobs::QueueBackend;
use jobs::redis_queue::{RedisQueues, connect};
use tokio::sync::watch;

use crate::config::{Settings, env_name};

/// The queues of the configured backend.
pub async fn open(settings: &Settings) -> anyhow::Result<RedisQueues> {
    match settings.queue.backend()? {
        QueueBackend::Redis => {}
        QueueBackend::Embedded => bail!(
            "this command needs the Redis queue: set KICKOFF__QUEUE__URL=redis://HOST:6379/0 \
             (the embedded queue serves `kickoff demo` only in this version)"
        ),
    }
    let prefix = settings.queue.prefix_for(&env_name())?;
    let conn = connect(settings.queue.url.expose())
        .await
        .with_context(|| format!("connecting to the queue at {}", settings.queue.url))?;
    Ok(RedisQueues::new(conn, prefix))
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
