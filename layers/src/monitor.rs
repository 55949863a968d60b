//! The alarm rules, applied to readings as they arrive and to the clock:
//! which alarm events a batch of readings (or the passing of time) calls for.
//!
//! - **high / high-high / low**: a reading at or above `high_high`, at or
//!   above `high`, at or below `low` (docs/monitoring.md); the most serious
//!   rule broken counts;
//! - **debounce**: a rule must be broken (or kept) by
//!   [`DEBOUNCE_READINGS`] readings in a row before an alarm is raised,
//!   changed or cleared;
//! - **stale**: a sensor that has reported and then stays silent for its
//!   `stale_after_min` (a blue alarm, cleared by its next reading);
//! - **escalation**: a red alarm not acknowledged within
//!   [`ESCALATE_RED_AFTER_MIN`] minutes.
//!
//! The debounce counts are kept here, in memory; the alarms themselves are
//! events ([`crate::ops::AlarmState`]).

use crate::catalog::Catalog;
use crate::error::Result;
use crate::event::Event;
use crate::feature::FeatureId;
use crate::model::{AlarmRule, DEBOUNCE_READINGS, ESCALATE_RED_AFTER_MIN, Sensor, SensorKind, grade_alarm};
use crate::ops::Operations;
use crate::readings::{IngestReport, Reading, Readings};
use crate::store::Store;
use chrono::{DateTime, TimeDelta, Utc};
use parking_lot::Mutex;
use serde_json::Value as Json;
use std::collections::HashMap;

/// Who signs the alarm events the rules raise.
pub const ACTOR: &str = "monitor";

