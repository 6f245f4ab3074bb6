//! A stateful fake GitHub: the REST endpoints sluice uses, with GitHub's semantics,
//! served by axum on `127.0.0.1:0` next to the smart-HTTP git server that serves the
//! same bare repositories.
//!
//! Layout: the git server serves `ROOT/OWNER/NAME.git` at `http://GIT/OWNER/NAME.git`
//! (the repository URL sluice is configured with); this server answers the API for
//! `OWNER/NAME` at `http://API/repos/OWNER/NAME/...` (the `--github-api-url`). Branches
//! and commits are never copied: pull request heads are read from the bare repository
//! and merges are written into it with git plumbing, so what the fake merges is what a
//! clone sees.
//!
//! Beyond the endpoints ([`pulls`], [`records`], [`conversation`]), [`gate`] stands in
//! front of every call: tokens are required (401 without a
//! known one); every answer carries `x-ratelimit-*` headers; GET answers carry an `ETag`
//! and a matching `If-None-Match` is a `304` that does not count against the limit;
//! faults are injected on demand ([`Fault`]); every call is logged with its time
//! ([`Call`]); and changes made through the API (pull requests, merges as `push` events,
//! check runs, statuses, reviews, comments) are delivered as signed webhooks
//! ([`webhooks`]) when a URL is configured. Pushes over git are not delivered.

/// The value of a `Result<_, Response>`, or returns the response.
macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(refused) => return *refused,
        }
    };
}

pub mod apps;
pub mod auto_merge;
pub mod conversation;
pub mod gate;
pub mod git;
pub mod protection;
pub mod pulls;
pub mod records;
pub mod repos;
pub mod state;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub use crate::faults::{Call, Fault, epoch};
use crate::faults::{Calls, Faults};
use crate::served::{Served, listener_and_runtime};
pub use state::State;

/// What the handlers share.
pub struct Shared {
    root: PathBuf,
    /// The API base URL.
    pub api_url: String,
    /// The web (and git) base URL pull request links start with.
    pub html_url: String,
    state: Mutex<State>,
    faults: Faults,
    calls: Arc<Calls>,
    remaining: Mutex<u64>,
    webhook: Mutex<Option<webhooks::Target>>,
    runtime: tokio::runtime::Handle,
}

impl Shared {
    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bare repository of `owner/name`, if it is served.
    pub fn repo_dir(&self, owner: &str, name: &str) -> Option<PathBuf> {
        let safe = |s: &str| !s.is_empty() && !s.starts_with('.') && !s.contains(['/', '\\']);
        if !safe(owner) || !safe(name) {
            return None;
        }
        let dir = self.root.join(owner).join(format!("{name}.git"));
        dir.is_dir().then_some(dir)
    }

    /// Whether `token` is a token (not an App's JSON Web Token) that has not expired.
    pub fn token_valid(&self, token: &str) -> bool {
        let state = self.state();
        state.tokens.contains_key(token) && apps::login(&state, token).is_some()
    }

    /// Sends a webhook delivery of `event` if a receiver is configured.
    pub fn deliver(&self, event: &str, payload: serde_json::Value) {
        let target = self
            .webhook
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(target) = target {
            let event = event.to_string();
            self.runtime
                .spawn(async move { target.send(&event, &payload).await });
        }
    }
}

/// An answer that ends a handler early (boxed: answers are large).
pub type Refused = Box<Response>;

/// A GitHub error answer: `{"message": ...}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "message": message, "documentation_url": "https://docs.github.com/rest" });
    (status, axum::Json(body)).into_response()
}

/// The login a request authenticated as.
#[derive(Debug, Clone)]
pub struct Login(pub String);

/// A running fake; stopped when dropped.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    served: Served,
}

impl FakeGitHub {
    /// Serves the API for the bare repositories `root/OWNER/NAME.git`; pull request links
    /// start with `html_url` (the git server's base URL).
    pub fn start(root: &Path, html_url: &str) -> std::io::Result<FakeGitHub> {
        let (listener, runtime) = listener_and_runtime()?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            api_url: format!("http://{addr}"),
            html_url: html_url.trim_end_matches('/').to_string(),
            state: Mutex::default(),
            faults: Faults::default(),
            calls: Arc::default(),
            remaining: Mutex::new(5000),
            webhook: Mutex::default(),
            runtime: runtime.handle().clone(),
        });
        let app = pulls::routes()
            .merge(apps::routes())
            .merge(auto_merge::routes())
            .merge(protection::routes())
            .merge(records::routes())
            .merge(repos::routes())
            .merge(conversation::routes())
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                gate::gate,
            ));
        let app = Calls::logging(app, &shared.calls).with_state(shared.clone());
        Ok(FakeGitHub {
            shared,
            served: Served::start(listener, runtime, app)?,
        })
    }

    /// The API base URL.
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// Accepts `token` as `login`.
    pub fn add_token(&self, token: &str, login: &str) {
        self.shared
            .state()
            .tokens
            .insert(token.to_string(), login.to_string());
    }

    /// Knows the GitHub App `app_id` by its public key (DER `RSAPublicKey`).
    pub fn add_app(&self, app_id: u64, public_key: &[u8]) {
        self.shared.state().apps.insert(app_id, public_key.to_vec());
    }

    /// Installs App `app_id` on `owner`'s repositories; the installation id.
    pub fn install(&self, app_id: u64, owner: &str) -> u64 {
        let mut state = self.shared.state();
        let id = state.id() + 1000;
        state.installations.insert(owner.to_string(), (id, app_id));
        id
    }

    /// Installation tokens minted from now live `lifetime`.
    pub fn set_token_lifetime(&self, lifetime: std::time::Duration) {
        self.shared.state().token_lifetime = Some(lifetime);
    }

    /// Whether `token` is known and has not expired (for the git server).
    pub fn token_valid(&self, token: &str) -> bool {
        self.shared.token_valid(token)
    }

    /// Protects `branch` of `owner/name`, requiring the checks `names` (classic branch
    /// protection).
    pub fn protect(&self, full_name: &str, branch: &str, names: &[&str]) {
        let names = names.iter().map(|n| n.to_string()).collect();
        let key = protection::key(full_name, branch);
        self.shared.state().protection.insert(key, names);
    }

    /// A ruleset on `branch` of `owner/name` requiring the checks `names`.
    pub fn require_by_ruleset(&self, full_name: &str, branch: &str, names: &[&str]) {
        let names = names.iter().map(|n| n.to_string()).collect();
        let key = protection::key(full_name, branch);
        self.shared.state().rulesets.insert(key, names);
    }

    /// Gives `login` `permission` (`admin`, `write`, `read`, ...) on every repository.
    pub fn grant(&self, login: &str, permission: &str) {
        let mut state = self.shared.state();
        state.permissions.insert(login.into(), permission.into());
    }

    /// Answers the next request (matching the fault's filter) with `fault`.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Every request so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.all()
    }

    /// Delivers events to `url`, signed with `secret`.
    pub fn deliver_webhooks_to(&self, url: &str, secret: &str) {
        *self
            .shared
            .webhook
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(webhooks::Target::new(url, secret));
    }

    /// The state, for scenarios that act as a person or a CI and for assertions.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.served.addr()
    }
}
