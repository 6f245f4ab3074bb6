//! `sluice serve` keeps its configuration current: a watched directory and a polled git
//! repository; an invalid config is reported and the last good one stays in force.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git};

fn wait_for(what: &str, check: impl FnMut() -> bool) {
    sluice_tests::wait::until_true(what, Duration::from_secs(30), check)
}

fn subscriptions(server: &Server) -> usize {
    server
        .sluice(&["status", "--format", "json"])
        .ok()
        .and_then(|o| serde_json::from_str::<Vec<serde_json::Value>>(&o).ok())
        .map_or(0, |v| v.len())
}

fn config_report(server: &Server) -> serde_json::Value {
    server
        .get("/api/config")
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default()
}

const EXTRA: &str = "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {name: extra}\nspec:\n  source: {repository: \"https://example.com/a/b\", channel: product-dev}\n  target: {repository: \"https://example.com/a/c\", branch: main}\n";

#[test]
fn a_watched_directory_reloads_and_an_invalid_change_keeps_the_last_good_config() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let server = Server::start(root, &config).unwrap();
    let initial = subscriptions(&server);
    assert_eq!(initial, 6);

    std::fs::write(config.join("broken.yaml"), "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: nightly}\nspec:\n  visiblity: public\n").unwrap();
    wait_for("the invalid config to be reported", || {
        config_report(&server)["valid"] == false
    });
    let report = config_report(&server);
    let findings = report["diagnostics"].to_string();
    assert!(
        findings.contains("broken.yaml:5:3: error[unknown-field]"),
        "{report:#}"
    );
    assert_eq!(
        subscriptions(&server),
        initial,
        "the last good config stays in force"
    );
    assert!(
        server
            .get("/readyz")
            .is_some_and(|b| b.starts_with("ready")),
        "still ready with the last good config"
    );

    std::fs::write(config.join("broken.yaml"), EXTRA).unwrap();
    wait_for("the fixed config to load", || {
        subscriptions(&server) == initial + 1
    });
    assert_eq!(config_report(&server)["valid"], true);
    server.stop();
}

fn commit_all(work: &Path, message: &str) {
    git(work, &["add", "-A"]);
    git(work, &["commit", "--quiet", "-m", message]);
    git(work, &["push", "--quiet", "origin", "main"]);
}

/// A bare repository at `remote` whose main branch holds the demo's `product.yaml` from
/// `config`, and a clone of it to change it from (beside `remote`, `config-work`).
fn config_repository(remote: &Path, config: &Path) -> PathBuf {
    std::fs::create_dir_all(remote).unwrap();
    git(
        remote,
        &["init", "--quiet", "--bare", "--initial-branch=main"],
    );
    let work = remote.with_file_name("config-work");
    git(
        remote.parent().unwrap(),
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::copy(config.join("product.yaml"), work.join("product.yaml")).unwrap();
    commit_all(&work, "Initial config");
    work
}

#[test]
fn a_git_config_repository_is_polled() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let remote = root.join("config.git");
    let work = config_repository(&remote, &config);

    let url = format!("file://{}", remote.display());
    let server = Server::start_with(root, &url, &["--config-poll", "1"]).unwrap();
    assert_eq!(subscriptions(&server), 6);
    assert!(
        config_report(&server)["source"]
            .as_str()
            .unwrap()
            .contains("config.git")
    );

    std::fs::write(work.join("extra.yaml"), EXTRA).unwrap();
    commit_all(&work, "One more subscription");
    wait_for("the new commit to be picked up", || {
        subscriptions(&server) == 7
    });

    // A file deleted upstream is gone from the configuration with its commit.
    std::fs::remove_file(work.join("extra.yaml")).unwrap();
    commit_all(&work, "Drop the extra subscription");
    wait_for("the deletion to be picked up", || {
        subscriptions(&server) == 6
    });
    let checkout = root.join("data/config-checkout");
    assert!(checkout.join("product.yaml").is_file());
    assert!(!checkout.join("extra.yaml").exists());
    // The files come from the bare cache's object database: no working tree, no clone.
    assert!(!checkout.join(".git").exists(), "the checkout is no clone");
    server.stop();
}

#[test]
fn a_private_config_repository_is_read_with_the_token_which_never_shows() {
    use sluice_tests::git_server::{BasicAuth, GitHttpServer};
    const TOKEN: &str = "cfg-t0ken-5ecret-value";
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let served = root.join("served");
    config_repository(&served.join("config.git"), &config);
    let auth = BasicAuth {
        username: "x-access-token".into(),
        password: TOKEN.into(),
    };
    let http = GitHttpServer::start(&served, Some(auth)).unwrap();
    let url = http.url("config.git");

    let good = root.join("good-token");
    std::fs::write(&good, format!("{TOKEN}\n")).unwrap();
    let server = Server::start_with(
        root,
        &url,
        &[
            "--config-poll",
            "1",
            "--git-token-file",
            good.to_str().unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(subscriptions(&server), 6);
    server.stop();

    // A wrong token: the error is reported, without either token.
    let bad = root.join("bad-token");
    std::fs::write(&bad, "wrong-t0ken-value\n").unwrap();
    let data = root.join("data");
    std::fs::remove_dir_all(&data).unwrap();
    let log = root.join("serve.log");
    let child = std::process::Command::new(sluice_tests::binary::sluice_path())
        .args([
            "serve",
            "--config",
            &url,
            "--config-poll",
            "1",
            "--git-token-file",
            bad.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(&data)
        .stderr(std::fs::File::create(root.join("bad.log")).unwrap())
        .spawn()
        .unwrap();
    let mut child = child;
    wait_for("the failed checkout to be logged", || {
        std::fs::read_to_string(root.join("bad.log"))
            .unwrap_or_default()
            .contains("cannot update the config checkout")
    });
    let _ = child.kill();
    let _ = child.wait();
    for file in [log, root.join("bad.log")] {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains(TOKEN) && !text.contains("wrong-t0ken-value"),
            "{} leaks a token:\n{text}",
            file.display()
        );
    }
}
