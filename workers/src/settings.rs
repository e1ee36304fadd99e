//! The settings sections the workers own.

use std::collections::BTreeMap;

use entities::secret::{ConnUrl, deserialize_secret, serialize_masked};
use predict::value_rule::ValueRule;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[telegram]`: the Bot API used for alerts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramSettings {
    /// Bot token from @BotFather; empty disables sending.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub bot_token: SecretString,
    /// Secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` on webhook calls.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub webhook_secret: SecretString,
    /// Bot API base URL.
    pub api_url: ConnUrl,
    /// Chat that receives operator alerts; 0 disables them.
    pub ops_chat_id: i64,
    /// When operator alerts fire.
    #[serde(default)]
    pub ops_alerts: OpsAlertSettings,
}

/// `[telegram.ops_alerts]`: the thresholds of the operator alerts. Each incident is one
/// message when it starts and one when it clears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpsAlertSettings {
    /// Jobs waiting on one queue above which it counts as backed up.
    pub backlog: u64,
    /// New dead letters of one queue within the last hour that raise an alert.
    pub dead_letters_per_hour: u64,
    /// How long a source must have been failing (no success since) to raise an alert.
    pub source_failing_secs: u64,
    /// A schedule's missed tick raises an alert that clears this long after the last one.
    pub missed_tick_window_secs: u64,
}

impl Default for OpsAlertSettings {
    fn default() -> Self {
        Self {
            backlog: 1_000,
            dead_letters_per_hour: 10,
            source_failing_secs: 3_600,
            missed_tick_window_secs: 3_600,
        }
    }
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            bot_token: SecretString::from(""),
            webhook_secret: SecretString::from(""),
            api_url: ConnUrl::new("https://api.telegram.org"),
            ops_chat_id: 0,
            ops_alerts: OpsAlertSettings::default(),
        }
    }
}

/// `[scrape]`: where and how data is fetched, and how politely.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeSettings {
    /// Base URL of football-data.co.uk season files: `{base}/{season}/{league}.csv`.
    pub football_data_url: String,
    /// Division codes `collect_results` fans out to when a job names none.
    pub leagues: Vec<String>,
    /// Seconds before a request is abandoned.
    pub timeout_secs: u64,
    pub user_agent: String,
    /// More User-Agent strings, rotated per request with `user_agent`.
    pub user_agents: Vec<String>,
    /// Proxies (`http://host:port`) requests rotate over; empty means direct.
    pub proxies: Vec<String>,
    /// Consecutive failures after which a proxy is disabled until a health check passes.
    pub proxy_max_failures: u32,
    /// Seconds between health checks of disabled proxies.
    pub proxy_check_secs: u64,
    /// The URL a disabled proxy must fetch with a success to be enabled again; empty
    /// for `football_data_url`.
    #[serde(default)]
    pub proxy_check_url: String,
    /// Budget of a domain not listed in `domains`.
    pub default_rate_per_min: u32,
    pub default_burst: u32,
    /// Per-domain budgets, shared by every worker process through the queue backend.
    /// Their hosts are also on the fetch allowlist (see `scrape::fetch::allow`).
    pub domains: BTreeMap<String, DomainBudget>,
    /// More URLs whose scheme, host and port fetches may reach, beside the sources'.
    pub allowed_urls: Vec<String>,
    /// Largest body a fetch reads, in bytes, after decompression; a longer one fails.
    pub max_body_bytes: u64,
    /// Attempts after a 429/503 (waiting Retry-After or a backoff) before a fetch gives up.
    pub throttle_retries: u32,
    /// Longest Retry-After a fetch waits for in place; longer ones fail the attempt.
    pub max_retry_after_secs: u64,
    /// A random pause before each request, between these bounds (ms); 0 and 0 disable it.
    pub human_delay_min_ms: u64,
    pub human_delay_max_ms: u64,
    /// Consecutive failures of a domain that open its circuit, and how long it stays open.
    pub breaker_failures: u32,
    pub breaker_cooldown_secs: u64,
    /// WebDriver server for pages that need script; empty starts `chromedriver` here.
    pub webdriver_url: String,
    pub chromedriver_binary: String,
    pub chromium_binary: String,
    /// Browser sessions kept open at most (each is a Chromium process).
    pub browser_sessions: usize,
    /// How long a page may take to show its `wait_for` selector.
    pub browser_wait_secs: u64,
    /// Fixture pages `collect_fixtures` fans out to, by site.
    pub sources: BTreeMap<String, SourceSettings>,
    /// The Betfair Exchange API, for `scrape_betfair`.
    pub betfair: BetfairSettings,
    /// Following matches while they are played (`follow_match`).
    #[serde(default)]
    pub live: LiveSettings,
}

