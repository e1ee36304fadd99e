//! The SSE body of one client: its replayed events, then its live ones, with keep-alive
//! comments in between so proxies keep the connection open.

use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Interval, MissedTickBehavior, interval_at};

use super::channel::Subscription;
use super::hub::{EventHub, LiveEvent, Tail};

/// The comment sent when nothing else was for a while.
pub const KEEP_ALIVE: &str = ": keep-alive\n\n";

/// One event in the SSE wire format: `id`, `event` (the channel) and the message as
/// `data` lines.
pub fn frame(event: &LiveEvent) -> String {
    let mut out = format!("id: {}\nevent: {}\n", event.id, event.channel);
    for line in event.data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// The inverse of [`frame`], for clients: takes every complete frame off the front of
/// `buffer` (what a stream sent so far) and returns their `data`, lines joined; comments
/// (`: keep-alive`) and a partial frame at the end are left out, the latter kept for the
/// next call.
pub fn take_data(buffer: &mut String) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let frame: String = buffer.drain(..end + 2).collect();
        let data: Vec<&str> = frame.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}

struct Feed {
    hub: EventHub,
    subs: Vec<Subscription>,
    tail: Tail,
    ticker: Interval,
}

impl Feed {
    fn wants(&self, event: &LiveEvent) -> bool {
        self.subs.iter().any(|s| s.matches(&event.channel))
    }

    /// The next chunk of the body; `None` when the hub is gone.
    async fn next_chunk(&mut self) -> Option<String> {
        loop {
            let event = match self.tail.replay.pop_front() {
                Some(event) => event,
                None => tokio::select! {
                    received = self.tail.rx.recv() => match received {
                        Ok(event) => event,
                        // A slow client missed some: pick them up from the buffer.
                        Err(RecvError::Lagged(_)) => {
                            self.tail = self.hub.subscribe(Some(self.tail.cursor));
                            continue;
                        }
                        Err(RecvError::Closed) => return None,
                    },
                    _ = self.ticker.tick() => return Some(KEEP_ALIVE.to_owned()),
                },
            };
            if event.id <= self.tail.cursor {
                continue;
            }
            self.tail.cursor = event.id;
            if self.wants(&event) {
                self.ticker.reset();
                return Some(frame(&event));
            }
        }
    }
}

/// The body of a client subscribed to `subs`, resuming after `after` when given.
pub fn body(
    hub: EventHub,
    subs: Vec<Subscription>,
    after: Option<u64>,
    keep_alive: Duration,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let tail = hub.subscribe(after);
    let keep_alive = keep_alive.max(Duration::from_millis(100));
    let mut ticker = interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let feed = Feed { hub, subs, tail, ticker };
    futures::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next_chunk().await?;
        Some((Ok(Bytes::from(chunk)), feed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_keep_the_message_and_split_lines() {
        let e = LiveEvent { id: 7, channel: "odds:3".into(), data: r#"{"a":1}"#.into() };
        assert_eq!(frame(&e), "id: 7\nevent: odds:3\ndata: {\"a\":1}\n\n");
        let e = LiveEvent { id: 8, channel: "matches:live".into(), data: "{\r\n}".into() };
        assert_eq!(frame(&e), "id: 8\nevent: matches:live\ndata: {\ndata: }\n\n");
    }

    #[test]
    fn clients_take_back_the_data_of_whole_frames_only() {
        let one = LiveEvent { id: 1, channel: "odds:3".into(), data: "{\n\"a\":1}".into() };
        let two = LiveEvent { id: 2, channel: "odds:3".into(), data: "{}".into() };
        let mut buffer = format!("{}{KEEP_ALIVE}{}", frame(&one), frame(&two));
        buffer.push_str("id: 3\ndata: {\"par");
        assert_eq!(take_data(&mut buffer), ["{\n\"a\":1}", "{}"]);
        assert_eq!(buffer, "id: 3\ndata: {\"par", "the partial frame waits for the rest");
        buffer.push_str("t\":1}\n\n");
        assert_eq!(take_data(&mut buffer), ["{\"part\":1}"]);
        assert!(buffer.is_empty());
    }
}
