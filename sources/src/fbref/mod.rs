//! FBref (fbref.com): Opta-sourced results with expected goals. Parses a league's
//! "Scores & Fixtures" page, the league table on a league season page, and a match
//! report (scorebox, team stats, match summary events, line-ups).
//!
//! FBref hides many tables inside HTML comments and reveals them with JavaScript, so
//! every page has its comment markers stripped before it is parsed. Cells are found by
//! their `data-stat` attribute rather than by position, as FBref adds and reorders
//! columns between competitions.

use crate::MatchStatus;
use chrono::{DateTime, NaiveDate, Utc};
use scraper::ElementRef;

use crate::ParseError;
use crate::extract::{Page, text};
use crate::pages::{PageDef, Parser};
use crate::rows::{EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, Side, StandingRow, TeamStatsRow};

const SITE: &str = "fbref";

const SCHEDULE_TABLE: &str = "table[id^=\"sched_\"]";
const LEAGUE_TABLE: &str = "table[id^=\"results\"][id$=\"_overall\"]";

/// A league's "Scores & Fixtures" page:
/// `{base}/en/comps/12/2023-2024/schedule/2023-2024-La-Liga-Scores-and-Fixtures`.
pub fn schedule_url(base: &str, comp_id: u32, season: &str, comp_slug: &str) -> String {
    format!("{base}/en/comps/{comp_id}/{season}/schedule/{season}-{comp_slug}-Scores-and-Fixtures")
}

/// A league season page, which holds the league table:
/// `{base}/en/comps/12/2023-2024/2023-2024-La-Liga-Stats`.
pub fn league_url(base: &str, comp_id: u32, season: &str, comp_slug: &str) -> String {
    format!("{base}/en/comps/{comp_id}/{season}/{season}-{comp_slug}-Stats")
}

/// A match report: `{base}/en/matches/e8867e6b` (FBref accepts the id without the slug).
pub fn match_url(base: &str, match_id: &str) -> String {
    format!("{base}/en/matches/{match_id}")
}

/// Every match of the schedule table, in page order. Unplayed matches have no score
/// and no xG; kick-off comes from the venue-time epoch, which is already UTC.
pub fn parse_schedule(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(uncomment(body).as_bytes())?;
    let table = p.select_one(doc.root_element(), SCHEDULE_TABLE)?;
    let (season, competition) = caption(table);
    let mut out = Vec::new();
    for (i, tr) in p.select_all(table, "tbody > tr")?.into_iter().enumerate() {
        if is_filler(tr) {
            continue;
        }
        let mut row = schedule_row(&p, tr, i + 1)?;
        row.season.clone_from(&season);
        row.competition.clone_from(&competition);
        out.push(row);
    }
    if out.is_empty() {
        return Err(p.err(format!("{SCHEDULE_TABLE} tbody > tr"), "no match rows"));
    }
    Ok(out)
}

/// The overall league table (`results<season><comp>1_overall`) with xG for and against.
pub fn parse_league_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(uncomment(body).as_bytes())?;
    let table = p.select_one(doc.root_element(), LEAGUE_TABLE)?;
    let mut out = Vec::new();
    for (i, tr) in p.select_all(table, "tbody > tr")?.into_iter().enumerate() {
        if !is_filler(tr) {
            out.push(standing_row(&p, tr, i + 1)?);
        }
    }
    if out.is_empty() {
        return Err(p.err(format!("{LEAGUE_TABLE} tbody > tr"), "no team rows"));
    }
    Ok(out)
}

