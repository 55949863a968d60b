//! Alarms as a fold over their events: raised → (changed) → acknowledged
//! (who, when, remark) → escalated → cleared. Checked like every operations
//! event, replayed like them (the state at time t has the alarms of then).

use super::state::Operations;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::{AlarmColour, AlarmRule};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use std::sync::Arc;

/// Who saw an alarm, when, and what they said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acknowledgement {
    /// The user.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Their remark.
    pub remark: String,
}

/// One alarm as its events leave it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmState {
    /// Alarm id.
    pub id: FeatureId,
    /// `sensors` id (0, and left out, for a ledger deadline's alarm).
    #[serde(skip_serializing_if = "is_zero")]
    pub sensor: FeatureId,
    /// The hidden danger whose deadline passed, for an overdue alarm (docs/ledger.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub danger: Option<FeatureId>,
    /// The obligation whose due date passed, for an obligation's overdue alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligation: Option<FeatureId>,
    /// The inspection plan whose due date passed with targets left, for
    /// its overdue alarm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_plan: Option<FeatureId>,
    /// The major hazard source the sensor watches.
    pub hazard_source: Option<FeatureId>,
    /// The rule broken now.
    pub rule: AlarmRule,
    /// Its grade now.
    pub colour: AlarmColour,
    /// The reading that raised (or last changed) it.
    pub value: Option<f64>,
    /// The threshold crossed.
    pub threshold: Option<f64>,
    /// When that reading was measured.
    pub reading_at: Option<DateTime<Utc>>,
    /// Where, `[lon, lat]`.
    pub location: [f64; 2],
    /// The sensor's tag and its site.
    pub label: String,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// Acknowledged by whom, when.
    pub acknowledged: Option<Acknowledgement>,
    /// When it was escalated (a red alarm not acknowledged in time).
    pub escalated_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub cleared_at: Option<DateTime<Utc>>,
    /// The incident opened from it.
    pub incident: Option<FeatureId>,
    /// A drill alarm (raised by drill readings): listed apart, never
    /// shown on a hazard source.
    pub drill: bool,
    /// The events of its life: `{seq, at, type, actor}`.
    pub history: Vec<Json>,
}

fn is_zero(id: &FeatureId) -> bool {
    *id == 0
}

impl AlarmState {
    /// Not cleared yet.
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }
}

/// The active alarms at a glance (the status strip's figures, `GET /situation`'s `alarms`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmCounts {
    /// Active real alarms.
    pub active: usize,
    /// Active real alarms nobody has acknowledged yet.
    pub unacknowledged: usize,
    /// Active real alarms by colour code; every colour is present.
    pub by_colour: std::collections::BTreeMap<&'static str, usize>,
    /// Active drill alarms (from drill readings), counted apart.
    pub drill: usize,
}

impl Operations {
    /// The active alarms the caller sees (`sees`: its data scope), counted.
    pub fn alarm_counts(&self, sees: impl Fn(&AlarmState) -> bool) -> AlarmCounts {
        let mut counts = AlarmCounts {
            active: 0,
            unacknowledged: 0,
            by_colour: AlarmColour::CODES.iter().map(|c| (*c, 0)).collect(),
            drill: 0,
        };
        let active = self.active_alarms.values().chain(self.active_drill_alarms.values());
        for a in active.filter_map(|id| self.alarm(*id)).filter(|a| sees(a)) {
            if a.drill {
                counts.drill += 1;
                continue;
            }
            counts.active += 1;
            counts.unacknowledged += usize::from(a.acknowledged.is_none());
            *counts.by_colour.entry(a.colour.code()).or_default() += 1;
        }
        counts
    }

    /// An alarm by id.
    pub fn alarm(&self, id: FeatureId) -> Option<&AlarmState> {
        self.alarms.get(&id).map(|a| &**a)
    }

    /// Every alarm, oldest first.
    pub fn alarms(&self) -> impl DoubleEndedIterator<Item = &AlarmState> {
        self.alarms.values().map(|a| &**a)
    }

    /// The active (real) alarm of a sensor.
    pub fn active_alarm(&self, sensor: FeatureId) -> Option<&AlarmState> {
        self.active_alarms.get(&sensor).and_then(|id| self.alarm(*id))
    }

