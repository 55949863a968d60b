//! Hazard-aware routes: travel to an incident that keeps out of the impact
//! zones of every other open incident, and approaches its own incident from
//! upwind when the wind is known (docs/roads.md, "Hazard-aware routes").
//!
//! The rule:
//! - A road edge (or the part of a road between a point and a junction) whose
//!   line meets a zone of [`AVOIDED_TIERS`] of another open incident costs
//!   [`CROSSING_PENALTY_MS`] more: a route crosses such a zone only when no
//!   road avoids it, and then it crosses as few edges of zones as it can and
//!   is flagged ([`Avoided::crosses`]).
//! - The destination's own incident (and any incident whose zone holds the
//!   destination: the team must get there) may be entered. Time driven on
//!   roads inside its zones drawn downwind of the source
//!   ([`HazardZone::downwind`]: the ERG protective-action zone, the plume
//!   tiers) counts [`DOWNWIND_FACTOR`] times: approach from upwind (ERG 2020,
//!   "Safety precautions": "approach cautiously from upwind, uphill or
//!   upstream").
//! - Each candidate takes its cheapest route (ties by time); candidates are
//!   ranked by that route's driving time (ties by id), those that must cross
//!   another incident's zone after those that need not. The ranking equals
//!   routing every candidate alone with the same costs.

use super::{ACCESS_SPEED_KMH, MAX_CANDIDATES, MAX_SNAP_M, Ranked, Ranking, RoadGraph, Route, Snap, ms};
use crate::feature::FeatureId;
use crate::geodesy::distance_m;
use crate::layer::Layer;
use crate::model::{IncidentZone, Road};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{BoundingRect, Contains, Coord, Geometry, Intersects, LineString, MultiPolygon, Rect, Relate};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What the avoidance does not know, for the `limits` of an answer.
pub const LIMITS: [&str; 6] = [
    "Routes keep out of the isolation and protective-action zones and the tier 2 and tier 3 zones of every other open incident of the same world (real, or drills), as last drawn; a zone not drawn yet, or out of date, is not known.",
    "A road is inside a zone when its line enters the zone's polygon; closures, traffic, smoke and debris outside the zones are not known.",
    "ERG zones are for the first 30 minutes after a spill, drawn with the wind reported at the time; when the wind turns, redraw the zones.",
    "When no road avoids a zone, the route still goes through it and says so (crosses_zone): approach with protective equipment or wait for the zone to be redrawn.",
    "Towards its own incident a route enters its zones (the team must get there), and time on roads in the incident's downwind zones counts three times, so that it approaches from upwind (ERG 2020: approach from upwind). The factor is a preference, not a cited figure; downwind_s says how long a route stays downwind.",
    "Each team takes its cheapest route by those rules and teams are ranked by that route's driving time, those that must cross another incident's zone last.",
];

/// The zone tiers routes keep out of: the ERG initial isolation and
/// protective-action zones, and the two inner tiers of the plume, fire and
/// blast models (tier 2 impairs escape, tier 3 is life-threatening:
/// shared/REFERENCE.md "Impact zones"). The warning cordon (警戒区, where
/// responders are let through) and tier 1 (discomfort) are not avoided.
pub const AVOIDED_TIERS: [&str; 4] = ["isolation", "protective_action", "tier3", "tier2"];

/// Added to the cost of each road edge inside a zone of another incident,
/// ms (about 116 days): more than any route without one, so a route crosses
/// such a zone only when no road avoids it.
pub const CROSSING_PENALTY_MS: usize = 10_000_000_000;

/// A second driven inside the own incident's downwind zones counts as this
/// many, so that an upwind approach is preferred unless it takes more than
/// three times as long as the downwind stretch it replaces. A routing
/// preference, not a safety distance: there is no cited figure, and the
/// answer shows the seconds driven downwind (`downwind_s`) so that the
/// commander judges.
pub const DOWNWIND_FACTOR: usize = 3;