/// A match report. The scorebox (both teams) is required; everything else is read when
/// the page has it. A match that was not played (cancelled, postponed, upcoming) has no
/// score and no team stats; its status comes from the scorebox note ("*Match Cancelled").
pub fn parse_match(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(uncomment(body).as_bytes())?;
    let root = doc.root_element();
    let scorebox = p.select_one(root, "div.scorebox")?;
    let [home, away] = scorebox_teams(&p, scorebox)?;
    if home.goals.is_some() != away.goals.is_some() {
        return Err(p.err("div.scorebox div.score", "only one side has a score"));
    }
    let meta = first(&p, scorebox, "div.scorebox_meta")?;
    let played = home.goals.is_some();
    let status = match meta.and_then(|m| status_from_note(&text(m))) {
        Some(s) => s,
        None if played => MatchStatus::Finished,
        None => MatchStatus::Scheduled,
    };
    let mut fixture = FixtureRow {
        source_id: first(&p, root, "link[rel=\"canonical\"]")?
            .and_then(|l| l.value().attr("href"))
            .and_then(match_id),
        home: home.name.clone(),
        away: away.name.clone(),
        status,
        home_goals: home.goals,
        away_goals: away.goals,
        home_xg: home.xg,
        away_xg: away.xg,
        ..FixtureRow::default()
    };
    if let Some(meta) = meta {
        read_meta(&p, meta, &mut fixture)?;
    }
    let stats = if played { team_stats(&p, root, &home, &away)? } else { Vec::new() };
    Ok(MatchDetail {
        fixture,
        stats,
        events: events(&p, root)?,
        lineups: lineups(&p, root, &home.name, &away.name)?,
        ..MatchDetail::default()
    })
}

// --- page-wide helpers -------------------------------------------------------------

/// The body with `<!--` / `-->` removed, so commented-out tables become real elements.
fn uncomment(body: &[u8]) -> String {
    String::from_utf8_lossy(body).replace("<!--", "").replace("-->", "")
}

fn has_class(e: ElementRef<'_>, class: &str) -> bool {
    e.value().classes().any(|c| c == class)
}

fn children<'h>(e: ElementRef<'h>) -> impl Iterator<Item = ElementRef<'h>> {
    e.children().filter_map(ElementRef::wrap)
}

/// The first element matching `css`, if any.
fn first<'h>(p: &Page<'_>, scope: ElementRef<'h>, css: &str) -> Result<Option<ElementRef<'h>>, ParseError> {
    Ok(scope.select(&p.selector(css)?).next())
}

/// Spacer rows between matchdays and repeated header rows inside `tbody`.
fn is_filler(tr: ElementRef<'_>) -> bool {
    ["spacer", "thead", "over_header"].iter().any(|c| has_class(tr, c))
}

/// The row's cell with this `data-stat`.
fn stat_cell<'h>(tr: ElementRef<'h>, stat: &str) -> Option<ElementRef<'h>> {
    children(tr).find(|c| c.value().attr("data-stat") == Some(stat))
}

/// The selector of row `n`'s cell, for error messages.
fn cell_field(n: usize, stat: &str) -> String {
    format!("tbody > tr:nth-of-type({n}) > [data-stat=\"{stat}\"]")
}

/// A cell that must exist and hold text.
fn required_text(p: &Page<'_>, tr: ElementRef<'_>, n: usize, stat: &str) -> Result<String, ParseError> {
    let cell = stat_cell(tr, stat).ok_or_else(|| p.err(cell_field(n, stat), "missing"))?;
    let t = text(cell);
    if t.is_empty() {
        return Err(p.err(cell_field(n, stat), "empty"));
    }
    Ok(t)
}

fn required_num<T: std::str::FromStr>(
    p: &Page<'_>,
    tr: ElementRef<'_>,
    n: usize,
    stat: &str,
) -> Result<T, ParseError> {
    p.num(&cell_field(n, stat), &required_text(p, tr, n, stat)?)
}

/// A cell that may be missing or blank (no xG for that competition or match yet).
fn optional_num<T: std::str::FromStr>(
    p: &Page<'_>,
    tr: ElementRef<'_>,
    n: usize,
    stat: &str,
) -> Result<Option<T>, ParseError> {
    match stat_cell(tr, stat) {
        Some(cell) => p.opt_num(&cell_field(n, stat), &text(cell)),
        None => Ok(None),
    }
}

fn optional_text(tr: ElementRef<'_>, stat: &str) -> Option<String> {
    stat_cell(tr, stat).map(text).filter(|t| !t.is_empty())
}

/// The match id in `/en/matches/<8 hex digits>/…` (the date links `/en/matches/2023-08-11`
/// are not match ids).
fn match_id(href: &str) -> Option<String> {
    let id = href.split("/en/matches/").nth(1)?.split('/').next()?;
    (id.len() == 8 && id.chars().all(|c| c.is_ascii_hexdigit())).then(|| id.to_owned())
}

