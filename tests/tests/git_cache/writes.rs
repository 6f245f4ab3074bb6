//! Writing: commits without a working tree and compare-and-swap pushes.

use sluice::git::{Expected, FileEdit, PushError};

use super::{author, setup};

async fn commit_and_push_new_branch(http: bool) {
    let s = setup(http);
    let base = s.remote.fetch("main").await.expect("fetch");
    let commit = s
        .remote
        .commit(
            base,
            vec![
                FileEdit::Write {
                    path: "eng/Version.Details.xml".into(),
                    content: b"<Dependencies>v2</Dependencies>\n".to_vec(),
                },
                FileEdit::Write {
                    path: "eng/new/file.txt".into(),
                    content: b"new\n".to_vec(),
                },
                FileEdit::Delete {
                    path: "README.md".into(),
                },
            ],
            "Update dependencies",
            &author(),
        )
        .await
        .expect("commit");
    let branch = "sluice/main/runtime-to-app";
    s.remote
        .push(commit, branch, Expected::Absent)
        .await
        .expect("push");
    let pushed = format!("refs/heads/{branch}");
    assert_eq!(s.repo.rev(&pushed), Some(commit.to_string()));
    assert_eq!(
        s.repo.show(&pushed, "eng/Version.Details.xml").as_deref(),
        Some("<Dependencies>v2</Dependencies>\n")
    );
    assert_eq!(
        s.repo.show(&pushed, "eng/new/file.txt").as_deref(),
        Some("new\n")
    );
    assert_eq!(s.repo.show(&pushed, "README.md"), None);
    assert_eq!(
        s.repo.show(&pushed, "src/main.rs").as_deref(),
        Some("fn main() {}\n")
    );
    assert_eq!(s.repo.rev(&format!("{pushed}^")), Some(base.to_string()));
    assert_eq!(
        s.repo.rev("refs/heads/main"),
        Some(base.to_string()),
        "main untouched"
    );

    // The new branch is visible to head(), and can be moved and deleted with CAS.
    assert_eq!(s.remote.head(branch).await.expect("head"), Some(commit));
    let second = s
        .remote
        .commit(base, vec![], "Empty update", &author())
        .await
        .expect("commit");
    s.remote
        .push(second, branch, Expected::At(commit))
        .await
        .expect("force with lease");
    assert_eq!(s.repo.rev(&pushed), Some(second.to_string()));
    s.remote
        .delete_branch(branch, second)
        .await
        .expect("delete");
    assert_eq!(s.repo.rev(&pushed), None);
}

#[tokio::test]
async fn git_commit_and_push_new_branch_over_http() {
    commit_and_push_new_branch(true).await;
}

#[tokio::test]
async fn git_commit_and_push_new_branch_over_file_remote() {
    commit_and_push_new_branch(false).await;
}

#[tokio::test]
async fn git_push_with_stale_expectation_is_a_conflict_and_changes_nothing() {
    let s = setup(true);
    let base = s.remote.fetch("main").await.expect("fetch");
    let edit = |text: &str| {
        vec![FileEdit::Write {
            path: "eng/Version.Details.xml".into(),
            content: text.as_bytes().to_vec(),
        }]
    };
    let first = s
        .remote
        .commit(base, edit("a"), "a", &author())
        .await
        .expect("commit");
    let second = s
        .remote
        .commit(base, edit("b"), "b", &author())
        .await
        .expect("commit");
    let branch = "sluice/main/key";
    s.remote
        .push(first, branch, Expected::Absent)
        .await
        .expect("push");
    let before = s.repo.refs();

    // Create-only, but the branch exists.
    let err = s
        .remote
        .push(second, branch, Expected::Absent)
        .await
        .unwrap_err();
    assert!(matches!(err, PushError::Conflict { .. }), "{err}");
    // Expected value that is not the current one.
    let err = s
        .remote
        .push(second, branch, Expected::At(base))
        .await
        .unwrap_err();
    assert!(matches!(err, PushError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains(branch), "{err}");
    // main moved upstream since we fetched it.
    let upstream = s.repo.commit(&[("README.md", "moved\n")], "upstream");
    let err = s
        .remote
        .push(second, "main", Expected::At(base))
        .await
        .unwrap_err();
    assert!(matches!(err, PushError::Conflict { .. }), "{err}");
    // Deleting with a stale expectation.
    let err = s.remote.delete_branch(branch, base).await.unwrap_err();
    assert!(matches!(err, PushError::Conflict { .. }), "{err}");

    let mut after_expected = before.replace(&base.to_string(), &upstream);
    after_expected = after_expected.trim().to_owned();
    assert_eq!(
        s.repo.refs().trim(),
        after_expected,
        "only the upstream commit moved a ref"
    );
    assert_eq!(
        s.repo.rev(&format!("refs/heads/{branch}")),
        Some(first.to_string())
    );
}

#[tokio::test]
async fn git_rejects_invalid_branch_names_and_paths() {
    let s = setup(false);
    assert!(s.remote.head("--upload-pack=x").await.is_err());
    assert!(s.remote.fetch("a..b").await.is_err());
    // Right-to-left override: refused before it reaches a ref or the network.
    assert!(s.remote.head("ma\u{202e}in").await.is_err());
    assert!(s.remote.fetch("ma\u{200b}in").await.is_err());
    let head = s.remote.fetch("main").await.expect("fetch");
    let err = s
        .remote
        .commit(
            head,
            vec![FileEdit::Write {
                path: "../escape".into(),
                content: vec![],
            }],
            "bad",
            &author(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("../escape"), "{err}");
}
