//! What a handler is given: the database, its own envelope (so the jobs it queues are
//! its chain's children), and only the dependencies its kind uses (`deps`), picked
//! from the runtime in the kind's `Handle` impl.

use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, QueueClient, QueueError};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

use crate::runtime::{Runtime, fence};

pub struct Cx<'a, D> {
    pub db: &'a DatabaseConnection,
    pub envelope: &'a Envelope,
    queues: &'a QueueClient,
    pub deps: D,
}

impl<'a, D> Cx<'a, D> {
    pub fn new(rt: &'a Runtime, envelope: &'a Envelope, deps: D) -> Self {
        Self { db: &rt.db, envelope, queues: &rt.queues, deps }
    }

    /// Queues `job` as the next link of this job's chain (same chain, this job as parent).
    pub async fn enqueue_child(
        &self,
        job: impl Into<AnyJob>,
        opts: &EnqueueOptions,
    ) -> Result<Enqueued, QueueError> {
        let child = Envelope::new(&job.into()).child_of(self.envelope);
        self.queues.enqueue(&child, opts).await
    }

    /// Begins this attempt's fenced transaction (see [`fence::begin`]); `None` when the
    /// attempt already committed and nothing may be written.
    pub async fn fenced(&self) -> Result<Option<DatabaseTransaction>, DbErr> {
        fence::begin(self.db, self.envelope).await
    }
}
