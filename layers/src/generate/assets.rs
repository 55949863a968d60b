//! Rescue teams at county seats, material warehouses and shelters.

use super::names;
use super::places::Province;
use super::sample::sample_near;
use crate::feature::Feature;
use crate::geodesy::distance_m;
use crate::model::{RescueKind, RescueTeam, Shelter, StockItem, TeamStatus, Warehouse};
use geo::{Coord, Point};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Default)]
pub(super) struct Assets {
    pub teams: Vec<Feature<RescueTeam>>,
    pub warehouses: Vec<Feature<Warehouse>>,
    pub shelters: Vec<Feature<Shelter>>,
}

fn capabilities(kind: RescueKind) -> &'static [&'static str] {
    match kind {
        RescueKind::Hazmat => &[
            "chlorine_leak",
            "ammonia_leak",
            "gas_leak",
            "hazmat_decontamination",
            "foam_firefighting",
            "toxic_gas_detection",
        ],
        RescueKind::MineRescue => &[
            "mine_gas_explosion",
            "mine_flood",
            "mine_fire",
            "underground_rescue",
            "confined_space",
            "toxic_gas_detection",
        ],
        RescueKind::Fire => &[
            "firefighting",
            "high_angle_rescue",
            "road_accident",
            "gas_leak",
            "structural_collapse",
            "foam_firefighting",
        ],
        RescueKind::ForestFire => &["wildfire_suppression", "firebreak", "aerial_coordination"],
        RescueKind::Medical => &["mass_casualty", "triage", "toxic_exposure_treatment", "burn_care"],
        RescueKind::Flood => &["water_rescue", "dike_repair", "pumping", "evacuation"],
        RescueKind::General => &["structural_collapse", "search_and_rescue", "logistics", "evacuation"],
    }
}

fn base_name(kind: RescueKind) -> &'static str {
    match kind {
        RescueKind::Hazmat => "危化品应急救援队",
        RescueKind::MineRescue => "矿山救护大队",
        RescueKind::Fire => "消防救援大队",
        RescueKind::ForestFire => "森林消防中队",
        RescueKind::Medical => "紧急医学救援队",
        RescueKind::Flood => "防汛抢险队",
        RescueKind::General => "综合应急救援队",
    }
}

fn strength(rng: &mut ChaCha8Rng, kind: RescueKind) -> u32 {
    let (lo, hi) = match kind {
        RescueKind::Hazmat => (20, 60),
        RescueKind::MineRescue => (40, 120),
        RescueKind::Fire => (30, 80),
        RescueKind::ForestFire => (30, 100),
        RescueKind::Medical => (10, 40),
        RescueKind::Flood => (30, 150),
        RescueKind::General => (20, 200),
    };
    rng.random_range(lo..=hi)
}

fn status(rng: &mut ChaCha8Rng) -> TeamStatus {
    match rng.random_range(0..100) {
        0..85 => TeamStatus::Available,
        85..90 => TeamStatus::OutOfService,
        90..93 => TeamStatus::Dispatched,
        93..96 => TeamStatus::EnRoute,
        96..98 => TeamStatus::OnScene,
        _ => TeamStatus::Returning,
    }
}

/// The teams a county keeps, by its geography.
fn kinds_for(province: &Province<'_>, i: usize, rng: &mut ChaCha8Rng) -> Vec<RescueKind> {
    let county = &province.counties[i];
    let mut kinds = vec![RescueKind::Fire];
    if rng.random_range(0..2) == 0 {
        kinds.push(RescueKind::General);
    }
    if province.coal.contains(&i) {
        kinds.push(RescueKind::MineRescue);
    }
    let geography = &province.region.geography;
    let chemical = geography.chemical_cities.iter().any(|(c, _)| *c == county.city);
    if province.is_seat(i) {
        kinds.extend([
            RescueKind::Hazmat,
            RescueKind::Hazmat,
            RescueKind::Medical,
            RescueKind::Medical,
            RescueKind::MineRescue,
        ]);
    } else if chemical && rng.random_range(0..3) == 0 {
        kinds.push(RescueKind::Hazmat);
    }
    if province.forest.iter().any(|(k, _)| *k == i) {
        kinds.push(RescueKind::ForestFire);
    }
    if rng.random_range(0..10) < 6 {
        kinds.push(RescueKind::Medical);
    }
    let near_river = geography
        .rivers
        .iter()
        .flat_map(|r| &r.line)
        .any(|[x, y]| distance_m(Coord { x: *x, y: *y }, county.label) < 25_000.0);
    if near_river || geography.flood_cities.contains(&county.city) {
        kinds.push(RescueKind::Flood);
    }
    kinds
}

