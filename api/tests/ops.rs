//! The `/ops` dashboard over plain HTTP: login with an API key or a JWT becomes an
//! HttpOnly, SameSite=Strict session cookie; pages need it; every action needs the
//! session's CSRF token and operator or admin, is refused otherwise (and changes
//! nothing), and lands in the audit log.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::auth::jwt::{self, Claims};
use api::auth::keys;
use chrono::Utc;
use entities::Engine;
use entities::enums::Role;
use poem::http::header;

mod common;

use common::harness::{Harness, SECRET};

async fn harness() -> Harness {
    common::harness::harness(Engine::Sqlite).await
}

/// A JWT for `email` with `role`, expiring `exp_in` seconds from now.
fn token(email: &str, role: &str, exp_in: i64) -> String {
    common::harness::token(email, role, exp_in, SECRET)
}

fn url_encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A logged-in browser: its session cookie and the CSRF token its pages carry.
struct Login {
    cookie: String,
    csrf: String,
}

impl Harness {
    async fn key(&self, name: &str, role: Role) -> String {
        keys::create(&self.db.conn, name, role).await.unwrap().1
    }

    /// The audit log page as an admin sees it.
    async fn audit(&self) -> String {
        let admin = self.key(&format!("auditor-{}", ulid::Ulid::generate()), Role::Admin).await;
        let login = self.login(&admin).await;
        let (status, page) = self.get("/ops/audit", Some(&login.cookie)).await;
        assert_eq!(status, 200, "{page}");
        page
    }

    async fn post_login(&self, credential: &str) -> poem::test::TestResponse {
        let form = format!("credential={}", url_encode(credential));
        self.cli.post("/ops/login").content_type("application/x-www-form-urlencoded").body(form).send().await
    }

