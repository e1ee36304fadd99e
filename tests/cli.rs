//! The `kickoff` binary end to end: demo, config, migrate and import, each in its own
//! scratch directory with its own database.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jobs::JobQueue;
use jobs::testing::redis_url;
use std::path::Path;
use std::process::{Command, Output};

use entities::Engine;
use entities::testing::TestDb;

/// `kickoff args` in `dir`, in the test environment with none of the caller's settings
/// but `env`.
fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kickoff"));
    cmd.current_dir(dir).args(args).env_remove("RUST_LOG").env("KICKOFF_ENV", "test");
    for (k, _) in std::env::vars() {
        if k.starts_with("KICKOFF__") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

fn kickoff(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("run kickoff")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/football-data").join(name).display().to_string()
}

#[test]
fn demo_runs_on_embedded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    for run in 0..2 {
        let out = kickoff(dir.path(), &["demo"], &[]);
        assert!(out.status.success(), "run {run}: {}\n{}", stdout(&out), stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("Queue backend: Embedded"), "{text}");
        // The cron ticks fanned out: 2 result collections → 3 season files, 4 fixture
        // collections → 4 pages, 7 snapshots processed; all succeeded.
        let ok =
            |kind: &str| text.lines().filter(|l| l.contains(kind) && l.trim_end().ends_with(" ok")).count();
        assert_eq!(
            (
                ok("collect_results"),
                ok("collect_fixtures"),
                ok("scrape_football_data"),
                ok("scrape_page"),
                ok("process_snapshot")
            ),
            (2, 4, 3, 4, 7),
            "{text}"
        );
        assert!(text.contains("Fan-out chains, one per cron tick:"), "{text}");
        // The fixture site's 429 on the FBref page was waited out, not failed.
        assert!(text.contains("Scores-and-Fixtures: 2 requests"), "{text}");
        // Run after run the data is the same: processing is idempotent, and every
        // source's names resolve to one team per club.
        // The live match is one more league (the Champions League) and match, of clubs
        // the seasons already hold.
        assert!(text.contains("Database holds 5 leagues, 81 teams, 1834 matches"), "{text}");
        assert!(text.contains("20 league-table lines"), "{text}");
        assert!(text.contains("Leverkusen") && text.contains("Real Madrid"), "{text}");
        // Trained on everything before May 2024, registered, and the held-back matches
        // forecast through the queue; their value bets settled.
        assert!(text.contains(&format!("Registered kickoff v{}, active.", run + 1)), "{text}");
        assert!(text.contains("Forecasting 111 held-back matches"), "{text}");
        // The held-back matches' settlement, and the live match's at its final whistle.
        assert_eq!((ok("run_inference"), ok("settle_bets")), (1, 2), "{text}");
        // The live match: followed poll by poll, its goal received by the SSE client.
        assert_eq!(ok("follow_match"), 5, "{text}");
        assert!(text.contains("goal, Atlético Madrid: Yannick Ferreira-Carrasco 35'"), "{text}");
        assert!(text.contains("match:update: finished 1-0"), "{text}");
        assert!(text.contains("Sevilla v Barcelona") && text.contains("1-2"), "{text}");
        assert!(text.contains("settled won"), "{text}");
        // Two chats subscribed through the bot's commands; each value bet's alert went
        // to the fake Bot API for the chats whose filters let it through, escaped.
        assert!(text.contains("chat 1001: /subscribe E0 8%  →  Subscribed: E0, edge at least 8%"), "{text}");
        if run == 0 {
            assert!(text.contains("Telegram (fake Bot API): 20 alerts sent to 2 chat(s)."), "{text}");
            assert!(
                text.contains("chat 1001: 10 alert(s)") && text.contains("chat 1002: 10 alert(s)"),
                "{text}"
            );
        } else {
            // The retrained version's bets share each day's stake budget with the first
            // run's, already staked and settled: fewer, but some, are alerted.
            assert!(text.contains("alerts sent to 2 chat(s)."), "{text}");
        }
        assert!(text.contains("    *Value bet*\n") && text.contains("Edge: \\+"), "{text}");
        // The run's own API served what it produced.
        assert!(text.contains("Swagger UI http://127.0.0.1:"), "{text}");
        assert!(text.contains("The API answers:") && text.contains("1834 finished matches"), "{text}");
        assert!(text.contains("value bets,") && text.contains("settled, staked"), "{text}");
    }
    assert!(dir.path().join("kickoff.db").exists());
}

