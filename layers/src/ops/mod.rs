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

pub mod needs;
pub mod report;
pub mod scenario;
#[cfg(test)]
mod tests;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::exposure::{Zone, exposure};
use crate::feature::FeatureId;
use crate::impact::assess::{Hazard, HazardInput};
use crate::impact::{self, SpillSize, Substance, Weather};
use crate::model::{Incident, IncidentKind, IncidentStatus, TeamStatus};
use chrono::{DateTime, Utc};
use geo::{Coord, MultiPolygon};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Longest title, characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest note or description, characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Largest cordon radius, metres.
pub const MAX_CORDON_M: f64 = 50_000.0;
/// Features listed per layer per zone in a stored zone record (counts stay complete).
pub const LISTED_PER_ZONE: usize = 50;

/// What is known about an incident: what the duty officer fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// Short title.
    #[serde(default)]
    pub title: String,
    /// Kind of incident.
    pub kind: IncidentKind,
    /// Where, `[lon, lat]` (WGS 84).
    pub location: [f64; 2],
    /// Substance involved (code, name, CAS or UN number).
    #[serde(default)]
    pub substance: Option<String>,
    /// ERG spill size; large if not given.
    #[serde(default)]
    pub spill: Option<SpillSize>,
    /// Continuous release rate, kg/s: adds plume tiers.
    #[serde(default)]
    pub release_rate_kg_s: Option<f64>,
    /// Mass involved, kg: fires and explosions.
    #[serde(default)]
    pub mass_kg: Option<f64>,
    /// Radius of a warning cordon (警戒区), metres.
    #[serde(default)]
    pub cordon_m: Option<f64>,
    /// Weather at the scene.
    #[serde(default)]
    pub weather: Option<Weather>,
    /// Known casualties.
    #[serde(default)]
    pub casualties: Option<u32>,
    /// What is known, in words.
    #[serde(default)]
    pub description: String,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidRequest(m.into())
}

impl IncidentSpec {
    /// The location as a coordinate.
    pub fn centre(&self) -> Coord<f64> {
        Coord {
            x: self.location[0],
            y: self.location[1],
        }
    }

    /// The substance, resolved (codes, aliases, names, CAS and UN numbers).
    pub fn substance(&self) -> Result<Option<&'static Substance>> {
        let key = match (&self.substance, self.kind) {
            (Some(s), _) => s.as_str(),
            (None, IncidentKind::GasLeak) => "natural_gas",
            (None, _) => return Ok(None),
        };
        Substance::require(key).map(Some).map_err(|e| invalid(e.to_string()))
    }

    /// The hazard model input, if the kind and what is known call for one.
    pub fn hazard_input(&self) -> Result<Option<HazardInput>> {
        let substance = self.substance()?.map(|s| s.code.to_owned());
        let hazard = match self.kind {
            IncidentKind::Leak | IncidentKind::GasLeak => Hazard::Release,
            IncidentKind::Fire if self.mass_kg.is_some() => Hazard::Fire,
            IncidentKind::Explosion if self.mass_kg.is_some() => Hazard::Explosion,
            _ => return Ok(None),
        };
        let Some(weather) = self.weather else {
            if hazard == Hazard::Release {
                return Err(invalid(
                    "a leak needs the weather: wind_from_deg, wind_speed_ms, daytime",
                ));
            }
            // Fire and blast circles do not depend on the wind.
            return Ok(Some(HazardInput {
                hazard,
                substance,
                spill: self.spill.unwrap_or(SpillSize::Large),
                release_rate_kg_s: None,
                mass_kg: self.mass_kg,
                weather: Weather {
                    wind_from_deg: 0.0,
                    wind_speed_ms: 2.0,
                    daytime: true,
                    stability: None,
                },
            }));
        };
        Ok(Some(HazardInput {
            hazard,
            substance,
            spill: self.spill.unwrap_or(SpillSize::Large),
            release_rate_kg_s: self.release_rate_kg_s,
            mass_kg: self.mass_kg,
            weather,
        }))
    }

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

/// Impact zones as computed and stored: each zone's GeoJSON polygon, method,
/// thresholds and exposure (lists trimmed to [`LISTED_PER_ZONE`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneRecord {
    /// The substance as understood.
    #[serde(default)]
    pub substance: Option<String>,
    /// The zones, least severe first.
    pub zones: Vec<Json>,
    /// The methods' limits, in words.
    #[serde(default)]
    pub limits: Vec<String>,
    /// Major hazard sources and gas mains inside the zones.
    #[serde(default)]
    pub domino: Vec<Json>,
    /// Why there are no zones, when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ZoneRecord {
    /// Residents inside the largest zone (the zones nest, or nearly).
    pub fn people(&self) -> Option<u64> {
        self.zones
            .iter()
            .filter_map(|z| z.pointer("/exposure/population").and_then(Json::as_u64))
            .max()
    }
}

