//! One club, three sources: football-data.co.uk's "Man United", Sofascore's
//! "Manchester United" and Understat's; "Tottenham" and "Tottenham Hotspur". Each
//! resolves to one team, and the same match reported by Sofascore and Understat is one
//! row. On SQLite and PostgreSQL.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::TimeZone;
use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use sources::{sofascore, understat};
use workers::process::fixtures::store_fixtures;
use workers::process::football_data::{ImportSummary, import_bytes};
use workers::process::teams::{Resolution, normalise, resolve};

const FD: &[u8] = include_bytes!("../../data/football-data/E0_2022-23.csv");
const SOFASCORE: &[u8] =
    include_bytes!("../../data/pages/sofascore/round_matches_ENG-Premier_League_1516_1.json");
const UNDERSTAT: &[u8] = include_bytes!("../../data/pages/understat/league_1_season_2015.json");

async fn one_club_three_sources(engine: Engine) {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let mut summary = ImportSummary::default();
    import_bytes(&db.conn, Path::new("E0_2022-23.csv"), FD, &mut summary).await.unwrap();

    let sofa = sofascore::parse_round_events("round 1", SOFASCORE).unwrap();
    let written = store_fixtures(&db.conn, "sofascore", "E0", "2015-16", &sofa).await.unwrap();
    assert_eq!((written.written, written.rejected.len()), (10, 0));
    assert_eq!(written.changes.len(), 10, "ten new matches");
    let under = understat::parse_league("EPL 2015", UNDERSTAT).unwrap();
    let written = store_fixtures(&db.conn, "understat", "E0", "2015-16", &under).await.unwrap();
    assert_eq!((written.written, written.rejected.len()), (380, 0));
    // The ten matches Sofascore already reported, with the same result, changed nothing.
    assert_eq!(written.changes.len(), 370);
    // Clubs of 2015-16 that were not in the 2022-23 file: each created once.
    let created_by_understat = written.teams_created;
    assert_eq!(created_by_understat, 0, "Understat's names all resolved to teams Sofascore or the CSV made");

    let league: i64 = db.scalar("SELECT id FROM leagues WHERE code = 'E0'").await;
    for names in [
        [
            ("football-data", "Man United"),
            ("sofascore", "Manchester United"),
            ("understat", "Manchester United"),
        ],
        [("football-data", "Tottenham"), ("sofascore", "Tottenham Hotspur"), ("understat", "Tottenham")],
        [("football-data", "Man City"), ("sofascore", "Manchester City"), ("understat", "Manchester City")],
        [("football-data", "West Ham"), ("sofascore", "West Ham United"), ("understat", "West Ham")],
        [("football-data", "Leicester"), ("sofascore", "Leicester City"), ("understat", "Leicester")],
    ] {
        let mut ids = Vec::new();
        for (source, name) in names {
            let (id, how) = resolve(&db.conn, source, name, Some(league)).await.unwrap();
            assert_eq!(how, Resolution::Alias, "{source} {name} was recorded when first seen");
            ids.push(id);
        }
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{names:?} → {ids:?}");
    }
    assert_ne!(
        resolve(&db.conn, "sofascore", "Manchester City", Some(league)).await.unwrap().0,
        resolve(&db.conn, "sofascore", "Manchester United", Some(league)).await.unwrap().0
    );
    // No club twice: as many teams as distinct normalised names.
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT name FROM teams".to_owned(),
        ))
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
    let distinct: std::collections::HashSet<String> = names.iter().map(|n| normalise(n)).collect();
    assert_eq!(distinct.len(), names.len(), "{names:?}");
    // 20 clubs of 2022-23, plus Norwich, Sunderland, Swansea, Stoke, Watford and West Brom.
    assert_eq!(names.len(), 26, "{names:?}");
    // The ten round-1 matches of both sources are the same rows.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM matches WHERE season = '2015-16'").await, 380);
    let utd_spurs = db.scalar("SELECT COUNT(*) FROM matches m JOIN teams h ON h.id = m.home_team_id JOIN teams a ON a.id = m.away_team_id \
         WHERE m.season = '2015-16' AND h.name = 'Man United' AND a.name = 'Tottenham' AND m.home_goals = 1 AND m.away_goals = 0",
    )
    .await;
    assert_eq!(utd_spurs, 1);
    // Storing again changes nothing.
    store_fixtures(&db.conn, "understat", "E0", "2015-16", &under).await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM matches WHERE season = '2015-16'").await, 380);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM teams").await, 26);
}

#[tokio::test]
async fn one_club_three_sources_on_sqlite() {
    one_club_three_sources(Engine::Sqlite).await;
}

#[tokio::test]
async fn one_club_three_sources_on_postgres() {
    one_club_three_sources(Engine::Postgres).await;
}

