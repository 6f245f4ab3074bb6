//! Isolation and backoff: a remote that hangs holds up only its own keys, a remote that
//! fails is not hammered by timers, and a target branch a person moves is noticed within
//! seconds even when pull requests are revisited hourly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git, remote_url};
use sluice_tests::git_server::{GitHttpServer, SilentServer};

fn wait_until<T>(what: &str, limit: Duration, probe: impl FnMut() -> Option<T>) -> T {
    sluice_tests::wait::until(what, limit, probe)
}

fn json(server: &Server, args: &[&str]) -> Value {
    serde_json::from_str(&server.sluice(args).unwrap_or_default()).unwrap_or_default()
}

fn open_pr(server: &Server, repository: &str) -> Option<Value> {
    json(server, &["pr", "list", "--format", "json"])
        .as_array()?
        .iter()
        .find(|p| p["state"] == "Open" && p["repository"].as_str() == Some(repository))
        .cloned()
}

fn status_row(server: &Server, name: &str) -> Value {
    json(server, &["status", "--format", "json"])
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["name"] == name).cloned())
        .unwrap_or_default()
}

/// A config with the demo channel, runtime's default channel and one subscription from
/// runtime per `(name, target repository)`.
fn write_config(root: &Path, targets: &[(&str, String)]) -> PathBuf {
    let dir = root.join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = remote_url(root, "runtime");
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: product-dev}\nspec: {displayName: Product Dev}\n".to_string(),
        format!("apiVersion: sluice.dev/v1alpha1\nkind: DefaultChannel\nmetadata: {{name: runtime-main}}\nspec: {{repository: \"{runtime}\", branch: main, channel: product-dev}}\n"),
    ];
    for (name, target) in targets {
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"{runtime}\", channel: product-dev}}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: [{{name: AllChecksSuccessful}}]\n"
        ));
    }
    std::fs::write(dir.join("flow.yaml"), docs.join("---\n")).unwrap();
    dir
}

#[test]
fn a_hung_remote_does_not_starve_an_unrelated_target() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let healthy = GitHttpServer::start(root.join("remotes"), None).unwrap();
    let hung = SilentServer::start().unwrap();
    let sdk = healthy.url("sdk.git");
    // Five keys into the hung remote come first in queue order, the healthy one last.
    let mut targets: Vec<(&str, String)> = ["hung-1", "hung-2", "hung-3", "hung-4", "hung-5"]
        .into_iter()
        .map(|name| (name, hung.url(&format!("{name}.git"))))
        .collect();
    targets.push(("zz-healthy", sdk.clone()));
    let config = write_config(root, &targets);
    // Deadlines far beyond the test: the hung keys stay blocked throughout, so whatever
    // flows, flows beside them.
    let server = Server::start_with(
        root,
        &config.display().to_string(),
        &[
            "--workers",
            "2",
            "--git-timeout",
            "900",
            "--git-stall-timeout",
            "900",
        ],
    )
    .unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();

    let pr = wait_until(
        "the healthy target's pull request",
        Duration::from_secs(90),
        || open_pr(&server, &sdk),
    );
    assert_eq!(pr["headBranch"], "sluice/main/zz-healthy");
    // Meanwhile no hung key got anywhere, and only one of them (two workers: a host gets
    // one) ever reached the hung remote.
    for (name, _) in &targets[..5] {
        let row = status_row(&server, name);
        assert_ne!(row["reason"], "Retrying", "{name}: {row:#}");
        assert!(row["pullRequestState"].is_null(), "{name}: {row:#}");
    }
    assert_eq!(
        hung.accepted(),
        1,
        "one hung key at a time talks to the hung host"
    );
    server.stop();
}

