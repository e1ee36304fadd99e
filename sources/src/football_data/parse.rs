//! Pure parsing of football-data.co.uk CSV text into typed rows. Never touches the
//! network or the database; every rejected row carries its line and reason.

use std::collections::HashMap;

use crate::Market;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::columns::{HeaderError, Layout, LineSource, layout};

/// Kickoff time assumed when a file has no `Time` column (UK local time).
const DEFAULT_KICKOFF: (u32, u32) = (15, 0);

/// Match statistics of one side.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SideStats {
    pub shots: Option<i32>,
    pub shots_on_target: Option<i32>,
    pub fouls: Option<i32>,
    pub corners: Option<i32>,
    pub yellow_cards: Option<i32>,
    pub red_cards: Option<i32>,
}

impl SideStats {
    pub fn is_empty(&self) -> bool {
        *self == SideStats::default()
    }
}

/// One price from one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Quote {
    pub bookmaker: &'static str,
    pub market: Market,
    pub selection: &'static str,
    pub line: f64,
    pub price: f64,
    pub closing: bool,
}

/// One valid match row.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRow {
    /// 1-based line in the file.
    pub line: u64,
    pub div: String,
    pub date: NaiveDate,
    pub kickoff: DateTime<Utc>,
    pub home: String,
    pub away: String,
    pub full_time: Option<(i32, i32)>,
    pub half_time: Option<(i32, i32)>,
    pub referee: Option<String>,
    pub home_stats: SideStats,
    pub away_stats: SideStats,
    pub quotes: Vec<Quote>,
}

/// Why a row was not imported.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RowError {
    #[error("row has {found} fields, the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("row is not valid UTF-8")]
    InvalidUtf8,
    #[error("column {column} is empty")]
    Missing { column: &'static str },
    #[error("column Date: `{value}` is not a dd/mm/yy or dd/mm/yyyy date")]
    BadDate { value: String },
    #[error("column Time: `{value}` is not an HH:MM time")]
    BadTime { value: String },
    #[error("column {column}: `{value}` is not a goal or card count")]
    BadCount { column: &'static str, value: String },
    #[error("columns {columns}: one score is given without the other")]
    HalfScore { columns: &'static str },
    #[error("column {column}: `{value}` is not a decimal price above 1.0")]
    BadPrice { column: String, value: String },
    #[error("column {column}: `{value}` is not a handicap line")]
    BadLine { column: &'static str, value: String },
    #[error("home and away team are both `{team}`")]
    SameTeams { team: String },
    #[error("same match as line {first} (teams and date)")]
    Duplicate { first: u64 },
    #[error("malformed CSV: {0}")]
    Csv(String),
}

/// A row that was not imported, with where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    pub line: u64,
    pub error: RowError,
}

/// A whole file, parsed.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<MatchRow>,
    pub rejections: Vec<Rejection>,
    /// Prices left out of otherwise valid rows (zero, negative, not a number): the
    /// match imports without them.
    pub price_rejections: Vec<Rejection>,
    /// Data rows seen (valid + rejected), blank lines excluded.
    pub rows_read: u64,
}

impl ParsedFile {
    /// Season label (`2023-24`) from the earliest match: a file holds one season, and
    /// seasons start in July or later (the 2020-21 season started in September 2020).
    pub fn season(&self) -> Option<String> {
        self.rows.iter().map(|r| r.date).min().map(season_of)
    }
}

/// The season a season's first match date belongs to.
pub fn season_of(date: NaiveDate) -> String {
    let start = if date.month() >= 7 { date.year() } else { date.year() - 1 };
    format!("{start}-{:02}", (start + 1).rem_euclid(100))
}

/// Parses a whole file. Fails only when the header is unusable; bad rows are
/// collected as rejections and the rest of the file is kept.
pub fn parse(bytes: &[u8]) -> Result<ParsedFile, HeaderError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = reader.byte_records();
    let header = loop {
        match records.next() {
            None => return Err(HeaderError::Empty),
            Some(Ok(r)) if r.iter().all(|f| f.is_empty()) => continue,
            Some(Ok(r)) => {
                break r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>();
            }
            Some(Err(e)) => {
                return Err(HeaderError::MissingColumns {
                    missing: format!("(unreadable header: {e})"),
                    hint: "",
                });
            }
        }
    };
    let layout = layout(&header)?;
    let mut out = ParsedFile::default();
    let mut first_line: HashMap<(String, String, NaiveDate), u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                out.rows_read += 1;
                out.rejections.push(Rejection { line, error: RowError::Csv(e.to_string()) });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        // Trailing blank lines (and rows of only commas) are layout, not data.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        out.rows_read += 1;
        let parsed = std::str::from_utf8(record.as_slice())
            .map_err(|_| RowError::InvalidUtf8)
            .and_then(|_| {
                let fields: Vec<&str> = (0..record.len())
                    .map(|i| record.get(i).and_then(|f| std::str::from_utf8(f).ok()).unwrap_or("").trim())
                    .collect();
                parse_row(&layout, &fields, line)
            })
            .and_then(|(row, bad_prices)| {
                let key = (row.home.clone(), row.away.clone(), row.date);
                match first_line.get(&key) {
                    Some(&first) => Err(RowError::Duplicate { first }),
                    None => {
                        first_line.insert(key, line);
                        Ok((row, bad_prices))
                    }
                }
            });
        match parsed {
            Ok((row, bad_prices)) => {
                out.price_rejections.extend(bad_prices.into_iter().map(|error| Rejection { line, error }));
                out.rows.push(row);
            }
            Err(error) => out.rejections.push(Rejection { line, error }),
        }
    }
    Ok(out)
}

