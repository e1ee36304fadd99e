//! FotMob's web API (`www.fotmob.com/api/…`): a league's overview (`leagues?id=`), from
//! which the season's fixture list and the league table are read, and one match's
//! details (`matchDetails?matchId=`: score, team stats with xG, shotmap, events,
//! line-ups).

use entities::enums::MatchStatus;
use serde_json::Value;

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, as_f64, as_i64, opt, opt_i64, opt_str};
use crate::scrape::rows::{
    EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, ShotRow, Side, StandingRow, TeamStatsRow,
};

const SITE: &str = "fotmob";

/// FotMob's shotmap coordinates are metres on a 105 × 68 pitch.
const PITCH_LENGTH: f64 = 105.0;
const PITCH_WIDTH: f64 = 68.0;

/// A league's overview, for the current season or `season` (`2025/2026`):
/// `https://www.fotmob.com/api/leagues?id=87&season=2025%2F2026`
pub fn league_url(base: &str, league: u32, season: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    match season {
        Some(s) => {
            format!("{base}/api/leagues?id={league}&season={}", s.replace('/', "%2F").replace(' ', "%20"))
        }
        None => format!("{base}/api/leagues?id={league}"),
    }
}

/// `https://www.fotmob.com/api/matchDetails?matchId=3424045`
pub fn match_details_url(base: &str, match_id: u64) -> String {
    format!("{}/api/matchDetails?matchId={match_id}", base.trim_end_matches('/'))
}

/// The season's fixtures of a league overview (`matches.allMatches[]`).
pub fn parse_league_fixtures(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let matches = p.array(&root, "matches.allMatches")?;
    if matches.is_empty() {
        return Err(p.err("matches.allMatches", "no match"));
    }
    let competition = opt_str(&root, "details.name").map(str::to_owned);
    let season = opt_str(&root, "details.selectedSeason").map(str::to_owned);
    (0..matches.len())
        .map(|i| {
            let path = format!("matches.allMatches.{i}");
            let status = status(&p, &root, &format!("{path}.status"))?;
            let (home_goals, away_goals) = match status {
                MatchStatus::Live | MatchStatus::Finished => score(&root, &format!("{path}.status.scoreStr")),
                _ => (None, None),
            };
            Ok(FixtureRow {
                source_id: Some(id(&p, &root, &format!("{path}.id"))?),
                competition: competition.clone(),
                season: season.clone(),
                round: opt(&root, &format!("{path}.round")).map(plain),
                kickoff: Some(p.time(&root, &format!("{path}.status.utcTime"))?),
                home: p.str(&root, &format!("{path}.home.name"))?.to_owned(),
                away: p.str(&root, &format!("{path}.away.name"))?.to_owned(),
                status,
                home_goals,
                away_goals,
                ..FixtureRow::default()
            })
        })
        .collect()
}

/// The overall league table of a league overview (`table[0].data.table.all[]`).
pub fn parse_league_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let all = "table.0.data.table.all";
    let rows = p.array(&root, all)?;
    if rows.is_empty() {
        return Err(p.err(all, "no team"));
    }
    (0..rows.len())
        .map(|i| {
            let path = format!("{all}.{i}");
            let count = |key: &str| count(&p, &root, &format!("{path}.{key}"));
            let (goals_for, goals_against) = goals_for_against(&p, &root, &format!("{path}.scoresStr"))?;
            Ok(StandingRow {
                position: count("idx")?,
                team: p.str(&root, &format!("{path}.name"))?.to_owned(),
                played: count("played")?,
                won: count("wins")?,
                drawn: count("draws")?,
                lost: count("losses")?,
                goals_for,
                goals_against,
                points: i32_at(&p, &root, &format!("{path}.pts"))?,
                ..StandingRow::default()
            })
        })
        .collect()
}

