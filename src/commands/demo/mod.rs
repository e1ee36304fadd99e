//! `kickoff demo`: the whole pipeline in one process on the configured (by default
//! embedded: SQLite data and queue) backends. It migrates the database, starts the
//! fixture site (recorded pages of the real sources, football-data.co.uk's sample
//! seasons among them) on a local port, runs the scheduler and a worker pool for every
//! queue, and lets a cron tick fan out collect → scrape → process; then it shows the
//! chains, the queue statistics and what the database holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use entities::enums::BetStatus;
use entities::enums::{Market, MatchStatus};
use entities::{leagues, match_stats, matches, odds, predictions, standings, teams, value_bets};
use jobs::QueueClient;
use jobs::catalogue::{Job, NotifyValueBet, RunInference, SettleBets};
use jobs::schedule::Schedules;
use jobs::{AnyJob, EnqueueOptions, Envelope};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tokio::sync::{broadcast, watch};
use workers::history::{self, HistoryFilter, MatchRow};
use workers::runtime::{EventKind, JobEvent, PoolSpec, Runtime, run_pools};
use workers::scheduler::Scheduler;
use workers::settings::{PredictSettings, RuleSource};

use super::queue::open;
use crate::config::Settings;

mod live;
mod telegram;

/// The demo's cron table: every two seconds, collect the sample seasons of
/// football-data.co.uk and the fixture pages the fixture site holds (each source's
/// recorded page is of its own season).
const DEMO_SCHEDULE: &str = r#"
[[schedule]]
name = "demo_results_2324"
cron = "*/2 * * * * *"
job = { kind = "collect_results", args = { leagues = ["E0", "D1"], season = "2324" } }

[[schedule]]
name = "demo_results_2223"
cron = "*/2 * * * * *"
job = { kind = "collect_results", args = { leagues = ["E0"], season = "2223" } }

[[schedule]]
name = "demo_fixtures_understat"
cron = "*/2 * * * * *"
job = { kind = "collect_fixtures", args = { sources = ["understat"], leagues = ["E0"], season = "2015-16" } }

[[schedule]]
name = "demo_fixtures_fbref"
cron = "*/2 * * * * *"
job = { kind = "collect_fixtures", args = { sources = ["fbref"], leagues = ["SP1"], season = "2023-24" } }

[[schedule]]
name = "demo_scoreboard_espn"
cron = "*/2 * * * * *"
job = { kind = "collect_fixtures", args = { sources = ["espn"], leagues = ["I1"], season = "2019-20", date = "2019-08-25" } }

[[schedule]]
name = "demo_table_skysports"
cron = "*/2 * * * * *"
job = { kind = "collect_fixtures", args = { sources = ["skysports"], leagues = ["E0"], season = "2020-21" } }
"#;

/// Cron entries in [`DEMO_SCHEDULE`]: one tick of each is the demo's work.
const DEMO_ENTRIES: usize = 6;

/// Matches from this day on are held back from training and forecast.
const HELD_BACK_FROM: &str = "2024-05-01";

/// The held-back matches are forecast and alerted as if it were the day they start:
/// workers judge kickoffs by a clock that starts at [`HELD_BACK_FROM`], so alerts of
/// matches that had not yet kicked off then go out, as they would have on the day.
fn replay_clock() -> anyhow::Result<workers::clock::Clock> {
    let day = HELD_BACK_FROM.parse::<chrono::NaiveDate>()?;
    Ok(workers::clock::Clock::replaying_from(day.and_time(chrono::NaiveTime::MIN).and_utc()))
}

/// The demo gives up when the chain has not settled by then.
const DEMO_LIMIT: Duration = Duration::from_secs(600);

/// The fbref page answers its first request with 429 and Retry-After 1, so the demo
/// shows the fetch layer waiting as told.
const DEMO_FAULT: &str = "/en/comps/12=429:1*1";

