//! Who came up and who went down: the season rosters of one league's history, for the
//! prior a promoted team starts from.
//!
//! A team new to the league has no results to rate it by, and the league average it
//! would otherwise get is far too kind: promoted sides are, as a group, about as strong
//! as the sides they replaced. So a newcomer starts from the mean rating of the teams
//! relegated at the same season boundary (ratings of the teams that left the league,
//! known before the newcomer's first match), and the goal models pull a promoted team's
//! ratings towards those teams' until its own results outweigh them.

use std::collections::{BTreeMap, BTreeSet};

use super::data::MatchRecord;

/// The goal models' default pull of a promoted team towards the teams it replaced, in
/// matches' weight: after about four matches its own results count for more than the
/// prior.
pub const PROMOTED_PRIOR: f64 = 4.0;

/// Each season's teams, from the matches of one league.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rosters {
    seasons: BTreeMap<u16, BTreeSet<u32>>,
}

impl Rosters {
    /// The rosters of the seasons `matches` cover.
    pub fn of(matches: &[MatchRecord]) -> Self {
        let mut seasons: BTreeMap<u16, BTreeSet<u32>> = BTreeMap::new();
        for m in matches {
            seasons.entry(m.season_year()).or_default().extend([m.home, m.away]);
        }
        Self { seasons }
    }

    /// The season before `season` in the history, if it is the one just before (a gap in
    /// the data says nothing about who went up or down).
    fn previous(&self, season: u16) -> Option<&BTreeSet<u32>> {
        self.seasons.get(&season.checked_sub(1)?)
    }

    /// Teams of `season` that were not in the league the season before; empty when the
    /// history does not hold that season.
    pub fn promoted(&self, season: u16) -> Vec<u32> {
        match (self.seasons.get(&season), self.previous(season)) {
            (Some(now), Some(before)) => now.difference(before).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// Teams of the season before `season` that are not in `season`.
    pub fn relegated(&self, season: u16) -> Vec<u32> {
        match (self.seasons.get(&season), self.previous(season)) {
            (Some(now), Some(before)) => before.difference(now).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// The latest season of the history.
    pub fn latest(&self) -> Option<u16> {
        self.seasons.keys().next_back().copied()
    }
}

/// The mean of `rating` over `teams`, or `None` for no team.
pub fn mean_of(teams: &[u32], rating: impl Fn(u32) -> f64) -> Option<f64> {
    (!teams.is_empty()).then(|| teams.iter().map(|&t| rating(t)).sum::<f64>() / teams.len() as f64)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn m(season: u16, home: u32, away: u32) -> MatchRecord {
        MatchRecord {
            season,
            ..MatchRecord::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), home, away, 1, 0)
        }
    }

    #[test]
    fn promoted_and_relegated_at_each_boundary() {
        let history = [m(2021, 0, 1), m(2021, 2, 3), m(2022, 0, 1), m(2022, 2, 4), m(2024, 0, 5)];
        let r = Rosters::of(&history);
        assert_eq!(r.promoted(2022), vec![4]);
        assert_eq!(r.relegated(2022), vec![3]);
        // 2023 is missing: nobody is known to have come up in 2024.
        assert!(r.promoted(2024).is_empty() && r.relegated(2024).is_empty());
        assert!(r.promoted(2021).is_empty());
        assert_eq!(r.latest(), Some(2024));
        assert_eq!(mean_of(&[1, 3], f64::from), Some(2.0));
        assert_eq!(mean_of(&[], f64::from), None);
    }

    #[test]
    fn the_season_comes_from_the_date_when_not_recorded() {
        let d = |y, mo| MatchRecord::new(NaiveDate::from_ymd_opt(y, mo, 1).unwrap(), 0, 1, 0, 0);
        assert_eq!(d(2023, 8).season_year(), 2023);
        assert_eq!(d(2024, 5).season_year(), 2023);
        assert_eq!(MatchRecord { season: 2019, ..d(2024, 5) }.season_year(), 2019);
    }
}
