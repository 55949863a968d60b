//! How operations state is shown over HTTP: an incident's detail (with what
//! it needs and each unit's allowed next statuses), its summary for lists,
//! and the collections an event changes. Shared by the incident, drill and
//! event routes.

use crate::error::ApiError;
use crate::state::AppState;
use lookout_layers::model::TeamStatus;
use lookout_layers::ops::{IncidentState, needs, next_statuses};
use lookout_layers::{Event, EventRecord, FeatureId};
use serde_json::{Value as Json, json};

/// Media type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";

/// The statuses a unit may move to next, as codes (`POST /teams/{id}/status`).
pub fn next(status: TeamStatus) -> Json {
    json!(next_statuses(status))
}

/// The incident as the API shows it: its record, what it needs, and for each
/// unit the statuses it may move to next.
pub fn detail(incident: &IncidentState) -> Json {
    let mut value = serde_json::to_value(incident).unwrap_or(Json::Null);
    value["needs"] = json!(needs::needs(&incident.spec));
    if let Some(units) = value.get_mut("units").and_then(Json::as_array_mut) {
        for (unit, record) in units.iter_mut().zip(&incident.units) {
            unit["next"] = if record.active() {
                next(record.status)
            } else {
                json!([])
            };
        }
    }
    value
}

/// The incident without zone polygons and timeline, for lists.
pub fn summary(incident: &IncidentState) -> Json {
    let mut value = detail(incident);
    if let Some(zones) = value.pointer_mut("/zones/zones").and_then(Json::as_array_mut) {
        for z in zones {
            if let Some(z) = z.as_object_mut() {
                z.remove("polygon");
                if let Some(e) = z.get_mut("exposure").and_then(Json::as_object_mut) {
                    e.remove("layers");
                }
            }
        }
    }
    if let Some(v) = value.as_object_mut() {
        v.remove("timeline");
    }
    value
}

/// The incident's detail as it is now; one placed outside the region (but
/// within [`lookout_layers::ops::MAX_OUTSIDE_REGION_M`] of it) carries
/// `outside_region_m`, how far outside, so a client can warn.
pub fn current(state: &AppState, id: FeatureId) -> Result<Json, ApiError> {
    let ops = state.store.operations();
    let incident = ops
        .incident(id)
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
    let mut value = detail(incident);
    let [x, y] = incident.spec.location;
    if let Some(d) = state.store.catalog().distance_outside_region_m(geo::Coord { x, y })
        && d > 0.0
    {
        value["outside_region_m"] = json!(d.round());
    }
    if incident.gas_network {
        // The isolation trace at the incident's location, as it is now: a
        // gas leak's opening and every update move it (docs/gas-isolation.md).
        let catalog = state.store.catalog();
        let isolation = lookout_layers::gas::incident_isolation(
            catalog,
            &state.gas.graph(catalog),
            Some(&state.roads.graph(catalog)),
            incident.spec.location,
            &incident.valves_closed,
        );
        value["gas_isolation"] = serde_json::to_value(isolation).unwrap_or(Json::Null);
    }
    Ok(value)
}

/// The feature collections an event changes, so a client knows which layers
/// to reload without knowing the rules: a feature change its collection; an
/// incident event `incidents` (its point on the map); a real dispatch or
/// status change also `rescue_teams` (the team's `status`). A drill never
/// changes a team's feature, and a note or inject changes no feature.
pub fn collections(event: &Event) -> Vec<&str> {
    let drill = event.drill();
    match event {
        e if e.is_feature_change() => vec![e.collection()],
        Event::UnitDispatched { .. } if !drill => vec!["incidents", "rescue_teams"],
        Event::UnitStatusChanged { incident, .. } => {
            let mut out = Vec::new();
            if incident.is_some() {
                out.push("incidents");
            }
            if !drill {
                out.push("rescue_teams");
            }
            out
        }
        Event::NoteAdded { .. }
        | Event::InjectFired { .. }
        | Event::IncidentAcknowledged { .. }
        | Event::ValveClosed { .. } => Vec::new(),
        Event::AlarmRaised { hazard_source, .. } => {
            if hazard_source.is_some() {
                vec!["hazard_sources"]
            } else {
                Vec::new()
            }
        }
        Event::AlarmChanged { .. } | Event::AlarmCleared { .. } => vec!["hazard_sources"],
        e if e.alarm().is_some() => Vec::new(),
        Event::Ledger(_) => Vec::new(),
        e if e.obligation().is_some() => Vec::new(),
        Event::Inspection(_) => Vec::new(),
        Event::HazardRegraded { .. } => vec!["hazard_sources"],
        _ => vec!["incidents"],
    }
}

/// An event record as pushed and listed: the record with `collections`.
pub fn event(record: &EventRecord) -> Json {
    let mut value = serde_json::to_value(record).unwrap_or(Json::Null);
    value["collections"] = json!(collections(&record.event));
    value
}
