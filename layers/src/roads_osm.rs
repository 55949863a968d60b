//! Real roads: `lookout import --layer roads --from region.osm.pbf` builds the
//! routable network from OpenStreetMap highways (the `osmpbf` reader).
//!
//! - Which ways: the highways a fire engine drives on, as OSRM's car profile
//!   (`motorway` … `service`, with their `_link`s). Tracks, paths, footways,
//!   cycleways, steps, construction and proposed roads are left out, and so are
//!   areas (`area=yes`).
//! - Access: a way tagged `access`, `motor_vehicle` or `motorcar` = `no` or
//!   `private` is left out unless `emergency=yes|designated` admits
//!   emergency vehicles. (Barriers on nodes are not read.)
//! - Turn restrictions: `type=restriction` relations with a via *node*
//!   (`no_left_turn`, `no_right_turn`, `no_straight_on`, `no_u_turn`,
//!   `no_entry`, `no_exit` and the `only_*`), from `restriction` or
//!   `restriction:motorcar`, are honoured by expanding the graph at those
//!   junctions only: each road touching a restricted junction becomes one
//!   one-way edge per direction, the junction one node per arriving edge,
//!   and each departing edge is copied once from each arrival allowed to
//!   take it. The routing graph (routing.rs) is unchanged: it routes over
//!   the copies, so every route it finds is a legal one. Via-way
//!   restrictions, conditional ones and those that do not meet their ways
//!   at the via node are skipped and counted in the report.
//! - Speeds: by class, from OSRM's car profile (below); a `maxspeed` tag can
//!   only lower it, to 80 % of the posted limit (OSRM's reduction), never raise
//!   it: an optimistic travel time would send a team that cannot arrive in time.
//! - One-way: `oneway=yes|true|1` and `-1|reverse` (the line is reversed),
//!   roundabouts (`junction=roundabout|circular`), and motorways and their
//!   links unless `oneway=no`. `oneway=reversible|alternating` ways are left out
//!   (their direction changes by the hour).
//! - The network: ways are split at every node two ways share (junctions),
//!   one road feature per edge; then only the largest strongly connected
//!   component is kept (every junction can reach every other, honouring
//!   one-ways), and the rest is reported: a route can neither start nor end
//!   in a piece cut off from the whole.
//!
//! The result replaces the generated road network of the region: it is saved
//! under `DATA_DIR/imported/REGION/roads.geojson` with `roads-import.json`
//! (the report and the content hash), and the dataset identity takes that hash
//! (`base`), so the embedded store starts a new journal epoch (docs/roads.md).

use crate::catalog::Dataset;
use crate::error::{Error, Result};
use crate::feature::Feature;
use crate::geodesy::distance_m;
use crate::model::{Road, RoadClass};
use geo::{Coord, Geometry, LineString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Free-flow speed by OSM `highway` value, km/h, and the Lookout class.
///
/// Speeds: OSRM's car profile (Project-OSRM/osrm-backend,
/// `profiles/car.lua`, `speeds.highway`: motorway 90, motorway_link 45, trunk
/// 85, trunk_link 40, primary 65, primary_link 30, secondary 55,
/// secondary_link 25, tertiary 40, tertiary_link 20, unclassified 25,
/// residential 25, living_street 10, service 15). They are below the design
/// speeds of China's JTG B01-2014 (expressway 80–120 km/h, class-1 road
/// 60–100 km/h): free-flow averages with junctions and bends, which is the
/// safe side for "who arrives in time". Classes: motorway → expressway,
/// trunk and primary → national, secondary → provincial, tertiary and
/// unclassified → county, the rest → urban (OSM China's usual tagging of
/// G/S/X roads).
pub const HIGHWAYS: &[(&str, u32, RoadClass)] = &[
    ("motorway", 90, RoadClass::Expressway),
    ("motorway_link", 45, RoadClass::Expressway),
    ("trunk", 85, RoadClass::National),
    ("trunk_link", 40, RoadClass::National),
    ("primary", 65, RoadClass::National),
    ("primary_link", 30, RoadClass::National),
    ("secondary", 55, RoadClass::Provincial),
    ("secondary_link", 25, RoadClass::Provincial),
    ("tertiary", 40, RoadClass::County),
    ("tertiary_link", 20, RoadClass::County),
    ("unclassified", 25, RoadClass::County),
    ("residential", 25, RoadClass::Urban),
    ("living_street", 10, RoadClass::Urban),
    ("service", 15, RoadClass::Urban),
];

/// A `maxspeed` counts at this fraction of the posted limit (OSRM car profile: `speed_reduction = 0.8`).
pub const MAXSPEED_FACTOR: f64 = 0.8;

/// A way as read from OSM: its nodes and the tags that matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OsmWay {
    /// Way id.
    pub id: i64,
    /// Node ids in order.
    pub refs: Vec<i64>,
    /// Tags (only those [`wanted_tag`] keeps).
    pub tags: Vec<(String, String)>,
}