/// A match's details: the fixture from `general` and `header`, stats from
/// `content.stats.Periods.All`, shots from `content.shotmap.shots`, events from
/// `content.matchFacts.events.events` and line-ups from `content.lineup`. All but the
/// fixture are optional.
pub fn parse_match_details(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let status = status(&p, &root, "header.status")?;
    let played = matches!(status, MatchStatus::Live | MatchStatus::Finished);
    let goals = |k: usize| {
        if played { opt_i64(&root, &format!("header.teams.{k}.score")).and_then(to_i32) } else { None }
    };
    let (ht_home_goals, ht_away_goals) = half_time(&root);
    let mut fixture = FixtureRow {
        source_id: Some(id(&p, &root, "general.matchId")?),
        competition: opt_str(&root, "general.leagueName").map(str::to_owned),
        round: opt(&root, "general.matchRound").map(plain),
        kickoff: Some(p.time(&root, "general.matchTimeUTCDate")?),
        home: p.str(&root, "header.teams.0.name")?.to_owned(),
        away: p.str(&root, "header.teams.1.name")?.to_owned(),
        status,
        home_goals: goals(0),
        away_goals: goals(1),
        ht_home_goals,
        ht_away_goals,
        venue: opt_str(&root, "content.matchFacts.infoBox.Stadium.name").map(str::to_owned),
        referee: opt_str(&root, "content.matchFacts.infoBox.Referee.text").map(str::to_owned),
        ..FixtureRow::default()
    };
    let stats = team_stats(&p, &root, &fixture)?;
    fixture.home_xg = stats.iter().find(|s| s.side == Side::Home).and_then(|s| s.xg);
    fixture.away_xg = stats.iter().find(|s| s.side == Side::Away).and_then(|s| s.xg);
    let shots = shots(&p, &root)?;
    let events = events(&p, &root)?;
    let lineups = lineups(&p, &root)?;
    Ok(MatchDetail { fixture, stats, events, shots, odds: Vec::new(), lineups })
}

/// `status.{started, finished, cancelled}`; a cancelled match whose reason reads
/// "Postponed" (`PP`) is postponed.
fn status(p: &Page, root: &Value, path: &str) -> Result<MatchStatus, ParseError> {
    let flag = |key: &str| -> Result<bool, ParseError> {
        let field = format!("{path}.{key}");
        p.get(root, &field)?.as_bool().ok_or_else(|| p.err(field, "not a boolean"))
    };
    if opt(root, &format!("{path}.cancelled")).and_then(Value::as_bool) == Some(true) {
        let reason = [format!("{path}.reason.short"), format!("{path}.reason.long")]
            .iter()
            .filter_map(|r| opt_str(root, r))
            .any(|r| r == "PP" || r.to_ascii_lowercase().contains("postpone"));
        return Ok(if reason { MatchStatus::Postponed } else { MatchStatus::Cancelled });
    }
    Ok(match (flag("started")?, flag("finished")?) {
        (_, true) => MatchStatus::Finished,
        (true, false) => MatchStatus::Live,
        (false, false) => MatchStatus::Scheduled,
    })
}

/// An id FotMob writes as a string or a number.
fn id(p: &Page, root: &Value, path: &str) -> Result<String, ParseError> {
    match p.get(root, path)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(p.err(path, "not an id")),
    }
}

/// A string or number as text (`"1"` or `1` → `1`).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `"2 - 1"` → (2, 1). FotMob writes a played match's score only in this string.
fn score(root: &Value, path: &str) -> (Option<i32>, Option<i32>) {
    let Some((h, a)) = opt_str(root, path).and_then(|s| s.split_once('-')) else {
        return (None, None);
    };
    (h.trim().parse().ok(), a.trim().parse().ok())
}

/// `"GF-GA"` of a table row.
fn goals_for_against(p: &Page, root: &Value, path: &str) -> Result<(u32, u32), ParseError> {
    let raw = p.str(root, path)?;
    raw.split_once('-')
        .and_then(|(f, a)| Some((f.trim().parse().ok()?, a.trim().parse().ok()?)))
        .ok_or_else(|| p.err(path, format!("not goals for-against: {raw:?}")))
}

fn count(p: &Page, root: &Value, path: &str) -> Result<u32, ParseError> {
    u32::try_from(p.i64(root, path)?).map_err(|_| p.err(path, "not a count"))
}

fn i32_at(p: &Page, root: &Value, path: &str) -> Result<i32, ParseError> {
    to_i32(p.i64(root, path)?).ok_or_else(|| p.err(path, "out of range"))
}

