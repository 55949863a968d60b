//! Travel time on the road network: a contraction-hierarchy graph built from
//! the `roads` layer (fast_paths), snapping of any point to the nearest open
//! road, and ranking of candidates by road time with a bound that makes the
//! ranking exact: no route is faster than the straight line at top speed.

pub mod avoid;
mod segments;

use crate::feature::{Feature, FeatureId};
use crate::filter::Filter;
use crate::layer::Layer;
use crate::model::Road;
#[cfg(test)]
use crate::record::Record;
use fast_paths::{FastGraph, InputGraph, PathCalculator};
use geo::{Coord, Geometry, Length, LineString};
use std::collections::HashMap;

/// A hash map for the integer keys of a search (junctions, features):
/// foldhash instead of SipHash, whose cost showed in the ranking's profile.
type FastMap<K, V> = foldhash::HashMap<K, V>;

/// Speed on foot or off the network, from a point to the road it snaps to, km/h.
pub const ACCESS_SPEED_KMH: f64 = 20.0;

/// A road edge of the graph, with its line in the edge's direction.
#[derive(Debug, Clone)]
struct Edge {
    time_ms: usize,
    length_m: f64,
    line: std::sync::Arc<[Coord<f64>]>,
}

/// Where a point meets the road network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The road it meets.
    pub road: FeatureId,
    /// The point on the road.
    pub at: Coord<f64>,
    /// Straight-line distance from the point to the road, metres.
    pub access_m: f64,
    from: usize,
    to: usize,
    /// Time and length from the point to each end of the road.
    to_from: (usize, f64),
    to_to: (usize, f64),
    /// The road is driven only from `from` to `to`.
    oneway: bool,
}

impl Snap {
    /// The junctions a route leaving the point starts from, with the time to each.
    fn exits(&self) -> Vec<(usize, usize)> {
        if self.oneway {
            vec![(self.to, self.to_to.0)]
        } else {
            vec![(self.from, self.to_from.0), (self.to, self.to_to.0)]
        }
    }

    /// The junctions a route arriving at the point comes through, with the time from each.
    fn entries(&self) -> Vec<(usize, usize)> {
        if self.oneway {
            vec![(self.from, self.to_from.0)]
        } else {
            vec![(self.from, self.to_from.0), (self.to, self.to_to.0)]
        }
    }
}

/// A route between two snapped points.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Travel time, seconds.
    pub time_s: f64,
    /// Length along roads plus the two access legs, metres.
    pub length_m: f64,
    /// The junctions passed, as lon/lat, from start to end.
    pub path: Vec<Coord<f64>>,
}

/// The road network prepared for queries.
pub struct RoadGraph {
    fast: FastGraph,
    open: Filter,
    /// The open roads' segments, for snapping (as the roads were when built).
    segments: Option<segments::Segments>,
    index: HashMap<u64, usize>,
    nodes: Vec<Coord<f64>>,
    edges: HashMap<(usize, usize), Edge>,
    /// For each junction, the edges arriving at it: (from, time ms).
    reverse: Vec<Vec<(usize, usize)>>,
    top_speed_ms: f64,
    /// Calculators returned after use: each holds arrays the size of the
    /// graph, too costly to allocate for every query.
    calculators: parking_lot::Mutex<Vec<PathCalculator>>,
}

/// Most idle calculators a graph keeps.
const POOLED_CALCULATORS: usize = 16;

/// A [`PathCalculator`] of a graph's pool, given back when dropped.
pub struct Calculator<'a> {
    graph: &'a RoadGraph,
    calc: Option<PathCalculator>,
}

impl std::fmt::Debug for Calculator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calculator").finish_non_exhaustive()
    }
}

impl std::ops::Deref for Calculator<'_> {
    type Target = PathCalculator;
    fn deref(&self) -> &PathCalculator {
        self.calc.as_ref().expect("a calculator until dropped")
    }
}

impl std::ops::DerefMut for Calculator<'_> {
    fn deref_mut(&mut self) -> &mut PathCalculator {
        self.calc.as_mut().expect("a calculator until dropped")
    }
}

impl Drop for Calculator<'_> {
    fn drop(&mut self) {
        if let Some(calc) = self.calc.take() {
            let mut pool = self.graph.calculators.lock();
            if pool.len() < POOLED_CALCULATORS {
                pool.push(calc);
            }
        }
    }
}

impl std::fmt::Debug for RoadGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoadGraph")
            .field("nodes", &self.nodes.len())
            .field("edges", &self.edges.len())
            .finish()
    }
}

fn ms(length_m: f64, speed_kmh: f64) -> usize {
    (length_m / (speed_kmh / 3.6) * 1000.0).round() as usize
}

/// Great-circle length of a line, metres (geo's haversine, on the mean
/// earth radius of [`crate::geodesy::EARTH_RADIUS_M`]).
fn line_length(l: &LineString<f64>) -> f64 {
    geo::Haversine.length(l)
}

impl RoadGraph {
    /// Builds the graph of the open roads (both directions, one-way roads
    /// forwards only) and contracts it.
    pub fn build(roads: &Layer<Road>) -> Self {
        Self::build_timed(roads).0
    }

