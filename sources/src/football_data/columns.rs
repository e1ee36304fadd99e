//! The column layout of a football-data.co.uk CSV, read from its header.
//!
//! Column sets differ between seasons and leagues, and pandas re-writes rename the
//! over/under columns (`B365>2.5` → `B365_2_5`, `B365<2.5` → `B365_2_5_1`), so odds
//! columns are recognised by pattern: `{bookmaker}[C]{H|D|A}` for 1X2,
//! `{bookmaker}[C]{>|<}2.5` for totals and `{bookmaker}[C]AH{H|A}` for Asian handicap,
//! where `C` marks closing prices.

use crate::Market;

/// Bookmaker codes used in the files and the names Kickoff stores.
const BOOKMAKERS: &[(&str, &str)] = &[
    ("B365", "bet365"),
    ("BW", "bwin"),
    ("IW", "interwetten"),
    ("PS", "pinnacle"),
    ("P", "pinnacle"),
    ("WH", "william_hill"),
    ("VC", "vc_bet"),
    ("BV", "betvictor"),
    ("LB", "ladbrokes"),
    ("CL", "coral"),
    ("GB", "gamebookers"),
    ("SB", "sportingbet"),
    ("SJ", "stan_james"),
    ("SY", "stanleybet"),
    ("BS", "blue_square"),
    ("BF", "betfair"),
    ("BFE", "betfair_exchange"),
    ("1XB", "1xbet"),
    ("BMGM", "betmgm"),
    ("Max", "market_max"),
    ("Avg", "market_avg"),
];

fn bookmaker(code: &str) -> Option<&'static str> {
    BOOKMAKERS.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// `prefix` as a bookmaker, with a trailing `C` meaning closing prices.
fn bookmaker_and_closing(prefix: &str) -> Option<(&'static str, bool)> {
    if let Some(b) = bookmaker(prefix) {
        return Some((b, false));
    }
    prefix.strip_suffix('C').and_then(bookmaker).map(|b| (b, true))
}

/// Where an odds column's line comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LineSource {
    /// A fixed line (0 for 1X2, 2.5 for the totals columns).
    Fixed(f64),
    /// The row's Asian handicap line column (`AHh`, or `AHCh` for closing prices).
    AsianLine { closing: bool },
}

/// What one odds column holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OddsColumn {
    pub index: usize,
    pub name: &'static str,
    pub bookmaker: &'static str,
    pub market: Market,
    pub selection: &'static str,
    pub closing: bool,
    pub line: LineSource,
}

fn classify(header: &str) -> Option<(&'static str, Market, &'static str, bool, LineSource)> {
    // Totals: `B365>2.5`, `B365<2.5`, or the pandas names `B365_2_5`, `B365_2_5_1`.
    for (suffix, selection) in [(">2.5", "over"), ("<2.5", "under"), ("_2_5_1", "under"), ("_2_5", "over")] {
        if let Some(prefix) = header.strip_suffix(suffix) {
            let (b, closing) = bookmaker_and_closing(prefix)?;
            return Some((b, Market::OverUnder, selection, closing, LineSource::Fixed(2.5)));
        }
    }
    for (suffix, selection) in [("AHH", "home"), ("AHA", "away")] {
        if let Some(prefix) = header.strip_suffix(suffix) {
            let (b, closing) = bookmaker_and_closing(prefix)?;
            return Some((b, Market::AsianHandicap, selection, closing, LineSource::AsianLine { closing }));
        }
    }
    for (suffix, selection) in [('H', "home"), ('D', "draw"), ('A', "away")] {
        if let Some((b, closing)) = header.strip_suffix(suffix).and_then(bookmaker_and_closing) {
            return Some((b, Market::OneXTwo, selection, closing, LineSource::Fixed(0.0)));
        }
    }
    None
}

/// Positions of the columns Kickoff reads.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub width: usize,
    pub div: usize,
    pub date: usize,
    pub time: Option<usize>,
    pub home: usize,
    pub away: usize,
    pub fthg: Option<usize>,
    pub ftag: Option<usize>,
    pub hthg: Option<usize>,
    pub htag: Option<usize>,
    pub referee: Option<usize>,
    /// Home, away pairs: shots, on target, fouls, corners, yellow, red.
    pub stats: [(Option<usize>, Option<usize>); 6],
    pub ah_line: Option<usize>,
    pub ah_line_closing: Option<usize>,
    pub odds: Vec<OddsColumn>,
}

/// A header that cannot be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HeaderError {
    #[error("the file is empty")]
    Empty,
    #[error("missing required column(s) {missing}{hint}")]
    MissingColumns { missing: String, hint: &'static str },
}

