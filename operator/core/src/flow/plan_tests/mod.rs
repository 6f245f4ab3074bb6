//! Unit tests of the planner, one or more per branch of its logic: fixtures here, the
//! content decisions in [`content`], the pull request lifecycle in [`pull_request`].

use std::collections::BTreeMap;

use super::*;

mod coherency;
mod content;
mod graph;
mod persons_commits;
mod pull_request;
mod visibility;
use crate::manifest::ManifestFiles;
use crate::model::{
    Asset, MergePolicy, MergePolicyName, MergePolicyProperties, PolicyResult, PullRequestState,
    SubscriptionSource, SubscriptionSpec, SubscriptionTarget, UpdateFrequency,
};

const RT: &str = "https://github.com/contoso/runtime";
const SDK: &str = "https://github.com/contoso/sdk";
const XML: &str = "eng/Version.Details.xml";
const PROPS: &str = "eng/Versions.props";

fn details(deps: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    for (name, version) in deps {
        s.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"{version}\">\n      <Uri>{RT}</Uri>\n      <Sha>0000000000000000000000000000000000000000</Sha>\n    </Dependency>\n"
        ));
    }
    s.push_str("  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n");
    s.into_bytes()
}

fn props(deps: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from("<Project>\n  <PropertyGroup>\n");
    for (name, version) in deps {
        let p = name.replace('.', "");
        s.push_str(&format!(
            "    <{p}PackageVersion>{version}</{p}PackageVersion>\n"
        ));
    }
    s.push_str("  </PropertyGroup>\n</Project>\n");
    s.into_bytes()
}

fn files_in(dir: &str, deps: &[(&str, &str)]) -> ManifestFiles {
    let p = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    [
        (format!("{p}{XML}"), details(deps)),
        (format!("{p}{PROPS}"), props(deps)),
    ]
    .into_iter()
    .collect()
}

fn base_files() -> ManifestFiles {
    files_in("", &[("Foo.Core", "1.0.0"), ("Bar.Sdk", "2.0.0")])
}

fn spec(dirs: &[&str], batchable: bool) -> SubscriptionSpec {
    SubscriptionSpec {
        source: SubscriptionSource {
            repository: RT.into(),
            channel: "dev".into(),
            visibility: None,
            public_repository: None,
        },
        target: SubscriptionTarget {
            repository: SDK.into(),
            branch: "main".into(),
            directories: dirs.iter().map(|d| d.to_string()).collect(),
            visibility: None,
        },
        update_frequency: UpdateFrequency::EveryBuild,
        batchable,
        excluded_assets: vec![],
        merge_policies: vec![],
        failure_notification_tags: vec![],
        enabled: true,
        source_enabled: false,
        source_directory: None,
        target_directory: None,
    }
}

fn sub(name: &str, requested: Option<BuildId>, applied: Option<BuildId>) -> SubscriptionView {
    SubscriptionView {
        name: name.into(),
        spec: spec(&["."], false),
        state: SubscriptionState {
            last_applied_build: applied,
            requested_build: requested,
            force: false,
            rejected_build: None,
        },
    }
}

fn build(id: BuildId, assets: &[(&str, &str)]) -> BuildInfo {
    BuildInfo {
        id,
        repository: RT.into(),
        branch: "main".into(),
        commit: format!("{id:040}"),
        build_number: format!("20260101.{id}"),
        produced_at: "2026-01-01T00:00:00Z".into(),
        assets: assets
            .iter()
            .map(|(n, v)| Asset {
                name: (*n).into(),
                version: (*v).into(),
                non_shipping: false,
                locations: vec![],
            })
            .collect(),
        channels: vec!["dev".into()],
    }
}

fn input(subs: Vec<SubscriptionView>, builds: Vec<BuildInfo>) -> KeyInput {
    KeyInput {
        key: UpdateKey::Subscription {
            name: subs[0].name.clone(),
        },
        target_repository: SDK.into(),
        target_branch: "main".into(),
        subscriptions: subs,
        builds: builds.into_iter().map(|b| (b.id, b)).collect(),
        merge_policies: vec![],
        failure_notification_tags: vec!["@contoso/sdk-owners".into()],
        target: TargetObservation {
            head: Some("h1".into()),
            files: base_files(),
            update_branch: None,
        },
        pull_request: None,
        parent_manifests: Default::default(),
        product_manifests: Default::default(),
        visibility: Default::default(),
    }
}

