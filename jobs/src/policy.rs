//! Retry and timeout policy of a job kind, and the backoff it implies.

use std::time::Duration;

use rand::Rng;

/// How a kind of job is retried and bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles with each further attempt.
    pub backoff_base: Duration,
    /// Longest backoff.
    pub backoff_cap: Duration,
    /// An attempt running longer fails transiently.
    pub timeout: Duration,
}

impl JobPolicy {
    pub const fn new(max_attempts: u32, base_ms: u64, cap_secs: u64, timeout_secs: u64) -> Self {
        Self {
            max_attempts,
            backoff_base: Duration::from_millis(base_ms),
            backoff_cap: Duration::from_secs(cap_secs),
            timeout: Duration::from_secs(timeout_secs),
        }
    }

    /// The exponential ceiling after failed attempt number `attempt` (1-based):
    /// `min(cap, base × 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.backoff_base.saturating_mul(factor).min(self.backoff_cap)
    }

    /// Full jitter: a uniform delay in `[ceiling/2, ceiling]`. Half the ceiling is
    /// kept so successive delays still grow while retries of a burst spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_millis() as u64;
        half + Duration::from_millis(rand::rng().random_range(0..=spread))
    }

    /// Whether a job that just failed attempt `attempt` may run again.
    pub fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: JobPolicy = JobPolicy::new(5, 100, 2, 30);

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let ms: Vec<u128> = (1..=7).map(|a| P.backoff_ceiling(a).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(P.backoff_ceiling(200), Duration::from_secs(2));
    }

    #[test]
    fn jitter_stays_within_half_and_full_ceiling() {
        for attempt in 1..10 {
            let c = P.backoff_ceiling(attempt);
            for _ in 0..200 {
                let d = P.backoff(attempt);
                assert!(d >= c / 2 && d <= c, "{d:?} outside [{:?}, {c:?}]", c / 2);
            }
        }
    }

    #[test]
    fn retries_stop_at_max_attempts() {
        assert!(P.may_retry(4));
        assert!(!P.may_retry(5));
    }
}
