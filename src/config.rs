//! Layered configuration: embedded defaults → `ops/config/default.toml` →
//! `ops/config/{KICKOFF_ENV}.toml` → `KICKOFF__SECTION__KEY` environment variables.
//! Each section's type belongs to the crate that uses it.

use std::path::{Path, PathBuf};

use api::{ApiSettings, AuthSettings};
use entities::DatabaseSettings;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use jobs::QueueSettings;
use serde::{Deserialize, Serialize};
use workers::settings::{LlmSettings, PredictSettings, ScrapeSettings, TelegramSettings, WebhookSettings};

/// The defaults, compiled in so the binary runs anywhere.
pub const DEFAULT_TOML: &str = include_str!("../ops/config/default.toml");

/// `[log]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Auto,
    Json,
    Pretty,
}

/// The whole configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub queue: QueueSettings,
    pub api: ApiSettings,
    pub auth: AuthSettings,
    pub telegram: TelegramSettings,
    pub scrape: ScrapeSettings,
    pub predict: PredictSettings,
    pub llm: LlmSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub webhooks: WebhookSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid configuration: {0}")]
    Check(String),
}

/// The environment name (`KICKOFF_ENV`, default `development`).
pub fn env_name() -> String {
    std::env::var("KICKOFF_ENV").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "development".to_owned())
}

/// The directory of the TOML layers (`KICKOFF_CONFIG_DIR`, default `ops/config`).
pub fn config_dir() -> PathBuf {
    std::env::var_os("KICKOFF_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("ops/config"))
}

/// Builds the layered figment; missing files are skipped.
pub fn figment(env: &str, dir: &Path) -> Figment {
    Figment::new()
        .merge(Toml::string(DEFAULT_TOML))
        .merge(Toml::file(dir.join("default.toml")))
        .merge(Toml::file(dir.join(format!("{env}.toml"))))
        .merge(Env::prefixed("KICKOFF__").split("__"))
}

/// Loads and checks the configuration.
pub fn load(env: &str, dir: &Path) -> Result<Settings, ConfigError> {
    let settings: Settings = figment(env, dir).extract().map_err(|e| ConfigError::Invalid(Box::new(e)))?;
    settings.check()?;
    Ok(settings)
}

impl Settings {
    /// Cross-field checks serde cannot express.
    pub fn check(&self) -> Result<(), ConfigError> {
        entities::Engine::of_url(self.database.url.expose())
            .map_err(|e| ConfigError::Check(format!("database.url: {e}")))?;
        self.queue.backend().map_err(|e| ConfigError::Check(e.to_string()))?;
        self.api.validate().map_err(ConfigError::Check)?;
        Ok(())
    }

    /// The effective configuration as TOML, secrets masked.
    pub fn to_masked_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }
}

#[cfg(test)]
// figment's Jail fixes the closure's error type (figment::Error) for us.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(jail: &Jail) -> Result<Settings, ConfigError> {
        load(&env_name(), &jail.directory().join("ops/config"))
    }

    #[test]
    fn embedded_defaults_are_complete() {
        Jail::expect_with(|jail| {
            let s = load_in(jail).map_err(|e| e.to_string())?;
            assert_eq!(s.database.url.expose(), "sqlite://kickoff.db");
            assert_eq!(s.queue.backend(), Ok(jobs::QueueBackend::Embedded));
            assert_eq!(s.api.bind, "127.0.0.1:8080");
            Ok(())
        });
    }

    #[test]
    fn layers_apply_in_order() {
        Jail::expect_with(|jail| {
            jail.create_dir("ops/config")?;
            jail.create_file(
                "ops/config/default.toml",
                "[api]\nbind = \"0.0.0.0:1\"\nrate_limit_per_minute = 5\n",
            )?;
            jail.create_file("ops/config/staging.toml", "[api]\nbind = \"0.0.0.0:2\"\n")?;
            jail.set_env("KICKOFF_ENV", "staging");
            let s = load_in(jail).map_err(|e| e.to_string())?;
            assert_eq!(s.api.bind, "0.0.0.0:2");
            assert_eq!(s.api.rate_limit_per_minute, 5);
            jail.set_env("KICKOFF__API__BIND", "10.0.0.1:3");
            jail.set_env("KICKOFF__DATABASE__URL", "postgres://k:pw@db/kickoff");
            let s = load_in(jail).map_err(|e| e.to_string())?;
            assert_eq!(s.api.bind, "10.0.0.1:3");
            assert_eq!(s.database.url.expose(), "postgres://k:pw@db/kickoff");
            assert_eq!(s.api.rate_limit_per_minute, 5);
            Ok(())
        });
    }

    #[test]
    fn bad_value_names_key_and_type() {
        Jail::expect_with(|jail| {
            jail.set_env("KICKOFF__DATABASE__MAX_CONNECTIONS", "lots");
            let err = load_in(jail).unwrap_err().to_string().to_lowercase();
            assert!(err.contains("database.max_connections"), "{err}");
            assert!(err.contains("u32"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("KICKOFF__QUEUE__URL", "amqp://h");
            let err = load_in(jail).unwrap_err().to_string();
            assert!(err.contains("queue.url"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("KICKOFF__API__BYND", "x");
            let err = load_in(jail).unwrap_err().to_string();
            assert!(err.contains("bynd"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_are_masked_in_output_and_debug() {
        Jail::expect_with(|jail| {
            jail.set_env("KICKOFF__AUTH__JWT_SECRET", "jwt-s3cret-value");
            jail.set_env("KICKOFF__TELEGRAM__BOT_TOKEN", "123456:AAbotTOKEN");
            jail.set_env("KICKOFF__TELEGRAM__WEBHOOK_SECRET", "9876543210");
            jail.set_env("KICKOFF__DATABASE__URL", "postgres://kick:dbpa55@db/kickoff");
            jail.set_env("KICKOFF__QUEUE__URL", "redis://:redispa55@cache:6379/0");
            let s = load_in(jail).map_err(|e| e.to_string())?;
            let printed = s.to_masked_toml().map_err(|e| e.to_string())?;
            let debug = format!("{s:?}");
            for secret in ["jwt-s3cret-value", "AAbotTOKEN", "9876543210", "dbpa55", "redispa55"] {
                assert!(!printed.contains(secret), "{secret} in {printed}");
                assert!(!debug.contains(secret), "{secret} in {debug}");
            }
            assert!(printed.contains("jwt_secret = \"********\""), "{printed}");
            assert!(printed.contains("postgres://kick:********@db/kickoff"), "{printed}");
            use secrecy::ExposeSecret;
            assert_eq!(s.telegram.webhook_secret.expose_secret(), "9876543210");
            Ok(())
        });
    }
}
