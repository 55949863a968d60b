//! `GET /situation`, the status strip's figures: they follow what was opened
//! and dispatched, and keep drills apart from the real world.

use crate::common::{get, post, send};
use serde_json::{Value, json};

fn chlorine(drill: bool) -> Value {
    json!({
        "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine", "drill": drill,
        "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}
    })
}

#[actix_web::test]
async fn the_situation_counts_open_real_incidents_their_people_teams_and_drills() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, before) = send(&app, get("/situation").to_request()).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["incidents"], json!([]));
    assert_eq!(before["people"], 0);
    let teams_total: u64 = before["teams"]
        .as_object()
        .expect("teams")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let (_, all_teams) = send(&app, get("/collections/rescue_teams/items?limit=1").to_request()).await;
    assert_eq!(teams_total, all_teams["numberMatched"].as_u64().expect("numberMatched"));
    let available = before["teams"]["available"].as_u64().expect("available");
    let dispatched = before["teams"]["dispatched"].as_u64().expect("dispatched");

    let (_, real) = send(&app, post("/incidents", chlorine(false)).to_request()).await;
    let (_, drill) = send(&app, post("/incidents", chlorine(true)).to_request()).await;
    let people = real["zones"]["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .filter_map(|z| z["exposure"]["population"].as_u64())
        .max()
        .expect("a zone");
    assert!(people > 0);
    let (_, rec) = send(
        &app,
        get(&format!("/incidents/{}/recommendation", real["id"])).to_request(),
    )
    .await;
    let team = rec["teams"][0]["id"].as_u64().expect("a team");
    let (status, _) = send(
        &app,
        post(&format!("/incidents/{}/dispatch", real["id"]), json!({"teams": [team]})).to_request(),
    )
    .await;
    assert_eq!(status, 200);

    let (_, now) = send(&app, get("/situation").to_request()).await;
    assert_eq!(
        now["incidents"],
        json!([real["id"]]),
        "the drill is not a real incident"
    );
    assert_eq!(now["drills"], json!([drill["id"]]));
    assert_eq!(now["people"], people);
    assert_eq!(now["teams"]["dispatched"].as_u64(), Some(dispatched + 1));
    assert_eq!(now["teams"]["available"].as_u64(), Some(available - 1));
    assert!(now["last_seq"].as_u64() > before["last_seq"].as_u64());

    let (status, _) = send(
        &app,
        post(&format!("/incidents/{}/close", real["id"]), json!({})).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, closed) = send(&app, get("/situation").to_request()).await;
    assert_eq!(closed["incidents"], json!([]));
    assert_eq!(closed["people"], 0);
}

#[actix_web::test]
async fn a_new_incident_waits_for_one_acknowledgement_recorded_with_who_and_when() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, inc) = send(&app, post("/incidents", chlorine(false)).to_request()).await;
    let id = inc["id"].as_u64().expect("id");
    assert_eq!(inc["acknowledged_at"], Value::Null);
    let (_, s) = send(&app, get("/situation").to_request()).await;
    assert_eq!(s["unacknowledged"][0]["id"], id, "{s}");
    assert_eq!(s["unacknowledged"][0]["kind"], "leak");

    let uri = format!("/incidents/{id}/acknowledge");
    let (status, acked) = send(&app, post(&uri, json!({})).to_request()).await;
    assert_eq!(status, 200, "{acked}");
    let by = acked["acknowledged_by"].as_str().expect("who").to_owned();
    assert!(!by.is_empty());
    assert!(acked["acknowledged_at"].is_string());
    let (status, again) = send(&app, post(&uri, json!({})).to_request()).await;
    assert_eq!(status, 409, "{again}");
    assert!(again["message"].as_str().is_some_and(|m| m.contains(&by)), "{again}");

    let (_, s) = send(&app, get("/situation").to_request()).await;
    assert_eq!(s["unacknowledged"], json!([]));
    let (_, events) = send(&app, get("/events?after=0").to_request()).await;
    let ack = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["event"]["type"] == "incident_acknowledged")
        .expect("the acknowledgement is an event");
    assert_eq!(ack["actor"], by.as_str());
    assert_eq!(ack["at"], acked["acknowledged_at"]);
    assert_eq!(ack["event"]["incident"], id);
    assert_eq!(ack["collections"], json!([]));
    assert!(ack["at"].is_string());
    let (status, _) = send(&app, post("/incidents/999/acknowledge", json!({})).to_request()).await;
    assert_eq!(status, 404);
}
