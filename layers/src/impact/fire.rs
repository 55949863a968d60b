//! Fire and explosion zones: thermal radiation and blast overpressure circles.
//!
//! # Thermal radiation (10 / 5 / 2 kW/m²)
//!
//! A point-source model: a fire radiating P watts gives q = P / (4π r²) at
//! r metres from its centre, taking the air as fully transparent (τ = 1,
//! which overstates the flux a little: conservative). So r = √(P / 4π q).
//!
//! - **Fireball** (gases and liquefied gases: the BLEVE of a tank in a fire),
//!   CCPS *Guidelines for Chemical Process Quantitative Risk Analysis* (2000):
//!   diameter D = 5.8 M^⅓ m, duration t = 0.45 M^⅓ s for M < 30,000 kg and
//!   2.6 M^⅙ s above; P = f · M · ΔHc / t with radiative fraction f = 0.4.
//!   CCPS gives 0.3 for a vessel that bursts below its relief pressure and
//!   0.4 at or above it; a tank engulfed in a fire fails at or above relief
//!   pressure, and 0.4 is also the larger: the default errs on the safe side.
//!   Distances are from the fireball centre (its height is ignored:
//!   conservative) and never less than its radius.
//! - **Pool fire** (liquids): the spilled mass spreads to a pool 1 cm deep
//!   (the depth of the U.S. EPA RMP *Offsite Consequence Analysis Guidance*
//!   for an undiked spill), burning at the large-pool rate m″∞ (Babrauskas,
//!   SFPE Handbook); P = η · m″∞ · A · ΔHc with radiative fraction η = 0.35
//!   (top of the usual 0.15–0.35, conservative). Never less than the pool radius.
//!
//! # Blast overpressure (8 / 3.5 / 1 psi)
//!
//! TNT equivalence: W = η · m · ΔHc / 4.68 MJ/kg with yield η = 0.10 by
//! default, the U.S. EPA *Risk Management Program Guidance for Offsite
//! Consequence Analysis* (EPA 550-B-99-009) worst case. CCPS gives 1–10 % for
//! vapour-cloud explosions and 3 % is a common screening value; a request may
//! set any yield from 3 to 10 %, and the limits say which was used. 10 %
//! gives ∛(10/3) ≈ 1.49 times the 3 % radius. The distance to an
//! overpressure is R = Z · W^⅓, where the scaled distance Z comes from the
//! Kingery–Bulmash curve for a hemispherical TNT surface burst, in the
//! polynomial form of Swisdak, *Simplified Kingery Airblast Calculations*
//! (1994). It gives Z ≈ 4.4 m/kg^⅓ at 8 psi (55 kPa), 7.2 at 3.5 psi (24 kPa)
//! and 18.1 at 1 psi (6.9 kPa) — the familiar 11, 18 and 45 ft/lb^⅓ of
//! UFC 3-340-02 figure 2-15. (Free-air curves give smaller Z.)

use super::substances::Phase;
use super::{ImpactError, Method, Substance, ZoneSet, ZoneTier};
use geo::Coord;

/// Thermal radiation tiers, kW/m², tier 1 to tier 3.
pub const HEAT_FLUX_KW_M2: [f64; 3] = [2.0, 5.0, 10.0];
/// Overpressure tiers, psi, tier 1 to tier 3.
pub const OVERPRESSURE_PSI: [f64; 3] = [1.0, 3.5, 8.0];
/// kPa per psi.
pub const KPA_PER_PSI: f64 = 6.894_757;
/// Fraction of a fireball's heat that is radiated: CCPS, 0.4 for a vessel
/// failing at or above its relief pressure (a tank in a fire); 0.3 below it.
pub const FIREBALL_RADIATIVE_FRACTION: f64 = 0.4;
/// Fraction of a pool fire's heat that is radiated.
pub const POOL_RADIATIVE_FRACTION: f64 = 0.35;
/// Depth a spilled liquid spreads to, metres.
pub const POOL_DEPTH_M: f64 = 0.01;
/// Default explosion yield, the share of the heat of combustion that drives
/// the blast: 10 %, the U.S. EPA RMP worst case (EPA 550-B-99-009).
pub const EXPLOSION_YIELD: f64 = 0.10;
/// Yields a request may set: 3 % (a common screening value) to 10 %.
pub const YIELD_RANGE: std::ops::RangeInclusive<f64> = 0.03..=0.10;
/// Blast energy of TNT, MJ/kg.
pub const TNT_MJ_KG: f64 = 4.68;
/// Largest mass accepted, kg.
pub const MAX_MASS_KG: f64 = 10_000_000.0;

