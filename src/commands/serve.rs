//! `kickoff serve`: the HTTP API until SIGTERM or SIGINT.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use jobs::QueueBackend;
use jobs::schedule::Schedules;
use migration::{Migrator, MigratorTrait};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use sea_orm::DatabaseConnection;

use super::queue::{open, shutdown_signal};
use crate::config::Settings;

/// How long in-flight requests get to finish after a shutdown signal.
const GRACE: Duration = Duration::from_secs(10);

pub async fn run(settings: &Settings, db: DatabaseConnection, schedules: &Path) -> anyhow::Result<()> {
    Migrator::up(&db, None).await.context("migrating the database")?;
    let mut state = state(settings, db).await?;
    if schedules.exists() {
        let table = Schedules::load(schedules).with_context(|| format!("loading {}", schedules.display()))?;
        state = state.with_schedules(table);
    } else {
        tracing::warn!(path = %schedules.display(), "no schedules file; the schedule endpoints answer 503");
    }
    let bind = settings.api.bind.clone();
    let acceptor =
        TcpListener::bind(bind.clone()).into_acceptor().await.with_context(|| format!("binding {bind}"))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the API listener has no address")?;
    println!("API        http://{addr}{}", api::API_PREFIX);
    println!("Swagger UI http://{addr}/docs");
    println!("OpenAPI    http://{addr}/openapi.json");
    println!("Events     http://{addr}{}/events?channels=matches:live", api::API_PREFIX);
    println!("Metrics    http://{addr}/metrics");
    tracing::info!(%addr, "serving the API");
    let mut stop = shutdown_signal();
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(api::app(state), shutdown, Some(GRACE))
        .await
        .context("serving the API")
}

/// The API's state: the configured queues, and live events when they run on Redis (the
/// embedded queue has no pub/sub, so `/api/v1/events` answers 503 there).
async fn state(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<api::ApiState> {
    let queues = open(settings, Some(&db)).await?;
    let mut state = api::ApiState::new(db).with_settings(settings.api.clone(), settings.auth.clone());
    if queues.backend() == QueueBackend::Redis {
        let hub = api::events::EventHub::redis(
            settings.queue.url.expose(),
            queues.prefix(),
            settings.api.events_replay,
        )
        .context("setting up live events")?;
        state = state.with_events(hub);
    }
    Ok(state.with_queues(queues))
}
