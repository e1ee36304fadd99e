//! Pi-ratings (Constantinou and Fenton 2013): each team has a home and an away rating in
//! goal-difference units that move after every match by how far the result missed the
//! ratings' expectation, with diminishing returns on large errors, so a thrashing does not
//! move them much more than a clear win. A team's form at home also informs its away
//! rating (by γ) and the reverse. Unlike the goal models' fit on decayed history, the
//! ratings evolve match by match: a dynamic model. The expected goal difference the
//! ratings give is mapped to home, draw and away by an ordered logit fitted on the walk,
//! as for Elo.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::{self, MatchRecord};
use super::elo::OrderedLogit;
use super::error::PredictError;
use super::model::{Model, Prediction};
use super::promotion::{Rosters, mean_of};

/// The paper's base and scale: a rating `r` expects `10^(|r|/3) − 1` goals of margin.
const BASE: f64 = 10.0;
const SCALE: f64 = 3.0;

/// Hyper-parameters of the pi-ratings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PiParams {
    /// Learning rate λ of the venue's own rating.
    pub learning_rate: f64,
    /// Share γ of that change passed to the team's other venue's rating.
    pub cross_venue: f64,
    /// Leading matches left out of the ordered-logit fit while ratings settle.
    pub burn_in: usize,
}

impl Default for PiParams {
    /// The paper's λ = 0.035 and γ = 0.7, fitted on the English Premier League.
    fn default() -> Self {
        Self { learning_rate: 0.035, cross_venue: 0.7, burn_in: 0 }
    }
}

/// A team's two ratings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PiRating {
    pub home: f64,
    pub away: f64,
}

/// Fitted pi-ratings: the ratings after the last match before `as_of`, and the logit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiRatings {
    pub params: PiParams,
    pub as_of: NaiveDate,
    /// Ratings per team index.
    pub ratings: Vec<PiRating>,
    /// What a team the fit never saw is rated: the mean of the teams it is taken to
    /// replace ([`super::promotion::Rosters::expected_relegated`]), else zero (the league
    /// average).
    pub newcomer: PiRating,
    pub logit: OrderedLogit,
}

/// Goal difference a rating expects.
fn expected_margin(rating: f64) -> f64 {
    rating.signum() * (BASE.powf(rating.abs() / SCALE) - 1.0)
}

/// The home side's expected goal difference.
fn expected_difference(home: &PiRating, away: &PiRating) -> f64 {
    expected_margin(home.home) - expected_margin(away.away)
}

/// Walks the matches in order, returning the final ratings, every match's pre-match
/// expected goal difference, and the newcomer's rating. A team first seen in a season
/// it was promoted into starts from the mean of the teams relegated at that boundary.
fn walk(matches: &[MatchRecord], n: usize, params: &PiParams) -> (Vec<PiRating>, Vec<f64>, PiRating) {
    let rosters = Rosters::of(matches);
    let mut r = vec![PiRating::default(); n];
    let mut seen = vec![false; n];
    let mut xs = Vec::with_capacity(matches.len());
    let mut season = None;
    let mut relegated = Vec::new();
    for m in matches {
        if season != Some(m.season_year()) {
            season = Some(m.season_year());
            relegated = rosters.relegated(m.season_year());
        }
        for t in [m.home as usize, m.away as usize] {
            if !seen[t] {
                seen[t] = true;
                if let (Some(home), Some(away)) =
                    (mean_of(&relegated, |j| r[j as usize].home), mean_of(&relegated, |j| r[j as usize].away))
                {
                    r[t] = PiRating { home, away };
                }
            }
        }
        let (h, a) = (m.home as usize, m.away as usize);
        let expected = expected_difference(&r[h], &r[a]);
        xs.push(expected);
        let actual = f64::from(m.home_goals) - f64::from(m.away_goals);
        let step = SCALE * (1.0 + (actual - expected).abs()).log10() * params.learning_rate;
        let home_step = if actual > expected { step } else { -step };
        r[h].home += home_step;
        r[h].away += home_step * params.cross_venue;
        r[a].away -= home_step;
        r[a].home -= home_step * params.cross_venue;
    }
    let latest = rosters.expected_relegated();
    let newcomer = mean_of(&latest, |j| r[j as usize].home)
        .zip(mean_of(&latest, |j| r[j as usize].away))
        .map_or_else(PiRating::default, |(home, away)| PiRating { home, away });
    (r, xs, newcomer)
}

impl Model for PiRatings {
    type Params = PiParams;

