//! `kickoff backtest`: the walk-forward backtest of every model beside the bookmakers,
//! on the matches in the database; a table on the terminal, and optionally JSON and an
//! HTML report with SVG plots.

mod html;

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;
use workers::backtest::{self, BacktestConfig};
use workers::history::{self, HistoryFilter};

/// What the command was asked.
pub struct BacktestArgs {
    pub leagues: Vec<String>,
    pub test_seasons: Vec<String>,
    pub warmup_seasons: usize,
    pub min_edge: f64,
    pub book: String,
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

fn bar() -> ProgressBar {
    let bar = crate::commands::import::progress_bar();
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} weeks {elapsed}") {
        bar.set_style(style);
    }
    bar
}

pub async fn run(
    db: &DatabaseConnection,
    args: BacktestArgs,
    predict: &workers::settings::PredictSettings,
) -> anyhow::Result<()> {
    let rows = history::load(db, &HistoryFilter { leagues: args.leagues.clone(), ..Default::default() })
        .await
        .context("reading matches")?;
    let mut seasons: Vec<String> =
        rows.iter().filter(|r| r.score().is_some()).map(|r| r.season.clone()).collect();
    seasons.sort();
    seasons.dedup();
    // By default the last two seasons are scored, with everything before as history.
    let test_seasons = if args.test_seasons.is_empty() {
        seasons.iter().rev().take(2).rev().cloned().collect()
    } else {
        args.test_seasons
    };
    let mut config = BacktestConfig {
        leagues: args.leagues,
        test_seasons,
        warmup_seasons: args.warmup_seasons,
        // The rule judged under the deployment's own prices and stakes, as training does.
        rule: workers::backtest::rule::RuleSearch::from_settings(predict),
        ..BacktestConfig::default()
    };
    config.value.min_edge = args.min_edge;
    config.value.book = args.book;
    println!(
        "Walk-forward backtest of {} matches, scoring {:?} ({} warm-up season(s) before them).",
        rows.len(),
        config.test_seasons,
        config.warmup_seasons
    );
    let started = std::time::Instant::now();
    let report = tokio::task::spawn_blocking(move || {
        let bar = bar();
        let r = backtest::run(&rows, &config, |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
        r
    })
    .await
    .context("the backtest thread failed")??;
    println!("{}", report.table());
    println!("({:.1} s)", started.elapsed().as_secs_f64());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("JSON report: {}", path.display());
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html::render(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("HTML report: {}", path.display());
    }
    Ok(())
}