impl OsmWay {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The tags read from ways.
pub fn wanted_tag(key: &str) -> bool {
    matches!(
        key,
        "highway"
            | "name"
            | "ref"
            | "oneway"
            | "junction"
            | "maxspeed"
            | "access"
            | "motor_vehicle"
            | "motorcar"
            | "emergency"
            | "area"
    )
}

/// A `type=restriction` relation with a via node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsmRestriction {
    /// Relation id.
    pub id: i64,
    /// `no_left_turn`, `only_straight_on`…
    pub kind: String,
    /// The `from` way.
    pub from: i64,
    /// The `via` node.
    pub via: i64,
    /// The `to` way.
    pub to: i64,
}

/// Synthetic node ids of the expanded junctions start here (OSM node ids
/// are below 2³⁴ today; these stay below 2⁵³, exact in JSON).
pub const TURN_NODE_BASE: i64 = 1 << 50;

/// What an import did, for the console and `roads-import.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The file read.
    pub source: String,
    /// Ways with a `highway` tag.
    pub highway_ways: usize,
    /// Ways kept as roads.
    pub ways_kept: usize,
    /// Ways left out, by reason.
    pub ways_skipped: BTreeMap<String, usize>,
    /// Ways whose nodes were not all in the file (cut at the extract's edge): kept in parts.
    pub ways_with_missing_nodes: usize,
    /// Road edges (features) in the network kept.
    pub edges: usize,
    /// One-way edges among them.
    pub oneway_edges: usize,
    /// Junctions in the network kept.
    pub junctions: usize,
    /// Strongly connected components found.
    pub components: usize,
    /// Edges left out with the smaller components.
    pub edges_dropped: usize,
    /// Junctions left out with the smaller components.
    pub junctions_dropped: usize,
    /// Length of the network kept, km.
    pub length_km: f64,
    /// Edges kept by class.
    pub by_class: BTreeMap<String, usize>,
    /// SHA-256 of the network kept (its GeoJSON), hex.
    pub sha256: String,
    /// Turn restrictions (`type=restriction` relations) read.
    #[serde(default)]
    pub restrictions: usize,
    /// Restrictions honoured.
    #[serde(default)]
    pub restrictions_applied: usize,
    /// Restrictions left out, by reason.
    #[serde(default)]
    pub restrictions_skipped: BTreeMap<String, usize>,
    /// Junctions expanded for restrictions (one node per arriving edge).
    #[serde(default)]
    pub restricted_junctions: usize,
}

impl Report {
    /// The first 64 bits of the content hash: the dataset identity's `base`.
    pub fn base(&self) -> u64 {
        u64::from_str_radix(self.sha256.get(..16).unwrap_or("0"), 16).unwrap_or(0)
    }
}

/// An imported network and its report.
#[derive(Debug, Clone)]
pub struct Imported {
    /// One feature per edge, ids from 1.
    pub roads: Vec<Feature<Road>>,
    /// What was done.
    pub report: Report,
}

fn osm_error(path: &Path, e: osmpbf::Error) -> Error {
    Error::BadData {
        path: path.into(),
        reason: format!("not a readable OSM PBF file: {e}"),
    }
}

