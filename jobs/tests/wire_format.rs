//! The envelope's wire format, pinned per job kind: each kind's envelope (a retry of a
//! child job of a schedule, with every field set) must serialise byte for byte as its
//! golden file in `tests/golden/`, and each golden file must decode back to the same
//! job. A change to a payload type or to the envelope that changes what is queued fails
//! here; a deliberate one is written with `KICKOFF_BLESS=1` and reviewed in the diff.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use jobs::catalogue::KINDS;
use jobs::{AnyJob, AttemptError, Envelope};
use serde_json::json;

/// One job of each kind, with the fields a caller would set.
fn samples() -> Vec<AnyJob> {
    [
        ("collect_results", json!({"leagues": ["E0", "D1"], "season": "2324"})),
        ("collect_fixtures", json!({"leagues": ["E0"], "sources": ["sofascore"], "season": "2023-24", "date": "2024-03-02"})),
        ("scrape_football_data", json!({"league": "E0", "season": "2324"})),
        ("scrape_page", json!({"source": "sofascore:round_events:E0:2023-24", "url": "https://www.sofascore.com/api/v1/x"})),
        ("scrape_betfair", json!({"league": "E0", "season": "2023-24"})),
        ("process_snapshot", json!({"snapshot_id": 42})),
        ("run_inference", json!({"match_ids": [7, 8]})),
        ("notify_value_bet", json!({"value_bet_id": 9, "chat_id": 1001})),
        ("deliver_webhook", json!({"webhook_id": 3, "channel": "matches:live", "payload": "{\"type\":\"match:update\"}"})),
        ("settle_bets", json!({})),
        ("train_model", json!({"model": "ensemble"})),
        ("maintenance", json!({"task": "vacuum_queue"})),
        ("prune_snapshots", json!({"keep_days": 14})),
        ("follow_match", json!({"match_id": 7, "kickoff": "2026-12-07T19:45:00Z", "polls": 3})),
        ("probe", json!({"tag": "t", "sleep_ms": 5, "fail_times": 1})),
    ]
    .into_iter()
    .map(|(kind, args)| AnyJob::from_parts(kind, args).unwrap())
    .collect()
}

/// `job`'s envelope with every varying field fixed.
fn envelope(job: &AnyJob) -> Envelope {
    let at = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let mut e = Envelope::new(job);
    e.id = "01JEXAMPLE0000000000000001".into();
    e.enqueued_at = at;
    e.parent = Some("01JEXAMPLE0000000000000000".into());
    e.root = Some("01JEXAMPLE00000000000000ROOT".into());
    e.schedule = Some("nightly".into());
    e.timeout_ms = Some(30_000);
    e.context.insert("traceparent".into(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into());
    e.retry(AttemptError {
        attempt: 1,
        error: "GET https://example.com: HTTP 503".into(),
        permanent: false,
        started_at: at,
        failed_at: at,
        worker: "host-1-scrape-0".into(),
    })
}

fn golden(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{kind}.json"))
}

#[test]
fn every_kind_has_a_sample() {
    let sampled: BTreeSet<&str> = samples().iter().map(AnyJob::kind).collect();
    let kinds: BTreeSet<&str> = KINDS.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(sampled, kinds, "a kind without a golden envelope");
}

#[test]
fn each_kind_is_queued_as_its_golden_file_says() {
    let bless = std::env::var_os("KICKOFF_BLESS").is_some();
    for job in samples() {
        let text = serde_json::to_string_pretty(&envelope(&job)).unwrap() + "\n";
        let path = golden(job.kind());
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (KICKOFF_BLESS=1 writes it)", path.display()));
        assert_eq!(text, want, "{}: the wire format changed", job.kind());
        // And what is queued reads back as the same job.
        let back: Envelope = serde_json::from_str(&want).unwrap();
        assert_eq!(back.job().unwrap(), job, "{}", job.kind());
    }
}
