//! No secret is echoed: a whole flow (publish, three update pull requests, checks, merges)
//! over git remotes that demand a token and an API that demands one, logged at trace
//! level, and then every log line, every API answer and every file under the data
//! directory (database, log, git caches) is searched for the secrets and their encodings.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;
use sluice_tests::git_server::{BasicAuth, GitHttpServer};

const GIT_TOKEN: &str = "gittok-7a1c9e3f5b2d4860";
const API_SECRET: &str = "apisec-1f8b3d5c7e9a2460";

fn wait_for<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    sluice_tests::wait::until(what, Duration::from_secs(120), probe)
}

/// Every form in which a secret could leak.
fn forbidden() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        GIT_TOKEN.to_string(),
        API_SECRET.to_string(),
        b64(&format!("x-access-token:{GIT_TOKEN}")),
        b64(GIT_TOKEN),
        b64(API_SECRET),
    ]
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn a_whole_flow_at_trace_level_never_shows_a_token_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let auth = BasicAuth {
        username: "x-access-token".into(),
        password: GIT_TOKEN.into(),
    };
    let http = GitHttpServer::start(root.join("remotes"), Some(auth)).unwrap();
    let url = |repo: &str| http.url(&format!("{repo}.git"));
    let config = repos::write_config(root);
    let file = config.join("product.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        &format!("file://{}/", root.join("remotes").display()),
        &format!("http://{}/", http.addr()),
    );
    std::fs::write(&file, text).unwrap();
    std::fs::write(root.join("git-token"), format!("{GIT_TOKEN}\n")).unwrap();
    std::fs::write(root.join("api-tokens"), format!("ops admin {API_SECRET}\n")).unwrap();

    let mut server = Server::start_with_env(
        root,
        config.to_str().unwrap(),
        &[
            "--git-token-file",
            root.join("git-token").to_str().unwrap(),
            "--api-tokens",
            root.join("api-tokens").to_str().unwrap(),
        ],
        &[("RUST_LOG", "trace")],
    )
    .unwrap();
    server.set_token(API_SECRET);
    let head = repos::git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);
    server
        .sluice(&[
            "build",
            "publish",
            "--repo",
            &url("runtime"),
            "--branch",
            "main",
            "--commit",
            &head,
            "--number",
            "1",
            "--asset",
            "Contoso.Runtime=2.0.0",
        ])
        .unwrap();

    let pull_requests = |server: &Server| -> Vec<Value> {
        server
            .get("/api/pull-requests")
            .and_then(|b| serde_json::from_str(&b).ok())
            .unwrap_or_default()
    };
    let numbers: Vec<String> = wait_for("three update pull requests", || {
        let prs = pull_requests(&server);
        (prs.len() == 3).then(|| prs.iter().map(|p| p["number"].to_string()).collect())
    });
    for n in &numbers {
        let head = wait_for("a head commit", || {
            let d: Value =
                serde_json::from_str(&server.get(&format!("/api/pull-requests/{n}"))?).ok()?;
            d["headCommit"].as_str().map(str::to_string)
        });
        server
            .sluice(&[
                "pr", "check", n, "--name", "ci", "--state", "success", "--commit", &head,
            ])
            .unwrap();
    }
    wait_for("every pull request merged", || {
        pull_requests(&server)
            .iter()
            .all(|p| p["state"] == "Merged")
            .then_some(())
    });

    let mut seen = Vec::new();
    for n in &numbers {
        for path in [
            format!("/api/pull-requests/{n}"),
            format!("/pull-requests/{n}"),
        ] {
            seen.push((path.clone(), server.get(&path).unwrap_or_default()));
        }
    }
    for path in [
        "/api/status",
        "/api/events",
        "/api/pull-requests",
        "/api/builds",
        "/api/config",
        "/metrics",
    ] {
        seen.push((path.to_string(), server.get(path).unwrap_or_default()));
    }
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap();
    assert!(log.lines().count() > 100, "trace logging was on");
    seen.push(("serve.log".into(), log));
    let mut files = Vec::new();
    files_under(&root.join("data"), &mut files);
    assert!(files.iter().any(|f| f.ends_with("sluice.db")));
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        seen.push((
            f.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for (place, text) in &seen {
        for secret in forbidden() {
            assert!(
                !text.contains(&secret),
                "{place} shows a secret ({} chars)",
                secret.len()
            );
        }
    }
}