/// One zone routes keep out of (or, for the own incident, approach from upwind).
#[derive(Debug, Clone)]
pub struct HazardZone {
    /// The incident that drew it.
    pub incident: FeatureId,
    /// Its tier (`isolation`, `protective_action`, `tier3`, `tier2`).
    pub tier: String,
    /// Label in Chinese.
    pub label_zh: String,
    /// Label in English.
    pub label_en: String,
    /// Drawn downwind of the source (it has a downwind reach).
    pub downwind: bool,
    area: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

impl HazardZone {
    /// The zone of `incident` routes keep out of, if its tier is one of
    /// [`AVOIDED_TIERS`] and its polygon reads.
    pub fn of_incident(incident: FeatureId, zone: &IncidentZone) -> Option<Self> {
        if !AVOIDED_TIERS.contains(&zone.tier.as_str()) {
            return None;
        }
        let area = match Geometry::<f64>::try_from(&zone.polygon).ok()? {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(m) => m,
            _ => return None,
        };
        Some(Self::new(
            incident,
            &zone.tier,
            (&zone.label_zh, &zone.label_en),
            zone.downwind_m.is_some(),
            area,
        ))
    }

    /// A zone from its parts (tests, and zones drawn elsewhere).
    pub fn new(incident: FeatureId, tier: &str, labels: (&str, &str), downwind: bool, area: MultiPolygon<f64>) -> Self {
        let bbox = area.bounding_rect().unwrap_or(Rect::new(Coord::zero(), Coord::zero()));
        Self {
            incident,
            tier: tier.to_owned(),
            label_zh: labels.0.to_owned(),
            label_en: labels.1.to_owned(),
            downwind,
            area,
            bbox,
        }
    }

    /// Whether the zone holds `p` (on its edge included).
    pub fn holds(&self, p: Coord<f64>) -> bool {
        self.area.intersects(&p) || self.area.contains(&p)
    }
}

/// The zones of one world's open incidents, with the road edges each meets:
/// built once per version of the open incidents' zones and of the graph.
#[derive(Debug, Default)]
pub struct Zones {
    zones: Vec<HazardZone>,
    /// Directed edge → the zones its line meets.
    edges: HashMap<(usize, usize), Vec<usize>>,
    /// Road feature → the zones its line meets (for the legs of snapped points).
    roads: HashMap<FeatureId, Vec<usize>>,
}

impl Zones {
    /// Finds the edges of `graph` (lines of `roads`) that each zone meets:
    /// the roads whose boxes meet the zone's box (the roads' R-tree), then
    /// the exact test of the graph's line against the polygon.
    pub fn build(graph: &RoadGraph, roads: &Layer<Road>, zones: Vec<HazardZone>) -> Self {
        let mut edges: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        let mut by_road: HashMap<FeatureId, Vec<usize>> = HashMap::new();
        for (z, zone) in zones.iter().enumerate() {
            for road in roads.locate_in_box(zone.bbox) {
                let Geometry::LineString(line) = &road.geometry else {
                    continue;
                };
                if !road.properties.open || !enters(line, &zone.area) {
                    continue;
                }
                by_road.entry(road.id).or_default().push(z);
                let r = &road.properties;
                let (Some(&a), Some(&b)) = (graph.index.get(&r.from_node), graph.index.get(&r.to_node)) else {
                    continue;
                };
                for key in [(a, b), (b, a)] {
                    // The graph keeps the fastest of parallel roads: test its own line.
                    let Some(e) = graph.edges.get(&key) else { continue };
                    let list = edges.entry(key).or_default();
                    if !list.contains(&z) && enters(&LineString::from(e.line.to_vec()), &zone.area) {
                        list.push(z);
                    }
                }
            }
        }
        edges.retain(|_, v| !v.is_empty());
        Self {
            zones,
            edges,
            roads: by_road,
        }
    }

    /// No zone to avoid.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zones, as indexed by [`Avoided::crosses`].
    pub fn zones(&self) -> &[HazardZone] {
        &self.zones
    }

    /// Directed road edges inside some zone.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The costs of routes to `destination`: `incident` (the incident the
    /// route goes to, if any) and every incident with a zone holding
    /// `destination` are the destination's own (entered, approached from
    /// upwind); every other incident's zones are avoided.
    pub fn towards(&self, destination: Coord<f64>, incident: Option<FeatureId>) -> Avoidance<'_> {
        let own = self
            .zones
            .iter()
            .filter(|z| z.holds(destination))
            .map(|z| z.incident)
            .chain(incident)
            .collect();
        Avoidance { zones: self, own }
    }
}

