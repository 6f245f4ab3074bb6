//! The cache itself: rebuilt when deleted or damaged, and serialized between tasks and
//! between layers sharing one directory.

use sluice::git::{Expected, Git, GitConfig, ReadError};

use super::{author, paths, setup};

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
