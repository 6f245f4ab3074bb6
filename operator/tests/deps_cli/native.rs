//! The native manifest (`.sluice/dependencies.yaml`): `examples/native-manifest` updated
//! through every reference it declares.

use std::fs;
use std::path::{Path, PathBuf};

use super::{read, sluice, update};

/// A copy of `examples/native-manifest` in a temporary directory, and the example's path.
fn native_example() -> (PathBuf, tempfile::TempDir) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/native-manifest");
    let dir = tempfile::tempdir().expect("tempdir");
    for path in [
        ".sluice/dependencies.yaml",
        "Cargo.toml",
        "Dockerfile",
        "deploy/values.yaml",
        "package.json",
    ] {
        let target = dir.path().join(path);
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::copy(example.join(path), &target).expect("copy");
    }
    (example, dir)
}

#[test]
fn native_example_updates_every_reference() {
    let (example, dir) = native_example();
    let d = dir.path().to_string_lossy().into_owned();
    assert!(sluice(&["deps", "verify", "--dir", &d]).status.success());
    let out = update(
        dir.path(),
        &["Contoso.Runtime=9.0.2", "Contoso.Schema=1.8.0"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = fs::read_to_string(example.join("Dockerfile")).expect("read");
    assert_eq!(
        read(dir.path(), "Dockerfile"),
        before.replace("runtime:9.0.1", "runtime:9.0.2")
    );
    assert!(
        read(dir.path(), "Cargo.toml").contains("contoso-schema = \"1.7.0\""),
        "pinned stays"
    );
    assert!(sluice(&["deps", "verify", "--dir", &d]).status.success());
}

#[test]
fn native_references_refuse_a_version_outside_their_grammar() {
    let (example, dir) = native_example();
    let out = update(dir.path(), &["Contoso.Runtime=9.0.2 AS evil"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        // Refused at the door; the writers' own refusal is tested in the core.
        stderr.contains("--asset Contoso.Runtime: version \"9.0.2 AS evil\": contains ' '"),
        "{stderr}"
    );
    for path in [".sluice/dependencies.yaml", "Cargo.toml", "Dockerfile"] {
        let before = fs::read_to_string(example.join(path)).expect("read");
        assert_eq!(read(dir.path(), path), before, "{path}");
    }
}
