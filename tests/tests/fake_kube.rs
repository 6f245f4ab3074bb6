//! The fake API server keeps the semantics the controller and `kubectl` rely on: the real
//! `kubectl` applies sluice's CRDs and the example configuration, prints the printer
//! columns, waits for conditions, annotates without bumping the generation and deletes
//! through finalizers; raw requests show conflicts, watch resumption and `410 Gone`.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::http;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
}

/// Runs kubectl against the fake; returns stdout, failing the test on a non-zero exit.
fn kubectl(config: &Path, args: &[&str]) -> String {
    let output = kubectl_output(config, args);
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn kubectl_output(config: &Path, args: &[&str]) -> std::process::Output {
    let cache = config.parent().expect("dir").join("cache");
    Command::new("kubectl")
        .env("KUBECONFIG", config)
        .arg("--cache-dir")
        .arg(&cache)
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("kubectl runs")
}

fn subscription(server: &FakeKube, name: &str) -> Value {
    let t = server
        .objects()
        .types()
        .into_iter()
        .find(|t| t.plural == "subscriptions")
        .expect("the CRD registered the type");
    server
        .objects()
        .get(&t, "default", name)
        .unwrap_or(Value::Null)
}

#[test]
fn kubectl_manages_sluice_resources_as_on_a_real_server() {
    let tmp = tempfile::tempdir().unwrap();
    let server = FakeKube::start().unwrap();
    let config = server.kubeconfig(tmp.path()).unwrap();
    let out = kubectl(&config, &["apply", "-f", "crds/"]);
    assert!(
        out.contains(
            "customresourcedefinition.apiextensions.k8s.io/subscriptions.sluice.dev created"
        ),
        "{out}"
    );
    let out = kubectl(&config, &["apply", "-R", "-f", "examples/config-repo/"]);
    assert!(
        out.contains("subscription.sluice.dev/runtime-to-sdk-main created"),
        "{out}"
    );
    // Applying the same files again changes nothing.
    let writes = server.objects().writes("subscriptions");
    let out = kubectl(&config, &["apply", "-R", "-f", "examples/config-repo/"]);
    assert!(
        out.contains("subscription.sluice.dev/runtime-to-sdk-main unchanged"),
        "{out}"
    );
    assert_eq!(server.objects().writes("subscriptions"), writes);

    // The printer columns of the CRD, status empty until a controller writes it.
    let out = kubectl(&config, &["get", "sub", "runtime-to-sdk-main"]);
    let header = out.lines().next().unwrap();
    for column in [
        "NAME",
        "SOURCE",
        "CHANNEL",
        "READY",
        "LAST BUILD",
        "PULL REQUEST",
        "AGE",
    ] {
        assert!(header.contains(column), "{out}");
    }
    assert!(out.contains("product-11-dev"), "{out}");

    // Annotations do not bump the generation; a status write neither.
    kubectl(
        &config,
        &[
            "annotate",
            "sub",
            "runtime-to-sdk-main",
            "sluice.dev/requestedAt=1764561600",
            "--overwrite",
        ],
    );
    let status = json!({"status": {"conditions": [{"type": "Ready", "status": "True",
        "reason": "UpToDate", "message": "up to date", "lastTransitionTime": "2026-12-01T00:00:00Z"}],
        "lastAppliedBuild": {"buildNumber": "20261201.1"}}});
    kubectl(
        &config,
        &[
            "patch",
            "sub",
            "runtime-to-sdk-main",
            "--subresource=status",
            "--type=merge",
            "-p",
            &status.to_string(),
        ],
    );
    let sub = subscription(&server, "runtime-to-sdk-main");
    assert_eq!(sub["metadata"]["generation"], 1);
    assert_eq!(
        sub["metadata"]["annotations"]["sluice.dev/requestedAt"],
        "1764561600"
    );
    let out = kubectl(
        &config,
        &[
            "wait",
            "--for=condition=Ready",
            "sub/runtime-to-sdk-main",
            "--timeout=10s",
        ],
    );
    assert!(out.contains("condition met"), "{out}");
    let out = kubectl(&config, &["get", "sub", "runtime-to-sdk-main"]);
    assert!(out.contains("True") && out.contains("20261201.1"), "{out}");

    // A spec change bumps it; status survives a spec update.
    kubectl(
        &config,
        &[
            "patch",
            "sub",
            "runtime-to-sdk-main",
            "--type=merge",
            "-p",
            r#"{"spec":{"updateFrequency":"EveryBuild"}}"#,
        ],
    );
    let sub = subscription(&server, "runtime-to-sdk-main");
    assert_eq!(sub["metadata"]["generation"], 2);
    assert_eq!(
        sub["status"]["lastAppliedBuild"]["buildNumber"],
        "20261201.1"
    );

    // Deleting an object with a finalizer marks it; it goes with the last finalizer.
    kubectl(
        &config,
        &[
            "patch",
            "sub",
            "runtime-to-sdk-main",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":["sluice.dev/cleanup"]}}"#,
        ],
    );
    kubectl(
        &config,
        &["delete", "sub", "runtime-to-sdk-main", "--wait=false"],
    );
    let sub = subscription(&server, "runtime-to-sdk-main");
    assert!(sub["metadata"]["deletionTimestamp"].is_string(), "{sub}");
    kubectl(
        &config,
        &[
            "patch",
            "sub",
            "runtime-to-sdk-main",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
        ],
    );
    let gone = kubectl_output(&config, &["get", "sub", "runtime-to-sdk-main"]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("not found"));
}

fn call(server: &FakeKube, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let answer = http::request(
        &server.url(),
        method,
        path,
        None,
        &["Content-Type: application/json"],
        body.as_bytes(),
    )
    .unwrap();
    (
        answer.status,
        serde_json::from_str(&answer.body).unwrap_or(Value::Null),
    )
}

fn watch_lines(server: &FakeKube, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/namespaces/default/configmaps?watch=true&{query}");
    let answer = http::request(&server.url(), "GET", &path, None, &[], b"").unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn stale_updates_conflict_and_watches_resume_until_the_history_is_compacted() {
    let server = FakeKube::start().unwrap();
    let base = "/api/v1/namespaces/default/configmaps";
    let (code, created) = call(
        &server,
        "POST",
        base,
        &json!({"metadata": {"name": "a"}, "data": {"k": "1"}}),
    );
    assert_eq!(code, 201);
    let (code, _) = call(&server, "POST", base, &json!({"metadata": {"name": "a"}}));
    assert_eq!(code, 409);
    let first_rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let mut update = created.clone();
    update["data"]["k"] = json!("2");
    let (code, updated) = call(&server, "PUT", &format!("{base}/a"), &update);
    assert_eq!(code, 200);
    assert_ne!(
        updated["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
    // The same update again carries the old version: a conflict, nothing written.
    let (code, status) = call(&server, "PUT", &format!("{base}/a"), &update);
    assert_eq!((code, status["reason"].as_str()), (409, Some("Conflict")));

    // Resuming from the first version replays what came after it; without a version a
    // watch starts with the current objects.
    let events = watch_lines(
        &server,
        &format!("timeoutSeconds=1&resourceVersion={first_rv}"),
    );
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "MODIFIED");
    assert_eq!(events[0]["object"]["data"]["k"], "2");
    let events = watch_lines(&server, "timeoutSeconds=1&fieldSelector=metadata.name%3Da");
    assert_eq!(events[0]["type"], "ADDED");
    let events = watch_lines(&server, "timeoutSeconds=1&fieldSelector=metadata.name%3Db");
    assert!(events.is_empty(), "{events:?}");

    server.compact();
    let events = watch_lines(
        &server,
        &format!("timeoutSeconds=1&resourceVersion={first_rv}"),
    );
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    // Bookmarks carry the current version.
    let now = server.objects().resource_version();
    let events = watch_lines(
        &server,
        &format!("timeoutSeconds=3&resourceVersion={now}&allowWatchBookmarks=true"),
    );
    assert!(!events.is_empty());
    for event in events {
        assert_eq!(event["type"], "BOOKMARK");
        assert_eq!(
            event["object"]["metadata"]["resourceVersion"],
            now.to_string()
        );
    }
}