/// A valid row and the prices left out of it.
type RowAndBadPrices = (MatchRow, Vec<RowError>);

fn parse_row(l: &Layout, f: &[&str], line: u64) -> Result<RowAndBadPrices, RowError> {
    if f.len() != l.width {
        return Err(RowError::FieldCount { expected: l.width, found: f.len() });
    }
    let get = |i: Option<usize>| i.and_then(|i| f.get(i).copied()).filter(|s| !s.is_empty());
    let required = |i: usize, column: &'static str| get(Some(i)).ok_or(RowError::Missing { column });
    let div = required(l.div, "Div")?.to_owned();
    let date = parse_date(required(l.date, "Date")?)?;
    let time = match get(l.time) {
        Some(t) => {
            NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| RowError::BadTime { value: t.to_owned() })?
        }
        None => NaiveTime::from_hms_opt(DEFAULT_KICKOFF.0, DEFAULT_KICKOFF.1, 0).unwrap_or_default(),
    };
    let home = required(l.home, "HomeTeam")?.to_owned();
    let away = required(l.away, "AwayTeam")?.to_owned();
    if home == away {
        return Err(RowError::SameTeams { team: home });
    }
    let count = |i: Option<usize>, column: &'static str| get(i).map(|v| parse_count(v, column)).transpose();
    let score = |h: Option<usize>,
                 a: Option<usize>,
                 hn: &'static str,
                 an: &'static str,
                 both: &'static str| match (count(h, hn)?, count(a, an)?) {
        (Some(h), Some(a)) => Ok(Some((h, a))),
        (None, None) => Ok(None),
        _ => Err(RowError::HalfScore { columns: both }),
    };
    let full_time = score(l.fthg, l.ftag, "FTHG", "FTAG", "FTHG/FTAG")?;
    let half_time = score(l.hthg, l.htag, "HTHG", "HTAG", "HTHG/HTAG")?;
    const STAT_NAMES: [(&str, &str); 6] =
        [("HS", "AS"), ("HST", "AST"), ("HF", "AF"), ("HC", "AC"), ("HY", "AY"), ("HR", "AR")];
    let mut sides = [[None; 6]; 2];
    for (k, ((hi, ai), (hn, an))) in l.stats.iter().zip(STAT_NAMES).enumerate() {
        sides[0][k] = count(*hi, hn)?;
        sides[1][k] = count(*ai, an)?;
    }
    let stats = |s: [Option<i32>; 6]| SideStats {
        shots: s[0],
        shots_on_target: s[1],
        fouls: s[2],
        corners: s[3],
        yellow_cards: s[4],
        red_cards: s[5],
    };
    let ah_line = |closing: bool| -> Result<Option<f64>, RowError> {
        let (idx, column) = if closing { (l.ah_line_closing, "AHCh") } else { (l.ah_line, "AHh") };
        get(idx)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && (x * 4.0).fract() == 0.0)
                    .ok_or(RowError::BadLine { column, value: v.to_owned() })
            })
            .transpose()
    };
    let lines = [ah_line(false)?, ah_line(true)?];
    let mut quotes = Vec::with_capacity(l.odds.len());
    let mut bad_prices = Vec::new();
    for col in &l.odds {
        let Some(v) = get(Some(col.index)) else { continue };
        let Some(price) = v.parse::<f64>().ok().filter(|p| p.is_finite() && *p > 1.0) else {
            bad_prices.push(RowError::BadPrice { column: column_name(col), value: v.to_owned() });
            continue;
        };
        let line = match col.line {
            LineSource::Fixed(x) => x,
            LineSource::AsianLine { closing } => match lines[usize::from(closing)] {
                Some(x) => x,
                // A handicap price without its line cannot be interpreted.
                None => continue,
            },
        };
        quotes.push(Quote {
            bookmaker: col.bookmaker,
            market: col.market,
            selection: col.selection,
            line,
            price,
            closing: col.closing,
        });
    }
    let kickoff = London
        .from_local_datetime(&date.and_time(time))
        .earliest()
        // A time inside the spring-forward gap does not exist locally; read it as UTC.
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_time(time)));
    let row = MatchRow {
        line,
        div,
        date,
        kickoff,
        home,
        away,
        full_time,
        half_time,
        referee: get(l.referee).map(str::to_owned),
        home_stats: stats(sides[0]),
        away_stats: stats(sides[1]),
        quotes,
    };
    Ok((row, bad_prices))
}

