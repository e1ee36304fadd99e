//! `kickoff train` and `kickoff models list|activate|rollback`.

use anyhow::Context;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use workers::history::{self, HistoryFilter};
use workers::registry;
use workers::training::{TrainOptions, train as fit};

use crate::cli::ModelsCommand;
use crate::config::Settings;

/// Trains and registers a version; returns it.
pub async fn train(
    settings: &Settings,
    db: &DatabaseConnection,
    leagues: Vec<String>,
    as_of: NaiveDate,
    search: bool,
    activate: bool,
) -> anyhow::Result<String> {
    let rows = history::load(db, &HistoryFilter { leagues: leagues.clone(), ..Default::default() })
        .await
        .context("reading matches")?;
    let opts = TrainOptions {
        leagues,
        as_of,
        search,
        trials: workers::training::search::TRIALS,
        rule: workers::backtest::rule::RuleSearch::from_settings(&settings.predict),
        validation_seasons: settings.predict.validation_seasons,
        cancel: Default::default(),
    };
    let started = std::time::Instant::now();
    let trained =
        tokio::task::spawn_blocking(move || fit(&rows, &opts)).await.context("training thread")??;
    let name = &settings.predict.model_name;
    let leagues: Vec<&String> = trained.model.leagues.keys().collect();
    println!(
        "Trained `{name}` on {} matches before {as_of} ({} league(s): {leagues:?}) in {:.1} s.",
        trained.metrics["trained_on"],
        leagues.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(trials) = trained.metrics["search"].as_array().filter(|t| !t.is_empty()) {
        println!(
            "Search: {} trials, walk-forward on {}; each model's best:",
            trials.len(),
            trained.metrics["validation_seasons"]
        );
        let mut best: std::collections::BTreeMap<&str, &serde_json::Value> = Default::default();
        for t in trials {
            let (Some(model), Some(rps)) = (t["model"].as_str(), t["rps"].as_f64()) else { continue };
            if best.get(model).and_then(|b| b["rps"].as_f64()).is_none_or(|b| rps < b) {
                best.insert(model, t);
            }
        }
        for (model, t) in best {
            println!("  {model:<12} RPS {:.4}  {}", t["rps"].as_f64().unwrap_or(f64::NAN), t["params"]);
        }
    }
    let w = &trained.model.weights;
    let parts: Vec<String> = w.members.iter().zip(&w.weights).map(|(m, x)| format!("{m} {x:.3}")).collect();
    println!("Ensemble weights: {}", parts.join(", "));
    let version = registry::register(db, name, &trained.model, trained.metrics, activate).await?;
    println!("Registered {name} {version}{}.", if activate { ", active" } else { "" });
    Ok(version)
}

pub async fn models(
    settings: &Settings,
    db: &DatabaseConnection,
    command: ModelsCommand,
) -> anyhow::Result<()> {
    let name = &settings.predict.model_name;
    match command {
        ModelsCommand::List => {
            let versions = registry::list(db, name).await?;
            if versions.is_empty() {
                println!("No version of `{name}` yet: run `kickoff train`.");
            }
            println!("{:<8} {:<7} {:<20} {:>8} {:>8}", "version", "active", "created", "RPS", "logloss");
            for v in versions {
                let ens = &v.metrics["scores"]["ensemble"];
                let num = |k: &str| ens[k].as_f64().map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
                println!(
                    "{:<8} {:<7} {:<20} {:>8} {:>8}",
                    v.version,
                    if v.active { "yes" } else { "" },
                    v.created_at.format("%Y-%m-%d %H:%M:%S"),
                    num("rps"),
                    num("log_loss")
                );
            }
        }
        ModelsCommand::Activate { version } => {
            registry::activate(db, name, &version).await?;
            println!("{name} {version} is active.");
        }
        ModelsCommand::Rollback => {
            let version = registry::rollback(db, name).await?;
            println!("Rolled back: {name} {version} is active.");
        }
    }
    Ok(())
}
