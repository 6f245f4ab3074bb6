//! Nobody unauthenticated drives the API: tokens with scopes, 401 without a token, 403
//! without the scope, probes open, the CLI sending SLUICE_TOKEN, and an open API only on
//! loopback.

use std::process::{Command, Stdio};
use std::time::Duration;

use sluice_tests::binary::sluice_path;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;
use sluice_tests::wait;

const PUBLISH: &str = "pub-secret-0123456789";
const REPORT: &str = "rep-secret-0123456789";
const ADMIN: &str = "adm-secret-0123456789";

/// One request with a JSON content type: status code and body.
fn request(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let answer = sluice_tests::http::request(
        server.url(),
        method,
        path,
        token,
        &["Content-Type: application/json"],
        body.as_bytes(),
    )
    .unwrap();
    (answer.status, answer.body)
}

fn start(root: &std::path::Path, extra: &[&str]) -> Server {
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let tokens = root.join("api-tokens");
    std::fs::write(
        &tokens,
        format!("ci publish {PUBLISH}\nbot report {REPORT}\nops admin {ADMIN}\n"),
    )
    .unwrap();
    let mut args = vec!["--api-tokens", tokens.to_str().unwrap()];
    args.extend_from_slice(extra);
    Server::start_with(root, config.to_str().unwrap(), &args).unwrap()
}

#[test]
fn requests_need_a_token_with_the_right_scope() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let server = start(root, &[]);

    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(
            request(&server, "GET", path, None, "").0,
            200,
            "{path} is open"
        );
    }
    let (status, body) = request(&server, "GET", "/api/status", None, "");
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("\"error\"") && body.contains("SLUICE_TOKEN"),
        "{body}"
    );
    assert_eq!(
        request(
            &server,
            "GET",
            "/api/status",
            Some("wrong-secret-0123456789"),
            ""
        )
        .0,
        401
    );
    assert_eq!(
        request(&server, "GET", "/api/status", Some(REPORT), "").0,
        200
    );

    // Writes: each needs its scope; nothing happens without it.
    let (status, body) = request(
        &server,
        "POST",
        "/api/subscriptions/runtime-to-sdk/trigger",
        Some(PUBLISH),
        "{}",
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("token `ci` lacks the `admin` scope"),
        "{body}"
    );
    assert!(!body.contains(PUBLISH), "{body}");
    let (status, _) = request(&server, "POST", "/api/builds", None, "{}");
    assert_eq!(status, 401);
    let (status, _) = request(&server, "POST", "/api/builds", Some(REPORT), "{}");
    assert_eq!(status, 403);
    // A body larger than any build is refused before it is read whole.
    let huge = format!("{{\"buildNumber\": \"{}\"}}", "1".repeat(3 * 512 * 1024));
    let (status, _) = request(&server, "POST", "/api/builds", Some(PUBLISH), &huge);
    assert_eq!(status, 413);
    assert_eq!(
        request(&server, "GET", "/api/builds", Some(ADMIN), "")
            .1
            .trim(),
        "[]",
        "no build was stored by refused requests"
    );

    // The CLI sends SLUICE_TOKEN.
    let head = repos::git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);
    let publish = |token: Option<&str>| {
        let mut cmd = Command::new(sluice_path());
        cmd.args([
            "build",
            "publish",
            "--repo",
            &repos::remote_url(root, "runtime"),
            "--branch",
            "main",
            "--commit",
            &head,
            "--number",
            "1",
            "--asset",
            "Contoso.Runtime=2.0.0",
        ])
        .env("SLUICE_SERVER", server.url())
        .env_remove("SLUICE_TOKEN")
        .stdin(Stdio::null());
        if let Some(t) = token {
            cmd.env("SLUICE_TOKEN", t);
        }
        cmd.output().unwrap()
    };
    let refused = publish(None);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("401"),
        "{refused:?}"
    );
    let accepted = publish(Some(PUBLISH));
    assert!(accepted.status.success(), "{accepted:?}");
    server.stop();
}

#[test]
fn open_reads_let_gets_through_but_not_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(tmp.path(), &["--open-reads"]);
    assert_eq!(request(&server, "GET", "/api/status", None, "").0, 200);
    assert_eq!(request(&server, "POST", "/api/builds", None, "{}").0, 401);
    server.stop();
}

#[test]
fn without_tokens_the_api_listens_on_loopback_only_unless_told_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let mut child = Command::new(sluice_path())
        .args([
            "serve",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
            "--data",
        ])
        .arg(root.join("data"))
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(root.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let status = wait::exit(&mut child, Duration::from_secs(20))
        .expect("sluice serve listened on all interfaces without tokens");
    assert!(!status.success());
    let stderr = std::fs::read_to_string(root.join("stderr")).unwrap();
    assert!(stderr.contains("--insecure-no-auth"), "{stderr}");
}
