use super::*;
use crate::manifest::paths;

const MANIFEST: &str = "# flows\ndependencies:\n  - name: Contoso.Runtime\n    version: 1.0.0   # current\n    repository: https://github.com/contoso/runtime\n    commit: aaaaaaa\n    references:\n      - file: Cargo.toml\n        toml: workspace.dependencies.contoso-runtime.version\n      - file: deploy/values.yaml\n        yaml: image.tag\n      - file: package.json\n        json: dependencies.contoso-runtime\n      - file: Dockerfile\n        regex: 'FROM contoso/runtime:(?P<version>\\S+)'\n  - name: Contoso.Pinned\n    version: \"2.0.0\"\n    repository: https://github.com/contoso/runtime\n    commit: aaaaaaa\n    pinned: true\n";

fn files() -> ManifestFiles {
    let mut f = ManifestFiles::new();
    f.insert(paths::NATIVE.into(), MANIFEST.as_bytes().to_vec());
    f.insert(
        "Cargo.toml".into(),
        b"[workspace.dependencies]\ncontoso-runtime = { version = \"1.0.0\", features = [\"x\"] } # pinned by sluice\n".to_vec(),
    );
    f.insert(
        "deploy/values.yaml".into(),
        b"image:\n  repo: contoso/runtime\n  tag: '1.0.0'  # keep\n".to_vec(),
    );
    f.insert(
        "package.json".into(),
        b"{\n    \"dependencies\": {\"contoso-runtime\": \"1.0.0\"}\n}".to_vec(),
    );
    f.insert(
        "Dockerfile".into(),
        b"FROM contoso/runtime:1.0.0 AS build\nRUN make\nFROM contoso/runtime:1.0.0\n".to_vec(),
    );
    f
}

fn build(assets: &[(&str, &str)]) -> BuildUpdate {
    crate::manifest::fixture::build("https://github.com/contoso/runtime", "bbbbbbb", assets)
}

fn text(changes: &Changes, path: &str) -> String {
    String::from_utf8(changes.files.get(path).cloned().unwrap_or_default()).expect("utf8")
}

#[test]
fn lists_dependencies_with_positions() {
    let deps = list(&files()).expect("lists");
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0].name, "Contoso.Runtime");
    assert_eq!(deps[0].pos.line, 3);
    assert!(deps[1].pinned);
    assert_eq!(referenced_paths(&files()).expect("paths").len(), 4);
}

#[test]
fn update_edits_every_reference_in_place() {
    let changes = update(
        &files(),
        &build(&[("contoso.runtime", "1.1.0"), ("Contoso.Pinned", "3.0.0")]),
    )
    .expect("updates");
    assert_eq!(changes.updates.len(), 1);
    assert_eq!(
        text(&changes, paths::NATIVE),
        MANIFEST
            .replace(
                "- name: Contoso.Runtime\n    version: 1.0.0",
                "- name: contoso.runtime\n    version: 1.1.0"
            )
            .replacen("commit: aaaaaaa", "commit: bbbbbbb", 1)
    );
    assert_eq!(
        text(&changes, "Cargo.toml"),
        "[workspace.dependencies]\ncontoso-runtime = { version = \"1.1.0\", features = [\"x\"] } # pinned by sluice\n"
    );
    assert_eq!(
        text(&changes, "deploy/values.yaml"),
        "image:\n  repo: contoso/runtime\n  tag: '1.1.0'  # keep\n"
    );
    assert_eq!(
        text(&changes, "package.json"),
        "{\n    \"dependencies\": {\"contoso-runtime\": \"1.1.0\"}\n}"
    );
    assert_eq!(
        text(&changes, "Dockerfile"),
        "FROM contoso/runtime:1.1.0 AS build\nRUN make\nFROM contoso/runtime:1.1.0\n"
    );
}

#[test]
fn no_matching_asset_changes_nothing() {
    let changes = update(&files(), &build(&[("Other", "1.0")])).expect("updates");
    assert!(changes.is_empty());
}

