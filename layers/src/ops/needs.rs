//! What an incident needs (kinds of team, their capabilities, stock) and the
//! nearest available suitable teams and stocked warehouses by road.
//!
//! The table follows dispatch practice (shared/REFERENCE.md): the kind of
//! incident and the substance decide the professional teams; a toxic release
//! always brings medical teams for exposure treatment; flammables bring fire
//! teams with foam.

use super::state::Operations;
use crate::catalog::Catalog;
use crate::collection::Collection;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::model::IncidentSpec;
use crate::model::{IncidentKind, RescueKind, TeamStatus};
use crate::routing::avoid::{Avoidance, Avoided, HazardZone, Zones, rank_avoiding};
use crate::routing::{MAX_SNAP_M, Ranked, RoadGraph, rank_by_time};
use crate::scope::Scope;
use serde::Serialize;
use serde_json::{Value as Json, json};

/// One kind of team an incident needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    /// Kind of team.
    pub kind: RescueKind,
    /// Chinese name of the kind.
    pub label_zh: &'static str,
    /// The capabilities wanted of it, most specific first.
    pub capabilities: Vec<&'static str>,
}

fn need(kind: RescueKind, capabilities: &[&'static str]) -> Need {
    Need {
        kind,
        label_zh: kind.label_zh(),
        capabilities: capabilities.to_vec(),
    }
}

/// The kinds of team an incident needs, most important first.
pub fn needs(spec: &IncidentSpec) -> Vec<Need> {
    use RescueKind as R;
    let substance = spec.substance().ok().flatten();
    let flammable = substance.is_some_and(|s| s.flammable);
    let toxic = substance.is_some_and(|s| s.tih);
    match spec.kind {
        IncidentKind::Leak => {
            let specific: &[&str] = match substance.map(|s| s.code) {
                Some("chlorine") => &["chlorine_leak", "hazmat_decontamination", "toxic_gas_detection"],
                Some("ammonia") => &["ammonia_leak", "hazmat_decontamination", "toxic_gas_detection"],
                _ => &["hazmat_decontamination", "toxic_gas_detection"],
            };
            let mut out = vec![need(R::Hazmat, specific)];
            if toxic || substance.is_none() {
                out.push(need(R::Medical, &["toxic_exposure_treatment", "triage"]));
            }
            if flammable {
                out.push(need(R::Fire, &["foam_firefighting", "gas_leak"]));
            }
            if !out.iter().any(|n| n.kind == R::Medical) {
                out.push(need(R::Medical, &["triage"]));
            }
            out
        }
        IncidentKind::GasLeak => vec![
            need(R::Fire, &["gas_leak", "firefighting"]),
            need(R::Hazmat, &["gas_leak", "toxic_gas_detection"]),
        ],
        IncidentKind::Fire => vec![
            need(R::Fire, &["firefighting", "foam_firefighting"]),
            need(R::Medical, &["burn_care", "triage"]),
        ],
        IncidentKind::Explosion => vec![
            need(R::Fire, &["firefighting", "structural_collapse"]),
            need(R::Hazmat, &["hazmat_decontamination", "toxic_gas_detection"]),
            need(R::Medical, &["mass_casualty", "burn_care"]),
            need(R::General, &["structural_collapse", "search_and_rescue"]),
        ],
        IncidentKind::MineAccident => vec![
            need(
                R::MineRescue,
                &["mine_flood", "mine_gas_explosion", "underground_rescue"],
            ),
            need(R::Medical, &["mass_casualty", "triage"]),
        ],
        IncidentKind::Flood => vec![
            need(R::Flood, &["water_rescue", "pumping", "dike_repair"]),
            need(R::General, &["evacuation", "logistics"]),
        ],
        IncidentKind::Landslide => vec![
            need(R::General, &["search_and_rescue", "structural_collapse"]),
            need(R::Medical, &["triage"]),
        ],
        IncidentKind::RoadAccident => vec![
            need(R::Fire, &["road_accident"]),
            need(R::Medical, &["triage", "mass_casualty"]),
        ],
        IncidentKind::ForestFire => vec![
            need(R::ForestFire, &["wildfire_suppression", "firebreak"]),
            need(R::Medical, &["burn_care"]),
        ],
    }
}

/// Stock items an incident calls for, from the warehouses.
pub fn stock(spec: &IncidentSpec) -> &'static [&'static str] {
    match spec.kind {
        IncidentKind::Leak | IncidentKind::GasLeak => &["scba", "chemical_protective_suit"],
        IncidentKind::Fire | IncidentKind::Explosion => &["foam_concentrate", "first_aid_kit", "scba"],
        IncidentKind::MineAccident => &["scba", "water_pump", "generator"],
        IncidentKind::Flood => &["sandbag", "life_jacket", "water_pump"],
        IncidentKind::Landslide => &["tent", "quilt", "folding_bed"],
        IncidentKind::RoadAccident => &["first_aid_kit"],
        IncidentKind::ForestFire => &["drinking_water", "first_aid_kit"],
    }
}

