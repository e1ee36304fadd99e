//! Who came up and who went down: the season rosters of one league's history, for the
//! prior a promoted team starts from.
//!
//! A team new to the league has no results to rate it by, and the league average it
//! would otherwise get is far too kind: promoted sides are, as a group, about as strong
//! as the sides they replaced. So a newcomer starts from the mean rating of the teams it
//! replaced, and the goal models pull a promoted team's ratings towards those teams'
//! until its own results outweigh them.
//!
//! Which teams a newcomer replaced is certain only once every team of the new season
//! has played (the teams of the season before still missing are the relegated ones).
//! Before that (a fit on the eve of a season, or after an opening round that is not
//! complete) they are taken to be the bottom of the season before by points per match,
//! as many as there are newcomers: relegation goes by points.

use std::collections::BTreeMap;

use super::data::{MatchRecord, Outcome};

/// The goal models' default pull of a promoted team towards the teams it replaced, in
/// matches' weight: after about four matches its own results count for more than the
/// prior.
pub const PROMOTED_PRIOR: f64 = 4.0;

/// Teams relegated per season where the history cannot tell (its first season): most
/// European top flights send three down.
const TYPICAL_RELEGATED: usize = 3;

/// One team's season so far: points and matches.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Record {
    points: u32,
    played: u32,
}

/// Each season's teams and their points, from the matches of one league.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rosters {
    seasons: BTreeMap<u16, BTreeMap<u32, Record>>,
}

impl Rosters {
    /// The rosters of the seasons `matches` cover.
    pub fn of(matches: &[MatchRecord]) -> Self {
        let mut seasons: BTreeMap<u16, BTreeMap<u32, Record>> = BTreeMap::new();
        for m in matches {
            let table = seasons.entry(m.season_year()).or_default();
            let (home, away) = match m.outcome() {
                Outcome::Home => (3, 0),
                Outcome::Draw => (1, 1),
                Outcome::Away => (0, 3),
            };
            for (team, points) in [(m.home, home), (m.away, away)] {
                let r = table.entry(team).or_default();
                r.points += points;
                r.played += 1;
            }
        }
        Self { seasons }
    }

    /// The season before `season` in the history, if it is the one just before (a gap in
    /// the data says nothing about who went up or down).
    fn previous(&self, season: u16) -> Option<&BTreeMap<u32, Record>> {
        self.seasons.get(&season.checked_sub(1)?)
    }

    /// Teams of `season` that were not in the league the season before; empty when the
    /// history does not hold that season.
    pub fn promoted(&self, season: u16) -> Vec<u32> {
        match (self.seasons.get(&season), self.previous(season)) {
            (Some(now), Some(before)) => now.keys().filter(|t| !before.contains_key(t)).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// The teams the newcomers of `season` replaced: the season before's teams missing
    /// from it once every team has played, else the bottom of the season before by
    /// points per match, one per newcomer so far.
    pub fn relegated(&self, season: u16) -> Vec<u32> {
        let (Some(now), Some(before)) = (self.seasons.get(&season), self.previous(season)) else {
            return Vec::new();
        };
        if now.len() >= before.len() {
            return before.keys().filter(|t| !now.contains_key(t)).copied().collect();
        }
        bottom(before, self.promoted(season).len())
    }

    /// The teams a team never seen is taken to replace: the bottom of the latest season
    /// by points per match, as many as came up into it (else [`TYPICAL_RELEGATED`]). On
    /// the eve of a season these are the sides just relegated; when the latest season has
    /// begun but not every team has played, the bottom of the season before.
    pub fn expected_relegated(&self) -> Vec<u32> {
        let Some((&latest, table)) = self.seasons.iter().next_back() else { return Vec::new() };
        match self.previous(latest) {
            Some(before) if table.len() < before.len() => self.relegated(latest),
            Some(_) => bottom(table, self.promoted(latest).len().max(1)),
            None => bottom(table, TYPICAL_RELEGATED),
        }
    }

    /// The latest season of the history.
    pub fn latest(&self) -> Option<u16> {
        self.seasons.keys().next_back().copied()
    }
}

/// The `k` teams of `table` with the fewest points per match (ties: the lower index).
fn bottom(table: &BTreeMap<u32, Record>, k: usize) -> Vec<u32> {
    let mut teams: Vec<(f64, u32)> =
        table.iter().map(|(&t, r)| (f64::from(r.points) / f64::from(r.played.max(1)), t)).collect();
    teams.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    teams.into_iter().take(k).map(|(_, t)| t).collect()
}

/// The mean of `rating` over `teams`, or `None` for no team.
pub fn mean_of(teams: &[u32], rating: impl Fn(u32) -> f64) -> Option<f64> {
    (!teams.is_empty()).then(|| teams.iter().map(|&t| rating(t)).sum::<f64>() / teams.len() as f64)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// A match of `season` that `home` wins.
    fn m(season: u16, home: u32, away: u32) -> MatchRecord {
        MatchRecord {
            season,
            ..MatchRecord::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), home, away, 1, 0)
        }
    }

