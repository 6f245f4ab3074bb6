//! `sluice validate` reports every problem at once: a file that is not text is one finding
//! among the others, and a directory without any manifest is a warning, not an error.

use std::process::Command;

fn sluice(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .output()
        .expect("run sluice");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_binary_file_is_one_finding_and_the_rest_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a-binary.yaml"),
        [0x89, b'P', b'N', b'G', 0xff, 0x00],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b-channels.yaml"),
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: Dev}\nspec: {}\n",
    )
    .unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    let (code, stdout, stderr) = sluice(&["validate", &root]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "a-binary.yaml:1:1: error[unreadable-file]: not a text file: invalid UTF-8 at byte 0"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("b-channels.yaml:3:18: error[invalid-name]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 errors, 0 warnings in 2 files"),
        "{stdout}"
    );
}

#[test]
fn an_empty_directory_warns_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    let (code, stdout, stderr) = sluice(&["validate", &root]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("warning[no-manifests]: no *.yaml or *.yml file found"),
        "{stdout}"
    );
    assert!(stdout.contains("valid: 0 errors, 1 warning"), "{stdout}");
}
