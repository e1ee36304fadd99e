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
    /// Live events (Server-Sent Events).
    Events,
}
