//! The recorded pages the fixture site serves, compiled in, under the paths the real
//! sites use (the `[scrape.sources]` URL templates and the sources' URL builders).

/// One recorded response.
pub struct Page {
    /// Path and query, as requested.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! page {
    ($path:expr, $ct:expr, $file:literal) => {
        Page { path: $path, content_type: $ct, body: include_bytes!(concat!("../../data/", $file)) }
    };
}

const JSON: &str = "application/json";
const HTML: &str = "text/html; charset=utf-8";
const CSV: &str = "text/csv";

/// Every page, by site.
pub const PAGES: &[Page] = &[
    // football-data.co.uk season files.
    page!("/mmz4281/2223/E0.csv", CSV, "football-data/E0_2022-23.csv"),
    page!("/mmz4281/2324/E0.csv", CSV, "football-data/E0_2023-24.csv"),
    page!("/mmz4281/2324/D1.csv", CSV, "football-data/D1_2023-24.csv"),
    // Understat.
    page!("/getLeagueData/EPL/2015", JSON, "pages/understat/league_1_season_2015.json"),
    page!("/getMatchData/100", JSON, "pages/understat/match_100.json"),
    // FBref.
    page!(
        "/en/comps/12/2023-2024/schedule/2023-2024-La-Liga-Scores-and-Fixtures",
        HTML,
        "pages/fbref/schedule_ESP-La_Liga_2324.html"
    ),
    page!("/en/matches/e8867e6b", HTML, "pages/fbref/match_e8867e6b.html"),
    // Sky Sports.
    page!("/premier-league-table/2020", HTML, "pages/skysports/premier-league-table.html"),
    // Sofascore.
    page!(
        "/api/v1/unique-tournament/17/season/10356/events/round/1",
        JSON,
        "pages/sofascore/round_matches_ENG-Premier_League_1516_1.json"
    ),
    page!(
        "/api/v1/unique-tournament/17/season/10356/standings/total",
        JSON,
        "pages/sofascore/seasons_ENG-Premier_League_1516.json"
    ),
    page!("/api/v1/unique-tournament/17/seasons", JSON, "pages/sofascore/leagues_ENG-Premier_League.json"),
    // ESPN.
    page!(
        "/apis/site/v2/sports/soccer/ita.1/scoreboard?dates=20190825",
        JSON,
        "pages/espn/Schedule_ita.1_20190825.json"
    ),
    page!("/apis/site/v2/sports/soccer/ita.1/summary?event=554204", JSON, "pages/espn/Summary_554204.json"),
    // FotMob.
    page!("/api/leagues?id=87", JSON, "pages/fotmob/leagues_ESP-La_Liga.json"),
    page!("/api/matchDetails?matchId=3424045", JSON, "pages/fotmob/matches_ESP-La_Liga_2021_3424045.json"),
    // Transfermarkt (Portuguese locale).
    page!(
        "/fc-barcelona/kader/verein/131/saison_id/2011/plus/1",
        HTML,
        "pages/transfermarkt/club_kader_fc-barcelona_131_2011_detailed_pt.html"
    ),
    // football-data.org v4.
    page!(
        "/v4/competitions/PL/matches?status=SCHEDULED",
        JSON,
        "pages/football-data.org/v4_competitions_PL_matches_scheduled.json"
    ),
    page!("/v4/competitions/PL/standings", JSON, "pages/football-data.org/v4_competitions_PL_standings.json"),
    // API-Football v3.
    page!(
        "/fixtures?league=78&season=2023&status=NS-PST",
        JSON,
        "pages/api-football/fixtures-bundes-ns-pst.json"
    ),
    page!("/standings?league=39&season=2022", JSON, "pages/api-football/standings-epl-2022.json"),
    page!("/players/squads?team=173", JSON, "pages/api-football/player-squad-Leipzig.json"),
    // The Guardian.
    page!("/football/rss", "application/rss+xml", "pages/guardian/guardian_us_front.rss"),
];

/// The page at `path_and_query`, if recorded.
pub fn find(path_and_query: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.path == path_and_query)
}

/// A live endpoint recorded at several moments: the n-th request gets the n-th state
/// (the last one from then on), as a source polled during a match answers.
pub struct Sequence {
    pub path: &'static str,
    pub states: &'static [&'static [u8]],
}

macro_rules! state {
    ($file:literal) => {
        include_bytes!(concat!("../../data/pages/sport1/", $file)) as &[u8]
    };
}

/// sport1.de's match and incidents endpoints of Atlético Madrid v Bayern München
/// (2016-09-28), at minutes 21 and 35, half-time, minute 67 and full time.
pub const SEQUENCES: &[Sequence] = &[
    Sequence {
        path: "/match/ma8305396",
        states: &[
            state!("live_8305396_01_min21_0-0_match.json"),
            state!("live_8305396_02_min35_1-0_match.json"),
            state!("live_8305396_03_halftime_match.json"),
            state!("live_8305396_04_min67_match.json"),
            state!("live_8305396_05_fulltime_match.json"),
        ],
    },
    Sequence {
        path: "/match-event/ma8305396",
        states: &[
            state!("live_8305396_01_min21_0-0_match-event.json"),
            state!("live_8305396_02_min36_1-0_match-event.json"),
            state!("live_8305396_03_halftime_match-event.json"),
            state!("live_8305396_04_min67_match-event.json"),
            state!("live_8305396_05_fulltime_match-event.json"),
        ],
    },
];

/// The state of a live endpoint that request number `n` (from 1) gets.
pub fn state_of(path_and_query: &str, n: u64) -> Option<&'static [u8]> {
    let seq = SEQUENCES.iter().find(|s| s.path == path_and_query)?;
    let i = usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX).min(seq.states.len() - 1);
    seq.states.get(i).copied()
}
