//! Operations: incidents, their impact zones, the units assigned to them,
//! notes and drill injects. All of it is a fold over events: [`Operations::check`]
//! turns a request into the event to store (or refuses it), the store keeps
//! it, and [`Operations::apply`] folds it in. Replaying the same events gives
//! the same state, which is what [`Operations::replay`] does for "the state at
//! time t".
//!
//! Real and drill incidents share the catalog of teams but never their
//! status: a drill keeps its own team statuses on top of the real ones (a
//! team busy for real is busy for the drill too), and never changes a real
//! team's status.
//!
//! - [`zones`]: the zones a spec calls for, with their exposure;
//! - [`state`]: the state types and the fold;
//! - [`timeline`]: each event in words, English and Chinese;
//! - [`check`]: commands checked into events;
//! - [`needs`], [`report`], [`scenario`]: recommendation, after-action report, drills.

pub mod alarms;
pub mod check;
pub mod needs;
pub mod report;
pub mod scenario;
pub mod situation;
pub mod state;
#[cfg(test)]
mod tests;
pub mod timeline;
pub mod zones;

pub use crate::model::{IncidentSpec, IncidentZone, ZoneExposure, ZoneRecord};
pub use alarms::{Acknowledgement, AlarmState};
pub use check::{MAX_CORDON_M, MAX_OUTSIDE_REGION_M, MAX_TEXT_CHARS, MAX_TITLE_CHARS, check_region, next_statuses};
pub use state::{
    IncidentState, InjectRecord, Note, Operations, TimelineEntry, UnitRecord, UnitState, ValveClosure, ZonesState,
};
pub use zones::{LISTED_PER_ZONE, compute_zones};

use crate::catalog::Catalog;
use crate::error::Result;
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::TeamStatus;
use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use state::new_incident;

impl Operations {
    /// The feature changes a checked event makes to the catalog: the
    /// incident's point, and a real team's status.
    pub fn derived(&self, record: &EventRecord) -> Vec<Event> {
        let mut out = Vec::new();
        let event = &record.event;
        if event.alarm().is_some() {
            if let Some((id, colour)) = self.hazard_alarm_after(event) {
                let mut properties = serde_json::Map::new();
                properties.insert(
                    "alarm".into(),
                    colour.map_or(Json::Null, |c| Json::String(c.code().into())),
                );
                out.push(Event::FeatureUpdated {
                    collection: "hazard_sources".into(),
                    id,
                    properties,
                    geometry: None,
                });
            }
            return out;
        }
        let drill = event.drill();
        match event {
            Event::UnitDispatched { team, .. } if !drill => out.push(team_status_event(*team, TeamStatus::Dispatched)),
            Event::UnitStatusChanged { team, to, .. } if !drill => out.push(team_status_event(*team, *to)),
            _ => {}
        }
        let incident = match event {
            Event::UnitStatusChanged { incident, .. } => *incident,
            Event::NoteAdded { .. }
            | Event::InjectFired { .. }
            | Event::IncidentAcknowledged { .. }
            | Event::ValveClosed { .. } => None,
            other => other.feature_id(),
        };
        if let Some(id) = incident {
            let mut state = match event {
                Event::IncidentOpened { .. } => None,
                _ => self.incidents.get(&id).map(|i| (**i).clone()),
            };
            if let Event::IncidentOpened {
                incident,
                drill,
                scenario,
                spec,
            } = event
            {
                state = Some(new_incident(record, *incident, *drill, scenario, spec));
                out.push(Event::FeatureCreated {
                    collection: "incidents".into(),
                    feature: state.as_ref().map(IncidentState::feature).unwrap_or(Json::Null),
                });
            } else if let Some(mut state) = state {
                state.fold(record);
                out.push(Event::FeatureReplaced {
                    collection: "incidents".into(),
                    id,
                    feature: state.feature(),
                });
            }
        }
        out
    }

    /// The events of "change what is known about incident `id` and redraw
    /// its zones": the update, and the zones of the spec it makes.
    pub fn update_events(
        &self,
        catalog: &Catalog,
        id: FeatureId,
        changes: serde_json::Map<String, Json>,
    ) -> Result<Vec<Event>> {
        let current = self.open_incident(id)?;
        let spec = current.spec.patched(&changes)?;
        let zones = compute_zones(catalog, &spec)?;
        let drill = current.drill;
        Ok(vec![
            Event::IncidentUpdated {
                incident: id,
                drill,
                changes,
            },
            Event::ZonesComputed {
                incident: id,
                drill,
                zones,
            },
        ])
    }

    /// The state as it was at `at`: the events up to then, folded afresh.
    pub fn replay(&self, at: DateTime<Utc>) -> Operations {
        let mut past = Operations::default();
        for record in self.log.iter().take_while(|r| r.at <= at) {
            past.apply(record.clone());
        }
        past
    }
}

/// The events of "open an incident and draw its zones", to store as one
/// unit ([`crate::store::Store::submit_unit`]): the zones name incident `0`,
/// the one opened.
pub fn open_events(catalog: &Catalog, spec: IncidentSpec, drill: bool, scenario: Option<String>) -> Result<Vec<Event>> {
    spec.validate()?;
    let zones = compute_zones(catalog, &spec)?;
    Ok(vec![
        Event::IncidentOpened {
            incident: 0,
            drill,
            scenario,
            spec,
        },
        Event::ZonesComputed {
            incident: 0,
            drill,
            zones,
        },
    ])
}

fn team_status_event(team: FeatureId, status: TeamStatus) -> Event {
    let mut properties = serde_json::Map::new();
    properties.insert("status".into(), Json::String(status.code().into()));
    Event::FeatureUpdated {
        collection: "rescue_teams".into(),
        id: team,
        properties,
        geometry: None,
    }
}