    /// [`RoadGraph::build`], with the time spent building the input graph
    /// and preparing the contraction hierarchy (for `benches/roads.rs`).
    pub fn build_timed(roads: &Layer<Road>) -> (Self, std::time::Duration, std::time::Duration) {
        let started = std::time::Instant::now();
        let mut index: HashMap<u64, usize> = HashMap::new();
        let mut nodes = Vec::new();
        let mut edges: HashMap<(usize, usize), Edge> = HashMap::new();
        let mut input = InputGraph::new();
        let mut top_speed = ACCESS_SPEED_KMH;
        let node = |id: u64, at: Coord<f64>, nodes: &mut Vec<Coord<f64>>, index: &mut HashMap<u64, usize>| {
            *index.entry(id).or_insert_with(|| {
                nodes.push(at);
                nodes.len() - 1
            })
        };
        for f in roads.features() {
            let r = &f.properties;
            let Geometry::LineString(line) = &f.geometry else {
                continue;
            };
            if !r.open || line.0.len() < 2 || r.speed_kmh == 0 {
                continue;
            }
            let (a, b) = (line.0[0], line.0[line.0.len() - 1]);
            let (from, to) = (
                node(r.from_node, a, &mut nodes, &mut index),
                node(r.to_node, b, &mut nodes, &mut index),
            );
            if from == to {
                continue;
            }
            let length_m = line_length(line);
            let time_ms = ms(length_m, f64::from(r.speed_kmh)).max(1);
            top_speed = top_speed.max(f64::from(r.speed_kmh));
            let forward: std::sync::Arc<[Coord<f64>]> = line.0.clone().into();
            let backward: std::sync::Arc<[Coord<f64>]> = line.0.iter().rev().copied().collect();
            let directions = if r.oneway {
                vec![((from, to), forward)]
            } else {
                vec![((from, to), forward), ((to, from), backward)]
            };
            for (key, line) in directions {
                if edges.get(&key).is_none_or(|best| time_ms < best.time_ms) {
                    edges.insert(
                        key,
                        Edge {
                            time_ms,
                            length_m,
                            line,
                        },
                    );
                }
            }
        }
        let mut reverse: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes.len()];
        for (&(a, b), e) in &edges {
            input.add_edge(a, b, e.time_ms);
            reverse[b].push((a, e.time_ms));
        }
        input.freeze();
        let input_time = started.elapsed();
        let started = std::time::Instant::now();
        let fast = fast_paths::prepare(&input);
        let prepare_time = started.elapsed();
        let open = Filter::parse(<Road as crate::record::Record>::FIELDS, [("open", "true")]).unwrap_or_default();
        let segments = segments::Segments::build(roads, &open);
        (
            Self {
                fast,
                open,
                segments,
                index,
                nodes,
                edges,
                reverse,
                top_speed_ms: top_speed / 3.6,
                calculators: parking_lot::Mutex::new(Vec::new()),
            },
            input_time,
            prepare_time,
        )
    }

    /// Junctions in the graph.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Fastest speed anywhere on the network, m/s: no route beats the straight line at it.
    pub fn top_speed_ms(&self) -> f64 {
        self.top_speed_ms
    }

    /// A calculator for queries, from the graph's pool (allocated only when
    /// none is idle; given back when dropped).
    pub fn calculator(&self) -> Calculator<'_> {
        let pooled = self.calculators.lock().pop();
        Calculator {
            graph: self,
            calc: Some(pooled.unwrap_or_else(|| fast_paths::create_calculator(&self.fast))),
        }
    }

    /// Snaps `p` to the nearest open road of `roads` within `max_m` metres.
    pub fn snap(&self, roads: &Layer<Road>, p: Coord<f64>, max_m: f64) -> Option<Snap> {
        let (road, access_m) = match &self.segments {
            Some(segments) if segments.current(roads) => segments.nearest(roads, p, &self.open)?,
            _ => roads.nearest_iter(p, &self.open).next()?,
        };
        if access_m > max_m {
            return None;
        }
        self.snap_on(road, p, access_m)
    }

    /// [`RoadGraph::snap`] of `p` when its nearest open road is known to be
    /// `road` (found by an earlier snap with the same roads and graph, as a
    /// [`crate::coverage::CoverageIndex`] keeps them): the same snap, without
    /// the walk for the road. `None` if `road` is not an open road of `roads`.
    pub fn snap_to_road(&self, roads: &Layer<Road>, p: Coord<f64>, road: FeatureId) -> Option<Snap> {
        let road = roads.feature(road).filter(|r| self.open.matches(&r.properties))?;
        // The distance the walk measures each road it reaches by.
        let access_m = crate::geodesy::distance_to_geometry_m(p, &road.geometry);
        self.snap_on(road, p, access_m)
    }

    /// `p` snapped onto `road`, `access_m` metres away.
    fn snap_on(&self, road: &Feature<Road>, p: Coord<f64>, access_m: f64) -> Option<Snap> {
        let Geometry::LineString(line) = &road.geometry else {
            return None;
        };
        let (at, along) = crate::geodesy::closest_on_line(p, &line.0);
        let walked = line_length(line);
        let r = &road.properties;
        let (from, to) = (*self.index.get(&r.from_node)?, *self.index.get(&r.to_node)?);
        let speed = f64::from(r.speed_kmh);
        Some(Snap {
            road: road.id,
            at,
            access_m,
            from,
            to,
            to_from: (ms(along, speed), along),
            to_to: (ms(walked - along, speed), walked - along),
            oneway: r.oneway,
        })
    }

    /// Departure times (ms, access included) from `s` to the junctions it leaves by.
    fn departures_ms(s: &Snap) -> Vec<(usize, usize)> {
        let access = ms(s.access_m, ACCESS_SPEED_KMH);
        s.exits().into_iter().map(|(n, t)| (n, access + t)).collect()
    }

    /// Both on the same road: straight along it, without the graph.
    fn direct(&self, a: &Snap, b: &Snap) -> Option<Route> {
        // On a one-way road, only forwards.
        let ahead = !a.oneway || b.to_from.1 >= a.to_from.1;
        (a.road == b.road && ahead).then(|| {
            let access = ms(a.access_m, ACCESS_SPEED_KMH) + ms(b.access_m, ACCESS_SPEED_KMH);
            let metres = (a.to_from.1 - b.to_from.1).abs();
            let speed_ms = if a.to_from.1 + a.to_to.1 > 0.0 {
                (a.to_from.1 + a.to_to.1) / ((a.to_from.0 + a.to_to.0).max(1) as f64 / 1000.0)
            } else {
                self.top_speed_ms
            };
            Route {
                time_s: (access as f64 / 1000.0) + metres / speed_ms,
                length_m: metres + a.access_m + b.access_m,
                path: vec![a.at, b.at],
            }
        })
    }

    /// The travel time of [`RoadGraph::route`] without building the route:
    /// the graph part comes from `memo` (junction → time to `target`), so
    /// many candidates near the same junctions cost one query each junction.
    pub fn time_to(
        &self,
        calc: &mut PathCalculator,
        memo: &mut HashMap<usize, Option<usize>>,
        a: &Snap,
        target: &Snap,
    ) -> Option<f64> {
        let mut to_target = |node: usize| {
            *memo.entry(node).or_insert_with(|| {
                let targets = target.entries();
                calc.calc_path_multiple_sources_and_targets(&self.fast, vec![(node, 0)], targets)
                    .map(|p| p.get_weight())
            })
        };
        let via_from = if a.oneway {
            None
        } else {
            to_target(a.from).map(|d| d + a.to_from.0)
        };
        let via_to = to_target(a.to).map(|d| d + a.to_to.0);
        let access = ms(a.access_m, ACCESS_SPEED_KMH) + ms(target.access_m, ACCESS_SPEED_KMH);
        let via_graph = match (via_from, via_to) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
        .map(|t| (t + access) as f64 / 1000.0);
        let direct = self.direct(a, target).map(|r| r.time_s);
        match (direct, via_graph) {
            (Some(d), Some(g)) => Some(d.min(g)),
            (d, g) => d.or(g),
        }
    }

    /// The fastest route between two snapped points, or `None` if none connects them.
    pub fn route(&self, calc: &mut PathCalculator, a: &Snap, b: &Snap) -> Option<Route> {
        self.route_with(calc, a, b, true)
    }

    /// [`RoadGraph::route`], with the route's line only when `with_path`
    /// (without it `path` is empty: time and length cost no line building).
    pub fn route_with(&self, calc: &mut PathCalculator, a: &Snap, b: &Snap, with_path: bool) -> Option<Route> {
        let access = ms(a.access_m, ACCESS_SPEED_KMH) + ms(b.access_m, ACCESS_SPEED_KMH);
        let access_m = a.access_m + b.access_m;
        let direct = self.direct(a, b);
        let sources = a.exits();
        let targets = b.entries();
        let via_graph = calc
            .calc_path_multiple_sources_and_targets(&self.fast, sources, targets)
            .map(|p| {
                let nodes = p.get_nodes();
                let (first, last) = (nodes[0], nodes[nodes.len() - 1]);
                let start = if first == a.from { a.to_from.1 } else { a.to_to.1 };
                let end = if last == b.from { b.to_from.1 } else { b.to_to.1 };
                let inner: f64 = nodes
                    .windows(2)
                    .filter_map(|w| self.edges.get(&(w[0], w[1])).map(|e| e.length_m))
                    .sum();
                // The roads' own lines between junctions, for display.
                let mut path = Vec::new();
                if with_path {
                    path.extend([a.at, self.nodes[first]]);
                    for w in nodes.windows(2) {
                        match self.edges.get(&(w[0], w[1])) {
                            Some(e) => path.extend(e.line.iter().skip(1)),
                            None => path.push(self.nodes[w[1]]),
                        }
                    }
                    path.push(b.at);
                    path.dedup();
                }
                Route {
                    time_s: (p.get_weight() + access) as f64 / 1000.0,
                    length_m: start + inner + end + access_m,
                    path,
                }
            });
        match (direct, via_graph) {
            (Some(d), Some(g)) => Some(if d.time_s <= g.time_s { d } else { g }),
            (d, g) => d.or(g),
        }
    }

    /// Times in ms from the nearest of many sources to every junction (a
    /// multi-source Dijkstra; `usize::MAX` where nothing reaches). Sources
    /// are junctions with a starting time.
    pub fn times_from(&self, sources: impl IntoIterator<Item = (usize, usize)>) -> Vec<usize> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.nodes.len()];
        for (&(a, b), e) in &self.edges {
            adjacency[a].push((b, e.time_ms));
        }
        let mut best = vec![usize::MAX; self.nodes.len()];
        let mut heap = BinaryHeap::new();
        for (n, t) in sources {
            if t < best[n] {
                best[n] = t;
                heap.push(Reverse((t, n)));
            }
        }
        while let Some(Reverse((t, n))) = heap.pop() {
            if t > best[n] {
                continue;
            }
            for &(m, w) in &adjacency[n] {
                if t + w < best[m] {
                    best[m] = t + w;
                    heap.push(Reverse((t + w, m)));
                }
            }
        }
        best
    }

    /// The start times a snapped point gives the junctions it can leave by
    /// (both ends of its road; on a one-way road, the end ahead), ms.
    pub fn departures(&self, s: &Snap) -> Vec<(usize, usize)> {
        let access = ms(s.access_m, ACCESS_SPEED_KMH);
        s.exits().into_iter().map(|(n, t)| (n, access + t)).collect()
    }

    /// The junctions a route arriving at a snapped point comes through, each
    /// with the time from it to the point, access included, ms (both ends of
    /// its road; on a one-way road, the end behind it): [`RoadGraph::arrival`]
    /// is the least `times[junction] + time` of these.
    pub fn arrivals(&self, s: &Snap) -> Vec<(usize, usize)> {
        let access = ms(s.access_m, ACCESS_SPEED_KMH);
        s.entries().into_iter().map(|(n, t)| (n, access + t)).collect()
    }

    /// The time in ms to reach a snapped point, given [`RoadGraph::times_from`]
    /// (through either end of its road; on a one-way road, the end behind it).
    pub fn arrival(&self, times: &[usize], s: &Snap) -> Option<usize> {
        let access = ms(s.access_m, ACCESS_SPEED_KMH);
        s.entries()
            .into_iter()
            .map(|(n, t)| (n, access + t))
            .collect::<Vec<_>>()
            .iter()
            .filter(|(n, _)| times[*n] != usize::MAX)
            .map(|(n, t)| times[*n] + t)
            .min()
    }

    /// Plain Dijkstra over the same graph (no contraction): for tests that
    /// check the fast answers, and as a reference.
    pub fn dijkstra_ms(&self, from: usize, to: usize) -> Option<usize> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut adjacency: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for (&(a, b), e) in &self.edges {
            adjacency.entry(a).or_default().push((b, e.time_ms));
        }
        let mut best = vec![usize::MAX; self.nodes.len()];
        let mut heap = BinaryHeap::from([Reverse((0usize, from))]);
        best[from] = 0;
        while let Some(Reverse((t, n))) = heap.pop() {
            if n == to {
                return Some(t);
            }
            if t > best[n] {
                continue;
            }
            for &(m, w) in adjacency.get(&n).into_iter().flatten() {
                if t + w < best[m] {
                    best[m] = t + w;
                    heap.push(Reverse((t + w, m)));
                }
            }
        }
        None
    }

    /// Contracted-graph time between two junctions, for tests.
    pub fn fast_ms(&self, calc: &mut PathCalculator, from: usize, to: usize) -> Option<usize> {
        calc.calc_path(&self.fast, from, to).map(|p| p.get_weight())
    }
}

