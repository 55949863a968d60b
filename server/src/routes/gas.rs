//! `POST /gas/isolate`: the isolation trace for a gas leak
//! (`docs/gas-isolation.md`): valves to close in order, the isolated section,
//! who loses supply; `fail` re-runs it as if those valves will not close.

use crate::error::ApiError;
use crate::limits::MAX_FAIL_VALVES as MAX_FAIL;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use geo::Coord;
use lookout_layers::FeatureId;
use lookout_layers::gas::{IsolateError, LeakInput, isolate};
use serde::Deserialize;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/gas/isolate").post(post));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    point: Option<[f64; 2]>,
    pipe: Option<FeatureId>,
    valve: Option<FeatureId>,
    #[serde(default)]
    fail: Vec<FeatureId>,
}

fn leak(body: &Body) -> Result<LeakInput, ApiError> {
    if body.fail.len() > MAX_FAIL {
        return Err(ApiError::bad_request(format!("fail lists at most {MAX_FAIL} valves")));
    }
    match (body.point, body.pipe, body.valve) {
        (Some([x, y]), None, None) => {
            let on_earth = (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
            if !on_earth {
                return Err(ApiError::bad_request("point is [lon, lat] in degrees"));
            }
            Ok(LeakInput::Point(Coord { x, y }))
        }
        (None, Some(id), None) => Ok(LeakInput::Pipe(id)),
        (None, None, Some(id)) => Ok(LeakInput::Valve(id)),
        _ => Err(ApiError::bad_request(
            "give exactly one of point ([lon, lat]), pipe (a gas_pipes id) or valve (a gas_valves id)",
        )),
    }
}

fn refused(e: &IsolateError) -> ApiError {
    let message = e.to_string();
    match e {
        IsolateError::UnknownPipe(_) | IsolateError::UnknownValve(_) => ApiError::not_found(message),
        IsolateError::UnknownFailed(_) => ApiError::bad_request(message),
        IsolateError::FarFromMain { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_pipe_near", message),
        IsolateError::NoSupply { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_supply", message),
    }
}

/// A scoped caller traces only leaks in scope (`docs/security.md`, "Data
/// scope"): the point, or the pipe or valve named, must lie in the scope (403
/// `out_of_scope` otherwise). A leak in scope is answered whole: a valve to
/// close or a street losing gas across the scope's border is still shown,
/// since isolating the leak needs it.
fn check_scope(state: &AppState, scope: &RequestScope, input: &LeakInput) -> Result<(), ApiError> {
    let catalog = state.store.catalog();
    match input {
        LeakInput::Point(at) => scope.check_point(*at, "the leak"),
        LeakInput::Pipe(id) => scope.check_feature(catalog, "gas_pipes", *id),
        LeakInput::Valve(id) => scope.check_feature(catalog, "gas_valves", *id),
    }
}

/// `POST /gas/isolate` with `{"point": [lon, lat]}`, `{"pipe": id}` or `{"valve": id}`, and optionally `"fail": [valve ids]`.
async fn post(
    state: web::Data<AppState>,
    scope: RequestScope,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = leak(&body)?;
    check_scope(&state, &scope, &input)?;
    let state = state.into_inner();
    let answer = web::block(move || {
        let catalog = state.store.catalog();
        let graph = state.gas.graph(catalog);
        let roads = state.roads.graph(catalog);
        isolate(catalog, &graph, Some(&roads), &input, &body.fail)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| refused(&e))?;
    Ok(HttpResponse::Ok().json(answer))
}
