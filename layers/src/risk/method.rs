//! The scoring method of the risk grid and the choropleth
//! (`docs/risk-method.md`): what each item weighs, how a cell's points
//! become a score of 0–100, and the four classes (红橙黄蓝).
//!
//! Every weight is configurable (`[risk]` in the server's config file); the
//! defaults are stated here and in the document.

use crate::model::{Industry, RiskLevel, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Points per enterprise, by its risk colour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourWeights {
    /// 重大风险 (red).
    pub red: f64,
    /// 较大风险 (orange).
    pub orange: f64,
    /// 一般风险 (yellow).
    pub yellow: f64,
    /// 低风险 (blue).
    pub blue: f64,
}

impl ColourWeights {
    fn by_index(&self, i: usize) -> f64 {
        [self.red, self.orange, self.yellow, self.blue][i]
    }
}

/// Points per km² of a disaster-prone zone, by its severity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityWeights {
    /// 极高.
    pub very_high: f64,
    /// 高.
    pub high: f64,
    /// 中.
    pub moderate: f64,
    /// 低.
    pub low: f64,
}

impl SeverityWeights {
    fn by_index(&self, i: usize) -> f64 {
        [self.very_high, self.high, self.moderate, self.low][i]
    }
}

/// How a cell (or a county) is scored. `docs/risk-method.md` explains each
/// number; [`RiskMethod::default`] is the method the bureau starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskMethod {
    /// Points per enterprise by risk colour.
    pub enterprise: ColourWeights,
    /// Factor on an enterprise's points by industry code (missing: 1).
    pub industry: BTreeMap<String, f64>,
    /// Points per major hazard source of level 1, 2, 3 and 4.
    pub hazard_level: [f64; 4],
    /// Points per unit of GB 18218 R, on top of the level's.
    pub hazard_r: f64,
    /// R above this counts as this much (one huge tank farm must not hide the rest).
    pub hazard_r_cap: f64,
    /// Points per km² of disaster-prone zone, by severity.
    pub zone_per_km2: SeverityWeights,
    /// Points per open general hidden danger (一般隐患).
    pub danger_general: f64,
    /// Points per open major hidden danger (重大隐患).
    pub danger_major: f64,
    /// Factor on a danger's points while it is past its deadline.
    pub danger_overdue_factor: f64,
    /// How much people raise the consequence: the factor is
    /// `1 + population_weight · log10(1 + density / population_reference_per_km2)`.
    pub population_weight: f64,
    /// Residents per km² at which the population term is `log10 2`.
    pub population_reference_per_km2: f64,
    /// Risk points per km² that score 50. With `normalisation = "data"`
    /// (the default) the grid sets it at start from the data (below); with
    /// `"fixed"` it is this number.
    pub half_score_density: f64,
    /// How `half_score_density` is set: from the data at start, or fixed.
    pub normalisation: Normalisation,
    /// With `normalisation = "data"`: the percentile (0–100) of the
    /// resolution-7 cells' point densities that scores 50 (so that share of
    /// cells falls below orange whatever the size of the register).
    pub calibration_percentile: f64,
    /// Scores at which blue turns yellow, yellow orange, orange red.
    pub class_breaks: [f64; 3],
}

impl Default for RiskMethod {
    fn default() -> Self {
        let industry = [
            (Industry::HazardousChemicals, 1.5),
            (Industry::CoalMine, 1.5),
            (Industry::Fireworks, 1.5),
            (Industry::TailingsPond, 1.3),
            (Industry::NonCoalMine, 1.2),
            (Industry::Metallurgy, 1.2),
            (Industry::DustExplosion, 1.2),
            (Industry::Gas, 1.2),
        ]
        .into_iter()
        .map(|(i, f)| (i.code().to_owned(), f))
        .collect();
        Self {
            enterprise: ColourWeights {
                red: 10.0,
                orange: 4.0,
                yellow: 1.5,
                blue: 0.5,
            },
            industry,
            hazard_level: [40.0, 25.0, 15.0, 8.0],
            hazard_r: 0.1,
            hazard_r_cap: 200.0,
            zone_per_km2: SeverityWeights {
                very_high: 0.8,
                high: 0.4,
                moderate: 0.2,
                low: 0.05,
            },
            danger_general: 1.0,
            danger_major: 8.0,
            danger_overdue_factor: 2.0,
            population_weight: 0.5,
            population_reference_per_km2: 100.0,
            half_score_density: 1.0,
            normalisation: Normalisation::Data,
            calibration_percentile: DEFAULT_CALIBRATION_PERCENTILE,
            class_breaks: [25.0, 50.0, 75.0],
        }
    }
}

