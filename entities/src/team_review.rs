//! Team names an operator can fix. Sources spell clubs differently; a name resolution
//! cannot place creates a new club, which is worth a look. Such teams (no alias from the
//! seed source, football-data.co.uk, and not yet reviewed) are listed for review; an
//! operator keeps one (reviewed), adds an alias, or merges it into the club it really is:
//! its matches, statistics, odds, incidents, forecasts, players, tables, aliases and
//! news mentions move to the other team in one transaction, with the audit row.
//!
//! A match both teams have (the same fixture stored twice under the two names) becomes
//! one: the kept match takes the duplicate's statistics, prices and incidents it lacks,
//! and its forecasts and value bets.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait, Value};
use serde::Serialize;

/// The source whose names seed the teams (football-data.co.uk).
pub const SEED_SOURCE: &str = "football-data";
/// The alias source a merged team's name is kept under.
pub const MERGED_SOURCE: &str = "merged";

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("team {0} does not exist")]
    NotFound(i64),
    #[error("a team cannot be merged into itself")]
    SameTeam,
    #[error("teams {0} and {1} played each other: they are two clubs")]
    PlayedEachOther(i64, i64),
    #[error("the alias `{alias}` of {site} already names team {team}")]
    AliasTaken { site: String, alias: String, team: i64 },
    #[error("an alias needs a source and a name")]
    EmptyAlias,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A team waiting for an operator's look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub id: i64,
    pub name: String,
    pub league: Option<String>,
    /// Where its names came from (`source: alias`).
    pub aliases: Vec<String>,
    pub matches: i64,
}

/// What a merge moved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Merged {
    pub from: i64,
    pub into: i64,
    /// Matches that now name the kept team.
    pub matches_moved: u64,
    /// Duplicated matches folded into the kept team's.
    pub matches_folded: u64,
    pub aliases_moved: u64,
    pub players_moved: u64,
}

fn stmt<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

async fn exec<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    Ok(c.execute_raw(stmt(c, sql, values)).await?.rows_affected())
}

async fn ids<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Vec<i64>, DbErr> {
    c.query_all_raw(stmt(c, sql, values)).await?.iter().map(|r| r.try_get_by_index(0)).collect()
}

async fn team_name<C: ConnectionTrait>(c: &C, id: i64) -> Result<String, ReviewError> {
    let row = c.query_one_raw(stmt(c, "SELECT name FROM teams WHERE id = $1", vec![id.into()])).await?;
    row.ok_or(ReviewError::NotFound(id))?.try_get_by_index(0).map_err(ReviewError::from)
}

async fn audit<C: ConnectionTrait>(
    c: &C,
    actor: &str,
    action: &str,
    target: i64,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    crate::audit_log::record(c, actor, action, Some(target.to_string()), details).await
}