    /// The active real (`drill` false) or drill alarm of a sensor.
    pub fn active_alarm_of(&self, sensor: FeatureId, drill: bool) -> Option<&AlarmState> {
        let active = if drill {
            &self.active_drill_alarms
        } else {
            &self.active_alarms
        };
        active.get(&sensor).and_then(|id| self.alarm(*id))
    }

    fn active(&self, id: FeatureId) -> Result<&AlarmState> {
        let alarm = self.alarm(id).ok_or(Error::UnknownFeature {
            collection: "alarms",
            id,
        })?;
        if let Some(at) = alarm.cleared_at {
            return Err(Error::Conflict(format!(
                "alarm {id} was cleared at {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        Ok(alarm)
    }

    /// Checks an alarm event against the alarms now (an id assigned to a
    /// new one).
    pub(super) fn check_alarm(&self, event: Event) -> Result<Event> {
        match event {
            Event::AlarmRaised {
                alarm,
                sensor,
                danger,
                obligation,
                inspection_plan,
                hazard_source,
                rule,
                colour,
                value,
                threshold,
                reading_at,
                location,
                label,
                drill,
            } => {
                // A ledger deadline's alarm: one active per danger.
                if let Some(d) = danger {
                    self.ledger.check_overdue_alarm(d)?;
                } else if let Some(o) = obligation {
                    self.ledger.obligations().check_overdue_alarm(o)?;
                } else if let Some(p) = inspection_plan {
                    self.inspections.check_overdue_alarm(p)?;
                } else if let Some(active) = self.active_alarm_of(sensor, drill) {
                    return Err(Error::Conflict(format!(
                        "sensor {sensor} is in {}alarm already (alarm {})",
                        if drill { "drill " } else { "" },
                        active.id
                    )));
                }
                let next = self.alarms.keys().next_back().map_or(1, |id| id + 1);
                Ok(Event::AlarmRaised {
                    alarm: if alarm == 0 { next } else { alarm },
                    sensor,
                    danger,
                    obligation,
                    inspection_plan,
                    hazard_source,
                    rule,
                    colour,
                    value,
                    threshold,
                    reading_at,
                    location,
                    label,
                    drill,
                })
            }
            Event::AlarmAcknowledged { alarm, remark } => {
                let a = self.active(alarm)?;
                if let Some(ack) = &a.acknowledged {
                    return Err(Error::Conflict(format!(
                        "alarm {alarm} was acknowledged by {} at {}",
                        ack.by,
                        ack.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )));
                }
                if remark.chars().count() > super::MAX_TEXT_CHARS {
                    return Err(Error::InvalidRequest(format!(
                        "remark is longer than {} characters",
                        super::MAX_TEXT_CHARS
                    )));
                }
                Ok(Event::AlarmAcknowledged { alarm, remark })
            }
            Event::AlarmLinked { alarm, incident } => {
                let a = self.alarm(alarm).ok_or(Error::UnknownFeature {
                    collection: "alarms",
                    id: alarm,
                })?;
                if let Some(linked) = a.incident {
                    return Err(Error::Conflict(format!("alarm {alarm} has incident {linked} already")));
                }
                self.open_incident(incident)?;
                Ok(Event::AlarmLinked { alarm, incident })
            }
            Event::AlarmEscalated { alarm, .. } if self.active(alarm)?.escalated_at.is_some() => {
                Err(Error::Conflict(format!("alarm {alarm} was escalated already")))
            }
            e @ (Event::AlarmChanged { alarm, .. }
            | Event::AlarmEscalated { alarm, .. }
            | Event::AlarmCleared { alarm, .. }) => {
                self.active(alarm)?;
                Ok(e)
            }
            other => Err(Error::InvalidRequest(format!("{} is not an alarm event", other.kind()))),
        }
    }

    /// Folds an alarm event in.
    pub(super) fn apply_alarm(&mut self, record: &EventRecord) {
        let entry = serde_json::json!({
            "seq": record.seq, "at": record.at, "type": record.event.kind(), "actor": record.actor,
        });
        match &record.event {
            Event::AlarmRaised {
                alarm,
                sensor,
                danger,
                obligation,
                inspection_plan,
                hazard_source,
                rule,
                colour,
                value,
                threshold,
                reading_at,
                location,
                label,
                drill,
            } => {
                self.alarms.insert(
                    *alarm,
                    Arc::new(AlarmState {
                        id: *alarm,
                        sensor: *sensor,
                        danger: *danger,
                        obligation: *obligation,
                        inspection_plan: *inspection_plan,
                        hazard_source: *hazard_source,
                        rule: *rule,
                        colour: *colour,
                        value: *value,
                        threshold: *threshold,
                        reading_at: *reading_at,
                        location: *location,
                        label: label.clone(),
                        raised_at: record.at,
                        acknowledged: None,
                        escalated_at: None,
                        cleared_at: None,
                        incident: None,
                        drill: *drill,
                        history: vec![entry],
                    }),
                );
                match (danger, obligation, inspection_plan) {
                    (Some(d), _, _) => self.ledger.alarm_raised(*d, *alarm),
                    (None, Some(o), _) => self.ledger.obligations_mut().alarm_raised(*o, *alarm),
                    (None, None, Some(p)) => self.inspections.alarm_raised(*p, *alarm),
                    (None, None, None) if *drill => {
                        self.active_drill_alarms.insert(*sensor, *alarm);
                    }
                    (None, None, None) => {
                        self.active_alarms.insert(*sensor, *alarm);
                    }
                }
            }
            other => {
                let Some(state) = other.alarm().and_then(|id| self.alarms.get_mut(&id)) else {
                    return;
                };
                let a = Arc::make_mut(state);
                a.history.push(entry);
                match other {
                    Event::AlarmChanged {
                        rule,
                        colour,
                        value,
                        threshold,
                        ..
                    } => {
                        a.rule = *rule;
                        a.colour = *colour;
                        a.value = *value;
                        a.threshold = *threshold;
                    }
                    Event::AlarmAcknowledged { remark, .. } => {
                        a.acknowledged = Some(Acknowledgement {
                            by: record.actor.clone(),
                            at: record.at,
                            remark: remark.clone(),
                        });
                    }
                    Event::AlarmEscalated { .. } => a.escalated_at = Some(record.at),
                    Event::AlarmCleared { alarm, .. } => {
                        a.cleared_at = Some(record.at);
                        let (sensor, danger, obligation, drill) = (a.sensor, a.danger, a.obligation, a.drill);
                        let plan = a.inspection_plan;
                        match (danger, obligation, plan) {
                            (Some(d), _, _) => self.ledger.alarm_cleared(d, *alarm),
                            (None, Some(o), _) => self.ledger.obligations_mut().alarm_cleared(o, *alarm),
                            (None, None, Some(p)) => self.inspections.alarm_cleared(p, *alarm),
                            (None, None, None) if drill => {
                                self.active_drill_alarms.remove(&sensor);
                            }
                            (None, None, None) => {
                                self.active_alarms.remove(&sensor);
                            }
                        }
                    }
                    Event::AlarmLinked { incident, .. } => {
                        a.incident = Some(*incident);
                        // The incident's timeline (and report) shows where it came from.
                        if let Some(state) = self.incidents.get_mut(incident) {
                            Arc::make_mut(state).fold(record);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The colour a hazard source shows once `event` is folded in: its
    /// most serious active alarm; `None` (outer) when the event changes no
    /// hazard source.
    pub(super) fn hazard_alarm_after(&self, event: &Event) -> Option<(FeatureId, Option<AlarmColour>)> {
        let (hazard_source, this, colour) = match event {
            Event::AlarmRaised { drill: true, .. } => return None,
            Event::AlarmRaised {
                alarm,
                hazard_source,
                colour,
                ..
            } => ((*hazard_source)?, *alarm, Some(*colour)),
            Event::AlarmChanged { alarm, .. } | Event::AlarmCleared { alarm, .. } if self.alarm(*alarm)?.drill => {
                return None;
            }
            Event::AlarmChanged { alarm, colour, .. } => (self.alarm(*alarm)?.hazard_source?, *alarm, Some(*colour)),
            Event::AlarmCleared { alarm, .. } => (self.alarm(*alarm)?.hazard_source?, *alarm, None),
            _ => return None,
        };
        let others = self
            .active_alarms
            .values()
            .filter(|id| **id != this)
            .filter_map(|id| self.alarm(*id))
            .filter(|a| a.hazard_source == Some(hazard_source))
            .map(|a| a.colour);
        Some((hazard_source, others.chain(colour).max()))
    }
}
