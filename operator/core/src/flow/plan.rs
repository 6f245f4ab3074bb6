//! The planner: given everything observed about one update key, the actions that move
//! its target towards the wanted builds.
//!
//! Contract with the engine, beyond the action docs:
//! - `RecordApplied` raises `last_applied_build` to the build (it never lowers it) and
//!   clears `force` when the requested build is at most the recorded one;
//!   `RecordRejected` raises `rejected_build` and clears `force`. The planner repeats no
//!   `RecordApplied` that is already recorded unless it is there to clear `force`.
//! - After `PushUpdate` the pull request's `head_commit` is the new commit and
//!   `base_commit` the pushed `parent`; `failure_commented` and `manual_commits_noticed`
//!   are reset for the new head.
//!   A `PushUpdate` for a key with no open pull request expects the update branch where
//!   it was observed ([`super::TargetObservation::update_branch`]): one left behind by a
//!   settled pull request, or by a push whose pull request was never opened, is taken
//!   over; one that moved since is a conflict.
//! - The checks observed are those of the head branch's real tip; a head branch a person
//!   added commits to is never pushed again (see [`super::head_branch`]), and a `Merge`
//!   names the tip the policies were evaluated on.
//! - A merged or closed pull request is settled in a cycle of its own (record, then
//!   `Settle`); the next cycle plans from the recorded state.

use std::collections::BTreeMap;

use crate::manifest::{DependencyUpdate, ManifestFiles};
use crate::model::{PullRequestState, Visibility};

use super::coherency::CoherencyReport;
use super::describe::{self, UpdateSection};
use super::graph_policy::{self, UpdateGraph};
use super::head_branch::{self, HeadBranch};
use super::outcome::{Outcome, Reason};
use super::policy::{self, UpdateFacts};
use super::render;
use super::review;
use super::types::{
    Action, BuildId, BuildInfo, KeyInput, Plan, PullRequestObservation, SubscriptionView,
};
use super::visibility;
pub use super::wanted::{Wanted, builds_to_read, needs_target, wanted_build};

/// One subscription's rendered update.
struct Carried<'a> {
    name: &'a str,
    build: &'a BuildInfo,
    updates: Vec<DependencyUpdate>,
    coherency: CoherencyReport,
    directories: &'a [String],
}

