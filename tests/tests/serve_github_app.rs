//! `sluice serve` as a GitHub App: the binary signs with the App's key, finds the
//! installation, and opens and merges an update with installation tokens (API and git),
//! none of which reaches its log; App options that cannot work are refused at start.

use std::time::Duration;

use serde_json::json;
use sluice_tests::binary::serve_refused as refused;
use sluice_tests::demo::{Server, repos};
use sluice_tests::github_flow::{APP_ID, APP_KEY, CI_TOKEN, GitHubServers, OWNER};
use sluice_tests::wait;

fn open_pull_request(servers: &GitHubServers) -> Option<(String, String)> {
    let state = servers.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    repo.pulls
        .values()
        .find(|p| p.state == "open")
        .map(|p| (p.head_sha.clone(), p.user.clone()))
}

#[test]
fn serve_flows_an_update_through_github_as_an_app() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
    servers.install_app(Duration::from_secs(3600));
    let key = root.join("app.pem");
    std::fs::write(&key, APP_KEY).unwrap();
    let config = repos::write_flow_config(root, &servers.url("sdk"));
    let api = servers.github.api_url();
    let host = servers.git_server.addr().to_string();
    let app_id = APP_ID.to_string();
    let key_path = key.display().to_string();
    let extra = [
        "--github-app-id",
        &app_id,
        "--github-app-key-file",
        &key_path,
        "--github-api-url",
        &api,
        "--github-host",
        &host,
    ];
    let server = Server::start_with_env(root, &config, &extra, &[]).expect("sluice serve starts");
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    let (head, user) = wait::until("a pull request on GitHub", limit, || {
        open_pull_request(&servers)
    });
    assert_eq!(user, "sluice-app[bot]");
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
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    let tokens: Vec<String> = servers
        .github
        .shared()
        .state()
        .expiry
        .keys()
        .cloned()
        .collect();
    assert!(!tokens.is_empty(), "installation tokens were minted");
    for token in tokens {
        assert!(!log.contains(&token), "no token in the log");
    }
    assert!(!log.contains("PRIVATE KEY"), "no key in the log");
}

#[test]
fn app_options_that_cannot_work_are_refused_at_start() {
    let stderr = refused(&["--github-app-id", "7"]);
    assert!(stderr.contains("--github-app-key"), "{stderr}");
    let stderr = refused(&["--github-app-key-env", "X"]);
    assert!(stderr.contains("--github-app-id"), "{stderr}");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "not a key\n").unwrap();
    let path = file.path().display().to_string();
    let stderr = refused(&["--github-app-id", "7", "--github-app-key-file", &path]);
    assert!(
        stderr.contains(&path) && stderr.contains("unusable"),
        "{stderr}"
    );
    let stderr = refused(&[
        "--github-app-id",
        "7",
        "--github-app-key-file",
        &path,
        "--github-token-env",
        "T",
    ]);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
