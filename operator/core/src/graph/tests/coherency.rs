//! Incoherencies: diamonds, versions, paths, toolset.

use super::*;
use crate::graph::coherency::{Incoherency, IncoherentCommit};
use crate::graph::product::WalkOptions;

fn paths(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|name| url(name)).collect())
        .collect()
}

#[test]
fn a_diamond_with_two_runtimes_is_incoherent() {
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    assert_eq!(
        graph.incoherencies,
        vec![Incoherency {
            repository: url("runtime"),
            commits: vec![
                IncoherentCommit {
                    commit: sha(2),
                    versions: vec!["9.0.1".into()],
                    paths: paths(&[&["sdk", "runtime"]]),
                },
                IncoherentCommit {
                    commit: sha(20),
                    versions: vec!["9.0.0".into()],
                    paths: paths(&[
                        &["sdk", "aspnetcore", "runtime"],
                        &["sdk", "aspnetcore", "extensions", "runtime"],
                    ]),
                },
            ],
        }]
    );
    assert!(graph.is_incoherent(1) && graph.is_incoherent(3));
    assert!(!graph.is_incoherent(0) && !graph.is_incoherent(2));
}

#[test]
fn coherency_table() {
    let cases: Vec<(&str, World, bool, Vec<&str>)> = vec![
        (
            "a diamond meeting at one commit",
            world(vec![
                (at("a", 1), vec![product("b", 1, "1"), product("c", 1, "1")]),
                (at("b", 1), vec![product("c", 1, "1")]),
                (at("c", 1), vec![]),
            ]),
            false,
            vec![],
        ),
        (
            "a chain",
            world(vec![
                (at("a", 1), vec![product("b", 1, "1")]),
                (at("b", 1), vec![]),
            ]),
            false,
            vec![],
        ),
        (
            "the root reached again at another commit",
            world(vec![
                (at("a", 1), vec![product("b", 1, "1")]),
                (at("b", 1), vec![product("a", 2, "0")]),
                (at("a", 2), vec![]),
            ]),
            false,
            vec!["a"],
        ),
        (
            "two toolset commits, toolset left out",
            diamond(),
            false,
            vec!["runtime"],
        ),
        (
            "two toolset commits, toolset included",
            diamond(),
            true,
            vec!["runtime", "arcade"],
        ),
    ];
    for (name, w, include_toolset, expected) in cases {
        let options = WalkOptions {
            max_depth: None,
            include_toolset,
        };
        let root = if w.contains_key(&at("sdk", 1)) {
            at("sdk", 1)
        } else {
            at("a", 1)
        };
        let (graph, _) = walk(&root, &w, options);
        let found: Vec<&str> = graph
            .incoherencies
            .iter()
            .map(|i| crate::graph::product::display_name(&i.repository))
            .collect();
        assert_eq!(found, expected, "{name}");
    }
}

#[test]
fn the_root_reached_again_has_its_own_path() {
    let w = world(vec![
        (at("a", 1), vec![product("b", 1, "1")]),
        (at("b", 1), vec![product("a", 2, "0")]),
        (at("a", 2), vec![]),
    ]);
    let (graph, _) = walk(&at("a", 1), &w, WalkOptions::default());
    let commits = &graph.incoherencies[0].commits;
    assert_eq!(commits[0].paths, paths(&[&["a"]]));
    assert!(commits[0].versions.is_empty());
    assert_eq!(commits[1].paths, paths(&[&["a", "b", "a"]]));
    assert_eq!(commits[1].versions, vec!["0".to_owned()]);
}
