//! The GitHub App's private key from a Kubernetes Secret (`sluice controller
//! --github-app-key-secret NAME/KEY`): the PEM, lines and all, is followed through a watch
//! of the fake API server (tokens from Secrets stay single-line); the App signs with it and
//! mints installation tokens on the fake GitHub; a rotated value that is not a key is
//! refused without being quoted, and the App goes on (that it signs with the last key is
//! `AppKey`'s unit test).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use sluice::cluster::secrets::{self, Holds, SecretRef};
use sluice::forge::Forge;
use sluice::forge::github::{GitHubApp, GitHubForge};
use sluice::git::Secret;
use sluice::secret_source::SecretSource;
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::github_flow::{APP_ID, APP_KEY, GitHubServers};
use sluice_tests::kubectl::Kubectl;

const WAIT: Duration = Duration::from_secs(30);

/// Applies the Secret `sluice-app` with `private-key.pem` = `value`.
fn apply_secret(root: &Path, kc: &Path, value: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    let path = root.join("secret.yaml");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: sluice-app, namespace: default}}\ntype: Opaque\ndata: {{private-key.pem: \"{encoded}\"}}\n"),
    )
    .unwrap();
    Kubectl::new(kc)
        .run(&["apply", "-f", &path.display().to_string()])
        .unwrap();
}

async fn client(kc: &Path) -> kube::Client {
    let config = kube::config::Kubeconfig::read_from(kc).unwrap();
    let options = kube::config::KubeConfigOptions::default();
    let config = kube::Config::from_custom_kubeconfig(config, &options)
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_key_is_followed_in_a_secret_lines_and_all() {
    sluice::git::install_crypto_provider();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let servers = GitHubServers::start(root);
    servers.install_app(Duration::from_secs(3600));
    let kube = FakeKube::start().unwrap();
    let kc = kube.kubeconfig(root).unwrap();
    apply_secret(root, &kc, APP_KEY);
    let reference: SecretRef = "sluice-app/private-key.pem".parse().unwrap();

    // A token must be one line: as a token, the PEM never shows up.
    let as_token = secrets::follow(
        client(&kc).await,
        "default",
        &reference,
        Duration::from_secs(3),
    );
    assert!(as_token.await.is_err(), "a PEM is not a token");

    let source = secrets::follow_holding(
        client(&kc).await,
        "default",
        &reference,
        WAIT,
        Holds::KeyMaterial,
    )
    .await
    .expect("the key");
    assert!(source.current().expose().lines().count() > 3, "lines kept");
    let app = Arc::new(
        GitHubApp::from_source(APP_ID, source.clone(), &servers.github.api_url()).unwrap(),
    );
    let forge = GitHubForge::new(&servers.github.api_url(), app.clone()).unwrap();
    let sdk = servers.url("sdk");
    assert!(
        forge
            .find_pull_request(&sdk, "sluice/main/a")
            .await
            .unwrap()
            .is_none()
    );

    // Rotated to something that is not a key: the last key stays in use, unquoted.
    let mut changes = source.changes();
    apply_secret(
        root,
        &kc,
        "-----BEGIN RSA PRIVATE KEY-----\nnot-the-key-material\n-----END RSA PRIVATE KEY-----\n",
    );
    tokio::time::timeout(WAIT, changes.changed())
        .await
        .expect("the rotation is noticed")
        .unwrap();
    let again = GitHubApp::from_source(APP_ID, source.clone(), &servers.github.api_url());
    let Err(refused) = again else {
        panic!("not a key")
    };
    let refused = refused.to_string();
    assert!(
        refused.contains("sluice-app") && !refused.contains("not-the-key-material"),
        "{refused}"
    );
    assert!(
        forge
            .find_pull_request(&sdk, "sluice/main/b")
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn an_unusable_key_is_refused_without_quoting_it() {
    let pem =
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
    let source = SecretSource::key_material(Secret::new(pem), "Secret default/x key k").unwrap();
    let Err(refused) = GitHubApp::from_source(APP_ID, source, "http://127.0.0.1:9") else {
        panic!("not an RSA key")
    };
    let refused = refused.to_string();
    assert!(!refused.contains("c2VjcmV0"), "{refused}");
    assert!(refused.contains("Secret default/x key k"), "{refused}");
}
