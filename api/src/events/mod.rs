//! `GET /api/v1/events`: the workers' live events as Server-Sent Events, from Redis
//! pub/sub or the embedded queue's events table. A server built without a feed (a test
//! harness) answers 503 `UNAVAILABLE`.

pub mod channel;
pub mod hub;
pub mod stream;

use std::time::Duration;

use poem::{Body, IntoResponse, Response};
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{ApiResponse, OpenApi};

use crate::envelope::{ErrorEnvelope, body, validation_body};
use crate::state::ApiState;
use crate::tags::ApiTags;

pub use hub::{EventHub, EventsError, LiveEvent};

/// An open `text/event-stream`.
pub struct LiveStream(Body);

impl Payload for LiveStream {
    const CONTENT_TYPE: &'static str = "text/event-stream";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "event-stream")))
    }

    fn register(_registry: &mut Registry) {}
}

impl IntoResponse for LiveStream {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .header("Cache-Control", "no-cache")
            // nginx would otherwise buffer the stream.
            .header("X-Accel-Buffering", "no")
            .body(self.0)
    }
}

#[derive(ApiResponse)]
pub enum EventsResponse {
    /// The stream: one SSE event per message, `event` the channel, `data` the published
    /// JSON unchanged, `id` increasing; `: keep-alive` comments in between.
    #[oai(status = 200)]
    Stream(LiveStream),
    /// `VALIDATION_ERROR` naming `channels`.
    #[oai(status = 400)]
    BadRequest(Json<ErrorEnvelope>),
    /// `UNAVAILABLE`: the server was started without a feed of events.
    #[oai(status = 503)]
    Unavailable(Json<ErrorEnvelope>),
}

pub struct EventsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Events")]
impl EventsApi {
    /// Live events.
    ///
    /// `channels` is a comma-separated list of `matches:live`, `matches:{id}`,
    /// `odds:{match_id}`, `predictions:new`, `value_bets:alerts`, or `matches:*` /
    /// `odds:*` for a whole family. A client reconnecting with `Last-Event-ID` first
    /// receives the events after that id still held by the server (the last
    /// `api.events_replay`), then the live ones.
    #[oai(path = "/events", method = "get")]
    async fn events(
        &self,
        channels: Query<String>,
        #[oai(name = "Last-Event-ID")] last_event_id: Header<Option<String>>,
    ) -> EventsResponse {
        let subs = match channel::parse_list(&channels.0) {
            Ok(subs) => subs,
            Err(reason) => return EventsResponse::BadRequest(validation_body("channels", &reason)),
        };
        let Some(hub) = self.state.events.clone() else {
            let message = "this server has no feed of live events".to_owned();
            return EventsResponse::Unavailable(body("UNAVAILABLE", message, serde_json::Value::Null));
        };
        // An id from elsewhere (another server's format) just means "no replay".
        let after = last_event_id.0.and_then(|id| id.trim().parse::<u64>().ok());
        let keep_alive = Duration::from_secs(self.state.settings.events_keep_alive_secs);
        let events = stream::body(hub, subs, after, keep_alive);
        EventsResponse::Stream(LiveStream(Body::from_bytes_stream(events)))
    }
}
