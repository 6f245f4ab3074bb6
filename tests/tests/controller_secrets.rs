//! `sluice controller` with its git token in a Kubernetes Secret (`--git-token-secret`)
//! against the fake API server: the first update is pushed with the token the Secret
//! holds; the token is rotated at the git server and in the Secret while the controller
//! runs, and the next update is pushed with the new one, without a restart. Neither token
//! reaches the log.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::git_server::{BasicAuth, GitHttpServer};
use sluice_tests::kubectl::Kubectl;
use sluice_tests::wait;

const FIRST: &str = "glpat-first0123456789";
const SECOND: &str = "glpat-second0123456789";

fn kubectl(config: &Path, args: &[&str]) -> Result<String, String> {
    Kubectl::new(config).run(args)
}

fn auth(token: &str) -> Option<BasicAuth> {
    Some(BasicAuth {
        username: "x-access-token".into(),
        password: token.into(),
    })
}

/// Applies the Secret `sluice-tokens` with `git` = `token`.
fn apply_secret(root: &Path, kc: &Path, token: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(token);
    let path = root.join("secret.yaml");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: sluice-tokens, namespace: default}}\ntype: Opaque\ndata: {{git: \"{encoded}\"}}\n"),
    )
    .unwrap();
    kubectl(kc, &["apply", "-f", &path.display().to_string()]).unwrap();
}

fn write_flow(root: &Path, target: &str) -> std::path::PathBuf {
    let runtime = repos::remote_url(root, "runtime");
    let path = root.join("flow.yaml");
    std::fs::write(
        &path,
        format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: DefaultChannel\nmetadata: {{name: runtime-main}}\nspec: {{repository: \"{runtime}\", branch: main, channel: dev}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: runtime-to-sdk}}\nspec:\n  source: {{repository: \"{runtime}\", channel: dev}}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: [{{name: AllChecksSuccessful}}]\n"
        ),
    )
    .unwrap();
    path
}

fn sdk_version(root: &Path) -> String {
    repos::versions(root, "sdk")
        .into_iter()
        .find(|(name, _)| name == &repos::asset_name("runtime"))
        .map(|(_, version)| version)
        .unwrap_or_default()
}

#[test]
fn a_git_token_rotated_in_its_secret_is_used_by_the_next_push() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let git_server = GitHttpServer::start(root.join("remotes"), auth(FIRST)).unwrap();
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    kubectl(&kc, &["apply", "-f", "crds/"]).unwrap();
    apply_secret(root, &kc, FIRST);
    let flow = write_flow(root, &git_server.url("sdk.git"));
    kubectl(&kc, &["apply", "-f", &flow.display().to_string()]).unwrap();

    let server = Server::start_controller(
        root,
        &kc,
        &[
            "--status-interval",
            "1",
            "--git-token-secret",
            "sluice-tokens/git",
            "--secret-namespace",
            "default",
        ],
    )
    .unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    server.pass_checks_until("the first update merged with the first token", |_| {
        sdk_version(root) == "2.0.0"
    });

    // Rotated at the git server (the first token is refused from now on) and in the
    // Secret, while the controller runs.
    git_server.set_auth(auth(SECOND));
    apply_secret(root, &kc, SECOND);
    server.publish(root, "runtime", "2", "2.0.1").unwrap();
    server.pass_checks_until("the next update merged with the rotated token", |_| {
        sdk_version(root) == "2.0.1"
    });
    wait::until_true(
        "status shows the second build",
        Duration::from_secs(30),
        || {
            kubectl(
                &kc,
                &[
                    "get",
                    "sub",
                    "runtime-to-sdk",
                    "-o",
                    "jsonpath={.status.lastAppliedBuild.buildNumber}",
                ],
            )
            .is_ok_and(|n| n == "2")
        },
    );
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("secret rotated"), "{log}");
    assert!(
        !log.contains(FIRST) && !log.contains(SECOND),
        "a token reached the log"
    );
}