/// Teams no seed name backs and nobody reviewed, newest first.
pub async fn to_review(db: &DatabaseConnection) -> Result<Vec<ReviewItem>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            db,
            "SELECT t.id, t.name, l.code, \
               (SELECT COUNT(*) FROM matches m WHERE m.home_team_id = t.id OR m.away_team_id = t.id) \
             FROM teams t LEFT JOIN leagues l ON l.id = t.league_id \
             WHERE t.reviewed_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM team_aliases a WHERE a.team_id = t.id AND a.source = $1) \
             ORDER BY t.id DESC",
            vec![SEED_SOURCE.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        let aliases = db
            .query_all_raw(stmt(
                db,
                "SELECT source, alias FROM team_aliases WHERE team_id = $1 ORDER BY source, alias",
                vec![id.into()],
            ))
            .await?
            .iter()
            .map(|a| {
                Ok(format!("{}: {}", a.try_get_by_index::<String>(0)?, a.try_get_by_index::<String>(1)?))
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        out.push(ReviewItem {
            id,
            name: r.try_get_by_index(1)?,
            league: r.try_get_by_index(2)?,
            aliases,
            matches: r.try_get_by_index(3)?,
        });
    }
    Ok(out)
}

/// Marks team `id` reviewed (kept as a club of its own), audited as `actor`'s.
pub async fn keep(db: &DatabaseConnection, actor: &str, id: i64) -> Result<(), ReviewError> {
    let txn = db.begin().await?;
    let name = team_name(&txn, id).await?;
    exec(&txn, "UPDATE teams SET reviewed_at = $1 WHERE id = $2", vec![Utc::now().into(), id.into()]).await?;
    audit(&txn, actor, "team.keep", id, serde_json::json!({ "name": name })).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds `alias` as `source`'s name of team `id` (the next page naming it so resolves
/// there), audited as `actor`'s.
pub async fn add_alias(
    db: &DatabaseConnection,
    actor: &str,
    id: i64,
    source: &str,
    alias: &str,
) -> Result<(), ReviewError> {
    let (source, alias) = (source.trim(), alias.trim());
    if source.is_empty() || alias.is_empty() {
        return Err(ReviewError::EmptyAlias);
    }
    let txn = db.begin().await?;
    team_name(&txn, id).await?;
    let taken = ids(
        &txn,
        "SELECT team_id FROM team_aliases WHERE source = $1 AND alias = $2",
        vec![source.into(), alias.into()],
    )
    .await?;
    if let Some(&team) = taken.first() {
        if team == id {
            return Ok(());
        }
        return Err(ReviewError::AliasTaken { site: source.to_owned(), alias: alias.to_owned(), team });
    }
    exec(
        &txn,
        "INSERT INTO team_aliases (source, alias, team_id) VALUES ($1, $2, $3)",
        vec![source.into(), alias.into(), id.into()],
    )
    .await?;
    audit(&txn, actor, "team.alias", id, serde_json::json!({ "source": source, "alias": alias })).await?;
    txn.commit().await?;
    Ok(())
}

/// Merges team `from` into team `into` (see the module's notes), audited as `actor`'s.
pub async fn merge(
    db: &DatabaseConnection,
    actor: &str,
    from: i64,
    into: i64,
) -> Result<Merged, ReviewError> {
    if from == into {
        return Err(ReviewError::SameTeam);
    }
    let txn = db.begin().await?;
    let from_name = team_name(&txn, from).await?;
    let into_name = team_name(&txn, into).await?;
    let met = ids(
        &txn,
        "SELECT id FROM matches WHERE (home_team_id = $1 AND away_team_id = $2) \
         OR (home_team_id = $2 AND away_team_id = $1)",
        vec![from.into(), into.into()],
    )
    .await?;
    if !met.is_empty() {
        return Err(ReviewError::PlayedEachOther(from, into));
    }
    let mut out = Merged { from, into, ..Merged::default() };
    let theirs = txn
        .query_all_raw(stmt(
            &txn,
            "SELECT id, league_id, season, match_date, home_team_id, away_team_id FROM matches \
             WHERE home_team_id = $1 OR away_team_id = $1",
            vec![from.into()],
        ))
        .await?;
    for r in theirs {
        let id: i64 = r.try_get_by_index(0)?;
        let league: i64 = r.try_get_by_index(1)?;
        let season: String = r.try_get_by_index(2)?;
        let date: chrono::NaiveDate = r.try_get_by_index(3)?;
        let swap = |team: i64| if team == from { into } else { team };
        let (home, away) = (swap(r.try_get_by_index(4)?), swap(r.try_get_by_index(5)?));
        let twin = ids(
            &txn,
            "SELECT id FROM matches WHERE league_id = $1 AND season = $2 AND match_date = $3 \
             AND home_team_id = $4 AND away_team_id = $5",
            vec![league.into(), season.into(), date.into(), home.into(), away.into()],
        )
        .await?;
        match twin.first() {
            Some(&keep) => {
                fold_match(&txn, id, keep, from, into).await?;
                out.matches_folded += 1;
            }
            None => {
                exec(
                    &txn,
                    "UPDATE matches SET home_team_id = $1, away_team_id = $2 WHERE id = $3",
                    vec![home.into(), away.into(), id.into()],
                )
                .await?;
                out.matches_moved += 1;
            }
        }
    }
    exec(&txn, "UPDATE match_stats SET team_id = $2 WHERE team_id = $1", vec![from.into(), into.into()])
        .await?;
    out.players_moved = exec(
        &txn,
        "UPDATE players SET team_id = $2 WHERE team_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM players p WHERE p.team_id = $2 AND p.name = players.name)",
        vec![from.into(), into.into()],
    )
    .await?;
    exec(&txn, "DELETE FROM players WHERE team_id = $1", vec![from.into()]).await?;
    // A table line of both names in one source's table: the kept team's stays.
    exec(
        &txn,
        "DELETE FROM standings WHERE team_id = $1 AND EXISTS (SELECT 1 FROM standings s WHERE s.team_id = $2 \
         AND s.league_id = standings.league_id AND s.season = standings.season AND s.source = standings.source)",
        vec![from.into(), into.into()],
    )
    .await?;
    exec(&txn, "UPDATE standings SET team_id = $2 WHERE team_id = $1", vec![from.into(), into.into()])
        .await?;
    out.aliases_moved =
        exec(&txn, "UPDATE team_aliases SET team_id = $2 WHERE team_id = $1", vec![from.into(), into.into()])
            .await?;
    remap_mentions(&txn, from, into).await?;
    // The merged name resolves to the kept team from now on, whatever the source.
    exec(
        &txn,
        "INSERT INTO team_aliases (source, alias, team_id) VALUES ($1, $2, $3) ON CONFLICT (source, alias) DO NOTHING",
        vec![MERGED_SOURCE.into(), from_name.clone().into(), into.into()],
    )
    .await?;
    exec(&txn, "DELETE FROM teams WHERE id = $1", vec![from.into()]).await?;
    let details = serde_json::json!({ "from_name": from_name, "into_name": into_name, "merged": &out });
    audit(&txn, actor, "team.merge", into, details).await?;
    txn.commit().await?;
    Ok(out)
}

/// News that mentioned team `from` mentions `into` instead.
async fn remap_mentions<C: ConnectionTrait>(c: &C, from: i64, into: i64) -> Result<(), DbErr> {
    let mentions = match c.get_database_backend() {
        sea_orm::DbBackend::Postgres => "team_mentions @> jsonb_build_array($1::bigint)",
        _ => "EXISTS (SELECT 1 FROM json_each(news.team_mentions) WHERE json_each.value = $1)",
    };
    let rows = c
        .query_all_raw(stmt(
            c,
            &format!("SELECT id, CAST(team_mentions AS TEXT) FROM news WHERE {mentions}"),
            vec![from.into()],
        ))
        .await?;
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        let text: String = r.try_get_by_index(1)?;
        let ids: Vec<i64> = serde_json::from_str(&text).unwrap_or_default();
        let mut moved: Vec<i64> = ids.into_iter().map(|t| if t == from { into } else { t }).collect();
        moved.sort_unstable();
        moved.dedup();
        exec(
            c,
            "UPDATE news SET team_mentions = $1 WHERE id = $2",
            vec![serde_json::json!(moved).into(), id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Folds match `dup` into its twin `keep`: what `keep` lacks of the duplicate's
/// statistics, prices and incidents moves, its forecasts and bets move, and it goes.
async fn fold_match<C: ConnectionTrait>(
    c: &C,
    dup: i64,
    keep: i64,
    from: i64,
    into: i64,
) -> Result<(), DbErr> {
    let both = || vec![dup.into(), keep.into(), from.into(), into.into()];
    exec(
        c,
        "UPDATE match_stats SET match_id = $2, team_id = CASE WHEN team_id = $3 THEN $4 ELSE team_id END \
         WHERE match_id = $1 AND NOT EXISTS (SELECT 1 FROM match_stats s WHERE s.match_id = $2 \
           AND s.team_id = CASE WHEN match_stats.team_id = $3 THEN $4 ELSE match_stats.team_id END)",
        both(),
    )
    .await?;
    exec(c, "DELETE FROM match_stats WHERE match_id = $1", vec![dup.into()]).await?;
    exec(
        c,
        "UPDATE odds_lines SET match_id = $2 WHERE match_id = $1 AND NOT EXISTS (SELECT 1 FROM odds_lines o \
           WHERE o.match_id = $2 AND o.recorded_at = odds_lines.recorded_at AND o.bookmaker = odds_lines.bookmaker \
           AND o.market = odds_lines.market AND o.line = odds_lines.line AND o.is_closing = odds_lines.is_closing)",
        vec![dup.into(), keep.into()],
    )
    .await?;
    exec(c, "DELETE FROM odds_lines WHERE match_id = $1", vec![dup.into()]).await?;
    exec(
        c,
        "UPDATE match_incidents SET match_id = $2 WHERE match_id = $1 AND NOT EXISTS (SELECT 1 FROM match_incidents i \
           WHERE i.match_id = $2 AND i.source = match_incidents.source AND i.kind = match_incidents.kind \
           AND i.minute = match_incidents.minute AND i.side = match_incidents.side \
           AND i.player = match_incidents.player)",
        vec![dup.into(), keep.into()],
    )
    .await?;
    exec(c, "DELETE FROM match_incidents WHERE match_id = $1", vec![dup.into()]).await?;
    exec(c, "UPDATE predictions SET match_id = $2 WHERE match_id = $1", vec![dup.into(), keep.into()])
        .await?;
    exec(c, "UPDATE value_bets SET match_id = $2 WHERE match_id = $1", vec![dup.into(), keep.into()]).await?;
    exec(c, "DELETE FROM matches WHERE id = $1", vec![dup.into()]).await?;
    Ok(())
}