    fn fit(history: &[MatchRecord], as_of: NaiveDate, params: &PiParams) -> Result<Self, PredictError> {
        for (name, v) in [("learning_rate", params.learning_rate), ("cross_venue", params.cross_venue)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(PredictError::InvalidParameter { name, reason: format!("{v} is not ≥ 0") });
            }
        }
        let matches = data::history_before(history, as_of);
        let (ratings, xs, newcomer) = walk(&matches, data::team_count(&matches), params);
        let logit = OrderedLogit::fit_after(&matches, &xs, params.burn_in, as_of)?;
        Ok(Self { params: *params, as_of, ratings, newcomer, logit })
    }

    fn predict(&self, home: u32, away: u32) -> Prediction {
        let rating = |t: u32| self.ratings.get(t as usize).copied().unwrap_or(self.newcomer);
        let [p_home, p_draw, p_away] = self.logit.probs(expected_difference(&rating(home), &rating(away)));
        Prediction { p_home, p_draw, p_away, expected_goals: None, score_matrix: None }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{self, Truth};
    use super::*;

    /// Ratings of 1.6 (the home side at home) and 0.4 (the away side away) expect
    /// 10^(1.6/3) − 10^(0.4/3) goals of margin. From zero ratings a 4–1 win misses by 3,
    /// an error of 3·log10(4): the home side's home rating rises by that times λ, its away
    /// rating by γ of it, and the away side's ratings fall by as much.
    #[test]
    fn one_update_by_hand() {
        let home = PiRating { home: 1.6, away: 0.0 };
        let away = PiRating { home: 0.0, away: 0.4 };
        let expected = expected_difference(&home, &away);
        assert!((expected - (10f64.powf(1.6 / 3.0) - 10f64.powf(0.4 / 3.0))).abs() < 1e-12);
        let params = PiParams::default();
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let (r, xs, _) = walk(&[MatchRecord::new(d, 0, 1, 4, 1)], 2, &params);
        let step = 3.0 * 4f64.log10() * 0.035;
        assert_eq!(xs, vec![0.0]);
        assert!((r[0].home - step).abs() < 1e-12 && (r[0].away - 0.7 * step).abs() < 1e-12);
        assert!((r[1].away + step).abs() < 1e-12 && (r[1].home + 0.7 * step).abs() < 1e-12);
    }

    #[test]
    fn ratings_rank_simulated_teams() {
        let truth = Truth::random(12, 0.3, 0.0, 71);
        let matches = testutil::simulate(&truth, 6, 72);
        let m = PiRatings::fit(&matches, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), &PiParams::default())
            .unwrap();
        let strength = |t: usize| truth.attack[t] - truth.defence[t];
        let best = (0..12).max_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        let worst = (0..12).min_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        assert!(m.ratings[best].home > m.ratings[worst].home + 0.2, "{:?}", m.ratings);
        let p = m.predict(best as u32, worst as u32);
        assert!(p.p_home > p.p_away + 0.3, "{p:?}");
        let even = m.logit.probs(0.0);
        assert!(even[0] > even[2], "home advantage: {even:?}");
    }

    /// A team promoted in the second season starts from the relegated team's ratings,
    /// and a team never seen is rated like the bottom team of the latest season.
    #[test]
    fn a_newcomer_starts_from_the_relegated_team() {
        let d = |y: i32, day: u32| NaiveDate::from_ymd_opt(y, 9, day).unwrap();
        let mut history = Vec::new();
        // Season 2022: team 2 loses every match.
        for day in 1..=10 {
            history.push(MatchRecord::new(d(2022, day), 0, 2, 3, 0));
            history.push(MatchRecord::new(d(2022, day), 2, 1, 0, 2));
            history.push(MatchRecord::new(d(2022, day), 0, 1, 1, 1));
        }
        // Season 2023: team 3 replaces team 2.
        history.push(MatchRecord::new(d(2023, 1), 3, 0, 0, 2));
        history.push(MatchRecord::new(d(2023, 2), 1, 0, 1, 1));
        let (r, xs, newcomer) = walk(&data::history_before(&history, d(2024, 1)), 4, &PiParams::default());
        // Team 3's first match was forecast from team 2's ratings: a heavy defeat expected.
        assert!(xs[30] < -0.3, "{}", xs[30]);
        // A team never seen replaces the bottom of the latest season: team 3, pointless.
        assert!(newcomer.home < -0.1 && newcomer.away < -0.1, "{newcomer:?}");
        assert_eq!(newcomer, r[3]);
        let m = PiRatings::fit(&history, d(2024, 1), &PiParams::default()).unwrap();
        assert_eq!(m.predict(9, 0), m.predict(3, 0));
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<PiRatings>(&PiParams::default());
    }
}
