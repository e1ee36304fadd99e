//! Kickoff's HTTP API: poem-openapi under `/api/v1`, Swagger UI at `/docs`, the spec at
//! `/openapi.json`, `/health`, `/ready` and `/metrics`; live events at
//! `/api/v1/events`; the Telegram bot's webhook at `/telegram/webhook`. It reads the entities and enqueues jobs; it
//! never runs them.

pub mod admin;
pub mod analytics;
pub mod auth;
pub mod cors;
pub mod count_cache;
pub mod envelope;
pub mod events;
pub mod health;
pub mod job_board;
pub mod leagues;
pub mod matches;
pub mod models;
pub mod names;
pub mod news;
pub mod observe;
pub mod ops;
pub mod pagination;
pub mod players;
pub mod predictions;
pub mod prometheus;
pub mod request_id;
mod search;
pub mod settings;
pub mod state;
pub mod tags;
pub mod teams;
pub mod telegram;
pub mod value_bets;

use poem::{Endpoint, EndpointExt, Route, get, post};
use poem_openapi::OpenApiService;

pub use settings::{ApiSettings, AuthSettings};
pub use state::ApiState;

/// Where the versioned API is mounted.
pub const API_PREFIX: &str = "/api/v1";

type ReadApis = (
    matches::MatchesApi,
    predictions::PredictionsApi,
    value_bets::ValueBetsApi,
    leagues::LeaguesApi,
    teams::TeamsApi,
    players::PlayersApi,
    news::NewsApi,
    analytics::AnalyticsApi,
    models::ModelsApi,
    events::EventsApi,
);
type AdminApis = (
    admin::jobs::AdminJobsApi,
    admin::job_board::JobBoardApi,
    admin::queues::QueuesApi,
    admin::schedules::SchedulesApi,
    admin::dead_letters::DeadLettersApi,
    admin::audit_log::AuditApi,
    admin::alert_deliveries::AlertDeliveriesApi,
    admin::webhooks::WebhooksApi,
);
type Apis = (ReadApis, AdminApis);

fn service(state: &ApiState) -> OpenApiService<Apis, ()> {
    let reads = (
        matches::MatchesApi { state: state.clone() },
        predictions::PredictionsApi { state: state.clone() },
        value_bets::ValueBetsApi { state: state.clone() },
        leagues::LeaguesApi { state: state.clone() },
        teams::TeamsApi { state: state.clone() },
        players::PlayersApi { state: state.clone() },
        news::NewsApi { state: state.clone() },
        analytics::AnalyticsApi { state: state.clone() },
        models::ModelsApi { state: state.clone() },
        events::EventsApi { state: state.clone() },
    );
    let admin = (
        admin::jobs::AdminJobsApi { state: state.clone() },
        admin::job_board::JobBoardApi { state: state.clone() },
        admin::queues::QueuesApi { state: state.clone() },
        admin::schedules::SchedulesApi { state: state.clone() },
        admin::dead_letters::DeadLettersApi { state: state.clone() },
        admin::audit_log::AuditApi { state: state.clone() },
        admin::alert_deliveries::AlertDeliveriesApi { state: state.clone() },
        admin::webhooks::WebhooksApi { state: state.clone() },
    );
    let apis = (reads, admin);
    OpenApiService::new(apis, "Kickoff", env!("CARGO_PKG_VERSION")).server(API_PREFIX)
}

/// The whole HTTP application.
pub fn app(state: ApiState) -> impl Endpoint {
    let api = service(&state);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let observe = observe::Observe::new(observe::route_names(API_PREFIX, &api.spec()));
    let cors = cors::layer(&state.settings);
    let with_cors = cors::enabled(&state.settings);
    Route::new()
        .nest(API_PREFIX, api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at("/health", get(health::health))
        .at("/ready", get(health::ready))
        .at("/metrics", get(prometheus::scrape))
        .at("/telegram/webhook", post(telegram::webhook))
        .nest("/ops", ops::routes(&state))
        .around(auth::middleware::guard)
        .data(state)
        .with(observe::CaptureRoute)
        .catch_all_error(envelope::render_error)
        .with_if(with_cors, cors)
        .with(observe)
}
