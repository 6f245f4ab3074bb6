//! GitHub App authentication: the App signs a JSON Web Token (RS256) with its private
//! key, looks up the installation of each repository (`GET /repos/{o}/{r}/installation`,
//! kept) and mints an installation token per installation (`POST
//! /app/installations/{id}/access_tokens`, kept and renewed before it expires, as the
//! core's [`sluice_core::flow::github_app`] decides). API calls and git pushes
//! (`x-access-token`) to a repository use its installation's token. Tokens and the key
//! never appear in messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use jiff::Timestamp;
use octocrab::Octocrab;
use ring::signature::RSA_PKCS1_SHA256;
use serde_json::Value;
use sluice_core::flow::github::{self as rules, GitHubRepository};
use sluice_core::flow::github_app::{self as renew, Renewal};

use super::api::{Answer, failure};
use super::app_key::AppKey;
use crate::forge::ForgeError;
use crate::git::Secret;
use crate::secret_source::{RepositoryTokens, SecretSource};

/// An App that cannot be configured: its key is unusable.
#[derive(Debug, thiserror::Error)]
pub enum GitHubAppError {
    /// The private key is not an RSA key in PEM (PKCS#1 or PKCS#8).
    #[error("the GitHub App private key from {origin} is unusable: {reason}")]
    Key {
        /// Where the key came from.
        origin: String,
        /// Why it was refused.
        reason: String,
    },
}

/// A credential and when it was issued and expires.
type Kept = (Secret, Timestamp, Timestamp);

#[derive(Default)]
struct Memory {
    jwt: Option<Kept>,
    /// Installation by `owner/name` (lower case).
    repositories: HashMap<String, u64>,
    /// Installation by owner (lower case), from the App's installations.
    owners: HashMap<String, u64>,
    tokens: HashMap<u64, Kept>,
}

/// A GitHub App of one API, with its installations and their tokens.
pub struct GitHubApp {
    origin: String,
    app_id: u64,
    key: AppKey,
    uri: http::Uri,
    memory: Mutex<Memory>,
    minting: tokio::sync::Mutex<()>,
}

fn repo_key(repo: &GitHubRepository) -> String {
    format!("{}/{}", repo.owner, repo.name).to_ascii_lowercase()
}

impl GitHubApp {
    /// The App `app_id` of the API at `api_url`, signing with the RSA private key in
    /// `pem` (as GitHub gives it to download) read from `origin`.
    pub fn new(
        app_id: u64,
        pem: &Secret,
        origin: &str,
        api_url: &str,
    ) -> Result<GitHubApp, GitHubAppError> {
        GitHubApp::with_key(app_id, AppKey::new(pem, origin)?, api_url)
    }

    /// As [`GitHubApp::new`], with the key from `source` (a Kubernetes Secret, a file):
    /// a rotated key is used for the next JSON Web Token; a rotated value that is not a
    /// usable key leaves the last one in use (and says so, without the value).
    pub fn from_source(
        app_id: u64,
        source: SecretSource,
        api_url: &str,
    ) -> Result<GitHubApp, GitHubAppError> {
        GitHubApp::with_key(app_id, AppKey::following(source)?, api_url)
    }

