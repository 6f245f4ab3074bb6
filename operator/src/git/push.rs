//! Pushing with compare-and-swap through the `git` CLI.
//!
//! gix has no push implementation, so updates leave the cache through `git push`, run
//! with an argument vector (never a shell), `--force-with-lease=<ref>:<expected>` so the
//! remote ref moves only if it is still where the caller last saw it, credentials in the
//! child's environment only, and a stall limit plus an overall deadline.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use gix::ObjectId;

use super::error::PushError;
use super::remote::Remote;
use super::secret::Secret;

/// Where the caller believes the remote branch is; the push happens only if it still is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// The branch must not exist (create-only).
    Absent,
    /// The branch must point at this commit.
    At(ObjectId),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Absent => f.write_str("absent"),
            Expected::At(id) => write!(f, "{id}"),
        }
    }
}

/// Limits and program for one push.
#[derive(Clone, Debug)]
pub(crate) struct PushSettings<'a> {
    pub git: &'a Path,
    pub stall_timeout: Duration,
    pub operation_timeout: Duration,
}

/// Push `source` (or delete, when `None`) to `refs/heads/<branch>` on `remote` from the
/// bare repository at `git_dir`, if the branch is as `expected`.
pub(crate) async fn push(
    settings: &PushSettings<'_>,
    git_dir: &Path,
    remote: &Remote,
    source: Option<ObjectId>,
    branch: &str,
    expected: Expected,
) -> Result<(), PushError> {
    if remote.credentials.secret().is_some() && !remote.url.may_carry_credentials() {
        return Err(PushError::Failed {
            remote: remote.url.clone(),
            branch: branch.to_owned(),
            message: "refusing to send credentials in clear text over http".to_owned(),
        });
    }
    let target = format!("refs/heads/{branch}");
    let lease = match expected {
        Expected::Absent => format!("--force-with-lease={target}:"),
        Expected::At(id) => format!("--force-with-lease={target}:{id}"),
    };
    let refspec = match source {
        Some(id) => format!("{id}:{target}"),
        None => format!(":{target}"),
    };
    let mut command = tokio::process::Command::new(settings.git);
    command
        .arg("--git-dir")
        .arg(git_dir)
        .args(["push", "--porcelain", "--no-verify", &lease, "--"])
        .arg(remote.url.as_str())
        .arg(&refspec)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    configure_environment(&mut command, remote, settings.stall_timeout);

    let operation = if source.is_some() { "push" } else { "delete" };
    tracing::debug!(remote = %remote.url, branch, %expected, operation, "git push");
    let child = command.spawn().map_err(|source| PushError::Spawn {
        remote: remote.url.clone(),
        program: settings.git.to_owned(),
        source,
    })?;
    let output =
        match tokio::time::timeout(settings.operation_timeout, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(source)) => {
                return Err(PushError::Spawn {
                    remote: remote.url.clone(),
                    program: settings.git.to_owned(),
                    source,
                });
            }
            Err(_) => {
                return Err(PushError::Timeout {
                    remote: remote.url.clone(),
                    branch: branch.to_owned(),
                    after: settings.operation_timeout,
                });
            }
        };
    let stdout = remote
        .credentials
        .scrub(&String::from_utf8_lossy(&output.stdout));
    let stderr = remote
        .credentials
        .scrub(&String::from_utf8_lossy(&output.stderr));
    if let Some(status) = ref_status(&stdout, &target) {
        if status.flag == '!' {
            return Err(if status.summary.starts_with("[remote rejected]") {
                PushError::Rejected {
                    remote: remote.url.clone(),
                    branch: branch.to_owned(),
                    reason: status.summary,
                }
            } else if status.summary.starts_with("[rejected]") {
                PushError::Conflict {
                    remote: remote.url.clone(),
                    branch: branch.to_owned(),
                    expected: expected.to_string(),
                }
            } else {
                PushError::Rejected {
                    remote: remote.url.clone(),
                    branch: branch.to_owned(),
                    reason: status.summary,
                }
            });
        }
        if output.status.success() {
            tracing::debug!(remote = %remote.url, branch, operation, summary = %status.summary, "git push done");
            return Ok(());
        }
    }
    if output.status.success() {
        return Ok(());
    }
    if super::error::is_authentication_failure(&stderr) {
        return Err(PushError::Authentication {
            remote: remote.url.clone(),
            branch: branch.to_owned(),
            op: "push to",
        });
    }
    let message = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Err(PushError::Failed {
        remote: remote.url.clone(),
        branch: branch.to_owned(),
        message: if message.is_empty() {
            format!("git push exited with {}", output.status)
        } else {
            message
        },
    })
}

/// Environment for the `git` child: no prompts, no user credential helpers, stall
/// limits, and the credentials as configuration entries (`GIT_CONFIG_COUNT`), which
/// keeps them out of argv and out of every URL.
pub(crate) fn configure_environment(
    command: &mut tokio::process::Command,
    remote: &Remote,
    stall: Duration,
) {
    let mut entries: Vec<(String, Secret)> = vec![
        ("core.askPass".to_owned(), Secret::new(String::new())),
        ("http.lowSpeedLimit".to_owned(), Secret::new("1")),
        (
            "http.lowSpeedTime".to_owned(),
            Secret::new(stall.as_secs().max(1).to_string()),
        ),
    ];
    entries.extend(remote.credentials.git_config());
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .env("GIT_CONFIG_COUNT", entries.len().to_string());
    if let Some(ssh) = remote.credentials.ssh_command() {
        command.env("GIT_SSH_COMMAND", ssh);
    }
    for (index, (key, value)) in entries.iter().enumerate() {
        command
            .env(format!("GIT_CONFIG_KEY_{index}"), key)
            .env(format!("GIT_CONFIG_VALUE_{index}"), value.expose());
    }
}

/// One line of `git push --porcelain` output about a ref.
#[derive(Debug, PartialEq, Eq)]
struct RefStatus {
    flag: char,
    summary: String,
}

fn ref_status(stdout: &str, target: &str) -> Option<RefStatus> {
    stdout.lines().find_map(|line| {
        let mut fields = line.splitn(3, '\t');
        let flag = fields.next()?.chars().next()?;
        let refs = fields.next()?;
        let summary = fields.next().unwrap_or_default();
        (refs.rsplit(':').next() == Some(target)).then(|| RefStatus {
            flag,
            summary: summary.trim().to_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_porcelain_output() {
        let out =
            "To http://127.0.0.1/x.git\n!\t1234:refs/heads/main\t[rejected] (stale info)\nDone\n";
        let status = ref_status(out, "refs/heads/main").unwrap();
        assert_eq!(status.flag, '!');
        assert_eq!(status.summary, "[rejected] (stale info)");
        let out = "To x\n*\t1234:refs/heads/new\t[new branch]\nDone\n";
        assert_eq!(ref_status(out, "refs/heads/new").unwrap().flag, '*');
        assert!(ref_status(out, "refs/heads/other").is_none());
        let out = "To x\n-\t:refs/heads/gone\t[deleted]\nDone\n";
        assert_eq!(ref_status(out, "refs/heads/gone").unwrap().flag, '-');
    }
}
