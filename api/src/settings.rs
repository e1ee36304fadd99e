//! The `[api]` and `[auth]` sections.

use entities::secret::{deserialize_secret, serialize_masked};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[api]`: the HTTP server.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// host:port to listen on.
    pub bind: String,
    /// Origins allowed by CORS; empty allows none.
    pub cors_origins: Vec<String>,
    /// Whether read endpoints answer without credentials.
    pub public_reads: bool,
    /// Requests per minute per client; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// How long a list's total row count is reused before it is counted again; 0
    /// counts on every request.
    pub count_cache_secs: u64,
    /// Seconds between keep-alive comments on an idle event stream.
    #[serde(default = "default_events_keep_alive_secs")]
    pub events_keep_alive_secs: u64,
    /// Live events kept for clients that reconnect with `Last-Event-ID`.
    #[serde(default = "default_events_replay")]
    pub events_replay: usize,
    /// Marks the `/ops` session cookie Secure (sent over HTTPS only); turn on behind TLS.
    #[serde(default)]
    pub secure_cookies: bool,
}

fn default_events_keep_alive_secs() -> u64 {
    15
}

fn default_events_replay() -> usize {
    1000
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            cors_origins: Vec::new(),
            public_reads: true,
            rate_limit_per_minute: 600,
            count_cache_secs: 5,
            events_keep_alive_secs: default_events_keep_alive_secs(),
            events_replay: default_events_replay(),
            secure_cookies: false,
        }
    }
}

/// `[auth]`: token verification.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 secret of the JWTs (Supabase format); empty disables JWT login.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub jwt_secret: SecretString,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { jwt_secret: SecretString::from("") }
    }
}

impl ApiSettings {
    /// Checks what serde cannot: `bind` must be host:port, keep-alives must be spaced.
    pub fn validate(&self) -> Result<(), String> {
        if self.events_keep_alive_secs == 0 {
            return Err("api.events_keep_alive_secs: must be at least 1".to_owned());
        }
        match self.bind.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
            _ => Err(format!("api.bind: expected host:port, got `{}`", self.bind)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_must_be_host_and_port() {
        assert!(ApiSettings::default().validate().is_ok());
        for bad in ["8080", "localhost", "h:99999", ":80"] {
            let s = ApiSettings { bind: bad.into(), ..ApiSettings::default() };
            assert!(s.validate().unwrap_err().contains("api.bind"), "{bad}");
        }
    }
}
