//! `sluice serve` with its GitHub options: the binary opens, checks and merges an update
//! on the fake GitHub (API calls and git pushes with the one token, which never reaches
//! its log), and refuses options that cannot work.

use std::time::Duration;

use serde_json::{Value, json};
use sluice_tests::binary::serve_refused as refused;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_github::webhooks;
use sluice_tests::github_flow::{CI_TOKEN, GitHubServers, OWNER, SLUICE_TOKEN};
use sluice_tests::wait;

fn open_head(servers: &GitHubServers) -> Option<String> {
    let state = servers.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    repo.pulls
        .values()
        .find(|p| p.state == "open")
        .map(|p| p.head_sha.clone())
}

#[test]
fn serve_flows_an_update_through_github_with_one_token() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
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
    ];
    let server = Server::start_with_env(root, &config, &extra, &[("SLUICE_GH", SLUICE_TOKEN)])
        .expect("sluice serve starts");
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    let head = wait::until("a pull request on GitHub", limit, || open_head(&servers));
    // Labelled right after opening.
    let labels = wait::until("the pull request labelled", limit, || {
        let state = servers.github.shared().state();
        let labels = &state.repos[&format!("{OWNER}/sdk")].pulls[&1].labels;
        (!labels.is_empty()).then(|| labels.clone())
    });
    assert_eq!(labels, ["dependencies"], "the default label");
    let run =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    let answer = reqwest::blocking::Client::new()
        .post(format!("{api}/repos/{OWNER}/sdk/check-runs"))
        .bearer_auth(CI_TOKEN)
        .json(&run)
        .send()
        .expect("CI reports");
    assert_eq!(answer.status(), 201);
    wait::until_true("the update merged on GitHub", limit, || {
        repos::version_in(root, "sdk", "runtime") == "2.0.0"
    });
    let status: Value =
        serde_json::from_str(&server.get("/api/status").unwrap_or_default()).unwrap_or_default();
    assert!(
        status.to_string().contains("/pull/1"),
        "status links the GitHub pull request: {status}"
    );
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("GitHub forge enabled"), "{log}");
    assert!(
        !log.contains(SLUICE_TOKEN),
        "the token never reaches the log"
    );
}

#[test]
fn github_options_that_cannot_work_are_refused_at_start() {
    let stderr = refused(&["--github-host", "ghe.contoso.com"]);
    assert!(stderr.contains("--github-host needs a token"), "{stderr}");
    let stderr = refused(&["--github-token-env", "SLUICE_NO_SUCH_VAR"]);
    assert!(stderr.contains("SLUICE_NO_SUCH_VAR"), "{stderr}");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "ghp_x\n").unwrap();
    let path = file.path().display().to_string();
    let stderr = refused(&[
        "--github-token-file",
        &path,
        "--github-host",
        "https://ghe.contoso.com",
    ]);
    assert!(stderr.contains("must be a host name"), "{stderr}");
    let stderr = refused(&["--github-token-file", &path, "--github-api-url", "ftp://x"]);
    assert!(stderr.contains("GitHub API URL"), "{stderr}");
    assert!(!stderr.contains("ghp_x"), "{stderr}");
}

#[test]
fn a_signed_webhook_re_evaluates_at_once_and_a_forged_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
    let config = repos::write_flow_config(root, &servers.url("sdk"));
    let api = servers.github.api_url();
    let host = servers.git_server.addr().to_string();
    // Open pull requests are not looked at again within the test (neither the periodic
    // revisit nor the timer that queues it runs): only a delivery can wake them.
    let extra = [
        "--github-token-env",
        "SLUICE_GH",
        "--github-api-url",
        &api,
        "--github-host",
        &host,
        "--github-webhook-secret-env",
        "SLUICE_HOOK",
        "--pull-request-interval",
        "3600",
        "--schedule-tick",
        "3600",
    ];
    let env = [("SLUICE_GH", SLUICE_TOKEN), ("SLUICE_HOOK", "hook-secret")];
    let server = Server::start_with_env(root, &config, &extra, &env).expect("sluice serve starts");
    let hook = format!("{}/webhooks/github", server.url());
    servers.github.deliver_webhooks_to(&hook, "hook-secret");
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    let head = wait::until("a pull request on GitHub", limit, || open_head(&servers));

    let client = reqwest::blocking::Client::new();
    let forged = json!({"action": "completed", "repository": {"full_name": format!("{OWNER}/sdk")}, "check_run": {"head_sha": head}});
    let body = serde_json::to_vec(&forged).unwrap();
    let refused = client
        .post(&hook)
        .header("x-github-event", "check_run")
        .header(
            "x-hub-signature-256",
            webhooks::signature("not-the-secret", &body),
        )
        .body(body)
        .send()
        .expect("sluice answers");
    assert_eq!(refused.status(), 401);

    let run =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    let answer = client
        .post(format!("{api}/repos/{OWNER}/sdk/check-runs"))
        .bearer_auth(CI_TOKEN)
        .json(&run)
        .send()
        .expect("CI reports");
    assert_eq!(answer.status(), 201);
    wait::until_true(
        "the update merged after the delivery",
        Duration::from_secs(30),
        || repos::version_in(root, "sdk", "runtime") == "2.0.0",
    );
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("GitHub webhook refused"), "{log}");
    assert!(
        !log.contains("hook-secret"),
        "the secret never reaches the log"
    );
}
