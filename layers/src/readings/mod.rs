//! Sensor readings: checked, stored, and the latest per sensor in memory.
//!
//! Readings are many (thousands a second) and are not events: they never go
//! into the main journal. [`Readings`] keeps them in an append-only store of
//! one segment file per UTC day of the reading's time (`YYYY-MM-DD.lkr`),
//! each batch one framed, CRC-checked record, fsync'd before the batch is
//! acknowledged. Whole segments older than the retention are deleted. The
//! latest reading of each sensor is kept in memory (the last two segments
//! are read at start). A bad reading (unknown sensor, impossible value, a
//! time far in the future, a malformed line) is counted by reason and never
//! stored; it never stops the rest of its batch.
//!
//! With PostGIS as the store, readings go to its `lookout.readings` table
//! instead ([`postgis::PgReadings`]: a partition per day, shared by every
//! replica); the rest is the same.

pub mod postgis;
mod segment;

use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::model::{Sensor, SensorKind, WEATHER_CHANNELS};
use chrono::{DateTime, TimeDelta, Utc};
use parking_lot::{Mutex, RwLock};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Retention of readings when not configured, days.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// How far ahead of the server's clock a reading's time may be.
pub const MAX_FUTURE: TimeDelta = TimeDelta::minutes(5);
/// Most buckets one series answer holds.
pub const MAX_BUCKETS: usize = 10_000;
/// Most channels a reading carries (a weather station's four).
pub const MAX_CHANNELS: usize = 4;

/// One stored reading: a sensor's value (a weather station's four channels) at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The sensor (`sensors` id).
    pub sensor: FeatureId,
    /// When it was measured, milliseconds since 1970 UTC.
    pub at_ms: i64,
    /// How many of `values` are used (1, or 4 for a weather station).
    pub channels: u8,
    /// The values.
    pub values: [f64; MAX_CHANNELS],
    /// A drill reading (`"drill": true`, e.g. a drill scenario's detector
    /// ramping up): stored and charted apart, never the sensor's latest
    /// value, and its alarms are drill alarms, never mixed with real ones.
    pub drill: bool,
}

impl Reading {
    /// A one-value reading.
    pub fn new(sensor: FeatureId, at: DateTime<Utc>, value: f64) -> Self {
        Self {
            sensor,
            at_ms: at.timestamp_millis(),
            channels: 1,
            values: [value, 0.0, 0.0, 0.0],
            drill: false,
        }
    }

    /// The values used.
    pub fn values(&self) -> &[f64] {
        &self.values[..usize::from(self.channels).min(MAX_CHANNELS)]
    }

    /// The first value (the only one but for a weather station).
    pub fn value(&self) -> f64 {
        self.values[0]
    }

    /// When it was measured.
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.at_ms).unwrap_or_default()
    }

    /// As JSON: `{"sensor", "at", "value"}`, a weather station's channels by name.
    pub fn to_json(&self) -> Json {
        let mut o = serde_json::json!({"sensor": self.sensor, "at": self.at().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
        if self.channels == 1 {
            o["value"] = self.value().into();
        } else {
            for ((name, ..), v) in WEATHER_CHANNELS.iter().zip(self.values()) {
                o[*name] = (*v).into();
            }
        }
        if self.drill {
            o["drill"] = true.into();
        }
        o
    }
}

/// Why a reading was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not JSON, or not a JSON object.
    Malformed,
    /// No `sensor`, or not a whole number.
    NoSensor,
    /// No sensor with this id.
    UnknownSensor,
    /// A camera takes no readings.
    NotMeasuring,
    /// `at` is not an RFC 3339 time.
    BadTime,
    /// `at` is too far ahead of the server's clock.
    FutureTime,
    /// `at` is older than the retention.
    TooOld,
    /// No `value` (or a weather channel missing), or not a number.
    NoValue,
    /// NaN or infinite (sent as a string "NaN", "Infinity" or a huge number).
    NotFinite,
    /// Outside the sensor's measuring range.
    OutOfRange,
    /// A field this reading does not take.
    UnknownField,
}