fn trimmed_exposure(area: &Zone, catalog: &Catalog) -> Json {
    let mut e = serde_json::to_value(exposure(catalog, area)).unwrap_or(Json::Null);
    if let Some(layers) = e.get_mut("layers").and_then(Json::as_object_mut) {
        for layer in layers.values_mut() {
            if let Some(items) = layer.get_mut("items").and_then(Json::as_array_mut) {
                items.truncate(LISTED_PER_ZONE);
            }
        }
    }
    e
}

/// The zones an incident calls for, with what lies inside each, and the domino check.
pub fn compute_zones(catalog: &Catalog, spec: &IncidentSpec) -> Result<ZoneRecord> {
    let centre = spec.centre();
    let mut record = ZoneRecord {
        substance: spec.substance()?.map(|s| s.code.to_owned()),
        zones: Vec::new(),
        limits: Vec::new(),
        domino: Vec::new(),
        note: None,
    };
    if let Some(radius) = spec.cordon_m {
        let polygon = impact::circle(centre, radius);
        let area = Zone::Polygon(MultiPolygon(vec![polygon.clone()]));
        record.zones.push(json!({
            "tier": "cordon",
            "method": "cordon",
            "label_zh": format!("警戒区 {radius:.0} 米"),
            "label_en": format!("Cordon {radius:.0} m"),
            "polygon": geojson::Geometry::from(&polygon),
            "radius_m": radius,
            "downwind_m": null,
            "threshold": null,
            "exposure": trimmed_exposure(&area, catalog),
        }));
    }
    match spec.hazard_input()? {
        Some(input) => {
            let assessment = impact::assess::assess(catalog, centre, &input).map_err(|e| invalid(e.to_string()))?;
            for z in assessment.zones {
                let area = Zone::Polygon(MultiPolygon(vec![z.zone.polygon.clone()]));
                let mut zone = serde_json::to_value(&z.zone).unwrap_or(Json::Null);
                zone["exposure"] = trimmed_exposure(&area, catalog);
                record.zones.push(zone);
            }
            record.limits = assessment.limits;
            record.domino = assessment
                .domino
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect();
        }
        None if record.zones.is_empty() => {
            record.note = Some(format!(
                "no dispersion, fire or blast model applies to a {} {}; set cordon_m to draw a warning cordon",
                spec.kind.code(),
                match spec.kind {
                    IncidentKind::Fire | IncidentKind::Explosion => "without mass_kg",
                    _ => "incident",
                }
            ));
        }
        None => {}
    }
    Ok(record)
}

/// A team's status and the incident it is assigned to, in one world (real or drill).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnitState {
    /// Dispatch status.
    pub status: TeamStatus,
    /// The incident it works for, while assigned.
    pub incident: Option<FeatureId>,
}

/// One team's assignment to one incident, with the time of each step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRecord {
    /// `rescue_teams` id.
    pub team: FeatureId,
    /// Team name.
    pub name: String,
    /// Team kind code.
    pub kind: String,
    /// Status now (or when the assignment ended).
    pub status: TeamStatus,
    /// Estimated road travel time when dispatched, seconds.
    pub travel_s: Option<f64>,
    /// Straight-line distance when dispatched, metres.
    pub distance_m: Option<f64>,
    /// Dispatched.
    pub dispatched_at: DateTime<Utc>,
    /// Left the base.
    pub en_route_at: Option<DateTime<Utc>>,
    /// Arrived.
    pub on_scene_at: Option<DateTime<Utc>>,
    /// Left the scene (or was recalled).
    pub returning_at: Option<DateTime<Utc>>,
    /// Back and available again: the assignment is over.
    pub available_at: Option<DateTime<Utc>>,
}

impl UnitRecord {
    /// Whether the team still works for the incident.
    pub fn active(&self) -> bool {
        self.available_at.is_none()
    }
}

/// A note in an incident's log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// Event number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// The note.
    pub text: String,
}

