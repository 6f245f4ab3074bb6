//! The fake GitHub on its own: REST semantics over real bare repositories, tokens,
//! faults, ETags and signed webhook deliveries.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::{Value, json};
use sluice_tests::fake_github::{FakeGitHub, Fault, webhooks};
use sluice_tests::fixture_repo::{FixtureRepo, git};
use sluice_tests::git_server::GitHttpServer;

struct Setup {
    _dir: tempfile::TempDir,
    repo: FixtureRepo,
    _git: GitHttpServer,
    github: FakeGitHub,
    client: reqwest::blocking::Client,
    base: String,
    feature: String,
}

/// contoso/app with `main` and a `feature` branch one commit ahead.
fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = FixtureRepo::create(&dir.path().join("contoso"), "app.git");
    let base = repo.commit(&[("a.txt", "one\n")], "base");
    let feature = repo.commit(&[("a.txt", "two\n")], "feature");
    git(&repo.bare, &["update-ref", "refs/heads/feature", &feature]);
    git(&repo.bare, &["update-ref", "refs/heads/main", &base]);
    let git_server = GitHttpServer::start(dir.path(), None).expect("git server");
    let github = FakeGitHub::start(dir.path(), &format!("http://{}", git_server.addr()))
        .expect("fake github");
    github.add_token("t0ken", "sluice-bot");
    Setup {
        _dir: dir,
        repo,
        _git: git_server,
        github,
        client: reqwest::blocking::Client::new(),
        base,
        feature,
    }
}

impl Setup {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::blocking::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.github.api_url()))
            .bearer_auth("t0ken");
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().expect("request")
    }
}

#[test]
fn pull_requests_are_adopted_not_duplicated_and_merged_only_at_the_evaluated_head() {
    let s = setup();
    let anonymous = s
        .client
        .get(format!("{}/repos/contoso/app/pulls", s.github.api_url()))
        .send()
        .expect("request");
    assert_eq!(anonymous.status(), 401);

    let new = json!({"title": "Update", "head": "feature", "base": "main", "body": "b"});
    let created = s.call("POST", "/repos/contoso/app/pulls", Some(new.clone()));
    assert_eq!(created.status(), 201);
    let pr: Value = created.json().expect("json");
    assert_eq!(pr["number"], 1);
    assert_eq!(pr["head"]["sha"], s.feature.as_str());
    let again = s.call("POST", "/repos/contoso/app/pulls", Some(new));
    assert_eq!(again.status(), 422);
    assert!(again.text().expect("text").contains("already exists"));

    let found: Value = s
        .call(
            "GET",
            "/repos/contoso/app/pulls?head=contoso:feature&state=open",
            None,
        )
        .json()
        .expect("json");
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    let none: Value = s
        .call(
            "GET",
            "/repos/contoso/app/pulls?head=contoso:other&state=open",
            None,
        )
        .json()
        .expect("json");
    assert_eq!(none, json!([]));

    let moved = s.call(
        "PUT",
        "/repos/contoso/app/pulls/1/merge",
        Some(json!({"sha": s.base, "merge_method": "squash"})),
    );
    assert_eq!(moved.status(), 409);
    assert_eq!(
        s.repo.rev("refs/heads/main").as_deref(),
        Some(s.base.as_str())
    );

    let merged = s.call(
        "PUT",
        "/repos/contoso/app/pulls/1/merge",
        Some(json!({"sha": s.feature, "merge_method": "squash"})),
    );
    assert_eq!(merged.status(), 200);
    let squash = merged.json::<Value>().expect("json")["sha"]
        .as_str()
        .expect("sha")
        .to_string();
    assert_eq!(
        s.repo.rev("refs/heads/main").as_deref(),
        Some(squash.as_str())
    );
    assert_eq!(
        git(&s.repo.bare, &["rev-parse", &format!("{squash}^")]),
        s.base
    );
    assert_eq!(s.repo.show("main", "a.txt").as_deref(), Some("two\n"));

    let pr: Value = s
        .call("GET", "/repos/contoso/app/pulls/1", None)
        .json()
        .expect("json");
    assert_eq!(
        (pr["state"].as_str(), pr["merged"].as_bool()),
        (Some("closed"), Some(true))
    );
    let deleted = s.call("DELETE", "/repos/contoso/app/git/refs/heads/feature", None);
    assert_eq!(deleted.status(), 204);
    assert_eq!(s.repo.rev("refs/heads/feature"), None);
    let twice = s.call("PUT", "/repos/contoso/app/pulls/1/merge", Some(json!({})));
    assert_eq!(twice.status(), 405);
}

