//! The alarm rules, applied to readings as they arrive and to the clock:
//! which alarm events a batch of readings (or the passing of time) calls for.
//!
//! - **high / high-high / low**: a reading at or above `high_high`, at or
//!   above `high`, at or below `low` (docs/monitoring.md); the most serious
//!   rule broken counts;
//! - **debounce**: a rule must be broken (or kept) by
//!   [`DEBOUNCE_READINGS`] readings in a row before an alarm is raised,
//!   changed or cleared;
//! - **rate of change**: a reading at least `rise_per_min` (per minute)
//!   above the sensor's previous one (no default: set per sensor);
//! - **stale**: a sensor that has reported and then stays silent for its
//!   `stale_after_min` (a blue alarm, cleared by its next reading);
//! - **escalation**: a red alarm not acknowledged within
//!   [`ESCALATE_RED_AFTER_MIN`] minutes.
//!
//! Drill readings are judged apart from the real ones (their own debounce,
//! their own alarm per sensor): their alarms are drill alarms.
//!
//! The debounce counts are kept here, in memory, and rebuilt at start from
//! each sensor's latest reading ([`Monitor::restore`]); the alarms
//! themselves are events ([`crate::ops::AlarmState`]).

use crate::catalog::Catalog;
use crate::error::Result;
use crate::event::Event;
use crate::feature::FeatureId;
use crate::model::{
    AlarmRule, DEBOUNCE_READINGS, ESCALATE_RED_AFTER_MIN, IncidentKind, IncidentSpec, Sensor, SensorKind, SensorSite,
    Weather, grade_alarm,
};
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

/// A reading rising by at least the sensor's `rise_per_min` since the
/// `previous` one (`at_ms`, value): the rate-of-change rule, with its limit.
pub fn rising_fast(sensor: &Sensor, previous: Option<(i64, f64)>, reading: &Reading) -> Option<(AlarmRule, f64)> {
    let limit = sensor.thresholds.rise_per_min?;
    let (at_ms, value) = previous?;
    let minutes = (reading.at_ms - at_ms) as f64 / 60_000.0;
    (minutes > 0.0 && (reading.value() - value) / minutes >= limit).then_some((AlarmRule::Rate, limit))
}

