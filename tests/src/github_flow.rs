//! The demo flow with its target on the fake GitHub: the demo repositories are served
//! by the smart-HTTP git server as `OWNER/NAME.git` (requiring the token), the fake
//! GitHub answers the API for them, and an in-process engine runs the production
//! [`GitHubForge`] against the fake's base URL with the same token for API calls and
//! git pushes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sluice::engine::EngineConfig;
use sluice::forge::github::GitHubForge;
use sluice::git::{Credentials, Secret};
use sluice::remotes::Remotes;

use crate::demo::repos;
use crate::fake_github::FakeGitHub;
use crate::git_server::{BasicAuth, GitHttpServer};
use crate::scripted_forge::harness::InProcess;

/// The owner the demo repositories are served under.
pub const OWNER: &str = "contoso";
/// sluice's token (as `sluice-bot`).
pub const SLUICE_TOKEN: &str = "ghs_sluice0123456789abcdef";
/// A CI's token (as `ci`).
pub const CI_TOKEN: &str = "ghs_ci0123456789abcdef";
/// A person's token (as `octocat`).
pub const PERSON_TOKEN: &str = "ghp_octocat0123456789abcdef";

/// The demo repositories on the fake GitHub: served by git (requiring sluice's token)
/// as `OWNER/NAME.git`, and by the fake's API.
pub struct GitHubServers {
    /// Serves the repositories over smart HTTP.
    pub git_server: GitHttpServer,
    /// The fake GitHub.
    pub github: FakeGitHub,
}

impl GitHubServers {
    /// Creates the demo repositories under `root` and serves them; the fake knows
    /// sluice's, a CI's and a person's tokens.
    pub fn start(root: &Path) -> GitHubServers {
        repos::create_repositories(root);
        let served = root.join("github");
        std::fs::create_dir_all(&served).expect("create served root");
        std::os::unix::fs::symlink(root.join("remotes"), served.join(OWNER)).expect("link owner");
        let auth = BasicAuth {
            username: "x-access-token".into(),
            password: SLUICE_TOKEN.into(),
        };
        let git_server = GitHttpServer::start(&served, Some(auth)).expect("git server");
        let github = FakeGitHub::start(&served, &format!("http://{}", git_server.addr()))
            .expect("fake github");
        github.add_token(SLUICE_TOKEN, "sluice-bot");
        github.add_token(CI_TOKEN, "ci");
        github.add_token(PERSON_TOKEN, "octocat");
        GitHubServers { git_server, github }
    }

    /// The git URL of demo repository `name` (what a subscription targets).
    pub fn url(&self, name: &str) -> String {
        self.git_server.url(&format!("{OWNER}/{name}.git"))
    }
}

/// An in-process engine flowing runtime into `contoso/sdk` on the fake GitHub.
pub struct GitHubFlow {
    /// The engine and its GitHub forge.
    pub world: InProcess<GitHubForge>,
    /// The fake GitHub.
    pub github: FakeGitHub,
    client: reqwest::Client,
}

impl GitHubFlow {
    /// Creates the demo repositories under `root` and an engine flowing runtime into
    /// `contoso/sdk` on the fake GitHub under `merge_policies` (YAML flow list).
    pub fn start(root: &Path, merge_policies: &str) -> GitHubFlow {
        let GitHubServers { git_server, github } = GitHubServers::start(root);
        let target = git_server.url(&format!("{OWNER}/sdk.git"));
        let credentials = Credentials::token("x-access-token", Secret::new(SLUICE_TOKEN), "test")
            .expect("credentials");
        let api_url = github.api_url();
        let world = InProcess::start_with(
            root,
            merge_policies,
            git_server,
            &target,
            Remotes::with_https(credentials),
            EngineConfig {
                workers: 2,
                // Polling as the resync it is without webhooks: often, for the test.
                pull_request_interval: Duration::from_secs(1),
                schedule_tick: Duration::from_secs(1),
                ..EngineConfig::default()
            },
            |_native| {
                Arc::new(GitHubForge::new(&api_url, Secret::new(SLUICE_TOKEN)).expect("forge"))
            },
        );
        GitHubFlow {
            world,
            github,
            client: reqwest::Client::new(),
        }
    }

    /// Calls the fake's API as the holder of `token` (a CI or a person); the JSON answer.
    pub async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.github.api_url()))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("fake GitHub answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// sdk's open pull requests, as GitHub lists them.
    pub async fn open_pull_requests(&self) -> Vec<Value> {
        let (_, list) = self
            .call(
                PERSON_TOKEN,
                "GET",
                &format!("/repos/{OWNER}/sdk/pulls?state=open"),
                None,
            )
            .await;
        list.as_array().cloned().unwrap_or_default()
    }
}
