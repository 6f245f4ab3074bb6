//! `sluice subscription trigger` does what it says: it refuses a build of another
//! repository, says "nothing to do" for a build that is applied, and a forced build the
//! target already has is recorded once, never merged a second time.

use sluice_tests::demo::Server;
use sluice_tests::demo::repos;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn events(server: &Server, subscription: &str, build: i64, kind: &str) -> usize {
    let all = json(&server.get("/api/events?limit=1000").unwrap());
    all.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subscription"] == subscription && e["build"] == build && e["kind"] == kind)
        .count()
}

#[test]
fn trigger_refuses_foreign_builds_and_says_what_happened() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    let runtime = json(&server.publish(root, "runtime", "1", "2.0.0").unwrap())["id"]
        .as_i64()
        .unwrap();
    let sdk = json(&server.publish(root, "sdk", "1", "5.0.0").unwrap())["id"]
        .as_i64()
        .unwrap();
    server.pass_checks_until("runtime build merged into sdk", |s| {
        events(s, "runtime-to-sdk", runtime, "pull-request-merged") == 1
    });

    // A build of another repository is refused, naming both repositories.
    let refused = server
        .sluice(&[
            "subscription",
            "trigger",
            "runtime-to-sdk",
            "--build",
            &sdk.to_string(),
        ])
        .expect_err("a build of sdk cannot feed runtime-to-sdk");
    assert!(
        refused.contains(&format!("build {sdk} is of"))
            && refused.contains("sdk.git")
            && refused.contains("runtime.git")
            && refused.contains("HTTP 400"),
        "{refused}"
    );

    // The applied build: nothing to do, and no trigger recorded.
    let fired_before = events(&server, "runtime-to-sdk", runtime, "fired");
    let out = server
        .sluice(&[
            "subscription",
            "trigger",
            "runtime-to-sdk",
            "--build",
            &runtime.to_string(),
        ])
        .unwrap();
    assert!(
        out.contains(&format!(
            "build {runtime} is already applied; nothing to do (use --force"
        )),
        "{out}"
    );
    assert_eq!(
        events(&server, "runtime-to-sdk", runtime, "fired"),
        fired_before
    );

    // Forced: recorded as needing no change, not as a second merge.
    let out = server
        .sluice(&[
            "subscription",
            "trigger",
            "runtime-to-sdk",
            "--build",
            &runtime.to_string(),
            "--force",
        ])
        .unwrap();
    assert!(out.contains(&format!("forced build {runtime}")), "{out}");
    server.pass_checks_until("the forced build recorded", |s| {
        events(s, "runtime-to-sdk", runtime, "nothing-to-do") == 1
            || events(s, "runtime-to-sdk", runtime, "pull-request-merged") > 1
    });
    assert_eq!(
        events(&server, "runtime-to-sdk", runtime, "pull-request-merged"),
        1,
        "one merge, one merge event"
    );
    server.stop();
}