/// Plans one update key. Deterministic: the same input always gives the same plan.
pub fn plan(input: &KeyInput) -> Plan {
    let mut plan = Plan::default();
    let pr = input.pull_request.as_ref().filter(|p| !p.settled);
    if let Some(pr) = pr
        && pr.state != PullRequestState::Open
    {
        settle(input, pr, &mut plan);
        return plan;
    }
    let open = pr;
    let where_ = format!("{} branch {}", input.target_repository, input.target_branch);
    // With nothing wanted and no pull request open the plan does not depend on the
    // target, which the engine then does not observe (and `head` is never used).
    let observed = input.target.head.as_deref();
    let head = match observed {
        Some(head) => head,
        None if !needs_target(&input.subscriptions, open) => "",
        None => {
            for sub in &input.subscriptions {
                plan.outcomes.insert(
                    sub.name.clone(),
                    Outcome::new(
                        Reason::TargetBranchMissing,
                        format!("the target branch {where_} does not exist"),
                    ),
                );
            }
            return plan;
        }
    };

    let mut subs: Vec<&SubscriptionView> = input.subscriptions.iter().collect();
    subs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut working: ManifestFiles = input.target.files.clone();
    let mut carried: Vec<Carried<'_>> = Vec::new();
    let mut unchanged: Vec<(&str, BuildId)> = Vec::new();
    let mut stalled_names: Vec<&str> = Vec::new();
    for sub in subs {
        let name = sub.name.as_str();
        if !sub.spec.enabled {
            plan.outcomes.insert(name.to_string(), Outcome::disabled());
            continue;
        }
        let pr_build = open.and_then(|p| p.carried.get(name).copied());
        let id = match wanted_build(sub, pr_build) {
            Wanted::Build(id) => id,
            Wanted::UpToDate => {
                let message = match sub.state.last_applied_build {
                    Some(b) => format!("build {b} is applied to {where_}"),
                    None => "no build requested yet".to_string(),
                };
                plan.outcomes
                    .insert(name.to_string(), Outcome::new(Reason::UpToDate, message));
                continue;
            }
            Wanted::Rejected(id) => {
                plan.outcomes.insert(
                    name.to_string(),
                    Outcome::new(
                        Reason::UpdateRejected,
                        format!("the pull request for build {id} was closed unmerged; waiting for a newer build"),
                    ),
                );
                continue;
            }
        };
        let Some(build) = input.builds.get(&id) else {
            stalled_names.push(name);
            plan.outcomes.insert(
                name.to_string(),
                Outcome::new(Reason::UnknownBuild, format!("build {id} is not known")),
            );
            continue;
        };
        if let Some(why) = visibility::refusal(&input.visibility, name, &sub.spec, build) {
            stalled_names.push(name);
            plan.outcomes.insert(
                name.to_string(),
                Outcome::new(Reason::InternalToPublic, format!("{where_}: {why}")),
            );
            continue;
        }
        // A public target never gets an internal feed written into it.
        let public;
        let shown = if input.visibility.target == Visibility::Public {
            public = visibility::public_view(build);
            &public
        } else {
            build
        };
        match render::render(&working, &sub.spec, shown, &input.parent_manifests) {
            Ok(r) if r.files.is_empty() => unchanged.push((name, id)),
            Ok(r) => {
                working.extend(r.files);
                carried.push(Carried {
                    name,
                    build,
                    updates: r.updates,
                    coherency: r.coherency,
                    directories: &sub.spec.target.directories,
                });
            }
            Err(e) => {
                stalled_names.push(name);
                let reason = e.reason();
                plan.outcomes.insert(
                    name.to_string(),
                    Outcome::new(reason, format!("{where_}: {e}")),
                );
            }
        }
    }

    let changed: ManifestFiles = working
        .into_iter()
        .filter(|(path, bytes)| input.target.files.get(path) != Some(bytes))
        .collect();
    if changed.is_empty() {
        // Later builds undid earlier ones: nothing to propose for any of them.
        unchanged.extend(carried.drain(..).map(|c| (c.name, c.build.id)));
    }
    for (name, id) in &unchanged {
        let sub = input.subscriptions.iter().find(|s| s.name == *name);
        let clears_force =
            |s: &SubscriptionView| s.state.force && s.state.requested_build == Some(*id);
        if sub.is_some_and(|s| s.state.last_applied_build != Some(*id) || clears_force(s)) {
            plan.actions.push(Action::RecordApplied {
                subscription: (*name).to_string(),
                build: *id,
            });
        }
        plan.outcomes.insert(
            (*name).to_string(),
            Outcome::new(
                Reason::NothingToUpdate,
                format!("build {id} changes nothing on {where_}"),
            ),
        );
    }

    if carried.is_empty() {
        // A pull request whose own subscription stalled (say, on a manifest broken since)
        // stays as it is until the input is fixed; one carrying a person's commits is
        // theirs to merge or close (closing deletes its head branch); otherwise it has
        // nothing left to do.
        if let Some(pr) = open
            && let HeadBranch::PersonsCommits { tip, .. } = head_branch::classify(pr)
        {
            review::notice_once(input, pr, &tip, &mut plan);
        } else if let Some(pr) = open
            && !stalled_names.iter().any(|n| pr.carried.contains_key(*n))
        {
            let reason = if input.subscriptions.is_empty() {
                "The subscriptions behind this pull request were removed or disabled."
            } else {
                "The target branch already has every update this pull request proposed."
            };
            plan.actions.push(Action::Close {
                id: pr.id.clone(),
                reason: reason.into(),
            });
            plan.actions.push(Action::Settle { id: pr.id.clone() });
        }
        return plan;
    }

    let sections: Vec<UpdateSection<'_>> = carried
        .iter()
        .map(|c| UpdateSection {
            subscription: c.name,
            build: c.build,
            updates: &c.updates,
        })
        .collect();
    let builds: BTreeMap<String, BuildId> = carried
        .iter()
        .map(|c| (c.name.to_string(), c.build.id))
        .collect();
    let title = describe::title(&input.target_branch, &sections);
    let description =
        describe::description(&input.target_repository, &input.target_branch, &sections);
    let push = |expected: Option<String>| Action::PushUpdate {
        branch: input.key.head_branch(&input.target_branch),
        parent: head.to_string(),
        files: changed.clone(),
        message: describe::commit_message(&input.target_branch, &sections),
        expected,
    };
    let set_all = |plan: &mut Plan, outcome: Outcome| {
        for c in &carried {
            plan.outcomes.insert(c.name.to_string(), outcome.clone());
        }
    };

    let Some(pr) = open else {
        // An update branch no open pull request uses is sluice's to take over: the push
        // replaces it where it was observed, and fails as a conflict if it moved since.
        plan.actions.push(push(input.target.update_branch.clone()));
        plan.actions.push(Action::OpenPullRequest {
            head_branch: input.key.head_branch(&input.target_branch),
            title,
            description,
            carried: builds,
        });
        set_all(
            &mut plan,
            Outcome::new(
                Reason::PullRequestOpening,
                format!("opening a pull request into {where_}"),
            ),
        );
        return plan;
    };

    // sluice owns its head branches while they hold only what it wrote: one that is not
    // where the record says (a push that landed unrecorded, a reset or a deletion) is
    // rebuilt over its real tip. One a person added commits to is theirs.
    let rebuild_from = match head_branch::classify(pr) {
        HeadBranch::PersonsCommits {
            tip,
            contains_target,
        } => {
            let updates = all_updates(&carried);
            let outcome = review::persons_commits(
                input,
                pr,
                &review::Paused {
                    tip: &tip,
                    contains_target,
                    waiting: pr.carried != builds,
                },
                &updates,
                &mut plan,
            );
            set_all(&mut plan, outcome);
            return plan;
        }
        HeadBranch::Rebuild { tip } => Some(tip),
        HeadBranch::AtRecordedHead if pr.base_commit != head || pr.carried != builds => {
            Some(Some(pr.head_commit.clone()))
        }
        HeadBranch::AtRecordedHead => None,
    };
    if let Some(expected) = rebuild_from {
        plan.actions.push(push(expected));
        plan.actions.push(Action::UpdatePullRequest {
            id: pr.id.clone(),
            title,
            description,
            carried: builds,
        });
        set_all(
            &mut plan,
            Outcome::new(
                Reason::PullRequestUpdating,
                format!("updating pull request {} onto {head}", pr.url),
            ),
        );
        return plan;
    }

    let updates = all_updates(&carried);
    let mut coherency = CoherencyReport::default();
    for c in &carried {
        coherency.extend(c.coherency.clone());
    }
    let mut after = input.target.files.clone();
    after.extend(changed);
    let mut directories: Vec<String> = Vec::new();
    for c in &carried {
        if c.directories.is_empty() {
            directories.push(String::new());
        }
        directories.extend(c.directories.iter().cloned());
    }
    let props = policy::details_props(&after, &directories);
    let graph = graph_policy::wants_graph(&input.merge_policies).then(|| {
        let root =
            crate::graph::RepoAt::new(input.target_repository.as_str(), pr.head_commit.as_str());
        graph_policy::update_graph(&root, &after, &directories, &input.product_manifests)
    });
    if let Some(UpdateGraph::Unread(reads)) = &graph {
        plan.graph_reads = reads.clone();
    }
    let facts = UpdateFacts {
        updates: &updates,
        coherency: Some(&coherency),
        details_props: Some(props.as_deref()),
        product_graph: graph.as_ref(),
    };
    let outcome = review::review(input, pr, &pr.head_commit, &facts, &mut plan);
    set_all(&mut plan, outcome);
    plan
}

