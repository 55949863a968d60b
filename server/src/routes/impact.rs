//! `POST /impact`: the impact zones of a hazard at a place (ERG isolation and
//! protective action, Gaussian plume tiers, thermal radiation, blast
//! overpressure), what lies inside each, and the domino check. The zones
//! come back as a GeoJSON FeatureCollection, so the map draws them as they are.
//!
//! `GET /impact/substances`: the substances known, with their ERG distances
//! and levels of concern.

use crate::error::ApiError;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use geo::Coord;
use lookout_layers::exposure::{Zone, exposure};
use lookout_layers::impact::assess::{Assessment, HazardInput, assess};
use lookout_layers::impact::{ImpactError, Substance};
use serde::Deserialize;
use serde_json::{Value, json};

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/impact").post(post))
        .add(super::Endpoint::at("/impact/substances").get(substances));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    /// [lon, lat] of the release, fire or explosion.
    location: [f64; 2],
    #[serde(flatten)]
    hazard: HazardInput,
}

impl From<ImpactError> for ApiError {
    fn from(e: ImpactError) -> Self {
        Self::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_hazard",
            e.to_string(),
        )
    }
}

/// The assessment as JSON: zones as GeoJSON features with their exposure.
pub fn to_json(a: &Assessment) -> Value {
    let features: Vec<Value> = a
        .zones
        .iter()
        .map(|z| {
            let mut zone = serde_json::to_value(&z.zone).unwrap_or(Value::Null);
            let geometry = zone
                .as_object_mut()
                .and_then(|o| o.remove("polygon"))
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {"zone": zone, "exposure": z.exposure},
            })
        })
        .collect();
    json!({
        "substance": a.substance,
        "zones": {"type": "FeatureCollection", "features": features},
        "limits": a.limits,
        "domino": a.domino,
    })
}

/// A scoped caller gets the whole zones, but what lies in them (exposure,
/// domino) only inside the scope: each zone's exposure is of its part in scope.
async fn post(
    state: web::Data<AppState>,
    scope: RequestScope,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let Body { location, hazard } = body.into_inner();
    let centre = Coord {
        x: location[0],
        y: location[1],
    };
    let state = state.into_inner();
    let result = web::block(move || {
        let catalog = state.store.catalog();
        let mut a = assess(catalog, centre, &hazard)?;
        if let Some(s) = scope.get() {
            for z in &mut a.zones {
                let part = geo::BooleanOps::intersection(&z.zone.polygon, s.area());
                z.exposure = exposure(catalog, &Zone::Polygon(part));
            }
            a.domino.retain(|d| s.admits_feature(catalog, d.layer, d.id));
        }
        Ok::<_, ImpactError>(a)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(to_json(&result)))
}

async fn substances() -> HttpResponse {
    let list: Vec<Value> = Substance::all()
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "cas": s.cas,
                "un_number": s.un_number,
                "toxic_by_inhalation": s.tih,
                "flammable": s.flammable,
                "tiers_ppm": s.tiers_ppm,
                "tier_basis": s.tier_basis,
                "source": s.source,
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "substances": list }))
}
