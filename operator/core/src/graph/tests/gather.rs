//! Table tests of gather-drop's plan: directories, sources by location type, missing
//! builds, and untrusted names that must not leave the output directory.

use std::collections::BTreeMap;

use super::super::gather::{
    DropFile, Source, asset_path, nuget_package_url, package_base_address, plan, safe_segment,
};
use super::{at, product, walk, world};
use crate::flow::BuildInfo;
use crate::graph::WalkOptions;
use crate::model::{Asset, AssetLocation, LocationType};

fn location(kind: LocationType, url: &str) -> AssetLocation {
    AssetLocation {
        location: url.into(),
        type_: kind,
    }
}

fn asset(name: &str, version: &str, locations: Vec<AssetLocation>) -> Asset {
    Asset {
        name: name.into(),
        version: version.into(),
        non_shipping: false,
        locations,
    }
}

fn build(id: i64, number: &str, assets: Vec<Asset>) -> BuildInfo {
    BuildInfo {
        id,
        repository: String::new(),
        branch: "main".into(),
        commit: String::new(),
        build_number: number.into(),
        produced_at: "2026-12-01T00:00:00Z".into(),
        assets,
        channels: vec![],
    }
}

const BLOBS: &str = "https://blobs.example.com/drops/";
const FEED: &str = "https://pkgs.example.com/feed/index.json";

/// sdk -> runtime (commit 1), sdk -> aspnetcore -> runtime (commit 2): an incoherent
/// product whose two runtimes share a repository directory.
fn graph() -> crate::graph::ProductGraph {
    let w = world(vec![
        (
            at("sdk", 1),
            vec![
                product("runtime", 1, "1.0.0"),
                product("aspnetcore", 1, "1.0.0"),
            ],
        ),
        (at("aspnetcore", 1), vec![product("runtime", 2, "2.0.0")]),
        (at("runtime", 1), vec![]),
        (at("runtime", 2), vec![]),
    ]);
    walk(&at("sdk", 1), &w, WalkOptions::default()).0
}

#[test]
fn every_node_gets_its_build_directory_and_missing_builds_are_reported() {
    let g = graph();
    // Nodes: 0 sdk, 1 runtime@1, 2 aspnetcore, 3 runtime@2.
    let builds = BTreeMap::from([
        (
            0,
            build(
                10,
                "20261201.4",
                vec![asset(
                    "assets/sdk/contoso-sdk.zip",
                    "1.0.0",
                    vec![location(LocationType::Blob, BLOBS)],
                )],
            ),
        ),
        (
            1,
            build(
                11,
                "20261201.1",
                vec![asset(
                    "Contoso.Runtime",
                    "1.0.0-Preview.1",
                    vec![location(LocationType::NugetFeed, FEED)],
                )],
            ),
        ),
        (
            3,
            build(
                12,
                "20261201.2",
                vec![asset(
                    "contoso/runtime-deps",
                    "2.0.0",
                    vec![location(
                        LocationType::Container,
                        "registry.example.com/contoso/runtime-deps",
                    )],
                )],
            ),
        ),
    ]);
    let p = plan(&g, &builds);
    let dirs: Vec<Option<&str>> = p
        .nodes
        .iter()
        .map(|n| n.build.as_ref().map(|b| b.directory.as_str()))
        .collect();
    assert_eq!(
        dirs,
        [
            Some("sdk/20261201.4"),
            Some("runtime/20261201.1"),
            None,
            Some("runtime/20261201.2")
        ]
    );
    let missing: Vec<&str> = p.missing().map(|n| n.repository.as_str()).collect();
    assert_eq!(missing, [super::url("aspnetcore")]);
    let files: Vec<&DropFile> = p.files().collect();
    assert_eq!(
        files[0],
        &DropFile {
            asset: "assets/sdk/contoso-sdk.zip".into(),
            version: "1.0.0".into(),
            path: "sdk/20261201.4/assets/sdk/contoso-sdk.zip".into(),
            sources: vec![Source::Url {
                url: "https://blobs.example.com/drops/assets/sdk/contoso-sdk.zip".into()
            }],
        }
    );
    assert_eq!(
        files[1].path,
        "runtime/20261201.1/contoso.runtime.1.0.0-preview.1.nupkg"
    );
    assert_eq!(
        files[1].sources,
        [Source::NugetPackage {
            feed: FEED.into(),
            id: "Contoso.Runtime".into(),
            version: "1.0.0-Preview.1".into()
        }]
    );
    assert_eq!(files.len(), 2);
    assert_eq!(
        p.nodes[3].skipped[0].reason,
        "a container image: pull registry.example.com/contoso/runtime-deps:2.0.0"
    );
}