#[test]
fn config_prints_effective_settings_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = kickoff(
        dir.path(),
        &["config"],
        &[
            ("KICKOFF__AUTH__JWT_SECRET", "super-secret-jwt"),
            ("KICKOFF__TELEGRAM__BOT_TOKEN", "42:bot-token-xyz"),
            ("KICKOFF__DATABASE__URL", "postgres://u:db-password@localhost/x"),
            ("KICKOFF__API__BIND", "0.0.0.0:9999"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("bind = \"0.0.0.0:9999\""), "{text}");
    for secret in ["super-secret-jwt", "bot-token-xyz", "db-password"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
        assert!(!stderr(&out).contains(secret));
    }
    assert!(text.contains("********"));
}

#[test]
fn bad_config_value_fails_naming_key_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let out = kickoff(dir.path(), &["config"], &[("KICKOFF__DATABASE__MAX_CONNECTIONS", "many")]);
    assert!(!out.status.success());
    let err = stderr(&out).to_lowercase();
    assert!(err.contains("database.max_connections") && err.contains("u32"), "{err}");
}

#[test]
fn import_reports_rejections_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(sample("E0_2023-24.csv")).unwrap();
    let mut lines = good.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let bad_row = row.replacen("11/08/2023", "11/13/2023", 1);
    let file = dir.path().join("mixed.csv");
    std::fs::write(&file, format!("{header}\n{row}\n{bad_row}\n")).unwrap();
    let out = kickoff(dir.path(), &["import", "football-data", file.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "2 row(s) read: 1 match(es) inserted, 0 updated, 0 unchanged, 1 rejected; 0 price(s) rejected"
        ),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("mixed.csv:3: column Date: `11/13/2023`"), "{}", stderr(&out));
}

#[tokio::test]
async fn matches_link_records_a_source_id_and_refuses_an_unknown_match() {
    let dir = tempfile::tempdir().unwrap();
    let out = kickoff(dir.path(), &["import", "football-data", &sample("E0_2023-24.csv")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let linked = kickoff(dir.path(), &["matches", "link", "1", "sport1", "8305396"], &[]);
    assert!(linked.status.success(), "{}", stderr(&linked));
    assert!(stdout(&linked).contains("Match 1 is `8305396` at sport1"), "{}", stdout(&linked));
    let unknown = kickoff(dir.path(), &["matches", "link", "999999", "sport1", "1"], &[]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("match 999999 does not exist"), "{}", stderr(&unknown));
    let blank = kickoff(dir.path(), &["matches", "link", "1", " ", "1"], &[]);
    assert!(!blank.status.success() && stderr(&blank).contains("a source and an id are needed"));
    // Stored in the match's external ids, and audited as the command line's.
    let db = format!("sqlite://{}", dir.path().join("kickoff.db").display());
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let ids: String =
        sqlx::query_scalar("SELECT external_ids FROM matches WHERE id = 1").fetch_one(&pool).await.unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ids).unwrap(),
        serde_json::json!({"sport1": "8305396"})
    );
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT actor || ' ' || action FROM audit_log").fetch_all(&pool).await.unwrap();
    assert_eq!(audit, ["cli match.link"]);
}

