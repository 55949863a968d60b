//! The weather at an incident and the atmospheric stability class it gives.
//!
//! The class follows the Pasquill table (Pasquill 1961, as set out in
//! `REFERENCE.md` and in US EPA, *Meteorological Monitoring Guidance for
//! Regulatory Modeling Applications*, EPA-454/R-99-005, 2000, §6.4): by day
//! from the wind and the incoming solar radiation, by night from the wind and
//! the cloud cover; an overcast sky is D whatever the wind.
//!
//! - **Incoming radiation** is read from the sun's elevation, computed for the
//!   time and place (the `sun` crate), as in Turner's method (EPA-454/R-99-005
//!   Table 6-5): above 60° strong, 35–60° moderate, 15–35° slight. Turner's
//!   key (Table 6-4, net radiation index 1) gives the sun below 15°: C below
//!   1.9 m/s (4 knots), D above.
//! - **Cloud** by day: more than half the sky (Turner: > 5/10, here ≥ 5 oktas)
//!   lowers the radiation class by two when the ceiling is low and by one when
//!   it is middling (Table 6-6); the ceiling is not asked, so the larger step
//!   (towards the more stable class) is taken. By night: ≥ 4/8 cloud reads the
//!   "thin overcast" column, ≤ 3/8 the clear one.
//! - **Where the table gives two classes** (A–B, B–C, C–D) the more stable is
//!   taken, and a night wind below 2 m/s (left blank in the table) is F.
//! - **What is not known** is taken at its worst: every cloud cover (or sun
//!   elevation) the report allows is tried and the most stable class drawn —
//!   a more stable class keeps a ground-level plume narrower and carries it
//!   further. Unknown cloud by day is therefore D (the overcast case), and by
//!   night the clear-sky column. A test checks that the plume drawn this way
//!   is never shorter than with any stated cloud.
//! - A class given explicitly always wins.

use super::ImpactError;
pub use crate::model::{Sky, StabilityClass, Weather};
use geo::Coord;
use serde::Serialize;

impl StabilityClass {
    /// Whether the air is stable (E or F): plumes stay narrow and travel far.
    pub fn is_stable(self) -> bool {
        matches!(self, Self::E | Self::F)
    }
}

impl Sky {
    /// The cloud cover it allows, oktas (inclusive).
    pub fn oktas(self) -> (u8, u8) {
        match self {
            Self::Clear => (0, 2),
            Self::Partly => (3, 7),
            Self::Overcast => (8, 8),
        }
    }
}

/// Incoming solar radiation class by day (Turner's insolation class number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Insolation {
    /// Sun at or below 15° (Turner class 1).
    Weak = 1,
    /// Sun 15–35° (class 2).
    Slight = 2,
    /// Sun 35–60° (class 3).
    Moderate = 3,
    /// Sun above 60° (class 4).
    Strong = 4,
}

impl Insolation {
    /// The class for a sun elevation in degrees (EPA-454/R-99-005 Table 6-5).
    pub fn of_sun(elevation_deg: f64) -> Self {
        if elevation_deg > 60.0 {
            Self::Strong
        } else if elevation_deg > 35.0 {
            Self::Moderate
        } else if elevation_deg > 15.0 {
            Self::Slight
        } else {
            Self::Weak
        }
    }

    /// Two classes lower (more than half the sky clouded, ceiling not known), at least [`Insolation::Weak`].
    fn under_cloud(self) -> Self {
        match self {
            Self::Strong => Self::Slight,
            Self::Moderate | Self::Slight | Self::Weak => Self::Weak,
        }
    }
}

