//! The git layer against a real smart-HTTP server and file:// remotes: reading at head,
//! committing without a working tree, compare-and-swap pushes, incremental fetches and
//! cache recovery.

use std::time::Duration;

use sluice::git::{
    Author, Expected, FileEdit, Git, GitConfig, ObjectId, PushError, ReadError, Remote, RemoteRepo,
    RemoteUrl,
};
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;

struct Setup {
    _dir: tempfile::TempDir,
    repo: FixtureRepo,
    _server: Option<GitHttpServer>,
    git: Git,
    remote: RemoteRepo,
}

fn setup(http: bool) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let repo = FixtureRepo::create(&served, "app.git");
    repo.commit(
        &[
            (
                "eng/Version.Details.xml",
                "<Dependencies>v1</Dependencies>\n",
            ),
            ("README.md", "app\n"),
            ("src/main.rs", "fn main() {}\n"),
        ],
        "initial",
    );
    let (server, url) = if http {
        let server = GitHttpServer::start(&served, None).expect("server");
        let url = server.url("app.git");
        (Some(server), url)
    } else {
        (None, format!("file://{}", repo.bare.display()))
    };
    let mut config = GitConfig::new(dir.path().join("cache"));
    config.stall_timeout = Duration::from_secs(20);
    config.operation_timeout = Duration::from_secs(120);
    let git = Git::new(config);
    let remote = git.remote(Remote::anonymous(RemoteUrl::parse(&url).expect("url")));
    Setup {
        _dir: dir,
        repo,
        _server: server,
        git,
        remote,
    }
}

fn oid(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.as_bytes()).expect("object id")
}

fn author() -> Author {
    Author {
        name: "sluice".into(),
        email: "sluice@example.com".into(),
    }
}

fn paths(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| (*p).to_owned()).collect()
}

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

#[tokio::test]
async fn git_cache_deleted_or_damaged_between_calls_is_rebuilt() {
    let s = setup(true);
    let head = s.remote.fetch("main").await.expect("fetch");
    let cache = s.remote.cache_dir();
    std::fs::remove_dir_all(&cache).expect("delete cache");
    // A read needs the objects: it says so instead of failing obscurely.
    let err = s
        .remote
        .read(head, &paths(&["README.md"]))
        .await
        .unwrap_err();
    assert!(matches!(err, ReadError::MissingCommit { .. }), "{err}");
    assert_eq!(s.remote.fetch("main").await.expect("refetch"), head);
    let files = s
        .remote
        .read(head, &paths(&["README.md"]))
        .await
        .expect("read");
    assert_eq!(files["README.md"].as_deref(), Some(&b"app\n"[..]));

    // Garbage in place of the repository.
    std::fs::remove_dir_all(&cache).expect("delete cache");
    std::fs::create_dir_all(&cache).expect("mkdir");
    std::fs::write(cache.join("HEAD"), b"garbage").expect("write");
    assert_eq!(s.remote.fetch("main").await.expect("refetch"), head);
    let commit = s
        .remote
        .commit(head, vec![], "after rebuild", &author())
        .await
        .expect("commit");
    s.remote
        .push(commit, "rebuilt", Expected::Absent)
        .await
        .expect("push after rebuild");

    // A regular file where the cache directory belongs heals the same way.
    std::fs::remove_dir_all(&cache).expect("delete cache");
    std::fs::write(&cache, b"not a repository").expect("write a file in its place");
    assert_eq!(s.remote.fetch("main").await.expect("refetch"), head);
    assert!(cache.is_dir(), "the cache is a repository again");
    let files = s
        .remote
        .read(head, &paths(&["README.md"]))
        .await
        .expect("read after healing");
    assert_eq!(files["README.md"].as_deref(), Some(&b"app\n"[..]));
}

#[tokio::test]
async fn git_concurrent_operations_on_one_remote_are_serialized() {
    let s = setup(true);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let remote = s.remote.clone();
        tasks.push(tokio::spawn(async move { remote.fetch("main").await }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("join").expect("fetch"));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn git_rejects_invalid_branch_names_and_paths() {
    let s = setup(false);
    assert!(s.remote.head("--upload-pack=x").await.is_err());
    assert!(s.remote.fetch("a..b").await.is_err());
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

#[tokio::test]
async fn git_two_layers_sharing_a_cache_directory_are_serialized_by_the_lock_file() {
    // Two `Git` values do not share in-process mutexes, like two processes.
    let s = setup(true);
    let other = Git::new(GitConfig::new(s.git.cache().root())).remote(s.remote.remote().clone());
    assert_eq!(other.cache_dir(), s.remote.cache_dir());
    let (a, b) = tokio::join!(s.remote.fetch("main"), other.fetch("main"));
    let head = a.expect("fetch a");
    assert_eq!(head, b.expect("fetch b"));
    let who = author();
    let (a, b) = tokio::join!(
        s.remote.commit(head, vec![], "a", &who),
        other.commit(head, vec![], "b", &who)
    );
    a.expect("commit a");
    b.expect("commit b");
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