#[test]
fn migrate_fresh_on_sqlite_drops_the_view_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let out = kickoff(dir.path(), &["import", "football-data", &sample("E0_2023-24.csv")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for _ in 0..2 {
        let fresh = kickoff(dir.path(), &["migrate", "fresh"], &[]);
        assert!(fresh.status.success(), "{}", stderr(&fresh));
        assert_eq!(stdout(&fresh).lines().filter(|l| l.starts_with("applied")).count(), migrations());
    }
    let again = kickoff(dir.path(), &["import", "football-data", &sample("E0_2023-24.csv")], &[]);
    assert!(stdout(&again).contains("380 match(es) inserted"), "{}", stdout(&again));
}

#[test]
fn import_and_migrate_on_postgres() {
    let db = tokio::runtime::Runtime::new().unwrap().block_on(TestDb::new(Engine::Postgres));
    let dir = tempfile::tempdir().unwrap();
    let env = [("KICKOFF__DATABASE__URL", db.url())];
    let out = kickoff(
        dir.path(),
        &["import", "football-data", &sample("E0_2022-23.csv"), &sample("D1_2023-24.csv")],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("686 match(es) inserted"), "{}", stdout(&out));
    let status = kickoff(dir.path(), &["migrate", "status"], &env);
    assert!(stdout(&status).lines().all(|l| l.starts_with("applied")), "{}", stdout(&status));
    // Fresh over a full schema: tables and the `odds` view go, all come back.
    let fresh = kickoff(dir.path(), &["migrate", "fresh"], &env);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert_eq!(stdout(&fresh).lines().filter(|l| l.starts_with("applied")).count(), migrations());
    let down = kickoff(dir.path(), &["migrate", "down", "--all"], &env);
    assert!(down.status.success(), "{}", stderr(&down));
    assert!(stdout(&down).lines().all(|l| l.starts_with("pending")), "{}", stdout(&down));
}

#[test]
fn trigger_validates_kind_args_and_time() {
    let redis = redis_url();
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("{}:", entities::testing::unique_name("kickoff_cli"));
    let env = [("KICKOFF__QUEUE__URL", redis.as_str()), ("KICKOFF__QUEUE__PREFIX", prefix.as_str())];
    let out = kickoff(dir.path(), &["trigger", "nope"], &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown job kind `nope`"), "{}", stderr(&out));
    let out = kickoff(dir.path(), &["trigger", "process_snapshot", "--args", r#"{"snapshot_id":"x"}"#], &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("invalid arguments for `process_snapshot`"), "{}", stderr(&out));
    let out = kickoff(dir.path(), &["trigger", "settle_bets", "--at", "tomorrow-ish"], &env);
    assert!(stderr(&out).contains("--at"), "{}", stderr(&out));
    let ok = kickoff(dir.path(), &["trigger", "settle_bets", "--at", "10m", "--idempotency-key", "k1"], &env);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let v: serde_json::Value = serde_json::from_str(stdout(&ok).trim()).unwrap();
    assert_eq!((v["outcome"].as_str(), v["queue"].as_str()), (Some("queued"), Some("settle")));
    let dup = kickoff(dir.path(), &["trigger", "settle_bets", "--idempotency-key", "k1"], &env);
    assert!(stdout(&dup).contains(r#""outcome":"duplicate""#), "{}", stdout(&dup));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &env);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let settle = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "settle").unwrap();
    assert_eq!(settle["scheduled"], 1);
    // Leave nothing behind.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let q = jobs::redis_queue::RedisQueues::new(
            jobs::redis_queue::connect(&redis_url()).await.unwrap(),
            prefix.clone(),
        );
        q.flush_all().await.unwrap();
    });
}

#[test]
fn queue_commands_work_on_the_embedded_queue() {
    // Embedded defaults: the queue lives in ./kickoff.db beside the data.
    let dir = tempfile::tempdir().unwrap();
    let ok = kickoff(dir.path(), &["trigger", "settle_bets", "--at", "10m", "--idempotency-key", "k1"], &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains(r#""outcome":"queued""#), "{}", stdout(&ok));
    let dup = kickoff(dir.path(), &["trigger", "settle_bets", "--idempotency-key", "k1"], &[]);
    assert!(stdout(&dup).contains(r#""outcome":"duplicate""#), "{}", stdout(&dup));
    let now = kickoff(dir.path(), &["trigger", "settle_bets"], &[]);
    assert!(now.status.success(), "{}", stderr(&now));
    let paused = kickoff(dir.path(), &["queues", "pause", "settle"], &[]);
    assert!(paused.status.success(), "{}", stderr(&paused));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &[]);
    assert!(stats.status.success(), "{}", stderr(&stats));
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let settle = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "settle").unwrap();
    assert_eq!((settle["scheduled"].as_u64(), settle["pending"].as_u64()), (Some(1), Some(1)), "{settle}");
    assert_eq!(settle["paused"], true);
    let resumed = kickoff(dir.path(), &["queues", "resume", "settle"], &[]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let settle = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "settle").unwrap();
    assert_eq!(settle["paused"], false);
    let drained = kickoff(dir.path(), &["queues", "drain", "settle"], &[]);
    assert!(stdout(&drained).contains("drained settle: 2 waiting job(s) deleted"), "{}", stdout(&drained));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let settle = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "settle").unwrap();
    assert_eq!((settle["scheduled"].as_u64(), settle["pending"].as_u64()), (Some(0), Some(0)), "{settle}");
    let unknown = kickoff(dir.path(), &["queues", "drain", "nowhere"], &[]);
    assert!(
        !unknown.status.success() && stderr(&unknown).contains("unknown queue `nowhere`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn replay_queues_the_matching_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let out = kickoff(dir.path(), &["replay", "--source", "sofascore", "--since", "7d"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 snapshot(s) of `sofascore` queued"), "{}", stdout(&out));
    // The demo stores three football-data snapshots; replaying them queues three jobs.
    let demo = kickoff(dir.path(), &["demo"], &[]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let out = kickoff(dir.path(), &["replay", "--source", "football-data"], &[]);
    assert!(stdout(&out).contains("3 snapshot(s) of `football-data` queued"), "{}", stdout(&out));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let process = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "process").unwrap();
    assert_eq!(process["pending"], 3, "{process}");
    let bad = kickoff(dir.path(), &["replay", "--source", "x", "--since", "last tuesday"], &[]);
    assert!(!bad.status.success() && stderr(&bad).contains("--since"), "{}", stderr(&bad));
}

#[test]
fn dlq_commands_list_show_requeue_delete_and_purge() {
    let redis = redis_url();
    use jobs::catalogue::Probe;
    use jobs::{AnyJob, AttemptError, Envelope};
    use migration::{Migrator, MigratorTrait};

    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("kickoff.db").display());
    let prefix = format!("{}:", entities::testing::unique_name("kickoff_cli_dlq"));
    let _cleanup = jobs::testing::PrefixGuard::new(redis_url(), prefix.clone());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = entities::DatabaseSettings {
            url: entities::secret::ConnUrl::new(db_url.clone()),
            ..Default::default()
        };
        let db = entities::connect(&settings).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        for (i, (tag, error, days)) in
            [("a", "connection refused", 0), ("b", "parse error", 0), ("c", "connection reset", 10)]
                .iter()
                .enumerate()
        {
            let env = Envelope::new(&AnyJob::Probe(Probe { tag: tag.to_string(), ..Probe::default() }));
            let at = chrono::Utc::now() - chrono::Duration::days(*days);
            let err = AttemptError {
                attempt: 1,
                error: error.to_string(),
                permanent: i == 1,
                started_at: at,
                failed_at: at,
                worker: "w".into(),
            };
            jobs::dead_letters::record(&db, "maintenance", &env, err).await.unwrap();
        }
    });
    let env = [
        ("KICKOFF__DATABASE__URL", db_url.as_str()),
        ("KICKOFF__QUEUE__URL", redis.as_str()),
        ("KICKOFF__QUEUE__PREFIX", prefix.as_str()),
    ];
    let list = kickoff(dir.path(), &["dlq", "list", "--error-contains", "CONNECTION"], &env);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert_eq!(text.lines().count(), 3, "header + 2 letters:\n{text}");
    assert!(
        text.contains("connection refused")
            && text.contains("connection reset")
            && !text.contains("parse error")
    );

    let show = kickoff(dir.path(), &["dlq", "show", "2"], &env);
    let letter: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap();
    assert_eq!(letter["errors"][0]["error"], "parse error");
    assert_eq!(letter["payload"]["tag"], "b");

    // Requeue every "connection" letter with an edited payload.
    let requeue = kickoff(
        dir.path(),
        &[
            "dlq",
            "requeue",
            "--all-matching",
            "--error-contains",
            "connection",
            "--args",
            r#"{"tag":"fixed"}"#,
        ],
        &env,
    );
    assert!(requeue.status.success(), "{}", stderr(&requeue));
    assert_eq!(stdout(&requeue).matches("requeued").count(), 2, "{}", stdout(&requeue));
    let stats = kickoff(dir.path(), &["queues", "stats", "--json"], &env);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    let maint = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "maintenance").unwrap();
    assert_eq!(maint["pending"], 2);
    let after = kickoff(dir.path(), &["dlq", "list"], &env);
    assert_eq!(stdout(&after).lines().count(), 2, "only the parse error is left:\n{}", stdout(&after));
    let all = kickoff(dir.path(), &["dlq", "list", "--all"], &env);
    assert_eq!(stdout(&all).matches("(requeued)").count(), 2);

    let purge = kickoff(dir.path(), &["dlq", "purge", "--older-than", "7d"], &env);
    assert_eq!(stdout(&purge).trim(), "purged 1");
    let delete = kickoff(dir.path(), &["dlq", "delete", "2"], &env);
    assert_eq!(stdout(&delete).trim(), "deleted 1");
    let bad = kickoff(dir.path(), &["dlq", "requeue", "1", "--args", "{not json"], &env);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--args is not valid JSON"), "{}", stderr(&bad));
}

