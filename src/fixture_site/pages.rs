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
