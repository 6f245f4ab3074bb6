//! The dependency-flow graph between repositories (from the configuration).
//!
//! Nodes are repositories (canonical URLs); an edge `a -> b` means builds of `a` flow into
//! `b` through some subscription. Cycles are legal in principle (two repositories that
//! consume each other's tools on different branches) but usually a mistake.

use std::collections::BTreeMap;

/// A directed graph of repositories whose edges carry a label (e.g. a subscription name).
#[derive(Debug, Clone, Default)]
pub struct FlowGraph<L> {
    nodes: Vec<String>,
    index: BTreeMap<String, usize>,
    edges: Vec<Vec<(usize, L)>>,
}

/// One cycle: the repositories in flow order (the first follows the last) and the label of
/// each edge taken (`labels[i]` leads from `repositories[i]` to the next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle<L> {
    /// Repositories in flow order.
    pub repositories: Vec<String>,
    /// Edge labels in flow order.
    pub labels: Vec<L>,
}

impl<L: Clone> FlowGraph<L> {
    /// An empty graph.
    pub fn new() -> Self {
        FlowGraph {
            nodes: Vec::new(),
            index: BTreeMap::new(),
            edges: Vec::new(),
        }
    }

    fn node(&mut self, repo: &str) -> usize {
        if let Some(&i) = self.index.get(repo) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(repo.to_string());
        self.index.insert(repo.to_string(), i);
        self.edges.push(Vec::new());
        i
    }

    /// Adds an edge: builds of `from` flow into `to`.
    pub fn add_edge(&mut self, from: &str, to: &str, label: L) {
        let (a, b) = (self.node(from), self.node(to));
        self.edges[a].push((b, label));
    }

    /// One cycle per strongly connected component that has one, found by Tarjan's
    /// algorithm (iterative, so deep graphs cannot overflow the stack).
    pub fn cycles(&self) -> Vec<Cycle<L>> {
        self.components()
            .into_iter()
            .filter_map(|component| self.cycle_within(&component))
            .collect()
    }

    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
        let (mut stack, mut out, mut counter) = (Vec::new(), Vec::new(), 0);
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            let mut work = vec![(root, 0usize)];
            while let Some(&mut (v, ref mut next)) = work.last_mut() {
                if *next == 0 && index[v] == usize::MAX {
                    index[v] = counter;
                    low[v] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if let Some(&(w, _)) = self.edges[v].get(*next) {
                    *next += 1;
                    if index[w] == usize::MAX {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(component);
                }
            }
        }
        out
    }

    fn cycle_within(&self, component: &[usize]) -> Option<Cycle<L>> {
        let start = *component.iter().min_by_key(|&&v| &self.nodes[v])?;
        let members: std::collections::BTreeSet<usize> = component.iter().copied().collect();
        let inside = |v: usize| members.contains(&v);
        // Breadth-first search from `start` back to itself inside the component: the
        // shortest cycle through it, which is the clearest one to report.
        let mut parent: BTreeMap<usize, (usize, &L)> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for (w, label) in &self.edges[v] {
                if *w == start {
                    let mut repos = vec![v];
                    let mut labels = vec![label.clone()];
                    let mut cur = v;
                    while cur != start {
                        let (p, l) = parent[&cur];
                        repos.push(p);
                        labels.push(l.clone());
                        cur = p;
                    }
                    repos.reverse();
                    labels.reverse();
                    return Some(Cycle {
                        repositories: repos.into_iter().map(|i| self.nodes[i].clone()).collect(),
                        labels,
                    });
                }
                if inside(*w) && !parent.contains_key(w) && *w != start {
                    parent.insert(*w, (v, label));
                    queue.push_back(*w);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acyclic_diamond_has_no_cycle() {
        let mut g = FlowGraph::new();
        for (a, b) in [
            ("rt", "ext"),
            ("rt", "asp"),
            ("ext", "sdk"),
            ("asp", "sdk"),
            ("sdk", "inst"),
        ] {
            g.add_edge(a, b, format!("{a}-{b}"));
        }
        assert!(g.cycles().is_empty());
    }

    #[test]
    fn finds_shortest_cycle_per_component() {
        let mut g = FlowGraph::new();
        for (a, b) in [
            ("a", "b"),
            ("b", "c"),
            ("c", "a"),
            ("b", "a"),
            ("x", "x"),
            ("c", "d"),
        ] {
            g.add_edge(a, b, format!("{a}{b}"));
        }
        let mut cycles = g.cycles();
        cycles.sort_by(|l, r| l.repositories.cmp(&r.repositories));
        assert_eq!(cycles.len(), 2);
        assert_eq!(cycles[0].repositories, ["a", "b"]);
        assert_eq!(cycles[0].labels, ["ab", "ba"]);
        assert_eq!(cycles[1].repositories, ["x"]);
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let mut g = FlowGraph::new();
        for i in 0..100_000 {
            g.add_edge(&i.to_string(), &(i + 1).to_string(), ());
        }
        g.add_edge("100000", "0", ());
        assert_eq!(g.cycles()[0].repositories.len(), 100_001);
    }
}
