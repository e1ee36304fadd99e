//! The optional language-model adjustment: the ensemble's forecast and the match are
//! sent to an OpenAI-compatible chat endpoint, which answers with a change of each
//! outcome's probability and its reasons. The change is bounded (`max_adjustment`), the
//! result renormalised, and any failure (timeout, HTTP error, a reply that is not the
//! asked-for JSON) leaves the forecast as it was.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::settings::LlmSettings;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the endpoint took longer than {0:?}")]
    Timeout(Duration),
    #[error("request failed: {0}")]
    Request(String),
    #[error("the endpoint answered {status}")]
    Status { status: u16 },
    #[error("the reply is not the expected JSON: {0}")]
    Malformed(String),
}

/// The match as the model is told about it.
#[derive(Debug, Clone)]
pub struct MatchContext {
    pub league: String,
    pub home: String,
    pub away: String,
    pub kickoff: String,
}

/// A bounded adjustment.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub probs: [f64; 3],
    /// The changes applied, after bounding.
    pub deltas: [f64; 3],
    pub reasons: String,
}

#[derive(Deserialize)]
struct Reply {
    home: f64,
    draw: f64,
    away: f64,
    #[serde(default)]
    reasons: String,
}

/// A client of the chat endpoint.
#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    settings: LlmSettings,
}

impl LlmClient {
    pub fn new(settings: LlmSettings) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .build()
            .map_err(|e| LlmError::Request(e.to_string()))?;
        Ok(Self { http, settings })
    }

    /// Asks for an adjustment of `probs` (home, draw, away) for `m`.
    pub async fn adjust(&self, m: &MatchContext, probs: [f64; 3]) -> Result<Adjustment, LlmError> {
        let limit = Duration::from_millis(self.settings.timeout_ms.max(1));
        tokio::time::timeout(limit, self.ask(m, probs)).await.map_err(|_| LlmError::Timeout(limit))?
    }

    async fn ask(&self, m: &MatchContext, probs: [f64; 3]) -> Result<Adjustment, LlmError> {
        let bound = self.settings.max_adjustment.abs();
        let body = json!({
            "model": self.settings.model,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": format!(
                    "You adjust football match probabilities using news and context the statistical \
                     model cannot see. Reply with a JSON object {{\"home\": d, \"draw\": d, \"away\": d, \
                     \"reasons\": \"...\"}} where each d is a change of that probability between -{bound} \
                     and {bound}, and the changes sum to zero.")},
                {"role": "user", "content": format!(
                    "{} v {} ({}, kick-off {}). Model: home {:.3}, draw {:.3}, away {:.3}.",
                    m.home, m.away, m.league, m.kickoff, probs[0], probs[1], probs[2])},
            ],
        });
        let url = format!("{}/chat/completions", self.settings.url.trim_end_matches('/'));
        let mut req = self.http.post(url).header("content-type", "application/json").body(body.to_string());
        let key = self.settings.api_key.expose_secret();
        if !key.is_empty() {
            req = req.bearer_auth(key);
        }
        let limit = Duration::from_millis(self.settings.timeout_ms.max(1));
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                LlmError::Timeout(limit)
            } else {
                LlmError::Request(e.without_url().to_string())
            }
        };
        let resp = req.send().await.map_err(failed)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(LlmError::Status { status: status.as_u16() });
        }
        let bytes = resp.bytes().await.map_err(failed)?;
        let envelope: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| LlmError::Malformed(e.to_string()))?;
        let content = envelope["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| LlmError::Malformed("no choices[0].message.content".into()))?;
        let reply: Reply = serde_json::from_str(content).map_err(|e| LlmError::Malformed(e.to_string()))?;
        Ok(apply(probs, [reply.home, reply.draw, reply.away], bound, reply.reasons))
    }
}

/// `probs` changed by `deltas`, each bounded to ±`bound`, kept above a floor and
/// renormalised.
pub fn apply(probs: [f64; 3], deltas: [f64; 3], bound: f64, reasons: String) -> Adjustment {
    let deltas = deltas.map(|d| if d.is_finite() { d.clamp(-bound, bound) } else { 0.0 });
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = (probs[i] + deltas[i]).max(0.001);
    }
    let total: f64 = out.iter().sum();
    Adjustment { probs: out.map(|p| p / total), deltas, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_bounded_and_the_result_is_a_distribution() {
        let a = apply([0.5, 0.3, 0.2], [0.3, -0.01, f64::NAN], 0.05, "injury".into());
        assert_eq!(a.deltas, [0.05, -0.01, 0.0]);
        assert!((a.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(a.probs[0] > 0.5 && a.probs[0] < 0.56);
        let floor = apply([0.98, 0.01, 0.01], [0.0, -0.05, -0.05], 0.05, String::new());
        assert!(floor.probs.iter().all(|p| *p > 0.0));
    }
}