/// The zones routes keep out of ([`crate::routing::avoid`]): those of
/// every open incident of one world (drills apart from real incidents), as
/// last drawn.
pub fn hazard_zones(ops: &Operations, drill: bool) -> Vec<HazardZone> {
    ops.incidents()
        .filter(|i| i.drill == drill && i.is_open())
        .filter_map(|i| i.zones.as_ref().map(|z| (i.id, z)))
        .flat_map(|(id, z)| {
            z.record
                .zones
                .iter()
                .filter_map(move |zone| HazardZone::of_incident(id, zone))
        })
        .collect()
}

/// What [`hazard_zones`] depends on: each open incident of the world with
/// the event that last drew its zones. Equal versions, equal zones.
pub fn hazard_zones_version(ops: &Operations, drill: bool) -> Vec<(FeatureId, u64)> {
    let mut v: Vec<(FeatureId, u64)> = ops
        .incidents()
        .filter(|i| i.drill == drill && i.is_open())
        .filter_map(|i| i.zones.as_ref().map(|z| (i.id, z.seq)))
        .collect();
    v.sort_unstable();
    v
}

/// Most teams recommended per needed kind.
pub const MAX_PER_KIND: usize = 10;

fn route_json(path: &[geo::Coord<f64>]) -> Json {
    let coordinates: Vec<[f64; 2]> = path
        .iter()
        .map(|c| [(c.x * 1e6).round() / 1e6, (c.y * 1e6).round() / 1e6])
        .collect();
    json!({"type": "LineString", "coordinates": coordinates})
}

/// For each need, the `k` nearest teams of that kind available in the
/// incident's world, by road travel time to the incident; the nearest
/// warehouses holding the stock it calls for; and the units assigned to it
/// now (`assigned`), each with its base and duty phone, and the road route
/// while it is still on its way (dispatched or en route; one on scene is at
/// the incident). With a `scope`, only teams and warehouses in it (a scoped
/// user may dispatch no other; `scoped` in the answer says the list was cut
/// to the scope).
///
/// Routes are hazard-aware ([`crate::routing::avoid`]): they keep out of
/// `zones` (the other open incidents' zones of the incident's world, see
/// [`hazard_zones`]) and approach the incident from upwind; each team and
/// warehouse says whether the avoidance changed its route and by how much
/// (`avoidance`), and the answer's `avoidance` lists the zones avoided and
/// the teams whose routes changed.
pub fn recommend(
    catalog: &Catalog,
    ops: &Operations,
    graph: &RoadGraph,
    zones: &Zones,
    incident: FeatureId,
    k: usize,
    scope: Option<&Scope>,
) -> crate::Result<Json> {
    let state = ops.incident(incident).ok_or(crate::Error::UnknownFeature {
        collection: "incidents",
        id: incident,
    })?;
    let k = k.clamp(1, MAX_PER_KIND);
    let origin = state.spec.centre();
    let needs = needs(&state.spec);
    let roads = catalog.roads.read();
    let teams = catalog.rescue_teams.read();
    let avoid = zones.towards(origin, Some(incident));
    let mut out_teams = Vec::new();
    let mut avoided_teams = Vec::new();
    let mut unreachable = Vec::new();
    for n in &needs {
        let filter = teams.parse_filter(&[("kind", n.kind.code())])?;
        let candidates = Collection::nearest_iter(&*teams, origin, &filter).filter(|(id, _)| {
            ops.unit(catalog, *id, state.drill)
                .is_ok_and(|u| u.status == TeamStatus::Available)
                && scope.is_none_or(|s| s.admits_in(&*teams, *id))
        });
        let Some(ranked) = rank(graph, &roads, &*teams, &avoid, candidates, origin, k) else {
            unreachable.push(n.kind.code());
            continue;
        };
        for (r, a) in ranked {
            let Some(f) = teams.feature(r.id) else { continue };
            let matches: Vec<&str> = n
                .capabilities
                .iter()
                .copied()
                .filter(|c| f.properties.capabilities.iter().any(|x| x == c))
                .collect();
            out_teams.push(json!({
                "id": r.id,
                "need": n.kind.code(),
                "name": f.properties.name,
                "kind": f.properties.kind.code(),
                "status": "available",
                "capabilities": f.properties.capabilities,
                "matches": matches,
                "personnel": f.properties.personnel,
                "base": f.properties.base,
                "county": f.properties.county,
                "phone": f.properties.phone,
                "travel_s": r.route.time_s.round(),
                "distance_m": r.distance_m.round(),
                "route_m": r.route.length_m.round(),
                "route": route_json(&r.route.path),
                "avoidance": a.as_ref().map(|a| a.note(&r.route, zones)),
            }));
            if let Some(a) = a {
                avoided_teams.push((r, a));
            }
        }
    }
    let assigned = assigned_units(state, &teams, graph, &roads, &avoid, zones, origin);
    drop(teams);
    let wanted = stock(&state.spec);
    let warehouses = catalog.warehouses.read();
    let stocked: Vec<(FeatureId, f64)> = warehouses
        .nearest_iter(origin, &Filter::all())
        .map(|(f, d)| (f.id, d))
        .filter(|(id, _)| scope.is_none_or(|s| s.admits_in(&*warehouses, *id)))
        .filter(|(id, _)| {
            warehouses.feature(*id).is_some_and(|w| {
                w.properties
                    .stock
                    .iter()
                    .any(|s| s.count > 0 && wanted.contains(&s.item.as_str()))
            })
        })
        .take(crate::routing::MAX_CANDIDATES)
        .collect();
    let mut out_warehouses = Vec::new();
    if let Some(ranked) = rank(graph, &roads, &*warehouses, &avoid, stocked, origin, k) {
        for (r, a) in ranked {
            let Some(w) = warehouses.feature(r.id) else { continue };
            let items: Vec<&crate::model::StockItem> = w
                .properties
                .stock
                .iter()
                .filter(|s| wanted.contains(&s.item.as_str()))
                .collect();
            out_warehouses.push(json!({
                "id": r.id,
                "name": w.properties.name,
                "tier": w.properties.tier,
                "items": items,
                "travel_s": r.route.time_s.round(),
                "distance_m": r.distance_m.round(),
                "route_m": r.route.length_m.round(),
                "avoidance": a.as_ref().map(|a| a.note(&r.route, zones)),
            }));
        }
    }
    let (ranked, avoided): (Vec<_>, Vec<_>) = avoided_teams.into_iter().unzip();
    let summary = avoid.summary(&ranked, &avoided);
    Ok(json!({
        "incident": incident,
        "drill": state.drill,
        "needs": needs,
        "stock": wanted,
        "teams": out_teams,
        "warehouses": out_warehouses,
        "unreachable": unreachable,
        "scoped": scope.is_some(),
        "assigned": assigned,
        "avoidance": summary,
    }))
}

