//! Graph diffs: what moved, what was added or removed, which commits were sluice's own.

use super::*;
use crate::flow::BuildInfo;
use crate::flow::describe::{UpdateSection, commit_message, title};
use crate::graph::diff::{CommitInfo, Status, compare, is_flow_commit, real_changes};

fn commit(message: &str, parents: usize) -> CommitInfo {
    CommitInfo {
        id: "c".into(),
        parents,
        message: message.into(),
    }
}

#[test]
fn sluice_updates_are_told_from_real_changes() {
    let build = BuildInfo {
        id: 3,
        repository: "https://github.com/contoso/runtime".into(),
        branch: "main".into(),
        commit: sha(2),
        build_number: "20261201.3".into(),
        produced_at: "2026-12-01T10:00:00Z".into(),
        assets: vec![],
        channels: vec![],
    };
    let sections = [UpdateSection {
        subscription: "rt-sdk",
        build: &build,
        updates: &[],
    }];
    // The shapes sluice makes, checked against the core's own renderers.
    let own_title = title("release/9.0", &sections);
    let own_message = commit_message("main", &sections);
    let squash =
        format!("{own_title} (#12)\n\n<!-- sluice:begin subscription=rt-sdk build=3 -->\n...");
    for (what, message, parents, want) in [
        ("update commit", own_message.as_str(), 1, true),
        ("squash merge", squash.as_str(), 1, true),
        (
            "squash merge, title edited",
            "Bump runtime (#12)\n\n<!-- sluice:begin subscription=rt-sdk build=3 -->",
            1,
            true,
        ),
        (
            "Azure DevOps merge",
            &format!("Merged PR 41: {own_title}"),
            2,
            true,
        ),
        (
            "GitHub merge commit",
            "Merge pull request #7 from contoso/sluice/main/rt-sdk\n\n[main] Update",
            2,
            true,
        ),
        (
            "git merge of the head branch",
            "Merge branch 'sluice/main/_batch'",
            2,
            true,
        ),
        (
            "merge of a person's branch",
            "Merge pull request #8 from contoso/feature/fast-path",
            2,
            false,
        ),
        (
            "a person's commit",
            "Fix the allocator under pressure",
            1,
            false,
        ),
        (
            "not a merge, mentions sluice",
            "Merge branch 'sluice/main/x'",
            1,
            false,
        ),
        (
            "title shape without a branch",
            "[] Update dependencies from x",
            1,
            false,
        ),
        (
            "title shape without sources",
            "[main] Update dependencies from ",
            1,
            false,
        ),
        (
            "squash suffix that is not a number",
            "[main] Update dependencies from a (#x)",
            1,
            true,
        ),
        (
            "update words elsewhere",
            "Docs: how to Update dependencies from a feed",
            1,
            false,
        ),
        ("empty", "", 0, false),
    ] {
        assert_eq!(
            is_flow_commit(&commit(message, parents)),
            want,
            "{what}: {message:?}"
        );
    }
    let (real, left_out) = real_changes(vec![
        commit(&own_message, 1),
        commit("Fix the allocator", 1),
        commit(&squash, 1),
        commit("Add a fast path", 1),
    ]);
    let subjects: Vec<&str> = real.iter().map(|c| c.subject()).collect();
    assert_eq!(subjects, ["Fix the allocator", "Add a fast path"]);
    assert_eq!(left_out, 2);
}

#[test]
fn compare_two_graphs() {
    let old = walk(&at("sdk", 1), &diamond(), WalkOptions::default()).0;
    // Later: sdk moved on, runtime aligned at 21 everywhere, extensions gone, a new
    // repository came in.
    let new_world = world(vec![
        (
            at("sdk", 5),
            vec![
                product("runtime", 21, "9.0.2"),
                product("aspnetcore", 3, "9.0.1"),
                product("templating", 7, "9.0.2"),
            ],
        ),
        (at("aspnetcore", 3), vec![product("runtime", 21, "9.0.2")]),
        (at("runtime", 21), vec![]),
        (at("templating", 7), vec![]),
    ]);
    let new = walk(&at("sdk", 5), &new_world, WalkOptions::default()).0;
    let got: Vec<(String, Status, Vec<String>, Vec<String>)> = compare(&old, &new)
        .into_iter()
        .map(|p| {
            let status = p.status();
            (
                crate::graph::product::display_name(&p.repository).to_owned(),
                status,
                p.old,
                p.new,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("sdk".into(), Status::Moved, vec![sha(1)], vec![sha(5)]),
            (
                "runtime".into(),
                Status::Moved,
                vec![sha(2), sha(20)],
                vec![sha(21)]
            ),
            (
                "aspnetcore".into(),
                Status::Unchanged,
                vec![sha(3)],
                vec![sha(3)]
            ),
            ("templating".into(), Status::Added, vec![], vec![sha(7)]),
            ("extensions".into(), Status::Removed, vec![sha(4)], vec![]),
        ]
    );
    let presences = compare(&old, &new);
    assert_eq!(
        presences[1].range(),
        Some((sha(2).as_str(), sha(21).as_str()))
    );
    assert_eq!(presences[2].range(), None);
}

#[test]
fn report_text_lists_ranges_and_left_out_updates() {
    use crate::graph::diff_report::{GraphDiff, RangeSummary, RepoDiff, text};
    let old = walk(&at("sdk", 1), &diamond(), WalkOptions::default()).0;
    let mut new_world = diamond();
    let deps = new_world.remove(&at("sdk", 1)).unwrap();
    new_world.insert(at("sdk", 5), deps);
    let new = walk(&at("sdk", 5), &new_world, WalkOptions::default()).0;
    let repositories: Vec<RepoDiff> = compare(&old, &new)
        .into_iter()
        .map(|presence| {
            let moved = presence.range().is_some();
            RepoDiff {
                status: presence.status(),
                presence,
                range: moved.then(|| {
                    RangeSummary::new(
                        vec![
                            CommitInfo {
                                id: sha(5),
                                parents: 1,
                                message: "Add a fast path\n\nbody".into(),
                            },
                            commit("[main] Update dependencies from contoso/runtime (#3)", 1),
                        ],
                        0,
                        false,
                    )
                }),
                error: None,
            }
        })
        .collect();
    let report = GraphDiff {
        old: old.root.clone(),
        new: new.root.clone(),
        repositories,
        unreadable: old.unreadable.clone(),
    };
    let out = text(&report, true);
    for want in [
        "sdk: 0001abababab -> 0005abababab",
        "sdk         moved      0001abababab",
        "runtime     unchanged  0002abababab,0020abababab",
        "sdk 0001abababab..0005abababab: 1 real commit(s), 1 sluice update(s) left out",
        "  0005abababab Add a fast path",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
    assert!(!out.contains("Update dependencies"), "{out}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["repositories"][0]["status"], "moved");
    assert_eq!(json["repositories"][0]["range"]["realCommits"], 1);
    assert_eq!(json["repositories"][0]["range"]["leftOut"], 1);
    assert!(json["repositories"][1].get("range").is_none());
}
