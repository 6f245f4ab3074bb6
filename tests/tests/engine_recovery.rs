//! The engine repairs what moves under it and what people do: a head branch that is not
//! where sluice recorded it, a check reported for an old head, a pull request merged by a
//! person, a subscription removed while its pull request is open, and a person's commit
//! on an update branch, which sluice keeps.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git};

fn wait_until<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    sluice_tests::wait::until(what, Duration::from_secs(60), probe)
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

/// The sdk's update pull request once open: as listed, its number, the head commit
/// sluice recorded, and its head branch.
struct SdkPullRequest {
    pr: Value,
    number: String,
    recorded: String,
    branch: String,
}

fn sdk_pull_request(server: &Server) -> SdkPullRequest {
    let pr = wait_until("the sdk pull request", || open_pr(server, "sdk"));
    let number = pr["number"].to_string();
    let recorded = json(server, &["pr", "show", &number, "--format", "json"])["headCommit"]
        .as_str()
        .unwrap()
        .to_string();
    let branch = pr["headBranch"].as_str().unwrap().to_string();
    SdkPullRequest {
        pr,
        number,
        recorded,
        branch,
    }
}

#[test]
fn a_moved_head_branch_and_a_stale_check_never_merge_an_unchecked_head() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root);
    let SdkPullRequest {
        number,
        recorded,
        branch,
        ..
    } = sdk_pull_request(&server);
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

fn subscription_status(server: &Server, name: &str) -> Option<Value> {
    json(server, &["status", "--format", "json"])
        .as_array()?
        .iter()
        .find(|r| r["name"] == name)
        .cloned()
}

fn reconciles(server: &Server) -> u64 {
    let metrics = server.get("/metrics").unwrap_or_default();
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("sluice_reconciles_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// A person adds a commit on top of sluice's update on `branch` of the sdk, with an
/// ordinary push; returns it.
fn push_persons_commit(root: &Path, branch: &str) -> String {
    let sdk = root.join("remotes/sdk.git");
    let sdk_url = sdk.to_str().unwrap();
    let work = root.join("work/sdk");
    git(&work, &["fetch", "--quiet", sdk_url, branch]);
    git(&work, &["checkout", "--quiet", "-B", "fix", "FETCH_HEAD"]);
    std::fs::write(work.join("NOTES.md"), "Builds with the new runtime.\n").unwrap();
    git(&work, &["add", "NOTES.md"]);
    git(
        &work,
        &["commit", "--quiet", "-m", "Note the runtime update"],
    );
    git(
        &work,
        &["push", "--quiet", sdk_url, &format!("HEAD:{branch}")],
    );
    git(&work, &["rev-parse", "HEAD"])
}

fn report_check(
    server: &Server,
    number: &str,
    state: &str,
    commit: &str,
) -> Result<String, String> {
    server.sluice(&[
        "pr", "check", number, "--name", "ci", "--state", state, "--commit", commit,
    ])
}

fn wait_until_paused(server: &Server) -> Value {
    wait_until("status to say why sluice stopped", || {
        subscription_status(server, "runtime-to-sdk")
            .filter(|r| r["reason"] == "UpdatesPausedForManualCommits")
    })
}

#[test]
fn a_persons_commit_on_the_update_branch_is_kept_and_merged_once_its_checks_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root);
    let SdkPullRequest {
        pr,
        number,
        recorded,
        branch,
    } = sdk_pull_request(&server);
    let sdk = root.join("remotes/sdk.git");
    let persons = push_persons_commit(root, &branch);

    // CI passes on sluice's commit and wakes sluice up: the person's commit was not
    // checked, so nothing merges, and status says why sluice stopped.
    report_check(&server, &number, "success", &recorded).unwrap();
    let row = wait_until_paused(&server);
    assert!(
        row["message"].as_str().unwrap().contains(&persons),
        "{row:#}"
    );

    // A newer build waits for the person's pull request, however often sluice looks.
    server.publish(root, "runtime", "2", "3.0.0").unwrap();
    wait_until("the newer build to wait", || {
        subscription_status(&server, "runtime-to-sdk").filter(|r| {
            r["message"]
                .as_str()
                .is_some_and(|m| m.contains("a newer build waits"))
        })
    });
    for _ in 0..3 {
        let before = reconciles(&server);
        report_check(&server, &number, "pending", &persons).unwrap();
        wait_until("another cycle", || {
            (reconciles(&server) > before).then_some(())
        });
    }
    assert_eq!(
        git(&sdk, &["rev-parse", &branch]),
        persons,
        "the person's commit is kept"
    );
    assert_eq!(sdk_runtime_version(root), "1.0.0", "nothing merged");
    let shown = json(&server, &["pr", "show", &number, "--format", "json"]);
    let notices = shown["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.as_str().is_some_and(|c| c.contains("stopped updating")))
        .count();
    assert_eq!(notices, 1, "{shown:#}");
    assert_eq!(shown["headCommit"], recorded.as_str(), "{shown:#}");

    // CI passes on the person's commit: sluice merges exactly that head, and the newer
    // build then flows.
    report_check(&server, &number, "success", &persons).unwrap();
    wait_until("the merge", || {
        (sdk_runtime_version(root) == "2.0.0").then_some(())
    });
    assert_eq!(
        git(&sdk, &["show", "main:NOTES.md"]),
        "Builds with the new runtime."
    );
    let next = wait_until("the newer build's pull request", || {
        open_pr(&server, "sdk").filter(|p| p["number"] != pr["number"])
    });
    let description = json(
        &server,
        &[
            "pr",
            "show",
            &next["number"].to_string(),
            "--format",
            "json",
        ],
    )["description"]
        .to_string();
    assert!(description.contains("3.0.0"), "{description}");
    server.stop();
}

#[test]
fn a_person_merges_an_update_branch_with_their_commit_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root);
    let SdkPullRequest { number, branch, .. } = sdk_pull_request(&server);
    let persons = push_persons_commit(root, &branch);
    report_check(&server, &number, "pending", &persons).unwrap();
    wait_until_paused(&server);
    server.sluice(&["pr", "merge", &number]).unwrap();
    assert_eq!(sdk_runtime_version(root), "2.0.0");
    let sdk = root.join("remotes/sdk.git");
    assert_eq!(
        git(&sdk, &["show", "main:NOTES.md"]),
        "Builds with the new runtime."
    );
    server.stop();
}
