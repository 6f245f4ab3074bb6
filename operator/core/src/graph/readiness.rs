//! Release readiness: is the product coherent, and if not, what would make it so, what
//! blocks that, and how long it should take. Pure: the graph, the subscriptions' state,
//! the known builds and the link times come in; the answer goes out.
//!
//! For each incoherent repository X, the commit to align on is the one whose build is
//! the newest (highest build id) of the builds known at those commits. Every path that
//! reaches X at another commit is stale: it resolves once X's newer build flows along
//! it, hop by hop from X up to the root. Each hop is a subscription (source to target
//! by repository identity; the last hop must target the root's branch), whose state
//! says what is under way ([`HopState`]) and what blocks it ([`LinkState::blockers`]).
//! The estimate of a stale path is the sum, from its first hop not yet applied, of the
//! hops' median update times and the median build times of every target but the root;
//! the product's estimate is that of its slowest stale path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::coherency::Incoherency;
use super::product::repository_identity;
use super::timing::LinkTiming;

/// A subscription's state, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkState {
    /// Its name.
    pub subscription: String,
    /// Source repository.
    pub source: String,
    /// Target repository.
    pub target: String,
    /// Target branch.
    pub branch: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The build applied last.
    pub applied_build: Option<i64>,
    /// The build being applied or waiting to be.
    pub requested_build: Option<i64>,
    /// The open pull request, if one is open: its number and URL.
    pub open_pull_request: Option<(Option<i64>, String)>,
    /// Failing merge policies, `name: message`.
    pub failed_policies: Vec<String>,
    /// Merge policies still pending, by name.
    pub pending_policies: Vec<String>,
    /// `Stalled` with its message when the subscription is stalled.
    pub stalled: Option<String>,
    /// When a scheduled subscription fires next (RFC 3339), if scheduled.
    pub next_update: Option<String>,
}

impl LinkState {
    /// What stands in the way of this subscription moving on.
    pub fn blockers(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.enabled {
            out.push("the subscription is disabled".to_owned());
        }
        if let Some(message) = &self.stalled {
            out.push(format!("the subscription is stalled: {message}"));
        }
        for failed in &self.failed_policies {
            out.push(format!("merge policy failed: {failed}"));
        }
        for pending in &self.pending_policies {
            out.push(format!("merge policy pending: {pending}"));
        }
        if self.open_pull_request.is_none()
            && let Some(next) = &self.next_update
        {
            out.push(format!("scheduled: next update at {next}"));
        }
        out
    }
}

/// A build the registry knows, by its source commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownBuild {
    /// Store id (larger is newer).
    pub id: i64,
    /// Build number.
    pub number: String,
    /// Repository URL.
    pub repository: String,
    /// Commit built.
    pub commit: String,
}

/// Where one hop of a stale path stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum HopState {
    /// No subscription flows the source into the target: nothing sluice runs resolves it.
    NoSubscription,
    /// The build to align on is applied in the target already.
    Applied,
    /// A pull request is open (carrying the build to align on, when it is known).
    PullRequestOpen {
        /// Its number.
        number: Option<i64>,
        /// Its URL.
        url: String,
    },
    /// A build is requested and not applied yet, with no pull request open.
    BuildWaiting {
        /// The build.
        build: i64,
    },
    /// The build to align on is not requested by the subscription (not on its channel,
    /// or not triggered yet).
    NotRequested,
    /// Waits for a newer build of its source (the hop before must land and build first).
    AwaitsSource,
}

/// One hop of a stale path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HopReadiness {
    /// Source repository.
    pub source: String,
    /// Target repository.
    pub target: String,
    /// The subscription, if any.
    pub subscription: Option<String>,
    /// Where it stands.
    #[serde(flatten)]
    pub state: HopState,
    /// What blocks it.
    pub blockers: Vec<String>,
}

/// One path that reaches the repository at a commit other than the one to align on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StalePath {
    /// The commit it reaches.
    pub commit: String,
    /// Repositories from the root to the incoherent one.
    pub path: Vec<String>,
    /// The hops from the incoherent repository up to the root.
    pub hops: Vec<HopReadiness>,
    /// Estimated seconds until it is resolved (`None`: no subscription resolves it).
    pub estimate_secs: Option<i64>,
    /// Whether every figure of the estimate was known.
    pub estimate_complete: bool,
}

/// One incoherent repository and what would resolve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The repository.
    pub repository: String,
    /// The commit to align on and its build, when a build of one of the commits is known.
    pub align_on: Option<KnownBuild>,
    /// The paths at other commits (every path when no build is known).
    pub stale: Vec<StalePath>,
}

/// The answer of [`readiness`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// Whether the product is coherent.
    pub coherent: bool,
    /// One finding per incoherent repository.
    pub findings: Vec<Finding>,
    /// Estimated seconds to a coherent product: the slowest stale path (`None` when some
    /// stale path has no subscription to resolve it).
    pub estimate_secs: Option<i64>,
    /// Whether every figure of the estimate was known.
    pub estimate_complete: bool,
}

