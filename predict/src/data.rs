//! Match records and the team index the models work on.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One played match, teams given by their index in a [`TeamIndex`].
///
/// The optional statistics default to absent, so records serialised before they existed
/// still load; build a bare result with [`MatchRecord::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchRecord {
    /// Day the match was played (kick-off date, UTC).
    pub date: NaiveDate,
    /// Home team index.
    pub home: u32,
    /// Away team index.
    pub away: u32,
    /// Full-time home goals.
    pub home_goals: u8,
    /// Full-time away goals.
    pub away_goals: u8,
    /// Home expected goals, where a source publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_xg: Option<f32>,
    /// Away expected goals, where a source publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_xg: Option<f32>,
    /// Home shots, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_shots: Option<u16>,
    /// Away shots, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_shots: Option<u16>,
    /// Home shots on target, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_shots_on_target: Option<u16>,
    /// Away shots on target, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_shots_on_target: Option<u16>,
    /// Pre-match market probabilities `[home, draw, away]` with the margin removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<[f32; 3]>,
    /// Year the match's season started (`2023` for 2023-24); 0 when unknown, in which
    /// case [`MatchRecord::season_year`] reads it off the date.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub season: u16,
}

fn is_zero(v: &u16) -> bool {
    *v == 0
}

impl MatchRecord {
    /// A result with no statistics and no market.
    pub const fn new(date: NaiveDate, home: u32, away: u32, home_goals: u8, away_goals: u8) -> Self {
        Self {
            date,
            home,
            away,
            home_goals,
            away_goals,
            home_xg: None,
            away_xg: None,
            home_shots: None,
            away_shots: None,
            home_shots_on_target: None,
            away_shots_on_target: None,
            market: None,
            season: 0,
        }
    }

    /// The season's start year: the recorded one, else the date's (a season starting in
    /// July or later, as European leagues' do).
    pub fn season_year(&self) -> u16 {
        use chrono::Datelike;
        if self.season != 0 {
            return self.season;
        }
        let year = u16::try_from(self.date.year()).unwrap_or(0);
        if self.date.month() >= 7 { year } else { year.saturating_sub(1) }
    }

    /// The 1X2 result of the match.
    pub fn outcome(&self) -> Outcome {
        match self.home_goals.cmp(&self.away_goals) {
            std::cmp::Ordering::Greater => Outcome::Home,
            std::cmp::Ordering::Equal => Outcome::Draw,
            std::cmp::Ordering::Less => Outcome::Away,
        }
    }

    /// A total order independent of the order the records came in, so that fits are
    /// reproducible to the bit whatever order the caller holds its history in.
    pub(crate) fn sort_key(&self) -> (NaiveDate, u32, u32, u8, u8) {
        (self.date, self.home, self.away, self.home_goals, self.away_goals)
    }
}

/// The matches strictly before `as_of`, in a canonical order (date, then teams).
/// Every model fits on this and nothing else, which is what makes evaluation walk-forward.
pub fn history_before(history: &[MatchRecord], as_of: NaiveDate) -> Vec<MatchRecord> {
    let mut out: Vec<MatchRecord> = history.iter().filter(|m| m.date < as_of).copied().collect();
    out.sort_unstable_by_key(MatchRecord::sort_key);
    out
}

/// The number of teams a fit must hold parameters for: one more than the largest index seen.
pub fn team_count(matches: &[MatchRecord]) -> usize {
    matches.iter().map(|m| m.home.max(m.away) as usize + 1).max().unwrap_or(0)
}

/// A 1X2 result, ordered home, draw, away (the order RPS ranks them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Home win.
    Home,
    /// Draw.
    Draw,
    /// Away win.
    Away,
}

impl Outcome {
    /// Position in `[home, draw, away]` arrays.
    pub fn index(self) -> usize {
        match self {
            Outcome::Home => 0,
            Outcome::Draw => 1,
            Outcome::Away => 2,
        }
    }
}

/// Team names to dense indices `0..len`, in order of first appearance.
/// It serialises as the list of names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct TeamIndex {
    names: Vec<String>,
    by_name: HashMap<String, u32>,
}

impl From<Vec<String>> for TeamIndex {
    fn from(names: Vec<String>) -> Self {
        let mut index = TeamIndex::new();
        for name in &names {
            index.index_or_insert(name);
        }
        index
    }
}

impl From<TeamIndex> for Vec<String> {
    fn from(index: TeamIndex) -> Self {
        index.names
    }
}

impl TeamIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `name`, adding it if it is new.
    pub fn index_or_insert(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.by_name.insert(name.to_owned(), i);
        i
    }

    /// The index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The name at `index`, if any.
    pub fn name(&self, index: u32) -> Option<&str> {
        self.names.get(index as usize).map(String::as_str)
    }

    /// Number of teams.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no team has been added.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, day).unwrap()
    }

    #[test]
    fn outcome_follows_the_score() {
        let m = |h, a| MatchRecord::new(d(1), 0, 1, h, a);
        assert_eq!(m(2, 1).outcome(), Outcome::Home);
        assert_eq!(m(1, 1).outcome(), Outcome::Draw);
        assert_eq!(m(0, 3).outcome(), Outcome::Away);
    }

    #[test]
    fn history_before_excludes_the_cut_off_day_and_sorts() {
        let m = |day, home| MatchRecord::new(d(day), home, 9, 0, 0);
        let all = [m(5, 1), m(3, 2), m(4, 0), m(3, 1)];
        let h = history_before(&all, d(5));
        assert_eq!(h, vec![m(3, 1), m(3, 2), m(4, 0)]);
        assert_eq!(team_count(&h), 10);
    }

    #[test]
    fn records_without_statistics_still_load() {
        let old = r#"{"date":"2024-01-03","home":1,"away":2,"home_goals":3,"away_goals":0}"#;
        let m: MatchRecord = serde_json::from_str(old).unwrap();
        assert_eq!(m, MatchRecord::new(d(3), 1, 2, 3, 0));
        let full =
            MatchRecord { home_xg: Some(1.5), away_shots: Some(7), market: Some([0.5, 0.3, 0.2]), ..m };
        let back: MatchRecord = serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
        assert_eq!(back, full);
        assert_eq!(serde_json::to_string(&m).unwrap(), old);
    }

    #[test]
    fn team_index_is_dense_and_stable() {
        let mut t = TeamIndex::new();
        assert_eq!(t.index_or_insert("Arsenal"), 0);
        assert_eq!(t.index_or_insert("Chelsea"), 1);
        assert_eq!(t.index_or_insert("Arsenal"), 0);
        assert_eq!(t.get("Chelsea"), Some(1));
        assert_eq!(t.name(1), Some("Chelsea"));
        assert_eq!(t.len(), 2);
        let back: TeamIndex = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
}