/// The costs of one query: [`Zones`] seen from a destination.
#[derive(Debug)]
pub struct Avoidance<'a> {
    zones: &'a Zones,
    own: HashSet<FeatureId>,
}

/// What a set of zone indices costs a stretch of road taking `time_ms`.
#[derive(Debug, Default, Clone, Copy)]
struct Extra {
    crossing: bool,
    downwind: bool,
}

impl Avoidance<'_> {
    /// The incidents whose zones the destination may enter.
    pub fn own(&self) -> impl Iterator<Item = FeatureId> + '_ {
        self.own.iter().copied()
    }

    /// The zones.
    pub fn zones(&self) -> &Zones {
        self.zones
    }

    fn extra_of(&self, list: &[usize]) -> Extra {
        let mut x = Extra::default();
        for &z in list {
            let zone = &self.zones.zones[z];
            if self.own.contains(&zone.incident) {
                x.downwind |= zone.downwind;
            } else {
                x.crossing = true;
            }
        }
        x
    }

    fn cost(x: Extra, time_ms: usize) -> usize {
        time_ms
            + if x.crossing { CROSSING_PENALTY_MS } else { 0 }
            + if x.downwind { (DOWNWIND_FACTOR - 1) * time_ms } else { 0 }
    }

    /// The cost of the edge `a → b` taking `time_ms`.
    fn edge_cost(&self, a: usize, b: usize, time_ms: usize) -> usize {
        match self.zones.edges.get(&(a, b)) {
            None => time_ms,
            Some(list) => Self::cost(self.extra_of(list), time_ms),
        }
    }

    /// The zones the part of `s`'s road between `from_m` and `to_m` metres
    /// from its start meets.
    fn leg_zones(&self, roads: &Layer<Road>, s: &Snap, from_m: f64, to_m: f64) -> Vec<usize> {
        let Some(list) = self.zones.roads.get(&s.road) else {
            return Vec::new();
        };
        let Some(Geometry::LineString(line)) = roads.feature(s.road).map(|f| &f.geometry) else {
            return Vec::new();
        };
        let part = LineString::from(cut(&line.0, from_m.min(to_m), from_m.max(to_m)));
        list.iter()
            .copied()
            .filter(|&z| enters(&part, &self.zones.zones[z].area))
            .collect()
    }

    /// Cost of going straight along the road `s` and `target` share (as
    /// [`RoadGraph::direct`]), access included, if they share one.
    fn direct_cost(&self, graph: &RoadGraph, roads: &Layer<Road>, s: &Snap, target: &Snap) -> Option<(usize, usize)> {
        let r = graph.direct(s, target)?;
        let zones = self.leg_zones(roads, s, s.to_from.1, target.to_from.1);
        let access = ms(s.access_m, ACCESS_SPEED_KMH) + ms(target.access_m, ACCESS_SPEED_KMH);
        let drive = ((r.time_s * 1000.0).round() as usize).saturating_sub(access);
        Some((Self::cost(self.extra_of(&zones), drive) + access, drive + access))
    }

    /// Cost and zones of the leg between `s` and junction `node` (one of its road's ends).
    fn leg(&self, roads: &Layer<Road>, s: &Snap, node: usize, time_ms: usize) -> (usize, Vec<usize>) {
        let along = s.to_from.1;
        let total = s.to_from.1 + s.to_to.1;
        let zones = if node == s.from {
            self.leg_zones(roads, s, 0.0, along)
        } else {
            self.leg_zones(roads, s, along, total)
        };
        (Self::cost(self.extra_of(&zones), time_ms), zones)
    }
}

/// Whether `line` runs inside `area` (touching its edge is not entering it:
/// the ERG protective-action square's near edge passes through the spill,
/// and the roads leaving the spill upwind only touch it).
fn enters(line: &LineString<f64>, area: &MultiPolygon<f64>) -> bool {
    if line.0.windows(2).all(|w| w[0] == w[1]) {
        return line.0.first().is_some_and(|p| area.contains(p));
    }
    line.relate(area).get(CoordPos::Inside, CoordPos::Inside) != Dimensions::Empty
}

