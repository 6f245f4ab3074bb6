//! `sluice validate` against the shipped examples: the good config repository is valid, and
//! every file in examples/invalid/ yields exactly the findings its `# expect:` comments name,
//! on those lines.

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

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

/// `(line, "severity[rule]")` pairs from `# expect: severity[rule]` comments.
fn expectations(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (_, expect) = line.split_once("# expect: ")?;
            Some((i as u64 + 1, expect.trim().to_string()))
        })
        .collect()
}

#[test]
fn example_config_repo_is_valid() {
    let dir = examples().join("config-repo");
    let (code, stdout, stderr) = sluice(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("valid: 0 errors, 0 warnings"), "{stdout}");
    assert!(stdout.contains("(20 resources)"), "{stdout}");
}

#[test]
fn every_invalid_example_reports_its_expected_findings() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected one example per rule, found {}",
        files.len()
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` comment",
            file.display()
        );
        let (code, stdout, stderr) =
            sluice(&["validate", "--format", "json", file.to_str().unwrap()]);
        let report: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
        let mut found: Vec<(u64, String)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["file"].as_str().unwrap(), file.to_str().unwrap());
                assert!(d["column"].as_u64().unwrap() >= 1);
                assert!(!d["message"].as_str().unwrap().is_empty());
                let tag = format!(
                    "{}[{}]",
                    d["severity"].as_str().unwrap(),
                    d["rule"].as_str().unwrap()
                );
                (d["line"].as_u64().unwrap(), tag)
            })
            .collect();
        expected.sort();
        found.sort();
        assert_eq!(
            found,
            expected,
            "{}: findings differ from the `# expect:` comments\n{stdout}",
            file.display()
        );
        let has_error = expected.iter().any(|(_, tag)| tag.starts_with("error"));
        assert_eq!(
            code,
            i32::from(has_error),
            "{}: exit status",
            file.display()
        );
        assert_eq!(report["valid"].as_bool(), Some(!has_error));
    }
}

#[test]
fn text_output_names_file_line_column_rule_and_hint() {
    let file = examples().join("invalid/unknown-field.yaml");
    let (code, stdout, _) = sluice(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let first = stdout.lines().next().unwrap();
    assert!(first.ends_with("unknown-field.yaml:12:3: error[unknown-field]: unknown field `updateFrequncy` in `spec`"), "{first}");
    assert!(
        stdout.contains("= hint: did you mean `updateFrequency`?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("invalid: 1 error, 0 warnings in 1 file"),
        "{stdout}"
    );
}

#[test]
fn secrets_in_urls_are_not_echoed() {
    let file = examples().join("invalid/invalid-repository-url.yaml");
    let (_, stdout, stderr) = sluice(&["validate", file.to_str().unwrap()]);
    assert!(
        !stdout.contains("s3cr3t-t0ken") && !stderr.contains("s3cr3t-t0ken"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://***@github.com/contoso/sdk"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = sluice(&["validate", "/nonexistent/config"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/config"), "{stderr}");
    let (code, _, _) = sluice(&["validate", "--format", "xml"]);
    assert_eq!(code, 2);
}

#[test]
fn multi_document_directories_are_read_recursively_skipping_hidden() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("nested")).unwrap();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(dir.path().join(".github/ci.yml"), "on: [push]\njobs: {").unwrap();
    std::fs::write(
        dir.path().join("nested/channels.yml"),
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: a}\nspec: {}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: b}\nspec: {}\n",
    )
    .unwrap();
    let (code, stdout, _) = sluice(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("in 1 file (2 resources)"), "{stdout}");
}
