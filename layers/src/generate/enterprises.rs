//! Enterprises where their industries are, and the 80 major hazard sources.

use super::names;
use super::places::Province;
use super::progress::Progress;
use super::sample::{offset_km, pick_weighted, sample_in, sample_near};
use crate::feature::Feature;
use crate::model::{
    Enterprise, HazardSource, Industry, MonitorKind, MonitoredQuantity, Person, ResponsiblePersons, RiskLevel,
    Substance, SubstanceOnSite, grade,
};
use chrono::NaiveDate;
use geo::{Contains, Point};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

/// Exactly this many major hazard sources, as in the seed notice.
pub const HAZARD_SOURCES: usize = 80;

/// Share of each industry among enterprises.
const MIX: &[(Industry, f64)] = &[
    (Industry::CoalMine, 0.08),
    (Industry::NonCoalMine, 0.05),
    (Industry::TailingsPond, 0.015),
    (Industry::HazardousChemicals, 0.12),
    (Industry::Metallurgy, 0.06),
    (Industry::DustExplosion, 0.10),
    (Industry::ConfinedSpace, 0.20),
    (Industry::Fireworks, 0.02),
    (Industry::FuelStation, 0.22),
    (Industry::OilDepot, 0.015),
    (Industry::Gas, 0.05),
];

/// Probabilities of red, orange, yellow, blue by industry.
fn risk_odds(industry: Industry) -> [f64; 4] {
    match industry {
        Industry::CoalMine => [0.08, 0.25, 0.40, 0.27],
        Industry::HazardousChemicals => [0.08, 0.22, 0.40, 0.30],
        Industry::OilDepot => [0.06, 0.25, 0.40, 0.29],
        Industry::Fireworks => [0.05, 0.20, 0.45, 0.30],
        Industry::TailingsPond => [0.06, 0.20, 0.44, 0.30],
        Industry::Metallurgy => [0.04, 0.20, 0.40, 0.36],
        Industry::Gas => [0.04, 0.16, 0.40, 0.40],
        Industry::NonCoalMine => [0.03, 0.15, 0.42, 0.40],
        Industry::DustExplosion => [0.01, 0.08, 0.36, 0.55],
        Industry::ConfinedSpace | Industry::FuelStation => [0.005, 0.06, 0.30, 0.635],
    }
}

fn suffix(rng: &mut ChaCha8Rng, industry: Industry) -> &'static str {
    let options: &[&str] = match industry {
        Industry::CoalMine => &["煤业有限公司", "煤矿", "煤业集团有限公司"],
        Industry::NonCoalMine => &["矿业有限公司", "石料厂", "铁矿"],
        Industry::TailingsPond => &["尾矿库"],
        Industry::HazardousChemicals => &["化工有限公司", "焦化有限公司", "化学品储运有限公司", "煤化工有限公司"],
        Industry::Metallurgy => &["钢铁有限公司", "铝业有限公司", "特钢有限公司", "铸造有限公司"],
        Industry::DustExplosion => &["铝制品有限公司", "木业有限公司", "面粉有限公司", "粉体材料有限公司"],
        Industry::ConfinedSpace => &[
            "食品有限公司",
            "造纸有限公司",
            "皮革有限公司",
            "污水处理厂",
            "酿造有限公司",
        ],
        Industry::Fireworks => &["烟花爆竹批发有限公司"],
        Industry::FuelStation => &["加油站"],
        Industry::OilDepot => &["油库"],
        Industry::Gas => &["燃气有限公司", "液化气站", "天然气有限公司"],
    };
    options.choose(rng).copied().unwrap_or("有限公司")
}

