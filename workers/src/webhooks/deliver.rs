//! One webhook delivery: the event's message POSTed as JSON with its signature, to the
//! address the guard checked, no redirect followed; a 2xx answer is delivered.

use std::time::Duration;

use super::guard::{self, Refused};
use super::sign;
use crate::settings::WebhookSettings;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{url}: answered HTTP {status}")]
    Status { url: String, status: u16 },
}

impl DeliveryError {
    /// A failure the same delivery will meet again.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Refused(r) if r.is_permanent())
    }
}

/// POSTs `body` (an event on `channel`) to `url`, signed with `secret`; the status.
pub async fn deliver(
    settings: &WebhookSettings,
    url: &str,
    secret: &str,
    channel: &str,
    body: &str,
) -> Result<u16, DeliveryError> {
    let parsed = guard::check_url(url, settings)?;
    let addr = guard::resolve(&parsed, settings).await?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let network = |e: reqwest::Error| DeliveryError::Network { url: url.to_owned(), message: e.to_string() };
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
        .body(body.to_owned())
        .send()
        .await
        .map_err(network)?;
    let status = answer.status().as_u16();
    if answer.status().is_success() {
        Ok(status)
    } else {
        Err(DeliveryError::Status { url: url.to_owned(), status })
    }
}
