//! The HTTP edge: tile ETag, 304 and content encodings; unknown query
//! parameters; wrong methods; paged lists that say when they are cut.

use crate::common::{get, post, send};
use actix_web::http::header;
use actix_web::test;
use lookout_tiles::TileCoord;
use serde_json::json;

#[actix_web::test]
async fn tiles_carry_an_etag_revalidate_with_304_and_honour_accept_encoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let t = TileCoord::at(112.55, 37.85, 10).expect("tile");
    let uri = format!("/tiles/enterprises,roads/{}/{}/{}", t.z, t.x, t.y);

    let resp = test::call_service(
        &app,
        get(&uri).insert_header((header::ACCEPT_ENCODING, "gzip")).to_request(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get(header::CONTENT_ENCODING).expect("encoding"), "gzip");
    assert_eq!(
        resp.headers().get(header::CACHE_CONTROL).expect("cache-control"),
        "no-cache"
    );
    let etag = resp
        .headers()
        .get(header::ETAG)
        .expect("etag")
        .to_str()
        .expect("ascii")
        .to_owned();
    let gz = test::read_body(resp).await;
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");

    // The cached tile again: the same bytes and tag.
    let resp = test::call_service(
        &app,
        get(&uri).insert_header((header::ACCEPT_ENCODING, "gzip")).to_request(),
    )
    .await;
    assert_eq!(
        resp.headers().get(header::ETAG).expect("etag").to_str().expect("ascii"),
        etag
    );
    assert_eq!(test::read_body(resp).await, gz);

    let resp = test::call_service(
        &app,
        get(&uri)
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .insert_header((header::IF_NONE_MATCH, etag.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 304);
    assert!(test::read_body(resp).await.is_empty());
    let resp = test::call_service(
        &app,
        get(&uri)
            .insert_header((header::IF_NONE_MATCH, "\"other\""))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 200, "another tag does not match");

    // gzip;q=0 refuses gzip, and no Accept-Encoding takes none: the plain MVT.
    for accept in [Some("gzip;q=0"), Some("gzip;q=0, identity"), None] {
        let mut req = get(&uri);
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT_ENCODING, a));
        }
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), 200, "{accept:?}");
        assert_eq!(
            resp.headers().get(header::CONTENT_ENCODING).expect("encoding"),
            "identity",
            "{accept:?}"
        );
        let plain = test::read_body(resp).await;
        assert!(plain.len() > gz.len() && plain[..2] != [0x1f, 0x8b], "{accept:?}");
    }

    for bad in [
        "/tiles/enterprises/23/0/0",
        "/tiles/enterprises/2/9/0",
        "/tiles/enterprises/10/1/1?risk_level=purple",
        "/tiles/enterprises/10/1/1?nonsense=1",
        "/tiles/enterprises/10/1/1?source=gpu",
    ] {
        let (status, body) = send(&app, get(bad).to_request()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = send(&app, get("/tiles/volcanoes/1/0/0").to_request()).await;
    assert_eq!(status, 404);
    let (status, tilejson) = send(&app, get("/tiles/enterprises,roads").to_request()).await;
    assert_eq!(status, 200);
    assert_eq!(tilejson["tilejson"], "3.0.0");
}

#[actix_web::test]
async fn a_tile_under_a_kilobyte_is_sent_as_it_is_even_to_a_gzip_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    // Inside Taiyuan's county at z15: the one county polygon covering the tile.
    let t = TileCoord::at(112.55, 37.85, 15).expect("tile");
    let uri = format!("/tiles/counties/{}/{}/{}", t.z, t.x, t.y);
    for round in ["rendered", "cached"] {
        let resp = test::call_service(
            &app,
            get(&uri).insert_header((header::ACCEPT_ENCODING, "gzip")).to_request(),
        )
        .await;
        assert_eq!(resp.status(), 200, "{round}");
        assert_eq!(
            resp.headers().get(header::CONTENT_ENCODING).expect("encoding"),
            "identity",
            "{round}"
        );
        let body = test::read_body(resp).await;
        assert!(!body.is_empty() && body.len() < 1024, "{round}: {} bytes", body.len());
        // An MVT: its first field is a layer (field 3, length-delimited), not the gzip magic.
        assert_eq!(body[0], 0x1a, "{round}");
    }
    // The large tile of the same place at z10 is still gzip.
    let t = TileCoord::at(112.55, 37.85, 10).expect("tile");
    let resp = test::call_service(
        &app,
        get(&format!("/tiles/enterprises,roads/{}/{}/{}", t.z, t.x, t.y))
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.headers().get(header::CONTENT_ENCODING).expect("encoding"), "gzip");
}

