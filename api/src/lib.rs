//! Kickoff's HTTP API: poem-openapi under `/api/v1`, Swagger UI at `/docs`, the spec at
//! `/openapi.json`, `/health` and `/ready`. It reads the entities and enqueues jobs; it
//! never runs them.

pub mod analytics;
pub mod envelope;
pub mod health;
pub mod leagues;
pub mod matches;
pub mod models;
pub mod news;
pub mod pagination;
pub mod players;
pub mod predictions;
mod search;
pub mod settings;
pub mod state;
pub mod tags;
pub mod teams;
pub mod value_bets;

use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::OpenApiService;

pub use settings::{ApiSettings, AuthSettings};
pub use state::ApiState;

/// Where the versioned API is mounted.
pub const API_PREFIX: &str = "/api/v1";

type Apis = (
    matches::MatchesApi,
    predictions::PredictionsApi,
    value_bets::ValueBetsApi,
    leagues::LeaguesApi,
    teams::TeamsApi,
    players::PlayersApi,
    news::NewsApi,
    analytics::AnalyticsApi,
    models::ModelsApi,
);

fn service(state: &ApiState) -> OpenApiService<Apis, ()> {
    let apis = (
        matches::MatchesApi { state: state.clone() },
        predictions::PredictionsApi { state: state.clone() },
        value_bets::ValueBetsApi { state: state.clone() },
        leagues::LeaguesApi { state: state.clone() },
        teams::TeamsApi { state: state.clone() },
        players::PlayersApi { state: state.clone() },
        news::NewsApi { state: state.clone() },
        analytics::AnalyticsApi { state: state.clone() },
        models::ModelsApi { state: state.clone() },
    );
    OpenApiService::new(apis, "Kickoff", env!("CARGO_PKG_VERSION")).server(API_PREFIX)
}

/// The whole HTTP application.
pub fn app(state: ApiState) -> impl Endpoint {
    let api = service(&state);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    Route::new()
        .nest(API_PREFIX, api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at("/health", get(health::health))
        .at("/ready", get(health::ready))
        .data(state)
        .catch_all_error(envelope::render_error)
}
