//! `kickoff import football-data <file-or-dir>...`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use workers::process::football_data::{ImportSummary, import_paths};

/// A bar on a terminal, nothing otherwise.
pub fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// Prints rejections and the summary.
pub fn report(summary: &ImportSummary, seconds: f64) {
    for (file, reason) in &summary.files_rejected {
        eprintln!("rejected file {file}: {reason}");
    }
    for r in &summary.rejections {
        eprintln!("rejected row {r}");
    }
    for r in &summary.price_rejections {
        eprintln!("rejected price {r}");
    }
    println!("{summary}");
    let secs = seconds.max(1e-9);
    println!(
        "took {seconds:.3} s: {:.0} matches/s, {:.0} odds rows/s",
        (summary.matches_inserted + summary.matches_updated + summary.matches_unchanged) as f64 / secs,
        summary.odds_rows as f64 / secs
    );
}

pub async fn run(db: &DatabaseConnection, paths: &[PathBuf]) -> anyhow::Result<ImportSummary> {
    Migrator::up(db, None).await?;
    let started = Instant::now();
    let summary = import_paths(db, paths, &progress_bar()).await?;
    report(&summary, started.elapsed().as_secs_f64());
    Ok(summary)
}
