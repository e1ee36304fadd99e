//! The browser fetcher in real headless Chromium (CI installs `chromium` and
//! `chromium-driver`): a fixtures page whose rows exist only after its script renders
//! them from embedded JSON is fetched, waited for and parsed into exactly the 400
//! expected rows; a selector that never appears is a network error and the fetcher
//! goes on with a fresh session.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jobs::Classify;
use std::time::Duration;

use poem::web::Html;
use poem::{Route, get, handler};
use sources::fixture_list::parse_fixtures_page;
use workers::scrape::fetch::{BrowserFetcher, FetchError, FetchRequest, Fetcher};
use workers::settings::ScrapeSettings;

const EXPECTED: &str = include_str!("../../data/pages/bench/fixtures_expected.json");

/// The page: an empty container, the data as JSON, and a script that renders the rows
/// in the fixture-list markup, grouped by league in order of appearance.
const PAGE: &str = r#"<!doctype html><html><head><title>Fixtures</title></head><body>
<div id="app">Loading…</div>
<script id="data" type="application/json">__DATA__</script>
<script>
  setTimeout(function () {
    const rows = JSON.parse(document.getElementById('data').textContent);
    const app = document.getElementById('app');
    app.textContent = '';
    const blocks = new Map();
    for (const r of rows) {
      if (!blocks.has(r.league)) {
        const block = document.createElement('div');
        block.className = 'league-block';
        block.innerHTML = '<h2 class="league-name"></h2><table class="fixtures"><tbody></tbody></table>';
        block.querySelector('h2').textContent = r.league;
        app.appendChild(block);
        blocks.set(r.league, block.querySelector('tbody'));
      }
      const tr = document.createElement('tr');
      tr.className = 'match-row';
      tr.dataset.id = r.id;
      tr.dataset.status = r.status;
      const score = r.home_score === null ? '-' : r.home_score + ' - ' + r.away_score;
      tr.innerHTML = '<td class="time"><time></time></td><td class="status"></td>' +
        '<td class="team home"><a></a></td><td class="score"></td><td class="team away"><a></a></td>' +
        '<td class="odds"></td><td class="more"><a>Details</a></td>';
      tr.querySelector('time').setAttribute('datetime', r.kickoff);
      tr.querySelector('time').textContent = r.kickoff.slice(11, 16);
      tr.querySelector('.status').textContent = r.status;
      tr.querySelector('.home a').textContent = r.home;
      tr.querySelector('.away a').textContent = r.away;
      tr.querySelector('.score').textContent = score;
      for (const o of r.odds) {
        const s = document.createElement('span');
        s.className = 'odd';
        s.textContent = o.toFixed(2);
        tr.querySelector('.odds').appendChild(s);
      }
      tr.querySelector('.more a').setAttribute('href', r.url);
      blocks.get(r.league).appendChild(tr);
    }
    document.body.dataset.rendered = 'yes';
  }, 200);
</script></body></html>"#;

#[handler]
fn fixtures() -> Html<String> {
    Html(PAGE.replace("__DATA__", EXPECTED))
}

