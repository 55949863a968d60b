//! Gas network isolation (`docs/gas-isolation.md`): the city gas networks as
//! a graph ([`GasGraph`]), the isolation trace for a leak ([`trace`]), and
//! [`isolate`], the whole answer for a duty officer: valves to close in
//! order of road travel time, the isolated section, who loses supply, and
//! what changes when some valves fail to close.

pub mod graph;
pub mod trace;

pub use graph::{GasGraph, GraphBuilder};
pub use trace::{LeakAt, Optional, Trace};

use crate::catalog::Catalog;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::geodesy::closest_on_line;
use crate::model::PressureClass;
use crate::routing::{MAX_SNAP_M, RoadGraph};
use geo::{Centroid, Coord, Geometry};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How far a leak point may be from the nearest pipe, metres.
pub const MAX_LEAK_SNAP_M: f64 = 500.0;

/// The service-area rule: an enterprise, a population cell (its centre) or a
/// hazard source takes gas from its nearest medium- or low-pressure pipe, if
/// that pipe is within this many metres. No standard gives a service radius;
/// 600 m is half the generated street grid's 1.1 km spacing plus its
/// jitter, so every place inside a city grid is served by some pipe. It
/// errs on the safe side: more places are counted as losing gas, not fewer.
pub const SERVICE_RADIUS_M: f64 = 600.0;

/// How many of the nearest (straight-line) teams are timed by road for each valve.
const TEAMS_TIMED: usize = 5;

/// The team capability the closing crews are chosen by: the dataset has no
/// gas-company repair teams, so rescue teams able to handle a gas leak
/// (fire and hazmat teams with `gas_leak`) stand in for them.
pub const CREW_CAPABILITY: &str = "gas_leak";

/// Where the leak is, as asked.
#[derive(Debug, Clone, PartialEq)]
pub enum LeakInput {
    /// A point, snapped to the nearest pipe within [`MAX_LEAK_SNAP_M`].
    Point(Coord<f64>),
    /// A `gas_pipes` id.
    Pipe(FeatureId),
    /// A `gas_valves` id (the valve itself leaks).
    Valve(FeatureId),
}

/// Why a trace cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IsolateError {
    /// No pipe near the point.
    #[error("no gas pipe within {max_m} m of the point (nearest: {nearest})")]
    FarFromMain {
        /// The limit.
        max_m: f64,
        /// The nearest pipe's distance, if any pipe exists.
        nearest: String,
    },
    /// An unknown pipe id.
    #[error("no gas pipe {0}")]
    UnknownPipe(FeatureId),
    /// An unknown valve id.
    #[error("no gas valve {0}")]
    UnknownValve(FeatureId),
    /// `fail` names valves that do not exist.
    #[error("fail names valves that do not exist: {0:?}")]
    UnknownFailed(Vec<FeatureId>),
    /// The leak's part of the network has no supply point.
    #[error(
        "the leak's part of the {network} network reaches no supply point (gate or regulator station): nothing feeds it, so there is nothing to isolate"
    )]
    NoSupply {
        /// The city network.
        network: String,
    },
}

/// One valve in the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValveItem {
    /// `gas_valves` id.
    pub id: FeatureId,
    /// Where it is, [lon, lat].
    pub at: [f64; 2],
    /// Pressure class of its main.
    pub pressure_class: Option<PressureClass>,
    /// Diameter, mm.
    pub diameter_mm: Option<u32>,
    /// 1-based place in the closing order (required valves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<usize>,
    /// Road travel time of the nearest crew, seconds (required valves only; `null` when no road reaches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub travel_time_s: Option<f64>,
    /// The nearest crew by road: (`rescue_teams` id, name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crew: Option<Crew>,
    /// Why it is optional, or passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A crew that can reach a valve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crew {
    /// `rescue_teams` id.
    pub id: FeatureId,
    /// Name.
    pub name: String,
}

/// A named feature in the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    /// Feature id.
    pub id: FeatureId,
    /// Name.
    pub name: String,
}

/// A set of pipes with their totals.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PipeSet {
    /// `gas_pipes` ids.
    pub pipes: Vec<FeatureId>,
    /// Total length, metres.
    pub length_m: f64,
    /// Inner volume from nominal diameter and length, m³ (at pipe conditions; for purge and vent time).
    pub volume_m3: f64,
    /// The pipes' lines, for the map: a GeoJSON MultiLineString.
    pub geometry: serde_json::Value,
}

