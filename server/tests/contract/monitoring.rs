//! Monitoring: the sensors layer, readings and alarms.

use crate::common::{get, send};
use serde_json::Value;

/// The tile of zoom `z` holding `lon`, `lat` (Web Mercator).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

#[actix_web::test]
async fn sensors_are_a_layer_with_thresholds_from_the_standards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());

    let (status, body) = send(
        &app,
        get("/collections/sensors/items?kind=combustible_gas&limit=10000").to_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let features = body["features"].as_array().expect("features");
    assert!(!features.is_empty());
    for f in features {
        let p = &f["properties"];
        assert_eq!(p["unit"], "%LEL");
        assert_eq!(p["thresholds"]["high"], 25.0, "{p}");
        assert_eq!(p["thresholds"]["high_high"], 50.0, "{p}");
    }

    // A chlorine detector alarms at 1 mg/m³ (GBZ 2.1-2019 MAC) = 0.33 ppm.
    let (_, body) = send(
        &app,
        get("/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1").to_request(),
    )
    .await;
    let chlorine = &body["features"][0]["properties"];
    assert_eq!(chlorine["unit"], "ppm", "{body}");
    assert_eq!(chlorine["thresholds"]["high"], 0.33);
    assert_eq!(chlorine["thresholds"]["high_high"], 0.67);

    // Every hazard source has sensors; its sensors are in the tile over it.
    let (_, hs) = send(&app, get("/collections/hazard_sources/items/1").to_request()).await;
    let (_, mine) = send(
        &app,
        get("/collections/sensors/items?hazard_source_id=1&limit=1000").to_request(),
    )
    .await;
    assert!(mine["numberMatched"].as_u64().unwrap_or(0) >= 6, "{mine}");
    let lon = hs["geometry"]["coordinates"][0].as_f64().expect("lon");
    let lat = hs["geometry"]["coordinates"][1].as_f64().expect("lat");
    let (x, y) = tile_of(lon, lat, 14);
    let resp = actix_web::test::call_service(&app, get(&format!("/tiles/sensors/14/{x}/{y}")).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);

    let (status, body): (u16, Value) =
        send(&app, get("/collections/sensors/items?kind=thermometer").to_request()).await;
    assert_eq!(status, 400, "{body}");
}

/// The id of the first sensor of `kind`.
macro_rules! sensor_of {
    ($app:expr, $kind:expr) => {{
        let (_, body) = send(
            $app,
            get(&format!("/collections/sensors/items?kind={}&limit=1", $kind)).to_request(),
        )
        .await;
        body["features"][0]["id"].as_u64().expect("a sensor")
    }};
}

