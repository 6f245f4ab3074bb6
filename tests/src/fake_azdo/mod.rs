//! A stateful fake Azure DevOps: the REST endpoints (API version 7.1) sluice uses, with
//! Azure DevOps's semantics, and the git repositories at the same URLs, served by axum
//! on `127.0.0.1:0`.
//!
//! Layout: the bare repository `ROOT/ORG/PROJECT/_git/REPO` is served at
//! `http://ADDR/ORG/PROJECT/_git/REPO` (the repository URL sluice is configured with,
//! `ADDR` being an `--azure-devops-host`): git requests go through to a smart-HTTP
//! [`GitHttpServer`] on the same root, the API answers at
//! `http://ADDR/ORG/PROJECT/_apis/...`. Completions are written into the bare
//! repository with git plumbing, so what the fake merges is what a clone sees.
//!
//! Beyond the endpoints ([`pulls`], [`conversation`]), [`gate`] stands in front of every
//! call, git included: a known personal access token is required as the Basic password
//! (401 without one); faults are injected on demand ([`Fault`]); every call is logged
//! ([`Call`]). Changes to pull requests (through the API, or by a person or a CI through
//! [`Shared`]) are delivered as service hooks ([`hooks`]) when a URL is configured.

/// The value of a `Result<_, Response>`, or returns the response.
macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(refused) => return *refused,
        }
    };
}

pub mod conversation;
pub mod gate;
pub mod hooks;
pub mod projects;
pub mod pulls;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub use crate::faults::{Call, Calls, Fault, Faults};
use crate::git_server::GitHttpServer;
use crate::served::{Served, listener_and_runtime};
pub use state::{Evaluation, PullRequest, RepoRef, State, Status};

/// What the handlers share.
pub struct Shared {
    root: PathBuf,
    /// The fake's base URL (`http://ADDR`).
    pub base_url: String,
    git_url: String,
    state: Mutex<State>,
    /// Faults to answer the next matching requests with.
    pub faults: Faults,
    /// Every request so far.
    pub calls: Arc<Calls>,
    hooks: Mutex<Option<hooks::Target>>,
    runtime: tokio::runtime::Handle,
}

impl Shared {
    /// The state, locked.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bare repository of `repo`, if it is served.
    pub fn repo_dir(&self, repo: &RepoRef) -> Option<PathBuf> {
        let safe = |s: &str| !s.is_empty() && !s.starts_with('.') && !s.contains(['/', '\\']);
        if ![&repo.org, &repo.project, &repo.name]
            .iter()
            .all(|s| safe(s))
        {
            return None;
        }
        let dir = self
            .root
            .join(&repo.org)
            .join(&repo.project)
            .join("_git")
            .join(&repo.name);
        dir.is_dir().then_some(dir)
    }

    /// Sends a service hook of `event_type` about `pull` (its JSON as the resource).
    pub fn deliver(&self, event_type: &str, pull: &PullRequest) {
        let resource = pull.to_json(&self.base_url);
        let resource = if event_type == "ms.vss-code.git-pullrequest-comment-event" {
            json!({"comment": {"content": "(comment)"}, "pullRequest": resource})
        } else {
            resource
        };
        let target = self.hooks.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(target) = target {
            let event_type = event_type.to_string();
            self.runtime
                .spawn(async move { target.send(&event_type, resource).await });
        }
    }

    /// Changes pull request `id` as a person or a CI would, then delivers
    /// `git.pullrequest.updated`.
    pub fn update(&self, id: u64, change: impl FnOnce(&mut PullRequest)) {
        let pull = {
            let mut state = self.state();
            let Some(pull) = state.pulls.get_mut(&id) else {
                return;
            };
            change(pull);
            pull.clone()
        };
        self.deliver("git.pullrequest.updated", &pull);
    }

    /// Sets policy `name` of pull request `id` to `status` (adding it if new).
    pub fn set_policy(&self, id: u64, name: &str, status: &str, blocking: bool) {
        self.update(id, |pull| {
            pull.evaluations.retain(|e| e.name != name);
            pull.evaluations.push(Evaluation {
                name: name.into(),
                status: status.into(),
                blocking,
            });
        });
    }

    /// Sets `reviewer`'s vote on pull request `id`.
    pub fn vote(&self, id: u64, reviewer: &str, vote: i64) {
        self.update(id, |pull| {
            pull.reviewers.retain(|(who, _)| who != reviewer);
            pull.reviewers.push((reviewer.into(), vote));
        });
    }

