//! A target whose manifest is malformed stalls only its own subscriptions, with file, line
//! and column in their status; the other targets keep flowing.

use std::time::Duration;

use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git};
use sluice_tests::wait;

#[test]
fn a_malformed_manifest_stalls_only_its_subscriptions() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    // Break sdk's manifest: an unclosed element on line 4.
    let work = root.join("work/sdk");
    let xml = std::fs::read_to_string(work.join("eng/Version.Details.xml")).unwrap();
    std::fs::write(
        work.join("eng/Version.Details.xml"),
        xml.replacen("</Dependency>", "</Dependncy>", 1),
    )
    .unwrap();
    git(&work, &["commit", "--quiet", "-am", "Break the manifest"]);
    git(
        &work,
        &[
            "push",
            "--quiet",
            root.join("remotes/sdk.git").to_str().unwrap(),
            "main",
        ],
    );

    let server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();

    let status = wait::until_ok("a stall and flow", Duration::from_secs(60), || {
        let status: Vec<serde_json::Value> =
            serde_json::from_str(&server.sluice(&["status", "--format", "json"]).unwrap()).unwrap();
        let row = |name: &str| status.iter().find(|r| r["name"] == name).cloned().unwrap();
        let sdk = row("runtime-to-sdk");
        let others_open = ["runtime-to-extensions", "runtime-to-aspnetcore"]
            .iter()
            .all(|n| row(n)["pullRequest"]["state"] == "Open");
        if sdk["condition"] == "Stalled" && others_open {
            Ok(status)
        } else {
            Err(format!("{status:#?}"))
        }
    });
    let sdk = status
        .iter()
        .find(|r| r["name"] == "runtime-to-sdk")
        .unwrap();
    let message = sdk["message"].as_str().unwrap();
    assert_eq!(sdk["reason"], "ManifestInvalid", "{sdk:#}");
    assert!(
        message.contains("eng/Version.Details.xml:"),
        "message names the file: {message}"
    );
    let after_file = message.split("eng/Version.Details.xml:").nth(1).unwrap();
    let line: u32 = after_file
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("line number in {message}"));
    assert!(line >= 4, "{message}");
    assert!(
        sdk["pullRequest"].is_null(),
        "no pull request for a stalled target: {sdk:#}"
    );
    // The kstatus conditions behind the summary: Ready False and Stalled True, both with
    // the reason and message, and no Reconciling.
    let conditions: Vec<(&str, &str, &str)> = sdk["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["message"], message, "{c:#}");
            assert!(c["lastTransitionTime"].is_string(), "{c:#}");
            (
                c["type"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
                c["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        conditions,
        [
            ("Ready", "False", "ManifestInvalid"),
            ("Stalled", "True", "ManifestInvalid")
        ]
    );
    server.stop();
}
