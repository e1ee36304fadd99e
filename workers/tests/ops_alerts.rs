//! Operator alerts through the `maintenance` job's `ops_alerts` task, on both queue
//! backends, against the fake Bot API: each incident (a backed-up queue, dead letters
//! piling up, a source failing for over an hour, a missed cron tick) is one message to
//! the ops chat when it starts and one when it clears, however often the check runs;
//! a failed send is told again by the next check.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chrono::Utc;
use common::backends::Backend;
use common::fake_bot::Failure;
use common::world::World;
use jobs::catalogue::{Maintenance, MaintenanceTask, Probe, ScrapeFootballData};
use jobs::{AnyJob, AttemptError, EnqueueOptions, Envelope};
use workers::notify::ops::{self, OPEN_KEY};
use workers::runtime::{Outcome, Runtime};
use workers::scheduler::LAST_MISSED_KEY;
use workers::scrape::health;
use workers::settings::{OpsAlertSettings, ScrapeSettings, TelegramSettings};

const OPS_CHAT: i64 = 500;

on_both_backends!(
    each_incident_is_one_message_when_it_starts_and_one_when_it_clears,
    a_failed_send_is_told_by_the_next_check,
    a_failed_fetch_starts_the_sites_failure_streak,
);

/// Thresholds low enough for a test to cross.
fn limits() -> OpsAlertSettings {
    OpsAlertSettings {
        backlog: 3,
        dead_letters_per_hour: 2,
        source_failing_secs: 3_600,
        missed_tick_window_secs: 3_600,
    }
}

async fn world(backend: Backend) -> World {
    common::world::world(backend, |t| TelegramSettings { ops_chat_id: OPS_CHAT, ops_alerts: limits(), ..t })
        .await
}

impl World {
    async fn check(&self) -> Outcome {
        let job = Envelope::new(&AnyJob::Maintenance(Maintenance { task: MaintenanceTask::OpsAlerts }));
        self.rt.execute(job, "ops-test").await.unwrap()
    }

    /// What the ops chat was sent, in order (every message goes there).
    fn sent(&self) -> Vec<String> {
        let f = self.fake.lock().unwrap();
        let sends: Vec<_> = f.calls.iter().filter(|c| c.method == "sendMessage").collect();
        assert!(sends.iter().all(|c| c.chat_id() == Some(OPS_CHAT)));
        sends.iter().map(|c| c.text().unwrap().to_owned()).collect()
    }

    /// Four incidents at once: 4 probe jobs waiting on `probe`'s queue, 2 dead letters on
    /// `scrape` within the hour, fbref failing for two hours, a tick missed 5 minutes ago.
    async fn break_everything(&self) {
        for _ in 0..4 {
            let probe = Envelope::new(&AnyJob::Probe(Probe::default()));
            self.rt.queues.enqueue(&probe, &EnqueueOptions::default()).await.unwrap();
        }
        for _ in 0..2 {
            let mut env = Envelope::new(&AnyJob::Probe(Probe::default()));
            env.kind = "scrape_page".into();
            let now = Utc::now();
            let error = AttemptError {
                attempt: 1,
                error: "HTTP 500".into(),
                permanent: true,
                started_at: now,
                failed_at: now,
                worker: "w".into(),
            };
            jobs::dead_letters::record(&self.db.conn, "scrape", &env, error).await.unwrap();
        }
        let two_hours_ago = Utc::now() - chrono::Duration::hours(2);
        health::record(&self.rt.queues, "fbref:schedule:SP1:2023-24", false, two_hours_ago).await.unwrap();
        // A later failure does not move the start of the streak.
        health::record(&self.rt.queues, "fbref:schedule:E0:2023-24", false, Utc::now()).await.unwrap();
        // Understat failed a minute ago: not long enough to tell anyone.
        health::record(&self.rt.queues, "understat:league:E0:2015-16", false, Utc::now()).await.unwrap();
        let missed = (Utc::now() - chrono::Duration::minutes(5)).timestamp_millis();
        self.rt.queues.hash_set_max(LAST_MISSED_KEY, "results_e0", missed).await.unwrap();
    }
}

fn probe_queue() -> &'static str {
    use jobs::catalogue::Job;
    Probe::QUEUE
}

