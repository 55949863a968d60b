//! `POST /gas/isolate`: the isolation trace over the generated networks, its
//! what-if, and bad input refused with reasons.

use crate::common::{post, send};
use serde_json::{Value, json};

#[actix_web::test]
async fn a_leak_on_a_main_lists_valves_in_road_order_and_who_loses_gas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, pipes) = send(
        &app,
        crate::common::get(
            "/collections/gas_pipes/items?network=%E5%A4%AA%E5%8E%9F%E5%B8%82&pressure_class=medium&limit=1",
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 200, "{pipes}");
    let pipe = pipes["features"][0]["id"].as_u64().expect("a medium pipe");
    let (status, body) = send(&app, post("/gas/isolate", json!({ "pipe": pipe })).to_request()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["network"], "太原市");
    assert_eq!(body["isolated"], true);
    let valves = body["valves_to_close"].as_array().expect("valves");
    assert!(!valves.is_empty());
    let times: Vec<f64> = valves.iter().filter_map(|v| v["travel_time_s"].as_f64()).collect();
    assert_eq!(times.len(), valves.len(), "every valve is timed by road: {body}");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "nearest first: {times:?}");
    assert!(valves.iter().all(|v| v["crew"]["name"].is_string()));
    assert!(
        body["section"]["pipes"]
            .as_array()
            .expect("pipes")
            .contains(&json!(pipe))
    );
    assert!(body["section"]["volume_m3"].as_f64().expect("volume") > 0.0);
    assert_eq!(body["section"]["geometry"]["type"], "MultiLineString");

    // A point on the same pipe snaps to it and gives the same valves.
    let (_, item) = send(
        &app,
        crate::common::get(&format!("/collections/gas_pipes/items/{pipe}")).to_request(),
    )
    .await;
    let a = &item["geometry"]["coordinates"][0];
    let b = &item["geometry"]["coordinates"][1];
    let mid = |i: usize| (a[i].as_f64().unwrap_or(0.0) + b[i].as_f64().unwrap_or(0.0)) / 2.0;
    let (status, by_point) = send(
        &app,
        post("/gas/isolate", json!({ "point": [mid(0), mid(1)] })).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{by_point}");
    assert_eq!(by_point["leak"]["pipe"], json!(pipe));
    assert_eq!(by_point["valves_to_close"], body["valves_to_close"]);

    // What-if: the first valve fails; the section grows, never shrinks.
    let first = valves[0]["id"].clone();
    let (status, worse) = send(
        &app,
        post("/gas/isolate", json!({ "pipe": pipe, "fail": [first] })).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{worse}");
    let w = &worse["what_if"];
    assert!(w["with_failures"]["section_length_m"].as_f64() >= w["baseline"]["section_length_m"].as_f64());
    assert!(
        worse["passed_through"]
            .as_array()
            .expect("passed")
            .iter()
            .any(|v| v["id"] == first)
    );
}

#[actix_web::test]
async fn bad_gas_isolate_requests_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for (body, status) in [
        (json!({}), 400),
        (json!({ "pipe": 1, "valve": 1 }), 400),
        (json!({ "point": [500.0, 37.8] }), 400),
        (json!({ "point": [100.0, 20.0] }), 422),
        (json!({ "pipe": 999_999_999 }), 404),
        (json!({ "valve": 999_999_999 }), 404),
        (json!({ "pipe": 1, "fail": [999_999_999] }), 400),
        (json!({ "pipe": 1, "fail": vec![1; 101] }), 400),
        (json!({ "pipe": "one" }), 400),
        (json!({ "pipe": 1, "colour": "red" }), 400),
    ] {
        let (got, answer): (u16, Value) = send(&app, post("/gas/isolate", body.clone()).to_request()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}: {answer}"
        );
    }
}

