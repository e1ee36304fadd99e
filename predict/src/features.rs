//! Walk-forward match features for the learned model.
//!
//! A [`FeatureState`] holds everything the features need about the past (decayed form per
//! team, venue splits, head-to-head, shots and xG, the last match day, Elo ratings, league
//! means) and is rolled forward one match at a time, so the features of every match of a
//! history cost O(N) in all. A fixture's features are read from a state that holds only
//! matches strictly before the fixture's day; [`walk_forward`] keeps that true for matches
//! played on the same day by reading a whole day's features before pushing its results.
//!
//! Decayed averages weigh a team's k-th most recent match by `decay^k` and are shrunk
//! towards a prior (the league mean, or for xG the team's own goals) with a fixed weight
//! of pseudo-matches, so a team with no history gets the prior rather than a division by
//! zero, and the shrinkage fades as matches accumulate.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::{self, MatchRecord, Outcome};
use super::elo::{self, EloParams};
use super::error::PredictError;
use super::model::Fixture;

/// Hyper-parameters of the features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureParams {
    /// Per-match decay of a team's overall form, shots and xG (0.85 weighs about the last
    /// seven matches).
    pub form_decay: f32,
    /// Per-match decay of the home team's home form and the away team's away form.
    pub venue_decay: f32,
    /// Per-meeting decay of the head-to-head record.
    pub h2h_decay: f32,
    /// Per-match decay of the league means the team averages are shrunk towards.
    pub league_decay: f32,
    /// Weight, in matches, of the prior every decayed average is shrunk towards.
    pub prior_weight: f32,
    /// Rest days are capped here, and a team's first match counts as fully rested.
    pub rest_cap_days: f32,
    /// Elo update rules (k, home advantage, goal-difference scaling).
    pub elo: EloParams,
    /// Append the market group: log market probabilities and a missing-market indicator.
    pub market: bool,
}

impl Default for FeatureParams {
    fn default() -> Self {
        Self {
            form_decay: 0.85,
            venue_decay: 0.75,
            h2h_decay: 0.7,
            league_decay: 0.995,
            prior_weight: 1.0,
            rest_cap_days: 14.0,
            elo: EloParams::default(),
            market: false,
        }
    }
}

impl FeatureParams {
    /// Check every parameter is in its domain.
    pub fn validate(&self) -> Result<(), PredictError> {
        let decays = [
            ("form_decay", self.form_decay),
            ("venue_decay", self.venue_decay),
            ("h2h_decay", self.h2h_decay),
            ("league_decay", self.league_decay),
        ];
        for (name, d) in decays {
            if !(0.0..1.0).contains(&d) {
                return Err(PredictError::InvalidParameter { name, reason: format!("{d} is not in [0, 1)") });
            }
        }
        let positive = [
            ("prior_weight", f64::from(self.prior_weight)),
            ("rest_cap_days", f64::from(self.rest_cap_days)),
            ("elo.k", self.elo.k),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(PredictError::InvalidParameter { name, reason: format!("{v} is not > 0") });
            }
        }
        if !self.elo.home_advantage.is_finite() {
            return Err(PredictError::InvalidParameter {
                name: "elo.home_advantage",
                reason: format!("{} is not finite", self.elo.home_advantage),
            });
        }
        Ok(())
    }

    /// Names of the features in the order [`FeatureState::features`] writes them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = BASE_NAMES.to_vec();
        if self.market {
            names.extend_from_slice(&MARKET_NAMES);
        }
        names
    }

    /// Number of features per fixture.
    pub fn width(&self) -> usize {
        BASE_NAMES.len() + if self.market { MARKET_NAMES.len() } else { 0 }
    }
}

