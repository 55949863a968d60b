//! The planners' risk maps (docs/risk-method.md): `GET /risk/grid` (the H3
//! cells with their score and parts, as GeoJSON), `GET /risk/grid/{h3}`
//! (one cell), `GET /risk/choropleth` (counties or cities by the score or a
//! plain count, with classes and legend) and `GET /risk/method` (the
//! weights in force). The grid is the tiles' (`/tiles/risk_grid/…`), kept in
//! step with every change; a scoped user sees what lies in their counties.

use crate::error::ApiError;
use crate::extract::{ChoroplethQuery, Query, RiskGridQuery};
use crate::limits::{MAX_RISK_CELLS, RISK_CLASSES};
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use lookout_layers::risk::choropleth::{self, Measure, Method, Per, Request};
use lookout_layers::risk::resolution;
use serde_json::json;
use std::collections::HashSet;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/risk/grid").get(grid))
        .add(super::Endpoint::at("/risk/grid/{h3}").get(cell))
        .add(super::Endpoint::at("/risk/choropleth").get(choropleth_of))
        .add(super::Endpoint::at("/risk/method").get(method))
        .add(super::Endpoint::at("/hazard_sources/{id}/what-if").post(what_if));
}

/// What a what-if proposes: new quantities, new people within 500 m, or both.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatIfBody {
    substances: Option<Vec<lookout_layers::model::SubstanceOnSite>>,
    people_within_500m: Option<u32>,
}

/// `POST /hazard_sources/{id}/what-if`: the GB 18218 grade the proposal
/// would give, beside the current one; stores nothing.
async fn what_if(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<lookout_layers::FeatureId>,
    body: web::Json<WhatIfBody>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    if body.substances.is_none() && body.people_within_500m.is_none() {
        return Err(ApiError::bad_request(
            "propose substances (with quantity_t), people_within_500m, or both",
        ));
    }
    if body
        .substances
        .as_ref()
        .is_some_and(|s| s.len() > crate::limits::MAX_WHAT_IF_SUBSTANCES)
    {
        return Err(ApiError::bad_request(format!(
            "at most {} substances",
            crate::limits::MAX_WHAT_IF_SUBSTANCES
        )));
    }
    let catalog = state.store.catalog();
    if !scope.sees_feature(catalog, "hazard_sources", id) {
        return Err(crate::scope::out_of_scope(format!(
            "hazard source {id} is outside your scope"
        )));
    }
    let hazards = catalog.hazard_sources.read();
    let source = hazards
        .feature(id)
        .ok_or_else(|| ApiError::not_found(format!("no hazard source {id}")))?;
    let answer = lookout_layers::risk::regrade::what_if(&source.properties, body.substances, body.people_within_500m)
        .map_err(ApiError::bad_request)?;
    Ok(HttpResponse::Ok().json(json!({
        "hazard_source": id,
        "name": source.properties.name,
        "current": answer.current,
        "proposed": answer.proposed,
        "level_changes": answer.level_changes,
        "substances": answer.substances,
        "people_within_500m": answer.people_within_500m,
        "stored": false,
    })))
}

fn counties(scope: &RequestScope) -> Option<HashSet<u32>> {
    scope.get().map(|s| s.county_ids().iter().copied().collect())
}

fn parse_bbox(text: &str) -> Result<(f64, f64, f64, f64), ApiError> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request("bbox is west,south,east,north in degrees"))?;
    match v.as_slice() {
        [w, s, e, n] if v.iter().all(|x| x.is_finite()) && w <= e && s <= n && *s >= -90.0 && *n <= 90.0 => {
            Ok((*w, *s, *e, *n))
        }
        _ => Err(ApiError::bad_request(
            "bbox is west,south,east,north in degrees, west ≤ east and south ≤ north",
        )),
    }
}

