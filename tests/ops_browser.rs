//! The `/ops` dashboard in real headless Chromium through thirtyfour (CI installs
//! `chromium` and `chromium-driver`): log in with an operator key, pause and resume a
//! queue with the page's buttons, run a schedule now, trigger a job from the form
//! (a validation error first), see a failing job become a dead letter, requeue it after
//! editing its payload and see it succeed, with its job page and chain; the overview
//! updates live and charts the outcomes. Each page is saved as a screenshot under
//! `target/ops-screenshots/` (the README shows them).
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use api::auth::keys;
use api::{ApiSettings, ApiState, AuthSettings};
use entities::Engine;
use entities::enums::Role;
use entities::testing::TestDb;
use jobs::QueueClient;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::schedule::Schedules;
use migration::{Migrator, MigratorTrait};
use poem::listener::{Acceptor, Listener, TcpListener};
use secrecy::SecretString;
use thirtyfour::prelude::*;
use workers::scrape::fetch::browser::{CHROMIUM_ARGS, start_chromedriver};

const SCHEDULES: &str = r#"
[[schedule]]
name = "nightly_settle"
cron = "0 0 7 * * *"
job = { kind = "settle_bets" }
"#;

fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ops-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(driver: &WebDriver, name: &str) {
    driver.screenshot(&shots_dir().join(format!("{name}.png"))).await.unwrap();
}

async fn text_of(driver: &WebDriver, css: &str) -> String {
    driver.find(By::Css(css)).await.unwrap().text().await.unwrap()
}

