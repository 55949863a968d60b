//! `Idempotency-Key` over HTTP without a socket: a retry gets the first
//! answer and stores nothing; a reused key with another body is 422; the key
//! is stored with the events, so after a restart the answer is rebuilt.

use crate::common::{get, post};
use actix_web::App;
use actix_web::middleware::from_fn;
use actix_web::test;
use serde_json::{Value, json};

fn fire(title: &str) -> Value {
    json!({"title": title, "kind": "fire", "location": [112.55, 37.87], "cordon_m": 300})
}

macro_rules! keyed_app {
    ($dir:expr) => {
        test::init_service(
            App::new()
                .wrap(from_fn(lookout_server::idempotency::middleware))
                .configure(|cfg| lookout_server::app::configure(cfg, crate::common::state($dir))),
        )
        .await
    };
}

fn header<'a>(resp: &'a actix_web::dev::ServiceResponse, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

macro_rules! last_event {
    ($app:expr) => {{
        let health: Value = test::call_and_read_body_json($app, get("/health").to_request()).await;
        health["last_event"].as_u64().expect("last_event")
    }};
}

#[actix_web::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, body) = {
        let app = keyed_app!(dir.path());
        let req = || post("/incidents", fire("a")).insert_header(("Idempotency-Key", "key-1"));
        let first = test::call_service(&app, req().to_request()).await;
        assert_eq!(first.status(), 201);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first: Value = test::read_body_json(first).await;
        assert_eq!(last_event!(&app), 2, "opened and zones: one unit of two events");

        let again = test::call_service(&app, req().to_request()).await;
        assert_eq!(again.status(), 201);
        assert_eq!(header(&again, "idempotent-replayed"), "true");
        assert_eq!(header(&again, "location"), format!("/incidents/{}", first["id"]));
        let again: Value = test::read_body_json(again).await;
        assert_eq!(again, first, "the first answer, as it was");
        assert_eq!(last_event!(&app), 2);

        let reused = test::call_service(
            &app,
            post("/incidents", fire("b"))
                .insert_header(("Idempotency-Key", "key-1"))
                .to_request(),
        )
        .await;
        assert_eq!(reused.status(), 422);
        let reused: Value = test::read_body_json(reused).await;
        assert_eq!(reused["error"], "idempotency_key_reused");

        // Without a key, or with another, a request is new.
        let other = test::call_service(
            &app,
            post("/incidents", fire("a"))
                .insert_header(("Idempotency-Key", "key-2"))
                .to_request(),
        )
        .await;
        assert_eq!(other.status(), 201);
        assert_eq!(last_event!(&app), 4);
        (first["id"].clone(), first)
    };

    // A restart: the answer is no longer kept in memory, the stored key rebuilds it.
    let app = keyed_app!(dir.path());
    let again = test::call_service(
        &app,
        post("/incidents", fire("a"))
            .insert_header(("Idempotency-Key", "key-1"))
            .to_request(),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(header(&again, "idempotent-replayed"), "true");
    let again: Value = test::read_body_json(again).await;
    assert_eq!((&again["id"], &again["zones"]), (&id, &body["zones"]));
    assert_eq!(last_event!(&app), 4);
}

#[actix_web::test]
async fn a_bad_key_is_400_and_a_refused_request_is_not_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = keyed_app!(dir.path());
    let long = "k".repeat(300);
    let resp = test::call_service(
        &app,
        post("/incidents", fire("a"))
            .insert_header(("Idempotency-Key", long.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    // A refused request stored nothing: its retry (fixed) with the same key runs.
    let bad = json!({"kind": "fire"});
    let resp = test::call_service(
        &app,
        post("/incidents", bad)
            .insert_header(("Idempotency-Key", "k-3"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let resp = test::call_service(
        &app,
        post("/incidents", fire("a"))
            .insert_header(("Idempotency-Key", "k-3"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 201);
}
