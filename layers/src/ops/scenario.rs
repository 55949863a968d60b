//! Drill scenarios: an incident to open and timed injects, one TOML file each
//! in `data/scenarios/`.
//!
//! ```toml
//! title_zh = "…"
//! title_en = "…"
//! summary_zh = "…"      # what the drill exercises, in both languages
//! summary_en = "…"      # (`summary` is read as summary_en: files from before)
//! [incident]            # an IncidentSpec: kind, location, substance, weather…
//! kind = "leak"
//! location = [111.55, 36.10]
//! [[injects]]
//! at_min = 5            # minutes after the start
//! title = "…"           # Chinese
//! text = "…"
//! title_en = "…"        # English, optional (the Chinese is shown when absent)
//! text_en = "…"
//! update = { release_rate_kg_s = 3.0 }   # optional: changes the incident (zones are redrawn)
//! ```

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::geodesy::distance_m;
use crate::model::{IncidentSpec, SensorKind, Substance};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::path::Path;

/// One timed inject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inject {
    /// Minutes after the start of the drill.
    pub at_min: f64,
    /// Short title, in Chinese.
    pub title: String,
    /// What exercise control tells the players, in Chinese.
    pub text: String,
    /// The title in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// The text in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
    /// Changes to the incident when it fires (merge patch of its spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<serde_json::Map<String, Json>>,
    /// Drill readings it sends when it fires (a detector ramping up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readings: Option<ReadingsInject>,
}

/// Drill readings an inject sends (issue 15, item 6): a ramp on the sensor
/// of `kind` (and `substance`) nearest the incident, within `within_m`, in
/// fractions of that sensor's high-high threshold, `every_s` apart and the
/// last one at the time it fires. They are drill readings: their alarms are
/// drill alarms, never mixed with real ones (docs/monitoring.md).
///
/// ```toml
/// [injects.readings]
/// kind = "toxic_gas"
/// substance = "chlorine"
/// within_m = 3000
/// ramp_of_high_high = [0.4, 0.9, 1.3, 1.6]
/// every_s = 10
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingsInject {
    /// The kind of sensor.
    pub kind: SensorKind,
    /// Its substance (gas detectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substance: Option<Substance>,
    /// How far from the incident the sensor may be, metres.
    pub within_m: f64,
    /// The values, as fractions of the sensor's high-high threshold.
    pub ramp_of_high_high: Vec<f64>,
    /// Seconds between two readings.
    #[serde(default = "default_every_s")]
    pub every_s: u32,
}

fn default_every_s() -> u32 {
    10
}

/// Most readings one inject sends.
pub const MAX_RAMP: usize = 60;

impl ReadingsInject {
    fn validate(&self) -> std::result::Result<(), String> {
        if !(self.within_m.is_finite() && self.within_m > 0.0 && self.within_m <= 50_000.0) {
            return Err("readings.within_m must be more than 0 and at most 50000".into());
        }
        if self.ramp_of_high_high.is_empty() || self.ramp_of_high_high.len() > MAX_RAMP {
            return Err(format!("readings.ramp_of_high_high needs 1 to {MAX_RAMP} values"));
        }
        if self.ramp_of_high_high.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err("readings.ramp_of_high_high values must be 0 or more".into());
        }
        if self.every_s == 0 {
            return Err("readings.every_s must be at least 1".into());
        }
        Ok(())
    }

    /// The sensor it drives: of its kind (and substance), with a high-high
    /// threshold, nearest `at` within `within_m`; with that threshold.
    pub fn sensor(&self, catalog: &Catalog, at: [f64; 2]) -> Option<(FeatureId, f64)> {
        let here = geo::coord! { x: at[0], y: at[1] };
        let sensors = catalog.sensors.read();
        sensors
            .features()
            .iter()
            .filter(|f| {
                let p = &f.properties;
                p.kind == self.kind
                    && self.substance.is_none_or(|s| p.substance == Some(s))
                    && p.thresholds.high_high.is_some_and(|h| h > 0.0)
            })
            .filter_map(|f| {
                let point = match &f.geometry {
                    geo::Geometry::Point(p) => p.0,
                    _ => return None,
                };
                let d = distance_m(here, point);
                (d <= self.within_m).then_some((d, f.id, f.properties.thresholds.high_high?))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id, high_high)| (id, high_high))
    }

    /// The readings for `sensor` (high-high threshold `high_high`), as
    /// `POST /readings` items marked drill, the last one at `now`.
    pub fn items(&self, sensor: FeatureId, high_high: f64, now: DateTime<Utc>) -> Vec<Json> {
        let n = self.ramp_of_high_high.len();
        self.ramp_of_high_high
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let back = TimeDelta::seconds(i64::from(self.every_s) * (n - 1 - i) as i64);
                serde_json::json!({
                    "sensor": sensor,
                    "value": f * high_high,
                    "at": (now - back).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "drill": true,
                })
            })
            .collect()
    }
}

/// A drill scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its id: the file name without `.toml`.
    #[serde(default)]
    pub id: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// What the drill exercises, in Chinese (empty in files written before
    /// it was asked for: the map shows the English one then).
    #[serde(default)]
    pub summary_zh: String,
    /// What the drill exercises, in English (`summary` in files written
    /// before the Chinese one was asked for).
    #[serde(alias = "summary")]
    pub summary_en: String,
    /// The incident opened when the drill starts.
    pub incident: IncidentSpec,
    /// Injects, in time order.
    #[serde(default)]
    pub injects: Vec<Inject>,
}

impl Scenario {
    /// Reads and checks one scenario file.
    pub fn read(path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::BadData {
            path: path.into(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(Error::io("read", path))?;
        let id = path
            .file_stem()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad("file name is not UTF-8".into()))?;
        Self::parse(id, &text, path)
    }

    /// Reads and checks one scenario's TOML `text` with its `id`; `path` names it in errors.
    pub fn parse(id: &str, text: &str, path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::BadData {
            path: path.into(),
            reason,
        };
        let mut s: Scenario = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        s.id = id.to_owned();
        s.incident.validate().map_err(|e| bad(format!("incident: {e}")))?;
        let mut spec = s.incident.clone();
        for (n, inject) in s.injects.iter().enumerate() {
            if !(inject.at_min.is_finite() && inject.at_min >= 0.0) {
                return Err(bad(format!("inject {n}: at_min must be 0 or more")));
            }
            if n > 0 && inject.at_min < s.injects[n - 1].at_min {
                return Err(bad(format!("inject {n}: injects must be in time order")));
            }
            if let Some(update) = &inject.update {
                spec = spec.patched(update).map_err(|e| bad(format!("inject {n}: {e}")))?;
            }
            if let Some(readings) = &inject.readings {
                readings.validate().map_err(|e| bad(format!("inject {n}: {e}")))?;
            }
        }
        Ok(s)
    }

    /// Every `*.toml` in `dir`, by id. A missing folder has none.
    pub fn read_dir(dir: &Path) -> Result<Vec<Self>> {
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(Error::io("list", dir))? {
            let path = entry.map_err(Error::io("list", dir))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                out.push(Self::read(&path)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Minutes from the start to the last inject.
    pub fn duration_min(&self) -> f64 {
        self.injects.last().map_or(0.0, |i| i.at_min)
    }
}