/// The part of `line` between `from_m` and `to_m` metres along it (measured
/// as [`crate::geodesy::closest_on_line`] measures).
fn cut(line: &[Coord<f64>], from_m: f64, to_m: f64) -> Vec<Coord<f64>> {
    let at = |a: Coord<f64>, b: Coord<f64>, t: f64| Coord {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    };
    let mut out = Vec::new();
    let mut walked = 0.0;
    for w in line.windows(2) {
        let seg = distance_m(w[0], w[1]);
        let (s, e) = (walked, walked + seg);
        if e >= from_m && s <= to_m {
            let t0 = if seg > 0.0 {
                ((from_m - s) / seg).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let t1 = if seg > 0.0 {
                ((to_m - s) / seg).clamp(0.0, 1.0)
            } else {
                1.0
            };
            if out.is_empty() {
                out.push(at(w[0], w[1], t0));
            }
            out.push(at(w[0], w[1], t1));
        }
        walked = e;
    }
    if out.len() == 1 {
        out.push(out[0]);
    }
    if out.is_empty() {
        let p = line.last().copied().unwrap_or(Coord::zero());
        out = vec![p, p];
    }
    out
}

/// How a hazard-aware route went, beside its [`Ranked`].
#[derive(Debug, Clone, PartialEq)]
pub struct Avoided {
    /// The cost its route was chosen by, ms: the time, plus
    /// [`CROSSING_PENALTY_MS`] per edge in another incident's zone, plus the
    /// extra weight of the time in the own incident's downwind zones.
    pub cost_ms: usize,
    /// Zones of other incidents the route crosses (indices into
    /// [`Zones::zones`]), because no road avoids them; empty when it avoids all.
    pub crosses: Vec<usize>,
    /// Seconds driven inside the own incident's downwind zones.
    pub downwind_s: f64,
    /// The time of the fastest route with no zone avoided, seconds.
    pub unrestricted_s: Option<f64>,
}

impl Avoided {
    /// Seconds the avoidance added (the route's time minus the unrestricted time).
    pub fn delay_s(&self, route: &Route) -> Option<f64> {
        self.unrestricted_s.map(|u| route.time_s - u)
    }

    /// The avoidance changed the route: it is slower than the fastest route, or crosses a zone.
    pub fn changed(&self, route: &Route) -> bool {
        !self.crosses.is_empty() || self.delay_s(route).is_some_and(|d| d > 1e-9)
    }
}

/// A zone named in an answer.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneRef<'a> {
    /// The incident that drew it.
    pub incident: FeatureId,
    /// Its tier.
    pub tier: &'a str,
    /// Label in Chinese.
    pub label_zh: &'a str,
    /// Label in English.
    pub label_en: &'a str,
}

impl<'a> From<&'a HazardZone> for ZoneRef<'a> {
    fn from(z: &'a HazardZone) -> Self {
        Self {
            incident: z.incident,
            tier: &z.tier,
            label_zh: &z.label_zh,
            label_en: &z.label_en,
        }
    }
}

/// How the avoidance changed one route, as answered.
#[derive(Debug, Clone, Serialize)]
pub struct RouteNote<'a> {
    /// The avoidance changed the route (slower than the fastest, or crossing a zone).
    pub changed: bool,
    /// The fastest route's time with no zone avoided, seconds.
    pub unrestricted_time_s: Option<f64>,
    /// Seconds the avoidance added.
    pub delay_s: Option<f64>,
    /// Seconds driven inside the own incident's downwind zones.
    pub downwind_s: f64,
    /// Zones of other incidents the route must cross: no road avoids them.
    pub crosses_zone: Vec<ZoneRef<'a>>,
}

impl Avoided {
    /// What to say about `route`, rounded to the second.
    pub fn note<'a>(&self, route: &Route, zones: &'a Zones) -> RouteNote<'a> {
        RouteNote {
            changed: self.changed(route),
            unrestricted_time_s: self.unrestricted_s.map(f64::round),
            delay_s: self.delay_s(route).map(f64::round),
            downwind_s: self.downwind_s.round(),
            crosses_zone: self.crosses.iter().map(|&z| ZoneRef::from(&zones.zones[z])).collect(),
        }
    }
}