/// How the density that scores 50 (`half_score_density`) is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// From the data when the grid is built (at start): the
    /// `calibration_percentile` of the resolution-7 cells' densities. The
    /// classes then mean the same share of the province whatever the size
    /// of the register; edits afterwards do not move it, so an edit changes
    /// only the cells it touches.
    Data,
    /// `half_score_density` as configured: comparable from year to year.
    Fixed,
}

/// The default percentile of [`Normalisation::Data`]: 90, so that at scale 1
/// (a register the size of a province's, 12,000 enterprises) the density
/// that scores 50 is the 1 point per km² the method was first calibrated
/// with (docs/risk-method.md, "Measured": 10 % of resolution-7 cells were
/// orange or red at scale 1), and about one cell in ten is orange or red at
/// any scale. Not from a standard: the planning office's choice, stated.
pub const DEFAULT_CALIBRATION_PERCENTILE: f64 = 90.0;

/// The `p`-th percentile (nearest rank, 0 < p < 100) of `values`; `None`
/// when there are none.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

/// The four classes of the provincial practice, most serious first.
pub const CLASSES: [&str; 4] = ["red", "orange", "yellow", "blue"];

impl RiskMethod {
    /// Refuses a method that cannot score: negative or non-finite weights,
    /// an unknown industry, breaks not rising inside 0..100.
    pub fn validate(&self) -> Result<(), String> {
        let mut numbers: Vec<(&str, f64)> = vec![
            ("enterprise.red", self.enterprise.red),
            ("enterprise.orange", self.enterprise.orange),
            ("enterprise.yellow", self.enterprise.yellow),
            ("enterprise.blue", self.enterprise.blue),
            ("hazard_r", self.hazard_r),
            ("hazard_r_cap", self.hazard_r_cap),
            ("zone_per_km2.very_high", self.zone_per_km2.very_high),
            ("zone_per_km2.high", self.zone_per_km2.high),
            ("zone_per_km2.moderate", self.zone_per_km2.moderate),
            ("zone_per_km2.low", self.zone_per_km2.low),
            ("danger_general", self.danger_general),
            ("danger_major", self.danger_major),
            ("danger_overdue_factor", self.danger_overdue_factor),
            ("population_weight", self.population_weight),
        ];
        numbers.extend(self.hazard_level.iter().map(|w| ("hazard_level", *w)));
        numbers.extend(self.industry.values().map(|w| ("industry", *w)));
        if let Some((name, v)) = numbers.iter().find(|(_, v)| !(v.is_finite() && *v >= 0.0)) {
            return Err(format!("risk.{name} must be a number ≥ 0, not {v}"));
        }
        if let Some(code) = self.industry.keys().find(|c| !Industry::CODES.contains(&c.as_str())) {
            return Err(format!(
                "risk.industry: {code:?} is not an industry; industries are {}",
                Industry::CODES.join(", ")
            ));
        }
        for (name, v) in [
            ("half_score_density", self.half_score_density),
            ("population_reference_per_km2", self.population_reference_per_km2),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("risk.{name} must be a number > 0, not {v}"));
            }
        }
        let p = self.calibration_percentile;
        if !(p.is_finite() && 0.0 < p && p < 100.0) {
            return Err(format!(
                "risk.calibration_percentile must lie strictly inside 0..100, not {p}"
            ));
        }
        let b = self.class_breaks;
        if !(0.0 < b[0] && b[0] < b[1] && b[1] < b[2] && b[2] < 100.0) {
            return Err(format!("risk.class_breaks must rise strictly inside 0..100, not {b:?}"));
        }
        Ok(())
    }

    /// The factor of an industry.
    pub fn industry_factor(&self, industry: Industry) -> f64 {
        self.industry.get(industry.code()).copied().unwrap_or(1.0)
    }

    /// The class of a score: red, orange, yellow or blue (a cell with any
    /// points is at least blue).
    pub fn class_of(&self, score: f64) -> &'static str {
        let b = self.class_breaks;
        if score >= b[2] {
            "red"
        } else if score >= b[1] {
            "orange"
        } else if score >= b[0] {
            "yellow"
        } else {
            "blue"
        }
    }

    /// The score and its parts of what `counts` holds over `area_km2`.
    pub fn score(&self, counts: &Counts, area_km2: f64) -> Score {
        let mut enterprise = 0.0;
        for (i, industry) in Industry::ALL.iter().enumerate() {
            let f = self.industry_factor(*industry);
            for c in 0..4 {
                enterprise += f64::from(counts.enterprises[i][c]) * self.enterprise.by_index(c) * f;
            }
        }
        let mut hazard = 0.0;
        for level in 0..4 {
            hazard += f64::from(counts.hazard_levels[level + 1]) * self.hazard_level[level];
        }
        // The capped R sum: each source's R was capped when it was counted.
        hazard += self.hazard_r * counts.r_capped_centi as f64 / 100.0;
        let zone: f64 = (0..4)
            .map(|s| counts.zone_m2[s] as f64 / 1e6 * self.zone_per_km2.by_index(s))
            .sum();
        let danger_open = f64::from(counts.dangers[0] - counts.overdue[0]) * self.danger_general
            + f64::from(counts.dangers[1] - counts.overdue[1]) * self.danger_major;
        let danger_overdue = (f64::from(counts.overdue[0]) * self.danger_general
            + f64::from(counts.overdue[1]) * self.danger_major)
            * self.danger_overdue_factor;
        let danger = danger_open + danger_overdue;
        let area = area_km2.max(1e-9);
        let density_people = counts.population as f64 / area;
        let exposure =
            1.0 + self.population_weight * (1.0 + density_people / self.population_reference_per_km2).log10();
        let points = (enterprise + hazard + zone + danger) * exposure;
        let density = points / area;
        let score = 100.0 * (1.0 - 0.5f64.powf(density / self.half_score_density));
        Score {
            enterprise,
            hazard,
            zone,
            danger,
            exposure,
            points,
            density,
            score,
            class: self.class_of(score),
        }
    }
}

