//! What `sluice serve` refuses at start and how its config watcher reacts: one server per
//! data directory, a `--config` path that does not exist, reads that are not changes, and an
//! empty configuration that would retire every subscription.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use sluice_tests::binary::sluice_path;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;
use sluice_tests::wait;

fn wait_for(what: &str, check: impl FnMut() -> bool) {
    wait::until_true(what, Duration::from_secs(60), check)
}

fn config_report(server: &Server) -> Value {
    server
        .get("/api/config")
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default()
}

/// `sluice serve` expected to end by itself: its stderr, or a failure when it is still
/// running after a while (it then serves, which it must not).
fn serve_refused(config: &str, data: &Path) -> String {
    let stderr = data.with_extension("stderr");
    std::fs::create_dir_all(data.parent().unwrap()).unwrap();
    let mut child = Command::new(sluice_path())
        .args([
            "serve",
            "--config",
            config,
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(data)
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let status = wait::exit(&mut child, Duration::from_secs(20)).unwrap_or_else(|| {
        panic!(
            "sluice serve kept running: {}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        )
    });
    assert!(!status.success(), "refused with a failing exit status");
    std::fs::read_to_string(&stderr).unwrap()
}

#[test]
fn a_second_server_on_the_same_data_directory_fails_at_once_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let server = Server::start(root, &config).unwrap();
    let pid = std::fs::read_to_string(root.join("data/sluice.pid")).unwrap();

    let stderr = serve_refused(config.to_str().unwrap(), &root.join("data"));
    assert!(
        stderr.contains(&format!("pid {}", pid.trim())),
        "names the holder: {stderr}"
    );
    assert!(stderr.contains("--data"), "{stderr}");
    // The first one is untouched.
    assert!(
        server
            .get("/readyz")
            .is_some_and(|b| b.starts_with("ready"))
    );
    server.stop();
}

#[test]
fn a_config_path_that_does_not_exist_is_an_error_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = serve_refused("/nonexistent/sluice-config", &tmp.path().join("data"));
    assert!(
        stderr.contains("--config /nonexistent/sluice-config: no such directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("stays in force"), "{stderr}");
}

#[test]
fn reading_or_touching_config_files_never_reloads_and_content_changes_do() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let file = config.join("product.yaml");
    let server = Server::start(root, &config).unwrap();
    let loaded = config_report(&server)["loadedAt"].clone();
    assert!(loaded.is_string(), "{loaded}");
    // The report's time has a one-second resolution: let it move on.
    std::thread::sleep(Duration::from_millis(1100));

    // What `cat`, an editor opening the file and `sluice validate` do.
    for _ in 0..5 {
        let _ = std::fs::read(&file).unwrap();
    }
    let out = Command::new(sluice_path())
        .arg("validate")
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Metadata only, and a write of the same bytes.
    let text = std::fs::read(&file).unwrap();
    std::fs::File::options()
        .append(true)
        .open(&file)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    std::fs::write(&file, &text).unwrap();
    // Long enough for several debounce periods; a reload would have changed loadedAt.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(config_report(&server)["loadedAt"], loaded, "no reload");

    let mut changed = String::from_utf8(text).unwrap();
    changed.push_str("---\napiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: extra}\nspec: {displayName: Extra}\n");
    std::fs::write(&file, changed).unwrap();
    wait_for("the changed file to load", || {
        config_report(&server)["loadedAt"] != loaded
    });
    assert_eq!(config_report(&server)["valid"], true);
    server.stop();
}

#[test]
fn an_empty_configuration_is_refused_while_pull_requests_are_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let open = || -> usize {
        server
            .sluice(&["pr", "list", "--format", "json"])
            .ok()
            .and_then(|o| serde_json::from_str::<Vec<Value>>(&o).ok())
            .map_or(0, |prs| prs.iter().filter(|p| p["state"] == "Open").count())
    };
    wait_for("update pull requests", || open() >= 3);
    let before = open();

    // The volume behind the directory goes away: the directory is empty.
    let text = std::fs::read_to_string(config.join("product.yaml")).unwrap();
    std::fs::remove_file(config.join("product.yaml")).unwrap();
    wait_for("the empty config to be refused", || {
        config_report(&server)["valid"] == false
    });
    let report = config_report(&server);
    assert!(
        report["diagnostics"]
            .to_string()
            .contains("declares no subscriptions"),
        "{report:#}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(open(), before, "no pull request was closed");

    std::fs::write(config.join("product.yaml"), text).unwrap();
    wait_for("the config to load again", || {
        config_report(&server)["valid"] == true
    });
    assert_eq!(open(), before);
    server.stop();
}

#[test]
fn a_config_url_with_credentials_is_refused_without_echoing_them() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = serve_refused(
        "https://bot:t0ken-s3cret-value@example.com/flow-config.git",
        &tmp.path().join("data"),
    );
    assert!(stderr.contains("--git-token-env"), "{stderr}");
    assert!(!stderr.contains("t0ken-s3cret-value"), "{stderr}");
}