async fn site() -> String {
    common::http::serve(Route::new().at("/fixtures", get(fixtures))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_rendered_page_is_scraped_through_chromium() {
    let base = site().await;
    let settings = ScrapeSettings {
        browser_wait_secs: 5,
        browser_sessions: 1,
        allowed_urls: vec![base.clone()],
        ..ScrapeSettings::default()
    };
    let browser = BrowserFetcher::start(settings, None)
        .await
        .expect("chromedriver and chromium (apt: chromium chromium-driver)");
    let url = format!("{base}/fixtures");

    // Without the browser the rows are not there: the server sends none.
    let raw = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(parse_fixtures_page("raw", raw.as_bytes()).is_err());

    let req = FetchRequest {
        wait_for: Some("body[data-rendered='yes'] tr.match-row".into()),
        ..FetchRequest::get(url.clone())
    };
    let page = browser.fetch(&req).await.unwrap();
    let rows = parse_fixtures_page(&url, &page.body).unwrap();
    let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    assert_eq!(serde_json::to_value(&rows).unwrap(), expected);

    // A selector that never appears: a typed error, and the next fetch works on a new session.
    let missing = FetchRequest { wait_for: Some("table#never".into()), ..FetchRequest::get(url.clone()) };
    let err = browser.fetch(&missing).await.unwrap_err();
    assert!(
        matches!(&err, FetchError::Network { message, .. } if message.contains("table#never")),
        "{err:?}"
    );
    let again = tokio::time::timeout(Duration::from_secs(60), browser.fetch(&req)).await.unwrap().unwrap();
    assert_eq!(parse_fixtures_page(&url, &again.body).unwrap().len(), 400);

    // The browser keeps to the fetch allowlist too.
    let elsewhere = browser.fetch(&FetchRequest::get("http://169.254.169.254/latest/meta-data/")).await;
    assert!(matches!(&elsewhere, Err(e @ FetchError::NotAllowed(_)) if !e.is_transient()), "{elsewhere:?}");
    browser.shutdown().await;
}

/// Sky Sports' recorded league table (see `data/pages/SOURCES.md`), put into the page by
/// its script after load: the server sends no table at all.
const SKY_TABLE: &str = include_str!("../../data/pages/skysports/premier-league-table.html");
const ROWS: &str = "table.standing-table__table tbody tr.standing-table__row";

#[handler]
fn scripted_table() -> Html<String> {
    // `</` escaped: the recorded page's own `</script>` must not end this script.
    let markup = serde_json::to_string(SKY_TABLE).unwrap().replace("</", "<\\/");
    Html(format!(
        "<!doctype html><html><head><title>Table</title></head><body><div id=\"app\">Loading…</div>\
         <script>setTimeout(function () {{ document.getElementById('app').innerHTML = {markup}; }}, 200);</script>\
         </body></html>"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_source_is_collected_scraped_and_processed_by_the_workers() {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use entities::testing::{TestDb, unique_name};
    use jobs::catalogue::CollectFixtures;
    use jobs::embedded_queue::EmbeddedQueues;
    use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};
    use workers::runtime::{EventKind, PoolSpec, Runtime, run_pools};
    use workers::settings::{Render, SourceSettings};

    let base = common::http::serve(Route::new().at("/premier-league-table", get(scripted_table))).await;
    // Fetched plainly, the page holds no row.
    let raw = reqwest::get(format!("{base}/premier-league-table")).await.unwrap().text().await.unwrap();
    assert!(sources::skysports::parse_table("raw", raw.as_bytes()).is_err());

    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let pool = db.conn.get_sqlite_connection_pool().clone();
    let queues: QueueClient =
        EmbeddedQueues::open(pool, format!("{}:", unique_name("kickoff_browser"))).await.unwrap().into();
    let sky = SourceSettings {
        base_url: base.clone(),
        page: "table".into(),
        url: "{base}/{slug}-table".into(),
        leagues: BTreeMap::from([("E0".into(), BTreeMap::from([("slug".into(), "premier-league".into())]))]),
        render: Render::Browser,
        wait_for: Some(ROWS.into()),
    };
    let scrape = ScrapeSettings {
        browser_wait_secs: 10,
        browser_sessions: 1,
        sources: BTreeMap::from([("skysports".into(), sky)]),
        ..ScrapeSettings::default()
    };
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()).with_scrape(scrape).unwrap());
    let mut events = rt.subscribe();
    let (stop, rx) = tokio::sync::watch::channel(false);
    let specs =
        ["collect", "scrape", "process"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 1 }).to_vec();
    let pools = tokio::spawn(run_pools(rt.clone(), specs, rx, Duration::from_secs(30)));
    let collect = CollectFixtures {
        leagues: vec!["E0".into()],
        sources: vec!["skysports".into()],
        season: Some("2023-24".into()),
        date: None,
    };
    queues
        .enqueue(&Envelope::new(&AnyJob::CollectFixtures(collect)), &EnqueueOptions::default())
        .await
        .unwrap();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(120), events.recv()).await.unwrap().unwrap();
        assert_ne!(e.event, EventKind::DeadLettered, "{e:?}");
        if e.kind == "process_snapshot" && e.event == EventKind::Succeeded {
            break;
        }
    }
    let count = |sql: &str| {
        let stmt = Statement::from_string(db.conn.get_database_backend(), sql.to_owned());
        let conn = db.conn.clone();
        async move { conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() }
    };
    // The rendered DOM was stored and parsed: the table's twenty lines.
    assert_eq!(count("SELECT COUNT(*) FROM standings WHERE source = 'skysports'").await, 20);
    assert_eq!(
        count("SELECT COUNT(*) FROM scrape_snapshots WHERE body LIKE '%standing-table__row%'").await,
        1
    );
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    if let Some(browser) = rt.browser.get() {
        browser.shutdown().await;
    }
}
