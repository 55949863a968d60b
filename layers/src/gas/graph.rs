//! The gas network as a graph: pipes are edges between nodes; valves and
//! stations sit on nodes. Nodes are keyed by (network, node number), so two
//! cities never share a node.

use crate::Layer;
use crate::feature::FeatureId;
use crate::model::{GasPipe, GasStation, GasValve, PressureClass, StationKind};
use std::collections::{HashMap, VecDeque};

/// One pipe of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// `gas_pipes` id.
    pub id: FeatureId,
    /// Index of the network (city) in [`GasGraph::networks`].
    pub network: usize,
    /// Pressure class.
    pub class: PressureClass,
    /// Nominal diameter, mm.
    pub diameter_mm: u32,
    /// Length, metres.
    pub length_m: f64,
    /// The two end nodes (graph indexes).
    pub ends: [usize; 2],
}

/// One valve of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Valve {
    /// `gas_valves` id.
    pub id: FeatureId,
    /// The node it sits on (graph index).
    pub node: usize,
    /// Whether it is known to close.
    pub operable: bool,
}

/// One station of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// `gas_stations` id.
    pub id: FeatureId,
    /// Name.
    pub name: String,
    /// Gate or regulator.
    pub kind: StationKind,
    /// Pressure class going out.
    pub outlet: PressureClass,
    /// The node it sits on (graph index).
    pub node: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    pipes: Vec<usize>,
    valves: Vec<usize>,
    stations: Vec<usize>,
}

/// A network of pipes, valves and stations prepared for traces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GasGraph {
    networks: Vec<String>,
    nodes: Vec<Node>,
    pipes: Vec<Pipe>,
    valves: Vec<Valve>,
    stations: Vec<Station>,
    pipe_index: HashMap<FeatureId, usize>,
    valve_index: HashMap<FeatureId, usize>,
    /// Per node: whether gas enters the network there, and into which class
    /// (`None`: into every pipe at the node).
    sources: Vec<Option<Option<PressureClass>>>,
}

/// Builds a graph piece by piece (the catalog's layers, or a test's own graph).
#[derive(Debug, Default)]
pub struct GraphBuilder {
    g: GasGraph,
    node_index: HashMap<(usize, u64), usize>,
    network_index: HashMap<String, usize>,
}

impl GraphBuilder {
    fn network(&mut self, name: &str) -> usize {
        if let Some(&n) = self.network_index.get(name) {
            return n;
        }
        self.g.networks.push(name.to_owned());
        self.network_index.insert(name.to_owned(), self.g.networks.len() - 1);
        self.g.networks.len() - 1
    }

    fn node(&mut self, network: usize, node: u64) -> usize {
        *self.node_index.entry((network, node)).or_insert_with(|| {
            self.g.nodes.push(Node::default());
            self.g.nodes.len() - 1
        })
    }

    /// Adds a pipe.
    pub fn pipe(&mut self, id: FeatureId, p: &GasPipe) -> &mut Self {
        let network = self.network(&p.network);
        let ends = [self.node(network, p.from_node), self.node(network, p.to_node)];
        let i = self.g.pipes.len();
        self.g.pipes.push(Pipe {
            id,
            network,
            class: p.pressure_class,
            diameter_mm: p.diameter_mm,
            length_m: p.length_m,
            ends,
        });
        self.g.nodes[ends[0]].pipes.push(i);
        if ends[1] != ends[0] {
            self.g.nodes[ends[1]].pipes.push(i);
        }
        self.g.pipe_index.insert(id, i);
        self
    }

    /// Adds a valve.
    pub fn valve(&mut self, id: FeatureId, v: &GasValve) -> &mut Self {
        let network = self.network(&v.network);
        let node = self.node(network, v.node);
        let i = self.g.valves.len();
        self.g.valves.push(Valve {
            id,
            node,
            operable: v.operable,
        });
        self.g.nodes[node].valves.push(i);
        self.g.valve_index.insert(id, i);
        self
    }

    /// Adds a station.
    pub fn station(&mut self, id: FeatureId, s: &GasStation) -> &mut Self {
        let network = self.network(&s.network);
        let node = self.node(network, s.node);
        let i = self.g.stations.len();
        self.g.stations.push(Station {
            id,
            name: s.name.clone(),
            kind: s.kind,
            outlet: s.outlet_pressure_class,
            node,
        });
        self.g.nodes[node].stations.push(i);
        self
    }