    fn with_key(app_id: u64, key: AppKey, api_url: &str) -> Result<GitHubApp, GitHubAppError> {
        let uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|e: http::uri::InvalidUri| GitHubAppError::Key {
                origin: key.origin().to_string(),
                reason: format!("API URL: {e}"),
            })?;
        Ok(GitHubApp {
            origin: format!("GitHub App {app_id}"),
            app_id,
            key,
            uri,
            memory: Mutex::default(),
            minting: tokio::sync::Mutex::new(()),
        })
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The App's JSON Web Token, signed anew when the kept one is near its expiry.
    fn jwt(&self, repository: &str) -> Result<Secret, ForgeError> {
        let now = Timestamp::now();
        let mut memory = self.memory();
        if let Some((jwt, issued, expires)) = &memory.jwt
            && renew::renewal(Some((*issued, *expires)), now) == Renewal::Use
        {
            return Ok(jwt.clone());
        }
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(renew::jwt_claims(self.app_id, now).to_string());
        let signed = format!("{header}.{claims}");
        let key = self.key.current();
        let mut signature = vec![0; key.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        key.sign(&RSA_PKCS1_SHA256, &rng, signed.as_bytes(), &mut signature)
            .map_err(|_| {
                ForgeError::rejected(repository, "signing the GitHub App's JSON Web Token failed")
            })?;
        let jwt = Secret::new(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)));
        memory.jwt = Some((jwt.clone(), now, renew::jwt_expiry(now)));
        Ok(jwt)
    }

    /// Calls `method path` as the App (with its JSON Web Token); any success answer.
    async fn call_as_app(
        &self,
        method: Method,
        path: &str,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let jwt = self.jwt(repository)?;
        let client = Octocrab::builder()
            .base_uri(self.uri.clone())
            .and_then(|b| {
                b.personal_token(jwt.expose().to_string())
                    .set_connect_timeout(Some(Duration::from_secs(10)))
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .build()
            })
            .map_err(|e| ForgeError::rejected(repository, jwt.scrub(&e.to_string())))?;
        let sent = match method {
            Method::POST => client._post(path, None::<&()>).await,
            _ => client._get(path).await,
        };
        let transport = |e: octocrab::Error| {
            ForgeError::unavailable(
                repository,
                jwt.scrub(&format!("{what}: GitHub unreachable: {e}")),
            )
        };
        let response = sent.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = client.body_to_string(response).await.map_err(transport)?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let answer = Answer {
            status,
            headers,
            body,
        };
        if status.is_success() {
            Ok(answer)
        } else {
            Err(failure(&answer, repository, what, Timestamp::now()).scrubbed(&jwt))
        }
    }

    /// The installation the App has on `repo`, looked up once.
    async fn installation(
        &self,
        repository: &str,
        repo: &GitHubRepository,
    ) -> Result<u64, ForgeError> {
        let key = repo_key(repo);
        if let Some(id) = self.memory().repositories.get(&key) {
            return Ok(*id);
        }
        let path = format!("/repos/{}/{}/installation", repo.owner, repo.name);
        let what = format!(
            "the GitHub App installation on {}/{}",
            repo.owner, repo.name
        );
        let answer = self
            .call_as_app(Method::GET, &path, repository, &what)
            .await?;
        let id = answer
            .body
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                ForgeError::unavailable(repository, format!("{what}: GitHub answered no id"))
            })?;
        let mut memory = self.memory();
        memory.repositories.insert(key, id);
        memory.owners.insert(repo.owner.to_ascii_lowercase(), id);
        Ok(id)
    }

    /// The token of installation `id`, minted when none is kept or the kept one is
    /// within its renewal margin.
    async fn installation_token(&self, repository: &str, id: u64) -> Result<Secret, ForgeError> {
        let kept = |app: &GitHubApp| {
            let memory = app.memory();
            let kept = memory.tokens.get(&id)?;
            let when = Some((kept.1, kept.2));
            (renew::renewal(when, Timestamp::now()) == Renewal::Use).then(|| kept.0.clone())
        };
        if let Some(token) = kept(self) {
            return Ok(token);
        }
        let _minting = self.minting.lock().await;
        if let Some(token) = kept(self) {
            return Ok(token);
        }
        let now = Timestamp::now();
        let what = format!("a token for GitHub App installation {id}");
        let path = format!("/app/installations/{id}/access_tokens");
        let answer = self
            .call_as_app(Method::POST, &path, repository, &what)
            .await?;
        let token = answer.body.get("token").and_then(Value::as_str);
        let expires = answer
            .body
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok());
        let (Some(token), Some(expires)) = (token, expires) else {
            return Err(ForgeError::unavailable(
                repository,
                format!("{what}: GitHub answered no token or expiry"),
            ));
        };
        let token = Secret::new(token);
        self.memory()
            .tokens
            .insert(id, (token.clone(), now, expires));
        Ok(token)
    }

    /// The installation of `repository` and its token, valid beyond the renewal margin.
    pub async fn token_for(&self, repository: &str) -> Result<(u64, Secret), ForgeError> {
        let repo = rules::repository(repository)
            .map_err(|e| ForgeError::rejected(repository, e.to_string()))?;
        let id = self.installation(repository, &repo).await?;
        Ok((id, self.installation_token(repository, id).await?))
    }

    /// Drops installation `id`'s token if it is still `token` (GitHub refused it).
    pub fn forget(&self, id: u64, token: &Secret) {
        let mut memory = self.memory();
        if memory.tokens.get(&id).is_some_and(|kept| &kept.0 == token) {
            memory.tokens.remove(&id);
        }
    }

    /// Every token kept now (to scrub messages with).
    pub fn kept_tokens(&self) -> Vec<Secret> {
        self.memory().tokens.values().map(|k| k.0.clone()).collect()
    }

    /// Looks up the App's installations (their accounts) and mints a token for each, so
    /// that git reaches their repositories from the first operation.
    pub async fn warm(&self) -> Result<(), ForgeError> {
        let what = "the GitHub App's installations";
        let answer = self
            .call_as_app(Method::GET, "/app/installations?per_page=100", "", what)
            .await?;
        let installations: Vec<(u64, String)> = answer
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| {
                let id = i.get("id").and_then(Value::as_u64)?;
                let login = i.pointer("/account/login").and_then(Value::as_str)?;
                Some((id, login.to_ascii_lowercase()))
            })
            .collect();
        for (id, owner) in installations {
            self.memory().owners.insert(owner, id);
            self.installation_token("", id).await?;
        }
        Ok(())
    }

    /// The token git uses for repository `url` now, without waiting: the kept one while
    /// it has not expired. When it is due for renewal (or unknown), a renewal starts in
    /// the background for the next operation.
    pub fn git_token(self: &Arc<Self>, url: &str) -> Option<Secret> {
        let repo = rules::repository(url).ok()?;
        let now = Timestamp::now();
        let kept = {
            let memory = self.memory();
            let id = memory
                .repositories
                .get(&repo_key(&repo))
                .or_else(|| memory.owners.get(&repo.owner.to_ascii_lowercase()));
            id.and_then(|id| memory.tokens.get(id)).cloned()
        };
        let due = renew::renewal(kept.as_ref().map(|k| (k.1, k.2)), now) == Renewal::Renew;
        if due && let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (app, url) = (self.clone(), url.to_string());
            runtime.spawn(async move {
                if let Err(error) = app.token_for(&url).await {
                    tracing::warn!(repository = %url, %error, "could not renew a GitHub App installation token");
                }
            });
        }
        kept.filter(|k| k.2 > now).map(|k| k.0)
    }
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GitHubApp({})", self.app_id)
    }
}

/// What git pushes to a GitHub App's repositories authenticate with: each repository's
/// installation token ([`GitHubApp::git_token`]).
#[derive(Debug, Clone)]
pub struct AppGitTokens(pub Arc<GitHubApp>);

impl RepositoryTokens for AppGitTokens {
    fn token_for(&self, url: &str) -> Option<Secret> {
        self.0.git_token(url)
    }

    fn origin(&self) -> &str {
        &self.0.origin
    }
}
