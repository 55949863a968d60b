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

/// The page names every other file under `/map/~{version}/` (a `<base>`),
/// where the same files are served: the modules, the stylesheet and the
/// vendor files. (A release build keeps them a year: tests/e2e/test_standalone.py.)
#[actix_web::test]
async fn the_page_names_its_files_by_version_and_they_are_served_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let version = lookout_server::routes::map::asset_version();
    assert_eq!(version.len(), 12);
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()), "{version}");
    let page = test::call_service(&app, get("/map/").to_request()).await;
    let etag = page.headers().get("etag").expect("an ETag").clone();
    assert!(
        etag.to_str().expect("ascii").contains(version),
        "the page's ETag follows the version"
    );
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    let base = format!("<base href=\"/map/~{version}/\">");
    assert!(html.contains(&base), "{}", &html[..400.min(html.len())]);
    assert!(
        html.find(&base) < html.find("<script"),
        "the base comes before anything it names"
    );
    let plain = test::read_body(test::call_service(&app, get("/map/app.js").to_request()).await).await;
    for (uri, want) in [
        (format!("/map/~{version}/app.js"), Some(plain.clone())),
        (format!("/map/~{version}/style.css"), None),
        (format!("/map/~{version}/vendor/maplibre-gl/maplibre-gl.js"), None),
        (format!("/map/~{version}/vendor/uplot/uPlot.esm.js"), None),
        // a page from before an upgrade still gets today's files
        ("/map/~000000000000/app.js".to_owned(), Some(plain.clone())),
    ] {
        let resp = test::call_service(&app, get(&uri).to_request()).await;
        assert_eq!(resp.status(), 200, "{uri}");
        let body = test::read_body(resp).await;
        if let Some(want) = want {
            assert_eq!(body, want, "{uri}");
        }
    }
    let old = test::call_service(&app, get("/map/~000000000000/app.js").to_request()).await;
    assert_eq!(
        old.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-cache"),
        "an old version is not kept"
    );
    let again = test::call_service(&app, get("/map/").insert_header(("If-None-Match", etag)).to_request()).await;
    assert_eq!(again.status(), 304);
    let missing = test::call_service(&app, get(&format!("/map/~{version}/nothing.js")).to_request()).await;
    assert_eq!(missing.status(), 404);
}