#[test]
fn verify_reports_drift_and_duplicates() {
    let mut f = files();
    assert!(verify(&f).expect("verifies").is_empty());
    f.insert(
        "Dockerfile".into(),
        b"FROM contoso/runtime:0.9.0\n".to_vec(),
    );
    let dup = format!(
        "{MANIFEST}  - name: contoso.runtime\n    version: 1.0.0\n    repository: r\n    commit: c\n"
    );
    f.insert(paths::NATIVE.into(), dup.into_bytes());
    let findings = verify(&f).expect("verifies");
    let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert_eq!(findings.len(), 2, "{text:?}");
    assert!(
        text[0].starts_with("Dockerfile:1:22: Contoso.Runtime (regex"),
        "{text:?}"
    );
    assert!(text[1].contains("duplicate dependency"), "{text:?}");
}

#[test]
fn add_appends_an_entry() {
    let dep = Dependency::new(
        "New.Pkg",
        "0.1.0",
        "https://github.com/contoso/new",
        "ccccccc",
    );
    let changes = add(&files(), &dep).expect("adds");
    let mut f = files();
    f.insert(paths::NATIVE.into(), changes.files[paths::NATIVE].clone());
    let deps = list(&f).expect("lists");
    assert_eq!(deps.len(), 3);
    assert_eq!(deps[2].name, "New.Pkg");
    assert!(text(&changes, paths::NATIVE).starts_with(MANIFEST));
}

#[test]
fn add_keeps_the_manifests_final_line_break() {
    let dep = Dependency::new("New.Pkg", "0.1.0", "https://github.com/contoso/new", "c");
    let entry = "  - name: New.Pkg\n    version: 0.1.0\n    repository: https://github.com/contoso/new\n    commit: c\n    kind: product";
    let cases = [
        (MANIFEST.to_string(), format!("{MANIFEST}{entry}\n")),
        (
            MANIFEST.trim_end().to_string(),
            format!("{MANIFEST}{entry}"),
        ),
        (
            "# flows\ndependencies: []\n".to_string(),
            format!("# flows\ndependencies:\n{entry}\n"),
        ),
        (
            "# flows\ndependencies: []".to_string(),
            format!("# flows\ndependencies:\n{entry}"),
        ),
    ];
    for (before, want) in cases {
        for nl in ["\n", "\r\n"] {
            let mut f = ManifestFiles::new();
            f.insert(paths::NATIVE.into(), before.replace('\n', nl).into_bytes());
            let changes = add(&f, &dep).expect("adds");
            assert_eq!(
                text(&changes, paths::NATIVE),
                want.replace('\n', nl),
                "{before:?}"
            );
        }
    }
}

#[test]
fn malformed_input_names_the_position() {
    let cases: [(&str, &str, &str); 3] = [
        (
            paths::NATIVE,
            "dependencies:\n  - name: [\n",
            ".sluice/dependencies.yaml:",
        ),
        (
            paths::NATIVE,
            "dependencies:\n  - name: x\n    bogus: 1\n",
            ".sluice/dependencies.yaml:",
        ),
        ("Cargo.toml", "[workspace\n", "Cargo.toml:1:"),
    ];
    for (path, content, prefix) in cases {
        let mut f = files();
        f.insert(path.into(), content.as_bytes().to_vec());
        let e = update(&f, &build(&[("Contoso.Runtime", "1.1.0")])).expect_err("malformed");
        assert!(e.to_string().starts_with(prefix), "{e}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn damaged_files_never_panic(
        edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 1..6),
        target in 0usize..5,
    ) {
        let mut f = files();
        let path = [paths::NATIVE, "Cargo.toml", "deploy/values.yaml", "package.json", "Dockerfile"][target];
        let mut bytes = f[path].clone();
        for (index, byte) in &edits {
            if bytes.is_empty() {
                break;
            }
            let i = index.index(bytes.len());
            if byte % 2 == 0 {
                bytes.remove(i);
            } else {
                bytes.insert(i, b":-'\"{[#\n"[usize::from(*byte) % 8]);
            }
        }
        f.insert(path.into(), bytes);
        let _ = list(&f);
        let _ = verify(&f);
        let _ = update(&f, &build(&[("Contoso.Runtime", "1.1.0")]));
    }
}
