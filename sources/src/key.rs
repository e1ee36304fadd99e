//! A snapshot's source key, `{site}:{page}` or, for pages of one league and season,
//! `{site}:{page}:{league}:{season}` (`sofascore:round_events:E0:2015-16`): it picks the
//! parser and says where the rows belong, so a stored snapshot can be processed again
//! exactly as the first time.

/// The parts of a snapshot's source key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceKey {
    pub site: String,
    pub page: String,
    pub league: Option<String>,
    pub season: Option<String>,
}

impl SourceKey {
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.split(':');
        let (site, page) = (parts.next()?, parts.next()?);
        let (league, season) = (parts.next().map(str::to_owned), parts.next().map(str::to_owned));
        (!site.is_empty() && !page.is_empty() && parts.next().is_none()).then(|| Self {
            site: site.to_owned(),
            page: page.to_owned(),
            league,
            season,
        })
    }

    pub fn key(&self) -> String {
        match (&self.league, &self.season) {
            (Some(l), Some(s)) => format!("{}:{}:{l}:{s}", self.site, self.page),
            _ => format!("{}:{}", self.site, self.page),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SourceKey;

    #[test]
    fn source_keys_round_trip() {
        let k = SourceKey::parse("sofascore:round_events:E0:2015-16").unwrap();
        assert_eq!((k.site.as_str(), k.page.as_str()), ("sofascore", "round_events"));
        assert_eq!((k.league.as_deref(), k.season.as_deref()), (Some("E0"), Some("2015-16")));
        assert_eq!(k.key(), "sofascore:round_events:E0:2015-16");
        assert_eq!(SourceKey::parse("guardian:rss").unwrap().key(), "guardian:rss");
        assert!(SourceKey::parse("football-data").is_none());
        assert!(SourceKey::parse("a:b:c:d:e").is_none());
    }
}
