//! The flow network: repositories as nodes, subscriptions as links with their observed
//! times, the critical path (the slowest chain of links), and the slowest path between
//! two repositories. Pure.
//!
//! A link's cost is its median update time plus its median build time (see
//! [`LinkTiming::weight_secs`]). The critical path is the simple path (no repository
//! twice, so cycles are followed at most once around) of greatest cost, then most links,
//! exactly and in linear time when no link closes a cycle (see [`super::longest`]), else
//! by a depth-first search of the simple paths from every repository, bounded by
//! [`MAX_STEPS`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::longest::{Dag, without_back_links};
use super::product::repository_identity;
use super::timing::LinkTiming;

/// One repository of the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkNode {
    /// Its URL, as first met.
    pub repository: String,
    /// Whether it lies on the critical path.
    pub critical: bool,
}

/// A chain of links and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkPath {
    /// Repositories in flow order (one more than links).
    pub repositories: Vec<String>,
    /// Indices into [`FlowNetwork::links`], in flow order.
    pub links: Vec<usize>,
    /// The sum of the links' costs.
    pub total_secs: i64,
}

/// The flow network and its critical path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowNetwork {
    /// The window the times were observed over, in seconds.
    pub window_secs: i64,
    /// Every repository that is a source or a target, sorted by URL.
    pub nodes: Vec<NetworkNode>,
    /// Every subscription with its times, in the order given.
    pub links: Vec<LinkTiming>,
    /// The slowest chain, if there is any link.
    pub critical_path: Option<LinkPath>,
    /// Links that lie on a cycle (a path follows each at most once).
    pub cycle_links: Vec<usize>,
    /// Whether every simple path was compared (false past [`MAX_STEPS`]: the critical
    /// path is then the slowest of those found and of the acyclic rest's longest).
    pub exhaustive: bool,
}

/// The repositories of `links` by identity (index), and the spelling first met.
struct Index {
    ids: BTreeMap<String, usize>,
    names: Vec<String>,
    out: Vec<Vec<usize>>,
    ends: Vec<(usize, usize)>,
}

impl Index {
    fn new(links: &[LinkTiming]) -> Self {
        let mut spelled: BTreeMap<String, String> = BTreeMap::new();
        for l in links {
            for url in [&l.link.source, &l.link.target] {
                spelled
                    .entry(repository_identity(url))
                    .or_insert_with(|| url.clone());
            }
        }
        let ids: BTreeMap<String, usize> = spelled
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let names: Vec<String> = spelled.into_values().collect();
        let mut out = vec![Vec::new(); names.len()];
        let mut ends = Vec::new();
        for (i, l) in links.iter().enumerate() {
            let (a, b) = (
                ids[&repository_identity(&l.link.source)],
                ids[&repository_identity(&l.link.target)],
            );
            out[a].push(i);
            ends.push((a, b));
        }
        Index {
            ids,
            names,
            out,
            ends,
        }
    }

    fn find(&self, url: &str) -> Option<usize> {
        self.ids.get(&repository_identity(url)).copied()
    }

    fn path(&self, start: usize, links: Vec<usize>, all: &[LinkTiming]) -> LinkPath {
        let mut repositories = vec![self.names[start].clone()];
        repositories.extend(links.iter().map(|&l| self.names[self.ends[l].1].clone()));
        let total_secs = links.iter().map(|&l| all[l].weight_secs()).sum();
        LinkPath {
            repositories,
            links,
            total_secs,
        }
    }
}

/// Whether each link lies on a cycle: its target leads back to its source.
fn cycle_links(index: &Index) -> Vec<bool> {
    index
        .ends
        .iter()
        .map(|&(a, b)| {
            let mut seen = vec![false; index.names.len()];
            let mut stack = vec![b];
            while let Some(v) = stack.pop() {
                if v == a {
                    return true;
                }
                if std::mem::replace(&mut seen[v], true) {
                    continue;
                }
                stack.extend(index.out[v].iter().map(|&l| index.ends[l].1));
            }
            false
        })
        .collect()
}

/// A path found and its (cost, links) key.
type Found = Option<((i64, usize), Vec<usize>)>;

/// The most path extensions a search of simple paths makes; past it the best path found
/// so far is the answer (and it says so).
pub const MAX_STEPS: usize = 1_000_000;

/// The best simple path by (cost, links) from `from`: ending at `goal` when given, else
/// anywhere after at least one link. A repository is never visited twice on one path, so
/// cycles end. Returns the links, the number of candidate paths compared, and whether
/// the search was exhaustive.
fn best_path(
    index: &Index,
    links: &[LinkTiming],
    from: usize,
    goal: Option<usize>,
    steps: &mut usize,
) -> (Found, usize, bool) {
    let mut best: Found = None;
    let mut compared = 0usize;
    let mut on_path = vec![false; index.names.len()];
    on_path[from] = true;
    let (mut chain, mut cost): (Vec<usize>, i64) = (Vec::new(), 0);
    let mut stack = vec![(from, 0usize)];
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        if *steps >= MAX_STEPS {
            return (best, compared, false);
        }
        let Some(&l) = index.out[v].get(*next) else {
            on_path[v] = false;
            stack.pop();
            if let Some(l) = chain.pop() {
                cost -= links[l].weight_secs();
            }
            continue;
        };
        *next += 1;
        let w = index.ends[l].1;
        if on_path[w] {
            continue;
        }
        *steps += 1;
        let at_goal = goal.is_none_or(|g| g == w);
        if at_goal {
            compared += 1;
            let key = (cost + links[l].weight_secs(), chain.len() + 1);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                let mut candidate = chain.clone();
                candidate.push(l);
                best = Some((key, candidate));
            }
        }
        if goal.is_some() && at_goal {
            // A simple path cannot come back to its goal.
            continue;
        }
        on_path[w] = true;
        chain.push(l);
        cost += links[l].weight_secs();
        stack.push((w, 0));
    }
    (best, compared, true)
}

