//! `follow_match`: one poll of a match in play. Planned at its kickoff ([`plan`]), it
//! reads the match's live source (sport1: the match page, then its incidents), writes
//! the state, score and incidents, publishes `match:update` and `match:goal` (with the
//! scorer, the minute and the score after it), keeps the bodies as processed snapshots
//! for the retention job, and plans the next poll `[scrape.live] poll_secs` later. At
//! the final whistle it settles the match's bets instead; a plan whose kickoff moved, a
//! postponed or cancelled match, and a match past `max_polls` polls end the chain; a
//! poll that fails or finds its page unreadable only skips that poll.

use std::time::Duration;

use chrono::Utc;
use entities::enums::MatchStatus;
use entities::matches;
use jobs::catalogue::{FollowMatch, SettleBets};
use jobs::{EnqueueOptions, Enqueued, Envelope, Handle, Handled, JobFailure, QueueClient, QueueError};
use sea_orm::EntityTrait;
use sources::sport1;

use super::Cx;
use super::snapshot::{Fetching, keep_processed, recorded};
use crate::clock::Clock;
use crate::events::{incident_goal_events, match_events};
use crate::process::incidents::store_incidents;
use crate::process::live::{apply_state, running_score};
use crate::runtime::Runtime;
use crate::scrape::fetch::{FetchRequest, Fetcher};
use crate::settings::LiveSettings;

/// The live source's site name, as snapshots and incidents record it.
const SOURCE: &str = sport1::SITE;

struct Deps<'a> {
    fetching: Fetching<'a>,
    live: &'a LiveSettings,
}

impl Handle<Runtime> for FollowMatch {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps { fetching: Fetching::of(rt), live: &rt.scrape.live };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

/// The match's id at the live source, when one is known.
pub fn sport1_id(m: &matches::Model) -> Option<String> {
    match m.external_ids.get(SOURCE)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Queues the first poll of `m` at its kickoff (`clock`'s time), once per match and
/// kickoff: a moved kickoff gets a plan of its own, and the old plan stops by itself.
/// Returns whether a plan was queued; a match no live source knows gets none.
pub async fn plan(
    queues: &QueueClient,
    clock: &Clock,
    live: &LiveSettings,
    m: &matches::Model,
) -> Result<bool, QueueError> {
    if live.sport1_url.is_empty() || sport1_id(m).is_none() {
        return Ok(false);
    }
    let job = FollowMatch { match_id: m.id, kickoff: m.kickoff_at, polls: 0 };
    let wait = (m.kickoff_at - clock.now()).to_std().unwrap_or_default();
    let opts = EnqueueOptions {
        run_at: Some(Utc::now() + wait),
        idempotency_key: Some(format!("follow:{}:{}", m.id, m.kickoff_at.timestamp())),
    };
    let planned = queues.enqueue(&Envelope::new(&job.into()), &opts).await?;
    Ok(matches!(planned, Enqueued::Queued { .. }))
}

async fn run(cx: Cx<'_, Deps<'_>>, job: FollowMatch) -> Result<(), JobFailure> {
    let Some(m) = matches::Entity::find_by_id(job.match_id).one(cx.db).await? else {
        tracing::info!(match_id = job.match_id, "followed match is gone: polling stops");
        return Ok(());
    };
    if m.kickoff_at != job.kickoff {
        tracing::info!(match_id = m.id, planned = %job.kickoff, kickoff = %m.kickoff_at,
            "kickoff moved: this plan stops, the new kickoff has its own");
        return Ok(());
    }
    match m.status {
        MatchStatus::Postponed | MatchStatus::Cancelled => {
            tracing::info!(match_id = m.id, status = ?m.status, "match will not be played: polling stops");
            return Ok(());
        }
        MatchStatus::Finished => return settle(&cx).await,
        MatchStatus::Scheduled | MatchStatus::Live => {}
    }
    if job.polls >= cx.deps.live.max_polls {
        tracing::warn!(
            match_id = m.id,
            polls = job.polls,
            "no final whistle after the poll cap: given up as abandoned"
        );
        return Ok(());
    }
    let Some(id) = sport1_id(&m) else {
        tracing::info!(match_id = m.id, "no live source knows this match: polling stops");
        return Ok(());
    };
    // A poll that fails (the source down, a slow database) costs this poll only: the
    // chain goes on, so one outage does not end the following of every match.
    match poll(&cx, &m, &id).await {
        Ok(true) => return settle(&cx).await,
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(match_id = m.id, polls = job.polls, error = %e, "poll failed: the next one is planned")
        }
    }
    let next = FollowMatch { polls: job.polls + 1, ..job };
    let opts = EnqueueOptions {
        run_at: Some(Utc::now() + Duration::from_secs(cx.deps.live.poll_secs)),
        // A retried poll plans the same next poll, once.
        idempotency_key: Some(format!("follow:{}:{}:{}", m.id, m.kickoff_at.timestamp(), next.polls)),
    };
    cx.enqueue_child(next, &opts).await?;
    Ok(())
}

async fn settle(cx: &Cx<'_, Deps<'_>>) -> Result<(), JobFailure> {
    cx.enqueue_child(SettleBets {}, &EnqueueOptions::default()).await?;
    Ok(())
}

/// Reads the match page and the incidents, writes them and publishes their events;
/// whether the match has finished.
async fn poll(cx: &Cx<'_, Deps<'_>>, m: &matches::Model, id: &str) -> Result<bool, JobFailure> {
    let health = cx.deps.fetching.health;
    let base = cx.deps.live.sport1_url.trim_end_matches('/');
    let fetcher = cx.deps.fetching.fetcher;
    let page = fetcher.fetch(&FetchRequest::get(sport1::match_url(base, id))).await;
    let page = recorded(health, SOURCE, page).await?;
    let incidents = fetcher.fetch(&FetchRequest::get(sport1::incidents_url(base, id))).await;
    let incidents = recorded(health, SOURCE, incidents).await?;
    let parsed = sport1::parse_match(&page.url, &page.body).and_then(|detail| {
        let home_id = sport1::home_team_id(&page.url, &page.body)?;
        Ok((detail, sport1::parse_incidents(&incidents.url, &incidents.body, &home_id)?))
    });
    let (detail, rows) = match parsed {
        Ok(p) => p,
        Err(e) => {
            // A live feed caught mid-update is read again at the next poll, not given up.
            tracing::warn!(match_id = m.id, error = %e, "live page unreadable: this poll is skipped");
            return Ok(false);
        }
    };
    keep_processed(cx, &format!("{SOURCE}:match"), &page).await?;
    keep_processed(cx, &format!("{SOURCE}:incidents"), &incidents).await?;

    let change = apply_state(cx.db, m.id, &detail.fixture).await?;
    let new = store_incidents(cx.db, m.id, SOURCE, &rows).await?;
    let teams = cx.teams_of(m.id).await;
    // Goals are told from the incidents, with their scorer, not from the score's change.
    let mut messages = change.as_ref().map(match_events).unwrap_or_default();
    let live = detail.fixture.status == sources::MatchStatus::Live;
    for (i, home, away) in running_score(&rows) {
        if new.iter().any(|n| n.row == rows[i]) {
            messages.extend(incident_goal_events(m.id, live, &rows[i], &teams, (home, away)));
        }
    }
    cx.publish(messages).await;
    tracing::info!(match_id = m.id, status = ?detail.fixture.status, new_incidents = new.len(), "match polled");
    Ok(detail.fixture.status == sources::MatchStatus::Finished)
}