const TIERS: [ZoneTier; 3] = [ZoneTier::Tier1, ZoneTier::Tier2, ZoneTier::Tier3];

const HEAT_LABELS: [(&str, &str); 3] = [
    ("2 kW/m²：约 1 分钟内疼痛", "2 kW/m²: pain within about a minute"),
    (
        "5 kW/m²：约 40 秒二度烧伤",
        "5 kW/m²: second-degree burns within about 40 s",
    ),
    (
        "10 kW/m²：约 1 分钟内可致命",
        "10 kW/m²: potentially lethal within about a minute",
    ),
];

const BLAST_LABELS: [(&str, &str); 3] = [
    ("1 psi：玻璃破碎伤人", "1 psi: windows shattered, injuries from glass"),
    (
        "3.5 psi：严重受伤，房屋严重损坏",
        "3.5 psi: serious injuries, houses badly damaged",
    ),
    (
        "8 psi：建筑几乎全毁，可能致命",
        "8 psi: most buildings destroyed, likely fatal",
    ),
];

/// The substance to compute with: the one given, which must burn, or for an
/// unknown one the table's largest heat of combustion (the largest zones).
fn burning(substance: Option<&Substance>) -> Result<(&Substance, f64), ImpactError> {
    match substance {
        Some(s) => s
            .heat_of_combustion_mj_kg
            .filter(|_| s.flammable)
            .map(|h| (s, h))
            .ok_or_else(|| ImpactError::NotFlammable(s.name_en.to_owned())),
        None => Substance::all()
            .iter()
            .filter_map(|s| s.heat_of_combustion_mj_kg.map(|h| (s, h)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or_else(|| ImpactError::UnknownSubstance("no flammable substance in the table".to_owned())),
    }
}

fn validate_mass(mass_kg: f64) -> Result<(), ImpactError> {
    if mass_kg.is_finite() && mass_kg > 0.0 && mass_kg <= MAX_MASS_KG {
        Ok(())
    } else {
        Err(ImpactError::InvalidRelease(format!(
            "mass must be above 0 and at most {MAX_MASS_KG} kg, got {mass_kg}"
        )))
    }
}

/// Fireball diameter, metres, of `mass_kg` of fuel (CCPS).
pub fn fireball_diameter_m(mass_kg: f64) -> f64 {
    5.8 * mass_kg.cbrt()
}

/// Fireball duration, seconds, of `mass_kg` of fuel (CCPS).
pub fn fireball_duration_s(mass_kg: f64) -> f64 {
    if mass_kg < 30_000.0 {
        0.45 * mass_kg.cbrt()
    } else {
        2.6 * mass_kg.powf(1.0 / 6.0)
    }
}

/// Distance, metres, at which a point source radiating `power_w` gives `flux_kw_m2`.
pub fn point_source_distance_m(power_w: f64, flux_kw_m2: f64) -> f64 {
    (power_w / (4.0 * std::f64::consts::PI * flux_kw_m2 * 1000.0)).sqrt()
}

/// A fire: how much it radiates, and the radius below which the point model
/// means nothing (the fire itself).
struct Fire {
    method: Method,
    power_w: f64,
    min_radius_m: f64,
    note: String,
}

fn fireball(mass_kg: f64, heat_mj_kg: f64) -> Fire {
    let (d, t) = (fireball_diameter_m(mass_kg), fireball_duration_s(mass_kg));
    Fire {
        method: Method::Fireball,
        power_w: FIREBALL_RADIATIVE_FRACTION * mass_kg * heat_mj_kg * 1e6 / t,
        min_radius_m: d / 2.0,
        note: format!(
            "Fireball (BLEVE of the whole mass, CCPS): about {d:.0} m across, lasting about {t:.0} s; radiation from a point at its centre. Radiative fraction {FIREBALL_RADIATIVE_FRACTION} (CCPS: a vessel failing at or above relief pressure, as a tank in a fire; 0.3 below it)."
        ),
    }
}

fn pool_fire(mass_kg: f64, heat_mj_kg: f64, density: f64, burning_rate: f64) -> Fire {
    let area = mass_kg / (density * POOL_DEPTH_M);
    let radius = (area / std::f64::consts::PI).sqrt();
    let burn_s = mass_kg / (burning_rate * area);
    Fire {
        method: Method::PoolFire,
        power_w: POOL_RADIATIVE_FRACTION * burning_rate * area * heat_mj_kg * 1e6,
        min_radius_m: radius,
        note: format!(
            "Pool fire: the spill spreads 1 cm deep to a pool about {:.0} m across, burning about {:.0} min; radiation from a point at its centre.",
            2.0 * radius,
            burn_s / 60.0
        ),
    }
}

/// Thermal radiation zones of a fire of `mass_kg` of `substance` at `centre`
/// (lon/lat): circles where the flux reaches 2, 5 and 10 kW/m².
///
/// Liquids burn as a pool fire, gases and liquefied gases as a fireball (see
/// the module documentation). An unknown substance (`None`) is taken as a
/// fireball of the table's most energetic fuel. A substance that does not
/// burn is refused.
pub fn fire_zones(centre: Coord<f64>, substance: Option<&Substance>, mass_kg: f64) -> Result<ZoneSet, ImpactError> {
    validate_mass(mass_kg)?;
    super::check_centre(centre)?;
    let (s, heat) = burning(substance)?;
    let fire = match (
        substance.map(|s| s.phase),
        s.liquid_density_kg_m3,
        s.burning_rate_kg_m2_s,
    ) {
        (Some(Phase::Liquid), Some(density), Some(rate)) => pool_fire(mass_kg, heat, density, rate),
        _ => fireball(mass_kg, heat),
    };
    let name = substance.map_or(("未知物质", "unknown substance"), |s| (s.name_zh, s.name_en));
    let zones = super::circle_zones(
        centre,
        fire.method,
        (0..3).map(|i| {
            let flux = HEAT_FLUX_KW_M2[i];
            let r = point_source_distance_m(fire.power_w, flux).max(fire.min_radius_m);
            let (zh, en) = HEAT_LABELS[i];
            (
                TIERS[i],
                r,
                format!("{}热辐射 {zh}", name.0),
                format!("Heat, {}: {en}", name.1),
                format!("{flux} kW/m²"),
            )
        }),
    );
    let mut limits = vec![
        fire.note,
        "Point-source model: distances from the centre of the fire, no shielding by buildings or terrain.".to_owned(),
        "Harm depends on exposure time: people who can take cover or move away fare better.".to_owned(),
    ];
    if substance.is_none() {
        limits.push(format!(
            "Substance unknown: computed as {}, the most energetic fuel in the table.",
            s.name_en
        ));
    }
    Ok(ZoneSet { zones, limits })
}

/// Kingery–Bulmash incident overpressure, kPa, of a hemispherical TNT
/// surface burst at scaled distance `z` m/kg^⅓ (Swisdak 1994; valid for
/// 0.2 ≤ z ≤ 198.5, clamped to that range).
pub fn overpressure_kpa(z: f64) -> f64 {
    let z = z.clamp(0.2, 198.5);
    let c: [f64; 5] = if z < 2.9 {
        [7.2106, -2.1069, -0.3229, 0.1117, 0.0685]
    } else if z < 23.8 {
        [7.5938, -3.0523, 0.40977, 0.0261, -0.01267]
    } else {
        [6.0536, -1.4066, 0.0, 0.0, 0.0]
    };
    let l = z.ln();
    c.iter().rev().fold(0.0, |acc, k| acc * l + k).exp()
}

/// The scaled distance, m/kg^⅓, at which a surface burst gives `kpa` (the
/// inverse of [`overpressure_kpa`], by bisection).
pub fn scaled_distance(kpa: f64) -> f64 {
    let (mut lo, mut hi) = (0.2_f64.ln(), 198.5_f64.ln());
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if overpressure_kpa(mid.exp()) > kpa {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// kPa to two significant figures for a label: 55, 24, 6.9.
fn round_kpa(kpa: f64) -> f64 {
    if kpa < 10.0 {
        (kpa * 10.0).round() / 10.0
    } else {
        kpa.round()
    }
}

/// TNT-equivalent mass, kg, of `mass_kg` of fuel of heat of combustion
/// `heat_mj_kg` at yield `tnt_yield` (a fraction).
pub fn tnt_equivalent_kg(mass_kg: f64, heat_mj_kg: f64, tnt_yield: f64) -> f64 {
    tnt_yield * mass_kg * heat_mj_kg / TNT_MJ_KG
}

/// Blast zones of an explosion of `mass_kg` of `substance` at `centre`
/// (lon/lat): circles where the overpressure reaches 1, 3.5 and 8 psi, by
/// TNT equivalence (see the module documentation). An unknown substance
/// (`None`) is taken as the table's most energetic fuel; a substance that
/// does not burn is refused. `tnt_yield` is a fraction in [`YIELD_RANGE`];
/// [`EXPLOSION_YIELD`] (10 %) when not given.
pub fn explosion_zones(
    centre: Coord<f64>,
    substance: Option<&Substance>,
    mass_kg: f64,
    tnt_yield: Option<f64>,
) -> Result<ZoneSet, ImpactError> {
    validate_mass(mass_kg)?;
    super::check_centre(centre)?;
    let (s, heat) = burning(substance)?;
    let tnt_yield = match tnt_yield {
        None => EXPLOSION_YIELD,
        Some(y) if y.is_finite() && YIELD_RANGE.contains(&y) => y,
        Some(y) => {
            return Err(ImpactError::InvalidRelease(format!(
                "tnt_yield is a fraction from {} to {} (3–10 %), got {y}",
                YIELD_RANGE.start(),
                YIELD_RANGE.end()
            )));
        }
    };
    let w = tnt_equivalent_kg(mass_kg, heat, tnt_yield);
    let name = substance.map_or(("未知物质", "unknown substance"), |s| (s.name_zh, s.name_en));
    let zones = super::circle_zones(
        centre,
        Method::TntEquivalent,
        (0..3).map(|i| {
            let psi = OVERPRESSURE_PSI[i];
            let kpa = psi * KPA_PER_PSI;
            let r = scaled_distance(kpa) * w.cbrt();
            let (zh, en) = BLAST_LABELS[i];
            (
                TIERS[i],
                r,
                format!("{}爆炸冲击波 {zh}", name.0),
                format!("{} blast — {en}", name.1),
                format!("{psi} psi ({} kPa)", round_kpa(kpa)),
            )
        }),
    );
    let yield_note = if tnt_yield == EXPLOSION_YIELD {
        "the default, the U.S. EPA RMP worst case (EPA 550-B-99-009)"
    } else {
        "as given; the U.S. EPA RMP worst case is 10 %"
    };
    let mut limits = vec![
        format!(
            "TNT equivalence with {:.0} % yield ({yield_note}; {w:.0} kg TNT): a screening estimate. Confinement and congestion (pipe racks, buildings) change the result greatly.",
            tnt_yield * 100.0
        ),
        "Fragments of a burst vessel can fly much further than the blast zones (ERG: 1600 m for a tank in a fire)."
            .to_owned(),
    ];
    if substance.is_none() {
        limits.push(format!(
            "Substance unknown: computed as {}, the most energetic fuel in the table.",
            s.name_en
        ));
    }
    Ok(ZoneSet { zones, limits })
}
