//! The edge over HTTP (docs/security.md, "The edge"): security headers on
//! every answer, cross-origin writes refused and nothing stored, JSON bodies
//! only, CORS closed unless an origin is configured, and HTTPS with rustls.

use crate::common::get;
use actix_web::http::header;
use actix_web::test;
use lookout_server::config::{Edge, TlsFiles};
use serde_json::{Value, json};
use std::path::Path;

const HOST: &str = "127.0.0.1:8080";
const OWN: &str = "http://127.0.0.1:8080";
const CONFIGURED: &str = "https://ops.example";

fn state(dir: &Path, edge: Edge) -> lookout_server::state::AppState {
    let mut state = crate::common::state(dir);
    let mut settings = (*state.settings).clone();
    settings.edge = edge;
    state.tls = settings.edge.tls.is_some();
    state.settings = std::sync::Arc::new(settings);
    state
}

/// The whole application, middleware included, as `serve` builds it.
macro_rules! edge_app {
    ($dir:expr) => {
        edge_app!(
            $dir,
            Edge {
                cors_origins: vec![CONFIGURED.into()],
                tls: None
            }
        )
    };
    ($dir:expr, $edge:expr) => {
        test::init_service(lookout_server::app::build(state($dir, $edge))).await
    };
}

fn fire(title: &str) -> Value {
    json!({"title": title, "kind": "fire", "location": [112.55, 37.87], "cordon_m": 300})
}

fn header<B>(resp: &actix_web::dev::ServiceResponse<B>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

macro_rules! last_event {
    ($app:expr) => {{
        let health: Value = test::call_and_read_body_json($app, get("/health").to_request()).await;
        health["last_event"].as_u64().expect("last_event")
    }};
}

macro_rules! incident_count {
    ($app:expr) => {{
        let list: Value = test::call_and_read_body_json($app, get("/incidents").to_request()).await;
        list["numberMatched"].as_u64().expect("numberMatched")
    }};
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    for uri in [
        "/tiles/enterprises/6/52/24",
        "/collections",
        "/health",
        "/map/",
        "/map/app.js",
        "/no/such/route",
    ] {
        let resp = test::call_service(&app, get(uri).to_request()).await;
        assert!(resp.status().as_u16() < 500, "{uri}: {}", resp.status());
        let csp = header(&resp, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{uri}: {csp}"
        );
        assert!(!csp.contains("http"), "no remote origin: {csp}");
        assert_eq!(
            header(&resp, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{uri}"
        );
        assert_eq!(
            header(&resp, "referrer-policy").as_deref(),
            Some("same-origin"),
            "{uri}"
        );
        assert_eq!(header(&resp, "x-frame-options").as_deref(), Some("DENY"), "{uri}");
    }
    let tile = test::call_service(&app, get("/tiles/enterprises/6/52/24").to_request()).await;
    assert_eq!(tile.status(), 200);
}

#[actix_web::test]
async fn server_written_pages_run_no_script_at_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    let resp = test::call_service(&app, get("/docs/architecture").to_request()).await;
    assert_eq!(resp.status(), 200);
    let csp = header(&resp, "content-security-policy").unwrap_or_default();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "scripts fall back to 'none': {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[actix_web::test]
async fn a_cross_origin_post_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    let before = last_event!(&app);
    let refused = [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null")],
        vec![("Origin", "http://127.0.0.1:8081")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "http://map.127.0.0.1.nip.example"),
        ],
    ];
    for headers in refused {
        let mut req = test::TestRequest::post()
            .uri("/incidents")
            .insert_header(("Host", HOST))
            .set_json(fire("from another site"));
        for h in &headers {
            req = req.insert_header(*h);
        }
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), 403, "{headers:?}");
        assert!(header(&resp, "content-security-policy").is_some());
        let body: Value = test::read_body_json(resp).await;
        assert_eq!(body["error"], "cross_origin", "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains("cors_origins")),
            "{body}"
        );
    }
    // Other write routes too: a team taken out of service, a feature deleted.
    for (method, uri) in [
        (actix_web::http::Method::POST, "/teams/1/status"),
        (actix_web::http::Method::DELETE, "/collections/enterprises/items/1"),
        (actix_web::http::Method::PATCH, "/collections/counties/items/1"),
    ] {
        let req = test::TestRequest::default()
            .method(method.clone())
            .uri(uri)
            .insert_header(("Host", HOST))
            .insert_header(("Origin", "https://evil.example"))
            .set_json(json!({"status": "out_of_service"}));
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), 403, "{method} {uri}");
    }
    assert_eq!(last_event!(&app), before, "nothing stored");
    assert_eq!(incident_count!(&app), 0);
}