/// The features every fixture gets, in order.
const BASE_NAMES: [&str; 31] = [
    "elo_diff",
    "home_ppg",
    "away_ppg",
    "home_goals_for",
    "home_goals_against",
    "away_goals_for",
    "away_goals_against",
    "home_home_ppg",
    "home_home_goals_for",
    "home_home_goals_against",
    "away_away_ppg",
    "away_away_goals_for",
    "away_away_goals_against",
    "h2h_home_share",
    "h2h_weight",
    "home_xg_for",
    "home_xg_against",
    "away_xg_for",
    "away_xg_against",
    "home_xg_coverage",
    "away_xg_coverage",
    "home_shots_for",
    "home_shots_against",
    "away_shots_for",
    "away_shots_against",
    "home_shots_coverage",
    "away_shots_coverage",
    "home_rest_days",
    "away_rest_days",
    "home_experience",
    "away_experience",
];

/// The market group, appended when [`FeatureParams::market`] is set.
const MARKET_NAMES: [&str; 4] = ["market_log_home", "market_log_draw", "market_log_away", "market_missing"];

/// Market probabilities are floored here before the logarithm.
const MARKET_FLOOR: f32 = 1e-4;

/// League means before any match is seen (per team and match, roughly the big European
/// leagues), so the very first fixtures get plausible priors.
const LEAGUE_GOALS: f32 = 1.35;
const LEAGUE_POINTS: f32 = 1.37;
const LEAGUE_SHOTS: f32 = 12.0;

/// An exponentially decayed sum and its weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Decayed {
    sum: f32,
    weight: f32,
}

impl Decayed {
    fn push(&mut self, x: f32, decay: f32) {
        self.sum = decay * self.sum + x;
        self.weight = decay * self.weight + 1.0;
    }

    /// The decayed mean shrunk towards `prior` with `prior_weight` pseudo-observations.
    fn mean(&self, prior: f32, prior_weight: f32) -> f32 {
        (self.sum + prior_weight * prior) / (self.weight + prior_weight)
    }
}

/// What the features know about one team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct TeamState {
    points: Decayed,
    goals_for: Decayed,
    goals_against: Decayed,
    home_points: Decayed,
    home_for: Decayed,
    home_against: Decayed,
    away_points: Decayed,
    away_for: Decayed,
    away_against: Decayed,
    xg_for: Decayed,
    xg_against: Decayed,
    /// Decayed share of matches that came with xG.
    xg_seen: Decayed,
    shots_for: Decayed,
    shots_against: Decayed,
    shots_seen: Decayed,
    /// Elo rating relative to the initial rating (only differences matter). Single
    /// precision like the rest of the state, so it survives a JSON round trip exactly.
    elo: f32,
    last_played: Option<NaiveDate>,
}

/// League-wide means per team and match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct League {
    goals: Decayed,
    points: Decayed,
    shots: Decayed,
}

/// Points a side takes from a result: 3 for a win, 1 for a draw.
fn points(outcome: Outcome) -> (f32, f32) {
    match outcome {
        Outcome::Home => (3.0, 0.0),
        Outcome::Draw => (1.0, 1.0),
        Outcome::Away => (0.0, 3.0),
    }
}

/// Key of the unordered pairing `{a, b}`.
fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a.min(b)) << 32) | u64::from(a.max(b))
}

/// A usable market: three finite positive probabilities.
fn valid_market(market: Option<[f32; 3]>) -> Option<[f32; 3]> {
    market.filter(|p| p.iter().all(|&x| x.is_finite() && x > 0.0))
}

/// The past as the features see it, as of a day: every match pushed was played strictly
/// before [`FeatureState::as_of`]. Serialises with the fitted model so upcoming fixtures
/// are featurised exactly as the training rows were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureState {
    params: FeatureParams,
    as_of: NaiveDate,
    teams: Vec<TeamState>,
    /// Decayed points share (win 1, draw ½) of the lower-indexed team of each pairing.
    h2h: BTreeMap<u64, Decayed>,
    league: League,
}

