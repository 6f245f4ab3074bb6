//! `sluice graph` end to end: a five-repository product with a diamond, served over
//! smart HTTP, walked from the top with the real binary.

use sluice_tests::binary;
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;
use sluice_tests::version_details::{Dep, xml};

struct Product {
    dir: tempfile::TempDir,
    _server: GitHttpServer,
    urls: std::collections::BTreeMap<&'static str, String>,
    commits: std::collections::BTreeMap<&'static str, String>,
}

const MISSING: &str = "00000000000000000000000000000000000000ff";

/// runtime (two commits), extensions and aspnetcore on the old runtime, sdk on the new
/// runtime and on aspnetcore, installer on sdk and aspnetcore: runtime reaches installer
/// at two commits. installer also has a toolset dependency on a commit extensions lacks.
fn product() -> Product {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let server = GitHttpServer::start(&served, None).expect("server");
    let names = ["runtime", "extensions", "aspnetcore", "sdk", "installer"];
    let repos: Vec<FixtureRepo> = names
        .iter()
        .map(|n| FixtureRepo::create(&served, &format!("{n}.git")))
        .collect();
    let urls: std::collections::BTreeMap<&str, String> = names
        .iter()
        .map(|n| (*n, server.url(&format!("{n}.git"))))
        .collect();
    let details = |deps: &[Dep]| xml(deps);
    let runtime_old = repos[0].commit(&[("eng/Version.Details.xml", &details(&[]))], "runtime 1");
    let runtime_new = repos[0].commit(&[("README.md", "runtime 2\n")], "runtime 2");
    let extensions = repos[1].commit(
        &[(
            "eng/Version.Details.xml",
            &details(&[Dep::product(
                "Contoso.Runtime",
                "1.0.0",
                &urls["runtime"],
                &runtime_old,
            )]),
        )],
        "extensions",
    );
    let aspnetcore = repos[2].commit(
        &[(
            "eng/Version.Details.xml",
            &details(&[
                Dep::product("Contoso.Runtime", "1.0.0", &urls["runtime"], &runtime_old),
                Dep::product(
                    "Contoso.Extensions",
                    "1.0.0",
                    &urls["extensions"],
                    &extensions,
                ),
            ]),
        )],
        "aspnetcore",
    );
    let sdk = repos[3].commit(
        &[(
            "eng/Version.Details.xml",
            &details(&[
                Dep::product("Contoso.Runtime", "2.0.0", &urls["runtime"], &runtime_new),
                Dep::product(
                    "Contoso.AspNetCore",
                    "1.0.0",
                    &urls["aspnetcore"],
                    &aspnetcore,
                ),
            ]),
        )],
        "sdk",
    );
    let installer = repos[4].commit(
        &[(
            "eng/Version.Details.xml",
            &details(&[
                Dep::product("Contoso.Sdk", "1.0.0", &urls["sdk"], &sdk),
                Dep::product(
                    "Contoso.AspNetCore",
                    "1.0.0",
                    &urls["aspnetcore"],
                    &aspnetcore,
                ),
                Dep::toolset(
                    "Contoso.Extensions.Tools",
                    "0.9.0",
                    &urls["extensions"],
                    MISSING,
                ),
            ]),
        )],
        "installer",
    );
    let commits = [
        ("runtime-old", runtime_old),
        ("runtime-new", runtime_new),
        ("extensions", extensions),
        ("aspnetcore", aspnetcore),
        ("sdk", sdk),
        ("installer", installer),
    ]
    .into_iter()
    .collect();
    Product {
        dir,
        _server: server,
        urls,
        commits,
    }
}

