//! WhoScored (whoscored.com): Opta-fed fixtures and tables. Parses the monthly fixtures
//! feed of a tournament stage (JSON) and the league table on a season page (HTML, as a
//! browser renders it).

use entities::enums::MatchStatus;
use scraper::ElementRef;
use serde_json::Value;

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, as_i64, opt, opt_i64, opt_str, text};
use crate::scrape::rows::{FixtureRow, StandingRow};

const SITE: &str = "whoscored";

/// The table body of the overall standings; `custom-standings-…` and `forms-…` grids
/// hold other views.
const TABLE_BODY: &str = "tbody[id^=\"standings-\"][id$=\"-content\"]";

/// One month of a stage's fixtures: `{base}/tournaments/18685/data/?d=202101`.
pub fn fixtures_url(base: &str, stage_id: u32, year: i32, month: u32) -> String {
    format!("{base}/tournaments/{stage_id}/data/?d={year}{month:02}")
}

/// A season page with the league table: `{base}/Regions/252/Tournaments/2/Seasons/8228`.
pub fn season_url(base: &str, region_id: u32, tournament_id: u32, season_id: u32) -> String {
    format!("{base}/Regions/{region_id}/Tournaments/{tournament_id}/Seasons/{season_id}")
}

/// Every match of every tournament in the feed (`tournaments[].matches[]`).
pub fn parse_fixtures(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    let mut out = Vec::new();
    for (t, tournament) in p.array(&v, "tournaments")?.iter().enumerate() {
        let competition = opt_str(tournament, "tournamentName").map(str::to_owned);
        let season = opt_str(tournament, "seasonName").map(str::to_owned);
        let matches = format!("tournaments.{t}.matches");
        for m in 0..p.array(&v, &matches)?.len() {
            let mut row = fixture(&p, &v, &format!("{matches}.{m}"))?;
            row.competition.clone_from(&competition);
            row.season.clone_from(&season);
            out.push(row);
        }
    }
    if out.is_empty() {
        return Err(p.err("tournaments.0.matches", "no matches"));
    }
    Ok(out)
}

/// The overall league table (`tbody#standings-<stageId>-content`), with the last six
/// results as form, oldest first.
pub fn parse_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(body)?;
    let tbody = p.select_one(doc.root_element(), TABLE_BODY)?;
    p.select_all(tbody, "tr[data-team-id]")?
        .into_iter()
        .enumerate()
        .map(|(i, tr)| standing(&p, tr, i + 1))
        .collect()
}

fn fixture(p: &Page<'_>, v: &Value, path: &str) -> Result<FixtureRow, ParseError> {
    let at = |key: &str| format!("{path}.{key}");
    let home_goals = goals(p, v, &at("homeScore"))?;
    let away_goals = goals(p, v, &at("awayScore"))?;
    let scored = home_goals.is_some() && away_goals.is_some();
    let elapsed = opt_str(v, &at("elapsed"));
    Ok(FixtureRow {
        source_id: Some(p.i64(v, &at("id"))?.to_string()),
        kickoff: Some(p.time(v, &at("startTimeUtc"))?),
        home: p.str(v, &at("homeTeamName"))?.to_owned(),
        away: p.str(v, &at("awayTeamName"))?.to_owned(),
        status: status(elapsed, opt_i64(v, &at("status")), scored),
        home_goals,
        away_goals,
        ..FixtureRow::default()
    })
}

/// A score that may be null (not played yet) but, when there, is an integer.
fn goals(p: &Page<'_>, v: &Value, path: &str) -> Result<Option<i32>, ParseError> {
    let Some(raw) = opt(v, path) else { return Ok(None) };
    let n = as_i64(raw).ok_or_else(|| p.err(path, format!("not an integer: {raw}")))?;
    i32::try_from(n).map(Some).map_err(|_| p.err(path, format!("out of range: {n}")))
}

