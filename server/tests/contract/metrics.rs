//! `GET /metrics`: the Prometheus text a scraper reads, with requests by
//! route pattern (not raw path), tiles, the journal and the store's writes.

use crate::common::{get, post};
use actix_web::test;
use lookout_server::state::AppState;
use lookout_tiles::TileCoord;
use serde_json::json;

fn metric<'a>(text: &'a str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.split(['{', ' ']).next() == Some(name) && labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v: &'a str| v.parse().ok())
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_tiles_and_journal_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state: AppState = crate::common::state(dir.path());
    let app = test::init_service(lookout_server::app::build(state)).await;
    let resp = test::call_service(
        &app,
        post(
            "/incidents",
            json!({"kind": "fire", "location": [112.55, 37.87], "mass_kg": 100}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let tile = TileCoord::at(112.55, 37.87, 12).expect("tile");
    let tile = format!("/tiles/enterprises/{}/{}/{}", tile.z, tile.x, tile.y);
    for _ in 0..2 {
        let resp = test::call_service(&app, get(&tile).to_request()).await;
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    let resp = test::call_service(&app, get("/metrics").to_request()).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")),
    );
    let text = String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8");
    // By pattern: the tile's coordinates are not a label.
    let tiles = metric(
        &text,
        "lookout_http_requests_total",
        &[r#"route="/tiles/{layers}/{z}/{x}/{y}""#, r#"status="200""#],
    );
    assert!(tiles.is_some_and(|n| n >= 2.0), "{text}");
    assert!(!text.contains(&tile), "a raw path is a label");
    assert!(
        metric(
            &text,
            "lookout_http_request_duration_seconds_bucket",
            &[r#"route="/incidents""#, r#"status="201""#]
        )
        .is_some(),
        "{text}"
    );
    for name in [
        "lookout_tile_renders_total",
        "lookout_tile_cache_hits_total",
        "lookout_journal_fsync_seconds_count",
        "lookout_store_write_seconds_count",
        "lookout_journal_records_total",
    ] {
        assert!(metric(&text, name, &[]).is_some_and(|n| n >= 1.0), "{name} in {text}");
    }
    assert!(
        metric(&text, "lookout_journal_bytes", &[]).is_some_and(|n| n > 100.0),
        "{text}"
    );
    assert!(
        metric(&text, "lookout_store_last_event", &[]).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        metric(&text, "lookout_alarms_active", &[r#"colour="red""#]).is_some(),
        "{text}"
    );
}

#[actix_web::test]
async fn metrics_need_sign_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let app = test::init_service(lookout_server::app::build(state)).await;
    let resp = test::call_service(&app, get("/metrics").to_request()).await;
    assert_eq!(resp.status(), 401);
}