    async fn login(&self, credential: &str) -> Login {
        let resp = self.post_login(credential).await;
        resp.assert_status(poem::http::StatusCode::SEE_OTHER);
        let set = resp.0.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        assert!(set.contains("Path=/ops"), "{set}");
        let cookie = set.split(';').next().unwrap().to_owned();
        let page = self.get("/ops/", Some(&cookie)).await;
        assert_eq!(page.0, 200, "{}", page.1);
        let csrf =
            page.1.split("name=\"csrf\" value=\"").nth(1).map(|r| r.split('"').next().unwrap().to_owned());
        Login { cookie, csrf: csrf.unwrap_or_default() }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> (u16, String) {
        let mut req = self.cli.get(uri);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let resp = req.send().await;
        let status = resp.0.status().as_u16();
        (status, resp.0.into_body().into_string().await.unwrap())
    }

    async fn post(&self, uri: &str, cookie: Option<&str>, csrf: Option<&str>) -> u16 {
        let mut req = self.cli.post(uri).content_type("application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req = req.body(csrf.map(|t| format!("csrf={t}")).unwrap_or_default());
        req.send().await.0.status().as_u16()
    }

    /// POSTs a form with `fields` (URL-encoded here); returns status, Location and body.
    async fn submit(&self, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let body = fields.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&");
        let resp = self
            .cli
            .post(uri)
            .header(header::COOKIE, cookie)
            .content_type("application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let status = resp.0.status().as_u16();
        let location = resp
            .0
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, resp.0.into_body().into_string().await.unwrap())
    }

    async fn paused(&self, queue: &str) -> bool {
        self.queues.stats(queue).await.unwrap().paused
    }
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_and_cannot_act() {
    let h = harness().await;
    for page in ["/ops/", "/ops/audit"] {
        let resp = h.cli.get(page).send().await;
        resp.assert_status(poem::http::StatusCode::SEE_OTHER);
        resp.assert_header(header::LOCATION, "/ops/login");
    }
    let (status, login) = h.get("/ops/login", None).await;
    assert_eq!(status, 200);
    assert!(login.contains("name=\"credential\""));
    // An action without a session changes nothing, with or without a made-up token.
    assert_eq!(h.post("/ops/queues/scrape/pause", None, None).await, 303);
    assert_eq!(h.post("/ops/queues/scrape/pause", None, Some("forged")).await, 303);
    assert!(!h.paused("scrape").await);
    // A cookie that was not issued by the server is no session.
    let forged = "kickoff_ops=eyJvcGVyYXRvciI6eyJhY3RvciI6ImtleTp4Iiwicm9sZSI6ImFkbWluIn19";
    assert_eq!(h.get("/ops/", Some(forged)).await.0, 303);
    assert_eq!(h.post("/ops/queues/scrape/pause", Some(forged), Some("x")).await, 303);
    assert!(!h.paused("scrape").await);
}

/// Signed-up end users (Supabase's `authenticated`, a member key) get no dashboard at
/// all; only `app_metadata.role` set by the project makes one a reader.
#[tokio::test]
async fn end_users_cannot_log_in_and_only_admins_read_the_audit_log() {
    let h = harness().await;
    let member_key = h.key("site-user", Role::Member).await;
    let member_jwt = token("fan@example.com", "authenticated", 3_600);
    for credential in [member_key.as_str(), member_jwt.as_str()] {
        let resp = h.post_login(credential).await;
        resp.assert_status(poem::http::StatusCode::FORBIDDEN);
        assert!(resp.0.headers().get(header::SET_COOKIE).is_none());
        let body = resp.0.into_body().into_string().await.unwrap();
        assert!(body.contains("no access to the operator dashboard"), "{body}");
    }
    // The project's own app_metadata grants the reader role to a signed-up user.
    let claims = Claims {
        sub: "5a1e-staff".into(),
        email: Some("staff@example.com".into()),
        role: Some("authenticated".into()),
        exp: Utc::now().timestamp() + 3_600,
        app_metadata: Some(jwt::AppMetadata { role: Some("reader".into()) }),
    };
    let staff = h.login(&jwt::sign(&claims, SECRET.as_bytes()).unwrap()).await;
    assert_eq!(h.get("/ops/jobs", Some(&staff.cookie)).await.0, 200);
    // The audit log: readers and operators are refused, admins read it.
    let operator = h.login(&h.key("day-shift", Role::Operator).await).await;
    for who in [&staff, &operator] {
        let (status, page) = h.get("/ops/audit", Some(&who.cookie)).await;
        assert_eq!(status, 403, "{page}");
        let (_, overview) = h.get("/ops/", Some(&who.cookie)).await;
        assert!(!overview.contains("href=\"/ops/audit\""), "no audit link: {overview}");
    }
    let page = h.audit().await;
    assert!(page.contains("id=\"audit\""), "{page}");
}

#[tokio::test]
async fn bad_credentials_are_refused_at_login() {
    let h = harness().await;
    let key = h.key("gone", Role::Operator).await;
    keys::revoke(&h.db.conn, "gone").await.unwrap();
    let expired = token("x@example.com", "service_role", -3_600);
    for credential in [key.as_str(), "kk_0000", expired.as_str(), "not-a-token"] {
        let resp = h.post_login(credential).await;
        resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
        assert!(resp.0.headers().get(header::SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn a_login_ends_when_its_key_is_revoked_or_its_token_expires() {
    let h = harness().await;
    let key = h.key("leaver", Role::Operator).await;
    let login = h.login(&key).await;
    keys::revoke(&h.db.conn, "leaver").await.unwrap();
    // The next request, page or action, finds the key revoked and ends the login.
    assert_eq!(h.post("/ops/queues/scrape/pause", Some(&login.cookie), Some(&login.csrf)).await, 303);
    assert!(!h.paused("scrape").await);
    assert_eq!(h.get("/ops/", Some(&login.cookie)).await.0, 303);

    // A JWT login lasts no longer than the token.
    let short = token("brief@example.com", "service_role", 2);
    let login = h.login(&short).await;
    assert_eq!(h.get("/ops/", Some(&login.cookie)).await.0, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.get("/ops/", Some(&login.cookie)).await.0 == 200 {
        assert!(std::time::Instant::now() < deadline, "the login outlived its token");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(h.get("/ops/", Some(&login.cookie)).await.0, 303);
}

#[tokio::test]
async fn an_oversized_form_is_refused_unread() {
    let h = harness().await;
    let huge = format!("credential={}", "k".repeat(2 << 20));
    let resp =
        h.cli.post("/ops/login").content_type("application/x-www-form-urlencoded").body(huge).send().await;
    resp.assert_status(poem::http::StatusCode::PAYLOAD_TOO_LARGE);
    assert!(resp.0.headers().get(header::SET_COOKIE).is_none());
    // An ordinary login still goes through.
    let key = h.key("ok", Role::Operator).await;
    h.login(&key).await;
}

#[tokio::test]
async fn an_operator_pauses_and_resumes_with_the_csrf_token_and_it_is_audited() {
    let h = harness().await;
    let key = h.key("night-shift", Role::Operator).await;
    let login = h.login(&key).await;
    assert!(!login.csrf.is_empty(), "the page carries a CSRF token");
    let (_, page) = h.get("/ops/", Some(&login.cookie)).await;
    assert!(page.contains("key:night-shift (operator)"), "{page}");
    assert!(page.contains("action=\"/ops/queues/scrape/pause\""), "{page}");

    // Without the token, or with a wrong one: refused, nothing changes.
    assert_eq!(h.post("/ops/queues/scrape/pause", Some(&login.cookie), None).await, 403);
    assert_eq!(h.post("/ops/queues/scrape/pause", Some(&login.cookie), Some("0000")).await, 403);
    assert!(!h.paused("scrape").await);

    assert_eq!(h.post("/ops/queues/scrape/pause", Some(&login.cookie), Some(&login.csrf)).await, 303);
    assert!(h.paused("scrape").await);
    let (_, page) = h.get("/ops/", Some(&login.cookie)).await;
    assert!(page.contains("action=\"/ops/queues/scrape/resume\""), "{page}");
    assert_eq!(h.post("/ops/queues/scrape/resume", Some(&login.cookie), Some(&login.csrf)).await, 303);
    assert!(!h.paused("scrape").await);
    assert_eq!(h.post("/ops/queues/nowhere/pause", Some(&login.cookie), Some(&login.csrf)).await, 404);

    let audit = h.audit().await;
    let pause = audit.find("queue.pause").expect("pause audited");
    let resume = audit.find("queue.resume").expect("resume audited");
    assert!(resume < pause, "newest first");
    assert_eq!(audit.matches("<td>key:night-shift</td>").count(), 2, "{audit}");

    // Logging out needs the token too; then the cookie is no session.
    assert_eq!(h.post("/ops/logout", Some(&login.cookie), None).await, 403);
    let resp = h
        .cli
        .post("/ops/logout")
        .header(header::COOKIE, &login.cookie)
        .content_type("application/x-www-form-urlencoded")
        .body(format!("csrf={}", login.csrf))
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::SEE_OTHER);
    let cleared = resp.0.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    let after = cleared.split(';').next().unwrap();
    assert_eq!(h.get("/ops/", Some(after)).await.0, 303);
}

#[tokio::test]
async fn an_operator_runs_a_schedule_now_and_disables_it() {
    let h = harness().await;
    let login = h.login(&h.key("ops", Role::Operator).await).await;
    let (status, page) = h.get("/ops/schedules", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-schedule=\"settle\"") && page.contains("0 */15 * * * *"), "{page}");
    assert_eq!(h.post("/ops/schedules/settle/run", Some(&login.cookie), None).await, 403);
    assert_eq!(h.queues.stats("settle").await.unwrap().pending, 0);

    assert_eq!(h.post("/ops/schedules/settle/run", Some(&login.cookie), Some(&login.csrf)).await, 303);
    assert_eq!(h.queues.stats("settle").await.unwrap().pending, 1, "the run queued the schedule's job");
    assert_eq!(h.post("/ops/schedules/settle/disable", Some(&login.cookie), Some(&login.csrf)).await, 303);
    let (_, page) = h.get("/ops/schedules", Some(&login.cookie)).await;
    // The settle row now offers to enable it (the harness's `probe` entry starts disabled).
    assert!(page.contains("/ops/schedules/settle/enable"), "{page}");
    assert_eq!(h.post("/ops/schedules/nope/run", Some(&login.cookie), Some(&login.csrf)).await, 404);
    let audit = h.audit().await;
    assert!(audit.contains("schedule.run_now") && audit.contains("schedule.disable"), "{audit}");
}

#[tokio::test]
async fn the_trigger_form_checks_the_arguments_against_the_schema_and_queues_the_job() {
    let h = harness().await;
    let login = h.login(&h.key("ops", Role::Operator).await).await;
    let (status, page) = h.get("/ops/trigger", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    for kind in ["collect_results", "scrape_football_data", "maintenance", "run_inference"] {
        assert!(page.contains(&format!("data-kind=\"{kind}\"")), "{kind}");
    }
    // The form is built from the schema: its fields, and the required ones pre-filled.
    let section = page.split("data-kind=\"scrape_football_data\"").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    assert!(section.contains("<code>league</code>") && section.contains("Division code"), "{section}");
    assert!(section.contains("&quot;league&quot;: &quot;&quot;"), "{section}");

    let uri = "/ops/trigger/scrape_football_data";
    let (status, _, page) =
        h.submit(uri, &login.cookie, &[("csrf", &login.csrf), ("args", r#"{"league": 5}"#)]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Invalid arguments"), "{page}");
    assert!(page.contains("{&quot;league&quot;: 5}"), "the refused arguments stay in the form: {page}");
    let (status, _, page) = h.submit(uri, &login.cookie, &[("csrf", &login.csrf), ("args", "{nope")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("The arguments are not JSON"), "{page}");
    let bad_time =
        [("csrf", login.csrf.as_str()), ("args", r#"{"league":"E0","season":"2324"}"#), ("run_at", "soon")];
    let (status, _, page) = h.submit(uri, &login.cookie, &bad_time).await;
    assert_eq!(status, 422);
    assert!(page.contains("is not an RFC 3339 time"), "{page}");
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 0);

    let good = [("csrf", login.csrf.as_str()), ("args", r#"{"league":"E0","season":"2324"}"#)];
    assert_eq!(
        h.submit(uri, &login.cookie, &good[..1]).await.0,
        422,
        "empty arguments miss the required fields"
    );
    let (status, location, _) = h.submit(uri, &login.cookie, &good).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/ops/trigger?kind=scrape_football_data&queued="), "{location}");
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
    let (_, page) = h.get(&location, Some(&login.cookie)).await;
    assert!(page.contains("Queued scrape_football_data job"), "{page}");
    let audit = h.audit().await;
    assert!(audit.contains("job.trigger"), "{audit}");
    // Without the token: refused, nothing queued.
    let (status, _, _) = h.submit(uri, &login.cookie, &good[1..]).await;
    assert_eq!(status, 403);
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
}

/// A dead letter of a `scrape_football_data` job whose two attempts met `error`.
async fn dead_letter(h: &Harness, season: &str, error: &str) -> i64 {
    let job = jobs::AnyJob::ScrapeFootballData(jobs::catalogue::ScrapeFootballData {
        league: "E0".into(),
        season: season.into(),
    });
    let mut envelope = jobs::Envelope::new(&job);
    envelope.attempt = 2;
    let now = Utc::now();
    let attempt = |n: u32| jobs::AttemptError {
        attempt: n,
        error: error.into(),
        permanent: n == 2,
        started_at: now,
        failed_at: now,
        worker: "host-a-scrape-1".into(),
    };
    envelope.errors.push(attempt(1));
    jobs::dead_letters::record(&h.db.conn, "scrape", &envelope, attempt(2)).await.unwrap().id
}

#[tokio::test]
async fn dead_letters_are_grouped_filtered_edited_with_a_diff_requeued_and_deleted() {
    let h = harness().await;
    let login = h.login(&h.key("ops", Role::Operator).await).await;
    let bad = dead_letter(&h, "9999", "HTTP 404 for /9999/E0.csv").await;
    let other = dead_letter(&h, "2223", "connection reset").await;
    let third = dead_letter(&h, "2122", "connection reset").await;

    let (status, page) = h.get("/ops/dead-letters", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    let top = page.split("id=\"top-errors\"").nth(1).unwrap().split("</table>").next().unwrap();
    let reset = top.find("connection reset").unwrap();
    assert!(reset < top.find("HTTP 404").unwrap(), "the commonest error first: {top}");
    assert!(page.contains(&format!("data-letter=\"{bad}\"")) && page.contains("3 letter(s)"), "{page}");
    let (_, filtered) = h.get("/ops/dead-letters?error=404&queue=scrape", Some(&login.cookie)).await;
    assert!(
        filtered.contains("1 letter(s)") && filtered.contains(&format!("data-letter=\"{bad}\"")),
        "{filtered}"
    );
    let (_, none) = h.get("/ops/dead-letters?kind=settle_bets", Some(&login.cookie)).await;
    assert!(none.contains("0 letter(s)"), "{none}");

    let (status, detail) = h.get(&format!("/ops/dead-letters/{bad}"), Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(detail.contains("host-a-scrape-1") && detail.matches("HTTP 404").count() >= 2, "{detail}");
    assert_eq!(h.get("/ops/dead-letters/999999", Some(&login.cookie)).await.0, 404);

    // Edit: refused edits come back with the reason; a good one shows the diff first.
    let edit = format!("/ops/dead-letters/{bad}/edit");
    let (status, _, page) = h.submit(&edit, &login.cookie, &[("csrf", &login.csrf), ("args", "{oops")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("The payload is not JSON"), "{page}");
    let wrong = [("csrf", login.csrf.as_str()), ("args", r#"{"league": 1, "season": "2324"}"#)];
    assert_eq!(h.submit(&edit, &login.cookie, &wrong).await.0, 422);
    let fixed = [("csrf", login.csrf.as_str()), ("args", r#"{"league": "E0", "season": "2324"}"#)];
    let (status, _, diff) = h.submit(&edit, &login.cookie, &fixed).await;
    assert_eq!(status, 200);
    assert!(
        diff.contains("<del>-") && diff.contains("9999") && diff.contains("<ins>+") && diff.contains("2324"),
        "{diff}"
    );
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 0, "reviewing requeues nothing");

    let requeue = format!("/ops/dead-letters/{bad}/requeue");
    let args = r#"{"league": "E0", "season": "2324"}"#;
    assert_eq!(h.submit(&requeue, &login.cookie, &[("args", args)]).await.0, 403, "no token");
    let (status, location, _) =
        h.submit(&requeue, &login.cookie, &[("csrf", &login.csrf), ("args", args)]).await;
    assert_eq!((status, location.as_str()), (303, "/ops/dead-letters"));
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
    let letter = jobs::dead_letters::get(&h.db.conn, bad).await.unwrap();
    assert!(letter.requeued_at.is_some());
    assert_eq!(letter.payload["season"], "2324");

    // Delete one; then delete every letter matching a filter.
    let del = format!("/ops/dead-letters/{other}/delete");
    assert_eq!(h.submit(&del, &login.cookie, &[("csrf", &login.csrf)]).await.0, 303);
    assert!(jobs::dead_letters::get(&h.db.conn, other).await.is_err());
    let bulk = [("csrf", login.csrf.as_str()), ("queue", ""), ("kind", ""), ("error", "reset")];
    assert_eq!(h.submit("/ops/dead-letters/bulk/delete", &login.cookie, &bulk).await.0, 303);
    assert!(jobs::dead_letters::get(&h.db.conn, third).await.is_err());
    let audit = h.audit().await;
    for action in ["dead_letter.requeue", "dead_letter.delete", "dead_letter.bulk_delete"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

#[tokio::test]
async fn a_reader_sees_everything_and_can_change_nothing() {
    let h = harness().await;
    let login = h.login(&token("ada@example.com", "reader", 3_600)).await;
    let (status, page) = h.get("/ops/", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(page.contains("jwt:ada@example.com (reader)"), "{page}");
    assert!(page.contains("data-queue=\"scrape\""), "{page}");
    assert!(!page.contains("/pause\""), "no action buttons for a reader: {page}");
    assert_eq!(h.post("/ops/queues/scrape/pause", Some(&login.cookie), Some(&login.csrf)).await, 403);
    assert!(!h.paused("scrape").await);
    let (status, schedules) = h.get("/ops/schedules", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(schedules.contains("data-schedule=\"settle\"") && !schedules.contains("Run now"), "{schedules}");
    assert_eq!(h.post("/ops/schedules/settle/run", Some(&login.cookie), Some(&login.csrf)).await, 403);
    assert_eq!(h.queues.stats("settle").await.unwrap().pending, 0);
    let (status, trigger) = h.get("/ops/trigger", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        trigger.contains("data-kind=\"settle_bets\"") && !trigger.contains("action=\"/ops/trigger/"),
        "{trigger}"
    );
    let (status, _, _) = h.submit("/ops/trigger/settle_bets", &login.cookie, &[("csrf", &login.csrf)]).await;
    assert_eq!(status, 403);
    assert_eq!(h.queues.stats("settle").await.unwrap().pending, 0);
    let letter = dead_letter(&h, "9999", "HTTP 404").await;
    let (status, letters) = h.get("/ops/dead-letters", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        letters.contains(&format!("data-letter=\"{letter}\"")) && !letters.contains("Requeue"),
        "{letters}"
    );
    let (_, detail) = h.get(&format!("/ops/dead-letters/{letter}"), Some(&login.cookie)).await;
    assert!(detail.contains("id=\"payload\"") && !detail.contains("<textarea"), "{detail}");
    for action in ["requeue", "delete"] {
        let uri = format!("/ops/dead-letters/{letter}/{action}");
        assert_eq!(h.submit(&uri, &login.cookie, &[("csrf", &login.csrf)]).await.0, 403);
    }
    assert!(jobs::dead_letters::get(&h.db.conn, letter).await.unwrap().requeued_at.is_none());
    assert_eq!(h.get("/ops/audit", Some(&login.cookie)).await.0, 403, "the audit log is the admins'");
    assert_eq!(h.db.count("audit_log").await, 0);
}

/// A finished attempt of `env`, as the workers journal it.
fn finished(
    env: &jobs::Envelope,
    event: jobs::journal::EventKind,
    error: Option<&str>,
) -> jobs::journal::JobEvent {
    let queue = jobs::catalogue::queue_of(&env.kind).unwrap();
    jobs::journal::JobEvent {
        error: error.map(str::to_owned),
        ..jobs::journal::JobEvent::of(event, env, queue, "host-1-q-00000001", Utc::now())
    }
}

#[tokio::test]
async fn jobs_are_listed_by_state_filtered_paginated_and_shown_with_their_chain() {
    use jobs::catalogue::{ProcessSnapshot, ScrapeFootballData, SettleBets};
    use jobs::journal::EventKind::{DeadLettered, Retried, Succeeded};
    use jobs::{AnyJob, EnqueueOptions, Envelope};
    let h = harness().await;
    let login = h.login(&token("ada@example.com", "reader", 3_600)).await;
    let settle = Envelope::new(&AnyJob::SettleBets(SettleBets {}));
    let scrape = Envelope::of(&ScrapeFootballData { league: "E0".into(), season: "2324".into() }).unwrap();
    for e in [&settle, &scrape] {
        h.queues.enqueue(e, &EnqueueOptions::default()).await.unwrap();
    }
    let (status, page) = h.get("/ops/jobs?state=pending", Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("data-job=\"{}\"", settle.id))
            && page.contains(&format!("data-job=\"{}\"", scrape.id))
    );
    assert!(page.contains("2 pending job(s)"), "{page}");
    let (_, page) = h.get("/ops/jobs?state=pending&kind=settle_bets", Some(&login.cookie)).await;
    assert!(
        page.contains(&format!("data-job=\"{}\"", settle.id))
            && !page.contains(&format!("data-job=\"{}\"", scrape.id))
    );
    let (_, page) = h.get("/ops/jobs?state=pending&q=2324", Some(&login.cookie)).await;
    assert!(
        !page.contains(&format!("data-job=\"{}\"", settle.id))
            && page.contains(&format!("data-job=\"{}\"", scrape.id))
    );
    let (_, page) = h.get("/ops/jobs?state=pending&queue=settle", Some(&login.cookie)).await;
    assert!(page.contains("1 pending job(s)"), "{page}");
    let (_, page) = h.get(&format!("/ops/jobs/{}", scrape.id), Some(&login.cookie)).await;
    assert!(
        page.contains("id=\"state\">pending<") && page.contains("&quot;season&quot;: &quot;2324&quot;"),
        "{page}"
    );

    // A finished chain: a scheduled root fanned out to two jobs; one failed twice.
    let root = Envelope::new(&AnyJob::SettleBets(SettleBets {})).scheduled_by("settle");
    let ok = Envelope::of(&ProcessSnapshot { snapshot_id: 1 }).unwrap().child_of(&root);
    let bad = Envelope::of(&ProcessSnapshot { snapshot_id: 2 }).unwrap().child_of(&root);
    let bad_again = bad.retry(jobs::AttemptError {
        attempt: 1,
        error: "HTTP 503".into(),
        permanent: false,
        started_at: Utc::now(),
        failed_at: Utc::now(),
        worker: "w".into(),
    });
    let dead = jobs::journal::JobEvent {
        dead_letter_id: Some(7),
        ..finished(&bad_again, DeadLettered, Some("HTTP 503 again"))
    };
    let events = [
        finished(&root, Succeeded, None),
        finished(&ok, Succeeded, None),
        finished(&bad, Retried, Some("HTTP 503")),
        dead,
    ];
    h.queues.journal_append(&events).await.unwrap();
    let (_, page) = h.get("/ops/jobs?state=succeeded", Some(&login.cookie)).await;
    assert!(page.contains("2 succeeded job(s)"), "{page}");
    let (_, page) = h.get("/ops/jobs?state=retried&error=503", Some(&login.cookie)).await;
    assert!(
        page.contains("1 retried job(s)") && page.contains(&format!("data-job=\"{}\"", bad.id)),
        "{page}"
    );
    let (_, page) = h.get("/ops/jobs?state=dead_lettered&error=nothing-like-it", Some(&login.cookie)).await;
    assert!(page.contains("0 dead_lettered job(s)"), "{page}");

    let (status, page) = h.get(&format!("/ops/jobs/{}", bad.id), Some(&login.cookie)).await;
    assert_eq!(status, 200);
    let attempts = page.split("id=\"attempts\"").nth(1).unwrap();
    assert_eq!(attempts.matches("<tr>").count(), 3, "a header and two attempts: {attempts}");
    assert!(attempts.contains("HTTP 503 again") && attempts.contains("dead_lettered"), "{attempts}");
    assert!(page.contains("href=\"/ops/dead-letters/7\""), "{page}");
    assert!(page.contains(&format!("href=\"/ops/chains/{}\"", root.id)), "{page}");
    assert!(page.contains(&format!("href=\"/ops/jobs/{}\"", root.id)), "the parent is linked: {page}");

    let (status, chain) = h.get(&format!("/ops/chains/{}", root.id), Some(&login.cookie)).await;
    assert_eq!(status, 200);
    assert!(chain.contains("3 job(s)"), "{chain}");
    let root_item = chain.split(&format!("data-job=\"{}\"", root.id)).nth(1).unwrap();
    assert!(root_item.contains("<ul>"), "children nest under the root: {chain}");
    assert!(root_item.contains(&format!("data-job=\"{}\" data-state=\"dead_lettered\"", bad.id)), "{chain}");
    assert!(root_item.contains(&format!("data-job=\"{}\" data-state=\"succeeded\"", ok.id)), "{chain}");

    let (_, schedules) = h.get("/ops/schedules", Some(&login.cookie)).await;
    assert!(
        schedules.contains(&format!("href=\"/ops/chains/{}\"", root.id)),
        "the schedule's last run: {schedules}"
    );

    assert_eq!(h.get("/ops/jobs/01NOSUCHJOB", Some(&login.cookie)).await.0, 404);
    assert_eq!(h.get("/ops/chains/01NOSUCHJOB", Some(&login.cookie)).await.0, 404);
    assert_eq!(h.get("/ops/jobs?state=pending", None).await.0, 303, "pages need a session");

    // Pages of 50, newest first, with the filter kept in the links.
    let many: Vec<_> = (0..60)
        .map(|i| finished(&Envelope::of(&ProcessSnapshot { snapshot_id: 100 + i }).unwrap(), Succeeded, None))
        .collect();
    h.queues.journal_append(&many).await.unwrap();
    let (_, first) = h.get("/ops/jobs?state=succeeded&kind=process_snapshot", Some(&login.cookie)).await;
    assert!(first.contains("61 succeeded job(s); page 1 of 2"), "{first}");
    assert_eq!(first.matches("data-job=").count(), 50);
    assert!(
        first.contains("rel=\"next\" href=\"/ops/jobs?state=succeeded&amp;queue=&amp;kind=process_snapshot"),
        "{first}"
    );
    assert!(
        first.contains("{&quot;snapshot_id&quot;:159}") && !first.contains("{&quot;snapshot_id&quot;:100}"),
        "newest first"
    );
    let (_, last) =
        h.get("/ops/jobs?state=succeeded&kind=process_snapshot&page=9", Some(&login.cookie)).await;
    assert!(last.contains("page 2 of 2") && last.matches("data-job=").count() == 11, "{last}");
}

#[tokio::test]
async fn draining_a_queue_needs_an_operator_and_the_token_and_is_audited() {
    use jobs::catalogue::ScrapeFootballData;
    use jobs::{EnqueueOptions, Envelope};
    let h = harness().await;
    for season in ["2223", "2324"] {
        let e = Envelope::of(&ScrapeFootballData { league: "E0".into(), season: season.into() }).unwrap();
        h.queues.enqueue(&e, &EnqueueOptions::default()).await.unwrap();
    }
    let pending = |h: &Harness| {
        let q = h.queues.clone();
        async move { q.stats("scrape").await.unwrap().pending }
    };
    assert_eq!(h.post("/ops/queues/scrape/drain", None, None).await, 303, "anonymous: to the login");
    let reader = h.login(&token("ada@example.com", "reader", 3_600)).await;
    let (_, page) = h.get("/ops/", Some(&reader.cookie)).await;
    assert!(!page.contains("/drain\""), "no drain button for a reader");
    assert_eq!(h.post("/ops/queues/scrape/drain", Some(&reader.cookie), Some(&reader.csrf)).await, 403);
    let op = h.login(&h.key("ops", Role::Operator).await).await;
    let (_, page) = h.get("/ops/", Some(&op.cookie)).await;
    assert!(page.contains("action=\"/ops/queues/scrape/drain\"") && page.contains("data-confirm="), "{page}");
    assert_eq!(h.post("/ops/queues/scrape/drain", Some(&op.cookie), None).await, 403);
    assert_eq!(pending(&h).await, 2);
    assert_eq!(h.post("/ops/queues/scrape/drain", Some(&op.cookie), Some(&op.csrf)).await, 303);
    assert_eq!(pending(&h).await, 0);
    let audit = h.audit().await;
    assert!(audit.contains("queue.drain") && audit.contains("removed"), "{audit}");
}

#[tokio::test]
async fn the_overview_charts_throughput_and_streams_fresh_counters() {
    use futures::StreamExt;
    use jobs::series::Counter;
    let h = harness().await;
    h.queues.record_count("scrape", Counter::Done, 7).await.unwrap();
    h.queues.record_count("settle", Counter::Failed, 2).await.unwrap();
    let login = h.login(&token("ada@example.com", "reader", 3_600)).await;
    for range in ["hour", "day", "week"] {
        let (_, page) = h.get(&format!("/ops/?range={range}"), Some(&login.cookie)).await;
        assert!(page.contains(&format!("data-range=\"{range}\"")), "{page}");
        assert!(page.contains("7 done") && page.contains("2 failed"), "{range}: {page}");
        assert!(page.contains("new EventSource(\"/ops/live?range=\""), "the page follows the live stream");
    }
    assert_eq!(h.get("/ops/live", None).await.0, 303, "the stream needs a session");

    let resp = h.cli.get("/ops/live?range=day").header(header::COOKIE, &login.cookie).send().await;
    resp.assert_status_is_ok();
    resp.assert_content_type("text/event-stream");
    let mut body = resp.0.into_body().into_bytes_stream();
    let first = String::from_utf8(body.next().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first.starts_with("event: refresh\ndata: ") && first.ends_with("\n\n"), "{first}");
    assert_eq!(first.matches("\ndata: ").count(), 1, "one data line");
    assert!(first.contains("data-queue=\"scrape\"") && first.contains("7 done"), "{first}");
    // A job queued now shows in the next refresh.
    let job = jobs::Envelope::new(&jobs::AnyJob::SettleBets(jobs::catalogue::SettleBets {}));
    h.queues.enqueue(&job, &jobs::EnqueueOptions::default()).await.unwrap();
    let next = String::from_utf8(body.next().await.unwrap().unwrap().to_vec()).unwrap();
    let settle_row = next.split("data-queue=\"settle\"").nth(1).unwrap();
    assert!(settle_row.contains("state=pending&amp;queue=settle\">1</a>"), "{settle_row}");
}

/// An uncertain alert delivery of a fresh value bet to `chat`; returns its id.
async fn uncertain_delivery(h: &Harness, chat: i64) -> i64 {
    use entities::alert_deliveries;
    use entities::enums::DeliveryState;
    use sea_orm::{ActiveModelTrait, Set};
    let (code, home, away) = (format!("L{chat}"), format!("Home {chat}"), format!("Away {chat}"));
    let bet = entities::testing::seed_value_bet(
        &h.db.conn,
        (&code, "A league"),
        (&home, &away),
        Utc::now() + chrono::Duration::days(1),
        [0.5, 0.3, 0.2],
        ("home", 2.2, 0.1),
    )
    .await;
    alert_deliveries::ActiveModel {
        value_bet_id: Set(bet.value_bet_id),
        chat_id: Set(chat),
        state: Set(DeliveryState::Uncertain),
        job_id: Set("01JOB".into()),
        error: Set(Some("unconfirmed Bot API call: operation timed out".into())),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&h.db.conn)
    .await
    .unwrap()
    .id
}

/// Uncertain alert deliveries are listed with how their call ended. A reader sees them
/// without buttons and a forged settlement is refused; an operator settles one with the
/// session's token ("the chat has it", or a resend queued for that chat), audited.
#[tokio::test]
async fn uncertain_alerts_are_listed_and_an_operator_settles_them() {
    use entities::enums::DeliveryState;
    use sea_orm::EntityTrait;
    let h = harness().await;
    let id = uncertain_delivery(&h, 4_001).await;
    let reader = h.login(&token("ada@example.com", "reader", 3_600)).await;
    let (status, page) = h.get("/ops/alerts", Some(&reader.cookie)).await;
    assert_eq!(status, 200);
    assert!(page.contains("operation timed out") && page.contains("4001"), "{page}");
    assert!(!page.contains("Send again"), "no buttons for a reader: {page}");
    let resend = format!("/ops/alerts/{id}/resend");
    assert_eq!(h.post(&resend, Some(&reader.cookie), Some(&reader.csrf)).await, 403);
    assert_eq!(h.queues.stats("notify").await.unwrap().pending, 0);

    let operator = h.key("alerts-op", Role::Operator).await;
    let op = h.login(&operator).await;
    let (_, page) = h.get("/ops/alerts", Some(&op.cookie)).await;
    assert!(page.contains("Send again") && page.contains("The chat has it"), "{page}");
    assert_eq!(h.post(&resend, Some(&op.cookie), None).await, 403, "no token, no action");
    assert_eq!(h.post(&resend, Some(&op.cookie), Some(&op.csrf)).await, 303);
    assert_eq!(h.queues.stats("notify").await.unwrap().pending, 1);
    assert_eq!(h.post(&resend, Some(&op.cookie), Some(&op.csrf)).await, 404, "settled already");

    let other = uncertain_delivery(&h, 4_002).await;
    assert_eq!(h.post(&format!("/ops/alerts/{other}/sent"), Some(&op.cookie), Some(&op.csrf)).await, 303);
    let row = entities::alert_deliveries::Entity::find_by_id(other).one(&h.db.conn).await.unwrap().unwrap();
    assert_eq!(row.state, DeliveryState::Sent);
    assert_eq!(h.post(&format!("/ops/alerts/{other}/sent"), Some(&op.cookie), Some(&op.csrf)).await, 409);
    let audit = h.audit().await;
    assert_eq!(audit.matches("alert_delivery.resolve").count(), 2, "{audit}");
}

/// Inserts a league, the seeded club and a club a new spelling created; their ids.
async fn misspelt_club(h: &Harness) -> (i64, i64) {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &h.db.conn;
    let run = |sql: &str| Statement::from_string(db.get_database_backend(), sql.to_owned());
    db.execute_raw(run(
        "INSERT INTO leagues (code, name, external_ids) VALUES ('E0', 'Premier League', '{}')",
    ))
    .await
    .unwrap();
    for (name, source) in [("Man United", "football-data"), ("Red Devils Manchester", "oddsite")] {
        db.execute_raw(run(&format!(
            "INSERT INTO teams (name, league_id, external_ids) VALUES ('{name}', 1, '{{}}')"
        )))
        .await
        .unwrap();
        db.execute_raw(run(&format!(
            "INSERT INTO team_aliases (source, alias, team_id) SELECT '{source}', name, id FROM teams WHERE name = '{name}'"
        )))
        .await
        .unwrap();
    }
    let id = |name: &str| {
        let sql = format!("SELECT id FROM teams WHERE name = '{name}'");
        async move { db.query_one_raw(run(&sql)).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() }
    };
    (id("Man United").await, id("Red Devils Manchester").await)
}

#[tokio::test]
async fn teams_a_new_spelling_created_are_reviewed_and_an_operator_merges_one() {
    let h = harness().await;
    let (real, wrong) = misspelt_club(&h).await;
    let reader = h.login(&token("ada@example.com", "reader", 3_600)).await;
    let (status, page) = h.get("/ops/teams", Some(&reader.cookie)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Red Devils Manchester") && page.contains("oddsite: Red Devils Manchester"),
        "{page}"
    );
    assert!(!page.contains("Man United<"), "the seeded club is not for review: {page}");
    assert!(!page.contains("action=\"/ops/teams/"), "no forms for a reader: {page}");
    let merge = format!("/ops/teams/{wrong}/merge");
    let into = real.to_string();
    let (status, _, _) =
        h.submit(&merge, &reader.cookie, &[("csrf", reader.csrf.as_str()), ("into", into.as_str())]).await;
    assert_eq!(status, 403);

    let operator = h.key("teams-op", Role::Operator).await;
    let op = h.login(&operator).await;
    let (_, page) = h.get("/ops/teams", Some(&op.cookie)).await;
    assert!(
        page.contains(&format!("action=\"/ops/teams/{wrong}/merge\"")) && page.contains("Keep as a club"),
        "{page}"
    );
    let (status, _, _) = h.submit(&merge, &op.cookie, &[("into", into.as_str())]).await;
    assert_eq!(status, 403, "no token, no merge");
    let (status, _, body) =
        h.submit(&merge, &op.cookie, &[("csrf", op.csrf.as_str()), ("into", "999999")]).await;
    assert_eq!(status, 404, "{body}");
    let (status, location, _) =
        h.submit(&merge, &op.cookie, &[("csrf", op.csrf.as_str()), ("into", into.as_str())]).await;
    assert_eq!((status, location.as_str()), (303, "/ops/teams"));
    let (_, page) = h.get("/ops/teams", Some(&op.cookie)).await;
    assert!(page.contains("No team to review."), "{page}");
    let audit = h.audit().await;
    assert!(audit.contains("team.merge") && audit.contains("key:teams-op"), "{audit}");
}
