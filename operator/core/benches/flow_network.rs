//! `make bench-flow`: what `GET /api/flow/graph` computes once the store is read, on a
//! large installation: 60 repositories in 6 layers, each subscribing to 5 of the layer
//! before (250 subscriptions), 200 merges per subscription and 600 builds per target in
//! the window. Timed: pairing the merges with the targets' builds, the statistics and the
//! critical path ([`link_timings`] + [`network`]). Baseline, in the same invocation: the
//! statistics alone over the same samples (grouping the update samples by subscription and sorting each: the least any answer
//! with medians must do).
//! Then the same network with one subscription closing a cycle, where the critical path
//! comes from a bounded search of simple paths instead of the linear-time one.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use sluice_core::graph::network::network;
use sluice_core::graph::timing::{BuildRecord, Link, MergeRecord, link_timings, stats};

const LAYERS: usize = 6;
const PER_LAYER: usize = 10;
const FEEDS: usize = 5;
const MERGES: i64 = 200;
const BUILDS: i64 = 600;
const RUNS: usize = 15;
/// What the computation should cost at this size.
const GOAL: Duration = Duration::from_millis(100);

fn url(layer: usize, i: usize) -> String {
    format!("https://github.com/contoso/repo-{layer}-{i}")
}

fn world() -> (Vec<Link>, Vec<MergeRecord>, Vec<BuildRecord>) {
    let mut links = Vec::new();
    for layer in 1..LAYERS {
        for i in 0..PER_LAYER {
            for k in 0..FEEDS {
                let from = (i + k * 3) % PER_LAYER;
                links.push(Link {
                    subscription: format!("s-{layer}-{i}-{k}"),
                    source: url(layer - 1, from),
                    channel: "dev".into(),
                    target: url(layer, i),
                    branch: "main".into(),
                    frequency: "EveryBuild".into(),
                    policies: vec!["Standard".into()],
                    enabled: true,
                });
            }
        }
    }
    let mut merges = Vec::new();
    for (n, link) in links.iter().enumerate() {
        for m in 0..MERGES {
            let produced = m * 10_000 + (n as i64 % 97) * 7;
            merges.push(MergeRecord {
                subscription: link.subscription.clone(),
                produced_at: produced,
                merged_at: produced + 600 + (m * 37 + n as i64) % 5_000,
            });
        }
    }
    let mut builds = Vec::new();
    for layer in 1..LAYERS {
        for i in 0..PER_LAYER {
            for b in 0..BUILDS {
                builds.push(BuildRecord {
                    repository: url(layer, i),
                    branch: "main".into(),
                    produced_at: b * 3_400 + (i as i64) * 11,
                });
            }
        }
    }
    (links, merges, builds)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(mut f: impl FnMut()) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let (links, merges, builds) = world();
    let baseline = time(|| {
        let mut samples: HashMap<&str, Vec<i64>> = HashMap::new();
        for m in &merges {
            samples
                .entry(m.subscription.as_str())
                .or_default()
                .push(m.merged_at - m.produced_at);
        }
        for link in &links {
            black_box(
                samples
                    .get(link.subscription.as_str())
                    .and_then(|s| stats(s)),
            );
        }
    });
    let mut critical = 0;
    let full = time(|| {
        let timings = link_timings(&links, &merges, &builds, 0);
        let net = network(timings, None, 30 * 86_400);
        critical = net.critical_path.map_or(0, |p| p.links.len());
        black_box(net.nodes.len());
    });
    let mut cyclic = links.clone();
    cyclic.push(Link {
        subscription: "back".into(),
        source: url(LAYERS - 1, 0),
        target: url(0, 0),
        ..links[0].clone()
    });
    let timings = link_timings(&cyclic, &merges, &builds, 0);
    let mut exhaustive = true;
    let search = time(|| {
        let net = network(timings.clone(), None, 30 * 86_400);
        exhaustive = net.exhaustive;
        black_box(net.critical_path);
    });
    println!(
        "flow network: {} subscriptions, {} merges, {} builds",
        links.len(),
        merges.len(),
        builds.len()
    );
    println!("  statistics alone (baseline):        {baseline:>10.2?}");
    println!(
        "  pairing + statistics + critical path: {full:>10.2?}  ({:.1}x the baseline; critical path of {critical} links; goal under {GOAL:?})",
        full.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  with a cycle (bounded path search): {search:>10.2?}  ({:.1}x the baseline; every path compared: {exhaustive})",
        search.as_secs_f64() / baseline.as_secs_f64()
    );
}
