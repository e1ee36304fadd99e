//! Teams: one team, its matches and its recent form.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use entities::teams;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::matches::{MatchFilter, MatchItem, MatchSort, SortOrder, StatusParam, TeamRef, list_page};
use crate::pagination::Page;
use crate::state::ApiState;
use crate::tags::ApiTags;

/// How many matches `form` looks back over by default, and at most.
const DEFAULT_FORM: u64 = 5;
const MAX_FORM: u64 = 20;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamItem {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub league_id: Option<i64>,
    pub logo_url: Option<String>,
}

/// One finished match from the team's side.
#[derive(Clone, Debug, Object)]
pub struct FormMatch {
    pub match_id: i64,
    pub kickoff_at: DateTime<Utc>,
    /// home or away.
    pub venue: String,
    pub opponent: TeamRef,
    pub goals_for: i32,
    pub goals_against: i32,
    /// W, D or L.
    pub result: String,
}

#[derive(Clone, Debug, Object)]
pub struct TeamForm {
    pub team_id: i64,
    /// Newest first.
    pub matches: Vec<FormMatch>,
    /// 3 a win, 1 a draw.
    pub points: u32,
    /// The results newest first, e.g. `WWDLW`.
    pub form: String,
}

/// The team, or a 404.
async fn find_team(db: &DatabaseConnection, id: i64) -> Result<teams::Model, ApiError> {
    teams::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::NotFound(format!("team {id}")))
}

/// The match seen from `team`'s side; none while it has no score.
fn form_match(m: MatchItem, team: i64) -> Option<FormMatch> {
    let (home, away) = (m.home_goals?, m.away_goals?);
    let (venue, opponent, goals_for, goals_against) = if m.home_team.id == team {
        ("home", m.away_team, home, away)
    } else {
        ("away", m.home_team, away, home)
    };
    let result = match goals_for.cmp(&goals_against) {
        Ordering::Greater => "W",
        Ordering::Equal => "D",
        Ordering::Less => "L",
    };
    Some(FormMatch {
        match_id: m.id,
        kickoff_at: m.kickoff_at,
        venue: venue.to_owned(),
        opponent,
        goals_for,
        goals_against,
        result: result.to_owned(),
    })
}

fn points(result: &str) -> u32 {
    match result {
        "W" => 3,
        "D" => 1,
        _ => 0,
    }
}

pub struct TeamsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Teams")]
impl TeamsApi {
    /// One team.
    #[oai(path = "/teams/:id", method = "get")]
    async fn one(&self, id: Path<i64>) -> ApiResult<TeamItem> {
        let t = find_team(&self.state.db, id.0).await?;
        let item = TeamItem {
            id: t.id,
            name: t.name,
            short_name: t.short_name,
            league_id: t.league_id,
            logo_url: t.logo_url,
        };
        Ok(ok(item, None))
    }

    /// The team's matches, home or away, newest first.
    #[oai(path = "/teams/:id/matches", method = "get")]
    async fn matches(
        &self,
        id: Path<i64>,
        status: Query<Option<StatusParam>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<MatchItem>> {
        let p = Page::new(page.0, per_page.0)?;
        let db = &self.state.db;
        find_team(db, id.0).await?;
        let filter = MatchFilter { status: status.0, team: Some(id.0), ..MatchFilter::default() };
        let (items, total, as_of) =
            list_page(&self.state, &filter, MatchSort::KickoffAt, SortOrder::Desc, p).await?;
        Ok(ok(items, p.meta_counted(total, as_of)))
    }

    /// The team's last `last` finished matches (default 5, at most 20), newest first,
    /// with the points they earned and the form string.
    #[oai(path = "/teams/:id/form", method = "get")]
    async fn form(
        &self,
        id: Path<i64>,
        #[oai(validator(minimum(value = "1"), maximum(value = "20")))] last: Query<Option<u64>>,
    ) -> ApiResult<TeamForm> {
        let last = last.0.unwrap_or(DEFAULT_FORM);
        if !(1..=MAX_FORM).contains(&last) {
            return Err(ApiError::validation("last", "must be between 1 and 20").into());
        }
        let db = &self.state.db;
        find_team(db, id.0).await?;
        let filter =
            MatchFilter { status: Some(StatusParam::Finished), team: Some(id.0), ..MatchFilter::default() };
        let p = Page { page: 1, per_page: last };
        let (items, ..) = list_page(&self.state, &filter, MatchSort::KickoffAt, SortOrder::Desc, p).await?;
        let matches: Vec<FormMatch> = items.into_iter().filter_map(|m| form_match(m, id.0)).collect();
        let form = TeamForm {
            team_id: id.0,
            points: matches.iter().map(|m| points(&m.result)).sum(),
            form: matches.iter().map(|m| m.result.as_str()).collect(),
            matches,
        };
        Ok(ok(form, None))
    }
}
