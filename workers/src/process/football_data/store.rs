//! Writing parsed football-data.co.uk rows: leagues, teams (through `team_aliases`),
//! matches, match statistics and odds, each as a batched upsert on its natural key.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entities::enums::MatchStatus;
use sea_orm::{ConnectionTrait, DbErr, Statement, Value as SqlValue};
use serde_json::{Value, json};

use crate::process::batch::{ColType::*, Upsert};
use sources::football_data::{MatchRow, SideStats};

use crate::process::teams::ALIAS_SOURCE;

/// Pre-closing prices are collected by football-data.co.uk before the match
/// (Friday for weekend games, Tuesday for midweek ones); they are timestamped this
/// long before kickoff, closing prices at kickoff.
const PRE_CLOSING_LEAD: chrono::Duration = chrono::Duration::hours(24);

/// League names of the football-data.co.uk division codes.
const LEAGUES: &[(&str, &str, &str)] = &[
    ("E0", "Premier League", "England"),
    ("E1", "Championship", "England"),
    ("E2", "League One", "England"),
    ("E3", "League Two", "England"),
    ("EC", "National League", "England"),
    ("SC0", "Scottish Premiership", "Scotland"),
    ("D1", "Bundesliga", "Germany"),
    ("D2", "2. Bundesliga", "Germany"),
    ("I1", "Serie A", "Italy"),
    ("I2", "Serie B", "Italy"),
    ("SP1", "La Liga", "Spain"),
    ("SP2", "Segunda División", "Spain"),
    ("F1", "Ligue 1", "France"),
    ("F2", "Ligue 2", "France"),
    ("N1", "Eredivisie", "Netherlands"),
    ("B1", "Jupiler Pro League", "Belgium"),
    ("P1", "Primeira Liga", "Portugal"),
    ("T1", "Süper Lig", "Turkey"),
    ("G1", "Super League", "Greece"),
];

const LEAGUE_UPSERT: Upsert = Upsert {
    table: "leagues",
    columns: &[("code", Text), ("name", Text), ("country", Text), ("external_ids", Json)],
    conflict: &["code"],
    update: &[],
    keep_on_null: false,
    stamps: &[],
};

const MATCH_UPSERT: Upsert = Upsert {
    table: "matches",
    columns: &[
        ("league_id", BigInt),
        ("season", Text),
        ("match_date", Date),
        ("kickoff_at", Timestamp),
        ("home_team_id", BigInt),
        ("away_team_id", BigInt),
        ("status", Text),
        ("home_goals", Int),
        ("away_goals", Int),
        ("ht_home_goals", Int),
        ("ht_away_goals", Int),
        ("referee", Text),
        ("external_ids", Json),
        ("updated_at", Timestamp),
    ],
    conflict: &["league_id", "season", "home_team_id", "away_team_id", "match_date"],
    update: &[
        "kickoff_at",
        "status",
        "home_goals",
        "away_goals",
        "ht_home_goals",
        "ht_away_goals",
        "referee",
        "updated_at",
    ],
    keep_on_null: false,
    stamps: &["updated_at"],
};

const STATS_UPSERT: Upsert = Upsert {
    table: "match_stats",
    columns: &[
        ("match_id", BigInt),
        ("team_id", BigInt),
        ("shots", Int),
        ("shots_on_target", Int),
        ("corners", Int),
        ("fouls", Int),
        ("yellow_cards", Int),
        ("red_cards", Int),
    ],
    conflict: &["match_id", "team_id"],
    update: &["shots", "shots_on_target", "corners", "fouls", "yellow_cards", "red_cards"],
    keep_on_null: false,
    stamps: &[],
};

/// The columns of `odds_lines` the import writes, in the order of [`Line::json`] and of
/// the `COPY` rows.
pub(super) const LINES_UPSERT: Upsert = Upsert {
    table: "odds_lines",
    columns: &[
        ("match_id", BigInt),
        ("bookmaker", Text),
        ("market", Text),
        ("line", Float),
        ("is_closing", Bool),
        ("recorded_at", Timestamp),
        ("price_home", Float),
        ("price_draw", Float),
        ("price_away", Float),
        ("price_over", Float),
        ("price_under", Float),
    ],
    conflict: &["match_id", "recorded_at", "bookmaker", "market", "line", "is_closing"],
    update: &entities::odds_lines::PRICE_COLUMNS,
    // A quote that lacks a selection leaves a price another writer stored for it.
    keep_on_null: true,
    stamps: &[],
};

