//! `/today`: the matches kicking off on the current UTC day, each with the latest
//! prediction of an active model version.

use std::collections::HashMap;

use chrono::{DateTime, Days, Utc};
use entities::{leagues, matches, model_versions, predictions, teams};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The plain-text summary (escaped by the caller).
pub(super) async fn summary(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<String, DbErr> {
    let start = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let end = start.checked_add_days(Days::new(1)).unwrap_or(start);
    let games = matches::Entity::find()
        .filter(matches::Column::KickoffAt.gte(start))
        .filter(matches::Column::KickoffAt.lt(end))
        .order_by_asc(matches::Column::KickoffAt)
        .order_by_asc(matches::Column::Id)
        .all(db)
        .await?;
    if games.is_empty() {
        return Ok("No matches today.".to_owned());
    }
    let team_ids: Vec<i64> = games.iter().flat_map(|m| [m.home_team_id, m.away_team_id]).collect();
    let names: HashMap<i64, String> = teams::Entity::find()
        .filter(teams::Column::Id.is_in(team_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let codes: HashMap<i64, String> =
        leagues::Entity::find().all(db).await?.into_iter().map(|l| (l.id, l.code)).collect();
    let latest = latest_active_predictions(db, games.iter().map(|m| m.id).collect()).await?;

    let mut lines = vec![format!("Today ({}):", start.format("%Y-%m-%d"))];
    for m in &games {
        let name = |id: i64| names.get(&id).map_or("?", String::as_str);
        let league = codes.get(&m.league_id).map_or("?", String::as_str);
        let odds = latest.get(&m.id).map_or("no prediction yet".to_owned(), |p| {
            format!(
                "home {:.0}% draw {:.0}% away {:.0}%",
                p.p_home * 100.0,
                p.p_draw * 100.0,
                p.p_away * 100.0
            )
        });
        lines.push(format!(
            "{} {} v {} ({league}): {odds}",
            m.kickoff_at.format("%H:%M"),
            name(m.home_team_id),
            name(m.away_team_id)
        ));
    }
    Ok(lines.join("\n"))
}

/// The forecast a version makes from all its models, shown when a match has it.
const ENSEMBLE: &str = "ensemble";

/// Per match, the newest prediction made by a model version that is active now: its
/// ensemble forecast when there is one, else its newest forecast of any model.
/// Predictions name the version they came from in `model_version`; `model_name` is the
/// forecasting model within it (poisson, elo, ensemble, ...).
async fn latest_active_predictions(
    db: &DatabaseConnection,
    match_ids: Vec<i64>,
) -> Result<HashMap<i64, predictions::Model>, DbErr> {
    let active: Vec<String> = model_versions::Entity::find()
        .filter(model_versions::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let mut latest: HashMap<i64, predictions::Model> = HashMap::new();
    if active.is_empty() {
        return Ok(latest);
    }
    let newest_first = predictions::Entity::find()
        .filter(predictions::Column::MatchId.is_in(match_ids))
        .filter(predictions::Column::ModelVersion.is_in(active))
        .order_by_desc(predictions::Column::CreatedAt)
        .order_by_desc(predictions::Column::Id)
        .all(db)
        .await?;
    for p in newest_first {
        let replaces = |held: &predictions::Model| held.model_name != ENSEMBLE && p.model_name == ENSEMBLE;
        match latest.get(&p.match_id) {
            Some(held) if !replaces(held) => {}
            _ => {
                latest.insert(p.match_id, p);
            }
        }
    }
    Ok(latest)
}
