//! Understat (`understat.com`): expected goals for the big European leagues. Parses a
//! league season (every fixture with goals and xG) and one match (score, xG, team
//! shot counts, every shot with its xG and position, line-ups).
//!
//! The data is served as JSON by `getLeagueData/<league>/<season>` (`dates`, `teams`,
//! `players`) and `getMatchData/<id>` (`shots`, `rosters`), which answer only requests
//! sent with `X-Requested-With: XMLHttpRequest`. Older match and league pages embedded
//! the same objects as script variables (`datesData`, `shotsData`, `rostersData`,
//! `match_info`); the parsers read either naming. Every value is a string, and text is
//! HTML-escaped (`O&#039;Kane`).

use crate::MatchStatus;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, as_f64, as_i64, opt, opt_i64, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{FixtureRow, MatchDetail, PlayerRow, ShotRow, Side, TeamStatsRow};

const SITE: &str = "understat";

/// Understat writes times as `2015-08-17 23:00:00` four hours ahead of UTC all year
/// round: Liverpool–Bournemouth, kicked off 19:00 UTC on 17 August 2015, reads 23:00;
/// the Boxing Day 2015 15:00 GMT matches read 19:00.
const TIME_OFFSET_SECS: i32 = 4 * 3600;

/// A league season: `league` is Understat's name (`EPL`, `La_liga`, `Bundesliga`,
/// `Serie_A`, `Ligue_1`, `RFPL`), `season` the year it starts.
/// `https://understat.com/getLeagueData/EPL/2015`
pub fn league_url(base: &str, league: &str, season: u32) -> String {
    format!("{}/getLeagueData/{league}/{season}", base.trim_end_matches('/'))
}

/// `https://understat.com/getMatchData/100`
pub fn match_url(base: &str, match_id: u64) -> String {
    format!("{}/getMatchData/{match_id}", base.trim_end_matches('/'))
}

/// The season's fixtures (`datesData[]` or `dates[]`), finished when `isResult`.
pub fn parse_league(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let key = first_key(&root, &["datesData", "dates"]);
    let dates = p.array(&root, key)?;
    if dates.is_empty() {
        return Err(p.err(key, "no match"));
    }
    (0..dates.len())
        .map(|i| {
            let path = format!("{key}.{i}");
            let at = |rel: &str| format!("{path}.{rel}");
            let result_path = at("isResult");
            let finished =
                p.get(&root, &result_path)?.as_bool().ok_or_else(|| p.err(&result_path, "not a boolean"))?;
            let played = |rel: &str| if finished { opt(&root, &at(rel)) } else { None };
            Ok(FixtureRow {
                source_id: Some(p.str(&root, &at("id"))?.to_owned()),
                kickoff: Some(time(&p, &root, &at("datetime"))?),
                home: unescape(p.str(&root, &at("h.title"))?),
                away: unescape(p.str(&root, &at("a.title"))?),
                status: if finished { MatchStatus::Finished } else { MatchStatus::Scheduled },
                home_goals: played("goals.h").and_then(as_i64).and_then(to_i32),
                away_goals: played("goals.a").and_then(as_i64).and_then(to_i32),
                home_xg: played("xG.h").and_then(as_f64),
                away_xg: played("xG.a").and_then(as_f64),
                ..FixtureRow::default()
            })
        })
        .collect()
}

/// One match: the fixture and team stats from `match_info` (or, where the response
/// has none, from the first shot, which repeats teams, score and date), shots from
/// `shotsData.{h,a}` (or `shots`) and line-ups from `rostersData` (or `rosters`).
pub fn parse_match(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let shots_key = first_key(&root, &["shotsData", "shots"]);
    let shots = [("h", Side::Home), ("a", Side::Away)]
        .into_iter()
        .map(|(k, side)| shots(&p, &root, &format!("{shots_key}.{k}"), side))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let (fixture, stats) = match opt(&root, "match_info") {
        Some(_) => match_info(&p, &root)?,
        None => (fixture_from_shot(&p, &root, shots_key)?, Vec::new()),
    };
    let lineups = lineups(&p, &root, &fixture)?;
    Ok(MatchDetail { fixture, stats, events: Vec::new(), shots, odds: Vec::new(), lineups })
}

/// The first of `keys` the body has, else the first (so errors name it).
fn first_key<'k>(root: &Value, keys: &[&'k str]) -> &'k str {
    keys.iter().copied().find(|k| opt(root, k).is_some()).or(keys.first().copied()).unwrap_or_default()
}

fn time(p: &Page, root: &Value, path: &str) -> Result<DateTime<Utc>, ParseError> {
    let raw = p.str(root, path)?;
    NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .and_then(|t| t.and_local_timezone(FixedOffset::east_opt(TIME_OFFSET_SECS)?).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| p.err(path, format!("not a time: {raw:?}")))
}

fn to_i32(n: i64) -> Option<i32> {
    i32::try_from(n).ok()
}

