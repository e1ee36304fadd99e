//! `kickoff serve`: the HTTP API until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use jobs::QueueBackend;
use jobs::schedule::Schedules;
use migration::{Migrator, MigratorTrait};
use poem::Server;
use poem::listener::{Acceptor, AcceptorExt, Listener, TcpListener};
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
    let (acceptor, addr) = bind(&settings.api.bind).await?;
    print_urls(addr, state.events.is_some());
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

type Bound = poem::listener::BoxAcceptor;

/// Listens on `bind` (port 0 picks a free one); returns the listener and its address.
pub async fn bind(bind: &str) -> anyhow::Result<(Bound, SocketAddr)> {
    let acceptor = TcpListener::bind(bind.to_owned())
        .into_acceptor()
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the API listener has no address")?;
    Ok((acceptor.boxed(), addr))
}

/// The URLs of a server; live events exist only on the Redis queue.
pub fn print_urls(addr: SocketAddr, events: bool) {
    println!("API        http://{addr}{}", api::API_PREFIX);
    println!("Swagger UI http://{addr}/docs");
    println!("OpenAPI    http://{addr}/openapi.json");
    if events {
        println!("Events     http://{addr}{}/events?channels=matches:live", api::API_PREFIX);
    } else {
        let url = format!("http://{addr}{}/events?channels=matches:live", api::API_PREFIX);
        println!("Events     {url} (needs the Redis queue: 503 on the embedded one)");
    }
    println!("Metrics    http://{addr}/metrics");
}

/// Serves `state` on `acceptor` in the background until `stop` turns true.
pub fn spawn(
    acceptor: Bound,
    state: api::ApiState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::spawn(Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
        api::app(state),
        shutdown,
        Some(GRACE),
    ))
}

/// The API's state: the configured queues, and live events when they run on Redis (the
/// embedded queue has no pub/sub, so `/api/v1/events` answers 503 there).
async fn state(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<api::ApiState> {
    let queues = open(settings, Some(&db)).await?;
    with_queues(settings, db, queues)
}

/// The API's state over `queues`, with live events when they run on Redis.
pub fn with_queues(
    settings: &Settings,
    db: DatabaseConnection,
    queues: jobs::QueueClient,
) -> anyhow::Result<api::ApiState> {
    let mut state = api::ApiState::new(db)
        .with_settings(settings.api.clone(), settings.auth.clone())
        .with_telegram_webhook_secret(settings.telegram.webhook_secret.clone());
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
