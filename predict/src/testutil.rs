//! Simulated leagues with known parameters, and checks every model must pass.

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::data::{MatchRecord, Outcome};
use super::model::Model;

/// The parameters a league is simulated with (the Dixon-Coles parametrisation).
#[derive(Debug, Clone)]
pub struct Truth {
    pub attack: Vec<f64>,
    pub defence: Vec<f64>,
    pub home_advantage: f64,
    pub rho: f64,
}

impl Truth {
    /// `n` teams with attack uniform in ±0.35 (centred to sum to zero) and defence
    /// uniform in ln(1.2) ± 0.25.
    pub fn random(n: usize, home_advantage: f64, rho: f64, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut attack: Vec<f64> = (0..n).map(|_| rng.random_range(-0.35..0.35)).collect();
        let mean = attack.iter().sum::<f64>() / n as f64;
        attack.iter_mut().for_each(|a| *a -= mean);
        let defence = (0..n).map(|_| 1.2f64.ln() + rng.random_range(-0.25..0.25)).collect();
        Self { attack, defence, home_advantage, rho }
    }
}

/// Joint probability of `h`–`a` written out from the definition (factorials, powers),
/// independently of the score-matrix code.
fn joint(h: usize, a: usize, lambda: f64, mu: f64, rho: f64) -> f64 {
    let pois = |k: usize, l: f64| l.powi(k as i32) * (-l).exp() / (1..=k).map(|i| i as f64).product::<f64>();
    let t = match (h, a) {
        (0, 0) => 1.0 - lambda * mu * rho,
        (0, 1) => 1.0 + lambda * rho,
        (1, 0) => 1.0 + mu * rho,
        (1, 1) => 1.0 - rho,
        _ => 1.0,
    };
    t * pois(h, lambda) * pois(a, mu)
}

/// The truth's `[home, draw, away]` probabilities for `h` against `a`, summed over a
/// 16 × 16 grid of scores.
pub fn true_probs(truth: &Truth, h: usize, a: usize) -> [f64; 3] {
    let lambda = (truth.attack[h] + truth.defence[a] + truth.home_advantage).exp();
    let mu = (truth.attack[a] + truth.defence[h]).exp();
    let mut p = [0.0; 3];
    for hg in 0..16 {
        for ag in 0..16 {
            p[(ag > hg) as usize * 2 + (ag == hg) as usize] += joint(hg, ag, lambda, mu, truth.rho);
        }
    }
    let total: f64 = p.iter().sum();
    p.map(|x| x / total)
}

/// `seasons` double round robins (every ordered pair once a season, ten matches a day in a
/// shuffled order), goals drawn from the truth's joint distribution.
pub fn simulate(truth: &Truth, seasons: usize, seed: u64) -> Vec<MatchRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = truth.attack.len();
    let start = NaiveDate::from_ymd_opt(2010, 8, 1).unwrap_or_default();
    let mut out = Vec::new();
    for s in 0..seasons {
        let mut pairs: Vec<(usize, usize)> =
            (0..n).flat_map(|h| (0..n).filter(move |&a| a != h).map(move |a| (h, a))).collect();
        pairs.shuffle(&mut rng);
        for (k, &(h, a)) in pairs.iter().enumerate() {
            let lambda = (truth.attack[h] + truth.defence[a] + truth.home_advantage).exp();
            let mu = (truth.attack[a] + truth.defence[h]).exp();
            let u: f64 = rng.random();
            let (mut acc, mut score) = (0.0, (15, 15));
            'draw: for hg in 0..16 {
                for ag in 0..16 {
                    acc += joint(hg, ag, lambda, mu, truth.rho);
                    if u < acc {
                        score = (hg, ag);
                        break 'draw;
                    }
                }
            }
            out.push(MatchRecord::new(
                start + Days::new((s * 365 + k / 10) as u64),
                h as u32,
                a as u32,
                score.0 as u8,
                score.1 as u8,
            ));
        }
    }
    out
}

/// The largest absolute difference between two equally long slices.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// Fitting at `as_of` must not read anything on or after `as_of`: the predictions are
/// bit-identical after the later results are changed and the whole history shuffled,
/// and they do change when an earlier result changes (so the check can fail).
pub fn assert_walk_forward<M: Model>(params: &M::Params) {
    let truth = Truth::random(8, 0.25, -0.1, 11);
    let history = simulate(&truth, 3, 12);
    let as_of = history[history.len() / 2].date;
    let predict_all = |h: &[MatchRecord]| -> Vec<[f64; 3]> {
        let model = M::fit(h, as_of, params).unwrap();
        // Every pairing, and a team the fit never saw.
        let pairs = (0..8).flat_map(|i| (0..8).map(move |j| (i, j))).chain([(0, 20), (20, 3)]);
        pairs.map(|(i, j)| model.predict(i, j).probs()).collect()
    };
    let base = predict_all(&history);
    for p in &base {
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        assert!(p.iter().all(|&x| x > 0.0 && x < 1.0), "{p:?}");
    }

    let mut rng = StdRng::seed_from_u64(99);
    let mut tampered = history.clone();
    for m in tampered.iter_mut().filter(|m| m.date >= as_of) {
        m.home_goals = rng.random_range(0..8);
        m.away_goals = rng.random_range(0..8);
        m.home_xg = Some(rng.random_range(0.0..4.0));
        m.away_shots_on_target = Some(rng.random_range(0..12));
        m.away_shots = Some(rng.random_range(0..30));
    }
    // A team that first plays on the cut-off day, and a later season, change nothing
    // either (rosters and promotions are read from before the cut-off only).
    tampered.push(MatchRecord::new(as_of, 0, 8, 5, 0));
    tampered.push(MatchRecord { season: 2099, ..MatchRecord::new(as_of + Days::new(400), 9, 1, 0, 3) });
    tampered.shuffle(&mut rng);
    assert_eq!(predict_all(&tampered), base, "a result on or after as_of changed the fit");

    let mut earlier = history.clone();
    if let Some(m) = earlier.iter_mut().find(|m| m.date < as_of && m.home_goals != m.away_goals) {
        std::mem::swap(&mut m.home_goals, &mut m.away_goals);
    }
    assert_ne!(predict_all(&earlier), base, "a result before as_of did not change the fit");
}

/// An outcome drawn from the probabilities `p`.
pub fn draw(rng: &mut StdRng, p: [f64; 3]) -> Outcome {
    let u: f64 = rng.random();
    if u < p[0] {
        Outcome::Home
    } else if u < p[0] + p[1] {
        Outcome::Draw
    } else {
        Outcome::Away
    }
}
