//! Credentials end to end against a smart-HTTP server that demands basic
//! authentication: the right token works for listing, fetching and pushing; a wrong or
//! missing one gives a clear error, and the token appears in no error and no log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sluice::git::{
    Author, Credentials, Expected, FetchError, FileEdit, Git, GitConfig, HeadError, PushError,
    Remote, RemoteUrl, Secret,
};
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::{BasicAuth, GitHttpServer};

const GOOD_TOKEN: &str = "tok-good-8f3e2a91c4";
const BAD_TOKEN: &str = "tok-bad-5d71b0e6aa";

/// Every log line of this test binary, at all levels.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Setup {
    dir: tempfile::TempDir,
    repo: FixtureRepo,
    server: GitHttpServer,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let repo = FixtureRepo::create(&served, "private.git");
    repo.commit(&[("eng/Versions.props", "<Project />\n")], "initial");
    let server = GitHttpServer::start(
        &served,
        Some(BasicAuth {
            username: "bot".into(),
            password: GOOD_TOKEN.into(),
        }),
    )
    .expect("server");
    Setup { dir, repo, server }
}

fn git(setup: &Setup) -> Git {
    let mut config = GitConfig::new(setup.dir.path().join("cache"));
    config.stall_timeout = Duration::from_secs(20);
    config.operation_timeout = Duration::from_secs(120);
    Git::new(config)
}

fn assert_no_token(text: &str) {
    for token in [GOOD_TOKEN, BAD_TOKEN] {
        assert!(!text.contains(token), "token leaked: {text}");
    }
}

#[tokio::test]
async fn git_token_from_file_authenticates_head_fetch_and_push() {
    let logs = captured_logs();
    let s = setup();
    let token_file = s.dir.path().join("token");
    std::fs::write(&token_file, format!("{GOOD_TOKEN}\n")).expect("write token");
    let credentials = Credentials::token_from_file("bot", &token_file).expect("token");
    assert_no_token(&format!("{credentials:?}"));
    let url = RemoteUrl::parse(&s.server.url("private.git")).expect("url");
    let remote = git(&s).remote(Remote::new(url, credentials));

    let head = remote.head("main").await.expect("head with token");
    assert_eq!(head.map(|h| h.to_string()), s.repo.rev("refs/heads/main"));
    let base = remote.fetch("main").await.expect("fetch with token");
    let commit = remote
        .commit(
            base,
            vec![FileEdit::Write {
                path: "eng/Versions.props".into(),
                content: b"<Project>v2</Project>\n".to_vec(),
            }],
            "bump",
            &Author {
                name: "sluice".into(),
                email: "sluice@example.com".into(),
            },
        )
        .await
        .expect("commit");
    remote
        .push(commit, "sluice/main/bump", Expected::Absent)
        .await
        .expect("push with token");
    assert_eq!(
        s.repo.rev("refs/heads/sluice/main/bump"),
        Some(commit.to_string())
    );
    let text = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert_no_token(&text);
    assert!(text.contains("git push"), "operations are logged: {text}");
}

#[tokio::test]
async fn git_wrong_or_missing_token_is_a_clear_error_without_leaking() {
    let logs = captured_logs();
    let s = setup();
    let git = git(&s);
    let url = RemoteUrl::parse(&s.server.url("private.git")).expect("url");
    let wrong = Credentials::token("bot", Secret::new(BAD_TOKEN), "test").expect("token");
    let remote = git.remote(Remote::new(url.clone(), wrong));

    let err = remote.head("main").await.unwrap_err();
    let text = format!("{err} {err:?}");
    eprintln!("{err}");
    assert_no_token(&text);
    assert!(matches!(err, HeadError::Authentication { .. }), "{text}");
    assert!(text.contains(url.as_str()), "names the remote: {text}");
    assert!(text.contains("head"), "names the operation: {text}");

    let err = remote.fetch("main").await.unwrap_err();
    let text = format!("{err} {err:?}");
    eprintln!("{err}");
    assert_no_token(&text);
    assert!(matches!(err, FetchError::Authentication { .. }), "{text}");

    let base =
        sluice::git::ObjectId::from_hex(s.repo.rev("refs/heads/main").expect("main").as_bytes())
            .expect("oid");
    let err = remote
        .push(base, "other", Expected::Absent)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    eprintln!("{err}");
    assert_no_token(&text);
    assert!(text.contains("push to") && text.contains("other"), "{text}");
    assert!(
        text.contains("authentication failed"),
        "says it is about authentication: {text}"
    );
    assert!(matches!(err, PushError::Authentication { .. }), "{text}");
    assert_eq!(s.repo.rev("refs/heads/other"), None);

    // No credentials at all.
    let anonymous = git.remote(Remote::anonymous(url));
    let err = anonymous.head("main").await.unwrap_err();
    assert!(matches!(err, HeadError::Authentication { .. }), "{err}");
    assert_no_token(&err.to_string());

    let text = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert_no_token(&text);
}

#[tokio::test]
async fn git_credentials_in_the_url_are_stripped_not_used_or_shown() {
    let s = setup();
    let url = s
        .server
        .url("private.git")
        .replace("http://", &format!("http://bot:{GOOD_TOKEN}@"));
    let parsed = RemoteUrl::parse(&url).expect("url");
    assert_no_token(&format!("{parsed} {parsed:?}"));
    let remote = git(&s).remote(Remote::anonymous(parsed));
    let err = remote.head("main").await.unwrap_err();
    assert_no_token(&format!("{err} {err:?}"));
}
