//! `sluice serve --github-webhook-secret-file`: the file is re-read when it changes (a
//! mounted Secret rotated in place), so deliveries signed with the new secret verify and
//! those signed with the old one are refused, without a restart.

use std::time::Duration;

use serde_json::json;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_github::webhooks;
use sluice_tests::wait;

fn deliver(server: &Server, secret: &str) -> u16 {
    let body = serde_json::to_vec(&json!({"zen": "Keep it logically awesome."})).unwrap();
    reqwest::blocking::Client::new()
        .post(format!("{}/webhooks/github", server.url()))
        .header("x-github-event", "ping")
        .header("x-hub-signature-256", webhooks::signature(secret, &body))
        .body(body)
        .send()
        .expect("sluice answers")
        .status()
        .as_u16()
}

#[test]
fn a_webhook_secret_file_rewritten_in_place_is_used_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let secret_file = root.join("webhook-secret");
    std::fs::write(&secret_file, "first-hook-secret\n").unwrap();
    let file = secret_file.display().to_string();
    let server = Server::start_with(
        root,
        &config.display().to_string(),
        &["--github-webhook-secret-file", &file],
    )
    .unwrap();
    assert_ne!(deliver(&server, "first-hook-secret"), 401);
    assert_eq!(deliver(&server, "second-hook-secret"), 401);

    // Rotated as the kubelet does: the new content replaces the file at once.
    std::fs::write(root.join("webhook-secret.new"), "second-hook-secret\n").unwrap();
    std::fs::rename(root.join("webhook-secret.new"), &secret_file).unwrap();
    wait::until_true("the new secret verifies", Duration::from_secs(30), || {
        deliver(&server, "second-hook-secret") != 401
    });
    assert_eq!(deliver(&server, "first-hook-secret"), 401);
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("secret rotated"), "{log}");
    assert!(!log.contains("first-hook-secret") && !log.contains("second-hook-secret"));
}
