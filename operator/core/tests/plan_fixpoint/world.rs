//! The simulated world of the fixpoint test: a target repository, its update branch, a
//! forge holding the pull request, and the store holding subscription state, changed by
//! the planner's actions exactly as the engine changes the real ones.

use std::collections::BTreeMap;

use proptest::prelude::*;
use sluice_core::flow::render;
use sluice_core::flow::{
    Action, BuildId, BuildInfo, Check, CheckState, KeyInput, PullRequestObservation,
    SubscriptionState, SubscriptionView, TargetObservation, TipAncestry, UpdateKey,
};
use sluice_core::manifest::{self, ManifestFiles};
use sluice_core::model::{
    Asset, MergePolicy, MergePolicyName, MergePolicyProperties, PullRequestState,
    SubscriptionSource, SubscriptionSpec, SubscriptionTarget, UpdateFrequency,
};

use super::scenario::{
    SOURCE, Scenario, TARGET, UNKNOWN_BUILD, build_id, dep_name, manifest_files,
};

/// The simulated target repository, forge and store.
#[derive(Debug)]
pub struct World {
    pub key: UpdateKey,
    pub subscriptions: Vec<SubscriptionView>,
    pub builds: BTreeMap<BuildId, BuildInfo>,
    pub policies: Vec<MergePolicy>,
    pub checks: Vec<Check>,
    pub head: String,
    pub files: ManifestFiles,
    /// The update branch: commit and full manifest contents.
    pub branch: Option<(String, ManifestFiles)>,
    pub pull_request: Option<PullRequestObservation>,
    pub commits: u32,
    /// The rejections recorded: subscription and build.
    pub rejections: Vec<(String, BuildId)>,
    /// The commit a person pushed on top of the pull request's head, if any.
    pub persons_tip: Option<String>,
    /// Notices that sluice stopped updating a pull request, per pull request id.
    pub notices: BTreeMap<String, u32>,
    /// The builds the merged pull request a person took over carried.
    pub persons_merge: BTreeMap<String, BuildId>,
}

