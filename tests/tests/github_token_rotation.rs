//! The GitHub forge reads its token from a [`SecretSource`] at each call: a token rotated
//! at GitHub fails the calls made with the old one (without showing it), and once the
//! source holds the new one the next call uses it, with no new forge.

use sluice::forge::Forge;
use sluice::forge::github::GitHubForge;
use sluice::git::Secret;
use sluice::secret_source::SecretSource;
use sluice_tests::github_flow::{GitHubServers, SLUICE_TOKEN};

const ROTATED: &str = "ghs_rotated0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_is_used_by_the_next_call() {
    let tmp = tempfile::tempdir().unwrap();
    let servers = GitHubServers::start(tmp.path());
    let source = SecretSource::new(Secret::new(SLUICE_TOKEN), "test").unwrap();
    let forge = GitHubForge::new(&servers.github.api_url(), source.clone()).unwrap();
    let sdk = servers.url("sdk");
    let found = forge.find_pull_request(&sdk, "sluice/main/a").await;
    assert!(found.unwrap().is_none());

    // Rotated at GitHub: the old token is revoked, the new one issued.
    servers.github.shared().state().tokens.remove(SLUICE_TOKEN);
    servers.github.add_token(ROTATED, "sluice-bot");
    let refused = forge
        .find_pull_request(&sdk, "sluice/main/b")
        .await
        .unwrap_err();
    assert!(!refused.to_string().contains(SLUICE_TOKEN), "{refused}");

    // The source follows the rotation (a Secret's watch, a re-read file).
    assert!(source.set(Secret::new(ROTATED)));
    let found = forge.find_pull_request(&sdk, "sluice/main/c").await;
    assert!(found.unwrap().is_none());
}
