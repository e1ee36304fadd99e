//! The real chain under faults, beside the counting probe: the fixture site's recorded
//! football-data.co.uk season (E0 2023-24) scraped, processed, trained on, forecast and
//! alerted to the site's fake Telegram Bot API by `kickoff worker` processes over the
//! suite's own Redis and SQLite file, while workers are killed (kill -9, each replaced),
//! Redis restarts, and Telegram sends time out after the fake took them. Then counted:
//! the season's data complete and not doubled, no value bet or prediction stored twice,
//! no message sent twice to a chat, and every alert due in the delivery ledger as `sent`
//! (matching one message at the fake) or `uncertain` (the bounded external effect,
//! reported); none lost, none left `sending`, none to a chat that did not want it.
//!
//! The season is history, and an alert goes out only for a match that has not kicked off:
//! the workers run under libfaketime with their wall clock moved back to 2024-05-01 (a
//! relative offset, so workers started later read the same time), and the matches from
//! that day on are held back from training and forecast, as `kickoff demo` does.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use entities::enums::DeliveryState;
use entities::secret::ConnUrl;
use entities::settings::DatabaseSettings;
use entities::{alert_deliveries, leagues, matches, telegram_subscriptions, value_bets};
use jobs::catalogue::{CollectResults, RunInference};
use jobs::journal::LiveState;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::web::{Data, Path as UrlPath};
use poem::{EndpointExt, Response, Route, handler, http::StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::Value;
use workers::history::{self, HistoryFilter};

use super::{Chaos, Queue, Report, scale};

/// The recorded season the chain scrapes (the fixture site serves the same file).
const SEASON_CSV: &str = "data/football-data/E0_2023-24.csv";

/// The workers' clock starts here; matches from this day on are held back.
const REPLAY_FROM: &str = "2024-05-01T00:00:00Z";

/// The chats and what each sent the bot. 1004 unsubscribes again: it must get nothing.
const CHATS: [(i64, &str); 4] =
    [(1001, "/subscribe E0 8%"), (1002, "/subscribe"), (1003, "/subscribe 12%"), (1004, "/subscribe")];
const UNSUBSCRIBED: i64 = 1004;

/// Longer than the Bot API client gives a call (30 s, `workers::notify::bot_api`): a
/// reply held this long reaches nobody.
const HOLD: Duration = Duration::from_secs(35);

/// Sends held once the kills are over: each must time out and stay uncertain.
const TIMED_OUT_SENDS: usize = 2;

/// libfaketime, as Debian's `faketime` wrapper preloads it (the wrapper itself forks, so
/// a kill of its process would not reach the worker).
const LIBFAKETIME: &str = "/usr/$LIB/faketime/libfaketime.so.1";

/// Polls `$cond` every 50 ms until it holds, failing with `$what` after `$limit`.
macro_rules! wait_for {
    ($limit:expr, $what:expr, $cond:expr) => {{
        let limit: Duration = $limit;
        let start = Instant::now();
        loop {
            if $cond {
                break;
            }
            assert!(start.elapsed() < limit, "{} not within {limit:?}", $what);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }};
}

/// `kickoff fixture-site` as a process, on a port of its own.
struct Site {
    child: Child,
    base: String,
}

impl Site {
    fn start(dir: &Path, faults: &[&str]) -> Self {
        let log = std::fs::File::create(dir.join("site.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kickoff"))
            .args(["fixture-site", "--bind", "127.0.0.1:0"])
            .args(faults.iter().flat_map(|f| ["--fault", f]))
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // The URL comes first, then the pages; all is read, so the site's writes never fail.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            lines.for_each(drop);
        });
        let base = rx.recv_timeout(Duration::from_secs(30)).expect("the fixture site printed no URL");
        Self { child, base: base.trim().to_owned() }
    }

    /// Every call the fake Bot API received, in order: the method and, for a
    /// `sendMessage`, its chat and text. The fake's message id is the position plus one.
    async fn calls(&self, http: &reqwest::Client) -> Vec<(String, Option<(i64, String)>)> {
        let url = format!("{}/_telegram", self.base);
        let calls: Vec<Value> = http.get(url).send().await.unwrap().json().await.unwrap();
        calls
            .into_iter()
            .map(|c| {
                let method = c["method"].as_str().unwrap_or_default().to_owned();
                let message = (method == "sendMessage")
                    .then(|| {
                        Some((c["params"]["chat_id"].as_i64()?, c["params"]["text"].as_str()?.to_owned()))
                    })
                    .flatten();
                (method, message)
            })
            .collect()
    }

    async fn messages(&self, http: &reqwest::Client) -> usize {
        self.calls(http).await.iter().filter(|(_, m)| m.is_some()).count()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A relay in front of the fake Bot API that holds some `sendMessage` replies past the
/// client's limit: the fake took the message, the sender never hears so.
struct BotRelay {
    url: String,
    state: Arc<RelayState>,
}

struct RelayState {
    site: String,
    http: reqwest::Client,
    /// How many of the next `sendMessage` replies to hold.
    armed: AtomicUsize,
    held: Mutex<Vec<(i64, String)>>,
}

#[handler]
async fn relay_call(
    UrlPath((bot, method)): UrlPath<(String, String)>,
    body: Vec<u8>,
    state: Data<&Arc<RelayState>>,
) -> Response {
    let url = format!("{}/telegram/{bot}/{method}", state.site);
    let sent =
        state.http.post(url).header("content-type", "application/json").body(body.clone()).send().await;
    let Ok(reply) = sent else { return Response::builder().status(StatusCode::BAD_GATEWAY).finish() };
    let status = StatusCode::from_u16(reply.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes = reply.bytes().await.unwrap_or_default().to_vec();
    let hold = |n: usize| n.checked_sub(1);
    if method == "sendMessage"
        && status == StatusCode::OK
        && state.armed.fetch_update(Ordering::SeqCst, Ordering::SeqCst, hold).is_ok()
    {
        let params: Value = serde_json::from_slice(&body).unwrap_or_default();
        let chat = params["chat_id"].as_i64().unwrap_or_default();
        let text = params["text"].as_str().unwrap_or_default().to_owned();
        state.held.lock().unwrap().push((chat, text));
        // The fault's own timing: the reply comes after the client gave up.
        tokio::time::sleep(HOLD).await;
    }
    Response::builder().status(status).content_type("application/json").body(bytes)
}

impl BotRelay {
    async fn start(site: &str) -> Self {
        let state = Arc::new(RelayState {
            site: site.to_owned(),
            http: reqwest::Client::new(),
            armed: AtomicUsize::new(0),
            held: Mutex::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new().at("/telegram/:bot/:method", poem::post(relay_call)).data(state.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Self { url: format!("http://{addr}"), state }
    }

    /// Holds the reply of the next `sendMessage`.
    fn arm(&self) {
        self.state.armed.fetch_add(1, Ordering::SeqCst);
    }

    fn held(&self) -> Vec<(i64, String)> {
        self.state.held.lock().unwrap().clone()
    }
}

/// Where the chain's workers fetch and send, and how far back their clock is set.
struct Chain {
    site: Site,
    relay: BotRelay,
    /// Seconds the workers' wall clock is behind the real one.
    clock_behind: i64,
    http: reqwest::Client,
}

impl Chain {
    fn replay_start() -> DateTime<Utc> {
        REPLAY_FROM.parse().unwrap()
    }

    /// What the workers' clock reads now.
    fn worker_now(&self) -> DateTime<Utc> {
        Utc::now() - TimeDelta::seconds(self.clock_behind)
    }

    /// The environment that moves a process's wall clock back (timers keep real time).
    fn faked_clock(&self, cmd: &mut Command) {
        cmd.env("LD_PRELOAD", LIBFAKETIME)
            .env("FAKETIME", format!("-{}", self.clock_behind))
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }

    /// Starts a worker serving every queue, scraping the fixture site and sending through
    /// the relay, on the moved-back clock.
    fn start_worker(&self, c: &mut Chaos) {
        c.spawned += 1;
        let log = std::fs::File::create(c.dir.path().join(format!("chain-worker{}.log", c.spawned))).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kickoff"));
        cmd.args(["worker", "--grace-secs", "5"])
            .current_dir(c.dir.path())
            .env("KICKOFF_ENV", "test")
            .env("KICKOFF__QUEUE__URL", c.queue_url())
            .env("KICKOFF__QUEUE__PREFIX", &c.prefix)
            .env("KICKOFF__DATABASE__URL", &c.db_url)
            .env("KICKOFF__SCRAPE__FOOTBALL_DATA_URL", format!("{}/mmz4281", self.site.base))
            // The fixture site is local: a budget that does not slow the chain.
            .env("KICKOFF__SCRAPE__DEFAULT_RATE_PER_MIN", "600")
            .env("KICKOFF__SCRAPE__DEFAULT_BURST", "20")
            // Alerts under a fixed rule on the results-only ensemble, as the demo: the
            // blend finds almost no edge in one held-back month, and the validated rule
            // may be none.
            .env("KICKOFF__PREDICT__RULE", "fixed")
            .env("KICKOFF__PREDICT__VALUE_MODEL", "ensemble")
            .env("KICKOFF__TELEGRAM__BOT_TOKEN", "100000:chaos-token")
            .env("KICKOFF__TELEGRAM__API_URL", format!("{}/telegram", self.relay.url))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        self.faked_clock(&mut cmd);
        c.workers.push(cmd.spawn().unwrap());
    }
}

/// The indices in `c.workers` of the worker processes holding a job of `queue`.
async fn holders(c: &Chaos, queue: &str) -> Vec<usize> {
    let workers = c.queues.workers(queue).await.unwrap_or_default();
    workers
        .iter()
        .filter(|w| w.in_flight > 0)
        .filter_map(|w| c.workers.iter().position(|p| w.name.contains(&format!("-{}-{queue}-", p.id()))))
        .collect()
}

/// Every value bet's alert text → the bet.
async fn alert_texts(db: &DatabaseConnection) -> HashMap<String, i64> {
    let mut texts = HashMap::new();
    for bet in value_bets::Entity::find().all(db).await.unwrap() {
        texts.insert(workers::notify::alert::load(db, bet.id).await.unwrap().render(), bet.id);
    }
    texts
}

/// The indices in `c.workers` of the workers whose alert job waits on a reply the relay
/// holds (its claim still `sending`).
async fn waiting_on_held(c: &Chaos, chain: &Chain) -> Vec<usize> {
    let texts = alert_texts(&c.db).await;
    let held: HashSet<(i64, i64)> =
        chain.relay.held().iter().filter_map(|(chat, text)| Some((*texts.get(text)?, *chat))).collect();
    let rows = alert_deliveries::Entity::find().all(&c.db).await.unwrap_or_default();
    let jobs: HashSet<String> = rows
        .into_iter()
        .filter(|r| r.state == DeliveryState::Sending && held.contains(&(r.value_bet_id, r.chat_id)))
        .map(|r| r.job_id)
        .collect();
    let running =
        c.queues.live_jobs(jobs::queues::NOTIFY, LiveState::Running, 1_000).await.unwrap_or_default();
    running
        .iter()
        .filter(|j| jobs.contains(&j.envelope.id))
        .filter_map(|j| {
            let name = j.worker.as_ref()?;
            c.workers.iter().position(|p| name.contains(&format!("-{}-notify-", p.id())))
        })
        .collect()
}

/// kill -9 of worker `i` (the first when `None`), and a replacement; returns what the
/// victim held, and how many jobs (each to run again).
async fn kill_and_replace(c: &mut Chaos, chain: &Chain, i: Option<usize>) -> (String, u64) {
    let i = i.unwrap_or(0);
    let pid = c.workers[i].id();
    let (mut held, mut total) = (Vec::new(), 0);
    for q in jobs::queues::ALL {
        let n: u64 = c
            .queues
            .workers(q)
            .await
            .unwrap_or_default()
            .iter()
            .filter(|w| w.name.contains(&format!("-{pid}-{q}-")))
            .map(|w| w.in_flight)
            .sum();
        if n > 0 {
            held.push(format!("{n} {q}"));
            total += n;
        }
    }
    let mut victim = c.workers.remove(i);
    let _ = victim.kill();
    let _ = victim.wait();
    chain.start_worker(c);
    (if held.is_empty() { "nothing".to_owned() } else { held.join(", ") }, total)
}

/// No job waiting, scheduled or running on any queue, and none held by a worker that
/// died (its jobs are not yet swept back).
async fn idle(q: &QueueClient) -> bool {
    for name in jobs::queues::ALL {
        let Ok(s) = q.stats(name).await else { return false };
        if s.pending + s.scheduled + s.running > 0 {
            return false;
        }
        let Ok(workers) = q.workers(name).await else { return false };
        if workers.iter().any(|w| w.in_flight > 0) {
            return false;
        }
    }
    true
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row =
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

/// Alert deliveries claimed so far (each just before its send).
async fn claimed(db: &DatabaseConnection) -> usize {
    count(db, "SELECT COUNT(*) FROM alert_deliveries").await as usize
}

/// Groups of `cols` in `table` with more than one row.
async fn doubled(db: &DatabaseConnection, table: &str, cols: &str) -> i64 {
    count(db, &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} GROUP BY {cols} HAVING COUNT(*) > 1) d"))
        .await
}

/// The season imported once, without faults, into a database of its own: the rows the
/// chain must end with.
async fn reference_counts(dir: &Path) -> [i64; 3] {
    let url = format!("sqlite://{}", dir.join("reference.db").display());
    let db = entities::connect(&DatabaseSettings { url: ConnUrl::new(&url), ..DatabaseSettings::default() })
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join(SEASON_CSV);
    let bytes = std::fs::read(&csv).unwrap();
    let mut summary = Default::default();
    workers::process::football_data::import_bytes(&db, &csv, &bytes, &mut summary).await.unwrap();
    data_counts(&db).await
}

/// Matches, team statistics and odds lines.
async fn data_counts(db: &DatabaseConnection) -> [i64; 3] {
    [
        count(db, "SELECT COUNT(*) FROM matches").await,
        count(db, "SELECT COUNT(*) FROM match_stats").await,
        count(db, "SELECT COUNT(*) FROM odds_lines").await,
    ]
}

/// The (value bet, chat) pairs whose alert is due: each value bet of a match not kicked
/// off by the workers' clock, to each active subscription whose filters let it through
/// (league, when set, and an edge at least the minimum, when set).
async fn due_alerts(db: &DatabaseConnection, worker_now: DateTime<Utc>) -> BTreeSet<(i64, i64)> {
    let bets = value_bets::Entity::find().all(db).await.unwrap();
    let games: HashMap<i64, matches::Model> =
        matches::Entity::find().all(db).await.unwrap().into_iter().map(|m| (m.id, m)).collect();
    let codes: HashMap<i64, String> =
        leagues::Entity::find().all(db).await.unwrap().into_iter().map(|l| (l.id, l.code)).collect();
    let subs = telegram_subscriptions::Entity::find().all(db).await.unwrap();
    let mut due = BTreeSet::new();
    for bet in &bets {
        let game = &games[&bet.match_id];
        if game.kickoff_at <= worker_now {
            continue;
        }
        for s in subs.iter().filter(|s| s.active) {
            let league = s.filters["league"].as_str();
            let min_edge = s.filters["min_edge"].as_f64();
            if league.is_none_or(|l| l.eq_ignore_ascii_case(&codes[&game.league_id]))
                && min_edge.is_none_or(|m| bet.edge >= m)
            {
                due.insert((bet.id, s.chat_id));
            }
        }
    }
    due
}

/// Waits until the queues are idle and every due alert is settled in the ledger (`sent`
/// or `uncertain`, nothing `sending`), or `limit` passes.
async fn drain(c: &Chaos, chain: &Chain, limit: Duration) {
    let start = Instant::now();
    loop {
        let rows = alert_deliveries::Entity::find().all(&c.db).await.unwrap_or_default();
        let settled: HashSet<(i64, i64)> = rows
            .iter()
            .filter(|r| r.state != DeliveryState::Sending)
            .map(|r| (r.value_bet_id, r.chat_id))
            .collect();
        let due = due_alerts(&c.db, chain.worker_now()).await;
        if due.iter().all(|k| settled.contains(k)) && settled.len() == rows.len() && idle(&c.queues).await {
            return;
        }
        if start.elapsed() > limit {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_real_chain() {
    let rounds = scale("KICKOFF_CHAOS_ROUNDS", 3).max(1);
    let mut c = Chaos::new("real chain to Telegram", Some(&["--appendonly", "yes"])).await;
    let expected = reference_counts(c.dir.path()).await;
    // The first download of the season answers after 3 s: the scrape is in flight for
    // the first kill.
    let site = Site::start(c.dir.path(), &["/mmz4281/2324/E0.csv=slow:3000*1"]);
    let relay = BotRelay::start(&site.base).await;
    let clock_behind = (Utc::now() - Chain::replay_start()).num_seconds();
    let chain = Chain { site, relay, clock_behind, http: reqwest::Client::new() };
    // The moved-back clock is what makes the alerts due: check it takes.
    let mut date = Command::new("date");
    date.args(["-u", "+%Y-%m-%d"]);
    chain.faked_clock(&mut date);
    let shown = String::from_utf8(date.output().expect("date").stdout).unwrap();
    assert_eq!(shown.trim(), "2024-05-01", "libfaketime (Debian's faketime package) must be installed");

    chain.start_worker(&mut c);
    chain.start_worker(&mut c);
    let started = Instant::now();
    let mut faults: Vec<String> = Vec::new();
    // Runs a kill cut short: each runs again.
    let mut cut_short = 0;

    // Collect → scrape → process, a worker killed while it downloads the season.
    let collect = CollectResults { leagues: vec!["E0".into()], season: Some("2324".into()) };
    c.queues
        .enqueue(&Envelope::new(&AnyJob::CollectResults(collect)), &EnqueueOptions::default())
        .await
        .unwrap();
    let look = Instant::now();
    let victim = loop {
        if let Some(i) = holders(&c, jobs::queues::SCRAPE).await.first() {
            break *i;
        }
        assert!(look.elapsed() < Duration::from_secs(60), "no worker was seen downloading the season");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (held, n) = kill_and_replace(&mut c, &chain, Some(victim)).await;
    cut_short += n;
    faults.push(format!("kill -9 during the download (held {held})"));
    wait_for!(Duration::from_secs(120), "the season processed", {
        count(&c.db, "SELECT COUNT(*) FROM matches").await >= expected[0] && idle(&c.queues).await
    });
    let collected = started.elapsed();

    // Training on the matches before the held-back day, by the CLI.
    let trained = tokio::process::Command::new(env!("CARGO_BIN_EXE_kickoff"))
        .args(["train", "--as-of", &REPLAY_FROM[..10], "--no-search"])
        .current_dir(c.dir.path())
        .env("KICKOFF_ENV", "test")
        .env("KICKOFF__DATABASE__URL", &c.db_url)
        .env("KICKOFF__QUEUE__URL", c.queue_url())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(trained.status.success(), "kickoff train: {}", String::from_utf8_lossy(&trained.stderr));

    // The chats subscribe through the bot's own commands (the league must be known).
    for (chat, command) in CHATS {
        let reply = jobs::telegram::commands::reply(&c.db, chat, command, Utc::now()).await.unwrap();
        assert!(reply.starts_with("Subscribed"), "{chat} {command}: {reply}");
    }
    jobs::telegram::commands::reply(&c.db, UNSUBSCRIBED, "/unsubscribe", Utc::now()).await.unwrap();

    // Inference of the held-back matches, a worker killed while it runs (when caught).
    let cut = Chain::replay_start().date_naive();
    let rows = history::load(&c.db, &HistoryFilter::default()).await.unwrap();
    let held_back: Vec<i64> =
        rows.iter().filter(|r| r.date >= cut && r.score().is_some()).map(|r| r.id).collect();
    let job = AnyJob::RunInference(RunInference { match_ids: held_back.clone() });
    c.queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await.unwrap();
    let mut victim = None;
    let look = Instant::now();
    while victim.is_none() && look.elapsed() < Duration::from_secs(30) {
        victim = holders(&c, jobs::queues::INFERENCE).await.first().copied();
        if count(&c.db, "SELECT COUNT(*) FROM value_bets").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (held, n) = kill_and_replace(&mut c, &chain, victim).await;
    cut_short += n;
    faults.push(format!("kill -9 during inference (held {held})"));

    // The alerts: rounds of kill -9 of a worker sending them, Redis restarted midway, and
    // sends held by the relay past the client's limit. The first round's kill takes the
    // worker waiting on a held reply (killed during its call, the claim stays `sending`
    // until stale); once the kills are over, more sends are held and time out.
    wait_for!(Duration::from_secs(120), "value bets found and their alerts under way", {
        chain.site.messages(&chain.http).await > 0
    });
    let due = due_alerts(&c.db, chain.worker_now()).await.len();
    chain.relay.arm();
    let mut killed_in_call = None;
    // Kills that could meet an alert on its way (the inference kill too: the run may
    // have queued its alerts by then).
    let mut alert_kills = 1;
    for round in 1..=rounds {
        let at = round * due / (rounds + 1);
        // The first round kills the worker waiting on the held reply, well inside the
        // client's 30 s; later rounds kill as the alerts go out.
        let waiting = if round == 1 {
            wait_for!(Duration::from_secs(120), "a worker waiting on a held send", {
                !waiting_on_held(&c, &chain).await.is_empty()
            });
            waiting_on_held(&c, &chain).await
        } else {
            wait_for!(Duration::from_secs(120), format!("{at} of {due} alerts claimed"), {
                claimed(&c.db).await >= at
            });
            Vec::new()
        };
        assert!(round > 1 || !waiting.is_empty(), "the worker waiting on the held send was not found again");
        let (victim, during) = match waiting.first() {
            Some(i) => {
                killed_in_call = chain.relay.held().first().cloned();
                (Some(*i), " during a held call")
            }
            None => (holders(&c, jobs::queues::NOTIFY).await.first().copied(), ""),
        };
        let (held, n) = kill_and_replace(&mut c, &chain, victim).await;
        cut_short += n;
        faults.push(format!("kill -9 while alerting{during} (held {held})"));
        alert_kills += 1;
        if round == rounds.div_ceil(2) {
            let Queue::Redis(r) = &mut c.queue else { unreachable!("the chain runs on Redis") };
            r.restart();
            faults.push("redis restart while alerting".to_owned());
        }
    }
    let to_time_out = TIMED_OUT_SENDS.min(due.saturating_sub(claimed(&c.db).await + 1));
    for _ in 0..to_time_out {
        chain.relay.arm();
    }
    wait_for!(Duration::from_secs(120), format!("{to_time_out} more sends held"), {
        chain.relay.held().len() > to_time_out
    });
    faults.push(format!("{} telegram sends held past the client's limit", chain.relay.held().len()));
    // A claim left `sending` by a kill turns uncertain once stale (120 s), when the
    // job's next run comes back to it.
    drain(&c, &chain, jobs::alert_deliveries::STALE_AFTER + Duration::from_secs(120)).await;
    let drained = started.elapsed();

    // The data: every match, statistic and odds line of the season, once.
    let data = data_counts(&c.db).await;
    let csv_rows = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEASON_CSV))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as i64;
    let doubled_data = doubled(&c.db, "matches", "league_id, season, home_team_id, away_team_id, match_date")
        .await
        + doubled(&c.db, "odds_lines", "match_id, recorded_at, bookmaker, market, line, is_closing").await
        + doubled(&c.db, "match_stats", "match_id, team_id").await;
    let doubled_forecasts = doubled(&c.db, "predictions", "match_id, model_name, model_version").await
        + doubled(&c.db, "value_bets", "match_id, selection").await
        + doubled(&c.db, "value_bets", "prediction_id, selection").await;

    // The alerts: the ledger against the due pairs and the fake's messages.
    let due = due_alerts(&c.db, chain.worker_now()).await;
    let ledger = alert_deliveries::Entity::find().all(&c.db).await.unwrap();
    let calls = chain.site.calls(&chain.http).await;
    let texts = alert_texts(&c.db).await;
    let text_of: HashMap<i64, &String> = texts.iter().map(|(t, b)| (*b, t)).collect();
    let bet_of: HashMap<&str, i64> = texts.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    let mut per_message: HashMap<(i64, &str), usize> = HashMap::new();
    for (chat, text) in calls.iter().filter_map(|(_, m)| m.as_ref()) {
        *per_message.entry((*chat, text.as_str())).or_default() += 1;
    }
    let sent_twice = per_message.values().filter(|n| **n > 1).count();
    let at_fake: HashSet<(i64, i64)> =
        per_message.keys().filter_map(|(chat, text)| Some((*bet_of.get(text)?, *chat))).collect();
    let unknown_messages = per_message.keys().filter(|(_, text)| !bet_of.contains_key(text)).count();
    let by_pair: HashMap<(i64, i64), &alert_deliveries::Model> =
        ledger.iter().map(|r| ((r.value_bet_id, r.chat_id), r)).collect();
    let state_count = |s: DeliveryState| ledger.iter().filter(|r| r.state == s).count();
    let (sent, uncertain, sending) = (
        state_count(DeliveryState::Sent),
        state_count(DeliveryState::Uncertain),
        state_count(DeliveryState::Sending),
    );
    let unsettled =
        due.iter().filter(|k| by_pair.get(k).is_none_or(|r| r.state == DeliveryState::Sending)).count();
    let unwanted = ledger.iter().filter(|r| !due.contains(&(r.value_bet_id, r.chat_id))).count();
    // A `sent` row names the fake's message: the same chat and the bet's text.
    let sent_unmatched = ledger
        .iter()
        .filter(|r| r.state == DeliveryState::Sent)
        .filter(|r| {
            let call = r.message_id.and_then(|id| calls.get(usize::try_from(id - 1).ok()?));
            let Some((_, Some((chat, text)))) = call else { return true };
            *chat != r.chat_id || text_of.get(&r.value_bet_id) != Some(&text)
        })
        .count();
    // Every message at the fake is a delivery the ledger holds as sent or uncertain.
    let outside_ledger =
        at_fake.iter().filter(|k| by_pair.get(k).is_none_or(|r| r.state == DeliveryState::Sending)).count()
            + unknown_messages;
    let held = chain.relay.held();
    // How each held send ended in the ledger: its state and error.
    let outcome = |(chat, text): &(i64, String)| {
        let row = bet_of.get(text.as_str()).and_then(|b| by_pair.get(&(*b, *chat)));
        row.map(|r| (r.state, r.error.clone().unwrap_or_default()))
    };
    let held_not_uncertain =
        held.iter().filter(|h| outcome(h).is_none_or(|(state, _)| state != DeliveryState::Uncertain)).count();
    let uncertain_reached = ledger
        .iter()
        .filter(|r| r.state == DeliveryState::Uncertain && at_fake.contains(&(r.value_bet_id, r.chat_id)))
        .count();
    let timed_out = ledger
        .iter()
        .filter(|r| {
            r.state == DeliveryState::Uncertain && r.error.as_deref().is_some_and(|e| e.contains("timed out"))
        })
        .count();
    // Claims a killed run left `sending`, turned uncertain once stale.
    let died = ledger
        .iter()
        .filter(|r| r.error.as_deref() == Some(jobs::alert_deliveries::DIED_DURING_SEND))
        .count();
    let per_chat: BTreeMap<i64, usize> = CHATS
        .iter()
        .map(|(chat, _)| (*chat, per_message.keys().filter(|(c, _)| c == chat).count()))
        .collect();
    let journal: Vec<_> = {
        let mut all = Vec::new();
        for q in jobs::queues::ALL {
            all.extend(c.queues.journal(q, jobs::journal::JOURNAL_CAP).await.unwrap_or_default());
        }
        all
    };
    let retried = journal.iter().filter(|e| e.event == jobs::journal::EventKind::Retried).count();
    let bets = value_bets::Entity::find().all(&c.db).await.unwrap().len();
    let letters = jobs::dead_letters::list(&c.db, &Default::default()).await.unwrap();

    let r = Report {
        fault: c.name,
        // collect, scrape, process, inference, and one notify job per value bet.
        jobs: 4 + bets,
        lost: unsettled + (expected[0] - data[0]).max(0) as usize,
        // Retried attempts the journal holds, and the runs the kills cut short.
        reruns: retried + cut_short as usize,
        second_effects: sent_twice
            + doubled_data as usize
            + doubled_forecasts as usize
            + sent_unmatched
            + outside_ledger,
        dead: letters.len(),
        drained,
    };
    println!("{r}");
    println!(
        "chaos | real chain: season in {:.1} s; matches {} of {csv_rows} (reference {}), stats {} of {}, \
         odds lines {} of {}; {} value bets of {} held-back matches; {} alerts due to {} chats: {sent} \
         sent, {uncertain} uncertain ({timed_out} timed out, {died} left by a killed run; {uncertain_reached} \
         at the fake; {} sends held past the limit), {sending} sending; messages per chat {per_chat:?}",
        collected.as_secs_f64(),
        data[0],
        expected[0],
        data[1],
        expected[1],
        data[2],
        expected[2],
        bets,
        held_back.len(),
        due.len(),
        due.iter().map(|(_, chat)| chat).collect::<HashSet<_>>().len(),
        held.len(),
    );
    println!("chaos | real chain faults: {}", faults.join("; "));
    let letters: Vec<String> = letters.iter().map(|l| format!("{}: {}", l.kind, l.errors)).collect();

    assert_eq!(data[0], csv_rows, "every match of the season, once");
    assert_eq!(data, expected, "the chain's data equals one clean import (matches, stats, odds lines)");
    assert_eq!((doubled_data, doubled_forecasts), (0, 0), "a row written twice: {r}");
    assert!(!due.is_empty(), "no alert was due: the chain proved nothing");
    assert_eq!(unwanted, 0, "a delivery to a chat that did not want the alert");
    assert_eq!(per_chat[&UNSUBSCRIBED], 0, "the chat that unsubscribed got alerts");
    assert_eq!(sent_twice, 0, "a message sent twice to a chat: {r}");
    assert_eq!(unsettled, 0, "a due alert lost or left sending: {r}");
    assert_eq!(sending, 0, "a delivery left sending after the drain");
    assert_eq!(sent_unmatched, 0, "a sent delivery without its message at the fake");
    assert_eq!(outside_ledger, 0, "a message at the fake that the ledger does not hold");
    assert_eq!(held.len(), 1 + to_time_out, "sends the relay held");
    assert_eq!(held_not_uncertain, 0, "a send held past the limit after the fake took it is not uncertain");
    for h in &held[1..] {
        let error = outcome(h).map(|(_, e)| e).unwrap_or_default();
        assert!(error.contains("timed out"), "a send held after the kills: {error}");
    }
    // A kill strands a claim that never reached the fake only within the milliseconds
    // between the claim and the call; a claim held through a rate-limit wait would
    // strand every chat its worker was waiting for.
    let missed = uncertain - uncertain_reached;
    assert!(missed <= alert_kills, "{missed} alerts uncertain that never left, after {alert_kills} kills");
    assert!(killed_in_call.is_some(), "no worker was killed during a held send");
    if let Some(h) = &killed_in_call {
        let error = outcome(h).map(|(_, e)| e).unwrap_or_default();
        assert_eq!(
            error,
            jobs::alert_deliveries::DIED_DURING_SEND,
            "the send whose worker was killed during it"
        );
    }
    assert_eq!(sent + uncertain, due.len(), "ledger rows vs due alerts");
    assert!(letters.is_empty(), "dead letters: {letters:?}");
    // The ledger's times are the workers' database clock: the replayed day.
    assert!(
        ledger.iter().all(|r| r.created_at < Chain::replay_start() + TimeDelta::days(1)),
        "clock not moved"
    );
    let _ = c.queues.flush_all().await;
}
