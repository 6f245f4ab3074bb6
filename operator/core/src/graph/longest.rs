//! The longest path of an acyclic graph of links, exactly and in linear time: the flow
//! network's critical path and slowest path when no subscription closes a cycle.

use std::collections::BTreeSet;

/// A graph of `n` nodes whose link `l` leads from `ends[l].0` to `ends[l].1`, `out[v]`
/// listing the links leaving `v` (only those listed count), with no cycle.
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
        for &l in self.out.iter().flatten() {
            indegree[self.ends[l].1] += 1;
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

/// `out` without a small set of links whose removal leaves no cycle, chosen by the greedy
/// ordering of Eades, Lin and Smyth: repeatedly, sinks go to the back of the order,
/// sources to the front, else the node with the most links out over links in (smallest
/// index on a tie) to the front; the links leading backwards in the order are dropped.
pub(crate) fn without_back_links(out: &[Vec<usize>], ends: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let n = out.len();
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &l in out.iter().flatten() {
        incoming[ends[l].1].push(l);
    }
    let mut alive = vec![true; n];
    let degree = |v: usize, links: &[usize], alive: &[bool], pick: fn((usize, usize)) -> usize| {
        links
            .iter()
            .filter(|&&l| {
                let other = pick(ends[l]);
                other != v && alive[other]
            })
            .count()
    };
    let (mut front, mut back) = (Vec::new(), Vec::new());
    let mut left = n;
    while left > 0 {
        let mut moved = false;
        for v in 0..n {
            if !alive[v] {
                continue;
            }
            let (o, i) = (
                degree(v, &out[v], &alive, |e| e.1),
                degree(v, &incoming[v], &alive, |e| e.0),
            );
            if o == 0 {
                back.push(v);
            } else if i == 0 {
                front.push(v);
            } else {
                continue;
            }
            alive[v] = false;
            left -= 1;
            moved = true;
        }
        if moved {
            continue;
        }
        let pick = (0..n).filter(|&v| alive[v]).max_by_key(|&v| {
            let o = degree(v, &out[v], &alive, |e| e.1) as i64;
            let i = degree(v, &incoming[v], &alive, |e| e.0) as i64;
            (o - i, std::cmp::Reverse(v))
        });
        if let Some(v) = pick {
            front.push(v);
            alive[v] = false;
            left -= 1;
        }
    }
    back.reverse();
    front.extend(back);
    let mut position = vec![0usize; n];
    for (p, &v) in front.iter().enumerate() {
        position[v] = p;
    }
    out.iter()
        .map(|links| {
            links
                .iter()
                .copied()
                .filter(|&l| position[ends[l].0] < position[ends[l].1])
                .collect()
        })
        .collect()
}