/// Reads an `.osm.pbf` file and builds the network (two passes: ways, then their nodes).
pub fn read_pbf(path: &Path) -> Result<Imported> {
    use osmpbf::{Element, ElementReader};
    let mut ways = Vec::new();
    let mut restrictions = Vec::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let reader = ElementReader::from_path(path).map_err(|e| osm_error(path, e))?;
    reader
        .for_each(|element| {
            if let Element::Relation(r) = &element
                && r.tags().any(|(k, v)| k == "type" && v == "restriction")
            {
                match restriction_of(
                    r.id(),
                    r.tags(),
                    r.members().map(|m| {
                        let role = m.role().unwrap_or_default().to_owned();
                        (m.member_type, m.member_id, role)
                    }),
                ) {
                    Ok(Some(x)) => restrictions.push(x),
                    Ok(None) => {}
                    Err(reason) => *skipped.entry(reason.to_owned()).or_default() += 1,
                }
                return;
            }
            if let Element::Way(w) = element
                && w.tags().any(|(k, _)| k == "highway")
            {
                ways.push(OsmWay {
                    id: w.id(),
                    refs: w.refs().collect(),
                    tags: w
                        .tags()
                        .filter(|(k, _)| wanted_tag(k))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                });
            }
        })
        .map_err(|e| osm_error(path, e))?;
    let mut wanted: HashMap<i64, Coord<f64>> = HashMap::new();
    for w in &ways {
        if classify(w).is_ok() {
            for r in &w.refs {
                wanted.insert(
                    *r,
                    Coord {
                        x: f64::NAN,
                        y: f64::NAN,
                    },
                );
            }
        }
    }
    let reader = ElementReader::from_path(path).map_err(|e| osm_error(path, e))?;
    reader
        .for_each(|element| {
            let (id, lon, lat) = match element {
                Element::Node(n) => (n.id(), n.lon(), n.lat()),
                Element::DenseNode(n) => (n.id(), n.lon(), n.lat()),
                _ => return,
            };
            if let Some(c) = wanted.get_mut(&id) {
                *c = Coord { x: lon, y: lat };
            }
        })
        .map_err(|e| osm_error(path, e))?;
    wanted.retain(|_, c| c.x.is_finite());
    let mut imported = build_with(&ways, &wanted, &restrictions);
    let r = &mut imported.report;
    r.source = path.display().to_string();
    r.restrictions += skipped.values().sum::<usize>();
    for (reason, n) in skipped {
        *r.restrictions_skipped.entry(reason).or_default() += n;
    }
    Ok(imported)
}

/// A restriction relation's tags and members (type, id, role) as a
/// restriction with a via node; `Ok(None)` when it does not concern cars
/// (`restriction:hgv`…), `Err` with the reason it is left out.
fn restriction_of<'t>(
    id: i64,
    tags: impl Iterator<Item = (&'t str, &'t str)>,
    members: impl Iterator<Item = (osmpbf::RelMemberType, i64, String)>,
) -> std::result::Result<Option<OsmRestriction>, &'static str> {
    use osmpbf::RelMemberType as T;
    let (mut kind, mut conditional, mut except) = (None, false, false);
    for (k, v) in tags {
        match k {
            "restriction" | "restriction:motorcar" => kind = Some(v.to_owned()),
            "restriction:conditional" | "restriction:motorcar:conditional" => conditional = true,
            // `except=psv;bicycle`…: cars are still bound, except when motorcar is named.
            "except" => {
                except = v
                    .split(';')
                    .any(|x| matches!(x.trim(), "motorcar" | "motor_vehicle" | "emergency"))
            }
            _ => {}
        }
    }
    let Some(kind) = kind else {
        return if conditional {
            Err("conditional (by time or vehicle): not read")
        } else {
            Ok(None)
        };
    };
    if except {
        return Ok(None);
    }
    if !(kind.starts_with("no_") || kind.starts_with("only_")) {
        return Err("unknown restriction value");
    }
    let (mut from, mut via, mut to, mut via_way) = (Vec::new(), Vec::new(), Vec::new(), false);
    for (t, member, role) in members {
        match (role.as_str(), t) {
            ("from", T::Way) => from.push(member),
            ("to", T::Way) => to.push(member),
            ("via", T::Node) => via.push(member),
            ("via", T::Way) => via_way = true,
            _ => {}
        }
    }
    if via_way {
        return Err("via a way: not read");
    }
    match (from.as_slice(), via.as_slice(), to.as_slice()) {
        ([from], [via], [to]) => Ok(Some(OsmRestriction {
            id,
            kind,
            from: *from,
            via: *via,
            to: *to,
        })),
        _ => Err("not one from way, one via node and one to way"),
    }
}

/// How a way travels: its class and speed, and its direction.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Kind {
    class: RoadClass,
    speed_kmh: u32,
    /// 0: both ways; 1: along the line; -1: against it.
    oneway: i8,
}

/// Whether and how a highway way is a road for emergency vehicles; `Err` names why not.
fn classify(w: &OsmWay) -> std::result::Result<Kind, &'static str> {
    let highway = w.tag("highway").unwrap_or_default();
    let Some(&(_, speed, class)) = HIGHWAYS.iter().find(|(h, ..)| *h == highway) else {
        return Err("highway class not driven (track, path, footway, construction…)");
    };
    if w.tag("area") == Some("yes") {
        return Err("an area, not a road");
    }
    let closed = |k: &str| matches!(w.tag(k), Some("no" | "private"));
    let emergency = matches!(w.tag("emergency"), Some("yes" | "designated"));
    if (closed("access") || closed("motor_vehicle") || closed("motorcar")) && !emergency {
        return Err("access no or private");
    }
    let oneway = match w.tag("oneway") {
        Some("yes" | "true" | "1") => 1,
        Some("-1" | "reverse") => -1,
        Some("reversible" | "alternating") => return Err("oneway reversible or alternating"),
        Some("no" | "false" | "0") => 0,
        _ if matches!(w.tag("junction"), Some("roundabout" | "circular")) => 1,
        _ if highway == "motorway" || highway == "motorway_link" => 1,
        _ => 0,
    };
    let speed_kmh = match w.tag("maxspeed").and_then(maxspeed_kmh) {
        Some(limit) => speed.min(((limit * MAXSPEED_FACTOR).round() as u32).max(5)),
        None => speed,
    };
    if w.refs.len() < 2 {
        return Err("fewer than two nodes");
    }
    Ok(Kind {
        class,
        speed_kmh,
        oneway,
    })
}

