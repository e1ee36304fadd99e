//! Snapshots of scraped pages → entities. The snapshot's source key picks the parser
//! (`sources::parser`) and says which league and season the rows belong to.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DbErr, Statement};
use sources::rows::NewsRow;
use sources::{ParseError, Parsed, SourceKey};

use super::details::{OddsChange, store_details};
use super::fixtures::{FixturesError, store_fixtures};
use super::players::store_players;
use super::standings::store_standings;

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
    /// Matches whose data this page changed: new, a status, score or kickoff changed,
    /// a statistic or a price written. Their forecasts are out of date.
    pub touched: BTreeSet<i64>,
    /// Every match the page names, changed or not.
    pub named: BTreeSet<i64>,
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
    let parser = sources::parser(&key.site, &key.page).ok_or_else(|| PageError::NoParser(key.key()))?;
    let (league, season) = if parser.needs_league() { league_season(key)? } else { ("", "") };
    match parser.parse(name, body)? {
        Parsed::Fixtures(rows) => {
            let w = store_fixtures(conn, &key.site, league, season, &rows).await?;
            Ok(PageWritten {
                rows: w.written,
                rejected: w.rejected.len() as u64,
                touched: w.changes.iter().map(|c| c.match_id).chain(w.moved.iter().copied()).collect(),
                named: w.stored.iter().map(|m| m.match_id).collect(),
                changes: w.changes,
                ..PageWritten::default()
            })
        }
        Parsed::Matches(details) => {
            let w = store_details(conn, &key.site, league, season, &details, seen_at).await?;
            for (what, why) in &w.rejected {
                tracing::warn!(source = %key.key(), what, reason = why, "row rejected");
            }
            let mut touched = w.touched;
            touched.extend(w.match_changes.iter().map(|c| c.match_id));
            touched.extend(w.moved.iter().copied());
            Ok(PageWritten {
                rows: w.matches + w.stats + w.odds + w.players,
                rejected: w.rejected.len() as u64,
                changes: w.match_changes,
                odds_changes: w.odds_changes,
                touched,
                named: w.matches_named,
            })
        }
        Parsed::Standings(rows) => {
            let w = store_standings(conn, &key.site, league, season, &rows).await?;
            for (team, why) in &w.rejected {
                tracing::warn!(source = %key.key(), team, reason = why, "table line rejected");
            }
            Ok(PageWritten { rows: w.written, rejected: w.rejected.len() as u64, ..PageWritten::default() })
        }
        Parsed::Squad(rows) => {
            let league = super::football_data::store::league_id(conn, league).await?;
            let w = store_players(conn, &key.site, league, &rows).await?;
            for (player, why) in &w.rejected {
                tracing::warn!(source = %key.key(), player, reason = why, "player rejected");
            }
            Ok(PageWritten { rows: w.written, rejected: w.rejected.len() as u64, ..PageWritten::default() })
        }
        Parsed::News(rows) => {
            Ok(PageWritten { rows: store_news(conn, &rows).await?, ..PageWritten::default() })
        }
    }
}

/// Upserts news items on their URL.
/// Each item is tagged with the teams its title and summary mention.
pub async fn store_news<C: ConnectionTrait>(conn: &C, rows: &[NewsRow]) -> Result<u64, DbErr> {
    let now = chrono::Utc::now();
    let lexicon = super::mentions::Lexicon::load(conn).await?;
    let mut written = 0;
    for r in rows {
        let text = format!("{}\n{}", r.title, r.summary.as_deref().unwrap_or_default());
        let mentions = serde_json::Value::from(lexicon.mentions(&text));
        let stmt = Statement::from_sql_and_values(
            conn.get_database_backend(),
            "INSERT INTO news (source, url, title, summary, published_at, team_mentions, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (url) DO UPDATE SET \
             title = excluded.title, summary = excluded.summary, published_at = excluded.published_at, \
             team_mentions = excluded.team_mentions",
            vec![
                r.source.clone().into(),
                r.url.clone().into(),
                r.title.clone().into(),
                r.summary.clone().into(),
                r.published_at.into(),
                mentions.into(),
                now.into(),
            ],
        );
        written += conn.execute_raw(stmt).await?.rows_affected();
    }
    Ok(written)
}