fn employees(rng: &mut ChaCha8Rng, industry: Industry) -> u32 {
    let (lo, hi): (f64, f64) = match industry {
        Industry::CoalMine => (150.0, 4_000.0),
        Industry::Metallurgy => (100.0, 8_000.0),
        Industry::HazardousChemicals => (30.0, 2_500.0),
        Industry::NonCoalMine | Industry::TailingsPond => (20.0, 600.0),
        Industry::FuelStation => (4.0, 30.0),
        Industry::OilDepot | Industry::Gas => (15.0, 400.0),
        Industry::Fireworks => (5.0, 80.0),
        Industry::DustExplosion | Industry::ConfinedSpace => (8.0, 500.0),
    };
    // Log-uniform: many small firms, a few large ones.
    (lo * (hi / lo).powf(rng.random_range(0.0..1.0))).round() as u32
}

/// Weight of each county for each industry.
fn county_weights(province: &Province<'_>, industry: Industry) -> Vec<f64> {
    let counties = province.counties;
    let city_weight =
        |table: &[(String, f64)], city: &str| table.iter().find(|(c, _)| c == city).map_or(0.3, |(_, w)| *w);
    let geography = &province.region.geography;
    counties
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let people = c.area_km2.sqrt() * if c.is_district() { 4.0 } else { 1.0 };
            match industry {
                Industry::CoalMine => {
                    if province.coal.contains(&i) {
                        c.area_km2
                    } else {
                        0.0
                    }
                }
                Industry::NonCoalMine | Industry::TailingsPond => {
                    if c.is_district() {
                        0.0
                    } else {
                        c.area_km2 * if province.loess.contains(&i) { 0.5 } else { 1.0 }
                    }
                }
                Industry::HazardousChemicals => people * city_weight(&geography.chemical_cities, &c.city),
                Industry::Metallurgy => people * city_weight(&geography.metallurgy_cities, &c.city),
                _ => people,
            }
        })
        .collect()
}

/// Generates `count` enterprises.
pub(super) fn generate(
    province: &Province<'_>,
    count: usize,
    rng: &mut ChaCha8Rng,
    progress: &dyn Progress,
) -> Vec<Feature<Enterprise>> {
    let counties = province.counties;
    let weights: Vec<(Industry, Vec<f64>)> = MIX
        .iter()
        .map(|(ind, _)| (*ind, county_weights(province, *ind)))
        .collect();
    // An industry the region has no place for (no coal fields listed) is not drawn.
    let mix: Vec<f64> = MIX
        .iter()
        .zip(&weights)
        .map(|((_, share), (_, w))| if w.iter().any(|x| *x > 0.0) { *share } else { 0.0 })
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let (industry, county_w) = &weights[pick_weighted(rng, &mix)];
        let county = &counties[pick_weighted(rng, county_w)];
        let at = match industry {
            // Mines and ponds lie anywhere in the county; others cluster round the seat.
            Industry::CoalMine | Industry::NonCoalMine | Industry::TailingsPond => {
                sample_in(rng, &county.shape, county.bbox)
                    .unwrap_or_else(|| super::sample::inside(&county.shape, county.label))
            }
            _ => sample_near(
                rng,
                &county.shape,
                county.bbox,
                county.label,
                if county.is_district() { 4.0 } else { 9.0 },
            ),
        };
        let risk = RiskLevel::ALL[pick_weighted(rng, &risk_odds(*industry))];
        let employees = employees(rng, *industry);
        let big = employees >= 1_000 || risk == RiskLevel::Major;
        let supervisor = match industry {
            Industry::CoalMine => format!("{}能源局", county.city),
            _ if big => format!("{}应急管理局", county.city),
            _ => format!("{}{}应急管理局", county.city, county.county),
        };
        let standardisation_grade = match rng.random_range(0..100) {
            0..10 => Some(1),
            10..45 => Some(2),
            45..80 => Some(3),
            _ => None,
        };
        let last_inspection =
            (rng.random_range(0..100) < 88).then(|| today - chrono::Days::new(rng.random_range(0..400)));
        let division = province.region.province_code * 10_000 + (county.id / 12 + 1) * 100 + county.id % 100;
        out.push(Feature {
            id: n as u64 + 1,
            geometry: geo::Geometry::Point(Point(at)),
            properties: Enterprise {
                external_id: None,
                name: format!(
                    "{}{}{}",
                    county.short_name(),
                    names::trade_word(rng),
                    suffix(rng, *industry)
                )
                .into(),
                credit_code: names::credit_code(division, n as u64).into(),
                county_id: county.id,
                county: county.county.as_str().into(),
                city: county.city.as_str().into(),
                address: names::address(rng, &county.province, &county.city, &county.county).into(),
                industry: *industry,
                risk_level: risk,
                standardisation_grade,
                employees,
                supervisor: supervisor.into(),
                last_inspection,
            },
        });
        if n % 4096 == 4095 {
            progress.advance(4096);
        }
    }
    progress.advance((count % 4096) as u64);
    out
}

