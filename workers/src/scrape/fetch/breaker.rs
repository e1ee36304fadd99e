//! A circuit breaker per domain: after `threshold` consecutive failures the domain is
//! left alone for `cooldown`; then one probe request may go, and its outcome closes
//! the circuit or opens it for another cooldown. Per process: each worker protects
//! itself, and a site that is down is noticed by all of them soon enough.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where a domain's circuit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cooldown is over and one probe is in flight.
    HalfOpen,
}

pub struct Breakers {
    threshold: u32,
    cooldown: Duration,
    states: Mutex<HashMap<String, BreakerState>>,
}

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self { threshold: threshold.max(1), cooldown, states: Mutex::default() }
    }

    pub fn state(&self, domain: &str) -> BreakerState {
        self.with(domain, |s| *s)
    }

    fn with<T>(&self, domain: &str, f: impl FnOnce(&mut BreakerState) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update; the map is intact.
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        f(states.entry(domain.to_owned()).or_insert(BreakerState::Closed { failures: 0 }))
    }

    /// May a request go to `domain` now? `Err` carries how long the circuit stays open.
    pub fn allow(&self, domain: &str) -> Result<(), Duration> {
        self.with(domain, |s| match *s {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { until } => {
                let now = Instant::now();
                if now >= until {
                    *s = BreakerState::HalfOpen;
                    Ok(())
                } else {
                    Err(until - now)
                }
            }
            // One probe at a time; the others wait for its verdict.
            BreakerState::HalfOpen => Err(Duration::from_secs(1)),
        })
    }

    pub fn success(&self, domain: &str) {
        self.with(domain, |s| *s = BreakerState::Closed { failures: 0 });
    }

    pub fn failure(&self, domain: &str) {
        let (threshold, cooldown) = (self.threshold, self.cooldown);
        self.with(domain, |s| {
            *s = match *s {
                BreakerState::Closed { failures } if failures + 1 < threshold => {
                    BreakerState::Closed { failures: failures + 1 }
                }
                _ => {
                    tracing::warn!(domain, ?cooldown, "circuit opened");
                    BreakerState::Open { until: Instant::now() + cooldown }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_probes_after_cooldown_and_closes_on_success() {
        let b = Breakers::new(2, Duration::from_millis(30));
        assert!(b.allow("x").is_ok());
        b.failure("x");
        assert_eq!(b.state("x"), BreakerState::Closed { failures: 1 });
        b.failure("x");
        assert!(matches!(b.state("x"), BreakerState::Open { .. }));
        assert!(b.allow("x").is_err(), "open circuit lets nothing through");
        assert!(b.allow("other").is_ok(), "per domain");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow("x").is_ok(), "one probe after the cooldown");
        assert_eq!(b.state("x"), BreakerState::HalfOpen);
        assert!(b.allow("x").is_err(), "only one probe");
        b.failure("x");
        assert!(matches!(b.state("x"), BreakerState::Open { .. }), "a failed probe reopens");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow("x").is_ok());
        b.success("x");
        assert_eq!(b.state("x"), BreakerState::Closed { failures: 0 });
    }
}
