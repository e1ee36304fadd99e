//! `kickoff serve`: the HTTP API until SIGTERM or SIGINT.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use sea_orm::DatabaseConnection;

use super::queue::shutdown_signal;
use crate::config::Settings;

/// How long in-flight requests get to finish after a shutdown signal.
const GRACE: Duration = Duration::from_secs(10);

pub async fn run(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(&db, None).await.context("migrating the database")?;
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
    tracing::info!(%addr, "serving the API");
    let mut stop = shutdown_signal();
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(api::app(api::ApiState::new(db)), shutdown, Some(GRACE))
        .await
        .context("serving the API")
}
