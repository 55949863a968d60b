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

use crate::error::{Error, Result};
use crate::model::IncidentSpec;
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