/// From `elapsed`, the label WhoScored shows (`FT`, `HT`, `67'`, `Post`, `Can`…). Without
/// a known label, status code 6 is full time (as every finished match in the recorded
/// feed has it), a running score means live, and no score means not started.
fn status(elapsed: Option<&str>, code: Option<i64>, scored: bool) -> MatchStatus {
    let label = elapsed.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    match label.as_str() {
        "ft" | "aet" | "pen" => MatchStatus::Finished,
        "post" | "susp" => MatchStatus::Postponed,
        "can" | "abd" => MatchStatus::Cancelled,
        "ht" | "et1" | "et2" => MatchStatus::Live,
        l if !l.is_empty() && l.trim_end_matches(['\'', '+']).parse::<u32>().is_ok() => MatchStatus::Live,
        _ if code == Some(6) => MatchStatus::Finished,
        _ if scored => MatchStatus::Live,
        _ => MatchStatus::Scheduled,
    }
}

fn standing(p: &Page<'_>, tr: ElementRef<'_>, n: usize) -> Result<StandingRow, ParseError> {
    let field = |css: &str| format!("{TABLE_BODY} > tr:nth-of-type({n}) {css}");
    let cell = |css: &str| -> Result<String, ParseError> {
        p.select_one(tr, css).map(text).map_err(|e| p.err(field(css), e.reason))
    };
    let num = |css: &str| -> Result<u32, ParseError> { p.num(&field(css), &cell(css)?) };
    let team = cell("a.team-link")?;
    if team.is_empty() {
        return Err(p.err(field("a.team-link"), "empty"));
    }
    Ok(StandingRow {
        position: num("span.box")?,
        team,
        played: num("td.p")?,
        won: num("td.w")?,
        drawn: num("td.d")?,
        lost: num("td.l")?,
        goals_for: num("td.gf")?,
        goals_against: num("td.ga")?,
        points: p.num(&field("td.pts"), &cell("td.pts")?)?,
        form: form(p, tr, &field("td.form a.box"))?,
        xg_for: None,
        xg_against: None,
    })
}

