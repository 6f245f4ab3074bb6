//! The renderers: text tree, JSON shape, DOT and Mermaid.

use super::*;
use crate::graph::draw::{dot, mermaid};
use crate::graph::product::WalkOptions;
use crate::graph::render::{json, text};

const DIAMOND_TEXT: &str = "\
sdk @ 0001abababab
├── Contoso.runtime 9.0.1 -> runtime @ 0002abababab [incoherent]
└── Contoso.aspnetcore 9.0.1 -> aspnetcore @ 0003abababab
    ├── Contoso.runtime 9.0.0 -> runtime @ 0020abababab [incoherent]
    └── Contoso.extensions 9.0.0 -> extensions @ 0004abababab
        └── Contoso.runtime 9.0.0 -> runtime @ 0020abababab [incoherent]

4 repositories at 5 commits, 5 dependencies
incoherent: 1 repository reached at more than one commit
  https://example.com/contoso/runtime
    0002abababab 9.0.1
      via sdk -> runtime
    0020abababab 9.0.0
      via sdk -> aspnetcore -> runtime
      via sdk -> aspnetcore -> extensions -> runtime
";

#[test]
fn text_tree_of_a_diamond() {
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    assert_eq!(text(&graph), DIAMOND_TEXT);
}

#[test]
fn text_tree_marks_repeats_toolset_and_unreadable() {
    let w = world(vec![
        (
            at("a", 1),
            vec![
                product("b", 1, "1"),
                dep("tools", 1, "2", DependencyKind::Toolset),
                product("gone", 1, "3"),
            ],
        ),
        (at("b", 1), vec![product("a", 1, "1")]),
        (at("tools", 1), vec![]),
    ]);
    let options = WalkOptions {
        max_depth: None,
        include_toolset: true,
    };
    let (graph, _) = walk(&at("a", 1), &w, options);
    let expected = "\
a @ 0001abababab
├── Contoso.b 1 -> b @ 0001abababab
│   └── Contoso.a 1 -> a @ 0001abababab (see above)
├── Contoso.tools 2 (toolset) -> tools @ 0001abababab
└── Contoso.gone 3 -> gone @ 0001abababab [unreadable: eng/Version.Details.xml: not found]

4 repositories at 4 commits, 4 dependencies
coherent: every repository is reached at one commit
unreadable: 1 nodes
  https://example.com/contoso/gone @ 0001abababab: eng/Version.Details.xml: not found
";
    assert_eq!(text(&graph), expected);
}

fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn json_has_the_documented_shape() {
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    let doc: serde_json::Value = serde_json::from_str(&json(&graph)).expect("valid JSON");
    assert_eq!(
        keys(&doc),
        ["edges", "incoherencies", "nodes", "root", "unreadable"]
    );
    assert_eq!(doc["root"]["repository"], url("sdk"));
    assert_eq!(doc["root"]["commit"], sha(1));
    assert_eq!(keys(&doc["nodes"][0]), ["commit", "depth", "repository"]);
    assert_eq!(doc["nodes"][3]["depth"], 2);
    assert_eq!(
        keys(&doc["edges"][0]),
        ["dependency", "from", "kind", "to", "version"]
    );
    assert_eq!(doc["edges"][2]["from"], 2);
    assert_eq!(doc["edges"][2]["to"], 3);
    assert_eq!(doc["edges"][2]["kind"], "product");
    assert_eq!(doc["edges"][2]["version"], "9.0.0");
    let incoherency = &doc["incoherencies"][0];
    assert_eq!(keys(incoherency), ["commits", "repository"]);
    assert_eq!(
        keys(&incoherency["commits"][0]),
        ["commit", "paths", "versions"]
    );
    assert_eq!(
        incoherency["commits"][1]["paths"][1],
        serde_json::json!([
            url("sdk"),
            url("aspnetcore"),
            url("extensions"),
            url("runtime")
        ])
    );
    assert_eq!(doc["unreadable"], serde_json::json!([]));
}

#[test]
fn dot_marks_incoherent_nodes_and_toolset_edges() {
    let options = WalkOptions {
        max_depth: None,
        include_toolset: true,
    };
    let (graph, _) = walk(&at("sdk", 1), &diamond(), options);
    let out = dot(&graph);
    assert!(out.starts_with("digraph product {\n"), "{out}");
    assert!(out.ends_with("}\n"), "{out}");
    assert!(
        out.contains(&format!(
            "  n1 [label=\"runtime\\n0002abababab\", tooltip=\"{}\", color=red, fontcolor=red, penwidth=2];",
            url("runtime")
        )),
        "{out}"
    );
    assert!(
        out.contains("  n0 -> n1 [label=\"Contoso.runtime 9.0.1\"];"),
        "{out}"
    );
    assert!(
        out.contains("  n0 -> n3 [label=\"Contoso.arcade 10.0.0-beta.1\", style=dashed];"),
        "{out}"
    );
    assert!(!out.contains("n2 [label=\"aspnetcore\\n0003abababab\", tooltip=\"https://example.com/contoso/aspnetcore\", color"));
}

#[test]
fn mermaid_marks_incoherent_nodes_and_escapes_labels() {
    let mut quoted = product("b", 1, "1");
    quoted.name = "Odd\"Name<x>|#".into();
    let w = world(vec![
        (at("a", 1), vec![quoted, product("c", 1, "1")]),
        (at("b", 1), vec![product("c", 2, "0")]),
        (at("c", 1), vec![]),
        (at("c", 2), vec![]),
    ]);
    let (graph, _) = walk(&at("a", 1), &w, WalkOptions::default());
    let out = mermaid(&graph);
    assert!(
        out.starts_with("flowchart LR\n  n0[\"a @ 0001abababab\"]\n"),
        "{out}"
    );
    assert!(
        out.contains("  n0 -->|\"Odd#quot;Name#lt;x#gt;#124;#35; 1\"| n1\n"),
        "{out}"
    );
    assert!(out.contains("  class n2,n3 incoherent\n"), "{out}");
    assert!(!out.contains("unreadable"), "{out}");
}

#[test]
fn dot_escapes_quotes_and_backslashes() {
    let mut odd = product("b", 1, "1");
    odd.name = "a\"b\\c".into();
    let w = world(vec![(at("a", 1), vec![odd]), (at("b", 1), vec![])]);
    let (graph, _) = walk(&at("a", 1), &w, WalkOptions::default());
    assert!(dot(&graph).contains("[label=\"a\\\"b\\\\c 1\"]"));
}

#[test]
fn display_names_and_short_commits() {
    use crate::graph::product::display_name;
    use crate::graph::render::short_commit;
    let cases = [
        ("https://github.com/contoso/runtime", "runtime"),
        ("https://github.com/contoso/runtime.git", "runtime"),
        ("https://github.com/contoso/runtime/", "runtime"),
        ("git@github.com:contoso/sdk.git", "sdk"),
        ("file:///srv/git/app.git", "app"),
        ("weird", "weird"),
    ];
    for (url, name) in cases {
        assert_eq!(display_name(url), name, "{url}");
    }
    assert_eq!(short_commit(&sha(7)), "0007abababab");
    assert_eq!(short_commit("abc"), "abc");
}
