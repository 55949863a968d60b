//! The safety-distance check (docs/safety-distances.md):
//! `GET /safety/distances`, each major hazard source's protection distance as
//! a GeoJSON layer of circles; `GET /safety/violations`, the people and
//! sensitive sites inside them, most severe first. Both answer about the
//! caller's scope and carry the method's `limits`.

use crate::error::ApiError;
use crate::extract::Query;
use crate::limits::{DEFAULT_VIOLATIONS, MAX_VIOLATIONS};
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use lookout_layers::feature::GeoJsonGeometry;
use lookout_layers::impact::circle;
use lookout_layers::safety::{SafetyCheck, TargetClass, check};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/safety/distances").get(distances))
        .add(super::Endpoint::at("/safety/violations").get(violations));
}

/// The query of `GET /safety/violations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViolationsQuery {
    /// Only this class of protected object.
    class: Option<TargetClassParam>,
    /// Only around this hazard source.
    hazard_source_id: Option<u64>,
    /// Most rows.
    limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TargetClassParam {
    HighlySensitive,
    HighDensity,
    LowDensity,
}

impl From<TargetClassParam> for TargetClass {
    fn from(c: TargetClassParam) -> Self {
        match c {
            TargetClassParam::HighlySensitive => Self::HighlySensitive,
            TargetClassParam::HighDensity => Self::HighDensity,
            TargetClassParam::LowDensity => Self::LowDensity,
        }
    }
}

async fn run(state: web::Data<AppState>, scope: RequestScope) -> Result<SafetyCheck, ApiError> {
    let state = state.into_inner();
    web::block(move || check(state.store.catalog(), scope.0.as_deref()))
        .await
        .map_err(ApiError::internal)
}

/// `GET /safety/violations?class=&hazard_source_id=&limit=`.
async fn violations(
    query: Query<ViolationsQuery>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_VIOLATIONS);
    if !(1..=MAX_VIOLATIONS).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be from 1 to {MAX_VIOLATIONS}"
        )));
    }
    let result = run(state, scope).await?;
    let class = q.class.map(TargetClass::from);
    let matched: Vec<_> = result
        .violations
        .into_iter()
        .filter(|v| class.is_none_or(|c| v.class == c))
        .filter(|v| q.hazard_source_id.is_none_or(|id| v.hazard_source_id == id))
        .collect();
    let number_matched = matched.len();
    let rows: Vec<_> = matched.into_iter().take(limit).collect();
    Ok(HttpResponse::Ok().json(json!({
        "numberMatched": number_matched,
        "numberReturned": rows.len(),
        "hazard_sources": result.distances.len(),
        "violations": rows,
        "limits": result.limits,
    })))
}

/// `GET /safety/distances`: a GeoJSON FeatureCollection, one circle per
/// hazard source with a distance, with its violations counted by class.
async fn distances(
    query: Query<NoParams>,
    scope: RequestScope,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let _ = query.into_inner();
    let result = run(state, scope).await?;
    let features: Vec<_> = result
        .distances
        .iter()
        .filter(|d| d.distance_m > 0.0)
        .map(|d| {
            let inside: Vec<_> = result
                .violations
                .iter()
                .filter(|v| v.hazard_source_id == d.hazard_source_id)
                .collect();
            let count = |c: TargetClass| inside.iter().filter(|v| v.class == c).count();
            let worst = inside.iter().map(|v| v.class).min();
            let centre = geo::Coord {
                x: d.location[0],
                y: d.location[1],
            };
            let shape = geo::Geometry::Polygon(circle(centre, d.distance_m));
            let governing = d.substances.first();
            json!({
                "type": "Feature",
                "id": d.hazard_source_id,
                "geometry": GeoJsonGeometry(&shape),
                "properties": {
                    "hazard_source_id": d.hazard_source_id,
                    "name": d.name,
                    "enterprise_name": d.enterprise_name,
                    "county": d.county,
                    "level": d.level,
                    "distance_m": d.distance_m,
                    "substance": governing.map(|s| s.substance),
                    "method": governing.map(|s| s.method),
                    "basis": governing.map(|s| s.basis.as_str()),
                    "violations": inside.len(),
                    "highly_sensitive": count(TargetClass::HighlySensitive),
                    "high_density": count(TargetClass::HighDensity),
                    "low_density": count(TargetClass::LowDensity),
                    "worst_class": worst,
                },
            })
        })
        .collect();
    Ok(HttpResponse::Ok().content_type("application/geo+json").json(json!({
        "type": "FeatureCollection",
        "features": features,
        "limits": result.limits,
    })))
}

/// No query parameters (any given is refused).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}