#[test]
fn untrusted_names_and_locations_never_leave_the_directory() {
    let g = graph();
    let blob = |name: &str| asset(name, "1.0.0", vec![location(LocationType::Blob, BLOBS)]);
    let builds = BTreeMap::from([(
        0,
        build(
            10,
            "..",
            vec![
                blob("../../etc/passwd"),
                blob("/etc/passwd"),
                blob("a/./b"),
                blob("C:\\evil.zip"),
                blob("ok//x"),
                blob("fine.zip"),
                blob("FINE.zip"),
                asset(
                    "x.zip",
                    "1.0.0",
                    vec![location(LocationType::Blob, "file:///etc/")],
                ),
                asset(
                    "y.zip",
                    "1.0.0",
                    vec![location(LocationType::Blob, "https://u:p@h.example.com/")],
                ),
                asset("z.zip", "1.0.0", vec![]),
                asset("v.zip", "1.0/0", vec![location(LocationType::Blob, BLOBS)]),
            ],
        ),
    )]);
    let p = plan(&g, &builds);
    let node = &p.nodes[0];
    assert_eq!(
        node.build.as_ref().map(|b| b.directory.as_str()),
        Some("sdk/build-10"),
        "a build number that is no safe name is replaced by the id"
    );
    let paths: Vec<&str> = node.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["sdk/build-10/fine.zip"]);
    let skipped: Vec<(&str, &str)> = node
        .skipped
        .iter()
        .map(|s| (s.asset.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 10, "{skipped:#?}");
    for (name, reason) in &skipped {
        assert!(!reason.is_empty(), "{name}");
    }
    assert!(
        skipped[0]
            .1
            .starts_with("asset name \"../../etc/passwd\": \"..\" is not a file name"),
        "{}",
        skipped[0].1
    );
    assert!(skipped[3].1.contains("has ':'"), "{}", skipped[3].1);
    assert_eq!(
        skipped[5].1,
        "sdk/build-10/FINE.zip is another asset's file already"
    );
    assert_eq!(
        skipped[6].1,
        "location \"file:///etc/\" is not an http(s) URL"
    );
    assert!(
        skipped[7].1.contains("carries credentials"),
        "{}",
        skipped[7].1
    );
    assert_eq!(skipped[8].1, "no location is registered");
    assert!(skipped[9].1.contains("version"), "{}", skipped[9].1);
}

#[test]
fn safe_segments_and_asset_paths() {
    for ok in ["a", "Contoso.Runtime.1.0.0.nupkg", "20261201.1", "x+y_z-1"] {
        assert_eq!(safe_segment(ok), Ok(ok));
    }
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "c:",
        "a b",
        "\u{202e}x",
        &"x".repeat(256),
    ] {
        assert!(safe_segment(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        asset_path("assets/x/y.zip").as_deref(),
        Ok("assets/x/y.zip")
    );
    for bad in ["/abs", "a/../b", "a//b", "a/", "..", "a/./b"] {
        assert!(asset_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn nuget_feeds_resolve_through_their_service_index() {
    let index = br#"{"version": "3.0.0", "resources": [
        {"@id": "https://pkgs.example.com/feed/query", "@type": "SearchQueryService"},
        {"@id": "https://pkgs.example.com/feed/flat2/", "@type": "PackageBaseAddress/3.0.0"}]}"#;
    let base = package_base_address(index).expect("base");
    assert_eq!(base, "https://pkgs.example.com/feed/flat2/");
    assert_eq!(
        nuget_package_url(&base, "Contoso.Runtime", "1.0.0-Preview.1"),
        "https://pkgs.example.com/feed/flat2/contoso.runtime/1.0.0-preview.1/contoso.runtime.1.0.0-preview.1.nupkg"
    );
    let cases: [(&[u8], &str); 4] = [
        (b"not json", "the service index is not JSON"),
        (b"{}", "the service index has no resources"),
        (
            br#"{"resources": []}"#,
            "the service index declares no PackageBaseAddress/3.0.0",
        ),
        (
            br#"{"resources": [{"@id": "file:///etc/", "@type": "PackageBaseAddress/3.0.0"}]}"#,
            "location \"file:///etc/\" is not an http(s) URL",
        ),
    ];
    for (body, expected) in cases {
        let err = package_base_address(body).expect_err("refused");
        assert!(err.starts_with(expected), "{err}");
    }
}
