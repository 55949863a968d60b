//! The command map: its own files at `/map/`, MapLibre's at
//! `/map/vendor/maplibre-gl/` and uPlot's (the sensor charts) at
//! `/map/vendor/uplot/`, each with its `Cache-Control` ([`MAP_CACHE`],
//! [`VENDOR_CACHE`]) and an `ETag`. Served from the copy built into the
//! program ([`crate::assets`]), or with `--web-dir` from that folder, read
//! live (development).
//!
//! Built in, the page itself (`/map/`) is asked for again each time, and it
//! names every other file under a path that carries the version of all of
//! them (`<base href="/map/~{version}/">`, [`asset_version`]): the ES
//! modules' relative imports, the stylesheet and the vendor files resolve
//! under it, and are kept a year without asking ([`IMMUTABLE`]). A new
//! release has a new version, so a browser fetches what changed once and
//! never revalidates the rest; a page still open from before an upgrade asks
//! for an old version and gets today's files with [`MAP_CACHE`].

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
            "/map/~{version}/vendor/maplibre-gl/{path:.*}",
            get_or_head().to(|p: web::Path<(String, String)>, tag| {
                let (version, path) = p.into_inner();
                built_in::<MapLibre>(path, tag, versioned(&version))
            }),
        )
        .route(
            "/map/~{version}/vendor/uplot/{path:.*}",
            get_or_head().to(|p: web::Path<(String, String)>, tag| {
                let (version, path) = p.into_inner();
                built_in::<UPlot>(path, tag, versioned(&version))
            }),
        )
        .route(
            "/map/~{version}/{path:.*}",
            get_or_head().to(|p: web::Path<(String, String)>, tag| {
                let (version, path) = p.into_inner();
                built_in::<Map>(path, tag, versioned(&version))
            }),
        )
        .route("/map/", get_or_head().to(page))
        .route("/map/index.html", get_or_head().to(page));
        cfg.route(
            "/map/vendor/maplibre-gl/{path:.*}",
            get_or_head().to(|path: web::Path<String>, tag| built_in::<MapLibre>(path.into_inner(), tag, VENDOR_CACHE)),
        )
        .route(
            "/map/vendor/uplot/{path:.*}",
            get_or_head().to(|path: web::Path<String>, tag| built_in::<UPlot>(path.into_inner(), tag, VENDOR_CACHE)),
        )
        .route(
            "/map/{path:.*}",
            get_or_head().to(|path: web::Path<String>, tag| built_in::<Map>(path.into_inner(), tag, MAP_CACHE)),
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
    path: String,
    if_none_match: Option<web::Header<IfNoneMatch>>,
    cache: &'static str,
) -> Result<HttpResponse, ApiError> {
    let name = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    let file = E::get(&name).ok_or_else(|| ApiError::not_found(format!("the map has no file {name:?}")))?;
    let etag = EntityTag::new_strong(hex(&file.metadata.sha256_hash()[..16]));
    let current = is_current(if_none_match.as_deref(), &etag);
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_current(if_none_match: Option<&IfNoneMatch>, etag: &EntityTag) -> bool {
    match if_none_match {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(etag)),
        None => false,
    }
}

/// The version of the map's built-in files: the first 12 hex digits of the
/// SHA-256 over every file's name and SHA-256 (the map's own, MapLibre's and
/// uPlot's), so any change to any of them makes a new one.
pub fn asset_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        use sha2::{Digest, Sha256};
        fn add<E: Embed>(h: &mut Sha256, prefix: &str) {
            let mut names: Vec<_> = E::iter().collect();
            names.sort();
            for name in names {
                if let Some(file) = E::get(&name) {
                    h.update(prefix.as_bytes());
                    h.update(name.as_bytes());
                    h.update([0]);
                    h.update(file.metadata.sha256_hash());
                }
            }
        }
        let mut h = Sha256::new();
        add::<Map>(&mut h, "map/");
        add::<MapLibre>(&mut h, "maplibre-gl/");
        add::<UPlot>(&mut h, "uplot/");
        hex(&h.finalize()[..6])
    })
}

/// The cache of a file under `/map/~{version}/`: a year for today's version
/// (in a release build: a debug build reads the files live), else as the
/// unversioned files.
fn versioned(version: &str) -> &'static str {
    if version == asset_version() && !cfg!(debug_assertions) {
        IMMUTABLE
    } else {
        MAP_CACHE
    }
}

/// `/map/`: the page, with `<base href="/map/~{version}/">` so everything it
/// loads is named by version. Asked for again each time ([`MAP_CACHE`]); its
/// `ETag` changes with the version.
async fn page(if_none_match: Option<web::Header<IfNoneMatch>>) -> Result<HttpResponse, ApiError> {
    let file = Map::get("index.html").ok_or_else(|| ApiError::not_found("the map has no index.html"))?;
    let version = asset_version();
    let etag = EntityTag::new_strong(format!("{}-{version}", hex(&file.metadata.sha256_hash()[..8])));
    if is_current(if_none_match.as_deref(), &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header(header::ETag(etag))
            .insert_header((header::CACHE_CONTROL, MAP_CACHE))
            .finish());
    }
    let html = String::from_utf8_lossy(&file.data);
    let base = format!("<head>\n  <base href=\"/map/~{version}/\">");
    let html = html.replacen("<head>", &base, 1);
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, MAP_CACHE))
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// The map's own files change with every release: under their plain names a
/// browser keeps them but asks again each time (`ETag` → 304).
pub const MAP_CACHE: &str = "no-cache";
/// Files under today's `/map/~{version}/`: their content never changes under
/// that name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// MapLibre and uPlot change only with `web/package-lock.json`: kept a day without asking.
pub const VENDOR_CACHE: &str = "public, max-age=86400";
