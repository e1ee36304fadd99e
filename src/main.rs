//! `kickoff`: the one binary. Its role (demo, migrate, import, worker,
//! scheduler, serve, …) is chosen by subcommand; see `kickoff --help`.

mod cli;
mod commands;
mod config;
mod fixture_site;
mod listen;
mod telemetry;

use anyhow::Context;
use clap::Parser;
use migration::MigratorTrait;

use crate::cli::{Cli, Command, ImportSource};

/// The API builds a JSON tree per response and drops it; glibc's allocator spent a fifth
/// of the server's CPU in malloc and free under load (perf), mimalloc far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = config::load(&config::env_name(), &config::config_dir())?;
    telemetry::init(&settings.log);
    match cli.command {
        Command::Config => {
            print!("{}", settings.to_masked_toml()?);
            Ok(())
        }
        Command::Migrate { action, steps, all } => {
            let db = connect(&settings).await?;
            commands::migrate::run(&db, action, steps, all).await
        }
        Command::Import { source: ImportSource::FootballData { paths } } => {
            let db = connect(&settings).await?;
            let summary = commands::import::run(&db, &paths).await?;
            if summary.files_rejected.len() as u64 == summary.files && summary.files > 0 {
                anyhow::bail!("no file could be imported");
            }
            Ok(())
        }
        Command::Serve { schedules } => {
            let db = connect(&settings).await?;
            commands::serve::run(&settings, db, &schedules).await
        }
        Command::Bot { command: None } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::bot::run(&settings, &db).await
        }
        Command::Bot { command: Some(command) } => commands::bot::webhook(&settings, command).await,
        Command::Teams { command } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::teams::run(&db, command).await
        }
        Command::Matches { command } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::teams::run_matches(&db, command).await
        }
        Command::Apikey { command } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::apikey::run(&db, command).await
        }
        Command::FixtureSite { bind, faults } => fixture_site::run(&bind, &faults).await,
        Command::Demo { serve } => {
            let db = connect(&settings).await?;
            commands::demo::run(&settings, &db, serve).await
        }
        Command::Worker { queues, concurrency, grace_secs, metrics_bind } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::worker::worker(
                &settings,
                db,
                &queues,
                &concurrency,
                grace_secs.map(std::time::Duration::from_secs),
                metrics_bind.as_deref(),
            )
            .await
        }
        Command::Scheduler { file, list, catch_up_secs } => {
            commands::worker::scheduler(&settings, &file, list, catch_up_secs).await
        }
        Command::Trigger { kind, args, at, idempotency_key } => {
            commands::jobs_cli::trigger(&settings, &kind, args.as_deref(), at.as_deref(), idempotency_key)
                .await
        }
        Command::Replay { source, since } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::jobs_cli::replay(&settings, &db, &source, since.as_deref()).await
        }
        Command::Dlq { command } => {
            let db = connect(&settings).await?;
            commands::jobs_cli::dlq(&settings, &db, command).await
        }
        Command::Backtest { leagues, test_seasons, warmup_seasons, min_edge, book, json, html } => {
            let db = connect(&settings).await?;
            let args = commands::backtest::BacktestArgs {
                leagues,
                test_seasons,
                warmup_seasons,
                min_edge,
                book,
                json,
                html,
            };
            commands::backtest::run(&db, args, &settings.predict).await
        }
        Command::Train { leagues, as_of, no_search, no_activate } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            commands::models::train(&settings, &db, leagues, as_of, !no_search, !no_activate)
                .await
                .map(|_| ())
        }
        Command::Models { command } => {
            let db = connect(&settings).await?;
            migration::Migrator::up(&db, None).await?;
            commands::models::models(&settings, &db, command).await
        }
        Command::Queues { command } => commands::jobs_cli::queues_cmd(&settings, command).await,
        Command::Bench { command: cli::BenchCommand::Queue { jobs, workers, concurrency, runs } } => {
            commands::bench::queue(&settings, jobs, workers, concurrency, runs).await
        }
        Command::Bench { command: cli::BenchCommand::Freshness { changes } } => {
            commands::freshness::run(&settings, changes).await
        }
    }
}

async fn connect(settings: &config::Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    entities::connect(&settings.database)
        .await
        .with_context(|| format!("opening the database {}", settings.database.url))
}
