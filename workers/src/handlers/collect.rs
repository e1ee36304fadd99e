//! `collect_results` and `collect_fixtures`: fan-out, one scrape job per league (and
//! source).

use chrono::{Datelike, Utc};
use jobs::EnqueueOptions;
use jobs::catalogue::{CollectFixtures, CollectResults, ScrapeFootballData, ScrapePage};
use jobs::{AnyJob, Envelope};

use jobs::JobFailure;

use crate::runtime::Runtime;
use crate::scrape::targets::{season_of, targets};

/// football-data.co.uk's code of the season running on `date`: `2526` for 2025-26.
pub fn season_code(date: chrono::NaiveDate) -> String {
    let start = if date.month() >= 7 { date.year() } else { date.year() - 1 };
    format!("{:02}{:02}", start.rem_euclid(100), (start + 1).rem_euclid(100))
}

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &CollectResults) -> Result<(), JobFailure> {
    let leagues = if job.leagues.is_empty() { rt.scrape.leagues.clone() } else { job.leagues.clone() };
    let season = job.season.clone().unwrap_or_else(|| season_code(Utc::now().date_naive()));
    for league in leagues {
        let child =
            Envelope::new(&AnyJob::ScrapeFootballData(ScrapeFootballData { league, season: season.clone() }))
                .child_of(envelope);
        rt.queues.enqueue(&child, &EnqueueOptions::default()).await?;
    }
    Ok(())
}

/// `collect_fixtures`: one `scrape_page` per configured source page and league. A
/// misconfigured source fails permanently: retrying would not mend the config.
pub async fn fixtures(rt: &Runtime, envelope: &Envelope, job: &CollectFixtures) -> Result<(), JobFailure> {
    let date = job.date.unwrap_or_else(|| Utc::now().date_naive());
    let season = job.season.clone().unwrap_or_else(|| season_of(date));
    let leagues = if job.leagues.is_empty() { rt.scrape.leagues.clone() } else { job.leagues.clone() };
    let pages = targets(&rt.scrape.sources, &job.sources, &leagues, &season, date)
        .map_err(|e| JobFailure::permanent(e.to_string()))?;
    if pages.is_empty() {
        tracing::warn!(?leagues, sources = ?job.sources, "no fixture source covers these leagues");
    }
    for t in pages {
        let child = Envelope::new(&AnyJob::ScrapePage(ScrapePage { source: t.source, url: t.url }))
            .child_of(envelope);
        rt.queues.enqueue(&child, &EnqueueOptions::default()).await?;
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
