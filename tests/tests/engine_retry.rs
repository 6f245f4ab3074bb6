//! A target that cannot be reached is retried with backoff, and says so in status instead
//! of showing its last good condition; the other targets keep flowing.

use std::time::Duration;

use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, remote_url};
use sluice_tests::wait;

#[test]
fn an_unreachable_target_shows_retrying_with_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let missing = format!("file://{}", root.join("remotes/gone.git").display());
    let mut text = std::fs::read_to_string(config.join("product.yaml")).unwrap();
    text.push_str(&format!(
        "---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: runtime-to-gone}}\nspec:\n  source: {{repository: \"{}\", channel: product-dev}}\n  target: {{repository: \"{missing}\", branch: main}}\n",
        remote_url(root, "runtime")
    ));
    std::fs::write(config.join("product.yaml"), text).unwrap();
    let server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();

    wait::until_ok("a Retrying status", Duration::from_secs(60), || {
        let status: Vec<serde_json::Value> =
            serde_json::from_str(&server.sluice(&["status", "--format", "json"]).unwrap()).unwrap();
        let row = |name: &str| status.iter().find(|r| r["name"] == name).cloned().unwrap();
        let gone = row("runtime-to-gone");
        if gone["reason"] == "Retrying" && row("runtime-to-sdk")["pullRequest"]["state"] == "Open" {
            assert_eq!(gone["condition"], "Reconciling");
            let message = gone["message"].as_str().unwrap();
            assert!(
                message.contains("gone.git") && message.contains("retrying"),
                "{message}"
            );
            return Ok(());
        }
        Err(format!("{status:#?}"))
    });
    server.stop();
}
