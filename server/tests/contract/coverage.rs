//! `GET /coverage` answers from snaps made once and kept answers: the same
//! answer twice, and a new one after any edit that changes it (a listed
//! enterprise renamed or moved, a team deleted, roads closed).

use crate::common::{get, send};
use actix_web::test::TestRequest;
use serde_json::{Value, json};

const URI: &str = "/coverage?kind=hazmat&minutes=20";

fn count(body: &Value, what: &str) -> u64 {
    body[what]["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("{what}.count in {body}"))
}

#[actix_web::test]
async fn a_kept_coverage_answer_follows_every_edit_that_changes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, first) = send(&app, get(URI).to_request()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["reachable"]["type"], "MultiPolygon");
    let (_, again) = send(&app, get(URI).to_request()).await;
    assert_eq!(again, first, "asked again: the same answer");
    // The filters in another order are the same question.
    let (_, reordered) = send(&app, get("/coverage?minutes=20&kind=hazmat").to_request()).await;
    assert_eq!(reordered, first);

    // A listed enterprise renamed: the list shows the new name.
    let gap = first["enterprises"]["items"][0]["id"].as_u64().expect("a gap");
    let rename = TestRequest::patch()
        .uri(&format!("/collections/enterprises/items/{gap}"))
        .set_json(json!({"properties": {"name": "覆盖测试企业"}}))
        .to_request();
    let (status, answer) = send(&app, rename).await;
    assert!(status < 300, "{status}: {answer}");
    let (_, renamed) = send(&app, get(URI).to_request()).await;
    let item = renamed["enterprises"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == json!(gap))
        .cloned()
        .expect("still listed");
    assert_eq!(item["name"], "覆盖测试企业");
    assert_eq!(count(&renamed, "enterprises"), count(&first, "enterprises"));

    // Moved onto a covered one: no longer a gap. (At a limit whose gap list is whole.)
    let (uri, short) = {
        let mut found = None;
        for minutes in [60, 90, 120, 45, 30, 180, 240] {
            let uri = format!("/coverage?kind=hazmat&minutes={minutes}");
            let (_, body) = send(&app, get(&uri).to_request()).await;
            if (1..500).contains(&count(&body, "enterprises")) {
                found = Some((uri, body));
                break;
            }
        }
        found.expect("a limit that leaves out fewer than 500 enterprises")
    };
    let listed: Vec<u64> = short["enterprises"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_u64())
        .collect();
    let (_, page) = send(&app, get("/collections/enterprises/items?limit=1000").to_request()).await;
    let covered = page["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["id"].as_u64().is_some_and(|id| !listed.contains(&id)))
        .cloned()
        .expect("a covered enterprise");
    let moved = TestRequest::patch()
        .uri(&format!("/collections/enterprises/items/{}", listed[0]))
        .set_json(json!({"geometry": covered["geometry"]}))
        .to_request();
    let (status, answer) = send(&app, moved).await;
    assert!(status < 300, "{status}: {answer}");
    let (_, after) = send(&app, get(&uri).to_request()).await;
    assert_eq!(count(&after, "enterprises"), count(&short, "enterprises") - 1, "{uri}");

    // A hazmat team deleted: one team fewer to start from.
    let (_, before) = send(&app, get(URI).to_request()).await;
    let (_, teams) = send(
        &app,
        get("/collections/rescue_teams/items?kind=hazmat&limit=1").to_request(),
    )
    .await;
    let team = teams["features"][0]["id"].as_u64().expect("a hazmat team");
    let delete = TestRequest::delete()
        .uri(&format!("/collections/rescue_teams/items/{team}"))
        .to_request();
    let (status, answer) = send(&app, delete).await;
    assert!(status < 300, "{status}: {answer}");
    let (_, fewer) = send(&app, get(URI).to_request()).await;
    assert_eq!(fewer["teams"].as_u64(), before["teams"].as_u64().map(|t| t - 1));
    assert!(count(&fewer, "enterprises") >= count(&before, "enterprises"));

    // Every road within 10 km of a hazmat team closed: it meets no road any more.
    let (_, teams) = send(
        &app,
        get("/collections/rescue_teams/items?kind=hazmat&limit=1").to_request(),
    )
    .await;
    let at = &teams["features"][0]["geometry"]["coordinates"];
    let (x, y) = (at[0].as_f64().expect("lon"), at[1].as_f64().expect("lat"));
    // 10 km: 0.09° of latitude, 0.114° of longitude at 38° N.
    let bbox = format!("{},{},{},{}", x - 0.13, y - 0.1, x + 0.13, y + 0.1);
    let (_, roads) = send(
        &app,
        get(&format!("/collections/roads/items?bbox={bbox}&limit=10000")).to_request(),
    )
    .await;
    let roads = roads["features"].as_array().expect("roads");
    assert!(!roads.is_empty(), "roads near the team");
    for road in roads {
        let close = TestRequest::patch()
            .uri(&format!("/collections/roads/items/{}", road["id"]))
            .set_json(json!({"properties": {"open": false}}))
            .to_request();
        let (status, answer) = send(&app, close).await;
        assert!(status < 300, "{status}: {answer}");
    }
    let (status, cut_off) = send(&app, get(URI).to_request()).await;
    assert_eq!(status, 200, "{cut_off}");
    assert!(
        cut_off["teams"].as_u64() < fewer["teams"].as_u64(),
        "the team no longer starts a reach: {} then {}",
        fewer["teams"],
        cut_off["teams"]
    );
}

