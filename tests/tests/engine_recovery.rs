//! The engine repairs what moves under it and what people do: a head branch that is not
//! where sluice recorded it, a check reported for an old head, a pull request merged by a
//! person, and a subscription removed while its pull request is open.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git};

fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn json(server: &Server, args: &[&str]) -> Value {
    serde_json::from_str(&server.sluice(args).unwrap_or_default()).unwrap_or_default()
}

fn open_pr(server: &Server, repo: &str) -> Option<Value> {
    json(server, &["pr", "list", "--format", "json"])
        .as_array()?
        .iter()
        .find(|p| {
            p["state"] == "Open"
                && p["repository"]
                    .as_str()
                    .is_some_and(|r| r.ends_with(&format!("/{repo}.git")))
        })
        .cloned()
}

fn start(root: &Path) -> Server {
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    server
}

fn sdk_runtime_version(root: &Path) -> String {
    repos::versions(root, "sdk")
        .into_iter()
        .find(|(n, _)| n == "Contoso.Runtime")
        .map(|(_, v)| v)
        .unwrap_or_default()
}

#[test]
fn a_moved_head_branch_and_a_stale_check_never_merge_an_unchecked_head() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root);
    let pr = wait_until("the sdk pull request", || open_pr(&server, "sdk"));
    let number = pr["number"].to_string();
    let recorded = json(&server, &["pr", "show", &number, "--format", "json"])["headCommit"]
        .as_str()
        .unwrap()
        .to_string();
    let branch = pr["headBranch"].as_str().unwrap().to_string();
    let sdk = root.join("remotes/sdk.git");

    // Someone moves the head branch to the target's main, which lacks the update, and a
    // pending check wakes sluice up: it rebuilds the branch over its real tip.
    let main = git(&sdk, &["rev-parse", "main"]);
    git(
        &sdk,
        &["update-ref", &format!("refs/heads/{branch}"), &main],
    );
    server
        .sluice(&[
            "pr", "check", &number, "--name", "ci", "--state", "pending", "--commit", &recorded,
        ])
        .unwrap();
    wait_until("the head branch to be rebuilt", || {
        (git(&sdk, &["rev-parse", &branch]) != main).then_some(())
    });
    let head = json(&server, &["pr", "show", &number, "--format", "json"])["headCommit"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        git(&sdk, &["rev-parse", &branch]),
        head,
        "the record follows the branch"
    );
    assert_eq!(sdk_runtime_version(root), "1.0.0", "nothing merged");

    // The target moves: the update is rebuilt on it, so the head is a new commit, and a
    // result for the old head is refused with the current one named.
    let work = root.join("work/sdk");
    git(&work, &["pull", "--quiet", sdk.to_str().unwrap(), "main"]);
    std::fs::write(work.join("README.md"), "# sdk, edited\n").unwrap();
    git(&work, &["commit", "--quiet", "-am", "Edit the readme"]);
    git(
        &work,
        &["push", "--quiet", sdk.to_str().unwrap(), "HEAD:main"],
    );
    server
        .sluice(&[
            "pr", "check", &number, "--name", "ci", "--state", "pending", "--commit", &head,
        ])
        .unwrap();
    let rebuilt = wait_until("the update to move onto the new target", || {
        let now = json(&server, &["pr", "show", &number, "--format", "json"])["headCommit"]
            .as_str()?
            .to_string();
        (now != head).then_some(now)
    });
    let stale = server
        .sluice(&[
            "pr", "check", &number, "--name", "ci", "--state", "success", "--commit", &head,
        ])
        .unwrap_err();
    assert!(stale.contains(&rebuilt) && stale.contains("409"), "{stale}");
    assert_eq!(
        sdk_runtime_version(root),
        "1.0.0",
        "a stale success merges nothing"
    );

    server
        .sluice(&[
            "pr", "check", &number, "--name", "ci", "--state", "success", "--commit", &rebuilt,
        ])
        .unwrap();
    wait_until("the merge", || {
        (sdk_runtime_version(root) == "2.0.0").then_some(())
    });
    let readme = git(&sdk, &["show", "main:README.md"]);
    assert_eq!(
        readme, "# sdk, edited",
        "the merge kept the target's own change"
    );
    server.stop();
}

#[test]
fn a_person_merges_and_a_removed_subscription_closes_its_pull_request() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root);
    let sdk_pr = wait_until("the sdk pull request", || open_pr(&server, "sdk"));
    let ext_pr = wait_until("the extensions pull request", || {
        open_pr(&server, "extensions")
    });

    // No checks reported, yet a person merges.
    server
        .sluice(&["pr", "merge", &sdk_pr["number"].to_string()])
        .unwrap();
    assert_eq!(sdk_runtime_version(root), "2.0.0");
    wait_until("the merge to be recorded", || {
        let status = json(&server, &["status", "--format", "json"]);
        let row = status
            .as_array()?
            .iter()
            .find(|r| r["name"] == "runtime-to-sdk")?
            .clone();
        (row["lastAppliedBuild"]["id"] == 1).then_some(())
    });

    // Remove the subscription behind the extensions pull request.
    let config = root.join("config/product.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let kept: Vec<&str> = text
        .split("---\n")
        .filter(|doc| !doc.contains("name: runtime-to-extensions"))
        .collect();
    std::fs::write(&config, kept.join("---\n")).unwrap();
    let number = ext_pr["number"].as_i64().unwrap();
    let closed = wait_until("the orphaned pull request to close", || {
        let list = json(&server, &["pr", "list", "--format", "json"]);
        list.as_array()?
            .iter()
            .find(|p| p["number"] == number && p["state"] == "Closed")
            .cloned()
    });
    let comments = json(
        &server,
        &["pr", "show", &number.to_string(), "--format", "json"],
    )["comments"]
        .to_string();
    assert!(
        comments.contains("removed or disabled"),
        "{closed:#} {comments}"
    );
    server.stop();
}