/// `GET /risk/grid?resolution=6&bbox=…`: a FeatureCollection of cells.
async fn grid(
    state: web::Data<AppState>,
    scope: RequestScope,
    query: Query<RiskGridQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let n = q.resolution.unwrap_or(6);
    let res = resolution(n).ok_or_else(|| {
        ApiError::bad_request(format!(
            "resolution is 5 (province), 6 (city) or 7 (county view), not {n}"
        ))
    })?;
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    state.tiles.sync_risk(&state.store);
    let cells = state.tiles.risk.cells(res, bbox, 0.0, counties(&scope).as_ref());
    if cells.len() > MAX_RISK_CELLS {
        return Err(ApiError::bad_request(format!(
            "{} cells at resolution {n}: at most {MAX_RISK_CELLS} in one answer; ask for a smaller bbox or a coarser resolution",
            cells.len()
        )));
    }
    let features: Vec<_> = cells.iter().map(|c| c.to_geojson()).collect();
    Ok(HttpResponse::Ok().content_type("application/geo+json").json(json!({
        "type": "FeatureCollection",
        "resolution": n,
        "numberReturned": features.len(),
        "features": features,
    })))
}

/// `GET /risk/grid/{h3}`: one cell (404 when nothing lies in it).
async fn cell(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let index: h3o::CellIndex = path
        .parse()
        .map_err(|_| ApiError::bad_request(format!("{:?} is not an H3 cell index", path.as_str())))?;
    if resolution(u8::from(index.resolution())).is_none() {
        return Err(ApiError::bad_request("the grid has cells of resolutions 5, 6 and 7"));
    }
    state.tiles.sync_risk(&state.store);
    let found = match counties(&scope) {
        None => state.tiles.risk.cell(index),
        Some(c) => {
            let ll = h3o::LatLng::from(index);
            let near = (ll.lng(), ll.lat(), ll.lng(), ll.lat());
            state
                .tiles
                .risk
                .cells(index.resolution(), Some(near), 0.0, Some(&c))
                .into_iter()
                .find(|v| v.cell == index)
        }
    };
    let cell = found.ok_or_else(|| ApiError::not_found(format!("nothing lies in cell {index}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(cell.to_geojson()))
}

/// `GET /risk/choropleth`: regions, classes, legend.
async fn choropleth_of(
    state: web::Data<AppState>,
    scope: RequestScope,
    query: Query<ChoroplethQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let measure = q.measure.unwrap_or(Measure::Score);
    let classes = q.classes.unwrap_or(4);
    if !RISK_CLASSES.contains(&classes) {
        return Err(ApiError::bad_request(format!(
            "classes is {} to {}, not {classes}",
            RISK_CLASSES.start(),
            RISK_CLASSES.end()
        )));
    }
    let breaks = q
        .breaks
        .as_deref()
        .map(|b| {
            b.split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ApiError::bad_request("breaks are numbers, comma-separated"))
        })
        .transpose()?;
    if breaks.as_ref().is_some_and(|b| b.len() + 1 > *RISK_CLASSES.end()) {
        return Err(ApiError::bad_request(format!(
            "at most {} breaks",
            RISK_CLASSES.end() - 1
        )));
    }
    // Breaks given, or the score: fixed breaks; otherwise quantiles.
    let method = q.method.unwrap_or(if measure == Measure::Score || breaks.is_some() {
        Method::Fixed
    } else {
        Method::Quantiles
    });
    if breaks.is_some() && method != Method::Fixed {
        return Err(ApiError::bad_request("breaks go with method=fixed"));
    }
    let request = Request {
        level: q.level.unwrap_or(choropleth::Level::County),
        measure,
        per: q.per.unwrap_or(Per::Total),
        method,
        classes,
        breaks,
    };
    state.tiles.sync_risk(&state.store);
    let map = choropleth::choropleth(
        state.store.catalog(),
        &state.tiles.risk,
        &request,
        counties(&scope).as_ref(),
    )
    .map_err(ApiError::bad_request)?;
    Ok(HttpResponse::Ok().json(map.to_json()))
}

/// `GET /risk/method`: the weights, normalisation and class breaks in force.
async fn method(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "method": state.tiles.risk.method(),
        "classes": lookout_layers::risk::method::CLASSES,
        "resolutions": {"5": "province", "6": "city", "7": "county"},
        "document": "/docs/risk-method",
    }))
}
