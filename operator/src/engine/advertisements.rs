//! One ref advertisement per repository, shared: every key on a repository's branches
//! within a short window reads the same listing, concurrent readers wait for one request,
//! and sluice's own pushes update the listing instead of invalidating it. Staleness is
//! safe: every write is a compare-and-swap, and a conflict drops the listing. Every
//! listing read from a remote is also sent to whoever watches (the engine, which rebuilds
//! pull requests whose target moved).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::git::{HeadError, ObjectId, RemoteRepo};

/// Branch name to commit.
pub type Heads = Arc<BTreeMap<String, ObjectId>>;

/// A ref advertisement just read from a remote.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The repository URL, as the engine names it.
    pub repository: String,
    /// Its branches.
    pub heads: Heads,
}

/// Recent ref advertisements by repository.
pub struct Advertisements {
    ttl: Duration,
    listings: tokio::sync::mpsc::UnboundedSender<Listing>,
    entries: Mutex<HashMap<String, (Instant, Heads)>>,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Advertisements {
    /// Listings are reused for `ttl`; each one read from a remote is sent to `listings`.
    pub fn new(ttl: Duration, listings: tokio::sync::mpsc::UnboundedSender<Listing>) -> Self {
        Advertisements {
            ttl,
            listings,
            entries: Mutex::default(),
            inflight: Mutex::default(),
        }
    }

    fn fresh(&self, repository: &str) -> Option<Heads> {
        let entries = self.entries.lock().ok()?;
        let (at, heads) = entries.get(repository)?;
        (at.elapsed() < self.ttl).then(|| heads.clone())
    }

    /// The branches of `repository` (read through `repo`), from a listing at most `ttl` old.
    pub async fn heads(&self, repository: &str, repo: &RemoteRepo) -> Result<Heads, HeadError> {
        if let Some(heads) = self.fresh(repository) {
            return Ok(heads);
        }
        let gate = {
            let mut inflight = self.inflight.lock().map_err(|_| poisoned(repo))?;
            inflight.entry(repository.to_string()).or_default().clone()
        };
        let _turn = gate.lock().await;
        // Whoever held the gate before may have just read it.
        if let Some(heads) = self.fresh(repository) {
            return Ok(heads);
        }
        let heads: Heads = Arc::new(repo.heads().await?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(repository.to_string(), (Instant::now(), heads.clone()));
        }
        // Nobody watching (an engine not spawned) is fine.
        let _ = self.listings.send(Listing {
            repository: repository.to_string(),
            heads: heads.clone(),
        });
        Ok(heads)
    }

    /// Records that sluice moved `branch` to `commit` (`None`: deleted).
    pub fn note(&self, repository: &str, branch: &str, commit: Option<ObjectId>) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some((_, heads)) = entries.get_mut(repository)
        {
            let mut updated = (**heads).clone();
            match commit {
                Some(commit) => updated.insert(branch.to_string(), commit),
                None => updated.remove(branch),
            };
            *heads = Arc::new(updated);
        }
    }

    /// Drops the listing of a repository.
    pub fn forget(&self, repository: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(repository);
        }
    }
}

fn poisoned(repo: &RemoteRepo) -> HeadError {
    HeadError::Remote {
        remote: repo.remote().url.clone(),
        branch: "*".to_string(),
        message: "advertisement cache lock poisoned".to_string(),
    }
}
