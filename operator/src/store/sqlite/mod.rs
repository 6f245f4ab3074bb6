//! The embedded [`Store`]: one SQLite file in WAL mode.
//!
//! One connection behind a mutex serves the whole process; every trait method runs in one
//! transaction (writes take the write lock up front with `BEGIN IMMEDIATE`) or is a single
//! statement, so a crash leaves all of a call's writes or none. Other processes sharing the file wait up to the
//! busy timeout for the write lock.
//!
//! `synchronous=FULL`: in WAL mode that costs one fsync per committed transaction, and in
//! exchange a call that returned `Ok` survives a power cut. sluice writes a few
//! transactions per build and per reconcile cycle, and a publish that CI was told
//! succeeded cannot be recovered by the next cycle if it is lost, so durability wins.

mod builds;
mod codec;
mod events;
mod integrity;
mod local_forge;
mod open;
mod pull_requests;
mod schema;
mod subscriptions;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use sluice_core::flow::{BuildId, BuildInfo, UpdateKey};

use super::{
    BuildQuery, FlowEvent, NewBuild, Store, StoreError, SubscriptionRecord, TrackedPullRequest,
};

/// The schema version this code writes; [`SqliteStore::open`] refuses newer databases.
pub const SCHEMA_VERSION: i64 = schema::CURRENT_VERSION;

/// How long a call waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an internal step failed; turned into a [`StoreError`] naming the file at the
/// trait boundary.
#[derive(Debug)]
enum Fault {
    /// SQLite reported an error.
    Sql(rusqlite::Error),
    /// A stored value does not decode (the message names table, row and column).
    Data(String),
    /// A not-found or conflict answer for the caller.
    Answer(StoreError),
}

impl From<rusqlite::Error> for Fault {
    fn from(error: rusqlite::Error) -> Self {
        Fault::Sql(error)
    }
}

impl Fault {
    fn into_store_error(self, path: &str) -> StoreError {
        match self {
            Fault::Sql(error) => StoreError::Database {
                path: path.to_string(),
                message: error.to_string(),
            },
            Fault::Data(message) => StoreError::Database {
                path: path.to_string(),
                message,
            },
            Fault::Answer(error) => error,
        }
    }
}

/// Internal result type of the store's steps.
type Result<T> = std::result::Result<T, Fault>;