fn to_i32(n: i64) -> Option<i32> {
    i32::try_from(n).ok()
}

/// The score at the `Half` event marked `HT`.
fn half_time(root: &Value) -> (Option<i32>, Option<i32>) {
    let events = opt(root, "content.matchFacts.events.events").and_then(Value::as_array);
    let Some(ht) = events.into_iter().flatten().find(|e| opt_str(e, "halfStrShort") == Some("HT")) else {
        return (None, None);
    };
    (opt_i64(ht, "homeScore").and_then(to_i32), opt_i64(ht, "awayScore").and_then(to_i32))
}

/// `content.stats.Periods.All.stats[]` are groups ("Top stats", "Shots", …) of items
/// `{key, stats: [home, away]}`; a key may repeat across groups with the same values.
fn team_stats(p: &Page, root: &Value, fixture: &FixtureRow) -> Result<Vec<TeamStatsRow>, ParseError> {
    let Some(groups) = opt(root, "content.stats.Periods.All.stats").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let items: Vec<&Value> =
        groups.iter().filter_map(|g| opt(g, "stats").and_then(Value::as_array)).flatten().collect();
    if items.is_empty() {
        return Err(p.err("content.stats.Periods.All.stats", "no stat"));
    }
    let value = |key: &str, k: usize| {
        items.iter().filter(|s| opt_str(s, "key") == Some(key)).find_map(|s| opt(s, &format!("stats.{k}")))
    };
    // Counts may read "298 (81%)": the number before the bracket.
    let count = |key: &str, k: usize| {
        value(key, k).and_then(|v| match v {
            Value::String(s) => s.split_whitespace().next().and_then(|n| n.parse().ok()),
            other => as_i64(other).and_then(to_i32),
        })
    };
    Ok([(Side::Home, &fixture.home, 0), (Side::Away, &fixture.away, 1)]
        .into_iter()
        .map(|(side, team, k)| TeamStatsRow {
            side,
            team: team.clone(),
            possession: value("BallPossesion", k).and_then(as_f64),
            shots: count("total_shots", k),
            shots_on_target: count("ShotsOnTarget", k),
            corners: count("corners", k),
            fouls: count("fouls", k),
            yellow_cards: count("yellow_cards", k),
            red_cards: count("red_cards", k),
            xg: value("expected_goals", k).and_then(as_f64),
        })
        .collect())
}

/// `content.shotmap.shots[]`, the side told by `teamId`. Coordinates become 0–1 of the
/// pitch's length (towards the goal attacked) and width, as FotMob orients them.
fn shots(p: &Page, root: &Value) -> Result<Vec<ShotRow>, ParseError> {
    let Some(list) = opt(root, "content.shotmap.shots").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let home_id = p.i64(root, "general.homeTeam.id")?;
    (0..list.len())
        .map(|i| {
            let path = format!("content.shotmap.shots.{i}");
            let at = |key: &str| format!("{path}.{key}");
            Ok(ShotRow {
                minute: count(p, root, &at("min"))?,
                side: if p.i64(root, &at("teamId"))? == home_id { Side::Home } else { Side::Away },
                player: p.str(root, &at("playerName"))?.to_owned(),
                xg: p.f64(root, &at("expectedGoals"))?,
                x: opt(root, &at("x")).and_then(as_f64).map(|x| x / PITCH_LENGTH),
                y: opt(root, &at("y")).and_then(as_f64).map(|y| y / PITCH_WIDTH),
                result: p.str(root, &at("eventType"))?.to_owned(),
                situation: opt_str(root, &at("situation")).map(str::to_owned),
            })
        })
        .collect()
}