/// The `k` of `candidates` soonest by road: hazard-aware when there are
/// zones ([`rank_avoiding`], each with its [`Avoided`]), else as
/// [`rank_by_time`]. `None` if the origin is off the network.
fn rank(
    graph: &RoadGraph,
    roads: &crate::layer::Layer<crate::model::Road>,
    layer: &dyn Collection,
    avoid: &Avoidance<'_>,
    candidates: impl IntoIterator<Item = (FeatureId, f64)>,
    origin: geo::Coord<f64>,
    k: usize,
) -> Option<Vec<(Ranked, Option<Avoided>)>> {
    if avoid.zones().is_empty() {
        let ranking = rank_by_time(graph, roads, layer, candidates, origin, k)?;
        return Some(ranking.ranked.into_iter().map(|r| (r, None)).collect());
    }
    let snap_of = |id: FeatureId| layer.point(id).and_then(|p| graph.snap(roads, p, MAX_SNAP_M));
    let (ranking, avoided) = rank_avoiding(graph, roads, avoid, &snap_of, candidates, origin, k)?;
    Some(ranking.ranked.into_iter().zip(avoided.into_iter().map(Some)).collect())
}

/// The incident's active units: base, phone, status, and the road route of
/// those still on their way.
fn assigned_units(
    state: &super::IncidentState,
    teams: &crate::layer::Layer<crate::model::RescueTeam>,
    graph: &RoadGraph,
    roads: &crate::layer::Layer<crate::model::Road>,
    avoid: &Avoidance<'_>,
    zones: &Zones,
    origin: geo::Coord<f64>,
) -> Vec<Json> {
    let travelling = |s: TeamStatus| matches!(s, TeamStatus::Dispatched | TeamStatus::EnRoute);
    let mut moving: Vec<(FeatureId, f64)> = state
        .units
        .iter()
        .filter(|u| u.active() && travelling(u.status))
        .filter_map(|u| Collection::point(teams, u.team).map(|p| (u.team, crate::geodesy::distance_m(p, origin))))
        .collect();
    moving.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n = moving.len();
    let routes: std::collections::HashMap<FeatureId, (Ranked, Option<Avoided>)> = if n == 0 {
        Default::default()
    } else {
        rank(graph, roads, teams, avoid, moving, origin, n)
            .map(|r| r.into_iter().map(|x| (x.0.id, x)).collect())
            .unwrap_or_default()
    };
    state
        .units
        .iter()
        .filter(|u| u.active())
        .map(|u| {
            let f = teams.feature(u.team);
            let (route, avoided) = match routes.get(&u.team) {
                Some((r, a)) => (Some(r), a.as_ref()),
                None => (None, None),
            };
            json!({
                "id": u.team,
                "name": u.name,
                "kind": u.kind,
                "status": u.status,
                "base": f.map(|f| f.properties.base.as_str()),
                "county": f.map(|f| f.properties.county.as_str()),
                "phone": f.map(|f| f.properties.phone.as_str()),
                "travel_s": route.map(|r| r.route.time_s.round()),
                "route_m": route.map(|r| r.route.length_m.round()),
                "route": route.map(|r| route_json(&r.route.path)),
                "avoidance": route.zip(avoided).map(|(r, a)| a.note(&r.route, zones)),
            })
        })
        .collect()
}
