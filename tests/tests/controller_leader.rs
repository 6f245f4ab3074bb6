//! Two `sluice controller` replicas with leader election against one fake API server,
//! their target on the fake GitHub: only the lease holder reconciles, opens the pull
//! request and writes; the leader is killed after the pull request is open and before
//! it can merge; the standby takes the lease over, finds the same pull request by its
//! head branch and merges it once CI passes. Exactly one pull request ever exists.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::github_flow::{CI_TOKEN, GitHubServers, OWNER, SLUICE_TOKEN};
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

const LIMIT: Duration = Duration::from_secs(60);

fn kubectl(config: &Path, args: &[&str]) -> Result<String, String> {
    Kubectl::new(config).run(args)
}

fn write_flow(root: &Path, target: &str) -> std::path::PathBuf {
    let runtime = repos::remote_url(root, "runtime");
    let path = root.join("flow.yaml");
    std::fs::write(
        &path,
        format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: DefaultChannel\nmetadata: {{name: runtime-main}}\nspec: {{repository: \"{runtime}\", branch: main, channel: dev}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: runtime-to-sdk}}\nspec:\n  source: {{repository: \"{runtime}\", channel: dev, visibility: public}}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: [{{name: AllChecksSuccessful}}]\n"
        ),
    )
    .unwrap();
    path
}

/// A metric's value as `/metrics` shows it.
fn metric(server: &Server, name: &str) -> Option<f64> {
    let text = server.get("/metrics")?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
}

fn leading(server: &Server) -> bool {
    metric(server, "sluice_leader") == Some(1.0)
}

fn sdk_pulls(servers: &GitHubServers) -> Vec<(u64, String, String)> {
    let state = servers.github.shared().state();
    state
        .repos
        .get(&format!("{OWNER}/sdk"))
        .map(|repo| {
            repo.pulls
                .values()
                .map(|p| (p.number, p.state.clone(), p.head_sha.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn sdk_version(root: &Path) -> String {
    repos::versions(root, "sdk")
        .into_iter()
        .find(|(name, _)| name == &repos::asset_name("runtime"))
        .map(|(_, version)| version)
        .unwrap_or_default()
}

#[test]
fn the_standby_takes_over_a_killed_leader_and_one_pull_request_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    kubectl(&kc, &["apply", "-f", "crds/"]).unwrap();
    let flow = write_flow(root, &servers.url("sdk"));
    kubectl(&kc, &["apply", "-f", &flow.display().to_string()]).unwrap();
    let token_file = root.join("github-token");
    std::fs::write(&token_file, SLUICE_TOKEN).unwrap();
    let token_file = token_file.display().to_string();
    let api = servers.github.api_url();
    let host = servers.git_server.addr().to_string();
    let args = [
        "--status-interval",
        "1",
        "--leader-election",
        "--lease-namespace",
        "default",
        "--lease-duration",
        "3",
        "--github-token-file",
        &token_file,
        "--github-api-url",
        &api,
        "--github-host",
        &host,
    ];
    let replica = |name: &str| {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        Server::start_controller(&dir, &kc, &args).unwrap()
    };
    let mut a = replica("a");
    let mut b = replica("b");
    wait::until_true("one replica leading", LIMIT, || leading(&a) || leading(&b));
    if leading(&b) {
        std::mem::swap(&mut a, &mut b);
    }
    let (leader, standby) = (a, b);
    // Which data directory is whose: the leader's log says it leads.
    let log =
        |dir: &str| std::fs::read_to_string(root.join(dir).join("serve.log")).unwrap_or_default();
    let (leader_dir, standby_dir) = if log("a").contains("leader: this replica holds the lease") {
        ("a", "b")
    } else {
        ("b", "a")
    };
    assert!(!leading(&standby), "two leaders");

    // The build reaches both replicas' stores; only the leader acts on it.
    for server in [&leader, &standby] {
        server.publish(root, "runtime", "1", "2.0.0").unwrap();
    }
    wait::until_true("a pull request on GitHub", LIMIT, || {
        !sdk_pulls(&servers).is_empty()
    });
    wait::until_true("the subscription's status written", LIMIT, || {
        kubectl(
            &kc,
            &[
                "get",
                "sub",
                "runtime-to-sdk",
                "-o",
                "jsonpath={.status.pullRequest.url}",
            ],
        )
        .is_ok_and(|url| url.contains("/pull/"))
    });
    assert_eq!(
        metric(&standby, "sluice_reconciles_total"),
        Some(0.0),
        "the standby ran a cycle"
    );
    assert!(
        !log(standby_dir).contains("finalizer added"),
        "the standby wrote a finalizer"
    );
    assert!(log(leader_dir).contains("finalizer added"));

    // The leader dies with the pull request open and CI not yet passed.
    let mut leader = leader;
    leader.kill();
    wait::until_true("the standby takes the lease over", LIMIT, || {
        leading(&standby)
    });
    let pulls = sdk_pulls(&servers);
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(pulls[0].1, "open");
    // CI passes on the pull request's head (again, should the new leader move it).
    let mut passed = Vec::new();
    wait::until_true("the update merged by the new leader", LIMIT, || {
        for (_, state, head) in sdk_pulls(&servers) {
            if state == "open" && !passed.contains(&head) {
                let answer = reqwest::blocking::Client::new()
                    .post(format!("{api}/repos/{OWNER}/sdk/check-runs"))
                    .bearer_auth(CI_TOKEN)
                    .json(&json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"}))
                    .send()
                    .expect("CI reports");
                assert_eq!(answer.status(), 201);
                passed.push(head);
            }
        }
        sdk_version(root) == "2.0.0"
    });
    let pulls = sdk_pulls(&servers);
    assert_eq!(pulls.len(), 1, "exactly one pull request: {pulls:?}");
    assert_eq!(pulls[0].1, "closed", "{pulls:?}");
    wait::until_true("status shows the build applied", LIMIT, || {
        kubectl(
            &kc,
            &[
                "get",
                "sub",
                "runtime-to-sdk",
                "-o",
                "jsonpath={.status.lastAppliedBuild.buildNumber}",
            ],
        )
        .is_ok_and(|n| n == "1")
    });
    let lease: Value = serde_json::from_str(
        &kubectl(
            &kc,
            &["get", "lease", "sluice", "-n", "default", "-o", "json"],
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(lease["spec"]["leaseTransitions"], 1, "{lease}");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 3, "{lease}");
    // Stopped as a service manager stops it, it releases the Lease at once.
    let mut standby = standby;
    standby.terminate();
    let lease: Value = serde_json::from_str(
        &kubectl(
            &kc,
            &["get", "lease", "sluice", "-n", "default", "-o", "json"],
        )
        .unwrap(),
    )
    .unwrap();
    assert!(
        lease["spec"]["holderIdentity"]
            .as_str()
            .unwrap_or("")
            .is_empty(),
        "released on shutdown: {lease}"
    );
    let log = log(standby_dir);
    assert!(
        log.contains("leader: this replica holds the lease"),
        "{log}"
    );
    assert!(!log.contains(SLUICE_TOKEN));
}

#[test]
fn a_leader_whose_lease_is_taken_or_unreachable_stops_acting() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    kubectl(&kc, &["apply", "-f", "crds/"]).unwrap();
    let server = Server::start_controller(
        root,
        &kc,
        &[
            "--leader-election",
            "--lease-namespace",
            "default",
            "--lease-duration",
            "3",
        ],
    )
    .unwrap();
    wait::until_true("the replica leading", LIMIT, || leading(&server));

    // Another holder shows in the Lease: the next renewal is refused and the replica
    // stops acting; once that holder stops renewing, it takes the Lease back.
    let now = sluice_core::time::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    kubectl(
        &kc,
        &[
            "patch",
            "lease",
            "sluice",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            &json!({"spec": {"holderIdentity": "intruder", "renewTime": now, "leaseDurationSeconds": 3}}).to_string(),
        ],
    )
    .unwrap();
    wait::until_true("the replica standing by", LIMIT, || {
        metric(&server, "sluice_leader") == Some(0.0)
    });
    wait::until_true("the replica leading again", LIMIT, || leading(&server));
    let lease: Value = serde_json::from_str(
        &kubectl(
            &kc,
            &["get", "lease", "sluice", "-n", "default", "-o", "json"],
        )
        .unwrap(),
    )
    .unwrap();
    assert_ne!(lease["spec"]["holderIdentity"], "intruder", "{lease}");
    assert_eq!(lease["spec"]["leaseTransitions"], 1, "{lease}");

    // The API server goes away: the lease cannot be renewed, and the replica stops
    // acting by its renew deadline, before anyone else could take the lease.
    // (Stopping waits for the open watches to end; the test does not wait for that.)
    std::thread::spawn(move || drop(kube));
    wait::until_true(
        "the replica standing by without an API server",
        LIMIT,
        || metric(&server, "sluice_leader") == Some(0.0),
    );
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("lease not renewed"), "{log}");
}
