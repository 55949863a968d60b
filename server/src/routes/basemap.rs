//! `GET /basemap.geojson`: what the map's own basemap draws beside the
//! counties and roads tiles: the Fen River (汾河) and the city cores (the
//! seat district of each prefecture-level city), with their names.

use crate::state::AppState;
use actix_web::{HttpResponse, web};
use geo::Centroid;
use lookout_layers::generate::{CITY_SEATS, FEN_RIVER};
use serde_json::json;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/basemap.geojson").get(basemap));
}

/// English names of Shanxi's prefecture-level cities.
const CITY_EN: &[(&str, &str)] = &[
    ("太原市", "Taiyuan"),
    ("大同市", "Datong"),
    ("阳泉市", "Yangquan"),
    ("长治市", "Changzhi"),
    ("晋城市", "Jincheng"),
    ("朔州市", "Shuozhou"),
    ("晋中市", "Jinzhong"),
    ("运城市", "Yuncheng"),
    ("忻州市", "Xinzhou"),
    ("临汾市", "Linfen"),
    ("吕梁市", "Lüliang"),
];

async fn basemap(state: web::Data<AppState>) -> HttpResponse {
    let river: Vec<[f64; 2]> = FEN_RIVER.iter().map(|&(x, y)| [x, y]).collect();
    let mut features = vec![json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": river},
        "properties": {"kind": "river", "name_zh": "汾河", "name_en": "Fen River"},
    })];
    let counties = state.store.catalog().counties.read();
    for (city, seat) in CITY_SEATS {
        let core = counties
            .features()
            .iter()
            .find(|f| f.properties.city == *city && f.properties.county == *seat)
            .and_then(|f| f.geometry.centroid());
        let Some(p) = core else { continue };
        let name_en = CITY_EN.iter().find(|(zh, _)| zh == city).map_or("", |(_, en)| en);
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [(p.x() * 1e5).round() / 1e5, (p.y() * 1e5).round() / 1e5]},
            "properties": {"kind": "city", "name_zh": city, "name_en": name_en, "seat": seat},
        }));
    }
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(json!({"type": "FeatureCollection", "features": features}))
}
