//! `GET /basemap.geojson`: what the map's own basemap draws beside the
//! counties and roads tiles: the region's rivers (Shanxi: the Fen, 汾河) and
//! the city cores (the seat district of each prefecture-level city), with
//! their names; and, as a foreign member `region`, the region's names, map
//! title and default view, which the map takes its title and start view from.

use crate::state::AppState;
use actix_web::{HttpResponse, web};
use geo::Centroid;
use serde_json::json;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/basemap.geojson").get(basemap));
}

async fn basemap(state: web::Data<AppState>) -> HttpResponse {
    let region = &state.settings.region;
    let mut features: Vec<serde_json::Value> = region
        .geography
        .rivers
        .iter()
        .map(|r| {
            json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": r.line},
                "properties": {"kind": "river", "name_zh": r.name_zh, "name_en": r.name_en},
            })
        })
        .collect();
    let counties = state.store.catalog().counties.read();
    for city in &region.census.cities {
        let core = counties
            .features()
            .iter()
            .find(|f| f.properties.city == city.name && f.properties.county == city.seat)
            .and_then(|f| f.geometry.centroid());
        let Some(p) = core else { continue };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [(p.x() * 1e5).round() / 1e5, (p.y() * 1e5).round() / 1e5]},
            "properties": {"kind": "city", "name_zh": city.name, "name_en": city.name_en, "seat": city.seat},
        }));
    }
    let about = json!({
        "id": region.id,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "title_zh": region.title_zh,
        "title_en": region.title_en,
        "bounds": region.view.bounds,
        "attribution": region.attribution,
    });
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(json!({"type": "FeatureCollection", "features": features, "region": about}))
}
