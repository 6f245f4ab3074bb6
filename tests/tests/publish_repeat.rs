//! A CI retry of `sluice build publish` finds the build it published: HTTP 201 the first
//! time, 200 with the same build after; an unknown channel is refused; a build nobody takes
//! is published with a warning the CLI prints.

use std::io::{Read, Write};
use std::net::TcpStream;

use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git, remote_url};

/// POSTs `body` as JSON; the status line's code and the body.
fn post(server: &Server, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let address = server.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    (code, serde_json::from_str(body).unwrap())
}

#[test]
fn a_retry_answers_the_stored_build() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    let build = serde_json::json!({
        "repository": remote_url(root, "runtime"),
        "branch": "main",
        "commit": git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]),
        "buildNumber": "7",
        "assets": [{"name": "Contoso.Runtime", "version": "2.0.0"}],
    });
    let (first, stored) = post(&server, "/api/builds", &build);
    assert_eq!(first, 201, "{stored}");
    let (again, repeat) = post(&server, "/api/builds", &build);
    assert_eq!(again, 200, "{repeat}");
    assert_eq!(repeat["id"], stored["id"]);
    assert_eq!(repeat["created"], false);

    let mut other = build.clone();
    other["assets"][0]["version"] = "2.0.1".into();
    let (conflict, answer) = post(&server, "/api/builds", &other);
    assert_eq!(conflict, 409, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("assets"),
        "{answer}"
    );

    let mut unknown = build.clone();
    unknown["buildNumber"] = "8".into();
    unknown["channels"] = serde_json::json!(["nightly"]);
    let (refused, answer) = post(&server, "/api/builds", &unknown);
    assert_eq!(refused, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("unknown channel `nightly`")
    );

    // Through the CLI: the retry says so; a stranger's build comes with a warning.
    let out = server.publish(root, "runtime", "7", "2.0.0").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"],
        stored["id"]
    );
    let out = std::process::Command::new(sluice_tests::binary::sluice_path())
        .args([
            "build",
            "publish",
            "--repo",
            "https://example.com/contoso/stranger",
        ])
        .args([
            "--branch",
            "main",
            "--commit",
            &"ab".repeat(20),
            "--number",
            "1",
        ])
        .env("SLUICE_SERVER", server.url())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "warning: no subscription takes builds of https://example.com/contoso/stranger"
        ),
        "{stderr}"
    );
    server.stop();
}
