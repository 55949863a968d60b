//! Commands → events: a request checked against the state now, and turned
//! into the event to store (ids assigned, the drill flag and the team's
//! current status filled in), or refused with the reason for the user.

use super::state::{IncidentState, Operations, team_status};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::feature::FeatureId;
use crate::impact;
use crate::model::{IncidentSpec, TeamStatus};
use serde_json::Value as Json;

/// Longest title, characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest note or description, characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Largest cordon radius, metres.
pub const MAX_CORDON_M: f64 = 50_000.0;

/// How far outside the region (the union of the counties) an incident may
/// lie, metres: one just across the border is flagged, one farther refused.
pub const MAX_OUTSIDE_REGION_M: f64 = 50_000.0;

/// Refuses a location more than [`MAX_OUTSIDE_REGION_M`] outside the region;
/// answers how far outside it lies (0 inside; `None` without counties).
pub fn check_region(catalog: &Catalog, location: [f64; 2]) -> Result<Option<f64>> {
    let [x, y] = location;
    let outside = catalog.distance_outside_region_m(geo::Coord { x, y });
    if let Some(d) = outside
        && d > MAX_OUTSIDE_REGION_M
    {
        return Err(invalid(format!(
            "location [{x}, {y}] is {:.1} km outside the region (the counties of the dataset); at most {:.0} km outside is accepted",
            d / 1000.0,
            MAX_OUTSIDE_REGION_M / 1000.0
        )));
    }
    Ok(outside)
}

pub(super) fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidRequest(m.into())
}

impl IncidentSpec {
    /// Refuses what cannot be: a point off the earth, impossible weather, an
    /// unknown substance, negative amounts, too much text.
    pub fn validate(&self) -> Result<()> {
        let [lon, lat] = self.location;
        if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-85.0..=85.0).contains(&lat)) {
            return Err(invalid(format!(
                "location must be [lon, lat] in degrees with latitude within ±85, got [{lon}, {lat}]"
            )));
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(invalid(format!("title is longer than {MAX_TITLE_CHARS} characters")));
        }
        if self.description.chars().count() > MAX_TEXT_CHARS {
            return Err(invalid(format!(
                "description is longer than {MAX_TEXT_CHARS} characters"
            )));
        }
        let positive = |name: &str, v: Option<f64>, max: f64| match v {
            Some(x) if !(x.is_finite() && x > 0.0 && x <= max) => Err(invalid(format!(
                "{name} must be more than 0 and at most {max}, got {x}"
            ))),
            _ => Ok(()),
        };
        positive("release_rate_kg_s", self.release_rate_kg_s, 100_000.0)?;
        positive("mass_kg", self.mass_kg, 1e9)?;
        positive("cordon_m", self.cordon_m, MAX_CORDON_M)?;
        if let Some(w) = &self.weather {
            w.validate().map_err(|e| invalid(e.to_string()))?;
        }
        if let Some(input) = self.hazard_input()? {
            impact::assess::zones(self.centre(), &input).map_err(|e| invalid(e.to_string()))?;
        } else {
            self.substance()?;
        }
        Ok(())
    }

    /// The spec with a JSON merge patch (RFC 7396) applied, checked.
    pub fn patched(&self, changes: &serde_json::Map<String, Json>) -> Result<Self> {
        let mut value = serde_json::to_value(self).map_err(|e| invalid(e.to_string()))?;
        let object = value.as_object_mut().ok_or_else(|| invalid("spec is not an object"))?;
        for (k, v) in changes {
            if v.is_null() {
                object.remove(k);
            } else {
                object.insert(k.clone(), v.clone());
            }
        }
        let spec: Self = serde_json::from_value(value).map_err(|e| invalid(format!("update: {e}")))?;
        spec.validate()?;
        Ok(spec)
    }
}

/// Moves the dispatch cycle allows, besides dispatching (available → dispatched).
pub fn next_statuses(from: TeamStatus) -> &'static [TeamStatus] {
    use TeamStatus as S;
    match from {
        S::Available => &[S::OutOfService],
        S::Dispatched => &[S::EnRoute, S::Returning, S::Available],
        S::EnRoute => &[S::OnScene, S::Returning],
        S::OnScene => &[S::Returning],
        S::Returning => &[S::Available],
        S::OutOfService => &[S::Available],
    }
}