impl FeatureState {
    /// A state that has seen nothing, as of `as_of`.
    pub fn new(params: FeatureParams, as_of: NaiveDate) -> Result<Self, PredictError> {
        params.validate()?;
        Ok(Self { params, as_of, teams: Vec::new(), h2h: BTreeMap::new(), league: League::default() })
    }

    /// The state after every match of `history` strictly before `as_of`.
    pub fn build(
        history: &[MatchRecord],
        as_of: NaiveDate,
        params: FeatureParams,
    ) -> Result<Self, PredictError> {
        let mut state = Self::new(params, as_of)?;
        for m in &data::history_before(history, as_of) {
            state.push(m);
        }
        Ok(state)
    }

    /// The feature parameters.
    pub fn params(&self) -> &FeatureParams {
        &self.params
    }

    /// The day the state stands at: it holds the matches strictly before it.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Roll forward to `until`: push the matches of `history` on or after the current day
    /// and strictly before `until`. Matches before the current day are already in.
    pub fn advance(&mut self, history: &[MatchRecord], until: NaiveDate) -> Result<(), PredictError> {
        if until < self.as_of {
            return Err(PredictError::SnapshotRewind { until, as_of: self.as_of });
        }
        let mut new: Vec<MatchRecord> =
            history.iter().filter(|m| m.date >= self.as_of && m.date < until).copied().collect();
        new.sort_unstable_by_key(MatchRecord::sort_key);
        for m in &new {
            self.push(m);
        }
        self.as_of = until;
        Ok(())
    }

    /// Whether `f` can be featurised without reading its own day or later: it must not be
    /// dated before the state.
    pub fn check_fixture(&self, f: &Fixture) -> Result<(), PredictError> {
        if f.date < self.as_of {
            return Err(PredictError::FixtureBeforeSnapshot { date: f.date, as_of: self.as_of });
        }
        Ok(())
    }