const STOCK: &[(&str, &str, u32)] = &[
    ("tent", "piece", 400),
    ("quilt", "piece", 2_000),
    ("folding_bed", "piece", 800),
    ("life_jacket", "piece", 600),
    ("generator", "set", 20),
    ("water_pump", "set", 30),
    ("scba", "set", 60),
    ("chemical_protective_suit", "set", 120),
    ("sandbag", "piece", 20_000),
    ("foam_concentrate", "tonne", 15),
    ("first_aid_kit", "piece", 500),
    ("drinking_water", "tonne", 40),
];

pub(super) fn generate(province: &Province<'_>, scale: u32, rng: &mut ChaCha8Rng) -> Assets {
    let mut out = Assets::default();
    // The region's own (provincial) warehouse stands in its capital's seat.
    let capital_seat = province.region.capital().and_then(|c| province.seat_of(&c.name));
    for (i, county) in province.counties.iter().enumerate() {
        for copy in 0..scale {
            let suffix = if copy == 0 {
                String::new()
            } else {
                format!("第{}分队", copy + 1)
            };
            for kind in kinds_for(province, i, rng) {
                let personnel = strength(rng, kind);
                let caps = capabilities(kind);
                let take = rng.random_range(2..=caps.len());
                let mut capabilities: Vec<String> = caps.choose_multiple(rng, take).map(|s| (*s).to_owned()).collect();
                capabilities.sort();
                let at = sample_near(rng, &county.shape, county.bbox, county.label, 1.5);
                let name = format!("{}{}{suffix}", county.short_name(), base_name(kind));
                out.teams.push(Feature {
                    id: out.teams.len() as u64 + 1,
                    geometry: geo::Geometry::Point(Point(at)),
                    properties: RescueTeam {
                        external_id: None,
                        base: format!("{}{}驻地", county.county, base_name(kind)),
                        name,
                        kind,
                        capabilities,
                        personnel,
                        vehicles: (personnel / 6).max(1),
                        status: status(rng),
                        county_id: county.id,
                        county: county.county.clone(),
                        city: county.city.clone(),
                        phone: names::phone(rng),
                    },
                });
            }

            let tiers: &[&str] = match (province.is_seat(i), capital_seat == Some(i)) {
                (true, true) => &["provincial", "city", "county"],
                (true, false) => &["city", "county"],
                _ if rng.random_range(0..10) < 7 => &["county"],
                _ => &[],
            };
            for tier in tiers {
                let factor = match *tier {
                    "provincial" => 5,
                    "city" => 2,
                    _ => 1,
                };
                let mut stock = Vec::new();
                for (item, unit, base) in STOCK {
                    if rng.random_range(0..10) < 8 {
                        let count = base * factor * rng.random_range(5..15) / 10;
                        stock.push(StockItem {
                            item: (*item).into(),
                            count,
                            unit: (*unit).into(),
                        });
                    }
                }
                let at = sample_near(rng, &county.shape, county.bbox, county.label, 3.0);
                let level = match *tier {
                    "provincial" => province.region.name_zh.as_str(),
                    "city" => county.city.as_str(),
                    _ => county.county.as_str(),
                };
                out.warehouses.push(Feature {
                    id: out.warehouses.len() as u64 + 1,
                    geometry: geo::Geometry::Point(Point(at)),
                    properties: Warehouse {
                        external_id: None,
                        name: format!("{level}应急物资储备库{suffix}"),
                        tier: (*tier).into(),
                        county_id: county.id,
                        county: county.county.clone(),
                        city: county.city.clone(),
                        stock,
                    },
                });
            }

            let shelters = if county.is_district() {
                rng.random_range(4..8)
            } else {
                rng.random_range(2..5)
            };
            for n in 0..shelters {
                let kind = *["park", "school", "stadium", "square"].choose(rng).unwrap_or(&"park");
                let capacity = match kind {
                    "stadium" => rng.random_range(5_000..20_000),
                    "park" => rng.random_range(2_000..15_000),
                    _ => rng.random_range(500..4_000),
                };
                let at = sample_near(
                    rng,
                    &county.shape,
                    county.bbox,
                    county.label,
                    if county.is_district() { 2.5 } else { 5.0 },
                );
                let zh = match kind {
                    "park" => "公园",
                    "school" => "学校",
                    "stadium" => "体育场",
                    _ => "广场",
                };
                out.shelters.push(Feature {
                    id: out.shelters.len() as u64 + 1,
                    geometry: geo::Geometry::Point(Point(at)),
                    properties: Shelter {
                        external_id: None,
                        name: format!("{}{}{zh}应急避难场所{suffix}", county.short_name(), n + 1),
                        kind: kind.into(),
                        capacity,
                        occupancy: 0,
                        county_id: county.id,
                        county: county.county.clone(),
                        city: county.city.clone(),
                    },
                });
            }
        }
    }
    out
}