/// The subscription of one hop: source into target by identity, into `branch` when given.
fn link_for<'a>(
    links: &'a [LinkState],
    source: &str,
    target: &str,
    branch: Option<&str>,
) -> Option<&'a LinkState> {
    let (s, t) = (repository_identity(source), repository_identity(target));
    links.iter().find(|l| {
        repository_identity(&l.source) == s
            && repository_identity(&l.target) == t
            && branch.is_none_or(|b| l.branch == b)
    })
}

/// Where a hop stands: `wanted` is the build to align on, for the hop out of the
/// incoherent repository; `None` for the hops after it.
pub fn hop_state(link: &LinkState, wanted: Option<i64>) -> HopState {
    let open = link
        .open_pull_request
        .as_ref()
        .map(|(number, url)| HopState::PullRequestOpen {
            number: *number,
            url: url.clone(),
        });
    match wanted {
        Some(build) => {
            if link.applied_build.is_some_and(|a| a >= build) {
                HopState::Applied
            } else if link.requested_build.is_some_and(|r| r >= build) {
                open.unwrap_or(HopState::BuildWaiting {
                    build: link.requested_build.unwrap_or(build),
                })
            } else {
                HopState::NotRequested
            }
        }
        None => match (open, link.requested_build) {
            (Some(open), _) => open,
            (None, Some(build)) => HopState::BuildWaiting { build },
            (None, None) => HopState::AwaitsSource,
        },
    }
}

/// Readiness of a product graph's `incoherencies`, reached from a root on `branch`.
pub fn readiness(
    incoherencies: &[Incoherency],
    branch: &str,
    links: &[LinkState],
    builds: &[KnownBuild],
    timings: &[LinkTiming],
) -> Readiness {
    let timing: BTreeMap<&str, &LinkTiming> = timings
        .iter()
        .map(|t| (t.link.subscription.as_str(), t))
        .collect();
    let mut findings = Vec::new();
    for inc in incoherencies {
        let id = repository_identity(&inc.repository);
        let align_on = builds
            .iter()
            .filter(|b| repository_identity(&b.repository) == id)
            .filter(|b| {
                inc.commits
                    .iter()
                    .any(|c| c.commit.eq_ignore_ascii_case(&b.commit))
            })
            .max_by_key(|b| b.id)
            .cloned();
        let mut stale = Vec::new();
        for at in &inc.commits {
            if align_on
                .as_ref()
                .is_some_and(|b| b.commit.eq_ignore_ascii_case(&at.commit))
            {
                continue;
            }
            for path in &at.paths {
                stale.push(stale_path(
                    &at.commit,
                    path,
                    branch,
                    links,
                    align_on.as_ref().map(|b| b.id),
                    &timing,
                ));
            }
        }
        findings.push(Finding {
            repository: inc.repository.clone(),
            align_on,
            stale,
        });
    }
    let paths = || findings.iter().flat_map(|f| &f.stale);
    let estimate_secs = paths()
        .map(|p| p.estimate_secs)
        .try_fold(0i64, |max, e| e.map(|e| max.max(e)));
    Readiness {
        coherent: incoherencies.is_empty(),
        estimate_complete: paths().all(|p| p.estimate_complete),
        estimate_secs,
        findings,
    }
}

fn stale_path(
    commit: &str,
    path: &[String],
    branch: &str,
    links: &[LinkState],
    wanted: Option<i64>,
    timing: &BTreeMap<&str, &LinkTiming>,
) -> StalePath {
    let n = path.len();
    let mut hops = Vec::new();
    let (mut estimate, mut complete, mut resolvable) = (0i64, true, true);
    let mut counting = false;
    // From the incoherent repository (last) up to the root (first).
    for i in (1..n).rev() {
        let (source, target) = (&path[i], &path[i - 1]);
        let into_root = i == 1;
        let link = link_for(links, source, target, into_root.then_some(branch));
        let Some(link) = link else {
            resolvable = false;
            hops.push(HopReadiness {
                source: source.clone(),
                target: target.clone(),
                subscription: None,
                state: HopState::NoSubscription,
                blockers: vec![format!(
                    "no subscription flows {source} into {target}{}",
                    if into_root {
                        format!(" on branch {branch}")
                    } else {
                        String::new()
                    }
                )],
            });
            continue;
        };
        let state = hop_state(link, if i == n - 1 { wanted } else { None });
        counting |= state != HopState::Applied;
        if counting {
            match timing.get(link.subscription.as_str()) {
                Some(t) => {
                    estimate += t.update.map_or(0, |s| s.median_secs);
                    complete &= t.update.is_some();
                    if !into_root {
                        estimate += t.build.map_or(0, |s| s.median_secs);
                        complete &= t.build.is_some();
                    }
                }
                None => complete = false,
            }
        }
        let blockers = if state == HopState::Applied {
            Vec::new()
        } else {
            link.blockers()
        };
        hops.push(HopReadiness {
            source: source.clone(),
            target: target.clone(),
            subscription: Some(link.subscription.clone()),
            state,
            blockers,
        });
    }
    StalePath {
        commit: commit.to_owned(),
        path: path.to_vec(),
        hops,
        estimate_secs: resolvable.then_some(estimate),
        estimate_complete: complete,
    }
}
