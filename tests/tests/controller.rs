//! `sluice controller` against the fake API server, driven with the real `kubectl`:
//! `kubectl apply` of the configuration drives the flow, `kubectl get` and `kubectl wait`
//! show it; a resource that fails validation stalls alone with its rule as reason while
//! the rest merges, and fixing it clears the condition; a steady state writes no status.

use std::path::Path;
use std::time::Duration;

use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

fn kubectl(config: &Path, args: &[&str]) -> Result<String, String> {
    Kubectl::new(config).run(args)
}

fn subscription(root: &Path, name: &str, channel: &str) -> std::path::PathBuf {
    let path = root.join(format!("{name}.yaml"));
    let text = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"{}\", channel: {channel}}}\n  target: {{repository: \"{}\", branch: main}}\n",
        repos::remote_url(root, "runtime"),
        repos::remote_url(root, "extensions"),
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn kubectl_apply_drives_the_flow_and_status_shows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    kubectl(&kc, &["apply", "-f", "crds/"]).unwrap();
    kubectl(&kc, &["apply", "-f", &config_dir.display().to_string()]).unwrap();
    let broken = subscription(root, "broken", "no-such-channel");
    kubectl(&kc, &["apply", "-f", &broken.display().to_string()]).unwrap();

    let server = Server::start_controller(root, &kc, &["--status-interval", "1"]).unwrap();
    let jsonpath = |name: &str, path: &str| {
        kubectl(
            &kc,
            &["get", "sub", name, "-o", &format!("jsonpath={path}")],
        )
        .unwrap_or_default()
    };
    // The invalid subscription stalls alone, with the rule as reason.
    wait::until_true(
        "the broken subscription stalled",
        Duration::from_secs(30),
        || {
            jsonpath(
                "broken",
                r#"{.status.conditions[?(@.type=="Stalled")].reason}"#,
            ) == "UnknownChannel"
        },
    );
    let message = jsonpath(
        "broken",
        r#"{.status.conditions[?(@.type=="Stalled")].message}"#,
    );
    assert!(message.contains("no-such-channel"), "{message}");

    // The others flow: a runtime build merges into sdk, and status says so.
    server
        .publish(root, "runtime", "20261201.1", "2.0.0")
        .unwrap();
    server.pass_checks_until("the runtime build applied to sdk", |_| {
        jsonpath("runtime-to-sdk", "{.status.lastAppliedBuild.buildNumber}") == "20261201.1"
    });
    let out = kubectl(
        &kc,
        &[
            "wait",
            "--for=condition=Ready",
            "sub/runtime-to-sdk",
            "--timeout=30s",
        ],
    )
    .unwrap();
    assert!(out.contains("condition met"), "{out}");
    let out = kubectl(&kc, &["get", "sub", "runtime-to-sdk"]).unwrap();
    assert!(
        out.contains("True") && out.contains("20261201.1") && out.contains("/pull-requests/"),
        "{out}"
    );
    assert_eq!(
        jsonpath("runtime-to-sdk", "{.status.observedGeneration}"),
        "1"
    );

    // "Reconcile now" by annotation, echoed in status; forcing the applied build again is
    // recorded as nothing to do, never as a second merge.
    kubectl(
        &kc,
        &[
            "annotate",
            "sub",
            "runtime-to-sdk",
            "sluice.dev/requestedAt=1764561600",
            "--overwrite",
        ],
    )
    .unwrap();
    kubectl(
        &kc,
        &[
            "annotate",
            "sub",
            "runtime-to-sdk",
            "sluice.dev/forceAt=1764561601",
            "--overwrite",
        ],
    )
    .unwrap();
    wait::until_true("the annotations handled", Duration::from_secs(30), || {
        jsonpath(
            "runtime-to-sdk",
            "{.status.lastHandledRequestedAt} {.status.lastHandledForceAt}",
        ) == "1764561600 1764561601"
    });
    let events = |kind: &str| {
        let all: serde_json::Value =
            serde_json::from_str(&server.get("/api/events?limit=1000").unwrap()).unwrap();
        all.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["subscription"] == "runtime-to-sdk" && e["kind"] == kind)
            .count()
    };
    server.pass_checks_until("the forced build recorded", |_| {
        events("nothing-to-do") == 1
    });
    assert_eq!(events("pull-request-merged"), 1);
    // The generation did not move: annotations are not spec.
    assert_eq!(jsonpath("runtime-to-sdk", "{.metadata.generation}"), "1");

    // Fixing the broken one clears its condition.
    let fixed = subscription(root, "broken", "product-dev");
    kubectl(&kc, &["apply", "-f", &fixed.display().to_string()]).unwrap();
    wait::until_true(
        "the fixed subscription ready",
        Duration::from_secs(30),
        || {
            jsonpath(
                "broken",
                r#"{.status.conditions[?(@.type=="Ready")].status}"#,
            ) == "True"
        },
    );
    assert_eq!(
        jsonpath(
            "broken",
            r#"{.status.conditions[?(@.type=="Stalled")].status}"#
        ),
        ""
    );
    assert_eq!(jsonpath("broken", "{.status.observedGeneration}"), "2");

    // Deleting a subscription closes its open pull request, then the finalizer goes.
    assert_eq!(
        jsonpath("runtime-to-sdk", "{.metadata.finalizers}"),
        r#"["sluice.dev/cleanup"]"#
    );
    server
        .publish(root, "runtime", "20261201.2", "2.0.1")
        .unwrap();
    let open_sdk_pull_request = || {
        let list: serde_json::Value =
            serde_json::from_str(&server.sluice(&["pr", "list", "--format", "json"]).unwrap())
                .unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| {
                p["state"] == "Open"
                    && p["repository"]
                        .as_str()
                        .is_some_and(|r| r.ends_with("sdk.git"))
            })
            .map(|p| p["number"].clone())
    };
    wait::until_true(
        "a pull request for the new build",
        Duration::from_secs(30),
        || open_sdk_pull_request().is_some(),
    );
    let number = open_sdk_pull_request().unwrap().to_string();
    let out = kubectl(&kc, &["delete", "sub", "runtime-to-sdk", "--timeout=30s"]).unwrap();
    assert!(out.contains("deleted"), "{out}");
    assert!(
        kubectl(&kc, &["get", "sub", "runtime-to-sdk"])
            .unwrap_err()
            .contains("not found")
    );
    let pr: serde_json::Value = serde_json::from_str(
        &server
            .sluice(&["pr", "show", &number, "--format", "json"])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(pr["state"], "Closed", "{pr}");

    // Steady: several status passes write nothing.
    wait::until_true(
        "the fixed subscription settled",
        Duration::from_secs(30),
        || {
            let before = kube.objects().writes("subscriptions/status");
            std::thread::sleep(Duration::from_millis(1500));
            kube.objects().writes("subscriptions/status") == before
        },
    );
    let kinds = [
        "subscriptions/status",
        "channels/status",
        "defaultchannels/status",
    ];
    let before: Vec<u64> = kinds.iter().map(|k| kube.objects().writes(k)).collect();
    std::thread::sleep(Duration::from_secs(4));
    let after: Vec<u64> = kinds.iter().map(|k| kube.objects().writes(k)).collect();
    assert_eq!(after, before, "status written in a steady state");
    // The channel's status was written when it was accepted and when its newest build
    // changed, each time once.
    assert_eq!(kube.objects().writes("channels/status"), 3);
    assert_eq!(
        Kubectl::new(&kc).jsonpath(
            "channel",
            "product-dev",
            "{.status.latestBuilds[*].buildNumber}"
        ),
        "20261201.2"
    );
}