fn open_pr(carried: &[(&str, BuildId)], base: &str) -> PullRequestObservation {
    PullRequestObservation {
        id: "7".into(),
        url: "https://github.com/contoso/sdk/pull/7".into(),
        state: PullRequestState::Open,
        head_commit: "p1".into(),
        base_commit: base.into(),
        head_branch_tip: Some("p1".into()),
        tip_ancestry: TipAncestry::default(),
        carried: carried.iter().map(|(n, b)| (n.to_string(), *b)).collect(),
        checks: vec![],
        reviews: vec![],
        failure_commented: false,
        manual_commits_noticed: false,
        settled: false,
    }
}

fn policies(names: &[MergePolicyName]) -> Vec<MergePolicy> {
    names
        .iter()
        .map(|n| MergePolicy {
            name: *n,
            properties: MergePolicyProperties::default(),
        })
        .collect()
}

fn reason(plan: &Plan, name: &str) -> String {
    let outcome = &plan.outcomes[name];
    format!("{:?}/{}", outcome.condition(), outcome.reason)
}

fn message(plan: &Plan, name: &str) -> String {
    plan.outcomes[name].message.clone()
}

/// `(kind, detail)` of each action, for compact assertions.
fn kinds(plan: &Plan) -> Vec<String> {
    plan.actions
        .iter()
        .map(|a| match a {
            Action::PushUpdate {
                expected, parent, ..
            } => format!("Push({parent},{expected:?})"),
            Action::OpenPullRequest { carried, .. } => format!("Open({carried:?})"),
            Action::UpdatePullRequest { carried, .. } => format!("Update({carried:?})"),
            Action::Merge { id, head_commit } => format!("Merge({id},{head_commit})"),
            Action::Close { id, .. } => format!("Close({id})"),
            Action::Comment { id, .. } => format!("Comment({id})"),
            Action::NoticeManualCommits { id, .. } => format!("Notice({id})"),
            Action::RecordApplied {
                subscription,
                build,
            } => format!("Applied({subscription},{build})"),
            Action::RecordRejected {
                subscription,
                build,
            } => format!("Rejected({subscription},{build})"),
            Action::Settle { id } => format!("Settle({id})"),
        })
        .collect()
}

fn new_foo() -> Vec<BuildInfo> {
    vec![
        build(1, &[("Foo.Core", "1.1.0")]),
        build(2, &[("Foo.Core", "1.2.0")]),
    ]
}

#[test]
fn builds_to_read_are_the_wanted_ones() {
    let mut disabled = sub("d", Some(9), None);
    disabled.spec.enabled = false;
    let mut rejected = sub("r", Some(5), Some(2));
    rejected.state.rejected_build = Some(5);
    let mut forced = sub("f", Some(2), Some(4));
    forced.state.force = true;
    let lost = sub("l", None, Some(1));
    let mut merged = open_pr(&[("l", 3)], "h1");
    merged.state = PullRequestState::Merged;
    // (subscriptions, pull request, builds read)
    let table: Vec<(
        Vec<SubscriptionView>,
        Option<PullRequestObservation>,
        Vec<BuildId>,
    )> = vec![
        (vec![sub("a", Some(2), Some(2))], None, vec![]),
        (vec![sub("a", None, None)], None, vec![]),
        (vec![sub("a", Some(3), Some(2))], None, vec![3]),
        (vec![disabled, rejected, forced], None, vec![2]),
        (
            vec![lost.clone()],
            Some(open_pr(&[("l", 3)], "h1")),
            vec![3],
        ),
        (vec![lost.clone()], Some(merged), vec![]),
        (vec![lost], Some(open_pr(&[("l", 1)], "h1")), vec![]),
    ];
    for (subs, pr, expected) in table {
        let read: Vec<BuildId> = builds_to_read(&subs, pr.as_ref()).into_iter().collect();
        assert_eq!(
            read,
            expected,
            "{:?}",
            subs.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
}

#[test]
fn planning_reads_no_build_beyond_those_to_read() {
    let cases = [
        (sub("a", Some(2), Some(1)), None),
        (sub("a", Some(1), Some(1)), None),
        (sub("a", None, Some(1)), Some(open_pr(&[("a", 2)], "h1"))),
        (sub("a", Some(2), Some(1)), Some(open_pr(&[("a", 2)], "h1"))),
    ];
    for (subscription, pr) in cases {
        let mut full = input(vec![subscription], new_foo());
        full.pull_request = pr;
        let mut read = full.clone();
        let wanted = builds_to_read(&read.subscriptions, read.pull_request.as_ref());
        read.builds.retain(|id, _| wanted.contains(id));
        assert_eq!(plan(&read), plan(&full));
    }
}