/// A score with its parts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Enterprise points.
    pub enterprise: f64,
    /// Hazard-source points.
    pub hazard: f64,
    /// Disaster-zone points.
    pub zone: f64,
    /// Hidden-danger points.
    pub danger: f64,
    /// The population factor (≥ 1).
    pub exposure: f64,
    /// (enterprise + hazard + zone + danger) · exposure.
    pub points: f64,
    /// Points per km².
    pub density: f64,
    /// 0–100.
    pub score: f64,
    /// red, orange, yellow or blue.
    pub class: &'static str,
}

/// What lies in a cell (or county), in whole numbers so that adding and
/// taking away an item is exact in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Enterprises by industry (in [`Industry::ALL`] order) and colour (red, orange, yellow, blue).
    pub enterprises: [[u32; 4]; INDUSTRIES],
    /// Hazard sources: `[0]` below the GB 18218 §4.2 test, `[1..=4]` by level.
    pub hazard_levels: [u32; 5],
    /// Σ R, hundredths.
    pub r_centi: u64,
    /// Σ min(R, cap), hundredths (what the score counts).
    pub r_capped_centi: u64,
    /// Disaster-prone zone area, m², by severity (very high, high, moderate, low).
    pub zone_m2: [u64; 4],
    /// Residents.
    pub population: u64,
    /// Open hidden dangers: `[general, major]`.
    pub dangers: [u32; 2],
    /// Of those, past their deadline.
    pub overdue: [u32; 2],
}

/// How many industries there are.
pub const INDUSTRIES: usize = 11;

const _: () = assert!(Industry::ALL.len() == INDUSTRIES);

impl Counts {
    /// Whether nothing is in it.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds (`sign` +1) or takes away (−1) `other`.
    pub fn add(&mut self, other: &Counts, add: bool) {
        fn op32(a: &mut u32, b: u32, add: bool) {
            *a = if add { a.saturating_add(b) } else { a.saturating_sub(b) };
        }
        fn op64(a: &mut u64, b: u64, add: bool) {
            *a = if add { a.saturating_add(b) } else { a.saturating_sub(b) };
        }
        for (a, b) in self.enterprises.iter_mut().zip(&other.enterprises) {
            for (x, y) in a.iter_mut().zip(b) {
                op32(x, *y, add);
            }
        }
        for (x, y) in self.hazard_levels.iter_mut().zip(&other.hazard_levels) {
            op32(x, *y, add);
        }
        op64(&mut self.r_centi, other.r_centi, add);
        op64(&mut self.r_capped_centi, other.r_capped_centi, add);
        for (x, y) in self.zone_m2.iter_mut().zip(&other.zone_m2) {
            op64(x, *y, add);
        }
        op64(&mut self.population, other.population, add);
        for i in 0..2 {
            op32(&mut self.dangers[i], other.dangers[i], add);
            op32(&mut self.overdue[i], other.overdue[i], add);
        }
    }