#[test]
fn a_hung_remote_times_out_as_a_retryable_failure_naming_the_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let hung = SilentServer::start().unwrap();
    let target = hung.url("app.git");
    let config = write_config(root, &[("hung", target.clone())]);
    let server = Server::start_with(
        root,
        &config.display().to_string(),
        &["--git-timeout", "2", "--git-stall-timeout", "600"],
    )
    .unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let row = wait_until(
        "the hung key to be retrying",
        Duration::from_secs(60),
        || {
            let row = status_row(&server, "hung");
            (row["reason"] == "Retrying").then_some(row)
        },
    );
    let message = row["message"].as_str().unwrap_or_default();
    assert_eq!(row["condition"], "Reconciling");
    assert!(
        message.contains(&target) && message.contains("timed out"),
        "{message}"
    );
    server.stop();
}

#[test]
fn a_failing_remote_gets_a_bounded_number_of_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let remote = GitHttpServer::start(root.join("remotes"), None).unwrap();
    let sdk = remote.url("sdk.git");
    let config = write_config(root, &[("runtime-to-sdk", sdk.clone())]);
    // The demo defaults: pull requests revisited and schedules checked every second.
    let server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    wait_until("the pull request", Duration::from_secs(60), || {
        open_pr(&server, &sdk)
    });

    remote.fail_all(true);
    let before = remote.requests();
    let window = Duration::from_secs(30);
    std::thread::sleep(window);
    let requests = remote.requests() - before;
    // Backoff of 0.5-1 s doubling: at most seven cycles in 30 s, plus the first look of
    // the advertisement refresh. Without backoff, every revisit tick is a request.
    assert!(requests > 0, "the failing remote was not asked at all");
    assert!(requests <= 12, "{requests} requests in {window:?}");
    let row = status_row(&server, "runtime-to-sdk");
    assert_eq!(row["reason"], "Retrying", "{row:#}");
    assert!(
        row["message"].as_str().is_some_and(|m| m.contains(&sdk)),
        "{row:#}"
    );

    // Recovery: once the remote answers again, the key flows again (a check report is a
    // changed input and wakes it from its backoff).
    remote.fail_all(false);
    let number = open_pr(&server, &sdk).unwrap()["number"].to_string();
    server
        .sluice(&["pr", "check", &number, "--name", "ci", "--state", "success"])
        .unwrap();
    wait_until("the merge", Duration::from_secs(60), || {
        let versions = repos::versions(root, "sdk");
        versions
            .iter()
            .any(|(n, v)| n == "Contoso.Runtime" && v == "2.0.0")
            .then_some(())
    });
    server.stop();
}

#[test]
fn a_moved_target_branch_rebuilds_the_pull_request_before_its_revisit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let sdk = remote_url(root, "sdk");
    let config = write_config(root, &[("runtime-to-sdk", sdk.clone())]);
    let server = Server::start_with(
        root,
        &config.display().to_string(),
        &["--pull-request-interval", "3600"],
    )
    .unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let pr = wait_until("the pull request", Duration::from_secs(60), || {
        open_pr(&server, &sdk)
    });
    let number = pr["number"].to_string();
    let head = json(&server, &["pr", "show", &number, "--format", "json"])["headCommit"]
        .as_str()
        .unwrap()
        .to_string();
    // Past the pull request's first revisit: the next one is an hour away.
    std::thread::sleep(Duration::from_secs(2));

    // A person pushes to the target branch.
    let remote = root.join("remotes/sdk.git");
    let work = root.join("work/sdk");
    git(
        &work,
        &["pull", "--quiet", remote.to_str().unwrap(), "main"],
    );
    std::fs::write(work.join("README.md"), "# sdk, edited\n").unwrap();
    git(&work, &["commit", "--quiet", "-am", "Edit the readme"]);
    git(
        &work,
        &["push", "--quiet", remote.to_str().unwrap(), "HEAD:main"],
    );
    let main = git(&remote, &["rev-parse", "main"]);

    let rebuilt = wait_until(
        "the update rebuilt on the new head",
        Duration::from_secs(60),
        || {
            let now = json(&server, &["pr", "show", &number, "--format", "json"])["headCommit"]
                .as_str()?
                .to_string();
            (now != head).then_some(now)
        },
    );
    assert_eq!(
        git(&remote, &["rev-parse", &format!("{rebuilt}^")]),
        main,
        "the update sits on the moved target"
    );
    server.stop();
}
