//! Opening the database: creating a new one whole, checking an existing one, and the
//! connection settings every store runs with.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::{BUSY_TIMEOUT, Fault, Result, SqliteStore, integrity, schema};
use crate::store::StoreError;

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
}

/// Connection settings: WAL, durable commits, foreign keys, busy timeout, and plans that
/// do not depend on bound values.
fn configure(connection: &mut Connection, file: bool) -> Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // Without the query planner stability guarantee SQLite marks a statement whose plan
    // might change with a bound value (`key = ?1` tested outside an index, a `LIMIT ?`)
    // for re-preparing whenever its bindings are cleared, which the statement cache does
    // after every use: every cached query was parsed and planned again on each call.
    connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
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
