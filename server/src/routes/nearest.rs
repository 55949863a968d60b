//! `GET /nearest`: the nearest features of a layer to a point, ranked by
//! road travel time (default) or straight-line distance.

use crate::error::ApiError;
use crate::extract::{Filtered, NearestBy, NearestParams, PropertyFilters};
use crate::limits::MAX_K;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use geo::Coord;
use lookout_layers::ops::needs::hazard_zones_version;
use lookout_layers::routing::avoid::{RouteNote, Summary, rank_avoiding};
use lookout_layers::routing::{MAX_SNAP_M, Route, rank_by_time, rank_by_time_indexed};
use lookout_layers::{Catalog, Collection, FeatureId, GeometryKind};
use serde::Serialize;

/// How far outside the road network's extent a query point may be, degrees.
const MARGIN_DEG: f64 = 0.5;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/nearest").get(nearest));
}

#[derive(Debug)]
struct Query {
    origin: Coord<f64>,
    layer: String,
    k: usize,
    by_time: bool,
    with_route: bool,
    filters: PropertyFilters,
    /// Warehouses: an item in stock, and at least how many.
    item: Option<String>,
    min_count: u32,
    /// Shelters: at least this many free places.
    min_free: Option<u32>,
    /// Avoid the zones of open drills instead of real incidents'.
    drill: bool,
    /// Keep routes out of open incidents' zones (default).
    avoid: bool,
}

fn parse(query: Filtered<NearestParams>) -> Result<Query, ApiError> {
    let p = query.params;
    let degrees = |name: &str, v: Option<f64>| {
        let v = v.ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ApiError::bad_request(format!(
                "{name} must be a number of degrees, not {v}"
            )))
        }
    };
    let k = p.k.unwrap_or(5);
    if !(1..=MAX_K).contains(&k) {
        return Err(ApiError::bad_request(format!(
            "k must be a whole number from 1 to {MAX_K}"
        )));
    }
    Ok(Query {
        origin: Coord {
            x: degrees("lon", p.lon)?,
            y: degrees("lat", p.lat)?,
        },
        layer: p.layer.unwrap_or_else(|| "rescue_teams".into()),
        k,
        by_time: p.by.unwrap_or(NearestBy::Time) == NearestBy::Time,
        with_route: p.route.unwrap_or(false),
        filters: query.filters,
        item: p.item,
        min_count: p.min_count.unwrap_or(1),
        min_free: p.min_free,
        drill: p.drill.unwrap_or(false),
        avoid: p.avoid.unwrap_or(true),
    })
}

/// The ids that meet the stock or free-capacity needs of the query, if it has any.
fn needs(catalog: &Catalog, q: &Query) -> Result<Option<std::collections::HashSet<FeatureId>>, ApiError> {
    match (&q.item, q.min_free) {
        (None, None) => Ok(None),
        (Some(item), None) if q.layer == "warehouses" => Ok(Some(
            catalog
                .warehouses
                .read()
                .features()
                .iter()
                .filter(|w| {
                    w.properties
                        .stock
                        .iter()
                        .any(|s| s.item == *item && s.count >= q.min_count)
                })
                .map(|w| w.id)
                .collect(),
        )),
        (None, Some(free)) if q.layer == "shelters" => Ok(Some(
            catalog
                .shelters
                .read()
                .features()
                .iter()
                .filter(|s| s.properties.capacity.saturating_sub(s.properties.occupancy) >= free)
                .map(|s| s.id)
                .collect(),
        )),
        _ => Err(ApiError::bad_request(
            "item (with min_count) is for layer=warehouses, min_free for layer=shelters",
        )),
    }
}

/// A route's line, as GeoJSON.
#[derive(Serialize)]
struct Line {
    r#type: &'static str,
    coordinates: Vec<[f64; 2]>,
}

/// One feature of the answer.
#[derive(Serialize)]
struct Hit<'a> {
    id: FeatureId,
    name: Option<&'a str>,
    distance_m: f64,
    travel_time_s: Option<f64>,
    route_length_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<Line>,
    /// How the avoidance of hazard zones changed the route (when there are zones).
    #[serde(skip_serializing_if = "Option::is_none")]
    avoidance: Option<RouteNote<'a>>,
}

impl<'a> Hit<'a> {
    fn new(c: &'a dyn Collection, id: FeatureId, distance_m: f64, route: Option<&Route>, with_route: bool) -> Self {
        Self {
            id,
            name: c.text(id, "name"),
            distance_m: distance_m.round(),
            travel_time_s: route.map(|r| r.time_s.round()),
            route_length_m: route.map(|r| r.length_m.round()),
            route: route.filter(|_| with_route).map(|r| Line {
                r#type: "LineString",
                coordinates: r.path.iter().map(|c| [c.x, c.y]).collect(),
            }),
            avoidance: None,
        }
    }
}

