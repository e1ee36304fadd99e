//! FBref (fbref.com): Opta-sourced results with expected goals. Parses a league's
//! "Scores & Fixtures" page, the league table on a league season page, and a match
//! report (scorebox, team stats, match summary events, line-ups).
//!
//! FBref hides many tables inside HTML comments and reveals them with JavaScript, so
//! every page has its comment markers stripped before it is parsed. Cells are found by
//! their `data-stat` attribute rather than by position, as FBref adds and reorders
//! columns between competitions.

use chrono::{DateTime, NaiveDate, Utc};
use entities::enums::MatchStatus;
use scraper::ElementRef;

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, text};
use crate::scrape::rows::{
    EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, Side, StandingRow, TeamStatsRow,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SCHEDULE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/fbref/schedule_ESP-La_Liga_2324.html"
    ));
    const TEAMS: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/fbref/teams_ESP-La_Liga_2324.html"
    ));
    const MATCH: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fbref/match_e8867e6b.html"));
    const LIMITED: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fbref/match_1d845950.html"));
    const OTHER_SITE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/skysports/premier-league-table.html"
    ));

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
    }

    fn replaced(body: &[u8], from: &str, to: &str) -> Vec<u8> {
        let s = String::from_utf8_lossy(body);
        assert!(s.contains(from), "fixture lacks {from:?}");
        s.replacen(from, to, 1).into_bytes()
    }

    #[test]
    fn urls() {
        assert_eq!(
            schedule_url("https://fbref.com", 12, "2023-2024", "La-Liga"),
            "https://fbref.com/en/comps/12/2023-2024/schedule/2023-2024-La-Liga-Scores-and-Fixtures"
        );
        assert_eq!(
            league_url("http://127.0.0.1:9", 12, "2023-2024", "La-Liga"),
            "http://127.0.0.1:9/en/comps/12/2023-2024/2023-2024-La-Liga-Stats"
        );
        assert_eq!(match_url("https://fbref.com", "e8867e6b"), "https://fbref.com/en/matches/e8867e6b");
    }

    #[test]
    fn schedule_la_liga_2023_24() {
        let rows = parse_schedule("schedule", SCHEDULE).unwrap();
        assert_eq!(rows.len(), 380, "41 spacer rows skipped");
        assert!(rows.iter().all(|r| r.status == MatchStatus::Finished && r.home_goals.is_some()));

        let first = &rows[0];
        assert_eq!(first.source_id.as_deref(), Some("30d3212e"));
        assert_eq!(first.competition.as_deref(), Some("La Liga"));
        assert_eq!(first.season.as_deref(), Some("2023-2024"));
        assert_eq!(first.round.as_deref(), Some("1"));
        assert_eq!(first.kickoff, utc(2023, 8, 11, 17, 30), "19:30 in Madrid");
        assert_eq!((first.home.as_str(), first.away.as_str()), ("Almería", "Rayo Vallecano"));
        assert_eq!((first.home_goals, first.away_goals), (Some(0), Some(2)));
        assert_eq!((first.home_xg, first.away_xg), (Some(1.4), Some(2.1)));
        assert_eq!(first.venue.as_deref(), Some("Power Horse Stadium"));
        assert_eq!(first.referee.as_deref(), Some("Javier Alberola"));
        assert_eq!((first.ht_home_goals, first.ht_away_goals), (None, None));

        // Gran Canaria is on Canary time: 20:30 there in January is 20:30 UTC.
        let mid = &rows[189];
        assert_eq!(mid.source_id.as_deref(), Some("2181388a"));
        assert_eq!(mid.round.as_deref(), Some("19"));
        assert_eq!(mid.kickoff, utc(2024, 1, 4, 20, 30));
        assert_eq!((mid.home.as_str(), mid.away.as_str()), ("Las Palmas", "Barcelona"));
        assert_eq!((mid.home_goals, mid.away_goals), (Some(1), Some(2)));
        assert_eq!((mid.home_xg, mid.away_xg), (Some(0.7), Some(2.4)));
        assert_eq!(mid.referee.as_deref(), Some("Pablo González"));

        // The last day's simultaneous kick-offs, 15:15 in Las Palmas and 16:15 in Vigo.
        let canary = &rows[377];
        assert_eq!(canary.kickoff, utc(2024, 5, 26, 14, 15));
        assert_eq!((canary.home.as_str(), canary.away.as_str()), ("Las Palmas", "Alavés"));
        let vigo = &rows[378];
        assert_eq!(vigo.kickoff, utc(2024, 5, 26, 14, 15));
        assert_eq!((vigo.home.as_str(), vigo.away.as_str()), ("Celta Vigo", "Valencia"));

        let last = &rows[379];
        assert_eq!(last.source_id.as_deref(), Some("e45b3740"));
        assert_eq!(last.round.as_deref(), Some("38"));
        assert_eq!(last.kickoff, utc(2024, 5, 26, 19, 0));
        assert_eq!((last.home.as_str(), last.away.as_str()), ("Sevilla", "Barcelona"));
        assert_eq!((last.home_goals, last.away_goals), (Some(1), Some(2)));
        assert_eq!((last.home_xg, last.away_xg), (Some(1.5), Some(1.3)));
        assert_eq!(last.venue.as_deref(), Some("Estadio Ramón Sánchez Pizjuán"));
        assert_eq!(last.referee.as_deref(), Some("Javier Villanueva"));
    }

    /// The first row rewritten as FBref shows an upcoming match: no score, no xG, no time.
    fn unplayed_first_row() -> Vec<u8> {
        let mut body =
            replaced(SCHEDULE, r#"data-stat="home_xg" >1.4</td>"#, r#"data-stat="home_xg" ></td>"#);
        body = replaced(&body, r#"data-stat="away_xg" >2.1</td>"#, r#"data-stat="away_xg" ></td>"#);
        body = replaced(
            &body,
            r#"<a href="/en/matches/30d3212e/Almeria-Rayo-Vallecano-August-11-2023-La-Liga">0&ndash;2</a>"#,
            "",
        );
        replaced(&body, r#"data-venue-epoch="1691775000" "#, "")
    }

    #[test]
    fn schedule_unplayed_and_postponed_rows() {
        let rows = parse_schedule("schedule", &unplayed_first_row()).unwrap();
        let r = &rows[0];
        assert_eq!(r.status, MatchStatus::Scheduled);
        assert_eq!((r.home_goals, r.away_goals, r.home_xg, r.away_xg), (None, None, None, None));
        assert_eq!((r.kickoff, r.kickoff_date_only), (utc(2023, 8, 11, 0, 0), true), "date only");
        assert_eq!(r.source_id.as_deref(), Some("30d3212e"), "still in the match report link");
        assert_eq!(rows[1].status, MatchStatus::Finished);

        let postponed = replaced(
            &unplayed_first_row(),
            r#"<td class="left iz" data-stat="notes" ></td>"#,
            r#"<td class="left" data-stat="notes" >Match Postponed</td>"#,
        );
        assert_eq!(parse_schedule("schedule", &postponed).unwrap()[0].status, MatchStatus::Postponed);
    }

    #[test]
    fn league_table_with_xg() {
        let rows = parse_league_table("teams", TEAMS).unwrap();
        assert_eq!(rows.len(), 20);
        let top = &rows[0];
        assert_eq!((top.position, top.team.as_str()), (1, "Real Madrid"));
        assert_eq!((top.played, top.won, top.drawn, top.lost), (38, 29, 8, 1));
        assert_eq!((top.goals_for, top.goals_against, top.points), (87, 26, 95));
        assert_eq!((top.xg_for, top.xg_against), (Some(68.8), Some(35.4)));
        assert_eq!(top.form, None);
        let second = &rows[1];
        assert_eq!((second.team.as_str(), second.points, second.xg_for), ("Barcelona", 85, Some(77.6)));
        let tenth = &rows[9];
        assert_eq!((tenth.position, tenth.team.as_str()), (10, "Alavés"));
        assert_eq!(
            (tenth.won, tenth.drawn, tenth.lost, tenth.goals_for, tenth.goals_against),
            (12, 10, 16, 36, 46)
        );
        assert_eq!((tenth.xg_for, tenth.xg_against), (Some(46.2), Some(44.7)));
        let last = &rows[19];
        assert_eq!((last.position, last.team.as_str(), last.points), (20, "Granada", 21));
        assert_eq!((last.goals_for, last.goals_against), (38, 79));
        assert_eq!((last.xg_for, last.xg_against), (Some(42.6), Some(64.2)));
    }

    #[test]
    fn league_table_inside_a_comment() {
        let body = replaced(
            TEAMS,
            r#"<table class="stats_table sortable min_width force_mobilize" id="results2023-2024121_overall""#,
            r#"<!-- <table class="stats_table sortable min_width force_mobilize" id="results2023-2024121_overall""#,
        );
        let rows = parse_league_table("teams", &body).unwrap();
        assert_eq!((rows.len(), rows[0].team.as_str()), (20, "Real Madrid"));
    }

    #[test]
    fn match_report_girona_getafe() {
        let m = parse_match("match e8867e6b", MATCH).unwrap();
        let f = &m.fixture;
        assert_eq!(f.source_id.as_deref(), Some("e8867e6b"));
        assert_eq!((f.home.as_str(), f.away.as_str()), ("Girona", "Getafe"));
        assert_eq!((f.home_goals, f.away_goals), (Some(3), Some(0)));
        assert_eq!((f.home_xg, f.away_xg), (Some(1.4), Some(0.7)));
        assert_eq!(f.status, MatchStatus::Finished);
        assert_eq!(f.kickoff, utc(2023, 8, 20, 17, 0), "19:00 venue time");
        assert_eq!(f.competition.as_deref(), Some("La Liga"));
        assert_eq!(f.season.as_deref(), Some("2023-2024"));
        assert_eq!(f.round.as_deref(), Some("Matchweek 2"));
        assert_eq!(f.venue.as_deref(), Some("Estadi Municipal de Montilivi, Girona"));
        assert_eq!(f.referee.as_deref(), Some("Jorge Figueroa"));

        let [home, away] = m.stats.as_slice() else { panic!("two stat rows: {:?}", m.stats) };
        assert_eq!((home.side, home.team.as_str()), (Side::Home, "Girona"));
        assert_eq!(home.possession, Some(63.0));
        assert_eq!((home.shots_on_target, home.shots), (Some(6), Some(7)));
        assert_eq!((home.fouls, home.corners), (Some(11), Some(3)));
        assert_eq!((home.yellow_cards, home.red_cards, home.xg), (Some(2), Some(0), Some(1.4)));
        assert_eq!((away.side, away.team.as_str()), (Side::Away, "Getafe"));
        assert_eq!(away.possession, Some(37.0));
        assert_eq!((away.shots_on_target, away.shots), (Some(2), Some(9)));
        assert_eq!((away.fouls, away.corners), (Some(20), Some(2)));
        assert_eq!((away.yellow_cards, away.red_cards, away.xg), (Some(6), Some(0), Some(0.7)));

        let goals: Vec<_> = m.events.iter().filter(|e| e.kind == EventKind::Goal).collect();
        assert_eq!(goals.len(), 3);
        assert_eq!((goals[0].minute, goals[0].side), (12, Side::Home));
        assert_eq!(goals[0].player.as_deref(), Some("Yangel Herrera"));
        assert_eq!(goals[0].other_player.as_deref(), Some("Sávio"));
        assert_eq!(
            (goals[2].minute, goals[2].player.as_deref(), goals[2].other_player.as_deref()),
            (65, Some("Cristhian Stuani"), None)
        );
        let first = &m.events[0];
        assert_eq!((first.minute, first.side, &first.kind), (7, Side::Away, &EventKind::YellowCard));
        assert_eq!(first.player.as_deref(), Some("Juanmi Latasa"));
        let added = m.events.iter().find(|e| e.extra_minute.is_some()).unwrap();
        assert_eq!(
            (added.minute, added.extra_minute, added.player.as_deref()),
            (45, Some(3), Some("Paulo Gazzaniga"))
        );
        let manager = m.events.iter().find(|e| e.minute == 30).unwrap();
        assert_eq!(manager.player.as_deref(), Some("Pepe Bordalás"), "staff are named without a link");
        let sub = m.events.iter().find(|e| e.kind == EventKind::Substitution).unwrap();
        assert_eq!((sub.minute, sub.side), (59, Side::Away));
        assert_eq!(sub.player.as_deref(), Some("Stefan Mitrović"), "going off");
        assert_eq!(sub.other_player.as_deref(), Some("Portu"), "coming on");
        let yellows = m.events.iter().filter(|e| e.kind == EventKind::YellowCard).count();
        assert_eq!(yellows, 8, "the team stats' 2 + 6 cards");

        let girona: Vec<_> = m.lineups.iter().filter(|p| p.team.as_deref() == Some("Girona")).collect();
        assert_eq!(girona.len(), 22);
        assert_eq!(girona.iter().filter(|p| p.starter == Some(true)).count(), 11);
        assert_eq!((girona[0].name.as_str(), girona[0].shirt_number), ("Paulo Gazzaniga", Some(13)));
        let bench = girona.iter().find(|p| p.starter == Some(false)).unwrap();
        assert_eq!((bench.name.as_str(), bench.shirt_number), ("Juan Carlos", Some(1)));
        let getafe: Vec<_> = m.lineups.iter().filter(|p| p.team.as_deref() == Some("Getafe")).collect();
        assert_eq!((getafe[0].name.as_str(), getafe[0].starter), ("David Soria", Some(true)));
    }

    /// Decision for limited-coverage reports: parse the scorebox (teams, kick-off,
    /// competition, venue, cancellation) and return no stats, events or line-ups.
    #[test]
    fn limited_coverage_cancelled_match() {
        let m = parse_match("match 1d845950", LIMITED).unwrap();
        let f = &m.fixture;
        assert_eq!(f.source_id.as_deref(), Some("1d845950"));
        assert_eq!((f.home.as_str(), f.away.as_str()), ("Lyon", "Reims"));
        assert_eq!(f.status, MatchStatus::Cancelled);
        assert_eq!((f.home_goals, f.away_goals, f.home_xg, f.away_xg), (None, None, None, None));
        assert_eq!(f.kickoff, utc(2020, 3, 13, 19, 45), "20:45 in Lyon");
        assert_eq!(f.competition.as_deref(), Some("Ligue 1"));
        assert_eq!(f.season.as_deref(), Some("2019-2020"));
        assert_eq!(f.round.as_deref(), Some("Matchweek 29"));
        assert_eq!(f.venue.as_deref(), Some("Groupama Stadium, Décines-Charpieu"));
        assert_eq!(f.referee, None, "no officials listed");
        assert!(m.stats.is_empty() && m.events.is_empty() && m.lineups.is_empty());
    }

    #[test]
    fn empty_and_foreign_bodies_are_errors() {
        type Parse = fn(&[u8]) -> Result<(), ParseError>;
        let parsers: [Parse; 3] = [
            |b| parse_schedule("s", b).map(|_| ()),
            |b| parse_league_table("t", b).map(|_| ()),
            |b| parse_match("m", b).map(|_| ()),
        ];
        for parse in parsers {
            assert_eq!(parse(b"").unwrap_err().field, "body");
            let e = parse(OTHER_SITE).unwrap_err();
            assert_eq!(e.reason, "no element matches", "{e}");
            assert_eq!(e.site, "fbref");
        }
        assert_eq!(parse_schedule("s", OTHER_SITE).unwrap_err().field, SCHEDULE_TABLE);
        assert_eq!(parse_league_table("t", OTHER_SITE).unwrap_err().field, LEAGUE_TABLE);
        assert_eq!(parse_match("m", OTHER_SITE).unwrap_err().field, "div.scorebox");
    }

    /// Where `needle` starts in `body`.
    fn at(body: &[u8], needle: &str) -> usize {
        body.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap()
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let e = parse_schedule("s", &SCHEDULE[..SCHEDULE.len() / 2]).unwrap_err();
        // The first half stops in the middle of a row (number 197, spacers included).
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("tbody > tr:nth-of-type(197) > [data-stat=\"away_team\"]", "missing")
        );
        let e = parse_schedule("s", &SCHEDULE[..at(SCHEDULE, "data-stat=\"home_xg\"")]).unwrap_err();
        assert_eq!(e.field, "tbody > tr");
        // The league table sits in the page's first tenth: cut it inside the second row.
        let e = parse_league_table("t", &TEAMS[..at(TEAMS, "data-stat=\"wins\" >26")]).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("tbody > tr:nth-of-type(2) > [data-stat=\"wins\"]", "missing")
        );
        assert_eq!(parse_match("m", &MATCH[..MATCH.len() / 20]).unwrap_err().field, "div.scorebox");
        let e = parse_match("m", &MATCH[..at(MATCH, "alt=\"Getafe Club Crest\"")]).unwrap_err();
        assert_eq!(e.field, "div.scorebox > div strong a");
    }

    #[test]
    fn broken_fields_are_errors() {
        let no_team = replaced(SCHEDULE, ">Almería</a>", "></a>");
        let e = parse_schedule("s", &no_team).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("tbody > tr:nth-of-type(1) > [data-stat=\"home_team\"]", "empty")
        );
        let bad_score = replaced(SCHEDULE, "0&ndash;2</a>", "nil&ndash;2</a>");
        assert_eq!(
            parse_schedule("s", &bad_score).unwrap_err().field,
            "tbody > tr:nth-of-type(1) > [data-stat=\"score\"]"
        );
        let bad_xg = replaced(SCHEDULE, r#"data-stat="home_xg" >1.4<"#, r#"data-stat="home_xg" >high<"#);
        assert_eq!(parse_schedule("s", &bad_xg).unwrap_err().reason, "not a number: \"high\"");

        let no_points = replaced(TEAMS, r#"<td class="right " data-stat="points" >95</td>"#, "");
        let e = parse_league_table("t", &no_points).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("tbody > tr:nth-of-type(1) > [data-stat=\"points\"]", "missing")
        );
        let bad_wins = replaced(TEAMS, r#"data-stat="wins" >29<"#, r#"data-stat="wins" >-<"#);
        assert_eq!(
            parse_league_table("t", &bad_wins).unwrap_err().field,
            "tbody > tr:nth-of-type(1) > [data-stat=\"wins\"]"
        );

        let bad_score = replaced(MATCH, r#"<div class="score">3</div>"#, r#"<div class="score">three</div>"#);
        assert_eq!(parse_match("m", &bad_score).unwrap_err().field, "div.scorebox div.score");
        let one_sided = replaced(MATCH, r#"<div class="score">3</div>"#, r#"<div class="score">--</div>"#);
        assert_eq!(parse_match("m", &one_sided).unwrap_err().reason, "only one side has a score");
        let no_away = replaced(MATCH, ">Getafe</a>\n\t\t\t</strong>", ">Getafe</a>\n\t\t\t</b>");
        let no_away = replaced(
            &no_away,
            "<strong>\n\t\t\t\t<a href=\"/en/squads/7848bd64",
            "<b>\n\t\t\t\t<a href=\"/en/squads/7848bd64",
        );
        assert_eq!(parse_match("m", &no_away).unwrap_err().field, "div.scorebox > div strong a");
        let bad_possession = replaced(MATCH, "<strong>63%</strong>", "<strong>lots</strong>");
        assert_eq!(parse_match("m", &bad_possession).unwrap_err().field, "div#team_stats Possession");
        let bad_minute = replaced(MATCH, "&nbsp;12&rsquor;", "&nbsp;twelve&rsquor;");
        assert_eq!(parse_match("m", &bad_minute).unwrap_err().field, "div#events_wrap div.event");
    }

    #[test]
    fn score_and_id_helpers() {
        assert_eq!(score_pair("0–2"), Some((0, 2)));
        assert_eq!(score_pair("(4) 1–1 (3)"), Some((1, 1)));
        assert_eq!(score_pair("1-0"), Some((1, 0)));
        assert_eq!(score_pair("–"), None);
        assert_eq!(match_id("/en/matches/30d3212e/Almeria-Rayo"), Some("30d3212e".into()));
        assert_eq!(match_id("https://fbref.com/en/matches/1d845950/Lyon"), Some("1d845950".into()));
        assert_eq!(match_id("/en/matches/2023-08-11"), None);
        assert_eq!(of_pair("22% — 2 of 9"), Some((2, 9)));
        assert_eq!(of_pair("of 9"), None);
    }
}