#[actix_web::test]
async fn the_graph_follows_edits_a_deleted_valve_widens_the_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, pipes) = send(
        &app,
        crate::common::get(
            "/collections/gas_pipes/items?network=%E5%A4%AA%E5%8E%9F%E5%B8%82&pressure_class=medium&limit=1",
        )
        .to_request(),
    )
    .await;
    let pipe = pipes["features"][0]["id"].as_u64().expect("pipe");
    let (_, before) = send(&app, post("/gas/isolate", json!({ "pipe": pipe })).to_request()).await;
    let valve = before["valves_to_close"][0]["id"].as_u64().expect("valve");
    let delete = actix_web::test::TestRequest::delete()
        .uri(&format!("/collections/gas_valves/items/{valve}"))
        .insert_header(("X-Lookout-Actor", "planner"))
        .to_request();
    let (status, answer) = send(&app, delete).await;
    assert!(status < 300, "{status}: {answer}");
    let (_, after) = send(&app, post("/gas/isolate", json!({ "pipe": pipe })).to_request()).await;
    assert!(
        after["valves_to_close"]
            .as_array()
            .expect("valves")
            .iter()
            .all(|v| v["id"] != json!(valve))
    );
    assert!(
        after["section"]["length_m"].as_f64() > before["section"]["length_m"].as_f64(),
        "{} → {}",
        before["section"]["length_m"],
        after["section"]["length_m"]
    );
}

