//! The Azure DevOps personal access token rotates without a restart: the forge reads it
//! from its [`SecretSource`] at each call. The token file (`--azure-devops-token-file`, a
//! mounted Secret rotated in place) is re-read when it changes; the fake revokes the old
//! token, so a call made with it is refused (without quoting it), and once the file holds
//! the new one the next call uses it, with no new forge. (git pushes read the same source
//! through `CredentialSource::token`, as for the git and GitHub tokens.)

use std::path::Path;

use sluice::forge::Forge;
use sluice::forge::azure_devops::AzureDevOpsForge;
use sluice::secret_source::{FILE_REREAD, SecretSource};
use sluice_tests::demo::repos::git;
use sluice_tests::fake_azdo::FakeAzureDevOps;

const OLD: &str = "azdopatOLD0123456789abcdefghijklmnopqrstuvw";
const NEW: &str = "azdopatNEW0123456789abcdefghijklmnopqrstuvw";
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn serve(root: &Path) -> FakeAzureDevOps {
    let bare = FakeAzureDevOps::repo_path(root, "contoso", "Sdk", "sdk");
    std::fs::create_dir_all(&bare).unwrap();
    git(&bare, &["init", "--quiet", "--bare", "-b", "main", "."]);
    let first = git(&bare, &["commit-tree", EMPTY_TREE, "-m", "root"]);
    git(&bare, &["update-ref", "refs/heads/main", &first]);
    FakeAzureDevOps::start(root).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_file_is_used_by_the_next_call() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = serve(tmp.path());
    fake.add_pat(OLD, "sluice@contoso.com");
    let file = tmp.path().join("pat");
    std::fs::write(&file, format!("{OLD}\n")).unwrap();
    let source = SecretSource::from_file(&file).unwrap();
    let forge = AzureDevOpsForge::new(source.clone()).unwrap();
    let repository = fake.repo_url("contoso", "Sdk", "sdk");
    assert_eq!(
        forge.find_pull_request(&repository, "sluice/main/a").await,
        Ok(None)
    );

    // Rotated at Azure DevOps: the old token is revoked, the new one issued.
    fake.shared().state().pats.remove(OLD);
    fake.add_pat(NEW, "sluice@contoso.com");
    let refused = forge
        .find_pull_request(&repository, "sluice/main/b")
        .await
        .expect_err("the old token is revoked");
    let message = refused.to_string();
    assert!(
        message.contains("personal access token is invalid"),
        "{message}"
    );
    assert!(!message.contains(OLD), "{message}");

    // The Secret is rotated in place, as the kubelet swaps a mounted one.
    let mut changes = source.changes();
    std::fs::write(file.with_extension("new"), format!("{NEW}\n")).unwrap();
    std::fs::rename(file.with_extension("new"), &file).unwrap();
    tokio::time::timeout(FILE_REREAD * 5, changes.changed())
        .await
        .expect("the rotation is noticed")
        .unwrap();
    assert_eq!(
        forge.find_pull_request(&repository, "sluice/main/c").await,
        Ok(None)
    );
    let calls = fake.shared().calls.all();
    let refused = calls.iter().filter(|c| c.status == 401).count();
    assert_eq!(refused, 1, "one call refused with the old token: {calls:?}");
}
