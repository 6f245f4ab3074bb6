//! The walk: frontiers, depth, cycles, missing and invalid manifests, toolset.

use super::*;
use crate::graph::product::{Edge, ManifestRead, Manifests, WalkOptions};

fn names(nodes: &[(&str, usize)]) -> Vec<(String, usize)> {
    nodes.iter().map(|(n, d)| ((*n).to_owned(), *d)).collect()
}

#[test]
fn frontiers_are_breadth_first_levels() {
    let (graph, frontiers) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    assert_eq!(
        frontiers,
        vec![
            vec![at("sdk", 1)],
            vec![at("runtime", 2), at("aspnetcore", 3)],
            vec![at("runtime", 20), at("extensions", 4)],
        ]
    );
    assert_eq!(
        node_names(&graph),
        names(&[
            ("sdk", 0),
            ("runtime", 1),
            ("aspnetcore", 1),
            ("runtime", 2),
            ("extensions", 2)
        ])
    );
    // extensions -> runtime@20 is an edge to the node aspnetcore already reached.
    assert_eq!(graph.edges.len(), 5);
    assert_eq!(
        graph.edges[4],
        Edge {
            from: 4,
            to: 3,
            dependency: "Contoso.runtime".into(),
            version: "9.0.0".into(),
            kind: DependencyKind::Product,
        }
    );
    assert!(graph.unreadable.is_empty());
}

#[test]
fn depth_bound_table() {
    let chain = world(vec![
        (at("a", 1), vec![product("b", 1, "1")]),
        (at("b", 1), vec![product("c", 1, "1")]),
        (at("c", 1), vec![product("d", 1, "1")]),
        (at("d", 1), vec![]),
    ]);
    let cases: Vec<(Option<usize>, usize, usize)> = vec![
        // (bound, nodes, reads)
        (Some(0), 1, 0),
        (Some(1), 2, 1),
        (Some(2), 3, 2),
        (Some(3), 4, 3),
        (Some(10), 4, 4),
        (None, 4, 4),
    ];
    for (max_depth, nodes, reads) in cases {
        let options = WalkOptions {
            max_depth,
            include_toolset: false,
        };
        let (graph, frontiers) = walk(&at("a", 1), &chain, options);
        assert_eq!(graph.nodes.len(), nodes, "bound {max_depth:?}");
        assert_eq!(frontiers.concat().len(), reads, "bound {max_depth:?}");
        assert!(graph.unreadable.is_empty(), "bound {max_depth:?}");
    }
}

#[test]
fn cycles_terminate() {
    let cases: Vec<(&str, World, usize, usize)> = vec![
        (
            "self loop",
            world(vec![(at("a", 1), vec![product("a", 1, "1")])]),
            1,
            1,
        ),
        (
            "two repositories at one commit each",
            world(vec![
                (at("a", 1), vec![product("b", 1, "1")]),
                (at("b", 1), vec![product("a", 1, "1")]),
            ]),
            2,
            2,
        ),
        (
            "a cycle through a second commit of the root",
            world(vec![
                (at("a", 1), vec![product("b", 1, "1")]),
                (at("b", 1), vec![product("a", 2, "0")]),
                (at("a", 2), vec![product("b", 1, "1")]),
            ]),
            3,
            3,
        ),
    ];
    for (name, w, nodes, edges) in cases {
        let (graph, _) = walk(&at("a", 1), &w, WalkOptions::default());
        assert_eq!(graph.nodes.len(), nodes, "{name}");
        assert_eq!(graph.edges.len(), edges, "{name}");
    }
}

#[test]
fn missing_and_invalid_manifests_are_reported_not_fatal() {
    let mut bad_commit = product("broken", 1, "1");
    bad_commit.commit = "not-a-commit".into();
    let mut bad_url = product("nowhere", 1, "1");
    bad_url.repository = "ftp://example.com/x".into();
    let w = world(vec![
        (
            at("a", 1),
            vec![
                product("gone", 5, "1"),
                bad_commit,
                bad_url,
                product("b", 1, "2"),
            ],
        ),
        (at("b", 1), vec![]),
    ]);
    let (graph, frontiers) = walk(&at("a", 1), &w, WalkOptions::default());
    // Invalid nodes are never asked for.
    assert_eq!(frontiers[1], vec![at("gone", 5), at("b", 1)]);
    let reasons: Vec<(usize, &str)> = graph
        .unreadable
        .iter()
        .map(|u| (u.node, u.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0], (1, "eng/Version.Details.xml: not found"));
    assert!(reasons[1].1.contains("not a commit id"), "{reasons:?}");
    assert!(reasons[2].1.contains("unsupported scheme"), "{reasons:?}");
    assert_eq!(graph.nodes.len(), 5);
}