/// `[scrape.live]`: how matches in play are followed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSettings {
    /// Seconds between two polls of a match in play.
    pub poll_secs: u64,
    /// Polls after which a match that never reached its final whistle is given up
    /// (abandoned, or its source stopped reporting it).
    pub max_polls: u32,
    /// sport1.de's live API: a match with a sport1 id (`external_ids.sport1`) is
    /// followed there. Empty: not followed.
    pub sport1_url: String,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self { poll_secs: 60, max_polls: 240, sport1_url: sources::sport1::BASE_URL.to_owned() }
    }
}

/// `[scrape.betfair]`: Betfair's Exchange API (API-NG, JSON-RPC).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetfairSettings {
    /// Base URL of the betting API (`{url}/json-rpc/v1`).
    pub url: String,
    /// Application key (`X-Application`); empty disables `scrape_betfair`.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub app_key: SecretString,
    /// Session token (`X-Authentication`) from Betfair's login.
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub session_token: SecretString,
    /// Division code → Betfair competition id.
    pub competitions: BTreeMap<String, String>,
    /// Markets starting within this many days are read.
    pub horizon_days: u32,
}

impl Default for BetfairSettings {
    fn default() -> Self {
        Self {
            url: "https://api.betfair.com/exchange/betting".into(),
            app_key: SecretString::from(""),
            session_token: SecretString::from(""),
            competitions: BTreeMap::new(),
            horizon_days: 7,
        }
    }
}

/// One site's fixture page: where it is and which leagues it covers.
///
/// `url` is a template: `{base}` is `base_url`; `{season}` (`2015-16`),
/// `{season_start}` (`2015`), `{season_code}` (`1516`), `{date}` (`2024-05-01`) and
/// `{date_compact}` (`20240501`) describe what is collected; every other `{name}` is
/// the league's own value in `leagues` (its id on that site, a slug, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub base_url: String,
    /// The parser of the page (`league`, `schedule`, `matches`, ...).
    pub page: String,
    pub url: String,
    /// Division code → the site's values for the league.
    pub leagues: BTreeMap<String, BTreeMap<String, String>>,
    /// How its pages are fetched: `http` (the default), or `browser` for pages that
    /// render their rows with script (headless Chromium, `[scrape] browser_sessions`).
    #[serde(default)]
    pub render: Render,
    /// With `render = "browser"`: the CSS selector whose appearance means the page is
    /// rendered (waited for up to `browser_wait_secs`).
    #[serde(default)]
    pub wait_for: Option<String>,
}

/// How a source's pages are fetched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Render {
    #[default]
    Http,
    Browser,
}

/// Requests per minute and burst allowed to one domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainBudget {
    pub rate_per_min: u32,
    pub burst: u32,
}

impl ScrapeSettings {
    /// The budget of `domain`.
    pub fn budget(&self, domain: &str) -> DomainBudget {
        self.domains
            .get(domain)
            .copied()
            .unwrap_or(DomainBudget { rate_per_min: self.default_rate_per_min, burst: self.default_burst })
    }
}

impl Default for ScrapeSettings {
    fn default() -> Self {
        let budget = |rate_per_min, burst| DomainBudget { rate_per_min, burst };
        Self {
            football_data_url: "https://www.football-data.co.uk/mmz4281".to_owned(),
            leagues: ["E0", "D1", "I1", "SP1"].map(String::from).to_vec(),
            timeout_secs: 30,
            user_agent: concat!("kickoff/", env!("CARGO_PKG_VERSION")).to_owned(),
            user_agents: Vec::new(),
            proxies: Vec::new(),
            proxy_max_failures: 3,
            proxy_check_secs: 60,
            proxy_check_url: String::new(),
            default_rate_per_min: 30,
            default_burst: 5,
            domains: BTreeMap::from([
                ("www.flashscore.com".to_owned(), budget(30, 5)),
                ("api.sofascore.com".to_owned(), budget(20, 4)),
                ("www.transfermarkt.com".to_owned(), budget(15, 3)),
                ("www.theguardian.com".to_owned(), budget(10, 2)),
                ("www.bbc.co.uk".to_owned(), budget(10, 2)),
                ("sportsapi.sport1.de".to_owned(), budget(120, 20)),
            ]),
            allowed_urls: Vec::new(),
            max_body_bytes: 16 << 20,
            throttle_retries: 3,
            max_retry_after_secs: 120,
            human_delay_min_ms: 0,
            human_delay_max_ms: 0,
            breaker_failures: 5,
            breaker_cooldown_secs: 60,
            webdriver_url: String::new(),
            chromedriver_binary: "chromedriver".to_owned(),
            chromium_binary: "/usr/bin/chromium".to_owned(),
            browser_sessions: 2,
            browser_wait_secs: 20,
            sources: BTreeMap::new(),
            betfair: BetfairSettings::default(),
            live: LiveSettings::default(),
        }
    }
}

