//! What every handler shares.

use sea_orm::DatabaseConnection;

/// The API's shared state: the database it reads.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub db: DatabaseConnection,
}
