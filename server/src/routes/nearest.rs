//! `GET /nearest`: the nearest features of a layer to a point, ranked by
//! road travel time (default) or straight-line distance.

use crate::app::AppState;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use geo::Coord;
use lookout_layers::routing::{RoadGraph, Route, rank_by_time};
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId, GeometryKind, Value};
use parking_lot::RwLock;
use serde_json::{Value as Json, json};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Most results one query may ask for.
pub const MAX_K: usize = 50;
/// How far outside the road network's extent a query point may be, degrees.
const MARGIN_DEG: f64 = 0.5;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/nearest", web::get().to(nearest));
}

/// The road graph, rebuilt when a road changes (lazily, on the next query).
#[derive(Debug)]
pub struct RoadNetwork {
    graph: RwLock<Arc<RoadGraph>>,
    stale: AtomicBool,
}

impl RoadNetwork {
    /// Builds the graph of `catalog`'s roads.
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            graph: RwLock::new(Arc::new(RoadGraph::build(&catalog.roads.read()))),
            stale: AtomicBool::new(false),
        }
    }

    /// The current graph, rebuilt first if roads changed.
    pub fn graph(&self, catalog: &Catalog) -> Arc<RoadGraph> {
        if self.stale.swap(false, Ordering::AcqRel) {
            let fresh = Arc::new(RoadGraph::build(&catalog.roads.read()));
            *self.graph.write() = fresh;
        }
        self.graph.read().clone()
    }
}

impl ChangeObserver for RoadNetwork {
    fn before(&self, _: &dyn Collection, _: FeatureId) {}

    fn after(&self, layer: &dyn Collection, _: FeatureId) {
        if layer.info().id == "roads" {
            self.stale.store(true, Ordering::Release);
        }
    }
}

#[derive(Debug)]
struct Query {
    origin: Coord<f64>,
    layer: String,
    k: usize,
    by_time: bool,
    with_route: bool,
    filters: Vec<(String, String)>,
    /// Warehouses: an item in stock, and at least how many.
    item: Option<String>,
    min_count: u32,
    /// Shelters: at least this many free places.
    min_free: Option<u32>,
}

fn parse(query: &str) -> Result<Query, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
    let (mut lon, mut lat) = (None, None);
    let mut q = Query {
        origin: Coord::zero(),
        layer: "rescue_teams".into(),
        k: 5,
        by_time: true,
        with_route: false,
        filters: Vec::new(),
        item: None,
        min_count: 1,
        min_free: None,
    };
    let number = |name: &str, v: &str| {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a number of degrees, not {v:?}")))
    };
    for (key, value) in pairs {
        match key.as_str() {
            "lon" => lon = Some(number("lon", &value)?),
            "lat" => lat = Some(number("lat", &value)?),
            "layer" => q.layer = value,
            "k" => {
                q.k = value
                    .parse()
                    .ok()
                    .filter(|k| (1..=MAX_K).contains(k))
                    .ok_or_else(|| ApiError::bad_request(format!("k must be a whole number from 1 to {MAX_K}")))?
            }
            "by" => {
                q.by_time = match value.as_str() {
                    "time" => true,
                    "distance" => false,
                    _ => return Err(ApiError::bad_request("by is time or distance")),
                }
            }
            "item" => q.item = Some(value),
            "min_count" | "min_free" => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("{key} must be a whole number ≥ 0, not {value:?}")))?;
                if key == "min_count" {
                    q.min_count = n;
                } else {
                    q.min_free = Some(n);
                }
            }
            "route" => {
                q.with_route = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(ApiError::bad_request("route is true or false")),
                }
            }
            _ => q.filters.push((key, value)),
        }
    }
    q.origin = Coord {
        x: lon.ok_or_else(|| ApiError::bad_request("lon is required"))?,
        y: lat.ok_or_else(|| ApiError::bad_request("lat is required"))?,
    };
    Ok(q)
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
async fn nearest(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = parse(req.query_string())?;
    let state = state.into_inner();
    let body = web::block(move || answer(&state, q))
        .await
        .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(body))
}

fn answer(state: &AppState, q: Query) -> Result<Json, ApiError> {
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
    let pairs: Vec<(&str, &str)> = q.filters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let filter = c.parse_filter(&pairs)?;
    let accepted = needs(catalog, &q)?;
    let accept = |id: &FeatureId| accepted.as_ref().is_none_or(|ids| ids.contains(id));
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
        let ranking = rank_by_time(&graph, &roads, &*c, candidates, q.origin, q.k).ok_or_else(unreachable_origin)?;
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
        assert!(parse("lon=112.5&lat=37.8").is_ok());
        for (q, why) in [
            ("lat=37.8", "lon is required"),
            ("lon=abc&lat=37.8", "number"),
            ("lon=NaN&lat=37.8", "number"),
            ("lon=112&lat=37&k=0", "k must"),
            ("lon=112&lat=37&k=500", "k must"),
            ("lon=112&lat=37&by=speed", "by is"),
            ("lon=112&lat=37&route=yes", "route is"),
        ] {
            let err = parse(q).unwrap_err().to_string();
            assert!(err.contains(why), "{q}: {err}");
        }
    }
}
