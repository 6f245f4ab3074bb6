//! Reading: branch heads from the ref advertisement, files at a fetched commit, and
//! fetches that extend the cache.

use sluice::git::{FetchError, ReadError};

use super::{oid, paths, setup};

async fn read_at_head(http: bool) {
    let s = setup(http);
    let expected = oid(&s.repo.rev("refs/heads/main").expect("main"));
    let head = s.remote.head("main").await.expect("head");
    assert_eq!(head, Some(expected));
    assert_eq!(s.remote.head("no-such-branch").await.expect("head"), None);
    let fetched = s.remote.fetch("main").await.expect("fetch");
    assert_eq!(fetched, expected);
    let files = s
        .remote
        .read(
            fetched,
            &paths(&["eng/Version.Details.xml", "missing.txt", "README.md"]),
        )
        .await
        .expect("read");
    assert_eq!(
        files["eng/Version.Details.xml"].as_deref(),
        Some(&b"<Dependencies>v1</Dependencies>\n"[..])
    );
    assert_eq!(files["missing.txt"], None);
    assert_eq!(files["README.md"].as_deref(), Some(&b"app\n"[..]));
    let err = s.remote.read(fetched, &paths(&["eng"])).await.unwrap_err();
    assert!(matches!(err, ReadError::NotAFile { .. }), "{err}");
    // The cache is a bare repository under the cache directory, and it is shallow.
    let cache = s.remote.cache_dir();
    assert!(cache.starts_with(s.git.cache().root()));
    assert!(cache.join("shallow").exists(), "first fetch is shallow");
}

#[tokio::test]
async fn git_reads_files_at_head_over_http() {
    read_at_head(true).await;
}

#[tokio::test]
async fn git_reads_files_at_head_over_file_remote() {
    read_at_head(false).await;
}

#[tokio::test]
async fn git_fetch_is_incremental_after_an_upstream_commit() {
    let s = setup(true);
    let first = s.remote.fetch("main").await.expect("fetch");
    // Nothing moved: the same answer, nothing new in the cache.
    assert_eq!(s.remote.fetch("main").await.expect("fetch"), first);
    let upstream = oid(&s.repo.commit(
        &[(
            "eng/Version.Details.xml",
            "<Dependencies>v9</Dependencies>\n",
        )],
        "upstream bump",
    ));
    assert_eq!(s.remote.head("main").await.expect("head"), Some(upstream));
    let fetched = s.remote.fetch("main").await.expect("fetch");
    assert_eq!(fetched, upstream);
    let files = s
        .remote
        .read(fetched, &paths(&["eng/Version.Details.xml"]))
        .await
        .expect("read");
    assert_eq!(
        files["eng/Version.Details.xml"].as_deref(),
        Some(&b"<Dependencies>v9</Dependencies>\n"[..])
    );
    // The previous commit is still there: the same cache was extended, not replaced.
    let old = s
        .remote
        .read(first, &paths(&["eng/Version.Details.xml"]))
        .await
        .expect("old commit still cached");
    assert_eq!(
        old["eng/Version.Details.xml"].as_deref(),
        Some(&b"<Dependencies>v1</Dependencies>\n"[..])
    );
}

async fn all_branches_from_one_advertisement(http: bool) {
    let s = setup(http);
    let main = s.repo.rev("refs/heads/main").expect("main");
    for branch in ["release/1.0", "sluice/main/runtime-to-app"] {
        sluice_tests::fixture_repo::git(
            &s.repo.bare,
            &["update-ref", &format!("refs/heads/{branch}"), &main],
        );
    }
    sluice_tests::fixture_repo::git(&s.repo.bare, &["tag", "v1", &main]);
    let before = s.git.network_calls();
    let heads = s.remote.heads().await.expect("heads");
    assert_eq!(
        s.git.network_calls().heads - before.heads,
        1,
        "one advertisement"
    );
    let names: Vec<&str> = heads.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["main", "release/1.0", "sluice/main/runtime-to-app"],
        "branches only, no tags"
    );
    assert!(heads.values().all(|id| *id == oid(&main)));
    assert_eq!(
        s.remote.head("main").await.expect("head"),
        Some(oid(&main)),
        "agrees with head()"
    );
}

#[tokio::test]
async fn git_lists_every_branch_in_one_advertisement_over_http() {
    all_branches_from_one_advertisement(true).await;
}

#[tokio::test]
async fn git_lists_every_branch_in_one_advertisement_over_file_remote() {
    all_branches_from_one_advertisement(false).await;
}

#[tokio::test]
async fn git_reads_a_whole_tree_through_a_filter() {
    let s = setup(true);
    s.repo.commit(
        &[
            ("config/a.yaml", "a\n"),
            ("config/deep/b.yml", "b\n"),
            (".github/ci.yaml", "hidden\n"),
        ],
        "config files",
    );
    let head = s.remote.fetch("main").await.expect("fetch");
    let yaml_outside_hidden = |name: &str, is_dir: bool| {
        !name.starts_with('.') && (is_dir || name.ends_with(".yaml") || name.ends_with(".yml"))
    };
    let files = s
        .remote
        .read_tree(head, yaml_outside_hidden)
        .await
        .expect("read tree");
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["config/a.yaml", "config/deep/b.yml"]);
    assert_eq!(files["config/deep/b.yml"], b"b\n");
    let everything = s
        .remote
        .read_tree(head, |_, _| true)
        .await
        .expect("read tree");
    assert_eq!(everything.len(), 6, "{:?}", everything.keys());
}

async fn fetch_an_old_commit_by_id(http: bool) {
    let s = setup(http);
    let old = oid(&s.repo.rev("refs/heads/main").expect("main"));
    s.repo.commit(
        &[(
            "eng/Version.Details.xml",
            "<Dependencies>v2</Dependencies>\n",
        )],
        "second",
    );
    // No branch points at `old` any more; it is fetched by its id.
    s.remote.fetch_commit(old).await.expect("fetch by id");
    let files = s
        .remote
        .read(old, &paths(&["eng/Version.Details.xml"]))
        .await
        .expect("read");
    assert_eq!(
        files["eng/Version.Details.xml"].as_deref(),
        Some(&b"<Dependencies>v1</Dependencies>\n"[..])
    );
    // A second request is answered by the cache alone.
    let before = s.git.network_calls().fetches;
    s.remote.fetch_commit(old).await.expect("cached");
    assert_eq!(s.git.network_calls().fetches, before);
    // A commit the remote does not hold is an error naming it: over HTTP the server's
    // "not our ref", a permanent `MissingCommit`; a local upload-pack may instead hang up
    // while the request is still being written, which reads as a remote failure.
    let absent = oid("0123456789012345678901234567890123456789");
    let err = s.remote.fetch_commit(absent).await.unwrap_err();
    if http {
        assert!(matches!(err, FetchError::MissingCommit { .. }), "{err}");
    }
    assert!(
        err.to_string()
            .contains("0123456789012345678901234567890123456789"),
        "{err}"
    );
}

#[tokio::test]
async fn git_fetches_a_commit_by_id_over_http() {
    fetch_an_old_commit_by_id(true).await;
}

#[tokio::test]
async fn git_fetches_a_commit_by_id_over_file_remote() {
    fetch_an_old_commit_by_id(false).await;
}