/// Points every source at the fixture site.
fn demo_scrape_settings(settings: &Settings, base: &str) -> workers::settings::ScrapeSettings {
    let mut scrape = settings.scrape.clone();
    scrape.football_data_url = format!("{base}/mmz4281");
    for source in scrape.sources.values_mut() {
        source.base_url = base.to_owned();
    }
    // The fixture site is local: a budget that keeps the demo quick.
    scrape.default_rate_per_min = 600;
    scrape.default_burst = 20;
    // Its live match answers a new moment at each poll: one poll a second.
    scrape.live =
        workers::settings::LiveSettings { poll_secs: 1, max_polls: 30, sport1_url: base.to_owned() };
    scrape
}

/// The demo alerts under a fixed rule on the results-only ensemble, said so on screen: the
/// blend sits so close to the market's line that the held-back matches offer it no edge,
/// and the validated rule (the default) may be none, so a demo on the defaults would
/// show nothing of the alerts.
fn demo_predict_settings(settings: &Settings) -> PredictSettings {
    let predict = PredictSettings {
        rule: RuleSource::Fixed,
        value_model: predict::suite::ENSEMBLE.to_owned(),
        ..settings.predict.clone()
    };
    println!(
        "Value bets: the {} forecast under a fixed rule, to show the alerts ({}); a deployment judges the blend \
         of model and market under the rule training validated by closing-line value, or alerts nothing.",
        predict.value_model,
        predict.fixed_rule()
    );
    predict
}

pub async fn run(settings: &Settings, db: &DatabaseConnection, serve: bool) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    let (stop_tx, stop) = watch::channel(false);
    let fault = crate::fixture_site::FaultRule::parse(DEMO_FAULT).map_err(anyhow::Error::msg)?;
    let (base, site) = crate::fixture_site::start("127.0.0.1:0", vec![fault], stop.clone()).await?;
    println!(
        "Fixture site at {base}: {} recorded pages of the real sources under their real paths.",
        crate::fixture_site::PAGES.len()
    );
    let tg = telegram::choose(&settings.telegram, &base);
    // A prefix of the run's own: its cron state starts fresh (no catch-up of ticks since
    // an earlier run) and its queues are removed at the end.
    let base_queues = open(settings, Some(db)).await?;
    let queues = base_queues.with_prefix(format!("{}demo:{}:", base_queues.prefix(), ulid::Ulid::generate()));
    println!("Queue backend: {:?}, prefix `{}`.", queues.backend(), queues.prefix());
    // The API serves the run as it happens, on a free port unless asked to stay.
    let (acceptor, api_addr) =
        crate::listen::bind(if serve { &settings.api.bind } else { "127.0.0.1:0" }).await?;
    // A keep-alive a second apart: the server notices the demo's SSE client has gone
    // within a second, and the API stops without waiting out its grace period.
    let mut api_settings = settings.clone();
    api_settings.api.events_keep_alive_secs = 1;
    let state = super::serve::with_queues(&api_settings, db.clone(), queues.clone())?
        .with_schedules(Schedules::parse(DEMO_SCHEDULE)?);
    let (api_tx, api_stop) = watch::channel(false);
    super::serve::print_urls(api_addr);
    let api_server =
        crate::listen::spawn(acceptor, api::app(state), api_stop, Some(crate::listen::API_GRACE));
    let rt = Arc::new(
        Runtime::new(db.clone(), queues.clone())
            .with_scrape(demo_scrape_settings(settings, &base))?
            .with_predict(demo_predict_settings(settings), true)
            .with_telegram(&tg.settings)?
            .with_webhooks(settings.webhooks.clone())
            .with_clock(replay_clock()?),
    );
    let mut events = rt.subscribe();
    let specs = jobs::queues::ALL.iter().map(|q| PoolSpec { queue: q.to_string(), concurrency: 4 }).collect();
    let pools = tokio::spawn(run_pools(rt.clone(), specs, stop.clone(), Duration::from_secs(30)));
    let (sched_tx, sched_stop) = watch::channel(false);
    let scheduler = Scheduler::new(queues.clone(), Schedules::parse(DEMO_SCHEDULE)?);
    let scheduler = tokio::spawn(async move { scheduler.run(sched_stop).await });
    println!("Scheduler and workers running; waiting for the next cron tick ...\n");

    let started = Instant::now();
    let mut seen: Vec<JobEvent> = Vec::new();
    let collected = |seen: &[JobEvent]| seen.iter().filter(|e| e.parent.is_none()).count() >= DEMO_ENTRIES;
    // One tick per entry is enough: then the scheduler stops and the chains finish.
    let mut outcome = settle(&mut events, &queues, started, &mut seen, collected, || {
        let _ = sched_tx.send(true);
    })
    .await;
    let _ = sched_tx.send(true);
    if outcome.is_ok() {
        print_chains(&seen);
        print_site_requests(&site.hits());
        println!();
        if tg.fake {
            telegram::subscribe(db).await?;
        }
        outcome = predict_held_back(settings, db, &queues, &mut events, started, &mut seen).await;
    }
    if outcome.is_ok() {
        outcome = live::follow(db, &queues, api_addr, &mut events, started, &mut seen).await;
    }
    let _ = stop_tx.send(true);
    scheduler.await??;
    pools.await??;
    outcome?;
    if tg.fake {
        telegram::print_sent(&site);
    }
    print_stats(&queues).await?;
    println!();
    print_holdings(db).await?;
    let answered = print_api_answers(api_addr).await;
    if serve && answered.is_ok() {
        println!("\nServing the API at http://{api_addr}/docs until Ctrl-C.");
        let mut stop = super::queue::shutdown_signal();
        let _ = stop.wait_for(|s| *s).await;
    }
    let _ = api_tx.send(true);
    api_server.await??;
    queues.flush_all().await?;
    answered
}

