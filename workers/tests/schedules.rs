//! The repository's cron table against the default configuration: every page a
//! `scrape_page` entry fetches has a parser for its source key, and its URL is on the
//! fetch allowlist the default `[scrape]` settings build, so no scheduled scrape
//! dead-letters on a refusal.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use jobs::AnyJob;
use jobs::schedule::Schedules;
use workers::scrape::fetch::allow::Allowlist;
use workers::settings::ScrapeSettings;

fn repo(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file)
}

#[test]
fn scheduled_pages_have_a_parser_and_are_on_the_default_allowlist() {
    let config: toml::Table =
        std::fs::read_to_string(repo("ops/config/default.toml")).unwrap().parse().unwrap();
    let scrape: ScrapeSettings = config["scrape"].clone().try_into().unwrap();
    let allow = Allowlist::from_settings(&scrape);
    let schedules = Schedules::load(&repo("schedules.toml")).unwrap();
    let mut pages = Vec::new();
    for entry in &schedules.entries {
        if let AnyJob::ScrapePage(job) = &entry.job {
            let key = sources::SourceKey::parse(&job.source)
                .unwrap_or_else(|| panic!("{}: {}", entry.name, job.source));
            assert!(
                sources::parser(&key.site, &key.page).is_some(),
                "{}: no parser for {}",
                entry.name,
                job.source
            );
            allow.check(&job.url).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            pages.push(entry.name.as_str());
        }
    }
    assert_eq!(pages, ["news_guardian", "news_bbc_sport"]);
    // A URL nothing configures is refused: the check can fail.
    assert!(allow.check("https://news.example.com/football").is_err());
}