/// A `maxspeed` value in km/h: `60`, `60 km/h`, `40 mph`; `None` for `none`, `signals`, `CN:urban`….
fn maxspeed_kmh(v: &str) -> Option<f64> {
    let v = v.trim();
    let (number, factor) = match v.strip_suffix("mph") {
        Some(n) => (n.trim(), 1.609_344),
        None => (v.trim_end_matches("km/h").trim_end_matches("kmh").trim(), 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .map(|n| n * factor)
}

/// An edge between two junctions, as walked along a way.
#[derive(Clone)]
struct Edge<'w> {
    from: i64,
    to: i64,
    line: Vec<Coord<f64>>,
    kind: Kind,
    way: &'w OsmWay,
}

/// Adds the piece of a way walked (node ids and positions) as an edge; a
/// closed piece (a roundabout) as two, split at its middle node.
fn push_piece<'w>(ids: &[i64], line: &[Coord<f64>], kind: Kind, way: &'w OsmWay, edges: &mut Vec<Edge<'w>>) {
    if ids.len() < 2 {
        return;
    }
    let (first, last) = (ids[0], ids[ids.len() - 1]);
    if first != last {
        edges.push(Edge {
            from: first,
            to: last,
            line: line.to_vec(),
            kind,
            way,
        });
    } else if ids.len() >= 3 {
        let mid = ids.len() / 2;
        for (a, b) in [(0, mid), (mid, ids.len() - 1)] {
            edges.push(Edge {
                from: ids[a],
                to: ids[b],
                line: line[a..=b].to_vec(),
                kind,
                way,
            });
        }
    }
}

/// Builds the network from ways and node positions (see the module text).
pub fn build(ways: &[OsmWay], nodes: &HashMap<i64, Coord<f64>>) -> Imported {
    build_with(ways, nodes, &[])
}

