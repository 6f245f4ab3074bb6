//! Table tests of the flow network: critical path (with cycles), slowest path, flow time
//! and the renderings.

use super::super::flow_time::{self, flow_time};
use super::super::network::{network, slowest_path};
use super::super::network_render;
use super::super::product::display_name;
use super::super::timing::{Link, LinkTiming, Stats};
use super::url;

/// A link `source -> target` whose update and build medians are given (`None`: no history).
fn link(source: &str, target: &str, update: Option<i64>, build: Option<i64>) -> LinkTiming {
    let s = |m: Option<i64>| {
        m.map(|m| Stats {
            samples: 3,
            median_secs: m,
            p90_secs: m * 2,
        })
    };
    LinkTiming {
        link: Link {
            subscription: format!("{source}-{target}"),
            source: url(source),
            channel: if source == "tools" { "tools" } else { "dev" }.into(),
            target: url(target),
            branch: "main".into(),
            frequency: "EveryBuild".into(),
            policies: vec![],
            enabled: true,
        },
        update: s(update),
        build: s(build),
    }
}

fn names(repos: &[String]) -> Vec<&str> {
    repos.iter().map(|r| display_name(r)).collect()
}

fn diamond() -> Vec<LinkTiming> {
    vec![
        link("runtime", "extensions", Some(600), Some(100)),
        link("runtime", "aspnet", Some(3_000), Some(200)),
        link("extensions", "sdk", Some(300), Some(100)),
        link("aspnet", "sdk", Some(300), Some(100)),
        link("sdk", "installer", Some(60), None),
    ]
}

#[test]
fn critical_path_cases() {
    // (what, links, channel, want path, want total, want cycle links)
    type Case = (
        &'static str,
        Vec<LinkTiming>,
        Option<&'static str>,
        Vec<&'static str>,
        i64,
        Vec<usize>,
    );
    let cases: Vec<Case> = vec![
        (
            "diamond: the slow branch wins",
            diamond(),
            None,
            vec!["runtime", "aspnet", "sdk", "installer"],
            3_200 + 400 + 60,
            vec![],
        ),
        (
            "no history anywhere: the most links win",
            vec![
                link("a", "b", None, None),
                link("b", "c", None, None),
                link("a", "c", None, None),
            ],
            None,
            vec!["a", "b", "c"],
            0,
            vec![],
        ),
        (
            "a cycle is followed once around at most",
            vec![
                link("a", "b", Some(10), Some(0)),
                link("b", "c", Some(10), Some(0)),
                link("c", "a", Some(1_000), Some(0)),
                link("c", "d", Some(1), Some(0)),
            ],
            None,
            vec!["b", "c", "a"],
            1_010,
            vec![0, 1, 2],
        ),
        (
            "a self loop",
            vec![link("a", "a", Some(5), None), link("a", "b", Some(7), None)],
            None,
            vec!["a", "b"],
            7,
            vec![0],
        ),
        (
            "filtered by channel",
            vec![
                link("tools", "sdk", Some(9_999), None),
                link("runtime", "sdk", Some(5), None),
            ],
            Some("dev"),
            vec!["runtime", "sdk"],
            5,
            vec![],
        ),
    ];
    for (what, links, channel, want, total, cycles) in cases {
        let net = network(links, channel, 86_400);
        let path = net.critical_path.as_ref().expect(what);
        assert_eq!(names(&path.repositories), want, "{what}");
        assert_eq!(path.total_secs, total, "{what}");
        assert_eq!(net.cycle_links, cycles, "{what}");
        let critical: Vec<&str> = net
            .nodes
            .iter()
            .filter(|n| n.critical)
            .map(|n| display_name(&n.repository))
            .collect();
        let mut sorted = want.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(critical, sorted, "{what}");
    }
    assert_eq!(network(vec![], None, 60).critical_path, None);
}

