//! The OpenAPI tags: one OpenApi struct per tag.

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Fixtures and results, with their statistics and odds.
    Matches,
    /// Model forecasts and the value bets found from them.
    Predictions,
    /// Competitions.
    Leagues,
    /// Clubs.
    Teams,
    /// Admin: job kinds and triggering a job by hand.
    Jobs,
    /// Admin: queue statistics, pause and resume, workers.
    Queues,
    /// Admin: the cron table, run now, enable and disable.
    Schedules,
    /// Admin: jobs that failed for good: inspect, requeue, delete, purge.
    DeadLetters,
    /// Admin: who did what.
    Audit,
    /// Live events (Server-Sent Events).
    Events,
}
