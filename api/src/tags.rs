//! The OpenAPI tags: one OpenApi struct per tag.

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Fixtures and results, with their statistics and odds.
    Matches,
    /// Model forecasts.
    Predictions,
    /// Prices the models rate above the bookmaker's, and how they settled.
    ValueBets,
    /// Competitions.
    Leagues,
    /// Clubs, their fixtures and their form.
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
    /// Admin: Telegram alert deliveries, and settling the uncertain ones.
    AlertDeliveries,
    /// Admin: endpoints that receive the live events, signed.
    Webhooks,
    /// Live events (Server-Sent Events).
    Events,
    /// Squad members.
    Players,
    /// Articles, searchable by text and by the teams they mention.
    News,
    /// How the models and the value bets have performed.
    Analytics,
    /// The model registry.
    Models,
}