/// The answer.
#[derive(Serialize)]
struct Answer<'a> {
    origin: [f64; 2],
    layer: &'a str,
    by: &'static str,
    results: Vec<Hit<'a>>,
    examined: usize,
    unreachable: Vec<FeatureId>,
    /// The hazard zones routes kept out of, and the teams whose routes changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    avoidance: Option<Summary<'a>>,
}

/// `GET /nearest?lon=&lat=&layer=rescue_teams&k=5&by=time|distance&route=true&drill=&avoid=&<filters>`.
/// A scoped caller gets the nearest features in scope. By distance (with
/// no hazard zone to route round) the answer takes microseconds and is made
/// on the worker; by time it searches the road graph (milliseconds) on the
/// blocking pool.
async fn nearest(
    query: Filtered<NearestParams>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = parse(query)?;
    let state = state.into_inner();
    // Routes round hazard zones search the graph too: only a ranking by
    // distance with no zone to avoid stays on the worker.
    let searches = q.by_time || (q.avoid && !hazard_zones_version(&state.store.operations(), q.drill).is_empty());
    let body = if searches {
        web::block(move || answer(&state, &q, &scope))
            .await
            .map_err(ApiError::internal)??
    } else {
        answer(&state, &q, &scope)?
    };
    Ok(HttpResponse::Ok().content_type(ContentType::json()).body(body))
}

