//! Parse throughput: pages/s and rows/s to parse a page and extract every row from it.
//!
//!     cargo run --release -p sources --example parse_bench -- [REPS] [--batch SECONDS] [--only NAME,...]
//!
//! Pages (from `data/pages/`):
//! - `fixtures_page`: the HTML-parsing peer benchmark's page (214,718 bytes, 400 rows), with
//!   `fixture_list::parse_fixtures_page`; its rows are checked against
//!   `fixtures_expected.json` first, as the peers' are. Also timed: parse only (the DOM).
//! - `fbref_schedule`: FBref's La Liga 2023-24 "Scores & Fixtures" page (668,005 bytes):
//!   every cell (`data-stat` and text) of every match row of the schedule table.
//! - `understat_league`: Understat's EPL 2015 league JSON (599,472 bytes): the fixtures,
//!   every team's per-match history and every player, into rows.
//!
//! The FBref and Understat extractions live in this file; where `sources::fbref` and
//! `sources::understat` have parsers for these pages, call those instead.
//!
//! Timing is the peers' (`bench/html/parse_bench.py`): two warm-up runs, one timed run
//! to size a batch of about `--batch` seconds (default 1.0), then REPS batches (default
//! 7); pages/s per batch, reported as median, min and max. One JSON line per
//! measurement on stdout, with the same keys as the peers' lines plus `rows_per_s`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDateTime;
use scraper::Html;
use serde_json::{Value, json};
use sources::extract::{Page, opt_f64, opt_i64, opt_str, text};
use sources::fixture_list;
use sources::rows::{FixtureRow, PlayerRow};

/// Parse and extract one page; the number of rows extracted.
type Extract = fn(&[u8]) -> Result<usize, String>;

struct Case {
    name: &'static str,
    file: &'static str,
    metric: &'static str,
    run: Extract,
}

const CASES: [Case; 4] = [
    Case {
        name: "fixtures_page",
        file: "bench/fixtures_page.html",
        metric: "parse+extract",
        run: fixtures_page,
    },
    Case { name: "fixtures_page", file: "bench/fixtures_page.html", metric: "parse-only", run: html_only },
    Case {
        name: "fbref_schedule",
        file: "fbref/schedule_ESP-La_Liga_2324.html",
        metric: "parse+extract",
        run: fbref_schedule,
    },
    Case {
        name: "understat_league",
        file: "understat/league_1_season_2015.json",
        metric: "parse+extract",
        run: understat_league,
    },
];

fn main() {
    if let Err(e) = run() {
        eprintln!("parse_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args = Args::parse()?;
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/pages");
    check_expected(&pages)?;
    for case in
        CASES.iter().filter(|c| args.only.is_empty() || args.only.iter().any(|o| c.name.contains(o.as_str())))
    {
        let path = pages.join(case.file);
        let body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rows = (case.run)(&body).map_err(|e| format!("{}: {e}", case.name))?;
        let (rates, batch) = bench(case.run, &body, args.reps, args.batch)?;
        println!("{}", report(case, &path, body.len(), rows, &rates, batch));
    }
    Ok(())
}

struct Args {
    reps: usize,
    batch: f64,
    only: Vec<String>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args { reps: 7, batch: 1.0, only: Vec::new() };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "--batch" => {
                    let v = it.next().ok_or("--batch needs seconds")?;
                    args.batch = v.parse().map_err(|_| format!("--batch {v}: not a number"))?;
                }
                "--only" => {
                    let v = it.next().ok_or("--only needs names")?;
                    args.only = v.split(',').map(str::to_owned).collect();
                }
                n => args.reps = n.parse().map_err(|_| format!("{n}: not a repetition count"))?,
            }
        }
        if args.reps == 0 {
            return Err("REPS must be at least 1".into());
        }
        Ok(args)
    }
}

/// The peers' check: the Rust rows must equal `fixtures_expected.json`, all 400.
fn check_expected(pages: &Path) -> Result<(), String> {
    let read = |p: PathBuf| std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()));
    let body = read(pages.join("bench/fixtures_page.html"))?;
    let expected: Value = serde_json::from_slice(&read(pages.join("bench/fixtures_expected.json"))?)
        .map_err(|e| e.to_string())?;
    let rows = fixture_list::parse_fixtures_page("fixtures_page.html", &body).map_err(|e| e.to_string())?;
    let got = serde_json::to_value(&rows).map_err(|e| e.to_string())?;
    if rows.len() != 400 || got != expected {
        return Err("fixtures_page rows differ from fixtures_expected.json".into());
    }
    Ok(())
}

/// Warm-up, batch sizing, then `reps` timed batches: pages/s of each, and the batch size.
fn bench(run: Extract, body: &[u8], reps: usize, batch_s: f64) -> Result<(Vec<f64>, usize), String> {
    for _ in 0..2 {
        run(body)?;
    }
    let t = Instant::now();
    run(body)?;
    let single = t.elapsed().as_secs_f64();
    let k = ((batch_s / single.max(1e-9)).round() as usize).max(1);
    let mut rates = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        for _ in 0..k {
            run(body)?;
        }
        rates.push(k as f64 / t.elapsed().as_secs_f64());
    }
    Ok((rates, k))
}

