//! The guard of commits flowing out of an internal repository: `missing_commits` asks a
//! real smart-HTTP server for each commit by id, with no working tree, and tells which
//! ones the public repository does not hold.

use std::time::Duration;

use sluice::git::{Git, GitConfig, ObjectId, Remote, RemoteUrl};
use sluice_tests::fixture_repo::{FixtureRepo, git};
use sluice_tests::git_server::GitHttpServer;

fn oid(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.as_bytes()).expect("object id")
}

#[tokio::test]
async fn commits_only_in_the_internal_mirror_are_missing_from_the_public_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    // The internal mirror starts as the public history...
    let internal = FixtureRepo::create(&served, "internal.git");
    let first = internal.commit(&[("README.md", "runtime\n")], "initial");
    let second = internal.commit(&[("src/lib.rs", "pub fn f() {}\n")], "feature");
    let public = served.join("public.git");
    git(
        &served,
        &[
            "clone",
            "--bare",
            "--quiet",
            &internal.bare.display().to_string(),
            "public.git",
        ],
    );
    // ...then carries a security fix (and a commit on top of it) never pushed publicly.
    let fix = internal.commit(&[("src/lib.rs", "pub fn f() { check() }\n")], "fix");
    let after_fix = internal.commit(&[("CHANGELOG.md", "fix\n")], "changelog");

    let server = GitHttpServer::start(&served, None).expect("server");
    let mut config = GitConfig::new(dir.path().join("cache"));
    config.stall_timeout = Duration::from_secs(20);
    config.operation_timeout = Duration::from_secs(120);
    let git_layer = Git::new(config);
    let url = RemoteUrl::parse(&server.url("public.git")).expect("url");
    let remote = git_layer.remote(Remote::anonymous(url));

    let asked = [oid(&first), oid(&second), oid(&fix), oid(&after_fix)];
    let missing = remote.missing_commits(&asked).await.expect("asked");
    assert_eq!(missing, [oid(&fix), oid(&after_fix)]);
    // The public history alone is all there, and asking again costs no fetch.
    let before = git_layer.network_calls().fetches;
    let none = remote
        .missing_commits(&[oid(&first), oid(&second)])
        .await
        .expect("asked");
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(
        git_layer.network_calls().fetches,
        before,
        "answered by the cache"
    );

    // Once the fix is published, the range up to its tip is in the public repository.
    git(
        &internal.bare,
        &["push", "--quiet", &public.display().to_string(), "main"],
    );
    let now = remote
        .missing_commits(&[oid(&after_fix)])
        .await
        .expect("asked");
    assert!(now.is_empty(), "{now:?}");
    // A commit that is nowhere is missing too, and a server that cannot be reached is an
    // error, never "missing".
    let nowhere = oid("0123456789012345678901234567890123456789");
    assert_eq!(
        remote.missing_commits(&[nowhere]).await.expect("asked"),
        [nowhere]
    );
    drop(server);
    let gone = git_layer.remote(Remote::anonymous(
        RemoteUrl::parse("http://127.0.0.1:9/public.git").expect("url"),
    ));
    assert!(gone.missing_commits(&[oid(&fix)]).await.is_err());
}