fn answer(state: &AppState, q: &Query, scope: &RequestScope) -> Result<Vec<u8>, ApiError> {
    let catalog = state.store.catalog();
    let served = catalog
        .roads
        .read()
        .extent()
        .ok_or_else(|| ApiError::internal("no roads"))?;
    let inside = |c: Coord<f64>| {
        (served.min().x - MARGIN_DEG..=served.max().x + MARGIN_DEG).contains(&c.x)
            && (served.min().y - MARGIN_DEG..=served.max().y + MARGIN_DEG).contains(&c.y)
    };
    if !inside(q.origin) {
        return Err(ApiError::bad_request(format!(
            "({}, {}) is outside the area served: lon {:.2}..{:.2}, lat {:.2}..{:.2}",
            q.origin.x,
            q.origin.y,
            served.min().x - MARGIN_DEG,
            served.max().x + MARGIN_DEG,
            served.min().y - MARGIN_DEG,
            served.max().y + MARGIN_DEG
        )));
    }
    let c = catalog
        .read(&q.layer)
        .ok_or_else(|| ApiError::not_found(format!("no collection {:?}", q.layer)))?;
    if c.info().geometry != GeometryKind::Point {
        return Err(ApiError::bad_request(format!("{} is not a layer of points", q.layer)));
    }
    let filter = c.parse_filter(&q.filters.pairs())?;
    let accepted = needs(catalog, q)?;
    let accept = |id: &FeatureId| {
        accepted.as_ref().is_none_or(|ids| ids.contains(id)) && scope.get().is_none_or(|s| s.admits_in(&*c, *id))
    };
    let graph = state.roads.graph(catalog);
    // The zones routes keep out of (none asked for with avoid=false).
    let zones = q.avoid.then(|| {
        let ops = state.store.operations();
        state.roads.hazard_zones(&graph, &catalog.roads.read(), &ops, q.drill)
    });
    let roads = catalog.roads.read();
    let unreachable_origin = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreachable",
            "no open road within 10 km of the point",
        )
    };
    let avoid = zones
        .as_deref()
        .filter(|z| !z.is_empty())
        .map(|z| z.towards(q.origin, None));
    let mut summary = None;
    let (results, examined, unreachable) = if q.by_time {
        let candidates = c.nearest_iter(q.origin, &filter).filter(|(id, _)| accept(id));
        // Teams, warehouses and shelters: snapped once, one search from the
        // origin (layers/src/routing.rs); other layers: each candidate routed.
        let snapped = state.roads.snaps(&graph, &roads, &*c);
        let ranking = match (&avoid, &snapped) {
            (Some(avoid), _) => {
                let index = snapped.as_ref().map(|s| s.index.read());
                let snap_of = |id: FeatureId| match &index {
                    Some(index) => index.snap(id).copied(),
                    None => c.point(id).and_then(|p| graph.snap(&roads, p, MAX_SNAP_M)),
                };
                let (ranking, avoided) = rank_avoiding(&graph, &roads, avoid, &snap_of, candidates, q.origin, q.k)
                    .ok_or_else(unreachable_origin)?;
                summary = Some(avoid.summary(&ranking.ranked, &avoided));
                (ranking, avoided)
            }
            (None, Some(snapped)) => {
                let admit = |id: FeatureId| c.matches(id, &filter) && accept(&id);
                let ranking =
                    rank_by_time_indexed(&graph, &roads, &snapped.index.read(), &admit, candidates, q.origin, q.k)
                        .ok_or_else(unreachable_origin)?;
                (ranking, Vec::new())
            }
            (None, None) => (
                rank_by_time(&graph, &roads, &*c, candidates, q.origin, q.k).ok_or_else(unreachable_origin)?,
                Vec::new(),
            ),
        };
        let (ranking, avoided) = ranking;
        let mut notes = avoided.iter();
        let results: Vec<Hit<'_>> = ranking
            .ranked
            .iter()
            .map(|r| {
                let mut hit = Hit::new(&*c, r.id, r.distance_m, Some(&r.route), q.with_route);
                hit.avoidance = notes.next().zip(zones.as_deref()).map(|(a, z)| a.note(&r.route, z));
                hit
            })
            .collect();
        (results, ranking.examined, ranking.unreachable)
    } else {
        let target = graph.snap(&roads, q.origin, MAX_SNAP_M);
        let mut calc = graph.calculator();
        let hits: Vec<(FeatureId, f64)> = c
            .nearest_iter(q.origin, &filter)
            .filter(|(id, _)| accept(id))
            .take(q.k)
            .collect();
        // Each hit's snap as kept (teams, warehouses and shelters) or from
        // the road the coverage index snapped it to: the same snap a walk
        // for the nearest road gives, without the walk.
        let snapped = state.roads.snaps(&graph, &roads, &*c);
        let snap_index = snapped.as_ref().map(|s| s.index.read());
        let known = state.coverage.known_roads(&graph, c.info().id);
        let snap_of = |id: FeatureId| {
            if let Some(index) = &snap_index {
                return index.snap(id).copied();
            }
            let p = c.point(id)?;
            match known.as_ref().and_then(|k| k.road(id)) {
                Some(Some(road)) => graph.snap_to_road(&roads, p, road),
                Some(None) => None,
                None => graph.snap(&roads, p, MAX_SNAP_M),
            }
        };
        let mut ranked = Vec::new();
        let mut avoided = Vec::new();
        let results = hits
            .iter()
            .map(|&(id, d)| {
                let s = snap_of(id);
                match (&avoid, &target, s) {
                    // With zones, each hit routed as the ranking by time would route it.
                    (Some(avoid), Some(_), Some(s)) => {
                        let one = rank_avoiding(&graph, &roads, avoid, &|_| Some(s), [(id, d)], q.origin, 1);
                        match one.and_then(|(r, a)| r.ranked.into_iter().zip(a).next()) {
                            Some((r, a)) => {
                                let mut hit = Hit::new(&*c, id, d, Some(&r.route), q.with_route);
                                hit.avoidance = zones.as_deref().map(|z| a.note(&r.route, z));
                                ranked.push(r);
                                avoided.push(a);
                                hit
                            }
                            None => Hit::new(&*c, id, d, None, q.with_route),
                        }
                    }
                    (_, Some(t), Some(s)) => {
                        let route = graph.route_with(&mut calc, &s, t, q.with_route);
                        Hit::new(&*c, id, d, route.as_ref(), q.with_route)
                    }
                    _ => Hit::new(&*c, id, d, None, q.with_route),
                }
            })
            .collect();
        if let Some(avoid) = &avoid {
            summary = Some(avoid.summary(&ranked, &avoided));
        }
        (results, hits.len(), Vec::new())
    };
    let answer = Answer {
        origin: [q.origin.x, q.origin.y],
        layer: &q.layer,
        by: if q.by_time { "time" } else { "distance" },
        results,
        examined,
        unreachable,
        avoidance: summary,
    };
    serde_json::to_vec(&answer).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_say_what_is_wrong() {
        let parse = |q: &str| Filtered::parse(q).and_then(parse);
        assert!(parse("lon=112.5&lat=37.8").is_ok());
        for (q, why) in [
            ("lat=37.8", "lon is required"),
            ("lon=abc&lat=37.8", "lon"),
            ("lon=NaN&lat=37.8", "number"),
            ("lon=112&lat=37&k=0", "k must"),
            ("lon=112&lat=37&k=500", "k must"),
            ("lon=112&lat=37&by=speed", "by"),
            ("lon=112&lat=37&route=yes", "route"),
        ] {
            let err = parse(q).unwrap_err().to_string();
            assert!(err.contains(why), "{q}: {err}");
        }
    }
}
