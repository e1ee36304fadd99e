use super::*;

const TABLE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/skysports/premier-league-table.html"));
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/whoscored/seasons_ENG-Premier_League_2021.html"
));

fn replaced(from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(TABLE);
    assert!(s.contains(from), "fixture lacks {from:?}");
    s.replacen(from, to, 1).into_bytes()
}

#[test]
fn urls() {
    assert_eq!(
        table_url("https://www.skysports.com", "premier-league"),
        "https://www.skysports.com/premier-league-table"
    );
    assert_eq!(
        season_table_url("http://127.0.0.1:9", "premier-league", 2020),
        "http://127.0.0.1:9/premier-league-table/2020"
    );
}

#[test]
fn premier_league_after_six_games() {
    let rows = parse_table("table", TABLE).unwrap();
    assert_eq!(rows.len(), 20);
    let everton = &rows[0];
    assert_eq!((everton.position, everton.team.as_str()), (1, "Everton"));
    assert_eq!((everton.played, everton.won, everton.drawn, everton.lost), (6, 4, 1, 1));
    assert_eq!((everton.goals_for, everton.goals_against, everton.points), (14, 9, 13));
    assert_eq!(everton.form.as_deref(), Some("WWWWDL"), "Tottenham 0-1 Everton … Southampton 2-0 Everton");
    assert_eq!((everton.xg_for, everton.xg_against), (None, None));

    let villa = &rows[2];
    assert_eq!((villa.position, villa.team.as_str(), villa.played), (3, "Aston Villa", 5));
    assert_eq!(
        (villa.won, villa.drawn, villa.lost, villa.goals_for, villa.goals_against, villa.points),
        (4, 0, 1, 12, 5, 12)
    );
    assert_eq!(villa.form.as_deref(), Some("WWWWL"), "five games, five form cells");

    let brighton = &rows[15];
    assert_eq!(brighton.team, "Brighton and Hove Albion");
    assert_eq!(
        (brighton.position, brighton.won, brighton.drawn, brighton.lost, brighton.points),
        (16, 1, 2, 3, 5)
    );
    assert_eq!(brighton.form.as_deref(), Some("LWLLDD"));

    let fulham = &rows[19];
    assert_eq!((fulham.position, fulham.team.as_str()), (20, "Fulham"));
    assert_eq!((fulham.played, fulham.won, fulham.drawn, fulham.lost), (6, 0, 1, 5));
    assert_eq!((fulham.goals_for, fulham.goals_against, fulham.points), (5, 14, 1));
    assert_eq!(fulham.form.as_deref(), Some("LLLLDL"));
}

#[test]
fn bad_bodies_are_errors() {
    assert_eq!(parse_table("t", b"").unwrap_err().field, "body");
    let e = parse_table("t", OTHER_SITE).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("table.standing-table__table", "no element matches"));
    let s = String::from_utf8_lossy(TABLE);
    let cut = s.find("<tbody").unwrap() + 20;
    assert_eq!(parse_table("t", &TABLE[..cut]).unwrap_err().field, ROWS);
    let e = parse_table("t", &TABLE[..TABLE.len() / 2]).unwrap_err();
    assert_eq!(e.field, "table.standing-table__table", "the table is in the second half");
    // Cut inside Arsenal's row (the 11th), before its team cell.
    let cut = s.find("data-long-name=\"Arsenal\"").unwrap();
    let e = parse_table("t", &TABLE[..cut]).unwrap_err();
    assert_eq!(
        (e.field, e.reason),
        (format!("{ROWS}:nth-of-type(11) td.standing-table__cell--name"), "missing".into())
    );
}

#[test]
fn broken_fields_are_errors() {
    let e = parse_table("t", &replaced(r#"data-long-name="Everton">"#, r#"data-long-name="">"#)).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        (format!("{ROWS}:nth-of-type(1) td.standing-table__cell--name").as_str(), "empty")
    );
    let bad_won = replaced(
        r#"<td class="standing-table__cell is-hidden--bp35">4</td>"#,
        r#"<td class="standing-table__cell is-hidden--bp35">four</td>"#,
    );
    let e = parse_table("t", &bad_won).unwrap_err();
    assert_eq!(e.field, format!("{ROWS}:nth-of-type(1) td.standing-table__cell:nth-of-type(4)"));
    assert_eq!(e.reason, "not a number: \"four\"");
    let bad_form = replaced("standing-table__form-cell--win", "standing-table__form-cell--void");
    assert_eq!(
        parse_table("t", &bad_form).unwrap_err().field,
        format!("{ROWS}:nth-of-type(1) span.standing-table__form-cell")
    );
    let no_points = replaced(r#"<td class="standing-table__cell" data-sort-value="1">13</td>"#, "");
    let e = parse_table("t", &no_points).unwrap_err();
    assert_eq!(
        (e.field, e.reason),
        (format!("{ROWS}:nth-of-type(1) td.standing-table__cell:nth-of-type(10)"), "empty".into())
    );
}