/// Match-facts events of a team (`isHome` set); period markers and added-time notes
/// have none and are skipped.
fn events(p: &Page, root: &Value) -> Result<Vec<EventRow>, ParseError> {
    let Some(list) = opt(root, "content.matchFacts.events.events").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let Some(is_home) = opt(e, "isHome").and_then(Value::as_bool) else { continue };
        let path = format!("content.matchFacts.events.events.{i}");
        let kind_text = p.str(root, &format!("{path}.type"))?;
        let kind = event_kind(kind_text, e);
        let name = |rel: &str| opt_str(e, rel).map(str::to_owned);
        // A substitution's `swap` lists the player coming on first.
        let (player, other_player) = match kind {
            EventKind::Substitution => (name("swap.1.name"), name("swap.0.name")),
            _ => (name("player.name").or_else(|| name("nameStr")), name("assistInput")),
        };
        rows.push(EventRow {
            minute: count(p, root, &format!("{path}.time"))?,
            extra_minute: opt_i64(e, "overloadTime").and_then(|x| u32::try_from(x).ok()).filter(|x| *x > 0),
            side: if is_home { Side::Home } else { Side::Away },
            kind,
            player,
            other_player,
        });
    }
    Ok(rows)
}

fn event_kind(kind: &str, e: &Value) -> EventKind {
    let mentions_penalty = ["goalDescription", "suffix"]
        .iter()
        .filter_map(|k| opt_str(e, k))
        .any(|s| s.to_ascii_lowercase().starts_with("pen"));
    match kind {
        "Goal" if opt(e, "ownGoal").and_then(Value::as_bool) == Some(true) => EventKind::OwnGoal,
        "Goal" if mentions_penalty => EventKind::PenaltyGoal,
        "Goal" => EventKind::Goal,
        "MissedPenalty" => EventKind::MissedPenalty,
        "Substitution" => EventKind::Substitution,
        "Card" => match opt_str(e, "card") {
            Some("Yellow") => EventKind::YellowCard,
            Some("Red") => EventKind::RedCard,
            Some("YellowRed") => EventKind::SecondYellow,
            other => EventKind::Other(format!("Card {}", other.unwrap_or_default())),
        },
        other => EventKind::Other(other.to_owned()),
    }
}

/// `content.lineup.{homeTeam, awayTeam}.{starters, subs}[]`. The position is the
/// player's usual role (`usualPlayingPositionId` 0–3).
fn lineups(p: &Page, root: &Value) -> Result<Vec<PlayerRow>, ParseError> {
    let mut rows = Vec::new();
    for team_key in ["homeTeam", "awayTeam"] {
        let team_path = format!("content.lineup.{team_key}");
        let Some(team) = opt(root, &team_path) else { continue };
        let team_name = opt_str(team, "name").map(str::to_owned);
        for (group, starter) in [("starters", true), ("subs", false)] {
            let players = opt(team, group).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for (j, player) in players.iter().enumerate() {
                rows.push(PlayerRow {
                    team: team_name.clone(),
                    name: p.str(root, &format!("{team_path}.{group}.{j}.name"))?.to_owned(),
                    position: opt_i64(player, "usualPlayingPositionId").and_then(role).map(str::to_owned),
                    shirt_number: opt_i64(player, "shirtNumber").and_then(|n| u32::try_from(n).ok()),
                    starter: Some(starter),
                    ..PlayerRow::default()
                });
            }
        }
    }
    Ok(rows)
}