impl Product {
    fn graph(&self, extra: &[&str]) -> std::process::Output {
        let cache = self.dir.path().join("cache");
        let mut args = vec![
            "graph",
            self.urls["installer"].as_str(),
            "--cache",
            cache.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        binary::run(&args)
    }

    fn json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let out = self.graph(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }
}

#[test]
fn graph_walks_the_product_and_finds_the_two_runtimes() {
    let p = product();
    let doc = p.json(&[]);
    let url = |n: &str| serde_json::Value::from(p.urls[n].clone());
    assert_eq!(doc["root"]["repository"], url("installer"));
    assert_eq!(doc["root"]["commit"], p.commits["installer"].as_str());
    let nodes: Vec<(String, u64)> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let repo = n["repository"].as_str().expect("repository");
            let name = repo
                .rsplit('/')
                .next()
                .expect("name")
                .trim_end_matches(".git");
            (name.to_owned(), n["depth"].as_u64().expect("depth"))
        })
        .collect();
    let expected: Vec<(String, u64)> = [
        ("installer", 0),
        ("sdk", 1),
        ("aspnetcore", 1),
        ("runtime", 2),
        ("runtime", 2),
        ("extensions", 2),
    ]
    .iter()
    .map(|(n, d)| ((*n).to_owned(), *d))
    .collect();
    assert_eq!(nodes, expected);
    assert_eq!(doc["edges"].as_array().expect("edges").len(), 7);
    assert_eq!(
        doc["edges"][0],
        serde_json::json!({"from": 0, "to": 1, "dependency": "Contoso.Sdk", "version": "1.0.0", "kind": "product"})
    );
    assert_eq!(
        doc["incoherencies"],
        serde_json::json!([{
            "repository": url("runtime"),
            "commits": [
                {
                    "commit": p.commits["runtime-new"],
                    "versions": ["2.0.0"],
                    "paths": [[url("installer"), url("sdk"), url("runtime")]],
                },
                {
                    "commit": p.commits["runtime-old"],
                    "versions": ["1.0.0"],
                    "paths": [
                        [url("installer"), url("aspnetcore"), url("runtime")],
                        [url("installer"), url("aspnetcore"), url("extensions"), url("runtime")],
                    ],
                },
            ],
        }])
    );
    assert_eq!(doc["unreadable"], serde_json::json!([]));
}

#[test]
fn graph_text_from_a_commit_with_toolset_and_a_depth_bound() {
    let p = product();
    let installer = p.commits["installer"].clone();
    let out = p.graph(&["--ref", &installer, "--include-toolset"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("installer @ {}\n", &installer[..12])),
        "{text}"
    );
    assert!(
        text.contains("incoherent: 2 repositories reached at more than one commit"),
        "{text}"
    );
    assert!(
        text.contains("Contoso.Extensions.Tools 0.9.0 (toolset) -> extensions @ 00000000"),
        "{text}"
    );
    assert!(
        text.contains(&format!("commit {MISSING} is not available")),
        "{text}"
    );
    assert!(
        text.contains("via installer -> aspnetcore -> extensions -> runtime"),
        "{text}"
    );
    // Depth 1: the root and its dependencies, nothing below; coherent then.
    let doc = p.json(&["--depth", "1"]);
    assert_eq!(doc["nodes"].as_array().expect("nodes").len(), 3);
    assert_eq!(doc["incoherencies"], serde_json::json!([]));
    // The warm cache answers a second walk the same way.
    let again = p.graph(&["--ref", &installer, "--include-toolset"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
}

#[test]
fn graph_drawings_and_errors() {
    let p = product();
    let dot = p.graph(&["--format", "dot"]);
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(dot.starts_with("digraph product {"), "{dot}");
    assert!(dot.contains("n3 [label=\"runtime\\n"), "{dot}");
    assert!(dot.contains("color=red"), "{dot}");
    let mermaid = p.graph(&["--format", "mermaid"]);
    let mermaid = String::from_utf8_lossy(&mermaid.stdout);
    assert!(mermaid.contains("  class n3,n4 incoherent\n"), "{mermaid}");
    // A branch that does not exist fails the walk with a message naming it.
    let missing = p.graph(&["--ref", "no-such-branch"]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no-such-branch"), "{stderr}");
    // A bad ref is a usage error.
    let bad = p.graph(&["--ref", "a..b"]);
    assert_eq!(bad.status.code(), Some(2));
}
