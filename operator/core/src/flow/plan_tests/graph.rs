//! `Standard` with `graph: true` through the planner: it asks for the nodes below the
//! update until the graph is whole, then merges a coherent update and blocks one that
//! leaves a repository at two commits.

use super::*;
use crate::graph::{ManifestRead, RepoAt};
use crate::model::PolicyEvaluation;

const HEAD: &str = "4444444444444444444444444444444444444444";

fn graph_policy() -> Vec<MergePolicy> {
    vec![MergePolicy {
        name: MergePolicyName::Standard,
        properties: MergePolicyProperties {
            graph: true,
            ..Default::default()
        },
    }]
}

/// The key with an open pull request for build 1 (carrying `assets` of runtime) whose
/// checks passed, and the product manifests read so far.
fn key(assets: &[(&str, &str)], below: &[RepoAt]) -> KeyInput {
    let mut i = input(vec![sub("s", Some(1), None)], vec![build(1, assets)]);
    i.merge_policies = graph_policy();
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.head_commit = HEAD.into();
    pr.head_branch_tip = Some(HEAD.into());
    pr.checks = vec![Check {
        name: "build".into(),
        state: CheckState::Success,
    }];
    i.pull_request = Some(pr);
    i.product_manifests = below
        .iter()
        .map(|at| (at.clone(), ManifestRead::Dependencies(vec![])))
        .collect();
    i
}

fn coherency(p: &Plan) -> &PolicyEvaluation {
    p.policies
        .iter()
        .find(|e| e.name == "ValidateCoherency")
        .expect("evaluated")
}

#[test]
fn the_planner_asks_for_the_graph_then_blocks_an_update_moving_half_a_repository() {
    // The build moves Foo.Core to runtime's commit 1; Bar.Sdk stays at commit 0.
    let old = RepoAt::new(RT, format!("{:040}", 0));
    let new = RepoAt::new(RT, format!("{:040}", 1));
    let first = plan(&key(&[("Foo.Core", "2.0.0")], &[]));
    assert_eq!(first.graph_reads, vec![new.clone(), old.clone()]);
    assert_eq!(coherency(&first).result, PolicyResult::Pending);
    assert!(!kinds(&first).iter().any(|k| k.starts_with("Merge")));

    let second = plan(&key(&[("Foo.Core", "2.0.0")], &[new, old]));
    assert!(second.graph_reads.is_empty());
    assert!(!kinds(&second).iter().any(|k| k.starts_with("Merge")));
    assert_eq!(coherency(&second).result, PolicyResult::Failed);
    assert_eq!(
        coherency(&second).message,
        format!(
            "the product graph would be incoherent: {RT} at 2 commits: {} (2.0.0) along sdk -> runtime, {} (2.0.0) along sdk -> runtime",
            "0".repeat(39) + "1",
            "0".repeat(40)
        )
    );
}

#[test]
fn an_update_moving_the_whole_repository_merges() {
    let new = RepoAt::new(RT, format!("{:040}", 1));
    let p = plan(&key(&[("Foo.Core", "2.0.0"), ("Bar.Sdk", "3.0.0")], &[new]));
    assert!(p.graph_reads.is_empty());
    assert_eq!(
        coherency(&p).message,
        "every coherent dependency follows its parent; the product graph is coherent (2 repositories, each at one commit)"
    );
    assert_eq!(kinds(&p), [format!("Merge(7,{HEAD})")]);
}
