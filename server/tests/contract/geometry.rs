//! Geometry is checked on every write (issue 14, item 6): an invalid one is a
//! 400 that says what and where, and nothing is stored.

use crate::common::{get, send};
use actix_web::test::TestRequest;
use lookout_layers::model::County;
use lookout_layers::{Record, validity};
use serde_json::{Value, json};

fn patch(uri: &str, body: Value) -> TestRequest {
    TestRequest::patch()
        .uri(uri)
        .insert_header(("X-Lookout-Actor", "duty-officer"))
        .set_json(body)
}

#[actix_web::test]
async fn a_bow_tie_patched_into_counties_is_a_400_with_where_and_the_county_is_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("journal.lkj");
    let app = app!(dir.path());
    let (status, before) = send(&app, get("/collections/counties/items/1").to_request()).await;
    assert_eq!(status, 200);
    let journal_before = std::fs::metadata(&journal).expect("journal").len();

    let bow_tie = json!({"type": "Polygon", "coordinates": [[[112.0, 37.0], [113.0, 38.0], [113.0, 37.0], [112.0, 38.0], [112.0, 37.0]]]});
    let (status, body) = send(
        &app,
        patch("/collections/counties/items/1", json!({"geometry": bow_tie})).to_request(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_geometry");
    assert_eq!(
        body["message"],
        "invalid counties geometry: ring 0 self-intersects near [112.50000, 37.50000]"
    );

    let (_, after) = send(&app, get("/collections/counties/items/1").to_request()).await;
    assert_eq!(after, before);
    assert_eq!(std::fs::metadata(&journal).expect("journal").len(), journal_before);
}

#[actix_web::test]
async fn a_point_outside_the_region_is_a_400_and_a_county_stored_invalid_keeps_its_properties_editable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let shelter = |coordinates: [f64; 2]| {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
               "properties": {"name": "测试避难场所", "kind": "park", "capacity": 100, "occupancy": 0,
                              "county_id": 1, "county": "小店区", "city": "太原市"}})
    };
    for outside in [[0.0, 0.0], [116.4, 39.9]] {
        let (status, body) = send(
            &app,
            crate::common::post("/collections/shelters/items", shelter(outside)).to_request(),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("outside the region")),
            "{body}"
        );
    }

    // The source's 24 self-crossing county outlines are repaired on
    // generation: every county served is a valid polygon, and an edit of a
    // county's properties alone is accepted.
    let (_, counties) = send(&app, get("/collections/counties/items?limit=200").to_request()).await;
    let features = counties["features"].as_array().expect("features");
    assert_eq!(features.len(), 119);
    for f in features {
        let g: lookout_layers::feature::ParsedGeometry =
            serde_json::from_value(f["geometry"].clone()).expect("geometry");
        let check = validity::check(County::INFO, &g.0);
        assert!(check.is_ok(), "county {}: {check:?}", f["id"]);
    }
    let county = &features[0];
    let uri = format!("/collections/counties/items/{}", county["id"]);
    let (status, body) = send(
        &app,
        patch(
            &uri,
            json!({"properties": {"label_point": county["properties"]["label_point"]}}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 204, "{body}");
}
