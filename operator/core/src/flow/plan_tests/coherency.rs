//! Standard on an update with a coherent child: merges when the child follows its parent,
//! blocks with a message naming the failure when the parent's manifest lacks it.

use super::*;
use crate::graph::{ManifestRead, RepoAt};
use crate::manifest::Dependency;

const EXT: &str = "https://github.com/contoso/extensions";
const E1: &str = "e111111111111111111111111111111111111111";

fn coherent_files() -> ManifestFiles {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Foo.Core\" Version=\"1.0.0\">\n      <Uri>{RT}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n    <Dependency Name=\"Ext.Logging\" Version=\"1.0.0\" CoherentParentDependency=\"Foo.Core\">\n      <Uri>{EXT}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n",
        "0".repeat(40),
        "0".repeat(40)
    );
    [
        (XML.to_owned(), xml.into_bytes()),
        (
            PROPS.to_owned(),
            props(&[("Foo.Core", "1.0.0"), ("Ext.Logging", "1.0.0")]),
        ),
    ]
    .into_iter()
    .collect()
}

fn reviewed(parent_deps: Vec<Dependency>) -> Plan {
    let mut i = input(
        vec![sub("s", Some(1), None)],
        vec![build(1, &[("Foo.Core", "2.0.0")])],
    );
    i.target.files = coherent_files();
    i.merge_policies = policies(&[MergePolicyName::Standard]);
    i.parent_manifests = [(
        RepoAt::new(RT, format!("{:040}", 1)),
        ManifestRead::Dependencies(parent_deps),
    )]
    .into_iter()
    .collect();
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.checks = vec![Check {
        name: "build".into(),
        state: CheckState::Success,
    }];
    i.pull_request = Some(pr);
    plan(&i)
}

#[test]
fn standard_merges_a_coherent_update() {
    let p = reviewed(vec![Dependency::new("Ext.Logging", "2.0.0", EXT, E1)]);
    assert_eq!(kinds(&p), ["Merge(7,p1)"]);
    assert!(p.policies.iter().all(|e| e.result == PolicyResult::Passed));
}

#[test]
fn standard_blocks_an_incoherent_update_naming_the_failure() {
    let p = reviewed(vec![]);
    assert!(
        !kinds(&p).iter().any(|k| k.starts_with("Merge")),
        "{:?}",
        kinds(&p)
    );
    let coherency = p
        .policies
        .iter()
        .find(|e| e.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(coherency.result, PolicyResult::Failed);
    assert_eq!(
        coherency.message,
        format!(
            "coherency failures: Ext.Logging follows Foo.Core, but {RT} at {:040} does not reference it in eng/Version.Details.xml",
            1
        )
    );
}

#[test]
fn the_pushed_update_carries_the_child() {
    let mut i = input(
        vec![sub("s", Some(1), None)],
        vec![build(1, &[("Foo.Core", "2.0.0")])],
    );
    i.target.files = coherent_files();
    i.parent_manifests = [(
        RepoAt::new(RT, format!("{:040}", 1)),
        ManifestRead::Dependencies(vec![Dependency::new("Ext.Logging", "2.0.0", EXT, E1)]),
    )]
    .into_iter()
    .collect();
    let p = plan(&i);
    let files = p
        .actions
        .iter()
        .find_map(|a| match a {
            Action::PushUpdate { files, .. } => Some(files),
            _ => None,
        })
        .expect("a push");
    let xml = String::from_utf8(files[XML].clone()).expect("utf-8");
    assert!(xml.contains(&format!("<Sha>{E1}</Sha>")), "{xml}");
    assert!(
        xml.contains("Name=\"Ext.Logging\" Version=\"2.0.0\""),
        "{xml}"
    );
}
