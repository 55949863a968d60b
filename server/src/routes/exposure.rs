//! `POST /exposure`: what lies inside a circle round an incident, or inside any polygon.

use crate::error::ApiError;
use crate::limits::EXPOSURE_INLINE_KM2;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use geo::{Coord, CoordsIter, GeodesicArea, Geometry, MultiPolygon, Validation};
use lookout_layers::exposure::{Zone, exposure};
use lookout_layers::feature::ParsedGeometry;
use serde::Deserialize;

/// Largest radius, metres.
pub const MAX_RADIUS_M: f64 = 50_000.0;
/// Largest polygon, km² (a large county is 5,000).
pub const MAX_AREA_KM2: f64 = 20_000.0;
/// Most vertices in a polygon.
pub const MAX_VERTICES: usize = 10_000;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/exposure").post(post));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    center: Option<[f64; 2]>,
    radius_m: Option<f64>,
    geometry: Option<serde_json::Value>,
}

fn zone(body: Body) -> Result<Zone, ApiError> {
    match body {
        Body {
            center: Some([x, y]),
            radius_m: Some(r),
            geometry: None,
        } => {
            let on_earth = (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
            if !on_earth {
                return Err(ApiError::bad_request("center is [lon, lat] in degrees"));
            }
            if !(r.is_finite() && r > 0.0 && r <= MAX_RADIUS_M) {
                return Err(ApiError::bad_request(format!(
                    "radius_m must be more than 0 and at most {MAX_RADIUS_M}"
                )));
            }
            Ok(Zone::Circle {
                centre: Coord { x, y },
                radius_m: r,
            })
        }
        Body {
            center: None,
            radius_m: None,
            geometry: Some(g),
        } => {
            let parsed: ParsedGeometry =
                serde_json::from_value(g).map_err(|e| ApiError::bad_request(format!("geometry: {e}")))?;
            let shape = match parsed.0 {
                Geometry::Polygon(p) => MultiPolygon(vec![p]),
                Geometry::MultiPolygon(mp) => mp,
                _ => return Err(ApiError::bad_request("geometry must be a Polygon or MultiPolygon")),
            };
            if shape.coords_count() > MAX_VERTICES {
                return Err(ApiError::bad_request(format!(
                    "geometry has more than {MAX_VERTICES} vertices"
                )));
            }
            if shape
                .coords_iter()
                .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
            {
                return Err(ApiError::bad_request("coordinates are [lon, lat] in degrees"));
            }
            if let Err(problems) = shape.check_validation() {
                return Err(ApiError::bad_request(format!(
                    "geometry is not a valid polygon: {problems}"
                )));
            }
            let km2 = shape.geodesic_area_unsigned() / 1e6;
            if km2 > MAX_AREA_KM2 {
                return Err(ApiError::bad_request(format!(
                    "the polygon covers {km2:.0} km²; at most {MAX_AREA_KM2} km² (wind rings clockwise-outer by mistake?)"
                )));
            }
            Ok(Zone::Polygon(shape))
        }
        _ => Err(ApiError::bad_request(
            "give either center and radius_m, or a GeoJSON geometry",
        )),
    }
}

/// `POST /exposure` with `{"center": [lon, lat], "radius_m": 5000}` or `{"geometry": {GeoJSON Polygon}}`.
/// For a scoped caller, what lies in the part of the zone inside the scope
/// (the zone is cut at the scope's border; `area_km2` is of that part).
///
/// A small zone (its box at most [`EXPOSURE_INLINE_KM2`]) of an unscoped
/// caller is answered on the request's own thread: microseconds of work,
/// less than the hop to the blocking pool. A larger zone, or the cut at a
/// scope's border, goes to the pool.
async fn post(
    state: web::Data<AppState>,
    scope: RequestScope,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let zone = zone(body.into_inner())?;
    let body = if scope.get().is_none() && is_small(&zone) {
        answer(&state, &zone)?
    } else {
        let state = state.into_inner();
        web::block(move || {
            let zone = match scope.get() {
                Some(s) => Zone::Polygon(geo::BooleanOps::intersection(&zone.polygons(), s.area())),
                None => zone,
            };
            answer(&state, &zone)
        })
        .await
        .map_err(ApiError::internal)??
    };
    Ok(HttpResponse::Ok().content_type(ContentType::json()).body(body))
}

/// Whether the zone's box covers at most [`EXPOSURE_INLINE_KM2`].
fn is_small(zone: &Zone) -> bool {
    zone.bbox().is_some_and(|b| {
        let km_per_deg = lookout_layers::geodesy::EARTH_RADIUS_M.to_radians() / 1000.0;
        let (w, h) = (b.width() * b.center().y.to_radians().cos(), b.height());
        w * h * km_per_deg * km_per_deg <= EXPOSURE_INLINE_KM2
    })
}

/// What lies inside `zone`, as JSON.
fn answer(state: &AppState, zone: &Zone) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&exposure(state.store.catalog(), zone)).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: serde_json::Value) -> Body {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn bad_zones_are_refused_with_a_reason() {
        let bow_tie =
            json!({"type": "Polygon", "coordinates": [[[112, 37], [113, 38], [113, 37], [112, 38], [112, 37]]]});
        let huge = json!({"type": "Polygon", "coordinates": [[[100, 30], [120, 30], [120, 45], [100, 45], [100, 30]]]});
        for (b, why) in [
            (json!({"center": [112.5, 37.8], "radius_m": -1}), "radius_m"),
            (json!({"center": [112.5, 37.8], "radius_m": 1e9}), "radius_m"),
            (json!({"center": [512.5, 37.8], "radius_m": 100}), "center"),
            (json!({"center": [112.5, 37.8]}), "either"),
            (json!({"geometry": bow_tie}), "not a valid polygon"),
            (json!({"geometry": huge}), "km²"),
            (json!({"geometry": {"type": "Point", "coordinates": [1, 2]}}), "Polygon"),
        ] {
            let err = zone(body(b.clone())).unwrap_err().to_string();
            assert!(err.contains(why), "{b}: {err}");
        }
        assert!(zone(body(json!({"center": [112.5, 37.8], "radius_m": 5000}))).is_ok());
    }
}