#[actix_web::test]
async fn an_unknown_query_parameter_is_a_400_that_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for (uri, name) in [
        ("/incidents?drilll=true", "drilll"),
        ("/incidents?status=opne", "opne"),
        ("/incidents?limit=many", "limit"),
        ("/incidents/zones?drill=maybe", "maybe"),
        ("/teams/status?drill=all", "drill"),
        ("/events?aftr=3", "aftr"),
        ("/events/stream?after=soon", "after"),
        ("/replay?at=2026-01-01T00:00:00Z&when=now", "when"),
        ("/incidents/1/recommendation?kk=3", "kk"),
        ("/nearest?lon=112.5&lat=37.8&k=lots", "k"),
        ("/nearest?lon=112.5&lat=37.8&colour=red", "colour"),
        ("/coverage?kind=hazmat&minutes=30&speed=9", "speed"),
        ("/collections/enterprises/items?limt=5", "limt"),
    ] {
        let (status, body) = send(&app, get(uri).to_request()).await;
        assert_eq!(status, 400, "{uri}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(name), "{uri}: {message}");
    }
}

#[actix_web::test]
async fn a_wrong_method_on_a_known_path_is_405_with_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for (req, allow) in [
        (test::TestRequest::delete().uri("/health"), "GET, HEAD"),
        (test::TestRequest::put().uri("/incidents"), "GET, HEAD, POST"),
        (test::TestRequest::delete().uri("/incidents/1"), "GET, HEAD, PATCH"),
        (test::TestRequest::get().uri("/incidents/1/dispatch"), "POST"),
        (test::TestRequest::post().uri("/tiles/roads/1/0/0"), "GET, HEAD"),
        (
            test::TestRequest::post().uri("/collections/roads/items/1"),
            "GET, HEAD, PUT, PATCH, DELETE",
        ),
    ] {
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers().get(header::ALLOW).expect("Allow"), allow);
        let body: serde_json::Value = test::read_body_json(resp).await;
        assert_eq!(body["error"], "method_not_allowed");
    }
    let (status, _) = send(&app, get("/no/such/route").to_request()).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn ready_answers_without_sign_in_when_the_store_is_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let app =
        test::init_service(actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state))).await;
    let (status, body) = send(&app, get("/ready").to_request()).await;
    assert_eq!(
        (status, &body["ready"], &body["store"]),
        (200, &json!(true), &json!("embedded")),
        "{body}"
    );
}

#[actix_web::test]
async fn head_answers_what_get_answers_on_every_kind_of_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let tile = TileCoord::at(112.55, 37.87, 12).expect("tile");
    let tile = format!("/tiles/enterprises/{}/{}/{}", tile.z, tile.x, tile.y);
    for uri in [
        "/",
        "/health",
        "/collections",
        "/collections/roads/items/1",
        "/map",
        "/map/",
        tile.as_str(),
    ] {
        let got = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        let head = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri(uri)
                .to_request(),
        )
        .await;
        assert_eq!(head.status(), got.status(), "HEAD {uri}");
        assert!(
            got.status().is_success() || got.status().is_redirection(),
            "GET {uri}: {}",
            got.status()
        );
        for name in [header::CONTENT_TYPE, header::ETAG, header::LOCATION] {
            assert_eq!(
                head.headers().get(&name),
                got.headers().get(&name),
                "HEAD {uri}: {name}"
            );
        }
    }
}

#[actix_web::test]
async fn the_incident_list_pages_and_says_when_it_is_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    for n in 0..3 {
        let body = json!({"kind": "fire", "location": [112.55 + f64::from(n) * 0.01, 37.85], "mass_kg": 100});
        let (status, inc) = send(&app, post("/incidents", body).to_request()).await;
        assert_eq!(status, 201, "{inc}");
    }
    let (status, page) = send(&app, get("/incidents?limit=2").to_request()).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["numberMatched"], 3);
    assert_eq!(page["numberReturned"], 2);
    assert_eq!(page["incidents"][0]["id"], 3, "newest first");
    let next = page["next"].as_str().expect("next: the list was cut");
    assert!(next.contains("offset=2") && next.contains("limit=2"), "{next}");
    let (_, last) = send(&app, get("/incidents?limit=2&offset=2").to_request()).await;
    assert_eq!(last["numberReturned"], 1);
    assert_eq!(last["next"], serde_json::Value::Null);
    let (status, _) = send(&app, get("/incidents?limit=0").to_request()).await;
    assert_eq!(status, 400);
    let (status, _) = send(&app, get("/incidents?limit=1001").to_request()).await;
    assert_eq!(status, 400);

    // The other lists that grow with the record page the same way.
    let (_, zones) = send(&app, get("/incidents/zones?limit=1").to_request()).await;
    assert_eq!(zones["type"], "FeatureCollection");
    assert_eq!(zones["numberReturned"], 1);
    assert!(zones["numberMatched"].as_u64().expect("matched") >= 3, "{zones}");
    assert!(
        zones["next"].as_str().is_some_and(|n| n.contains("offset=1")),
        "{zones}"
    );
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, past) = send(&app, get(&format!("/replay?at={later}&limit=2")).to_request()).await;
    assert_eq!(status, 200, "{past}");
    assert_eq!(
        (past["numberMatched"].as_u64(), past["numberReturned"].as_u64()),
        (Some(3), Some(2))
    );
    assert!(past["next"].is_string());
    let (_, teams) = send(&app, get("/teams/status?limit=5").to_request()).await;
    assert_eq!(teams["numberMatched"], 0);
    assert_eq!(teams["next"], serde_json::Value::Null);
}
