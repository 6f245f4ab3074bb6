//! The simulated world of the fixpoint test: a target repository, its update branch, a
//! forge holding the pull request, and the store holding subscription state, changed by
//! the planner's actions exactly as the engine changes the real ones.

use std::collections::BTreeMap;

use proptest::prelude::*;
use sluice_core::flow::{
    Action, BuildId, BuildInfo, Check, CheckState, KeyInput, PullRequestObservation,
    SubscriptionState, SubscriptionView, TargetObservation, UpdateKey,
};
use sluice_core::manifest::ManifestFiles;
use sluice_core::model::{
    Asset, MergePolicy, MergePolicyName, MergePolicyProperties, PullRequestState,
    SubscriptionSource, SubscriptionSpec, SubscriptionTarget, UpdateFrequency,
};

const SOURCE: &str = "https://github.com/contoso/runtime";
const TARGET: &str = "https://github.com/contoso/sdk";
pub const UNKNOWN_BUILD: BuildId = 999;

/// One generated subscription: its builds' asset versions and its state, as indexes.
#[derive(Debug, Clone)]
pub struct SubGen {
    /// Per build: (version minor of dependency 0, of dependency 1), `None` = not produced.
    pub builds: Vec<(Option<u8>, Option<u8>)>,
    pub requested: Option<u8>,
    /// The requested build is one the store does not know.
    pub unknown: bool,
    pub applied: Option<u8>,
    pub rejected: Option<u8>,
    pub force: bool,
    pub carried: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub subs: Vec<SubGen>,
    pub batch: bool,
    pub auto_merge: bool,
    pub manual_policy: u8,
    pub pull_request: u8,
}

fn dep_name(sub: usize, dep: usize) -> String {
    format!("Sub{sub}.Dep{dep}")
}

fn build_id(sub: usize, index: u8, count: usize) -> BuildId {
    if usize::from(index) < count {
        (sub as i64 + 1) * 10 + i64::from(index)
    } else {
        UNKNOWN_BUILD
    }
}

fn manifest_files(subs: usize) -> ManifestFiles {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    let mut props = String::from("<Project>\n  <PropertyGroup>\n");
    for s in 0..subs {
        for d in 0..2 {
            let name = dep_name(s, d);
            xml.push_str(&format!("    <Dependency Name=\"{name}\" Version=\"1.1.0\">\n      <Uri>{SOURCE}</Uri>\n      <Sha>{:040}</Sha>\n    </Dependency>\n", 0));
            let prop = name.replace('.', "");
            props.push_str(&format!(
                "    <{prop}PackageVersion>1.1.0</{prop}PackageVersion>\n"
            ));
        }
    }
    xml.push_str("  </ProductDependencies>\n  <ToolsetDependencies />\n</Dependencies>\n");
    props.push_str("  </PropertyGroup>\n</Project>\n");
    [
        ("eng/Version.Details.xml".to_string(), xml.into_bytes()),
        ("eng/Versions.props".to_string(), props.into_bytes()),
    ]
    .into_iter()
    .collect()
}

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
    /// Subscriptions a rejection was recorded for.
    pub rejections: Vec<String>,
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
                    },
                    target: SubscriptionTarget {
                        repository: TARGET.into(),
                        branch: "main".into(),
                        directories: vec![".".into()],
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
                base_commit: "old-target".into(),
                head_branch_tip: Some("stale-head".into()),
                carried,
                checks: world.checks.clone(),
                reviews: vec![],
                failure_commented: false,
                settled: false,
            });
        }
        world
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
            },
            // The planner sees the head branch where it really is.
            pull_request: self.pull_request.clone().map(|mut p| {
                p.head_branch_tip = self.branch.as_ref().map(|b| b.0.clone());
                p
            }),
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
                // Compare-and-swap; a branch left behind by a settled pull request (or by
                // none) is taken over, as the engine does.
                let current = self.branch.as_ref().map(|b| b.0.clone());
                let orphan =
                    expected.is_none() && self.pull_request.as_ref().is_none_or(|p| p.settled);
                prop_assert!(
                    *expected == current || orphan,
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
                    carried: carried.clone(),
                    checks: self.checks.clone(),
                    reviews: vec![],
                    failure_commented: false,
                    settled: false,
                });
            }
            Action::UpdatePullRequest { id, carried, .. } => {
                self.open_pr(id)?.carried = carried.clone();
            }
            Action::Merge { id, head_commit } => {
                prop_assert_eq!(&self.open_pr(id)?.head_commit, head_commit);
                let (_, content) = self.branch.clone().expect("merged branch exists");
                self.files = content;
                self.head = self.commit();
                self.open_pr(id)?.state = PullRequestState::Merged;
            }
            Action::Close { id, .. } => self.open_pr(id)?.state = PullRequestState::Closed,
            Action::Comment { id, .. } => self.open_pr(id)?.failure_commented = true,
            Action::RecordApplied {
                subscription,
                build,
            } => {
                let state = self.state(subscription);
                state.last_applied_build =
                    Some(state.last_applied_build.map_or(*build, |b| b.max(*build)));
                if state.requested_build.is_some_and(|r| r <= *build) {
                    state.force = false;
                }
            }
            Action::RecordRejected {
                subscription,
                build,
            } => {
                self.rejections.push(subscription.clone());
                let state = self.state(subscription);
                state.rejected_build = Some(state.rejected_build.map_or(*build, |r| r.max(*build)));
                state.force = false;
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
