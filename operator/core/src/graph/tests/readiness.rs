//! Readiness decisions: which build to align on, the state and blockers of each hop, and
//! the estimate.

use super::*;
use crate::graph::readiness::{HopState, KnownBuild, LinkState, hop_state, readiness};
use crate::graph::timing::{Link, LinkTiming, Stats};

fn link(name: &str, source: &str, target: &str) -> LinkState {
    LinkState {
        subscription: name.into(),
        source: url(source),
        target: url(target),
        branch: "main".into(),
        enabled: true,
        applied_build: None,
        requested_build: None,
        open_pull_request: None,
        failed_policies: vec![],
        pending_policies: vec![],
        stalled: None,
        next_update: None,
    }
}

fn timing(name: &str, update: i64, build: i64) -> LinkTiming {
    let s = |m| {
        Some(Stats {
            samples: 2,
            median_secs: m,
            p90_secs: m,
        })
    };
    LinkTiming {
        link: Link {
            subscription: name.into(),
            source: String::new(),
            channel: "dev".into(),
            target: String::new(),
            branch: "main".into(),
            frequency: "EveryBuild".into(),
            policies: vec![],
            enabled: true,
        },
        update: s(update),
        build: s(build),
    }
}

#[test]
fn hop_states() {
    let open = |l: &mut LinkState| l.open_pull_request = Some((Some(4), "u/4".into()));
    let pr = HopState::PullRequestOpen {
        number: Some(4),
        url: "u/4".into(),
    };
    type Edit = fn(&mut LinkState);
    let cases: Vec<(&str, Edit, Option<i64>, HopState)> = vec![
        ("nothing asked", |_| {}, Some(9), HopState::NotRequested),
        (
            "applied",
            |l| l.applied_build = Some(9),
            Some(9),
            HopState::Applied,
        ),
        (
            "newer applied",
            |l| l.applied_build = Some(10),
            Some(9),
            HopState::Applied,
        ),
        (
            "older applied, none requested",
            |l| l.applied_build = Some(8),
            Some(9),
            HopState::NotRequested,
        ),
        (
            "requested, no PR yet",
            |l| l.requested_build = Some(9),
            Some(9),
            HopState::BuildWaiting { build: 9 },
        ),
        (
            "newer requested",
            |l| l.requested_build = Some(11),
            Some(9),
            HopState::BuildWaiting { build: 11 },
        ),
        (
            "older requested",
            |l| l.requested_build = Some(8),
            Some(9),
            HopState::NotRequested,
        ),
        ("downstream, idle", |_| {}, None, HopState::AwaitsSource),
        (
            "downstream, waiting",
            |l| l.requested_build = Some(3),
            None,
            HopState::BuildWaiting { build: 3 },
        ),
    ];
    for (what, edit, wanted, want) in cases {
        let mut l = link("s", "a", "b");
        edit(&mut l);
        assert_eq!(hop_state(&l, wanted), want, "{what}");
    }
    let mut l = link("s", "a", "b");
    l.requested_build = Some(9);
    open(&mut l);
    assert_eq!(hop_state(&l, Some(9)), pr);
    assert_eq!(hop_state(&l, None), pr);
}

#[test]
fn blockers_name_what_stands_in_the_way() {
    let mut l = link("s", "a", "b");
    assert!(l.blockers().is_empty());
    l.enabled = false;
    l.stalled = Some("eng/Version.Details.xml:3:1: malformed".into());
    l.failed_policies = vec!["AllChecksSuccessful: check build failed".into()];
    l.pending_policies = vec!["ValidateCoherency".into()];
    l.next_update = Some("2026-12-02T00:00:00Z".into());
    assert_eq!(
        l.blockers(),
        [
            "the subscription is disabled",
            "the subscription is stalled: eng/Version.Details.xml:3:1: malformed",
            "merge policy failed: AllChecksSuccessful: check build failed",
            "merge policy pending: ValidateCoherency",
            "scheduled: next update at 2026-12-02T00:00:00Z",
        ]
    );
    // With a pull request open, the schedule does not hold it up.
    l.open_pull_request = Some((Some(1), "u".into()));
    assert_eq!(l.blockers().len(), 4);
}

fn known(id: i64, name: &str, n: u32) -> KnownBuild {
    KnownBuild {
        id,
        number: format!("b{id}"),
        repository: url(name),
        commit: sha(n),
    }
}