/// [`build`], honouring turn restrictions (see the module text).
pub fn build_with(ways: &[OsmWay], nodes: &HashMap<i64, Coord<f64>>, restrictions: &[OsmRestriction]) -> Imported {
    let mut report = Report {
        highway_ways: ways.len(),
        ..Report::default()
    };
    let kept: Vec<(&OsmWay, Kind)> = ways
        .iter()
        .filter_map(|w| match classify(w) {
            Ok(k) => Some((w, k)),
            Err(reason) => {
                *report.ways_skipped.entry(reason.to_owned()).or_default() += 1;
                None
            }
        })
        .collect();
    report.ways_kept = kept.len();
    // Junctions: nodes used by two ways (or twice by one), and every way's ends.
    let mut uses: HashMap<i64, u32> = HashMap::new();
    for (w, _) in &kept {
        for r in &w.refs {
            *uses.entry(*r).or_default() += 1;
        }
        for end in [w.refs[0], w.refs[w.refs.len() - 1]] {
            *uses.entry(end).or_default() += 1;
        }
    }
    let mut edges: Vec<Edge<'_>> = Vec::new();
    for (w, kind) in &kept {
        let mut missing = false;
        // The piece being walked: its node ids and positions.
        let mut ids: Vec<i64> = Vec::new();
        let mut line: Vec<Coord<f64>> = Vec::new();
        for r in &w.refs {
            let Some(at) = nodes.get(r) else {
                // Cut at the extract's edge: the piece so far ends at the last node read.
                missing = true;
                push_piece(&ids, &line, *kind, w, &mut edges);
                ids.clear();
                line.clear();
                continue;
            };
            ids.push(*r);
            line.push(*at);
            if ids.len() >= 2 && uses.get(r).copied().unwrap_or(0) >= 2 {
                push_piece(&ids, &line, *kind, w, &mut edges);
                ids = vec![*r];
                line = vec![*at];
            }
        }
        push_piece(&ids, &line, *kind, w, &mut edges);
        if missing {
            report.ways_with_missing_nodes += 1;
        }
    }
    let edges = expand_restricted(edges, restrictions, &mut report);
    // Largest strongly connected component over the junctions.
    let mut index: HashMap<i64, usize> = HashMap::new();
    for e in &edges {
        for n in [e.from, e.to] {
            let next = index.len();
            index.entry(n).or_insert(next);
        }
    }
    let mut arcs: Vec<(usize, usize)> = Vec::with_capacity(edges.len() * 2);
    for e in &edges {
        let (a, b) = (index[&e.from], index[&e.to]);
        match e.kind.oneway {
            1 => arcs.push((a, b)),
            -1 => arcs.push((b, a)),
            _ => {
                arcs.push((a, b));
                arcs.push((b, a));
            }
        }
    }
    let component = strongly_connected(index.len(), &arcs);
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for c in &component {
        *sizes.entry(*c).or_default() += 1;
    }
    report.components = sizes.len();
    let largest = sizes
        .iter()
        .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
        .map(|(c, _)| *c);
    report.junctions = sizes.get(&largest.unwrap_or(usize::MAX)).copied().unwrap_or(0);
    report.junctions_dropped = index.len() - report.junctions;

    let mut roads = Vec::new();
    for e in edges {
        let (a, b) = (index[&e.from], index[&e.to]);
        if Some(component[a]) != largest || Some(component[b]) != largest {
            report.edges_dropped += 1;
            continue;
        }
        let (mut line, mut from, mut to) = (e.line, e.from, e.to);
        if e.kind.oneway == -1 {
            line.reverse();
            std::mem::swap(&mut from, &mut to);
        }
        let length_m: f64 = line.windows(2).map(|w| distance_m(w[0], w[1])).sum();
        let name = match (e.way.tag("ref"), e.way.tag("name")) {
            (Some(r), Some(n)) => format!("{r} {n}"),
            (Some(r), None) => r.to_owned(),
            (None, Some(n)) => n.to_owned(),
            (None, None) => format!("{} (OSM way {})", e.kind.class.label_zh(), e.way.id),
        };
        report.length_km += length_m / 1000.0;
        *report.by_class.entry(e.kind.class.code().to_owned()).or_default() += 1;
        if e.kind.oneway != 0 {
            report.oneway_edges += 1;
        }
        roads.push(Feature {
            id: roads.len() as u64 + 1,
            geometry: Geometry::LineString(LineString::new(line)),
            properties: Road {
                name,
                road_class: e.kind.class,
                speed_kmh: e.kind.speed_kmh,
                length_m: (length_m * 10.0).round() / 10.0,
                // OSM node ids are positive.
                from_node: from.unsigned_abs(),
                to_node: to.unsigned_abs(),
                open: true,
                oneway: e.kind.oneway != 0,
            },
        });
    }
    report.edges = roads.len();
    report.length_km = (report.length_km * 10.0).round() / 10.0;
    report.sha256 = content_hash(&roads);
    Imported { roads, report }
}