/// The Pasquill class by day for a wind speed (m/s) and radiation class.
///
/// | wind m/s | strong | moderate | slight | weak (sun ≤ 15°) |
/// |----------|--------|----------|--------|------------------|
/// | < 1.9    | A      | B (A–B)  | B      | C                |
/// | 1.9–2    | A      | B (A–B)  | B      | D                |
/// | 2–3      | B (A–B)| B        | C      | D                |
/// | 3–5      | B      | C (B–C)  | C      | D                |
/// | 5–6      | C      | D (C–D)  | D      | D                |
/// | ≥ 6      | C      | D        | D      | D                |
pub fn day_class(wind_speed_ms: f64, insolation: Insolation) -> StabilityClass {
    use Insolation as I;
    use StabilityClass::{A, B, C, D};
    let w = wind_speed_ms;
    match insolation {
        // Turner's key, net radiation index 1: class 3 up to 3 knots, 4 from 4 knots (1.9 m/s).
        I::Weak => {
            if w < 1.9 {
                C
            } else {
                D
            }
        }
        I::Strong => match w {
            w if w < 2.0 => A,
            w if w < 5.0 => B,
            _ => C,
        },
        I::Moderate => match w {
            w if w < 3.0 => B,
            w if w < 5.0 => C,
            _ => D,
        },
        I::Slight => match w {
            w if w < 2.0 => B,
            w if w < 5.0 => C,
            _ => D,
        },
    }
}

/// The Pasquill class by night for a wind speed (m/s) and cloud cover (oktas, below 8).
///
/// | wind m/s | ≥ 4/8 cloud | ≤ 3/8 cloud |
/// |----------|-------------|-------------|
/// | < 2      | F (blank)   | F (blank)   |
/// | 2–3      | E           | F           |
/// | 3–5      | D           | E           |
/// | ≥ 5      | D           | D           |
pub fn night_class(wind_speed_ms: f64, oktas: u8) -> StabilityClass {
    use StabilityClass::{D, E, F};
    let cloudy = oktas >= 4;
    match wind_speed_ms {
        w if w < 2.0 => F,
        w if w < 3.0 => {
            if cloudy {
                E
            } else {
                F
            }
        }
        w if w < 5.0 => {
            if cloudy {
                D
            } else {
                E
            }
        }
        _ => D,
    }
}

/// The Pasquill class for one stated sky: wind (m/s), day or night, cloud
/// cover (oktas) and, by day, the radiation class before cloud.
pub fn pasquill(wind_speed_ms: f64, daytime: bool, oktas: u8, insolation: Insolation) -> StabilityClass {
    if oktas >= 8 {
        return StabilityClass::D;
    }
    if !daytime {
        return night_class(wind_speed_ms, oktas);
    }
    let insolation = if oktas >= 5 {
        insolation.under_cloud()
    } else {
        insolation
    };
    day_class(wind_speed_ms, insolation)
}

/// Strongest wind accepted, m/s (beyond hurricane force; anything above is a typo).
pub const MAX_WIND_MS: f64 = 60.0;

/// The stability class drawn and why, in words for the limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stability {
    /// The class.
    pub class: StabilityClass,
    /// How it was chosen (English).
    pub basis: String,
}

impl Weather {
    /// Weather with only wind and day/night known (cloud, time and class unknown).
    pub fn new(wind_from_deg: f64, wind_speed_ms: f64, daytime: bool) -> Self {
        Self {
            wind_from_deg,
            wind_speed_ms,
            daytime,
            stability: None,
            cloud_cover: None,
            sky: None,
            at: None,
        }
    }

