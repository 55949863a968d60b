//! The isolation trace on the graph alone (no geometry, no roads): walk out
//! from the leak, stop at each closable valve; the valves where the walk
//! stopped and whose far side feeds the section are the ones to close.

use super::graph::GasGraph;
use std::collections::{BTreeSet, HashSet, VecDeque};

/// Where the leak is, on the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakAt {
    /// On a pipe (graph index).
    Pipe(usize),
    /// At a node (a leaking valve's node).
    Node(usize),
}

/// Why a boundary valve need not be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Optional {
    /// Nothing on its far side reaches a supply point.
    FarSideHasNoSupply,
    /// Its far side is supplied but cannot feed the section (a regulator's
    /// outlet side: gas does not flow back up through a regulator).
    FarSideCannotFeed,
}

/// What the trace finds, as graph indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The pipes of the section.
    pub section: Vec<usize>,
    /// Boundary nodes whose valve must close, with the valve (graph index).
    pub required: Vec<(usize, usize)>,
    /// Boundary nodes whose valve may stay open, with the valve and why.
    pub optional: Vec<(usize, usize, Optional)>,
    /// Valves the walk passed through: (valve, failed?) — inoperable or failed.
    pub passed: Vec<(usize, bool)>,
    /// Supply points inside the section: valves cannot cut these off.
    pub sources_inside: Vec<usize>,
    /// Pipes supplied before anything is closed.
    pub supplied_before: Vec<bool>,
    /// Pipes supplied with the required valves closed.
    pub supplied_after: Vec<bool>,
    /// Whether the leak's component reached a supply point to begin with.
    pub had_supply: bool,
}

impl Trace {
    /// Pipes that lose supply beyond the section: supplied before, not after.
    pub fn outage(&self) -> Vec<usize> {
        let section: HashSet<usize> = self.section.iter().copied().collect();
        (0..self.supplied_before.len())
            .filter(|p| self.supplied_before[*p] && !self.supplied_after[*p] && !section.contains(p))
            .collect()
    }

    /// Whether closing the required valves cuts every section pipe off from supply.
    pub fn isolated(&self) -> bool {
        self.section.iter().all(|&p| !self.supplied_after[p])
    }
}

/// A valve at `node` that will close: operable and not in `failed`.
fn closable(g: &GasGraph, node: usize, failed: &HashSet<usize>) -> Option<usize> {
    g.valves_at(node)
        .filter_map(|v| g.valve_of(v.id))
        .find(|&v| g.valves()[v].operable && !failed.contains(&v))
}

/// Runs the trace from `leak`, as if the valves `failed` (graph indexes) will not close.
pub fn trace(g: &GasGraph, leak: LeakAt, failed: &HashSet<usize>) -> Trace {
    let leak_node = match leak {
        LeakAt::Node(n) => Some(n),
        LeakAt::Pipe(_) => None,
    };
    let mut in_section = vec![false; g.pipes().len()];
    let mut queue = VecDeque::new();
    let mut boundary = BTreeSet::new();
    let mut interior = BTreeSet::new();
    match leak {
        LeakAt::Pipe(p) => {
            in_section[p] = true;
            queue.push_back(p);
        }
        LeakAt::Node(n) => {
            interior.insert(n);
            for &p in g.pipes_at(n) {
                if !in_section[p] {
                    in_section[p] = true;
                    queue.push_back(p);
                }
            }
        }
    }
    while let Some(p) = queue.pop_front() {
        for node in g.pipes()[p].ends {
            if Some(node) != leak_node && closable(g, node, failed).is_some() {
                boundary.insert(node);
                continue;
            }
            interior.insert(node);
            for &q in g.pipes_at(node) {
                if !in_section[q] {
                    in_section[q] = true;
                    queue.push_back(q);
                }
            }
        }
    }
    let section: Vec<usize> = (0..in_section.len()).filter(|&p| in_section[p]).collect();

    let mut passed = Vec::new();
    for &n in &interior {
        for v in g.valves_at(n) {
            if let Some(i) = g.valve_of(v.id)
                && Some(n) != leak_node
            {
                passed.push((i, failed.contains(&i)));
            }
        }
    }
    let sources_inside: Vec<usize> = interior.iter().copied().filter(|&n| g.is_source(n)).collect();

    let nodes = g.node_count();
    let supplied_before = g.supplied(&vec![false; nodes]);
    let had_supply = section.iter().any(|&p| supplied_before[p]);
    let mut all_closed = vec![false; nodes];
    for &n in &boundary {
        all_closed[n] = true;
    }
    let supplied_boundary = g.supplied(&all_closed);

    let (mut required, mut optional) = (Vec::new(), Vec::new());
    for &n in &boundary {
        let Some(valve) = closable(g, n, failed) else { continue };
        let far: Vec<usize> = g.pipes_at(n).iter().copied().filter(|&q| !in_section[q]).collect();
        let near: Vec<usize> = g.pipes_at(n).iter().copied().filter(|&q| in_section[q]).collect();
        let far_supplied: Vec<usize> = far.iter().copied().filter(|&q| supplied_boundary[q]).collect();
        // A supply point on the valve's own node feeds the section through it.
        let station_feeds = g.is_source(n) && near.iter().any(|&p| g.source_feeds(n, p));
        if station_feeds {
            required.push((n, valve));
        } else if far_supplied.is_empty() {
            optional.push((n, valve, Optional::FarSideHasNoSupply));
        } else if far_supplied.iter().any(|&q| near.iter().any(|&p| g.passes(n, q, p))) {
            required.push((n, valve));
        } else {
            optional.push((n, valve, Optional::FarSideCannotFeed));
        }
    }
    // Gas may still reach the section round through two boundary valves
    // that each looked optional: open the optional ones one at a time and
    // keep open only those that leave the section without supply.
    let mut closed = all_closed;
    let cut_off = |closed: &[bool]| {
        let s = g.supplied(closed);
        !section.iter().any(|&p| s[p])
    };
    let mut kept = Vec::new();
    for (n, valve, why) in optional {
        closed[n] = false;
        // With a supply point inside the section nothing cuts it off: keep the reasons.
        if !sources_inside.is_empty() || cut_off(&closed) {
            kept.push((n, valve, why));
        } else {
            closed[n] = true;
            required.push((n, valve));
        }
    }
    let optional = kept;
    required.sort_unstable();
    let supplied_after = g.supplied(&closed);
    Trace {
        section,
        required,
        optional,
        passed,
        sources_inside,
        supplied_before,
        supplied_after,
        had_supply,
    }
}
