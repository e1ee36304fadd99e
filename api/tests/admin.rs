//! The admin API: the auth matrix (anonymous, reader, operator, admin × every admin
//! endpoint), refused credentials, rate limiting, and what each action does to the
//! queues, schedules, dead letters and audit log.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::ApiSettings;
use api::auth::keys;
use chrono::Utc;
use entities::Engine;
use entities::enums::Role;
use jobs::dead_letters;
use jobs::{AttemptError, Envelope, QueueClient};
use serde_json::{Value as Json, json};

#[macro_use]
mod common;

use common::harness::{Harness, SECRET, harness, harness_with};

/// Who calls: nobody, or a key or token in one of the two headers.
#[derive(Clone, Copy, Debug)]
enum Who<'a> {
    Anonymous,
    Bearer(&'a str),
    Key(&'a str),
}

impl Harness {
    async fn call(&self, method: &str, uri: &str, who: Who<'_>, body: Option<Json>) -> (u16, Json) {
        let mut req = match method {
            "GET" => self.cli.get(uri),
            "POST" => self.cli.post(uri),
            "DELETE" => self.cli.delete(uri),
            other => panic!("method {other}"),
        };
        req = match who {
            Who::Anonymous => req,
            Who::Bearer(t) => req.header("Authorization", format!("Bearer {t}")),
            Who::Key(k) => req.header("X-API-Key", k),
        };
        if let Some(b) = body {
            req = req.body_json(&b);
        }
        let resp = req.send().await;
        let status = resp.0.status().as_u16();
        let text = resp.0.into_body().into_string().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {uri}: {e}: {text}"));
        (status, json)
    }

    /// The `data` of a 2xx answer as `who`.
    async fn ok(&self, method: &str, uri: &str, who: Who<'_>, body: Option<Json>) -> Json {
        let (status, json) = self.call(method, uri, who, body).await;
        assert!((200..300).contains(&status), "{method} {uri}: {status} {json}");
        assert_eq!(json["success"], true);
        json["data"].clone()
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        let data = self.ok("GET", "/api/v1/admin/audit?per_page=100", Who::Key(&self.admin), None).await;
        data.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["actor"].as_str().unwrap().to_owned(), r["action"].as_str().unwrap().to_owned()))
            .collect()
    }

    async fn dead_letter(&self, kind: &str, args: Json, error: &str) -> i64 {
        let job = jobs::AnyJob::from_parts(kind, args).unwrap();
        let envelope = Envelope::new(&job);
        let now = Utc::now();
        let last = AttemptError {
            attempt: 1,
            error: error.to_owned(),
            permanent: true,
            started_at: now,
            failed_at: now,
            worker: "box-1-scrape-0".into(),
        };
        dead_letters::record(&self.db.conn, job.queue(), &envelope, last).await.unwrap().id
    }
}

/// A JWT of `role` for `{role}@example.com`.
fn token(role: &str, exp_in: i64, secret: &str) -> String {
    common::harness::token(&format!("{role}@example.com"), role, exp_in, secret)
}

