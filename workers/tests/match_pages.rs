//! Recorded match pages, league tables and squads processed into entities on SQLite
//! and PostgreSQL: statistics merged across sources, odds appended only when a price
//! moves (with its `odds_change`), tables kept per source, players with market values.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use entities::testing::TestDb;
use jobs::Classify;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use sources::SourceKey;
use sources::fotmob;
use workers::events::odds_event;
use workers::process::details::store_details;
use workers::process::pages::process_page;

const ESPN_SUMMARY: &[u8] = include_bytes!("../../data/pages/espn/Summary_554204.json");
const FOTMOB_MATCH: &[u8] = include_bytes!("../../data/pages/fotmob/matches_ESP-La_Liga_2021_3424045.json");
const SKY_TABLE: &[u8] = include_bytes!("../../data/pages/skysports/premier-league-table.html");
const TM_SQUAD: &[u8] =
    include_bytes!("../../data/pages/transfermarkt/club_kader_fc-barcelona_131_2011_detailed_pt.html");

async fn migrated(engine: entities::Engine) -> TestDb {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    db
}

#[tokio::test]
async fn a_match_page_writes_stats_players_and_odds_history() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let key = SourceKey::parse("espn:summary:I1:2019-20").unwrap();
        let t0 = Utc.with_ymd_and_hms(2020, 8, 1, 12, 0, 0).unwrap();
        let first = process_page(&db.conn, &key, "summary", ESPN_SUMMARY, t0).await.unwrap();
        assert_eq!(first.rejected, 0, "{engine:?}");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM matches").await, 1);
        assert_eq!(
            db.scalar(
                "SELECT COUNT(*) FROM matches WHERE status = 'finished' AND home_goals = 3 AND away_goals = 0"
            )
            .await,
            1
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM match_stats").await, 2);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM odds").await, 23, "{engine:?}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM odds WHERE bookmaker = 'Bet 365' AND selection = 'home' AND price = 1.01")
                .await,
            1
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM players").await, 46);
        assert_eq!(
            db.scalar(
                "SELECT COUNT(*) FROM players p JOIN teams t ON t.id = p.team_id \
                 WHERE p.name = 'Zlatan Ibrahimovic' AND p.position = 'Forward' AND t.name = 'AC Milan'"
            )
            .await,
            1
        );
        assert!(first.odds_changes.is_empty(), "first prices are not changes");

        // The same page an hour later: nothing is appended.
        let t1 = t0 + chrono::Duration::hours(1);
        let again = process_page(&db.conn, &key, "summary", ESPN_SUMMARY, t1).await.unwrap();
        assert!(again.odds_changes.is_empty() && again.changes.is_empty());
        assert_eq!(db.scalar("SELECT COUNT(*) FROM odds").await, 23);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM players").await, 46);

        // Bet 365's home price moves: one row appended, one odds_change.
        let moved = String::from_utf8(ESPN_SUMMARY.to_vec()).unwrap();
        assert_eq!(moved.matches("\"value\":1.01,").count(), 1);
        let moved = moved.replace("\"value\":1.01,", "\"value\":1.05,");
        let t2 = t1 + chrono::Duration::hours(1);
        let third = process_page(&db.conn, &key, "summary", moved.as_bytes(), t2).await.unwrap();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM odds").await, 24);
        assert_eq!(third.odds_changes.len(), 1);
        let (channel, message) = odds_event(&third.odds_changes[0]);
        let match_id = db.scalar("SELECT id FROM matches").await;
        assert_eq!(channel, format!("odds:{match_id}"));
        assert_eq!(message["data"]["bookmaker"], "Bet 365");
        assert_eq!(
            (message["data"]["previous_price"].as_f64(), message["data"]["price"].as_f64()),
            (Some(1.01), Some(1.05))
        );
        // History keeps both prices, newest first.
        let rows = db
            .conn
            .query_all_raw(Statement::from_string(
                db.conn.get_database_backend(),
                "SELECT price FROM odds WHERE bookmaker = 'Bet 365' AND selection = 'home' ORDER BY recorded_at DESC"
                    .to_owned(),
            ))
            .await
            .unwrap();
        let prices: Vec<f64> = rows.iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
        assert_eq!(prices, [1.05, 1.01]);
    }
}