/// The rule a reading breaks, most serious first, with its threshold.
pub fn broken_rule(sensor: &Sensor, value: f64) -> Option<(AlarmRule, f64)> {
    let t = sensor.thresholds;
    match (t.high_high, t.high, t.low) {
        (Some(hh), ..) if value >= hh => Some((AlarmRule::HighHigh, hh)),
        (_, Some(h), _) if value >= h => Some((AlarmRule::High, h)),
        (.., Some(l)) if value <= l => Some((AlarmRule::Low, l)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    rule: Option<AlarmRule>,
    count: u32,
}

/// The alarm rules' memory: the debounce counts per sensor.
#[derive(Debug, Default)]
pub struct Monitor {
    pending: Mutex<HashMap<FeatureId, Pending>>,
    /// Held while events are decided and stored, so that two batches never
    /// decide on the same state.
    deciding: Mutex<()>,
}

fn location(catalog: &Catalog, sensor: FeatureId) -> [f64; 2] {
    catalog
        .sensors
        .read()
        .feature(sensor)
        .and_then(|f| match &f.geometry {
            geo::Geometry::Point(p) => Some([p.x(), p.y()]),
            _ => None,
        })
        .unwrap_or_default()
}

fn hazard_level(catalog: &Catalog, hazard_source: Option<FeatureId>) -> Option<u8> {
    let id = hazard_source?;
    catalog.hazard_sources.read().feature(id)?.properties.level
}

impl Monitor {
    /// The alarm events a batch of stored readings calls for, against the
    /// alarms `ops` holds now.
    pub fn evaluate(&self, catalog: &Catalog, ops: &Operations, batch: &[Reading]) -> Vec<Event> {
        let mut by_sensor: HashMap<FeatureId, Vec<&Reading>> = HashMap::new();
        for r in batch {
            by_sensor.entry(r.sensor).or_default().push(r);
        }
        let mut sensors: Vec<_> = by_sensor.into_iter().collect();
        sensors.sort_by_key(|(id, _)| *id);
        let layer = catalog.sensors.read();
        let mut pending = self.pending.lock();
        let mut out = Vec::new();
        let mut raise = Vec::new();
        for (id, mut readings) in sensors {
            let Some(sensor) = layer.feature(id).map(|f| &f.properties) else {
                continue;
            };
            if sensor.kind == SensorKind::Weather || sensor.kind == SensorKind::Camera {
                continue;
            }
            readings.sort_by_key(|r| r.at_ms);
            let p = pending.entry(id).or_default();
            let mut last = None;
            for r in &readings {
                let broken = broken_rule(sensor, r.value());
                let rule = broken.map(|b| b.0);
                if rule == p.rule {
                    p.count = p.count.saturating_add(1);
                } else {
                    *p = Pending { rule, count: 1 };
                }
                last = Some((**r, broken));
            }
            let Some((reading, broken)) = last else { continue };
            let mut active = ops.active_alarm(id).map(|a| (a.id, a.rule));
            // Any reading ends a stale alarm.
            if let Some((alarm, AlarmRule::Stale)) = active {
                out.push(Event::AlarmCleared {
                    alarm,
                    value: Some(reading.value()),
                });
                active = None;
            }
            if p.count < DEBOUNCE_READINGS {
                continue;
            }
            let colour = |rule| grade_alarm(rule, hazard_level(catalog, sensor.hazard_source_id));
            match (active, broken) {
                (None, Some((rule, threshold))) => raise.push((id, sensor.clone(), rule, threshold, reading)),
                (Some((alarm, now)), Some((rule, threshold))) if now != rule => out.push(Event::AlarmChanged {
                    alarm,
                    rule,
                    colour: colour(rule),
                    value: Some(reading.value()),
                    threshold: Some(threshold),
                }),
                (Some((alarm, _)), None) => out.push(Event::AlarmCleared {
                    alarm,
                    value: Some(reading.value()),
                }),
                _ => {}
            }
        }
        drop(pending);
        drop(layer);
        for (id, sensor, rule, threshold, reading) in raise {
            out.push(Event::AlarmRaised {
                alarm: 0,
                sensor: id,
                hazard_source: sensor.hazard_source_id,
                rule,
                colour: grade_alarm(rule, hazard_level(catalog, sensor.hazard_source_id)),
                value: Some(reading.value()),
                threshold: Some(threshold),
                reading_at: Some(reading.at()),
                location: location(catalog, id),
                label: label(&sensor),
            });
        }
        out
    }

    /// The alarm events the clock calls for at `now`: sensors gone stale,
    /// red alarms waiting too long for an acknowledgement.
    pub fn tick(&self, catalog: &Catalog, ops: &Operations, latest: &[Reading], now: DateTime<Utc>) -> Vec<Event> {
        let mut out = Vec::new();
        let mut stale = Vec::new();
        {
            let layer = catalog.sensors.read();
            for r in latest {
                let Some(sensor) = layer.feature(r.sensor).map(|f| &f.properties) else {
                    continue;
                };
                let silent = now - r.at();
                if silent > TimeDelta::minutes(i64::from(sensor.stale_after_min))
                    && ops.active_alarm(r.sensor).is_none()
                {
                    stale.push((r.sensor, sensor.clone(), *r));
                }
            }
        }
        stale.sort_by_key(|s| s.0);
        for (id, sensor, last) in stale {
            out.push(Event::AlarmRaised {
                alarm: 0,
                sensor: id,
                hazard_source: sensor.hazard_source_id,
                rule: AlarmRule::Stale,
                colour: grade_alarm(AlarmRule::Stale, None),
                value: None,
                threshold: None,
                reading_at: Some(last.at()),
                location: location(catalog, id),
                label: label(&sensor),
            });
        }
        for a in ops.alarms().filter(|a| a.is_active()) {
            let waited = now - a.raised_at;
            if a.colour == crate::model::AlarmColour::Red
                && a.acknowledged.is_none()
                && a.escalated_at.is_none()
                && waited >= TimeDelta::minutes(ESCALATE_RED_AFTER_MIN)
            {
                out.push(Event::AlarmEscalated {
                    alarm: a.id,
                    minutes: waited.num_minutes(),
                });
            }
        }
        out
    }

    /// Stores a batch of readings and the alarm events they call for: the
    /// readings first (fsync'd), then the events as one unit. A failure to
    /// store the events is logged and reported in `alarms_error`; the
    /// readings stay stored.
    pub fn ingest(
        &self,
        store: &Store,
        readings: &Readings,
        items: Vec<std::result::Result<Json, String>>,
        now: DateTime<Utc>,
    ) -> Result<(IngestReport, Option<String>)> {
        let report = {
            let sensors = store.catalog().sensors.read();
            readings.ingest(items, |id| sensors.feature(id).map(|f| &f.properties), now)?
        };
        let error = self.decide(store, |ops| self.evaluate(store.catalog(), ops, &report.stored));
        Ok((report, error))
    }

    /// Applies the clock's rules at `now` and stores the events.
    pub fn run_clock(&self, store: &Store, readings: &Readings, now: DateTime<Utc>) -> Option<String> {
        let latest = readings.latest_all();
        self.decide(store, |ops| self.tick(store.catalog(), ops, &latest, now))
    }

    fn decide(&self, store: &Store, events: impl FnOnce(&Operations) -> Vec<Event>) -> Option<String> {
        let _one_at_a_time = self.deciding.lock();
        let events = events(&store.operations());
        if events.is_empty() {
            return None;
        }
        match store.submit_unit(ACTOR, events, None) {
            Ok(_) => None,
            Err(e) => {
                tracing::error!(error = %e, "alarm events could not be stored");
                Some(e.to_string())
            }
        }
    }
}

fn label(sensor: &Sensor) -> String {
    format!("{} · {} ({})", sensor.site_name, sensor.name, sensor.unit)
}

#[cfg(test)]
mod tests;
