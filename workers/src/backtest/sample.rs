//! A simulated league with known strengths, for tests of the backtest and training.

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::history::{BookPrices, MarketPrices, MatchRow};

/// A finished match of league `X1` between teams `T{home}` and `T{away}`, without
/// statistics or prices.
pub(crate) fn row(
    id: i64,
    season: &str,
    date: NaiveDate,
    home: i64,
    away: i64,
    hg: i32,
    ag: i32,
) -> MatchRow {
    MatchRow {
        id,
        league: "X1".into(),
        season: season.into(),
        kickoff: date.and_hms_opt(15, 0, 0).unwrap().and_utc(),
        date,
        home_id: home,
        away_id: away,
        home: format!("T{home}"),
        away: format!("T{away}"),
        status: "finished".into(),
        home_goals: Some(hg),
        away_goals: Some(ag),
        home_xg: None,
        away_xg: None,
        home_shots: None,
        away_shots: None,
        home_shots_on_target: None,
        away_shots_on_target: None,
        prices: MarketPrices::default(),
    }
}

fn poisson(rng: &mut StdRng, lambda: f64) -> i32 {
    let (mut k, mut p, u) = (0, (-lambda).exp(), rng.random::<f64>());
    let mut cdf = p;
    while u > cdf && k < 15 {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
    }
    k
}

/// Three seasons of a 10-team league with known strengths; the bookmaker prices the
/// true probabilities with a 5% margin.
pub(crate) fn league(seed: u64) -> Vec<MatchRow> {
    let mut rng = StdRng::seed_from_u64(seed);
    let strength: Vec<f64> = (0..10).map(|i| 0.5 - f64::from(i) * 0.1).collect();
    let mut rows = Vec::new();
    let start = NaiveDate::from_ymd_opt(2021, 8, 7).unwrap();
    for (s, season) in ["2021-22", "2022-23", "2023-24"].iter().enumerate() {
        let mut day = start + Duration::days(365 * s as i64);
        for round in 0..18 {
            for pair in 0..5 {
                let (h, a) = ((pair + round) % 10, (9 - pair + round) % 10);
                if h == a {
                    continue;
                }
                let (lh, la) = ((0.25 + strength[h] - strength[a]).exp(), (strength[a] - strength[h]).exp());
                let (hg, ag) = (poisson(&mut rng, lh), poisson(&mut rng, la));
                let id = rows.len() as i64 + 1;
                let truth = predict::score_matrix::ScoreMatrix::new(lh, la, 0.0).outcomes();
                let line = truth.map(|p| 1.0 / (p * 1.05));
                let prices = MarketPrices {
                    average: BookPrices { opening: Some(line), closing: Some(line) },
                    pinnacle: BookPrices { opening: Some(line), closing: Some(line) },
                    ..MarketPrices::default()
                };
                rows.push(MatchRow { prices, ..row(id, season, day, h as i64, a as i64, hg, ag) });
            }
            day += Duration::days(7);
        }
    }
    rows
}
