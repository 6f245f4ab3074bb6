//! A reader that goes away (`sluice crds | head -1`) ends the command quietly with exit
//! status 0: no panic, no message.

use std::process::Stdio;

use sluice_tests::binary::sluice;

/// Runs sluice with stdout on a pipe whose reading end is already closed, so the first
/// write fails with a broken pipe; returns the exit code and stderr.
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = sluice()
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly() {
    for args in [&["crds"][..], &["schema", "--kind", "subscription"]] {
        let (code, stderr) = run_into_closed_pipe(args);
        assert_eq!(code, Some(0), "sluice {args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "sluice {args:?} complained: {stderr}"
        );
    }
}
