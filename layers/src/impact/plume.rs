//! Gaussian plume from a continuous ground-level release.
//!
//! Ground-level concentration of a release at ground level, with total
//! reflection at the ground:
//!
//! C(x, y) = Q / (π · u · σy · σz) · exp(−y² / 2σy²)
//!
//! σy(x) and σz(x) are Briggs' (1973) open-country (rural) fits to the
//! Pasquill–Gifford curves, as given by Turner's *Workbook of Atmospheric
//! Dispersion Estimates* (2nd ed., 1994), x in metres:
//!
//! | class | σy                        | σz                          |
//! |-------|---------------------------|-----------------------------|
//! | A     | 0.22 x (1 + 0.0001 x)^-½  | 0.20 x                      |
//! | B     | 0.16 x (1 + 0.0001 x)^-½  | 0.12 x                      |
//! | C     | 0.11 x (1 + 0.0001 x)^-½  | 0.08 x (1 + 0.0002 x)^-½    |
//! | D     | 0.08 x (1 + 0.0001 x)^-½  | 0.06 x (1 + 0.0015 x)^-½    |
//! | E     | 0.06 x (1 + 0.0001 x)^-½  | 0.03 x (1 + 0.0003 x)^-1    |
//! | F     | 0.04 x (1 + 0.0001 x)^-½  | 0.016 x (1 + 0.0003 x)^-1   |
//!
//! They are meant for 100 m to 10 km; beyond, they are extrapolated.
//! Concentrations convert to ppm at 25 °C and 1 atm: ppm = mg/m³ × 24.45 / M.

use super::{ImpactError, ImpactZone, Method, StabilityClass, Substance, Weather, ZoneSet, ZoneTier};
use geo::Coord;

/// Molar volume of an ideal gas at 25 °C and 1 atm, litres.
pub const MOLAR_VOLUME_L: f64 = 24.45;
/// Lowest wind speed used in the calculation, m/s; calmer air is taken as this.
pub const MIN_WIND_MS: f64 = 0.5;
/// Below this wind speed, m/s, the plume model is unreliable.
pub const UNRELIABLE_WIND_MS: f64 = 1.5;
/// Farthest a zone is drawn, metres.
pub const MAX_RANGE_M: f64 = 50_000.0;
/// Largest release rate accepted, kg/s.
pub const MAX_RELEASE_KG_S: f64 = 10_000.0;
/// Farthest distance the Briggs dispersion fits are meant for, metres.
pub const BRIGGS_RANGE_M: f64 = 10_000.0;
/// Where the footprint is first sampled downwind, metres.
const X_START_M: f64 = 1.0;

/// Horizontal dispersion coefficient σy at `x_m` downwind, metres.
pub fn sigma_y(x_m: f64, class: StabilityClass) -> f64 {
    let a = match class {
        StabilityClass::A => 0.22,
        StabilityClass::B => 0.16,
        StabilityClass::C => 0.11,
        StabilityClass::D => 0.08,
        StabilityClass::E => 0.06,
        StabilityClass::F => 0.04,
    };
    a * x_m / (1.0 + 0.0001 * x_m).sqrt()
}

/// Vertical dispersion coefficient σz at `x_m` downwind, metres.
pub fn sigma_z(x_m: f64, class: StabilityClass) -> f64 {
    let x = x_m;
    match class {
        StabilityClass::A => 0.20 * x,
        StabilityClass::B => 0.12 * x,
        StabilityClass::C => 0.08 * x / (1.0 + 0.0002 * x).sqrt(),
        StabilityClass::D => 0.06 * x / (1.0 + 0.0015 * x).sqrt(),
        StabilityClass::E => 0.03 * x / (1.0 + 0.0003 * x),
        StabilityClass::F => 0.016 * x / (1.0 + 0.0003 * x),
    }
}

/// Ground-level centre-line concentration, g/m³, `x_m` downwind of a
/// ground-level release of `q_g_s` g/s in a wind of `u_ms` m/s:
/// C = Q / (π u σy σz). Zero at or upwind of the source; the wind is taken
/// as at least [`MIN_WIND_MS`].
pub fn centreline_concentration(q_g_s: f64, u_ms: f64, x_m: f64, class: StabilityClass) -> f64 {
    if x_m <= 0.0 {
        return 0.0;
    }
    let u = u_ms.max(MIN_WIND_MS);
    q_g_s / (std::f64::consts::PI * u * sigma_y(x_m, class) * sigma_z(x_m, class))
}

