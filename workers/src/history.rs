//! Matches as the models see them, read from the database: teams, kick-off, result,
//! xG and shots where known, and the 1X2 prices of every bookmaker (the market average
//! and best, Pinnacle and Bet365 by name), opening and closing, the latest of each.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};

use predict::data::MatchRecord;
use predict::margin;

/// Home, draw and away decimal prices.
pub type Prices1x2 = [f64; 3];

/// The 1X2 selections as stored, in price order.
pub const SELECTIONS: [&str; 3] = ["home", "draw", "away"];

/// Margin-free probabilities of a 1X2 line, by normalisation or by Shin's method.
pub fn fair(line: Option<Prices1x2>, shin: bool) -> Option<[f64; 3]> {
    let p = line?;
    let probs = if shin { margin::shin(&p).ok()?.probs } else { margin::normalise(&p).ok()? };
    Some([probs[0], probs[1], probs[2]])
}

/// The 1X2 prices of one bookmaker, before and at kick-off.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BookPrices {
    pub opening: Option<Prices1x2>,
    pub closing: Option<Prices1x2>,
}

/// The prices the models are judged against, and every other bookmaker's (the best
/// bookable price of a value bet is taken among all of them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MarketPrices {
    pub average: BookPrices,
    pub best: BookPrices,
    pub pinnacle: BookPrices,
    pub bet365: BookPrices,
    /// The other bookmakers and exchanges, by stored name.
    pub others: BTreeMap<String, BookPrices>,
}

impl MarketPrices {
    /// The prices of a stored bookmaker name.
    fn slot(&mut self, bookmaker: &str) -> &mut BookPrices {
        match bookmaker {
            "market_avg" => &mut self.average,
            "market_max" => &mut self.best,
            "pinnacle" => &mut self.pinnacle,
            "bet365" => &mut self.bet365,
            other => self.others.entry(other.to_owned()).or_default(),
        }
    }

    /// The prices of a stored bookmaker name, if it has any.
    pub fn book(&self, bookmaker: &str) -> Option<&BookPrices> {
        self.books().into_iter().find(|(b, _)| *b == bookmaker).map(|(_, p)| p)
    }

    /// Every bookmaker's prices, by stored name.
    pub fn books(&self) -> Vec<(&str, &BookPrices)> {
        let named = [
            ("market_avg", &self.average),
            ("market_max", &self.best),
            ("pinnacle", &self.pinnacle),
            ("bet365", &self.bet365),
        ];
        named.into_iter().chain(self.others.iter().map(|(b, p)| (b.as_str(), p))).collect()
    }
}

/// One match.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRow {
    pub id: i64,
    pub league: String,
    pub season: String,
    pub kickoff: DateTime<Utc>,
    pub date: NaiveDate,
    pub home_id: i64,
    pub away_id: i64,
    pub home: String,
    pub away: String,
    pub status: String,
    pub home_goals: Option<i32>,
    pub away_goals: Option<i32>,
    pub home_xg: Option<f64>,
    pub away_xg: Option<f64>,
    pub home_shots: Option<i32>,
    pub away_shots: Option<i32>,
    pub home_shots_on_target: Option<i32>,
    pub away_shots_on_target: Option<i32>,
    pub prices: MarketPrices,
}

impl MatchRow {
    /// The finished match as the models see it, its teams given as `home` and `away`
    /// indices; the pre-closing market line (margin removed) rides along for models
    /// that use it.
    pub fn record(&self, home: u32, away: u32) -> Option<MatchRecord> {
        let (hg, ag) = self.score()?;
        let mut r = MatchRecord::new(self.date, home, away, hg, ag);
        r.home_xg = self.home_xg.map(|x| x as f32);
        r.away_xg = self.away_xg.map(|x| x as f32);
        r.home_shots = self.home_shots.and_then(|s| u16::try_from(s).ok());
        r.away_shots = self.away_shots.and_then(|s| u16::try_from(s).ok());
        r.home_shots_on_target = self.home_shots_on_target.and_then(|s| u16::try_from(s).ok());
        r.away_shots_on_target = self.away_shots_on_target.and_then(|s| u16::try_from(s).ok());
        r.market = fair(self.prices.average.opening, false).map(|p| p.map(|x| x as f32));
        // `2023-24` or `2023`: the start year; anything else leaves it to the date.
        r.season = self.season.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        Some(r)
    }

    /// The final score of a finished match.
    pub fn score(&self) -> Option<(u8, u8)> {
        if self.status != "finished" {
            return None;
        }
        let g = |v: Option<i32>| v.and_then(|g| u8::try_from(g).ok());
        Some((g(self.home_goals)?, g(self.away_goals)?))
    }
}

/// Which matches to read.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// Division codes; empty means all.
    pub leagues: Vec<String>,
    /// Only these match ids; empty means all.
    pub match_ids: Vec<i64>,
}

