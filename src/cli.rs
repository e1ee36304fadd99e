//! The command line: one binary, its role chosen by subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "kickoff", version, about = "Football prediction on a job-queue worker platform")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on embedded defaults (SQLite, no servers) and show the result.
    Demo,
    /// Print the effective configuration, secrets masked.
    Config,
    /// Apply or inspect database migrations.
    Migrate {
        #[arg(value_enum)]
        action: MigrateAction,
        /// How many migrations `down` rolls back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// Roll back every migration (`down` only).
        #[arg(long)]
        all: bool,
    },
    /// Import data files into the database.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back applied migrations.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again.
    Fresh,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// football-data.co.uk CSVs (results, statistics, odds): files or directories.
    FootballData {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}
