//! The git layer against a real smart-HTTP server and file:// remotes: reading at head,
//! committing without a working tree, compare-and-swap pushes, incremental fetches and
//! cache recovery.

use std::time::Duration;

use sluice::git::{Author, Git, GitConfig, ObjectId, Remote, RemoteRepo, RemoteUrl};
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;

mod reads;
mod recovery;
mod writes;

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