/// What the avoidance of one answer did, for its `avoidance` member.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// The zones routes kept out of (other incidents').
    pub avoided: Vec<ZoneRef<'a>>,
    /// The incidents whose zones the destination may enter.
    pub own_incidents: Vec<FeatureId>,
    /// The answered features whose routes the avoidance changed.
    pub changed: Vec<FeatureId>,
    /// What the avoidance does not know.
    pub limits: &'static [&'static str],
}

impl<'a> Avoidance<'a> {
    /// The summary of an answer of `ranked` routes with their `avoided`.
    pub fn summary(&self, ranked: &[Ranked], avoided: &[Avoided]) -> Summary<'a> {
        let mut own: Vec<FeatureId> = self.own.iter().copied().collect();
        own.sort_unstable();
        Summary {
            avoided: self
                .zones
                .zones
                .iter()
                .filter(|z| !self.own.contains(&z.incident))
                .map(ZoneRef::from)
                .collect(),
            own_incidents: own,
            changed: ranked
                .iter()
                .zip(avoided)
                .filter(|(r, a)| a.changed(&r.route))
                .map(|(r, _)| r.id)
                .collect(),
            limits: &LIMITS,
        }
    }
}

/// What a route costs and takes, ms: compared cost first, then time.
type Cost = (usize, usize);

/// How candidates are ranked: those crossing a zone last, then by time, then id.
type Rank = (bool, usize, FeatureId);

fn rank_of(c: Cost, id: FeatureId) -> Rank {
    (c.0 >= CROSSING_PENALTY_MS, c.1, id)
}

/// How a candidate is reached: straight along the destination's road, or
/// leaving by a junction.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    Direct,
    Node(usize),
}

