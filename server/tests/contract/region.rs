//! The region's boundary: an incident far outside the counties of the
//! dataset is refused with the reason; one just across the border is
//! accepted and flagged with how far outside it lies.

use crate::common::{get, post, send};
use actix_web::test;
use serde_json::{Value, json};

fn mine_accident(location: [f64; 2]) -> Value {
    json!({"kind": "mine_accident", "location": location, "cordon_m": 300})
}

#[actix_web::test]
async fn an_incident_far_outside_the_region_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    // Longitude 11.52 (a typo for 111.52) was once accepted.
    let (status, body) = send(&app, post("/incidents", mine_accident([11.52, 37.87])).to_request()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "bad_request");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("outside the region"), "{message}");
    assert!(message.contains("50 km"), "{message}");
    // Nothing was stored.
    let (_, list) = send(&app, get("/incidents?drill=all").to_request()).await;
    assert_eq!(list["numberMatched"], 0, "{list}");
}

#[actix_web::test]
async fn an_incident_just_across_the_border_is_accepted_and_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    // In Hebei, some 23 km east of Shanxi's border.
    let (status, inc) = send(&app, post("/incidents", mine_accident([114.2, 38.0])).to_request()).await;
    assert_eq!(status, 201, "{inc}");
    let outside = inc["outside_region_m"].as_f64().expect("flagged");
    assert!((15_000.0..=30_000.0).contains(&outside), "{outside}");
    let (_, again) = send(&app, get(&format!("/incidents/{}", inc["id"])).to_request()).await;
    assert_eq!(again["outside_region_m"], inc["outside_region_m"]);

    // Inside the region: no flag.
    let (status, inside) = send(&app, post("/incidents", mine_accident([112.55, 37.87])).to_request()).await;
    assert_eq!(status, 201, "{inside}");
    assert!(inside.get("outside_region_m").is_none(), "{inside}");

    // Moving it far away is refused as well, and it stays where it was.
    let id = inside["id"].as_u64().expect("id");
    let req = test::TestRequest::patch()
        .uri(&format!("/incidents/{id}"))
        .insert_header(("X-Lookout-Actor", "duty-officer"))
        .set_json(json!({"location": [120.0, 30.0]}))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, 400, "{body}");
    let (_, now) = send(&app, get(&format!("/incidents/{id}")).to_request()).await;
    assert_eq!(now["location"], json!([112.55, 37.87]));
}