    /// The features of `f` (see [`FeatureParams::names`]). Walk-forward for fixtures on or
    /// after [`FeatureState::as_of`]; see [`FeatureState::check_fixture`].
    pub fn features(&self, f: &Fixture) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.params.width());
        self.write_features(f, &mut out);
        out
    }

    /// Append the features of `f` to `out`.
    fn write_features(&self, f: &Fixture, out: &mut Vec<f32>) {
        let p = &self.params;
        let w = p.prior_weight;
        let fresh = TeamState::default();
        let team = |t: u32| self.teams.get(t as usize).unwrap_or(&fresh);
        let (h, a) = (team(f.home), team(f.away));
        let goals = self.league.goals.mean(LEAGUE_GOALS, w);
        let pts = self.league.points.mean(LEAGUE_POINTS, w);
        let shots = self.league.shots.mean(LEAGUE_SHOTS, w);
        let rest = |t: &TeamState| {
            t.last_played
                .map_or(p.rest_cap_days, |d| ((f.date - d).num_days() as f32).clamp(0.0, p.rest_cap_days))
        };
        let h2h = self.h2h.get(&pair_key(f.home, f.away)).copied().unwrap_or_default();
        let low_share = h2h.mean(0.5, w);
        let home_share = if f.home <= f.away { low_share } else { 1.0 - low_share };
        let (h_for, h_against) = (h.goals_for.mean(goals, w), h.goals_against.mean(goals, w));
        let (a_for, a_against) = (a.goals_for.mean(goals, w), a.goals_against.mean(goals, w));

        out.extend_from_slice(&[
            (h.elo - a.elo) / 400.0,
            h.points.mean(pts, w),
            a.points.mean(pts, w),
            h_for,
            h_against,
            a_for,
            a_against,
            h.home_points.mean(pts, w),
            h.home_for.mean(goals, w),
            h.home_against.mean(goals, w),
            a.away_points.mean(pts, w),
            a.away_for.mean(goals, w),
            a.away_against.mean(goals, w),
            home_share,
            h2h.weight,
            // Without xG a team's xG falls back to its goals.
            h.xg_for.mean(h_for, w),
            h.xg_against.mean(h_against, w),
            a.xg_for.mean(a_for, w),
            a.xg_against.mean(a_against, w),
            h.xg_seen.mean(0.0, w),
            a.xg_seen.mean(0.0, w),
            h.shots_for.mean(shots, w),
            h.shots_against.mean(shots, w),
            a.shots_for.mean(shots, w),
            a.shots_against.mean(shots, w),
            h.shots_seen.mean(0.0, w),
            a.shots_seen.mean(0.0, w),
            rest(h),
            rest(a),
            h.points.weight,
            a.points.weight,
        ]);
        if p.market {
            match valid_market(f.market) {
                Some(m) => {
                    out.extend(m.iter().map(|&x| x.max(MARKET_FLOOR).ln()));
                    out.push(0.0);
                }
                None => {
                    out.extend([(1.0f32 / 3.0).ln(); 3]);
                    out.push(1.0);
                }
            }
        }
    }

    /// Add one played match. Matches must come in date order; within a day any order
    /// gives the same state up to rounding.
    fn push(&mut self, m: &MatchRecord) {
        let p = self.params;
        let need = m.home.max(m.away) as usize + 1;
        if self.teams.len() < need {
            self.teams.resize(need, TeamState::default());
        }
        let (hp, ap) = points(m.outcome());
        let (hg, ag) = (f32::from(m.home_goals), f32::from(m.away_goals));
        let (hi, ai) = (m.home as usize, m.away as usize);

        let delta =
            elo::rating_delta(f64::from(self.teams[hi].elo), f64::from(self.teams[ai].elo), m, &p.elo) as f32;
        let xg = m
            .home_xg
            .zip(m.away_xg)
            .filter(|(x, y)| x.is_finite() && y.is_finite() && *x >= 0.0 && *y >= 0.0);
        let shots = m.home_shots.zip(m.away_shots).map(|(x, y)| (f32::from(x), f32::from(y)));

        let side =
            |t: &mut TeamState, own: (f32, f32, f32), xg: Option<(f32, f32)>, shots: Option<(f32, f32)>| {
                let (pts, gf, ga) = own;
                t.points.push(pts, p.form_decay);
                t.goals_for.push(gf, p.form_decay);
                t.goals_against.push(ga, p.form_decay);
                t.xg_seen.push(if xg.is_some() { 1.0 } else { 0.0 }, p.form_decay);
                if let Some((f, a)) = xg {
                    t.xg_for.push(f, p.form_decay);
                    t.xg_against.push(a, p.form_decay);
                }
                t.shots_seen.push(if shots.is_some() { 1.0 } else { 0.0 }, p.form_decay);
                if let Some((f, a)) = shots {
                    t.shots_for.push(f, p.form_decay);
                    t.shots_against.push(a, p.form_decay);
                }
                t.last_played = Some(m.date);
            };
        let home = &mut self.teams[hi];
        side(home, (hp, hg, ag), xg, shots);
        home.home_points.push(hp, p.venue_decay);
        home.home_for.push(hg, p.venue_decay);
        home.home_against.push(ag, p.venue_decay);
        home.elo += delta;
        let away = &mut self.teams[ai];
        let swap = |x: Option<(f32, f32)>| x.map(|(f, a)| (a, f));
        side(away, (ap, ag, hg), swap(xg), swap(shots));
        away.away_points.push(ap, p.venue_decay);
        away.away_for.push(ag, p.venue_decay);
        away.away_against.push(hg, p.venue_decay);
        away.elo -= delta;

        let low_share = match (m.outcome(), m.home <= m.away) {
            (Outcome::Draw, _) => 0.5,
            (Outcome::Home, true) | (Outcome::Away, false) => 1.0,
            _ => 0.0,
        };
        self.h2h.entry(pair_key(m.home, m.away)).or_default().push(low_share, p.h2h_decay);

        self.league.goals.push((hg + ag) / 2.0, p.league_decay);
        self.league.points.push((hp + ap) / 2.0, p.league_decay);
        if let Some((x, y)) = shots {
            self.league.shots.push((x + y) / 2.0, p.league_decay);
        }
    }
}

