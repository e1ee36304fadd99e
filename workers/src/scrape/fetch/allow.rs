//! Which URLs a fetch may reach. A job's URL is data (an operator's trigger, a requeued
//! payload, a parsed link), so a fetch goes only where the configuration points:
//! exactly the scheme, host and port of a configured source (`football_data_url`,
//! `[scrape.betfair] url`, each `[scrape.sources.*] base_url`, `[scrape] allowed_urls`),
//! or a host named in `[scrape.domains]` (which names no scheme: http or https, on the
//! port it names or the scheme's default). Nothing else, loopback included: a fixture
//! site is reachable because it is configured. Redirects are followed hop by hop
//! against the same list.

use std::collections::BTreeSet;

use crate::settings::ScrapeSettings;

/// One scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

fn origin_of(url: &url::Url) -> Option<Origin> {
    Some(Origin {
        scheme: url.scheme().to_owned(),
        host: url.host_str()?.to_ascii_lowercase(),
        port: url.port_or_known_default()?,
    })
}

/// Why a URL may not be fetched: the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}: not a URL")]
    NotAUrl(String),
    #[error("{0}: only http and https are fetched")]
    Scheme(String),
    #[error(
        "{0}: scheme, host and port are not those of a configured source or [scrape.domains] entry \
         (the fetch allowlist)"
    )]
    NotConfigured(String),
}

/// The origins fetches may reach.
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    origins: BTreeSet<Origin>,
}

impl Allowlist {
    pub fn from_settings(s: &ScrapeSettings) -> Self {
        let urls = [s.football_data_url.as_str(), s.betfair.url.as_str(), s.live.sport1_url.as_str()]
            .into_iter()
            .chain(s.sources.values().map(|src| src.base_url.as_str()))
            .chain(s.allowed_urls.iter().map(String::as_str));
        let Self { mut origins } = Self::from_urls(urls);
        for domain in s.domains.keys() {
            for scheme in ["https", "http"] {
                if let Some(o) =
                    url::Url::parse(&format!("{scheme}://{domain}/")).ok().as_ref().and_then(origin_of)
                {
                    origins.insert(o);
                }
            }
        }
        Self { origins }
    }

    /// Exactly the scheme, host and port of each of `urls` (unparsable ones are left out).
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> Self {
        let origins =
            urls.into_iter().filter_map(|u| url::Url::parse(u).ok().as_ref().and_then(origin_of)).collect();
        Self { origins }
    }

    /// Whether `url` may be fetched; the rule it breaks if not.
    pub fn check(&self, url: &str) -> Result<url::Url, Refused> {
        let parsed = url::Url::parse(url).map_err(|_| Refused::NotAUrl(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Refused::Scheme(url.to_owned()));
        }
        match origin_of(&parsed) {
            Some(o) if self.origins.contains(&o) => Ok(parsed),
            _ => Err(Refused::NotConfigured(url.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SourceSettings;

    fn list() -> Allowlist {
        let mut s = ScrapeSettings::default();
        s.sources.insert(
            "espn".into(),
            SourceSettings {
                base_url: "http://127.0.0.1:4100".into(),
                page: "scoreboard".into(),
                url: "{base}/x".into(),
                leagues: Default::default(),
                render: Default::default(),
                wait_for: None,
            },
        );
        Allowlist::from_settings(&s)
    }

    #[test]
    fn configured_origins_pass_and_everything_else_names_the_rule() {
        let l = list();
        for ok in [
            "https://www.football-data.co.uk/mmz4281/2324/E0.csv",
            "https://api.betfair.com/exchange/betting/json-rpc/v1",
            "http://127.0.0.1:4100/apis/site/v2/x",
            "https://www.flashscore.com/football/",
            "http://www.flashscore.com/football/",
            "https://WWW.Transfermarkt.com/x",
        ] {
            assert!(l.check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:4101/x",
            "http://localhost:4100/x",
            "https://127.0.0.1:4100/x",
            "http://www.football-data.co.uk/mmz4281/2324/E0.csv",
            "https://www.football-data.co.uk:8443/x",
            "https://evil.example/",
            "https://www.flashscore.com.evil.example/",
        ] {
            assert!(matches!(l.check(bad), Err(Refused::NotConfigured(_))), "{bad}");
        }
        assert!(matches!(l.check("file:///etc/passwd"), Err(Refused::Scheme(_))));
        assert!(matches!(l.check("gopher://127.0.0.1:4100/"), Err(Refused::Scheme(_))));
        assert!(matches!(l.check("not a url"), Err(Refused::NotAUrl(_))));
        let e = l.check("http://169.254.169.254/").unwrap_err().to_string();
        assert!(e.contains("allowlist"), "{e}");
    }
}
