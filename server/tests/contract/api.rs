//! Route tests: the application built without a socket, over the generated dataset.

use crate::common::state;
use actix_web::{App, http::StatusCode, test};
use lookout_server::app::configure;
use serde_json::{Value, json};

#[actix_web::test]
async fn routes_answer_and_refuse_with_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = test::init_service(App::new().configure(|cfg| configure(cfg, state(dir.path())))).await;

    let req = test::TestRequest::get()
        .uri("/collections/hazard_sources/items?limit=5")
        .to_request();
    let body: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(body["numberMatched"], 80);
    assert_eq!(body["numberReturned"], 5);

    for (uri, status) in [
        ("/collections/enterprises/items?bbox=1,2", StatusCode::BAD_REQUEST),
        ("/collections/enterprises/items?employees=many", StatusCode::BAD_REQUEST),
        ("/collections/enterprises/items?limit=0", StatusCode::BAD_REQUEST),
        ("/collections/volcanoes/items", StatusCode::NOT_FOUND),
        ("/collections/enterprises/items/0", StatusCode::NOT_FOUND),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(resp.status(), status, "{uri}");
        let body: Value = test::read_body_json(resp).await;
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{uri}: {body}");
    }
}

#[actix_web::test]
async fn a_refused_write_leaves_the_journal_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("journal.lkj");
    let app = test::init_service(App::new().configure(|cfg| configure(cfg, state(dir.path())))).await;
    let before = std::fs::metadata(&journal).expect("journal").len();

    let bad = test::TestRequest::patch()
        .uri("/collections/rescue_teams/items/1")
        .set_json(json!({"properties": {"personnel": "many"}}))
        .to_request();
    assert_eq!(
        test::call_service(&app, bad).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A team's status changes through the dispatch cycle, not a feature edit.
    let status = test::TestRequest::patch()
        .uri("/collections/rescue_teams/items/1")
        .set_json(json!({"properties": {"status": "sleeping"}}))
        .to_request();
    assert_eq!(test::call_service(&app, status).await.status(), StatusCode::CONFLICT);
    let not_json = test::TestRequest::patch()
        .uri("/collections/rescue_teams/items/1")
        .insert_header(("content-type", "application/json"))
        .set_payload("{status:")
        .to_request();
    assert_eq!(
        test::call_service(&app, not_json).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(std::fs::metadata(&journal).expect("journal").len(), before);

    let good = test::TestRequest::patch()
        .uri("/collections/rescue_teams/items/1")
        .set_json(json!({"properties": {"personnel": 77}}))
        .to_request();
    assert_eq!(test::call_service(&app, good).await.status(), StatusCode::NO_CONTENT);
    assert!(std::fs::metadata(&journal).expect("journal").len() > before);
    let req = test::TestRequest::get()
        .uri("/collections/rescue_teams/items/1")
        .to_request();
    let team: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(team["properties"]["personnel"], 77);
}

#[actix_web::test]
async fn a_hazard_sources_level_is_recomputed_not_taken_from_the_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = test::init_service(App::new().configure(|cfg| configure(cfg, state(dir.path())))).await;
    // Tonnes of chlorine next to a crowd: level 1 whatever the client claims.
    let patch = json!({"properties": {"level": 4, "people_within_500m": 500, "substances": [{"substance": "chlorine", "quantity_t": 100.0}]}});
    let req = test::TestRequest::patch()
        .uri("/collections/hazard_sources/items/1")
        .set_json(patch)
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::NO_CONTENT);
    let req = test::TestRequest::get()
        .uri("/collections/hazard_sources/items/1")
        .to_request();
    let h: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(h["properties"]["level"], 1);
    assert_eq!(h["properties"]["r_value"], 160.0); // α 2 · β 4 · 100/5
}