#[actix_web::test]
async fn a_text_plain_post_is_refused_with_415() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    let body = fire("simple request").to_string();
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = test::TestRequest::post()
            .uri("/incidents")
            .insert_header(("Host", HOST))
            .set_payload(body.clone());
        if let Some(t) = content_type {
            req = req.insert_header(("Content-Type", t));
        }
        let resp = test::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), 415, "{content_type:?}");
        let answer: Value = test::read_body_json(resp).await;
        assert_eq!(answer["error"], "unsupported_media_type", "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("application/json"))
        );
    }
    assert_eq!(incident_count!(&app), 0, "nothing stored");
    // A POST with no body at all is not refused for its type.
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/incidents/999/close")
            .insert_header(("Host", HOST))
            .to_request(),
    )
    .await;
    assert_ne!(resp.status(), 415);
}

#[actix_web::test]
async fn same_origin_json_and_scripts_without_origin_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    let from_the_map = test::TestRequest::post()
        .uri("/incidents")
        .insert_header(("Host", HOST))
        .insert_header(("Origin", OWN))
        .insert_header(("Sec-Fetch-Site", "same-origin"))
        .insert_header(("Content-Type", "application/json; charset=utf-8"))
        .set_payload(fire("from the map").to_string());
    let resp = test::call_service(&app, from_the_map.to_request()).await;
    assert_eq!(resp.status(), 201);
    let from_a_script = test::TestRequest::post()
        .uri("/incidents")
        .set_json(fire("from a script"));
    let resp = test::call_service(&app, from_a_script.to_request()).await;
    assert_eq!(resp.status(), 201);
    let from_the_configured_origin = test::TestRequest::post()
        .uri("/incidents")
        .insert_header(("Host", HOST))
        .insert_header(("Origin", CONFIGURED))
        .insert_header(("Sec-Fetch-Site", "cross-site"))
        .set_json(fire("from the configured origin"));
    let resp = test::call_service(&app, from_the_configured_origin.to_request()).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        header(&resp, "access-control-allow-origin").as_deref(),
        Some(CONFIGURED)
    );
    assert_eq!(incident_count!(&app), 3);
    // A merge patch is JSON too.
    let patch = test::TestRequest::patch()
        .uri("/collections/enterprises/items/1")
        .insert_header(("Host", HOST))
        .insert_header(("Origin", OWN))
        .insert_header(("Content-Type", "application/merge-patch+json"))
        .set_payload(json!({"properties": {"name": "改名"}}).to_string());
    let resp = test::call_service(&app, patch.to_request()).await;
    assert!(resp.status().is_success(), "{}", resp.status());
}

fn preflight(origin: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/incidents")
        .insert_header(("Host", HOST))
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header(("Access-Control-Request-Headers", "content-type, idempotency-key"))
}

