//! `kickoff worker` and `kickoff scheduler`.

use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jobs::queues;
use jobs::schedule::Schedules;
use sea_orm::DatabaseConnection;
use workers::runtime::{PoolSpec, Runtime, run_pools};
use workers::scheduler::Scheduler;

use super::queue::{check_durability, open, shutdown_signal};
use crate::config::Settings;

/// Default concurrency of a pool.
const DEFAULT_CONCURRENCY: usize = 8;

pub fn pool_specs(names: &[String], concurrency: &[(String, usize)]) -> anyhow::Result<Vec<PoolSpec>> {
    let names: Vec<String> =
        if names.is_empty() { queues::ALL.iter().map(|q| q.to_string()).collect() } else { names.to_vec() };
    for n in names.iter().chain(concurrency.iter().map(|(q, _)| q)) {
        if !queues::ALL.contains(&n.as_str()) {
            anyhow::bail!("unknown queue `{n}` (known: {})", queues::ALL.join(", "));
        }
    }
    Ok(names
        .into_iter()
        .map(|queue| {
            let concurrency =
                concurrency.iter().find(|(q, _)| *q == queue).map(|(_, n)| *n).unwrap_or(DEFAULT_CONCURRENCY);
            PoolSpec { queue, concurrency }
        })
        .collect())
}

pub async fn worker(
    settings: &Settings,
    db: DatabaseConnection,
    names: &[String],
    concurrency: &[(String, usize)],
    grace: Option<Duration>,
    metrics_bind: Option<&str>,
) -> anyhow::Result<()> {
    let specs = pool_specs(names, concurrency)?;
    let grace = grace.unwrap_or_else(|| default_grace(&specs));
    tracing::info!(?grace, "in-flight jobs get this long to end after a shutdown signal");
    let stop = shutdown_signal();
    let metrics = match metrics_bind {
        Some(bind) => {
            // Installed before the pools start, so their first jobs are counted.
            if api::prometheus::recorder().is_none() {
                anyhow::bail!("cannot install the Prometheus recorder");
            }
            let (acceptor, addr) = crate::listen::bind(bind).await?;
            println!("Metrics    http://{addr}/metrics");
            let route = poem::Route::new().at("/metrics", poem::get(api::prometheus::process_metrics));
            Some(crate::listen::spawn(acceptor, route, stop.clone(), None))
        }
        None => None,
    };
    let queues = open(settings, Some(&db)).await?;
    check_durability(&queues).await?;
    let notify = !settings.telegram.bot_token.expose_secret().is_empty();
    let rt = Arc::new(
        Runtime::new(db, queues)
            .with_scrape(settings.scrape.clone())?
            .with_predict(settings.predict.clone(), notify)
            .with_llm(llm_client(settings)?)
            .with_telegram(&settings.telegram)?
            .with_webhooks(settings.webhooks.clone()),
    );
    run_pools(rt, specs, stop, grace).await?;
    if let Some(server) = metrics {
        server.await??;
    }
    Ok(())
}

/// The longest time limit of the kinds the pools serve, and a little for the last
/// outcome writes: every job then ends by itself (done or timed out) within it.
pub fn default_grace(specs: &[PoolSpec]) -> Duration {
    let longest = specs.iter().map(|s| jobs::catalogue::longest_timeout(&s.queue)).max().unwrap_or_default();
    longest + Duration::from_secs(5)
}

pub async fn scheduler(
    settings: &Settings,
    file: &Path,
    list: bool,
    catch_up_secs: i64,
) -> anyhow::Result<()> {
    let schedules = Schedules::load(file)?;
    let queues = open(settings, None).await?;
    if !list {
        check_durability(&queues).await?;
    }
    let mut scheduler = Scheduler::new(queues, schedules);
    scheduler.catch_up = chrono::Duration::seconds(catch_up_secs.max(0));
    if list {
        let now = chrono::Utc::now();
        println!(
            "{:<24} {:<18} {:<16} {:<8} {:<20} {:<26} {:<26} {:>6} {:>6}",
            "name", "cron", "timezone", "enabled", "job", "last fire", "next fire", "fired", "missed"
        );
        let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())
        };
        for s in scheduler.states(now).await? {
            println!(
                "{:<24} {:<18} {:<16} {:<8} {:<20} {:<26} {:<26} {:>6} {:>6}",
                s.name,
                s.cron,
                s.timezone,
                s.enabled,
                s.kind,
                fmt(s.last_fire),
                fmt(s.next_fire),
                s.fired,
                s.missed
            );
        }
        return Ok(());
    }
    scheduler.run(shutdown_signal()).await?;
    Ok(())
}

/// The language-model client when `[llm] enabled`.
pub fn llm_client(settings: &Settings) -> anyhow::Result<Option<workers::llm::LlmClient>> {
    if !settings.llm.enabled {
        return Ok(None);
    }
    Ok(Some(workers::llm::LlmClient::new(settings.llm.clone())?))
}