#[test]
fn scheduler_refuses_a_bad_file_naming_entry_and_field() {
    let redis = redis_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schedules.toml");
    std::fs::write(
        &file,
        "[[schedule]]\nname = \"nightly\"\ncron = \"0 0 3 * * *\"\njob = { kind = \"settle_bets\" }\n\n\
         [[schedule]]\nname = \"broken\"\ncron = \"0 61 * * * *\"\njob = { kind = \"settle_bets\" }\n",
    )
    .unwrap();
    let env = [("KICKOFF__QUEUE__URL", redis.as_str())];
    let out = kickoff(dir.path(), &["scheduler", "--file", file.to_str().unwrap(), "--list"], &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("entry `broken`, field `cron`"), "{}", stderr(&out));
    // The repository's own table is valid and lists every entry with a next fire time.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("schedules.toml");
    let prefix = format!("{}:", entities::testing::unique_name("kickoff_cli_sched"));
    let _cleanup = jobs::testing::PrefixGuard::new(redis_url(), prefix.clone());
    let env = [("KICKOFF__QUEUE__URL", redis.as_str()), ("KICKOFF__QUEUE__PREFIX", prefix.as_str())];
    let list = kickoff(dir.path(), &["scheduler", "--file", repo.to_str().unwrap(), "--list"], &env);
    assert!(list.status.success(), "{}", stderr(&list));
    let table = stdout(&list);
    for name in [
        "collect_results",
        "run_inference",
        "settle_bets",
        "retrain",
        "dead_letter_retention",
        "vacuum_queue",
    ] {
        let row =
            table.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} missing:\n{table}"));
        assert!(row.contains("T") && row.contains("+00:00"), "no next fire time: {row}");
    }
}

