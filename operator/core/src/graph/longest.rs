//! The longest path of an acyclic graph of links, exactly and in linear time: the flow
//! network's critical path and slowest path when no subscription closes a cycle.

use std::collections::BTreeSet;

/// A graph of `n` nodes whose link `l` leads from `ends[l].0` to `ends[l].1`, `out[v]`
/// listing the links leaving `v`, with no cycle.
pub(crate) struct Dag<'a> {
    /// How many nodes.
    pub n: usize,
    /// Links leaving each node.
    pub out: &'a [Vec<usize>],
    /// Each link's (from, to).
    pub ends: &'a [(usize, usize)],
    /// Each link's cost.
    pub weight: &'a [i64],
}

/// The best chain reaching a node so far: its (cost, links) key and its last link.
type Reach = Option<((i64, usize), Option<usize>)>;

/// The best chain found, its (cost, links) key, and how many chains it was chosen from.
pub(crate) type Best = (Vec<usize>, (i64, usize), usize);

impl Dag<'_> {
    /// The chain of greatest (cost, links) from `start` (any node when `None`) to `goal`
    /// (any node when `None`), of one link at least; ties go to the chain found first in
    /// a topological order taken smallest node first.
    pub fn best(&self, start: Option<usize>, goal: Option<usize>) -> Option<Best> {
        let mut indegree = vec![0usize; self.n];
        for &(_, b) in self.ends {
            indegree[b] += 1;
        }
        let mut ready: BTreeSet<usize> = (0..self.n).filter(|&v| indegree[v] == 0).collect();
        let mut best: Vec<Reach> = match start {
            Some(s) => (0..self.n)
                .map(|v| (v == s).then_some(((0, 0), None)))
                .collect(),
            None => vec![Some(((0, 0), None)); self.n],
        };
        let mut paths: Vec<usize> = (0..self.n).map(|v| usize::from(start == Some(v))).collect();
        let mut order = Vec::with_capacity(self.n);
        while let Some(v) = ready.pop_first() {
            order.push(v);
            for &l in &self.out[v] {
                let w = self.ends[l].1;
                if let Some(((cost, hops), _)) = best[v] {
                    let candidate = (cost + self.weight[l], hops + 1);
                    if best[w].is_none_or(|(key, _)| candidate > key) {
                        best[w] = Some((candidate, Some(l)));
                    }
                    paths[w] = paths[w].saturating_add(paths[v]);
                }
                indegree[w] -= 1;
                if indegree[w] == 0 {
                    ready.insert(w);
                }
            }
        }
        let end = match goal {
            Some(g) => Some(g).filter(|&g| best[g].is_some_and(|(_, pred)| pred.is_some())),
            None => order
                .iter()
                .copied()
                .filter(|&v| best[v].is_some_and(|(_, pred)| pred.is_some()))
                .fold(None, |acc: Option<usize>, v| match acc {
                    Some(a) if best[a].map(|b| b.0) >= best[v].map(|b| b.0) => Some(a),
                    _ => Some(v),
                }),
        }?;
        let key = best[end]?.0;
        let mut chain = Vec::new();
        let mut at = end;
        while let Some((_, Some(l))) = best[at] {
            chain.push(l);
            at = self.ends[l].0;
        }
        chain.reverse();
        Some((chain, key, paths[end].max(1)))
    }
}
