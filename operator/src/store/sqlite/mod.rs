//! The embedded [`Store`]: one SQLite file in WAL mode.
//!
//! One connection behind a mutex serves the whole process; every trait method runs in one
//! transaction (writes take the write lock up front with `BEGIN IMMEDIATE`), so a crash
//! leaves all of a call's writes or none. Other processes sharing the file wait up to the
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
mod pull_requests;
mod schema;
mod subscriptions;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use sluice_core::flow::{BuildId, BuildInfo, Check, Review, UpdateKey};
use sluice_core::model::PullRequestState;

use super::{
    BuildQuery, FlowEvent, LocalPullRequest, NewBuild, Store, StoreError, SubscriptionRecord,
    TrackedPullRequest,
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
    /// Opens (creating if needed) the database file at `path` and brings its schema up
    /// to date. Fails when the file belongs to a newer sluice. The parent directory must
    /// exist.
    ///
    /// A new database is made under a temporary name and moved into place complete, so a
    /// crash never leaves a half-made file behind; an existing one is checked first
    /// (`PRAGMA quick_check`) and refused when damaged, and an empty (0-byte) file is
    /// refused rather than taken for a fresh start, since it can only be a truncated
    /// database.
    pub fn open(path: &Path) -> std::result::Result<SqliteStore, StoreError> {
        let name = path.display().to_string();
        let refuse = |message: String| StoreError::Database {
            path: name.clone(),
            message,
        };
        match std::fs::metadata(path) {
            Ok(meta) if meta.len() == 0 => {
                return Err(refuse(
                    "the file is empty (0 bytes), so it is not a sluice database but a \
                     truncated one; restore it from a backup, or move it away to start with an \
                     empty store"
                        .into(),
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path)?,
            Err(e) => return Err(refuse(e.to_string())),
        }
        let connection =
            Connection::open(path).map_err(|e| Fault::from(e).into_store_error(&name))?;
        integrity::check(&connection).map_err(|f| f.into_store_error(&name))?;
        Self::prepare(name, connection, true)
    }

    /// Makes a new, migrated database at `path` through a temporary file.
    fn create(path: &Path) -> std::result::Result<(), StoreError> {
        let staging = path.with_extension("db.new");
        // Errors name the database the caller asked for.
        let name = path.display().to_string();
        let io = |e: std::io::Error| StoreError::Database {
            path: name.clone(),
            message: e.to_string(),
        };
        for leftover in integrity::files_of(&staging) {
            match std::fs::remove_file(&leftover) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
        let connection =
            Connection::open(&staging).map_err(|e| Fault::from(e).into_store_error(&name))?;
        // Closing the only connection checkpoints the log into the file.
        drop(Self::prepare(name.clone(), connection, true)?);
        std::fs::rename(&staging, path).map_err(io)?;
        Ok(())
    }

    /// A private database that lives as long as the returned store (for tests and dry
    /// runs).
    pub fn open_in_memory() -> std::result::Result<SqliteStore, StoreError> {
        let name = ":memory:".to_string();
        let connection =
            Connection::open_in_memory().map_err(|e| Fault::from(e).into_store_error(&name))?;
        Self::prepare(name, connection, false)
    }

    /// The database file this store was opened on (`:memory:` for in-memory stores).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> std::result::Result<i64, StoreError> {
        schema::version(&self.lock()).map_err(|f| f.into_store_error(&self.path))
    }

    fn prepare(
        path: String,
        mut connection: Connection,
        file: bool,
    ) -> std::result::Result<SqliteStore, StoreError> {
        configure(&mut connection, file).map_err(|f| f.into_store_error(&path))?;
        schema::migrate(&mut connection).map_err(|f| f.into_store_error(&path))?;
        Ok(SqliteStore {
            path,
            connection: Mutex::new(connection),
        })
    }

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

/// Connection settings: WAL, durable commits, foreign keys, busy timeout.
fn configure(connection: &mut Connection, file: bool) -> Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Fault::Data(format!(
                "cannot switch to write-ahead logging (journal mode stays `{mode}`)"
            )));
        }
    }
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    let enforced: bool = connection.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    if !enforced {
        return Err(Fault::Data(
            "this SQLite build does not enforce foreign keys".into(),
        ));
    }
    Ok(())
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
        self.read(|tx| Ok(subscriptions::load(tx, name)?.unwrap_or_default()))
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

    fn tracked_pull_request(
        &self,
        key: &UpdateKey,
    ) -> std::result::Result<Option<TrackedPullRequest>, StoreError> {
        self.read(|tx| pull_requests::latest(tx, &pull_requests::key_id(key)))
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

    fn create_local_pull_request(
        &self,
        repository: &str,
        base_branch: &str,
        head_branch: &str,
        title: &str,
        description: &str,
    ) -> std::result::Result<LocalPullRequest, StoreError> {
        self.write(|tx| {
            let new = local_forge::NewPullRequest {
                repository,
                base_branch,
                head_branch,
                title,
                description,
            };
            local_forge::create(tx, &new)
        })
    }

    fn local_pull_request(
        &self,
        number: i64,
    ) -> std::result::Result<Option<LocalPullRequest>, StoreError> {
        self.read(|tx| local_forge::load(tx, number))
    }

    fn find_local_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> std::result::Result<Option<LocalPullRequest>, StoreError> {
        self.read(|tx| local_forge::find_open(tx, repository, head_branch))
    }

    fn local_pull_requests(&self) -> std::result::Result<Vec<LocalPullRequest>, StoreError> {
        self.read(local_forge::list)
    }

    fn save_local_pull_request(
        &self,
        pr: &LocalPullRequest,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| local_forge::save(tx, pr))
    }

    fn save_local_pull_request_if(
        &self,
        pr: &LocalPullRequest,
        expected: PullRequestState,
    ) -> std::result::Result<bool, StoreError> {
        self.write(|tx| local_forge::save_if(tx, pr, expected))
    }

    fn comment_local_pull_request(
        &self,
        number: i64,
        body: &str,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| local_forge::comment(tx, number, body))
    }

    fn report_check(
        &self,
        number: i64,
        head_commit: &str,
        check: &Check,
    ) -> std::result::Result<(), StoreError> {
        self.write(|tx| local_forge::report_check(tx, number, head_commit, check))
    }

    fn checks(
        &self,
        number: i64,
        head_commit: &str,
    ) -> std::result::Result<Vec<Check>, StoreError> {
        self.read(|tx| local_forge::checks(tx, number, head_commit))
    }

    fn report_review(&self, number: i64, review: &Review) -> std::result::Result<(), StoreError> {
        self.write(|tx| local_forge::report_review(tx, number, review))
    }

    fn reviews(&self, number: i64) -> std::result::Result<Vec<Review>, StoreError> {
        self.read(|tx| local_forge::reviews(tx, number))
    }

    fn append_event(&self, event: &FlowEvent) -> std::result::Result<(), StoreError> {
        self.write(|tx| events::append(tx, event).map(|_| ()))
    }

    fn events_for_build(&self, build: BuildId) -> std::result::Result<Vec<FlowEvent>, StoreError> {
        self.read(|tx| events::for_build(tx, build))
    }

    fn recent_events(&self, limit: u32) -> std::result::Result<Vec<FlowEvent>, StoreError> {
        self.read(|tx| events::recent(tx, limit))
    }
}