impl Operations {
    pub(super) fn open_incident(&self, id: FeatureId) -> Result<&IncidentState> {
        let incident = self.incident(id).ok_or(Error::UnknownFeature {
            collection: "incidents",
            id,
        })?;
        if !incident.is_open() {
            return Err(Error::Conflict(format!(
                "incident {id} was closed at {}",
                incident
                    .closed_at
                    .map_or_else(String::new, |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            )));
        }
        Ok(incident)
    }

    /// Checks a request against the state now and returns the event to
    /// store: ids assigned, the drill flag and the team's current status
    /// filled in. Refuses with the reason for the user.
    pub fn check(&self, catalog: &Catalog, event: Event) -> Result<Event> {
        if event.alarm().is_some() {
            return self.check_alarm(event);
        }
        if let Event::Ledger(e) = event {
            return Ok(Event::Ledger(self.ledger.check(catalog, e)?));
        }
        if event.obligation().is_some() {
            return self.ledger.obligations().check(catalog, event);
        }
        if let Event::Inspection(e) = event {
            return Ok(Event::Inspection(self.inspections.check(catalog, &self.ledger, e)?));
        }
        Ok(match event {
            Event::IncidentOpened {
                incident,
                drill,
                scenario,
                spec,
            } => {
                spec.validate()?;
                check_region(catalog, spec.location)?;
                let next = self
                    .incidents
                    .keys()
                    .next_back()
                    .copied()
                    .unwrap_or(0)
                    .max(catalog.incidents.read().next_id().saturating_sub(1))
                    + 1;
                if incident != 0 && self.incidents.contains_key(&incident) {
                    return Err(Error::Conflict(format!("incident {incident} exists already")));
                }
                Event::IncidentOpened {
                    incident: if incident == 0 { next } else { incident },
                    drill,
                    scenario,
                    spec,
                }
            }
            Event::IncidentUpdated { incident, changes, .. } => {
                let current = self.open_incident(incident)?;
                if changes.is_empty() {
                    return Err(invalid("nothing to change"));
                }
                let patched = current.spec.patched(&changes)?;
                if changes.contains_key("location") {
                    check_region(catalog, patched.location)?;
                }
                Event::IncidentUpdated {
                    incident,
                    drill: current.drill,
                    changes,
                }
            }
            Event::IncidentClosed { incident, reason, .. } => {
                let current = self.open_incident(incident)?;
                if reason.chars().count() > MAX_TEXT_CHARS {
                    return Err(invalid(format!("reason is longer than {MAX_TEXT_CHARS} characters")));
                }
                Event::IncidentClosed {
                    incident,
                    drill: current.drill,
                    reason,
                }
            }
            Event::ZonesComputed { incident, zones, .. } => {
                let current = self.open_incident(incident)?;
                Event::ZonesComputed {
                    incident,
                    drill: current.drill,
                    zones,
                }
            }
            Event::UnitDispatched {
                incident,
                team,
                travel_s,
                distance_m,
                ..
            } => {
                let current = self.open_incident(incident)?;
                let drill = current.drill;
                let (_, name, kind) = team_status(catalog, team)?;
                let unit = self.unit(catalog, team, drill)?;
                if unit.status != TeamStatus::Available {
                    return Err(Error::Conflict(format!(
                        "team {name} ({team}) is {}{}: only an available team can be dispatched",
                        unit.status.code(),
                        unit.incident.map(|i| format!(" for incident {i}")).unwrap_or_default()
                    )));
                }
                Event::UnitDispatched {
                    incident,
                    drill,
                    team,
                    name,
                    kind,
                    travel_s,
                    distance_m,
                }
            }
            Event::UnitStatusChanged { team, drill, to, .. } => {
                let (_, name, _) = team_status(catalog, team)?;
                let unit = self.unit(catalog, team, drill)?;
                if to == TeamStatus::Dispatched {
                    return Err(Error::Conflict(format!(
                        "team {name} ({team}) is dispatched to an incident with POST /incidents/{{id}}/dispatch"
                    )));
                }
                let allowed = next_statuses(unit.status);
                if !allowed.contains(&to) {
                    return Err(Error::Conflict(format!(
                        "team {name} ({team}) is {}; it can go to {} next, not {}",
                        unit.status.code(),
                        allowed.iter().map(|s| s.code()).collect::<Vec<_>>().join(" or "),
                        to.code()
                    )));
                }
                if drill && unit.incident.is_none() && to != TeamStatus::Available {
                    return Err(Error::Conflict(format!(
                        "team {name} ({team}) has no drill assignment; drills change only the statuses of teams dispatched to them"
                    )));
                }
                Event::UnitStatusChanged {
                    team,
                    drill,
                    incident: unit.incident,
                    from: unit.status,
                    to,
                }
            }
            Event::IncidentAcknowledged { incident, .. } => {
                let current = self.open_incident(incident)?;
                if let (Some(at), Some(by)) = (current.acknowledged_at, &current.acknowledged_by) {
                    return Err(Error::Conflict(format!(
                        "incident {incident} was acknowledged by {by} at {}",
                        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )));
                }
                Event::IncidentAcknowledged {
                    incident,
                    drill: current.drill,
                }
            }
            Event::NoteAdded { incident, text, .. } => {
                let current = self.incident(incident).ok_or(Error::UnknownFeature {
                    collection: "incidents",
                    id: incident,
                })?;
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return Err(invalid("a note needs text"));
                }
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(invalid(format!("a note is at most {MAX_TEXT_CHARS} characters")));
                }
                Event::NoteAdded {
                    incident,
                    drill: current.drill,
                    text,
                }
            }
            Event::ValveClosed { incident, valve, .. } => {
                let current = self.open_incident(incident)?;
                if !current.gas_network {
                    return Err(Error::Conflict(format!(
                        "incident {incident} is not a gas leak: valves are closed for gas leaks"
                    )));
                }
                if catalog.gas_valves.read().feature(valve).is_none() {
                    return Err(Error::UnknownFeature {
                        collection: "gas_valves",
                        id: valve,
                    });
                }
                if current.valves_closed.iter().any(|v| v.valve == valve) {
                    return Err(Error::Conflict(format!("valve {valve} is closed already")));
                }
                Event::ValveClosed {
                    incident,
                    drill: current.drill,
                    valve,
                }
            }
            Event::InjectFired {
                incident,
                index,
                at_min,
                title,
                text,
                title_en,
                text_en,
                ..
            } => {
                let current = self.open_incident(incident)?;
                if !current.drill {
                    return Err(Error::Conflict(format!(
                        "incident {incident} is real: injects are for drills"
                    )));
                }
                if current.injects.iter().any(|i| i.index == index) {
                    return Err(Error::Conflict(format!("inject {index} has fired already")));
                }
                Event::InjectFired {
                    incident,
                    drill: true,
                    index,
                    at_min,
                    title,
                    text,
                    title_en,
                    text_en,
                }
            }
            other => return Err(invalid(format!("{} is not an operations event", other.kind()))),
        })
    }
}
