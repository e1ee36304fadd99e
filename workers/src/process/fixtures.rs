//! Fixture and result rows from any source → `matches`. Teams go through
//! [`super::teams::resolve`], so two sources describing one match write one row (the
//! natural key is league, season, home, away and the UK calendar date). Rows are
//! validated first; a bad one is reported and skipped. A result never goes back: a
//! finished match stays finished when a stale source still lists it as scheduled.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::stats::store_stats;
use super::teams::{TeamError, resolve};
use sources::MatchStatus;
use sources::rows::{FixtureRow, Side, TeamStatsRow};

/// What storing one batch did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixturesWritten {
    pub written: u64,
    /// `(row index, reason)` of each row left out.
    pub rejected: Vec<(usize, String)>,
    pub teams_created: u64,
    /// Matches that are new or whose status or score changed.
    pub changes: Vec<MatchChange>,
    /// Known matches whose kickoff time moved (within their day).
    pub moved: Vec<i64>,
    /// Every row written, with the match and teams it resolved to.
    pub stored: Vec<StoredMatch>,
}

/// Where a stored row landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredMatch {
    /// Index of the row in the batch.
    pub row: usize,
    pub match_id: i64,
    pub home_team_id: i64,
    pub away_team_id: i64,
}

impl StoredMatch {
    /// The id of the team playing on `side`.
    pub fn team(&self, side: Side) -> i64 {
        match side {
            Side::Home => self.home_team_id,
            Side::Away => self.away_team_id,
        }
    }
}

/// A match as it was before a write and as it is after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchChange {
    pub match_id: i64,
    pub status: String,
    pub home_goals: Option<i32>,
    pub away_goals: Option<i32>,
    /// `None` for a new match.
    pub before: Option<(String, Option<i32>, Option<i32>)>,
}