/// An inject that fired in a drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InjectRecord {
    /// Event number.
    pub seq: u64,
    /// When it fired.
    pub at: DateTime<Utc>,
    /// Index in the scenario.
    pub index: usize,
    /// Scenario minute it was set for.
    pub at_min: f64,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
}

/// The zones as last computed, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZonesState {
    /// Event number.
    pub seq: u64,
    /// When computed.
    pub at: DateTime<Utc>,
    /// The zones.
    #[serde(flatten)]
    pub record: ZoneRecord,
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Event number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// In English.
    pub summary_en: String,
    /// In Chinese.
    pub summary_zh: String,
}

/// An incident and everything on its record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentState {
    /// Incident id (also its `incidents` feature id).
    pub id: FeatureId,
    /// A drill.
    pub drill: bool,
    /// Scenario it was started from.
    pub scenario: Option<String>,
    /// What is known.
    #[serde(flatten)]
    pub spec: IncidentSpec,
    /// Open or closed.
    pub status: IncidentStatus,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// By whom.
    pub opened_by: String,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why.
    pub close_reason: Option<String>,
    /// The zones as last computed.
    pub zones: Option<ZonesState>,
    /// Teams assigned, in the order dispatched.
    pub units: Vec<UnitRecord>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Injects fired (drills).
    pub injects: Vec<InjectRecord>,
    /// Every event of the incident, in order.
    pub timeline: Vec<TimelineEntry>,
}

impl IncidentState {
    /// Whether it is still being handled.
    pub fn is_open(&self) -> bool {
        self.status == IncidentStatus::Open
    }

    /// The `incidents` feature that shows it on the map.
    pub fn feature(&self) -> Json {
        let props = Incident {
            title: self.spec.title.clone(),
            kind: self.spec.kind,
            status: self.status,
            drill: self.drill,
            substance: self
                .spec
                .substance()
                .ok()
                .flatten()
                .map(|s| s.code.to_owned())
                .or_else(|| self.spec.substance.clone()),
            opened_at: self.opened_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            units: u32::try_from(self.units.iter().filter(|u| u.active()).count()).unwrap_or(u32::MAX),
            people_in_zones: self.zones.as_ref().and_then(|z| z.record.people()),
        };
        json!({
            "type": "Feature",
            "id": self.id,
            "geometry": {"type": "Point", "coordinates": self.spec.location},
            "properties": props,
        })
    }

    fn fold(&mut self, record: &EventRecord) {
        let at = record.at;
        match &record.event {
            Event::IncidentUpdated { changes, .. } => match self.spec.patched(changes) {
                Ok(spec) => self.spec = spec,
                Err(e) => tracing::error!(seq = record.seq, error = %e, "a stored incident update no longer applies"),
            },
            Event::IncidentClosed { reason, .. } => {
                self.status = IncidentStatus::Closed;
                self.closed_at = Some(at);
                self.close_reason = Some(reason.clone());
            }
            Event::ZonesComputed { zones, .. } => {
                self.zones = Some(ZonesState {
                    seq: record.seq,
                    at,
                    record: zones.clone(),
                });
            }
            Event::UnitDispatched {
                team,
                name,
                kind,
                travel_s,
                distance_m,
                ..
            } => self.units.push(UnitRecord {
                team: *team,
                name: name.clone(),
                kind: kind.clone(),
                status: TeamStatus::Dispatched,
                travel_s: *travel_s,
                distance_m: *distance_m,
                dispatched_at: at,
                en_route_at: None,
                on_scene_at: None,
                returning_at: None,
                available_at: None,
            }),
            Event::UnitStatusChanged { team, to, .. } => {
                if let Some(unit) = self.units.iter_mut().rev().find(|u| u.team == *team && u.active()) {
                    unit.status = *to;
                    let slot = match to {
                        TeamStatus::EnRoute => &mut unit.en_route_at,
                        TeamStatus::OnScene => &mut unit.on_scene_at,
                        TeamStatus::Returning => &mut unit.returning_at,
                        TeamStatus::Available | TeamStatus::OutOfService => &mut unit.available_at,
                        TeamStatus::Dispatched => &mut unit.en_route_at,
                    };
                    if slot.is_none() || *to == TeamStatus::Available {
                        *slot = Some(at);
                    }
                }
            }
            Event::NoteAdded { text, .. } => self.notes.push(Note {
                seq: record.seq,
                at,
                actor: record.actor.clone(),
                text: text.clone(),
            }),
            Event::InjectFired {
                index,
                at_min,
                title,
                text,
                ..
            } => self.injects.push(InjectRecord {
                seq: record.seq,
                at,
                index: *index,
                at_min: *at_min,
                title: title.clone(),
                text: text.clone(),
            }),
            _ => {}
        }
        let (summary_en, summary_zh) = summary(&record.event, self);
        self.timeline.push(TimelineEntry {
            seq: record.seq,
            at,
            actor: record.actor.clone(),
            kind: record.event.kind(),
            summary_en,
            summary_zh,
        });
    }
}