/// Farthest a point may be from the nearest open road and still be routed, metres.
pub const MAX_SNAP_M: f64 = 10_000.0;
/// Most candidates examined for one ranking.
pub const MAX_CANDIDATES: usize = 4_096;

/// A feature ranked by road travel time.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The feature.
    pub id: FeatureId,
    /// Straight-line distance, metres.
    pub distance_m: f64,
    /// The fastest route from it to the origin.
    pub route: Route,
}

/// The answer of [`rank_by_time`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The `k` soonest, soonest first.
    pub ranked: Vec<Ranked>,
    /// Candidates routed to find them.
    pub examined: usize,
    /// Candidates no road reaches (too far from a road, or cut off).
    pub unreachable: Vec<FeatureId>,
}

/// The `k` of `candidates` (features of `layer`, nearest to `origin` by air
/// first, as [`crate::collection::Collection::nearest_iter`] gives them) that reach `origin` soonest by road.
///
/// Candidates come nearest-first by air, in growing batches; the search stops
/// once the next candidate's straight-line distance at the network's top
/// speed is already slower than the k-th best time, so a team farther by air
/// but closer by road is never missed. `None` if `origin` is off the network.
pub fn rank_by_time(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    layer: &dyn crate::collection::Collection,
    candidates: impl IntoIterator<Item = (FeatureId, f64)>,
    origin: Coord<f64>,
    k: usize,
) -> Option<Ranking> {
    let target = graph.snap(roads, origin, MAX_SNAP_M)?;
    let mut calc = graph.calculator();
    let mut memo = HashMap::new();
    // id → (straight-line metres, where it meets the road, travel time s)
    let mut timed: HashMap<FeatureId, (f64, Option<(Snap, f64)>)> = HashMap::new();
    // Candidates arrive nearest first by air; the k best times so far, sorted.
    let mut best_times: Vec<f64> = Vec::with_capacity(k + 1);
    for (id, distance_m) in candidates {
        let settled = best_times.len() == k
            && best_times
                .last()
                .is_some_and(|t| distance_m / graph.top_speed_ms() >= *t);
        if settled || timed.len() >= MAX_CANDIDATES {
            break;
        }
        let at = layer.point(id);
        let reached = at
            .and_then(|p| graph.snap(roads, p, MAX_SNAP_M))
            .and_then(|s| graph.time_to(&mut calc, &mut memo, &s, &target).map(|t| (s, t)));
        if let Some((_, t)) = &reached {
            let at = best_times.partition_point(|x| x <= t);
            best_times.insert(at, *t);
            best_times.truncate(k);
        }
        timed.insert(id, (distance_m, reached));
    }
    let examined = timed.len();
    let mut unreachable: Vec<FeatureId> = timed
        .iter()
        .filter(|(_, (_, r))| r.is_none())
        .map(|(id, _)| *id)
        .collect();
    unreachable.sort_unstable();
    let mut best: Vec<(FeatureId, f64, Snap, f64)> = timed
        .into_iter()
        .filter_map(|(id, (d, r))| r.map(|(s, t)| (id, d, s, t)))
        .collect();
    best.sort_by(|a, b| a.3.total_cmp(&b.3).then(a.0.cmp(&b.0)));
    best.truncate(k);
    // Full routes (length, geometry) only for the ones answered.
    let ranked = best
        .into_iter()
        .filter_map(|(id, distance_m, s, _)| {
            graph
                .route(&mut calc, &s, &target)
                .map(|route| Ranked { id, distance_m, route })
        })
        .collect();
    Some(Ranking {
        ranked,
        examined,
        unreachable,
    })
}

