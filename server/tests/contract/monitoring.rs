//! Monitoring: the sensors layer, readings and alarms.

use crate::common::{get, send};
use serde_json::Value;

/// The tile of zoom `z` holding `lon`, `lat` (Web Mercator).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

#[actix_web::test]
async fn sensors_are_a_layer_with_thresholds_from_the_standards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());

    let (status, body) = send(
        &app,
        get("/collections/sensors/items?kind=combustible_gas&limit=10000").to_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let features = body["features"].as_array().expect("features");
    assert!(!features.is_empty());
    for f in features {
        let p = &f["properties"];
        assert_eq!(p["unit"], "%LEL");
        assert_eq!(p["thresholds"]["high"], 25.0, "{p}");
        assert_eq!(p["thresholds"]["high_high"], 50.0, "{p}");
    }

    // A chlorine detector alarms at 1 mg/m³ (GBZ 2.1-2019 MAC) = 0.33 ppm.
    let (_, body) = send(
        &app,
        get("/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1").to_request(),
    )
    .await;
    let chlorine = &body["features"][0]["properties"];
    assert_eq!(chlorine["unit"], "ppm", "{body}");
    assert_eq!(chlorine["thresholds"]["high"], 0.33);
    assert_eq!(chlorine["thresholds"]["high_high"], 0.67);

    // Every hazard source has sensors; its sensors are in the tile over it.
    let (_, hs) = send(&app, get("/collections/hazard_sources/items/1").to_request()).await;
    let (_, mine) = send(
        &app,
        get("/collections/sensors/items?hazard_source_id=1&limit=1000").to_request(),
    )
    .await;
    assert!(mine["numberMatched"].as_u64().unwrap_or(0) >= 6, "{mine}");
    let lon = hs["geometry"]["coordinates"][0].as_f64().expect("lon");
    let lat = hs["geometry"]["coordinates"][1].as_f64().expect("lat");
    let (x, y) = tile_of(lon, lat, 14);
    let resp = actix_web::test::call_service(&app, get(&format!("/tiles/sensors/14/{x}/{y}")).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);

    let (status, body): (u16, Value) =
        send(&app, get("/collections/sensors/items?kind=thermometer").to_request()).await;
    assert_eq!(status, 400, "{body}");
}
