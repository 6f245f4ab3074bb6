//! No secret is echoed: a whole flow (publish, three update pull requests, checks, merges)
//! over git remotes that demand a token and an API that demands one, logged at trace
//! level, and then every log line, every API answer and every file under the data
//! directory (database, log, git caches) is searched for the secrets and their encodings.
//! The same holds for a flow through Azure DevOps: its personal access token (API calls
//! and git pushes) and its service hook password.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;
use sluice_tests::fake_azdo::FakeAzureDevOps;
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

/// Searches `seen` (place, text) and every file under `root/data` for `secrets`.
fn assert_no_secret(root: &Path, mut seen: Vec<(String, String)>, secrets: &[String]) {
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
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{place} shows a secret ({} chars)",
                secret.len()
            );
        }
    }
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
    assert_no_secret(root, seen, &forbidden());
}

const AZDO_PAT: &str = "azdopat-3e9c1a7b5d2f4068acebd13579";
const HOOK_SECRET: &str = "hooksec-8c2e4a6b0d1f3579";

#[test]
fn an_azure_devops_flow_at_trace_level_never_shows_its_token_or_hook_password() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let fake = FakeAzureDevOps::serving_demo_sdk(root, AZDO_PAT);
    let config = repos::write_flow_config(root, &fake.demo_sdk_url());
    std::fs::write(root.join("azdo-pat"), format!("{AZDO_PAT}\n")).unwrap();
    std::fs::write(root.join("hook-secret"), format!("{HOOK_SECRET}\n")).unwrap();
    let host = fake.host();
    let server = Server::start_with_env(
        root,
        &config,
        &[
            "--azure-devops-token-file",
            root.join("azdo-pat").to_str().unwrap(),
            "--azure-devops-host",
            &host,
            "--azure-devops-webhook-secret-file",
            root.join("hook-secret").to_str().unwrap(),
        ],
        &[("RUST_LOG", "trace")],
    )
    .unwrap();
    fake.deliver_hooks_to(
        &format!("{}/webhooks/azure-devops", server.url()),
        "azure",
        HOOK_SECRET,
    );
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let id = wait_for("a pull request on Azure DevOps", || fake.active_pull());
    fake.shared().set_policy(id, "Build", "rejected", true);
    wait_for("sluice's thread", || {
        let pull = fake.shared().pull(id)?;
        (!pull.threads.is_empty()).then_some(())
    });
    fake.shared().set_policy(id, "Build", "approved", true);
    wait_for("the update completed", || {
        (repos::version_in(root, "sdk", "runtime") == "2.0.0").then_some(())
    });
    let mut seen = Vec::new();
    for path in [
        "/api/status",
        "/api/events",
        "/api/pull-requests",
        "/api/config",
    ] {
        seen.push((path.to_string(), server.get(path).unwrap_or_default()));
    }
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap();
    assert!(log.contains("Azure DevOps forge enabled"), "{log}");
    seen.push(("serve.log".into(), log));
    for pull in fake.shared().pulls() {
        let threads: Vec<String> = pull
            .threads
            .iter()
            .flat_map(|t| t.comments.iter().map(|c| c.content.clone()))
            .collect();
        seen.push((
            format!("pull request {} on Azure DevOps", pull.id),
            format!("{} {} {threads:?}", pull.title, pull.description),
        ));
    }
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let secrets = [
        AZDO_PAT.to_string(),
        HOOK_SECRET.to_string(),
        b64(&format!(":{AZDO_PAT}")),
        b64(&format!("sluice:{AZDO_PAT}")),
        b64(&format!("azure:{HOOK_SECRET}")),
        b64(AZDO_PAT),
    ];
    assert_no_secret(root, seen, &secrets);
}
