//! The incident, drill and live-feed contract, over HTTP without a socket:
//! open → dispatch → the status cycle → close; a drill with an inject and
//! its report; `/events` with `after` and `Last-Event-ID`; the SSE stream's
//! `hello` and resume.

use crate::common::{get, post, send};
use actix_web::body::MessageBody;
use actix_web::test;
use serde_json::{Value, json};
use std::pin::pin;

fn chlorine() -> Value {
    json!({
        "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine",
        "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}
    })
}

fn collections(event: &Value) -> Vec<&str> {
    event["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn unit(incident: &Value, team: u64) -> &Value {
    incident["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["team"] == team)
        .expect("the unit")
}

#[actix_web::test]
async fn an_incident_goes_from_open_through_dispatch_and_the_status_cycle_to_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());

    let (status, inc) = send(&app, post("/incidents", chlorine()).to_request()).await;
    assert_eq!(status, 201, "{inc}");
    let id = inc["id"].as_u64().expect("id");
    assert_eq!(inc["status"], "open");
    assert!(
        !inc["zones"]["zones"].as_array().expect("zones").is_empty(),
        "zones drawn on open"
    );

    let (_, teams) = send(
        &app,
        get("/collections/rescue_teams/items?kind=hazmat&status=available&limit=1").to_request(),
    )
    .await;
    let team = teams["features"][0]["id"].as_u64().expect("an available hazmat team");

    let (status, inc) = send(
        &app,
        post(&format!("/incidents/{id}/dispatch"), json!({"teams": [team]})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{inc}");
    assert_eq!(unit(&inc, team)["status"], "dispatched");
    assert_eq!(unit(&inc, team)["next"], json!(["en_route", "returning", "available"]));
    // Dispatching it again is refused, and nothing is stored.
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{id}/dispatch"), json!({"teams": [team]})).to_request(),
    )
    .await;
    assert_eq!(status, 409);

    for (to, next) in [
        ("en_route", json!(["on_scene", "returning"])),
        ("on_scene", json!(["returning"])),
        ("returning", json!(["available"])),
    ] {
        let (status, change) = send(
            &app,
            post(&format!("/teams/{team}/status"), json!({"status": to})).to_request(),
        )
        .await;
        assert_eq!(status, 200, "{to}: {change}");
        assert_eq!(change["status"], to);
        assert_eq!(change["incident"], id);
        let (_, inc) = send(&app, get(&format!("/incidents/{id}")).to_request()).await;
        assert_eq!(unit(&inc, team)["status"], to);
        assert_eq!(unit(&inc, team)["next"], next, "{to}");
        let (_, statuses) = send(&app, get("/teams/status").to_request()).await;
        assert_eq!(statuses["teams"][team.to_string()]["next"], next, "{to}");
        let (_, feature) = send(
            &app,
            get(&format!("/collections/rescue_teams/items/{team}")).to_request(),
        )
        .await;
        assert_eq!(feature["properties"]["status"], to, "the team's feature follows");
    }
    // A move the cycle does not allow is refused.
    let (status, _) = send(
        &app,
        post(&format!("/teams/{team}/status"), json!({"status": "on_scene"})).to_request(),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = send(
        &app,
        post(&format!("/teams/{team}/status"), json!({"status": "available"})).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, inc) = send(&app, get(&format!("/incidents/{id}")).to_request()).await;
    assert_eq!(unit(&inc, team)["next"], json!([]), "the assignment is over");

    let (status, inc) = send(
        &app,
        post(&format!("/incidents/{id}/close"), json!({"reason": "leak stopped"})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{inc}");
    assert_eq!(inc["status"], "closed");
    let (status, _) = send(&app, post(&format!("/incidents/{id}/close"), json!({})).to_request()).await;
    assert_eq!(status, 409, "closing twice");

    // The record, each event with the collections it changes.
    let (status, events) = send(&app, get("/events?after=0").to_request()).await;
    assert_eq!(status, 200);
    let events = events["events"].as_array().expect("events");
    let kinds: Vec<(&str, Vec<&str>)> = events
        .iter()
        .map(|e| (e["event"]["type"].as_str().expect("type"), collections(e)))
        .collect();
    assert_eq!(kinds[0], ("incident_opened", vec!["incidents"]));
    assert_eq!(kinds[1], ("zones_computed", vec!["incidents"]));
    assert_eq!(kinds[2], ("unit_dispatched", vec!["incidents", "rescue_teams"]));
    assert_eq!(kinds[3], ("unit_status_changed", vec!["incidents", "rescue_teams"]));
    assert_eq!(kinds.last().expect("last"), &("incident_closed", vec!["incidents"]));
}

#[actix_web::test]
async fn a_drill_starts_from_its_scenario_takes_an_inject_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, list) = send(&app, get("/scenarios").to_request()).await;
    assert!(
        list["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .any(|s| s["id"] == "linfen-chlorine")
    );

    let (status, drill) = send(
        &app,
        post("/scenarios/linfen-chlorine/start", json!({"speed": 1})).to_request(),
    )
    .await;
    assert_eq!(status, 201, "{drill}");
    assert_eq!(drill["drill"], true);
    let id = drill["id"].as_u64().expect("id");
    let (status, drill) = send(
        &app,
        post(&format!("/incidents/{id}/injects/next"), json!({})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{drill}");
    assert_eq!(drill["injects"].as_array().expect("injects").len(), 1);

    // Drills stay out of the real list; a drill's team status changes the
    // drill incident, never the team's feature; a note changes no feature.
    let (_, real) = send(&app, get("/incidents").to_request()).await;
    assert!(real["incidents"].as_array().expect("list").is_empty());
    let (_, drills) = send(&app, get("/incidents?drill=true").to_request()).await;
    assert_eq!(drills["numberMatched"], 1);
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{id}/dispatch"), json!({"teams": [1]})).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, change) = send(
        &app,
        post("/teams/1/status", json!({"status": "en_route", "drill": true})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{change}");
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{id}/notes"), json!({"text": "staging area set"})).to_request(),
    )
    .await;
    assert_eq!(status, 201);
    let (_, events) = send(&app, get("/events?drill=true").to_request()).await;
    let events = events["events"].as_array().expect("events");
    let last: Vec<(&str, Vec<&str>)> = events[events.len() - 3..]
        .iter()
        .map(|e| (e["event"]["type"].as_str().expect("type"), collections(e)))
        .collect();
    assert_eq!(
        last,
        vec![
            ("unit_dispatched", vec!["incidents"]),
            ("unit_status_changed", vec!["incidents"]),
            ("note_added", vec![]),
        ]
    );
    let (_, world) = send(&app, get("/teams/status?drill=true").to_request()).await;
    assert_eq!(world["teams"]["1"]["next"], json!(["on_scene", "returning"]));
    let (_, feature) = send(&app, get("/collections/rescue_teams/items/1").to_request()).await;
    assert_eq!(
        feature["properties"]["status"], "available",
        "the real team is untouched"
    );

    let (status, report) = send(&app, get(&format!("/incidents/{id}/report")).to_request()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["drill"], true);
    assert_eq!(report["injects"].as_array().expect("injects").len(), 1);
    // The printable report: in Chinese by default, in English with lang=en;
    // terms, not codes; times in China Standard Time with the zone said.
    let page = |lang: &'static str| {
        let uri = format!("/incidents/{id}/report.html{lang}");
        let app = &app;
        async move {
            let resp = test::call_service(app, get(&uri).to_request()).await;
            assert_eq!(resp.status(), 200, "{uri}");
            String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8")
        }
    };
    let zh = page("").await;
    assert!(
        zh.contains("演习") && zh.contains("事后评估报告") && zh.contains("北京时间 UTC+8"),
        "{zh}"
    );
    assert!(!zh.contains("After-action report"), "one language a page");
    let en = page("?lang=en").await;
    assert!(
        en.contains("DRILL") && en.contains("After-action report") && en.contains("China Standard Time, UTC+8"),
        "{en}"
    );
    assert!(!en.contains("事后评估报告"));
    let opened = chrono::DateTime::parse_from_rfc3339(report["opened_at"].as_str().expect("opened_at"))
        .expect("a time")
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    assert!(
        en.contains(&opened.format("%Y-%m-%d %H:%M:%S").to_string()),
        "opened at, in UTC+8: {en}"
    );
    let kind = report["kind"].as_str().expect("kind");
    let term = lookout_layers::model::IncidentKind::ALL
        .iter()
        .find(|k| k.code() == kind)
        .expect("a known kind")
        .label_zh();
    assert!(
        zh.contains(&format!("<dd>{term}</dd>")),
        "the kind as a term, not {kind:?}: {zh}"
    );
    let resp = test::call_service(&app, get(&format!("/incidents/{id}/report.html?lang=fr")).to_request()).await;
    assert_eq!(resp.status(), 400, "an unknown language is refused");
}

/// Reads the next chunk of a streaming body.
async fn chunk<B: MessageBody + Unpin>(body: &mut std::pin::Pin<&mut B>) -> String
where
    B::Error: std::fmt::Debug,
{
    let next = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await;
    let bytes = next.expect("a chunk").expect("no error");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[actix_web::test]
async fn events_resume_after_an_id_given_by_query_or_last_event_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for _ in 0..2 {
        let (status, _) = send(&app, post("/incidents", chlorine()).to_request()).await;
        assert_eq!(status, 201);
    }
    // Four events: two opens, two zones.
    let (_, all) = send(&app, get("/events").to_request()).await;
    assert_eq!(all["events"].as_array().expect("events").len(), 4);
    assert_eq!(all["next"], Value::Null);

    let (_, page) = send(&app, get("/events?after=1&limit=2").to_request()).await;
    let seqs: Vec<u64> = page["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .collect();
    assert_eq!(seqs, vec![2, 3]);
    let next = page["next"].as_str().expect("a next link: the list was cut");
    assert!(next.contains("after=3"), "{next}");

    let req = get("/events").insert_header(("Last-Event-ID", "3")).to_request();
    let (_, rest) = send(&app, req).await;
    let seqs: Vec<u64> = rest["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .collect();
    assert_eq!(seqs, vec![4]);
    for (uri, header) in [
        ("/events?after=x", None),
        ("/events", Some("three")),
        ("/events?limit=0", None),
    ] {
        let mut req = get(uri);
        if let Some(h) = header {
            req = req.insert_header(("Last-Event-ID", h));
        }
        let (status, body) = send(&app, req.to_request()).await;
        assert_eq!(status, 400, "{uri} {header:?}: {body}");
    }

    // The stream: hello with the last stored event first, then the backlog after Last-Event-ID.
    let req = get("/events/stream").insert_header(("Last-Event-ID", "2")).to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("content-type").expect("type"), "text/event-stream");
    let mut body = pin!(resp.into_body());
    let hello = chunk(&mut body).await;
    assert!(hello.contains("event: hello\ndata: {\"seq\":4}"), "{hello:?}");
    let third = chunk(&mut body).await;
    assert!(third.starts_with("id: 3\nevent: incident_opened\n"), "{third:?}");
    assert!(third.contains("\"collections\":[\"incidents\"]"), "{third:?}");
    let fourth = chunk(&mut body).await;
    assert!(fourth.starts_with("id: 4\nevent: zones_computed\n"), "{fourth:?}");

    // A new client gets hello and then live events only.
    let resp = test::call_service(&app, get("/events/stream").to_request()).await;
    let mut body = pin!(resp.into_body());
    assert!(chunk(&mut body).await.contains("data: {\"seq\":4}"));
}

/// A scenario's inject may send drill readings (issue 15, item 6): the
/// Taiyuan gas-main drill's first inject ramps the nearest natural-gas
/// detector past its second level; the alarm it raises is a drill alarm at
/// that detector, and no real alarm is raised.
#[actix_web::test]
async fn an_inject_ramps_a_detector_and_raises_a_drill_alarm_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, drill) = send(
        &app,
        post("/scenarios/taiyuan-gas-main/start", json!({"speed": 1})).to_request(),
    )
    .await;
    assert_eq!(status, 201, "{drill}");
    let id = drill["id"].as_u64().expect("id");
    let (_, before) = send(&app, get("/alarms").to_request()).await;
    assert_eq!(before["numberReturned"], 0, "{before}");
    let (status, drill) = send(
        &app,
        post(&format!("/incidents/{id}/injects/next"), json!({})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{drill}");
    let (_, after) = send(&app, get("/alarms").to_request()).await;
    let alarms = after["alarms"].as_array().expect("alarms");
    assert_eq!(alarms.len(), 1, "{after}");
    let alarm = &alarms[0];
    assert_eq!(alarm["drill"], true, "{alarm}");
    assert_eq!(alarm["rule"], "high_high", "{alarm}");
    // at the natural-gas detector nearest the leak
    let sensor = alarm["sensor"].as_u64().expect("sensor");
    let (_, s) = send(&app, get(&format!("/collections/sensors/items/{sensor}")).to_request()).await;
    assert_eq!(
        (s["properties"]["kind"].as_str(), s["properties"]["substance"].as_str()),
        (Some("combustible_gas"), Some("natural_gas")),
        "{s}"
    );
    // the readings are drill readings: charted apart, never the real series
    let (_, real) = send(&app, get(&format!("/sensors/{sensor}/readings")).to_request()).await;
    assert!(real["buckets"].as_array().expect("buckets").is_empty(), "{real}");
    let (_, drilled) = send(
        &app,
        get(&format!("/sensors/{sensor}/readings?drill=true")).to_request(),
    )
    .await;
    let high_high = s["properties"]["thresholds"]["high_high"].as_f64().expect("high_high");
    let values: Vec<f64> = drilled["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| b["mean"][0].as_f64().expect("a value"))
        .collect();
    let want: Vec<f64> = [0.3, 0.6, 1.1, 1.4].iter().map(|f| f * high_high).collect();
    assert_eq!(values.len(), want.len(), "{drilled}");
    for (got, want) in values.iter().zip(&want) {
        assert!((got - want).abs() < 1e-9, "{values:?} against {want:?}");
    }
}
