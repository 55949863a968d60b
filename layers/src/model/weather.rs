//! The weather at an incident and the size of a spill, as a request or an
//! incident states them. Pure data: how the stability class follows from
//! them is in `crate::impact::weather`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// ERG spill size: small is up to 208 L (a drum, a small cylinder, a small
/// leak from a large package); large is more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpillSize {
    /// Up to 208 L.
    Small,
    /// More than 208 L.
    Large,
}

/// Pasquill–Gifford atmospheric stability class: A very unstable … D neutral … F very stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StabilityClass {
    /// Very unstable (strong sun, light wind).
    A,
    /// Moderately unstable.
    B,
    /// Slightly unstable.
    C,
    /// Neutral (overcast, or strong wind).
    D,
    /// Slightly stable (night, light to moderate wind).
    E,
    /// Very stable (clear night, light wind).
    F,
}

/// The sky as a duty officer reports it, when the oktas are not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sky {
    /// 晴: 0–2 oktas.
    Clear,
    /// 多云: 3–7 oktas.
    Partly,
    /// 阴: 8 oktas.
    Overcast,
}

/// The weather at the incident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// The direction the wind blows FROM, degrees clockwise from north, in [0, 360).
    pub wind_from_deg: f64,
    /// Wind speed at 10 m, m/s.
    pub wind_speed_ms: f64,
    /// Between sunrise and sunset.
    pub daytime: bool,
    /// Stability class if known; else derived (see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<StabilityClass>,
    /// Cloud cover in oktas (eighths of the sky), 0–8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_cover: Option<u8>,
    /// The sky in words, when the oktas are not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sky: Option<Sky>,
    /// When the weather was observed, for the sun's elevation; the time of
    /// the calculation when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}
