//! Sensor alarms on the map's side: the status strip's alarm figures, a
//! hazard source's alarm kept through a whole-feature PUT, drill readings
//! and drill alarms, uPlot served for the sensor charts.

use crate::common::{get, post, send};
use serde_json::{Value, json};

/// The first chlorine detector at a hazard source: (sensor id, hazard source id, high-high threshold).
const CHLORINE: &str = "/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1";

fn detector(body: &Value) -> (u64, u64, f64) {
    let sensor = &body["features"][0];
    (
        sensor["id"].as_u64().expect("sensor"),
        sensor["properties"]["hazard_source_id"]
            .as_u64()
            .expect("hazard source"),
        sensor["properties"]["thresholds"]["high_high"]
            .as_f64()
            .expect("threshold"),
    )
}

/// Two readings of `value` 20 s and 10 s ago (the debounce wants two).
fn two_readings(sensor: u64, value: f64, drill: bool) -> Value {
    let now = chrono::Utc::now();
    Value::Array(
        [20, 10]
            .iter()
            .map(|s| {
                let mut r = json!({"sensor": sensor, "value": value,
                    "at": (now - chrono::TimeDelta::seconds(*s)).to_rfc3339()});
                if drill {
                    r["drill"] = json!(true);
                }
                r
            })
            .collect(),
    )
}

#[actix_web::test]
async fn the_situation_counts_active_alarms_by_colour_and_a_put_of_a_hazard_source_in_alarm_keeps_its_alarm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, quiet) = send(&app, get("/situation").to_request()).await;
    assert_eq!(quiet["alarms"]["active"], 0, "{quiet}");
    assert_eq!(quiet["alarms"]["by_colour"]["red"], 0, "{quiet}");

    let (sensor, hazard, high_high) = detector(&send(&app, get(CHLORINE).to_request()).await.1);
    let (status, report) = send(
        &app,
        post("/readings", two_readings(sensor, high_high * 2.0, false)).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let (_, list) = send(&app, get("/alarms").to_request()).await;
    let colour = list["alarms"][0]["colour"].as_str().expect("an alarm").to_owned();

    let (_, situation) = send(&app, get("/situation").to_request()).await;
    let alarms = &situation["alarms"];
    assert_eq!(alarms["active"], 1, "{situation}");
    assert_eq!(alarms["unacknowledged"], 1, "{situation}");
    assert_eq!(alarms["by_colour"][colour.as_str()], 1, "{situation}");
    assert_eq!(alarms["drill"], 0, "{situation}");

    // A whole-feature PUT that leaves `alarm` out (a client that does not
    // know it) keeps the alarm the sensors set.
    let uri = format!("/collections/hazard_sources/items/{hazard}");
    let (_, mut feature) = send(&app, get(&uri).to_request()).await;
    assert_eq!(feature["properties"]["alarm"], colour.as_str(), "{feature}");
    let props = feature["properties"].as_object_mut().expect("properties");
    props.remove("alarm");
    props.insert("name".into(), json!("改名后的危险源"));
    let put = actix_web::test::TestRequest::put()
        .uri(&uri)
        .insert_header(("X-Lookout-Actor", "planner"))
        .set_json(&feature)
        .to_request();
    let (status, body) = send(&app, put).await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (_, after) = send(&app, get(&uri).to_request()).await;
    assert_eq!(after["properties"]["name"], "改名后的危险源", "{after}");
    assert_eq!(
        after["properties"]["alarm"],
        colour.as_str(),
        "the PUT cleared the alarm: {after}"
    );
    // ...and one that types another colour in is still refused.
    feature["properties"]["alarm"] = json!("blue");
    let put = actix_web::test::TestRequest::put()
        .uri(&uri)
        .insert_header(("X-Lookout-Actor", "planner"))
        .set_json(&feature)
        .to_request();
    let (status, body) = send(&app, put).await;
    assert_eq!(status, 409, "{body}");

    // Acknowledged: no longer counted as waiting.
    let id = list["alarms"][0]["id"].as_u64().expect("alarm id");
    let (status, _) = send(&app, post(&format!("/alarms/{id}/acknowledge"), json!({})).to_request()).await;
    assert_eq!(status, 200);
    let (_, situation) = send(&app, get("/situation").to_request()).await;
    assert_eq!(situation["alarms"]["active"], 1, "{situation}");
    assert_eq!(situation["alarms"]["unacknowledged"], 0, "{situation}");
}

#[actix_web::test]
async fn the_map_gets_uplot_from_node_modules_for_the_sensor_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let resp = actix_web::test::call_service(&app, get("/map/vendor/uplot/uPlot.esm.js").to_request()).await;
    assert_eq!(resp.status(), 200, "uPlot is installed (npm ci in web/)");
    assert_eq!(
        resp.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=86400")
    );
    let resp = actix_web::test::call_service(&app, get("/map/vendor/uplot/uPlot.min.css").to_request()).await;
    assert_eq!(resp.status(), 200);
    let resp = actix_web::test::call_service(&app, get("/map/alarms.js").to_request()).await;
    assert_eq!(resp.status(), 200);
}

#[actix_web::test]
async fn drill_readings_raise_a_drill_alarm_listed_and_counted_apart_that_never_colours_the_hazard_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (sensor, hazard, high_high) = detector(&send(&app, get(CHLORINE).to_request()).await.1);
    let (status, report) = send(
        &app,
        post("/readings", two_readings(sensor, high_high * 2.0, true)).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 2, "{report}");

    let (_, list) = send(&app, get("/alarms").to_request()).await;
    let alarm = &list["alarms"][0];
    assert_eq!(alarm["sensor"], sensor, "{list}");
    assert_eq!(alarm["drill"], true, "{list}");
    let (_, situation) = send(&app, get("/situation").to_request()).await;
    assert_eq!(situation["alarms"]["drill"], 1, "{situation}");
    assert_eq!(situation["alarms"]["active"], 0, "{situation}");
    let (_, hs) = send(
        &app,
        get(&format!("/collections/hazard_sources/items/{hazard}")).to_request(),
    )
    .await;
    assert!(hs["properties"].get("alarm").is_none_or(Value::is_null), "{hs}");

    // The sensor's real series holds none of them; the drill series both.
    let (_, real) = send(&app, get(&format!("/sensors/{sensor}/readings")).to_request()).await;
    assert_eq!(real["buckets"].as_array().map(Vec::len), Some(0), "{real}");
    assert!(real["latest"].is_null(), "a drill reading is not the latest: {real}");
    let (_, drill) = send(
        &app,
        get(&format!("/sensors/{sensor}/readings?drill=true")).to_request(),
    )
    .await;
    assert_eq!(drill["buckets"].as_array().map(Vec::len), Some(2), "{drill}");

    // "drill" must be a boolean.
    let bad = json!([{"sensor": sensor, "value": 0.1, "drill": "yes"}]);
    let (_, report) = send(&app, post("/readings", bad).to_request()).await;
    assert_eq!(report["rejected"], 1, "{report}");
}
