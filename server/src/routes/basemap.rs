//! `GET /basemap.geojson`: what the map's own basemap draws beside the
//! counties and roads tiles: the region's rivers (Shanxi: the Fen, 汾河) and
//! the city cores (the seat district of each prefecture-level city), with
//! their names; and, as a foreign member `region`, the region's names, map
//! title and default view, which the map takes its title and start view from.
//! It also carries what the map would otherwise derive from every county
//! polygon: the region's outline (`outline`), the city boundaries
//! (`city_line`) and one label point per county (`county`), a few hundred
//! kilobytes instead of the whole county layer (`lookout_layers::boundaries`).
//!
//! `GET /basemap/place?lon=&lat=`: the county and city a point lies in (the
//! incident form names a new incident after it), or nulls outside the region.

use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use geo::{Centroid, Intersects};
use serde_json::json;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/basemap.geojson").get(basemap))
        .add(super::Endpoint::at("/basemap/place").get(place));
}

/// Rounds a coordinate for the answer (about 1 m).
fn round(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

fn line_json(kind: &str, line: &geo::LineString<f64>) -> serde_json::Value {
    let coordinates: Vec<[f64; 2]> = line.0.iter().map(|c| [round(c.x), round(c.y)]).collect();
    json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coordinates}, "properties": {"kind": kind}})
}

/// `GET /basemap/place` query.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceQuery {
    lon: f64,
    lat: f64,
}

async fn place(state: web::Data<AppState>, query: Query<PlaceQuery>) -> Result<HttpResponse, ApiError> {
    let PlaceQuery { lon, lat } = query.into_inner();
    if !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(ApiError::bad_request(format!(
            "lon and lat are degrees (-180..180, -90..90), not ({lon}, {lat})"
        )));
    }
    let p = geo::Point::new(lon, lat);
    let counties = state.store.catalog().counties.read();
    let hit = counties
        .locate_in_rect(geo::Rect::new(p.0, p.0))
        .find(|f| f.geometry.intersects(&p));
    Ok(HttpResponse::Ok().json(match hit {
        Some(f) => json!({"county": {"id": f.id, "name": f.properties.county, "city": f.properties.city}}),
        None => json!({"county": null}),
    }))
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
    let boundaries = lookout_layers::boundaries::derive(counties.features());
    features.extend(boundaries.outline.iter().map(|l| line_json("outline", l)));
    features.extend(boundaries.city_lines.iter().map(|l| line_json("city_line", l)));
    features.extend(boundaries.labels.iter().map(|c| {
        json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(c.at[0]), round(c.at[1])]},
            "properties": {"kind": "county", "id": c.id, "county": c.county, "city": c.city, "population": c.population},
        })
    }));
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