fn report(case: &Case, path: &Path, bytes: usize, rows: usize, rates: &[f64], batch: usize) -> Value {
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    let mut line = json!({
        "impl": "kickoff (Rust)",
        "page": case.name,
        "file": path.file_name().map(|f| f.to_string_lossy().into_owned()),
        "bytes": bytes,
        "metric": format!("{} pages/s", case.metric),
        "median": round1(median),
        "min": round1(sorted[0]),
        "max": round1(sorted[n - 1]),
        "ms_per_page": (100_000.0 / median).round() / 100.0,
        "batch_pages": batch,
        "reps": n,
    });
    if case.metric != "parse-only" {
        line["rows"] = json!(rows);
        line["rows_per_s"] = json!(round1(median * rows as f64));
    }
    line
}

fn fixtures_page(body: &[u8]) -> Result<usize, String> {
    let rows = fixture_list::parse_fixtures_page("fixtures_page.html", body).map_err(|e| e.to_string())?;
    Ok(std::hint::black_box(rows).len())
}

/// The DOM alone, as the peers' parse-only figures.
fn html_only(body: &[u8]) -> Result<usize, String> {
    let html = Html::parse_document(&String::from_utf8_lossy(body));
    Ok(std::hint::black_box(html).tree.values().count())
}

/// Every cell of every match row of FBref's schedule table, as (`data-stat`, text,
/// link) triples; spacer rows between matchdays are skipped.
fn fbref_schedule(body: &[u8]) -> Result<usize, String> {
    let p = Page::new("fbref", "schedule");
    let html = p.html(body).map_err(|e| e.to_string())?;
    let rows_sel = p
        .selector(r#"table[id^="sched_"] > tbody > tr:not(.spacer):not(.thead)"#)
        .map_err(|e| e.to_string())?;
    let cell_sel = p.selector("[data-stat]").map_err(|e| e.to_string())?;
    let link_sel = p.selector("a[href]").map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for tr in html.select(&rows_sel) {
        let cells: Vec<(String, String, Option<String>)> = tr
            .select(&cell_sel)
            .map(|td| {
                let stat = td.value().attr("data-stat").unwrap_or_default().to_owned();
                let link =
                    td.select(&link_sel).next().and_then(|a| a.value().attr("href")).map(str::to_owned);
                (stat, text(td), link)
            })
            .collect();
        rows.push(cells);
    }
    if rows.len() < 380 {
        return Err(format!("{} schedule rows, expected at least 380", rows.len()));
    }
    Ok(std::hint::black_box(rows).len())
}

/// Understat's league JSON: fixtures with goals and xG, every team's per-match history
/// (xG, xGA, PPDA, result) and every player's season line.
fn understat_league(body: &[u8]) -> Result<usize, String> {
    let p = Page::new("understat", "league");
    let v = p.json(body).map_err(|e| e.to_string())?;
    let dates = p.array(&v, "datesData").map_err(|e| e.to_string())?;
    let fixtures: Vec<FixtureRow> = dates
        .iter()
        .map(|d| {
            let int = |path: &str| opt_i64(d, path).and_then(|g| i32::try_from(g).ok());
            FixtureRow {
                source_id: opt_str(d, "id").map(str::to_owned),
                kickoff: opt_str(d, "datetime")
                    .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
                    .map(|t| t.and_utc()),
                home: opt_str(d, "h.title").unwrap_or_default().to_owned(),
                away: opt_str(d, "a.title").unwrap_or_default().to_owned(),
                home_goals: int("goals.h"),
                away_goals: int("goals.a"),
                home_xg: opt_f64(d, "xG.h"),
                away_xg: opt_f64(d, "xG.a"),
                ..FixtureRow::default()
            }
        })
        .collect();
    type History = (String, Option<f64>, Option<f64>, Option<i64>, Option<i64>, Option<String>);
    let mut history: Vec<History> = Vec::new();
    for team in
        p.get(&v, "teamsData").map_err(|e| e.to_string())?.as_object().into_iter().flat_map(|m| m.values())
    {
        let name = opt_str(team, "title").unwrap_or_default();
        for h in team.get("history").and_then(Value::as_array).into_iter().flatten() {
            history.push((
                name.to_owned(),
                opt_f64(h, "xG"),
                opt_f64(h, "xGA"),
                opt_i64(h, "ppda.att"),
                opt_i64(h, "ppda.def"),
                opt_str(h, "result").map(str::to_owned),
            ));
        }
    }
    let players: Vec<PlayerRow> = p
        .array(&v, "playersData")
        .map_err(|e| e.to_string())?
        .iter()
        .map(|pl| PlayerRow {
            team: opt_str(pl, "team_title").map(str::to_owned),
            name: opt_str(pl, "player_name").unwrap_or_default().to_owned(),
            position: opt_str(pl, "position").map(str::to_owned),
            ..PlayerRow::default()
        })
        .collect();
    if fixtures.len() != 380 {
        return Err(format!("{} fixtures, expected 380", fixtures.len()));
    }
    Ok(std::hint::black_box(fixtures).len()
        + std::hint::black_box(history).len()
        + std::hint::black_box(players).len())
}