/// What the run's own API answers about what the run produced.
async fn print_api_answers(addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let get = |path: &'static str| {
        let client = client.clone();
        async move {
            let url = format!("http://{addr}{}{path}", api::API_PREFIX);
            let bytes = client.get(&url).send().await?.error_for_status()?.bytes().await?;
            let body: serde_json::Value = serde_json::from_slice(&bytes)?;
            anyhow::Ok((url, body))
        }
    };
    println!("\nThe API answers:");
    let (url, matches) = get("/matches?status=finished&per_page=1").await?;
    println!("  GET {url}\n    {} finished matches", matches["meta"]["total"]);
    let (url, summary) = get("/value-bets/summary").await?;
    let d = &summary["data"];
    println!(
        "  GET {url}\n    {} value bets, {} settled, staked {:.2}, profit {:.2}, ROI {}",
        d["total"],
        d["settled"],
        d["staked"].as_f64().unwrap_or_default(),
        d["profit"].as_f64().unwrap_or_default(),
        d["roi"].as_f64().map_or("n/a".to_owned(), |r| format!("{:+.1}%", r * 100.0)),
    );
    Ok(())
}

/// Prints job events until `ready(seen)` holds and every queue has been idle for a
/// second; `on_ready` runs once when `ready` first holds.
async fn settle(
    events: &mut broadcast::Receiver<JobEvent>,
    queues: &QueueClient,
    started: Instant,
    seen: &mut Vec<JobEvent>,
    ready: impl Fn(&[JobEvent]) -> bool,
    mut on_ready: impl FnMut(),
) -> anyhow::Result<()> {
    let mut idle_since: Option<Instant> = None;
    loop {
        if started.elapsed() > DEMO_LIMIT {
            anyhow::bail!("the pipeline did not settle within {DEMO_LIMIT:?}; {}", busy(queues).await?);
        }
        match tokio::time::timeout(Duration::from_millis(250), events.recv()).await {
            Ok(Ok(e)) => {
                idle_since = None;
                print_event(started, &e);
                seen.push(e);
                if ready(seen) {
                    on_ready();
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => println!("  ... {n} events not shown"),
            Ok(Err(broadcast::error::RecvError::Closed)) => anyhow::bail!("the runtime stopped"),
            // Idle twice, a second apart: a job between two states is not missed.
            Err(_) if ready(seen) && idle(queues).await? => match idle_since {
                Some(t) if t.elapsed() >= Duration::from_secs(1) => return Ok(()),
                Some(_) => {}
                None => idle_since = Some(Instant::now()),
            },
            Err(_) => idle_since = None,
        }
    }
}

/// Trains on everything before [`HELD_BACK_FROM`], then forecasts the held-back
/// matches through a `run_inference` job and settles the value bets it finds through
/// a `settle_bets` job, as if the results came in afterwards.
async fn predict_held_back(
    settings: &Settings,
    db: &DatabaseConnection,
    queues: &QueueClient,
    events: &mut broadcast::Receiver<JobEvent>,
    started: Instant,
    seen: &mut Vec<JobEvent>,
) -> anyhow::Result<()> {
    let cut = HELD_BACK_FROM.parse::<chrono::NaiveDate>()?;
    println!("Training on the matches before {cut}; the matches from then on are held back.");
    super::models::train(settings, db, Vec::new(), cut, false, true).await?;
    let rows = history::load(db, &HistoryFilter::default()).await?;
    let held: Vec<i64> = rows.iter().filter(|r| r.date >= cut && r.score().is_some()).map(|r| r.id).collect();
    println!(
        "\nForecasting {} held-back matches with a run_inference job (which queues a notify_value_bet job per value bet), then settling the value bets ...\n\
         The workers replay {cut} onwards: an alert goes out only for a match that had not kicked off by then.",
        held.len()
    );
    let job = AnyJob::RunInference(RunInference { match_ids: held.clone() });
    queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await?;
    settle(events, queues, started, seen, |s| s.iter().any(|e| e.kind == "run_inference"), || {}).await?;
    let job = AnyJob::SettleBets(SettleBets {});
    queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await?;
    settle(events, queues, started, seen, |s| s.iter().any(|e| e.kind == "settle_bets"), || {}).await?;
    print_forecasts(db, &settings.predict.model_name, &rows, &held).await
}

/// The ensemble's forecasts of the last held-back matches beside what happened, and
/// how the value bets did.
async fn print_forecasts(
    db: &DatabaseConnection,
    model: &str,
    rows: &[MatchRow],
    held: &[i64],
) -> anyhow::Result<()> {
    let version = workers::registry::list(db, model).await?.into_iter().find(|v| v.active).map(|v| v.version);
    let preds = predictions::Entity::find()
        .filter(predictions::Column::MatchId.is_in(held.to_vec()))
        .filter(predictions::Column::ModelName.eq("ensemble"))
        .filter(predictions::Column::ModelVersion.eq(version.clone().unwrap_or_default()))
        .all(db)
        .await?;
    let by_match: HashMap<i64, &predictions::Model> = preds.iter().map(|p| (p.match_id, p)).collect();
    println!("\nEnsemble forecasts ({}) of the last held-back matches:", version.as_deref().unwrap_or("?"));
    println!("  {:<10} {:<38} {:>6} {:>6} {:>6}  result", "date", "match", "home", "draw", "away");
    let shown: Vec<&MatchRow> = rows.iter().filter(|r| by_match.contains_key(&r.id)).collect();
    for r in shown.iter().rev().take(10).rev() {
        let p = by_match[&r.id];
        println!(
            "  {:<10} {:<38} {:>5.1}% {:>5.1}% {:>5.1}%  {}-{}",
            r.date,
            format!("{} v {}", r.home, r.away),
            p.p_home * 100.0,
            p.p_draw * 100.0,
            p.p_away * 100.0,
            r.home_goals.unwrap_or_default(),
            r.away_goals.unwrap_or_default()
        );
    }
    let ids: Vec<i64> = preds.iter().map(|p| p.id).collect();
    let bets = value_bets::Entity::find().filter(value_bets::Column::PredictionId.is_in(ids)).all(db).await?;
    let won = bets.iter().filter(|b| b.status == BetStatus::Won).count();
    let flat: f64 = bets.iter().map(|b| if b.status == BetStatus::Won { b.price - 1.0 } else { -1.0 }).sum();
    let staked: f64 = bets.iter().map(|b| b.kelly_stake).sum();
    let kelly: f64 = bets
        .iter()
        .map(|b| b.kelly_stake * if b.status == BetStatus::Won { b.price - 1.0 } else { -1.0 })
        .sum();
    println!(
        "Value bets: {} found, {} settled won; flat stakes {:+.2} units; Kelly stakes {:+.2}% of the bankroll on {:.2}% staked.",
        bets.len(),
        won,
        flat,
        kelly * 100.0,
        staked * 100.0
    );
    Ok(())
}

/// What keeps the queues from being idle.
async fn busy(queues: &QueueClient) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    for q in jobs::queues::ALL {
        let s = queues.stats(q).await?;
        if s.pending + s.scheduled + s.running > 0 {
            parts.push(format!(
                "{q}: {} pending, {} scheduled, {} running, {} worker(s)",
                s.pending, s.scheduled, s.running, s.workers
            ));
        }
    }
    Ok(if parts.is_empty() { "the queues are idle".to_owned() } else { parts.join("; ") })
}

/// No job waiting or running on any queue.
async fn idle(queues: &QueueClient) -> anyhow::Result<bool> {
    for q in jobs::queues::ALL {
        let s = queues.stats(q).await?;
        if s.pending + s.scheduled + s.running > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The job's arguments in a few words.
fn describe(e: &JobEvent) -> String {
    let arg = |k: &str| e.args.get(k).map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
    match e.kind.as_str() {
        "collect_results" => format!("leagues {} season {}", arg("leagues"), arg("season")),
        "run_inference" => format!("{} matches", e.args["match_ids"].as_array().map_or(0, Vec::len)),
        "collect_fixtures" => format!("{} {} {}", arg("sources"), arg("leagues"), arg("season")),
        "scrape_page" => arg("source"),
        "scrape_football_data" => format!("{} {}", arg("league"), arg("season")),
        "process_snapshot" => format!("snapshot {}", arg("snapshot_id")),
        _ => e.args.to_string(),
    }
}

fn print_event(started: Instant, e: &JobEvent) {
    // One alert job per value bet: the Telegram summary tells how they went.
    if e.kind == NotifyValueBet::KIND && e.event == EventKind::Succeeded {
        return;
    }
    let outcome = match e.event {
        EventKind::Succeeded => "ok".to_owned(),
        EventKind::Retried => format!("retry: {}", e.error.as_deref().unwrap_or_default()),
        EventKind::DeadLettered => format!("dead letter {}", e.dead_letter_id.unwrap_or_default()),
    };
    println!(
        "  {:>6.2}s  {:<8} {:<22} {:<30} {:>6} ms  {outcome}",
        started.elapsed().as_secs_f64(),
        e.queue,
        e.kind,
        describe(e),
        e.duration_ms
    );
}

/// Each cron tick's chain as a tree: collect → scrape → process.
fn print_chains(seen: &[JobEvent]) {
    let mut children: BTreeMap<&str, Vec<&JobEvent>> = BTreeMap::new();
    for e in seen.iter().filter(|e| e.event == EventKind::Succeeded) {
        if let Some(p) = &e.parent {
            children.entry(p.as_str()).or_default().push(e);
        }
    }
    fn walk(e: &JobEvent, depth: usize, children: &BTreeMap<&str, Vec<&JobEvent>>) {
        println!("  {}{} ({}) {}", "   ".repeat(depth), e.kind, describe(e), e.job_id);
        for c in children.get(e.job_id.as_str()).into_iter().flatten() {
            walk(c, depth + 1, children);
        }
    }
    println!("\nFan-out chains, one per cron tick:");
    for root in seen.iter().filter(|e| e.parent.is_none() && e.event == EventKind::Succeeded) {
        walk(root, 0, &children);
    }
    let skipped =
        seen.iter().filter(|e| e.kind.starts_with("scrape_") && !children.contains_key(e.job_id.as_str()));
    for e in skipped {
        println!("  ({} {} unchanged since its last snapshot: not processed again)", e.kind, describe(e));
    }
}

fn print_site_requests(hits: &std::collections::BTreeMap<String, u64>) {
    let total: u64 = hits.values().sum();
    println!("\nFixture site served {total} requests on {} paths.", hits.len());
    for (path, n) in hits.iter().filter(|(_, n)| **n > 1) {
        println!(
            "  {path}: {n} requests (the first answered 429 Retry-After 1; the fetch waited and retried)"
        );
    }
}

async fn print_stats(queues: &QueueClient) -> anyhow::Result<()> {
    println!("\nQueues: {:<12} {:>8} {:>8} {:>6}", "queue", "done 1h", "pending", "dead");
    for q in ["collect", "scrape", "process", "inference", "settle", "notify"] {
        let s = queues.stats(q).await?;
        println!("        {:<12} {:>8} {:>8} {:>6}", q, s.done_last_hour, s.pending, s.dead);
    }
    Ok(())
}

/// Points, goal difference, goals for, played.
type TableRow = (i64, i64, i64, i64);

async fn print_holdings(db: &DatabaseConnection) -> anyhow::Result<()> {
    println!(
        "Database holds {} leagues, {} teams, {} matches, {} odds rows.",
        leagues::Entity::find().count(db).await?,
        teams::Entity::find().count(db).await?,
        matches::Entity::find().count(db).await?,
        odds::Entity::find().count(db).await?,
    );
    println!(
        "  and {} team statistics ({} with xG), {} league-table lines.",
        match_stats::Entity::find().count(db).await?,
        match_stats::Entity::find().filter(match_stats::Column::Xg.is_not_null()).count(db).await?,
        standings::Entity::find().count(db).await?,
    );
    let names: HashMap<i64, String> =
        teams::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t.name)).collect();
    for league in leagues::Entity::find().order_by_asc(leagues::Column::Code).all(db).await? {
        let played = matches::Entity::find()
            .filter(matches::Column::LeagueId.eq(league.id))
            .filter(matches::Column::Status.eq(MatchStatus::Finished))
            .order_by_asc(matches::Column::KickoffAt)
            .all(db)
            .await?;
        let Some(season) = played.iter().map(|m| m.season.clone()).max() else { continue };
        let season_matches: Vec<_> = played.iter().filter(|m| m.season == season).collect();
        let mut table: HashMap<i64, TableRow> = HashMap::new();
        for m in &season_matches {
            let (Some(h), Some(a)) = (m.home_goals, m.away_goals) else { continue };
            let (hp, ap) = match h.cmp(&a) {
                std::cmp::Ordering::Greater => (3, 0),
                std::cmp::Ordering::Equal => (1, 1),
                std::cmp::Ordering::Less => (0, 3),
            };
            for (team, pts, gf, ga) in [(m.home_team_id, hp, h, a), (m.away_team_id, ap, a, h)] {
                let row = table.entry(team).or_default();
                *row = (row.0 + pts, row.1 + i64::from(gf - ga), row.2 + i64::from(gf), row.3 + 1);
            }
        }
        let mut rows: Vec<_> = table.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        println!(
            "\n{} ({}) {season}: {} matches — top of the table",
            league.name,
            league.code,
            season_matches.len()
        );
        println!("  {:<3} {:<22} {:>3} {:>4} {:>4}", "#", "team", "P", "GD", "Pts");
        for (i, (team, (pts, gd, _, played))) in rows.iter().take(5).enumerate() {
            let name = names.get(team).map(String::as_str).unwrap_or("?");
            println!("  {:<3} {:<22} {:>3} {:>+4} {:>4}", i + 1, name, played, gd, pts);
        }
        if let Some(last) = season_matches.last() {
            print_closing_prices(db, last, &names).await?;
        }
    }
    Ok(())
}

async fn print_closing_prices(
    db: &DatabaseConnection,
    m: &matches::Model,
    names: &HashMap<i64, String>,
) -> anyhow::Result<()> {
    let prices = odds::Entity::find()
        .filter(odds::Column::MatchId.eq(m.id))
        .filter(odds::Column::Bookmaker.eq("pinnacle"))
        .filter(odds::Column::Market.eq(Market::OneXTwo))
        .filter(odds::Column::IsClosing.eq(true))
        .all(db)
        .await?;
    let price = |sel: &str| {
        prices
            .iter()
            .find(|o| o.selection == sel)
            .map(|o| format!("{:.2}", o.price))
            .unwrap_or_else(|| "-".into())
    };
    let team = |id: i64| names.get(&id).cloned().unwrap_or_default();
    println!(
        "  last match: {} {}-{} {} ({}), Pinnacle closing 1X2: {} / {} / {}",
        team(m.home_team_id),
        m.home_goals.unwrap_or_default(),
        m.away_goals.unwrap_or_default(),
        team(m.away_team_id),
        m.match_date,
        price("home"),
        price("draw"),
        price("away"),
    );
    Ok(())
}
