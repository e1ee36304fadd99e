//! Unconstrained minimisation of smooth objectives with analytic gradients: L-BFGS with
//! a backtracking (Armijo) line search, shared by the likelihood fits.
//!
//! Written here rather than taken from a crate because the fits need a line search that
//! treats a non-finite value (a goal rate overflowing on an early long step) as "step too
//! long", and every loop bounded; the whole method is a few dozen lines.

use std::collections::VecDeque;

use super::error::PredictError;

/// Result of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: u64,
}

/// Correction pairs kept by L-BFGS.
const MEMORY: usize = 10;
/// Sufficient-decrease constant of the Armijo condition.
const ARMIJO: f64 = 1e-4;
/// Step halvings before a line search gives up.
const MAX_BACKTRACKS: usize = 60;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimise `f` (which returns the value and writes the gradient into its second
/// argument) from `x0`. Stops when every gradient component is below `tol_grad`, when a
/// step no longer lowers the value measurably, or after `max_iters` iterations.
pub(crate) fn minimise<F>(f: F, x0: Vec<f64>, tol_grad: f64, max_iters: u64) -> Result<Minimum, PredictError>
where
    F: Fn(&[f64], &mut [f64]) -> f64,
{
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(PredictError::Optimiser("objective not finite at the starting point".into()));
    }
    let mut history: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(MEMORY);
    let (mut d, mut x_new, mut g_new) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut alpha = [0.0; MEMORY];
    let mut iterations = 0;

    while iterations < max_iters {
        if g.iter().all(|v| v.abs() < tol_grad) {
            break;
        }
        iterations += 1;

        // Two-loop recursion: d = −H g.
        d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
        for (k, (s, y, rho)) in history.iter().enumerate().rev() {
            alpha[k] = rho * dot(s, &d);
            d.iter_mut().zip(y).for_each(|(d, y)| *d -= alpha[k] * y);
        }
        let gamma = match history.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y),
            // First step: steepest descent of length at most one.
            None => 1.0 / g.iter().map(|v| v.abs()).fold(1.0, f64::max),
        };
        d.iter_mut().for_each(|d| *d *= gamma);
        for (k, (s, y, rho)) in history.iter().enumerate() {
            let beta = rho * dot(y, &d);
            d.iter_mut().zip(s).for_each(|(d, s)| *d += (alpha[k] - beta) * s);
        }
        let mut slope = dot(&d, &g);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            history.clear();
            d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
            slope = -dot(&g, &g);
        }

        // Backtracking: non-finite values count as too long a step.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACKS {
            x_new.iter_mut().zip(x.iter().zip(&d)).for_each(|(xn, (x, d))| *xn = x + step * d);
            let f_new = f(&x_new, &mut g_new);
            if f_new.is_finite() && g_new.iter().all(|v| v.is_finite()) && f_new <= fx + ARMIJO * step * slope
            {
                accepted = Some(f_new);
                break;
            }
            // Minimum of the quadratic through f(0), f'(0) and f(step), kept within [0.1, 0.5] × step.
            let q = if f_new.is_finite() {
                -slope * step * step / (2.0 * (f_new - fx - slope * step))
            } else {
                0.0
            };
            step = q.clamp(0.1 * step, 0.5 * step);
        }
        let Some(f_new) = accepted else { break };

        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        // Keep only pairs with positive curvature, so the implied Hessian stays positive definite.
        if sy > 1e-12 * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / sy));
        }
        let decrease = fx - f_new;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if decrease <= 1e-15 * fx.abs().max(1.0) {
            break;
        }
    }
    Ok(Minimum { x, value: fx, iterations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let rosen = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimise(rosen, vec![-1.2, 1.0], 1e-10, 500).unwrap();
        assert!((m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{:?}", m.x);
        assert!(m.value < 1e-10);
    }

    #[test]
    fn survives_overflow_on_a_long_step() {
        // exp(x) − 2x has its minimum at ln 2; a unit step from far out overflows nothing, but
        // the scaled first step from x = 700 probes values near exp(700+).
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = x[0].exp() - 2.0;
            x[0].exp() - 2.0 * x[0]
        };
        let m = minimise(f, vec![5.0], 1e-10, 200).unwrap();
        assert!((m.x[0] - 2f64.ln()).abs() < 1e-6, "{:?}", m.x);
        // A step that lands on +inf is shortened instead of poisoning the search.
        let g = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * x[0];
            if x[0] < -1.0 { f64::INFINITY } else { x[0] * x[0] }
        };
        let m = minimise(g, vec![0.5], 1e-10, 200).unwrap();
        assert!(m.x[0].abs() < 1e-6);
    }
}