    /// One enterprise.
    pub fn enterprise(industry: Industry, colour: RiskLevel) -> Self {
        let mut c = Self::default();
        let (i, k) = Self::enterprise_slot(industry, colour);
        c.enterprises[i][k] = 1;
        c
    }

    /// Where [`Counts::enterprise`] counts one enterprise: `enterprises[i][k]`.
    pub fn enterprise_slot(industry: Industry, colour: RiskLevel) -> (usize, usize) {
        let i = Industry::ALL.iter().position(|x| *x == industry).unwrap_or(0);
        let k = RiskLevel::ALL.iter().position(|x| *x == colour).unwrap_or(3);
        (i, k)
    }

    /// One hazard source of `level` (none: below the identification test) and `r`.
    pub fn hazard(level: Option<u8>, r: f64, cap: f64) -> Self {
        let mut c = Self::default();
        c.hazard_levels[usize::from(level.unwrap_or(0).min(4))] = 1;
        let r = if r.is_finite() { r.max(0.0) } else { 0.0 };
        c.r_centi = (r * 100.0).round() as u64;
        c.r_capped_centi = (r.min(cap) * 100.0).round() as u64;
        c
    }

    /// `m2` of a zone of `severity`.
    pub fn zone(severity: Severity, m2: u64) -> Self {
        let mut c = Self::default();
        let s = Severity::ALL.iter().position(|x| *x == severity).unwrap_or(3);
        c.zone_m2[s] = m2;
        c
    }

    /// Residents.
    pub fn people(population: u64) -> Self {
        Self {
            population,
            ..Self::default()
        }
    }

    /// One open hidden danger.
    pub fn danger(major: bool, overdue: bool) -> Self {
        let mut c = Self::default();
        let i = usize::from(major);
        c.dangers[i] = 1;
        c.overdue[i] = u32::from(overdue);
        c
    }

    /// Enterprises by colour, all industries.
    pub fn enterprises_by_colour(&self) -> [u32; 4] {
        let mut out = [0; 4];
        for row in &self.enterprises {
            for (o, v) in out.iter_mut().zip(row) {
                *o += v;
            }
        }
        out
    }

    /// Every enterprise.
    pub fn enterprise_total(&self) -> u32 {
        self.enterprises_by_colour().iter().sum()
    }

    /// Major hazard sources (levels 1–4).
    pub fn hazard_total(&self) -> u32 {
        self.hazard_levels[1..].iter().sum()
    }

    /// The parts as JSON: what a cell or county holds.
    pub fn to_json(&self) -> serde_json::Value {
        let colours = self.enterprises_by_colour();
        let by_industry: serde_json::Map<String, serde_json::Value> = Industry::ALL
            .iter()
            .zip(&self.enterprises)
            .filter(|(_, row)| row.iter().any(|v| *v > 0))
            .map(|(i, row)| (i.code().to_owned(), serde_json::json!(row.iter().sum::<u32>())))
            .collect();
        serde_json::json!({
            "enterprises": {"red": colours[0], "orange": colours[1], "yellow": colours[2], "blue": colours[3]},
            "enterprises_by_industry": by_industry,
            "hazard_sources": {"1": self.hazard_levels[1], "2": self.hazard_levels[2], "3": self.hazard_levels[3], "4": self.hazard_levels[4], "below_threshold": self.hazard_levels[0]},
            "r_sum": self.r_centi as f64 / 100.0,
            "zone_km2": {
                "very_high": self.zone_m2[0] as f64 / 1e6, "high": self.zone_m2[1] as f64 / 1e6,
                "moderate": self.zone_m2[2] as f64 / 1e6, "low": self.zone_m2[3] as f64 / 1e6,
            },
            "population": self.population,
            "dangers_open": self.dangers[0] + self.dangers[1],
            "dangers_major_open": self.dangers[1],
            "dangers_overdue": self.overdue[0] + self.overdue[1],
        })
    }
}