/// Who loses supply.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Outage {
    /// Pipes beyond the section that no longer reach a supply point.
    #[serde(flatten)]
    pub pipes: PipeSet,
    /// Stations cut off (in the section or downstream).
    pub stations: Vec<Named>,
    /// Enterprises served (service-area rule) by a pipe of the section or the outage.
    pub enterprises: Vec<Named>,
    /// Residents of the population cells so served.
    pub population: u64,
    /// How many population cells.
    pub population_cells: usize,
    /// Major hazard sources among them.
    pub hazard_sources: Vec<Named>,
}

/// The size of one run, for the what-if comparison.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Size {
    /// Pipes in the section.
    pub section_pipes: usize,
    /// Section length, metres.
    pub section_length_m: f64,
    /// Section volume, m³.
    pub section_volume_m3: f64,
    /// Pipes losing supply beyond the section.
    pub outage_pipes: usize,
    /// Outage length, metres.
    pub outage_length_m: f64,
    /// Residents losing gas.
    pub population: u64,
    /// Enterprises losing gas.
    pub enterprises: usize,
    /// Valves to close.
    pub valves_to_close: usize,
}

/// The what-if comparison when `fail` is given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The valves taken as failing.
    pub failed: Vec<FeatureId>,
    /// The run with every valve closing.
    pub baseline: Size,
    /// The run with the failed valves passed through (this answer's run).
    pub with_failures: Size,
    /// with_failures ÷ baseline of the section length (1 = no larger).
    pub section_growth: f64,
    /// with_failures − baseline residents losing gas.
    pub extra_population: i64,
}

/// The answer of [`isolate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Isolation {
    /// The city network.
    pub network: String,
    /// The leak: the pipe (or valve) it was placed on, and where.
    pub leak: serde_json::Value,
    /// Whether closing `valves_to_close` cuts the section off from every supply point.
    pub isolated: bool,
    /// The operable valves bounding the section that must close, nearest crew by road first.
    pub valves_to_close: Vec<ValveItem>,
    /// Boundary valves that may stay open, with the reason.
    pub optional_valves: Vec<ValveItem>,
    /// Valves inside the section that the walk passed: inoperable, or failed in the what-if.
    pub passed_through: Vec<ValveItem>,
    /// Supply stations inside the section: valves cannot cut these off; shut them at the station.
    pub stations_in_section: Vec<Named>,
    /// The isolated section.
    pub section: PipeSet,
    /// Who loses supply.
    pub outage: Outage,
    /// Pipe pressure sensors on valves and stations that lose gas once the
    /// valves close (every pipe at their node is in the section or the
    /// outage): their readings are expected to drop (monitoring).
    pub pressure_sensors_expected_to_drop: Vec<Named>,
    /// Present when `fail` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<WhatIf>,
    /// The rules and limits of this answer.
    pub limits: Vec<String>,
}

fn class_volume(diameter_mm: u32, length_m: f64) -> f64 {
    let r = f64::from(diameter_mm) / 2000.0;
    std::f64::consts::PI * r * r * length_m
}

/// Resolves the leak to the graph.
fn locate(catalog: &Catalog, g: &GasGraph, leak: &LeakInput) -> Result<(LeakAt, serde_json::Value), IsolateError> {
    match leak {
        LeakInput::Pipe(id) => {
            let p = g.pipe_of(*id).ok_or(IsolateError::UnknownPipe(*id))?;
            Ok((LeakAt::Pipe(p), serde_json::json!({ "pipe": id })))
        }
        LeakInput::Valve(id) => {
            let v = g.valve_of(*id).ok_or(IsolateError::UnknownValve(*id))?;
            Ok((LeakAt::Node(g.valves()[v].node), serde_json::json!({ "valve": id })))
        }
        LeakInput::Point(p) => {
            let pipes = catalog.gas_pipes.read();
            let nearest = pipes.nearest(*p, 1, &Filter::all()).into_iter().next();
            let Some((pipe, d)) = nearest else {
                return Err(IsolateError::FarFromMain {
                    max_m: MAX_LEAK_SNAP_M,
                    nearest: "there are no pipes".into(),
                });
            };
            if d > MAX_LEAK_SNAP_M {
                return Err(IsolateError::FarFromMain {
                    max_m: MAX_LEAK_SNAP_M,
                    nearest: format!("{d:.0} m away"),
                });
            }
            let at = match &pipe.geometry {
                Geometry::LineString(l) => closest_on_line(*p, &l.0).0,
                _ => *p,
            };
            let index = g.pipe_of(pipe.id).ok_or(IsolateError::UnknownPipe(pipe.id))?;
            Ok((
                LeakAt::Pipe(index),
                serde_json::json!({ "pipe": pipe.id, "at": [at.x, at.y], "snapped_m": (d * 10.0).round() / 10.0 }),
            ))
        }
    }
}

