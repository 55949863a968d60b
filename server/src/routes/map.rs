//! The command map: `web/` at `/map/`, MapLibre's files at `/map/vendor/maplibre-gl/`.

use actix_web::{HttpResponse, guard, http::header, web};
use std::path::Path;

/// Registers the map's static routes (the vendor route first: it is the more specific).
pub fn configure(cfg: &mut web::ServiceConfig, web_dir: &Path) {
    let vendor = web_dir.join("node_modules/maplibre-gl/dist");
    if !vendor.is_dir() {
        tracing::warn!(path = %vendor.display(), "MapLibre is not installed: run `npm ci --prefix web` (scripts/run does it); the map will not load");
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
    .service(actix_files::Files::new("/map/vendor/maplibre-gl", vendor))
    .service(
        actix_files::Files::new("/map", web_dir)
            .index_file("index.html")
            .path_filter(|path, _| !path.starts_with("node_modules") && !path.starts_with("package")),
    );
}