/// [`super::rank_by_time_indexed`] with hazard-aware costs ([`Avoidance`]):
/// one search from `origin` over the reversed graph, with every edge costed,
/// candidates pulled nearest first by air (`by_air`, already filtered) and
/// snapped by `snap_of` (a [`super::SnapIndex`] look-up, or a snap on the
/// spot) as the search front passes their straight-line bound. Each
/// candidate takes its cheapest route (ties by time), and candidates are
/// ranked by (crosses a zone, time, id); the search stops once the k-th
/// time is below a third of the front's cost ([`DOWNWIND_FACTOR`]). The
/// answer equals routing every candidate alone with the same costs. Each
/// answered route comes with its [`Avoided`]; `unrestricted_s` is the
/// fastest route's time with no zone avoided.
pub fn rank_avoiding(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    avoid: &Avoidance<'_>,
    snap_of: &dyn Fn(FeatureId) -> Option<Snap>,
    by_air: impl IntoIterator<Item = (FeatureId, f64)>,
    origin: Coord<f64>,
    k: usize,
) -> Option<(Ranking, Vec<Avoided>)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let target = graph.snap(roads, origin, MAX_SNAP_M)?;
    let mut by_air = by_air.into_iter().peekable();
    // Road time never beats the straight line at top speed; a tenth of
    // slack covers the rounding of edge times to milliseconds.
    let bound_ms = |d: f64| (d / graph.top_speed_ms * 1000.0 * 0.9) as usize;
    let mut pulled: Vec<(FeatureId, f64, Option<Snap>)> = Vec::new();
    let mut waiting: HashMap<usize, Vec<(usize, Cost)>> = HashMap::new(); // node → (pulled index, departure)
    let mut best: HashMap<usize, (Cost, Via)> = HashMap::new(); // pulled index → ((cost, time), via)
    let mut top: Vec<(Rank, usize)> = Vec::with_capacity(k + 1); // sorted, with the pulled index
    let offer = |i: usize,
                 id: FeatureId,
                 c: Cost,
                 via: Via,
                 best: &mut HashMap<usize, (Cost, Via)>,
                 top: &mut Vec<(Rank, usize)>| {
        if best.get(&i).is_some_and(|b| b.0 <= c) {
            return;
        }
        best.insert(i, (c, via));
        top.retain(|x| x.1 != i);
        let r = rank_of(c, id);
        let at = top.partition_point(|x| x.0 < r);
        top.insert(at, (r, i));
        top.truncate(k);
    };
    let target_access = ms(target.access_m, ACCESS_SPEED_KMH);
    // The search from the destination: (cost, time) to it, and the next junction toward it.
    let mut dist: HashMap<usize, Cost> = HashMap::new();
    let mut next: HashMap<usize, usize> = HashMap::new();
    let mut settled: HashSet<usize> = HashSet::new();
    let mut heap = BinaryHeap::new();
    for (n, t) in target.entries() {
        let (c, _) = avoid.leg(roads, &target, n, t);
        let c = (c + target_access, t + target_access);
        if dist.get(&n).is_none_or(|d| c < *d) {
            dist.insert(n, c);
            heap.push(Reverse((c, n)));
        }
    }
    // Pulls the candidates whose bound is within `front`; offers what is settled.
    let mut pull = |front: usize,
                    dist: &HashMap<usize, Cost>,
                    settled: &HashSet<usize>,
                    best: &mut HashMap<usize, (Cost, Via)>,
                    top: &mut Vec<(Rank, usize)>,
                    pulled: &mut Vec<(FeatureId, f64, Option<Snap>)>,
                    waiting: &mut HashMap<usize, Vec<(usize, Cost)>>| {
        while pulled.len() < MAX_CANDIDATES
            && let Some(&(id, d)) = by_air.peek()
            && bound_ms(d) <= front
        {
            by_air.next();
            let i = pulled.len();
            let s = snap_of(id);
            if let Some(s) = &s {
                if let Some(c) = avoid.direct_cost(graph, roads, s, &target) {
                    offer(i, id, c, Via::Direct, best, top);
                }
                let access = ms(s.access_m, ACCESS_SPEED_KMH);
                for (n, t) in s.exits() {
                    let dep = (avoid.leg(roads, s, n, t).0 + access, t + access);
                    if settled.contains(&n) {
                        let d = dist[&n];
                        offer(i, id, (d.0 + dep.0, d.1 + dep.1), Via::Node(n), best, top);
                    } else {
                        waiting.entry(n).or_default().push((i, dep));
                    }
                }
            }
            pulled.push((id, d, s));
        }
    };
    let mut exhausted = true;
    while let Some(Reverse((d, node))) = heap.pop() {
        if dist.get(&node).is_some_and(|b| d > *b) || settled.contains(&node) {
            continue;
        }
        pull(d.0, &dist, &settled, &mut best, &mut top, &mut pulled, &mut waiting);
        // Every candidate not met yet costs at least the front, so takes at
        // least a third of it (no more than the time is ever weighted
        // downwind) or crosses a zone (ranked after those that do not).
        if top.len() == k
            && top.iter().all(|x| !x.0.0)
            && top.last().is_some_and(|x| x.0.1.saturating_mul(DOWNWIND_FACTOR) < d.0)
        {
            exhausted = false;
            break;
        }
        settled.insert(node);
        for (i, dep) in waiting.remove(&node).unwrap_or_default() {
            let id = pulled[i].0;
            offer(i, id, (d.0 + dep.0, d.1 + dep.1), Via::Node(node), &mut best, &mut top);
        }
        for &(from, w) in &graph.reverse[node] {
            let c = (d.0 + avoid.edge_cost(from, node, w), d.1 + w);
            if dist.get(&from).is_none_or(|b| c < *b) {
                dist.insert(from, c);
                next.insert(from, node);
                heap.push(Reverse((c, from)));
            }
        }
    }
    if exhausted {
        // Nothing more is reached through the graph; the rest can only be on the destination's road.
        pull(
            usize::MAX,
            &dist,
            &settled,
            &mut best,
            &mut top,
            &mut pulled,
            &mut waiting,
        );
    }
    let examined = best.len();
    // The admitted nearer by air than the farthest answered that no road reaches.
    let farthest = top.iter().map(|x| x.1).max().unwrap_or(0);
    let mut unreachable: Vec<FeatureId> = pulled
        .iter()
        .enumerate()
        .filter(|(i, _)| top.len() < k || *i < farthest)
        .filter(|(i, (_, _, s))| s.is_none() || (exhausted && !best.contains_key(i)))
        .map(|(_, (id, _, _))| *id)
        .collect();
    unreachable.sort_unstable();
    let mut calc = graph.calculator();
    let mut ranked = Vec::with_capacity(top.len());
    let mut avoided = Vec::with_capacity(top.len());
    for &((_, _, id), i) in &top {
        let (_, distance_m, Some(s)) = &pulled[i] else { continue };
        let ((cost, _), via) = best[&i];
        let (route, crosses, downwind_s) = walk(graph, roads, avoid, s, &target, via, &next);
        let unrestricted_s = graph.route(&mut calc, s, &target).map(|r| r.time_s);
        ranked.push(Ranked {
            id,
            distance_m: *distance_m,
            route,
        });
        avoided.push(Avoided {
            cost_ms: cost,
            crosses,
            downwind_s,
            unrestricted_s,
        });
    }
    Some((
        Ranking {
            ranked,
            examined,
            unreachable,
        },
        avoided,
    ))
}