/// Honours turn restrictions by expanding the restricted junctions (see the
/// module text). Edges away from them are returned as they are.
fn expand_restricted<'w>(edges: Vec<Edge<'w>>, restrictions: &[OsmRestriction], report: &mut Report) -> Vec<Edge<'w>> {
    report.restrictions += restrictions.len();
    let skip =
        |report: &mut Report, reason: &str| *report.restrictions_skipped.entry(reason.to_owned()).or_default() += 1;
    // A restriction applies when its from way arrives at the via node and its to way leaves it.
    let arrives = |e: &Edge<'_>, way: i64, v: i64| {
        e.way.id == way && ((e.to == v && e.kind.oneway >= 0) || (e.from == v && e.kind.oneway <= 0))
    };
    let leaves = |e: &Edge<'_>, way: i64, v: i64| {
        e.way.id == way && ((e.from == v && e.kind.oneway >= 0) || (e.to == v && e.kind.oneway <= 0))
    };
    let mut at: BTreeMap<i64, Vec<&OsmRestriction>> = BTreeMap::new();
    for r in restrictions {
        if edges.iter().any(|e| arrives(e, r.from, r.via)) && edges.iter().any(|e| leaves(e, r.to, r.via)) {
            at.entry(r.via).or_default().push(r);
        } else {
            skip(report, "its ways do not arrive at and leave its via node");
        }
    }
    if at.is_empty() {
        return edges;
    }
    // 1. Every edge touching a restricted junction: one one-way arc per direction.
    //    `orig` remembers the edge an arc was cut from (for U-turns).
    let mut arcs: Vec<(Edge<'w>, usize)> = Vec::with_capacity(edges.len() + 8);
    for (i, e) in edges.into_iter().enumerate() {
        let touches = at.contains_key(&e.from) || at.contains_key(&e.to);
        if !touches {
            arcs.push((e, i));
            continue;
        }
        let reversed = |e: &Edge<'w>| {
            let mut r = e.clone();
            r.line.reverse();
            std::mem::swap(&mut r.from, &mut r.to);
            r.kind.oneway = 1;
            r
        };
        match e.kind.oneway {
            1 => arcs.push((e, i)),
            -1 => arcs.push((reversed(&e), i)),
            _ => {
                let back = reversed(&e);
                let mut fwd = e;
                fwd.kind.oneway = 1;
                arcs.push((fwd, i));
                arcs.push((back, i));
            }
        }
    }
    // 2. The turns allowed at each restricted junction, arc index → arc index.
    let mut next = TURN_NODE_BASE;
    let mut arrival: HashMap<usize, i64> = HashMap::new();
    let mut allowed: HashMap<usize, Vec<usize>> = HashMap::new(); // departing arc → arrivals allowed onto it
    for (&v, rules) in &at {
        let ins: Vec<usize> = (0..arcs.len()).filter(|&i| arcs[i].0.to == v).collect();
        let outs: Vec<usize> = (0..arcs.len()).filter(|&i| arcs[i].0.from == v).collect();
        let mut forbidden: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        for r in rules {
            let froms = ins.iter().filter(|&&i| arcs[i].0.way.id == r.from);
            for &e in froms {
                for &f in &outs {
                    let onto = arcs[f].0.way.id == r.to
                        // from and to the same way: the U-turn back along the same edge
                        && (r.from != r.to || arcs[f].1 == arcs[e].1);
                    let banned = if r.kind.starts_with("only_") { !onto } else { onto };
                    if banned {
                        forbidden.insert((e, f));
                    }
                }
            }
            report.restrictions_applied += 1;
        }
        for &e in &ins {
            arrival.insert(e, next);
            next += 1;
        }
        for &f in &outs {
            allowed.insert(
                f,
                ins.iter().copied().filter(|&e| !forbidden.contains(&(e, f))).collect(),
            );
        }
        report.restricted_junctions += 1;
    }
    // 3. Arriving arcs end at their own copy of the junction; departing
    //    arcs are copied once per arrival allowed onto them (an arc no
    //    arrival may take keeps the junction itself: routes may start on it).
    for (i, (e, _)) in arcs.iter_mut().enumerate() {
        if let Some(&node) = arrival.get(&i) {
            e.to = node;
        }
    }
    let mut out = Vec::with_capacity(arcs.len());
    for (i, (e, _)) in arcs.into_iter().enumerate() {
        match allowed.get(&i) {
            Some(preds) if !preds.is_empty() => {
                for p in preds {
                    let mut copy = e.clone();
                    copy.from = arrival[p];
                    out.push(copy);
                }
            }
            _ => out.push(e),
        }
    }
    out
}