#[test]
fn the_diamond_aligns_on_the_newest_build() {
    // runtime reached at 2 (via sdk) and at 20 (via aspnetcore, and aspnetcore/extensions).
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    let builds = [
        known(5, "runtime", 20),
        known(9, "runtime", 2),
        known(12, "runtime", 30),
    ];
    let mut rt_asp = link("rt-asp", "runtime", "aspnetcore");
    rt_asp.requested_build = Some(9);
    rt_asp.open_pull_request = Some((Some(4), "https://forge/pr/4".into()));
    rt_asp.failed_policies = vec!["AllChecksSuccessful: check build failed".into()];
    let asp_sdk = link("asp-sdk", "aspnetcore", "sdk");
    let mut rt_ext = link("rt-ext", "runtime", "extensions");
    rt_ext.applied_build = Some(9);
    let ext_asp = link("ext-asp", "extensions", "aspnetcore");
    let links = [rt_asp, asp_sdk.clone(), rt_ext, ext_asp];
    let timings = [
        timing("rt-asp", 600, 100),
        timing("asp-sdk", 300, 50),
        timing("rt-ext", 7_000, 7_000),
        timing("ext-asp", 200, 20),
    ];
    let r = readiness(&graph.incoherencies, "main", &links, &builds, &timings);
    assert!(!r.coherent);
    let f = &r.findings[0];
    // Build 12 is newer but no path references its commit: align on build 9.
    assert_eq!(f.align_on.as_ref().map(|b| b.id), Some(9));
    assert_eq!(f.stale.len(), 2);
    let via_asp = &f.stale[0];
    let states: Vec<(Option<&str>, &HopState)> = via_asp
        .hops
        .iter()
        .map(|h| (h.subscription.as_deref(), &h.state))
        .collect();
    assert_eq!(
        states,
        [
            (
                Some("rt-asp"),
                &HopState::PullRequestOpen {
                    number: Some(4),
                    url: "https://forge/pr/4".into()
                }
            ),
            (Some("asp-sdk"), &HopState::AwaitsSource),
        ]
    );
    assert_eq!(
        via_asp.hops[0].blockers,
        ["merge policy failed: AllChecksSuccessful: check build failed"]
    );
    // rt-asp update + aspnetcore's build + asp-sdk update (the root's build not needed).
    assert_eq!(via_asp.estimate_secs, Some(600 + 100 + 300));
    // Via extensions: rt-ext is applied already, so it costs nothing.
    let via_ext = &f.stale[1];
    assert_eq!(via_ext.hops[0].state, HopState::Applied);
    assert_eq!(via_ext.estimate_secs, Some(200 + 20 + 300));
    assert_eq!(r.estimate_secs, Some(1_000));
    assert!(r.estimate_complete);

    // Without asp-sdk nothing brings aspnetcore's new build into sdk.
    let links = [links[0].clone(), links[2].clone(), links[3].clone()];
    let r = readiness(&graph.incoherencies, "main", &links, &builds, &timings);
    assert_eq!(r.estimate_secs, None);
    assert_eq!(
        r.findings[0].stale[0].hops[1].state,
        HopState::NoSubscription
    );
    assert!(r.findings[0].stale[0].hops[1].blockers[0].contains("on branch main"));

    // A subscription into another branch of the root does not count for the last hop.
    let mut other = asp_sdk;
    other.branch = "release".into();
    let links = [links[0].clone(), other, links[1].clone(), links[2].clone()];
    let r = readiness(&graph.incoherencies, "main", &links, &builds, &timings);
    assert_eq!(
        r.findings[0].stale[0].hops[1].state,
        HopState::NoSubscription
    );
}

#[test]
fn no_known_build_makes_every_path_stale_and_no_history_is_flagged() {
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    let links = [link("rt-sdk", "runtime", "sdk")];
    let r = readiness(&graph.incoherencies, "main", &links, &[], &[]);
    let f = &r.findings[0];
    assert_eq!(f.align_on, None);
    // sha(2) via sdk, and sha(20) by two paths.
    assert_eq!(f.stale.len(), 3);
    assert_eq!(f.stale[0].hops[0].state, HopState::AwaitsSource);
    assert_eq!(f.stale[0].estimate_secs, Some(0));
    assert!(!f.stale[0].estimate_complete);
    assert!(!r.estimate_complete);
    // The other paths go through repositories with no subscription at all.
    assert_eq!(r.estimate_secs, None);

    let coherent = readiness(&[], "main", &links, &[], &[]);
    assert!(coherent.coherent);
    assert_eq!(coherent.estimate_secs, Some(0));
    assert!(coherent.findings.is_empty());
}

#[test]
fn text_names_hops_blockers_and_estimates() {
    let (graph, _) = walk(&at("sdk", 1), &diamond(), WalkOptions::default());
    let builds = [known(9, "runtime", 2)];
    let mut rt_asp = link("rt-asp", "runtime", "aspnetcore");
    rt_asp.requested_build = Some(9);
    rt_asp.open_pull_request = Some((Some(4), "https://forge/pr/4".into()));
    rt_asp.pending_policies = vec!["AllChecksSuccessful".into()];
    let links = [rt_asp, link("asp-sdk", "aspnetcore", "sdk")];
    let r = readiness(
        &graph.incoherencies,
        "main",
        &links,
        &builds,
        &[timing("rt-asp", 3_600, 600)],
    );
    let unreadable = [crate::graph::Unreadable {
        node: 3,
        repository: url("arcade"),
        commit: sha(9),
        reason: "fetch failed".into(),
    }];
    let text = crate::graph::readiness_render::text(&at("sdk", 1), "main", &r, &unreadable);
    for want in [
        "sdk@main (0001abababab) is NOT coherent: 1 repository(ies)",
        "runtime: align on 0002abababab (build b9, id 9",
        "  at 0020abababab via sdk -> aspnetcore -> runtime",
        "    runtime -> aspnetcore [rt-asp]: pull request #4 open (https://forge/pr/4)",
        "      blocked: merge policy pending: AllChecksSuccessful",
        "    aspnetcore -> sdk [asp-sdk]: waits for a new build of its source",
        "    resolved in: at least 1h 10m (median; some hops have no history)",
        "    runtime -> extensions [-]: no subscription",
        "Estimated time to a coherent product: none (a hop has no subscription)",
        "1 node(s) could not be read; coherency is judged on the rest:\n  arcade at 0009abababab: fetch failed",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let coherent = readiness(&[], "main", &[], &[], &[]);
    assert_eq!(
        crate::graph::readiness_render::text(&at("sdk", 1), "main", &coherent, &[]),
        "sdk@main (0001abababab) is coherent: every repository is reached at one commit.\n"
    );
}