impl Reason {
    /// The code, as in the API and `/health`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::NoSensor => "no_sensor",
            Self::UnknownSensor => "unknown_sensor",
            Self::NotMeasuring => "not_measuring",
            Self::BadTime => "bad_time",
            Self::FutureTime => "future_time",
            Self::TooOld => "too_old",
            Self::NoValue => "no_value",
            Self::NotFinite => "not_finite",
            Self::OutOfRange => "out_of_range",
            Self::UnknownField => "unknown_field",
        }
    }
}

/// A refused reading: where it was in its batch, why, and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Its index in the batch (the line, from 0, for NDJSON).
    pub index: usize,
    /// Why.
    pub reason: Reason,
    /// For a person.
    pub message: String,
}

/// What happened to a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestReport {
    /// Readings stored.
    pub accepted: usize,
    /// Readings refused.
    pub rejected: usize,
    /// Each refusal (the first 100).
    pub rejections: Vec<Rejection>,
    /// The readings stored (not in the answer).
    #[serde(skip)]
    pub stored: Vec<Reading>,
}

/// Most refusals an answer lists.
pub const MAX_LISTED_REJECTIONS: usize = 100;

/// Counts since start, for `/health`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Readings stored.
    pub accepted: u64,
    /// Readings refused, by reason.
    pub rejected: BTreeMap<&'static str, u64>,
    /// Sensors with a latest reading.
    pub sensors_reporting: usize,
    /// Retention, days.
    pub retention_days: u32,
}

fn number(v: &Json) -> std::result::Result<f64, Reason> {
    match v {
        Json::Number(n) => n.as_f64().ok_or(Reason::NoValue),
        Json::String(s)
            if matches!(
                s.to_ascii_lowercase().trim_start_matches(['-', '+']),
                "nan" | "inf" | "infinity"
            ) =>
        {
            Err(Reason::NotFinite)
        }
        _ => Err(Reason::NoValue),
    }
}

/// Checks one reading against its sensor. `sensor` looks a sensor up by id.
pub fn check<'s>(
    raw: &Json,
    sensor: impl FnOnce(FeatureId) -> Option<&'s Sensor>,
    now: DateTime<Utc>,
    retention_days: u32,
) -> std::result::Result<Reading, (Reason, String)> {
    let o = raw
        .as_object()
        .ok_or_else(|| (Reason::Malformed, "a reading is a JSON object".to_owned()))?;
    let id = o.get("sensor").and_then(Json::as_u64).ok_or_else(|| {
        (
            Reason::NoSensor,
            "\"sensor\" must be a sensor id (a whole number)".to_owned(),
        )
    })?;
    let s = sensor(id).ok_or_else(|| (Reason::UnknownSensor, format!("no sensor {id}")))?;
    if s.kind == SensorKind::Camera {
        return Err((
            Reason::NotMeasuring,
            format!("sensor {id} is a camera: it takes no readings"),
        ));
    }
    let at = match o.get("at") {
        None | Some(Json::Null) => now,
        Some(Json::String(t)) => DateTime::parse_from_rfc3339(t)
            .map_err(|e| (Reason::BadTime, format!("\"at\" {t:?} is not an RFC 3339 time: {e}")))?
            .with_timezone(&Utc),
        Some(other) => {
            return Err((
                Reason::BadTime,
                format!("\"at\" must be an RFC 3339 string, not {other}"),
            ));
        }
    };
    if at > now + MAX_FUTURE {
        return Err((
            Reason::FutureTime,
            format!("\"at\" {at} is more than 5 minutes ahead of the server's clock ({now})"),
        ));
    }
    if at < now - TimeDelta::days(i64::from(retention_days)) {
        return Err((
            Reason::TooOld,
            format!("\"at\" {at} is older than the retention of {retention_days} days"),
        ));
    }
    let value_of = |name: &str, min: f64, max: f64| -> std::result::Result<f64, (Reason, String)> {
        let v = o
            .get(name)
            .ok_or_else(|| (Reason::NoValue, format!("sensor {id} needs \"{name}\"")))?;
        let v = number(v).map_err(|r| (r, format!("\"{name}\" must be a finite number, not {v}")))?;
        if !v.is_finite() {
            return Err((Reason::NotFinite, format!("\"{name}\" is not finite")));
        }
        if v < min || v > max {
            return Err((
                Reason::OutOfRange,
                format!("{name} {v} is outside the range [{min}, {max}] of sensor {id}"),
            ));
        }
        Ok(v)
    };
    let allowed: &[&str] = if s.kind == SensorKind::Weather {
        &[
            "sensor",
            "at",
            "drill",
            "wind_from_deg",
            "wind_speed_ms",
            "temperature_c",
            "cloud_cover_oktas",
        ]
    } else {
        &["sensor", "at", "drill", "value"]
    };
    let drill = match o.get("drill") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err((
                Reason::Malformed,
                format!("\"drill\" is true (a drill reading) or false, not {other}"),
            ));
        }
    };
    if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err((
            Reason::UnknownField,
            format!("unknown field {k:?}; a reading of sensor {id} has {allowed:?}"),
        ));
    }
    let mut reading = Reading {
        sensor: id,
        at_ms: at.timestamp_millis(),
        channels: 1,
        values: [0.0; MAX_CHANNELS],
        drill,
    };
    if s.kind == SensorKind::Weather {
        reading.channels = WEATHER_CHANNELS.len() as u8;
        for (slot, (name, min, max)) in reading.values.iter_mut().zip(WEATHER_CHANNELS) {
            *slot = value_of(name, *min, *max)?;
        }
    } else {
        reading.values[0] = value_of("value", s.range[0], s.range[1])?;
    }
    Ok(reading)
}

