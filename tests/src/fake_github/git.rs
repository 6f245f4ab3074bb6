//! The fake's git plumbing on the served bare repositories: branch heads, squash merges
//! and branch deletions, with compare-and-swap ref updates as GitHub does them.

use std::path::Path;
use std::process::Command;

fn git(repo: &Path, args: &[&str]) -> Result<(bool, String), String> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "GitHub")
        .env("GIT_AUTHOR_EMAIL", "noreply@github.invalid")
        .env("GIT_COMMITTER_NAME", "GitHub")
        .env("GIT_COMMITTER_EMAIL", "noreply@github.invalid")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((out.status.success(), text))
}

/// The commit `branch` points at, if it exists.
pub fn branch_sha(repo: &Path, branch: &str) -> Option<String> {
    let (ok, sha) = git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}^{{commit}}"),
        ],
    )
    .ok()?;
    ok.then_some(sha)
}

/// Why a squash merge did not happen.
#[derive(Debug)]
pub enum MergeRefused {
    /// The head and base cannot be merged without a person.
    Conflict,
    /// The base branch moved during the merge.
    BaseMoved,
    /// git failed.
    Failed(String),
}

/// Merges `head` into `base_branch` (currently at `base`) as one commit with `message`:
/// a squash (one parent) when `squash`, else a merge commit (two parents). The branch
/// moves only if it is still at `base`; returns the new commit.
pub fn merge(
    repo: &Path,
    base_branch: &str,
    base: &str,
    head: &str,
    message: &str,
    squash: bool,
) -> Result<String, MergeRefused> {
    let failed = MergeRefused::Failed;
    let (up_to_date, _) =
        git(repo, &["merge-base", "--is-ancestor", base, head]).map_err(failed)?;
    let tree = if up_to_date {
        let (ok, tree) = git(repo, &["rev-parse", &format!("{head}^{{tree}}")]).map_err(failed)?;
        if !ok {
            return Err(MergeRefused::Failed(format!("no tree for {head}")));
        }
        tree
    } else {
        let (clean, out) =
            git(repo, &["merge-tree", "--write-tree", base, head]).map_err(failed)?;
        if !clean {
            return Err(MergeRefused::Conflict);
        }
        out.lines().next().unwrap_or_default().to_string()
    };
    let mut args = vec!["commit-tree", tree.as_str(), "-p", base];
    if !squash {
        args.extend(["-p", head]);
    }
    args.extend(["-m", message]);
    let (ok, commit) = git(repo, &args).map_err(failed)?;
    if !ok {
        return Err(MergeRefused::Failed("commit-tree failed".into()));
    }
    let reference = format!("refs/heads/{base_branch}");
    let (moved, _) = git(repo, &["update-ref", &reference, &commit, base]).map_err(failed)?;
    if !moved {
        return Err(MergeRefused::BaseMoved);
    }
    Ok(commit)
}

/// Deletes `branch`; false when it does not exist.
pub fn delete_branch(repo: &Path, branch: &str) -> bool {
    let Some(sha) = branch_sha(repo, branch) else {
        return false;
    };
    matches!(
        git(
            repo,
            &["update-ref", "-d", &format!("refs/heads/{branch}"), &sha]
        ),
        Ok((true, _))
    )
}