/// The UTC kick-off FBref writes as `data-venue-epoch` under `scope`.
fn venue_epoch(
    p: &Page<'_>,
    scope: ElementRef<'_>,
    field: &str,
) -> Result<Option<DateTime<Utc>>, ParseError> {
    let Some(raw) =
        scope.descendants().filter_map(ElementRef::wrap).find_map(|e| e.value().attr("data-venue-epoch"))
    else {
        return Ok(None);
    };
    let secs: i64 = p.num(field, raw)?;
    DateTime::from_timestamp(secs, 0).map(Some).ok_or_else(|| p.err(field, format!("not a time: {raw}")))
}

/// `postponed`, `cancelled` and `abandoned` notes; anything else says nothing of status.
fn status_from_note(note: &str) -> Option<MatchStatus> {
    let note = note.to_lowercase();
    if note.contains("postponed") {
        Some(MatchStatus::Postponed)
    } else if ["cancelled", "canceled", "abandoned"].iter().any(|w| note.contains(w)) {
        Some(MatchStatus::Cancelled)
    } else {
        None
    }
}

// --- schedule ----------------------------------------------------------------------

/// `Scores & Fixtures 2023-2024 La Liga Table` → season and competition, from the span.
fn caption(table: ElementRef<'_>) -> (Option<String>, Option<String>) {
    let span = children(table)
        .find(|c| c.value().name() == "caption")
        .and_then(|c| children(c).find(|s| s.value().name() == "span"))
        .map(text);
    match span.as_deref().and_then(|s| s.split_once(' ')) {
        Some((season, comp)) => (Some(season.to_owned()), Some(comp.to_owned())),
        None => (None, None),
    }
}

/// `0–2` (en dash). A shoot-out adds `(4) 1–1 (3)`; the bracketed part is not the score.
fn score_pair(raw: &str) -> Option<(i32, i32)> {
    let core: String = raw.split_whitespace().filter(|w| !w.starts_with('(')).collect();
    let (h, a) = core.split_once(['–', '-'])?;
    Some((h.parse().ok()?, a.parse().ok()?))
}

fn schedule_row(p: &Page<'_>, tr: ElementRef<'_>, n: usize) -> Result<FixtureRow, ParseError> {
    let score_text = stat_cell(tr, "score").map(text).unwrap_or_default();
    let score = if score_text.is_empty() {
        None
    } else {
        let pair = score_pair(&score_text);
        Some(pair.ok_or_else(|| p.err(cell_field(n, "score"), format!("not a score: {score_text:?}")))?)
    };
    let note = optional_text(tr, "notes").unwrap_or_default();
    let status = match status_from_note(&note) {
        Some(s) => s,
        None if score.is_some() => MatchStatus::Finished,
        None => MatchStatus::Scheduled,
    };
    let source_id = ["match_report", "score"]
        .iter()
        .filter_map(|s| stat_cell(tr, s))
        .flat_map(|c| c.descendants().filter_map(ElementRef::wrap).collect::<Vec<_>>())
        .filter_map(|a| a.value().attr("href"))
        .find_map(match_id);
    let (kickoff, kickoff_date_only) = schedule_kickoff(p, tr, n)?;
    Ok(FixtureRow {
        source_id,
        round: optional_text(tr, "gameweek").or_else(|| optional_text(tr, "round")),
        kickoff,
        kickoff_date_only,
        home: required_text(p, tr, n, "home_team")?,
        away: required_text(p, tr, n, "away_team")?,
        status,
        home_goals: score.map(|s| s.0),
        away_goals: score.map(|s| s.1),
        home_xg: optional_num(p, tr, n, "home_xg")?,
        away_xg: optional_num(p, tr, n, "away_xg")?,
        venue: optional_text(tr, "venue"),
        referee: optional_text(tr, "referee"),
        ..FixtureRow::default()
    })
}

/// The venue-time epoch; without one (time not fixed yet) the listed date at 00:00 UTC,
/// as the date is all the page knows, marked as date only.
fn schedule_kickoff(
    p: &Page<'_>,
    tr: ElementRef<'_>,
    n: usize,
) -> Result<(Option<DateTime<Utc>>, bool), ParseError> {
    if let Some(cell) = stat_cell(tr, "start_time")
        && let Some(t) = venue_epoch(p, cell, &cell_field(n, "start_time"))?
    {
        return Ok((Some(t), false));
    }
    let Some(date) = optional_text(tr, "date") else { return Ok((None, false)) };
    NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map(|d| (Some(d.and_time(chrono::NaiveTime::MIN).and_utc()), true))
        .map_err(|_| p.err(cell_field(n, "date"), format!("not a date: {date:?}")))
}