/// Reads the header row. Accepts the older/newer spellings of the core columns
/// (`HomeTeam`/`Home`/`HT`, `FTHG`/`HG`).
pub fn layout(header: &[String]) -> Result<Layout, HeaderError> {
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(HeaderError::Empty);
    }
    let names: Vec<&str> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    let find = |alts: &[&str]| names.iter().position(|n| alts.contains(n));
    let required = [
        ("Div", find(&["Div"])),
        ("Date", find(&["Date"])),
        ("HomeTeam", find(&["HomeTeam", "Home", "HT"])),
        ("AwayTeam", find(&["AwayTeam", "Away", "AT"])),
    ];
    let missing: Vec<&str> = required.iter().filter(|(_, i)| i.is_none()).map(|(n, _)| *n).collect();
    if !missing.is_empty() {
        let hint = if names.len() == 1 && names[0].contains([';', '\t', '|']) {
            " (the header has one column: is the delimiter not a comma?)"
        } else {
            ""
        };
        return Err(HeaderError::MissingColumns { missing: missing.join(", "), hint });
    }
    let [div, date, home, away] = required.map(|(_, i)| i.unwrap_or_default());
    let pair = |h: &str, a: &str| (find(&[h]), find(&[a]));
    let mut odds = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, name) in names.iter().enumerate() {
        if let Some((bookmaker, market, selection, closing, line)) = classify(name) {
            // A repeated column would write the same key twice; the first one wins.
            if seen.insert((bookmaker, market, selection, closing)) {
                let name = BOOKMAKERS.iter().find(|(_, b)| *b == bookmaker).map(|(c, _)| *c).unwrap_or("");
                odds.push(OddsColumn { index, name, bookmaker, market, selection, closing, line });
            }
        }
    }
    Ok(Layout {
        width: names.len(),
        div,
        date,
        time: find(&["Time"]),
        home,
        away,
        fthg: find(&["FTHG", "HG"]),
        ftag: find(&["FTAG", "AG"]),
        hthg: find(&["HTHG"]),
        htag: find(&["HTAG"]),
        referee: find(&["Referee"]),
        stats: [
            pair("HS", "AS"),
            pair("HST", "AST"),
            pair("HF", "AF"),
            pair("HC", "AC"),
            pair("HY", "AY"),
            pair("HR", "AR"),
        ],
        ah_line: find(&["AHh"]),
        ah_line_closing: find(&["AHCh"]),
        odds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn recognises_bookmaker_columns() {
        assert_eq!(
            classify("B365H"),
            Some(("bet365", Market::OneXTwo, "home", false, LineSource::Fixed(0.0)))
        );
        assert_eq!(
            classify("PSCH"),
            Some(("pinnacle", Market::OneXTwo, "home", true, LineSource::Fixed(0.0)))
        );
        assert_eq!(classify("VCCD"), Some(("vc_bet", Market::OneXTwo, "draw", true, LineSource::Fixed(0.0))));
        assert_eq!(classify("VCA"), Some(("vc_bet", Market::OneXTwo, "away", false, LineSource::Fixed(0.0))));
        assert_eq!(
            classify("AvgC<2.5"),
            Some(("market_avg", Market::OverUnder, "under", true, LineSource::Fixed(2.5)))
        );
        assert_eq!(
            classify("P_2_5_1"),
            Some(("pinnacle", Market::OverUnder, "under", false, LineSource::Fixed(2.5)))
        );
        assert_eq!(
            classify("PC_2_5"),
            Some(("pinnacle", Market::OverUnder, "over", true, LineSource::Fixed(2.5)))
        );
        assert_eq!(
            classify("PCAHA"),
            Some(("pinnacle", Market::AsianHandicap, "away", true, LineSource::AsianLine { closing: true }))
        );
        for not_odds in ["HomeTeam", "FTHG", "HS", "AHh", "AHCh", "Referee", "HTR", "Date"] {
            assert_eq!(classify(not_odds), None, "{not_odds}");
        }
    }

    #[test]
    fn real_header_has_all_82_odds_columns() {
        let l = layout(&header("Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Referee,HS,AS,HST,AST,HF,AF,HC,AC,HY,AY,HR,AR,B365H,B365D,B365A,BWH,BWD,BWA,IWH,IWD,IWA,PSH,PSD,PSA,WHH,WHD,WHA,VCH,VCD,VCA,MaxH,MaxD,MaxA,AvgH,AvgD,AvgA,B365>2.5,B365<2.5,P>2.5,P<2.5,Max>2.5,Max<2.5,Avg>2.5,Avg<2.5,AHh,B365AHH,B365AHA,PAHH,PAHA,MaxAHH,MaxAHA,AvgAHH,AvgAHA,B365CH,B365CD,B365CA,BWCH,BWCD,BWCA,IWCH,IWCD,IWCA,PSCH,PSCD,PSCA,WHCH,WHCD,WHCA,VCCH,VCCD,VCCA,MaxCH,MaxCD,MaxCA,AvgCH,AvgCD,AvgCA,B365C>2.5,B365C<2.5,PC>2.5,PC<2.5,MaxC>2.5,MaxC<2.5,AvgC>2.5,AvgC<2.5,AHCh,B365CAHH,B365CAHA,PCAHH,PCAHA,MaxCAHH,MaxCAHA,AvgCAHH,AvgCAHA")).unwrap();
        assert_eq!(l.odds.len(), 80);
        assert_eq!(l.referee, Some(11));
        assert_eq!(l.ah_line, Some(56));
        assert_eq!(l.ah_line_closing, Some(97));
    }

    #[test]
    fn bom_and_alternative_names() {
        let l = layout(&header("\u{feff}Div,Date,Home,Away,HG,AG")).unwrap();
        assert_eq!((l.div, l.home, l.away, l.fthg, l.ftag), (0, 2, 3, Some(4), Some(5)));
    }

    #[test]
    fn wrong_delimiter_is_explained() {
        let err = layout(&header("Div;Date;HomeTeam;AwayTeam")).unwrap_err();
        assert!(err.to_string().contains("delimiter"), "{err}");
        assert!(matches!(layout(&header("")), Err(HeaderError::Empty)));
    }
}