fn pipe_set(catalog: &Catalog, g: &GasGraph, pipes: &[usize]) -> PipeSet {
    let layer = catalog.gas_pipes.read();
    let mut lines = Vec::new();
    let (mut length_m, mut volume_m3) = (0.0, 0.0);
    let mut ids = Vec::with_capacity(pipes.len());
    for &p in pipes {
        let pipe = &g.pipes()[p];
        ids.push(pipe.id);
        length_m += pipe.length_m;
        volume_m3 += class_volume(pipe.diameter_mm, pipe.length_m);
        if let Some(Geometry::LineString(l)) = layer.feature(pipe.id).map(|f| &f.geometry) {
            lines.push(l.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>());
        }
    }
    ids.sort_unstable();
    PipeSet {
        pipes: ids,
        length_m: length_m.round(),
        volume_m3: (volume_m3 * 10.0).round() / 10.0,
        geometry: serde_json::json!({ "type": "MultiLineString", "coordinates": lines }),
    }
}

/// The distribution pipe (medium or low) serving a place, by the service-area rule.
fn serving_pipe(pipes: &crate::Layer<crate::model::GasPipe>, at: Coord<f64>) -> Option<FeatureId> {
    pipes
        .nearest_iter(at, &Filter::all())
        .take_while(|(_, d)| *d <= SERVICE_RADIUS_M)
        .find(|(f, _)| matches!(f.properties.pressure_class, PressureClass::Medium | PressureClass::Low))
        .map(|(f, _)| f.id)
}

fn point_of(g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::Point(p) => Some(p.0),
        other => other.centroid().map(|p| p.0),
    }
}

/// Who loses gas when the pipes `cut` (section and outage) carry none.
fn outage(catalog: &Catalog, g: &GasGraph, t: &Trace, cut: &[usize]) -> Outage {
    let cut_ids: HashSet<FeatureId> = cut.iter().map(|&p| g.pipes()[p].id).collect();
    let mut out = Outage {
        pipes: pipe_set(catalog, g, &t.outage()),
        ..Outage::default()
    };
    // Stations: every pipe at the station that had gas has none now.
    for s in g.stations() {
        let at = g.pipes_at(s.node);
        let before = at.iter().any(|&p| t.supplied_before[p]);
        let after = at.iter().any(|&p| t.supplied_after[p]);
        if before && !after {
            out.stations.push(Named {
                id: s.id,
                name: s.name.clone(),
            });
        }
    }
    if cut_ids.is_empty() {
        return out;
    }
    let pipes = catalog.gas_pipes.read();
    // The area worth looking in: the cut pipes' box, grown by the service radius.
    let mut bbox: Option<geo::Rect<f64>> = None;
    for id in &cut_ids {
        if let Some(f) = pipes.feature(*id)
            && let Some(r) = geo::BoundingRect::bounding_rect(&f.geometry)
        {
            bbox = Some(match bbox {
                None => r,
                Some(b) => geo::Rect::new(
                    Coord {
                        x: b.min().x.min(r.min().x),
                        y: b.min().y.min(r.min().y),
                    },
                    Coord {
                        x: b.max().x.max(r.max().x),
                        y: b.max().y.max(r.max().y),
                    },
                ),
            });
        }
    }
    let Some(b) = bbox else { return out };
    let grow_y = SERVICE_RADIUS_M / 111_000.0;
    let grow_x = grow_y / b.center().y.to_radians().cos().max(0.1);
    let area = geo::Rect::new(
        Coord {
            x: b.min().x - grow_x,
            y: b.min().y - grow_y,
        },
        Coord {
            x: b.max().x + grow_x,
            y: b.max().y + grow_y,
        },
    );
    let served = |geometry: &Geometry<f64>| {
        point_of(geometry)
            .and_then(|c| serving_pipe(&pipes, c))
            .is_some_and(|id| cut_ids.contains(&id))
    };
    for e in catalog.enterprises.read().locate_in_rect(area) {
        if served(&e.geometry) {
            out.enterprises.push(Named {
                id: e.id,
                name: e.properties.name.to_string(),
            });
        }
    }
    for c in catalog.population.read().locate_in_rect(area) {
        if served(&c.geometry) {
            out.population += u64::from(c.properties.population);
            out.population_cells += 1;
        }
    }
    let affected: HashSet<FeatureId> = out.enterprises.iter().map(|e| e.id).collect();
    for h in catalog.hazard_sources.read().locate_in_rect(area) {
        if affected.contains(&h.properties.enterprise_id) || served(&h.geometry) {
            out.hazard_sources.push(Named {
                id: h.id,
                name: h.properties.name.clone(),
            });
        }
    }
    out.enterprises.sort_by_key(|e| e.id);
    out.hazard_sources.sort_by_key(|e| e.id);
    out
}

