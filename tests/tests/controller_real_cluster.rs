//! `sluice controller` against a real Kubernetes API server (kind, k3d, any cluster), when
//! `SLUICE_E2E_KUBECONFIG` names its kubeconfig; skipped otherwise (no cluster can run on
//! the CI machines, where the fake API server stands in). Everything happens in a
//! namespace of its own, deleted at the end; the CRDs are applied cluster-wide.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice_tests::demo::{Server, repos};
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

/// Deletes the test's namespace however the test ends.
struct Namespace<'a>(&'a Kubectl, String);

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .run(&["delete", "namespace", &self.1, "--wait=false"]);
    }
}

#[test]
fn the_flow_on_a_real_cluster() {
    let Some(config) = std::env::var_os("SLUICE_E2E_KUBECONFIG").map(PathBuf::from) else {
        eprintln!("SLUICE_E2E_KUBECONFIG is not set; the real-cluster test is skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config_dir = repos::write_config(root);
    let kubeconfig = root.join("kubeconfig");
    std::fs::copy(&config, &kubeconfig).expect("copy the kubeconfig");
    let k = Kubectl::new(&kubeconfig);
    let namespace = format!("sluice-e2e-{}", std::process::id());
    k.run(&["apply", "-f", "crds/"]).unwrap();
    k.run(&["create", "namespace", &namespace]).unwrap();
    let _cleanup = Namespace(&k, namespace.clone());
    let ns = |args: &[&str]| -> Result<String, String> {
        let mut all = vec!["-n", namespace.as_str()];
        all.extend_from_slice(args);
        k.run(&all)
    };
    ns(&["apply", "-f", &config_dir.display().to_string()]).unwrap();
    let server = Server::start_controller(
        root,
        &kubeconfig,
        &["--namespace", &namespace, "--status-interval", "1"],
    )
    .unwrap();

    let build = build_resource(root);
    ns(&["apply", "-f", &build.display().to_string()]).unwrap();
    server.pass_checks_until("the build applied to extensions", |_| {
        ns(&[
            "get",
            "sub",
            "runtime-to-extensions",
            "-o",
            "jsonpath={.status.lastAppliedBuild.buildNumber}",
        ])
        .is_ok_and(|n| n == "20261201.1")
    });
    let out = ns(&[
        "wait",
        "--for=condition=Ready",
        "sub/runtime-to-extensions",
        "--timeout=60s",
    ])
    .unwrap();
    assert!(out.contains("condition met"), "{out}");
    wait::until_true(
        "events on the subscription",
        Duration::from_secs(60),
        || {
            ns(&["describe", "sub", "runtime-to-extensions"])
                .is_ok_and(|d| d.contains("PullRequestMerged"))
        },
    );
    let flow = ns(&[
        "get",
        "build",
        "runtime-1",
        "-o",
        r#"jsonpath={.status.flow[?(@.subscription=="runtime-to-extensions")].state}"#,
    ])
    .unwrap();
    assert_eq!(flow, "Applied");
}

fn build_resource(root: &Path) -> PathBuf {
    let head = repos::git(&root.join("remotes/runtime.git"), &["rev-parse", "main"]);
    let path = root.join("build.yaml");
    let text = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Build\nmetadata: {{name: runtime-1}}\nspec:\n  repository: \"{}\"\n  branch: main\n  commit: \"{head}\"\n  buildNumber: \"20261201.1\"\n  producedAt: \"2026-12-01T06:00:00Z\"\n  assets: [{{name: {}, version: \"2.0.0\"}}]\n",
        repos::remote_url(root, "runtime"),
        repos::asset_name("runtime"),
    );
    std::fs::write(&path, text).unwrap();
    path
}