async fn each_incident_is_one_message_when_it_starts_and_one_when_it_clears(backend: Backend) {
    let mut w = world(backend).await;
    assert_eq!(w.check().await, Outcome::Succeeded);
    assert!(w.sent().is_empty(), "nothing is wrong yet");

    w.break_everything().await;
    for _ in 0..3 {
        assert_eq!(w.check().await, Outcome::Succeeded);
    }
    let sent = w.sent();
    let expected = [
        format!("Queue backlog: {}", probe_queue()),
        "Dead letters growing: scrape".to_owned(),
        "Source failing: fbref".to_owned(),
        "Missed cron tick: results\\_e0".to_owned(),
    ];
    assert_eq!(sent.len(), 4, "{sent:#?}");
    for title in &expected {
        assert_eq!(
            sent.iter().filter(|t| t.starts_with(&format!("🔴 *{title}*\n"))).count(),
            1,
            "{title}: {sent:#?}"
        );
    }
    assert!(sent.iter().any(|t| t.contains("4 jobs waiting")), "{sent:#?}");
    assert!(sent.iter().any(|t| t.contains("2 new dead letters in the last hour")), "{sent:#?}");

    // Everything clears: the thresholds rise, fbref succeeds, the missed tick ages.
    w.rt.ops_alerts = OpsAlertSettings { backlog: 1_000, dead_letters_per_hour: 100, ..limits() };
    health::record(&w.rt.queues, "fbref:schedule:SP1:2023-24", true, Utc::now()).await.unwrap();
    let long_ago = (Utc::now() - chrono::Duration::hours(3)).timestamp_millis();
    w.rt.queues.hash_set(LAST_MISSED_KEY, "results_e0", long_ago).await.unwrap();
    for _ in 0..2 {
        assert_eq!(w.check().await, Outcome::Succeeded);
    }
    let sent = w.sent();
    assert_eq!(sent.len(), 8, "{sent:#?}");
    for title in &expected {
        assert_eq!(
            sent.iter().filter(|t| **t == format!("✅ *Resolved: {title}*")).count(),
            1,
            "{title}: {sent:#?}"
        );
    }
    assert!(w.rt.queues.hash_get_all(OPEN_KEY).await.unwrap().is_empty());

    // The same trouble again is a new incident, told again.
    w.rt.ops_alerts = limits();
    assert_eq!(w.check().await, Outcome::Succeeded);
    assert_eq!(w.check().await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!(sent.len(), 10, "{sent:#?}");
    assert!(sent[8..].iter().all(|t| t.starts_with("🔴 *")), "{sent:#?}");
}

async fn a_failed_send_is_told_by_the_next_check(backend: Backend) {
    let w = world(backend).await;
    w.break_everything().await;
    w.fake.lock().unwrap().failures.push_back(Failure::ServerError);
    assert!(matches!(w.check().await, Outcome::Retried { .. }));
    // The failed incident was not marked open, so the retry tells it.
    assert_eq!(w.check().await, Outcome::Succeeded);
    let opened: Vec<String> = w.sent().into_iter().filter(|t| t.starts_with("🔴")).collect();
    // One call failed (recorded by the fake, not delivered); each incident reached the
    // chat once after it.
    let titles: std::collections::BTreeSet<&str> = opened.iter().map(|t| t.lines().next().unwrap()).collect();
    assert_eq!(titles.len(), 4, "{opened:#?}");
    assert_eq!(opened.len(), 5, "the failed call and four deliveries: {opened:#?}");

    // Without a bot the check still tracks incidents (and logs them), sending nothing.
    let outcome = ops::check(
        &w.db.conn,
        &w.rt.queues,
        &limits(),
        None,
        tokio::time::Instant::now() + Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(outcome.open.len(), 4);
    assert!(outcome.opened.is_empty() && outcome.resolved.is_empty(), "{outcome:?}");
}

/// The scrape handler starts a site's failure streak on a failed fetch, which is what the
/// source-failing alert reads.
async fn a_failed_fetch_starts_the_sites_failure_streak(backend: Backend) {
    let w = world(backend).await;
    // The fake Bot API answers a GET of a season file with 405.
    let base = common::fake_bot::start_fake(common::fake_bot::Shared::default()).await;
    let scrape = ScrapeSettings { football_data_url: base, ..ScrapeSettings::default() };
    let rt = Runtime::new(w.db.conn.clone(), w.rt.queues.clone()).with_scrape(scrape).unwrap();
    let before = Utc::now();
    let job = Envelope::new(&AnyJob::ScrapeFootballData(ScrapeFootballData {
        league: "E0".into(),
        season: "2324".into(),
    }));
    let outcome = rt.execute(job, "ops-test").await.unwrap();
    assert!(!matches!(outcome, Outcome::Succeeded), "{outcome:?}");
    let failing = health::failing(&rt.queues).await.unwrap();
    let since = failing.get("football-data").copied();
    assert!(since.is_some_and(|t| t >= before - chrono::Duration::seconds(1)), "{failing:?}");
}