// --- league table ------------------------------------------------------------------

fn standing_row(p: &Page<'_>, tr: ElementRef<'_>, n: usize) -> Result<StandingRow, ParseError> {
    Ok(StandingRow {
        position: required_num(p, tr, n, "rank")?,
        team: required_text(p, tr, n, "team")?,
        played: required_num(p, tr, n, "games")?,
        won: required_num(p, tr, n, "wins")?,
        drawn: required_num(p, tr, n, "ties")?,
        lost: required_num(p, tr, n, "losses")?,
        goals_for: required_num(p, tr, n, "goals_for")?,
        goals_against: required_num(p, tr, n, "goals_against")?,
        points: required_num(p, tr, n, "points")?,
        form: None,
        xg_for: optional_num(p, tr, n, "xg_for")?,
        xg_against: optional_num(p, tr, n, "xg_against")?,
    })
}

// --- match report ------------------------------------------------------------------

/// One side of the scorebox.
struct ScoreboxTeam {
    name: String,
    goals: Option<i32>,
    xg: Option<f64>,
}

/// The two team blocks: the scorebox's first `div`s that hold a `strong a` team link.
fn scorebox_teams(p: &Page<'_>, scorebox: ElementRef<'_>) -> Result<[ScoreboxTeam; 2], ParseError> {
    let mut teams = Vec::new();
    for block in children(scorebox).filter(|d| d.value().name() == "div" && !has_class(*d, "scorebox_meta")) {
        if let Some(link) = first(p, block, "strong a")? {
            teams.push(scorebox_team(p, block, link)?);
        }
        if teams.len() == 2 {
            break;
        }
    }
    let mut teams = teams.into_iter();
    match (teams.next(), teams.next()) {
        (Some(home), Some(away)) => Ok([home, away]),
        _ => Err(p.err("div.scorebox > div strong a", "two teams expected")),
    }
}

fn scorebox_team(
    p: &Page<'_>,
    block: ElementRef<'_>,
    link: ElementRef<'_>,
) -> Result<ScoreboxTeam, ParseError> {
    let name = text(link);
    if name.is_empty() {
        return Err(p.err("div.scorebox > div strong a", "empty team name"));
    }
    let score = p.select_one(block, "div.score").map(text)?;
    // A `*` points at a note under the scorebox; `--` stands for a match not played.
    let score = score.trim_end_matches('*');
    let goals = if score == "--" { None } else { Some(p.num("div.scorebox div.score", score)?) };
    let xg = match first(p, block, "div.score_xg")? {
        Some(x) => p.opt_num("div.scorebox div.score_xg", &text(x))?,
        None => None,
    };
    Ok(ScoreboxTeam { name, goals, xg })
}

/// Kick-off, competition, season, round, venue and referee from the scorebox meta block.
fn read_meta(p: &Page<'_>, meta: ElementRef<'_>, fixture: &mut FixtureRow) -> Result<(), ParseError> {
    fixture.kickoff = venue_epoch(p, meta, "div.scorebox_meta span.venuetime")?;
    if let Some(comp) = first(p, meta, "a[href^=\"/en/comps/\"]")? {
        fixture.competition = Some(text(comp)).filter(|c| !c.is_empty());
        // `/en/comps/12/2023-2024/…`: the season is the segment after the id.
        fixture.season = comp
            .value()
            .attr("href")
            .and_then(|h| h.split('/').nth(4))
            .filter(|s| s.starts_with(|c: char| c.is_ascii_digit()))
            .map(str::to_owned);
        // The link's block reads `La Liga (Matchweek 2)`.
        let block = comp.parent().and_then(ElementRef::wrap).map(text).unwrap_or_default();
        fixture.round = block
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(r, _)| r.trim().to_owned())
            .filter(|r| !r.is_empty());
    }
    for block in children(meta) {
        let t = text(block);
        // `<strong>Venue</strong>: <small>…</small>` reads `Venue : …` as text.
        if let Some(venue) = t.strip_prefix("Venue").and_then(|r| r.trim_start().strip_prefix(':')) {
            fixture.venue = Some(venue.trim().to_owned()).filter(|v| !v.is_empty());
        }
    }
    let span = p.selector("span")?;
    fixture.referee = meta
        .select(&span)
        .map(text)
        .find_map(|s| s.strip_suffix("(Referee)").map(|r| r.trim().to_owned()))
        .filter(|r| !r.is_empty());
    Ok(())
}

