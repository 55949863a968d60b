//! Commands the routes share: store an event, open an incident and draw its
//! zones, change an incident and redraw them. A route reads the request,
//! calls one of these (or the store) and writes the answer; no route calls
//! another route's code.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::web;
use lookout_layers::ops::{IncidentSpec, compute_zones};
use lookout_layers::{Event, EventRecord, FeatureId};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// Stores the event. Tiles and clusters follow it (the store's observers)
/// before this returns, so the client's next tile shows the change.
pub async fn submit(state: &AppState, actor: String, event: Event) -> Result<Arc<EventRecord>, ApiError> {
    if event.is_feature_change() && event.collection() == "incidents" {
        return Err(ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "incidents are written through /incidents (open, update, close), which keeps their record",
        ));
    }
    let store = state.store.clone();
    Ok(web::block(move || store.submit(&actor, event))
        .await
        .map_err(ApiError::internal)??)
}

/// Computes the zones of `spec` (CPU work, off the async threads).
async fn zones_of(state: &AppState, spec: IncidentSpec) -> Result<lookout_layers::ops::ZoneRecord, ApiError> {
    let store = state.store.clone();
    Ok(web::block(move || compute_zones(store.catalog(), &spec))
        .await
        .map_err(ApiError::internal)??)
}

/// Opens an incident (or a drill) and draws its zones; returns its id.
pub async fn open_incident(
    state: &AppState,
    actor: String,
    spec: IncidentSpec,
    drill: bool,
    scenario: Option<String>,
) -> Result<FeatureId, ApiError> {
    spec.validate()?;
    let zones = zones_of(state, spec.clone()).await?;
    let record = submit(
        state,
        actor.clone(),
        Event::IncidentOpened {
            incident: 0,
            drill,
            scenario,
            spec,
        },
    )
    .await?;
    let id = record.event.feature_id().unwrap_or_default();
    submit(
        state,
        actor,
        Event::ZonesComputed {
            incident: id,
            drill,
            zones,
        },
    )
    .await?;
    Ok(id)
}

/// Applies a change to an incident's spec and redraws its zones.
pub async fn update_incident(
    state: &AppState,
    actor: String,
    id: FeatureId,
    changes: Map<String, Json>,
) -> Result<(), ApiError> {
    submit(
        state,
        actor.clone(),
        Event::IncidentUpdated {
            incident: id,
            drill: false,
            changes,
        },
    )
    .await?;
    let spec = {
        let ops = state.store.operations();
        ops.incident(id)
            .map(|i| i.spec.clone())
            .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?
    };
    let zones = zones_of(state, spec).await?;
    submit(
        state,
        actor,
        Event::ZonesComputed {
            incident: id,
            drill: false,
            zones,
        },
    )
    .await?;
    Ok(())
}