#[test]
fn checks_statuses_and_reviews_keep_the_latest_of_each() {
    let s = setup();
    s.call(
        "POST",
        "/repos/contoso/app/pulls",
        Some(json!({"title": "t", "head": "feature", "base": "main"})),
    );
    let run: Value = s
        .call(
            "POST",
            "/repos/contoso/app/check-runs",
            Some(json!({"name": "build", "head_sha": s.feature, "status": "in_progress"})),
        )
        .json()
        .expect("json");
    let id = run["id"].as_u64().expect("id");
    s.call(
        "PATCH",
        &format!("/repos/contoso/app/check-runs/{id}"),
        Some(json!({"conclusion": "success"})),
    );
    s.call(
        "POST",
        &format!("/repos/contoso/app/statuses/{}", s.feature),
        Some(json!({"state": "pending", "context": "ci/legacy"})),
    );
    s.call(
        "POST",
        &format!("/repos/contoso/app/statuses/{}", s.feature),
        Some(json!({"state": "failure", "context": "ci/legacy"})),
    );
    s.call(
        "POST",
        "/repos/contoso/app/pulls/1/reviews",
        Some(json!({"event": "REQUEST_CHANGES"})),
    );
    s.call(
        "POST",
        "/repos/contoso/app/pulls/1/reviews",
        Some(json!({"event": "APPROVE"})),
    );

    let runs: Value = s
        .call("GET", "/repos/contoso/app/commits/feature/check-runs", None)
        .json()
        .expect("json");
    assert_eq!(runs["total_count"], 1);
    assert_eq!(runs["check_runs"][0]["status"], "completed");
    assert_eq!(runs["check_runs"][0]["conclusion"], "success");
    let combined: Value = s
        .call(
            "GET",
            &format!("/repos/contoso/app/commits/{}/status", s.feature),
            None,
        )
        .json()
        .expect("json");
    assert_eq!(combined["state"], "failure");
    assert_eq!(combined["statuses"].as_array().map(Vec::len), Some(1));
    let reviews: Value = s
        .call("GET", "/repos/contoso/app/pulls/1/reviews", None)
        .json()
        .expect("json");
    let states: Vec<_> = reviews
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["state"].clone())
        .collect();
    assert_eq!(states, [json!("CHANGES_REQUESTED"), json!("APPROVED")]);
}

#[test]
fn etags_rate_limits_and_server_errors() {
    let s = setup();
    let first = s.call("GET", "/repos/contoso/app/pulls", None);
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().expect("etag").to_string();
    let remaining = |r: &reqwest::blocking::Response| {
        r.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap_or_default()
            .to_string()
    };
    let before = remaining(&first);
    let unchanged = s
        .client
        .get(format!("{}/repos/contoso/app/pulls", s.github.api_url()))
        .bearer_auth("t0ken")
        .header("if-none-match", &etag)
        .send()
        .expect("request");
    assert_eq!(unchanged.status(), 304);
    s.call(
        "POST",
        "/repos/contoso/app/pulls",
        Some(json!({"title": "t", "head": "feature", "base": "main"})),
    );
    let changed = s
        .client
        .get(format!("{}/repos/contoso/app/pulls", s.github.api_url()))
        .bearer_auth("t0ken")
        .header("if-none-match", &etag)
        .send()
        .expect("request");
    assert_eq!(changed.status(), 200);
    assert_ne!(remaining(&changed), before);

    s.github.inject(Fault::retry_after(429, 2).on("PUT "));
    s.github.inject(Fault::exhausted(60));
    let limited = s.call("GET", "/repos/contoso/app/pulls/1", None);
    assert_eq!(limited.status(), 403);
    assert_eq!(remaining(&limited), "0");
    let merge = s.call("PUT", "/repos/contoso/app/pulls/1/merge", Some(json!({})));
    assert_eq!(merge.status(), 429);
    assert_eq!(merge.headers()["retry-after"], "2");
    s.github.inject(Fault::server_error(502));
    assert_eq!(
        s.call("GET", "/repos/contoso/app/pulls/1", None).status(),
        502
    );
    assert_eq!(
        s.call("GET", "/repos/contoso/app/pulls/1", None).status(),
        200
    );
    assert_eq!(
        s.repo.rev("refs/heads/main").as_deref(),
        Some(s.base.as_str()),
        "a refused merge changes nothing"
    );
}

#[test]
fn webhook_deliveries_are_signed_with_the_secret() {
    let s = setup();
    let receiver = TcpListener::bind("127.0.0.1:0").expect("bind");
    s.github.deliver_webhooks_to(
        &format!("http://{}/hook", receiver.local_addr().expect("addr")),
        "s3cret",
    );
    s.call(
        "POST",
        "/repos/contoso/app/pulls",
        Some(json!({"title": "t", "head": "feature", "base": "main"})),
    );
    receiver.set_nonblocking(false).expect("blocking");
    let (stream, _) = receiver.accept().expect("a delivery");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        if line.trim().is_empty() {
            break;
        }
        headers.push(line.trim().to_ascii_lowercase());
    }
    let header = |name: &str| {
        headers
            .iter()
            .find_map(|h| h.strip_prefix(&format!("{name}: ")).map(str::to_string))
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().expect("length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    assert_eq!(header("x-github-event"), "pull_request");
    assert_eq!(
        header("x-hub-signature-256"),
        webhooks::signature("s3cret", &body)
    );
    assert_ne!(
        header("x-hub-signature-256"),
        webhooks::signature("other", &body)
    );
    let payload: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        (payload["action"].as_str(), payload["number"].as_u64()),
        (Some("opened"), Some(1))
    );
}
