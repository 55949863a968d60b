//! The region is configuration: the map's title and start view, the rivers
//! and city cores of the basemap and the landing page come from the
//! region's region.toml (here the built-in Shanxi); /health names it.

use crate::common::{get, send};

#[actix_web::test]
async fn the_basemap_names_the_region_its_view_rivers_and_city_cores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, body) = send(&app, get("/basemap.geojson").to_request()).await;
    assert_eq!(status, 200, "{body}");
    let region = &body["region"];
    assert_eq!(region["id"], "shanxi");
    assert_eq!(region["title_zh"], "山西应急指挥一张图");
    assert_eq!(region["title_en"], "Shanxi emergency command map");
    assert_eq!(region["bounds"], serde_json::json!([110.2, 34.6, 114.6, 40.8]));
    let features = body["features"].as_array().expect("features");
    let kind = |k: &str| features.iter().filter(|f| f["properties"]["kind"] == k).count();
    // The Fen, and the seat of each of the eleven cities, as region.toml lists them.
    assert_eq!(kind("river"), 1);
    assert_eq!(kind("city"), 11);
    assert!(
        features
            .iter()
            .any(|f| f["properties"]["name_en"] == "Lüliang" && f["properties"]["seat"] == "离石区")
    );

    let (_, health) = send(&app, get("/health").to_request()).await;
    assert_eq!(health["region"], "shanxi");
    assert!(health.get("epoch").is_none(), "{health}");
    let (_, landing) = send(&app, get("/").to_request()).await;
    assert!(
        landing["description"]
            .as_str()
            .is_some_and(|d| d.contains("Shanxi (山西省)")),
        "{landing}"
    );
}