/// `w`/`d`/`l` boxes, oldest first, as `WWLWLW`.
fn form(p: &Page<'_>, tr: ElementRef<'_>, field: &str) -> Result<Option<String>, ParseError> {
    let mut out = String::new();
    for b in tr.select(&p.selector("td.form a.box")?) {
        match text(b).as_str() {
            "w" | "W" => out.push('W'),
            "d" | "D" => out.push('D'),
            "l" | "L" => out.push('L'),
            other => return Err(p.err(field, format!("not a result: {other:?}"))),
        }
    }
    Ok(Some(out).filter(|f| !f.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use serde_json::json;

    const FIXTURES: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/whoscored/matches_ENG-Premier_League_2021_18685_0.json"
    ));
    const TABLE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/whoscored/seasons_ENG-Premier_League_2021.html"
    ));
    const OTHER_SITE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/skysports/premier-league-table.html"
    ));

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
    }

    /// The fixtures feed with `edit` applied to its JSON.
    fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(FIXTURES).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn urls() {
        assert_eq!(
            fixtures_url("https://www.whoscored.com", 18685, 2021, 1),
            "https://www.whoscored.com/tournaments/18685/data/?d=202101"
        );
        assert_eq!(
            season_url("http://127.0.0.1:9", 252, 2, 8228),
            "http://127.0.0.1:9/Regions/252/Tournaments/2/Seasons/8228"
        );
    }

    #[test]
    fn premier_league_january_2021() {
        let rows = parse_fixtures("fixtures", FIXTURES).unwrap();
        assert_eq!(rows.len(), 50);
        assert!(rows.iter().all(|r| r.status == MatchStatus::Finished));
        assert!(rows.iter().all(|r| r.competition.as_deref() == Some("Premier League")));
        assert!(rows.iter().all(|r| r.season.as_deref() == Some("2020/2021")));

        let first = &rows[0];
        assert_eq!(first.source_id.as_deref(), Some("1485321"));
        assert_eq!(first.kickoff, utc(2021, 1, 1, 17, 30));
        assert_eq!((first.home.as_str(), first.away.as_str()), ("Everton", "West Ham"));
        assert_eq!((first.home_goals, first.away_goals), (Some(0), Some(1)));
        assert_eq!((first.home_xg, first.ht_home_goals, first.round.as_deref()), (None, None, None));

        let mid = &rows[24];
        assert_eq!(mid.source_id.as_deref(), Some("1485356"));
        assert_eq!(mid.kickoff, utc(2021, 1, 19, 18, 0));
        assert_eq!((mid.home.as_str(), mid.away.as_str()), ("West Ham", "West Bromwich Albion"));
        assert_eq!((mid.home_goals, mid.away_goals), (Some(2), Some(1)));

        let last = &rows[49];
        assert_eq!(last.source_id.as_deref(), Some("1485431"));
        assert_eq!(last.kickoff, utc(2021, 1, 31, 19, 15));
        assert_eq!((last.home.as_str(), last.away.as_str()), ("Brighton", "Tottenham"));
        assert_eq!((last.home_goals, last.away_goals), (Some(1), Some(0)));
    }

    #[test]
    fn unplayed_and_postponed_matches() {
        let body = edited(|v| {
            let m = &mut v["tournaments"][0]["matches"][0];
            m["homeScore"] = Value::Null;
            m["awayScore"] = Value::Null;
            m["elapsed"] = json!("-");
            m["status"] = json!(1);
            v["tournaments"][0]["matches"][1]["elapsed"] = json!("Post");
        });
        let rows = parse_fixtures("fixtures", &body).unwrap();
        assert_eq!(
            (rows[0].status, rows[0].home_goals, rows[0].away_goals),
            (MatchStatus::Scheduled, None, None)
        );
        assert_eq!(rows[1].status, MatchStatus::Postponed);
        assert_eq!(rows[2].status, MatchStatus::Finished);
    }

    #[test]
    fn statuses() {
        assert_eq!(status(Some("FT"), Some(6), true), MatchStatus::Finished);
        assert_eq!(status(Some("AET"), None, true), MatchStatus::Finished);
        assert_eq!(status(Some("HT"), None, true), MatchStatus::Live);
        assert_eq!(status(Some("67'"), None, true), MatchStatus::Live);
        assert_eq!(status(Some("Can"), None, false), MatchStatus::Cancelled);
        assert_eq!(status(Some("Abd"), None, true), MatchStatus::Cancelled);
        assert_eq!(status(None, Some(6), true), MatchStatus::Finished);
        assert_eq!(status(Some(""), None, true), MatchStatus::Live);
        assert_eq!(status(None, Some(1), false), MatchStatus::Scheduled);
    }

    #[test]
    fn fixtures_errors() {
        assert_eq!(parse_fixtures("f", b"").unwrap_err().field, "body");
        assert!(
            parse_fixtures("f", &FIXTURES[..FIXTURES.len() / 2]).unwrap_err().reason.starts_with("not JSON")
        );
        assert!(parse_fixtures("f", OTHER_SITE).unwrap_err().reason.starts_with("not JSON"));
        // Another feed's JSON (a Sofascore round) has no `tournaments`.
        let e = parse_fixtures("f", br#"{"events": [{"id": 1}]}"#).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("tournaments", "missing"));
        let e = parse_fixtures("f", &edited(|v| v["tournaments"][0]["matches"] = json!([]))).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("tournaments.0.matches", "no matches"));

        let no_home = edited(|v| {
            v["tournaments"][0]["matches"][3].as_object_mut().unwrap().remove("homeTeamName");
        });
        let e = parse_fixtures("f", &no_home).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("tournaments.0.matches.3.homeTeamName", "missing")
        );
        let bad_score = edited(|v| v["tournaments"][0]["matches"][3]["homeScore"] = json!("two"));
        assert_eq!(parse_fixtures("f", &bad_score).unwrap_err().field, "tournaments.0.matches.3.homeScore");
        let bad_time = edited(|v| v["tournaments"][0]["matches"][0]["startTimeUtc"] = json!("Friday"));
        assert_eq!(parse_fixtures("f", &bad_time).unwrap_err().field, "tournaments.0.matches.0.startTimeUtc");
        let bad_id = edited(|v| v["tournaments"][0]["matches"][0]["id"] = json!({"n": 1}));
        assert_eq!(parse_fixtures("f", &bad_id).unwrap_err().reason, "not an integer");
    }

    #[test]
    fn premier_league_2020_21_table() {
        let rows = parse_table("season", TABLE).unwrap();
        assert_eq!(rows.len(), 20);
        let city = &rows[0];
        assert_eq!((city.position, city.team.as_str()), (1, "Manchester City"));
        assert_eq!((city.played, city.won, city.drawn, city.lost), (38, 27, 5, 6));
        assert_eq!((city.goals_for, city.goals_against, city.points), (83, 32, 86));
        assert_eq!(city.form.as_deref(), Some("WWLWLW"), "ends with Manchester City 5-0 Everton");
        let united = &rows[1];
        assert_eq!((united.position, united.team.as_str(), united.points), (2, "Manchester United", 74));
        assert_eq!(united.form.as_deref(), Some("DWLLDW"));
        assert_eq!((rows[3].team.as_str(), rows[3].points, rows[3].goals_for), ("Chelsea", 67, 58));
        assert_eq!((city.xg_for, city.xg_against), (None, None));
    }

    #[test]
    fn table_middle_and_last_rows() {
        let rows = parse_table("season", TABLE).unwrap();
        let everton = &rows[9];
        assert_eq!((everton.position, everton.team.as_str()), (10, "Everton"));
        assert_eq!((everton.won, everton.drawn, everton.lost, everton.points), (17, 8, 13, 59));
        assert_eq!(everton.form.as_deref(), Some("LWDLWL"));
        let last = &rows[19];
        assert_eq!((last.position, last.team.as_str()), (20, "Sheffield United"));
        assert_eq!((last.played, last.won, last.drawn, last.lost), (38, 7, 2, 29));
        assert_eq!((last.goals_for, last.goals_against, last.points), (20, 63, 23));
        assert_eq!(last.form.as_deref(), Some("WLLWLW"));
    }

    #[test]
    fn table_errors() {
        assert_eq!(parse_table("t", b"").unwrap_err().field, "body");
        assert_eq!(parse_table("t", OTHER_SITE).unwrap_err().field, TABLE_BODY);
        assert_eq!(parse_table("t", FIXTURES).unwrap_err().field, "body", "JSON has no element");
        let s = String::from_utf8_lossy(TABLE);
        let e = parse_table("t", &TABLE[..s.find("<tbody id=\"standings-").unwrap()]).unwrap_err();
        assert_eq!(e.field, TABLE_BODY, "cut before the table body");
        let cut = s.find("<td class=\"p\">").unwrap();
        let e = parse_table("t", &TABLE[..cut]).unwrap_err();
        assert_eq!(
            e.field,
            format!("{TABLE_BODY} > tr:nth-of-type(1) td.p"),
            "cut after the first row's team"
        );

        let no_points = s.replacen(r#"<td class="pts">86</td>"#, "", 1);
        let e = parse_table("t", no_points.as_bytes()).unwrap_err();
        assert_eq!(
            (e.field, e.reason),
            (format!("{TABLE_BODY} > tr:nth-of-type(1) td.pts"), "no element matches".into())
        );
        let bad_wins = s.replacen(r#"<td class="w">27</td>"#, r#"<td class="w">x</td>"#, 1);
        assert_eq!(parse_table("t", bad_wins.as_bytes()).unwrap_err().reason, "not a number: \"x\"");
        let bad_form = s.replacen(">w</a>", ">?</a>", 1);
        assert_eq!(
            parse_table("t", bad_form.as_bytes()).unwrap_err().field,
            format!("{TABLE_BODY} > tr:nth-of-type(1) td.form a.box")
        );
    }
}
