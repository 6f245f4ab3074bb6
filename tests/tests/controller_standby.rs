//! A `sluice controller` replica that does not hold the Lease only watches: with another
//! holder in the Lease it loads the configuration and takes builds, but writes no status
//! and no finalizer, opens no pull request and runs no cycle. Once the Lease is released
//! it takes it and does all of that.

use std::path::Path;
use std::time::Duration;

use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

const LIMIT: Duration = Duration::from_secs(60);

fn kubectl(config: &Path, args: &[&str]) -> Result<String, String> {
    Kubectl::new(config).run(args)
}

fn open_pull_requests(server: &Server) -> usize {
    let list: serde_json::Value =
        serde_json::from_str(&server.sluice(&["pr", "list", "--format", "json"]).unwrap()).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "Open")
        .count()
}

#[test]
fn a_standby_writes_nothing_until_it_holds_the_lease() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    kubectl(&kc, &["apply", "-f", "crds/"]).unwrap();
    kubectl(&kc, &["apply", "-f", &config_dir.display().to_string()]).unwrap();
    // Another replica holds the Lease for an hour.
    let now = sluice_core::time::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let lease = root.join("lease.yaml");
    std::fs::write(
        &lease,
        format!("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {{name: sluice, namespace: default}}\nspec: {{holderIdentity: other-replica, leaseDurationSeconds: 3600, renewTime: \"{now}\", acquireTime: \"{now}\", leaseTransitions: 0}}\n"),
    )
    .unwrap();
    kubectl(&kc, &["apply", "-f", &lease.display().to_string()]).unwrap();

    let server = Server::start_controller(
        root,
        &kc,
        &[
            "--status-interval",
            "1",
            "--leader-election",
            "--lease-namespace",
            "default",
            "--lease-duration",
            "3",
        ],
    )
    .unwrap();
    assert!(server.get("/readyz").unwrap().contains("standby"));
    server
        .publish(root, "runtime", "20261201.1", "2.0.0")
        .unwrap();
    // Several status passes and cycles' worth of time: nothing is written.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(kube.objects().writes("subscriptions/status"), 0);
    assert_eq!(kube.objects().writes("channels/status"), 0);
    assert_eq!(
        kubectl(
            &kc,
            &[
                "get",
                "sub",
                "runtime-to-sdk",
                "-o",
                "jsonpath={.metadata.finalizers}"
            ]
        )
        .unwrap(),
        ""
    );
    assert_eq!(open_pull_requests(&server), 0);
    let metrics = server.get("/metrics").unwrap();
    assert!(metrics.contains("sluice_leader 0"), "{metrics}");
    assert!(metrics.contains("sluice_reconciles_total 0"), "{metrics}");

    // The other replica releases the Lease: this one takes it and acts.
    kubectl(
        &kc,
        &[
            "patch",
            "lease",
            "sluice",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"spec": {"holderIdentity": null}}"#,
        ],
    )
    .unwrap();
    wait::until_true("the pull request opened by the new leader", LIMIT, || {
        open_pull_requests(&server) > 0
    });
    wait::until_true("status and finalizer written", LIMIT, || {
        kubectl(
            &kc,
            &[
                "get",
                "sub",
                "runtime-to-sdk",
                "-o",
                "jsonpath={.metadata.finalizers}",
            ],
        )
        .is_ok_and(|f| f.contains("sluice.dev/cleanup"))
            && kube.objects().writes("subscriptions/status") > 0
    });
    assert!(server.get("/readyz").unwrap().starts_with("ready\n"));
}
