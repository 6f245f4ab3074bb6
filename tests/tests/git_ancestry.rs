//! How commits relate in the cache, against a real file:// remote: a person's commit on
//! top of a commit sluice pushed, fetched shallow, is still seen to build on it; who
//! committed what; and squashing such a branch onto its target.

use std::time::Duration;

use sluice::git::{Author, CommitError, Expected, FileEdit, Git, GitConfig, ObjectId};
use sluice::git::{Remote, RemoteUrl};
use sluice_tests::fixture_repo::{FixtureRepo, git};

fn oid(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.as_bytes()).expect("object id")
}

fn sluice_author() -> Author {
    Author {
        name: "sluice".into(),
        email: "sluice@example.com".into(),
    }
}

#[tokio::test]
async fn a_persons_commit_on_sluices_branch_builds_on_it_and_squashes_onto_the_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = FixtureRepo::create(dir.path(), "app.git");
    repo.commit(&[("README.md", "app\n")], "initial");
    let target = repo.commit(&[("eng/Version.Details.xml", "v1\n")], "manifest");
    let mut config = GitConfig::new(dir.path().join("cache"));
    config.operation_timeout = Duration::from_secs(120);
    let git_layer = Git::new(config);
    let url = format!("file://{}", repo.bare.display());
    let remote = git_layer.remote(Remote::anonymous(RemoteUrl::parse(&url).expect("url")));

    // sluice writes its update on the target and pushes the update branch.
    let base = remote.fetch("main").await.expect("fetch main");
    assert_eq!(base, oid(&target));
    let edit = FileEdit::Write {
        path: "eng/Version.Details.xml".into(),
        content: b"v2\n".to_vec(),
    };
    let sluices = remote
        .commit(base, vec![edit], "Update", &sluice_author())
        .await
        .expect("commit");
    let branch = "sluice/main/app";
    remote
        .push(sluices, branch, Expected::Absent)
        .await
        .expect("push");

    // A person adds a commit on top of it.
    let work = dir.path().join("person");
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            &repo.bare.display().to_string(),
            "person",
        ],
    );
    git(&work, &["checkout", "--quiet", branch]);
    std::fs::write(work.join("NOTES.md"), "notes\n").expect("write");
    git(&work, &["add", "NOTES.md"]);
    git(&work, &["commit", "--quiet", "-m", "Notes"]);
    git(&work, &["push", "--quiet", "origin", branch]);
    let persons = oid(&git(&work, &["rev-parse", "HEAD"]));

    // Its first fetch is shallow, yet the walk reaches sluice's commit and the target.
    let tip = remote.fetch(branch).await.expect("fetch branch");
    assert_eq!(tip, persons);
    assert!(remote.is_ancestor(sluices, tip).await.expect("walk"));
    assert!(remote.is_ancestor(base, tip).await.expect("walk"));
    assert!(remote.is_ancestor(tip, tip).await.expect("walk"));
    assert!(!remote.is_ancestor(tip, base).await.expect("walk"));
    assert_eq!(
        remote.committer(sluices).await.expect("committer"),
        sluice_author()
    );
    assert_ne!(
        remote.committer(tip).await.expect("committer"),
        sluice_author()
    );

    // The whole branch squashes onto the target; not the other way round.
    let squash = remote
        .squash(tip, base, "Squash", &sluice_author())
        .await
        .expect("squash");
    let files = remote
        .read(
            squash,
            &["NOTES.md".into(), "eng/Version.Details.xml".into()],
        )
        .await
        .expect("read");
    assert_eq!(files["NOTES.md"].as_deref(), Some(&b"notes\n"[..]));
    assert_eq!(
        files["eng/Version.Details.xml"].as_deref(),
        Some(&b"v2\n"[..])
    );
    let err = remote
        .squash(base, tip, "Squash", &sluice_author())
        .await
        .unwrap_err();
    assert!(matches!(err, CommitError::NotBasedOn { .. }), "{err}");
}
