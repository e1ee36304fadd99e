//! The demo's live match: sport1's recorded Atlético Madrid v Bayern München
//! (2016-09-28), which the fixture site answers moment by moment, followed by
//! `follow_match` jobs from the first poll to the final whistle while an SSE client of
//! the run's own API prints the events it receives.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use jobs::catalogue::FollowMatch;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use sources::MatchStatus;
use tokio::sync::broadcast;
use workers::process::fixtures::store_fixtures;
use workers::runtime::JobEvent;

use crate::fixture_site::pages;

/// The recorded match's sport1 id, and where its match page is served.
const SPORT1_ID: &str = "8305396";
/// The live match's five polls take about five seconds; past this it is stuck.
const LIVE_LIMIT: Duration = Duration::from_secs(120);

/// Stores the fixture, follows the match, and prints what the SSE stream receives.
pub async fn follow(
    db: &DatabaseConnection,
    queues: &QueueClient,
    api: SocketAddr,
    events: &mut broadcast::Receiver<JobEvent>,
    started: Instant,
    seen: &mut Vec<JobEvent>,
) -> anyhow::Result<()> {
    let first = pages::state_of(&format!("/match/ma{SPORT1_ID}"), 1).context("the recorded live match")?;
    let fixture = sources::sport1::parse_match("match", first)?.fixture;
    // Stored as the fixture list had it before kickoff: scheduled, no score.
    let scheduled = sources::rows::FixtureRow {
        status: MatchStatus::Scheduled,
        home_goals: None,
        away_goals: None,
        ..fixture
    };
    let stored = store_fixtures(db, "sport1", "CL", "2016-17", std::slice::from_ref(&scheduled)).await?;
    let id = stored.stored.first().context("the live match was not stored")?.match_id;
    // A run after an earlier one in the same file follows the match afresh.
    for sql in [
        "UPDATE matches SET status = 'scheduled', home_goals = NULL, away_goals = NULL, ht_home_goals = NULL, \
         ht_away_goals = NULL WHERE id = $1",
        "DELETE FROM match_incidents WHERE match_id = $1",
    ] {
        db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, [id.into()])).await?;
    }
    // The fixture carries sport1's id: storing it linked the match to its live source.
    let url = format!("http://{api}{}/events?channels=matches:live,matches:{id}", api::API_PREFIX);
    println!(
        "\nA live match: {} v {} (sport1, 2016-09-28), followed by follow_match jobs, one poll a second here; \
         an SSE client reads {url}",
        scheduled.home, scheduled.away
    );
    let mut stream = reqwest::Client::new().get(&url).send().await?.error_for_status()?;
    let kickoff = scheduled.kickoff.context("the fixture's kickoff")?;
    let job = AnyJob::FollowMatch(FollowMatch { match_id: id, kickoff, polls: 0 });
    queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await?;
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + LIVE_LIMIT;
    'stream: loop {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .context("the live match did not reach its final whistle within two minutes")??
            .context("the event stream ended")?;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        for data in api::events::stream::take_data(&mut buffer) {
            let m: Value = serde_json::from_str(&data)?;
            let d = &m["data"];
            let line = match m["type"].as_str().unwrap_or_default() {
                "match:goal" => format!(
                    "goal, {}: {} {}' (assist {}), {}-{}",
                    d["team"].as_str().unwrap_or("?"),
                    d["scorer"].as_str().unwrap_or("?"),
                    d["minute"],
                    d["assist"].as_str().unwrap_or("none yet"),
                    d["score"]["home"],
                    d["score"]["away"]
                ),
                other => format!(
                    "{other}: {} {}-{}",
                    d["status"].as_str().unwrap_or("?"),
                    d["home_goals"],
                    d["away_goals"]
                ),
            };
            println!("  SSE  {:<14} {line}", m["channel"].as_str().unwrap_or_default());
            if m["channel"] == format!("matches:{id}") && d["status"] == "finished" {
                break 'stream;
            }
        }
    }
    drop(stream);
    // The final whistle's settle_bets, and the last poll, finish.
    super::settle(events, queues, started, seen, |_| true, || {}).await
}
