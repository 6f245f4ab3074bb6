//! Table tests of coherent parents: children moved with their parent, failures named,
//! unread parents left unchecked, and the reads the engine is asked for.

use super::*;
use crate::graph::{ManifestRead, Manifests, RepoAt};
use crate::manifest::Dependency;
use crate::model::{
    Asset as BuildAsset, SubscriptionSource, SubscriptionSpec, SubscriptionTarget, UpdateFrequency,
};

use super::super::render::render;
use super::super::types::{
    BuildInfo, SubscriptionState, SubscriptionView, TargetObservation, UpdateKey,
};

const RT: &str = "https://github.com/contoso/runtime";
const EXT: &str = "https://github.com/contoso/extensions";
const PARENT: &str = "Contoso.Runtime.Ref";
const CHILD: &str = "Contoso.Extensions.Logging";
const R1: &str = "1111111111111111111111111111111111111111";
const E0: &str = "e000000000000000000000000000000000000000";
const E1: &str = "e111111111111111111111111111111111111111";

fn target_files(child_version: &str, child_sha: &str) -> ManifestFiles {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"{PARENT}\" Version=\"1.0.0\">\n      <Uri>{RT}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n    <Dependency Name=\"{CHILD}\" Version=\"{child_version}\" CoherentParentDependency=\"{PARENT}\">\n      <Uri>{EXT}</Uri>\n      <Sha>{child_sha}</Sha>\n    </Dependency>\n  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n",
        "0".repeat(40)
    );
    let props = format!(
        "<Project>\n  <PropertyGroup>\n    <ContosoRuntimeRefPackageVersion>1.0.0</ContosoRuntimeRefPackageVersion>\n    <ContosoExtensionsLoggingPackageVersion>{child_version}</ContosoExtensionsLoggingPackageVersion>\n  </PropertyGroup>\n</Project>\n"
    );
    [
        ("eng/Version.Details.xml".to_owned(), xml.into_bytes()),
        ("eng/Versions.props".to_owned(), props.into_bytes()),
    ]
    .into_iter()
    .collect()
}

fn spec() -> SubscriptionSpec {
    SubscriptionSpec {
        source: SubscriptionSource {
            repository: RT.into(),
            channel: "dev".into(),
            visibility: None,
            public_repository: None,
        },
        target: SubscriptionTarget {
            repository: "https://github.com/contoso/sdk".into(),
            branch: "main".into(),
            directories: vec![],
            visibility: None,
        },
        update_frequency: UpdateFrequency::EveryBuild,
        batchable: false,
        excluded_assets: vec![],
        merge_policies: vec![],
        failure_notification_tags: vec![],
        enabled: true,
        source_enabled: false,
        source_directory: None,
        target_directory: None,
    }
}

fn runtime_build() -> BuildInfo {
    BuildInfo {
        id: 1,
        repository: RT.into(),
        branch: "main".into(),
        commit: R1.into(),
        build_number: "20260101.1".into(),
        produced_at: "2026-01-01T00:00:00Z".into(),
        assets: vec![BuildAsset {
            name: PARENT.into(),
            version: "2.0.0".into(),
            non_shipping: false,
            locations: vec![],
        }],
        channels: vec!["dev".into()],
    }
}

fn runtime_manifest(read: ManifestRead) -> Manifests {
    Manifests::from([(RepoAt::new(RT, R1), read)])
}

fn child_at(version: &str, sha: &str) -> ManifestRead {
    ManifestRead::Dependencies(vec![Dependency::new(CHILD, version, EXT, sha)])
}

#[test]
fn the_child_moves_with_its_parent_in_the_same_commit() {
    let parents = runtime_manifest(child_at("2.0.0", E1));
    let r = render(
        &target_files("1.0.0", E0),
        &spec(),
        &runtime_build(),
        &parents,
    )
    .expect("renders");
    let moved: Vec<(&str, &str, &str)> = r
        .updates
        .iter()
        .map(|u| (u.name.as_str(), u.to_version.as_str(), u.to_commit.as_str()))
        .collect();
    assert_eq!(moved, [(PARENT, "2.0.0", R1), (CHILD, "2.0.0", E1)]);
    assert_eq!(r.coherency, CoherencyReport::default());
    let xml = String::from_utf8(r.files["eng/Version.Details.xml"].clone()).expect("utf-8");
    assert!(xml.contains(&format!("<Sha>{E1}</Sha>")), "{xml}");
    let props = String::from_utf8(r.files["eng/Versions.props"].clone()).expect("utf-8");
    assert!(
        props.contains("<ContosoExtensionsLoggingPackageVersion>2.0.0<"),
        "{props}"
    );
}