/// The network of `links` (only those reading `channel` when given) and its critical
/// path; `window_secs` is carried along for the reader.
pub fn network(links: Vec<LinkTiming>, channel: Option<&str>, window_secs: i64) -> FlowNetwork {
    let links: Vec<LinkTiming> = links
        .into_iter()
        .filter(|l| channel.is_none_or(|c| l.link.channel == c))
        .collect();
    let index = Index::new(&links);
    let on_cycle = cycle_links(&index);
    let mut exhaustive = true;
    let critical_path = if on_cycle.iter().any(|&c| c) {
        let mut steps = 0usize;
        let mut best: Option<((i64, usize), usize, Vec<usize>)> = None;
        for start in 0..index.names.len() {
            let (found, _, complete) = best_path(&index, &links, start, None, &mut steps);
            exhaustive &= complete;
            if let Some((key, chain)) = found
                && best.as_ref().is_none_or(|(k, _, _)| key > *k)
            {
                best = Some((key, start, chain));
            }
        }
        if !exhaustive {
            // Too many paths to compare: the acyclic rest of the network (its back links
            // left out) has an exact longest path, which the answer is never worse than.
            let weight: Vec<i64> = links.iter().map(LinkTiming::weight_secs).collect();
            let out = without_back_links(&index.out, &index.ends);
            let dag = Dag {
                n: index.names.len(),
                out: &out,
                ends: &index.ends,
                weight: &weight,
            };
            if let Some((chain, key, _)) = dag.best(None, None)
                && best.as_ref().is_none_or(|(k, _, _)| key > *k)
            {
                best = Some((key, index.ends[chain[0]].0, chain));
            }
        }
        best.map(|(_, start, chain)| index.path(start, chain, &links))
    } else {
        let weight: Vec<i64> = links.iter().map(LinkTiming::weight_secs).collect();
        let dag = Dag {
            n: index.names.len(),
            out: &index.out,
            ends: &index.ends,
            weight: &weight,
        };
        dag.best(None, None).map(|(chain, _, _)| {
            let start = index.ends[chain[0]].0;
            index.path(start, chain, &links)
        })
    };
    let on_path: Vec<bool> = (0..index.names.len())
        .map(|v| {
            critical_path
                .as_ref()
                .is_some_and(|p| p.repositories.contains(&index.names[v]))
        })
        .collect();
    FlowNetwork {
        window_secs,
        nodes: index
            .names
            .iter()
            .zip(on_path)
            .map(|(repository, critical)| NetworkNode {
                repository: repository.clone(),
                critical,
            })
            .collect(),
        cycle_links: (0..links.len()).filter(|&l| on_cycle[l]).collect(),
        critical_path,
        exhaustive,
        links,
    }
}

/// The slowest simple path from `source` to `target` (repositories compared by identity)
/// over `links`, and how many paths were compared; `None` when no path leads there.
pub fn slowest_path(links: &[LinkTiming], source: &str, target: &str) -> Option<(LinkPath, usize)> {
    let index = Index::new(links);
    let (from, to) = (index.find(source)?, index.find(target)?);
    if from == to {
        return None;
    }
    if cycle_links(&index).iter().any(|&c| c) {
        let (best, compared, _) = best_path(&index, links, from, Some(to), &mut 0);
        return best.map(|(_, chain)| (index.path(from, chain, links), compared));
    }
    let weight: Vec<i64> = links.iter().map(LinkTiming::weight_secs).collect();
    let dag = Dag {
        n: index.names.len(),
        out: &index.out,
        ends: &index.ends,
        weight: &weight,
    };
    let (chain, _, compared) = dag.best(Some(from), Some(to))?;
    Some((index.path(from, chain, links), compared))
}

impl FlowNetwork {
    /// The repository `name` means: a URL of one of the nodes (by identity), or the short
    /// name (last path segment) of exactly one. The error says what matched instead.
    pub fn resolve(&self, name: &str) -> Result<&str, String> {
        let id = repository_identity(name);
        if let Some(node) = self
            .nodes
            .iter()
            .find(|n| repository_identity(&n.repository) == id)
        {
            return Ok(&node.repository);
        }
        let short: Vec<&str> = self
            .nodes
            .iter()
            .map(|n| n.repository.as_str())
            .filter(|r| super::product::display_name(r) == name)
            .collect();
        match short.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "{name:?} is no source or target of a subscription{}",
                if self.nodes.is_empty() {
                    String::new()
                } else {
                    let known: Vec<&str> = self
                        .nodes
                        .iter()
                        .map(|n| super::product::display_name(&n.repository))
                        .collect();
                    format!(" (known: {})", known.join(", "))
                }
            )),
            many => Err(format!(
                "{name:?} names {} repositories; give the URL: {}",
                many.len(),
                many.join(", ")
            )),
        }
    }
}