fn column_name(col: &super::columns::OddsColumn) -> String {
    let c = if col.closing { "C" } else { "" };
    let sel = match (col.market, col.selection) {
        (Market::OneXTwo, s) => s[..1].to_ascii_uppercase(),
        (Market::OverUnder, "over") => ">2.5".to_owned(),
        (Market::OverUnder, _) => "<2.5".to_owned(),
        (Market::AsianHandicap, "home") => "AHH".to_owned(),
        (Market::AsianHandicap, _) => "AHA".to_owned(),
    };
    format!("{}{c}{sel}", col.name)
}

fn parse_date(s: &str) -> Result<NaiveDate, RowError> {
    let bad = || RowError::BadDate { value: s.to_owned() };
    let year_len = s.rsplit('/').next().map(str::len).ok_or_else(bad)?;
    let fmt = match year_len {
        4 => "%d/%m/%Y",
        2 => "%d/%m/%y",
        _ => return Err(bad()),
    };
    NaiveDate::parse_from_str(s, fmt).map_err(|_| bad())
}

/// A non-negative whole number; pandas re-writes give `2.0` for `2`.
fn parse_count(s: &str, column: &'static str) -> Result<i32, RowError> {
    let bad = || RowError::BadCount { column, value: s.to_owned() };
    if let Ok(n) = s.parse::<i32>() {
        return if (0..1000).contains(&n) { Ok(n) } else { Err(bad()) };
    }
    match s.parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && (0.0..1000.0).contains(&x) => Ok(x as i32),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HS,AS,B365H,B365D,B365A,PSCH,PSCD,PSCA,B365>2.5,B365<2.5,AHh,B365AHH,B365AHA";

    fn one(body: &str) -> ParsedFile {
        parse(format!("{HEAD}\n{body}\n").as_bytes()).unwrap()
    }

    fn reason(body: &str) -> RowError {
        let p = one(body);
        assert!(p.rows.is_empty(), "row unexpectedly accepted: {body}");
        assert_eq!(p.rejections.len(), 1);
        p.rejections[0].error.clone()
    }

    const GOOD: &str = "E0,12/08/2023,15:00,Bournemouth,West Ham,1,1,D,0,0,14,16,2.7,3.4,2.6,2.75,3.5,2.62,1.8,2.0,0,1.9,2.0";

    #[test]
    fn parses_a_full_row() {
        let p = one(GOOD);
        assert!(p.rejections.is_empty(), "{:?}", p.rejections);
        let r = &p.rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.full_time, Some((1, 1)));
        assert_eq!(r.home_stats.shots, Some(14));
        // 15:00 BST is 14:00 UTC.
        assert_eq!(r.kickoff.to_rfc3339(), "2023-08-12T14:00:00+00:00");
        assert_eq!(r.quotes.len(), 10);
        let psch = r
            .quotes
            .iter()
            .find(|q| q.bookmaker == "pinnacle" && q.closing && q.selection == "home")
            .unwrap();
        assert_eq!(psch.price, 2.75);
        let ahh =
            r.quotes.iter().find(|q| q.market == Market::AsianHandicap && q.selection == "home").unwrap();
        assert_eq!((ahh.line, ahh.price), (0.0, 1.9));
        assert_eq!(p.season().as_deref(), Some("2023-24"));
    }

    #[test]
    fn accepts_crlf_bom_short_years_and_pandas_numbers() {
        let text = format!(
            "\u{feff}{HEAD}\r\nE0,12/08/23,15:00,Bournemouth,West Ham,1.0,1.0,D,0.0,0.0,14.0,16.0,8.0,3.4,2.6,,,,,,,,\r\n"
        );
        let p = parse(text.as_bytes()).unwrap();
        assert!(p.rejections.is_empty(), "{:?}", p.rejections);
        assert_eq!(p.rows[0].date, NaiveDate::from_ymd_opt(2023, 8, 12).unwrap());
        assert_eq!(p.rows[0].full_time, Some((1, 1)));
        assert_eq!(p.rows[0].quotes[0].price, 8.0);
        assert_eq!(p.rows[0].quotes.len(), 3);
    }

    #[test]
    fn fixtures_without_scores_are_scheduled_rows() {
        let p = one("E0,12/08/2023,15:00,Bournemouth,West Ham,,,,,,,,2.7,3.4,2.6,,,,,,,,");
        assert_eq!(p.rows[0].full_time, None);
    }

    #[test]
    fn bad_rows_name_their_reason() {
        let cases: &[(&str, RowError)] = &[
            (
                "E0,32/08/2023,15:00,A,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadDate { value: "32/08/2023".into() },
            ),
            (
                "E0,2023-08-12,15:00,A,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadDate { value: "2023-08-12".into() },
            ),
            (
                "E0,12/08/2023,25:61,A,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadTime { value: "25:61".into() },
            ),
            ("E0,12/08/2023,15:00,,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,", RowError::Missing { column: "HomeTeam" }),
            ("E0,12/08/2023,15:00,A,A,1,1,D,0,0,1,1,2,3,4,,,,,,,,", RowError::SameTeams { team: "A".into() }),
            (
                "E0,12/08/2023,15:00,A,B,x,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadCount { column: "FTHG", value: "x".into() },
            ),
            (
                "E0,12/08/2023,15:00,A,B,-1,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadCount { column: "FTHG", value: "-1".into() },
            ),
            (
                "E0,12/08/2023,15:00,A,B,1.5,1,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::BadCount { column: "FTHG", value: "1.5".into() },
            ),
            (
                "E0,12/08/2023,15:00,A,B,1,,D,0,0,1,1,2,3,4,,,,,,,,",
                RowError::HalfScore { columns: "FTHG/FTAG" },
            ),
            (
                "E0,12/08/2023,15:00,A,B,1,1,D,0,0,1,1,2,3,4,,,,,1.9,0.3,1.9,1.9",
                RowError::BadLine { column: "AHh", value: "0.3".into() },
            ),
            (
                "E0,12/08/2023,15:00,A,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,,EXTRA",
                RowError::FieldCount { expected: 23, found: 24 },
            ),
            ("E0,12/08/2023,15:00,A,B,1,1,D,0,0,1,1,2,3", RowError::FieldCount { expected: 23, found: 14 }),
        ];
        for (body, expected) in cases {
            assert_eq!(&reason(body), expected, "{body}");
        }
    }

    #[test]
    fn bad_prices_are_left_out_and_reported_but_the_match_imports() {
        let p = one("E0,12/08/2023,15:00,A,B,1,1,D,0,0,1,1,0.95,3,4,abc,2.1,0,,,,,");
        assert_eq!(p.rows.len(), 1);
        assert!(p.rejections.is_empty());
        assert_eq!(p.rows[0].quotes.len(), 3, "{:?}", p.rows[0].quotes);
        let got: Vec<_> = p.price_rejections.iter().map(|r| (r.line, r.error.to_string())).collect();
        assert_eq!(
            got,
            vec![
                (2, "column B365H: `0.95` is not a decimal price above 1.0".to_owned()),
                (2, "column PSCH: `abc` is not a decimal price above 1.0".to_owned()),
                (2, "column PSCA: `0` is not a decimal price above 1.0".to_owned()),
            ]
        );
    }

    #[test]
    fn duplicate_match_is_rejected_with_first_line() {
        let p = one(&format!("{GOOD}\n{GOOD}"));
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rejections, vec![Rejection { line: 3, error: RowError::Duplicate { first: 2 } }]);
    }

    #[test]
    fn invalid_utf8_is_a_rejection_not_a_panic() {
        let mut bytes = format!("{HEAD}\n").into_bytes();
        bytes.extend_from_slice(b"E0,12/08/2023,15:00,\xff\xfe,B,1,1,D,0,0,1,1,2,3,4,,,,,,,,\n");
        let p = parse(&bytes).unwrap();
        assert_eq!(p.rejections[0].error, RowError::InvalidUtf8);
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"\n\n\n".to_vec(),
            (0..=255u8).cycle().take(4096).collect(),
            b"Div,Date,HomeTeam,AwayTeam\n\"unterminated,12/08/2023,A,B\n".to_vec(),
            format!("{HEAD}\nE0,12/08/2023,15:00,A,B,1,1,D,0").into_bytes(),
            b"Div;Date;HomeTeam;AwayTeam\nE0;12/08/2023;A;B\n".to_vec(),
        ];
        for input in inputs {
            let _ = parse(&input);
        }
        assert!(matches!(parse(b""), Err(HeaderError::Empty)));
        assert!(matches!(parse(b"Div;Date;HomeTeam;AwayTeam\n"), Err(HeaderError::MissingColumns { .. })));
    }

    #[test]
    fn season_labels() {
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2020, 9, 12).unwrap()), "2020-21");
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()), "2023-24");
        assert_eq!(season_of(NaiveDate::from_ymd_opt(1999, 8, 7).unwrap()), "1999-00");
    }
}