#[actix_web::test]
async fn a_gas_leak_incident_lists_valves_and_is_isolated_when_all_are_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, pipes) = send(
        &app,
        crate::common::get(
            "/collections/gas_pipes/items?network=%E5%A4%AA%E5%8E%9F%E5%B8%82&pressure_class=medium&limit=1",
        )
        .to_request(),
    )
    .await;
    let line = &pipes["features"][0]["geometry"]["coordinates"];
    let mid = |i: usize| (line[0][i].as_f64().unwrap_or(0.0) + line[1][i].as_f64().unwrap_or(0.0)) / 2.0;
    let leak = json!({ "kind": "gas_leak", "location": [mid(0), mid(1)], "substance": "natural_gas", "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true} });
    let (status, inc) = send(&app, post("/incidents", leak).to_request()).await;
    assert_eq!(status, 201, "{inc}");
    let id = inc["id"].as_u64().expect("id");
    let iso = &inc["gas_isolation"];
    assert_eq!(iso["section_isolated"], false, "{iso}");
    let valves: Vec<u64> = iso["valves_to_close"]
        .as_array()
        .expect("valves")
        .iter()
        .filter_map(|v| v["id"].as_u64())
        .collect();
    assert!(!valves.is_empty(), "{iso}");

    // Unknown valve, and a valve on a chlorine leak, are refused.
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{id}/valves"), json!({ "valve": 999_999_999 })).to_request(),
    )
    .await;
    assert_eq!(status, 404);
    let chlorine = json!({ "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine", "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true} });
    let (_, other) = send(&app, post("/incidents", chlorine).to_request()).await;
    let other = other["id"].as_u64().expect("id");
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{other}/valves"), json!({ "valve": valves[0] })).to_request(),
    )
    .await;
    assert_eq!(status, 409);

    let mut last = Value::Null;
    for (i, v) in valves.iter().enumerate() {
        let (status, body) = send(
            &app,
            post(&format!("/incidents/{id}/valves"), json!({ "valve": v })).to_request(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["gas_isolation"]["section_isolated"], i + 1 == valves.len(), "{i}");
        last = body;
    }
    let closed = last["gas_isolation"]["closed"].as_array().expect("closed");
    assert_eq!(closed.len(), valves.len());
    assert!(
        closed
            .iter()
            .all(|c| c["actor"].as_str().is_some_and(|a| !a.is_empty()) && c["at"].is_string()),
        "{closed:?}"
    );
    let (status, again) = send(
        &app,
        post(&format!("/incidents/{id}/valves"), json!({ "valve": valves[0] })).to_request(),
    )
    .await;
    assert_eq!(status, 409, "closing twice: {again}");
    // The record and the timeline carry the closures.
    let (_, events) = send(&app, crate::common::get("/events?after=0").to_request()).await;
    let kinds = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "valve_closed")
        .count();
    assert_eq!(kinds, valves.len());
    assert!(
        last["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .any(|t| t.to_string().contains("closed"))
    );

    // The after-action report lists the closures (who, when) and the isolation summary.
    let (status, report) = send(
        &app,
        crate::common::get(&format!("/incidents/{id}/report")).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let lines = report["valves_closed"].as_array().expect("valves_closed");
    let listed: Vec<u64> = lines.iter().filter_map(|l| l["valve"].as_u64()).collect();
    assert_eq!(listed, valves, "in the order they were closed");
    let who = &last["gas_isolation"]["closed"][0]["actor"];
    assert!(
        lines.iter().all(|l| &l["actor"] == who && l["at"].is_string()),
        "{lines:?}"
    );
    let gas = &report["gas"];
    assert_eq!(gas["section_isolated"], true, "{gas}");
    assert_eq!(gas["valves_to_close"], json!(valves.len()));
    assert_eq!(gas["valves_closed"], json!(valves.len()));
    assert_eq!(gas["outage_population"], last["gas_isolation"]["outage"]["population"]);
    assert!(gas["isolated_s"].as_f64().is_some_and(|s| s >= 0.0), "{gas}");
    let html = actix_web::test::call_and_read_body(
        &app,
        crate::common::get(&format!("/incidents/{id}/report.html?lang=en")).to_request(),
    )
    .await;
    let html = String::from_utf8_lossy(&html);
    assert!(html.contains("Section isolated"), "the printable report says so");
    let zh = actix_web::test::call_and_read_body(
        &app,
        crate::common::get(&format!("/incidents/{id}/report.html")).to_request(),
    )
    .await;
    let zh = String::from_utf8_lossy(&zh);
    assert!(
        zh.contains("管段已隔离") && !zh.contains("Section isolated"),
        "in Chinese by default"
    );
    let who = who.as_str().unwrap_or_default();
    assert!(
        html.contains(&format!("<td>{}</td><td>{who}</td>", valves[0])),
        "{html}"
    );
    // a report of another kind has no gas part
    let (_, other_report) = send(
        &app,
        crate::common::get(&format!("/incidents/{other}/report")).to_request(),
    )
    .await;
    assert!(other_report.get("gas").is_none(), "{other_report}");
}

#[actix_web::test]
async fn a_pressure_alarm_on_a_gas_main_suggests_the_isolation_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    // A pressure sensor on a high-pressure valve of the Taiyuan network.
    let (_, body) = send(
        &app,
        crate::common::get("/collections/sensors/items?kind=pipe_pressure&site=gas_valves&limit=1000").to_request(),
    )
    .await;
    let sensor = body["features"]
        .as_array()
        .expect("sensors")
        .iter()
        .find(|f| {
            f["properties"]["site_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("太原市"))
        })
        .expect("a Taiyuan valve pressure sensor")
        .clone();
    let id = sensor["id"].as_u64().expect("sensor");
    let t = &sensor["properties"]["thresholds"];
    // a rupture: the pressure falls to half the low-alarm level (inside the instrument's range)
    let value = t["low"].as_f64().expect("a low level") / 2.0;
    let now = chrono::Utc::now();
    let batch: Vec<Value> = [20, 10]
        .iter()
        .map(|s| json!({"sensor": id, "value": value, "at": (now - chrono::TimeDelta::seconds(*s)).to_rfc3339()}))
        .collect();
    let (status, report) = send(&app, post("/readings", Value::Array(batch)).to_request()).await;
    assert_eq!(status, 200, "{report}");
    let (_, list) = send(&app, crate::common::get("/alarms").to_request()).await;
    let alarm = list["alarms"][0]["id"].as_u64().expect("an alarm");

    // The draft proposes a gas leak there, with the trace pre-run.
    let (status, draft) = send(
        &app,
        crate::common::get(&format!("/alarms/{alarm}/incident-draft")).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["kind"], "gas_leak");
    let iso = &draft["gas_isolation"];
    assert_eq!(iso["network"], "太原市", "{iso}");
    let suggested = iso["valves_to_close"].clone();
    assert!(!suggested.as_array().expect("valves").is_empty(), "{iso}");
    assert!(iso["pressure_sensors_expected_to_drop"].is_array(), "{iso}");

    // Sending the draft back (with its read-only trace) opens the incident; its detail has the same trace.
    let mut changes = draft.clone();
    changes["weather"] = json!({"wind_from_deg": 200, "wind_speed_ms": 3, "daytime": true});
    let (status, incident) = send(&app, post(&format!("/alarms/{alarm}/incident"), changes).to_request()).await;
    assert_eq!(status, 201, "{incident}");
    assert_eq!(incident["kind"], "gas_leak");
    assert_eq!(incident["gas_isolation"]["valves_to_close"], suggested);
}
