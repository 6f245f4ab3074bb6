//! The planner and public targets: a refused build stalls its subscription with
//! `InternalToPublic` and proposes nothing; the others of a batch go on.

use super::*;
use crate::flow::visibility::{CommitReach, KeyVisibility};
use crate::model::{AssetLocation, LocationType, Visibility};

const INT_FEED: &str = "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-contoso-runtime-0123456/nuget/v3/index.json";
const PUB_FEED: &str = "https://pkgs.dev.azure.com/dnceng/public/_packaging/darc-pub-contoso-runtime-0123456/nuget/v3/index.json";

fn public_target(channels: &[(&str, Visibility)], reach: &[(BuildId, bool)]) -> KeyVisibility {
    KeyVisibility {
        target: Visibility::Public,
        channels: channels.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        commits: reach
            .iter()
            .map(|(id, public)| {
                let repository = RT.to_string();
                let r = if *public {
                    CommitReach::Public { repository }
                } else {
                    CommitReach::NotPublic { repository }
                };
                (*id, r)
            })
            .collect(),
    }
}

#[test]
fn an_internal_channel_build_is_refused_for_a_public_target() {
    let mut i = input(
        vec![sub("s", Some(1), None)],
        vec![build(1, &[("Foo.Core", "1.1.0")])],
    );
    i.visibility = public_target(&[("s", Visibility::Internal)], &[(1, true)]);
    let p = plan(&i);
    assert!(p.actions.is_empty(), "{:?}", kinds(&p));
    assert_eq!(reason(&p, "s"), "Stalled/InternalToPublic");
    assert!(
        message(&p, "s").contains("internal channel `dev`"),
        "{}",
        message(&p, "s")
    );
    // The same input into an internal target flows.
    i.visibility.target = Visibility::Internal;
    assert_eq!(reason(&plan(&i), "s"), "Reconciling/PullRequestOpening");
}

#[test]
fn a_commit_missing_from_the_public_repository_is_refused_but_others_flow() {
    let mut a = sub("a", Some(1), None);
    a.spec.batchable = true;
    let mut b = sub("b", Some(2), None);
    b.spec.batchable = true;
    let mut i = input(
        vec![a, b],
        vec![
            build(1, &[("Foo.Core", "1.1.0")]),
            build(2, &[("Bar.Sdk", "2.1.0")]),
        ],
    );
    i.visibility = public_target(
        &[("a", Visibility::Public), ("b", Visibility::Public)],
        &[(1, false), (2, true)],
    );
    let p = plan(&i);
    assert_eq!(reason(&p, "a"), "Stalled/InternalToPublic");
    assert!(
        message(&p, "a").contains("is not in public repository"),
        "{}",
        message(&p, "a")
    );
    assert_eq!(reason(&p, "b"), "Reconciling/PullRequestOpening");
    assert!(
        kinds(&p).iter().any(|k| k.starts_with("Open({\"b\": 2})")),
        "{:?}",
        kinds(&p)
    );
}

#[test]
fn a_public_target_never_gets_an_internal_feed() {
    let mut b = build(1, &[("Foo.Core", "1.1.0")]);
    b.assets[0].locations = [PUB_FEED, INT_FEED]
        .iter()
        .map(|l| AssetLocation {
            location: l.to_string(),
            type_: LocationType::NugetFeed,
        })
        .collect();
    let mut i = input(vec![sub("s", Some(1), None)], vec![b]);
    let config = "<configuration><packageSources><clear /></packageSources></configuration>\n";
    i.target
        .files
        .insert("NuGet.config".into(), config.as_bytes().to_vec());
    let written = |p: &Plan| -> String {
        p.actions
            .iter()
            .find_map(|a| match a {
                Action::PushUpdate { files, .. } => files.get("NuGet.config").cloned(),
                _ => None,
            })
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let internal = plan(&i);
    assert!(
        written(&internal).contains("darc-int-"),
        "{}",
        written(&internal)
    );
    i.visibility = public_target(&[("s", Visibility::Public)], &[(1, true)]);
    let public = plan(&i);
    assert_eq!(reason(&public, "s"), "Reconciling/PullRequestOpening");
    assert!(
        written(&public).contains("darc-pub-"),
        "{}",
        written(&public)
    );
    assert!(
        !written(&public).contains("darc-int-"),
        "{}",
        written(&public)
    );
}