#[test]
fn a_graph_built_before_the_reads_end_names_what_was_not_read() {
    let graph = build_graph(&at("a", 1), &Manifests::new(), WalkOptions::default());
    assert_eq!(graph.unreadable.len(), 1);
    assert_eq!(graph.unreadable[0].reason, "not read");
    let unreadable_root = Manifests::from([(
        at("a", 1),
        ManifestRead::Unreadable("eng/Version.Details.xml:3:1: bad".into()),
    )]);
    let graph = build_graph(&at("a", 1), &unreadable_root, WalkOptions::default());
    assert_eq!(graph.nodes.len(), 1);
    assert_eq!(
        graph.unreadable[0].reason,
        "eng/Version.Details.xml:3:1: bad"
    );
}

#[test]
fn toolset_dependencies_are_followed_only_when_asked() {
    let w = diamond();
    let cases: Vec<(bool, usize, usize)> = vec![(false, 5, 5), (true, 7, 7)];
    for (include_toolset, nodes, edges) in cases {
        let options = WalkOptions {
            max_depth: None,
            include_toolset,
        };
        let (graph, _) = walk(&at("sdk", 1), &w, options);
        assert_eq!(graph.nodes.len(), nodes, "toolset {include_toolset}");
        assert_eq!(graph.edges.len(), edges, "toolset {include_toolset}");
        let toolset = graph
            .edges
            .iter()
            .filter(|e| e.kind == DependencyKind::Toolset)
            .count();
        assert_eq!(toolset, if include_toolset { 2 } else { 0 });
    }
}

#[test]
fn spellings_of_one_repository_and_commit_are_one_node() {
    let mut upper = product("b", 1, "1");
    upper.repository = url("B") + ".git";
    upper.commit = sha(1).to_uppercase();
    let w = world(vec![
        (at("a", 1), vec![product("b", 1, "1"), upper]),
        (at("b", 1), vec![]),
    ]);
    let (graph, _) = walk(&at("a", 1), &w, WalkOptions::default());
    assert_eq!(graph.nodes.len(), 2);
    assert_eq!(graph.edges.len(), 2);
    assert!(graph.incoherencies.is_empty());
}

#[test]
fn manifest_read_table() {
    use crate::graph::product::manifest_read;
    let good = br#"<?xml version="1.0" encoding="utf-8"?>
<Dependencies>
  <ProductDependencies>
    <Dependency Name="Contoso.Runtime" Version="9.0.1">
      <Uri>https://example.com/contoso/runtime</Uri>
      <Sha>0002abababababababababababababababababab</Sha>
    </Dependency>
  </ProductDependencies>
  <ToolsetDependencies />
</Dependencies>
"#;
    match manifest_read(Some(good)) {
        ManifestRead::Dependencies(deps) => {
            assert_eq!(deps.len(), 1);
            assert_eq!(deps[0].name, "Contoso.Runtime");
            assert_eq!(deps[0].commit, "0002abababababababababababababababababab");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(manifest_read(None), ManifestRead::Dependencies(vec![]));
    match manifest_read(Some(b"<Dependencies>\n  <Oops>\n")) {
        ManifestRead::Unreadable(reason) => {
            assert!(reason.starts_with("eng/Version.Details.xml:"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn root_ref_table() {
    use crate::graph::product::RootRef;
    let full = "0002abababababababababababababababababab";
    assert_eq!(RootRef::parse(full), Ok(RootRef::Commit(full.into())));
    assert_eq!(
        RootRef::parse(&full.to_uppercase()),
        Ok(RootRef::Commit(full.into()))
    );
    assert_eq!(
        RootRef::parse("release/9.0"),
        Ok(RootRef::Branch("release/9.0".into()))
    );
    // Short hexadecimal names are branches (`cafe`), not abbreviated commits.
    assert_eq!(RootRef::parse("cafe"), Ok(RootRef::Branch("cafe".into())));
    assert!(RootRef::parse("a..b").is_err());
    assert!(RootRef::parse("-x").is_err());
}