/// SHA-256 of the network as GeoJSON features, hex.
pub fn content_hash(roads: &[Feature<Road>]) -> String {
    let mut hasher = Sha256::new();
    for f in roads {
        hasher.update(serde_json::to_vec(f).unwrap_or_default());
        hasher.update(b"\n");
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Strongly connected components (Tarjan's algorithm, iterative): a component number per node.
pub fn strongly_connected(n: usize, arcs: &[(usize, usize)]) -> Vec<usize> {
    let mut start = vec![0usize; n + 1];
    for (a, _) in arcs {
        start[*a + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![0usize; arcs.len()];
    for (a, b) in arcs {
        adj[fill[*a]] = *b;
        fill[*a] += 1;
    }
    const NONE: usize = usize::MAX;
    let mut order = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![NONE; n];
    let mut stack = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let (mut counter, mut components) = (0usize, 0usize);
    for root in 0..n {
        if order[root] != NONE {
            continue;
        }
        calls.push((root, start[root]));
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut next)) = calls.last_mut() {
            if *next < start[v + 1] {
                let w = adj[*next];
                *next += 1;
                if order[w] == NONE {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, start[w]));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
            } else {
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == order[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component[w] = components;
                        if w == v {
                            break;
                        }
                    }
                    components += 1;
                }
            }
        }
    }
    component
}

/// Where a region's imported base data is kept: `DATA_DIR/imported/REGION/`.
pub fn imported_dir(data_dir: &Path, region: &str) -> PathBuf {
    data_dir.join("imported").join(region)
}

const REPORT_FILE: &str = "roads-import.json";

/// Saves an imported network into `dir` (`roads.geojson` and `roads-import.json`),
/// written beside and renamed into place.
pub fn save(dir: &Path, imported: &Imported) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    let staging = dir.join(".roads.partial");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(Error::io("remove", &staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(Error::io("create", &staging))?;
    crate::dataset::write_layer(&staging, &imported.roads)?;
    let report = serde_json::to_vec_pretty(&imported.report).map_err(|e| Error::BadData {
        path: staging.join(REPORT_FILE),
        reason: e.to_string(),
    })?;
    std::fs::write(staging.join(REPORT_FILE), report).map_err(Error::io("write", &staging.join(REPORT_FILE)))?;
    for name in ["roads.geojson", REPORT_FILE] {
        std::fs::rename(staging.join(name), dir.join(name)).map_err(Error::io("rename into", &dir.join(name)))?;
    }
    std::fs::remove_dir_all(&staging).map_err(Error::io("remove", &staging))
}

/// The report of the network imported into `dir`, if any.
pub fn read_report(dir: &Path) -> Result<Option<Report>> {
    let path = dir.join(REPORT_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(Error::io("read", &path))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::BadData {
        path,
        reason: e.to_string(),
    })
}

/// The identity `base` of what is imported into `dir` (0: nothing).
pub fn imported_base(dir: &Path) -> Result<u64> {
    Ok(read_report(dir)?.map_or(0, |r| r.base()))
}

/// Replaces the dataset's roads by the network imported into `dir`, if any.
pub fn overlay_imported(dataset: &mut Dataset, dir: &Path) -> Result<bool> {
    if read_report(dir)?.is_none() {
        return Ok(false);
    }
    dataset.roads = crate::dataset::read_layer::<Road>(dir)?;
    tracing::info!(dir = %dir.display(), roads = dataset.roads.len(), "road network: imported (replaces the generated one)");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(id: i64, refs: &[i64], tags: &[(&str, &str)]) -> OsmWay {
        OsmWay {
            id,
            refs: refs.to_vec(),
            tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn tarjan_finds_the_strong_components() {
        // 0 ⇄ 1 → 2 ⇄ 3, and 4 alone.
        let c = strongly_connected(5, &[(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[2], c[3]);
        assert_ne!(c[0], c[2]);
        assert_ne!(c[4], c[0]);
        assert_ne!(c[4], c[2]);
    }

    #[test]
    fn speeds_and_one_ways_follow_the_tags() {
        let kind = |tags: &[(&str, &str)]| classify(&way(1, &[1, 2], tags));
        // OSRM car profile speeds.
        assert_eq!(kind(&[("highway", "motorway")]).unwrap().speed_kmh, 90);
        assert_eq!(kind(&[("highway", "residential")]).unwrap().speed_kmh, 25);
        // A posted limit lowers, never raises.
        assert_eq!(
            kind(&[("highway", "primary"), ("maxspeed", "40")]).unwrap().speed_kmh,
            32
        );
        assert_eq!(
            kind(&[("highway", "primary"), ("maxspeed", "120")]).unwrap().speed_kmh,
            65
        );
        assert_eq!(
            kind(&[("highway", "primary"), ("maxspeed", "30 mph")])
                .unwrap()
                .speed_kmh,
            39
        );
        // Motorways are one-way unless tagged otherwise; roundabouts are one-way.
        assert_eq!(kind(&[("highway", "motorway")]).unwrap().oneway, 1);
        assert_eq!(kind(&[("highway", "motorway"), ("oneway", "no")]).unwrap().oneway, 0);
        assert_eq!(
            kind(&[("highway", "tertiary"), ("junction", "roundabout")])
                .unwrap()
                .oneway,
            1
        );
        assert_eq!(kind(&[("highway", "tertiary"), ("oneway", "-1")]).unwrap().oneway, -1);
        // Left out: private, footways, reversible.
        assert!(kind(&[("highway", "service"), ("access", "private")]).is_err());
        assert!(kind(&[("highway", "service"), ("access", "private"), ("emergency", "yes")]).is_ok());
        assert!(kind(&[("highway", "footway")]).is_err());
        assert!(kind(&[("highway", "primary"), ("oneway", "reversible")]).is_err());
    }

    #[test]
    fn ways_split_at_junctions_and_islands_are_dropped() {
        let c = |x: f64, y: f64| Coord { x, y };
        let nodes: HashMap<i64, Coord<f64>> = [
            (1, c(112.0, 37.0)),
            (2, c(112.01, 37.0)),
            (3, c(112.02, 37.0)),
            (4, c(112.01, 37.01)),
            (10, c(113.0, 37.0)),
            (11, c(113.01, 37.0)),
        ]
        .into_iter()
        .collect();
        let ways = [
            way(100, &[1, 2, 3], &[("highway", "primary"), ("name", "建设路")]),
            way(101, &[2, 4], &[("highway", "residential")]),
            // One-way out of the network and never back: not strongly connected.
            way(102, &[3, 10], &[("highway", "tertiary"), ("oneway", "yes")]),
            way(103, &[10, 11], &[("highway", "tertiary")]),
            way(104, &[1, 4], &[("highway", "footway")]),
        ];
        let imported = build(&ways, &nodes);
        let r = &imported.report;
        // Way 100 splits at node 2 into two edges; 101 is one; 102 and 103 are cut off.
        assert_eq!(r.edges, 3, "{r:?}");
        assert_eq!(r.edges_dropped, 2);
        assert_eq!(r.junctions, 4);
        assert_eq!(r.junctions_dropped, 2);
        assert_eq!(r.ways_skipped.values().sum::<usize>(), 1);
        assert!(imported.roads.iter().all(|f| !f.properties.oneway));
        assert_eq!(imported.roads[0].properties.name, "建设路");
        assert_eq!(
            (
                imported.roads[0].properties.from_node,
                imported.roads[0].properties.to_node
            ),
            (1, 2)
        );
        assert_eq!(r.sha256.len(), 64);
        assert_eq!(r.base(), u64::from_str_radix(&r.sha256[..16], 16).unwrap());
    }

    #[test]
    fn an_only_turn_bans_every_other_departure_and_relations_are_read_or_skipped_with_a_reason() {
        use osmpbf::RelMemberType as T;
        let c = |x: f64, y: f64| Coord { x, y };
        // 1 — 2 — 4 west to east, 3 north of 2.
        let nodes: HashMap<i64, Coord<f64>> = [
            (1, c(113.58, 37.86)),
            (2, c(113.59, 37.86)),
            (3, c(113.59, 37.87)),
            (4, c(113.60, 37.86)),
        ]
        .into_iter()
        .collect();
        let ways = [
            way(201, &[1, 2], &[("highway", "residential")]),
            way(202, &[2, 3], &[("highway", "residential")]),
            way(203, &[2, 4], &[("highway", "residential")]),
        ];
        let only = OsmRestriction {
            id: 1,
            kind: "only_straight_on".into(),
            from: 201,
            via: 2,
            to: 203,
        };
        let imported = build_with(&ways, &nodes, std::slice::from_ref(&only));
        let from_west = imported
            .roads
            .iter()
            .find(|f| f.properties.from_node == 1)
            .map(|f| f.properties.to_node)
            .unwrap();
        let onward: Vec<u64> = imported
            .roads
            .iter()
            .filter(|f| f.properties.from_node == from_west)
            .map(|f| f.properties.to_node)
            .collect();
        assert_eq!(onward, vec![4], "only straight on, not left to 3 nor back to 1");
        assert_eq!(imported.report.restrictions_applied, 1);
        // A restriction whose ways do not meet at its via node is skipped.
        let elsewhere = OsmRestriction { via: 3, ..only };
        let r = build_with(&ways, &nodes, &[elsewhere]).report;
        assert_eq!((r.restrictions, r.restrictions_applied, r.edges), (1, 0, 3));

        let read = |tags: &[(&'static str, &'static str)], members: Vec<(T, i64, &str)>| {
            restriction_of(
                7,
                tags.iter().copied(),
                members.into_iter().map(|(t, id, role)| (t, id, role.to_owned())),
            )
        };
        let members = || vec![(T::Way, 201, "from"), (T::Node, 2, "via"), (T::Way, 202, "to")];
        let r = read(&[("type", "restriction"), ("restriction", "no_left_turn")], members())
            .unwrap()
            .unwrap();
        assert_eq!((r.from, r.via, r.to, r.kind.as_str()), (201, 2, 202, "no_left_turn"));
        assert!(
            read(&[("restriction:motorcar", "only_right_turn")], members())
                .unwrap()
                .is_some()
        );
        // Not for cars, or excepting them: nothing to honour.
        assert_eq!(read(&[("restriction:hgv", "no_left_turn")], members()), Ok(None));
        assert_eq!(
            read(
                &[("restriction", "no_left_turn"), ("except", "psv;motorcar")],
                members()
            ),
            Ok(None)
        );
        assert!(
            read(
                &[("restriction:conditional", "no_left_turn @ (07:00-09:00)")],
                members()
            )
            .is_err()
        );
        assert!(read(&[("restriction", "give_way")], members()).is_err());
        let via_way = vec![(T::Way, 201, "from"), (T::Way, 9, "via"), (T::Way, 202, "to")];
        assert_eq!(
            read(&[("restriction", "no_u_turn")], via_way),
            Err("via a way: not read")
        );
    }
}