impl World {
    pub fn new(sc: &Scenario) -> World {
        let mut builds = BTreeMap::new();
        let mut subscriptions = Vec::new();
        let mut carried = BTreeMap::new();
        for (i, g) in sc.subs.iter().enumerate() {
            let n = g.builds.len();
            for (k, (v0, v1)) in g.builds.iter().enumerate() {
                let id = build_id(i, k as u8, n);
                let assets = [(0, v0), (1, v1)]
                    .into_iter()
                    .filter_map(|(d, v)| v.map(|v| (d, v)))
                    .map(|(d, v)| Asset {
                        name: dep_name(i, d),
                        version: format!("1.{v}.0"),
                        non_shipping: false,
                        locations: vec![],
                    })
                    .collect();
                builds.insert(
                    id,
                    BuildInfo {
                        id,
                        repository: SOURCE.into(),
                        branch: "main".into(),
                        commit: format!("{id:040}"),
                        build_number: format!("2026.{id}"),
                        produced_at: "2026-01-01T00:00:00Z".into(),
                        assets,
                        channels: vec!["dev".into()],
                    },
                );
            }
            let known =
                |x: Option<u8>| x.map(|x| build_id(i, x, n)).filter(|b| *b != UNKNOWN_BUILD);
            if let Some(c) = known(g.carried) {
                carried.insert(format!("sub{i}"), c);
            }
            subscriptions.push(SubscriptionView {
                name: format!("sub{i}"),
                spec: SubscriptionSpec {
                    source: SubscriptionSource {
                        repository: SOURCE.into(),
                        channel: "dev".into(),
                        visibility: None,
                        public_repository: None,
                    },
                    target: SubscriptionTarget {
                        repository: TARGET.into(),
                        branch: "main".into(),
                        directories: vec![".".into()],
                        visibility: None,
                    },
                    update_frequency: UpdateFrequency::EveryBuild,
                    batchable: sc.batch,
                    excluded_assets: vec![],
                    merge_policies: vec![],
                    failure_notification_tags: vec![],
                    enabled: true,
                    source_enabled: false,
                    source_directory: None,
                    target_directory: None,
                },
                state: SubscriptionState {
                    requested_build: if g.unknown {
                        Some(UNKNOWN_BUILD)
                    } else {
                        known(g.requested.map(|x| x.min(n as u8 - 1)))
                    },
                    last_applied_build: known(g.applied),
                    rejected_build: known(g.rejected),
                    force: g.force,
                },
            });
        }
        let key = if sc.batch {
            UpdateKey::Batch {
                repository: TARGET.into(),
                branch: "main".into(),
            }
        } else {
            UpdateKey::Subscription {
                name: "sub0".into(),
            }
        };
        let (policies, checks) = if sc.auto_merge {
            (
                vec![MergePolicyName::AllChecksSuccessful],
                vec![CheckState::Success],
            )
        } else {
            match sc.manual_policy {
                0 => (vec![], vec![CheckState::Success]),
                1 => (
                    vec![MergePolicyName::AllChecksSuccessful],
                    vec![CheckState::Failure],
                ),
                _ => (vec![MergePolicyName::Standard], vec![CheckState::Success]),
            }
        };
        let files = manifest_files(sc.subs.len());
        let mut world = World {
            key,
            subscriptions,
            builds,
            policies: policies
                .into_iter()
                .map(|name| MergePolicy {
                    name,
                    properties: MergePolicyProperties::default(),
                })
                .collect(),
            checks: checks
                .into_iter()
                .map(|state| Check {
                    name: "build".into(),
                    state,
                })
                .collect(),
            head: "target0".into(),
            files: files.clone(),
            branch: None,
            pull_request: None,
            commits: 0,
            rejections: Vec::new(),
            persons_tip: None,
            notices: BTreeMap::new(),
            persons_merge: BTreeMap::new(),
        };
        if sc.pull_request > 0 && !carried.is_empty() {
            world.branch = Some(("stale-head".into(), files));
            world.pull_request = Some(PullRequestObservation {
                id: "1".into(),
                url: "https://github.com/contoso/sdk/pull/1".into(),
                state: if sc.pull_request == 1 {
                    PullRequestState::Open
                } else {
                    PullRequestState::Closed
                },
                head_commit: "stale-head".into(),
                base_commit: if sc.person == 2 {
                    world.head.clone()
                } else {
                    "old-target".into()
                },
                head_branch_tip: Some("stale-head".into()),
                tip_ancestry: TipAncestry::default(),
                carried: carried.clone(),
                checks: world.checks.clone(),
                reviews: vec![],
                failure_commented: false,
                manual_commits_noticed: false,
                settled: false,
            });
            if sc.person > 0 {
                // The person's commit holds the carried updates, as sluice's commit did.
                let mut content = world.files.clone();
                for (name, build) in &carried {
                    let spec = &world
                        .subscriptions
                        .iter()
                        .find(|s| &s.name == name)
                        .expect("carrying subscription")
                        .spec;
                    let update = render::build_update(spec, &world.builds[build]);
                    let changes = manifest::update(&content, &update).expect("valid manifest");
                    content.extend(changes.files);
                }
                world.branch = Some(("persons-commit".into(), content));
                world.persons_tip = Some("persons-commit".into());
            }
        }
        world
    }

    /// Whether the open pull request's head branch carries the person's commit.
    pub fn taken_over(&self) -> bool {
        let open = self
            .pull_request
            .as_ref()
            .is_some_and(|p| p.state == PullRequestState::Open);
        open && self.persons_tip.is_some()
            && self.branch.as_ref().map(|b| &b.0) == self.persons_tip.as_ref()
    }

    pub fn input(&self) -> KeyInput {
        KeyInput {
            key: self.key.clone(),
            target_repository: TARGET.into(),
            target_branch: "main".into(),
            subscriptions: self.subscriptions.clone(),
            builds: self.builds.clone(),
            merge_policies: self.policies.clone(),
            failure_notification_tags: vec!["@contoso/sdk-owners".into()],
            target: TargetObservation {
                head: Some(self.head.clone()),
                files: self.files.clone(),
                // As the engine observes it: only while no open pull request uses it.
                update_branch: self
                    .pull_request
                    .as_ref()
                    .is_none_or(|p| p.settled)
                    .then(|| self.branch.as_ref().map(|b| b.0.clone()))
                    .flatten(),
            },
            // The planner sees the head branch where it really is, and the person's commit
            // on top of sluice's.
            pull_request: self.pull_request.clone().map(|mut p| {
                p.head_branch_tip = self.branch.as_ref().map(|b| b.0.clone());
                if self.taken_over() {
                    p.tip_ancestry = TipAncestry {
                        contains_recorded_head: true,
                        contains_target: p.base_commit == self.head,
                        ..TipAncestry::default()
                    };
                }
                p
            }),
            parent_manifests: Default::default(),
            product_manifests: Default::default(),
            visibility: Default::default(),
        }
    }