/// Where each feature of a point layer meets the road network, snapped once
/// and kept current one feature at a time ([`SnapIndex::update`]), for
/// [`rank_by_time_indexed`]: by junction (the features that leave by it, with
/// the time to it) and by road (for the straight way along a shared road).
#[derive(Debug, Default)]
pub struct SnapIndex {
    snaps: FastMap<FeatureId, Snap>,
    by_node: FastMap<usize, Vec<(FeatureId, usize)>>,
    by_road: FastMap<FeatureId, Vec<FeatureId>>,
    /// Where every feature indexed is, snapped or not.
    points: FastMap<FeatureId, Coord<f64>>,
    /// The features no open road within [`MAX_SNAP_M`] reaches.
    unsnapped: Vec<FeatureId>,
}

impl SnapIndex {
    /// Snaps every point of `layer` to `graph`'s roads.
    pub fn build(graph: &RoadGraph, roads: &Layer<Road>, layer: &dyn crate::collection::Collection) -> Self {
        let mut points = Vec::with_capacity(layer.len());
        layer.visit_all(&Filter::all(), &mut |id, geometry, _| {
            if let Geometry::Point(p) = geometry {
                points.push((id, p.0));
            }
            std::ops::ControlFlow::Continue(())
        });
        let mut index = Self::default();
        for (id, p) in points {
            index.insert(graph, roads, id, p);
        }
        index
    }

