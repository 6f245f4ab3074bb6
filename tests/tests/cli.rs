//! The `sluice` binary as a user meets it: version, help, and a config repository copied to
//! a fresh directory, validated, broken, and validated again.

use sluice_tests::binary::run;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("sluice {}", env!("CARGO_PKG_VERSION"))
    );

    let out = run(&["--help"]);
    let help = text(&out.stdout);
    for command in ["validate", "crds", "schema", "deps"] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
    assert!(help.contains("RUST_LOG"), "{help}");

    let out = run(&["frobnicate"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown subcommands are usage errors"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn validate_a_config_repo_then_break_it() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("config");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/config-repo"),
        &repo,
    );
    let out = run(&["validate", repo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stdout));

    // Rename a channel: its users now point at nothing, and each is reported.
    let channels = repo.join("channels.yaml");
    let yaml = std::fs::read_to_string(&channels)
        .unwrap()
        .replace("name: tools-latest", "name: tools-preview");
    std::fs::write(&channels, yaml).unwrap();
    let out = run(&["validate", "--format", "json", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "unknown-channel")
        .collect();
    // arcade-main (default channel), arcade-to-aspnetcore-main and arcade-to-sdk-main.
    assert_eq!(unknown.len(), 3, "{report:#}");
    assert!(
        unknown
            .iter()
            .all(|d| d["hint"].as_str().unwrap().contains("tools-preview")
                || d["hint"].as_str().unwrap().contains("declared channels"))
    );
}
