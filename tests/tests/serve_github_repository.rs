//! `sluice serve` reads a GitHub repository itself (its visibility, whether merges delete
//! head branches) once, not on every cycle with a waiting build; a signed `repository`
//! webhook delivery (the repository made private, its settings edited) makes it read
//! again at once.

use std::time::Duration;

use serde_json::json;
use sluice_tests::demo::{Server, repos};
use sluice_tests::github_flow::{GitHubServers, OWNER, SLUICE_TOKEN};
use sluice_tests::wait;

fn repository_reads(servers: &GitHubServers) -> usize {
    let path = format!("GET /repos/{OWNER}/sdk");
    let calls = servers.github.calls();
    calls.iter().filter(|c| c.request == path).count()
}

fn check_reads(servers: &GitHubServers) -> usize {
    let calls = servers.github.calls();
    calls
        .iter()
        .filter(|c| c.request.contains("/check-runs?") && c.request.starts_with("GET "))
        .count()
}

#[test]
fn the_repository_is_read_once_and_again_after_a_repository_delivery() {
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
        "--github-webhook-secret-env",
        "SLUICE_HOOK",
    ];
    let env = [("SLUICE_GH", SLUICE_TOKEN), ("SLUICE_HOOK", "hook-secret")];
    let server = Server::start_with_env(root, &config, &extra, &env).expect("sluice serve starts");
    servers
        .github
        .deliver_webhooks_to(&format!("{}/webhooks/github", server.url()), "hook-secret");
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    // No CI reports: the update waits, and its key is looked at every second.
    wait::until_true("several cycles with the waiting update", limit, || {
        check_reads(&servers) >= 4
    });
    assert_eq!(repository_reads(&servers), 1, "read once, then kept");

    // Made private at GitHub, which says so with a `repository` delivery.
    servers
        .github
        .shared()
        .state()
        .repo(&format!("{OWNER}/sdk"))
        .private = true;
    let html_url = format!("http://{host}/{OWNER}/sdk");
    servers.github.shared().deliver(
        "repository",
        json!({"action": "privatized", "repository": {"full_name": format!("{OWNER}/sdk"), "html_url": html_url}}),
    );
    wait::until_true("the repository read again", limit, || {
        repository_reads(&servers) == 2
    });
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("GitHub says the repository changed"), "{log}");
}