/// Pipe pressure sensors at valves and stations whose every pipe is in `cut`.
fn expected_drops(catalog: &Catalog, g: &GasGraph, cut: &[usize]) -> Vec<Named> {
    use crate::model::{SensorKind, SensorSite};
    let cut: HashSet<usize> = cut.iter().copied().collect();
    let dead = |node: usize| {
        let at = g.pipes_at(node);
        !at.is_empty() && at.iter().all(|p| cut.contains(p))
    };
    let mut valves = HashSet::new();
    let mut stations = HashSet::new();
    for &p in &cut {
        for node in g.pipes()[p].ends {
            if dead(node) {
                valves.extend(g.valves_at(node).map(|v| v.id));
                stations.extend(g.stations_at(node).map(|s| s.id));
            }
        }
    }
    if valves.is_empty() && stations.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Named> = catalog
        .sensors
        .read()
        .features()
        .iter()
        .filter(|f| {
            let s = &f.properties;
            s.kind == SensorKind::PipePressure
                && match s.site {
                    SensorSite::GasValve => valves.contains(&s.site_id),
                    SensorSite::GasStation => stations.contains(&s.site_id),
                    _ => false,
                }
        })
        .map(|f| Named {
            id: f.id,
            name: format!("{} · {}", f.properties.site_name, f.properties.name),
        })
        .collect();
    out.sort_by_key(|n| n.id);
    out
}

fn valve_item(catalog: &Catalog, g: &GasGraph, v: usize, reason: Option<String>) -> ValveItem {
    let id = g.valves()[v].id;
    let layer = catalog.gas_valves.read();
    let f = layer.feature(id);
    let at = f.and_then(|f| point_of(&f.geometry)).map_or([0.0, 0.0], |c| [c.x, c.y]);
    ValveItem {
        id,
        at,
        pressure_class: f.map(|f| f.properties.pressure_class),
        diameter_mm: f.map(|f| f.properties.diameter_mm),
        order: None,
        travel_time_s: None,
        crew: None,
        reason,
    }
}

/// Times each required valve from the nearest crews by road and orders them, nearest first.
fn order_by_road(catalog: &Catalog, roads: Option<&RoadGraph>, valves: &mut [ValveItem]) {
    if let Some(graph) = roads {
        let road_layer = catalog.roads.read();
        let teams = catalog.rescue_teams.read();
        let mut calc = graph.calculator();
        let all = Filter::all();
        for v in valves.iter_mut() {
            let at = Coord { x: v.at[0], y: v.at[1] };
            let Some(target) = graph.snap(&road_layer, at, MAX_SNAP_M) else {
                continue;
            };
            let mut memo = HashMap::new();
            let crews = teams
                .nearest_iter(at, &all)
                .filter(|(t, _)| {
                    t.properties.capabilities.iter().any(|c| c == CREW_CAPABILITY)
                        && t.properties.status == crate::model::TeamStatus::Available
                })
                .take(TEAMS_TIMED);
            let mut best: Option<(f64, Crew)> = None;
            for (t, _) in crews {
                let Some(from) = point_of(&t.geometry).and_then(|p| graph.snap(&road_layer, p, MAX_SNAP_M)) else {
                    continue;
                };
                if let Some(s) = graph.time_to(&mut calc, &mut memo, &from, &target)
                    && best.as_ref().is_none_or(|(b, _)| s < *b)
                {
                    best = Some((
                        s,
                        Crew {
                            id: t.id,
                            name: t.properties.name.clone(),
                        },
                    ));
                }
            }
            if let Some((s, crew)) = best {
                v.travel_time_s = Some(s.round());
                v.crew = Some(crew);
            }
        }
    }
    valves.sort_by(|a, b| {
        let key = |v: &ValveItem| v.travel_time_s.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then(a.id.cmp(&b.id))
    });
    for (i, v) in valves.iter_mut().enumerate() {
        v.order = Some(i + 1);
    }
}

