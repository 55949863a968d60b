//! What the route tests share: the application over the generated scale-1
//! dataset (generated once per test binary), without a socket.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use lookout_layers::Dataset;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::store::Store;
use lookout_layers::store::journal::DatasetIdentity;
use lookout_server::config::Settings;
use lookout_server::state::AppState;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn dataset() -> Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
            generate::generate(&counties, Options::default(), &Silent).expect("dataset")
        })
        .clone()
}

/// State over a fresh store whose journal is in `dir`.
pub fn state(dir: &Path) -> AppState {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let identity = DatasetIdentity::generated(1, 1, generate::GENERATOR_VERSION);
    let (store, ..) = Store::embedded(dataset(), identity, &dir.join("journal.lkj")).expect("store");
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("addr"),
        data_dir: root.join("data"),
        state_dir: dir.into(),
        web_dir: None,
        seed: 1,
        scale: 1,
        region: Arc::new(lookout_layers::region::Region::builtin()),
        open: false,
        store: None,
        tile_source: Default::default(),
        edge: Default::default(),
        readings_retention_days: 90,
        mqtt: None,
        mqtt_client_id: "lookout".into(),
        ledger: Default::default(),
        snapshots: Default::default(),
        history: false,
        risk: Default::default(),
    };
    let state = AppState::new(Arc::new(store), settings).expect("state");
    // The route tests write without signing in, as `lookout serve --dev-open`
    // does; tests/permissions.rs signs in ([`closed_state`]).
    state.auth.set_dev_open(true);
    state
}

/// State over a fresh store in `dir` that requires sign-in.
pub fn closed_state(dir: &Path) -> AppState {
    let state = state(dir);
    state.auth.set_dev_open(false);
    state
}

/// The application over a fresh store in `dir`, without a socket.
macro_rules! app {
    ($dir:expr) => {
        actix_web::test::init_service(
            actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, $crate::common::state($dir))),
        )
        .await
    };
}

/// Sends a request; returns the status and the body as JSON (`Null` if empty or not JSON).
pub async fn send<S, R>(app: &S, req: R) -> (u16, Value)
where
    S: Service<R, Response = ServiceResponse, Error = actix_web::Error>,
{
    let resp = test::call_service(app, req).await;
    let status = resp.status().as_u16();
    let bytes = test::read_body(resp).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A GET.
pub fn get(uri: &str) -> test::TestRequest {
    test::TestRequest::get().uri(uri)
}

/// A POST of a JSON body by a named actor.
pub fn post(uri: &str, body: Value) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("X-Lookout-Actor", "duty-officer"))
        .set_json(body)
}

/// The application over `state`, where a request with `X-Test-Scope:
/// <county id>` is scoped to that county, as a signed-in user limited to
/// it would be.
macro_rules! scoped_app {
    ($state:expr) => {{
        let state = $state;
        actix_web::test::init_service(
            actix_web::App::new()
                .wrap_fn(|req, srv| {
                    use actix_web::HttpMessage;
                    use actix_web::dev::Service;
                    let county = req
                        .headers()
                        .get("x-test-scope")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u32>().ok());
                    if let Some(c) = county {
                        req.extensions_mut()
                            .insert(std::sync::Arc::new(lookout_layers::scope::ScopeSpec {
                                cities: vec![],
                                counties: vec![c],
                            }));
                    }
                    srv.call(req)
                })
                .configure(move |cfg| lookout_server::app::configure(cfg, state)),
        )
        .await
    }};
}
