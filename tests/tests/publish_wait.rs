//! `sluice build publish --wait` follows a build through its dependent subscriptions,
//! printing progress, and fails with the names of the stragglers when time runs out.

use std::process::{Command, Stdio};
use std::time::Duration;

use sluice_tests::binary::sluice_path;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git, remote_url};
use sluice_tests::wait;

fn publish(
    server: &Server,
    root: &std::path::Path,
    number: &str,
    version: &str,
    wait: &str,
) -> std::process::Child {
    let head = git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);
    Command::new(sluice_path())
        .args([
            "build",
            "publish",
            "--repo",
            &remote_url(root, "runtime"),
            "--branch",
            "main",
            "--commit",
            &head,
            "--number",
            number,
        ])
        .args([
            "--asset",
            &format!("Contoso.Runtime={version}"),
            "--wait",
            wait,
        ])
        .env("SLUICE_SERVER", server.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn publish_waits_until_every_dependent_has_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();

    // Nobody reports checks: the wait ends in failure, naming who is still waiting.
    let out = publish(&server, root, "1", "2.0.0", "2")
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("still waiting for:") && stderr.contains("runtime-to-sdk"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pull-request-open"),
        "progress lines show the pull requests: {stderr}"
    );

    // A newer build, with checks reported as a CI would: the wait succeeds.
    let child = publish(&server, root, "2", "2.0.1", "60");
    let mut child = child;
    let status = wait::until("publish --wait to finish", Duration::from_secs(60), || {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        let prs: Vec<serde_json::Value> =
            serde_json::from_str(&server.sluice(&["pr", "list", "--format", "json"]).unwrap())
                .unwrap();
        for pr in prs.iter().filter(|p| p["state"] == "Open") {
            let _ = server.sluice(&[
                "pr",
                "check",
                &pr["number"].to_string(),
                "--name",
                "ci",
                "--state",
                "success",
            ]);
        }
        None
    });
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("reached all 3 dependent subscriptions"),
        "{stderr}"
    );
    server.stop();
}
