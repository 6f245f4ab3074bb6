//! A scriptable forge that injects the failures hosted forges answer with (a 429 with
//! `Retry-After`, a 5xx, a refusal, a head that moved) in front of a real forge, and
//! records every call with its time.
//!
//! A scripted fault answers the call instead of the forge behind it, which sees nothing
//! (as a rate-limited request never reaches the service). Everything else reaches the
//! forge behind it, whose state (pull requests, branches, merges) is real, so the engine
//! runs in-process against the same semantics it meets in production.

pub mod harness;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sluice::forge::{Forge, ForgeError, ForgePullRequest, NewPullRequest};
use sluice_core::flow::{Check, Review};

/// A forge operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `find_pull_request`.
    Find,
    /// `pull_request`.
    Get,
    /// `create_pull_request`.
    Create,
    /// `update_pull_request`.
    Update,
    /// `merge_pull_request`.
    Merge,
    /// `close_pull_request`.
    Close,
    /// `comment`.
    Comment,
    /// `checks`.
    Checks,
    /// `reviews`.
    Reviews,
}

/// A failure to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After`.
    RateLimited(Duration),
    /// HTTP 502/503 without `Retry-After`.
    Unavailable,
    /// HTTP 403/422: refused for good, with the forge's message.
    Rejected(String),
    /// HTTP 409: the head moved.
    Conflict,
}

impl Fault {
    fn error(&self, repository: &str, op: Op) -> ForgeError {
        let repository = repository.to_string();
        match self {
            Fault::RateLimited(wait) => ForgeError::Unavailable {
                repository,
                message: format!("{op:?}: API rate limit exceeded (HTTP 429)"),
                retry_after: Some(*wait),
            },
            Fault::Unavailable => ForgeError::Unavailable {
                repository,
                message: format!("{op:?}: service unavailable (HTTP 503)"),
                retry_after: None,
            },
            Fault::Rejected(message) => ForgeError::Rejected {
                repository,
                message: message.clone(),
            },
            Fault::Conflict => ForgeError::Conflict {
                repository,
                pull_request: None,
                message: format!("{op:?}: head branch was modified (HTTP 409)"),
            },
        }
    }
}

#[derive(Default)]
struct Script {
    /// Faults answered once each, in order, per operation.
    next: HashMap<Op, VecDeque<Fault>>,
    /// A fault answered every time, until cleared.
    always: HashMap<Op, Fault>,
}

/// A forge answering scripted faults in front of `inner`.
pub struct ScriptedForge {
    inner: Arc<dyn Forge>,
    script: Mutex<Script>,
    calls: Mutex<Vec<(Op, Instant)>>,
    hooks: Mutex<HashMap<Op, Hook>>,
}

/// What runs when an operation is called, before the forge behind answers it.
type Hook = Arc<dyn Fn() + Send + Sync>;

impl ScriptedForge {
    /// A forge passing every call to `inner` until scripted otherwise.
    pub fn new(inner: Arc<dyn Forge>) -> Arc<Self> {
        Arc::new(ScriptedForge {
            inner,
            script: Mutex::default(),
            calls: Mutex::default(),
            hooks: Mutex::default(),
        })
    }

    /// Answers the next call of `op` with `fault` (after any already scripted).
    pub fn fail_next(&self, op: Op, fault: Fault) {
        let mut script = self.script.lock().unwrap();
        script.next.entry(op).or_default().push_back(fault);
    }

    /// Answers every call of `op` with `fault` until [`ScriptedForge::heal`].
    pub fn fail_always(&self, op: Op, fault: Fault) {
        self.script.lock().unwrap().always.insert(op, fault);
    }

    /// Stops answering `op` with a fault.
    pub fn heal(&self, op: Op) {
        let mut script = self.script.lock().unwrap();
        script.always.remove(&op);
        script.next.remove(&op);
    }

    /// When each call of `op` came, oldest first (faulted or not).
    pub fn calls(&self, op: Op) -> Vec<Instant> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(o, _)| *o == op)
            .map(|(_, at)| *at)
            .collect()
    }

    /// Runs `hook` at every call of `op`, before the forge behind answers it (something
    /// that happens meanwhile, such as a replica losing its lease).
    pub fn on_call(&self, op: Op, hook: impl Fn() + Send + Sync + 'static) {
        self.hooks.lock().unwrap().insert(op, Arc::new(hook));
    }

    /// Records the call and answers its scripted fault, if any.
    fn enter(&self, op: Op, repository: &str) -> Result<(), ForgeError> {
        self.calls.lock().unwrap().push((op, Instant::now()));
        let hook = self.hooks.lock().unwrap().get(&op).cloned();
        if let Some(hook) = hook {
            hook();
        }
        let mut script = self.script.lock().unwrap();
        let fault = match script.next.get_mut(&op).and_then(VecDeque::pop_front) {
            Some(fault) => Some(fault),
            None => script.always.get(&op).cloned(),
        };
        match fault {
            Some(fault) => Err(fault.error(repository, op)),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Forge for ScriptedForge {
    async fn find_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        self.enter(Op::Find, repository)?;
        self.inner.find_pull_request(repository, head_branch).await
    }

    async fn pull_request(
        &self,
        repository: &str,
        id: &str,
    ) -> Result<ForgePullRequest, ForgeError> {
        self.enter(Op::Get, repository)?;
        self.inner.pull_request(repository, id).await
    }

    async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError> {
        self.enter(Op::Create, &new.repository)?;
        self.inner.create_pull_request(new).await
    }

    async fn update_pull_request(
        &self,
        repository: &str,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        self.enter(Op::Update, repository)?;
        self.inner
            .update_pull_request(repository, id, title, description)
            .await
    }

    async fn merge_pull_request(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError> {
        self.enter(Op::Merge, repository)?;
        self.inner
            .merge_pull_request(repository, id, head_commit)
            .await
    }

    async fn close_pull_request(&self, repository: &str, id: &str) -> Result<(), ForgeError> {
        self.enter(Op::Close, repository)?;
        self.inner.close_pull_request(repository, id).await
    }

    async fn comment(&self, repository: &str, id: &str, body: &str) -> Result<(), ForgeError> {
        self.enter(Op::Comment, repository)?;
        self.inner.comment(repository, id, body).await
    }

    async fn checks(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Vec<Check>, ForgeError> {
        self.enter(Op::Checks, repository)?;
        self.inner.checks(repository, id, head_commit).await
    }

    async fn reviews(&self, repository: &str, id: &str) -> Result<Vec<Review>, ForgeError> {
        self.enter(Op::Reviews, repository)?;
        self.inner.reviews(repository, id).await
    }
}
