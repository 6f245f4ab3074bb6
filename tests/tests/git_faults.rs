//! Network faults: a server that hangs mid-fetch, a server that accepts connections and
//! never answers, and a port nobody listens on. Each gives an error that names the
//! remote and the operation instead of a hang, and the cache stays usable.

use std::net::TcpListener;
use std::time::Duration;

use sluice::git::{
    Expected, FetchError, Git, GitConfig, HeadError, ObjectId, PushError, Remote, RemoteUrl,
};
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;

/// Far above the configured limits: only reached if the layer really hangs.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn git(dir: &std::path::Path) -> Git {
    let mut config = GitConfig::new(dir.join("cache"));
    config.stall_timeout = Duration::from_secs(2);
    config.operation_timeout = Duration::from_secs(30);
    Git::new(config)
}

/// A listener that accepts connections, reads whatever comes and never answers.
fn silent_server() -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: a handful of connections, then the thread ends and drops them.
        for stream in listener.incoming().take(8).flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            held.push(stream);
        }
    });
    (addr, handle)
}

#[tokio::test]
async fn git_fetch_from_a_server_that_hangs_mid_fetch_fails_and_the_cache_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let repo = FixtureRepo::create(&served, "app.git");
    let head = repo.commit(&[("a.txt", "a\n")], "initial");
    let server = GitHttpServer::start(&served, None).expect("server");
    let url = RemoteUrl::parse(&server.url("app.git")).expect("url");
    let remote = git(dir.path()).remote(Remote::anonymous(url.clone()));

    server.stall_fetches(true);
    // The ref advertisement still answers.
    let listed = remote.head("main").await.expect("head");
    assert_eq!(listed.map(|id| id.to_string()), Some(head.clone()));
    let err = tokio::time::timeout(HANG_GUARD, remote.fetch("main"))
        .await
        .expect("the fetch gives up by itself")
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Remote { .. } | FetchError::Timeout { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(url.as_str()) && text.contains("fetch from"),
        "{text}"
    );

    server.stall_fetches(false);
    let fetched = remote.fetch("main").await.expect("fetch after the fault");
    assert_eq!(fetched.to_string(), head);
}

#[tokio::test]
async fn git_operations_against_a_silent_server_time_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (addr, _thread) = silent_server();
    let url = RemoteUrl::parse(&format!("http://{addr}/app.git")).expect("url");
    let remote = git(dir.path()).remote(Remote::anonymous(url.clone()));

    let err = tokio::time::timeout(HANG_GUARD, remote.head("main"))
        .await
        .expect("head gives up by itself")
        .unwrap_err();
    assert!(
        matches!(err, HeadError::Remote { .. } | HeadError::Timeout { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(url.as_str()), "{err}");

    let err = tokio::time::timeout(HANG_GUARD, remote.fetch("main"))
        .await
        .expect("fetch gives up by itself")
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Remote { .. } | FetchError::Timeout { .. }),
        "{err}"
    );

    // A commit in the (otherwise empty) cache to push.
    let cache = remote.cache_dir();
    let commit = sluice_tests::fixture_repo::git(
        &cache,
        &[
            "commit-tree",
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "-m",
            "x",
        ],
    );
    let commit = ObjectId::from_hex(commit.as_bytes()).expect("oid");
    let err = tokio::time::timeout(HANG_GUARD, remote.push(commit, "main", Expected::Absent))
        .await
        .expect("push gives up by itself")
        .unwrap_err();
    assert!(
        matches!(err, PushError::Failed { .. } | PushError::Timeout { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("push to"), "{err}");
}

#[tokio::test]
async fn git_connection_refused_is_an_error_naming_the_remote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let url = RemoteUrl::parse(&format!("http://{addr}/gone.git")).expect("url");
    let remote = git(dir.path()).remote(Remote::anonymous(url.clone()));
    let err = tokio::time::timeout(HANG_GUARD, remote.head("main"))
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(matches!(err, HeadError::Remote { .. }), "{err}");
    assert!(err.to_string().contains(url.as_str()), "{err}");
}
