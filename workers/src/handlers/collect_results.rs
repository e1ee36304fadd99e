//! `collect_results`: fan-out, one `scrape_football_data` job per league.

use chrono::{Datelike, Utc};
use jobs::catalogue::{CollectResults, ScrapeFootballData};
use jobs::{EnqueueOptions, Envelope, Handle, Handled, JobFailure};

use super::Cx;
use crate::runtime::Runtime;
use crate::settings::ScrapeSettings;

/// football-data.co.uk's code of the season running on `date`: `2526` for 2025-26.
pub fn season_code(date: chrono::NaiveDate) -> String {
    let start = if date.month() >= 7 { date.year() } else { date.year() - 1 };
    format!("{:02}{:02}", start.rem_euclid(100), (start + 1).rem_euclid(100))
}

impl Handle<Runtime> for CollectResults {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        // The configured leagues, when the job names none.
        Box::pin(run(Cx::new(rt, envelope, &rt.scrape), self))
    }
}

async fn run(cx: Cx<'_, &ScrapeSettings>, job: CollectResults) -> Result<(), JobFailure> {
    let leagues = if job.leagues.is_empty() { cx.deps.leagues.clone() } else { job.leagues };
    let season = job.season.unwrap_or_else(|| season_code(Utc::now().date_naive()));
    for league in leagues {
        let next = ScrapeFootballData { league, season: season.clone() };
        cx.enqueue_child(next, &EnqueueOptions::default()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn season_codes() {
        assert_eq!(super::season_code(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap()), "2526");
        assert_eq!(super::season_code(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()), "2526");
        assert_eq!(super::season_code(NaiveDate::from_ymd_opt(2099, 12, 1).unwrap()), "9900");
    }
}