/// The SQLite-backed store. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct SqliteStore {
    path: String,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// The connection. A panic while it was held (only possible inside an
    /// `update_subscription` closure) rolled its transaction back, so the poison flag
    /// carries no meaning and is ignored.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `step` in a read transaction (one consistent snapshot).
    fn read<T>(
        &self,
        step: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> std::result::Result<T, StoreError> {
        self.transaction(TransactionBehavior::Deferred, step)
    }

    /// Runs `step`, one statement, without an explicit transaction: a single statement
    /// reads one consistent snapshot by itself, and the `BEGIN`/`COMMIT` pair would cost
    /// more than the lookups the engine makes per key.
    fn read_statement<T>(
        &self,
        step: impl FnOnce(&Connection) -> Result<T>,
    ) -> std::result::Result<T, StoreError> {
        let connection = self.lock();
        step(&connection).map_err(|f| f.into_store_error(&self.path))
    }

    /// Runs `step` in a write transaction, committing when it succeeds.
    fn write<T>(
        &self,
        step: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> std::result::Result<T, StoreError> {
        self.transaction(TransactionBehavior::Immediate, step)
    }

    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        step: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> std::result::Result<T, StoreError> {
        let mut connection = self.lock();
        let run = || -> Result<T> {
            let tx = connection.transaction_with_behavior(behavior)?;
            let value = step(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|f| f.into_store_error(&self.path))
    }
}

impl Store for SqliteStore {
    fn publish_build(
        &self,
        build: &NewBuild,
        default_channels: &[String],
        trigger: &[String],
    ) -> std::result::Result<BuildInfo, StoreError> {
        self.write(|tx| builds::publish(tx, build, default_channels, trigger))
    }

    fn find_build(
        &self,
        repository: &str,
        commit: &str,
        build_number: &str,
    ) -> std::result::Result<Option<BuildInfo>, StoreError> {
        self.read(|tx| builds::find(tx, repository, commit, build_number))
    }

    fn build(&self, id: BuildId) -> std::result::Result<Option<BuildInfo>, StoreError> {
        self.read(|tx| builds::load(tx, id))
    }

    fn builds(&self, query: &BuildQuery) -> std::result::Result<Vec<BuildInfo>, StoreError> {
        self.read(|tx| builds::list(tx, query))
    }

    fn add_to_channel(
        &self,
        id: BuildId,
        channel: &str,
        trigger: &[String],
    ) -> std::result::Result<bool, StoreError> {
        self.write(|tx| builds::add_to_channel(tx, id, channel, trigger))
    }

    fn latest_build(
        &self,
        repository: &str,
        channel: &str,
    ) -> std::result::Result<Option<BuildInfo>, StoreError> {
        self.read(|tx| builds::latest(tx, repository, channel))
    }

    fn subscription(&self, name: &str) -> std::result::Result<SubscriptionRecord, StoreError> {
        self.read_statement(|c| Ok(subscriptions::load(c, name)?.unwrap_or_default()))
    }

    fn subscriptions(
        &self,
    ) -> std::result::Result<BTreeMap<String, SubscriptionRecord>, StoreError> {
        self.read(subscriptions::list)
    }

    fn update_subscription(
        &self,
        name: &str,
        change: &mut dyn FnMut(&mut SubscriptionRecord),
    ) -> std::result::Result<SubscriptionRecord, StoreError> {
        self.write(|tx| {
            let mut record = subscriptions::load(tx, name)?.unwrap_or_default();
            change(&mut record);
            subscriptions::save(tx, name, &record)?;
            Ok(record)
        })
    }

    fn update_subscriptions(
        &self,
        names: &[String],
        change: &mut dyn FnMut(&str, &mut SubscriptionRecord),
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| {
            for name in names {
                let mut record = subscriptions::load(tx, name)?.unwrap_or_default();
                change(name, &mut record);
                subscriptions::save(tx, name, &record)?;
            }
            Ok(())
        })
    }

    fn tracked_pull_request(
        &self,
        key: &UpdateKey,
    ) -> std::result::Result<Option<TrackedPullRequest>, StoreError> {
        self.read_statement(|c| pull_requests::latest(c, &pull_requests::key_id(key)))
    }

    fn active_pull_requests(&self) -> std::result::Result<Vec<TrackedPullRequest>, StoreError> {
        self.read(pull_requests::active)
    }

    fn save_tracked_pull_request(
        &self,
        pr: &TrackedPullRequest,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| pull_requests::save(tx, pr))
    }

    fn append_event(&self, event: &FlowEvent) -> std::result::Result<(), StoreError> {
        self.write(|tx| events::append(tx, event).map(|_| ()))
    }

    fn events_for_build(&self, build: BuildId) -> std::result::Result<Vec<FlowEvent>, StoreError> {
        self.read(|tx| events::for_build(tx, build))
    }

    fn flow_times(
        &self,
        build: BuildId,
    ) -> std::result::Result<std::collections::BTreeMap<String, String>, StoreError> {
        self.read(|tx| events::last_by_subscription(tx, build))
    }

    fn recent_events(&self, limit: u32) -> std::result::Result<Vec<FlowEvent>, StoreError> {
        self.read(|tx| events::recent(tx, limit))
    }

    fn events_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> std::result::Result<Vec<FlowEvent>, StoreError> {
        self.read(|tx| events::after(tx, seq, limit))
    }

    fn revision(&self) -> u64 {
        self.lock().total_changes()
    }
}
