//! The HTTP contract of data scope (`docs/security.md`, "Data scope"), for a
//! user limited to one county: items, single features, tiles (decoded),
//! incidents and writes hold nothing outside the county, and the tile cache
//! never hands one scope's tile to another caller.
//!
//! The scope is put into the request's extensions as an `Arc<ScopeSpec>` by
//! a wrapper standing in for authentication: a request with
//! `X-Test-Scope: <county id>` is scoped to that county.

use crate::common::{get, send};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use geo::{Contains, Coord, Distance, Euclidean, Geometry, Intersects, MultiPolygon, Point};
use lookout_tiles::TileCoord;
use serde_json::{Value, json};

/// The county the scoped user is limited to: 小店区 of 太原市.
const COUNTY: u32 = 1;

fn scoped(req: test::TestRequest) -> test::TestRequest {
    req.insert_header(("X-Test-Scope", COUNTY.to_string()))
}

fn county_shape(state: &lookout_server::state::AppState) -> MultiPolygon<f64> {
    let counties = state.store.catalog().counties.read();
    match &counties.feature(u64::from(COUNTY)).expect("county").geometry {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        other => panic!("county geometry {other:?}"),
    }
}

/// Whether `c` lies in the county, allowing for a tile's rounding (`tol` degrees).
fn near_county(county: &MultiPolygon<f64>, c: Coord<f64>, tol: f64) -> bool {
    let p = Point(c);
    county.contains(&p) || county.0.iter().any(|poly| Euclidean.distance(&p, poly) <= tol)
}

/// Every feature of a collection the scoped user lists (all pages).
async fn all_items<S, R>(app: &S, collection: &str, request: impl Fn(&str) -> R) -> Vec<Value>
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let uri = format!("/collections/{collection}/items?limit=1000&offset={offset}");
        let (status, body) = send(app, request(&uri)).await;
        assert_eq!(status, 200, "{uri}: {body}");
        let page = body["features"].as_array().expect("features").clone();
        let matched = body["numberMatched"].as_u64().expect("numberMatched") as usize;
        offset += page.len();
        out.extend(page);
        if offset >= matched {
            assert_eq!(out.len(), matched);
            return out;
        }
    }
}

fn geometry(feature: &Value) -> Geometry<f64> {
    let g: lookout_layers::feature::ParsedGeometry =
        serde_json::from_value(feature["geometry"].clone()).expect("geojson");
    g.0
}

