//! The status codes the README documents are the ones a running server answers, and every
//! error, the HTTP layer's own included, is `{"error": "..."}`.

use std::time::Duration;

use sluice_tests::demo::repos;
use sluice_tests::demo::{Answer, Server};
use sluice_tests::wait;

fn call(server: &Server, method: &str, path: &str, body: Option<&str>) -> Answer {
    let content_type = body.map(|_| "application/json");
    server
        .request(method, path, content_type, body.unwrap_or(""))
        .unwrap_or_else(|| panic!("no answer to {method} {path}"))
}

/// Asserts the status and that the body is `{"error": "<non-empty>"}` with a JSON type.
fn assert_error(answer: &Answer, status: u16, what: &str) {
    assert_eq!(answer.status, status, "{what}: {answer:?}");
    assert!(
        answer
            .headers
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{what}: not JSON: {answer:?}"
    );
    let body: serde_json::Value = serde_json::from_str(&answer.body)
        .unwrap_or_else(|e| panic!("{what}: body is not JSON ({e}): {answer:?}"));
    let message = body["error"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{what}: no error message: {body}");
}

fn open_pull_request(server: &Server, repository: &str) -> i64 {
    let what = format!("a pull request on {repository}");
    wait::until_ok(&what, Duration::from_secs(60), || {
        let prs: Vec<serde_json::Value> =
            serde_json::from_str(&server.get("/api/pull-requests").unwrap_or_default())
                .unwrap_or_default();
        if let Some(pr) = prs.iter().find(|p| {
            p["state"] == "Open"
                && p["repository"]
                    .as_str()
                    .is_some_and(|r| r.ends_with(&format!("/{repository}.git")))
        }) {
            return Ok(pr["number"].as_i64().unwrap());
        }
        Err(format!("{prs:#?}"))
    })
}

#[test]
fn documented_status_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let server = Server::start(root, &config).unwrap();

    // The HTTP layer's own rejections.
    assert_error(
        &call(&server, "GET", "/api/nothing-here", None),
        404,
        "unknown route",
    );
    let wrong = call(&server, "DELETE", "/api/status", None);
    assert_error(&wrong, 405, "wrong method");
    assert!(
        wrong.headers.to_ascii_lowercase().contains("allow:"),
        "{wrong:?}"
    );
    assert_error(
        &call(&server, "POST", "/api/builds", Some("{")),
        400,
        "bad JSON",
    );
    assert_error(
        &call(&server, "GET", "/api/flow/graph?window=30", None),
        400,
        "a flow window without a unit",
    );
    assert_error(
        &call(
            &server,
            "GET",
            "/api/flow/graph?channel=Not%20A%20Name",
            None,
        ),
        400,
        "a channel filter that is not a resource name",
    );
    assert_error(
        &call(&server, "GET", "/api/flow/graph?windows=30d", None),
        400,
        "an unknown query parameter",
    );
    assert_error(
        &call(&server, "POST", "/api/builds", Some(r#"{"repository": 3}"#)),
        422,
        "JSON of the wrong shape",
    );
    let untyped = server
        .request("POST", "/api/builds", None, r#"{"repository": "x"}"#)
        .unwrap();
    assert_error(&untyped, 415, "missing content type");
    assert_error(
        &call(&server, "GET", "/api/builds/abc", None),
        400,
        "bad path",
    );

    // The API's own.
    let bad_build = r#"{"repository": "https://example.com/r", "branch": "main", "commit": "xyz",
        "buildNumber": "1", "producedAt": "2026-11-01T10:00:00Z", "channels": [], "assets": []}"#;
    assert_error(
        &call(&server, "POST", "/api/builds", Some(bad_build)),
        400,
        "invalid build",
    );
    assert_error(
        &call(&server, "GET", "/api/builds/999", None),
        404,
        "unknown build",
    );
    assert_error(
        &call(
            &server,
            "POST",
            "/api/subscriptions/no-such/trigger",
            Some("{}"),
        ),
        404,
        "unknown subscription",
    );
    assert_error(
        &call(&server, "GET", "/api/pull-requests/999", None),
        404,
        "unknown PR",
    );
    assert_error(
        &call(&server, "POST", "/api/pull-requests/999/merge", Some("{}")),
        404,
        "merging an unknown PR",
    );

    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let number = open_pull_request(&server, "extensions");
    let stale = r#"{"name": "build", "state": "success", "commit": "0000000000000000000000000000000000000000"}"#;
    assert_error(
        &call(
            &server,
            "POST",
            &format!("/api/pull-requests/{number}/checks"),
            Some(stale),
        ),
        409,
        "a check for a commit the pull request is not at",
    );
    let merge = call(
        &server,
        "POST",
        &format!("/api/pull-requests/{number}/merge"),
        Some("{}"),
    );
    assert_eq!(merge.status, 200, "{merge:?}");
    assert_error(
        &call(
            &server,
            "POST",
            &format!("/api/pull-requests/{number}/merge"),
            Some("{}"),
        ),
        409,
        "merging a merged pull request",
    );
    assert_error(
        &call(
            &server,
            "POST",
            &format!("/api/pull-requests/{number}/close"),
            Some("{}"),
        ),
        409,
        "closing a merged pull request",
    );
    server.stop();
}

/// Every endpoint the server answers is in the README's table and in `serve --help`:
/// (README spelling, `--help` spelling, a request the server routes).
const ENDPOINTS: &[(&str, &str, &str, &str)] = &[
    (
        "`POST /api/builds`",
        "POST /api/builds",
        "POST",
        "/api/builds",
    ),
    (
        "`GET /api/builds?",
        "GET /api/builds[/ID]",
        "GET",
        "/api/builds",
    ),
    (
        "`GET /api/builds/{id}`",
        "GET /api/builds[/ID]",
        "GET",
        "/api/builds/1",
    ),
    (
        "`POST /api/builds/{id}/channels`",
        "POST /api/builds/ID/channels",
        "POST",
        "/api/builds/1/channels",
    ),
    (
        "`POST /api/subscriptions/{name}/trigger`",
        "POST /api/subscriptions/NAME/trigger",
        "POST",
        "/api/subscriptions/x/trigger",
    ),
    ("`GET /api/status`", "GET /api/status", "GET", "/api/status"),
    (
        "`GET /api/events?limit=`",
        "GET /api/events",
        "GET",
        "/api/events",
    ),
    (
        "`GET /api/pull-requests?limit=&before=`",
        "GET /api/pull-requests[/N]",
        "GET",
        "/api/pull-requests",
    ),
    (
        "`GET /api/pull-requests/{n}`",
        "GET /api/pull-requests[/N]",
        "GET",
        "/api/pull-requests/1",
    ),
    (
        "`POST /api/pull-requests/{n}/checks`",
        "POST /api/pull-requests/N/{checks,",
        "POST",
        "/api/pull-requests/1/checks",
    ),
    (
        "`POST /api/pull-requests/{n}/reviews`",
        ",reviews,",
        "POST",
        "/api/pull-requests/1/reviews",
    ),
    (
        "`POST /api/pull-requests/{n}/close`",
        ",close,",
        "POST",
        "/api/pull-requests/1/close",
    ),
    (
        "`POST /api/pull-requests/{n}/merge`",
        ",merge}",
        "POST",
        "/api/pull-requests/1/merge",
    ),
    (
        "`GET /pull-requests/{n}`",
        "GET /pull-requests/N",
        "GET",
        "/pull-requests/1",
    ),
    (
        "`GET /api/flow/graph?window=30d&channel=`",
        "GET /api/flow/graph",
        "GET",
        "/api/flow/graph",
    ),
    ("`GET /api/config`", "GET /api/config", "GET", "/api/config"),
    ("`GET /healthz`", "GET /healthz", "GET", "/healthz"),
    ("`GET /readyz`", "GET /readyz", "GET", "/readyz"),
    ("`GET /metrics`", "GET /metrics", "GET", "/metrics"),
];

#[test]
fn every_endpoint_is_documented_and_served() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let out = sluice_tests::binary::run(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    for (in_readme, in_help, method, path) in ENDPOINTS {
        assert!(readme.contains(in_readme), "README lacks {in_readme}");
        assert!(
            help.contains(in_help),
            "serve --help lacks {in_help}:\n{help}"
        );
        let answer = call(&server, method, path, (*method == "POST").then_some("{}"));
        assert!(
            !answer.body.contains("no endpoint"),
            "{method} {path} is documented but not served: {answer:?}"
        );
    }
    server.stop();
}