/// Every admin endpoint: method, path, body, the least role allowed, and the status an
/// allowed caller gets (ids that do not exist prove the role check passed with a 404).
fn endpoints() -> Vec<(&'static str, &'static str, Option<Json>, Role, u16)> {
    vec![
        ("GET", "/api/v1/admin/jobs/kinds", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/jobs?state=pending", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/jobs/id/01NOSUCHJOB", None, Role::Reader, 404),
        ("POST", "/api/v1/admin/jobs/settle_bets", Some(json!({})), Role::Operator, 202),
        ("GET", "/api/v1/admin/queues", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/queues/scrape", None, Role::Reader, 200),
        ("POST", "/api/v1/admin/queues/notify/pause", None, Role::Operator, 200),
        ("POST", "/api/v1/admin/queues/notify/resume", None, Role::Operator, 200),
        ("POST", "/api/v1/admin/queues/notify/drain", None, Role::Operator, 200),
        ("GET", "/api/v1/admin/workers", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/schedules", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/schedules/settle", None, Role::Reader, 200),
        ("POST", "/api/v1/admin/schedules/settle/run", None, Role::Operator, 200),
        ("POST", "/api/v1/admin/schedules/probe/enable", None, Role::Operator, 200),
        ("POST", "/api/v1/admin/schedules/probe/disable", None, Role::Operator, 200),
        ("GET", "/api/v1/admin/dead-letters", None, Role::Reader, 200),
        ("GET", "/api/v1/admin/dead-letters/999999", None, Role::Reader, 404),
        ("POST", "/api/v1/admin/dead-letters/999999/requeue", Some(json!({})), Role::Operator, 404),
        ("DELETE", "/api/v1/admin/dead-letters/999999", None, Role::Operator, 404),
        (
            "POST",
            "/api/v1/admin/dead-letters/bulk",
            Some(json!({ "action": "delete", "selection": { "kind": "no_such_kind" } })),
            Role::Operator,
            200,
        ),
        (
            "POST",
            "/api/v1/admin/dead-letters/purge",
            Some(json!({ "before": "2001-01-01T00:00:00Z" })),
            Role::Admin,
            200,
        ),
        ("GET", "/api/v1/admin/audit", None, Role::Admin, 200),
        ("GET", "/api/v1/admin/alert-deliveries?state=uncertain", None, Role::Reader, 200),
        (
            "POST",
            "/api/v1/admin/alert-deliveries/999999/resolve",
            Some(json!({ "resolution": "sent" })),
            Role::Operator,
            404,
        ),
    ]
}

#[tokio::test]
async fn auth_matrix_over_every_admin_endpoint() {
    let h = harness(Engine::Sqlite).await;
    let (reader_jwt, operator_jwt, admin_jwt) =
        (token("reader", 600, SECRET), token("operator", 600, SECRET), token("admin", 600, SECRET));
    // A signed-up end user: Supabase's `authenticated`, with or without app_metadata
    // naming something that is not a Kickoff role.
    let member_jwt = token("authenticated", 600, SECRET);
    let callers: Vec<(&str, Option<Role>, Who)> = vec![
        ("anonymous", None, Who::Anonymous),
        ("member key", Some(Role::Member), Who::Key(&h.member)),
        ("member jwt", Some(Role::Member), Who::Bearer(&member_jwt)),
        ("reader key", Some(Role::Reader), Who::Key(&h.reader)),
        ("reader jwt", Some(Role::Reader), Who::Bearer(&reader_jwt)),
        ("operator key", Some(Role::Operator), Who::Key(&h.operator)),
        ("operator key as bearer", Some(Role::Operator), Who::Bearer(&h.operator)),
        ("operator jwt", Some(Role::Operator), Who::Bearer(&operator_jwt)),
        ("admin key", Some(Role::Admin), Who::Key(&h.admin)),
        ("admin jwt", Some(Role::Admin), Who::Bearer(&admin_jwt)),
    ];
    let rank = |r: Role| match r {
        Role::Member => 0,
        Role::Reader => 1,
        Role::Operator => 2,
        Role::Admin => 3,
    };
    let mut allowed_writes = 0;
    for (method, uri, body, needed, ok_status) in endpoints() {
        for (label, role, who) in &callers {
            let (status, json) = h.call(method, uri, *who, body.clone()).await;
            let (want, code) = match role {
                None => (401, Some("UNAUTHORIZED")),
                Some(r) if rank(*r) < rank(needed) => (403, Some("FORBIDDEN")),
                Some(_) => (ok_status, None),
            };
            assert_eq!(status, want, "{label} {method} {uri}: {json}");
            if let Some(code) = code {
                assert_eq!(json["error"]["code"], code, "{label} {method} {uri}");
                assert_eq!(json["success"], false);
            } else if method != "GET" && ok_status < 300 {
                allowed_writes += 1;
            }
        }
    }
    // Every allowed action (and only those) is in the audit log, with its actor.
    let audit = h.audit_actions().await;
    assert_eq!(audit.len(), allowed_writes, "{audit:?}");
    assert!(audit.iter().any(|(a, act)| a == "key:operator" && act == "queue.pause"), "{audit:?}");
    assert!(
        audit.iter().any(|(a, act)| a == "jwt:admin@example.com" && act == "dead_letter.purge"),
        "{audit:?}"
    );
    assert!(!audit.iter().any(|(a, _)| a.contains("reader") || a.contains("member")), "{audit:?}");
}

#[tokio::test]
async fn expired_forged_and_revoked_credentials_are_refused() {
    let h = harness(Engine::Sqlite).await;
    let expired = token("admin", -3_600, SECRET);
    let forged = token("admin", 600, "another-secret-that-is-also-long-enough");
    let uris = [("GET", "/api/v1/admin/queues"), ("GET", "/api/v1/leagues")];
    for (method, uri) in uris {
        for bad in [expired.as_str(), forged.as_str(), "kk_0000", "garbage"] {
            let (status, json) = h.call(method, uri, Who::Bearer(bad), None).await;
            assert_eq!(status, 401, "{uri} {bad}: {json}");
            assert_eq!(json["error"]["code"], "UNAUTHORIZED");
        }
    }
    // A working key stops working once revoked, on reads too.
    h.ok("GET", "/api/v1/admin/queues", Who::Key(&h.operator), None).await;
    keys::revoke(&h.db.conn, "operator").await.unwrap();
    for (method, uri) in uris {
        let (status, _) = h.call(method, uri, Who::Key(&h.operator), None).await;
        assert_eq!(status, 401, "{uri}");
    }
    // Only the hash is stored, and use is recorded.
    h.ok("GET", "/api/v1/leagues", Who::Key(&h.admin), None).await;
    let stored: Vec<String> = keys::list(&h.db.conn).await.unwrap().into_iter().map(|k| k.key_hash).collect();
    assert!(!stored.contains(&h.admin) && stored.contains(&keys::hash(&h.admin)));
    let used = |name: &str| {
        let conn = h.db.conn.clone();
        let name = name.to_owned();
        async move { keys::list(&conn).await.unwrap().into_iter().find(|k| k.name == name).unwrap().last_used_at }
    };
    assert!(used("admin").await.is_some());
    assert!(used("reader").await.is_none());
}

#[tokio::test]
async fn reads_need_credentials_when_public_reads_is_off() {
    let api = ApiSettings { public_reads: false, rate_limit_per_minute: 0, ..ApiSettings::default() };
    let h = harness_with(Engine::Sqlite, api).await;
    let (status, json) = h.call("GET", "/api/v1/leagues", Who::Anonymous, None).await;
    assert_eq!((status, json["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")));
    h.ok("GET", "/api/v1/leagues", Who::Key(&h.reader), None).await;
    h.ok("GET", "/api/v1/leagues", Who::Bearer(&token("authenticated", 600, SECRET)), None).await;
    h.ok("GET", "/api/v1/leagues", Who::Key(&h.member), None).await;
    // NUL characters are bad input, not a database error.
    let (status, json) = h.call("GET", "/api/v1/matches?league=E%000", Who::Key(&h.reader), None).await;
    assert_eq!((status, json["error"]["details"]["field"].as_str()), (400, Some("query")), "{json}");
    let body = json!({ "args": { "source": "a\u{0}", "url": "u" } });
    let (status, json) =
        h.call("POST", "/api/v1/admin/jobs/scrape_page", Who::Key(&h.admin), Some(body)).await;
    assert_eq!((status, json["error"]["details"]["field"].as_str()), (400, Some("body")), "{json}");
    // A body past 1 MiB is refused unread.
    let huge = json!({ "args": { "source": "x".repeat(2 << 20), "url": "u" } });
    let (status, json) =
        h.call("POST", "/api/v1/admin/jobs/scrape_page", Who::Key(&h.admin), Some(huge)).await;
    assert_eq!(
        (status, json["error"]["details"]["field"].as_str()),
        (413, Some("body")),
        "{}",
        json["error"]
    );
    // The liveness probe stays open.
    let resp = h.cli.get("/health").send().await;
    resp.assert_status_is_ok();
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_client() {
    let api = ApiSettings { rate_limit_per_minute: 3, ..ApiSettings::default() };
    let h = harness_with(Engine::Sqlite, api).await;
    for _ in 0..3 {
        h.ok("GET", "/api/v1/leagues", Who::Key(&h.reader), None).await;
    }
    let resp = h.cli.get("/api/v1/leagues").header("X-API-Key", &h.reader).send().await;
    assert_eq!(resp.0.status().as_u16(), 429);
    let retry: u64 = resp.0.headers().get("Retry-After").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Json = serde_json::from_str(&resp.0.into_body().into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    // Another client has its own bucket.
    h.ok("GET", "/api/v1/leagues", Who::Key(&h.operator), None).await;
    // Refused credentials count against the caller's address: guessing keys is limited.
    let guess = |n: usize| h.cli.get("/api/v1/leagues").header("X-API-Key", format!("kk_guess{n}"));
    for n in 0..3 {
        assert_eq!(guess(n).send().await.0.status().as_u16(), 401);
    }
    assert_eq!(guess(3).send().await.0.status().as_u16(), 429);
}

#[tokio::test]
async fn trigger_validates_schedules_and_deduplicates() {
    let h = harness(Engine::Sqlite).await;
    let op = Who::Key(&h.operator);
    let kinds = h.ok("GET", "/api/v1/admin/jobs/kinds", op, None).await;
    let collect = kinds.as_array().unwrap().iter().find(|k| k["kind"] == "collect_results").unwrap();
    assert_eq!(collect["queue"], "collect");
    assert!(collect["args_schema"]["properties"].is_object(), "{collect}");

    let queued = h
        .ok("POST", "/api/v1/admin/jobs/collect_results", op, Some(json!({ "args": { "leagues": ["E0"] } })))
        .await;
    assert_eq!((queued["outcome"].as_str(), queued["queue"].as_str()), (Some("queued"), Some("collect")));
    assert_eq!(h.queues.stats("collect").await.unwrap().pending, 1);

    let (status, json) = h
        .call("POST", "/api/v1/admin/jobs/collect_results", op, Some(json!({ "args": { "leagues": 7 } })))
        .await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(
        (json["error"]["code"].as_str(), json["error"]["details"]["field"].as_str()),
        (Some("VALIDATION_ERROR"), Some("args"))
    );
    let (status, json) = h.call("POST", "/api/v1/admin/jobs/nope", op, Some(json!({}))).await;
    assert_eq!((status, json["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
    let (status, json) =
        h.call("POST", "/api/v1/admin/jobs/settle_bets", op, Some(json!({ "run_at": "tomorrow" }))).await;
    assert_eq!((status, json["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{json}");

    let later = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    h.ok("POST", "/api/v1/admin/jobs/settle_bets", op, Some(json!({ "run_at": later }))).await;
    let settle = h.queues.stats("settle").await.unwrap();
    assert_eq!((settle.pending, settle.scheduled), (0, 1));

    let keyed = json!({ "args": { "task": "vacuum_queue" }, "idempotency_key": "k1" });
    let first = h.call("POST", "/api/v1/admin/jobs/maintenance", op, Some(keyed.clone())).await;
    assert_eq!(first.0, 202, "{}", first.1);
    let again = h.call("POST", "/api/v1/admin/jobs/maintenance", op, Some(keyed)).await;
    assert_eq!((again.0, again.1["data"]["outcome"].as_str()), (200, Some("duplicate")), "{}", again.1);
    assert_eq!(h.queues.stats("maintenance").await.unwrap().pending, 1);
}

#[tokio::test]
async fn queues_pause_resume_and_workers() {
    let h = harness(Engine::Sqlite).await;
    let op = Who::Key(&h.operator);
    let paused = h.ok("POST", "/api/v1/admin/queues/scrape/pause", op, None).await;
    assert_eq!(paused["paused"], true);
    assert!(h.queues.is_paused("scrape").await.unwrap());
    let all = h.ok("GET", "/api/v1/admin/queues", op, None).await;
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|q| q["queue"].as_str().unwrap()).collect();
    assert_eq!(names, jobs::queues::ALL.to_vec());
    assert!(all.as_array().unwrap().iter().all(|q| q["paused"] == (q["queue"] == "scrape")));
    h.ok("POST", "/api/v1/admin/queues/scrape/resume", op, None).await;
    assert!(!h.queues.is_paused("scrape").await.unwrap());
    // A drain deletes the waiting jobs and says how many.
    for season in ["2223", "2324"] {
        let e = jobs::Envelope::of(&jobs::catalogue::ScrapeFootballData {
            league: "E0".into(),
            season: season.into(),
        })
        .unwrap();
        h.queues.enqueue(&e, &jobs::EnqueueOptions::default()).await.unwrap();
    }
    let drained = h.ok("POST", "/api/v1/admin/queues/scrape/drain", op, None).await;
    assert_eq!((drained["queue"].as_str(), drained["removed"].as_u64()), (Some("scrape"), Some(2)));
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 0);
    let (status, _) = h.call("POST", "/api/v1/admin/queues/nosuch/pause", op, None).await;
    assert_eq!(status, 404);

    // A worker's heartbeat and in-flight set, as the worker runtime leaves them.
    let QueueClient::Redis(redis) = &h.queues else { unreachable!() };
    let mut conn = redis.connection();
    let name = "box-7-1234-scrape-0000abcd";
    let key = |s: &str| format!("{}scrape:{s}", redis.prefix());
    let now = Utc::now().timestamp();
    let _: () =
        redis::cmd("ZADD").arg(key("workers")).arg(now).arg(name).query_async(&mut conn).await.unwrap();
    let _: () = redis::cmd("SADD")
        .arg(key(&format!("inflight:{name}")))
        .arg("t1")
        .arg("t2")
        .query_async(&mut conn)
        .await
        .unwrap();
    let old = "gone-1-scrape-0000beef";
    let _: () =
        redis::cmd("ZADD").arg(key("workers")).arg(now - 600).arg(old).query_async(&mut conn).await.unwrap();
    h.queues.hash_set(jobs::client::WORKER_CONCURRENCY_KEY, name, 8).await.unwrap();
    let workers = h.ok("GET", "/api/v1/admin/workers", op, None).await;
    let w = workers.as_array().unwrap();
    assert_eq!(w.len(), 2, "{workers}");
    assert_eq!((w[0]["concurrency"].as_u64(), w[1].get("concurrency")), (Some(8), None), "{workers}");
    assert_eq!(
        (w[0]["name"].as_str(), w[0]["host"].as_str(), w[0]["queue"].as_str()),
        (Some(name), Some("box-7"), Some("scrape"))
    );
    assert_eq!((w[0]["in_flight"].as_u64(), w[0]["alive"].as_bool()), (Some(2), Some(true)));
    assert!(w[0]["heartbeat_age_secs"].as_f64().unwrap() < 30.0);
    assert_eq!((w[1]["alive"].as_bool(), w[1]["host"].as_str()), (Some(false), Some("gone")));
    assert!(w[1]["heartbeat_age_secs"].as_f64().unwrap() >= 600.0);
}

#[tokio::test]
async fn schedules_run_now_enable_disable() {
    let h = harness(Engine::Sqlite).await;
    let op = Who::Key(&h.operator);
    let list = h.ok("GET", "/api/v1/admin/schedules", op, None).await;
    let l = list.as_array().unwrap();
    assert_eq!(
        (l[0]["name"].as_str(), l[0]["enabled"].as_bool(), l[0]["kind"].as_str()),
        (Some("settle"), Some(true), Some("settle_bets"))
    );
    assert!(l[0]["next_fire"].is_string() && l[1]["next_fire"].is_null(), "{list}");
    assert_eq!(l[1]["args"]["tag"], "hourly");

    let run = h.ok("POST", "/api/v1/admin/schedules/probe/run", op, None).await;
    assert_eq!((run["outcome"].as_str(), run["queue"].as_str()), (Some("queued"), Some("maintenance")));
    assert_eq!(h.queues.stats("maintenance").await.unwrap().pending, 1);
    let probe = h.ok("GET", "/api/v1/admin/schedules/probe", op, None).await;
    assert_eq!(probe["runs_now"], 1);
    assert!(probe["last_run_now"].is_string());

    let on = h.ok("POST", "/api/v1/admin/schedules/probe/enable", op, None).await;
    assert_eq!((on["enabled"].as_bool(), on["overridden"].as_bool()), (Some(true), Some(true)));
    assert!(on["next_fire"].is_string());
    let off = h.ok("POST", "/api/v1/admin/schedules/settle/disable", op, None).await;
    assert_eq!((off["enabled"].as_bool(), off["next_fire"].is_null()), (Some(false), true));
    let (status, json) = h.call("POST", "/api/v1/admin/schedules/nope/run", op, None).await;
    assert_eq!((status, json["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
}

async fn dead_letters_lifecycle(engine: Engine) {
    let h = harness(engine).await;
    let op = Who::Key(&h.operator);
    let a = h
        .dead_letter("scrape_page", json!({ "source": "espn", "url": "http://x/a" }), "HTTP 404 from espn")
        .await;
    let b = h
        .dead_letter("scrape_page", json!({ "source": "espn", "url": "http://x/b" }), "parse: no table")
        .await;
    let c = h.dead_letter("settle_bets", json!({}), "database is locked").await;

    let page = |q: &str| format!("/api/v1/admin/dead-letters?{q}");
    let ids = |d: &Json| d.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&h.ok("GET", &page(""), op, None).await), vec![c, b, a]);
    assert_eq!(ids(&h.ok("GET", &page("kind=scrape_page"), op, None).await), vec![b, a]);
    assert_eq!(ids(&h.ok("GET", &page("queue=settle"), op, None).await), vec![c]);
    assert_eq!(ids(&h.ok("GET", &page("error=HTTP%20404"), op, None).await), vec![a]);
    assert_eq!(ids(&h.ok("GET", &page("per_page=2&page=2"), op, None).await), vec![a]);
    let (status, json) = h.call("GET", &page("per_page=500"), op, None).await;
    assert_eq!((status, json["error"]["details"]["field"].as_str()), (400, Some("per_page")));
    // A page whose offset no database takes is a 400, on every admin list.
    for list in ["dead-letters", "audit", "jobs"] {
        let uri = format!("/api/v1/admin/{list}?page={}", u64::MAX);
        let (status, json) = h.call("GET", &uri, Who::Key(&h.admin), None).await;
        assert_eq!(
            (status, json["error"]["details"]["field"].as_str()),
            (400, Some("page")),
            "{uri}: {json}"
        );
    }
    let one = h.ok("GET", &format!("/api/v1/admin/dead-letters/{a}"), op, None).await;
    assert_eq!(one["errors"][0]["error"], "HTTP 404 from espn");
    assert_eq!(one["payload"]["url"], "http://x/a");

    // Requeue with an edited payload: the job carries the new arguments.
    let bad = json!({ "args": { "source": "espn" } });
    let (status, json) =
        h.call("POST", &format!("/api/v1/admin/dead-letters/{a}/requeue"), op, Some(bad)).await;
    assert_eq!((status, json["error"]["details"]["field"].as_str()), (400, Some("args")), "{json}");
    let edited = json!({ "args": { "source": "espn", "url": "http://x/fixed" } });
    let done = h.ok("POST", &format!("/api/v1/admin/dead-letters/{a}/requeue"), op, Some(edited)).await;
    assert_eq!(done["outcome"], "queued");
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
    // A second requeue (a double click, a retried request) queues nothing more.
    let (status, json) =
        h.call("POST", &format!("/api/v1/admin/dead-letters/{a}/requeue"), op, Some(json!({}))).await;
    assert_eq!((status, json["error"]["code"].as_str()), (409, Some("CONFLICT")), "{json}");
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
    let again = json!({ "action": "requeue", "selection": { "ids": [a] } });
    let r = h.ok("POST", "/api/v1/admin/dead-letters/bulk", op, Some(again)).await;
    assert_eq!((r["affected"].as_u64(), &r["ids"]), (Some(0), &json!([])), "{r}");
    assert_eq!(h.queues.stats("scrape").await.unwrap().pending, 1);
    let after = dead_letters::get(&h.db.conn, a).await.unwrap();
    assert!(after.requeued_at.is_some());
    assert_eq!(after.payload["url"], "http://x/fixed");
    assert_eq!(ids(&h.ok("GET", &page(""), op, None).await), vec![c, b]);

    // Bulk by filter, bulk by ids, single delete, purge.
    let bulk = json!({ "action": "requeue", "selection": { "kind": "scrape_page" } });
    let r = h.ok("POST", "/api/v1/admin/dead-letters/bulk", op, Some(bulk)).await;
    assert_eq!((r["affected"].as_u64(), &r["ids"]), (Some(1), &json!([b])), "{r}");
    let both = json!({ "action": "delete", "selection": { "ids": [b], "kind": "x" } });
    let (status, _) = h.call("POST", "/api/v1/admin/dead-letters/bulk", op, Some(both)).await;
    assert_eq!(status, 400);
    // Only letters that existed are reported (and audited) as deleted.
    let del = json!({ "action": "delete", "selection": { "ids": [b, 999_999] } });
    let r = h.ok("POST", "/api/v1/admin/dead-letters/bulk", op, Some(del)).await;
    assert_eq!((r["affected"].as_u64(), &r["ids"]), (Some(1), &json!([b])), "{r}");
    assert_eq!(h.ok("DELETE", &format!("/api/v1/admin/dead-letters/{c}"), op, None).await["affected"], 1);
    let (status, _) = h.call("DELETE", &format!("/api/v1/admin/dead-letters/{c}"), op, None).await;
    assert_eq!(status, 404);
    h.dead_letter("settle_bets", json!({}), "again").await;
    let purged = h.ok("POST", "/api/v1/admin/dead-letters/purge", Who::Key(&h.admin), Some(json!({}))).await;
    assert_eq!(purged["affected"], 2, "the requeued letter and the new one");
    let actions: Vec<String> = h.audit_actions().await.into_iter().map(|(_, a)| a).collect();
    assert_eq!(
        actions,
        [
            "dead_letter.purge",
            "dead_letter.delete",
            "dead_letter.bulk_delete",
            "dead_letter.bulk_requeue",
            // The bulk requeue of the letter already requeued: tried, audited, none queued.
            "dead_letter.bulk_requeue",
            "dead_letter.requeue"
        ]
    );
}

on_both_engines!(dead_letters_lifecycle);

/// Uncertain deliveries are listed by state and settled by an operator: "sent" records
/// it, "resend" queues the alert for that chat once; a delivery that is not uncertain is
/// a conflict; both decisions are audited.
#[tokio::test]
async fn alert_deliveries_listed_by_state_and_settled() {
    use entities::alert_deliveries;
    use entities::enums::DeliveryState;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let h = harness(Engine::Sqlite).await;
    let kickoff = Utc::now() + chrono::Duration::days(1);
    let bet = entities::testing::seed_value_bet(
        &h.db.conn,
        ("E0", "Premier League"),
        ("Arsenal", "Chelsea"),
        kickoff,
        [0.5, 0.3, 0.2],
        ("home", 2.2, 0.1),
    )
    .await
    .value_bet_id;
    let row = |chat: i64, state: DeliveryState, minutes_ago: i64| alert_deliveries::ActiveModel {
        value_bet_id: Set(bet),
        chat_id: Set(chat),
        state: Set(state),
        message_id: Set((state == DeliveryState::Sent).then_some(500 + chat)),
        job_id: Set("01JOB".into()),
        error: Set((state == DeliveryState::Uncertain).then(|| "operation timed out".to_owned())),
        created_at: Set(Utc::now() - chrono::Duration::minutes(minutes_ago)),
        updated_at: Set(Utc::now() - chrono::Duration::minutes(minutes_ago)),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for (chat, state, ago) in
        [(1, DeliveryState::Sent, 9), (2, DeliveryState::Uncertain, 8), (3, DeliveryState::Uncertain, 7)]
    {
        ids.push(row(chat, state, ago).insert(&h.db.conn).await.unwrap().id);
    }
    let (reader, op) = (Who::Key(&h.reader), Who::Key(&h.operator));
    let listed = h.ok("GET", "/api/v1/admin/alert-deliveries?state=uncertain", reader, None).await;
    let chats: Vec<i64> = listed.as_array().unwrap().iter().map(|d| d["chat_id"].as_i64().unwrap()).collect();
    assert_eq!(chats, [3, 2], "most recently changed first");
    assert_eq!(listed[0]["error"], "operation timed out");
    let all = h.ok("GET", "/api/v1/admin/alert-deliveries", reader, None).await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[2]["message_id"], 501);

    let resolve = |id: i64| format!("/api/v1/admin/alert-deliveries/{id}/resolve");
    let (status, json) = h.call("POST", &resolve(ids[0]), op, Some(json!({ "resolution": "resend" }))).await;
    assert_eq!((status, json["error"]["code"].as_str()), (409, Some("CONFLICT")), "{json}");
    let (status, _) = h.call("POST", &resolve(ids[1]), op, Some(json!({ "resolution": "maybe" }))).await;
    assert_eq!(status, 400);

    let sent = h.ok("POST", &resolve(ids[1]), op, Some(json!({ "resolution": "sent" }))).await;
    assert_eq!(sent["resolution"], "sent");
    let now = alert_deliveries::Entity::find_by_id(ids[1]).one(&h.db.conn).await.unwrap().unwrap();
    assert_eq!(now.state, DeliveryState::Sent);

    let resent = h.ok("POST", &resolve(ids[2]), op, Some(json!({ "resolution": "resend" }))).await;
    assert_eq!(resent["outcome"], "queued");
    assert_eq!(h.queues.stats("notify").await.unwrap().pending, 1);
    assert!(alert_deliveries::Entity::find_by_id(ids[2]).one(&h.db.conn).await.unwrap().is_none());
    let (status, _) = h.call("POST", &resolve(ids[2]), op, Some(json!({ "resolution": "resend" }))).await;
    assert_eq!(status, 404);
    let actions: Vec<String> = h.audit_actions().await.into_iter().map(|(_, a)| a).collect();
    assert_eq!(actions, ["alert_delivery.resolve", "alert_delivery.resolve"]);
}

#[tokio::test]
async fn jobs_by_state_with_filters_pages_and_one_job_with_its_attempts() {
    use jobs::catalogue::{ProcessSnapshot, SettleBets};
    use jobs::journal::{EventKind, JobEvent};
    use jobs::{AnyJob, EnqueueOptions, Envelope};
    let h = harness(Engine::Sqlite).await;
    let who = Who::Key(&h.reader);
    let waiting = Envelope::new(&AnyJob::SettleBets(SettleBets {}));
    h.queues.enqueue(&waiting, &EnqueueOptions::default()).await.unwrap();
    let pending = h.ok("GET", "/api/v1/admin/jobs?state=pending", who, None).await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(
        (pending[0]["id"].as_str(), pending[0]["state"].as_str()),
        (Some(waiting.id.as_str()), Some("pending"))
    );
    assert_eq!(pending[0]["queue"], "settle");
    assert!(
        h.ok("GET", "/api/v1/admin/jobs", who, None).await.as_array().unwrap().is_empty(),
        "running by default"
    );

    // Finished attempts from the journal: 30 snapshots processed, one of them after a retry.
    let worker = "box-1-99-process-0000abcd";
    let mut events = Vec::new();
    for i in 0..30 {
        let env = Envelope::of(&ProcessSnapshot { snapshot_id: i }).unwrap();
        events.push(JobEvent::of(EventKind::Succeeded, &env, "process", worker, Utc::now()));
    }
    let flaky = Envelope::of(&ProcessSnapshot { snapshot_id: 99 }).unwrap();
    events.push(JobEvent {
        error: Some("database busy".into()),
        ..JobEvent::of(EventKind::Retried, &flaky, "process", worker, Utc::now())
    });
    let again = flaky.retry(jobs::AttemptError {
        attempt: 1,
        error: "database busy".into(),
        permanent: false,
        started_at: Utc::now(),
        failed_at: Utc::now(),
        worker: worker.into(),
    });
    events.push(JobEvent::of(EventKind::Succeeded, &again, "process", worker, Utc::now()));
    h.queues.journal_append(&events).await.unwrap();

    let (status, page) =
        h.call("GET", "/api/v1/admin/jobs?state=succeeded&per_page=20&page=2", who, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"].as_array().unwrap().len(), 11, "{page}");
    assert_eq!(page["meta"]["total"], 31, "{page}");
    let filtered =
        h.ok("GET", "/api/v1/admin/jobs?state=succeeded&q=%22snapshot_id%22%3A99", who, None).await;
    assert_eq!(filtered.as_array().unwrap().len(), 1, "{filtered}");
    let retried = h.ok("GET", "/api/v1/admin/jobs?state=retried&queue=process&error=BUSY", who, None).await;
    assert_eq!(retried.as_array().unwrap().len(), 1, "{retried}");
    assert_eq!(retried[0]["worker"], worker);
    assert!(
        h.ok("GET", "/api/v1/admin/jobs?state=retried&queue=scrape", who, None)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        h.ok("GET", "/api/v1/admin/jobs?state=retried&kind=settle_bets", who, None)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    let one = h.ok("GET", &format!("/api/v1/admin/jobs/id/{}", flaky.id), who, None).await;
    assert_eq!(
        (one["job"]["state"].as_str(), one["job"]["attempt"].as_u64()),
        (Some("succeeded"), Some(2)),
        "{one}"
    );
    let attempts = one["attempts"].as_array().unwrap();
    assert_eq!(
        attempts.iter().map(|a| a["outcome"].as_str().unwrap()).collect::<Vec<_>>(),
        ["retried", "succeeded"]
    );
    assert_eq!(attempts[0]["error"], "database busy");
    let queued = h.ok("GET", &format!("/api/v1/admin/jobs/id/{}", waiting.id), who, None).await;
    assert_eq!(
        (queued["job"]["state"].as_str(), queued["attempts"].as_array().map(Vec::len)),
        (Some("pending"), Some(0))
    );

    let (status, bad) = h.call("GET", "/api/v1/admin/jobs?queue=nowhere", who, None).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{bad}");
    let (status, bad) = h.call("GET", "/api/v1/admin/jobs?state=lost", who, None).await;
    assert!((400..500).contains(&status), "{status} {bad}");
    let (status, _) = h.call("GET", "/api/v1/admin/jobs/id/01NOSUCHJOB", who, None).await;
    assert_eq!(status, 404);
}
