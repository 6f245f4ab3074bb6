//! Pull request comment commands through `sluice serve`'s webhook: `/sluice merge` from
//! someone without write access is refused and changes nothing; from someone with write
//! access (commenting on GitHub, which delivers the signed `issue_comment`) it merges at
//! once, whatever the merge policies say; `/sluice refresh` rebuilds the update.

use std::time::Duration;

use serde_json::{Value, json};
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_github::webhooks;
use sluice_tests::github_flow::{GitHubServers, OWNER, PERSON_TOKEN, SLUICE_TOKEN};
use sluice_tests::wait;

fn open_pull(servers: &GitHubServers) -> Option<(u64, String)> {
    let state = servers.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    let open = repo.pulls.values().find(|p| p.state == "open");
    open.map(|p| (p.number, p.head_sha.clone()))
}

/// Sends a signed `issue_comment` delivery of `login` saying `body` on pull request
/// `number`; sluice's answer.
fn comment_delivery(hook: &str, number: u64, login: &str, body: &str) -> Value {
    let payload = json!({
        "action": "created",
        "issue": {"number": number, "pull_request": {}},
        "comment": {"id": 1, "body": body, "user": {"login": login, "type": "User"}},
        "sender": {"login": login, "type": "User"},
        "repository": {"full_name": format!("{OWNER}/sdk")},
    });
    let bytes = serde_json::to_vec(&payload).unwrap();
    let answer = reqwest::blocking::Client::new()
        .post(hook)
        .header("x-github-event", "issue_comment")
        .header(
            "x-hub-signature-256",
            webhooks::signature("hook-secret", &bytes),
        )
        .body(bytes)
        .send()
        .expect("sluice answers");
    assert_eq!(answer.status(), 202);
    answer.json().expect("a JSON answer")
}

#[test]
fn comment_commands_from_people_with_write_access_are_carried_out() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
    servers.github.grant("octocat", "write");
    servers.github.grant("reader", "read");
    let config = repos::write_flow_config(root, &servers.url("sdk"));
    let api = servers.github.api_url();
    let host = servers.git_server.addr().to_string();
    let extra = [
        "--github-token-env",
        "SLUICE_GH",
        "--github-api-url",
        &api,
        "--github-host",
        &host,
        "--github-webhook-secret-env",
        "SLUICE_HOOK",
    ];
    let env = [("SLUICE_GH", SLUICE_TOKEN), ("SLUICE_HOOK", "hook-secret")];
    let server = Server::start_with_env(root, &config, &extra, &env).expect("sluice serve starts");
    let hook = format!("{}/webhooks/github", server.url());
    servers.github.deliver_webhooks_to(&hook, "hook-secret");
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    let (number, _) = wait::until("a pull request on GitHub", limit, || open_pull(&servers));

    let refused = comment_delivery(&hook, number, "reader", "/sluice merge");
    let why = refused["refused"].as_str().unwrap_or_default();
    assert!(why.contains("reader has read access"), "{refused}");
    assert!(open_pull(&servers).is_some(), "nothing merged");
    let unknown = comment_delivery(&hook, number + 100, "octocat", "/sluice merge");
    assert!(unknown["refused"].as_str().is_some(), "{unknown}");

    let refreshed = comment_delivery(&hook, number, "octocat", "/sluice refresh");
    let done = refreshed["command"].as_str().unwrap_or_default();
    assert!(done.contains("rebuilding pull request"), "{refreshed}");

    // A person with write access comments on GitHub; no CI has reported, so only the
    // command can merge it.
    let answer = reqwest::blocking::Client::new()
        .post(format!("{api}/repos/{OWNER}/sdk/issues/{number}/comments"))
        .bearer_auth(PERSON_TOKEN)
        .json(&json!({"body": "Ship it.\n/sluice merge"}))
        .send()
        .expect("comment posted");
    assert_eq!(answer.status(), 201);
    wait::until_true("merged by the command", limit, || {
        repos::version_in(root, "sdk", "runtime") == "2.0.0"
    });
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("pull request command refused"), "{log}");
}