    /// Snaps feature `id` again as `layer` holds it now (moved, added or deleted).
    pub fn update(
        &mut self,
        graph: &RoadGraph,
        roads: &Layer<Road>,
        layer: &dyn crate::collection::Collection,
        id: FeatureId,
    ) {
        self.remove(id);
        if let Some(p) = layer.point(id) {
            self.insert(graph, roads, id, p);
        }
    }

    /// Where feature `id` meets the road network, if it does.
    pub fn snap(&self, id: FeatureId) -> Option<&Snap> {
        self.snaps.get(&id)
    }

    /// Features snapped to a road.
    pub fn len(&self) -> usize {
        self.snaps.len()
    }

    /// No feature is snapped.
    pub fn is_empty(&self) -> bool {
        self.snaps.is_empty()
    }

    fn insert(&mut self, graph: &RoadGraph, roads: &Layer<Road>, id: FeatureId, p: Coord<f64>) {
        self.points.insert(id, p);
        let Some(s) = graph.snap(roads, p, MAX_SNAP_M) else {
            self.unsnapped.push(id);
            return;
        };
        for (node, t) in RoadGraph::departures_ms(&s) {
            self.by_node.entry(node).or_default().push((id, t));
        }
        self.by_road.entry(s.road).or_default().push(id);
        self.snaps.insert(id, s);
    }

    fn remove(&mut self, id: FeatureId) {
        if self.points.remove(&id).is_none() {
            return;
        }
        let Some(s) = self.snaps.remove(&id) else {
            self.unsnapped.retain(|f| *f != id);
            return;
        };
        for (node, _) in s.exits() {
            if let Some(v) = self.by_node.get_mut(&node) {
                v.retain(|(f, _)| *f != id);
            }
        }
        if let Some(v) = self.by_road.get_mut(&s.road) {
            v.retain(|f| *f != id);
        }
    }
}

/// [`rank_by_time`] with the candidates snapped beforehand ([`SnapIndex`])
/// and one search instead of one per candidate: a Dijkstra from the origin
/// over the reversed road graph (travel is from each feature to the
/// origin, one-way roads included), which meets each candidate at the
/// junctions it leaves by. It stops once the k-th best time so far is below
/// the search front: every candidate not yet met is at least the front away.
/// `admit` says which features are candidates (filter, scope). The answer
/// equals routing every candidate: the same times, the same order (time,
/// then id). `unreachable`: the admitted features nearer by air (`by_air`,
/// nearest first) than the farthest answered that no open road within
/// [`MAX_SNAP_M`] reaches, or (when the search ran out) that no road
/// connects; `examined`: the candidates the search met.
///
/// `by_air` is read only when it can change the answer: when the search ran
/// out, or when a feature the index could not snap is admitted and no
/// farther by air than the farthest answered. Otherwise the answer's
/// straight-line distances are measured from the index's points, as
/// `by_air` measures them, and nothing is unreachable.
pub fn rank_by_time_indexed(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    index: &SnapIndex,
    admit: &dyn Fn(FeatureId) -> bool,
    by_air: impl IntoIterator<Item = (FeatureId, f64)>,
    origin: Coord<f64>,
    k: usize,
) -> Option<Ranking> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let target = graph.snap(roads, origin, MAX_SNAP_M)?;
    let mut admitted: FastMap<FeatureId, bool> = FastMap::default();
    let mut admits = |id: FeatureId| *admitted.entry(id).or_insert_with(|| admit(id));
    // id → best time so far (s); the k best, sorted by (time, id).
    let mut best: FastMap<FeatureId, f64> = FastMap::default();
    let mut top: Vec<(f64, FeatureId)> = Vec::with_capacity(k + 1);
    let offer = |id: FeatureId, t: f64, best: &mut FastMap<FeatureId, f64>, top: &mut Vec<(f64, FeatureId)>| {
        if best.get(&id).is_some_and(|b| *b <= t) {
            return;
        }
        best.insert(id, t);
        top.retain(|(_, f)| *f != id);
        let at = top.partition_point(|(x, f)| (*x, *f) < (t, id));
        top.insert(at, (t, id));
        top.truncate(k);
    };
    // On the origin's own road: straight along it.
    for &id in index.by_road.get(&target.road).into_iter().flatten() {
        if admits(id)
            && let Some(r) = index.snaps.get(&id).and_then(|s| graph.direct(s, &target))
        {
            offer(id, r.time_s, &mut best, &mut top);
        }
    }
    let target_access = ms(target.access_m, ACCESS_SPEED_KMH);
    let mut dist: FastMap<usize, usize> = FastMap::default();
    let mut heap = BinaryHeap::new();
    for (n, t) in target.entries() {
        let t = t + target_access;
        if dist.get(&n).is_none_or(|d| t < *d) {
            dist.insert(n, t);
            heap.push(Reverse((t, n)));
        }
    }
    let mut exhausted = true;
    while let Some(Reverse((d, node))) = heap.pop() {
        if dist.get(&node).is_some_and(|b| d > *b) {
            continue;
        }
        if top.len() == k && top.last().is_some_and(|(t, _)| *t < d as f64 / 1000.0) {
            exhausted = false;
            break;
        }
        for &(id, departure) in index.by_node.get(&node).into_iter().flatten() {
            if admits(id) {
                offer(id, (d + departure) as f64 / 1000.0, &mut best, &mut top);
            }
        }
        for &(from, w) in &graph.reverse[node] {
            let t = d + w;
            if dist.get(&from).is_none_or(|b| t < *b) {
                dist.insert(from, t);
                heap.push(Reverse((t, from)));
            }
        }
    }
    let examined = best.len();
    // Straight-line distances of the answered, and the unreachable nearer by air.
    let mut distance: FastMap<FeatureId, f64> = FastMap::default();
    let mut unreachable = Vec::new();
    let probe = crate::geodesy::Probe::new(origin);
    let air = |id: FeatureId| index.points.get(&id).map(|p| probe.h_to_point(*p));
    // The farthest answered by air (the haversine term `by_air` orders by):
    // only an unsnapped feature no farther could be listed unreachable.
    let farthest = top
        .iter()
        .map(|(_, id)| air(*id))
        .try_fold(0.0_f64, |m, h| h.map(|h| m.max(h)));
    let quiet = shortcut_allowed()
        && !exhausted
        && farthest.is_some_and(|far| {
            !index
                .unsnapped
                .iter()
                .any(|id| air(*id).is_none_or(|h| h <= far) && admits(*id))
        });
    let by_air = if quiet {
        for (_, id) in &top {
            if let Some(h) = air(*id) {
                distance.insert(*id, crate::geodesy::Probe::metres(h));
            }
        }
        None
    } else {
        Some(by_air)
    };
    let mut left = top.len();
    for (seen, (id, d)) in by_air.into_iter().flatten().enumerate() {
        if left == 0 && (top.len() == k || seen >= MAX_CANDIDATES) {
            break;
        }
        if top.iter().any(|(_, f)| *f == id) {
            distance.insert(id, d);
            left -= 1;
        } else if seen < MAX_CANDIDATES && (!index.snaps.contains_key(&id) || (exhausted && !best.contains_key(&id))) {
            unreachable.push(id);
        }
    }
    unreachable.sort_unstable();
    let mut calc = graph.calculator();
    let ranked: Vec<Ranked> = top
        .iter()
        .filter_map(|&(_, id)| {
            let s = index.snaps.get(&id)?;
            let distance_m = distance.get(&id).copied().unwrap_or(f64::NAN);
            graph
                .route(&mut calc, s, &target)
                .map(|route| Ranked { id, distance_m, route })
        })
        .collect();
    Some(Ranking {
        ranked,
        examined,
        unreachable,
    })
}