/// Every dependency update the carried builds make.
fn all_updates(carried: &[Carried<'_>]) -> Vec<DependencyUpdate> {
    carried
        .iter()
        .flat_map(|c| c.updates.iter().cloned())
        .collect()
}

/// Records the outcome of a merged or closed pull request, then settles it.
fn settle(input: &KeyInput, pr: &PullRequestObservation, plan: &mut Plan) {
    let merged = pr.state == PullRequestState::Merged;
    for (name, build) in &pr.carried {
        let applied = input
            .subscriptions
            .iter()
            .find(|s| &s.name == name)
            .and_then(|s| s.state.last_applied_build);
        if merged {
            plan.actions.push(Action::RecordApplied {
                subscription: name.clone(),
                build: *build,
            });
        } else if applied != Some(*build) {
            plan.actions.push(Action::RecordRejected {
                subscription: name.clone(),
                build: *build,
            });
        }
    }
    plan.actions.push(Action::Settle { id: pr.id.clone() });
    let (reason, verb) = if merged {
        (Reason::PullRequestMerged, "merged")
    } else {
        (Reason::PullRequestClosed, "closed unmerged")
    };
    for sub in &input.subscriptions {
        plan.outcomes.insert(
            sub.name.clone(),
            Outcome::new(
                reason,
                format!("pull request {} was {verb}; recording it", pr.url),
            ),
        );
    }
}
