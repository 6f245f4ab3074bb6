//! The checked-in CRDs (crds/ and the chart's copy) and JSON Schemas match what the code
//! generates. Run `make crds schema` after changing the resource model.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs sluice writing into a fresh directory and compares every file with `checked_in`;
/// also fails on files in `checked_in` that the generator no longer writes.
fn assert_same(args: &[&str], checked_in: &Path, extension: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(extension))
            .collect();
        names.sort();
        names
    };
    let generated = list(tmp.path());
    assert!(!generated.is_empty());
    assert_eq!(
        list(checked_in),
        generated,
        "{}: file set drifted; run `make crds schema`",
        checked_in.display()
    );
    for name in generated {
        let want = std::fs::read_to_string(tmp.path().join(&name)).unwrap();
        let have = std::fs::read_to_string(checked_in.join(&name)).unwrap();
        assert!(
            want == have,
            "{}/{name} is stale; run `make crds schema`",
            checked_in.display()
        );
    }
}

#[test]
fn crds_match_the_code() {
    assert_same(&["crds"], &root().join("crds"), ".yaml");
}

#[test]
fn chart_crds_match_the_code() {
    assert_same(&["crds"], &root().join("charts/sluice/crds"), ".yaml");
}

#[test]
fn json_schemas_match_the_code() {
    assert_same(&["schema"], &root().join("crds/schema"), ".json");
}

#[test]
fn printed_crds_are_the_files_joined() {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .arg("crds")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    for kind in [
        "channels",
        "defaultchannels",
        "subscriptions",
        "repositorypolicies",
        "builds",
    ] {
        let file =
            std::fs::read_to_string(root().join(format!("crds/{kind}.sluice.dev.yaml"))).unwrap();
        assert!(printed.contains(&file), "{kind} missing from `sluice crds`");
    }
    assert_eq!(printed.matches("\n---\n").count(), 4, "five documents");
}

/// The README's status table lists every reason under the condition it makes true, as
/// `sluice status --help` does (from the same source).
#[test]
fn the_readme_lists_every_status_reason_under_its_condition() {
    use sluice_core::flow::Reason;

    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for reason in Reason::ALL {
        let row_start = format!("| `{:?}` |", reason.condition());
        let row = readme
            .lines()
            .find(|l| l.starts_with(&row_start))
            .unwrap_or_else(|| panic!("README has no status table row {row_start}"));
        assert!(
            row.contains(&format!("`{reason}`")),
            "README's {row_start} row lacks {reason}"
        );
    }
}