#[cfg(test)]
thread_local! {
    /// Tests: [`rank_by_time_indexed`] reads `by_air` every time on this
    /// thread, to be compared with its shortcut.
    static ALWAYS_BY_AIR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether [`rank_by_time_indexed`] may leave `by_air` unread.
fn shortcut_allowed() -> bool {
    #[cfg(test)]
    return !ALWAYS_BY_AIR.get();
    #[cfg(not(test))]
    true
}

#[cfg(test)]
pub(crate) fn by_air<'a, T: Record>(
    layer: &'a Layer<T>,
    p: Coord<f64>,
    filter: &'a Filter,
) -> impl Iterator<Item = (FeatureId, f64)> + 'a {
    layer.nearest_iter(p, filter).map(|(f, d)| (f.id, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature::Feature;
    use crate::model::RoadClass;
    use rand::{Rng, SeedableRng};

    fn road(id: u64, from: (u64, f64, f64), to: (u64, f64, f64), class: RoadClass) -> Feature<Road> {
        let line = LineString::from(vec![(from.1, from.2), (to.1, to.2)]);
        Feature {
            id,
            properties: Road {
                name: format!("r{id}"),
                road_class: class,
                speed_kmh: class.speed_kmh(),
                length_m: line_length(&line),
                from_node: from.0,
                to_node: to.0,
                open: true,
                oneway: false,
            },
            geometry: Geometry::LineString(line),
        }
    }

    #[test]
    fn contracted_times_agree_with_plain_dijkstra_on_the_generated_network() {
        let data = crate::generate::tests::small_dataset();
        let roads = Layer::new(data.roads.clone());
        let graph = RoadGraph::build(&roads);
        let mut calc = graph.calculator();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..300 {
            let (a, b) = (
                rng.random_range(0..graph.node_count()),
                rng.random_range(0..graph.node_count()),
            );
            assert_eq!(graph.fast_ms(&mut calc, a, b), graph.dijkstra_ms(a, b), "{a} → {b}");
        }
        // The network is connected: every junction reaches every other.
        assert!((1..graph.node_count()).all(|n| graph.dijkstra_ms(0, n).is_some()));
    }

    #[test]
    fn a_one_way_street_is_driven_forwards_only() {
        // A one-way street 1 → 2 (1 km east), and a detour back 2 → 3 → 1 of 3 km.
        let d = 1.0 / 111.32;
        let k = 1.0 / (37.0f64.to_radians().cos());
        let mut one_way = road(1, (1, 112.0, 37.0), (2, 112.0 + d * k, 37.0), RoadClass::Urban);
        one_way.properties.oneway = true;
        let roads = Layer::new(vec![
            one_way,
            road(
                2,
                (2, 112.0 + d * k, 37.0),
                (3, 112.0 + d * k, 37.0 + d),
                RoadClass::Urban,
            ),
            road(3, (3, 112.0 + d * k, 37.0 + d), (1, 112.0, 37.0), RoadClass::Urban),
        ]);
        let graph = RoadGraph::build(&roads);
        let mut calc = graph.calculator();
        let snap = |x: f64, y: f64| graph.snap(&roads, Coord { x, y }, 500.0).expect("snaps");
        let (west, east) = (snap(112.0 + 0.1 * d * k, 37.0), snap(112.0 + 0.9 * d * k, 37.0));
        let forwards = graph.route(&mut calc, &west, &east).expect("a route");
        let backwards = graph.route(&mut calc, &east, &west).expect("a route");
        // Forwards along the street: 0.8 km; backwards round the detour: 0.1 + 1 + 1.4 + 0.1 km or so.
        assert!((forwards.length_m - 800.0).abs() < 20.0, "{forwards:?}");
        assert!(backwards.length_m > 2_400.0, "{backwards:?}");
        assert!(backwards.time_s > 2.0 * forwards.time_s);
        // Without its line, the same time and length.
        let bare = graph.route_with(&mut calc, &east, &west, false).expect("a route");
        assert_eq!((bare.time_s, bare.length_m), (backwards.time_s, backwards.length_m));
        assert!(bare.path.is_empty() && backwards.path.len() > 2);

        // Ranked by time to an incident at the west end: the team at the east
        // end is nearest by air (0.8 km) but must go round (2.4 km); the team at
        // the corner (1.35 km by air) drives 1.5 km. One search, one-way respected.
        let team = |id: u64, x: f64, y: f64| Feature {
            id,
            geometry: Geometry::Point(geo::Point::new(x, y)),
            properties: crate::model::Shelter {
                external_id: None,
                name: format!("t{id}"),
                kind: "park".into(),
                capacity: 1,
                occupancy: 0,
                county_id: 1,
                county: "x".into(),
                city: "y".into(),
            },
        };
        let teams = Layer::new(vec![
            team(1, 112.0 + 0.9 * d * k, 37.0),
            team(2, 112.0 + d * k, 37.0 + d),
        ]);
        let index = SnapIndex::build(&graph, &roads, &teams);
        let origin = Coord {
            x: 112.0 + 0.1 * d * k,
            y: 37.0,
        };
        let ranking = rank_by_time_indexed(
            &graph,
            &roads,
            &index,
            &|_| true,
            by_air(&teams, origin, &Filter::all()),
            origin,
            2,
        )
        .unwrap();
        let got: Vec<FeatureId> = ranking.ranked.iter().map(|r| r.id).collect();
        assert_eq!(got, [2, 1], "{ranking:?}");
        assert!(ranking.ranked[1].route.length_m > 2_400.0);
        assert_eq!(
            teams.nearest(origin, 1, &Filter::all())[0].0.id,
            1,
            "by air the east team is nearest"
        );
    }

    #[test]
    fn a_river_makes_the_nearer_bank_slower() {
        // Incident at the origin; a team 3 km north across a river with the only
        // bridge 20 km east; another team 8 km south on the same bank.
        let d = 1.0 / 111.32; // one km of latitude, in degrees
        let roads = Layer::new(vec![
            road(1, (1, 112.0, 37.0), (2, 112.0, 37.0 - 8.0 * d), RoadClass::County),
            road(
                2,
                (1, 112.0, 37.0),
                (3, 112.0 + 20.0 * d / 0.8, 37.0),
                RoadClass::County,
            ),
            road(
                3,
                (3, 112.0 + 20.0 * d / 0.8, 37.0),
                (4, 112.0 + 20.0 * d / 0.8, 37.0 + 3.0 * d),
                RoadClass::County,
            ),
            road(
                4,
                (4, 112.0 + 20.0 * d / 0.8, 37.0 + 3.0 * d),
                (5, 112.0, 37.0 + 3.0 * d),
                RoadClass::County,
            ),
        ]);
        let graph = RoadGraph::build(&roads);
        let mut calc = graph.calculator();
        let at = |lat: f64| graph.snap(&roads, Coord { x: 112.0, y: lat }, 1_000.0).unwrap();
        let incident = at(37.0);
        let north = graph.route(&mut calc, &at(37.0 + 3.0 * d), &incident).unwrap();
        let south = graph.route(&mut calc, &at(37.0 - 8.0 * d), &incident).unwrap();
        assert!(south.time_s < north.time_s, "south {south:?} north {north:?}");
        assert!((north.length_m - 43_000.0).abs() < 1_000.0, "{}", north.length_m);

        // Forty teams across the river, nearer by air than the one team on this bank.
        let team = |id: u64, x: f64, y: f64| Feature {
            id,
            geometry: Geometry::Point(geo::Point::new(x, y)),
            properties: crate::model::Shelter {
                external_id: None,
                name: format!("t{id}"),
                kind: "park".into(),
                capacity: 1,
                occupancy: 0,
                county_id: 1,
                county: "x".into(),
                city: "y".into(),
            },
        };
        let mut teams: Vec<_> = (1..=40)
            .map(|i| team(i, 112.0 + f64::from(i as u32) * 0.0004, 37.0 + 3.0 * d))
            .collect();
        teams.push(team(99, 112.0, 37.0 - 8.0 * d));
        let teams = Layer::new(teams);
        let ranking = rank_by_time(
            &graph,
            &roads,
            &teams,
            by_air(&teams, Coord { x: 112.0, y: 37.0 }, &Filter::all()),
            Coord { x: 112.0, y: 37.0 },
            1,
        )
        .unwrap();
        assert_eq!(ranking.ranked[0].id, 99, "the team on this bank is first");
        let index = SnapIndex::build(&graph, &roads, &teams);
        let origin = Coord { x: 112.0, y: 37.0 };
        let indexed = rank_by_time_indexed(
            &graph,
            &roads,
            &index,
            &|_| true,
            by_air(&teams, origin, &Filter::all()),
            origin,
            1,
        )
        .unwrap();
        assert_eq!(
            indexed.ranked, ranking.ranked,
            "one search answers as routing each candidate"
        );
        assert!(
            ranking.examined > 40,
            "the search widened past the first batch ({})",
            ranking.examined
        );
        assert_eq!(
            teams.nearest(Coord { x: 112.0, y: 37.0 }, 1, &Filter::all())[0].0.id,
            1,
            "by air another team is nearest"
        );
    }

    #[test]
    fn ranking_by_time_agrees_with_routing_every_candidate() {
        let data = crate::generate::tests::small_dataset();
        let roads = Layer::new(data.roads.clone());
        let teams = Layer::new(data.rescue_teams.clone());
        let graph = RoadGraph::build(&roads);
        let mut calc = graph.calculator();
        let hazmat = Filter::parse(
            <crate::model::RescueTeam as crate::record::Record>::FIELDS,
            [("kind", "hazmat")],
        )
        .unwrap();
        let index = SnapIndex::build(&graph, &roads, &teams);
        let mut checked = 0;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..20 {
            let origin = Coord {
                x: rng.random_range(111.0..113.8),
                y: rng.random_range(35.2..39.8),
            };
            let Some(ranking) = rank_by_time(&graph, &roads, &teams, by_air(&teams, origin, &hazmat), origin, 5) else {
                continue;
            };
            let target = graph.snap(&roads, origin, MAX_SNAP_M).unwrap();
            let mut all: Vec<(f64, FeatureId)> = teams
                .features()
                .iter()
                .filter(|t| hazmat.matches(&t.properties))
                .filter_map(|t| {
                    let Geometry::Point(p) = t.geometry else { return None };
                    let s = graph.snap(&roads, p.0, MAX_SNAP_M)?;
                    graph.route(&mut calc, &s, &target).map(|r| (r.time_s, t.id))
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<FeatureId> = all.iter().take(5).map(|x| x.1).collect();
            let got: Vec<FeatureId> = ranking.ranked.iter().map(|r| r.id).collect();
            assert_eq!(got, want, "origin {origin:?}");
            // One search over the snapped teams: the same teams, times and routes.
            let admit = |id: FeatureId| crate::collection::Collection::matches(&teams, id, &hazmat);
            let indexed = rank_by_time_indexed(
                &graph,
                &roads,
                &index,
                &admit,
                by_air(&teams, origin, &hazmat),
                origin,
                5,
            )
            .unwrap();
            let got: Vec<(FeatureId, f64)> = indexed.ranked.iter().map(|r| (r.id, r.route.time_s)).collect();
            let want: Vec<(FeatureId, f64)> = all.iter().take(5).map(|x| (x.1, x.0)).collect();
            assert_eq!(got, want, "origin {origin:?}");
            assert_eq!(indexed.ranked, ranking.ranked, "origin {origin:?}");
            checked += 1;
        }
        assert!(checked >= 10, "most origins are on the network ({checked})");
    }

    #[test]
    fn the_ranking_reads_by_air_only_when_it_changes_the_answer() {
        // A grid of roads 0.05° apart over half a degree, and shelters
        // scattered over a wider square: those more than 10 km outside the
        // grid snap to no road, and some of them lie nearer by air than the
        // teams answered.
        let mut roads = Vec::new();
        let node = |i: u64, j: u64| 1 + i * 11 + j;
        let at = |i: u64, j: u64| (112.0 + 0.05 * i as f64, 37.0 + 0.05 * j as f64);
        for i in 0..=10 {
            for j in 0..=10 {
                let (x, y) = at(i, j);
                if i < 10 {
                    let (x2, y2) = at(i + 1, j);
                    roads.push(road(
                        roads.len() as u64 + 1,
                        (node(i, j), x, y),
                        (node(i + 1, j), x2, y2),
                        RoadClass::Provincial,
                    ));
                }
                if j < 10 {
                    let (x2, y2) = at(i, j + 1);
                    roads.push(road(
                        roads.len() as u64 + 1,
                        (node(i, j), x, y),
                        (node(i, j + 1), x2, y2),
                        RoadClass::County,
                    ));
                }
            }
        }
        let roads = Layer::new(roads);
        let graph = RoadGraph::build(&roads);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        let shelters: Vec<_> = (1..=400u64)
            .map(|id| Feature {
                id,
                geometry: Geometry::Point(geo::Point::new(
                    rng.random_range(111.6..112.9),
                    rng.random_range(36.6..37.9),
                )),
                properties: crate::model::Shelter {
                    external_id: None,
                    name: format!("s{id}"),
                    kind: if id % 3 == 0 { "school" } else { "park" }.into(),
                    capacity: 1,
                    occupancy: 0,
                    county_id: 1,
                    county: "x".into(),
                    city: "y".into(),
                },
            })
            .collect();
        let shelters = Layer::new(shelters);
        let index = SnapIndex::build(&graph, &roads, &shelters);
        assert!(
            !index.unsnapped.is_empty() && index.len() > 100,
            "some snap, some do not"
        );
        let parks = Filter::parse(<crate::model::Shelter as Record>::FIELDS, [("kind", "park")]).unwrap();
        let admit = |id: FeatureId| crate::collection::Collection::matches(&shelters, id, &parks);
        let (mut quiet, mut listed) = (0, 0);
        for _ in 0..200 {
            let origin = Coord {
                x: rng.random_range(111.95..112.55),
                y: rng.random_range(36.95..37.55),
            };
            for k in [1, 3, 5] {
                let rank = |always_by_air| {
                    ALWAYS_BY_AIR.set(always_by_air);
                    rank_by_time_indexed(
                        &graph,
                        &roads,
                        &index,
                        &admit,
                        by_air(&shelters, origin, &parks),
                        origin,
                        k,
                    )
                };
                let (fast, slow) = (rank(false), rank(true));
                ALWAYS_BY_AIR.set(false);
                assert_eq!(fast, slow, "origin {origin:?}, k {k}");
                match fast {
                    Some(r) if r.unreachable.is_empty() => quiet += 1,
                    Some(_) => listed += 1,
                    None => {}
                }
            }
        }
        assert!(
            quiet > 100 && listed > 20,
            "both cases met: {quiet} without, {listed} with unreachable"
        );
    }

    #[test]
    fn the_snap_index_follows_a_moved_and_a_deleted_team() {
        let data = crate::generate::tests::small_dataset();
        let roads = Layer::new(data.roads.clone());
        let graph = RoadGraph::build(&roads);
        let mut teams = Layer::new(data.rescue_teams.clone());
        let mut index = SnapIndex::build(&graph, &roads, &teams);
        let origin = Coord { x: 112.55, y: 37.87 };
        let rank = |teams: &Layer<crate::model::RescueTeam>, index: &SnapIndex| {
            rank_by_time_indexed(
                &graph,
                &roads,
                index,
                &|_| true,
                by_air(teams, origin, &Filter::all()),
                origin,
                1,
            )
            .unwrap()
            .ranked[0]
                .id
        };
        let first = rank(&teams, &index);
        // The soonest team is deleted: the next one answers.
        let prepared = crate::collection::Collection::prepare(
            &teams,
            &crate::event::Event::FeatureDeleted {
                collection: "rescue_teams".into(),
                id: first,
            },
        )
        .unwrap();
        crate::collection::Collection::commit(&mut teams, prepared).unwrap();
        index.update(&graph, &roads, &teams, first);
        let second = rank(&teams, &index);
        assert_ne!(second, first);
        let fresh = SnapIndex::build(&graph, &roads, &teams);
        assert_eq!(rank(&teams, &fresh), second, "as a fresh index answers");
        assert_eq!(index.len(), fresh.len());
    }
}
