//! Fixture repositories built by code: a bare repository (what the server serves) and a
//! scratch working copy used to author commits with the `git` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `git` hermetically (no system or global configuration, fixed identity) in `dir`
/// and return its trimmed standard output; panics with git's error output on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = git_command(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"));
    assert!(
        output.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A `git` command configured for fixtures, to add arguments to.
pub fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .env("GIT_TERMINAL_PROMPT", "0");
    command
}

/// A bare repository `<root>/<name>` with a working copy for authoring commits on
/// `main`.
pub struct FixtureRepo {
    /// The bare repository.
    pub bare: PathBuf,
    work: PathBuf,
}

impl FixtureRepo {
    /// Create an empty bare repository `<root>/<name>` (name such as `app.git`).
    pub fn create(root: &Path, name: &str) -> Self {
        let bare = root.join(name);
        let work = root.join(format!("{}.work", name.trim_end_matches(".git")));
        std::fs::create_dir_all(&bare).expect("create bare dir");
        std::fs::create_dir_all(&work).expect("create work dir");
        git(
            &bare,
            &["init", "--bare", "--quiet", "--initial-branch=main"],
        );
        git(&work, &["init", "--quiet", "--initial-branch=main"]);
        git(
            &work,
            &["remote", "add", "origin", &bare.display().to_string()],
        );
        FixtureRepo { bare, work }
    }

    /// Write `files` (path, contents) in the working copy, commit them on `main`, push
    /// to the bare repository and return the new commit id.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (path, contents) in files {
            let path = self.work.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create parent");
            }
            std::fs::write(&path, contents).expect("write fixture file");
        }
        git(&self.work, &["add", "--all"]);
        git(
            &self.work,
            &["commit", "--quiet", "--allow-empty", "-m", message],
        );
        git(
            &self.work,
            &[
                "push",
                "--quiet",
                "--force",
                "origin",
                "HEAD:refs/heads/main",
            ],
        );
        git(&self.work, &["rev-parse", "HEAD"])
    }

    /// Where `refname` points in the bare repository, if it exists.
    pub fn rev(&self, refname: &str) -> Option<String> {
        let output = git_command(&self.bare)
            .args(["rev-parse", "--verify", "--quiet", refname])
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The contents of `path` at `rev` in the bare repository, if it exists.
    pub fn show(&self, rev: &str, path: &str) -> Option<String> {
        let output = git_command(&self.bare)
            .args(["show", &format!("{rev}:{path}")])
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// All references of the bare repository, as `git show-ref` prints them.
    pub fn refs(&self) -> String {
        git_command(&self.bare)
            .args(["show-ref"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}