fn summary(event: &Event, incident: &IncidentState) -> (String, String) {
    let team_name = |team: FeatureId| {
        incident
            .units
            .iter()
            .rev()
            .find(|u| u.team == team)
            .map_or_else(|| format!("team {team}"), |u| u.name.clone())
    };
    match event {
        Event::IncidentOpened { spec, drill, .. } => {
            let drill_en = if *drill { "Drill " } else { "" };
            let drill_zh = if *drill { "【演习】" } else { "" };
            (
                format!("{drill_en}incident opened: {} ({})", spec.title, spec.kind.code()),
                format!("{drill_zh}接报立案：{}（{}）", spec.title, spec.kind.label_zh()),
            )
        }
        Event::IncidentUpdated { changes, .. } => {
            let keys: Vec<&str> = changes.keys().map(String::as_str).collect();
            (
                format!("Updated: {}", keys.join(", ")),
                format!("信息更新：{}", keys.join("、")),
            )
        }
        Event::IncidentClosed { reason, .. } => (format!("Closed: {reason}"), format!("处置结束：{reason}")),
        Event::ZonesComputed { zones, .. } => {
            let people = zones.people().unwrap_or(0);
            (
                format!("{} impact zones drawn, {people} residents inside", zones.zones.len()),
                format!("划定影响区域 {} 个，区内常住人口约 {people} 人", zones.zones.len()),
            )
        }
        Event::UnitDispatched { name, travel_s, .. } => {
            let minutes = travel_s.map(|t| (t / 60.0).round());
            (
                format!(
                    "Dispatched {name}{}",
                    minutes.map(|m| format!(", about {m} min by road")).unwrap_or_default()
                ),
                format!(
                    "调派 {name}{}",
                    minutes.map(|m| format!("，车程约 {m} 分钟")).unwrap_or_default()
                ),
            )
        }
        Event::UnitStatusChanged { team, from, to, .. } => {
            let name = team_name(*team);
            (
                format!("{name}: {} → {}", from.code(), to.code()),
                format!("{name}：{} → {}", from.label_zh(), to.label_zh()),
            )
        }
        Event::NoteAdded { text, .. } => (format!("Note: {text}"), format!("记录：{text}")),
        Event::InjectFired { title, .. } => (format!("Inject: {title}"), format!("演练情景注入：{title}")),
        _ => (event.kind().into(), event.kind().into()),
    }
}

