//! Locating and running the `sluice` binary built in the same target directory.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `sluice` binary: `$SLUICE_BIN` when set, otherwise the one beside this executable
/// (a binary in `target/debug/`) or one level up (a test in `target/debug/deps/`); cargo and
/// nextest build every workspace binary first.
pub fn sluice_path() -> PathBuf {
    if let Some(path) = std::env::var_os("SLUICE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("executable path");
    let name = format!("sluice{}", std::env::consts::EXE_SUFFIX);
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .collect();
    match candidates.iter().find(|p| p.exists()) {
        Some(path) => path.clone(),
        None => panic!(
            "{} not found; build it with `cargo build -p sluice`",
            candidates[0].display()
        ),
    }
}

/// A `Command` for the sluice binary.
pub fn sluice() -> Command {
    Command::new(sluice_path())
}

/// Runs sluice with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    sluice().args(args).output().expect("run sluice")
}

/// The stderr of `sluice serve` with an empty config and `extra` options, which must
/// refuse to start (the test fails if it starts); `SLUICE_NO_SUCH_VAR` is unset.
pub fn serve_refused(extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).expect("config directory");
    let output = sluice()
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(tmp.path().join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("SLUICE_NO_SUCH_VAR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sluice serve");
    assert!(!output.status.success(), "refused: {extra:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}