fn empty_stats(side: Side, team: &ScoreboxTeam) -> TeamStatsRow {
    TeamStatsRow {
        side,
        team: team.name.clone(),
        possession: None,
        shots: None,
        shots_on_target: None,
        corners: None,
        fouls: None,
        yellow_cards: None,
        red_cards: None,
        xg: team.xg,
    }
}

/// Possession, shots, cards (`div#team_stats`) and fouls, corners (`div#team_stats_extra`).
fn team_stats(
    p: &Page<'_>,
    root: ElementRef<'_>,
    home: &ScoreboxTeam,
    away: &ScoreboxTeam,
) -> Result<Vec<TeamStatsRow>, ParseError> {
    let mut rows = [empty_stats(Side::Home, home), empty_stats(Side::Away, away)];
    if let Some(table) = first(p, root, "div#team_stats table")? {
        let mut label = None;
        for tr in table.select(&p.selector("tr")?) {
            let ths: Vec<_> = children(tr).filter(|c| c.value().name() == "th").collect();
            let tds: Vec<_> = children(tr).filter(|c| c.value().name() == "td").collect();
            match (ths.as_slice(), tds.as_slice()) {
                ([th], []) => label = Some(text(*th)),
                ([], [h, a]) => {
                    let l = label.take().unwrap_or_default();
                    for (row, cell) in rows.iter_mut().zip([*h, *a]) {
                        main_stat(p, &l, cell, row)?;
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(extra) = first(p, root, "div#team_stats_extra")? {
        for group in children(extra) {
            let cells: Vec<String> = children(group).filter(|c| !has_class(*c, "th")).map(text).collect();
            for triple in cells.chunks_exact(3) {
                if let [h, label, a] = triple {
                    for (row, value) in rows.iter_mut().zip([h, a]) {
                        extra_stat(p, label, value, row)?;
                    }
                }
            }
        }
    }
    Ok(rows.into())
}

fn main_stat(
    p: &Page<'_>,
    label: &str,
    cell: ElementRef<'_>,
    row: &mut TeamStatsRow,
) -> Result<(), ParseError> {
    let field = format!("div#team_stats {label}");
    match label {
        "Possession" => row.possession = Some(p.num(&field, text(cell).trim_end_matches('%'))?),
        // `6 of 7 — 86%` (home) or `22% — 2 of 9` (away): on target of total shots.
        "Shots on Target" => {
            let (on, total) = of_pair(&text(cell)).ok_or_else(|| p.err(&field, "no `x of y`"))?;
            row.shots_on_target = Some(on);
            row.shots = Some(total);
        }
        "Cards" => {
            let count = |class: &str| -> Result<i32, ParseError> {
                let n = cell.select(&p.selector(&format!("span.{class}"))?).count();
                i32::try_from(n).map_err(|_| p.err(&field, "too many cards"))
            };
            row.yellow_cards = Some(count("yellow_card")?);
            row.red_cards = Some(count("red_card")? + count("yellow_red_card")?);
        }
        _ => {}
    }
    Ok(())
}

fn extra_stat(p: &Page<'_>, label: &str, value: &str, row: &mut TeamStatsRow) -> Result<(), ParseError> {
    let field = format!("div#team_stats_extra {label}");
    match label {
        "Fouls" => row.fouls = Some(p.num(&field, value)?),
        "Corners" => row.corners = Some(p.num(&field, value)?),
        _ => {}
    }
    Ok(())
}

/// The numbers around `of` in `6 of 7 — 86%`.
fn of_pair(s: &str) -> Option<(i32, i32)> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "of")?;
    Some((words.get(i.checked_sub(1)?)?.parse().ok()?, words.get(i + 1)?.parse().ok()?))
}

/// The match summary: goals, cards and substitutions (`div#events_wrap div.event`).
fn events(p: &Page<'_>, root: ElementRef<'_>) -> Result<Vec<EventRow>, ParseError> {
    let mut out = Vec::new();
    for ev in root.select(&p.selector("div#events_wrap div.event")?) {
        out.push(event(p, ev)?);
    }
    Ok(out)
}

fn event(p: &Page<'_>, ev: ElementRef<'_>) -> Result<EventRow, ParseError> {
    const FIELD: &str = "div#events_wrap div.event";
    let side = if has_class(ev, "a") {
        Side::Home
    } else if has_class(ev, "b") {
        Side::Away
    } else {
        return Err(p.err(FIELD, "neither side a nor b"));
    };
    let mut parts = children(ev);
    let (Some(time), Some(body)) = (parts.next(), parts.next()) else {
        return Err(p.err(FIELD, "no time and body"));
    };
    // `45+3’ 1:0`: the minute, then the running score.
    let clock = text(time);
    let minute_text = clock.split('’').next().unwrap_or_default().trim();
    let (minute, extra) = match minute_text.split_once('+') {
        Some((m, x)) => (p.num(FIELD, m)?, Some(p.num(FIELD, x)?)),
        None => (p.num(FIELD, minute_text)?, None),
    };
    let icon = p.select_one(body, "div.event_icon")?;
    let kind_class = icon.value().classes().find(|c| *c != "event_icon").unwrap_or_default();
    let kind = match kind_class {
        "goal" => EventKind::Goal,
        "own_goal" => EventKind::OwnGoal,
        "penalty_goal" => EventKind::PenaltyGoal,
        "penalty_miss" => EventKind::MissedPenalty,
        "yellow_card" => EventKind::YellowCard,
        "yellow_red_card" => EventKind::SecondYellow,
        "red_card" => EventKind::RedCard,
        "substitute_in" => EventKind::Substitution,
        other => EventKind::Other(other.to_owned()),
    };
    // The first plain `div` holds the player (a link, or bare text for staff) and a
    // `small` with the assist or, for a substitution, the player going off.
    let who = children(body).find(|d| {
        d.value().name() == "div" && !has_class(*d, "event_icon") && d.value().attr("style").is_none()
    });
    let named = |e: Option<ElementRef<'_>>| e.map(text).filter(|t| !t.is_empty());
    let main = named(who.and_then(|w| children(w).find(|c| c.value().name() == "div")));
    let second = match who {
        Some(w) => named(first(p, w, "small a")?),
        None => None,
    };
    // A substitution is recorded as the player going off, then the one coming on.
    let (player, other_player) =
        if kind == EventKind::Substitution { (second, main) } else { (main, second) };
    Ok(EventRow { minute, extra_minute: extra, side, kind, player, other_player })
}

/// Both line-ups (`div.lineup#a`, `#b`): starters, then the players after `Bench`.
fn lineups(p: &Page<'_>, root: ElementRef<'_>, home: &str, away: &str) -> Result<Vec<PlayerRow>, ParseError> {
    let mut out = Vec::new();
    for (id, team) in [("a", home), ("b", away)] {
        let css = format!("div.lineup#{id}");
        let Some(lineup) = first(p, root, &css)? else { continue };
        let mut headers = 0;
        for tr in lineup.select(&p.selector("tr")?) {
            let cells: Vec<_> = children(tr).collect();
            match cells.as_slice() {
                [th] if th.value().name() == "th" => headers += 1,
                [number, name] => {
                    let name = text(*name);
                    if name.is_empty() {
                        return Err(p.err(format!("{css} tr td"), "empty player name"));
                    }
                    out.push(PlayerRow {
                        team: Some(team.to_owned()),
                        name,
                        shirt_number: p.opt_num(&format!("{css} tr td"), &text(*number))?,
                        starter: Some(headers < 2),
                        ..PlayerRow::default()
                    });
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "match", parser: Parser::Match(parse_match) },
    PageDef { page: "league_table", parser: Parser::Standings(parse_league_table) },
    PageDef { page: "schedule", parser: Parser::Fixtures(parse_schedule) },
];

#[cfg(test)]
mod tests;
