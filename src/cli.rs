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
    Demo {
        /// Keep serving the API (on `[api] bind`) after the run, until SIGTERM/SIGINT.
        #[arg(long)]
        serve: bool,
    },
    /// Print the effective configuration, secrets masked.
    Config,
    /// Serve the HTTP API (`[api] bind`) until SIGTERM/SIGINT; migrates first.
    Serve {
        /// The cron table the schedule endpoints show and run (skipped when absent).
        #[arg(long, default_value = "schedules.toml")]
        schedules: PathBuf,
    },
    /// Answer the Telegram bot's subscriber commands by long polling (deletes any
    /// webhook first) until SIGTERM/SIGINT; migrates first. Or register the API
    /// server's webhook with Telegram instead.
    Bot {
        #[command(subcommand)]
        command: Option<BotCommand>,
    },
    /// Teams a new source's spelling created: list them, merge one into the club it is,
    /// add an alias, or keep it (audited).
    Teams {
        #[command(subcommand)]
        command: TeamsCommand,
    },
    /// Link a match to a source's id by hand (a live source follows it from then on).
    Matches {
        #[command(subcommand)]
        command: MatchesCommand,
    },
    /// Create, list or revoke API keys.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Serve the recorded pages of the real sources under their real paths, with
    /// faults on demand (test and demo tooling).
    FixtureSite {
        /// Address to listen on; port 0 picks a free one (the URL is printed first).
        #[arg(long, default_value = "127.0.0.1:8099")]
        bind: String,
        /// A fault rule PATH=KIND[:ARG][*TIMES], repeatable: `/x=429:2*1` answers the next
        /// request of /x with 429 and Retry-After 2; kinds 429, 503, 500, slow[:ms], truncated.
        #[arg(long = "fault")]
        faults: Vec<String>,
    },
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
    /// Run worker pools until SIGTERM/SIGINT.
    Worker {
        /// Queues to consume, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        queues: Vec<String>,
        /// Per-queue concurrency, e.g. `scrape=4,process=2` (default 8 each).
        #[arg(long, value_delimiter = ',', value_parser = parse_concurrency)]
        concurrency: Vec<(String, usize)>,
        /// Seconds in-flight jobs get to finish after a shutdown signal, heartbeats going
        /// on; jobs still running then are handed back to their queue at once (default:
        /// the longest time limit of the kinds on these queues, so every job ends by itself).
        #[arg(long)]
        grace_secs: Option<u64>,
        /// Serve this process's Prometheus metrics (jobs, scrapes, inference) at
        /// http://ADDR/metrics, e.g. `0.0.0.0:9100`.
        #[arg(long)]
        metrics_bind: Option<String>,
    },
    /// Run the cron scheduler (each tick fires once across all scheduler processes).
    Scheduler {
        /// The cron table.
        #[arg(long, default_value = "schedules.toml")]
        file: PathBuf,
        /// Print the table with last and next fire times, then exit.
        #[arg(long)]
        list: bool,
        /// A tick may fire this many seconds late; older unfired ticks count as missed.
        #[arg(long, default_value_t = 60)]
        catch_up_secs: i64,
    },
    /// Enqueue one job by hand.
    Trigger {
        /// Job kind, e.g. `collect_results`.
        kind: String,
        /// Arguments as JSON, checked against the kind's schema.
        #[arg(long)]
        args: Option<String>,
        /// When to run: RFC 3339 time or a delay such as `30s`, `5m`.
        #[arg(long)]
        at: Option<String>,
        /// Drop the job if the same key was used within the last day.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Process stored snapshots again (after a parser fix): one process job each.
    Replay {
        /// Source key or its prefix: `sofascore`, `sofascore:round_events`, `football-data`.
        #[arg(long)]
        source: String,
        /// Only snapshots fetched at or after this time (RFC 3339) or this long ago (`7d`).
        #[arg(long)]
        since: Option<String>,
    },
    /// Inspect and act on dead letters.
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// Queue statistics, pause, resume and drain.
    Queues {
        #[command(subcommand)]
        command: QueuesCommand,
    },
    /// Walk-forward backtest of every model beside the bookmakers' lines, on the matches
    /// in the database: RPS, log loss, Brier, accuracy, calibration, value bets.
    Backtest {
        /// Division codes, comma-separated; all leagues when absent.
        #[arg(long, value_delimiter = ',')]
        leagues: Vec<String>,
        /// Seasons scored (`2022-23,2023-24`); the last two in the data when absent.
        #[arg(long, value_delimiter = ',')]
        test_seasons: Vec<String>,
        /// Seasons before the first test season forecast (not scored) so the ensemble
        /// has out-of-sample forecasts to fit its weights on.
        #[arg(long, default_value_t = 1)]
        warmup_seasons: usize,
        /// Smallest edge (p × price − 1) bet in the value-bet backtest.
        #[arg(long, default_value_t = 0.05)]
        min_edge: f64,
        /// Bookmaker whose pre-closing prices the value bets take.
        #[arg(long, default_value = "pinnacle")]
        book: String,
        /// Write the whole report (every forecast too) as JSON here.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
        /// Write an HTML report with calibration and profit plots here.
        #[arg(long)]
        html: Option<std::path::PathBuf>,
    },
    /// Train every model on all history before a day, with a hyper-parameter search by
    /// walk-forward validation, and register the result as a new model version.
    Train {
        /// Division codes, comma-separated; all leagues when absent.
        #[arg(long, value_delimiter = ',')]
        leagues: Vec<String>,
        /// Fit on matches strictly before this day (YYYY-MM-DD); today when absent.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Skip the hyper-parameter search and use the defaults.
        #[arg(long)]
        no_search: bool,
        /// Register the version without activating it.
        #[arg(long)]
        no_activate: bool,
    },
    /// The model registry: list versions, activate one, roll back to the previous one.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// No-op jobs through the full runtime with 1..=W worker processes on Redis.
    Queue {
        #[arg(long, default_value_t = 20_000)]
        jobs: usize,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Concurrency per worker process.
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// From a changed page to the SSE event and the Telegram alert, polling excluded:
    /// p50 and p95 over CHANGES changes, in this process on the configured queue backend.
    Freshness {
        #[arg(long, default_value_t = 100)]
        changes: usize,
    },
}

/// `queue=N`.
fn parse_concurrency(s: &str) -> Result<(String, usize), String> {
    let (q, n) = s.split_once('=').ok_or_else(|| format!("expected queue=N, got `{s}`"))?;
    let n: usize = n.parse().map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 {
        return Err("concurrency must be at least 1".into());
    }
    Ok((q.to_owned(), n))
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

/// Which dead letters a command applies to.
#[derive(Debug, clap::Args)]
pub struct DlqFilterArgs {
    #[arg(long)]
    pub queue: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    /// Text one of the errors contains (case-insensitive).
    #[arg(long)]
    pub error_contains: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead letters, newest first.
    List {
        #[command(flatten)]
        filter: DlqFilterArgs,
        /// Include letters already requeued.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Show one dead letter with every attempt's error.
    Show { id: i64 },
    /// Enqueue dead letters again as first attempts.
    Requeue {
        ids: Vec<i64>,
        /// Requeue every letter matching --queue/--kind/--error-contains.
        #[arg(long, conflicts_with = "ids")]
        all_matching: bool,
        /// Replacement arguments (JSON), checked against the job kind's schema.
        #[arg(long)]
        args: Option<String>,
        #[command(flatten)]
        filter: DlqFilterArgs,
    },
    /// Delete dead letters.
    Delete {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Delete dead letters that last failed longer ago than DURATION (e.g. 7d, 12h).
    Purge {
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Have Telegram POST updates to URL (the API server's `/telegram/webhook`, on
    /// HTTPS), with `[telegram] webhook_secret` as the token each call must carry.
    SetWebhook { url: String },
    /// Remove the webhook (long polling works again).
    DeleteWebhook,
}

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// List the teams no seed name backs and nobody reviewed.
    Review,
    /// Move team FROM's matches, statistics, odds, players and aliases to team INTO, and
    /// delete FROM (a fixture stored under both becomes one).
    Merge { from: i64, into: i64 },
    /// Make ALIAS, as SOURCE writes it, a name of TEAM.
    Alias { team: i64, source: String, alias: String },
    /// Keep TEAM as a club of its own: it leaves the review list.
    Keep { team: i64 },
}

#[derive(Debug, Subcommand)]
pub enum MatchesCommand {
    /// Record ID as SOURCE's id of match MATCH_ID (`sport1 8305396`: the live source
    /// then follows the match from its kickoff). Audited.
    Link { match_id: i64, source: String, id: String },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create a key; it is printed once and only its hash is stored.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "reader")]
        role: KeyRole,
    },
    /// Revoke a key by name; it stops working at once.
    Revoke {
        #[arg(long)]
        name: String,
    },
    /// Every key with its role and last use (never the key itself).
    List,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyRole {
    /// The public reads only (an end user's client).
    Member,
    Reader,
    Operator,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Versions, newest first, with their validation scores.
    List,
    /// Make a version the active one; inference workers pick it up at their next job.
    Activate { version: String },
    /// Activate the version registered before the active one.
    Rollback,
}

#[derive(Debug, Subcommand)]
pub enum QueuesCommand {
    /// Statistics of every queue.
    Stats {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop every worker process from taking jobs of QUEUE (within a second).
    Pause { queue: String },
    /// Let workers take jobs of QUEUE again.
    Resume { queue: String },
    /// Delete every job waiting on QUEUE (pending and scheduled, retries included);
    /// running jobs finish.
    Drain { queue: String },
}
