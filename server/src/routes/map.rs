//! The command map: its own files at `/map/`, MapLibre's at
//! `/map/vendor/maplibre-gl/` and uPlot's (the sensor charts) at
//! `/map/vendor/uplot/`, each with its `Cache-Control` ([`MAP_CACHE`],
//! [`VENDOR_CACHE`]) and an `ETag`. Served from the copy built into the
//! program ([`crate::assets`]), or with `--web-dir` from that folder, read
//! live (development).

use crate::assets::{Map, MapLibre, UPlot};
use crate::error::ApiError;
use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, guard, web};
use rust_embed::Embed;
use std::path::Path;

/// Registers the map's static routes (the vendor route first: it is the more specific).
pub fn configure(cfg: &mut web::ServiceConfig, web_dir: Option<&Path>) {
    cfg.route(
        "/map",
        web::route()
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/map/"))
                    .finish()
            }),
    );
    let Some(web_dir) = web_dir else {
        let get_or_head = || web::route().guard(guard::Any(guard::Get()).or(guard::Head()));
        cfg.route(
            "/map/vendor/maplibre-gl/{path:.*}",
            get_or_head().to(|path, tag| built_in::<MapLibre>(path, tag, VENDOR_CACHE)),
        )
        .route(
            "/map/vendor/uplot/{path:.*}",
            get_or_head().to(|path, tag| built_in::<UPlot>(path, tag, VENDOR_CACHE)),
        )
        .route(
            "/map/{path:.*}",
            get_or_head().to(|path, tag| built_in::<Map>(path, tag, MAP_CACHE)),
        );
        return;
    };
    let vendor = web_dir.join("node_modules/maplibre-gl/dist");
    if !vendor.is_dir() {
        tracing::warn!(path = %vendor.display(), "MapLibre is not installed: run `npm ci --prefix web` (scripts/run does it); the map will not load");
    }
    let uplot = web_dir.join("node_modules/uplot/dist");
    if !uplot.is_dir() {
        tracing::warn!(path = %uplot.display(), "uPlot is not installed: run `npm ci --prefix web`; sensor charts will not draw");
    }
    cfg.service(
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

/// A file built into the program, with its `ETag` (from its SHA-256) and
/// `cache`; 304 when the browser's copy is current.
async fn built_in<E: Embed>(
    path: web::Path<String>,
    if_none_match: Option<web::Header<IfNoneMatch>>,
    cache: &'static str,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let name = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    let file = E::get(&name).ok_or_else(|| ApiError::not_found(format!("the map has no file {name:?}")))?;
    let hash = file.metadata.sha256_hash();
    let etag = EntityTag::new_strong(hash[..16].iter().map(|b| format!("{b:02x}")).collect());
    let current = match if_none_match.as_deref() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag)),
        None => false,
    };
    let mut resp = if current {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if current {
        return Ok(resp.finish());
    }
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let text = mime.type_() == "text" || matches!(mime.subtype().as_str(), "javascript" | "json");
    let content_type = if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    Ok(resp
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(file.data.into_owned()))
}

/// The map's own files change with every release and their names carry no
/// hash: a browser keeps them but asks again each time (`ETag` → 304).
pub const MAP_CACHE: &str = "no-cache";
/// MapLibre and uPlot change only with `web/package-lock.json`: kept a day without asking.
pub const VENDOR_CACHE: &str = "public, max-age=86400";
