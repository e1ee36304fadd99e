//! The time handlers judge "has it kicked off yet" by: the wall clock, or, when past
//! matches are replayed as if upcoming (`kickoff demo`), the wall clock moved back to the
//! replayed day and running on from there.

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    offset: TimeDelta,
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and runs on at the wall clock's pace.
    pub fn replaying_from(start: DateTime<Utc>) -> Self {
        Self { offset: start - Utc::now() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_clock_starts_at_its_day_and_runs_on() {
        let start = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().to_utc();
        let clock = Clock::replaying_from(start);
        let read = clock.now();
        assert!(read >= start && read < start + TimeDelta::seconds(5), "{read}");
        let wall = Clock::system().now();
        assert!((Utc::now() - wall).abs() < TimeDelta::seconds(5));
    }
}