#[test]
fn coherency_findings_table() {
    let failure = |problem: &str| CoherencyFailure {
        dependency: CHILD.into(),
        parent: PARENT.into(),
        repository: RT.into(),
        commit: R1.into(),
        problem: problem.into(),
    };
    /// (case, parent manifests, child before, updates moved, report)
    type Case<'a> = (
        &'a str,
        Manifests,
        (&'a str, &'a str),
        usize,
        CoherencyReport,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "the parent's manifest lacks the child",
            runtime_manifest(ManifestRead::Dependencies(vec![])),
            ("1.0.0", E0),
            1,
            CoherencyReport {
                failures: vec![failure("does not reference it in eng/Version.Details.xml")],
                unchecked: vec![],
            },
        ),
        (
            "the parent's manifest cannot be read",
            runtime_manifest(ManifestRead::Unreadable(
                "eng/Version.Details.xml:3:1: bad".into(),
            )),
            ("1.0.0", E0),
            1,
            CoherencyReport {
                failures: vec![failure("cannot be read: eng/Version.Details.xml:3:1: bad")],
                unchecked: vec![],
            },
        ),
        (
            "the parent's manifest was not read",
            Manifests::new(),
            ("1.0.0", E0),
            1,
            CoherencyReport {
                failures: vec![],
                unchecked: vec![CHILD.into()],
            },
        ),
        (
            "the child is where the parent says already",
            runtime_manifest(child_at("2.0.0", E1)),
            ("2.0.0", E1),
            1,
            CoherencyReport::default(),
        ),
    ];
    for (name, parents, (version, sha), moved, report) in cases {
        let r = render(
            &target_files(version, sha),
            &spec(),
            &runtime_build(),
            &parents,
        )
        .expect(name);
        assert_eq!(r.updates.len(), moved, "{name}");
        assert_eq!(r.coherency, report, "{name}");
    }
    assert_eq!(
        failure("does not reference it in eng/Version.Details.xml").to_string(),
        format!(
            "{CHILD} follows {PARENT}, but {RT} at {R1} does not reference it in eng/Version.Details.xml"
        )
    );
}

#[test]
fn a_build_that_does_not_move_the_parent_leaves_children_alone() {
    let mut build = runtime_build();
    build.assets[0].name = "Contoso.Other".into();
    let r = render(
        &target_files("1.0.0", E0),
        &spec(),
        &build,
        &runtime_manifest(ManifestRead::Dependencies(vec![])),
    )
    .expect("renders");
    assert!(r.updates.is_empty());
    assert_eq!(r.coherency, CoherencyReport::default());
}

fn key_input(files: ManifestFiles, build: BuildInfo) -> KeyInput {
    KeyInput {
        key: UpdateKey::Subscription { name: "s".into() },
        target_repository: "https://github.com/contoso/sdk".into(),
        target_branch: "main".into(),
        subscriptions: vec![SubscriptionView {
            name: "s".into(),
            spec: spec(),
            state: SubscriptionState::default(),
        }],
        builds: [(build.id, build)].into_iter().collect(),
        merge_policies: vec![],
        failure_notification_tags: vec![],
        target: TargetObservation {
            head: Some("h".into()),
            files,
            update_branch: None,
        },
        pull_request: None,
        parent_manifests: Manifests::new(),
        product_manifests: Manifests::new(),
        visibility: Default::default(),
    }
}

#[test]
fn parent_reads_table() {
    let mut other = runtime_build();
    other.assets[0].name = "Contoso.Other".into();
    let plain = {
        let mut files = target_files("1.0.0", E0);
        let xml = String::from_utf8(files["eng/Version.Details.xml"].clone()).expect("utf-8");
        let xml = xml.replace(&format!(" CoherentParentDependency=\"{PARENT}\""), "");
        files.insert("eng/Version.Details.xml".into(), xml.into_bytes());
        files
    };
    let cases: Vec<(&str, ManifestFiles, BuildInfo, Vec<RepoAt>)> = vec![
        (
            "a build carrying a coherent parent",
            target_files("1.0.0", E0),
            runtime_build(),
            vec![RepoAt::new(RT, R1)],
        ),
        (
            "a build carrying no parent",
            target_files("1.0.0", E0),
            other,
            vec![],
        ),
        ("no coherent children", plain, runtime_build(), vec![]),
        ("no manifest", ManifestFiles::new(), runtime_build(), vec![]),
    ];
    for (name, files, build, expected) in cases {
        assert_eq!(parent_reads(&key_input(files, build)), expected, "{name}");
    }
}
