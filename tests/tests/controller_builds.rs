//! Builds as Kubernetes resources with `sluice controller` against the fake API server,
//! driven with the real `kubectl`: a Build that CI applies flows and its status says
//! where; `kubectl describe` shows the events; a Build that fails validation or differs
//! from the stored one stalls alone; builds published through the API get a Build
//! resource, and retention keeps the newest per repository branch while the store keeps
//! them all.

use std::path::Path;
use std::time::Duration;

use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

fn build_yaml(
    root: &Path,
    name: &str,
    branch: &str,
    number: &str,
    commit: &str,
    version: &str,
) -> String {
    let path = root.join(format!("{name}.yaml"));
    let text = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Build\nmetadata: {{name: {name}}}\nspec:\n  repository: \"{}\"\n  branch: {branch}\n  commit: \"{commit}\"\n  buildNumber: \"{number}\"\n  producedAt: \"2026-12-01T06:00:00Z\"\n  assets: [{{name: {}, version: \"{version}\"}}]\n",
        repos::remote_url(root, "runtime"),
        repos::asset_name("runtime"),
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stalled_reason(k: &Kubectl, name: &str) -> String {
    k.jsonpath(
        "build",
        name,
        r#"{.status.conditions[?(@.type=="Stalled")].reason}"#,
    )
}

#[test]
fn builds_as_resources_flow_show_where_they_went_and_are_retained() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kube = FakeKube::start().unwrap();
    let k = Kubectl::new(&kube.kubeconfig(root).unwrap());
    k.run(&["apply", "-f", "crds/"]).unwrap();
    k.run(&["apply", "-f", &config_dir.display().to_string()])
        .unwrap();
    let server = Server::start_controller(
        root,
        &kube.kubeconfig(root).unwrap(),
        &["--status-interval", "1", "--build-retention", "2"],
    )
    .unwrap();
    let head = repos::git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);

    // CI applies a Build; it flows into extensions, and its status says so.
    let yaml = build_yaml(root, "runtime-1", "main", "20261201.1", &head, "2.0.0");
    k.run(&["apply", "-f", &yaml]).unwrap();
    wait::until_true("the Build ingested", Duration::from_secs(30), || {
        !k.jsonpath("build", "runtime-1", "{.status.id}").is_empty()
    });
    let flow = |sub: &str| {
        k.jsonpath(
            "build",
            "runtime-1",
            &format!(r#"{{.status.flow[?(@.subscription=="{sub}")].state}}"#),
        )
    };
    server.pass_checks_until("the build applied to extensions", |_| {
        flow("runtime-to-extensions") == "Applied"
    });
    let row = k.run(&["get", "build", "runtime-1"]).unwrap();
    assert!(row.contains("20261201.1") && row.contains("True"), "{row}");
    assert!(
        !k.jsonpath(
            "build",
            "runtime-1",
            r#"{.status.flow[?(@.subscription=="runtime-to-extensions")].at}"#
        )
        .is_empty()
    );

    // kubectl describe tells the story on the subscription and on the build.
    wait::until_true(
        "events on the subscription",
        Duration::from_secs(30),
        || {
            let out = k
                .run(&["describe", "sub", "runtime-to-extensions"])
                .unwrap_or_default();
            out.contains("PullRequestOpened") && out.contains("PullRequestMerged")
        },
    );
    wait::until_true("events on the build", Duration::from_secs(30), || {
        let out = k
            .run(&["describe", "build", "runtime-1"])
            .unwrap_or_default();
        out.contains("PullRequestMerged") && out.contains("subscription runtime-to-extensions")
    });

    // The channel shows the newest runtime build.
    wait::until_true("the channel's status", Duration::from_secs(30), || {
        k.jsonpath(
            "channel",
            "product-dev",
            "{.status.latestBuilds[*].buildNumber}",
        )
        .contains("20261201.1")
    });

    // The same build again under another name is the same build; one that differs from
    // it (another branch), or fails validation, stalls alone with the reason.
    let id = k.jsonpath("build", "runtime-1", "{.status.id}");
    let again = build_yaml(
        root,
        "runtime-1-again",
        "main",
        "20261201.1",
        &head,
        "2.0.0",
    );
    let differs = build_yaml(
        root,
        "runtime-1-differs",
        "release",
        "20261201.1",
        &head,
        "2.0.0",
    );
    let invalid = build_yaml(
        root,
        "runtime-bad",
        "feature",
        "20261201.9",
        "not-a-commit",
        "2.0.0",
    );
    for yaml in [&again, &differs, &invalid] {
        k.run(&["apply", "-f", yaml]).unwrap();
    }
    wait::until_true("the bad builds stalled", Duration::from_secs(30), || {
        stalled_reason(&k, "runtime-1-differs") == "BuildConflict"
            && stalled_reason(&k, "runtime-bad") == "InvalidBuild"
            && !k
                .jsonpath("build", "runtime-1-again", "{.status.id}")
                .is_empty()
    });
    let message = k.jsonpath(
        "build",
        "runtime-1-differs",
        r#"{.status.conditions[?(@.type=="Stalled")].message}"#,
    );
    assert!(message.contains("branch"), "{message}");
    let message = k.jsonpath(
        "build",
        "runtime-bad",
        r#"{.status.conditions[?(@.type=="Stalled")].message}"#,
    );
    assert!(message.contains("commit"), "{message}");
    assert_eq!(k.jsonpath("build", "runtime-1-again", "{.status.id}"), id);

    // Builds published through the API get resources; the newest two of runtime's main
    // stay as resources, the store keeps every build.
    for (n, v) in [
        ("20261201.2", "2.0.1"),
        ("20261201.3", "2.0.2"),
        ("20261201.4", "2.0.3"),
    ] {
        server.publish(root, "runtime", n, v).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
    }
    let numbers = || {
        let mut n: Vec<String> = k
            .run(&[
                "get",
                "builds",
                "-o",
                r#"jsonpath={range .items[?(@.spec.branch=="main")]}{.spec.buildNumber} {end}"#,
            ])
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        n.sort();
        n
    };
    wait::until_true("retention applied", Duration::from_secs(30), || {
        numbers() == ["20261201.3", "20261201.4"]
    });
    let listed = server
        .sluice(&["build", "list", "--format", "json"])
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(stored.as_array().unwrap().len(), 4, "{listed}");
    let name = k
        .run(&[
            "get",
            "builds",
            "-o",
            "jsonpath={.items[?(@.spec.buildNumber==\"20261201.4\")].metadata.name}",
        ])
        .unwrap();
    assert!(name.starts_with("runtime-20261201.4-"), "{name}");
    assert!(!k.jsonpath("build", &name, "{.status.id}").is_empty());
}
