//! `sluice validate` never prints credentials found in a repository URL, in any URL shape,
//! in text or JSON, and refuses such URLs.

use std::process::Command;

const SECRET: &str = "hunter2s3cret";

#[test]
fn credentials_in_repository_urls_are_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flow.yaml"),
        format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{displayName: Dev}}\n---\n\
             apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: a}}\nspec:\n  \
             source: {{repository: \"ftp://bot:{SECRET}@example.com/x\", channel: dev}}\n  \
             target: {{repository: \"bot:{SECRET}@github.com:o/r\", branch: main}}\n---\n\
             apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: b}}\nspec:\n  \
             source: {{repository: \"https://bot:{SECRET}@github.com/o/r\", channel: dev}}\n  \
             target: {{repository: \"https://github.com/o/t\", branch: main}}\n"
        ),
    )
    .unwrap();
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["validate", "--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}{stderr}");
        assert_eq!(
            stdout.matches("invalid-repository-url").count(),
            3,
            "{format}: {stdout}"
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{format} leaks the secret: {stdout}{stderr}"
        );
    }
}
