//! Checks an existing database before it is used: a damaged file is refused with a clear
//! message instead of serving (and writing into) it.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{Fault, Result};

/// How many of SQLite's findings a refusal quotes.
const QUOTED: usize = 3;

/// Runs `PRAGMA quick_check` and fails with its first findings unless it answers `ok`.
pub(super) fn check(connection: &Connection) -> Result<()> {
    let findings = quick_check(connection).unwrap_or_else(|e| vec![e.to_string()]);
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(());
    }
    let mut quoted: Vec<&str> = findings.iter().take(QUOTED).map(String::as_str).collect();
    if findings.len() > QUOTED {
        quoted.push("...");
    }
    Err(Fault::Data(format!(
        "the database is damaged (SQLite quick_check: {}); restore it from a backup, \
         or move it away to start with an empty store",
        quoted.join("; ")
    )))
}

/// The database file and the files SQLite keeps beside it.
pub(super) fn files_of(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

/// SQLite's findings; a check that cannot even read the file fails with the reason.
fn quick_check(connection: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare("PRAGMA quick_check")?;
    statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect()
}