#[test]
fn slowest_path_cases() {
    let mut cyclic = diamond();
    cyclic.push(link("sdk", "runtime", Some(1), Some(1)));
    for (what, links, from, to, want) in [
        (
            "diamond",
            diamond(),
            "runtime",
            "sdk",
            Some((vec!["runtime", "aspnet", "sdk"], 2)),
        ),
        (
            "one hop",
            diamond(),
            "sdk",
            "installer",
            Some((vec!["sdk", "installer"], 1)),
        ),
        ("against the flow", diamond(), "sdk", "runtime", None),
        ("unknown repository", diamond(), "nowhere", "sdk", None),
        ("itself", diamond(), "sdk", "sdk", None),
        (
            "through a cycle",
            cyclic,
            "extensions",
            "aspnet",
            Some((vec!["extensions", "sdk", "runtime", "aspnet"], 1)),
        ),
    ] {
        let got = slowest_path(&links, &url(from), &url(to));
        let got = got.as_ref().map(|(p, n)| (names(&p.repositories), *n));
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn flow_time_sums_the_figures_it_shows() {
    let links = diamond();
    let time = flow_time(
        &links,
        &url("runtime"),
        &format!("{}.git", url("installer")),
    )
    .unwrap();
    assert_eq!(time.paths_compared, 2);
    let subs: Vec<&str> = time.hops.iter().map(|h| h.subscription.as_str()).collect();
    assert_eq!(subs, ["runtime-aspnet", "aspnet-sdk", "sdk-installer"]);
    assert_eq!(time.total_secs, 3_200 + 400 + 60);
    assert_eq!(time.total_p90_secs, 2 * (3_200 + 400 + 60));
    // installer's build time is unknown.
    assert!(!time.complete);
    let text = flow_time::text(&time);
    for want in [
        "runtime -> installer: slowest of 2 path(s), 3 hop(s)",
        "runtime -> aspnet@main",
        "50m / 1h 40m (n=3)",
        "no history",
        "Estimated time to flow: 1h 01m (median), 2h 02m (p90)",
        "lower bound",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
}

#[test]
fn renderings_mark_the_critical_path() {
    let mut links = diamond();
    links.push(link("installer", "sdk", None, None));
    let net = network(links, None, 30 * 86_400);
    let text = network_render::text(&net);
    for want in [
        "Flow network over the last 30d: 5 repositories, 6 subscriptions",
        "*  runtime-aspnet",
        "Critical path (* above), 1h 01m by median update + build time:",
        "  runtime -> aspnet -> sdk -> installer",
        "On a cycle (a path follows each at most once): sdk-installer, installer-sdk",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    assert!(!text.contains("*  runtime-extensions"), "{text}");
    let dot = network_render::dot(&net);
    assert!(dot.starts_with("digraph flow {"), "{dot}");
    assert_eq!(dot.matches(", color=red").count(), 4 + 3, "{dot}");
    assert_eq!(dot.matches("style=dashed").count(), 2, "{dot}");
    let mermaid = network_render::mermaid(&net);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert_eq!(mermaid.matches("linkStyle").count(), 3, "{mermaid}");
    assert_eq!(mermaid.matches("-.->").count(), 2, "{mermaid}");
}

#[test]
fn repositories_are_named_by_url_or_short_name() {
    let mut links = diamond();
    links.push(link("sdk", "installer", None, None));
    links[5].link.target = "https://example.com/other/installer".into();
    let net = network(links, None, 60);
    assert_eq!(net.resolve("runtime"), Ok(url("runtime").as_str()));
    assert_eq!(
        net.resolve(&format!("{}.git", url("sdk"))),
        Ok(url("sdk").as_str())
    );
    let err = net.resolve("installer").unwrap_err();
    assert!(err.contains("names 2 repositories"), "{err}");
    let err = net.resolve("nowhere").unwrap_err();
    assert!(err.contains("known: aspnet, extensions"), "{err}");
}

#[test]
fn a_large_acyclic_network_is_searched_exactly() {
    // 40 layers of 3 repositories, every repository feeding all three of the next layer:
    // 3^39 paths, far too many to list, and one slow link per layer on a known chain.
    let mut links = Vec::new();
    for layer in 0..39 {
        for a in 0..3 {
            for b in 0..3 {
                let slow = a == layer % 3 && b == (layer + 1) % 3;
                links.push(link(
                    &format!("r{layer}-{a}"),
                    &format!("r{}-{b}", layer + 1),
                    Some(if slow { 100 } else { 1 }),
                    None,
                ));
            }
        }
    }
    let net = network(links.clone(), None, 60);
    assert!(net.exhaustive);
    let path = net.critical_path.unwrap();
    assert_eq!(path.total_secs, 39 * 100);
    assert_eq!(path.links.len(), 39);
    let (slow, compared) = slowest_path(&links, &url("r0-0"), &url("r39-0")).unwrap();
    assert_eq!(slow.total_secs, 39 * 100);
    assert_eq!(compared, 3usize.pow(38));
}

#[test]
fn a_large_cyclic_network_is_never_worse_than_its_acyclic_rest() {
    // The layered network of the test above, plus a link from the last layer back to the
    // first: too many simple paths to compare them all.
    let mut links = Vec::new();
    for layer in 0..39 {
        for a in 0..3 {
            for b in 0..3 {
                let slow = a == layer % 3 && b == (layer + 1) % 3;
                links.push(link(
                    &format!("r{layer}-{a}"),
                    &format!("r{}-{b}", layer + 1),
                    Some(if slow { 100 } else { 1 }),
                    None,
                ));
            }
        }
    }
    links.push(link("r39-0", "r0-2", Some(0), None));
    let net = network(links, None, 60);
    assert!(!net.exhaustive);
    assert!(net.critical_path.as_ref().unwrap().total_secs >= 39 * 100);
    let text = network_render::text(&net);
    assert!(
        text.contains("too many paths to compare them all"),
        "{text}"
    );
}