fn in_list(column: &str, n: usize, first: usize) -> String {
    let params: Vec<String> = (0..n).map(|i| format!("${}", first + i)).collect();
    format!("{column} IN ({})", params.join(", "))
}

/// Matches of the filter in kick-off order, with statistics and prices.
pub async fn load<C: ConnectionTrait>(conn: &C, filter: &HistoryFilter) -> Result<Vec<MatchRow>, DbErr> {
    let backend = conn.get_database_backend();
    let mut conds = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if !filter.leagues.is_empty() {
        conds.push(in_list("l.code", filter.leagues.len(), values.len() + 1));
        values.extend(filter.leagues.iter().map(|l| Value::from(l.clone())));
    }
    if !filter.match_ids.is_empty() {
        conds.push(in_list("m.id", filter.match_ids.len(), values.len() + 1));
        values.extend(filter.match_ids.iter().map(|&i| Value::from(i)));
    }
    let filter_sql = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    let sql = format!(
        "SELECT m.id, l.code, m.season, m.kickoff_at, m.match_date, m.home_team_id, m.away_team_id, \
         th.name, ta.name, m.status, m.home_goals, m.away_goals, \
         sh.xg, sa.xg, sh.shots, sa.shots, sh.shots_on_target, sa.shots_on_target \
         FROM matches m JOIN leagues l ON l.id = m.league_id \
         JOIN teams th ON th.id = m.home_team_id JOIN teams ta ON ta.id = m.away_team_id \
         LEFT JOIN match_stats sh ON sh.match_id = m.id AND sh.team_id = m.home_team_id \
         LEFT JOIN match_stats sa ON sa.match_id = m.id AND sa.team_id = m.away_team_id \
         {filter_sql} ORDER BY m.kickoff_at, m.id"
    );
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, &sql, values.clone())).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        index.insert(id, out.len());
        out.push(MatchRow {
            id,
            league: r.try_get_by_index(1)?,
            season: r.try_get_by_index(2)?,
            kickoff: r.try_get_by_index(3)?,
            date: r.try_get_by_index(4)?,
            home_id: r.try_get_by_index(5)?,
            away_id: r.try_get_by_index(6)?,
            home: r.try_get_by_index(7)?,
            away: r.try_get_by_index(8)?,
            status: r.try_get_by_index(9)?,
            home_goals: r.try_get_by_index(10)?,
            away_goals: r.try_get_by_index(11)?,
            home_xg: r.try_get_by_index(12)?,
            away_xg: r.try_get_by_index(13)?,
            home_shots: r.try_get_by_index(14)?,
            away_shots: r.try_get_by_index(15)?,
            home_shots_on_target: r.try_get_by_index(16)?,
            away_shots_on_target: r.try_get_by_index(17)?,
            prices: MarketPrices::default(),
        });
    }
    // Latest 1X2 price per match, bookmaker, selection and opening/closing (a price not
    // marked closing counts only from before kick-off: in-play prices are no bet a
    // forecast could have taken); the odds index is ordered by match and time, so
    // newest-first is cheap.
    let odds_sql = format!(
        "SELECT o.match_id, o.bookmaker, o.selection, o.is_closing, o.price FROM odds o \
         JOIN matches m ON m.id = o.match_id JOIN leagues l ON l.id = m.league_id \
         {} o.market = '1x2' AND (o.is_closing OR o.recorded_at < m.kickoff_at) \
         ORDER BY o.match_id, o.recorded_at DESC",
        if filter_sql.is_empty() { "WHERE".to_owned() } else { format!("{filter_sql} AND") }
    );
    let odds = conn.query_all_raw(Statement::from_sql_and_values(backend, &odds_sql, values)).await?;
    let mut seen = std::collections::HashSet::new();
    for r in odds {
        let (id, book, sel, closing, price): (i64, String, String, bool, f64) = (
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
            r.try_get_by_index(3)?,
            r.try_get_by_index(4)?,
        );
        let Some(&at) = index.get(&id) else { continue };
        let Some(i) = SELECTIONS.iter().position(|s| *s == sel) else { continue };
        if !seen.insert((id, book.clone(), i, closing)) {
            continue;
        }
        let slot = out[at].prices.slot(&book);
        let side = if closing { &mut slot.closing } else { &mut slot.opening };
        side.get_or_insert([0.0; 3])[i] = price;
    }
    // A bookmaker missing one of the three prices has no usable 1X2 line.
    for m in &mut out {
        let named = [&mut m.prices.average, &mut m.prices.best, &mut m.prices.pinnacle, &mut m.prices.bet365];
        for book in named.into_iter().chain(m.prices.others.values_mut()) {
            for side in [&mut book.opening, &mut book.closing] {
                if side.is_some_and(|p| p.iter().any(|x| *x <= 1.0)) {
                    *side = None;
                }
            }
        }
    }
    Ok(out)
}