fn role(id: i64) -> Option<&'static str> {
    match id {
        0 => Some("Goalkeeper"),
        1 => Some("Defender"),
        2 => Some("Midfielder"),
        3 => Some("Forward"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    const LEAGUE: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fotmob/leagues_ESP-La_Liga.json"));
    const MATCH: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/fotmob/matches_ESP-La_Liga_2021_3424045.json"
    ));
    const OTHER_SITE: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/espn/Summary_554204.json"));

    fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(body).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    fn remove(v: &mut Value, pointer: &str, key: &str) {
        v.pointer_mut(pointer).unwrap().as_object_mut().unwrap().remove(key).unwrap();
    }

    #[test]
    fn urls() {
        assert_eq!(
            league_url("https://www.fotmob.com", 87, None),
            "https://www.fotmob.com/api/leagues?id=87"
        );
        assert_eq!(
            league_url("http://127.0.0.1:8080/", 87, Some("2025/2026")),
            "http://127.0.0.1:8080/api/leagues?id=87&season=2025%2F2026"
        );
        assert_eq!(
            match_details_url("https://www.fotmob.com", 3424045),
            "https://www.fotmob.com/api/matchDetails?matchId=3424045"
        );
    }

    #[test]
    fn league_fixtures() {
        let rows = parse_league_fixtures("league", LEAGUE).unwrap();
        assert_eq!(rows.len(), 380);
        let first = &rows[0];
        assert_eq!(first.source_id.as_deref(), Some("4837112"));
        assert_eq!(
            (first.competition.as_deref(), first.season.as_deref()),
            (Some("LaLiga"), Some("2025/2026"))
        );
        assert_eq!(first.round.as_deref(), Some("1"));
        assert_eq!(first.kickoff, Some(Utc.with_ymd_and_hms(2025, 8, 15, 17, 0, 0).unwrap()));
        assert_eq!((first.home.as_str(), first.away.as_str()), ("Girona", "Rayo Vallecano"));
        assert_eq!((first.status, first.home_goals, first.away_goals), (MatchStatus::Scheduled, None, None));

        let mid = &rows[189];
        assert_eq!(mid.source_id.as_deref(), Some("4837293"));
        assert_eq!(mid.round.as_deref(), Some("19"));
        assert_eq!(mid.kickoff, Some(Utc.with_ymd_and_hms(2026, 1, 11, 18, 0, 0).unwrap()));
        assert_eq!((mid.home.as_str(), mid.away.as_str()), ("Villarreal", "Deportivo Alaves"));

        let last = &rows[379];
        assert_eq!(last.source_id.as_deref(), Some("4837487"));
        assert_eq!(last.round.as_deref(), Some("38"));
        assert_eq!(last.kickoff, Some(Utc.with_ymd_and_hms(2026, 5, 24, 17, 0, 0).unwrap()));
        assert_eq!((last.home.as_str(), last.away.as_str()), ("Villarreal", "Atletico Madrid"));

        assert!(rows.iter().all(|r| r.status == MatchStatus::Scheduled));
        assert_eq!(rows.iter().filter(|r| r.home == "Valencia" || r.away == "Valencia").count(), 38);
    }

    #[test]
    fn league_fixture_statuses_and_scores() {
        let body = edited(LEAGUE, |v| {
            let m = &mut v["matches"]["allMatches"];
            m[0]["status"] = json!({"utcTime": "2025-08-15T17:00:00Z", "started": true, "finished": true,
                "cancelled": false, "scoreStr": "1 - 3", "reason": {"short": "FT"}});
            m[1]["status"] = json!({"utcTime": "2025-08-15T19:30:00Z", "started": true, "finished": false,
                "cancelled": false, "scoreStr": "0 - 0"});
            m[2]["status"] = json!({"utcTime": "2025-08-16T15:00:00Z", "started": false, "finished": false,
                "cancelled": true, "reason": {"short": "PP", "long": "Postponed"}});
            m[3]["status"] = json!({"utcTime": "2025-08-16T17:00:00Z", "started": false, "finished": false,
                "cancelled": true, "reason": {"short": "Can", "long": "Cancelled"}});
        });
        let rows = parse_league_fixtures("league", &body).unwrap();
        assert_eq!(
            (rows[0].status, rows[0].home_goals, rows[0].away_goals),
            (MatchStatus::Finished, Some(1), Some(3))
        );
        assert_eq!(
            (rows[1].status, rows[1].home_goals, rows[1].away_goals),
            (MatchStatus::Live, Some(0), Some(0))
        );
        assert_eq!((rows[2].status, rows[2].home_goals), (MatchStatus::Postponed, None));
        assert_eq!(rows[3].status, MatchStatus::Cancelled);
    }

    #[test]
    fn league_table() {
        let rows = parse_league_table("league", LEAGUE).unwrap();
        assert_eq!(rows.len(), 20);
        let names: Vec<&str> = rows.iter().map(|r| r.team.as_str()).collect();
        assert_eq!(names[..3], ["Athletic Club", "Atletico Madrid", "Barcelona"]);
        assert_eq!((names[9], names[18], names[19]), ("Levante", "Valencia", "Villarreal"));
        assert_eq!(rows.iter().map(|r| r.position).collect::<Vec<_>>(), (1..=20).collect::<Vec<u32>>());
        // The season had not started when this was recorded: every count is zero.
        let zero = StandingRow { position: 16, team: "Real Oviedo".into(), ..StandingRow::default() };
        assert_eq!(rows[15], zero);
        assert!(rows.iter().all(|r| (
            r.played,
            r.won,
            r.drawn,
            r.lost,
            r.goals_for,
            r.goals_against,
            r.points
        ) == (0, 0, 0, 0, 0, 0, 0)));
    }

    #[test]
    fn league_table_counts() {
        let body = edited(LEAGUE, |v| {
            let row = &mut v["table"][0]["data"]["table"]["all"][2];
            for (k, n) in [("played", 3), ("wins", 2), ("draws", 1), ("losses", 0), ("pts", 7)] {
                row[k] = json!(n);
            }
            row["scoresStr"] = json!("8-2");
        });
        let rows = parse_league_table("league", &body).unwrap();
        let b = &rows[2];
        assert_eq!((b.team.as_str(), b.played, b.won, b.drawn, b.lost), ("Barcelona", 3, 2, 1, 0));
        assert_eq!((b.goals_for, b.goals_against, b.points), (8, 2, 7));
    }

    #[test]
    fn match_fixture_and_stats() {
        let m = parse_match_details("match", MATCH).unwrap();
        let f = &m.fixture;
        assert_eq!(f.source_id.as_deref(), Some("3424045"));
        assert_eq!((f.competition.as_deref(), f.round.as_deref()), (Some("LaLiga"), Some("1")));
        assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2020, 9, 13, 19, 5, 0).unwrap()));
        assert_eq!((f.home.as_str(), f.away.as_str()), ("Valencia", "Levante"));
        assert_eq!((f.status, f.home_goals, f.away_goals), (MatchStatus::Finished, Some(4), Some(2)));
        assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(2), Some(2)));
        assert_eq!((f.home_xg, f.away_xg), (Some(1.94), Some(2.03)));
        assert_eq!(f.venue.as_deref(), Some("Estadio de Mestalla"));
        assert_eq!(f.referee.as_deref(), Some("Jose Sanchez"));

        let (h, a) = (&m.stats[0], &m.stats[1]);
        assert_eq!(m.stats.len(), 2);
        assert_eq!(
            (h.side, h.team.as_str(), h.possession, h.xg),
            (Side::Home, "Valencia", Some(44.0), Some(1.94))
        );
        assert_eq!((h.shots, h.shots_on_target, h.corners, h.fouls), (Some(14), Some(8), Some(3), Some(9)));
        assert_eq!((h.yellow_cards, h.red_cards), (Some(1), Some(0)));
        assert_eq!(
            (a.side, a.team.as_str(), a.possession, a.xg),
            (Side::Away, "Levante", Some(56.0), Some(2.03))
        );
        assert_eq!((a.shots, a.shots_on_target, a.corners, a.fouls), (Some(19), Some(8), Some(4), Some(14)));
        assert_eq!((a.yellow_cards, a.red_cards), (Some(4), Some(0)));
        assert!(m.odds.is_empty());
    }

    #[test]
    fn match_shots() {
        let m = parse_match_details("match", MATCH).unwrap();
        assert_eq!(m.shots.len(), 33);
        let first = &m.shots[0];
        assert_eq!((first.minute, first.side, first.player.as_str()), (1, Side::Away, "José Luis Morales"));
        assert_eq!(
            (first.xg, first.result.as_str(), first.situation.as_deref()),
            (0.1095, "Goal", Some("RegularPlay"))
        );
        assert_eq!(first.x, Some(96.9912280694 / 105.0));
        assert_eq!(first.y, Some(37.72 / 68.0));
        let paulista = &m.shots[2];
        assert_eq!(
            (paulista.minute, paulista.side, paulista.player.as_str()),
            (12, Side::Home, "Gabriel Paulista")
        );
        assert_eq!((paulista.xg, paulista.situation.as_deref()), (0.0686, Some("FromCorner")));
        let musah = &m.shots[16];
        assert_eq!((musah.player.as_str(), musah.result.as_str(), musah.xg), ("Yunus Musah", "Post", 0.3447));
        let last = &m.shots[32];
        assert_eq!((last.minute, last.side, last.player.as_str()), (90, Side::Home, "Manuel Vallejo"));
        assert_eq!((last.xg, last.result.as_str()), (0.5092, "Goal"));
        let goals = |side| m.shots.iter().filter(|s| s.side == side && s.result == "Goal").count();
        assert_eq!((goals(Side::Home), goals(Side::Away)), (4, 2));
        let shots = |side| m.shots.iter().filter(|s| s.side == side).count();
        assert_eq!((shots(Side::Home), shots(Side::Away)), (14, 19));
        assert!(m.shots.iter().all(|s| s.x.is_some_and(|x| (0.0..=1.0).contains(&x))));
    }

    #[test]
    fn match_events() {
        let m = parse_match_details("match", MATCH).unwrap();
        // 25 events, of which 2 half markers and 2 added-time notes carry no team.
        assert_eq!(m.events.len(), 21);
        let first = &m.events[0];
        assert_eq!((first.minute, first.side, first.kind.clone()), (1, Side::Away, EventKind::Goal));
        assert_eq!(
            (first.player.as_deref(), first.other_player.as_deref()),
            (Some("José Luis Morales"), None)
        );
        let header = &m.events[1];
        assert_eq!(
            (header.minute, header.side, header.player.as_deref()),
            (12, Side::Home, Some("Gabriel Paulista"))
        );
        assert_eq!(header.other_player.as_deref(), Some("Kang-In Lee"));
        let sub = &m.events[2];
        assert_eq!((sub.minute, sub.extra_minute, sub.kind.clone()), (17, None, EventKind::Substitution));
        assert_eq!(
            (sub.player.as_deref(), sub.other_player.as_deref()),
            (Some("Eliaquim Mangala"), Some("Mouctar Diakhaby"))
        );
        assert_eq!(m.events[3].kind, EventKind::Other("VAR".into()));
        let late = &m.events[19];
        assert_eq!((late.minute, late.extra_minute, late.kind.clone()), (90, Some(4), EventKind::Goal));
        assert_eq!(late.player.as_deref(), Some("Manuel Vallejo"));
        let last = &m.events[20];
        assert_eq!(
            (last.minute, last.extra_minute, last.side, last.kind.clone()),
            (90, Some(5), Side::Away, EventKind::YellowCard)
        );
        assert_eq!(last.player.as_deref(), Some("José Campana"));
        assert_eq!(m.events.iter().filter(|e| e.kind == EventKind::Goal).count(), 6);
    }

    #[test]
    fn match_lineups() {
        let m = parse_match_details("match", MATCH).unwrap();
        assert_eq!(m.lineups.len(), 46);
        let keeper = &m.lineups[0];
        assert_eq!((keeper.team.as_deref(), keeper.name.as_str()), (Some("Valencia"), "Jaume Domenech"));
        assert_eq!(
            (keeper.position.as_deref(), keeper.shirt_number, keeper.starter),
            (Some("Goalkeeper"), Some(1), Some(true))
        );
        let wass = &m.lineups[1];
        assert_eq!(
            (wass.name.as_str(), wass.position.as_deref(), wass.shirt_number),
            ("Daniel Wass", Some("Midfielder"), Some(18))
        );
        let diakhaby = &m.lineups[11];
        assert_eq!(
            (diakhaby.name.as_str(), diakhaby.starter, diakhaby.shirt_number),
            ("Mouctar Diakhaby", Some(false), Some(12))
        );
        let levante = &m.lineups[23];
        assert_eq!((levante.team.as_deref(), levante.name.as_str()), (Some("Levante"), "Aitor Fernández"));
        let last = m.lineups.last().unwrap();
        assert_eq!((last.name.as_str(), last.shirt_number, last.starter), ("Tono", Some(3), Some(false)));
        let starters = m.lineups.iter().filter(|p| p.starter == Some(true)).count();
        assert_eq!(starters, 22);
    }

    #[test]
    fn malformed_leagues_are_errors() {
        for parse in [
            |b: &[u8]| parse_league_fixtures("l", b).map(|_| ()),
            |b: &[u8]| parse_league_table("l", b).map(|_| ()),
        ] {
            assert_eq!(parse(b"").unwrap_err().field, "body");
            assert_eq!(parse(&LEAGUE[..LEAGUE.len() / 2]).unwrap_err().field, "body");
            assert_eq!(parse(OTHER_SITE).unwrap_err().site, "fotmob");
        }
        assert_eq!(parse_league_fixtures("l", OTHER_SITE).unwrap_err().field, "matches.allMatches");
        assert_eq!(parse_league_table("l", OTHER_SITE).unwrap_err().field, "table.0.data.table.all");

        let body = edited(LEAGUE, |v| v["matches"]["allMatches"] = json!([]));
        assert_eq!(parse_league_fixtures("l", &body).unwrap_err().reason, "no match");
        let body = edited(LEAGUE, |v| remove(v, "/matches/allMatches/7/away", "name"));
        assert_eq!(parse_league_fixtures("l", &body).unwrap_err().field, "matches.allMatches.7.away.name");
        let body = edited(LEAGUE, |v| v["matches"]["allMatches"][9]["status"]["finished"] = json!("no"));
        let e = parse_league_fixtures("l", &body).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("matches.allMatches.9.status.finished", "not a boolean")
        );
        let body = edited(LEAGUE, |v| v["matches"]["allMatches"][0]["status"]["utcTime"] = json!("tomorrow"));
        assert_eq!(
            parse_league_fixtures("l", &body).unwrap_err().field,
            "matches.allMatches.0.status.utcTime"
        );

        let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"] = json!([]));
        assert_eq!(parse_league_table("l", &body).unwrap_err().reason, "no team");
        let body = edited(LEAGUE, |v| remove(v, "/table/0/data/table/all/4", "pts"));
        assert_eq!(parse_league_table("l", &body).unwrap_err().field, "table.0.data.table.all.4.pts");
        let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"][5]["played"] = json!(-1));
        let e = parse_league_table("l", &body).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("table.0.data.table.all.5.played", "not a count"));
        let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"][6]["scoresStr"] = json!("n/a"));
        assert_eq!(parse_league_table("l", &body).unwrap_err().field, "table.0.data.table.all.6.scoresStr");
    }

    #[test]
    fn malformed_matches_are_errors() {
        assert_eq!(parse_match_details("m", b"\n").unwrap_err().reason, "empty");
        assert_eq!(parse_match_details("m", &MATCH[..MATCH.len() / 2]).unwrap_err().field, "body");
        assert_eq!(parse_match_details("m", OTHER_SITE).unwrap_err().field, "header.status.started");
        assert_eq!(parse_match_details("m", LEAGUE).unwrap_err().field, "header.status.started");

        let body = edited(MATCH, |v| remove(v, "/header/teams/1", "name"));
        assert_eq!(parse_match_details("m", &body).unwrap_err().field, "header.teams.1.name");
        let body = edited(MATCH, |v| v["general"]["matchTimeUTCDate"] = json!(true));
        assert_eq!(parse_match_details("m", &body).unwrap_err().field, "general.matchTimeUTCDate");
        let body = edited(MATCH, |v| v["content"]["stats"]["Periods"]["All"]["stats"] = json!([]));
        assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.stats.Periods.All.stats");
        let body = edited(MATCH, |v| v["content"]["shotmap"]["shots"][4]["expectedGoals"] = json!("high"));
        let e = parse_match_details("m", &body).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("content.shotmap.shots.4.expectedGoals", "not a number")
        );
        let body = edited(MATCH, |v| remove(v, "/content/shotmap/shots/0", "playerName"));
        assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.shotmap.shots.0.playerName");
        let body = edited(MATCH, |v| remove(v, "/content/matchFacts/events/events/2", "time"));
        assert_eq!(
            parse_match_details("m", &body).unwrap_err().field,
            "content.matchFacts.events.events.2.time"
        );
        let body = edited(MATCH, |v| remove(v, "/content/lineup/awayTeam/subs/3", "name"));
        assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.lineup.awayTeam.subs.3.name");
    }
}