/// One bucket of a downsampled series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Start of the bucket (the reading's own time when not downsampled).
    pub at: DateTime<Utc>,
    /// Readings in it.
    pub n: u32,
    /// Mean per channel.
    pub mean: Vec<f64>,
    /// Least per channel.
    pub min: Vec<f64>,
    /// Greatest per channel.
    pub max: Vec<f64>,
}

/// Where the readings are kept.
#[derive(Debug)]
enum Backend {
    /// Segment files in a folder, one per day.
    Segments {
        dir: PathBuf,
        writer: Mutex<segment::Writer>,
    },
    /// The PostGIS store's table, a partition per day.
    Postgis(postgis::PgReadings),
}

/// The store of readings.
#[derive(Debug)]
pub struct Readings {
    backend: Backend,
    retention_days: u32,
    latest: RwLock<HashMap<FeatureId, Reading>>,
    accepted: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    /// The day (days since 1970) retention was last applied.
    expired_on: AtomicU64,
}

impl Readings {
    /// Opens (or makes) the store in `dir`: deletes segments past the
    /// retention and reads the latest reading of each sensor from the last
    /// two days.
    pub fn open(dir: &Path, retention_days: u32, now: DateTime<Utc>) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
        Self::with(
            Backend::Segments {
                dir: dir.to_owned(),
                writer: Mutex::new(segment::Writer::default()),
            },
            retention_days,
            now,
        )
    }

    /// Opens the readings of a PostGIS store (its `lookout.readings`):
    /// drops partitions past the retention and reads the latest reading of
    /// each sensor from the last two days.
    pub fn open_postgis(table: postgis::PgReadings, retention_days: u32, now: DateTime<Utc>) -> Result<Self> {
        Self::with(Backend::Postgis(table), retention_days, now)
    }

    fn with(backend: Backend, retention_days: u32, now: DateTime<Utc>) -> Result<Self> {
        if retention_days == 0 {
            return Err(Error::InvalidRequest(
                "readings retention must be at least 1 day".into(),
            ));
        }
        let store = Self {
            backend,
            retention_days,
            latest: RwLock::new(HashMap::new()),
            accepted: AtomicU64::new(0),
            rejected: Mutex::new(BTreeMap::new()),
            expired_on: AtomicU64::new(epoch_day(now)),
        };
        store.drop_expired(now)?;
        let today = now.date_naive();
        let yesterday = today.pred_opt().unwrap_or(today);
        let mut latest = HashMap::new();
        let mut keep = |r: &Reading| {
            if r.drill {
                return;
            }
            let e = latest.entry(r.sensor).or_insert(*r);
            if r.at_ms >= e.at_ms {
                *e = *r;
            }
        };
        match &store.backend {
            Backend::Segments { dir, .. } => {
                for day in [yesterday, today] {
                    segment::scan(&segment::path(dir, day), &mut keep)?;
                }
            }
            Backend::Postgis(table) => {
                let since = yesterday.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc());
                for r in table.latest_since(since)? {
                    keep(&r);
                }
            }
        }
        *store.latest.write() = latest;
        Ok(store)
    }

    /// Retention, days.
    pub fn retention_days(&self) -> u32 {
        self.retention_days
    }

    /// Deletes every segment (drops every partition) whose whole day is past the retention.
    pub fn drop_expired(&self, now: DateTime<Utc>) -> Result<usize> {
        let oldest = (now - TimeDelta::days(i64::from(self.retention_days))).date_naive();
        let mut dropped = 0;
        match &self.backend {
            Backend::Segments { dir, writer } => {
                for (day, path) in segment::list(dir)? {
                    if day < oldest {
                        writer.lock().forget(day);
                        std::fs::remove_file(&path).map_err(Error::io("remove", &path))?;
                        dropped += 1;
                    }
                }
            }
            Backend::Postgis(table) => dropped = table.drop_before(oldest)?,
        }
        if dropped > 0 {
            tracing::info!(dropped, "readings: segments past the retention deleted");
        }
        Ok(dropped)
    }

    /// Checks a batch (each item a JSON value, or the reason it could not be
    /// parsed), stores the good readings (fsync'd) and counts the bad ones.
    /// On a storage failure the batch is answered with the error (a batch
    /// spanning two days may keep the first day's frame: a resend stores
    /// those readings twice, which a series and the latest value tolerate).
    pub fn ingest<'s>(
        &self,
        items: Vec<std::result::Result<Json, String>>,
        sensor: impl Fn(FeatureId) -> Option<&'s Sensor>,
        now: DateTime<Utc>,
    ) -> Result<IngestReport> {
        if self.expired_on.swap(epoch_day(now), Ordering::Relaxed) != epoch_day(now) {
            self.drop_expired(now)?;
        }
        let mut report = IngestReport::default();
        let mut good = Vec::with_capacity(items.len());
        let mut bad: Vec<Reason> = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let checked = match item {
                Ok(json) => check(&json, &sensor, now, self.retention_days),
                Err(e) => Err((Reason::Malformed, e)),
            };
            match checked {
                Ok(r) => good.push(r),
                Err((reason, message)) => {
                    bad.push(reason);
                    if report.rejections.len() < MAX_LISTED_REJECTIONS {
                        report.rejections.push(Rejection { index, reason, message });
                    }
                }
            }
        }
        self.count_rejected(&bad);
        report.rejected = bad.len();
        self.append(&good)?;
        report.accepted = good.len();
        report.stored = good;
        Ok(report)
    }

    /// Counts refusals made before [`Readings::ingest`] (a body that was not a batch at all).
    pub fn count_rejected(&self, reasons: &[Reason]) {
        if reasons.is_empty() {
            return;
        }
        let mut counts = self.rejected.lock();
        for r in reasons {
            *counts.entry(r.code()).or_default() += 1;
        }
    }

    /// Stores checked readings: appended to their days' segments and
    /// fsync'd, then taken as the latest of their sensors.
    pub fn append(&self, batch: &[Reading]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        match &self.backend {
            Backend::Segments { dir, writer } => writer.lock().append(dir, batch)?,
            Backend::Postgis(table) => table.append(batch)?,
        }
        let mut latest = self.latest.write();
        for r in batch.iter().filter(|r| !r.drill) {
            let e = latest.entry(r.sensor).or_insert(*r);
            if r.at_ms >= e.at_ms {
                *e = *r;
            }
        }
        drop(latest);
        self.accepted.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// The latest reading of a sensor.
    pub fn latest(&self, sensor: FeatureId) -> Option<Reading> {
        self.latest.read().get(&sensor).copied()
    }

    /// The latest reading of every sensor.
    pub fn latest_all(&self) -> Vec<Reading> {
        self.latest.read().values().copied().collect()
    }

    /// Counts since start.
    pub fn counts(&self) -> Counts {
        Counts {
            accepted: self.accepted.load(Ordering::Relaxed),
            rejected: self.rejected.lock().clone(),
            sensors_reporting: self.latest.read().len(),
            retention_days: self.retention_days,
        }
    }

    /// A sensor's readings in `[from, to)`, in buckets of `every` (each
    /// reading its own point when `None`), oldest first: its real readings,
    /// or (`drill`) its drill readings only.
    pub fn series(
        &self,
        sensor: FeatureId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        every: Option<TimeDelta>,
        drill: bool,
    ) -> Result<Vec<Bucket>> {
        if to <= from {
            return Err(Error::InvalidRequest(format!("from ({from}) must be before to ({to})")));
        }
        if let Some(every) = every {
            if every < TimeDelta::seconds(1) {
                return Err(Error::InvalidRequest("every must be at least 1 s".into()));
            }
            let buckets = (to - from).num_milliseconds() / every.num_milliseconds().max(1);
            if buckets > MAX_BUCKETS as i64 {
                return Err(Error::InvalidRequest(format!(
                    "{buckets} buckets asked for; at most {MAX_BUCKETS}: choose a larger every or a shorter span"
                )));
            }
        }
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        let mut points: Vec<Reading> = Vec::new();
        match &self.backend {
            Backend::Segments { dir, .. } => {
                let mut day = from.date_naive();
                while day <= to.date_naive() {
                    segment::scan(&segment::path(dir, day), |r| {
                        if r.sensor == sensor && r.drill == drill && r.at_ms >= from_ms && r.at_ms < to_ms {
                            points.push(*r);
                        }
                    })?;
                    day = match day.succ_opt() {
                        Some(d) => d,
                        None => break,
                    };
                }
            }
            // without `every`, one more than may be answered is enough to refuse
            Backend::Postgis(table) => {
                let limit = if every.is_some() { usize::MAX } else { MAX_BUCKETS + 1 };
                points = table.between(sensor, from, to, drill, limit)?;
            }
        }
        points.sort_by_key(|r| r.at_ms);
        let Some(every) = every else {
            if points.len() > MAX_BUCKETS {
                return Err(Error::InvalidRequest(format!(
                    "{} readings in the span; at most {MAX_BUCKETS} without every: give every",
                    points.len()
                )));
            }
            return Ok(points
                .iter()
                .map(|r| bucket_of(r.at(), std::slice::from_ref(r)))
                .collect());
        };
        let step = every.num_milliseconds();
        let mut out = Vec::new();
        for chunk in points.chunk_by(|a, b| (a.at_ms - from_ms) / step == (b.at_ms - from_ms) / step) {
            let start = from_ms + (chunk[0].at_ms - from_ms) / step * step;
            out.push(bucket_of(DateTime::from_timestamp_millis(start).unwrap_or(from), chunk));
        }
        Ok(out)
    }
}

fn epoch_day(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp().div_euclid(86_400)).unwrap_or_default()
}

fn bucket_of(at: DateTime<Utc>, readings: &[Reading]) -> Bucket {
    let channels = readings.first().map_or(1, |r| r.values().len());
    let mut b = Bucket {
        at,
        n: readings.len() as u32,
        mean: vec![0.0; channels],
        min: vec![f64::INFINITY; channels],
        max: vec![f64::NEG_INFINITY; channels],
    };
    for r in readings {
        for (c, v) in r.values().iter().enumerate().take(channels) {
            b.mean[c] += v;
            b.min[c] = b.min[c].min(*v);
            b.max[c] = b.max[c].max(*v);
        }
    }
    for m in &mut b.mean {
        *m /= f64::from(b.n.max(1));
    }
    b
}

#[cfg(test)]
mod tests;