fn size(t: &Trace, section: &PipeSet, out: &Outage) -> Size {
    Size {
        section_pipes: section.pipes.len(),
        section_length_m: section.length_m,
        section_volume_m3: section.volume_m3,
        outage_pipes: out.pipes.pipes.len(),
        outage_length_m: out.pipes.length_m,
        population: out.population,
        enterprises: out.enterprises.len(),
        valves_to_close: t.required.len(),
    }
}

/// The isolation trace for a leak, with the valves `fail` (ids) taken as not closing.
///
/// `roads` orders the valves by road travel time of the nearest crew; without
/// it, the valves are listed by id.
pub fn isolate(
    catalog: &Catalog,
    g: &GasGraph,
    roads: Option<&RoadGraph>,
    leak: &LeakInput,
    fail: &[FeatureId],
) -> Result<Isolation, IsolateError> {
    let unknown: Vec<FeatureId> = fail.iter().copied().filter(|id| g.valve_of(*id).is_none()).collect();
    if !unknown.is_empty() {
        return Err(IsolateError::UnknownFailed(unknown));
    }
    let failed: HashSet<usize> = fail.iter().filter_map(|id| g.valve_of(*id)).collect();
    let (at, leak_json) = locate(catalog, g, leak)?;
    let network_of = |a: LeakAt| match a {
        LeakAt::Pipe(p) => g.pipes()[p].network,
        LeakAt::Node(n) => g.pipes_at(n).first().map_or(0, |&p| g.pipes()[p].network),
    };
    let network = g.networks().get(network_of(at)).cloned().unwrap_or_default();
    let t = trace::trace(g, at, &failed);
    if !t.had_supply {
        return Err(IsolateError::NoSupply { network });
    }
    let cut = |t: &Trace| -> Vec<usize> {
        let mut all = t.section.clone();
        all.extend(t.outage());
        all
    };
    let section = pipe_set(catalog, g, &t.section);
    let out = outage(catalog, g, &t, &cut(&t));
    let mut valves_to_close: Vec<ValveItem> = t
        .required
        .iter()
        .map(|&(_, v)| valve_item(catalog, g, v, None))
        .collect();
    order_by_road(catalog, roads, &mut valves_to_close);
    let optional_valves = t
        .optional
        .iter()
        .map(|&(_, v, why)| {
            let reason = match why {
                Optional::FarSideHasNoSupply => "its far side reaches no supply point",
                Optional::FarSideCannotFeed => "its far side cannot feed the section (regulator outlet side)",
            };
            valve_item(catalog, g, v, Some(reason.into()))
        })
        .collect();
    let passed_through = t
        .passed
        .iter()
        .map(|&(v, failed)| {
            let reason = if failed { "failed (what-if)" } else { "inoperable" };
            valve_item(catalog, g, v, Some(reason.into()))
        })
        .collect();
    let stations_in_section = t
        .sources_inside
        .iter()
        .flat_map(|&n| g.stations_at(n))
        .map(|s| Named {
            id: s.id,
            name: s.name.clone(),
        })
        .collect();
    let what_if = if fail.is_empty() {
        None
    } else {
        let base = trace::trace(g, at, &HashSet::new());
        let base_section = pipe_set(catalog, g, &base.section);
        let base_out = outage(catalog, g, &base, &cut(&base));
        let baseline = size(&base, &base_section, &base_out);
        let with_failures = size(&t, &section, &out);
        Some(WhatIf {
            failed: fail.to_vec(),
            baseline,
            with_failures,
            section_growth: if baseline.section_length_m > 0.0 {
                ((with_failures.section_length_m / baseline.section_length_m) * 100.0).round() / 100.0
            } else {
                1.0
            },
            extra_population: with_failures.population as i64 - baseline.population as i64,
        })
    };
    let limits = vec![
        format!(
            "service-area rule: a place takes gas from its nearest medium- or low-pressure pipe within {SERVICE_RADIUS_M} m (no standard gives this radius; chosen so every place in a city grid is served, which counts more people as losing gas, not fewer)"
        ),
        format!(
            "closing crews: the dataset has no gas-company repair teams; available rescue teams with the `{CREW_CAPABILITY}` capability stand in, each valve timed by road from the {TEAMS_TIMED} nearest"
        ),
        "a closed valve stops flow through its node; regulators pass gas only into their outlet class".into(),
        "volume is the inner volume from nominal diameter and length, at pipe pressure".into(),
    ];
    Ok(Isolation {
        network,
        leak: leak_json,
        isolated: t.isolated(),
        valves_to_close,
        optional_valves,
        passed_through,
        stations_in_section,
        pressure_sensors_expected_to_drop: expected_drops(catalog, g, &cut(&t)),
        section,
        outage: out,
        what_if,
        limits,
    })
}