fn match_info(p: &Page, root: &Value) -> Result<(FixtureRow, Vec<TeamStatsRow>), ParseError> {
    let at = |rel: &str| format!("match_info.{rel}");
    let goals = |rel: &str| opt_i64(root, &at(rel)).and_then(to_i32);
    let home_goals = goals("h_goals");
    let fixture = FixtureRow {
        source_id: Some(p.str(root, &at("id"))?.to_owned()),
        competition: opt_str(root, &at("league")).map(str::to_owned),
        season: opt_str(root, &at("season")).map(str::to_owned),
        kickoff: Some(time(p, root, &at("date"))?),
        home: unescape(p.str(root, &at("team_h"))?),
        away: unescape(p.str(root, &at("team_a"))?),
        // Understat describes played matches only; the goals say it is over.
        status: if home_goals.is_some() { MatchStatus::Finished } else { MatchStatus::Scheduled },
        home_goals,
        away_goals: goals("a_goals"),
        home_xg: opt(root, &at("h_xg")).and_then(as_f64),
        away_xg: opt(root, &at("a_xg")).and_then(as_f64),
        ..FixtureRow::default()
    };
    let stats = [(Side::Home, "h", &fixture.home), (Side::Away, "a", &fixture.away)]
        .into_iter()
        .map(|(side, k, team)| TeamStatsRow {
            side,
            team: team.clone(),
            possession: None,
            shots: goals(&format!("{k}_shot")),
            shots_on_target: goals(&format!("{k}_shotOnTarget")),
            corners: None,
            fouls: None,
            yellow_cards: None,
            red_cards: None,
            xg: opt(root, &at(&format!("{k}_xg"))).and_then(as_f64),
        })
        .collect();
    Ok((fixture, stats))
}

/// Every shot repeats the match's teams, score and date.
fn fixture_from_shot(p: &Page, root: &Value, shots_key: &str) -> Result<FixtureRow, ParseError> {
    let path = [format!("{shots_key}.h.0"), format!("{shots_key}.a.0")]
        .into_iter()
        .find(|s| opt(root, s).is_some())
        .ok_or_else(|| p.err("match_info", "missing, and no shot to read the match from"))?;
    let at = |rel: &str| format!("{path}.{rel}");
    let goals = |rel: &str| opt_i64(root, &at(rel)).and_then(to_i32);
    Ok(FixtureRow {
        source_id: Some(p.str(root, &at("match_id"))?.to_owned()),
        season: opt_str(root, &at("season")).map(str::to_owned),
        kickoff: Some(time(p, root, &at("date"))?),
        home: unescape(p.str(root, &at("h_team"))?),
        away: unescape(p.str(root, &at("a_team"))?),
        status: MatchStatus::Finished,
        home_goals: goals("h_goals"),
        away_goals: goals("a_goals"),
        ..FixtureRow::default()
    })
}

/// One side's shots; `X`/`Y` are already 0–1.
fn shots(p: &Page, root: &Value, path: &str, side: Side) -> Result<Vec<ShotRow>, ParseError> {
    let list = p.array(root, path)?;
    (0..list.len())
        .map(|i| {
            let at = |rel: &str| format!("{path}.{i}.{rel}");
            let minute_path = at("minute");
            Ok(ShotRow {
                minute: u32::try_from(p.i64(root, &minute_path)?)
                    .map_err(|_| p.err(&minute_path, "negative"))?,
                side,
                player: unescape(p.str(root, &at("player"))?),
                xg: p.f64(root, &at("xG"))?,
                x: opt(root, &at("X")).and_then(as_f64),
                y: opt(root, &at("Y")).and_then(as_f64),
                result: p.str(root, &at("result"))?.to_owned(),
                situation: opt_str(root, &at("situation")).map(str::to_owned),
            })
        })
        .collect()
}

/// `rostersData.{h,a}` maps an appearance id to a player; the order is Understat's
/// `positionOrder` (keeper first, substitutes last). A substitute's position reads `Sub`.
fn lineups(p: &Page, root: &Value, fixture: &FixtureRow) -> Result<Vec<PlayerRow>, ParseError> {
    let key = first_key(root, &["rostersData", "rosters"]);
    let mut rows = Vec::new();
    for (k, team) in [("h", &fixture.home), ("a", &fixture.away)] {
        let path = format!("{key}.{k}");
        let Some(roster) = opt(root, &path).and_then(Value::as_object) else { continue };
        let mut players: Vec<(i64, i64, PlayerRow)> = Vec::with_capacity(roster.len());
        for (id, player) in roster {
            let position = opt_str(player, "position");
            let row = PlayerRow {
                team: Some(team.clone()),
                name: unescape(p.str(root, &format!("{path}.{id}.player"))?),
                position: position.filter(|pos| *pos != "Sub").map(str::to_owned),
                starter: position.map(|pos| pos != "Sub"),
                ..PlayerRow::default()
            };
            let order = opt_i64(player, "positionOrder").unwrap_or(i64::MAX);
            players.push((order, id.parse().unwrap_or(i64::MAX), row));
        }
        players.sort_by_key(|(order, id, _)| (*order, *id));
        rows.extend(players.into_iter().map(|(_, _, row)| row));
    }
    Ok(rows)
}

/// Undoes Understat's HTML escaping: `&#039;`, `&#x27;`, `&amp;`, `&quot;`, `&lt;`,
/// `&gt;`, `&apos;`. Anything else is kept as written.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let decoded =
            tail.find(';').filter(|end| *end <= 10).and_then(|end| Some((entity(&tail[1..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "quot" => Some('"'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "apos" => Some('\''),
        _ => {
            let code = name.strip_prefix('#')?;
            let n = match code.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => code.parse().ok()?,
            };
            char::from_u32(n)
        }
    }
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "match", parser: Parser::Match(parse_match) },
    PageDef { page: "league", parser: Parser::Fixtures(parse_league) },
];

#[cfg(test)]
mod tests;