#[actix_web::test]
async fn a_batch_stores_the_good_readings_and_counts_each_bad_one_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let gas = sensor_of!(&app, "combustible_gas");
    let camera = sensor_of!(&app, "camera");
    let now = chrono::Utc::now();
    let at = |minutes: i64| (now - chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    let lines = [
        format!(r#"{{"sensor": {gas}, "at": "{}", "value": 3.5}}"#, at(3)),
        format!(r#"{{"sensor": {gas}, "at": "{}", "value": 4.5}}"#, at(2)),
        "{not json".to_owned(),
        r#"{"sensor": 999999999, "value": 1}"#.to_owned(),
        format!(r#"{{"sensor": {camera}, "value": 1}}"#),
        format!(r#"{{"sensor": {gas}, "value": "NaN"}}"#),
        format!(r#"{{"sensor": {gas}, "value": 180}}"#),
        format!(r#"{{"sensor": {gas}, "at": "2099-01-01T00:00:00Z", "value": 1}}"#),
        format!(r#"{{"sensor": {gas}, "at": "{}", "value": 5.5}}"#, at(1)),
    ];
    let req = actix_web::test::TestRequest::post()
        .uri("/readings")
        .insert_header(("content-type", "application/x-ndjson"))
        .set_payload(lines.join("\n"))
        .to_request();
    let (status, report) = send(&app, req).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 3, "{report}");
    assert_eq!(report["rejected"], 6, "{report}");
    let reasons: Vec<&str> = report["rejections"]
        .as_array()
        .expect("rejections")
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        reasons,
        [
            "malformed",
            "unknown_sensor",
            "not_measuring",
            "not_finite",
            "out_of_range",
            "future_time"
        ]
    );
    assert!(
        report["rejections"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 3"))
    );

    let (_, health) = send(&app, get("/health").to_request()).await;
    assert_eq!(health["readings"]["accepted"], 3, "{health}");
    assert_eq!(health["readings"]["rejected"]["malformed"], 1, "{health}");

    // The series: three points, or one bucket of their mean.
    let (status, series) = send(&app, get(&format!("/sensors/{gas}/readings")).to_request()).await;
    assert_eq!(status, 200, "{series}");
    let means: Vec<f64> = series["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| b["mean"][0].as_f64().unwrap_or_default())
        .collect();
    assert_eq!(means, [3.5, 4.5, 5.5]);
    assert_eq!(series["latest"]["value"], 5.5);
    let (_, series) = send(&app, get(&format!("/sensors/{gas}/readings?every=1h")).to_request()).await;
    let n: u64 = series["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| b["n"].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(n, 3, "{series}");

    // Bad requests are told why.
    for (uri, status) in [
        (format!("/sensors/{gas}/readings?every=fortnight"), 400),
        (
            format!("/sensors/{gas}/readings?every=1s&from=2026-01-01T00:00:00Z"),
            400,
        ),
        (
            format!("/sensors/{gas}/readings?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z"),
            400,
        ),
        (format!("/sensors/{gas}/readings?step=1h"), 400),
        ("/sensors/999999999/readings".to_owned(), 404),
    ] {
        let (got, body) = send(&app, get(&uri).to_request()).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{uri}: {body}");
    }
    for (content_type, payload, status) in [
        ("application/json", "{\"sensor\": ", 400),
        ("application/json", "[]", 400),
        ("application/json", "42", 400),
        ("text/csv", "sensor,value", 415),
    ] {
        let req = actix_web::test::TestRequest::post()
            .uri("/readings")
            .insert_header(("content-type", content_type))
            .set_payload(payload)
            .to_request();
        let (got, body) = send(&app, req).await;
        assert_eq!(got, status, "{content_type} {payload}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[actix_web::test]
async fn readings_over_the_second_level_raise_an_alarm_the_hazard_source_shows_and_a_person_acknowledges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    // A toxic detector at a hazard source.
    let (_, body) = send(
        &app,
        get("/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1").to_request(),
    )
    .await;
    let sensor = &body["features"][0];
    let id = sensor["id"].as_u64().expect("sensor");
    let hazard = sensor["properties"]["hazard_source_id"]
        .as_u64()
        .expect("hazard source");
    let high_high = sensor["properties"]["thresholds"]["high_high"]
        .as_f64()
        .expect("threshold");
    let now = chrono::Utc::now();
    let batch: Vec<Value> = [20, 10]
        .iter()
        .map(|s| {
            serde_json::json!({"sensor": id, "value": high_high * 2.0,
                "at": (now - chrono::TimeDelta::seconds(*s)).to_rfc3339()})
        })
        .collect();
    let (status, report) = send(&app, crate::common::post("/readings", Value::Array(batch)).to_request()).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.get("alarms_error").is_none(), "{report}");

    let (_, list) = send(&app, get("/alarms").to_request()).await;
    let alarm = &list["alarms"][0];
    assert_eq!(alarm["sensor"], id, "{list}");
    assert_eq!(alarm["rule"], "high_high");
    assert_eq!(alarm["hazard_source"], hazard);
    let colour = alarm["colour"].as_str().expect("colour");
    assert!(colour == "red" || colour == "orange", "{alarm}");
    let (_, hs) = send(
        &app,
        get(&format!("/collections/hazard_sources/items/{hazard}")).to_request(),
    )
    .await;
    assert_eq!(hs["properties"]["alarm"], colour, "{hs}");
    let (_, filtered) = send(
        &app,
        get("/collections/hazard_sources/items?alarm=red,orange").to_request(),
    )
    .await;
    assert_eq!(filtered["numberMatched"], 1, "{filtered}");
    let (_, events) = send(&app, get("/events").to_request()).await;
    assert!(events.to_string().contains("alarm_raised"), "{events}");

    let alarm_id = alarm["id"].as_u64().expect("alarm id");
    let uri = format!("/alarms/{alarm_id}/acknowledge");
    let (status, acked) = send(
        &app,
        crate::common::post(&uri, serde_json::json!({"remark": "现场核实中"})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["acknowledged"]["remark"], "现场核实中");
    assert!(acked["acknowledged"]["by"].as_str().is_some_and(|b| !b.is_empty()));
    let (status, again) = send(&app, crate::common::post(&uri, serde_json::json!({})).to_request()).await;
    assert_eq!(status, 409, "{again}");
    let (status, _) = send(
        &app,
        crate::common::post("/alarms/999/acknowledge", serde_json::json!({})).to_request(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = send(&app, get("/alarms?colour=purple").to_request()).await;
    assert_eq!(status, 400, "{body}");
    // A hazard source's alarm cannot be typed in.
    let patch = actix_web::test::TestRequest::patch()
        .uri(&format!("/collections/hazard_sources/items/{hazard}"))
        .set_json(serde_json::json!({"properties": {"alarm": null}}))
        .to_request();
    let (status, body) = send(&app, patch).await;
    assert_eq!(status, 409, "{body}");
}

#[actix_web::test]
async fn an_alarm_opens_an_incident_in_one_step_with_the_hazard_sources_substance_and_the_nearest_weather() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, body) = send(
        &app,
        get("/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1").to_request(),
    )
    .await;
    let sensor = &body["features"][0];
    let id = sensor["id"].as_u64().expect("sensor");
    let hazard = sensor["properties"]["hazard_source_id"]
        .as_u64()
        .expect("hazard source");
    // Every weather station reports wind from 300°, 2.5 m/s, 4 oktas.
    let (_, stations) = send(
        &app,
        get("/collections/sensors/items?kind=weather&limit=1000").to_request(),
    )
    .await;
    let mut batch: Vec<Value> = stations["features"]
        .as_array()
        .expect("stations")
        .iter()
        .map(|f| {
            serde_json::json!({"sensor": f["id"], "wind_from_deg": 300, "wind_speed_ms": 2.5,
                "temperature_c": 6, "cloud_cover_oktas": 4})
        })
        .collect();
    batch.push(serde_json::json!({"sensor": id, "value": 2.0}));
    batch.push(serde_json::json!({"sensor": id, "value": 2.1}));
    let (status, report) = send(&app, crate::common::post("/readings", Value::Array(batch)).to_request()).await;
    assert_eq!(status, 200, "{report}");
    let (_, list) = send(&app, get("/alarms").to_request()).await;
    let alarm = list["alarms"][0]["id"].as_u64().expect("an alarm");

    let (status, draft) = send(&app, get(&format!("/alarms/{alarm}/incident-draft")).to_request()).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["kind"], "leak");
    assert_eq!(draft["substance"], "chlorine");
    assert_eq!(draft["hazard_source_id"], hazard);
    assert!(draft["container"].is_string(), "{draft}");
    assert_eq!(draft["weather"]["wind_from_deg"], 300.0, "{draft}");
    assert_eq!(draft["weather"]["wind_speed_ms"], 2.5);
    assert_eq!(draft["weather"]["cloud_cover"], 4);
    let (_, hs) = send(
        &app,
        get(&format!("/collections/hazard_sources/items/{hazard}")).to_request(),
    )
    .await;
    assert_eq!(draft["location"], hs["geometry"]["coordinates"]);

    let uri = format!("/alarms/{alarm}/incident");
    let (status, incident) = send(
        &app,
        crate::common::post(&uri, serde_json::json!({"spill": "large"})).to_request(),
    )
    .await;
    assert_eq!(status, 201, "{incident}");
    assert_eq!(incident["substance"], "chlorine", "{incident}");
    assert_eq!(incident["spill"], "large");
    assert_eq!(incident["weather"]["wind_from_deg"], 300.0);
    assert!(incident["zones"].is_object(), "zones drawn: {incident}");
    let incident_id = incident["id"].as_u64().expect("incident id");
    let (_, full) = send(&app, get(&format!("/incidents/{incident_id}")).to_request()).await;
    assert!(full.to_string().contains("alarm_linked"), "timeline: {full}");
    let (_, linked) = send(&app, get(&format!("/alarms/{alarm}")).to_request()).await;
    assert_eq!(linked["incident"], incident_id);
    let (status, again) = send(&app, crate::common::post(&uri, serde_json::json!({})).to_request()).await;
    assert_eq!(status, 409, "{again}");
    let (status, bad) = send(
        &app,
        crate::common::post(&uri, serde_json::json!({"kind": "volcano"})).to_request(),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
}

#[actix_web::test]
async fn replay_shows_the_alarms_as_they_were_at_the_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, body) = send(
        &app,
        get("/collections/sensors/items?kind=toxic_gas&substance=chlorine&limit=1").to_request(),
    )
    .await;
    let sensor = &body["features"][0];
    let id = sensor["id"].as_u64().expect("sensor");
    let high_high = sensor["properties"]["thresholds"]["high_high"]
        .as_f64()
        .expect("threshold");
    let readings = |values: [(i64, f64); 2]| {
        let now = chrono::Utc::now();
        Value::Array(
            values
                .iter()
                .map(|(ago_ms, v)| {
                    serde_json::json!({"sensor": id, "value": v,
                        "at": (now - chrono::TimeDelta::milliseconds(*ago_ms)).to_rfc3339()})
                })
                .collect(),
        )
    };
    let before = chrono::Utc::now();
    // Two readings over the second level raise the alarm; two normal ones clear it.
    let (status, report) = send(
        &app,
        crate::common::post("/readings", readings([(300, high_high * 2.0), (200, high_high * 2.0)])).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let (_, active) = send(&app, get("/alarms").to_request()).await;
    let alarm = active["alarms"][0]["id"].as_u64().expect("an alarm");
    let during = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (status, report) = send(
        &app,
        crate::common::post("/readings", readings([(20, 0.0), (10, 0.0)])).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let (_, now) = send(&app, get("/alarms").to_request()).await;
    assert_eq!(now["numberReturned"], 0, "cleared: {now}");
    let after = chrono::Utc::now();

    let at = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "/replay?at={}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .replace('+', "%2B")
        )
    };
    let (status, then) = send(&app, get(&at(during)).to_request()).await;
    assert_eq!(status, 200, "{then}");
    let ids: Vec<u64> = then["alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .filter_map(|a| a["id"].as_u64())
        .collect();
    assert_eq!(ids, [alarm], "{then}");
    assert_eq!(then["alarms"][0]["sensor"], id);
    for t in [before, after] {
        let (_, past) = send(&app, get(&at(t)).to_request()).await;
        assert_eq!(past["alarms"], serde_json::json!([]), "at {t}: {past}");
    }
}