/// Substances by kind of site.
fn substances_for(rng: &mut ChaCha8Rng, industry: Industry) -> Vec<(Substance, f64)> {
    let sets: &[&[(Substance, f64)]] = match industry {
        Industry::OilDepot => &[
            &[(Substance::Gasoline, 1.0)],
            &[(Substance::Gasoline, 0.7), (Substance::Lpg, 0.3)],
        ],
        Industry::Gas => &[
            &[(Substance::Lpg, 1.0)],
            &[(Substance::NaturalGas, 1.0)],
            &[(Substance::NaturalGas, 0.6), (Substance::Lpg, 0.4)],
        ],
        Industry::Metallurgy => &[
            &[(Substance::Hydrogen, 0.5), (Substance::NaturalGas, 0.5)],
            &[(Substance::Ammonia, 0.6), (Substance::Benzene, 0.4)],
        ],
        _ => &[
            &[(Substance::Chlorine, 0.7), (Substance::Hydrogen, 0.3)],
            &[(Substance::Ammonia, 0.6), (Substance::Methanol, 0.4)],
            &[
                (Substance::Methanol, 0.5),
                (Substance::Benzene, 0.3),
                (Substance::HydrogenSulphide, 0.2),
            ],
            &[(Substance::Benzene, 0.6), (Substance::Hydrogen, 0.4)],
            &[(Substance::Ammonia, 1.0)],
            &[(Substance::Methanol, 1.0)],
        ],
    };
    sets.choose(rng).map(|s| s.to_vec()).unwrap_or_default()
}

fn monitoring(rng: &mut ChaCha8Rng, substances: &[SubstanceOnSite]) -> Vec<MonitoredQuantity> {
    let mut out = Vec::new();
    for (n, s) in substances.iter().enumerate() {
        let tank = format!("T-{}{:02}", (b'A' + n as u8) as char, rng.random_range(1..40));
        out.push(MonitoredQuantity {
            kind: MonitorKind::Level,
            point: tank.clone(),
            unit: "%".into(),
            alarm_threshold: 85.0,
        });
        out.push(MonitoredQuantity {
            kind: MonitorKind::Pressure,
            point: tank.clone(),
            unit: "MPa".into(),
            alarm_threshold: if s.substance.correction() >= 1.5 { 1.6 } else { 0.6 },
        });
        out.push(MonitoredQuantity {
            kind: MonitorKind::Temperature,
            point: tank.clone(),
            unit: "°C".into(),
            alarm_threshold: 40.0,
        });
        // The first-level alarms of the `sensors` layer (GB/T 50493-2019).
        let (kind, unit, limit) = match crate::model::toxic_thresholds_ppm(s.substance) {
            Some((first, _)) => (MonitorKind::ToxicGas, "ppm", first),
            None => (
                MonitorKind::CombustibleGas,
                "%LEL",
                crate::model::COMBUSTIBLE_FIRST_LEVEL_PCT_LEL,
            ),
        };
        out.push(MonitoredQuantity {
            kind,
            point: format!("{tank} 区域"),
            unit: unit.into(),
            alarm_threshold: limit,
        });
    }
    out.push(MonitoredQuantity {
        kind: MonitorKind::Flow,
        point: "装卸区".into(),
        unit: "m³/h".into(),
        alarm_threshold: 120.0,
    });
    out
}

