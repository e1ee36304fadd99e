//! Match pages → entities: the match itself (through [`super::fixtures`]), each side's
//! statistics, the line-ups' players, and the page's prices as odds history.
//!
//! Statistics merge across sources: a value a page does not give keeps what another
//! source stored. Odds are append-only: a price is written with the moment it was seen,
//! and only when it differs from the last stored price of the same selection, so
//! fetching an unchanged page adds nothing and a moved price adds one row and one
//! `odds_change`.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::fixtures::{FixturesError, store_fixtures};
use super::players::{PlayersWritten, store_players};
use super::stats::store_stats;
use sources::Market;
use sources::rows::{MatchDetail, OddsRow};

/// What storing match pages wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetailsWritten {
    pub matches: u64,
    pub stats: u64,
    pub odds: u64,
    pub players: u64,
    /// `(what, reason)` of everything left out.
    pub rejected: Vec<(String, String)>,
    pub match_changes: Vec<super::fixtures::MatchChange>,
    /// Known matches whose kickoff moved.
    pub moved: Vec<i64>,
    pub odds_changes: Vec<OddsChange>,
    /// Matches with a statistic or a price written (first prices included).
    pub touched: std::collections::BTreeSet<i64>,
    /// Every match the pages name.
    pub matches_named: std::collections::BTreeSet<i64>,
}

/// A price that moved.
#[derive(Clone, Debug, PartialEq)]
pub struct OddsChange {
    pub match_id: i64,
    pub bookmaker: String,
    pub market: Market,
    pub selection: String,
    pub line: f64,
    pub previous: f64,
    pub price: f64,
    pub recorded_at: DateTime<Utc>,
}

/// Stores match pages of `source` (a site) for the league `league_code` in `season`;
/// prices without their own time are taken as seen at `seen_at`.
pub async fn store_details<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    league_code: &str,
    season: &str,
    details: &[MatchDetail],
    seen_at: DateTime<Utc>,
) -> Result<DetailsWritten, FixturesError> {
    let fixtures: Vec<_> = details.iter().map(|d| d.fixture.clone()).collect();
    let fx = store_fixtures(conn, source, league_code, season, &fixtures).await?;
    let mut out = DetailsWritten {
        matches: fx.written,
        match_changes: fx.changes,
        moved: fx.moved,
        rejected: fx
            .rejected
            .into_iter()
            .map(|(i, why)| (format!("match {} v {}", fixtures[i].home, fixtures[i].away), why))
            .collect(),
        ..DetailsWritten::default()
    };
    for stored in &fx.stored {
        out.matches_named.insert(stored.match_id);
        let detail = &details[stored.row];
        let before = out.stats + out.odds;
        for s in &detail.stats {
            out.stats += store_stats(conn, stored.match_id, stored.team(s.side), s).await?;
        }
        for o in &detail.odds {
            match valid_odds(o) {
                Err(why) => out.rejected.push((format!("odds {} {}", o.bookmaker, o.selection), why)),
                Ok(()) => {
                    let (written, change) =
                        append_odds(conn, stored.match_id, o, o.recorded_at.unwrap_or(seen_at)).await?;
                    out.odds += written;
                    out.odds_changes.extend(change);
                }
            }
        }
        if out.stats + out.odds > before {
            out.touched.insert(stored.match_id);
        }
        if !detail.lineups.is_empty() {
            let league = super::football_data::store::league_id(conn, league_code).await?;
            let PlayersWritten { written, rejected } =
                store_players(conn, source, league, &detail.lineups).await?;
            out.players += written;
            out.rejected.extend(rejected);
        }
    }
    Ok(out)
}

fn valid_odds(o: &OddsRow) -> Result<(), String> {
    if !(o.price.is_finite() && o.price > 1.0) {
        return Err(format!("price {} is not above 1.0", o.price));
    }
    if !o.line.is_finite() {
        return Err("line is not a number".into());
    }
    if !["home", "draw", "away", "over", "under"].contains(&o.selection.as_str()) {
        return Err(format!("unknown selection `{}`", o.selection));
    }
    Ok(())
}

/// Appends one price unless it equals the last stored price of its selection; returns
/// the rows written and the change when a stored price moved.
async fn append_odds<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    o: &OddsRow,
    at: DateTime<Utc>,
) -> Result<(u64, Option<OddsChange>), DbErr> {
    let backend = conn.get_database_backend();
    let (bookmaker, market) = (o.bookmaker.as_str(), o.market.as_str());
    let last = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT price FROM odds WHERE match_id = $1 AND bookmaker = $2 AND market = $3 \
             AND selection = $4 AND line = $5 AND is_closing = $6 ORDER BY recorded_at DESC LIMIT 1",
            [
                match_id.into(),
                bookmaker.into(),
                market.into(),
                o.selection.as_str().into(),
                o.line.into(),
                o.is_closing.into(),
            ],
        ))
        .await?
        .map(|r| r.try_get_by_index::<f64>(0))
        .transpose()?;
    if last.is_some_and(|p| (p - o.price).abs() < 1e-9) {
        return Ok((0, None));
    }
    let Some(column) = entities::odds_lines::price_column(&o.selection) else {
        return Err(DbErr::Custom(format!("odds selection {:?} is not one a price line holds", o.selection)));
    };
    let values: [sea_orm::Value; 7] = [
        match_id.into(),
        bookmaker.into(),
        market.into(),
        o.line.into(),
        o.is_closing.into(),
        o.price.into(),
        at.into(),
    ];
    // The line may already hold another selection quoted at the same moment; a price
    // already stored for this selection at that moment is kept, as before.
    let sql = format!(
        "INSERT INTO odds_lines (match_id, bookmaker, market, line, is_closing, {column}, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (match_id, recorded_at, bookmaker, market, line, is_closing) \
         DO UPDATE SET {column} = excluded.{column} WHERE odds_lines.{column} IS NULL"
    );
    let written =
        conn.execute_raw(Statement::from_sql_and_values(backend, &sql, values)).await?.rows_affected();
    let change = last.filter(|_| written > 0).map(|previous| OddsChange {
        match_id,
        bookmaker: o.bookmaker.clone(),
        market: o.market,
        selection: o.selection.clone(),
        line: o.line,
        previous,
        price: o.price,
        recorded_at: at,
    });
    Ok((written, change))
}
