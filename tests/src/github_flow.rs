//! The demo flow with its target on the fake GitHub: the demo repositories are served
//! by the smart-HTTP git server as `OWNER/NAME.git` (requiring the token), the fake
//! GitHub answers the API for them, and an in-process engine runs the production
//! [`GitHubForge`] against the fake's base URL with the same token for API calls and
//! git pushes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use ring::signature::RsaKeyPair;
use serde_json::Value;
use sluice::engine::EngineConfig;
use sluice::forge::github::{AppGitTokens, GitHubApp, GitHubAuth, GitHubForge};
use sluice::git::{Credentials, Secret};
use sluice::remotes::Remotes;
use sluice::secret_source::CredentialSource;

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

/// The id of sluice's GitHub App on the fake.
pub const APP_ID: u64 = 4242;

/// The test App's private key (PKCS#1 PEM, as GitHub gives it; made for these tests).
pub const APP_KEY: &str = include_str!("../fixtures/github-app-key.pem");

/// [`APP_KEY`] as a secret.
pub fn app_key() -> Secret {
    Secret::new(APP_KEY)
}

/// The DER inside a PEM text.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM base64")
}

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

    /// Makes the fake know the App [`APP_ID`] (key [`APP_KEY`]) installed on [`OWNER`],
    /// minting installation tokens that live `token_lifetime`, which git accepts until
    /// they expire.
    pub fn install_app(&self, token_lifetime: Duration) {
        let public = RsaKeyPair::from_der(&pem_der(APP_KEY))
            .expect("the test App key")
            .public()
            .as_ref()
            .to_vec();
        self.github.add_app(APP_ID, &public);
        self.github.install(APP_ID, OWNER);
        self.github.set_token_lifetime(token_lifetime);
        let shared = self.github.shared().clone();
        self.git_server
            .also_accept(Arc::new(move |token| shared.token_valid(token)));
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
        GitHubFlow::start_with_config(root, |_| merge_policies.to_string())
    }

    /// As [`GitHubFlow::start`], with the merge policies (and any documents after them,
    /// such as a RepositoryPolicy) that `config` writes for the target URL it is given.
    pub fn start_with_config(root: &Path, config: impl FnOnce(&str) -> String) -> GitHubFlow {
        let pending_after = sluice::forge::github::DEFAULT_PENDING_REPORT_AFTER;
        GitHubFlow::start_configured(root, config, pending_after)
    }

    /// As [`GitHubFlow::start`], with sluice's report showing a pending result once a
    /// head has waited `pending_after` (zero: at once).
    pub fn start_reporting(
        root: &Path,
        merge_policies: &str,
        pending_after: Duration,
    ) -> GitHubFlow {
        GitHubFlow::start_configured(root, |_| merge_policies.to_string(), pending_after)
    }

    fn start_configured(
        root: &Path,
        config: impl FnOnce(&str) -> String,
        pending_after: Duration,
    ) -> GitHubFlow {
        let servers = GitHubServers::start(root);
        let credentials = Credentials::token("x-access-token", Secret::new(SLUICE_TOKEN), "test")
            .expect("credentials");
        let auth = GitHubAuth::from(Secret::new(SLUICE_TOKEN));
        let merge_policies = config(&servers.url("sdk"));
        GitHubFlow::assemble(
            root,
            &merge_policies,
            servers,
            credentials.into(),
            (auth, pending_after),
        )
    }

    /// As [`GitHubFlow::start`], but sluice is the GitHub App [`APP_ID`] installed on
    /// [`OWNER`], whose installation tokens live `token_lifetime`: API calls and git
    /// pushes use them, and git accepts them until they expire. The App's installations
    /// are looked up first, as `sluice serve` does.
    pub async fn start_app(
        root: &Path,
        merge_policies: &str,
        token_lifetime: Duration,
    ) -> (GitHubFlow, Arc<GitHubApp>) {
        let pending_after = sluice::forge::github::DEFAULT_PENDING_REPORT_AFTER;
        GitHubFlow::start_app_reporting(root, merge_policies, token_lifetime, pending_after).await
    }

    /// As [`GitHubFlow::start_app`], with sluice's check run showing a pending result
    /// once a head has waited `pending_after` (zero: at once).
    pub async fn start_app_reporting(
        root: &Path,
        merge_policies: &str,
        token_lifetime: Duration,
        pending_after: Duration,
    ) -> (GitHubFlow, Arc<GitHubApp>) {
        let servers = GitHubServers::start(root);
        servers.install_app(token_lifetime);
        let key = app_key();
        let app = Arc::new(
            GitHubApp::new(APP_ID, &key, "the test key", &servers.github.api_url())
                .expect("the App"),
        );
        app.warm().await.expect("the App's installations");
        let credentials = CredentialSource::PerRepository {
            username: "x-access-token".into(),
            tokens: Arc::new(AppGitTokens(app.clone())),
        };
        let auth = GitHubAuth::from(app.clone());
        let flow = GitHubFlow::assemble(
            root,
            merge_policies,
            servers,
            credentials,
            (auth, pending_after),
        );
        (flow, app)
    }

    fn assemble(
        root: &Path,
        merge_policies: &str,
        servers: GitHubServers,
        credentials: CredentialSource,
        (auth, pending_after): (GitHubAuth, Duration),
    ) -> GitHubFlow {
        let GitHubServers { git_server, github } = servers;
        let target = git_server.url(&format!("{OWNER}/sdk.git"));
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
                // Labelled as `sluice serve` does by default.
                let forge = GitHubForge::new(&api_url, auth).expect("forge");
                Arc::new(
                    forge
                        .with_labels(&["dependencies".to_string()])
                        .with_pending_report_after(pending_after),
                )
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