/// `/nearest?by=distance` snaps each hit to its road. Once the coverage
/// index has snapped every enterprise, the hits' snaps come from the roads
/// it kept: the answers must be those of snapping each hit afresh (an app
/// that never built the index), also for an enterprise moved since the
/// index was made, and after roads change.
#[actix_web::test]
async fn nearest_by_distance_reads_the_kept_roads_as_a_fresh_snap_would() {
    let (dir, fresh_dir) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let app = app!(dir.path());
    let fresh = app!(fresh_dir.path());
    let origins = [(112.55, 37.85), (112.6, 37.9), (112.45, 37.8), (113.1, 36.2)];
    let uri = |(x, y): (f64, f64)| format!("/nearest?lon={x}&lat={y}&layer=enterprises&k=5&by=distance&route=true");
    let (status, body) = send(&app, get(URI).to_request()).await;
    assert_eq!(status, 200, "the index made: {body}");
    let same = async |what: &str| {
        for o in origins {
            let (s1, kept) = send(&app, get(&uri(o)).to_request()).await;
            let (s2, walked) = send(&fresh, get(&uri(o)).to_request()).await;
            assert_eq!((s1, s2), (200, 200), "{kept} {walked}");
            assert!(walked["results"][0]["travel_time_s"].is_number(), "{walked}");
            assert_eq!(kept, walked, "{what}, from {o:?}");
        }
    };
    same("as indexed").await;

    // A hit moved onto the origin, in both apps: its road is now the origin's.
    let (_, first) = send(&app, get(&uri(origins[0])).to_request()).await;
    let moved = first["results"][4]["id"].as_u64().expect("a fifth hit");
    let (x, y) = origins[0];
    for a in [&app, &fresh] {
        let patch = TestRequest::patch()
            .uri(&format!("/collections/enterprises/items/{moved}"))
            .set_json(json!({"geometry": {"type": "Point", "coordinates": [x + 0.002, y + 0.001]}}))
            .to_request();
        let (status, answer) = send(a, patch).await;
        assert!(status < 300, "{status}: {answer}");
    }
    let (_, after) = send(&app, get(&uri(origins[0])).to_request()).await;
    assert_eq!(after["results"][0]["id"], json!(moved), "now the nearest: {after}");
    same("a hit moved since").await;
    // The index brought up to date with the move (a coverage answer), then asked again.
    let (status, _) = send(&app, get("/coverage?kind=hazmat&minutes=25").to_request()).await;
    assert_eq!(status, 200);
    same("the move indexed").await;

    // Roads near the first origin closed: a new graph, for which nothing is kept yet.
    let (_, roads) = send(
        &app,
        get(&format!(
            "/collections/roads/items?bbox={},{},{},{}&limit=20",
            x - 0.01,
            y - 0.01,
            x + 0.01,
            y + 0.01
        ))
        .to_request(),
    )
    .await;
    let roads = roads["features"].as_array().expect("roads").clone();
    assert!(!roads.is_empty(), "roads near the origin");
    for road in roads {
        for a in [&app, &fresh] {
            let close = TestRequest::patch()
                .uri(&format!("/collections/roads/items/{}", road["id"]))
                .set_json(json!({"properties": {"open": false}}))
                .to_request();
            let (status, answer) = send(a, close).await;
            assert!(status < 300, "{status}: {answer}");
        }
    }
    same("roads closed").await;
}
