//! The recommendation as the dispatch panel reads it: recommended teams with
//! their base and duty phone; once dispatched, a team leaves the
//! recommendation and appears under `assigned` with its route, and on scene
//! without one (it is at the incident).

use crate::common::{get, post, send};
use serde_json::{Value, json};

fn chlorine() -> Value {
    json!({
        "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine",
        "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}
    })
}

#[actix_web::test]
async fn a_dispatched_team_moves_from_recommended_to_assigned_with_its_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, inc) = send(&app, post("/incidents", chlorine()).to_request()).await;
    assert_eq!(status, 201, "{inc}");
    let id = inc["id"].as_u64().expect("id");
    let rec_uri = format!("/incidents/{id}/recommendation");

    let (status, rec) = send(&app, get(&rec_uri).to_request()).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["assigned"], json!([]), "nothing assigned yet");
    let first = rec["teams"][0].clone();
    for key in ["base", "phone", "county"] {
        assert!(
            first[key].as_str().is_some_and(|s| !s.is_empty()),
            "recommended team without {key}: {first}"
        );
    }
    let team = first["id"].as_u64().expect("team id");

    let (status, _) = send(
        &app,
        post(&format!("/incidents/{id}/dispatch"), json!({"teams": [team]})).to_request(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, rec) = send(&app, get(&rec_uri).to_request()).await;
    let recommended: Vec<u64> = rec["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .collect();
    assert!(!recommended.contains(&team), "a dispatched team is still recommended");
    let assigned = rec["assigned"].as_array().expect("assigned");
    assert_eq!(assigned.len(), 1, "{rec}");
    let unit = &assigned[0];
    assert_eq!(unit["id"], team);
    assert_eq!(unit["status"], "dispatched");
    assert_eq!(unit["phone"], first["phone"]);
    assert_eq!(unit["route"]["type"], "LineString");
    assert_eq!(
        unit["travel_s"], first["travel_s"],
        "the same road time as when recommended"
    );

    for to in ["en_route", "on_scene"] {
        let (status, _) = send(
            &app,
            post(&format!("/teams/{team}/status"), json!({"status": to})).to_request(),
        )
        .await;
        assert_eq!(status, 200, "{to}");
    }
    let (_, rec) = send(&app, get(&rec_uri).to_request()).await;
    let unit = &rec["assigned"][0];
    assert_eq!(unit["status"], "on_scene");
    assert_eq!(
        unit["route"],
        Value::Null,
        "on scene: no route, the team is at the incident"
    );
}
