//! Who may do what, over HTTP without a socket (docs/security.md): every
//! route of the route table × every role gets what the permission table
//! says (the expected answer is derived from the permission the table names
//! and the role table, which is checked against the document), 401 without
//! sign-in, the CSRF token on cookie-signed changes, bearer tokens without
//! it, revoked tokens and disabled users' sessions refused.

use crate::common::send;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::test::{self, TestRequest};
use lookout_layers::Event;
use lookout_layers::auth::{Permission, Role, password, token};
use lookout_server::auth::{Access, access, allowed};
use lookout_server::state::AppState;
use serde_json::{Value, json};

/// Every route of the table, with its methods.
fn route_table() -> Vec<(&'static str, Vec<Method>)> {
    let mut table = Vec::new();
    let _app = actix_web::App::new().configure(|cfg| table = lookout_server::routes::configure(cfg));
    table
}

/// Concrete paths for a pattern: one per collection for the collection routes.
fn concrete(pattern: &str) -> Vec<(String, Option<&'static str>)> {
    let collections: &[Option<&'static str>] = if pattern.contains("{collection}") {
        &[
            Some("enterprises"),
            Some("hazard_sources"),
            Some("roads"),
            Some("counties"),
        ]
    } else {
        &[None]
    };
    collections
        .iter()
        .map(|c| {
            let path = pattern
                .replace("{collection}", c.unwrap_or_default())
                .replace("{id}", "1")
                .replace("{layers}", "enterprises")
                .replace("{z}", "0")
                .replace("{x}", "0")
                .replace("{y}", "0")
                .replace("{name}", "architecture")
                .replace("{username}", "nobody");
            (path, *c)
        })
        .collect()
}

/// Gives every role an API token (no password hashing: fast); returns the secrets.
fn tokens(state: &AppState) -> Vec<(Role, String)> {
    Role::ALL
        .iter()
        .map(|&role| {
            let secret = token::new_token();
            let event = Event::TokenCreated {
                id: token::new_id(),
                name: format!("{role}-token"),
                role,
                scope: None,
                hash: token::digest(&secret),
            };
            state.store.submit(format!("{role}-user"), event).expect("token");
            (role, secret)
        })
        .collect()
}

async fn status<S, R>(app: &S, req: R) -> (u16, Value)
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let resp = test::call_service(app, req).await;
    let code = resp.status().as_u16();
    // Bodies of refusals are read; an allowed answer may be an endless stream.
    if code == 401 || code == 403 {
        let bytes = test::read_body(resp).await;
        return (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null));
    }
    (code, Value::Null)
}

fn request(method: &Method, path: &str) -> TestRequest {
    let req = TestRequest::default().method(method.clone()).uri(path);
    if method == Method::GET || method == Method::DELETE {
        req
    } else {
        req.insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{}")
    }
}

