//! Field staff and the basemap without county polygons (issue 22 items 6
//! and 7): an admin links a user to the rescue team they serve in; once
//! that team is dispatched, `/auth/me` names the incident it is assigned to
//! (the phone layout opens it). `/basemap.geojson` carries the region's
//! outline, city boundaries and one label point per county, and
//! `/basemap/place` names the county a point lies in.

use crate::common::{get, send};
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use lookout_layers::Event;
use lookout_layers::auth::{Role, password};
use serde_json::{Value, json};

fn admin(uri: &str) -> TestRequest {
    TestRequest::default()
        .uri(uri)
        .insert_header(("X-Lookout-Actor", "admin"))
}

#[actix_web::test]
async fn a_user_linked_to_a_team_is_told_the_incident_it_is_assigned_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let hash = password::hash("field staff 42").expect("hash");
    state
        .store
        .submit(
            "admin",
            Event::UserCreated {
                username: "li".into(),
                role: Role::Dispatcher,
                scope: None,
                password_hash: hash,
                team: None,
            },
        )
        .expect("user");
    let app =
        test::init_service(actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state.clone())))
            .await;
    let (_, teams) = send(&app, get("/collections/rescue_teams/items?limit=1").to_request()).await;
    let team = teams["features"][0]["id"].as_u64().expect("a team");

    // a team that does not exist is refused with the reason, and nothing changes
    let patch = |body: Value| admin("/users/li").method(actix_web::http::Method::PATCH).set_json(body);
    let (code, body) = send(&app, patch(json!({"team": 987_654_321})).to_request()).await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("987654321"),
        "{body}"
    );
    let (code, body) = send(&app, patch(json!({"team": team})).to_request()).await;
    assert_eq!((code, &body["team"]), (200, &json!(team)), "{body}");
    assert_eq!(body["role"], "dispatcher", "the role is untouched");

    // signed in as li: the team, not yet assigned
    state.auth.set_dev_open(false);
    let resp = test::call_service(
        &app,
        TestRequest::post()
            .uri("/auth/login")
            .peer_addr("10.1.2.3:5000".parse().expect("addr"))
            .set_json(json!({"username": "li", "password": "field staff 42"}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_owned();
    let me = || {
        get("/auth/me")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request()
    };
    let (_, body) = send(&app, me()).await;
    assert_eq!(body["team"]["id"], team, "{body}");
    assert!(body["team"]["name"].as_str().is_some_and(|n| !n.is_empty()), "{body}");
    assert_eq!(body["team"]["real"], Value::Null, "not assigned yet: {body}");

    // dispatched to an incident: /auth/me names it
    state.auth.set_dev_open(true);
    let (code, inc) = send(
        &app,
        admin("/incidents")
            .method(actix_web::http::Method::POST)
            .set_json(json!({"kind": "fire", "location": [112.55, 37.85]}))
            .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{inc}");
    let incident = inc["id"].as_u64().expect("incident");
    let (code, _) = send(
        &app,
        admin(&format!("/incidents/{incident}/dispatch"))
            .method(actix_web::http::Method::POST)
            .set_json(json!({"teams": [team]}))
            .to_request(),
    )
    .await;
    assert_eq!(code, 200);
    state.auth.set_dev_open(false);
    let (_, body) = send(&app, me()).await;
    assert_eq!(body["team"]["real"]["incident"], incident, "{body}");
    assert_eq!(body["team"]["real"]["status"], "dispatched", "{body}");
    assert_eq!(body["team"]["drill"], Value::Null, "{body}");

    // unlinked: no team
    state.auth.set_dev_open(true);
    let (code, body) = send(&app, patch(json!({"team": null})).to_request()).await;
    assert_eq!((code, &body["team"]), (200, &Value::Null), "{body}");
}

#[actix_web::test]
async fn the_basemap_carries_outline_city_lines_and_county_points_and_names_a_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let resp = test::call_service(&app, get("/basemap.geojson").to_request()).await;
    assert_eq!(resp.status(), 200);
    let bytes = test::read_body(resp).await;
    let fc: Value = serde_json::from_slice(&bytes).expect("json");
    let features = fc["features"].as_array().expect("features");
    let of = |kind: &str| {
        features
            .iter()
            .filter(|f| f["properties"]["kind"] == kind)
            .collect::<Vec<_>>()
    };
    let (_, counties) = send(&app, get("/collections/counties/items?limit=1000").to_request()).await;
    let n = counties["features"].as_array().expect("counties").len();
    assert_eq!(of("county").len(), n, "one label point per county");
    assert!(!of("outline").is_empty() && !of("city_line").is_empty());
    // the 11 cities of Shanxi meet along boundaries: every city has one
    let cities: std::collections::HashSet<&str> = of("county")
        .iter()
        .filter_map(|f| f["properties"]["city"].as_str())
        .collect();
    assert_eq!(cities.len(), 11, "{cities:?}");
    // far smaller than the county polygons it replaces in the browser
    let (_, polygons) = send(&app, get("/collections/counties/items?limit=1000").to_request()).await;
    let polygons_len = serde_json::to_vec(&polygons).expect("json").len();
    assert!(
        bytes.len() * 3 < polygons_len,
        "basemap {} bytes against county polygons {polygons_len}",
        bytes.len()
    );

    // a county's own label point lies in it
    let first = of("county")[0];
    let at = &first["geometry"]["coordinates"];
    let (code, place) = send(
        &app,
        get(&format!("/basemap/place?lon={}&lat={}", at[0], at[1])).to_request(),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(place["county"]["id"], first["properties"]["id"], "{place}");
    assert_eq!(place["county"]["city"], first["properties"]["city"]);
    // outside the region: null; not degrees: 400 with the reason
    let (code, place) = send(&app, get("/basemap/place?lon=11.52&lat=37.8").to_request()).await;
    assert_eq!((code, &place["county"]), (200, &Value::Null));
    let (code, body) = send(&app, get("/basemap/place?lon=500&lat=37.8").to_request()).await;
    assert_eq!(code, 400, "{body}");
    let (code, _) = send(&app, get("/basemap/place?lat=37.8").to_request()).await;
    assert_eq!(code, 400);
}