/// One quote: a match's market at one bookmaker at one moment, a price per selection.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub match_id: i64,
    pub bookmaker: &'static str,
    pub market: &'static str,
    pub line: f64,
    pub is_closing: bool,
    pub recorded_at: DateTime<Utc>,
    /// In the order of [`entities::odds_lines::SELECTIONS`].
    pub prices: [Option<f64>; 5],
}

impl Line {
    fn json(&self) -> Value {
        let p = &self.prices;
        json!([
            self.match_id,
            self.bookmaker,
            self.market,
            self.line,
            self.is_closing,
            ts(self.recorded_at),
            p[0],
            p[1],
            p[2],
            p[3],
            p[4]
        ])
    }

    /// The prices it holds.
    pub fn price_count(&self) -> u64 {
        self.prices.iter().filter(|p| p.is_some()).count() as u64
    }
}

/// A line's natural key as stored: match, bookmaker, market, line (with -0 as 0),
/// closing flag and moment in microseconds.
type LineKey = (i64, String, String, u64, bool, i64);

fn line_key(
    match_id: i64,
    bookmaker: &str,
    market: &str,
    line: f64,
    closing: bool,
    at: DateTime<Utc>,
) -> LineKey {
    // `+ 0.0` turns -0.0 into 0.0: the databases compare them equal.
    (
        match_id,
        bookmaker.to_owned(),
        market.to_owned(),
        (line + 0.0).to_bits(),
        closing,
        at.timestamp_micros(),
    )
}

/// Keeps the lines that would change what is stored for the matches of a league and
/// season: new lines, and lines with a price the stored line lacks or holds
/// differently. Reading the stored lines once costs far less than upserting every one
/// of them, and re-importing a season file (the daily results job) then writes only
/// what moved.
async fn changed_lines<C: ConnectionTrait>(
    conn: &C,
    league_id: i64,
    season: &str,
    lines: Vec<Line>,
) -> Result<Vec<Line>, DbErr> {
    if lines.is_empty() {
        return Ok(lines);
    }
    // The upsert's columns: the key's six, then the prices.
    let sql = format!(
        "SELECT {} FROM {} WHERE match_id IN (SELECT id FROM matches WHERE league_id = $1 AND season = $2)",
        LINES_UPSERT.column_list(),
        LINES_UPSERT.table
    );
    let rows = query_pairs(conn, &sql, vec![league_id.into(), season.into()]).await?;
    let mut stored: HashMap<LineKey, [Option<f64>; 5]> = HashMap::with_capacity(rows.len());
    for r in rows {
        let key = line_key(
            r.try_get_by_index(0)?,
            &r.try_get_by_index::<String>(1)?,
            &r.try_get_by_index::<String>(2)?,
            r.try_get_by_index(3)?,
            r.try_get_by_index(4)?,
            r.try_get_by_index(5)?,
        );
        let mut prices = [None; 5];
        for (k, p) in prices.iter_mut().enumerate() {
            *p = r.try_get_by_index(6 + k)?;
        }
        stored.insert(key, prices);
    }
    Ok(lines
        .into_iter()
        .filter(|l| {
            let key = line_key(l.match_id, l.bookmaker, l.market, l.line, l.is_closing, l.recorded_at);
            // As the upsert: a price the quote lacks keeps the stored one.
            stored
                .get(&key)
                .is_none_or(|old| l.prices.iter().zip(old).any(|(new, old)| new.is_some() && new != old))
        })
        .collect())
}

/// Upserts lines in batches (any engine, any match).
pub async fn upsert_lines<C: ConnectionTrait>(conn: &C, lines: &[Line]) -> Result<(), DbErr> {
    let rows: Vec<Value> = lines.iter().map(Line::json).collect();
    LINES_UPSERT.execute(conn, &rows).await.map(|_| ())
}

