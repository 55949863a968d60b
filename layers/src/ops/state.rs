//! The state of operations and the fold that makes it: incidents with their
//! zones, units, notes, injects and timeline, and the teams' statuses in the
//! real world and in drills.

use super::timeline::summary;
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::{Incident, IncidentSpec, IncidentStatus, TeamStatus, ZoneRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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

/// A gas valve reported closed for an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValveClosure {
    /// Event number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// `gas_valves` id.
    pub valve: FeatureId,
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
    /// Title (Chinese).
    pub title: String,
    /// Text (Chinese).
    pub text: String,
    /// Title in English, when the scenario gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// Text in English, when the scenario gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
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
    /// When a user first acknowledged it (its alert stopped), and who.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// The zones as last computed.
    pub zones: Option<ZonesState>,
    /// Teams assigned, in the order dispatched.
    pub units: Vec<UnitRecord>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Injects fired (drills).
    pub injects: Vec<InjectRecord>,
    /// Gas valves reported closed (`valve_closed`), in order: the incident's isolation checklist.
    pub valves_closed: Vec<ValveClosure>,
    /// It is or was a gas leak: its valve isolation stays with it when the
    /// gas ignites (a later update to `fire` or `explosion` still needs the
    /// valves closed; docs/gas-isolation.md).
    pub gas_network: bool,
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

    pub(super) fn fold(&mut self, record: &EventRecord) {
        let at = record.at;
        match &record.event {
            Event::IncidentUpdated { changes, .. } => match self.spec.patched(changes) {
                Ok(spec) => {
                    self.spec = spec;
                    self.gas_network |= self.spec.kind == crate::model::IncidentKind::GasLeak;
                }
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
            Event::IncidentAcknowledged { .. } if self.acknowledged_at.is_none() => {
                self.acknowledged_at = Some(at);
                self.acknowledged_by = Some(record.actor.clone());
            }
            Event::ValveClosed { valve, .. } => self.valves_closed.push(ValveClosure {
                seq: record.seq,
                at,
                actor: record.actor.clone(),
                valve: *valve,
            }),
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
                title_en,
                text_en,
                ..
            } => self.injects.push(InjectRecord {
                seq: record.seq,
                at,
                index: *index,
                at_min: *at_min,
                title: title.clone(),
                text: text.clone(),
                title_en: title_en.clone(),
                text_en: text_en.clone(),
            }),
            _ => {}
        }
        let (summary_en, summary_zh) = summary(&record.event, |team| {
            self.units
                .iter()
                .rev()
                .find(|u| u.team == team)
                .map_or_else(|| format!("team {team}"), |u| u.name.clone())
        });
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

/// Every incident, the teams' statuses in both worlds, and the log of
/// operations events they were folded from.
#[derive(Debug, Default, Clone)]
pub struct Operations {
    /// Shared, so that a copy to check a command's events on is cheap.
    pub(super) incidents: BTreeMap<FeatureId, Arc<IncidentState>>,
    /// Statuses set by events, real `[0]` and drill `[1]`. A team no event
    /// touched has its dataset status (real), and its real status in drills.
    pub(super) units: [HashMap<FeatureId, UnitState>; 2],
    pub(super) log: Vec<Arc<EventRecord>>,
    /// Every alarm, by id (shared, as incidents).
    pub(super) alarms: BTreeMap<FeatureId, Arc<super::alarms::AlarmState>>,
    /// The active alarm of each sensor in alarm.
    pub(super) active_alarms: HashMap<FeatureId, FeatureId>,
    /// The active drill alarm of each sensor in drill alarm.
    pub(super) active_drill_alarms: HashMap<FeatureId, FeatureId>,
    /// The supervision ledger (docs/ledger.md).
    pub(super) ledger: crate::ledger::LedgerState,
    /// Inspections, their plans and the expert pool (docs/ledger.md).
    pub(super) inspections: crate::ledger::inspection::InspectionState,
}

pub(super) fn team_status(catalog: &Catalog, team: FeatureId) -> Result<(TeamStatus, String, String)> {
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

/// Which of the two worlds a status belongs to.
pub(super) const fn world(drill: bool) -> usize {
    drill as usize
}

impl Operations {
    /// An incident by id.
    pub fn incident(&self, id: FeatureId) -> Option<&IncidentState> {
        self.incidents.get(&id).map(|i| &**i)
    }

    /// Every incident, by id.
    pub fn incidents(&self) -> impl DoubleEndedIterator<Item = &IncidentState> {
        self.incidents.values().map(|i| &**i)
    }

    /// The supervision ledger (docs/ledger.md).
    pub fn ledger(&self) -> &crate::ledger::LedgerState {
        &self.ledger
    }

    /// `user`'s inbox, newest first: the reminders sent to them and the
    /// active overdue alarms of the dangers, obligations and inspection
    /// plans they follow, while something is owed; only those in
    /// `counties` (a scoped user).
    pub fn inbox(&self, user: &str, counties: Option<&[u32]>) -> Vec<crate::ledger::InboxEntry> {
        let mut entries = self.ledger.inbox(user, counties);
        entries.extend(self.inspections.inbox(user, counties));
        crate::ledger::sort_inbox(&mut entries);
        entries
    }

    /// Inspections, their plans and the expert pool (docs/ledger.md).
    pub fn inspections(&self) -> &crate::ledger::inspection::InspectionState {
        &self.inspections
    }

    /// A copy to check commands on, each against the state the ones before
    /// it leave: everything a check or [`Operations::derived`] reads (shared
    /// incidents, alarms and ledger entries: pointers are copied), but not
    /// the log of events, which no check reads and which grows with the history.
    pub fn scratch(&self) -> Self {
        Self {
            incidents: self.incidents.clone(),
            units: self.units.clone(),
            log: Vec::new(),
            alarms: self.alarms.clone(),
            active_alarms: self.active_alarms.clone(),
            active_drill_alarms: self.active_drill_alarms.clone(),
            ledger: self.ledger.clone(),
            inspections: self.inspections.clone(),
        }
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

    /// Folds a stored event in. Events must come in order, each checked
    /// (by [`Operations::check`]) against the state before it.
    pub fn apply(&mut self, record: Arc<EventRecord>) {
        let event = &record.event;
        if event.is_feature_change() {
            return;
        }
        if event.alarm().is_some() {
            self.apply_alarm(&record);
            self.log.push(record);
            return;
        }
        if let Event::Ledger(e) = event {
            self.ledger.apply(&record, e);
            self.log.push(record);
            return;
        }
        if event.obligation().is_some() {
            self.ledger.obligations_mut().apply(&record);
            self.log.push(record);
            return;
        }
        if let Event::Inspection(e) = event {
            self.inspections.apply(&record, e);
            self.log.push(record);
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
                self.incidents.insert(*incident, Arc::new(state));
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
                    Arc::make_mut(state).fold(&record);
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
                    Arc::make_mut(state).fold(&record);
                }
            }
            other => {
                if let Some(state) = other.feature_id().and_then(|i| self.incidents.get_mut(&i)) {
                    Arc::make_mut(state).fold(&record);
                }
            }
        }
        self.log.push(record);
    }
}

pub(super) fn new_incident(
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
        acknowledged_at: None,
        acknowledged_by: None,
        zones: None,
        units: Vec::new(),
        notes: Vec::new(),
        valves_closed: Vec::new(),
        gas_network: spec.kind == crate::model::IncidentKind::GasLeak,
        injects: Vec::new(),
        timeline: Vec::new(),
    }
}