#[actix_web::test]
async fn cors_answers_a_configured_origin_and_nobody_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    let resp = test::call_service(&app, preflight(CONFIGURED).to_request()).await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(
        header(&resp, "access-control-allow-origin").as_deref(),
        Some(CONFIGURED)
    );
    let methods = header(&resp, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST") && methods.contains("PATCH"), "{methods}");
    let headers = header(&resp, "access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        headers.contains("content-type") && headers.contains("idempotency-key"),
        "{headers}"
    );
    assert!(header(&resp, "access-control-allow-credentials").is_none());

    let resp = test::call_service(&app, preflight("https://evil.example").to_request()).await;
    assert!(!resp.status().is_success(), "{}", resp.status());
    assert!(header(&resp, "access-control-allow-origin").is_none());
    assert!(header(&resp, "access-control-allow-methods").is_none());

    let read = test::call_service(
        &app,
        get("/health")
            .insert_header(("Origin", "https://evil.example"))
            .to_request(),
    )
    .await;
    assert_eq!(
        read.status(),
        200,
        "a read is answered; the browser keeps it from the page"
    );
    assert!(header(&read, "access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn cors_is_closed_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path(), Edge::default());
    let resp = test::call_service(&app, preflight(CONFIGURED).to_request()).await;
    assert!(!resp.status().is_success());
    assert!(header(&resp, "access-control-allow-origin").is_none());
    let post = test::TestRequest::post()
        .uri("/incidents")
        .insert_header(("Host", HOST))
        .insert_header(("Origin", CONFIGURED))
        .set_json(fire("x"));
    assert_eq!(test::call_service(&app, post.to_request()).await.status(), 403);
}

/// HTTPS: a self-signed certificate made here, the server bound with rustls
/// as `serve` binds it, and a GET over TLS with a client that trusts only it.
#[actix_web::test]
async fn the_server_answers_over_tls_with_the_given_certificate() {
    use std::io::{Read, Write};
    use std::sync::Arc;

    let dir = tempfile::tempdir().expect("tempdir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, cert.cert.pem()).expect("cert");
    std::fs::write(&files.key, cert.signing_key.serialize_pem()).expect("key");
    let config = lookout_server::tls::server_config(&files).expect("TLS config");
    let state = state(
        dir.path(),
        Edge {
            cors_origins: vec![],
            tls: Some(files),
        },
    );
    assert!(state.tls, "the flag sessions read to make their cookie Secure");
    let server = actix_web::HttpServer::new(move || lookout_server::app::build(state.clone()))
        .workers(1)
        .disable_signals()
        .bind_rustls_0_23(("127.0.0.1", 0), config)
        .expect("bind");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let der = cert.cert.der().clone();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).expect("root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let conn = rustls::ClientConnection::new(Arc::new(client), name).expect("client");
        let tcp = std::net::TcpStream::connect(addr).expect("connect");
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .expect("timeout");
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        tls.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut answer = String::new();
        // A peer that closes without close_notify is an error after the bytes arrived.
        let _ = tls.read_to_string(&mut answer);
        answer
    })
    .await
    .expect("client thread");
    handle.stop(false).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("content-security-policy"),
        "{answer}"
    );
}

#[actix_web::test]
async fn small_answers_are_sent_plain_and_large_ones_gzip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = edge_app!(dir.path());
    for (uri, gzip) in [
        ("/nearest?lon=112.55&lat=37.85&layer=enterprises&k=1&by=distance", false),
        ("/collections/enterprises/items?limit=50", true),
    ] {
        let resp = test::call_service(
            &app,
            get(uri).insert_header((header::ACCEPT_ENCODING, "gzip")).to_request(),
        )
        .await;
        assert_eq!(resp.status(), 200, "{uri}");
        let encoding = resp.headers().get(header::CONTENT_ENCODING).cloned();
        let body = test::read_body(resp).await;
        if gzip {
            assert_eq!(encoding.expect("gzip"), "gzip", "{uri}");
            assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip magic");
        } else {
            // No encoding header at all (not even the internal `identity` mark).
            assert_eq!(encoding, None, "{uri}");
            assert!(
                (body.len() as u64) < lookout_server::edge::COMPRESS_FROM_BYTES,
                "{}",
                body.len()
            );
            serde_json::from_slice::<serde_json::Value>(&body).expect("plain JSON");
        }
    }
}