    /// 2021: four teams, 3 the weakest (it loses every match), then 2. 2022: 4 replaces 3.
    fn two_seasons() -> Vec<MatchRecord> {
        vec![
            m(2021, 0, 1),
            m(2021, 0, 2),
            m(2021, 0, 3),
            m(2021, 1, 2),
            m(2021, 1, 3),
            m(2021, 2, 3),
            m(2022, 0, 1),
            m(2022, 2, 4),
        ]
    }

    #[test]
    fn promoted_and_relegated_once_every_team_has_played() {
        let r = Rosters::of(&two_seasons());
        assert_eq!(r.promoted(2022), vec![4]);
        assert_eq!(r.relegated(2022), vec![3]);
        assert!(r.promoted(2021).is_empty() && r.relegated(2021).is_empty());
        assert_eq!(r.latest(), Some(2022));
        // Every team of 2022 has played: the bottom of 2022 (team 1 and 4 lost, 1 by
        // index first), one per newcomer.
        assert_eq!(r.expected_relegated(), vec![1]);
        // A gap: nobody is known to have come up in 2024.
        let mut gap = two_seasons();
        gap.push(m(2024, 0, 5));
        let r = Rosters::of(&gap);
        assert!(r.promoted(2024).is_empty() && r.relegated(2024).is_empty());
        assert_eq!(mean_of(&[1, 3], f64::from), Some(2.0));
        assert_eq!(mean_of(&[], f64::from), None);
    }

    /// After an opening round that is not complete, the teams not yet seen are not all
    /// relegated: the newcomer replaced the bottom team of the season before.
    #[test]
    fn an_incomplete_opening_round_takes_the_bottom_of_the_season_before() {
        let mut history = two_seasons();
        history.retain(|x| !(x.season == 2022 && x.home == 0));
        let r = Rosters::of(&history);
        assert_eq!(r.promoted(2022), vec![4]);
        assert_eq!(r.relegated(2022), vec![3], "not 0, 1 and 3");
        assert_eq!(r.expected_relegated(), vec![3]);
        // On the eve of 2022 (no match of it yet): the bottom of 2021, as many as the
        // typical three, since the history shows no earlier promotion.
        let eve: Vec<MatchRecord> = history.into_iter().filter(|x| x.season == 2021).collect();
        assert_eq!(Rosters::of(&eve).expected_relegated(), vec![3, 2, 1]);
    }

    #[test]
    fn the_season_comes_from_the_date_when_not_recorded() {
        let d = |y, mo| MatchRecord::new(NaiveDate::from_ymd_opt(y, mo, 1).unwrap(), 0, 1, 0, 0);
        assert_eq!(d(2023, 8).season_year(), 2023);
        assert_eq!(d(2024, 5).season_year(), 2023);
        assert_eq!(MatchRecord { season: 2019, ..d(2024, 5) }.season_year(), 2019);
    }
}
