use super::*;
use crate::model::{Asset, AssetLocation, LocationType, SubscriptionSource, SubscriptionTarget};

const PUB_FEED: &str = "https://pkgs.dev.azure.com/dnceng/public/_packaging/darc-pub-contoso-runtime-0123456/nuget/v3/index.json";
const INT_FEED: &str = "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-contoso-runtime-0123456/nuget/v3/index.json";
const NUGET_ORG: &str = "https://api.nuget.org/v3/index.json";

fn spec(public_repository: Option<&str>, excluded: &[&str]) -> SubscriptionSpec {
    SubscriptionSpec {
        source: SubscriptionSource {
            repository: "https://dev.azure.com/contoso/internal/_git/runtime".into(),
            channel: "dev".into(),
            visibility: None,
            public_repository: public_repository.map(str::to_string),
        },
        target: SubscriptionTarget {
            repository: "https://github.com/contoso/sdk".into(),
            branch: "main".into(),
            directories: vec![".".into()],
            visibility: None,
        },
        update_frequency: Default::default(),
        batchable: false,
        excluded_assets: excluded.iter().map(|s| s.to_string()).collect(),
        merge_policies: vec![],
        failure_notification_tags: vec![],
        enabled: true,
        source_enabled: false,
        source_directory: None,
        target_directory: None,
    }
}

fn asset(name: &str, locations: &[&str]) -> Asset {
    Asset {
        name: name.into(),
        version: "1.0.0".into(),
        non_shipping: false,
        locations: locations
            .iter()
            .map(|l| AssetLocation {
                location: l.to_string(),
                type_: LocationType::NugetFeed,
            })
            .collect(),
    }
}

fn build(assets: Vec<Asset>) -> BuildInfo {
    BuildInfo {
        id: 4,
        repository: "https://dev.azure.com/contoso/internal/_git/runtime".into(),
        branch: "main".into(),
        commit: "c".repeat(40),
        build_number: "20261201.4".into(),
        produced_at: "2026-12-01T00:00:00Z".into(),
        assets,
        channels: vec!["dev".into()],
    }
}

#[test]
fn defaults_follow_the_forge_kind() {
    let table = [
        (ForgeKind::GitHub, Visibility::Public),
        (ForgeKind::AzureDevOps, Visibility::Internal),
        (ForgeKind::Native, Visibility::Internal),
    ];
    for (kind, want) in table {
        assert_eq!(default_visibility(kind), want, "{kind:?}");
    }
}

#[test]
fn declared_beats_forge_beats_default() {
    use Visibility::{Internal, Public};
    let table = [
        (Some(Internal), Some(Public), ForgeKind::GitHub, Internal),
        (Some(Public), Some(Internal), ForgeKind::AzureDevOps, Public),
        (None, Some(Internal), ForgeKind::GitHub, Internal),
        (None, Some(Public), ForgeKind::AzureDevOps, Public),
        (None, None, ForgeKind::GitHub, Public),
        (None, None, ForgeKind::AzureDevOps, Internal),
        (None, None, ForgeKind::Native, Internal),
    ];
    for (declared, forge, kind, want) in table {
        assert_eq!(
            resolve(declared, forge, kind),
            want,
            "{declared:?} {forge:?} {kind:?}"
        );
    }
}

#[test]
fn forge_answers_are_read() {
    use Visibility::{Internal, Public};
    let github = [
        (Some("public"), Some(true), Some(Public)),
        (Some("private"), None, Some(Internal)),
        (Some("internal"), Some(true), Some(Internal)),
        (None, Some(true), Some(Internal)),
        (None, Some(false), Some(Public)),
        (Some("secret"), None, None),
        (None, None, None),
    ];
    for (visibility, private, want) in github {
        assert_eq!(
            github_visibility(visibility, private),
            want,
            "{visibility:?} {private:?}"
        );
    }
    let azure = [
        (Some("public"), Some(Public)),
        (Some("Private"), Some(Internal)),
        (Some("organization"), Some(Internal)),
        (Some("unchanged"), None),
        (None, None),
    ];
    for (visibility, want) in azure {
        assert_eq!(azure_devops_visibility(visibility), want, "{visibility:?}");
    }
}

