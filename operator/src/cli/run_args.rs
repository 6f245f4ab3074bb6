//! The options `sluice serve` and `sluice controller` share: the data directory, the HTTP
//! API and its tokens, the engine's pacing, git and the author of update commits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::azure_devops::AzureDevOpsArgs;
use super::github::GitHubArgs;
use crate::secret_source::SecretSource;

/// Options shared by the commands that run the engine.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Directory for the database and the git caches (created if missing).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Address the HTTP API listens on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Base URL of pull request links (default: http://LISTEN, or http://localhost:PORT when
    /// listening on all interfaces).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Concurrent reconcile cycles.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Seconds between looks at an open pull request (doubling with its age in hours).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub pull_request_interval: u64,
    /// Seconds between checks of scheduled subscriptions.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub schedule_tick: u64,
    /// UTC hour at which EveryDay, EveryWeek (Mondays), EveryTwoWeeks (1st and 14th) and
    /// EveryMonth (1st) subscriptions fire.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..24), value_name = "HOUR")]
    pub schedule_hour: u32,
    /// UTC hours at which TwiceDaily subscriptions fire.
    #[arg(long, default_value = "5,19", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(0..24), value_name = "HOUR,HOUR")]
    pub twice_daily_hours: Vec<u32>,
    /// Seconds a git ref listing or push may take; a remote that takes longer fails the
    /// cycle, which is retried with backoff.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub git_timeout: u64,
    /// Seconds a git fetch may take (the first, shallow fetch of a large repository is the
    /// slow one).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub git_fetch_timeout: u64,
    /// Seconds a git operation may receive nothing before it fails.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub git_stall_timeout: u64,
    /// Environment variable holding an HTTPS token for git remotes.
    #[arg(long, value_name = "VAR", conflicts_with = "git_token_file")]
    pub git_token_env: Option<String>,
    /// File holding an HTTPS token for git remotes; re-read when it changes (a mounted
    /// Kubernetes Secret rotates in place).
    #[arg(long, value_name = "FILE")]
    pub git_token_file: Option<PathBuf>,
    /// File of API tokens, one `NAME SCOPES SECRET` per line (scopes: read, publish, report,
    /// admin); repeatable. A Kubernetes Secret mounted as a file works as is.
    #[arg(long, value_name = "FILE")]
    pub api_tokens: Vec<PathBuf>,
    /// Environment variable holding API tokens in the same format (entries separated by
    /// newlines or `;`); repeatable.
    #[arg(long, value_name = "VAR")]
    pub api_tokens_env: Vec<String>,
    /// Let reads (GET) through without a token.
    #[arg(long)]
    pub open_reads: bool,
    /// Serve the API without tokens on a non-loopback address (anyone who reaches it can
    /// publish builds and merge pull requests).
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// GitHub.
    #[command(flatten)]
    pub github: GitHubArgs,
    /// Azure DevOps.
    #[command(flatten)]
    pub azure_devops: AzureDevOpsArgs,
    /// Author and committer name of update commits.
    #[arg(long, default_value = "sluice")]
    pub author_name: String,
    /// Author and committer e-mail of update commits.
    #[arg(long, default_value = "sluice@localhost")]
    pub author_email: String,
}

/// A secret (a webhook secret, say) named `what` in messages, from the environment
/// variable `env` or else the file `file`; `None` when neither is given. An empty one
/// is refused; messages name the source, never the value.
pub fn read_secret(
    what: &str,
    env: Option<&str>,
    file: Option<&Path>,
) -> anyhow::Result<Option<SecretSource>> {
    let source = match (env, file) {
        (Some(var), _) => SecretSource::from_env(var),
        (None, Some(file)) => SecretSource::from_file(file),
        (None, None) => return Ok(None),
    };
    Ok(Some(source.with_context(|| what.to_string())?))
}
