//! The risk grid (docs/risk-method.md): a new red enterprise changes
//! exactly the cells it lies in, at every resolution, and shows in the very
//! next risk tile and in the county choropleth; bad parameters are 400s.

use crate::common::{get, post, send};
use actix_web::test;
use h3o::{LatLng, Resolution};
use serde_json::Value;
use std::collections::HashMap;

/// A protobuf field: varint, or length-delimited bytes.
fn fields(b: &[u8]) -> Vec<(u64, Result<u64, &[u8]>)> {
    fn varint(b: &[u8], i: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
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
            1 => {
                let bits = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
                out.push((key >> 3, Ok(bits)));
                i += 8;
            }
            5 => i += 4,
            other => panic!("wire type {other}"),
        }
    }
    out
}

/// The `risk_grid` layer of a tile: each feature's string and integer properties.
fn risk_features(tile: &[u8]) -> Vec<HashMap<String, String>> {
    layer_features(tile, "risk_grid")
}

/// The layer `wanted` of a tile: each feature's properties as text, and
/// its id (if it has one) as `$id`.
pub(crate) fn layer_features(tile: &[u8], wanted: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    for (_, layer) in fields(tile).into_iter().filter(|(n, _)| *n == 3) {
        let layer = layer.expect_err("layer");
        let parts = fields(layer);
        let name = parts.iter().find_map(|(n, v)| (*n == 1).then(|| v.expect_err("name")));
        if name != Some(wanted.as_bytes()) {
            continue;
        }
        let keys: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n == 3)
            .map(|(_, v)| String::from_utf8(v.expect_err("key").to_vec()).expect("utf-8"))
            .collect();
        let values: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n == 4)
            .map(|(_, v)| {
                let (n, x) = fields(v.expect_err("value"))[0];
                match (n, x) {
                    (1, Err(s)) => String::from_utf8(s.to_vec()).expect("utf-8"),
                    (7, Ok(b)) => (b != 0).to_string(),
                    (3, Ok(bits)) => f64::from_bits(bits).to_string(),
                    (4 | 5, Ok(i)) => i.to_string(),
                    _ => "?".into(),
                }
            })
            .collect();
        for (_, f) in parts.iter().filter(|(n, _)| *n == 2) {
            let id = fields(f.expect_err("feature"))
                .into_iter()
                .find_map(|(n, v)| (n == 1).then(|| v.expect("id")));
            let tags = fields(f.expect_err("feature"))
                .into_iter()
                .find(|(n, _)| *n == 2)
                .map(|(_, v)| {
                    let b = v.expect_err("tags");
                    let mut i = 0;
                    let mut t = Vec::new();
                    while i < b.len() {
                        let (mut v, mut shift) = (0u64, 0);
                        loop {
                            let byte = b[i];
                            i += 1;
                            v |= u64::from(byte & 0x7f) << shift;
                            if byte & 0x80 == 0 {
                                break;
                            }
                            shift += 7;
                        }
                        t.push(v as usize);
                    }
                    t
                })
                .unwrap_or_default();
            let mut props: HashMap<String, String> = tags
                .chunks(2)
                .map(|kv| (keys[kv[0]].clone(), values[kv[1]].clone()))
                .collect();
            if let Some(id) = id {
                props.insert("$id".into(), id.to_string());
            }
            out.push(props);
        }
    }
    out
}

fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

/// The cells of a `GET /risk/grid` answer by H3 index.
fn cells(status: u16, body: &Value) -> HashMap<String, Value> {
    assert_eq!(status, 200, "{body}");
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["properties"]["h3"].as_str().expect("h3").to_owned(),
                f["properties"].clone(),
            )
        })
        .collect()
}

macro_rules! grid {
    ($app:expr, $res:expr) => {{
        let (status, body) = send($app, get(&format!("/risk/grid?resolution={}", $res)).to_request()).await;
        cells(status, &body)
    }};
}