/// ppm (by volume) to g/m³ at 25 °C, for molar mass `molar_mass` g/mol.
pub fn ppm_to_g_m3(ppm: f64, molar_mass: f64) -> f64 {
    ppm * molar_mass / MOLAR_VOLUME_L / 1000.0
}

/// g/m³ to ppm (by volume) at 25 °C, for molar mass `molar_mass` g/mol.
pub fn g_m3_to_ppm(g_m3: f64, molar_mass: f64) -> f64 {
    g_m3 * 1000.0 * MOLAR_VOLUME_L / molar_mass
}

/// Where one tier's footprint ends downwind, and whether the range cap cut it.
struct Reach {
    x_max: f64,
    capped: bool,
}

/// How far downwind the centre line stays at or above `c_tier` (g/m³).
/// `None` if it is below already at the first metre.
fn reach(q: f64, u: f64, class: StabilityClass, c_tier: f64) -> Option<Reach> {
    let c = |x: f64| centreline_concentration(q, u, x, class);
    if c(X_START_M) < c_tier {
        return None;
    }
    if c(MAX_RANGE_M) >= c_tier {
        return Some(Reach {
            x_max: MAX_RANGE_M,
            capped: true,
        });
    }
    // The centre-line concentration falls monotonically with x: bisect on ln x.
    let (mut lo, mut hi) = (X_START_M.ln(), MAX_RANGE_M.ln());
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if c(mid.exp()) >= c_tier {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(Reach {
        x_max: lo.exp(),
        capped: false,
    })
}

/// Half-width of the footprint at `x`, metres: σy · √(2 ln(C(x,0) / C_tier)).
fn half_width(q: f64, u: f64, class: StabilityClass, c_tier: f64, x: f64) -> f64 {
    let c0 = centreline_concentration(q, u, x, class);
    if c0 <= c_tier {
        return 0.0;
    }
    sigma_y(x, class) * (2.0 * (c0 / c_tier).ln()).sqrt()
}

/// Downwind sample positions from [`X_START_M`] to `x_max`: geometric (fine
/// near the source) plus extra points near the tip, where the width closes fast.
fn samples(x_max: f64) -> Vec<f64> {
    const N: usize = 80;
    let mut xs: Vec<f64> = (0..=N)
        .map(|i| X_START_M * (x_max / X_START_M).powf(i as f64 / N as f64))
        .collect();
    xs.extend([0.6, 0.75, 0.85, 0.92, 0.96, 0.98, 0.99, 0.995, 0.999].map(|f| f * x_max));
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * x_max);
    xs
}

/// The footprint outline in the local frame (along, right), from the source
/// down the right side to the tip and back up the left side.
fn footprint(q: f64, u: f64, class: StabilityClass, c_tier: f64, reach: &Reach) -> Vec<(f64, f64)> {
    let side: Vec<(f64, f64)> = samples(reach.x_max)
        .into_iter()
        .map(|x| (x, half_width(q, u, class, c_tier, x)))
        .collect();
    let mut outline = vec![(0.0, 0.0)];
    outline.extend(side.iter().map(|&(x, y)| (x, -y)));
    if !reach.capped {
        outline.push((reach.x_max, 0.0));
    }
    outline.extend(side.iter().rev().copied());
    outline
}

fn validate_rate(release_rate_kg_s: f64) -> Result<(), ImpactError> {
    if release_rate_kg_s.is_finite() && release_rate_kg_s > 0.0 && release_rate_kg_s <= MAX_RELEASE_KG_S {
        Ok(())
    } else {
        Err(ImpactError::InvalidRelease(format!(
            "release rate must be above 0 and at most {MAX_RELEASE_KG_S} kg/s, got {release_rate_kg_s}"
        )))
    }
}

const TIER_LABELS: [(&str, &str); 3] = [
    ("一级：明显不适", "Tier 1: notable discomfort"),
    (
        "二级：严重或持久伤害、妨碍逃生",
        "Tier 2: serious or lasting harm, impairs escape",
    ),
    ("三级：危及生命", "Tier 3: life-threatening"),
];
const TIERS: [ZoneTier; 3] = [ZoneTier::Tier1, ZoneTier::Tier2, ZoneTier::Tier3];

