//! `/api/v1/events` against the real Redis: a worker-style publish reaches an SSE client
//! unchanged, a reconnecting client gets what it missed, bad channels are 400s, and the
//! embedded queue answers 503.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jobs::JobQueue;
use std::time::Duration;

use api::events::EventHub;
use api::{ApiSettings, ApiState, AuthSettings, app};
use bytes::Bytes;
use entities::Engine;
use entities::testing::{TestDb, unique_name};
use futures::{Stream, StreamExt};
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, redis_url};
use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::StatusCode;
use poem::test::{TestClient, TestResponse};
use tokio::sync::oneshot;

/// Generous: a loaded 2-core machine still answers within it.
const WAIT: Duration = Duration::from_secs(20);

/// One SSE block: its `id`, `event` and `data` fields, or a comment.
#[derive(Debug, Default, PartialEq)]
struct Frame {
    id: Option<u64>,
    event: Option<String>,
    data: Option<String>,
    comment: Option<String>,
}

fn parse_frame(block: &str) -> Frame {
    let mut f = Frame::default();
    for line in block.lines() {
        if let Some(c) = line.strip_prefix(':') {
            f.comment = Some(c.trim().to_owned());
        } else if let Some((k, v)) = line.split_once(": ") {
            match k {
                "id" => f.id = Some(v.parse().unwrap()),
                "event" => f.event = Some(v.to_owned()),
                "data" => f.data = Some(v.to_owned()),
                other => panic!("unexpected field {other} in {block:?}"),
            }
        }
    }
    f
}

/// Reads an SSE body block by block.
struct Sse<S> {
    body: S,
    buf: String,
}

impl<S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin> Sse<S> {
    async fn next_frame(&mut self) -> Frame {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    return parse_frame(&block);
                }
                let chunk = self.body.next().await.expect("stream ended").unwrap();
                self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("no SSE frame in time")
    }

    /// The next event, skipping keep-alive comments.
    async fn next_event(&mut self) -> Frame {
        loop {
            let f = self.next_frame().await;
            if f.comment.is_none() {
                return f;
            }
        }
    }
}

fn sse(resp: TestResponse) -> Sse<impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin> {
    resp.assert_status_is_ok();
    resp.assert_content_type("text/event-stream");
    Sse { body: Box::pin(resp.0.into_body().into_bytes_stream()), buf: String::new() }
}

struct Live {
    _db: TestDb,
    _guard: PrefixGuard,
    queues: RedisQueues,
    client: TestClient<BoxEndpoint<'static>>,
}

async fn live(settings: ApiSettings) -> Live {
    let db = TestDb::new(Engine::Sqlite).await;
    let prefix = format!("{}:", unique_name("kickoff_events"));
    let guard = PrefixGuard::new(redis_url(), prefix.clone());
    let queues = RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix.clone());
    let hub = EventHub::redis(redis::Client::open(redis_url()).unwrap(), prefix, 100);
    let state = ApiState::new(db.conn.clone())
        .with_settings(settings, AuthSettings::default())
        .with_events(hub)
        .with_queues(queues.clone());
    Live { _db: db, _guard: guard, queues, client: TestClient::new(app(state).map_to_response().boxed()) }
}

/// Publishes `(channel, message)` pairs every 100 ms until stopped: the hub subscribes
/// when its first client arrives, and only a publish after that is delivered.
fn keep_publishing(
    queues: RedisQueues,
    messages: Vec<(&'static str, String)>,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, mut stopped) = oneshot::channel();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = &mut stopped => return,
                _ = tick.tick() => {
                    for (channel, message) in &messages {
                        queues.publish(channel, message).await.unwrap();
                    }
                }
            }
        }
    });
    (stop, task)
}

