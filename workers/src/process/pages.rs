//! Snapshots of scraped pages → entities. A snapshot's `source` is a key
//! `{site}:{page}` or, for pages of one league and season, `{site}:{page}:{league}:{season}`
//! (`sofascore:round_events:E0:2015-16`); it picks the parser and says where the rows
//! belong, so a snapshot can be processed again later (`kickoff replay`) exactly as
//! the first time.

use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::fixtures::{FixturesError, store_fixtures};
use crate::scrape::ParseError;
use crate::scrape::rows::{FixtureRow, NewsRow};
use crate::scrape::sources::{
    api_football, bbc_sport, espn, fbref, football_data_org, fotmob, guardian, sofascore, understat,
    whoscored,
};

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

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Fixtures(#[from] FixturesError),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("no parser for `{0}`")]
    NoParser(String),
    #[error("`{0}` needs a league and a season in its source key")]
    NoLeague(String),
}

impl PageError {
    /// Whether processing again later may succeed (the database was away); a parse
    /// error or an unknown page never will.
    pub fn is_transient(&self) -> bool {
        matches!(self, PageError::Db(_) | PageError::Fixtures(FixturesError::Db(_)))
    }
}

/// What processing one snapshot wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageWritten {
    pub rows: u64,
    pub rejected: u64,
    /// Matches that are new or changed, for live events.
    pub changes: Vec<super::fixtures::MatchChange>,
}

type FixtureParser = fn(&str, &[u8]) -> Result<Vec<FixtureRow>, ParseError>;
type NewsParser = fn(&str, &[u8]) -> Result<Vec<NewsRow>, ParseError>;

fn fixture_parser(site: &str, page: &str) -> Option<FixtureParser> {
    Some(match (site, page) {
        ("sofascore", "round_events") => sofascore::parse_round_events,
        ("football_data_org", "matches") => football_data_org::parse_matches,
        ("api_football", "fixtures") => api_football::parse_fixtures,
        ("espn", "scoreboard") => espn::parse_scoreboard,
        ("fotmob", "league") => fotmob::parse_league_fixtures,
        ("understat", "league") => understat::parse_league,
        ("fbref", "schedule") => fbref::parse_schedule,
        ("whoscored", "fixtures") => whoscored::parse_fixtures,
        _ => return None,
    })
}

fn news_parser(site: &str, page: &str) -> Option<NewsParser> {
    Some(match (site, page) {
        ("guardian", "rss") => guardian::parse_rss,
        ("guardian", "search") => guardian::parse_search,
        ("bbc_sport", "homepage") => bbc_sport::parse_homepage,
        _ => return None,
    })
}

/// Parses `body` by its source key and writes the rows.
pub async fn process_page<C: ConnectionTrait>(
    conn: &C,
    key: &SourceKey,
    name: &str,
    body: &[u8],
) -> Result<PageWritten, PageError> {
    if let Some(parse) = fixture_parser(&key.site, &key.page) {
        let (Some(league), Some(season)) = (&key.league, &key.season) else {
            return Err(PageError::NoLeague(key.key()));
        };
        let rows = parse(name, body)?;
        let w = store_fixtures(conn, &key.site, league, season, &rows).await?;
        return Ok(PageWritten { rows: w.written, rejected: w.rejected.len() as u64, changes: w.changes });
    }
    if let Some(parse) = news_parser(&key.site, &key.page) {
        let rows = parse(name, body)?;
        return Ok(PageWritten { rows: store_news(conn, &rows).await?, ..PageWritten::default() });
    }
    Err(PageError::NoParser(key.key()))
}

/// Upserts news items on their URL.
pub async fn store_news<C: ConnectionTrait>(conn: &C, rows: &[NewsRow]) -> Result<u64, DbErr> {
    let now = chrono::Utc::now();
    let mut written = 0;
    for r in rows {
        let stmt = Statement::from_sql_and_values(
            conn.get_database_backend(),
            "INSERT INTO news (source, url, title, summary, published_at, team_mentions, created_at) \
             VALUES ($1, $2, $3, $4, $5, '[]', $6) ON CONFLICT (url) DO UPDATE SET \
             title = excluded.title, summary = excluded.summary, published_at = excluded.published_at",
            vec![
                r.source.clone().into(),
                r.url.clone().into(),
                r.title.clone().into(),
                r.summary.clone().into(),
                r.published_at.into(),
                now.into(),
            ],
        );
        written += conn.execute_raw(stmt).await?.rows_affected();
    }
    Ok(written)
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