/// Plume zones of a continuous ground-level release of `release_rate_kg_s`
/// at `centre` (lon/lat): for each of the substance's three tiers, the ground
/// footprint where the concentration reaches the tier, pointing downwind.
///
/// A wind below [`MIN_WIND_MS`] is taken as that speed (with a caveat);
/// a release rate that is not positive, or above [`MAX_RELEASE_KG_S`], is refused.
/// A tier that is not reached even 1 m from the source has no zone.
pub fn plume_zones(
    centre: Coord<f64>,
    substance: &Substance,
    release_rate_kg_s: f64,
    weather: &Weather,
) -> Result<ZoneSet, ImpactError> {
    weather.validate()?;
    validate_rate(release_rate_kg_s)?;
    super::check_centre(centre)?;
    let stability = weather.stability_at(centre);
    let class = stability.class;
    let u = weather.wind_speed_ms.max(MIN_WIND_MS);
    let q = release_rate_kg_s * 1000.0;
    let downwind = weather.downwind_deg();
    let mut set = ZoneSet {
        zones: Vec::new(),
        limits: plume_limits(substance, weather, &stability),
    };
    for (i, c_tier) in substance.tiers_g_m3().into_iter().enumerate() {
        let ppm = substance.tiers_ppm[i];
        let Some(reach) = reach(q, u, class, c_tier) else {
            set.limits.push(format!(
                "Tier {} ({ppm} ppm) is not reached at this release rate.",
                i + 1
            ));
            continue;
        };
        if reach.capped {
            set.limits.push(format!(
                "Tier {} ({ppm} ppm) reaches beyond {:.0} km; it is drawn to {:.0} km only.",
                i + 1,
                MAX_RANGE_M / 1000.0,
                MAX_RANGE_M / 1000.0
            ));
        }
        let outline = footprint(q, u, class, c_tier, &reach);
        let (zh, en) = TIER_LABELS[i];
        set.zones.push(ImpactZone {
            tier: TIERS[i],
            method: Method::GaussianPlume,
            label_zh: format!("{}{zh}（≥ {ppm} ppm）", substance.name_zh),
            label_en: format!("{en}, {} (≥ {ppm} ppm)", substance.name_en),
            polygon: super::local_polygon(centre, downwind, outline),
            radius_m: None,
            downwind_m: Some(reach.x_max),
            threshold: Some(format!("{ppm} ppm")),
            open_ended: false,
        });
    }
    if set
        .zones
        .iter()
        .any(|z| z.downwind_m.is_some_and(|d| d > BRIGGS_RANGE_M))
    {
        set.limits.push(format!(
            "Dispersion coefficients are extrapolated beyond {:.0} km.",
            BRIGGS_RANGE_M / 1000.0
        ));
    }
    Ok(set)
}

/// Molar mass of air, g/mol.
const AIR_MOLAR_MASS: f64 = 28.96;

fn plume_limits(substance: &Substance, weather: &Weather, stability: &super::Stability) -> Vec<String> {
    let class = stability.class;
    let mut limits = vec![
        format!(
            "Gaussian plume, stability class {class:?}: a screening estimate for flat open ground and a steady wind."
        ),
        format!("{}.", stability.basis),
        "Concentrations are averages over about 30–60 minutes after the release starts; the cloud takes time to arrive."
            .to_owned(),
        "Unreliable within about 100 m of the source.".to_owned(),
        "Assumes a gas about as dense as air; buildings, valleys and terrain are ignored.".to_owned(),
        format!("Tiers are {} ({}).", substance.tier_basis, substance.name_en),
    ];
    if substance.molar_mass > 1.2 * AIR_MOLAR_MASS {
        limits.push(format!(
            "{} is heavier than air: the cloud hugs the ground, collects in low places and may reach further than drawn.",
            substance.name_en
        ));
    } else if substance.molar_mass < 0.8 * AIR_MOLAR_MASS {
        limits.push(format!(
            "{} is lighter than air and tends to rise (unless released cold); ground concentrations may be lower than drawn.",
            substance.name_en
        ));
    }
    if weather.wind_speed_ms < MIN_WIND_MS {
        limits.push(format!(
            "Wind below {MIN_WIND_MS} m/s: calculated with {MIN_WIND_MS} m/s; in calm air the gas pools and spreads in all directions."
        ));
    }
    if weather.wind_speed_ms < UNRELIABLE_WIND_MS {
        limits.push(format!(
            "Gaussian plume unreliable below {UNRELIABLE_WIND_MS} m/s wind: direction wanders; consider the whole circle."
        ));
    }
    if class.is_stable() {
        limits.push(
            "Very stable air (class E/F): the plume stays narrow and concentrated and may travel much further than drawn."
                .to_owned(),
        );
    }
    limits
}