#[actix_web::test]
async fn a_county_user_lists_only_the_county() {
    let dir = tempfile::tempdir().expect("test fixture");
    let state = crate::common::state(dir.path());
    let county = county_shape(&state);
    let app = scoped_app!(state.clone());

    for collection in ["enterprises", "hazard_sources"] {
        let items = all_items(&app, collection, |u| scoped(get(u)).to_request()).await;
        assert!(!items.is_empty(), "{collection}: the county has some");
        for f in &items {
            assert_eq!(f["properties"]["county_id"], json!(COUNTY), "{collection} {}", f["id"]);
        }
        let c = state.store.catalog().read(collection).expect("test fixture");
        let unscoped = c.query(None, &lookout_layers::Filter::all(), 0, usize::MAX).matched;
        assert!(items.len() < unscoped, "{collection}: fewer than the whole region");
    }
    let roads = all_items(&app, "roads", |u| scoped(get(u)).to_request()).await;
    assert!(!roads.is_empty());
    for f in &roads {
        assert!(geometry(f).intersects(&county), "road {} misses the county", f["id"]);
    }
    let counties = all_items(&app, "counties", |u| scoped(get(u)).to_request()).await;
    assert_eq!(
        counties.len(),
        1,
        "a county user sees their own county, not the neighbours"
    );

    // A filter and a box narrow the scoped list further, never widen it.
    let (status, body) = send(
        &app,
        scoped(get("/collections/enterprises/items?bbox=110,34,115,41&risk_level=red")).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    for f in body["features"].as_array().expect("test fixture") {
        assert_eq!(f["properties"]["county_id"], json!(COUNTY));
        assert_eq!(f["properties"]["risk_level"], json!("red"));
    }
}

#[actix_web::test]
async fn a_feature_outside_the_scope_is_not_found_and_cannot_be_changed() {
    let dir = tempfile::tempdir().expect("test fixture");
    let state = crate::common::state(dir.path());
    let (inside, outside) = {
        let e = state.store.catalog().enterprises.read();
        let inside = e
            .features()
            .iter()
            .find(|f| f.properties.county_id == COUNTY)
            .expect("test fixture")
            .id;
        let outside = e
            .features()
            .iter()
            .find(|f| f.properties.county_id != COUNTY)
            .expect("test fixture")
            .id;
        (inside, outside)
    };
    let app = scoped_app!(state.clone());
    let (status, _) = send(
        &app,
        scoped(get(&format!("/collections/enterprises/items/{inside}"))).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &app,
        scoped(get(&format!("/collections/enterprises/items/{outside}"))).to_request(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = send(
        &app,
        get(&format!("/collections/enterprises/items/{outside}")).to_request(),
    )
    .await;
    assert_eq!(status, 200, "unscoped, it is there");

    let patch = |id: u64, body: Value| {
        scoped(test::TestRequest::patch())
            .uri(&format!("/collections/enterprises/items/{id}"))
            .insert_header(("X-Lookout-Actor", "county-planner"))
            .set_json(body)
    };
    let (status, body) = send(
        &app,
        patch(outside, json!({"properties": {"employees": 10}})).to_request(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    // Moving an enterprise of the county into another county is refused too.
    let (status, body) = send(
        &app,
        patch(inside, json!({"properties": {"county_id": 2}})).to_request(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let (status, _) = send(
        &app,
        scoped(test::TestRequest::delete())
            .uri(&format!("/collections/enterprises/items/{outside}"))
            .to_request(),
    )
    .await;
    assert_eq!(status, 403);
    // A road drawn far outside the county.
    let (status, body) = send(
        &app,
        scoped(crate::common::post(
            "/collections/roads/items",
            json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[113.3, 40.0], [113.4, 40.1]]},
                   "properties": {"name": "x", "class": "county", "lanes": 2, "speed_kmh": 60}}),
        ))
        .to_request(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
}

#[actix_web::test]
async fn incidents_outside_the_scope_cannot_be_opened_or_seen() {
    let dir = tempfile::tempdir().expect("test fixture");
    let state = crate::common::state(dir.path());
    let label = state
        .store
        .catalog()
        .counties
        .read()
        .feature(u64::from(COUNTY))
        .expect("test fixture")
        .properties
        .label_point;
    let app = scoped_app!(state);
    let leak = |at: [f64; 2]| {
        json!({"kind": "leak", "location": at, "substance": "chlorine",
               "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}})
    };
    // 大同, far north of the county.
    let (status, body) = send(
        &app,
        scoped(crate::common::post("/incidents", leak([113.3, 40.08]))).to_request(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let (status, body) = send(
        &app,
        crate::common::post("/incidents", leak([113.3, 40.08])).to_request(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let outside = body["id"].as_u64().expect("test fixture");
    let (status, body) = send(
        &app,
        scoped(crate::common::post("/incidents", leak(label))).to_request(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let inside = body["id"].as_u64().expect("test fixture");

    let (_, list) = send(&app, scoped(get("/incidents")).to_request()).await;
    let ids: Vec<u64> = list["incidents"]
        .as_array()
        .expect("test fixture")
        .iter()
        .map(|i| i["id"].as_u64().expect("test fixture"))
        .collect();
    assert_eq!(ids, [inside]);
    let (status, _) = send(&app, scoped(get(&format!("/incidents/{outside}"))).to_request()).await;
    assert_eq!(status, 404);
    let (status, body) = send(
        &app,
        scoped(crate::common::post(
            &format!("/incidents/{outside}/dispatch"),
            json!({"teams": [1]}),
        ))
        .to_request(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let (_, zones) = send(&app, scoped(get("/incidents/zones")).to_request()).await;
    assert!(
        zones["features"]
            .as_array()
            .expect("test fixture")
            .iter()
            .all(|z| z["properties"]["incident"] == json!(inside))
    );
    let (_, events) = send(&app, scoped(get("/events")).to_request()).await;
    let seen: Vec<&Value> = events["events"].as_array().expect("test fixture").iter().collect();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|e| e["event"]["incident"] != json!(outside)),
        "{events}"
    );
}

// ---- tiles ------------------------------------------------------------------

/// A decoded feature: its geometry type and parts (points, lines or rings), in tile units.
pub(crate) type Decoded = (u64, Vec<Vec<(i64, i64)>>);

/// A decoded MVT layer: its name and features.
#[derive(Debug)]
pub(crate) struct Layer {
    pub(crate) name: String,
    extent: u32,
    pub(crate) features: Vec<Decoded>,
    /// The features' ids, in order, for those that have one.
    pub(crate) ids: Vec<u64>,
}

fn varint(b: &[u8], i: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

/// Fields of one protobuf message: (field number, varint or bytes).
fn fields(b: &[u8]) -> Vec<(u64, Result<u64, &[u8]>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i);
        match key & 7 {
            0 => out.push((key >> 3, Ok(varint(b, &mut i)))),
            2 => {
                let len = varint(b, &mut i) as usize;
                out.push((key >> 3, Err(&b[i..i + len])));
                i += len;
            }
            5 => i += 4,
            1 => i += 8,
            w => panic!("wire type {w}"),
        }
    }
    out
}

fn packed(b: &[u8]) -> Vec<u32> {
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        out.push(varint(b, &mut i) as u32);
    }
    out
}

/// Decodes a tile: each layer with each feature's geometry type and parts.
pub(crate) fn decode(tile: &[u8]) -> Vec<Layer> {
    fields(tile)
        .into_iter()
        .filter(|(n, _)| *n == 3)
        .map(|(_, v)| {
            let mut layer = Layer {
                name: String::new(),
                extent: 4096,
                features: Vec::new(),
                ids: Vec::new(),
            };
            for (n, v) in fields(v.expect_err("layer")) {
                match (n, v) {
                    (1, Err(name)) => layer.name = String::from_utf8(name.to_vec()).expect("test fixture"),
                    (5, Ok(e)) => layer.extent = e as u32,
                    (2, Err(f)) => {
                        let mut kind = 0;
                        let mut parts = Vec::new();
                        for (n, v) in fields(f) {
                            match (n, v) {
                                (1, Ok(id)) => layer.ids.push(id),
                                (3, Ok(k)) => kind = k,
                                (4, Err(g)) => parts = commands(&packed(g)),
                                _ => {}
                            }
                        }
                        layer.features.push((kind, parts));
                    }
                    _ => {}
                }
            }
            layer
        })
        .collect()
}

fn commands(cmds: &[u32]) -> Vec<Vec<(i64, i64)>> {
    let zigzag = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
    let (mut x, mut y) = (0i64, 0i64);
    let mut parts: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut i = 0;
    while i < cmds.len() {
        let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
        i += 1;
        match id {
            1 | 2 => {
                for _ in 0..count {
                    x += zigzag(cmds[i]);
                    y += zigzag(cmds[i + 1]);
                    i += 2;
                    if id == 1 {
                        parts.push(Vec::new());
                    }
                    parts.last_mut().expect("MoveTo first").push((x, y));
                }
            }
            7 => {}
            other => panic!("command {other}"),
        }
    }
    parts
}

fn to_lonlat(t: TileCoord, extent: u32, (px, py): (i64, i64)) -> Coord<f64> {
    let n = f64::from(1u32 << t.z);
    let fx = (f64::from(t.x) + px as f64 / f64::from(extent)) / n;
    let fy = (f64::from(t.y) + py as f64 / f64::from(extent)) / n;
    Coord {
        x: fx * 360.0 - 180.0,
        y: (std::f64::consts::PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees(),
    }
}

async fn tile<S, R>(app: &S, req: R) -> (u16, Option<String>, Vec<u8>)
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let resp = test::call_service(app, req).await;
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, etag, test::read_body(resp).await.to_vec())
}

const LAYERS: &str =
    "counties,roads,gas_pipes,gas_valves,gas_stations,enterprises,hazard_sources,rescue_teams,shelters";

#[actix_web::test]
async fn a_county_users_tile_at_the_border_holds_nothing_outside_and_is_not_shared() {
    let dir = tempfile::tempdir().expect("test fixture");
    let state = crate::common::state(dir.path());
    let county = county_shape(&state);
    let app = scoped_app!(state);
    // The tile at the county's western edge, half in, half out.
    let bbox = geo::BoundingRect::bounding_rect(&county).expect("test fixture");
    let z = 12;
    let west = county
        .0
        .iter()
        .flat_map(|p| p.exterior().0.iter())
        .min_by(|a, b| a.x.total_cmp(&b.x))
        .copied()
        .expect("test fixture");
    let t = TileCoord::at(west.x, west.y, z).expect("test fixture");
    let uri = format!("/tiles/{LAYERS}/{z}/{}/{}", t.x, t.y);

    // Unscoped first, so a leaking cache would hand this very tile on.
    let (status, open_etag, open_body) = tile(&app, get(&uri).to_request()).await;
    assert_eq!(status, 200);
    let open = decode(&open_body);
    let (status, scoped_etag, body) = tile(&app, scoped(get(&uri)).to_request()).await;
    assert_eq!(status, 200);
    assert_ne!(
        open_etag, scoped_etag,
        "one scope's entity tag never validates another's"
    );
    let layers = decode(&body);
    let count = |ls: &[Layer]| ls.iter().map(|l| l.features.len()).sum::<usize>();
    assert!(count(&layers) > 0, "the county's part of the tile has features");
    assert!(
        count(&layers) < count(&open),
        "the scoped tile has less: {} vs {}",
        count(&layers),
        count(&open)
    );
    // A tile unit at z12 is ~10 m; allow two, and the simplification of lines.
    let tol = 360.0 / f64::from(1u32 << z) / 4096.0 * 8.0;
    for layer in &layers {
        for (kind, parts) in &layer.features {
            for part in parts {
                for p in part {
                    let c = to_lonlat(t, layer.extent, *p);
                    // Points must lie in the county; clipped lines and
                    // polygons may run along its border (and the tile's edge
                    // buffer), so their vertices are allowed the tolerance.
                    assert!(
                        near_county(&county, c, tol),
                        "{} feature of type {kind} has a vertex outside the county at {c:?}",
                        layer.name
                    );
                }
            }
        }
    }
    // Fetched again, the scoped tile comes from the cache, the same.
    let (_, again, again_body) = tile(&app, scoped(get(&uri)).to_request()).await;
    assert_eq!((again, again_body), (scoped_etag, body));
    // And the unscoped caller still gets the whole tile.
    let (_, etag, b) = tile(&app, get(&uri).to_request()).await;
    assert_eq!((etag, b), (open_etag, open_body));

    // A tile well outside the county (大同, in the north) is empty: 204.
    let far = TileCoord::at(113.3, 40.08, 10).expect("test fixture");
    let uri = format!("/tiles/{LAYERS}/10/{}/{}", far.x, far.y);
    let (status, _, _) = tile(&app, get(&uri).to_request()).await;
    assert_eq!(status, 200);
    let (status, _, body) = tile(&app, scoped(get(&uri)).to_request()).await;
    assert_eq!((status, body.len()), (204, 0));
    // Clustered zooms are scoped too (no pyramid of the whole region).
    let low = TileCoord::at(bbox.center().x, bbox.center().y, 6).expect("test fixture");
    let uri = format!("/tiles/enterprises/6/{}/{}", low.x, low.y);
    let (_, _, all) = tile(&app, get(&uri).to_request()).await;
    let (_, _, mine) = tile(&app, scoped(get(&uri)).to_request()).await;
    let clustered = |b: &[u8]| decode(b).iter().map(|l| l.features.len()).sum::<usize>();
    assert!(clustered(&mine) > 0 && clustered(&mine) <= clustered(&all));
}

#[actix_web::test]
async fn analyses_answer_with_what_is_in_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let label = state
        .store
        .catalog()
        .counties
        .read()
        .feature(u64::from(COUNTY))
        .expect("county")
        .properties
        .label_point;
    let (teams, enterprises) = {
        let catalog = state.store.catalog();
        let teams: Vec<(u64, u32)> = catalog
            .rescue_teams
            .read()
            .features()
            .iter()
            .map(|f| (f.id, f.properties.county_id))
            .collect();
        let enterprises: Vec<(u64, u32)> = catalog
            .enterprises
            .read()
            .features()
            .iter()
            .map(|f| (f.id, f.properties.county_id))
            .collect();
        (teams, enterprises)
    };
    let county_of = |list: &[(u64, u32)], id: u64| list.iter().find(|(i, _)| *i == id).map(|(_, c)| *c);
    let app = scoped_app!(state);
    let uri = format!(
        "/nearest?lon={}&lat={}&layer=rescue_teams&k=10&by=distance",
        label[0], label[1]
    );
    let (status, body) = send(&app, scoped(get(&uri)).to_request()).await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let id = r["id"].as_u64().expect("id");
        assert_eq!(county_of(&teams, id), Some(COUNTY), "team {id}");
    }
    // 30 km round the county: the neighbours' enterprises are inside the
    // circle, but a county user's exposure lists only the county's.
    let (status, body) = send(
        &app,
        scoped(crate::common::post(
            "/exposure",
            json!({"center": label, "radius_m": 30000}),
        ))
        .to_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed = body["layers"]["enterprises"]["items"].as_array().expect("items");
    assert!(!listed.is_empty());
    for e in listed {
        let id = e["id"].as_u64().expect("id");
        assert_eq!(county_of(&enterprises, id), Some(COUNTY), "enterprise {id}");
    }
    let (_, open) = send(
        &app,
        crate::common::post("/exposure", json!({"center": label, "radius_m": 30000})).to_request(),
    )
    .await;
    assert!(open["layers"]["enterprises"]["count"].as_u64() > body["layers"]["enterprises"]["count"].as_u64());

    // Coverage: the county's people and enterprises, reached from any team.
    let uri = "/coverage?kind=hazmat&minutes=10";
    let (status, county) = send(&app, scoped(get(uri)).to_request()).await;
    assert_eq!(status, 200, "{county}");
    let (_, province) = send(&app, get(uri).to_request()).await;
    let total = |b: &Value| b["population_total"].as_u64().expect("population_total");
    assert!(total(&county) > 0 && total(&county) < total(&province), "{county}");
    let gaps = county["enterprises"]["items"].as_array().expect("gaps");
    assert!(
        !gaps.is_empty(),
        "10 minutes leaves some of the county's enterprises out"
    );
    for e in gaps {
        let id = e["id"].as_u64().expect("id");
        assert_eq!(county_of(&enterprises, id), Some(COUNTY), "gap enterprise {id}");
    }
    assert!(county["enterprises"]["count"].as_u64() < province["enterprises"]["count"].as_u64());

    // Recommendation for an incident in the county: the county's teams only.
    let (status, opened) = send(
        &app,
        scoped(crate::common::post(
            "/incidents",
            json!({"kind": "fire", "location": label, "title": "county fire"}),
        ))
        .to_request(),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let uri = format!("/incidents/{}/recommendation?k=5", opened["id"]);
    let (status, rec) = send(&app, scoped(get(&uri)).to_request()).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["scoped"], true);
    let recommended = rec["teams"].as_array().expect("teams");
    assert!(!recommended.is_empty(), "{rec}");
    for t in recommended {
        let id = t["id"].as_u64().expect("id");
        assert_eq!(county_of(&teams, id), Some(COUNTY), "recommended team {id}");
    }
    let (_, everyone) = send(&app, get(&uri).to_request()).await;
    assert_eq!(everyone["scoped"], false);
}

/// A pipe of `network` whose whole line lies inside (or wholly outside) `county`.
fn gas_pipe(state: &lookout_server::state::AppState, county: &MultiPolygon<f64>, network: &str, inside: bool) -> u64 {
    let pipes = state.store.catalog().gas_pipes.read();
    pipes
        .features()
        .iter()
        .find(|f| {
            f.properties.network == network
                && (county.contains(&f.geometry) == inside)
                && (inside || !county.intersects(&f.geometry))
        })
        .map(|f| f.id)
        .unwrap_or_else(|| {
            panic!(
                "a {network} pipe {} the county",
                if inside { "inside" } else { "outside" }
            )
        })
}

#[actix_web::test]
async fn a_county_user_traces_gas_isolation_only_for_leaks_in_scope() {
    let dir = tempfile::tempdir().expect("test fixture");
    let state = crate::common::state(dir.path());
    let county = county_shape(&state);
    let app = scoped_app!(state.clone());
    let post = |body: Value| {
        scoped(test::TestRequest::post().uri("/gas/isolate"))
            .insert_header(("X-Lookout-Actor", "duty-officer"))
            .set_json(body)
            .to_request()
    };

    // In the county (小店区 of 太原市): the trace is answered, whole.
    let own = gas_pipe(&state, &county, "太原市", true);
    let (status, body) = send(&app, post(json!({ "pipe": own }))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["network"], "太原市");
    assert!(!body["valves_to_close"].as_array().expect("valves").is_empty());

    // Another city's network: refused with the reason, by pipe, by valve and by point.
    let far = gas_pipe(&state, &county, "大同市", false);
    let (status, body) = send(&app, post(json!({ "pipe": far }))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "out_of_scope");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("gas_pipes {far}")),
        "{body}"
    );
    let far_valve = state
        .store
        .catalog()
        .gas_valves
        .read()
        .features()
        .iter()
        .find(|v| v.properties.network == "大同市")
        .map(|v| v.id)
        .expect("a 大同市 valve");
    let (status, body) = send(&app, post(json!({ "valve": far_valve }))).await;
    assert_eq!(status, 403, "{body}");
    let at = match &state
        .store
        .catalog()
        .gas_pipes
        .read()
        .feature(far)
        .expect("pipe")
        .geometry
    {
        Geometry::LineString(l) => l.0[0],
        other => panic!("pipe geometry {other:?}"),
    };
    let (status, body) = send(&app, post(json!({ "point": [at.x, at.y] }))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "out_of_scope");

    // The same request unscoped is answered: the refusal is the scope's.
    let (status, body) = send(
        &app,
        crate::common::post("/gas/isolate", json!({ "pipe": far })).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