/// The route from `s` to `target` the search chose: its line, real time and
/// length (as [`RoadGraph::route`] counts them), the other incidents' zones it
/// crosses and the seconds in the own incident's downwind zones.
fn walk(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    avoid: &Avoidance<'_>,
    s: &Snap,
    target: &Snap,
    via: Via,
    next: &HashMap<usize, usize>,
) -> (Route, Vec<usize>, f64) {
    let mut crosses: Vec<usize> = Vec::new();
    let mut downwind_ms = 0usize;
    let mut note = |zones: &[usize], time_ms: usize| {
        let x = avoid.extra_of(zones);
        if x.downwind {
            downwind_ms += time_ms;
        }
        for &z in zones {
            if !avoid.own.contains(&avoid.zones.zones[z].incident) && !crosses.contains(&z) {
                crosses.push(z);
            }
        }
    };
    let access = ms(s.access_m, ACCESS_SPEED_KMH) + ms(target.access_m, ACCESS_SPEED_KMH);
    let route = match via {
        Via::Direct => {
            let r = graph.direct(s, target).unwrap_or(Route {
                time_s: f64::NAN,
                length_m: f64::NAN,
                path: vec![s.at, target.at],
            });
            let drive = ((r.time_s * 1000.0).round() as usize).saturating_sub(access);
            note(&avoid.leg_zones(roads, s, s.to_from.1, target.to_from.1), drive);
            r
        }
        Via::Node(first) => {
            let mut nodes = vec![first];
            while let Some(&n) = next.get(nodes.last().unwrap_or(&first)) {
                nodes.push(n);
            }
            let last = nodes[nodes.len() - 1];
            let (start_ms, start_m) = if first == s.from { s.to_from } else { s.to_to };
            let (end_ms, end_m) = if last == target.from {
                target.to_from
            } else {
                target.to_to
            };
            note(&avoid.leg(roads, s, first, start_ms).1, start_ms);
            note(&avoid.leg(roads, target, last, end_ms).1, end_ms);
            let mut time_ms = start_ms + end_ms + access;
            let mut inner = 0.0;
            let mut path = vec![s.at, graph.nodes[first]];
            for w in nodes.windows(2) {
                match graph.edges.get(&(w[0], w[1])) {
                    Some(e) => {
                        time_ms += e.time_ms;
                        inner += e.length_m;
                        path.extend(e.line.iter().skip(1));
                        if let Some(zones) = avoid.zones.edges.get(&(w[0], w[1])) {
                            note(zones, e.time_ms);
                        }
                    }
                    None => path.push(graph.nodes[w[1]]),
                }
            }
            path.push(target.at);
            path.dedup();
            Route {
                time_s: time_ms as f64 / 1000.0,
                length_m: start_m + inner + end_m + s.access_m + target.access_m,
                path,
            }
        }
    };
    crosses.sort_unstable();
    (route, crosses, downwind_ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests;
