//! `GET /safety/distances` and `GET /safety/violations`: the safety-distance
//! check (docs/safety-distances.md) over the generated dataset, and a school
//! added just inside and just outside one hazard source's distance.

use crate::common::{get, post, send};
use serde_json::{Value, json};

fn class_rank(v: &Value) -> u8 {
    match v["class"].as_str() {
        Some("highly_sensitive") => 0,
        Some("high_density") => 1,
        Some("low_density") => 2,
        other => panic!("class {other:?}"),
    }
}

#[actix_web::test]
async fn violations_are_listed_most_severe_first_with_the_methods_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, body) = send(&app, get("/safety/violations?limit=10000").to_request()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hazard_sources"], 80);
    let rows = body["violations"].as_array().expect("violations");
    assert!(!rows.is_empty());
    assert_eq!(body["numberReturned"], rows.len());
    assert!(
        body["limits"].as_array().is_some_and(|l| l.len() >= 3),
        "{}",
        body["limits"]
    );
    assert!(rows.iter().any(|v| v["target_layer"] == "sensitive_sites"));
    for pair in rows.windows(2) {
        assert!(
            class_rank(&pair[0]) <= class_rank(&pair[1]),
            "{} before {}",
            pair[0],
            pair[1]
        );
    }
    for v in rows {
        let d = v["distance_m"].as_f64().expect("distance");
        let r = v["protection_distance_m"].as_f64().expect("protection distance");
        assert!(d <= r + 1.0, "{v}");
    }

    let (_, schools) = send(
        &app,
        get("/safety/violations?class=highly_sensitive&limit=5").to_request(),
    )
    .await;
    assert_eq!(schools["numberReturned"], 5);
    assert!(
        schools["violations"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|v| v["class"] == "highly_sensitive")
    );

    for bad in [
        "/safety/violations?class=kindergarten",
        "/safety/violations?limit=0",
        "/safety/violations?limit=1000000",
        "/safety/violations?radius=5",
        "/safety/distances?x=1",
    ] {
        let (status, body) = send(&app, get(bad).to_request()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{bad}: {body}");
    }
}

#[actix_web::test]
async fn the_distances_layer_is_one_circle_per_hazard_source_with_its_violations_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, layer) = send(&app, get("/safety/distances").to_request()).await;
    assert_eq!(status, 200, "{layer}");
    assert_eq!(layer["type"], "FeatureCollection");
    let features = layer["features"].as_array().expect("features");
    assert_eq!(
        features.len(),
        80,
        "every generated hazard source holds something with a distance"
    );
    let (_, all) = send(&app, get("/safety/violations?limit=10000").to_request()).await;
    let rows = all["violations"].as_array().expect("rows");
    for f in features {
        assert_eq!(f["geometry"]["type"], "Polygon");
        let p = &f["properties"];
        assert!(p["distance_m"].as_f64().is_some_and(|d| d > 0.0), "{p}");
        assert!(
            p["basis"]
                .as_str()
                .is_some_and(|b| b.contains("ERG 2020") || b.contains("1 psi")),
            "{p}"
        );
        let mine = rows
            .iter()
            .filter(|v| v["hazard_source_id"] == p["hazard_source_id"])
            .count();
        assert_eq!(p["violations"], mine, "{p}");
    }
}