/// Feature rows of the matches of a history, one per match, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRows {
    /// The matches, in the canonical order of [`data::history_before`].
    pub matches: Vec<MatchRecord>,
    /// `matches.len() × width` features; row `i` belongs to `matches[i]`.
    pub values: Vec<f32>,
    /// Features per row.
    pub width: usize,
}

impl FeatureRows {
    /// The features of match `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.matches.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty()
    }
}

/// The features of every match of `history` strictly before `as_of`, each computed from
/// the matches strictly before its own day, and the state as of `as_of`. One pass: each
/// day's features are read, then its results pushed.
pub fn walk_forward(
    history: &[MatchRecord],
    as_of: NaiveDate,
    params: FeatureParams,
) -> Result<(FeatureRows, FeatureState), PredictError> {
    let matches = data::history_before(history, as_of);
    let width = params.width();
    let mut values = Vec::with_capacity(matches.len() * width);
    let mut state = FeatureState::new(params, matches.first().map_or(as_of, |m| m.date))?;
    for day in matches.chunk_by(|a, b| a.date == b.date) {
        for m in day {
            state.write_features(&Fixture::of(m), &mut values);
        }
        for m in day {
            state.push(m);
        }
    }
    state.as_of = as_of;
    Ok((FeatureRows { matches, values, width }, state))
}

/// Per-feature mean and standard deviation fitted on training rows; features with no
/// spread are centred and left unscaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    /// Mean per feature.
    pub mean: Vec<f32>,
    /// Standard deviation per feature (1 where the feature is constant).
    pub std: Vec<f32>,
}

impl Standardiser {
    /// Fit on `rows` (row-major, `width` columns). Sums run in f64 so long histories do
    /// not lose precision.
    pub fn fit(rows: &[f32], width: usize) -> Result<Self, PredictError> {
        if width == 0 || rows.is_empty() {
            return Err(PredictError::Empty);
        }
        if !rows.len().is_multiple_of(width) {
            return Err(PredictError::LengthMismatch { left: rows.len(), right: width });
        }
        let n = (rows.len() / width) as f64;
        let mut mean = vec![0.0f64; width];
        for row in rows.chunks_exact(width) {
            mean.iter_mut().zip(row).for_each(|(m, &x)| *m += f64::from(x));
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0f64; width];
        for row in rows.chunks_exact(width) {
            var.iter_mut().zip(row).zip(&mean).for_each(|((v, &x), m)| *v += (f64::from(x) - m).powi(2));
        }
        let std = var.iter().map(|v| (v / n).sqrt()).map(|s| if s > 1e-6 { s as f32 } else { 1.0 }).collect();
        Ok(Self { mean: mean.into_iter().map(|m| m as f32).collect(), std })
    }

    /// Standardise one row in place.
    pub fn apply(&self, row: &mut [f32]) {
        row.iter_mut().zip(self.mean.iter().zip(&self.std)).for_each(|(x, (m, s))| *x = (*x - m) / s);
    }