#[tokio::test]
async fn bad_rows_are_reported_and_a_result_never_goes_back() {
    use sources::MatchStatus;
    use sources::rows::FixtureRow;
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let kickoff = chrono::DateTime::from_timestamp(1_439_034_300, 0);
    let good = FixtureRow {
        home: "Manchester United".into(),
        away: "Tottenham Hotspur".into(),
        kickoff,
        status: MatchStatus::Finished,
        home_goals: Some(1),
        away_goals: Some(0),
        ..FixtureRow::default()
    };
    let rows = vec![
        good.clone(),
        FixtureRow { away: "Manchester United".into(), ..good.clone() },
        FixtureRow { kickoff: None, ..good.clone() },
        FixtureRow { home_goals: Some(-1), ..good.clone() },
        FixtureRow { home_goals: None, ..good.clone() },
    ];
    let w = store_fixtures(&db.conn, "test", "E0", "2015-16", &rows).await.unwrap();
    let reasons: Vec<&str> = w.rejected.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "Manchester United plays itself",
            "no kick-off time",
            "impossible score",
            "finished without a score"
        ]
    );
    // A stale source still listing it as scheduled does not undo the result.
    let stale =
        FixtureRow { status: MatchStatus::Scheduled, home_goals: None, away_goals: None, ..good.clone() };
    store_fixtures(&db.conn, "stale", "E0", "2015-16", &[stale]).await.unwrap();
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM matches WHERE status = 'finished' AND home_goals = 1").await,
        1
    );
}

/// A source that knows only the day does not move a known kickoff to midnight, and one
/// that lists a match as scheduled does not undo live, postponed or cancelled; on both
/// engines.
#[tokio::test]
async fn a_date_only_or_scheduled_listing_keeps_what_another_source_knew() {
    use sources::MatchStatus;
    use sources::rows::FixtureRow;
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        let at = |h: u32| chrono::Utc.with_ymd_and_hms(2026, 12, 5, h, 0, 0).single();
        let timed = |home: &str, status| FixtureRow {
            home: home.into(),
            away: "Tottenham Hotspur".into(),
            kickoff: at(15),
            status,
            ..FixtureRow::default()
        };
        let live = timed("Arsenal", MatchStatus::Live);
        let postponed = timed("Chelsea", MatchStatus::Postponed);
        store_fixtures(&db.conn, "sofascore", "E0", "2026-27", &[live.clone(), postponed.clone()])
            .await
            .unwrap();
        // FBref before the time is fixed: the day only; Betfair: an open market.
        let day_only = |r: &FixtureRow| FixtureRow {
            kickoff: at(0),
            kickoff_date_only: true,
            status: MatchStatus::Scheduled,
            ..r.clone()
        };
        let listed =
            vec![day_only(&live), FixtureRow { status: MatchStatus::Scheduled, ..postponed.clone() }];
        store_fixtures(&db.conn, "fbref", "E0", "2026-27", &listed).await.unwrap();
        let statuses = db.strings("SELECT status FROM matches ORDER BY id").await;
        assert_eq!(statuses, ["live", "postponed"], "{engine:?}");
        // Had the day-only row moved Arsenal to midnight, the earliest kickoff would be its alone.
        let at_earliest =
            "SELECT COUNT(*) FROM matches WHERE kickoff_at = (SELECT MIN(kickoff_at) FROM matches)";
        assert_eq!(db.scalar(at_earliest).await, 2, "{engine:?}: both still at their known kickoff");
        // A new match known by its day only is stored at 00:00 UTC; a timed listing
        // later sets its time.
        let midnight = day_only(&timed("Everton", MatchStatus::Scheduled));
        store_fixtures(&db.conn, "fbref", "E0", "2026-27", &[midnight]).await.unwrap();
        assert_eq!(db.scalar(at_earliest).await, 1, "{engine:?}: Everton at midnight");
        store_fixtures(&db.conn, "sofascore", "E0", "2026-27", &[timed("Everton", MatchStatus::Scheduled)])
            .await
            .unwrap();
        assert_eq!(
            db.scalar(at_earliest).await,
            3,
            "{engine:?}: Everton's time was set by the timed listing"
        );
    }
}

/// football-data.co.uk's "Ath Madrid" (Atlético) and "Ath Bilbao" (Athletic) stay two
/// clubs whichever comes first, and "Ath Madrid" is the club others call Atlético.
#[tokio::test]
async fn the_madrid_and_bilbao_clubs_stay_apart_in_either_order() {
    for order in [["Ath Madrid", "Ath Bilbao"], ["Ath Bilbao", "Ath Madrid"]] {
        let db = TestDb::new(Engine::Sqlite).await;
        Migrator::up(&db.conn, None).await.unwrap();
        db.conn
            .execute_unprepared(
                "INSERT INTO leagues (code, name, external_ids) VALUES ('SP1', 'La Liga', '{}')",
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        for name in order.iter().chain(["Real Madrid"].iter()) {
            let (id, how) = resolve(&db.conn, "football-data", name, Some(1)).await.unwrap();
            assert_eq!(how, Resolution::Created, "{name} after {order:?}");
            ids.push(id);
        }
        let atletico = resolve(&db.conn, "sofascore", "Atlético Madrid", Some(1)).await.unwrap().0;
        let madrid = order.iter().position(|n| *n == "Ath Madrid").unwrap();
        assert_eq!(atletico, ids[madrid], "{order:?}");
    }
}
