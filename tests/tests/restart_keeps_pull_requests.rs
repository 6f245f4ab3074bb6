//! Restarts (SIGKILL and SIGTERM) never touch pull requests. With a configuration of realistic size (thousands of
//! subscriptions, so loading it takes a while), `sluice serve` is killed and started again
//! while update pull requests are open: across every restart the same pull requests stay open
//! under the same numbers, none is closed, and the checks and reviews reported before a kill
//! are still there after it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;

/// Subscriptions besides the demo product's: sources with no builds yet, as most are at
/// any moment in a large installation.
const IDLE_SUBSCRIPTIONS: usize = 3_000;
const RESTARTS: usize = 4;

fn wait_for<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    sluice_tests::wait::until(what, Duration::from_secs(90), probe)
}

fn write_idle_subscriptions(config: &Path) {
    let mut docs = Vec::with_capacity(IDLE_SUBSCRIPTIONS);
    for i in 0..IDLE_SUBSCRIPTIONS {
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: lib-{i}-to-app-{0}}}\nspec:\n  source: {{repository: \"https://example.com/contoso/lib-{i}\", channel: product-dev}}\n  target: {{repository: \"https://example.com/contoso/app-{0}\", branch: main}}\n  mergePolicies: [{{name: AllChecksSuccessful}}]\n",
            i % 500
        ));
    }
    std::fs::write(config.join("fleet.yaml"), docs.join("---\n")).unwrap();
}

fn pull_requests(server: &Server) -> Vec<Value> {
    server
        .get("/api/pull-requests")
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default()
}

fn number(pr: &Value) -> i64 {
    pr["number"]
        .as_i64()
        .or_else(|| pr["number"].as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

/// What must survive a restart of one pull request: its state, head commit, checks and
/// reviews.
fn details(server: &Server, number: i64) -> Value {
    let d: Value = server
        .get(&format!("/api/pull-requests/{number}"))
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default();
    serde_json::json!({
        "state": d["state"],
        "headCommit": d["headCommit"],
        "checks": d["checks"],
        "reviews": d["reviews"],
    })
}

#[test]
fn kills_and_restarts_keep_every_open_pull_request_with_its_checks_and_reviews() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    write_idle_subscriptions(&config);
    let mut server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();

    // runtime feeds extensions, aspnetcore and sdk: three pull requests, held open by a
    // pending check.
    let open = wait_for("three update pull requests", || {
        let open: Vec<i64> = pull_requests(&server)
            .iter()
            .filter(|p| p["state"] == "Open")
            .map(number)
            .collect();
        (open.len() == 3).then_some(open)
    });
    let mut before = BTreeMap::new();
    for n in &open {
        let head = wait_for("the recorded head commit", || {
            details(&server, *n)["headCommit"]
                .as_str()
                .map(str::to_string)
        });
        let n = n.to_string();
        server
            .sluice(&[
                "pr", "check", &n, "--name", "ci", "--state", "pending", "--commit", &head,
            ])
            .unwrap();
        server
            .sluice(&[
                "pr",
                "review",
                &n,
                "--reviewer",
                "alice",
                "--state",
                "approved",
            ])
            .unwrap();
    }
    for n in &open {
        let d = details(&server, *n);
        assert_eq!(d["checks"].as_array().map(Vec::len), Some(1), "{d}");
        assert_eq!(d["reviews"].as_array().map(Vec::len), Some(1), "{d}");
        before.insert(*n, d);
    }

    for restart in 1..=RESTARTS {
        if restart % 2 == 0 {
            server.terminate();
        } else {
            server.kill();
        }
        server = Server::start(root, &config).unwrap_or_else(|e| panic!("restart {restart}: {e}"));
        // Let every key be reconciled and the pull request revisits (every second here)
        // run a few times against the configuration now in force.
        std::thread::sleep(Duration::from_secs(3));
        let all = pull_requests(&server);
        assert_eq!(
            all.len(),
            3,
            "restart {restart}: no pull request opened or lost: {all:#?}"
        );
        for n in &open {
            assert_eq!(
                details(&server, *n),
                before[n],
                "restart {restart}: pull request #{n} changed"
            );
        }
    }
    server.stop();
}
