//! The map's static files say how long a browser may keep them: MapLibre a
//! day, the map's own files always checked again (`ETag` → 304).

use crate::common::{get, send};
use actix_web::test;

#[actix_web::test]
async fn static_files_carry_cache_control_and_revalidate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let resp = test::call_service(&app, get("/map/app.js").to_request()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );
    let etag = resp.headers().get("etag").expect("an ETag").clone();
    let again = test::call_service(
        &app,
        get("/map/app.js").insert_header(("If-None-Match", etag)).to_request(),
    )
    .await;
    assert_eq!(again.status(), 304, "not revalidated");

    let index = test::call_service(&app, get("/map/").to_request()).await;
    assert_eq!(index.status(), 200);
    assert_eq!(
        index.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );

    let vendor = test::call_service(&app, get("/map/vendor/maplibre-gl/maplibre-gl.js").to_request()).await;
    assert_eq!(vendor.status(), 200, "MapLibre is installed (npm ci in web/)");
    assert_eq!(
        vendor.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=86400")
    );
    // the API is not cached by these rules
    let (status, _) = send(&app, get("/situation").to_request()).await;
    assert_eq!(status, 200);
    let api = test::call_service(&app, get("/situation").to_request()).await;
    assert_eq!(
        api.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

/// Only the map's own files are served: not the npm manifest, the lock file
/// or the rest of `node_modules`.
#[actix_web::test]
async fn the_npm_files_beside_the_map_are_not_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for uri in [
        "/map/package.json",
        "/map/package-lock.json",
        "/map/node_modules/maplibre-gl/package.json",
        "/map/vendor/maplibre-gl/package.json",
        "/map/vendor/maplibre-gl/maplibre-gl-dev.js",
    ] {
        let resp = test::call_service(&app, get(uri).to_request()).await;
        assert_eq!(resp.status(), 404, "{uri}");
    }
    let index = test::call_service(&app, get("/map/").to_request()).await;
    assert_eq!(
        index.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/html; charset=utf-8")
    );
    let css = test::call_service(&app, get("/map/vendor/maplibre-gl/maplibre-gl.css").to_request()).await;
    assert_eq!(css.status(), 200);
    assert!(css.headers().get("etag").is_some());
}
