//! `kickoff serve`: the HTTP API until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use jobs::schedule::Schedules;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use super::queue::{open, shutdown_signal};
use crate::config::Settings;
use crate::listen;

pub async fn run(settings: &Settings, db: DatabaseConnection, schedules: &Path) -> anyhow::Result<()> {
    Migrator::up(&db, None).await.context("migrating the database")?;
    let mut state = state(settings, db).await?;
    if schedules.exists() {
        let table = Schedules::load(schedules).with_context(|| format!("loading {}", schedules.display()))?;
        state = state.with_schedules(table);
    } else {
        tracing::warn!(path = %schedules.display(), "no schedules file; the schedule endpoints answer 503");
    }
    let (acceptor, addr) = listen::bind(&settings.api.bind).await?;
    print_urls(addr);
    tracing::info!(%addr, "serving the API");
    listen::spawn(acceptor, api::app(state), shutdown_signal(), Some(listen::API_GRACE))
        .await?
        .context("serving the API")
}

/// The URLs of a server.
pub fn print_urls(addr: SocketAddr) {
    println!("API        http://{addr}{}", api::API_PREFIX);
    println!("Swagger UI http://{addr}/docs");
    println!("OpenAPI    http://{addr}/openapi.json");
    println!("Events     http://{addr}{}/events?channels=matches:live", api::API_PREFIX);
    println!("Metrics    http://{addr}/metrics");
}

/// The API's state: the configured queues and their live events.
async fn state(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<api::ApiState> {
    let queues = open(settings, Some(&db)).await?;
    with_queues(settings, db, queues)
}

/// What `/value-bets/summary` says about the rule: the served model, and the thresholds
/// when `[predict] rule = "fixed"`.
fn served_rule(p: &workers::settings::PredictSettings) -> api::state::ServedRule {
    let fixed = (p.rule == workers::settings::RuleSource::Fixed).then_some(api::value_bets::FixedRule {
        min_edge: p.min_edge,
        max_edge: p.max_edge,
        min_price: p.min_price,
        max_price: p.max_price,
    });
    api::state::ServedRule { model_name: p.model_name.clone(), fixed }
}

/// The API's state over `queues`, with their live events: Redis pub/sub, or the
/// embedded queue's events table.
pub fn with_queues(
    settings: &Settings,
    db: DatabaseConnection,
    queues: jobs::QueueClient,
) -> anyhow::Result<api::ApiState> {
    let mut state = api::ApiState::new(db)
        .with_settings(settings.api.clone(), settings.auth.clone())
        .with_telegram_webhook_secret(settings.telegram.webhook_secret.clone())
        .with_served_rule(served_rule(&settings.predict));
    let hub = match &queues {
        jobs::QueueClient::Redis(_) => {
            let client = settings.queue.redis_client().context("setting up live events")?;
            api::events::EventHub::redis(client, queues.prefix(), settings.api.events_replay)
        }
        jobs::QueueClient::Embedded(q) => {
            api::events::EventHub::embedded(q.clone(), settings.api.events_replay)
        }
    };
    state = state.with_events(hub);
    Ok(state.with_queues(queues))
}
