//! One feed of live events per server, fanned out to every SSE client through a
//! broadcast channel, with the last events kept for clients that reconnect. The feed is
//! a Redis pub/sub subscription, or on the embedded queue a tail of its events table
//! (which every process on the host writes to).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::broadcast;

use jobs::embedded_queue::EmbeddedQueues;

use super::channel::{is_channel, redis_patterns};

/// One event as it went out: its id, its channel (without the queue prefix) and the
/// publisher's message, unchanged.
#[derive(Debug, PartialEq, Eq)]
pub struct LiveEvent {
    pub id: u64,
    pub channel: String,
    pub data: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("embedded queue: {0}")]
    Embedded(#[from] jobs::QueueError),
    #[error("the subscription ended")]
    Ended,
}

/// Where a client picks up the events: the buffered ones it missed, then the live ones.
pub struct Tail {
    pub replay: VecDeque<Arc<LiveEvent>>,
    pub rx: broadcast::Receiver<Arc<LiveEvent>>,
    /// Every event up to this id was either replayed or is not wanted; later ones on `rx`
    /// are new.
    pub cursor: u64,
}

/// The live events of one server. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").field("prefix", &self.inner.prefix).finish_non_exhaustive()
    }
}

/// Where the events come from.
enum Feed {
    Redis(redis::Client),
    Embedded(EmbeddedQueues),
}

struct Inner {
    feed: Feed,
    prefix: String,
    capacity: usize,
    ring: Mutex<Ring>,
    tx: broadcast::Sender<Arc<LiveEvent>>,
    started: AtomicBool,
}

struct Ring {
    events: VecDeque<Arc<LiveEvent>>,
    next_id: u64,
}

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often the embedded feed reads the events table: well inside the freshness the
/// events promise (seconds), and one indexed query per tick.
const TAIL_EVERY: Duration = Duration::from_millis(200);
/// Events read per query of the table.
const TAIL_BATCH: u32 = 500;

impl EventHub {
    /// A hub for the channels under `prefix` on the Redis of `client`, keeping the last
    /// `capacity` events. It subscribes when the first client arrives.
    pub fn redis(client: redis::Client, prefix: impl Into<String>, capacity: usize) -> Self {
        Self::new(Feed::Redis(client), prefix.into(), capacity)
    }

    /// A hub tailing the events table of the embedded queue `queues` (its prefix's
    /// channels), keeping the last `capacity` events. It starts reading at the newest
    /// event when the first client arrives.
    pub fn embedded(queues: EmbeddedQueues, capacity: usize) -> Self {
        let prefix = queues.prefix().to_owned();
        Self::new(Feed::Embedded(queues), prefix, capacity)
    }

    fn new(feed: Feed, prefix: String, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let (tx, _) = broadcast::channel(capacity);
        // Ids start at the start-up time in microseconds, so they keep increasing across
        // restarts and a Last-Event-ID from an earlier run never hides newer events.
        let next_id = chrono::Utc::now().timestamp_micros().max(1) as u64;
        let inner = Inner {
            feed,
            prefix,
            capacity,
            ring: Mutex::new(Ring { events: VecDeque::with_capacity(capacity), next_id }),
            tx,
            started: AtomicBool::new(false),
        };
        Self { inner: Arc::new(inner) }
    }

    /// The buffered events after `after` (none when `None`: a new client starts now) and
    /// a receiver of every later one, taken under one lock so nothing falls between them.
    pub fn subscribe(&self, after: Option<u64>) -> Tail {
        self.start();
        let ring = self.inner.ring();
        let rx = self.inner.tx.subscribe();
        let newest = ring.next_id - 1;
        let (replay, cursor) = match after {
            Some(after) => (ring.events.iter().filter(|e| e.id > after).cloned().collect(), after),
            None => (VecDeque::new(), newest),
        };
        Tail { replay, rx, cursor }
    }