/// A gas-leak incident's isolation: the trace at its location, and the
/// checklist of the valves to close with who closed each and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentIsolation {
    /// The trace (as `POST /gas/isolate` answers it), or why there is none.
    #[serde(flatten)]
    pub trace: Option<Isolation>,
    /// Why there is no trace (no pipe near the incident, no supply point).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// The `valve_closed` events, in order.
    pub closed: Vec<crate::ops::state::ValveClosure>,
    /// Every valve to close is closed: "section isolated".
    pub section_isolated: bool,
}

/// The isolation of a gas leak at `location` with the valves reported closed so far.
pub fn incident_isolation(
    catalog: &Catalog,
    g: &GasGraph,
    roads: Option<&RoadGraph>,
    location: [f64; 2],
    closed: &[crate::ops::state::ValveClosure],
) -> IncidentIsolation {
    let at = Coord {
        x: location[0],
        y: location[1],
    };
    match isolate(catalog, g, roads, &LeakInput::Point(at), &[]) {
        Ok(mut trace) => {
            let done: HashSet<FeatureId> = closed.iter().map(|c| c.valve).collect();
            for v in &mut trace.valves_to_close {
                if done.contains(&v.id) {
                    v.reason = Some("closed".into());
                }
            }
            let section_isolated =
                !trace.valves_to_close.is_empty() && trace.valves_to_close.iter().all(|v| done.contains(&v.id));
            IncidentIsolation {
                trace: Some(trace),
                unavailable: None,
                closed: closed.to_vec(),
                section_isolated,
            }
        }
        Err(e) => IncidentIsolation {
            trace: None,
            unavailable: Some(e.to_string()),
            closed: closed.to_vec(),
            section_isolated: false,
        },
    }
}

/// The after-action report's summary of a gas leak's isolation ([`incident_isolation`]).
pub fn report_summary(
    incident: &crate::ops::state::IncidentState,
    isolation: &IncidentIsolation,
) -> crate::ops::report::GasSummary {
    let Some(trace) = &isolation.trace else {
        return crate::ops::report::GasSummary {
            unavailable: isolation.unavailable.clone(),
            ..crate::ops::report::GasSummary::default()
        };
    };
    let listed: std::collections::HashSet<u64> = trace.valves_to_close.iter().map(|v| v.id).collect();
    let closures: Vec<_> = isolation.closed.iter().filter(|c| listed.contains(&c.valve)).collect();
    let closed: std::collections::HashSet<u64> = closures.iter().map(|c| c.valve).collect();
    crate::ops::report::GasSummary {
        network: trace.network.clone(),
        unavailable: None,
        valves_to_close: listed.len(),
        valves_closed: closed.len(),
        section_isolated: isolation.section_isolated,
        isolated_s: if isolation.section_isolated {
            closures
                .iter()
                .map(|c| crate::ops::report::secs(incident.opened_at, c.at))
                .reduce(f64::max)
        } else {
            None
        },
        section_pipes: trace.section.pipes.len(),
        section_length_m: trace.section.length_m,
        section_volume_m3: trace.section.volume_m3,
        outage_pipes: trace.outage.pipes.pipes.len(),
        outage_length_m: trace.outage.pipes.length_m,
        outage_stations: trace.outage.stations.len(),
        outage_population: trace.outage.population,
        outage_enterprises: trace.outage.enterprises.len(),
        outage_hazard_sources: trace.outage.hazard_sources.len(),
    }
}

#[cfg(test)]
mod tests;