#[tokio::test]
async fn statistics_from_two_sources_merge_on_one_match() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let now = Utc::now();
        let key = SourceKey::parse("fotmob:match:SP1:2020-21").unwrap();
        process_page(&db.conn, &key, "match", FOTMOB_MATCH, now).await.unwrap();
        let xg = "SELECT COUNT(*) FROM match_stats s JOIN teams t ON t.id = s.team_id \
                  WHERE t.name = 'Valencia' AND s.xg = 1.94 AND s.possession = 44 AND s.fouls = 9";
        assert_eq!(db.scalar(xg).await, 1, "{engine:?}");
        // Another source reports the same match without xG or fouls but with other
        // shot counts: its values win where it has them, the rest is kept.
        let mut other = fotmob::parse_match_details("match", FOTMOB_MATCH).unwrap();
        for s in &mut other.stats {
            (s.xg, s.fouls, s.shots) = (None, None, Some(99));
        }
        store_details(&db.conn, "other", "SP1", "2020-21", &[other], now).await.unwrap();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM match_stats WHERE shots = 99").await, 2);
        let kept = "SELECT COUNT(*) FROM match_stats s JOIN teams t ON t.id = s.team_id \
                    WHERE t.name = 'Valencia' AND s.xg = 1.94 AND s.possession = 44 AND s.fouls = 9";
        assert_eq!(db.scalar(kept).await, 1);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM matches").await, 1);
    }
}

#[tokio::test]
async fn a_league_table_is_stored_per_source_and_overwritten() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let key = SourceKey::parse("skysports:table:E0:2020-21").unwrap();
        let w = process_page(&db.conn, &key, "table", SKY_TABLE, Utc::now()).await.unwrap();
        assert_eq!((w.rows, w.rejected), (20, 0), "{engine:?}");
        process_page(&db.conn, &key, "table", SKY_TABLE, Utc::now()).await.unwrap();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM standings").await, 20);
        let everton = "SELECT COUNT(*) FROM standings s JOIN teams t ON t.id = s.team_id WHERE t.name = 'Everton' \
                       AND s.position = 1 AND s.played = 6 AND s.won = 4 AND s.points = 13 AND s.source = 'skysports'";
        assert_eq!(db.scalar(everton).await, 1);
    }
}

#[tokio::test]
async fn a_squad_page_stores_players_with_market_values() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let key = SourceKey::parse("transfermarkt:squad:SP1:2011-12").unwrap();
        let w = process_page(&db.conn, &key, "squad", TM_SQUAD, Utc::now()).await.unwrap();
        assert_eq!((w.rows, w.rejected), (35, 0), "{engine:?}");
        process_page(&db.conn, &key, "squad", TM_SQUAD, Utc::now()).await.unwrap();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM players").await, 35);
        let valdes = "SELECT COUNT(*) FROM players WHERE name = 'Víctor Valdés' AND position = 'Guarda-Redes' \
                      AND market_value = 20000000 AND currency = 'EUR'";
        assert_eq!(db.scalar(valdes).await, 1);
    }
}

#[tokio::test]
async fn pages_that_need_a_league_or_fail_to_parse_are_typed_errors() {
    let db = migrated(entities::Engine::Sqlite).await;
    let no_league = SourceKey::parse("espn:summary").unwrap();
    let e = process_page(&db.conn, &no_league, "summary", ESPN_SUMMARY, Utc::now()).await.unwrap_err();
    assert!(e.to_string().contains("needs a league"), "{e}");
    assert!(!e.is_transient());
    let key = SourceKey::parse("skysports:table:E0:2020-21").unwrap();
    let e = process_page(&db.conn, &key, "table", b"<html><body>no table</body></html>", Utc::now())
        .await
        .unwrap_err();
    assert!(!e.is_transient(), "{e}");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM standings").await, 0);
}

#[tokio::test]
async fn fixture_lists_with_xg_feed_match_statistics() {
    const UNDERSTAT: &[u8] = include_bytes!("../../data/pages/understat/league_1_season_2015.json");
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let key = SourceKey::parse("understat:league:E0:2015-16").unwrap();
        process_page(&db.conn, &key, "league", UNDERSTAT, Utc::now()).await.unwrap();
        let finished = db.scalar("SELECT COUNT(*) FROM matches WHERE status = 'finished'").await;
        assert_eq!(finished, 380, "{engine:?}");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM match_stats WHERE xg IS NOT NULL").await, 2 * finished);
    }
}