#[actix_web::test]
async fn a_new_red_enterprise_changes_exactly_its_cells_in_the_next_tile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, page) = send(
        &app,
        get("/collections/enterprises/items?limit=1&risk_level=blue").to_request(),
    )
    .await;
    let mut feature = page["features"][0].clone();
    let county = feature["properties"]["county_id"].as_u64().expect("county_id");
    let [lon, lat] = [
        feature["geometry"]["coordinates"][0].as_f64().expect("lon") + 0.0005,
        feature["geometry"]["coordinates"][1].as_f64().expect("lat") + 0.0005,
    ];
    feature.as_object_mut().expect("object").remove("id");
    feature["geometry"]["coordinates"] = serde_json::json!([lon, lat]);
    feature["properties"]["risk_level"] = "red".into();
    feature["properties"]["name"] = "风险网格测试化工厂".into();

    let mut grids_before = Vec::new();
    for r in [5, 6, 7] {
        grids_before.push(grid!(&app, r));
    }
    let (_, choropleth) = send(&app, get("/risk/choropleth?measure=red_enterprises").to_request()).await;
    let red_in_county = |c: &Value| {
        c["regions"]
            .as_array()
            .expect("regions")
            .iter()
            .find(|r| r["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(county))
            .map(|r| r["value"].as_f64().expect("value"))
            .expect("the county")
    };
    let red_before = red_in_county(&choropleth);
    let z = 11;
    let (x, y) = tile_of(lon, lat, z);
    let uri = format!("/tiles/risk_grid/{z}/{x}/{y}");
    let first = test::call_service(&app, get(&uri).to_request()).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers().get("etag").cloned().expect("etag");
    let cell7 = LatLng::new(lat, lon)
        .expect("point")
        .to_cell(Resolution::Seven)
        .to_string();
    let red_of = |tile: &[u8]| {
        risk_features(tile)
            .into_iter()
            .find(|f| f.get("h3") == Some(&cell7))
            .and_then(|f| f.get("red_enterprises").and_then(|v| v.parse::<u64>().ok()))
            .unwrap_or(0)
    };
    let tile_before = test::read_body(first).await;
    let red_tile_before = red_of(&tile_before);

    let (status, body) = send(&app, post("/collections/enterprises/items", feature).to_request()).await;
    assert_eq!(status, 201, "{body}");

    // The next tile is new (the cached one was dropped) and shows the enterprise.
    let next = test::call_service(&app, get(&uri).insert_header(("If-None-Match", etag)).to_request()).await;
    assert_eq!(next.status(), 200, "the cached tile was not dropped");
    let tile_after = test::read_body(next).await;
    assert_eq!(red_of(&tile_after), red_tile_before + 1);

    // Exactly one cell changed at each resolution: the one holding the point.
    for (i, r) in [5u8, 6, 7].into_iter().enumerate() {
        let after = grid!(&app, r);
        let res = match r {
            5 => Resolution::Five,
            6 => Resolution::Six,
            _ => Resolution::Seven,
        };
        // Items are placed at resolution 7; the coarser cells are its H3 parents.
        let want = LatLng::new(lat, lon)
            .expect("point")
            .to_cell(Resolution::Seven)
            .parent(res)
            .expect("parent")
            .to_string();
        let changed: Vec<&String> = after
            .iter()
            .filter(|(k, v)| grids_before[i].get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        assert_eq!(changed, vec![&want], "resolution {r}");
        assert_eq!(
            after[&want]["parts"]["enterprises"]["red"].as_u64(),
            grids_before[i]
                .get(&want)
                .map_or(Some(1), |b| b["parts"]["enterprises"]["red"].as_u64().map(|v| v + 1)),
        );
        assert_eq!(
            grids_before[i].len() + usize::from(!grids_before[i].contains_key(&want)),
            after.len()
        );
    }
    let (_, choropleth) = send(&app, get("/risk/choropleth?measure=red_enterprises").to_request()).await;
    assert_eq!(red_in_county(&choropleth), red_before + 1.0);
    let (status, one) = send(&app, get(&format!("/risk/grid/{cell7}")).to_request()).await;
    assert_eq!(status, 200);
    assert!(one["properties"]["score"].as_f64().expect("score") > 0.0);
}

#[actix_web::test]
async fn the_choropleth_classes_by_method_and_bad_parameters_are_400() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, score) = send(&app, get("/risk/choropleth").to_request()).await;
    assert_eq!(status, 200, "{score}");
    assert_eq!(score["breaks"], serde_json::json!([25.0, 50.0, 75.0]));
    let colours: Vec<&str> = score["legend"]
        .as_array()
        .expect("legend")
        .iter()
        .map(|l| l["colour"].as_str().expect("colour"))
        .collect();
    assert_eq!(
        colours,
        ["#1f6fd1", "#f2d13a", "#f08a24", "#d7191c"],
        "blue, yellow, orange, red"
    );
    let regions = score["regions"].as_array().expect("regions").len();
    assert!(regions > 100, "{regions} counties");
    let counted: u64 = score["legend"]
        .as_array()
        .expect("legend")
        .iter()
        .map(|l| l["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(counted as usize, regions);
    let (status, jenks) = send(
        &app,
        get("/risk/choropleth?level=city&measure=enterprises&per=10k_people&method=jenks&classes=5").to_request(),
    )
    .await;
    assert_eq!(status, 200, "{jenks}");
    assert_eq!(
        jenks["regions"].as_array().expect("regions").len(),
        11,
        "Shanxi's 11 cities"
    );
    assert_eq!(jenks["legend"].as_array().expect("legend").len(), 5);
    for uri in [
        "/risk/grid?resolution=9",
        "/risk/grid?bbox=1,2,3",
        "/risk/grid?colour=red",
        "/risk/grid/zzz",
        "/risk/choropleth?classes=12",
        "/risk/choropleth?method=fixed&measure=enterprises",
        "/risk/choropleth?breaks=5,3",
        "/risk/choropleth?measure=cats",
    ] {
        let (status, body) = send(&app, get(uri).to_request()).await;
        assert_eq!(status, 400, "{uri}: {body}");
    }
    let (status, method) = send(&app, get("/risk/method").to_request()).await;
    assert_eq!(status, 200);
    assert_eq!(
        method["method"]["hazard_level"],
        serde_json::json!([40.0, 25.0, 15.0, 8.0])
    );
}

#[actix_web::test]
async fn a_regrade_is_an_event_and_a_what_if_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, page) = send(&app, get("/collections/hazard_sources/items?limit=100").to_request()).await;
    let source = page["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| {
            f["properties"]["people_within_500m"].as_u64().is_some_and(|p| p < 100)
                && !f["properties"]["level"].is_null()
        })
        .expect("a graded source with fewer than 100 people around")
        .clone();
    let id = source["id"].as_u64().expect("id");

    // What-if: chlorine 40 t with 120 people around is R 64, level 2 (GB 18218).
    let (_, health) = send(&app, get("/health").to_request()).await;
    let (status, answer) = send(
        &app,
        post(
            &format!("/hazard_sources/{id}/what-if"),
            serde_json::json!({"substances": [{"substance": "chlorine", "quantity_t": 40}], "people_within_500m": 120}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["proposed"]["r"], 64.0);
    assert_eq!(answer["proposed"]["level"], 2);
    assert_eq!(answer["current"]["level"], source["properties"]["level"]);
    assert_eq!(answer["stored"], false);
    let (_, health_after) = send(&app, get("/health").to_request()).await;
    assert_eq!(health["last_event"], health_after["last_event"], "nothing was stored");
    for (body, want) in [
        (serde_json::json!({}), 400),
        (
            serde_json::json!({"substances": [{"substance": "chlorine", "quantity_t": -1}]}),
            400,
        ),
        (serde_json::json!({"people_within_500m": 10, "colour": "red"}), 400),
    ] {
        let (status, answer) = send(&app, post(&format!("/hazard_sources/{id}/what-if"), body).to_request()).await;
        assert_eq!(status, want, "{answer}");
    }
    let (status, _) = send(
        &app,
        post(
            "/hazard_sources/999999/what-if",
            serde_json::json!({"people_within_500m": 1}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 404);

    // Many more people around: the edit is stored with a hazard_regraded event.
    let patch = test::TestRequest::patch()
        .uri(&format!("/collections/hazard_sources/items/{id}"))
        .set_json(serde_json::json!({"properties": {"people_within_500m": 5000}}))
        .to_request();
    let (status, body) = send(&app, patch).await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let after = health_after["last_event"].as_u64().expect("last_event");
    let (_, events) = send(&app, get(&format!("/events?after={after}")).to_request()).await;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["event"]["type"].as_str().expect("type"))
        .collect();
    // (The event list holds the operations' record; the feature change is seq after + 1.)
    assert_eq!(kinds, ["hazard_regraded"]);
    assert_eq!(events["events"][0]["seq"], after + 2, "stored right after the edit");
    assert_eq!(
        events["events"][0]["collections"],
        serde_json::json!(["hazard_sources"])
    );
    let regraded = &events["events"][0]["event"];
    assert_eq!(regraded["hazard_source"], id);
    assert_eq!(regraded["reasons"], serde_json::json!(["people_within_500m"]));
    assert_eq!(regraded["from_r"], source["properties"]["r_value"]);
    assert!(regraded["to_r"].as_f64() > regraded["from_r"].as_f64());
}
