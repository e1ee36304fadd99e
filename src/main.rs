//! `kickoff`: the one binary. Its role (demo, migrate, import, and later worker,
//! scheduler, serve) is chosen by subcommand; see `kickoff --help`.

mod cli;
mod commands;
mod config;
mod telemetry;

use anyhow::Context;
use clap::Parser;

use crate::cli::{Cli, Command, ImportSource};

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
        Command::Demo => {
            let db = connect(&settings).await?;
            commands::demo::run(&db).await
        }
    }
}

async fn connect(settings: &config::Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    entities::connect(&settings.database)
        .await
        .with_context(|| format!("opening the database {}", settings.database.url))
}
