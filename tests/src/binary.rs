//! Locating and running the `sluice` binary built in the same target directory.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `sluice` binary: `$SLUICE_BIN` when set, otherwise the one next to this test
/// executable's `deps/` directory (cargo and nextest build every workspace binary first).
pub fn sluice_path() -> PathBuf {
    if let Some(path) = std::env::var_os("SLUICE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory");
    let path = dir.join(format!("sluice{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} not found; build it with `cargo build -p sluice`",
        path.display()
    );
    path
}

/// A `Command` for the sluice binary.
pub fn sluice() -> Command {
    Command::new(sluice_path())
}

/// Runs sluice with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    sluice().args(args).output().expect("run sluice")
}