    /// Pull request `id`, if it exists.
    pub fn pull(&self, id: u64) -> Option<PullRequest> {
        self.state().pulls.get(&id).cloned()
    }

    /// Every pull request.
    pub fn pulls(&self) -> Vec<PullRequest> {
        self.state().pulls.values().cloned().collect()
    }
}

/// An answer that ends a handler early (boxed: answers are large).
pub type Refused = Box<Response>;

/// An Azure DevOps error answer: `{"message", "typeKey"}` with `status`.
pub fn error(status: StatusCode, type_key: &str, message: &str) -> Response {
    let body = json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": format!("Microsoft.TeamFoundation.SourceControl.WebServer.{type_key}"),
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    });
    (status, axum::Json(body)).into_response()
}

/// Who a request authenticated as (the PAT's owner).
#[derive(Debug, Clone)]
pub struct Identity(pub String);

/// A running fake; stopped when dropped.
pub struct FakeAzureDevOps {
    shared: Arc<Shared>,
    served: Served,
    _git: GitHttpServer,
}

impl FakeAzureDevOps {
    /// Serves the API and the bare repositories `root/ORG/PROJECT/_git/REPO`.
    pub fn start(root: &Path) -> std::io::Result<FakeAzureDevOps> {
        let git = GitHttpServer::start(root, None)?;
        let (listener, runtime) = listener_and_runtime()?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            base_url: format!("http://{addr}"),
            git_url: format!("http://{}", git.addr()),
            state: Mutex::default(),
            faults: Faults::default(),
            calls: Arc::default(),
            hooks: Mutex::default(),
            runtime: runtime.handle().clone(),
        });
        let api = pulls::routes()
            .merge(conversation::routes())
            .merge(projects::routes());
        let gated = api
            .fallback(gate::git)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                gate::gate,
            ));
        let app = Calls::logging(gated, &shared.calls).with_state(shared.clone());
        Ok(FakeAzureDevOps {
            shared,
            served: Served::start(listener, runtime, app)?,
            _git: git,
        })
    }

    /// The demo repositories under `root` (see [`crate::demo::repos`]), `sdk` served as
    /// `contoso/Sdk/_git/sdk` by a fake that accepts `pat`.
    pub fn serving_demo_sdk(root: &Path, pat: &str) -> FakeAzureDevOps {
        crate::demo::repos::create_repositories(root);
        let served = root.join("azdo");
        let sdk = FakeAzureDevOps::repo_path(&served, "contoso", "Sdk", "sdk");
        let project = served.join("contoso/Sdk/_git");
        std::fs::create_dir_all(&project).expect("create the served root");
        std::os::unix::fs::symlink(root.join("remotes/sdk.git"), &sdk).expect("link sdk");
        let fake = FakeAzureDevOps::start(&served).expect("fake Azure DevOps");
        fake.add_pat(pat, "sluice@contoso.com");
        fake
    }

    /// The demo's `sdk` on a fake from [`FakeAzureDevOps::serving_demo_sdk`].
    pub fn demo_sdk_url(&self) -> String {
        self.repo_url("contoso", "Sdk", "sdk")
    }

    /// The first active pull request's id, if any.
    pub fn active_pull(&self) -> Option<u64> {
        let pulls = self.shared.pulls();
        pulls.iter().find(|p| p.status == "active").map(|p| p.id)
    }

    /// `ADDR` (`127.0.0.1:PORT`), the host to claim with `--azure-devops-host`.
    pub fn host(&self) -> String {
        self.served.addr().to_string()
    }

    /// The URL of a repository (`http://ADDR/ORG/PROJECT/_git/REPO`).
    pub fn repo_url(&self, org: &str, project: &str, name: &str) -> String {
        format!("{}/{org}/{project}/_git/{name}", self.shared.base_url)
    }

    /// The directory the bare repository of that URL must be created in.
    pub fn repo_path(root: &Path, org: &str, project: &str, name: &str) -> PathBuf {
        root.join(org).join(project).join("_git").join(name)
    }

    /// Accepts `pat` as `identity`'s personal access token.
    pub fn add_pat(&self, pat: &str, identity: &str) {
        self.shared
            .state()
            .pats
            .insert(pat.to_string(), identity.to_string());
    }

    /// Delivers service hooks to `url` with `user:password` Basic authentication.
    pub fn deliver_hooks_to(&self, url: &str, user: &str, password: &str) {
        *self.shared.hooks.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(hooks::Target::new(url, user, password));
    }

    /// The state, for scenarios that act as a person or a CI and for assertions.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}