/// The 80 major hazard sources, at enterprises that hold hazardous chemicals.
pub(super) fn hazard_sources(
    province: &Province<'_>,
    enterprises: &[Feature<Enterprise>],
    rng: &mut ChaCha8Rng,
) -> Vec<Feature<HazardSource>> {
    let mut hosts: Vec<&Feature<Enterprise>> = enterprises
        .iter()
        .filter(|e| {
            matches!(
                e.properties.industry,
                Industry::HazardousChemicals | Industry::OilDepot | Industry::Gas | Industry::Metallurgy
            )
        })
        .collect();
    // Chemical plants first, then the rest, each group shuffled.
    hosts.shuffle(rng);
    hosts.sort_by_key(|e| e.properties.industry != Industry::HazardousChemicals);
    let levels: Vec<u8> = [(1, 10), (2, 18), (3, 30), (4, 22)]
        .iter()
        .flat_map(|&(l, n)| std::iter::repeat_n(l, n))
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let mut out = Vec::with_capacity(HAZARD_SOURCES);
    for (n, (host, target_level)) in hosts.iter().cycle().zip(levels).enumerate() {
        let e = &host.properties;
        let people_within_500m = match rng.random_range(0..10) {
            0 => 0,
            1..=3 => rng.random_range(1..30),
            4..=5 => rng.random_range(30..100),
            _ => rng.random_range(100..2_000),
        };
        let alpha = crate::model::exposure_correction(people_within_500m);
        let (lo, hi) = match target_level {
            1 => (110.0, 400.0),
            2 => (55.0, 95.0),
            3 => (12.0, 45.0),
            _ => (2.0, 9.0),
        };
        let target_r: f64 = rng.random_range(lo..hi);
        let mix = substances_for(rng, e.industry);
        // Σ βq/Q = R/α, shared out by the mix; q = share · (R/α) · Q / β.
        let mut substances: Vec<SubstanceOnSite> = mix
            .iter()
            .map(|(s, share)| SubstanceOnSite {
                substance: *s,
                quantity_t: ((share * target_r / alpha * s.threshold_t() / s.correction()) * 10.0).round() / 10.0,
                container: None,
            })
            .collect();
        // A major hazard source holds at least its thresholds (GB 18218 §4.2: Σ q/Q ≥ 1).
        let ratio = crate::model::identification_sum(&substances);
        if ratio < 1.05 {
            for s in &mut substances {
                s.quantity_t = (s.quantity_t * 1.05 / ratio * 10.0).ceil() / 10.0;
            }
        }
        let (r_value, level) = grade(&substances, people_within_500m);
        let host_at = match host.geometry {
            geo::Geometry::Point(p) => p.0,
            _ => continue,
        };
        let county = &province.counties[(e.county_id - 1) as usize];
        let near = super::sample::round6(offset_km(
            host_at,
            rng.random_range(-0.3..0.3),
            rng.random_range(-0.3..0.3),
        ));
        let at = if county.shape.contains(&Point(near)) {
            near
        } else {
            host_at
        };
        let unit = ["罐区", "储罐区", "生产装置区", "仓库区", "装卸区"]
            .choose(rng)
            .copied()
            .unwrap_or("罐区");
        let person = |rng: &mut ChaCha8Rng| Person {
            name: names::person(rng),
            phone: names::phone(rng),
        };
        out.push(Feature {
            id: n as u64 + 1,
            geometry: geo::Geometry::Point(Point(at)),
            properties: HazardSource {
                external_id: None,
                name: format!("{}{}", e.name, unit),
                enterprise_id: host.id,
                enterprise_name: e.name.to_string(),
                county_id: e.county_id,
                county: e.county.to_string(),
                city: e.city.to_string(),
                monitoring: monitoring(rng, &substances),
                substances,
                people_within_500m,
                r_value,
                level,
                responsible_persons: ResponsiblePersons {
                    principal: person(rng),
                    technical: person(rng),
                    operational: person(rng),
                },
                last_inspection: (rng.random_range(0..100) < 90)
                    .then(|| today - chrono::Days::new(rng.random_range(0..330))),
                alarm: None,
            },
        });
    }
    out
}