/// What writing one file's rows did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub matches_inserted: u64,
    pub matches_updated: u64,
    /// Matches already stored with the same values: left untouched.
    pub matches_unchanged: u64,
    pub stats_rows: u64,
    /// Prices written, or left in `fresh_lines` to write.
    pub odds_rows: u64,
    /// The odds lines of matches this write created, when the caller asked to write
    /// them itself (PostgreSQL's COPY): no stored line can conflict with them.
    pub fresh_lines: Vec<Line>,
}

fn ts(t: DateTime<Utc>) -> String {
    // The text form sqlx uses for SQLite; PostgreSQL parses it as timestamptz.
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn query_pairs<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await
}

/// Ensures the league exists; returns its id.
pub async fn league_id<C: ConnectionTrait>(conn: &C, code: &str) -> Result<i64, DbErr> {
    let (name, country) =
        LEAGUES.iter().find(|(c, _, _)| *c == code).map(|(_, n, c)| (*n, Some(*c))).unwrap_or((code, None));
    LEAGUE_UPSERT.execute(conn, &[json!([code, name, country, {}])]).await?;
    let rows = query_pairs(conn, "SELECT id FROM leagues WHERE code = $1", vec![code.into()]).await?;
    rows.first()
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .ok_or_else(|| DbErr::RecordNotFound(format!("league {code}")))
}

/// Maps each football-data.co.uk team name to a team id: through an existing alias,
/// else through the cross-source resolution (which records the alias).
pub async fn team_ids<C: ConnectionTrait>(
    conn: &C,
    names: &HashSet<&str>,
    league_id: i64,
) -> Result<HashMap<String, i64>, DbErr> {
    let mut ids = HashMap::with_capacity(names.len());
    let load_aliases =
        |ids: &mut HashMap<String, i64>, rows: Vec<sea_orm::QueryResult>| -> Result<(), DbErr> {
            for r in rows {
                let alias: String = r.try_get_by_index(0)?;
                if names.contains(alias.as_str()) {
                    ids.insert(alias, r.try_get_by_index(1)?);
                }
            }
            Ok(())
        };
    let alias_sql = "SELECT alias, team_id FROM team_aliases WHERE source = $1";
    load_aliases(&mut ids, query_pairs(conn, alias_sql, vec![ALIAS_SOURCE.into()]).await?)?;
    let missing: Vec<&str> = names.iter().copied().filter(|n| !ids.contains_key(*n)).collect();
    if missing.is_empty() {
        return Ok(ids);
    }
    // New names go through the cross-source resolution, so a club another source
    // created first ("Leicester City") is found, not created again ("Leicester").
    for name in missing {
        let (id, _) = crate::process::teams::resolve(conn, ALIAS_SOURCE, name, Some(league_id))
            .await
            .map_err(|e| match e {
                crate::process::teams::TeamError::Db(e) => e,
                other => DbErr::Custom(other.to_string()),
            })?;
        ids.insert(name.to_owned(), id);
    }
    Ok(ids)
}

type NaturalKey = (i64, i64, NaiveDate);

async fn match_ids<C: ConnectionTrait>(
    conn: &C,
    league_id: i64,
    season: &str,
) -> Result<HashMap<NaturalKey, i64>, DbErr> {
    let rows = query_pairs(
        conn,
        "SELECT home_team_id, away_team_id, match_date, id FROM matches WHERE league_id = $1 AND season = $2",
        vec![league_id.into(), season.into()],
    )
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?),
                r.try_get_by_index(3)?,
            ))
        })
        .collect()
}

fn stats_row(match_id: i64, team_id: i64, s: &SideStats) -> Value {
    json!([match_id, team_id, s.shots, s.shots_on_target, s.corners, s.fouls, s.yellow_cards, s.red_cards])
}

