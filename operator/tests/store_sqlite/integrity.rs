//! A damaged or truncated database is refused at open, before anything is served from it
//! or written into it.

use std::io::{Seek, SeekFrom, Write};

use sluice::store::Store;
use sluice::store::sqlite::SqliteStore;

use super::{RUNTIME, new_build};

/// A database with enough builds to span many pages.
fn filled(path: &std::path::Path) {
    let store = SqliteStore::open(path).unwrap();
    for n in 1..=400 {
        store
            .publish_build(&new_build(RUNTIME, &format!("{n}.1"), &["dev"]), &[], &[])
            .unwrap();
    }
}

#[test]
fn a_database_damaged_in_the_middle_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    filled(&path);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(
        size > 64 * 1024,
        "the database spans many pages ({size} bytes)"
    );
    // Garbage over a few pages in the middle; the header stays intact.
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(size / 2 / 4096 * 4096)).unwrap();
    file.write_all(&[0xA5; 3 * 4096]).unwrap();
    drop(file);

    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn an_empty_database_file_is_refused_not_taken_for_a_fresh_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    filled(&path);
    std::fs::File::create(&path).unwrap(); // truncated to 0 bytes
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(err.contains("empty (0 bytes)"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left as found");
}

#[test]
fn a_new_database_appears_complete_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    // A leftover of a creation that crashed is cleared, not used.
    std::fs::write(dir.path().join("sluice.db.new"), b"half made").unwrap();
    let store = SqliteStore::open(&path).unwrap();
    store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
    assert!(!dir.path().join("sluice.db.new").exists());
}
