//! `GET /nearest`: the nearest features of a layer to a point, ranked by
//! road travel time (default) or straight-line distance.

use crate::error::ApiError;
use crate::extract::{Filtered, NearestBy, NearestParams, PropertyFilters};
use crate::limits::MAX_K;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use geo::Coord;
use lookout_layers::routing::{Route, rank_by_time, rank_by_time_indexed};
use lookout_layers::{Catalog, Collection, FeatureId, GeometryKind, Value};
use serde_json::{Value as Json, json};
use std::ops::ControlFlow;

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

fn name_of(c: &dyn Collection, id: FeatureId) -> Option<String> {
    let mut name = None;
    c.visit_feature(id, &mut |_, _, values| {
        if let Some((_, Value::Text(t))) = values.iter().find(|(k, _)| *k == "name") {
            name = Some((*t).to_owned());
        }
        ControlFlow::Continue(())
    });
    name
}

fn result(c: &dyn Collection, id: FeatureId, distance_m: f64, route: Option<&Route>, with_route: bool) -> Json {
    let mut r = json!({
        "id": id,
        "name": name_of(c, id),
        "distance_m": distance_m.round(),
        "travel_time_s": route.map(|r| r.time_s.round()),
        "route_length_m": route.map(|r| r.length_m.round()),
    });
    if let (true, Some(route)) = (with_route, route) {
        let coords: Vec<[f64; 2]> = route.path.iter().map(|c| [c.x, c.y]).collect();
        r["route"] = json!({ "type": "LineString", "coordinates": coords });
    }
    r
}

/// `GET /nearest?lon=&lat=&layer=rescue_teams&k=5&by=time|distance&route=true&<filters>`.
/// A scoped caller gets the nearest features in scope.
async fn nearest(
    query: Filtered<NearestParams>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = parse(query)?;
    let state = state.into_inner();
    let body = web::block(move || answer(&state, q, &scope))
        .await
        .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(body))
}

fn answer(state: &AppState, q: Query, scope: &RequestScope) -> Result<Json, ApiError> {
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
    let accepted = needs(catalog, &q)?;
    let accept = |id: &FeatureId| {
        accepted.as_ref().is_none_or(|ids| ids.contains(id)) && scope.get().is_none_or(|s| s.admits_in(&*c, *id))
    };
    let graph = state.roads.graph(catalog);
    let roads = catalog.roads.read();
    let unreachable_origin = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreachable",
            "no open road within 10 km of the point",
        )
    };
    let (results, examined, unreachable) = if q.by_time {
        let candidates = c.nearest_iter(q.origin, &filter).filter(|(id, _)| accept(id));
        // Teams, warehouses and shelters: snapped once, one search from the
        // origin (layers/src/routing.rs); other layers: each candidate routed.
        let ranking = match state.roads.snaps(&graph, &roads, &*c) {
            Some(snapped) => {
                let admit = |id: FeatureId| c.matches(id, &filter) && accept(&id);
                rank_by_time_indexed(&graph, &roads, &snapped.index.read(), &admit, candidates, q.origin, q.k)
            }
            None => rank_by_time(&graph, &roads, &*c, candidates, q.origin, q.k),
        }
        .ok_or_else(unreachable_origin)?;
        let results: Vec<Json> = ranking
            .ranked
            .iter()
            .map(|r| result(&*c, r.id, r.distance_m, Some(&r.route), q.with_route))
            .collect();
        (results, ranking.examined, ranking.unreachable)
    } else {
        let target = graph.snap(&roads, q.origin, lookout_layers::routing::MAX_SNAP_M);
        let mut calc = graph.calculator();
        let hits: Vec<(FeatureId, f64)> = c
            .nearest_iter(q.origin, &filter)
            .filter(|(id, _)| accept(id))
            .take(q.k)
            .collect();
        let results = hits
            .iter()
            .map(|(id, d)| {
                let at = c.point(*id);
                let route = target.as_ref().and_then(|t| {
                    let s = graph.snap(&roads, at?, lookout_layers::routing::MAX_SNAP_M)?;
                    graph.route(&mut calc, &s, t)
                });
                result(&*c, *id, *d, route.as_ref(), q.with_route)
            })
            .collect();
        (results, hits.len(), Vec::new())
    };
    Ok(json!({
        "origin": [q.origin.x, q.origin.y],
        "layer": q.layer,
        "by": if q.by_time { "time" } else { "distance" },
        "results": results,
        "examined": examined,
        "unreachable": unreachable,
    }))
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
