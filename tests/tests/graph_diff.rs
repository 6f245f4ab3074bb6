//! `sluice graph diff` end to end: repositories served over smart HTTP, histories with
//! real changes and sluice-shaped update commits (made by the core's own renderers), two
//! commits of the top repository compared with the real binary.

use sluice_core::flow::BuildInfo;
use sluice_core::flow::describe::{UpdateSection, commit_message, title};
use sluice_tests::binary;
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;
use sluice_tests::version_details::{Dep, xml};

fn build_of(source: &str) -> BuildInfo {
    BuildInfo {
        id: 1,
        repository: source.into(),
        branch: "main".into(),
        commit: "0".repeat(40),
        build_number: "1".into(),
        produced_at: String::new(),
        assets: vec![],
        channels: vec![],
    }
}

/// The title sluice gives an update from `source`.
fn update_title(source: &str) -> String {
    let build = build_of(source);
    let sections = [UpdateSection {
        subscription: "s",
        build: &build,
        updates: &[],
    }];
    title("main", &sections)
}

/// The commit message sluice writes for an update from `source`.
fn update_message(source: &str) -> String {
    let build = build_of(source);
    let sections = [UpdateSection {
        subscription: "s",
        build: &build,
        updates: &[],
    }];
    commit_message("main", &sections)
}

#[test]
fn diff_reports_real_changes_across_the_graph_and_leaves_sluice_updates_out() {
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let server = GitHttpServer::start(&served, None).unwrap();
    let url = |n: &str| server.url(&format!("{n}.git"));
    let repo = |n: &str| FixtureRepo::create(&served, &format!("{n}.git"));
    let (runtime, extensions, templating, sdk) = (
        repo("runtime"),
        repo("extensions"),
        repo("templating"),
        repo("sdk"),
    );

    let r1 = runtime.commit(&[("src/a.c", "1\n")], "runtime 1");
    runtime.commit(&[("src/a.c", "2\n")], "Fix the allocator under pressure");
    runtime.commit(
        &[("eng/Version.Details.xml", &xml(&[]))],
        &update_message("https://github.com/contoso/arcade"),
    );
    let r4 = runtime.commit(&[("src/b.c", "fast\n")], "Add a fast path");
    let e1 = extensions.commit(&[("README.md", "ext\n")], "extensions");
    let t1 = templating.commit(&[("README.md", "tpl\n")], "templating");

    let manifest = |deps: &[Dep]| vec![("eng/Version.Details.xml", xml(deps))];
    let files = manifest(&[
        Dep::product("Contoso.Runtime", "1.0.1", &url("runtime"), &r1),
        Dep::product("Contoso.Extensions", "1.0.0", &url("extensions"), &e1),
    ]);
    let s1 = sdk.commit(&[(files[0].0, &files[0].1)], "sdk 1");
    let files = manifest(&[
        Dep::product("Contoso.Runtime", "1.0.4", &url("runtime"), &r4),
        Dep::product("Contoso.Templating", "1.0.0", &url("templating"), &t1),
    ]);
    // A squash merge of an update pull request, as the git-native forge writes it.
    let squash = format!(
        "{} (#3)\n\n<!-- sluice:begin subscription=runtime-to-sdk build=4 -->\n",
        update_title(&url("runtime"))
    );
    sdk.commit(&[(files[0].0, &files[0].1)], &squash);
    let s3 = sdk.commit(&[("src/cli.c", "new verb\n")], "Add the new verb");

    let cache = dir.path().join("cache");
    let sdk_url = url("sdk");
    let run = |extra: &[&str]| {
        let mut args = vec!["graph", "diff", sdk_url.as_str(), &s1, "main"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--cache", cache.to_str().unwrap()]);
        binary::run(&args)
    };
    let out = run(&["--commits", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["new"]["commit"], s3.as_str());
    let by_name = |name: &str| {
        diff["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["repository"] == url(name).as_str())
            .unwrap_or_else(|| panic!("{name} missing: {diff:#}"))
            .clone()
    };
    let subjects = |r: &serde_json::Value| -> Vec<String> {
        r["range"]["commits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["message"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let sdk_diff = by_name("sdk");
    assert_eq!(sdk_diff["status"], "moved");
    assert_eq!(subjects(&sdk_diff), ["Add the new verb"]);
    assert_eq!(sdk_diff["range"]["leftOut"], 1, "{sdk_diff:#}");
    let rt = by_name("runtime");
    assert_eq!(
        (rt["old"][0].as_str(), rt["new"][0].as_str()),
        (Some(r1.as_str()), Some(r4.as_str()))
    );
    assert_eq!(
        subjects(&rt),
        ["Add a fast path", "Fix the allocator under pressure"]
    );
    assert_eq!(rt["range"]["realCommits"], 2);
    assert_eq!(rt["range"]["leftOut"], 1);
    assert_eq!(rt["range"]["behind"], 0);
    assert_eq!(by_name("extensions")["status"], "removed");
    assert_eq!(by_name("templating")["status"], "added");

    // Text, with the subjects; a second run reads the history caches again.
    let out = run(&["--commits"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "runtime     moved",
        "templating  added",
        "extensions  removed",
        "2 real commit(s), 1 sluice update(s) left out",
        " Fix the allocator under pressure",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    assert!(!text.contains("Update dependencies"), "{text}");

    // The positional form still walks one commit.
    let cache_arg = cache.to_str().unwrap();
    let out = binary::run(&[
        "graph",
        &url("sdk"),
        "--cache",
        cache_arg,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let graph: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 3, "{graph:#}");

    // Usage errors name the argument.
    let out = binary::run(&["graph", "diff", &url("sdk"), "not a ref", "main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: A:"));
    drop(server);
}