#[test]
fn the_public_repository_is_the_source_or_its_declared_mirror() {
    let mirror = "https://github.com/contoso/runtime";
    let table = [
        (
            None,
            Visibility::Public,
            Some("https://dev.azure.com/contoso/internal/_git/runtime"),
        ),
        (
            Some(mirror),
            Visibility::Public,
            Some("https://dev.azure.com/contoso/internal/_git/runtime"),
        ),
        (Some(mirror), Visibility::Internal, Some(mirror)),
        (None, Visibility::Internal, None),
    ];
    for (declared, source, want) in table {
        assert_eq!(
            public_repository(&spec(declared, &[]), source),
            want,
            "{declared:?} {source:?}"
        );
    }
}

#[test]
fn internal_feeds_are_recognised() {
    let table = [
        (INT_FEED, true),
        (PUB_FEED, false),
        (NUGET_ORG, false),
        (
            "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-x/nuget/v3/index.json",
            false,
        ),
    ];
    for (url, want) in table {
        assert_eq!(is_internal_feed(url), want, "{url}");
    }
}

#[test]
fn internal_only_assets_are_those_with_every_location_internal() {
    let b = build(vec![
        asset("A.Int", &[INT_FEED]),
        asset("B.Both", &[INT_FEED, PUB_FEED]),
        asset("C.Pub", &[PUB_FEED]),
        asset("D.None", &[]),
        asset("E.Excluded", &[INT_FEED]),
    ]);
    assert_eq!(internal_only_assets(&spec(None, &["E.*"]), &b), ["A.Int"]);
    let shown = public_view(&b);
    let locations: Vec<usize> = shown.assets.iter().map(|a| a.locations.len()).collect();
    assert_eq!(locations, [0, 1, 1, 0, 0]);
    assert_eq!(shown.assets[1].locations[0].location, PUB_FEED);
}

/// Target, channel, commit, build, and a part of the refusal (none: allowed).
type Row<'a> = (
    Visibility,
    Visibility,
    Option<CommitReach>,
    &'a BuildInfo,
    Option<&'a str>,
);

fn key(target: Visibility, channel: Visibility, reach: Option<CommitReach>) -> KeyVisibility {
    KeyVisibility {
        target,
        channels: [("s".to_string(), channel)].into(),
        commits: reach.into_iter().map(|r| (4, r)).collect(),
    }
}

#[test]
fn only_public_targets_refuse_and_they_say_why() {
    use Visibility::{Internal, Public};
    let mirror = "https://github.com/contoso/runtime".to_string();
    let public = Some(CommitReach::Public {
        repository: mirror.clone(),
    });
    let not_public = Some(CommitReach::NotPublic {
        repository: mirror.clone(),
    });
    let no_repo = Some(CommitReach::NoPublicRepository { source: "S".into() });
    let clean = build(vec![asset("C.Pub", &[PUB_FEED])]);
    let internal_assets = build(vec![asset("A.Int", &[INT_FEED])]);
    let table: [Row<'_>; 9] = [
        (Internal, Internal, None, &internal_assets, None),
        (Internal, Public, not_public.clone(), &clean, None),
        (Public, Public, public.clone(), &clean, None),
        (
            Public,
            Internal,
            public.clone(),
            &clean,
            Some("internal channel `dev`"),
        ),
        (
            Public,
            Public,
            public.clone(),
            &internal_assets,
            Some("only on internal feeds (A.Int)"),
        ),
        (
            Public,
            Public,
            not_public,
            &clean,
            Some("is not in public repository https://github.com/contoso/runtime"),
        ),
        (
            Public,
            Public,
            no_repo,
            &clean,
            Some("declares no `publicRepository`"),
        ),
        (Public, Public, None, &clean, Some("was not verified")),
        (
            Public,
            Internal,
            None,
            &internal_assets,
            Some("internal channel"),
        ),
    ];
    for (target, channel, reach, b, want) in table {
        let got = refusal(
            &key(target, channel, reach.clone()),
            "s",
            &spec(None, &[]),
            b,
        );
        match (want, &got) {
            (None, None) => {}
            (Some(part), Some(text)) => {
                assert!(
                    text.contains(part),
                    "{target:?} {channel:?} {reach:?}: {text}"
                );
                assert!(text.contains("20261201.4"), "names the build: {text}");
                assert!(
                    text.contains("https://github.com/contoso/sdk"),
                    "names the target: {text}"
                );
            }
            _ => panic!("{target:?} {channel:?} {reach:?}: want {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_subscription_with_no_known_channel_counts_as_internal() {
    let v = KeyVisibility {
        target: Visibility::Public,
        ..Default::default()
    };
    let text = refusal(&v, "unknown", &spec(None, &[]), &build(vec![])).unwrap_or_default();
    assert!(text.contains("internal channel"), "{text}");
    assert_eq!(KeyVisibility::default().target, Visibility::Internal);
}
