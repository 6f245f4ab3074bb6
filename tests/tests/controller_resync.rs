//! `sluice controller` when the API server's watches break: dropped watches, and resumes
//! refused with `410 Gone` after the history was compacted, lose nothing (changes made
//! while the watches were down reach the controller) and write nothing when nothing
//! changed; a Subscription deleted while the controller was down is cleaned up when it
//! comes back.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

const STATUS_KINDS: [&str; 3] = [
    "subscriptions/status",
    "channels/status",
    "defaultchannels/status",
];

fn status_writes(kube: &FakeKube) -> Vec<u64> {
    STATUS_KINDS
        .iter()
        .map(|k| kube.objects().writes(k))
        .collect()
}

fn ready(k: &Kubectl, name: &str) -> String {
    k.jsonpath(
        "sub",
        name,
        r#"{.status.conditions[?(@.type=="Ready")].status}"#,
    )
}

/// Breaks every watch so that resuming is `410 Gone`: a write the controller does not
/// watch moves the version past what it saw, the history is compacted, the watches end.
fn break_watches(kube: &FakeKube, n: usize) {
    let config_maps = kube
        .objects()
        .types()
        .into_iter()
        .find(|t| t.plural == "configmaps")
        .unwrap();
    kube.objects()
        .create(
            &config_maps,
            "default",
            json!({"metadata": {"name": format!("unwatched-{n}")}, "data": {}}),
        )
        .unwrap();
    kube.compact();
    kube.drop_watches();
}

fn subscription(root: &Path, name: &str) -> serde_json::Value {
    json!({
        "apiVersion": "sluice.dev/v1alpha1", "kind": "Subscription",
        "metadata": {"name": name},
        "spec": {
            "source": {"repository": repos::remote_url(root, "runtime"), "channel": "product-dev"},
            "target": {"repository": repos::remote_url(root, "sdk"), "branch": "release"},
            "enabled": false,
        },
    })
}

#[test]
fn broken_watches_lose_nothing_and_resyncs_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    let k = Kubectl::new(&kc);
    k.run(&["apply", "-f", "crds/"]).unwrap();
    k.run(&["apply", "-f", &config_dir.display().to_string()])
        .unwrap();
    let _server = Server::start_controller(root, &kc, &["--status-interval", "1"]).unwrap();
    wait::until_true(
        "every subscription has status",
        Duration::from_secs(30),
        || {
            [
                "runtime-to-extensions",
                "runtime-to-sdk",
                "aspnetcore-to-sdk",
            ]
            .iter()
            .all(|s| !ready(&k, s).is_empty())
        },
    );
    wait::until_true("status settled", Duration::from_secs(30), || {
        let before = status_writes(&kube);
        std::thread::sleep(Duration::from_millis(1500));
        status_writes(&kube) == before
    });

    // Resync after resync (every watch relisted, twice through 410 Gone): nothing to write.
    let before = status_writes(&kube);
    for n in 0..6 {
        if n % 3 == 0 {
            break_watches(&kube, n);
        } else {
            kube.drop_watches();
        }
        std::thread::sleep(Duration::from_millis(700));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(status_writes(&kube), before, "status written by resyncs");

    // Changes made while the watches are broken arrive all the same: a subscription
    // created, another deleted (its finalizer released by the controller).
    let subscriptions = kube
        .objects()
        .types()
        .into_iter()
        .find(|t| t.plural == "subscriptions")
        .unwrap();
    break_watches(&kube, 100);
    kube.objects()
        .create(
            &subscriptions,
            "default",
            subscription(root, "while-broken"),
        )
        .unwrap();
    kube.objects()
        .delete(&subscriptions, "default", "runtime-to-extensions")
        .unwrap();
    wait::until_true("the new subscription seen", Duration::from_secs(30), || {
        ready(&k, "while-broken") == "True"
    });
    wait::until_true(
        "the deleted subscription gone",
        Duration::from_secs(30),
        || {
            k.run(&["get", "sub", "runtime-to-extensions"])
                .is_err_and(|e| e.contains("not found"))
        },
    );
}

#[test]
fn a_subscription_deleted_while_the_controller_is_down_is_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    let k = Kubectl::new(&kc);
    k.run(&["apply", "-f", "crds/"]).unwrap();
    k.run(&["apply", "-f", &config_dir.display().to_string()])
        .unwrap();
    let mut server = Server::start_controller(root, &kc, &["--status-interval", "1"]).unwrap();
    server
        .publish(root, "runtime", "20261201.1", "2.0.0")
        .unwrap();
    // Its pull request stays open: nobody reports the checks its policy waits for.
    let url = || k.jsonpath("sub", "runtime-to-extensions", "{.status.pullRequest.url}");
    wait::until_true("the pull request open", Duration::from_secs(30), || {
        !url().is_empty()
    });
    let number = url().rsplit('/').next().unwrap().to_string();
    server.kill();

    k.run(&["delete", "sub", "runtime-to-extensions", "--wait=false"])
        .unwrap();
    assert!(
        !k.jsonpath(
            "sub",
            "runtime-to-extensions",
            "{.metadata.deletionTimestamp}"
        )
        .is_empty(),
        "the finalizer holds the subscription while the controller is down"
    );
    let server = Server::start_controller(root, &kc, &["--status-interval", "1"]).unwrap();
    wait::until_true("the subscription gone", Duration::from_secs(30), || {
        k.run(&["get", "sub", "runtime-to-extensions"])
            .is_err_and(|e| e.contains("not found"))
    });
    let pr: serde_json::Value = serde_json::from_str(
        &server
            .sluice(&["pr", "show", &number, "--format", "json"])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(pr["state"], "Closed", "{pr}");
}