/// Waits until a publish on `matches:live` reaches `stream`; returns that event's id.
async fn wait_until_subscribed<S>(live: &Live, stream: &mut Sse<S>) -> u64
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    let (stop, task) =
        keep_publishing(live.queues.clone(), vec![("matches:live", r#"{"probe":true}"#.into())]);
    let first = stream.next_event().await;
    stop.send(()).unwrap();
    task.await.unwrap();
    assert_eq!(first.event.as_deref(), Some("matches:live"));
    first.id.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_publish_reaches_the_client_unchanged_on_its_channels_only() {
    let live = live(ApiSettings::default()).await;
    let mut stream = sse(live.client.get("/api/v1/events?channels=matches:live,odds:*").send().await);
    let goal = r#"{"type":"match:update","channel":"matches:live","data":{"match_id":7,"home_goals":1}}"#;
    // matches:7 is not asked for: it must never show up, though published first each time.
    let (stop, task) = keep_publishing(
        live.queues.clone(),
        vec![
            ("matches:7", r#"{"other":1}"#.into()),
            ("matches:live", goal.into()),
            ("odds:9", r#"{"o":1}"#.into()),
        ],
    );
    let mut seen = Vec::new();
    while seen.len() < 4 {
        seen.push(stream.next_event().await);
    }
    stop.send(()).unwrap();
    task.await.unwrap();
    assert!(seen.iter().all(|f| f.event.as_deref() != Some("matches:7")), "{seen:?}");
    let first = seen.iter().find(|f| f.event.as_deref() == Some("matches:live")).unwrap();
    assert_eq!(first.data.as_deref(), Some(goal), "the message goes out byte for byte");
    assert!(seen.iter().any(|f| f.event.as_deref() == Some("odds:9")), "odds:* covers odds:9: {seen:?}");
    let ids: Vec<u64> = seen.iter().map(|f| f.id.unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reconnecting_with_last_event_id_gets_what_it_missed_then_live_events() {
    let live = live(ApiSettings::default()).await;
    let mut watcher = sse(live.client.get("/api/v1/events?channels=matches:*,odds:*").send().await);
    let since = wait_until_subscribed(&live, &mut watcher).await;
    for (channel, n) in [("odds:5", 1), ("matches:9", 2), ("odds:5", 3)] {
        live.queues.publish(channel, &format!(r#"{{"n":{n}}}"#)).await.unwrap();
    }
    // Once the watcher saw the last one, the hub has buffered all three.
    while watcher.next_event().await.data.as_deref() != Some(r#"{"n":3}"#) {}

    let resumed =
        live.client.get("/api/v1/events?channels=odds:5").header("Last-Event-ID", since.to_string());
    let mut resumed = sse(resumed.send().await);
    let first = resumed.next_event().await;
    let second = resumed.next_event().await;
    assert_eq!((first.event.as_deref(), first.data.as_deref()), (Some("odds:5"), Some(r#"{"n":1}"#)));
    assert_eq!(second.data.as_deref(), Some(r#"{"n":3}"#), "matches:9 is not on this client's channels");
    assert!(since < first.id.unwrap() && first.id < second.id);

    live.queues.publish("odds:5", r#"{"n":4}"#).await.unwrap();
    let next = resumed.next_event().await;
    assert_eq!(next.data.as_deref(), Some(r#"{"n":4}"#), "live events follow the replay, none twice");
    assert!(next.id > second.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_gets_keep_alive_comments() {
    let live = live(ApiSettings { events_keep_alive_secs: 1, ..ApiSettings::default() }).await;
    let mut stream = sse(live.client.get("/api/v1/events?channels=predictions:new").send().await);
    assert_eq!(stream.next_frame().await.comment.as_deref(), Some("keep-alive"));
}

#[tokio::test]
async fn bad_channels_are_validation_errors_naming_channels() {
    let live = live(ApiSettings::default()).await;
    for uri in [
        "/api/v1/events?channels=matches:live,secrets",
        "/api/v1/events?channels=matches:abc",
        "/api/v1/events?channels=*",
        "/api/v1/events?channels=",
        "/api/v1/events",
    ] {
        let resp = live.client.get(uri).send().await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let body = resp.json().await;
        let body = body.value().object();
        body.get("error").object().get("code").assert_string("VALIDATION_ERROR");
        body.get("error").object().get("details").object().get("field").assert_string("channels");
    }
}

#[tokio::test]
async fn without_redis_the_stream_is_unavailable_and_the_spec_lists_it() {
    let db = TestDb::new(Engine::Sqlite).await;
    let client = TestClient::new(app(ApiState::new(db.conn.clone())));
    let resp = client.get("/api/v1/events?channels=matches:live").send().await;
    resp.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    resp.json().await.value().object().get("error").object().get("code").assert_string("UNAVAILABLE");

    let spec = client.get("/openapi.json").send().await.json().await;
    let op = spec.value().object().get("paths").object().get("/events").object().get("get");
    let content = op.object().get("responses").object().get("200").object().get("content");
    content.object().get("text/event-stream").object();
}