    /// Refuses impossible values, with a message for the user.
    pub fn validate(&self) -> Result<(), ImpactError> {
        let bad = |m: String| Err(ImpactError::InvalidWeather(m));
        if !self.wind_from_deg.is_finite() || !(0.0..360.0).contains(&self.wind_from_deg) {
            return bad(format!(
                "wind direction must be in [0, 360) degrees, got {}",
                self.wind_from_deg
            ));
        }
        if !self.wind_speed_ms.is_finite() || !(0.0..=MAX_WIND_MS).contains(&self.wind_speed_ms) {
            return bad(format!(
                "wind speed must be between 0 and {MAX_WIND_MS} m/s, got {}",
                self.wind_speed_ms
            ));
        }
        if let Some(oktas) = self.cloud_cover {
            if oktas > 8 {
                return bad(format!("cloud cover is in oktas, 0 to 8, got {oktas}"));
            }
            if let Some(sky) = self.sky {
                let (lo, hi) = sky.oktas();
                if !(lo..=hi).contains(&oktas) {
                    return bad(format!(
                        "cloud cover {oktas}/8 contradicts sky {sky:?} ({lo}–{hi} oktas); give one of them"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The cloud cover the report allows, oktas (inclusive range).
    fn oktas(&self) -> (u8, u8) {
        match (self.cloud_cover, self.sky) {
            (Some(n), _) => (n, n),
            (None, Some(sky)) => sky.oktas(),
            (None, None) => (0, 8),
        }
    }

    /// The sun's elevation at `place` (lon/lat) at the time of the report, degrees.
    pub fn sun_elevation_deg(&self, place: Coord<f64>) -> Option<f64> {
        let at = self.at?;
        Some(sun::pos(at.timestamp_millis(), place.y, place.x).altitude.to_degrees())
    }

    /// The stability class at `place`: the one given, else the most stable
    /// class the report allows (see the module docs), with the reason.
    pub fn stability_at(&self, place: Coord<f64>) -> Stability {
        if let Some(class) = self.stability {
            return Stability {
                class,
                basis: format!("stability class {class:?} as given"),
            };
        }
        let (lo, hi) = self.oktas();
        let sun = self.sun_elevation_deg(place);
        let insolations: &[Insolation] = match sun {
            Some(e) => &[Insolation::of_sun(e)],
            None => &[
                Insolation::Weak,
                Insolation::Slight,
                Insolation::Moderate,
                Insolation::Strong,
            ],
        };
        let class = (lo..=hi)
            .flat_map(|n| {
                insolations
                    .iter()
                    .map(move |&i| pasquill(self.wind_speed_ms, self.daytime, n, i))
            })
            .max()
            .unwrap_or(StabilityClass::F);
        let cloud = match (self.cloud_cover, self.sky) {
            (Some(n), _) => format!("cloud {n}/8"),
            (None, Some(sky)) => format!("sky {sky:?} ({lo}–{hi}/8), the most stable case taken"),
            (None, None) => "cloud cover not given: the most stable case taken (larger zone)".to_owned(),
        };
        let when = if !self.daytime {
            "night".to_owned()
        } else {
            match sun {
                Some(e) => format!("day, sun {e:.0}° ({:?} radiation)", Insolation::of_sun(e)),
                None => "day, sun elevation unknown: the weakest radiation taken".to_owned(),
            }
        };
        Stability {
            class,
            basis: format!(
                "Pasquill class {class:?} from wind {:.1} m/s, {when}, {cloud}",
                self.wind_speed_ms
            ),
        }
    }

    /// The bearing the wind blows TOWARDS, degrees clockwise from north.
    pub fn downwind_deg(&self) -> f64 {
        (self.wind_from_deg + 180.0).rem_euclid(360.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StabilityClass::{A, B, C, D, E, F};
    use chrono::{DateTime, TimeZone, Utc};

    /// Every cell of the REFERENCE.md day table, at a speed inside each band,
    /// with the more stable of a pair.
    #[test]
    fn the_day_table_matches_pasquill_cell_by_cell() {
        use Insolation::{Moderate, Slight, Strong};
        let table = [
            // wind, strong, moderate, slight
            (1.0, [A, B, B]),
            (2.5, [B, B, C]),
            (4.0, [B, C, C]),
            (5.5, [C, D, D]),
            (8.0, [C, D, D]),
        ];
        for (w, row) in table {
            for (ins, want) in [Strong, Moderate, Slight].into_iter().zip(row) {
                assert_eq!(day_class(w, ins), want, "wind {w} m/s, {ins:?} sun");
                assert_eq!(pasquill(w, true, 0, ins), want, "clear sky, wind {w}, {ins:?}");
            }
        }
    }

    #[test]
    fn the_night_table_matches_pasquill_cell_by_cell() {
        // wind, ≥ 4/8 cloud, ≤ 3/8 cloud; below 2 m/s the table is blank: F.
        let table = [
            (1.0, [F, F]),
            (2.5, [E, F]),
            (4.0, [D, E]),
            (5.5, [D, D]),
            (8.0, [D, D]),
        ];
        for (w, [cloudy, clear]) in table {
            assert_eq!(night_class(w, 4), cloudy, "wind {w}, 4/8");
            assert_eq!(night_class(w, 7), cloudy, "wind {w}, 7/8");
            assert_eq!(night_class(w, 3), clear, "wind {w}, 3/8");
            assert_eq!(night_class(w, 0), clear, "wind {w}, 0/8");
        }
    }

    #[test]
    fn an_overcast_sky_is_neutral_by_day_and_night() {
        for w in [0.5, 1.0, 2.5, 4.0, 5.5, 8.0] {
            for ins in [Insolation::Weak, Insolation::Strong] {
                assert_eq!(pasquill(w, true, 8, ins), D);
                assert_eq!(pasquill(w, false, 8, ins), D);
            }
        }
    }

    #[test]
    fn turner_low_sun_and_heavy_cloud_by_day() {
        // Sun ≤ 15°: C below 1.9 m/s, D from it (Turner's key, index 1).
        assert_eq!(day_class(1.8, Insolation::Weak), C);
        assert_eq!(day_class(1.9, Insolation::Weak), D);
        // 6/8 cloud lowers strong to slight and moderate to weak.
        assert_eq!(pasquill(2.5, true, 6, Insolation::Strong), C);
        assert_eq!(pasquill(2.5, true, 6, Insolation::Moderate), D);
        // Sun elevations at the band edges (Table 6-5).
        assert_eq!(Insolation::of_sun(61.0), Insolation::Strong);
        assert_eq!(Insolation::of_sun(60.0), Insolation::Moderate);
        assert_eq!(Insolation::of_sun(35.0), Insolation::Slight);
        assert_eq!(Insolation::of_sun(15.0), Insolation::Weak);
    }

    /// 太原 at local noon in June and December (UTC+8: 04:00 UTC is noon).
    const TAIYUAN: Coord<f64> = Coord { x: 112.55, y: 37.86 };

    fn at(y: i32, m: u32, d: u32, h: u32) -> Option<DateTime<Utc>> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single()
    }

    #[test]
    fn the_sun_is_high_in_summer_and_low_in_winter_at_taiyuan() {
        let mut w = Weather::new(270.0, 2.5, true);
        w.at = at(2026, 6, 21, 4);
        let summer = w.sun_elevation_deg(TAIYUAN).unwrap();
        // 90 − 37.9 + 23.4 ≈ 75.6° at solar noon.
        assert!((summer - 75.5).abs() < 1.5, "summer noon {summer:.1}°");
        w.at = at(2026, 12, 21, 4);
        let winter = w.sun_elevation_deg(TAIYUAN).unwrap();
        // 90 − 37.9 − 23.4 ≈ 28.7°.
        assert!((winter - 28.7).abs() < 1.5, "winter noon {winter:.1}°");
        // Weak winter sun gives C where a moderate-sun rule gives B (the issue's case).
        w.cloud_cover = Some(0);
        assert_eq!(w.stability_at(TAIYUAN).class, C);
        w.at = at(2026, 6, 21, 4);
        assert_eq!(w.stability_at(TAIYUAN).class, B, "strong summer sun, 2.5 m/s");
    }

    #[test]
    fn unknown_cloud_takes_the_most_stable_class() {
        let mut w = Weather::new(270.0, 2.5, true);
        w.at = at(2026, 6, 21, 4);
        assert_eq!(w.stability_at(TAIYUAN).class, D, "by day unknown cloud may be overcast");
        w.sky = Some(Sky::Clear);
        assert_eq!(w.stability_at(TAIYUAN).class, B);
        w.daytime = false;
        w.sky = None;
        assert_eq!(w.stability_at(TAIYUAN).class, F, "night: the clear-sky column");
        let given = Weather {
            stability: Some(A),
            ..w
        };
        assert_eq!(given.stability_at(TAIYUAN).class, A, "a given class wins");
        assert!(w.stability_at(TAIYUAN).basis.contains("not given"));
    }

    #[test]
    fn impossible_cloud_is_refused() {
        let mut w = Weather::new(0.0, 3.0, true);
        w.cloud_cover = Some(9);
        assert!(w.validate().unwrap_err().to_string().contains("oktas"));
        w.cloud_cover = Some(8);
        w.sky = Some(Sky::Clear);
        assert!(w.validate().unwrap_err().to_string().contains("contradicts"));
        w.sky = Some(Sky::Overcast);
        assert!(w.validate().is_ok());
        let json = r#"{"wind_from_deg": 0, "wind_speed_ms": 2, "daytime": true, "cloud": 3}"#;
        assert!(
            serde_json::from_str::<Weather>(json).is_err(),
            "a misspelt field is refused"
        );
    }
}