    /// The finished graph, with its supply points worked out.
    pub fn build(mut self) -> GasGraph {
        let g = &mut self.g;
        g.sources = vec![None; g.nodes.len()];
        for s in &g.stations {
            let node = &g.nodes[s.node];
            match s.kind {
                // A gate station feeds every pipe at its node.
                StationKind::Gate => g.sources[s.node] = Some(None),
                // A regulator with no inlet pipe (a network drawn from the
                // regulator down) is where gas enters: it feeds its outlet class.
                StationKind::Regulator => {
                    let has_inlet = node.pipes.iter().any(|&p| g.pipes[p].class != s.outlet);
                    if !has_inlet && g.sources[s.node].is_none() {
                        g.sources[s.node] = Some(Some(s.outlet));
                    }
                }
            }
        }
        self.g
    }
}

impl GasGraph {
    /// The graph of the catalog's three gas layers.
    pub fn build(pipes: &Layer<GasPipe>, valves: &Layer<GasValve>, stations: &Layer<GasStation>) -> Self {
        let mut b = GraphBuilder::default();
        for f in pipes.features() {
            b.pipe(f.id, &f.properties);
        }
        for f in valves.features() {
            b.valve(f.id, &f.properties);
        }
        for f in stations.features() {
            b.station(f.id, &f.properties);
        }
        b.build()
    }

    /// The city networks, by name.
    pub fn networks(&self) -> &[String] {
        &self.networks
    }

    /// Every pipe.
    pub fn pipes(&self) -> &[Pipe] {
        &self.pipes
    }

    /// Every valve.
    pub fn valves(&self) -> &[Valve] {
        &self.valves
    }

    /// Every station.
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// How many nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The graph index of a `gas_pipes` id.
    pub fn pipe_of(&self, id: FeatureId) -> Option<usize> {
        self.pipe_index.get(&id).copied()
    }

    /// The graph index of a `gas_valves` id.
    pub fn valve_of(&self, id: FeatureId) -> Option<usize> {
        self.valve_index.get(&id).copied()
    }

    /// The pipes meeting at a node.
    pub fn pipes_at(&self, node: usize) -> &[usize] {
        &self.nodes[node].pipes
    }

    /// The valves on a node.
    pub fn valves_at(&self, node: usize) -> impl Iterator<Item = &Valve> + '_ {
        self.nodes[node].valves.iter().map(|&v| &self.valves[v])
    }

    /// The stations on a node.
    pub fn stations_at(&self, node: usize) -> impl Iterator<Item = &Station> + '_ {
        self.nodes[node].stations.iter().map(|&s| &self.stations[s])
    }

    /// Whether gas enters the network at `node` (a gate station, or a
    /// regulator without an inlet pipe).
    pub fn is_source(&self, node: usize) -> bool {
        self.sources[node].is_some()
    }

    /// Whether gas entering the network at `node` goes into pipe `p`.
    pub fn source_feeds(&self, node: usize, p: usize) -> bool {
        match self.sources[node] {
            Some(None) => true,
            Some(Some(class)) => self.pipes[p].class == class,
            None => false,
        }
    }

    /// Whether gas may flow from pipe `from` through `node` into pipe `to`.
    /// Regulators separate pressure classes: at a node with a regulator
    /// station, gas passes within one class, or from another class into the
    /// regulator's outlet class, never back up.
    pub fn passes(&self, node: usize, from: usize, to: usize) -> bool {
        let (a, b) = (self.pipes[from].class, self.pipes[to].class);
        if a == b {
            return true;
        }
        let mut regulators = self
            .stations_at(node)
            .filter(|s| s.kind == StationKind::Regulator)
            .peekable();
        if regulators.peek().is_none() {
            // No regulator: pipes of different classes joined directly pass
            // gas both ways (a drawing error, taken as connected: the safe side).
            return true;
        }
        regulators.any(|s| b == s.outlet && a != s.outlet)
    }

    /// Which pipes gas reaches from the supply points, with the nodes of
    /// `closed` shut (a closed valve stops flow through its node). A plain
    /// breadth-first search over pipes, following [`GasGraph::passes`].
    pub fn supplied(&self, closed: &[bool]) -> Vec<bool> {
        let mut seen = vec![false; self.pipes.len()];
        let mut queue = VecDeque::new();
        for (node, source) in self.sources.iter().enumerate() {
            if source.is_none() || closed.get(node).copied().unwrap_or(false) {
                continue;
            }
            for &p in &self.nodes[node].pipes {
                if self.source_feeds(node, p) && !seen[p] {
                    seen[p] = true;
                    queue.push_back(p);
                }
            }
        }
        while let Some(p) = queue.pop_front() {
            for node in self.pipes[p].ends {
                if closed.get(node).copied().unwrap_or(false) {
                    continue;
                }
                for &q in &self.nodes[node].pipes {
                    if !seen[q] && self.passes(node, p, q) {
                        seen[q] = true;
                        queue.push_back(q);
                    }
                }
            }
        }
        seen
    }
}