impl MatchChange {
    /// The side that scored, when the match was being played and exactly one side's
    /// goals went up by one (a result arriving for a match never seen live is no goal).
    pub fn goal(&self) -> Option<&'static str> {
        let (status, bh, ba) = self.before.as_ref()?;
        if status != "live" {
            return None;
        }
        let up = |now: Option<i32>, was: Option<i32>| now.unwrap_or(0) == was.unwrap_or(0) + 1;
        let same = |now: Option<i32>, was: Option<i32>| now.unwrap_or(0) == was.unwrap_or(0);
        if up(self.home_goals, *bh) && same(self.away_goals, *ba) {
            Some("home")
        } else if up(self.away_goals, *ba) && same(self.home_goals, *bh) {
            Some("away")
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FixturesError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Team(#[from] TeamError),
}

/// Why a row cannot be stored, if it cannot.
fn invalid(r: &FixtureRow) -> Option<String> {
    if r.home.trim().is_empty() || r.away.trim().is_empty() {
        return Some("team name missing".into());
    }
    if r.home.trim() == r.away.trim() {
        return Some(format!("{} plays itself", r.home));
    }
    if r.kickoff.is_none() {
        return Some("no kick-off time".into());
    }
    let goals = [r.home_goals, r.away_goals, r.ht_home_goals, r.ht_away_goals];
    if goals.iter().flatten().any(|g| !(0..=50).contains(g)) {
        return Some("impossible score".into());
    }
    if r.status == MatchStatus::Finished && (r.home_goals.is_none() || r.away_goals.is_none()) {
        return Some("finished without a score".into());
    }
    None
}

/// A stored match keeps its kickoff time against a source that knows only the day
/// ($14), and its live, postponed or cancelled status against a source that lists it
/// as scheduled (a fixture list, or a market still open); finished stays finished.
const UPSERT: &str = "INSERT INTO matches (league_id, season, match_date, kickoff_at, home_team_id, away_team_id, \
     status, home_goals, away_goals, ht_home_goals, ht_away_goals, referee, external_ids, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '{}', $13) \
     ON CONFLICT (league_id, season, home_team_id, away_team_id, match_date) DO UPDATE SET \
     kickoff_at = CASE WHEN $14 THEN matches.kickoff_at ELSE excluded.kickoff_at END, \
     status = CASE WHEN matches.status = 'finished' THEN matches.status \
       WHEN excluded.status = 'scheduled' AND matches.status IN ('live', 'postponed', 'cancelled') \
       THEN matches.status ELSE excluded.status END, \
     home_goals = COALESCE(excluded.home_goals, matches.home_goals), \
     away_goals = COALESCE(excluded.away_goals, matches.away_goals), \
     ht_home_goals = COALESCE(excluded.ht_home_goals, matches.ht_home_goals), \
     ht_away_goals = COALESCE(excluded.ht_away_goals, matches.ht_away_goals), \
     referee = COALESCE(excluded.referee, matches.referee), \
     updated_at = excluded.updated_at \
     RETURNING id, status, home_goals, away_goals, kickoff_at";

/// Stores `rows` of `source` as matches of the league `league_code` in `season`
/// (`2015-16`).
pub async fn store_fixtures<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    league_code: &str,
    season: &str,
    rows: &[FixtureRow],
) -> Result<FixturesWritten, FixturesError> {
    let league = super::football_data::store::league_id(conn, league_code).await?;
    let mut out = FixturesWritten::default();
    let now: DateTime<Utc> = Utc::now();
    for (i, r) in rows.iter().enumerate() {
        if let Some(reason) = invalid(r) {
            tracing::warn!(source, row = i, %reason, "fixture rejected");
            out.rejected.push((i, reason));
            continue;
        }
        let Some(kickoff) = r.kickoff else { continue };
        let mut ids = [0i64; 2];
        for (slot, name) in ids.iter_mut().zip([&r.home, &r.away]) {
            let (id, how) = resolve(conn, source, name, Some(league)).await?;
            out.teams_created += u64::from(how == super::teams::Resolution::Created);
            *slot = id;
        }
        let date = kickoff.with_timezone(&London).date_naive();
        let stmt = Statement::from_sql_and_values(
            conn.get_database_backend(),
            UPSERT,
            vec![
                league.into(),
                season.into(),
                date.into(),
                kickoff.into(),
                ids[0].into(),
                ids[1].into(),
                r.status.as_str().into(),
                r.home_goals.into(),
                r.away_goals.into(),
                r.ht_home_goals.into(),
                r.ht_away_goals.into(),
                r.referee.clone().into(),
                now.into(),
                r.kickoff_date_only.into(),
            ],
        );
        let before = current(conn, league, season, date, ids).await?;
        let after = conn.query_one_raw(stmt).await?;
        out.written += 1;
        let Some(after) = after else { continue };
        let match_id: i64 = after.try_get_by_index(0)?;
        if let Some(id) = r.source_id.as_deref().filter(|id| !id.is_empty()) {
            record_external_id(conn, match_id, source, id).await?;
        }
        let stored = StoredMatch { row: i, match_id, home_team_id: ids[0], away_team_id: ids[1] };
        out.stored.push(stored);
        // Fixture lists with xG (FBref, Understat) feed the statistics too.
        for (side, xg) in [(Side::Home, r.home_xg), (Side::Away, r.away_xg)] {
            if xg.is_some() {
                store_stats(conn, stored.match_id, stored.team(side), &TeamStatsRow::xg_only(side, xg))
                    .await?;
            }
        }
        let now_state: (String, Option<i32>, Option<i32>) =
            (after.try_get_by_index(1)?, after.try_get_by_index(2)?, after.try_get_by_index(3)?);
        let kickoff_after: DateTime<Utc> = after.try_get_by_index(4)?;
        if let Some((_, _, kickoff_before)) = &before
            && *kickoff_before != kickoff_after
        {
            out.moved.push(match_id);
        }
        let before = before.map(|(id, state, _)| (id, state));
        if before.as_ref().map(|(_, s)| s) != Some(&now_state) {
            out.changes.push(MatchChange {
                match_id,
                status: now_state.0,
                home_goals: now_state.1,
                away_goals: now_state.2,
                before: before.map(|(_, s)| s),
            });
        }
    }
    Ok(out)
}

/// Records `source`'s id of a match in `external_ids` (what live following and links to
/// the source use), writing only when it is new or changed.
pub async fn record_external_id<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    source: &str,
    id: &str,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE matches SET external_ids = external_ids || jsonb_build_object($2::text, $3::text) \
             WHERE id = $1 AND (external_ids ->> $2::text) IS DISTINCT FROM $3::text"
        }
        _ => {
            "UPDATE matches SET external_ids = json_set(external_ids, '$.\"' || $2 || '\"', $3) \
             WHERE id = $1 AND json_extract(external_ids, '$.\"' || $2 || '\"') IS NOT $3"
        }
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [match_id.into(), source.into(), id.into()],
    ))
    .await?;
    Ok(())
}

type MatchState = (i64, (String, Option<i32>, Option<i32>), DateTime<Utc>);

/// The stored status, score and kickoff of the match with this natural key, if any.
async fn current<C: ConnectionTrait>(
    conn: &C,
    league: i64,
    season: &str,
    date: chrono::NaiveDate,
    teams: [i64; 2],
) -> Result<Option<MatchState>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT id, status, home_goals, away_goals, kickoff_at FROM matches WHERE league_id = $1 AND season = $2 \
             AND home_team_id = $3 AND away_team_id = $4 AND match_date = $5",
            vec![league.into(), season.into(), teams[0].into(), teams[1].into(), date.into()],
        ))
        .await?;
    row.map(|r| {
        let state = (r.try_get_by_index(1)?, r.try_get_by_index(2)?, r.try_get_by_index(3)?);
        Ok((r.try_get_by_index(0)?, state, r.try_get_by_index(4)?))
    })
    .transpose()
}