#[test]
fn backtest_train_and_models_on_the_sample_seasons() {
    let dir = tempfile::tempdir().unwrap();
    let imported = kickoff(
        dir.path(),
        &["import", "football-data", &sample("E0_2022-23.csv"), &sample("E0_2023-24.csv")],
        &[],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));

    let (json, html) = (dir.path().join("bt.json"), dir.path().join("bt.html"));
    let bt = kickoff(
        dir.path(),
        &[
            "backtest",
            "--test-seasons",
            "2023-24",
            "--json",
            json.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
        &[],
    );
    assert!(bt.status.success(), "{}", stderr(&bt));
    let text = stdout(&bt);
    for model in [
        "ensemble",
        "dixon_coles",
        "elo",
        "learned",
        "poisson",
        "pi_ratings",
        "bivariate",
        "xg_ratings",
        "market_avg_closing",
        "pinnacle_closing_shin",
    ] {
        assert!(text.lines().any(|l| l.starts_with(model)), "{model} missing:\n{text}");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let pooled = report["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["model"] == "ensemble" && s["league"] == "all");
    let n = pooled.unwrap()["scores"]["n"].as_u64().unwrap();
    assert!(n > 300, "{n} matches scored of 380");
    let page = std::fs::read_to_string(&html).unwrap();
    // Calibration and profit; then the rule's profit band and CLV spread when it bet.
    let rule_bets = report["value_rule"]["test"]["bets"].as_u64().unwrap();
    let plots = if rule_bets > 0 { 4 } else { 2 };
    assert_eq!(page.matches("<svg").count(), plots, "{rule_bets} rule bets");
    let verdict = report["value_rule"]["verdict"].as_str().unwrap();
    assert!(page.contains("<h2>Value-bet rule</h2>") && page.contains(verdict), "{verdict}");
    assert!(page.contains("<td>2023-24</td>"), "the rule chosen before the test season");

    let bad = kickoff(dir.path(), &["backtest", "--test-seasons", "1999-00"], &[]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("no finished match of the test seasons"), "{}", stderr(&bad));

    let none = kickoff(dir.path(), &["models", "list"], &[]);
    assert!(stdout(&none).contains("No version"), "{}", stdout(&none));
    for _ in 0..2 {
        let t = kickoff(dir.path(), &["train", "--as-of", "2024-05-01", "--no-search"], &[]);
        assert!(t.status.success(), "{}", stderr(&t));
    }
    let list = stdout(&kickoff(dir.path(), &["models", "list"], &[]));
    assert!(list.lines().any(|l| l.starts_with("v2") && l.contains("yes")), "{list}");
    let rolled = kickoff(dir.path(), &["models", "rollback"], &[]);
    assert!(stdout(&rolled).contains("kickoff v1 is active"), "{}", stdout(&rolled));
    let missing = kickoff(dir.path(), &["models", "activate", "v7"], &[]);
    assert!(
        !missing.status.success() && stderr(&missing).contains("no version `v7`"),
        "{}",
        stderr(&missing)
    );
}

/// Runs `kickoff` until its stderr shows `until` (then it is killed), or until it exits,
/// for at most a minute: whether it exited by itself with an error, and its stderr so far.
fn kickoff_until(dir: &Path, args: &[&str], env: &[(&str, &str)], until: Option<&str>) -> (bool, String) {
    use std::io::BufRead;
    use std::sync::mpsc::RecvTimeoutError;
    let mut child = command(dir, args, env)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kickoff");
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut text = String::new();
    let exited = loop {
        match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
                if until.is_some_and(|u| line.contains(u)) {
                    break false;
                }
            }
            // stderr closed: the process is exiting.
            Err(RecvTimeoutError::Disconnected) => {
                break child.wait().unwrap().code().is_some_and(|c| c != 0);
            }
            Err(RecvTimeoutError::Timeout) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    (exited, text)
}

/// `kickoff worker` and `kickoff scheduler` (the roles that keep jobs in Redis) on a
/// Redis of the test's own started with `args`, in environment `env_name`: for each
/// role, whether it exited by itself, and its stderr up to `until` or its exit.
fn roles_on_redis(args: &[&str], env_name: &str, until: Option<&str>) -> Vec<(&'static str, bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let redis = jobs::testing::OwnRedis::start(dir.path(), args);
    let url = redis.url();
    let schedules = Path::new(env!("CARGO_MANIFEST_DIR")).join("schedules.toml").display().to_string();
    let env = [("KICKOFF__QUEUE__URL", url.as_str()), ("KICKOFF_ENV", env_name)];
    let roles: [(&str, Vec<&str>); 2] = [
        ("worker", vec!["worker", "--queues", "settle"]),
        ("scheduler", vec!["scheduler", "--file", &schedules]),
    ];
    roles
        .into_iter()
        .map(|(role, args)| {
            let (exited, text) = kickoff_until(dir.path(), &args, &env, until);
            (role, exited, text)
        })
        .collect()
}

#[test]
fn workers_and_schedulers_refuse_a_redis_that_may_drop_jobs() {
    // An eviction policy can delete queued jobs at any time: refused everywhere.
    let lru = ["--maxmemory-policy", "allkeys-lru", "--appendonly", "yes"];
    for (role, exited, text) in roles_on_redis(&lru, "test", None) {
        assert!(exited && text.contains("maxmemory-policy is `allkeys-lru`"), "{role}: {text}");
    }
    // Nothing on disk: a restart drops every job. Refused in production, ...
    let bare = ["--save", "", "--appendonly", "no"];
    for (role, exited, text) in roles_on_redis(&bare, "production", None) {
        assert!(exited && text.contains("Redis keeps nothing on disk"), "{role}: {text}");
    }
    // ... a warning elsewhere, and the role goes on (it logs the server it uses).
    for (role, exited, text) in roles_on_redis(&bare, "test", Some("Redis server")) {
        assert!(!exited && text.contains("Redis keeps nothing on disk"), "{role}: {text}");
    }
    // AOF and noeviction: no complaint.
    for (role, exited, text) in roles_on_redis(&["--appendonly", "yes"], "production", Some("Redis server")) {
        assert!(!exited && !text.contains("keeps nothing") && text.contains("run_id"), "{role}: {text}");
    }
}

#[test]
fn queues_stats_names_the_redis_run_id_which_a_restart_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut redis = jobs::testing::OwnRedis::start(dir.path(), &["--appendonly", "yes"]);
    let url = redis.url();
    let env = [("KICKOFF__QUEUE__URL", url.as_str())];
    let run_id = || {
        let out = kickoff(dir.path(), &["queues", "stats", "--json"], &env);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["redis"]["maxmemory_policy"], "noeviction", "{v}");
        assert_eq!(v["redis"]["aof"], true, "{v}");
        v["redis"]["run_id"].as_str().unwrap().to_owned()
    };
    let before = run_id();
    assert_eq!(before.len(), 40, "{before}");
    assert_eq!(run_id(), before, "the same server");
    let text = stdout(&kickoff(dir.path(), &["queues", "stats"], &env));
    assert!(text.contains(&format!("run_id {before}")) && text.contains("persistence AOF"), "{text}");
    redis.restart();
    assert_ne!(run_id(), before, "a restarted Redis has a new run id");
}

/// Every migration the schema has, so `fresh` is checked against all of them.
fn migrations() -> usize {
    use migration::MigratorTrait;
    migration::Migrator::migrations().len()
}