/// Where the value-bet rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSource {
    /// The rule the active model version's training chose by closing-line value,
    /// walk-forward; when no rule held a non-negative CLV there is none, and nothing is
    /// alerted.
    Validated,
    /// The thresholds below, as configured.
    Fixed,
}

/// `[predict]`: the model registry's name, and how value bets are found and staked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictSettings {
    /// Registry name of the models Kickoff trains and serves.
    pub model_name: String,
    /// The forecast value bets are judged on: `blend` (the ensemble pooled with the
    /// market's line), or any stored model (`ensemble`, `dixon_coles`, ...).
    pub value_model: String,
    /// `validated` (the default) or `fixed` (the thresholds below).
    pub rule: RuleSource,
    /// With `rule = "fixed"`: smallest edge (`p × price − 1`) that makes a value bet.
    pub min_edge: f64,
    /// With `rule = "fixed"`: largest edge believed; above it the model, not the
    /// market, is taken to be wrong, and nothing is stored or alerted.
    pub max_edge: f64,
    /// With `rule = "fixed"`: the bookable price bounds.
    pub min_price: f64,
    pub max_price: f64,
    /// Prices above this are never taken, whatever the rule (errors, thin markets).
    pub price_cap: f64,
    /// Fraction of the Kelly stake, and the cap on a stake (share of the bankroll).
    pub kelly_fraction: f64,
    pub kelly_cap: f64,
    /// Share of the bankroll the bets on one day's matches stake together at most.
    pub daily_stake_budget: f64,
    /// Bookmakers whose prices are not bookable, beside the market aggregates (which
    /// never are).
    pub excluded_bookmakers: Vec<String>,
    /// Walk-forward validation seasons of `kickoff train`'s hyper-parameter search.
    pub validation_seasons: usize,
    /// A match whose data a processed page changed is forecast again at once; while
    /// that forecast waits to start, further changes queue none (a claim released when
    /// it starts, expiring after this many seconds).
    pub reinfer_window_secs: u64,
}

impl PredictSettings {
    /// The configured thresholds as a rule (every league).
    pub fn fixed_rule(&self) -> ValueRule {
        ValueRule {
            min_edge: self.min_edge,
            max_edge: self.max_edge,
            min_price: self.min_price,
            max_price: self.max_price,
            leagues: Vec::new(),
        }
    }
}

impl Default for PredictSettings {
    fn default() -> Self {
        Self {
            model_name: "kickoff".into(),
            value_model: crate::backtest::BLEND.into(),
            rule: RuleSource::Validated,
            min_edge: 0.03,
            max_edge: 0.15,
            min_price: 1.0,
            max_price: 10.0,
            price_cap: 15.0,
            kelly_fraction: 0.25,
            kelly_cap: 0.02,
            daily_stake_budget: 0.10,
            excluded_bookmakers: vec!["market_avg".into(), "market_max".into()],
            validation_seasons: 1,
            reinfer_window_secs: 60,
        }
    }
}

/// `[llm]`: an optional adjustment of the ensemble's forecast by a language model behind
/// an OpenAI-compatible chat endpoint. Off by default; a slow or failing endpoint never
/// holds up a prediction.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    pub enabled: bool,
    /// Base URL of the API (`{url}/chat/completions`).
    pub url: String,
    pub model: String,
    #[serde(serialize_with = "serialize_masked", deserialize_with = "deserialize_secret")]
    pub api_key: SecretString,
    /// How long one adjustment may take before the forecast is kept as it is.
    pub timeout_ms: u64,
    /// Largest change of any outcome's probability, either way.
    pub max_adjustment: f64,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            api_key: SecretString::from(""),
            timeout_ms: 3_000,
            max_adjustment: 0.05,
        }
    }
}

/// `[webhooks]`: how live events are delivered to registered endpoints.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Seconds a delivery may take.
    pub timeout_secs: u64,
    /// Failed deliveries in a row after which an endpoint is disabled (an admin enables
    /// it again).
    pub disable_after: u32,
    /// Exact scheme, host and port of endpoints that may be plain http or resolve to a
    /// private, loopback or link-local address (an in-cluster consumer). Everything
    /// else must be https on a public address.
    pub allowed_urls: Vec<String>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self { timeout_secs: 10, disable_after: 20, allowed_urls: Vec::new() }
    }
}
