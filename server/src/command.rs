//! Commands the routes share: store an event, open an incident and draw its
//! zones, change an incident and redraw them. A route reads the request,
//! calls one of these (or the store) and writes the answer; no route calls
//! another route's code.
//!
//! Each command is one unit in the store (all its events stored, or none),
//! keyed with the request's `Idempotency-Key` ([`crate::idempotency::take`]).

use crate::error::ApiError;
use crate::idempotency;
use crate::state::AppState;
use actix_web::web;
use lookout_layers::ops::IncidentSpec;
use lookout_layers::{Author, Event, EventRecord, FeatureId};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// Stores the event. Tiles and clusters follow it (the store's observers)
/// before this returns, so the client's next tile shows the change.
pub async fn submit(state: &AppState, actor: Author, event: Event) -> Result<Arc<EventRecord>, ApiError> {
    if event.is_feature_change() && event.collection() == "incidents" {
        return Err(ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "incidents are written through /incidents (open, update, close), which keeps their record",
        ));
    }
    // The event asked for (a hazard source's regrade may follow it in the unit).
    let records = submit_unit(state, actor, vec![event]).await?;
    records
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the store stored nothing"))
}

/// Stores a command's events as one unit: all of them, or none.
pub async fn submit_unit(
    state: &AppState,
    actor: Author,
    events: Vec<Event>,
) -> Result<Vec<Arc<EventRecord>>, ApiError> {
    let store = state.store.clone();
    let key = idempotency::take();
    Ok(web::block(move || store.submit_unit(&actor, events, key))
        .await
        .map_err(ApiError::internal)??)
}

/// Opens an incident (or a drill) and draws its zones, as one unit; returns its id.
pub async fn open_incident(
    state: &AppState,
    actor: Author,
    spec: IncidentSpec,
    drill: bool,
    scenario: Option<String>,
) -> Result<FeatureId, ApiError> {
    let store = state.store.clone();
    let key = idempotency::take();
    Ok(
        web::block(move || store.open_incident(&actor, spec, drill, scenario, key))
            .await
            .map_err(ApiError::internal)??,
    )
}

/// Opens an incident from an alarm (its draft with `changes` merged in),
/// draws its zones and links the alarm, as one unit.
pub async fn open_incident_from_alarm(
    state: &AppState,
    actor: Author,
    alarm: FeatureId,
    changes: Map<String, Json>,
) -> Result<FeatureId, ApiError> {
    let s = state.clone();
    let key = idempotency::take();
    Ok(web::block(move || {
        lookout_layers::monitor::open_incident_from_alarm(&s.store, &s.readings, alarm, &changes, actor, key)
    })
    .await
    .map_err(ApiError::internal)??)
}

/// Applies a change to an incident's spec and redraws its zones, as one
/// unit, after `before` (the drill inject that brings the change).
pub async fn update_incident(
    state: &AppState,
    actor: Author,
    id: FeatureId,
    changes: Map<String, Json>,
    before: Vec<Event>,
) -> Result<(), ApiError> {
    let store = state.store.clone();
    let key = idempotency::take();
    web::block(move || store.update_incident(&actor, id, changes, before, key))
        .await
        .map_err(ApiError::internal)??;
    Ok(())
}