/// Which of the two worlds a status belongs to.
const fn world(drill: bool) -> usize {
    drill as usize
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

/// Every incident, the teams' statuses in both worlds, and the log of
/// operations events they were folded from.
#[derive(Debug, Default, Clone)]
pub struct Operations {
    incidents: BTreeMap<FeatureId, IncidentState>,
    /// Statuses set by events, real `[0]` and drill `[1]`. A team no event
    /// touched has its dataset status (real), and its real status in drills.
    units: [HashMap<FeatureId, UnitState>; 2],
    log: Vec<Arc<EventRecord>>,
}

fn team_status(catalog: &Catalog, team: FeatureId) -> Result<(TeamStatus, String, String)> {
    let layer = catalog.rescue_teams.read();
    let f = layer.feature(team).ok_or(Error::UnknownFeature {
        collection: "rescue_teams",
        id: team,
    })?;
    Ok((
        f.properties.status,
        f.properties.name.clone(),
        f.properties.kind.code().to_owned(),
    ))
}

impl Operations {
    /// An incident by id.
    pub fn incident(&self, id: FeatureId) -> Option<&IncidentState> {
        self.incidents.get(&id)
    }

    /// Every incident, by id.
    pub fn incidents(&self) -> impl DoubleEndedIterator<Item = &IncidentState> {
        self.incidents.values()
    }

    /// The operations events, in order.
    pub fn log(&self) -> &[Arc<EventRecord>] {
        &self.log
    }

    /// Teams whose status an event set in the world of `drill`.
    pub fn units(&self, drill: bool) -> &HashMap<FeatureId, UnitState> {
        &self.units[world(drill)]
    }

    /// A team's status and assignment in the world of `drill`.
    pub fn unit(&self, catalog: &Catalog, team: FeatureId, drill: bool) -> Result<UnitState> {
        let (real, _, _) = team_status(catalog, team)?;
        let real_state = self.units[0].get(&team).copied().map_or(
            UnitState {
                status: real,
                incident: None,
            },
            |u| UnitState { status: real, ..u },
        );
        if !drill {
            return Ok(real_state);
        }
        // A team busy for real is busy in every drill.
        if real != TeamStatus::Available {
            return Ok(UnitState {
                status: real,
                incident: None,
            });
        }
        Ok(self.units[1].get(&team).copied().unwrap_or(real_state))
    }

    fn open_incident(&self, id: FeatureId) -> Result<&IncidentState> {
        let incident = self.incidents.get(&id).ok_or(Error::UnknownFeature {
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
        Ok(match event {
            Event::IncidentOpened {
                incident,
                drill,
                scenario,
                spec,
            } => {
                spec.validate()?;
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
                current.spec.patched(&changes)?;
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
            Event::NoteAdded { incident, text, .. } => {
                let current = self.incidents.get(&incident).ok_or(Error::UnknownFeature {
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
            Event::InjectFired {
                incident,
                index,
                at_min,
                title,
                text,
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
                }
            }
            other => return Err(invalid(format!("{} is not an operations event", other.kind()))),
        })
    }

    /// The feature changes a checked event makes to the catalog: the
    /// incident's point, and a real team's status.
    pub fn derived(&self, record: &EventRecord) -> Vec<Event> {
        let mut out = Vec::new();
        let event = &record.event;
        let drill = event.drill();
        match event {
            Event::UnitDispatched { team, .. } if !drill => out.push(team_status_event(*team, TeamStatus::Dispatched)),
            Event::UnitStatusChanged { team, to, .. } if !drill => out.push(team_status_event(*team, *to)),
            _ => {}
        }
        let incident = match event {
            Event::UnitStatusChanged { incident, .. } => *incident,
            Event::NoteAdded { .. } | Event::InjectFired { .. } => None,
            other => other.feature_id(),
        };
        if let Some(id) = incident {
            let mut state = match event {
                Event::IncidentOpened { .. } => None,
                _ => self.incidents.get(&id).cloned(),
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

    /// Folds a stored event in. Events must come in order, each checked
    /// (by [`Operations::check`]) against the state before it.
    pub fn apply(&mut self, record: Arc<EventRecord>) {
        let event = &record.event;
        if event.is_feature_change() {
            return;
        }
        let drill = event.drill();
        match event {
            Event::IncidentOpened {
                incident,
                drill,
                scenario,
                spec,
            } => {
                let mut state = new_incident(&record, *incident, *drill, scenario, spec);
                state.fold(&record);
                self.incidents.insert(*incident, state);
            }
            Event::UnitStatusChanged { team, incident, to, .. } => {
                let assigned = match to {
                    TeamStatus::Available | TeamStatus::OutOfService => None,
                    _ => *incident,
                };
                self.units[world(drill)].insert(
                    *team,
                    UnitState {
                        status: *to,
                        incident: assigned,
                    },
                );
                if let Some(state) = incident.and_then(|i| self.incidents.get_mut(&i)) {
                    state.fold(&record);
                }
            }
            Event::UnitDispatched { incident, team, .. } => {
                self.units[world(drill)].insert(
                    *team,
                    UnitState {
                        status: TeamStatus::Dispatched,
                        incident: Some(*incident),
                    },
                );
                if let Some(state) = self.incidents.get_mut(incident) {
                    state.fold(&record);
                }
            }
            other => {
                if let Some(state) = other.feature_id().and_then(|i| self.incidents.get_mut(&i)) {
                    state.fold(&record);
                }
            }
        }
        self.log.push(record);
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

fn new_incident(
    record: &EventRecord,
    id: FeatureId,
    drill: bool,
    scenario: &Option<String>,
    spec: &IncidentSpec,
) -> IncidentState {
    IncidentState {
        id,
        drill,
        scenario: scenario.clone(),
        spec: spec.clone(),
        status: IncidentStatus::Open,
        opened_at: record.at,
        opened_by: record.actor.clone(),
        closed_at: None,
        close_reason: None,
        zones: None,
        units: Vec::new(),
        notes: Vec::new(),
        injects: Vec::new(),
        timeline: Vec::new(),
    }
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
