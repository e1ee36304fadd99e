//! Which pages a `collect_fixtures` job fans out to: for each configured site and each
//! league it covers, the page's URL from the site's template and its source key
//! (`understat:league:E0:2015-16`), which picks the parser and where rows belong.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::settings::SourceSettings;

/// One page to scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub source: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("season `{0}` is not like 2023-24")]
    Season(String),
    #[error("no fixture source `{0}` is configured")]
    UnknownSource(String),
    #[error("`{site}` url template: unknown placeholder `{{{name}}}` for league {league}")]
    Placeholder { site: String, league: String, name: String },
    #[error("`{site}` url template: unclosed `{{`")]
    Unclosed { site: String },
}

/// The season running on `date`, as `2023-24` (seasons start in July).
pub fn season_of(date: NaiveDate) -> String {
    let start = if date.month() >= 7 { date.year() } else { date.year() - 1 };
    format!("{start}-{:02}", (start + 1).rem_euclid(100))
}

/// The placeholders a season and a day give.
fn season_vars(season: &str, date: NaiveDate) -> Result<BTreeMap<&'static str, String>, TargetError> {
    let bad = || TargetError::Season(season.to_owned());
    let (start, end) = season.split_once('-').ok_or_else(bad)?;
    let start: i32 = start.parse().map_err(|_| bad())?;
    if end.len() != 2 || end.parse::<u32>().map_err(|_| bad())? != (start + 1).rem_euclid(100) as u32 {
        return Err(bad());
    }
    Ok(BTreeMap::from([
        ("season", season.to_owned()),
        ("season_long", format!("{start}-{}", start + 1)),
        ("season_start", start.to_string()),
        ("season_code", format!("{:02}{end}", start.rem_euclid(100))),
        ("date", date.format("%Y-%m-%d").to_string()),
        ("date_compact", date.format("%Y%m%d").to_string()),
    ]))
}

/// Fills `{name}` placeholders from `lookup`.
fn render(
    template: &str,
    site: &str,
    league: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, TargetError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or_else(|| TargetError::Unclosed { site: site.to_owned() })?;
        let name = &rest[open + 1..open + close];
        let value = lookup(name).ok_or_else(|| TargetError::Placeholder {
            site: site.to_owned(),
            league: league.to_owned(),
            name: name.to_owned(),
        })?;
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The pages of `sites` (all configured when empty) for `leagues` (every league a site
/// covers when empty) in `season` on `date`. A site that does not cover a league is
/// skipped; a site that is not configured is an error.
pub fn targets(
    sources: &BTreeMap<String, SourceSettings>,
    sites: &[String],
    leagues: &[String],
    season: &str,
    date: NaiveDate,
) -> Result<Vec<Target>, TargetError> {
    let vars = season_vars(season, date)?;
    let chosen: Vec<(&String, &SourceSettings)> = if sites.is_empty() {
        sources.iter().collect()
    } else {
        sites
            .iter()
            .map(|s| sources.get_key_value(s).ok_or_else(|| TargetError::UnknownSource(s.clone())))
            .collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for (site, src) in chosen {
        for (league, own) in &src.leagues {
            if !leagues.is_empty() && !leagues.contains(league) {
                continue;
            }
            let base = src.base_url.trim_end_matches('/');
            let url = render(&src.url, site, league, |name| match name {
                "base" => Some(base.to_owned()),
                _ => vars.get(name).cloned().or_else(|| own.get(name).cloned()),
            })?;
            out.push(Target { source: format!("{site}:{}:{league}:{season}", src.page), url });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> BTreeMap<String, SourceSettings> {
        let league = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()
        };
        BTreeMap::from([
            (
                "fbref".to_owned(),
                SourceSettings {
                    base_url: "https://fbref.com/".into(),
                    page: "schedule".into(),
                    url:
                        "{base}/en/comps/{id}/{season_long}/schedule/{season_long}-{slug}-Scores-and-Fixtures"
                            .into(),
                    leagues: BTreeMap::from([
                        ("SP1".to_owned(), league(&[("id", "12"), ("slug", "La-Liga")])),
                        ("E0".to_owned(), league(&[("id", "9"), ("slug", "Premier-League")])),
                    ]),
                    render: Default::default(),
                    wait_for: None,
                },
            ),
            (
                "espn".to_owned(),
                SourceSettings {
                    base_url: "https://site.api.espn.com".into(),
                    page: "scoreboard".into(),
                    url: "{base}/apis/site/v2/sports/soccer/{id}/scoreboard?dates={date_compact}".into(),
                    leagues: BTreeMap::from([("I1".to_owned(), league(&[("id", "ita.1")]))]),
                    render: Default::default(),
                    wait_for: None,
                },
            ),
        ])
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, 8, 25).unwrap()
    }

    #[test]
    fn fans_out_per_site_and_league_with_filled_templates() {
        let all = targets(&sources(), &[], &[], "2023-24", day()).unwrap();
        assert_eq!(
            all,
            [
                Target {
                    source: "espn:scoreboard:I1:2023-24".into(),
                    url: "https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/scoreboard?dates=20190825".into()
                },
                Target {
                    source: "fbref:schedule:E0:2023-24".into(),
                    url: "https://fbref.com/en/comps/9/2023-2024/schedule/2023-2024-Premier-League-Scores-and-Fixtures"
                        .into()
                },
                Target {
                    source: "fbref:schedule:SP1:2023-24".into(),
                    url: "https://fbref.com/en/comps/12/2023-2024/schedule/2023-2024-La-Liga-Scores-and-Fixtures"
                        .into()
                },
            ]
        );
        let some =
            targets(&sources(), &["fbref".into()], &["SP1".into(), "D1".into()], "2023-24", day()).unwrap();
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].source, "fbref:schedule:SP1:2023-24");
    }

    #[test]
    fn bad_seasons_sites_and_templates_are_errors() {
        assert_eq!(targets(&sources(), &[], &[], "2023", day()), Err(TargetError::Season("2023".into())));
        assert_eq!(
            targets(&sources(), &[], &[], "2023-25", day()),
            Err(TargetError::Season("2023-25".into()))
        );
        assert_eq!(
            targets(&sources(), &["nope".into()], &[], "2023-24", day()),
            Err(TargetError::UnknownSource("nope".into()))
        );
        let mut broken = sources();
        broken.get_mut("espn").unwrap().url = "{base}/{team}".into();
        let e = targets(&broken, &["espn".into()], &[], "2023-24", day()).unwrap_err();
        assert_eq!(e.to_string(), "`espn` url template: unknown placeholder `{team}` for league I1");
        broken.get_mut("espn").unwrap().url = "{base}/{id".into();
        assert!(matches!(
            targets(&broken, &["espn".into()], &[], "2023-24", day()),
            Err(TargetError::Unclosed { .. })
        ));
    }

    #[test]
    fn seasons_follow_july() {
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()), "2025-26");
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()), "2025-26");
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2099, 8, 1).unwrap()), "2099-00");
    }
}