/// How serious a rule is, to pick the most serious one broken.
fn seriousness(rule: AlarmRule) -> u8 {
    match rule {
        AlarmRule::HighHigh => 4,
        AlarmRule::High => 3,
        AlarmRule::Rate => 2,
        AlarmRule::Low => 1,
        AlarmRule::Stale => 0,
        // A ledger deadline's, never a reading's: never compared here.
        AlarmRule::Overdue => 0,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    rule: Option<AlarmRule>,
    count: u32,
    /// The previous reading (`at_ms`, value), for the rate of change.
    last: Option<(i64, f64)>,
}

/// The alarm rules' memory: the debounce counts per sensor, real and drill.
#[derive(Debug, Default)]
pub struct Monitor {
    pending: Mutex<HashMap<(FeatureId, bool), Pending>>,
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
        let mut by_sensor: HashMap<(FeatureId, bool), Vec<&Reading>> = HashMap::new();
        for r in batch {
            by_sensor.entry((r.sensor, r.drill)).or_default().push(r);
        }
        let mut sensors: Vec<_> = by_sensor.into_iter().collect();
        sensors.sort_by_key(|(id, _)| *id);
        let layer = catalog.sensors.read();
        let mut pending = self.pending.lock();
        let mut out = Vec::new();
        let mut raise = Vec::new();
        for ((id, drill), mut readings) in sensors {
            let Some(sensor) = layer.feature(id).map(|f| &f.properties) else {
                continue;
            };
            if sensor.kind == SensorKind::Weather || sensor.kind == SensorKind::Camera {
                continue;
            }
            readings.sort_by_key(|r| r.at_ms);
            let p = pending.entry((id, drill)).or_default();
            let mut last = None;
            for r in &readings {
                let level = broken_rule(sensor, r.value());
                let rate = rising_fast(sensor, p.last, r);
                let broken = [level, rate]
                    .into_iter()
                    .flatten()
                    .max_by_key(|(rule, _)| seriousness(*rule));
                let rule = broken.map(|b| b.0);
                if rule == p.rule {
                    p.count = p.count.saturating_add(1);
                } else {
                    *p = Pending {
                        rule,
                        count: 1,
                        last: None,
                    };
                }
                p.last = Some((r.at_ms, r.value()));
                last = Some((**r, broken));
            }
            let Some((reading, broken)) = last else { continue };
            let mut active = ops.active_alarm_of(id, drill).map(|a| (a.id, a.rule));
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
                (None, Some((rule, threshold))) => raise.push((id, sensor.clone(), rule, threshold, reading, drill)),
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
        for (id, sensor, rule, threshold, reading, drill) in raise {
            out.push(Event::AlarmRaised {
                alarm: 0,
                sensor: id,
                danger: None,
                obligation: None,
                inspection_plan: None,
                hazard_source: sensor.hazard_source_id,
                rule,
                colour: grade_alarm(rule, hazard_level(catalog, sensor.hazard_source_id)),
                value: Some(reading.value()),
                threshold: Some(threshold),
                reading_at: Some(reading.at()),
                location: location(catalog, id),
                label: label(&sensor),
                drill,
            });
        }
        out
    }

    /// Rebuilds the debounce counts after a restart from each sensor's
    /// latest (real) reading, as if it had just arrived: the next reading
    /// that breaks the same rule raises the alarm, as it would have without
    /// the restart. The latest reading is all the memory there is to
    /// rebuild because [`DEBOUNCE_READINGS`] is 2 (the count before the
    /// next reading is 1 or "enough"; an active alarm stands for "enough").
    pub fn restore(&self, catalog: &Catalog, latest: &[Reading]) {
        const _: () = assert!(DEBOUNCE_READINGS == 2, "restore rebuilds a count of one reading");
        let layer = catalog.sensors.read();
        let mut pending = self.pending.lock();
        for r in latest.iter().filter(|r| !r.drill) {
            let Some(sensor) = layer.feature(r.sensor).map(|f| &f.properties) else {
                continue;
            };
            let rule = broken_rule(sensor, r.value()).map(|b| b.0);
            pending.insert(
                (r.sensor, false),
                Pending {
                    rule,
                    count: 1,
                    last: Some((r.at_ms, r.value())),
                },
            );
        }
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
                danger: None,
                obligation: None,
                inspection_plan: None,
                hazard_source: sensor.hazard_source_id,
                rule: AlarmRule::Stale,
                colour: grade_alarm(AlarmRule::Stale, None),
                value: None,
                threshold: None,
                reading_at: Some(last.at()),
                location: location(catalog, id),
                label: label(&sensor),
                drill: false,
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

/// The weather the nearest weather station last reported near `at`, with
/// the station and its distance; `None` when no station has reported.
pub fn nearest_weather(catalog: &Catalog, readings: &Readings, at: [f64; 2]) -> Option<(Weather, FeatureId, f64)> {
    let layer = catalog.sensors.read();
    let filter = crate::Filter::parse(<Sensor as crate::record::Record>::FIELDS, [("kind", "weather")]).ok()?;
    layer
        .nearest_iter(at.into(), &filter)
        .take(50)
        .find_map(|(station, distance_m)| {
            let r = readings.latest(station.id)?;
            let [from, speed, _temperature, oktas, ..] = r.values;
            let mut weather = Weather::new(from.rem_euclid(360.0), speed, true);
            weather.cloud_cover = Some(oktas.round().clamp(0.0, 8.0) as u8);
            weather.at = Some(r.at());
            weather.daytime = weather.sun_elevation_deg(at.into()).is_none_or(|e| e > 0.0);
            Some((weather, station.id, distance_m))
        })
}

/// What an incident opened from `alarm` would start with: the kind (a gas
/// leak on the gas network, else a hazardous-chemicals leak), the hazard
/// source's place, its substance and container (the sensor's substance, else
/// the source's dominant one by β·q/Q), and the weather the nearest weather
/// station last reported.
pub fn incident_draft(
    catalog: &Catalog,
    ops: &Operations,
    readings: &Readings,
    alarm: FeatureId,
) -> Result<IncidentSpec> {
    let a = ops.alarm(alarm).ok_or(crate::Error::UnknownFeature {
        collection: "alarms",
        id: alarm,
    })?;
    if let Some(d) = a.danger {
        return Err(crate::Error::Conflict(format!(
            "alarm {alarm} is hidden danger {d}'s overdue alarm, not a sensor's: no incident is drafted from it"
        )));
    }
    if let Some(p) = a.inspection_plan {
        return Err(crate::Error::Conflict(format!(
            "alarm {alarm} is inspection plan {p}'s overdue alarm, not a sensor's: no incident is drafted from it"
        )));
    }
    if let Some(o) = a.obligation {
        return Err(crate::Error::Conflict(format!(
            "alarm {alarm} is obligation {o}'s overdue alarm, not a sensor's: no incident is drafted from it"
        )));
    }
    let sensor = catalog
        .sensors
        .read()
        .feature(a.sensor)
        .map(|f| f.properties.clone())
        .ok_or(crate::Error::UnknownFeature {
            collection: "sensors",
            id: a.sensor,
        })?;
    let hazard = a
        .hazard_source
        .and_then(|id| catalog.hazard_sources.read().feature(id).cloned());
    let location = match &hazard {
        Some(h) => match h.geometry {
            geo::Geometry::Point(p) => [p.x(), p.y()],
            _ => a.location,
        },
        None => a.location,
    };
    let on_site = hazard.as_ref().and_then(|h| {
        let s = &h.properties.substances;
        s.iter()
            .find(|s| Some(s.substance) == sensor.substance)
            .or_else(|| {
                s.iter().max_by(|x, y| {
                    let share = |o: &crate::model::SubstanceOnSite| {
                        o.substance.correction() * o.quantity_t / o.substance.threshold_t()
                    };
                    share(x).total_cmp(&share(y))
                })
            })
            .cloned()
    });
    let substance = sensor.substance.or(on_site.as_ref().map(|s| s.substance));
    let gas_network = matches!(sensor.site, SensorSite::GasStation | SensorSite::GasValve);
    let kind = if gas_network {
        IncidentKind::GasLeak
    } else {
        IncidentKind::Leak
    };
    let weather = nearest_weather(catalog, readings, location);
    let value = a.value.map_or_else(String::new, |v| format!(" {v} {}", sensor.unit));
    let weather_note = match &weather {
        Some((w, station, d)) => format!(
            "Weather from station {station} ({:.1} km away) at {}.",
            d / 1000.0,
            w.at.map_or_else(String::new, |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        ),
        None => "No weather station has reported: give the weather.".into(),
    };
    Ok(IncidentSpec {
        title: format!("报警 {alarm} · {}", a.label),
        kind,
        location,
        substance: substance
            .or(gas_network.then_some(crate::model::Substance::NaturalGas))
            .map(|s| s.code().to_owned()),
        spill: None,
        release_rate_kg_s: None,
        mass_kg: None,
        container: on_site.map(|s| s.container()),
        hazard_source_id: a.hazard_source,
        tnt_yield: None,
        cordon_m: None,
        weather: weather.map(|w| w.0),
        casualties: None,
        description: format!(
            "Opened from alarm {alarm}: {} {} ({}){value}. {weather_note}",
            a.colour, a.rule, a.label
        ),
    })
}

/// Opens an incident from an alarm in one command: the draft with
/// `changes` merged in (RFC 7396), its zones, and the link from the alarm
/// (in the alarm and in the incident's timeline). Returns the incident's id.
pub fn open_incident_from_alarm(
    store: &Store,
    readings: &Readings,
    alarm: FeatureId,
    changes: &serde_json::Map<String, Json>,
    actor: crate::Author,
    key: Option<crate::Idempotency>,
) -> Result<FeatureId> {
    let draft = incident_draft(store.catalog(), &store.operations(), readings, alarm)?;
    let spec = draft.patched(changes)?;
    let mut events = crate::ops::open_events(store.catalog(), spec, false, None)?;
    events.push(Event::AlarmLinked { alarm, incident: 0 });
    let records = store.submit_unit(actor, events, key)?;
    records
        .first()
        .and_then(|r| r.event.feature_id())
        .ok_or_else(|| crate::Error::InvalidRequest("no incident was opened".into()))
}

fn label(sensor: &Sensor) -> String {
    format!("{} · {} ({})", sensor.site_name, sensor.name, sensor.unit)
}

#[cfg(test)]
mod tests;
