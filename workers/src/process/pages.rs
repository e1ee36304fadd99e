//! Snapshots of scraped pages → entities. A snapshot's `source` is a key
//! `{site}:{page}` or, for pages of one league and season, `{site}:{page}:{league}:{season}`
//! (`sofascore:round_events:E0:2015-16`); it picks the parser and says where the rows
//! belong, so a snapshot can be processed again later (`kickoff replay`) exactly as
//! the first time.

use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::details::{OddsChange, store_details};
use super::fixtures::{FixturesError, store_fixtures};
use super::players::store_players;
use super::standings::store_standings;
use crate::scrape::ParseError;
use crate::scrape::rows::{FixtureRow, MatchDetail, NewsRow, PlayerRow, StandingRow};
use crate::scrape::sources::{
    api_football, bbc_sport, betfair, espn, fbref, flashscore, football_data_org, fotmob, guardian,
    skysports, sofascore, transfermarkt, understat, whoscored,
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

impl jobs::Classify for PageError {
    /// Whether processing again later may succeed (the database was away); a parse
    /// error or an unknown page never will.
    fn is_transient(&self) -> bool {
        matches!(self, PageError::Db(_) | PageError::Fixtures(FixturesError::Db(_)))
    }
}

/// What processing one snapshot wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageWritten {
    pub rows: u64,
    pub rejected: u64,
    /// Matches that are new or changed, for live events.
    pub changes: Vec<super::fixtures::MatchChange>,
    /// Prices that moved, for live events.
    pub odds_changes: Vec<OddsChange>,
}

type FixtureParser = fn(&str, &[u8]) -> Result<Vec<FixtureRow>, ParseError>;
type NewsParser = fn(&str, &[u8]) -> Result<Vec<NewsRow>, ParseError>;
type DetailParser = fn(&str, &[u8]) -> Result<Vec<MatchDetail>, ParseError>;
type StandingsParser = fn(&str, &[u8]) -> Result<Vec<StandingRow>, ParseError>;
type SquadParser = fn(&str, &[u8]) -> Result<Vec<PlayerRow>, ParseError>;

/// A parser of a page that describes one match, as one that may describe several.
macro_rules! one {
    ($f:path) => {
        |name: &str, body: &[u8]| $f(name, body).map(|d| vec![d])
    };
}

fn detail_parser(site: &str, page: &str) -> Option<DetailParser> {
    Some(match (site, page) {
        ("espn", "summary") => one!(espn::parse_summary),
        ("fotmob", "match") => one!(fotmob::parse_match_details),
        ("fbref", "match") => one!(fbref::parse_match),
        ("understat", "match") => one!(understat::parse_match),
        ("flashscore", "match") => one!(flashscore::parse_match_feeds),
        ("betfair", "scores") => one!(betfair::parse_scores),
        ("api_football", "fixture_details") => api_football::parse_fixture_details,
        ("betfair", "match_odds") => betfair::parse_match_odds_page,
        _ => return None,
    })
}

fn standings_parser(site: &str, page: &str) -> Option<StandingsParser> {
    Some(match (site, page) {
        ("sofascore", "standings") => sofascore::parse_standings,
        ("football_data_org", "standings") => football_data_org::parse_standings,
        ("api_football", "standings") => api_football::parse_standings,
        ("fbref", "league_table") => fbref::parse_league_table,
        ("fotmob", "table") => fotmob::parse_league_table,
        ("whoscored", "table") => whoscored::parse_table,
        ("skysports", "table") => skysports::parse_table,
        _ => return None,
    })
}

fn squad_parser(site: &str, page: &str) -> Option<SquadParser> {
    Some(match (site, page) {
        ("transfermarkt", "squad") => transfermarkt::parse_squad,
        ("api_football", "squad") => api_football::parse_squad,
        _ => return None,
    })
}

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

/// The league and season a page of one league needs in its key.
fn league_season(key: &SourceKey) -> Result<(&str, &str), PageError> {
    match (&key.league, &key.season) {
        (Some(l), Some(s)) => Ok((l, s)),
        _ => Err(PageError::NoLeague(key.key())),
    }
}

/// Parses `body` by its source key and writes the rows; prices without a time of
/// their own were seen at `seen_at` (the snapshot's fetch time).
pub async fn process_page<C: ConnectionTrait>(
    conn: &C,
    key: &SourceKey,
    name: &str,
    body: &[u8],
    seen_at: chrono::DateTime<chrono::Utc>,
) -> Result<PageWritten, PageError> {
    let (site, page) = (key.site.as_str(), key.page.as_str());
    if let Some(parse) = fixture_parser(site, page) {
        let (league, season) = league_season(key)?;
        let rows = parse(name, body)?;
        let w = store_fixtures(conn, site, league, season, &rows).await?;
        return Ok(PageWritten {
            rows: w.written,
            rejected: w.rejected.len() as u64,
            changes: w.changes,
            ..PageWritten::default()
        });
    }
    if let Some(parse) = detail_parser(site, page) {
        let (league, season) = league_season(key)?;
        let details = parse(name, body)?;
        let w = store_details(conn, site, league, season, &details, seen_at).await?;
        for (what, why) in &w.rejected {
            tracing::warn!(source = %key.key(), what, reason = why, "row rejected");
        }
        return Ok(PageWritten {
            rows: w.matches + w.stats + w.odds + w.players,
            rejected: w.rejected.len() as u64,
            changes: w.match_changes,
            odds_changes: w.odds_changes,
        });
    }
    if let Some(parse) = standings_parser(site, page) {
        let (league, season) = league_season(key)?;
        let rows = parse(name, body)?;
        let w = store_standings(conn, site, league, season, &rows).await?;
        for (team, why) in &w.rejected {
            tracing::warn!(source = %key.key(), team, reason = why, "table line rejected");
        }
        return Ok(PageWritten {
            rows: w.written,
            rejected: w.rejected.len() as u64,
            ..PageWritten::default()
        });
    }
    if let Some(parse) = squad_parser(site, page) {
        let (league, _) = league_season(key)?;
        let rows = parse(name, body)?;
        let league = super::football_data::store::league_id(conn, league).await?;
        let w = store_players(conn, site, league, &rows).await?;
        for (player, why) in &w.rejected {
            tracing::warn!(source = %key.key(), player, reason = why, "player rejected");
        }
        return Ok(PageWritten {
            rows: w.written,
            rejected: w.rejected.len() as u64,
            ..PageWritten::default()
        });
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