/// Groups the quotes of rows into lines, one per (match, bookmaker, market, line,
/// closing); a match listed twice keeps its last prices.
fn lines_of(
    rows: &[MatchRow],
    keys: &[NaturalKey],
    ids: &HashMap<NaturalKey, i64>,
) -> Result<Vec<Line>, DbErr> {
    let mut lines: Vec<Line> = Vec::new();
    let mut index: HashMap<(i64, &str, &str, u64, bool), usize> = HashMap::new();
    for (r, key) in rows.iter().zip(keys) {
        let id = *ids.get(key).ok_or_else(|| DbErr::RecordNotFound(format!("match at line {}", r.line)))?;
        let closing_at = r.kickoff;
        let opening_at = r.kickoff - PRE_CLOSING_LEAD;
        for q in &r.quotes {
            let Some(slot) = entities::odds_lines::selection_index(q.selection) else { continue };
            let market = q.market.as_str();
            let i =
                *index.entry((id, q.bookmaker, market, q.line.to_bits(), q.closing)).or_insert_with(|| {
                    lines.push(Line {
                        match_id: id,
                        bookmaker: q.bookmaker,
                        market,
                        line: q.line,
                        is_closing: q.closing,
                        recorded_at: if q.closing { closing_at } else { opening_at },
                        prices: [None; 5],
                    });
                    lines.len() - 1
                });
            lines[i].prices[slot] = Some(q.price);
        }
    }
    Ok(lines)
}

/// Upserts one file's rows of one league and season. With `defer_fresh`, the odds
/// lines of matches this call creates are returned in [`Written::fresh_lines`]
/// instead of written.
pub async fn write_rows<C: ConnectionTrait>(
    conn: &C,
    rows: &[MatchRow],
    league_id: i64,
    season: &str,
    teams: &HashMap<String, i64>,
    defer_fresh: bool,
) -> Result<Written, DbErr> {
    let now = ts(Utc::now());
    let before = match_ids(conn, league_id, season).await?;
    let team =
        |name: &str| teams.get(name).copied().ok_or_else(|| DbErr::RecordNotFound(format!("team {name}")));
    let mut written = Written::default();
    let mut existing = 0;
    let mut match_rows = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for r in rows {
        let (home, away) = (team(&r.home)?, team(&r.away)?);
        if home == away {
            // A resolution that joined two clubs: stop before the match is stored wrong.
            return Err(DbErr::Custom(format!(
                "line {}: {:?} and {:?} resolve to the same team (id {home}); fix their aliases",
                r.line, r.home, r.away
            )));
        }
        let key = (home, away, r.date);
        if before.contains_key(&key) {
            existing += 1;
        } else {
            written.matches_inserted += 1;
        }
        keys.push(key);
        let status = if r.full_time.is_some() { MatchStatus::Finished } else { MatchStatus::Scheduled };
        let status = serde_json::to_value(status).unwrap_or(Value::Null);
        match_rows.push(json!([
            league_id,
            season,
            day(r.date),
            ts(r.kickoff),
            home,
            away,
            status,
            r.full_time.map(|s| s.0),
            r.full_time.map(|s| s.1),
            r.half_time.map(|s| s.0),
            r.half_time.map(|s| s.1),
            r.referee,
            {},
            now,
        ]));
    }
    // Written rows are the inserted ones and the stored ones whose values changed.
    let changed = MATCH_UPSERT.execute(conn, &match_rows).await?.saturating_sub(written.matches_inserted);
    written.matches_updated = changed.min(existing);
    written.matches_unchanged = existing - written.matches_updated;
    let ids = match_ids(conn, league_id, season).await?;
    let mut stats = Vec::with_capacity(rows.len() * 2);
    for (r, key) in rows.iter().zip(&keys) {
        let id = *ids.get(key).ok_or_else(|| DbErr::RecordNotFound(format!("match at line {}", r.line)))?;
        for (team_id, s) in [(key.0, &r.home_stats), (key.1, &r.away_stats)] {
            if !s.is_empty() {
                stats.push(stats_row(id, team_id, s));
            }
        }
    }
    STATS_UPSERT.execute(conn, &stats).await?;
    written.stats_rows = stats.len() as u64;
    let lines = lines_of(rows, &keys, &ids)?;
    written.odds_rows = lines.iter().map(Line::price_count).sum();
    let existed: HashSet<i64> = before.values().copied().collect();
    let (stored, fresh): (Vec<Line>, Vec<Line>) =
        lines.into_iter().partition(|l| !defer_fresh || existed.contains(&l.match_id));
    upsert_lines(conn, &changed_lines(conn, league_id, season, stored).await?).await?;
    written.fresh_lines = fresh;
    Ok(written)
}