    /// Standardise every row of a row-major block in place.
    pub fn apply_all(&self, rows: &mut [f32]) {
        let width = self.mean.len().max(1);
        rows.chunks_exact_mut(width).for_each(|r| self.apply(r));
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    use super::super::testutil::{self, Truth};
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, day).unwrap()
    }

    fn col(name: &str, params: &FeatureParams) -> usize {
        params.names().iter().position(|n| *n == name).unwrap()
    }

    /// A simulated history with xG, shots and a market on every match.
    fn rich_history() -> Vec<MatchRecord> {
        let truth = Truth::random(8, 0.25, 0.0, 21);
        let mut rng = StdRng::seed_from_u64(22);
        testutil::simulate(&truth, 3, 23)
            .into_iter()
            .map(|m| MatchRecord {
                home_xg: Some(f32::from(m.home_goals) * 0.7 + rng.random_range(0.0..1.0)),
                away_xg: Some(f32::from(m.away_goals) * 0.7 + rng.random_range(0.0..1.0)),
                home_shots: Some(rng.random_range(5..20)),
                away_shots: Some(rng.random_range(5..20)),
                market: Some([0.45, 0.27, 0.28]),
                ..m
            })
            .collect()
    }

    #[test]
    fn names_match_the_width_of_a_row() {
        for market in [false, true] {
            let params = FeatureParams { market, ..Default::default() };
            let state = FeatureState::new(params, d(1)).unwrap();
            let f = Fixture { date: d(1), home: 0, away: 1, market: None };
            assert_eq!(state.features(&f).len(), params.names().len());
            assert_eq!(params.width(), params.names().len());
        }
    }

    #[test]
    fn decayed_form_by_hand() {
        // Team 0 wins 2–0 at home, then loses 1–3 away. With decay ½ and prior weight 1:
        // points (½·3 + 0 + league) / (½ + 1 + 1), the league mean itself decayed and shrunk.
        let params = FeatureParams { form_decay: 0.5, league_decay: 0.5, ..Default::default() };
        let history = [MatchRecord::new(d(1), 0, 1, 2, 0), MatchRecord::new(d(5), 2, 0, 3, 1)];
        let state = FeatureState::build(&history, d(8), params).unwrap();
        let f = state.features(&Fixture { date: d(8), home: 0, away: 3, market: None });
        // League points per team-match: both matches 1.5, decayed mean shrunk to 1.37.
        let league_pts = (0.5 * 1.5 + 1.5 + 1.37) / (1.5 + 1.0);
        let expect = (0.5 * 3.0 + 0.0 + league_pts) / (1.5 + 1.0);
        assert!((f[col("home_ppg", &params)] - expect).abs() < 1e-5, "{} vs {expect}", f[1]);
        let league_goals = (0.5 * 1.0 + 2.0 + 1.35) / 2.5;
        let against = (0.5 * 0.0 + 3.0 + league_goals) / 2.5;
        assert!((f[col("home_goals_against", &params)] - against).abs() < 1e-5);
        // Team 3 never played: league means, full rest, no experience.
        assert!((f[col("away_ppg", &params)] - league_pts).abs() < 1e-5);
        assert_eq!(f[col("away_rest_days", &params)], params.rest_cap_days);
        assert_eq!(f[col("away_experience", &params)], 0.0);
        assert_eq!(f[col("home_rest_days", &params)], 3.0);
        assert_eq!(f[col("home_experience", &params)], 1.5);
        // Team 0's home form has only the 2–0.
        let home_pts = (3.0 + league_pts) / 2.0;
        assert!((f[col("home_home_ppg", &params)] - home_pts).abs() < 1e-5);
        // Elo moved team 0 up by its win and down by its loss; team 3 sits at zero.
        assert!(f[col("elo_diff", &params)] != 0.0);
    }

    #[test]
    fn head_to_head_is_seen_from_the_home_side() {
        let params = FeatureParams { h2h_decay: 0.5, prior_weight: 1.0, ..Default::default() };
        // Team 3 beat team 1 at home, then drew at team 1.
        let history = [MatchRecord::new(d(1), 3, 1, 1, 0), MatchRecord::new(d(2), 1, 3, 2, 2)];
        let state = FeatureState::build(&history, d(3), params).unwrap();
        let c = col("h2h_home_share", &params);
        // Lower index (1): share 0 then ½, decayed and shrunk to ½: (½·0 + ½ + ½) / (1.5 + 1).
        let low = (0.5 + 0.5) / 2.5;
        let f13 = state.features(&Fixture { date: d(3), home: 1, away: 3, market: None });
        let f31 = state.features(&Fixture { date: d(3), home: 3, away: 1, market: None });
        assert!((f13[c] - low).abs() < 1e-5);
        assert!((f31[c] - (1.0 - low)).abs() < 1e-5);
        assert_eq!(f13[col("h2h_weight", &params)], 1.5);
        let none = state.features(&Fixture { date: d(3), home: 1, away: 2, market: None });
        assert_eq!(none[c], 0.5);
        assert_eq!(none[col("h2h_weight", &params)], 0.0);
    }

    #[test]
    fn xg_falls_back_to_goals_and_coverage_says_so() {
        let params = FeatureParams::default();
        let plain = [MatchRecord::new(d(1), 0, 1, 2, 0)];
        let with_xg = [MatchRecord { home_xg: Some(0.4), away_xg: Some(2.5), ..plain[0] }];
        let f = |h: &[MatchRecord]| {
            FeatureState::build(h, d(2), params).unwrap().features(&Fixture {
                date: d(2),
                home: 0,
                away: 1,
                market: None,
            })
        };
        let (a, b) = (f(&plain), f(&with_xg));
        assert_eq!(a[col("home_xg_for", &params)], a[col("home_goals_for", &params)]);
        assert_eq!(a[col("home_xg_coverage", &params)], 0.0);
        assert!(b[col("home_xg_for", &params)] < b[col("home_goals_for", &params)]);
        assert!(b[col("away_xg_for", &params)] > b[col("away_goals_for", &params)]);
        assert_eq!(b[col("home_xg_coverage", &params)], 0.5);
    }

    #[test]
    fn market_group_uses_log_probabilities_or_a_neutral_value_and_flag() {
        let params = FeatureParams { market: true, ..Default::default() };
        let state = FeatureState::new(params, d(1)).unwrap();
        let given = state.features(&Fixture { date: d(1), home: 0, away: 1, market: Some([0.5, 0.3, 0.2]) });
        let c = col("market_log_home", &params);
        assert!((given[c] - 0.5f32.ln()).abs() < 1e-7 && (given[c + 2] - 0.2f32.ln()).abs() < 1e-7);
        assert_eq!(given[col("market_missing", &params)], 0.0);
        for market in [None, Some([0.5, f32::NAN, 0.5]), Some([0.5, 0.0, 0.5])] {
            let f = state.features(&Fixture { date: d(1), home: 0, away: 1, market });
            assert_eq!(f[col("market_missing", &params)], 1.0);
            assert_eq!(f[c], (1.0f32 / 3.0).ln());
        }
    }

    #[test]
    fn rest_days_are_capped() {
        let params = FeatureParams { rest_cap_days: 10.0, ..Default::default() };
        let state = FeatureState::build(&[MatchRecord::new(d(1), 0, 1, 0, 0)], d(2), params).unwrap();
        let rest = |day| state.features(&Fixture { date: d(day), home: 0, away: 2, market: None })[27];
        assert_eq!(params.names()[27], "home_rest_days");
        assert_eq!(rest(4), 3.0);
        assert_eq!(rest(30), 10.0);
    }

    #[test]
    fn features_are_walk_forward() {
        let history = rich_history();
        let params = FeatureParams { market: true, ..Default::default() };
        let end = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let (rows, _) = walk_forward(&history, end, params).unwrap();
        let i = rows.len() / 2;
        let day = rows.matches[i].date;
        let upto = rows.matches.iter().filter(|m| m.date <= day).count();
        assert!(upto > i && upto < rows.len());

        // Scramble every result, statistic and market on or after the day, and the order.
        let mut rng = StdRng::seed_from_u64(5);
        let mut tampered = history.clone();
        for m in tampered.iter_mut().filter(|m| m.date >= day) {
            m.home_goals = rng.random_range(0..8);
            m.away_goals = rng.random_range(0..8);
            m.home_xg = Some(rng.random_range(0.0..4.0));
            m.home_shots = Some(rng.random_range(0..40));
            m.market = Some([0.1, 0.1, 0.8]);
        }
        tampered.shuffle(&mut rng);
        let (after, _) = walk_forward(&tampered, end, params).unwrap();
        assert_eq!(after.matches[..upto].len(), upto);
        for k in 0..upto {
            // Same fixture (its own market is pre-match context, so compare only the past).
            assert_eq!(
                (after.matches[k].date, after.matches[k].home, after.matches[k].away),
                (rows.matches[k].date, rows.matches[k].home, rows.matches[k].away)
            );
            let w = params.width() - MARKET_NAMES.len();
            assert_eq!(after.row(k)[..w], rows.row(k)[..w], "row {k} changed");
        }
        assert_ne!(after.values, rows.values, "the tampering changed nothing at all");

        // An earlier result of the home team does change the match's features.
        let target = rows.matches[i];
        let mut earlier = history.clone();
        let m = earlier
            .iter_mut()
            .filter(|m| m.date < day && (m.home == target.home || m.away == target.home))
            .max_by_key(|m| m.date)
            .unwrap();
        m.home_goals += 3;
        let (changed, _) = walk_forward(&earlier, end, params).unwrap();
        assert_ne!(changed.row(i), rows.row(i));
    }

    #[test]
    fn same_day_matches_do_not_see_each_other() {
        let params = FeatureParams::default();
        let history = [MatchRecord::new(d(1), 0, 1, 5, 0), MatchRecord::new(d(1), 0, 2, 0, 5)];
        let (rows, _) = walk_forward(&history, d(2), params).unwrap();
        // Both read a fresh team 0: pushing the first before reading the second would not.
        assert_eq!(rows.row(0), rows.row(1));
    }

    #[test]
    fn rolling_forward_matches_building_from_scratch() {
        let history = rich_history();
        let params = FeatureParams::default();
        let (mid, end) = (history[history.len() / 3].date, history[2 * history.len() / 3].date);
        let mut rolled = FeatureState::build(&history, mid, params).unwrap();
        rolled.advance(&history, end).unwrap();
        let built = FeatureState::build(&history, end, params).unwrap();
        assert_eq!(rolled, built);
        let (_, walked) = walk_forward(&history, end, params).unwrap();
        assert_eq!(walked, built);
        assert!(matches!(rolled.advance(&history, mid), Err(PredictError::SnapshotRewind { .. })));
        let f = Fixture { date: mid, home: 0, away: 1, market: None };
        assert!(matches!(built.check_fixture(&f), Err(PredictError::FixtureBeforeSnapshot { .. })));
        let back: FeatureState = serde_json::from_str(&serde_json::to_string(&built).unwrap()).unwrap();
        assert_eq!(back, built);
    }

    #[test]
    fn standardiser_centres_and_scales_and_leaves_constants_alone() {
        let rows = [1.0, 5.0, 3.0, 5.0];
        let s = Standardiser::fit(&rows, 2).unwrap();
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.std, vec![1.0, 1.0]);
        let mut r = rows;
        s.apply_all(&mut r);
        assert_eq!(r, [-1.0, 0.0, 1.0, 0.0]);
        assert!(matches!(Standardiser::fit(&[1.0, 2.0, 3.0], 2), Err(PredictError::LengthMismatch { .. })));
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let bad = FeatureParams { form_decay: 1.0, ..Default::default() };
        assert!(matches!(FeatureState::new(bad, d(1)), Err(PredictError::InvalidParameter { .. })));
        let bad = FeatureParams { prior_weight: 0.0, ..Default::default() };
        assert!(matches!(FeatureState::new(bad, d(1)), Err(PredictError::InvalidParameter { .. })));
    }
}
