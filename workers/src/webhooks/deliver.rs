//! One webhook delivery: the event's message POSTed as JSON with its signature, to the
//! address the guard checked, no redirect followed; a 2xx answer is delivered.

use std::time::Duration;

use super::guard::{self, Refused};
use super::sign;
use crate::settings::WebhookSettings;

/// Why a delivery failed. Errors name the endpoint by its origin only: a webhook's path
/// often carries its own token (Slack, Discord), which must not reach logs or dead letters.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("{origin}: {message}")]
    Network { origin: String, message: String },
    #[error("{origin}: answered HTTP {status}")]
    Status { origin: String, status: u16 },
}

/// The scheme, host and port of `url`, for messages.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "(not a URL)".to_owned())
}

impl DeliveryError {
    /// A failure the same delivery will meet again.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Refused(r) if r.is_permanent())
    }
}

/// POSTs `body` (an event on `channel`) to `url`, signed with `secret`, with the
/// delivery's id (the job's: a retry keeps it, so a receiver can drop a repeat); the
/// status.
pub async fn deliver(
    settings: &WebhookSettings,
    url: &str,
    secret: &str,
    delivery: &str,
    channel: &str,
    body: &str,
) -> Result<u16, DeliveryError> {
    let parsed = guard::check_url(url, settings)?;
    let addr = guard::resolve(&parsed, settings).await?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let origin = origin_of(url);
    // reqwest's messages quote the whole URL: only its kind goes into the error.
    let network = |e: reqwest::Error| DeliveryError::Network {
        origin: origin.clone(),
        message: if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "connection failed".to_owned()
        } else {
            "request failed".to_owned()
        },
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        // Connect to the checked address only: a second lookup could answer otherwise.
        .resolve(&host, addr)
        .build()
        .map_err(network)?;
    let timestamp = chrono::Utc::now().timestamp();
    let answer = client
        .post(parsed)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, concat!("kickoff-webhooks/", env!("CARGO_PKG_VERSION")))
        .header(sign::HEADER, sign::signature(secret, timestamp, body.as_bytes()))
        .header("X-Kickoff-Channel", channel)
        .header("X-Kickoff-Delivery", delivery)
        .body(body.to_owned())
        .send()
        .await
        .map_err(network)?;
    let status = answer.status().as_u16();
    if answer.status().is_success() { Ok(status) } else { Err(DeliveryError::Status { origin, status }) }
}
