//! Prediction-core timings on real data:
//!
//!     cargo run --release -p predict --example predict_bench -- [DIR] [LEAGUE] [REPS]
//!
//! 1. One Dixon-Coles fit on the last three seasons of LEAGUE (default `E0`) read from the
//!    football-data.co.uk CSVs `LEAGUE_*.csv` in DIR (default `data/football-data`), after
//!    a warm-up: median, min and max over REPS fits (default 20). Poisson, Elo and
//!    learned (logistic regression on engineered features, trained with candle) fits on
//!    the same data are timed for comparison.
//! 2. Batch inference of full Dixon-Coles score grids (11 × 11, then 1X2): matches/s on
//!    one core, over one million matches built from every pairing of the fitted teams.

use std::error::Error;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate};
use predict::dixon_coles::{DixonColes, DixonColesParams};
use predict::elo::{Elo, EloParams};
use predict::learned::{Learned, LearnedParams};
use predict::poisson::{Poisson, PoissonParams};
use predict::score_matrix::batch_outcomes;
use predict::{MatchRecord, Model, TeamIndex};

type Res<T> = Result<T, Box<dyn Error>>;

/// Results of one football-data.co.uk file (date, teams, full-time goals); rows without
/// a result are skipped.
fn load_csv(path: &Path, teams: &mut TeamIndex, out: &mut Vec<MatchRecord>) -> Res<()> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path)?;
    let headers: Vec<String> =
        reader.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_owned()).collect();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| format!("{}: no column {name}", path.display()))
    };
    let (c_date, c_home, c_away, c_hg, c_ag) =
        (col("Date")?, col("HomeTeam")?, col("AwayTeam")?, col("FTHG")?, col("FTAG")?);
    for row in reader.records() {
        let row = row?;
        let field = |i: usize| row.get(i).map(str::trim).unwrap_or("");
        let (date, home, away) = (field(c_date), field(c_home), field(c_away));
        let goals = |s: &str| s.parse::<f64>().ok().filter(|g| *g >= 0.0 && *g < 100.0).map(|g| g as u8);
        let (Some(hg), Some(ag)) = (goals(field(c_hg)), goals(field(c_ag))) else { continue };
        if home.is_empty() || away.is_empty() {
            continue;
        }
        let date = NaiveDate::parse_from_str(date, "%d/%m/%Y")
            .ok()
            .filter(|d| d.year_ce().1 > 1900)
            .or_else(|| NaiveDate::parse_from_str(date, "%d/%m/%y").ok())
            .ok_or_else(|| format!("{}: bad date {date:?}", path.display()))?;
        out.push(MatchRecord::new(date, teams.index_or_insert(home), teams.index_or_insert(away), hg, ag));
    }
    Ok(())
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label}: median {:.2} ms, min {:.2} ms, max {:.2} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

fn time_fits<M: Model>(
    label: &str,
    history: &[MatchRecord],
    as_of: NaiveDate,
    p: &M::Params,
    reps: usize,
) -> Res<M> {
    let model = M::fit(history, as_of, p)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        black_box(M::fit(black_box(history), as_of, p)?);
        times.push(t.elapsed());
    }
    summary(label, times);
    Ok(model)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().map_or("data/football-data", String::as_str));
    let league = args.get(1).map_or("E0", String::as_str);
    let reps: usize = args.get(2).map_or(Ok(20), |s| s.parse())?;

    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "csv")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{league}_")))
        })
        .collect();
    files.sort();
    let files = &files[files.len().saturating_sub(3)..];
    if files.is_empty() {
        return Err(format!("no {league}_*.csv in {}", dir.display()).into());
    }
    let mut teams = TeamIndex::new();
    let mut history = Vec::new();
    for f in files {
        load_csv(f, &mut teams, &mut history)?;
    }
    let as_of = history.iter().map(|m| m.date).max().ok_or("no matches")? + Days::new(1);
    let names: Vec<String> =
        files.iter().filter_map(|f| f.file_name()?.to_str().map(str::to_owned)).collect();
    println!("{} matches, {} teams from {}", history.len(), teams.len(), names.join(", "));

    let dc: DixonColes = time_fits("Dixon-Coles fit", &history, as_of, &DixonColesParams::default(), reps)?;
    let r = &dc.ratings;
    println!(
        "  {} iterations, home advantage {:.3}, rho {:.3}, log-likelihood {:.1}",
        r.iterations, r.home_advantage, r.rho, r.log_likelihood
    );
    time_fits::<Poisson>("Poisson fit", &history, as_of, &PoissonParams::default(), reps)?;
    time_fits::<Elo>("Elo fit", &history, as_of, &EloParams::default(), reps)?;
    let learned: Learned = time_fits("Learned fit", &history, as_of, &LearnedParams::default(), reps)?;
    println!("  {:?}", learned.training);

    let n = teams.len() as u32;
    let pairs: Vec<(f64, f64)> = (0..n)
        .flat_map(|h| (0..n).filter(move |&a| a != h).map(move |a| (h, a)))
        .map(|(h, a)| r.rates(h, a))
        .collect();
    let total = 1_000_000;
    let rates: Vec<(f64, f64)> = pairs.iter().copied().cycle().take(total).collect();
    let mut out = vec![[0.0; 3]; total];
    batch_outcomes(&rates[..10_000], r.rho, &mut out[..10_000]);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        batch_outcomes(black_box(&rates), r.rho, &mut out);
        black_box(&out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "Score-grid batch inference: {:.0} matches/s on one core ({total} matches, best of 5)",
        total as f64 / best
    );
    Ok(())
}
