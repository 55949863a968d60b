//! The command map: `web/` at `/map/`, MapLibre's files at `/map/vendor/maplibre-gl/`
//! and uPlot's (the sensor charts) at `/map/vendor/uplot/`, each with its
//! `Cache-Control` ([`MAP_CACHE`], [`VENDOR_CACHE`]).

use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, guard, http::header, web};
use std::path::Path;

/// Registers the map's static routes (the vendor route first: it is the more specific).
pub fn configure(cfg: &mut web::ServiceConfig, web_dir: &Path) {
    let vendor = web_dir.join("node_modules/maplibre-gl/dist");
    if !vendor.is_dir() {
        tracing::warn!(path = %vendor.display(), "MapLibre is not installed: run `npm ci --prefix web` (scripts/run does it); the map will not load");
    }
    let uplot = web_dir.join("node_modules/uplot/dist");
    if !uplot.is_dir() {
        tracing::warn!(path = %uplot.display(), "uPlot is not installed: run `npm ci --prefix web`; sensor charts will not draw");
    }
    cfg.route(
        "/map",
        web::route()
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/map/"))
                    .finish()
            }),
    )
    .service(
        web::scope("/map/vendor/maplibre-gl")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, VENDOR_CACHE)))
            .service(actix_files::Files::new("", vendor)),
    )
    .service(
        web::scope("/map/vendor/uplot")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, VENDOR_CACHE)))
            .service(actix_files::Files::new("", uplot)),
    )
    .service(
        web::scope("/map")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, MAP_CACHE)))
            .service(
                actix_files::Files::new("", web_dir)
                    .index_file("index.html")
                    .path_filter(|path, _| !path.starts_with("node_modules") && !path.starts_with("package")),
            ),
    );
}

/// The map's own files change with every release and their names carry no
/// hash: a browser keeps them but asks again each time (`ETag` → 304).
pub const MAP_CACHE: &str = "no-cache";
/// MapLibre and uPlot change only with `web/package-lock.json`: kept a day without asking.
pub const VENDOR_CACHE: &str = "public, max-age=86400";