    fn commit(&mut self) -> String {
        self.commits += 1;
        format!("commit{}", self.commits)
    }

    fn state(&mut self, name: &str) -> &mut SubscriptionState {
        &mut self
            .subscriptions
            .iter_mut()
            .find(|s| s.name == name)
            .expect("known subscription")
            .state
    }

    fn open_pr(&mut self, id: &str) -> Result<&mut PullRequestObservation, TestCaseError> {
        match self.pull_request.as_mut() {
            Some(pr) if pr.id == id && pr.state == PullRequestState::Open => Ok(pr),
            other => Err(TestCaseError::fail(format!(
                "no open pull request {id}: {other:?}"
            ))),
        }
    }

    /// Executes one action as the engine would.
    pub fn execute(&mut self, action: &Action) -> Result<(), TestCaseError> {
        match action {
            Action::PushUpdate {
                parent,
                files,
                expected,
                ..
            } => {
                prop_assert_eq!(parent, &self.head);
                // Compare-and-swap, as the remote does: a branch left behind by a settled
                // pull request (or by none) is taken over only where it was observed.
                prop_assert!(!self.taken_over(), "pushed over a person's commits");
                let current = self.branch.as_ref().map(|b| b.0.clone());
                prop_assert!(
                    *expected == current,
                    "compare-and-swap: expected {:?}, branch at {:?}",
                    expected,
                    current
                );
                let mut content = self.files.clone();
                content.extend(files.clone());
                let commit = self.commit();
                self.branch = Some((commit.clone(), content));
                let head = self.head.clone();
                let checks = self.checks.clone();
                if let Some(pr) = self
                    .pull_request
                    .as_mut()
                    .filter(|p| p.state == PullRequestState::Open)
                {
                    pr.head_commit = commit;
                    pr.base_commit = head;
                    pr.failure_commented = false;
                    pr.manual_commits_noticed = false;
                    pr.checks = checks;
                }
            }
            Action::OpenPullRequest { carried, .. } => {
                let open = self
                    .pull_request
                    .as_ref()
                    .is_some_and(|p| p.state == PullRequestState::Open);
                prop_assert!(!open, "a second pull request was opened while one is open");
                let (head_commit, _) = self.branch.clone().expect("branch pushed before opening");
                self.commits += 1;
                self.pull_request = Some(PullRequestObservation {
                    id: format!("pr{}", self.commits),
                    url: format!("https://github.com/contoso/sdk/pull/{}", self.commits),
                    state: PullRequestState::Open,
                    head_commit,
                    base_commit: self.head.clone(),
                    head_branch_tip: None,
                    tip_ancestry: TipAncestry::default(),
                    carried: carried.clone(),
                    checks: self.checks.clone(),
                    reviews: vec![],
                    failure_commented: false,
                    manual_commits_noticed: false,
                    settled: false,
                });
            }
            Action::UpdatePullRequest { id, carried, .. } => {
                self.open_pr(id)?.carried = carried.clone();
            }
            Action::Merge { id, head_commit } => {
                if self.taken_over() {
                    self.persons_merge = self.open_pr(id)?.carried.clone();
                }
                // The forge merges only the head the policies saw.
                let (tip, content) = self.branch.clone().expect("merged branch exists");
                prop_assert_eq!(&tip, head_commit);
                self.files = content;
                self.head = self.commit();
                self.open_pr(id)?.state = PullRequestState::Merged;
            }
            Action::Close { id, .. } => self.open_pr(id)?.state = PullRequestState::Closed,
            Action::Comment { id, .. } => self.open_pr(id)?.failure_commented = true,
            Action::NoticeManualCommits { id, .. } => {
                self.open_pr(id)?.manual_commits_noticed = true;
                let count = self.notices.entry(id.clone()).or_default();
                *count += 1;
                prop_assert_eq!(*count, 1, "noticed twice");
            }
            Action::RecordApplied {
                subscription,
                build,
            } => {
                self.state(subscription).record_applied(*build);
            }
            Action::RecordRejected {
                subscription,
                build,
            } => {
                self.rejections.push((subscription.clone(), *build));
                self.state(subscription).record_rejected(*build);
            }
            Action::Settle { id } => {
                let pr = self
                    .pull_request
                    .as_mut()
                    .expect("settled pull request exists");
                prop_assert_eq!(&pr.id, id);
                prop_assert!(
                    pr.state != PullRequestState::Open,
                    "settling an open pull request"
                );
                pr.settled = true;
            }
        }
        Ok(())
    }
}