#[actix_web::test]
async fn a_school_built_just_inside_the_distance_is_flagged_and_one_just_outside_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (_, layer) = send(&app, get("/safety/distances").to_request()).await;
    let first = &layer["features"][0]["properties"];
    let id = first["hazard_source_id"].as_u64().expect("id");
    let r = first["distance_m"].as_f64().expect("distance");
    let (_, source) = send(
        &app,
        get(&format!("/collections/hazard_sources/items/{id}")).to_request(),
    )
    .await;
    let c = &source["geometry"]["coordinates"];
    let centre = geo::Coord {
        x: c[0].as_f64().expect("lon"),
        y: c[1].as_f64().expect("lat"),
    };
    let mut added = Vec::new();
    for (name, metres) in [("内侧小学", r - 30.0), ("外侧小学", r + 30.0)] {
        // South-west, away from the generated sites' usual bearing: any bearing will do.
        let at = lookout_layers::impact::destination(centre, 225.0, metres);
        let school = json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [at.x, at.y]},
            "properties": {"name": name, "kind": "school", "persons": 900, "county_id": source["properties"]["county_id"],
                           "county": source["properties"]["county"], "city": source["properties"]["city"]}
        });
        let (status, body) = send(&app, post("/collections/sensitive_sites/items", school).to_request()).await;
        assert_eq!(status, 201, "{body}");
        added.push(body["id"].as_u64().expect("new id"));
    }
    let (_, near) = send(
        &app,
        get(&format!(
            "/safety/violations?hazard_source_id={id}&class=highly_sensitive"
        ))
        .to_request(),
    )
    .await;
    let listed: Vec<u64> = near["violations"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|v| v["target_layer"] == "sensitive_sites")
        .filter_map(|v| v["target_id"].as_u64())
        .collect();
    assert!(listed.contains(&added[0]), "the school 30 m inside is listed: {near}");
    assert!(!listed.contains(&added[1]), "the school 30 m outside is not: {near}");
    let row = near["violations"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|v| v["target_id"] == added[0] && v["target_layer"] == "sensitive_sites")
        .expect("row");
    assert_eq!(row["persons"], 900);
    assert!(
        (row["shortfall_m"].as_f64().expect("shortfall") - 30.0).abs() <= 2.0,
        "{row}"
    );
}

#[actix_web::test]
async fn a_county_user_sees_the_hazard_sources_and_places_of_the_county_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    // The county with the most hazard sources, so the check has something to say.
    let county = {
        let sources = state.store.catalog().hazard_sources.read();
        let mut counts = std::collections::BTreeMap::<u32, usize>::new();
        for f in sources.features() {
            *counts.entry(f.properties.county_id).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|&(id, n)| (n, std::cmp::Reverse(id)))
            .expect("a county")
            .0
    };
    let in_county = |layer: &str, id: u64| {
        let catalog = state.store.catalog();
        let county = match layer {
            "hazard_sources" => catalog
                .hazard_sources
                .read()
                .feature(id)
                .map(|f| f.properties.county_id),
            "sensitive_sites" => catalog
                .sensitive_sites
                .read()
                .feature(id)
                .map(|f| f.properties.county_id),
            "shelters" => catalog.shelters.read().feature(id).map(|f| f.properties.county_id),
            "population" => catalog.population.read().feature(id).map(|f| f.properties.county_id),
            other => panic!("layer {other}"),
        };
        json!(county.expect("feature"))
    };
    let app = scoped_app!(state.clone());
    let scoped = |uri: &str| {
        get(uri)
            .insert_header(("X-Test-Scope", county.to_string()))
            .to_request()
    };
    let (status, layer) = send(&app, scoped("/safety/distances")).await;
    assert_eq!(status, 200, "{layer}");
    let features = layer["features"].as_array().expect("features");
    let (_, listed) = send(
        &app,
        get(&format!("/collections/hazard_sources/items?county_id={county}")).to_request(),
    )
    .await;
    assert_eq!(
        features.len() as u64,
        listed["numberMatched"].as_u64().expect("matched")
    );
    let (_, rows) = send(&app, scoped("/safety/violations?limit=10000")).await;
    let (_, all) = send(&app, get("/safety/violations?limit=10000").to_request()).await;
    assert!(
        rows["numberMatched"].as_u64() < all["numberMatched"].as_u64(),
        "fewer than the whole region"
    );
    for v in rows["violations"].as_array().expect("rows") {
        let source = v["hazard_source_id"].as_u64().expect("source");
        let target = v["target_id"].as_u64().expect("target");
        assert_eq!(in_county("hazard_sources", source), json!(county), "{v}");
        assert_eq!(
            in_county(v["target_layer"].as_str().expect("layer"), target),
            json!(county),
            "{v}"
        );
    }
}
