use super::*;

const SQUAD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/transfermarkt/club_kader_fc-barcelona_131_2011_detailed_pt.html"
));
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/whoscored/seasons_ENG-Premier_League_2021.html"
));

fn replaced(from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(SQUAD);
    assert!(s.contains(from), "fixture lacks {from:?}");
    s.replacen(from, to, 1).into_bytes()
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn url() {
    assert_eq!(
        squad_url("https://www.transfermarkt.pt", "fc-barcelona", 131, 2011),
        "https://www.transfermarkt.pt/fc-barcelona/kader/verein/131/saison_id/2011/plus/1"
    );
}

#[test]
fn market_values_in_both_locales() {
    assert_eq!(parse_market_value("20,00 M €"), Some((20_000_000.0, "EUR")));
    assert_eq!(parse_market_value("1,20 M €"), Some((1_200_000.0, "EUR")));
    assert_eq!(parse_market_value("900 mil €"), Some((900_000.0, "EUR")));
    assert_eq!(parse_market_value("1,50 Mio. €"), Some((1_500_000.0, "EUR")));
    assert_eq!(parse_market_value("500 Tsd. €"), Some((500_000.0, "EUR")));
    assert_eq!(parse_market_value("250 Th. €"), Some((250_000.0, "EUR")));
    assert_eq!(parse_market_value("750 k €"), Some((750_000.0, "EUR")));
    assert_eq!(parse_market_value("1,20 mil M €"), Some((1_200_000_000.0, "EUR")));
    assert_eq!(parse_market_value("€20.00m"), Some((20_000_000.0, "EUR")));
    assert_eq!(parse_market_value("€500k"), Some((500_000.0, "EUR")));
    assert_eq!(parse_market_value("€1.20bn"), Some((1_200_000_000.0, "EUR")));
    assert_eq!(parse_market_value("£4.50m"), Some((4_500_000.0, "GBP")));
    assert_eq!(parse_market_value("€1,500k"), Some((1_500_000.0, "EUR")));
    assert_eq!(parse_market_value("€100"), Some((100.0, "EUR")));
    for bad in ["-", "", "20,00 M", "€", "€abc", "20 lots €", "M €"] {
        assert_eq!(parse_market_value(bad), None, "{bad:?}");
    }
}

#[test]
fn barcelona_2011_squad() {
    let rows = parse_squad("squad", SQUAD).unwrap();
    assert_eq!(rows.len(), 35);
    assert!(rows.iter().all(|r| r.team.as_deref() == Some("FC Barcelona")));

    let valdes = &rows[0];
    assert_eq!((valdes.name.as_str(), valdes.shirt_number), ("Víctor Valdés", Some(1)));
    assert_eq!(valdes.position.as_deref(), Some("Guarda-Redes"));
    assert_eq!((valdes.birth_date, valdes.age), (date(1982, 1, 14), Some(29)));
    assert_eq!(valdes.nationality.as_deref(), Some("Espanha"));
    assert_eq!((valdes.market_value, valdes.currency.as_deref()), (Some(20_000_000.0), Some("EUR")));
    assert_eq!(valdes.starter, None);

    let oier = &rows[2];
    assert_eq!((oier.name.as_str(), oier.shirt_number), ("Oier Olazábal", None), "`-` shirt number");
    assert_eq!(oier.market_value, Some(900_000.0), "900 mil €");

    let abidal = rows.iter().find(|r| r.name == "Éric Abidal").unwrap();
    assert_eq!(abidal.nationality.as_deref(), Some("França"), "first of two flags");
    assert_eq!(abidal.position.as_deref(), Some("Lateral Esquerdo"));

    let messi = rows.iter().find(|r| r.name == "Lionel Messi").unwrap();
    assert_eq!(messi.shirt_number, Some(10));
    assert_eq!(messi.position.as_deref(), Some("Extremo Direito"));
    assert_eq!((messi.birth_date, messi.age), (date(1987, 6, 24), Some(24)));
    assert_eq!(messi.nationality.as_deref(), Some("Argentina"));
    assert_eq!(messi.market_value, Some(100_000_000.0));

    let cuenca = rows.iter().find(|r| r.name == "Isaac Cuenca").unwrap();
    assert_eq!((cuenca.market_value, cuenca.currency.as_deref()), (None, None), "`-` value");

    let villa = &rows[34];
    assert_eq!((villa.name.as_str(), villa.shirt_number), ("David Villa", Some(7)));
    assert_eq!(villa.position.as_deref(), Some("Ponta de Lança"));
    assert_eq!((villa.birth_date, villa.market_value), (date(1981, 12, 3), Some(50_000_000.0)));
}

#[test]
fn bad_bodies_are_errors() {
    assert_eq!(parse_squad("s", b"").unwrap_err().field, "body");
    let e = parse_squad("s", OTHER_SITE).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), (ROWS, "no element matches"));
    // The squad table starts after the first half of the page.
    let e = parse_squad("s", &SQUAD[..SQUAD.len() / 2]).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), (ROWS, "no element matches"));
    // Cut inside Messi's row (the 33rd), before his name link.
    let cut = String::from_utf8_lossy(SQUAD).find("title=\"Lionel Messi\"").unwrap();
    let e = parse_squad("s", &SQUAD[..cut]).unwrap_err();
    assert_eq!(e.field, "table.items > tbody > tr:nth-of-type(33) td.posrela td.hauptlink a");
}

#[test]
fn broken_fields_are_errors() {
    let no_name = replaced(
        r#"<span class="hide-for-small"><a title="Víctor Valdés" class="spielprofil_tooltip" id="7589" href="/victor-valdes/profil/spieler/7589">Víctor Valdés</a>"#,
        r#"<span class="hide-for-small"><b>Víctor Valdés</b>"#,
    );
    // The short-name link is still there; remove it too.
    let s = String::from_utf8_lossy(&no_name).replacen(
        r#"<a title="Víctor Valdés" class="spielprofil_tooltip" id="7589" href="/victor-valdes/profil/spieler/7589">V. Valdés</a>"#,
        "",
        1,
    );
    let e = parse_squad("s", s.as_bytes()).unwrap_err();
    assert_eq!(e.field, "table.items > tbody > tr:nth-of-type(1) td.posrela td.hauptlink a");

    let bad_value =
        replaced("<td class=\"rechts hauptlink\">20,00 M €", "<td class=\"rechts hauptlink\">vinte M €");
    let e = parse_squad("s", &bad_value).unwrap_err();
    assert_eq!(e.field, "table.items > tbody > tr:nth-of-type(1) td.rechts.hauptlink");
    assert_eq!(e.reason, "not a market value: \"vinte M €\"");

    let bad_number = replaced("<div class=rn_nummer>1</div>", "<div class=rn_nummer>um</div>");
    assert_eq!(
        parse_squad("s", &bad_number).unwrap_err().field,
        "table.items > tbody > tr:nth-of-type(1) div.rn_nummer"
    );

    let bad_birth = replaced("14/01/1982 (29)", "14/13/1982 (29)");
    assert_eq!(parse_squad("s", &bad_birth).unwrap_err().reason, "not a birth date: \"14/13/1982 (29)\"");
}

#[test]
fn birth_dates_in_three_locales() {
    assert_eq!(birth_and_age("14/01/1982 (29)"), Some((date(1982, 1, 14), Some(29))));
    assert_eq!(birth_and_age("14.01.1982 (29)"), Some((date(1982, 1, 14), Some(29))));
    assert_eq!(birth_and_age("Jan 14, 1982 (29)"), Some((date(1982, 1, 14), Some(29))));
    assert_eq!(birth_and_age("1982"), None);
}