/// Clicks the element and waits until the browser has left the page, so the request
/// it sent has been answered before the test looks at the server's state.
async fn click(driver: &WebDriver, css: &str) {
    let page = driver.find(By::Tag("html")).await.unwrap();
    driver.find(By::Css(css)).await.unwrap().click().await.unwrap();
    page.wait_until().stale().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_steers_the_queues_from_the_dashboard_in_chromium() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let pool = db.conn.get_sqlite_connection_pool().clone();
    let queues: QueueClient = EmbeddedQueues::open(pool, "ops_browser:").await.unwrap().into();
    let auth = AuthSettings { jwt_secret: SecretString::from("browser-test-secret-of-32-bytes-or-more") };
    let state = ApiState::new(db.conn.clone())
        .with_queues(queues.clone())
        .with_schedules(Schedules::parse(SCHEDULES).unwrap())
        .with_settings(ApiSettings { rate_limit_per_minute: 0, ..ApiSettings::default() }, auth);
    // An admin: the walk ends on the audit log, which only admins read.
    let key = keys::create(&db.conn, "night-shift", Role::Admin).await.unwrap().1;
    // Workers for the maintenance queue, where the failing job of the dead-letter part runs.
    let rt = std::sync::Arc::new(workers::runtime::Runtime::new(db.conn.clone(), queues.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let spec = workers::runtime::PoolSpec { queue: "maintenance".into(), concurrency: 2 };
    let pools = tokio::spawn(workers::runtime::run_pools(rt, vec![spec], stopped, Duration::from_secs(5)));
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let base = format!("http://{}", acceptor.local_addr()[0].as_socket_addr().copied().unwrap());
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(api::app(state)).await });

    let (_chromedriver, webdriver) =
        start_chromedriver("chromedriver").await.expect("chromedriver (apt: chromium chromium-driver)");
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").unwrap();
    for arg in CHROMIUM_ARGS {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg("--window-size=1280,900").unwrap();
    let driver = WebDriver::new(&webdriver, caps).await.unwrap();
    driver.set_implicit_wait_timeout(Duration::from_secs(5)).await.unwrap();

    // Anonymous: the login page; a wrong key is refused on the page.
    driver.goto(format!("{base}/ops/")).await.unwrap();
    assert!(driver.current_url().await.unwrap().as_str().ends_with("/ops/login"));
    driver.find(By::Css("#credential")).await.unwrap().send_keys("kk_wrong").await.unwrap();
    click(&driver, "form.login button").await;
    assert!(text_of(&driver, "p.error").await.contains("Unknown, revoked or expired"));
    shot(&driver, "login").await;

    driver.find(By::Css("#credential")).await.unwrap().send_keys(&key).await.unwrap();
    click(&driver, "form.login button").await;
    assert!(text_of(&driver, "#actor").await.contains("key:night-shift (admin)"));

    // The overview follows the live stream: a job queued now shows without a reload.
    let pending = driver.find(By::Css("tr[data-queue='settle'] td.pending")).await.unwrap();
    assert_eq!(pending.text().await.unwrap(), "0");
    let settle = jobs::Envelope::new(&jobs::AnyJob::SettleBets(jobs::catalogue::SettleBets {}));
    queues.enqueue(&settle, &jobs::EnqueueOptions::default()).await.unwrap();
    within(Duration::from_secs(20), || async {
        let cell = driver.find(By::Css("tr[data-queue='settle'] td.pending")).await.ok()?;
        (cell.text().await.ok()? == "1").then_some(())
    })
    .await;

    // Pause the scrape queue with its button, see it paused, resume it.
    click(&driver, "tr[data-queue='scrape'] button").await;
    assert_eq!(text_of(&driver, "tr[data-queue='scrape'] .paused").await, "paused");
    assert!(queues.stats("scrape").await.unwrap().paused);
    shot(&driver, "queues").await;
    click(&driver, "tr[data-queue='scrape'] button").await;
    assert!(driver.find_all(By::Css("tr[data-queue='scrape'] .paused")).await.unwrap().is_empty());
    assert!(!queues.stats("scrape").await.unwrap().paused);

    // Run a schedule now: its job is queued.
    driver.goto(format!("{base}/ops/schedules")).await.unwrap();
    click(&driver, "tr[data-schedule='nightly_settle'] form[action$='/run'] button").await;
    assert_eq!(queues.stats("settle").await.unwrap().pending, 2);
    shot(&driver, "schedules").await;

    // Trigger from the form: a validation error first, then the job.
    driver.goto(format!("{base}/ops/trigger")).await.unwrap();
    let args = driver.find(By::Css("#kind-scrape_football_data textarea[name='args']")).await.unwrap();
    args.clear().await.unwrap();
    args.send_keys(r#"{"league": 7}"#).await.unwrap();
    click(&driver, "#kind-scrape_football_data button").await;
    assert!(text_of(&driver, "#kind-scrape_football_data p.error").await.contains("Invalid arguments"));
    shot(&driver, "trigger-refused").await;
    let args = driver.find(By::Css("#kind-scrape_football_data textarea[name='args']")).await.unwrap();
    args.clear().await.unwrap();
    args.send_keys(r#"{"league": "E0", "season": "2324"}"#).await.unwrap();
    click(&driver, "#kind-scrape_football_data button").await;
    assert!(text_of(&driver, "p.notice").await.starts_with("Queued scrape_football_data job"));
    assert_eq!(queues.stats("scrape").await.unwrap().pending, 1);

    // A job that fails becomes a dead letter; edit its payload, review the diff,
    // requeue it, and see the worker run it to success.
    let failing = jobs::Envelope::new(&jobs::AnyJob::Probe(jobs::catalogue::Probe {
        permanent: true,
        tag: "browser".into(),
        ..Default::default()
    }));
    queues.enqueue(&failing, &jobs::EnqueueOptions::default()).await.unwrap();
    let letter = within(Duration::from_secs(30), || async {
        let all = jobs::dead_letters::list(&db.conn, &Default::default()).await.unwrap();
        all.into_iter().find(|l| l.kind == "probe")
    })
    .await;
    driver.goto(format!("{base}/ops/dead-letters")).await.unwrap();
    assert!(text_of(&driver, "#top-errors").await.contains("probe browser fails permanently"));
    shot(&driver, "dead-letters").await;
    click(&driver, &format!("tr[data-letter='{}'] a", letter.id)).await;
    let payload = driver.find(By::Css("textarea[name='args']")).await.unwrap();
    payload.clear().await.unwrap();
    payload.send_keys(r#"{"tag": "browser", "permanent": false}"#).await.unwrap();
    click(&driver, "form[action$='/edit'] button").await;
    assert!(text_of(&driver, "#diff ins").await.contains("\"permanent\": false"));
    shot(&driver, "dead-letter-diff").await;
    click(&driver, "form[action$='/requeue'] button").await;
    let requeued = jobs::dead_letters::get(&db.conn, letter.id).await.unwrap();
    assert!(requeued.requeued_at.is_some());
    let ran = within(Duration::from_secs(30), || async {
        let journal = queues.journal("maintenance", 50).await.unwrap();
        journal.into_iter().find(|e| {
            e.event == jobs::journal::EventKind::Succeeded
                && e.args["tag"] == "browser"
                && e.args["permanent"] == false
        })
    })
    .await;

    // The job list, the job's page and its chain show the run.
    driver.goto(format!("{base}/ops/jobs?state=succeeded&kind=probe")).await.unwrap();
    shot(&driver, "jobs").await;
    click(&driver, &format!("tr[data-job='{}'] a", ran.job_id)).await;
    assert_eq!(text_of(&driver, "#state").await, "succeeded");
    assert!(text_of(&driver, "#attempts").await.contains("succeeded"));
    shot(&driver, "job").await;
    click(&driver, "a[href^='/ops/chains/']").await;
    assert!(text_of(&driver, "#chain").await.contains("succeeded"));

    // The overview charts the failure and the success.
    driver.goto(format!("{base}/ops/?range=hour")).await.unwrap();
    let caption = text_of(&driver, "figure.chart figcaption").await;
    assert!(caption.contains("1 done") && caption.contains("1 failed"), "{caption}");
    shot(&driver, "overview").await;

    driver.goto(format!("{base}/ops/audit")).await.unwrap();
    let audit = text_of(&driver, "#audit").await;
    for action in ["queue.pause", "queue.resume", "schedule.run_now", "job.trigger", "dead_letter.requeue"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    shot(&driver, "audit").await;
    driver.quit().await.unwrap();
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}

/// Polls `probe` until it yields a value; panics after `limit`.
async fn within<T, F, Fut>(limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