    fn start(&self) {
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        // Events published from now on reach the clients that subscribed so far.
        let since = chrono::Utc::now();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(250);
            // The embedded feed's position survives a lost connection: nothing is skipped.
            let mut tail_from = None;
            loop {
                let err = match &inner.feed {
                    Feed::Redis(client) => inner.listen(client, &mut backoff).await,
                    Feed::Embedded(queues) => inner.tail(queues, since, &mut tail_from, &mut backoff).await,
                };
                tracing::warn!(error = %err, retry_in = ?backoff, "live events: subscription lost");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
    }

    /// Records an event as if it had arrived from Redis (tests of the fan-out).
    #[cfg(test)]
    fn push_for_test(&self, channel: &str, data: &str) {
        self.inner.push(channel, data);
    }
}

impl Inner {
    fn ring(&self) -> MutexGuard<'_, Ring> {
        // A panic while holding the lock cannot leave the ring half-written.
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Subscribes to every channel and forwards messages until the connection ends.
    async fn listen(&self, client: &redis::Client, backoff: &mut Duration) -> EventsError {
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => return e.into(),
        };
        for pattern in redis_patterns(&self.prefix) {
            if let Err(e) = pubsub.psubscribe(&pattern).await {
                return e.into();
            }
        }
        tracing::info!(prefix = %self.prefix, "live events: subscribed");
        *backoff = Duration::from_millis(250);
        let mut messages = pubsub.on_message();
        while let Some(msg) = messages.next().await {
            let Some(channel) = msg.get_channel_name().strip_prefix(self.prefix.as_str()) else {
                continue;
            };
            if !is_channel(channel) {
                tracing::debug!(channel, "live events: ignoring an unknown channel");
                continue;
            }
            match msg.get_payload::<String>() {
                Ok(data) => self.push(channel, &data),
                Err(e) => tracing::warn!(channel, error = %e, "live events: payload is not text"),
            }
        }
        EventsError::Ended
    }

    /// Reads the events table after `from` (the events published since `since` on the
    /// first call) and forwards them until a read fails.
    async fn tail(
        &self,
        queues: &EmbeddedQueues,
        since: chrono::DateTime<chrono::Utc>,
        from: &mut Option<i64>,
        backoff: &mut Duration,
    ) -> EventsError {
        let mut after = match *from {
            Some(id) => id,
            None => match queues.last_event_before(since).await {
                Ok(id) => *from.insert(id),
                Err(e) => return e.into(),
            },
        };
        tracing::info!(prefix = %self.prefix, after, "live events: reading the embedded queue's events");
        *backoff = Duration::from_millis(250);
        let mut tick = tokio::time::interval(TAIL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                let batch = match queues.events_after(after, TAIL_BATCH).await {
                    Ok(b) => b,
                    Err(e) => return e.into(),
                };
                let full = batch.len() == TAIL_BATCH as usize;
                for event in batch {
                    after = event.id;
                    *from = Some(after);
                    if is_channel(&event.channel) {
                        self.push(&event.channel, &event.payload);
                    }
                }
                if !full {
                    break;
                }
            }
        }
    }

    fn push(&self, channel: &str, data: &str) {
        let mut ring = self.ring();
        let event =
            Arc::new(LiveEvent { id: ring.next_id, channel: channel.to_owned(), data: data.to_owned() });
        ring.next_id += 1;
        if ring.events.len() == self.capacity {
            ring.events.pop_front();
        }
        ring.events.push_back(event.clone());
        // Sent under the lock so ids reach receivers in order; no receiver is fine.
        let _ = self.tx.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replay_gives_the_buffered_events_after_an_id_then_live_ones() {
        // Nothing listens on port 1: the subscriber retries in the background, harmlessly.
        let hub = EventHub::redis(redis::Client::open("redis://127.0.0.1:1/").unwrap(), "t:", 3);
        let fresh = hub.subscribe(None);
        assert!(fresh.replay.is_empty());
        for i in 0..4 {
            hub.push_for_test("matches:live", &format!("{{\"n\":{i}}}"));
        }
        assert_eq!(hub.subscribe(None).cursor, fresh.cursor + 4, "a new client starts after the newest");
        let all = hub.subscribe(Some(0)).replay;
        let ids: Vec<u64> = all.iter().map(|e| e.id).collect();
        assert_eq!(all.len(), 3, "capacity bounds the buffer");
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
        assert_eq!(all[0].data, "{\"n\":1}");

        let mut tail = hub.subscribe(Some(ids[1]));
        assert_eq!(tail.replay.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[2]]);
        hub.push_for_test("odds:3", "{}");
        let live = tail.rx.recv().await.unwrap();
        assert_eq!((live.id, live.channel.as_str()), (ids[2] + 1, "odds:3"));
    }
}