#[test]
fn the_role_table_is_the_one_in_docs_security_md() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md")).expect("doc");
    let header_row = doc
        .lines()
        .find(|l| l.starts_with("| permission |"))
        .expect("the permission table");
    let roles: Vec<Role> = header_row
        .split('|')
        .skip(3)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().expect("a role in the header"))
        .collect();
    assert_eq!(roles, Role::ALL, "the table's columns are the roles, in order");
    let mut seen = Vec::new();
    let rows = doc
        .lines()
        .skip_while(|l| !l.starts_with("| permission |"))
        .take_while(|l| l.starts_with('|'));
    for line in rows.filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`');
        let Some(permission) = Permission::ALL.into_iter().find(|p| p.as_str() == name) else {
            panic!("docs/security.md names a permission the server does not have: {name}");
        };
        seen.push(permission);
        for (role, cell) in roles.iter().zip(&cells[3..]) {
            match *cell {
                "✓" => assert!(role.allows(permission), "{role} should have {name}"),
                "–" | "-" => assert!(!role.allows(permission), "{role} should not have {name}"),
                partial => {
                    // "enterprises and hazard_sources only"
                    assert!(role.allows(permission), "{role} has {name} in part: {partial}");
                    for c in ["enterprises", "hazard_sources"] {
                        assert_eq!(role.may_edit(c), partial.contains(c), "{role} on {c}");
                    }
                    assert!(!role.may_edit("roads"));
                }
            }
        }
    }
    assert_eq!(seen.len(), Permission::ALL.len(), "every permission is in the document");
}

#[actix_web::test]
async fn every_route_times_every_role_is_allowed_or_403_as_the_table_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let secrets = tokens(&state);
    let app =
        test::init_service(actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state.clone())))
            .await;
    let table = route_table();
    assert!(table.len() > 40, "{} routes", table.len());
    let mut checked = 0;
    for (pattern, methods) in &table {
        for method in methods {
            let needed = access(pattern, method);
            for (path, collection) in concrete(pattern) {
                // Not signed in.
                let (code, _) = status(&app, request(method, &path).to_request()).await;
                if needed == Access::Public {
                    assert_ne!(code, 401, "{method} {path} is public");
                } else {
                    assert_eq!(code, 401, "{method} {path} without sign-in");
                }
                for (role, secret) in &secrets {
                    let req = request(method, &path).insert_header((header::AUTHORIZATION, format!("Bearer {secret}")));
                    let (code, body) = status(&app, req.to_request()).await;
                    if allowed(*role, needed, collection) {
                        assert!(code != 401 && code != 403, "{method} {path} as {role}: {code} {body}");
                    } else {
                        assert_eq!(code, 403, "{method} {path} as {role}");
                        assert_eq!(body["error"], "forbidden");
                        let message = body["message"].as_str().unwrap_or_default();
                        assert!(message.contains(role.as_str()), "{message}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100, "{checked} refusals checked");
}

#[test]
fn writes_name_the_permissions_of_the_document() {
    use Permission as P;
    let need = |path: &str, method: Method| access(path, &method);
    assert_eq!(need("/incidents", Method::POST), Access::Need(P::Respond));
    assert_eq!(need("/incidents/{id}/dispatch", Method::POST), Access::Need(P::Respond));
    assert_eq!(need("/teams/{id}/status", Method::POST), Access::Need(P::Respond));
    assert_eq!(need("/scenarios/{id}/start", Method::POST), Access::Need(P::Drill));
    assert_eq!(need("/impact", Method::POST), Access::Need(P::Analyse));
    assert_eq!(need("/users", Method::GET), Access::Need(P::Administer));
    assert_eq!(need("/audit", Method::GET), Access::Need(P::Administer));
    assert_eq!(
        need("/collections/{collection}/items", Method::POST),
        Access::EditCollection
    );
    assert_eq!(need("/auth/login", Method::POST), Access::Public);
    assert_eq!(need("/health", Method::GET), Access::Public);
    assert_eq!(need("/incidents", Method::GET), Access::Need(P::Read));
    assert_eq!(
        need("/some/new/route", Method::POST),
        Access::Need(P::Administer),
        "closed by default"
    );
}

fn login(username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/auth/login")
        .peer_addr("10.1.2.3:5000".parse().expect("addr"))
        .set_json(json!({"username": username, "password": password}))
}

fn session_cookie(resp: &ServiceResponse) -> String {
    let set = resp
        .headers()
        .get(header::SET_COOKIE)
        .expect("Set-Cookie")
        .to_str()
        .expect("ascii");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "no TLS here: {set}");
    set.split(';').next().expect("pair").to_owned()
}

const INCIDENT: &str = r#"{"kind": "fire", "location": [112.55, 37.85], "title": "csrf test"}"#;

#[actix_web::test]
async fn sessions_need_the_csrf_token_end_on_sign_out_and_when_the_user_is_disabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let hash = password::hash("duty officer 7").expect("hash");
    let create = |name: &str| Event::UserCreated {
        username: name.into(),
        role: Role::Dispatcher,
        scope: None,
        password_hash: hash.clone(),
        team: None,
    };
    state.store.submit("admin", create("wang")).expect("user");
    let app =
        test::init_service(actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state.clone())))
            .await;

    let (code, body) = send(&app, login("wang", "wrong password").to_request()).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("unauthorized")));
    let resp = test::call_service(&app, login("wang", "duty officer 7").to_request()).await;
    assert_eq!(resp.status(), 200);
    let cookie = session_cookie(&resp);
    let body: Value = test::read_body_json(resp).await;
    let csrf = body["csrf_token"].as_str().expect("csrf").to_owned();
    assert_eq!(body["user"]["role"], "dispatcher");

    let me = TestRequest::get()
        .uri("/auth/me")
        .insert_header((header::COOKIE, cookie.clone()));
    let (code, body) = send(&app, me.to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(
        (body["user"]["username"].as_str(), body["csrf_token"].as_str()),
        (Some("wang"), Some(csrf.as_str()))
    );
    assert_eq!(body["dev_open"], false);

    let open = || {
        TestRequest::post()
            .uri("/incidents")
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(INCIDENT)
    };
    let (code, body) = send(&app, open().to_request()).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("csrf")), "{body}");
    let (code, _) = send(
        &app,
        open().insert_header(("X-CSRF-Token", "0".repeat(64))).to_request(),
    )
    .await;
    assert_eq!(code, 403, "a wrong CSRF token");
    let (code, body) = send(&app, open().insert_header(("X-CSRF-Token", csrf.clone())).to_request()).await;
    assert_eq!(code, 201, "{body}");
    // The event is signed by the session's user, whatever a header says.
    let (_, events) = send(
        &app,
        TestRequest::get()
            .uri("/events")
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header(("X-Lookout-Actor", "someone-else"))
            .to_request(),
    )
    .await;
    let actors: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(!actors.is_empty() && actors.iter().all(|a| *a == "wang"), "{actors:?}");
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event"]["type"].as_str())
        .collect();
    assert!(
        !kinds.iter().any(|k| k.starts_with("user_") || k.starts_with("sign")),
        "auth events are not listed: {kinds:?}"
    );

    // A viewer role is refused, naming role and permission.
    let viewer = Event::UserUpdated {
        username: "wang".into(),
        role: Role::Viewer,
        scope: None,
        disabled: false,
        password_hash: None,
        team: None,
    };
    state.store.submit("admin", viewer).expect("role change");
    let (code, body) = send(&app, open().insert_header(("X-CSRF-Token", csrf.clone())).to_request()).await;
    assert_eq!(code, 403);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("viewer") && message.contains("respond"), "{message}");

    // Disabled: the session ends at once.
    state
        .store
        .submit(
            "admin",
            Event::UserDisabled {
                username: "wang".into(),
            },
        )
        .expect("disable");
    let me = TestRequest::get()
        .uri("/auth/me")
        .insert_header((header::COOKIE, cookie.clone()));
    assert_eq!(send(&app, me.to_request()).await.0, 401);
    let (code, _) = send(&app, login("wang", "duty officer 7").to_request()).await;
    assert_eq!(code, 401, "a disabled user cannot sign in");

    // Sign-out ends a session.
    state.store.submit("admin", create("li")).expect("user");
    let resp = test::call_service(&app, login("li", "duty officer 7").to_request()).await;
    let cookie = session_cookie(&resp);
    let csrf = test::read_body_json::<Value, _>(resp).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let out = TestRequest::post()
        .uri("/auth/logout")
        .insert_header((header::COOKIE, cookie.clone()))
        .insert_header(("X-CSRF-Token", csrf));
    assert_eq!(send(&app, out.to_request()).await.0, 204);
    let me = TestRequest::get()
        .uri("/auth/me")
        .insert_header((header::COOKIE, cookie));
    assert_eq!(send(&app, me.to_request()).await.0, 401);

    // The audit lists sign-ins and failures, without hashes.
    let admin = token::new_token();
    let event = Event::TokenCreated {
        id: "tok_admin".into(),
        name: "audit-script".into(),
        role: Role::Admin,
        scope: None,
        hash: token::digest(&admin),
    };
    state.store.submit("admin", event).expect("token");
    let audit = TestRequest::get()
        .uri("/audit?user=wang&limit=50")
        .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")));
    let (code, body) = send(&app, audit.to_request()).await;
    assert_eq!(code, 200, "{body}");
    let kinds: Vec<&str> = body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for k in [
        "sign_in_failed",
        "signed_in",
        "user_disabled",
        "user_created",
        "incident_opened",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let text = body.to_string();
    assert!(
        !text.contains(&hash) && !text.contains("argon2"),
        "no hashes in the audit"
    );
}

#[actix_web::test]
async fn bearer_tokens_need_no_csrf_and_a_revoked_one_is_401() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let secret = token::new_token();
    let event = Event::TokenCreated {
        id: "tok_desk".into(),
        name: "desk-script".into(),
        role: Role::Dispatcher,
        scope: None,
        hash: token::digest(&secret),
    };
    state.store.submit("zhao", event).expect("token");
    let app =
        test::init_service(actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state.clone())))
            .await;
    let open = || {
        TestRequest::post()
            .uri("/incidents")
            .insert_header((header::AUTHORIZATION, format!("Bearer {secret}")))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(INCIDENT)
    };
    let (code, body) = send(&app, open().to_request()).await;
    assert_eq!(code, 201, "{body}");
    let last = state.store.operations().log().last().cloned().expect("an event");
    assert_eq!(
        (last.actor.as_str(), last.token.as_deref()),
        ("zhao", Some("desk-script"))
    );

    state
        .store
        .submit("admin", Event::TokenRevoked { id: "tok_desk".into() })
        .expect("revoke");
    let (code, body) = send(&app, open().to_request()).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("unauthorized")));
    let bad = TestRequest::get()
        .uri("/incidents")
        .insert_header((header::AUTHORIZATION, "Bearer not-a-token"));
    assert_eq!(send(&app, bad.to_request()).await.0, 401);
}

#[actix_web::test]
async fn dev_open_makes_everyone_admin_as_dev_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (code, body) = send(&app, TestRequest::get().uri("/auth/me").to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(body["user"]["username"], "dev");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["dev_open"], true);
}

#[actix_web::test]
async fn a_stored_idempotent_answer_is_not_replayed_to_someone_not_signed_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::closed_state(dir.path());
    let secrets = tokens(&state);
    let app = test::init_service(
        actix_web::App::new()
            .wrap(actix_web::middleware::from_fn(lookout_server::idempotency::middleware))
            .configure(|cfg| lookout_server::app::configure(cfg, state.clone())),
    )
    .await;
    let secret = |role: Role| {
        secrets
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, s)| s.clone())
            .expect("token")
    };
    let open = |bearer: Option<String>| {
        let req = TestRequest::post()
            .uri("/incidents")
            .insert_header(("Idempotency-Key", "k-1"))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(INCIDENT);
        match bearer {
            Some(s) => req.insert_header((header::AUTHORIZATION, format!("Bearer {s}"))),
            None => req,
        }
    };
    let (code, body) = send(&app, open(Some(secret(Role::Dispatcher))).to_request()).await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(send(&app, open(None).to_request()).await.0, 401);
    assert_eq!(send(&app, open(Some(secret(Role::Viewer))).to_request()).await.0, 403);
    assert_eq!(
        send(&app, open(Some(secret(Role::Dispatcher))).to_request()).await.0,
        201,
        "the retry"
    );
    // Before routing the collection is read from the path: an inspector's
    // keyed write to enterprises passes, to roads it does not.
    let write = |collection: &str| {
        TestRequest::post()
            .uri(&format!("/collections/{collection}/items"))
            .insert_header(("Idempotency-Key", format!("w-{collection}")))
            .insert_header((header::AUTHORIZATION, format!("Bearer {}", secret(Role::Inspector))))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{}")
    };
    let (code, _) = send(&app, write("enterprises").to_request()).await;
    assert!(code != 401 && code != 403, "{code}");
    assert_eq!(send(&app, write("roads").to_request()).await.0, 403);
}
