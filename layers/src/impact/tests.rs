//! Tests of the impact zones against hand computations.

use super::fire::{HEAT_FLUX_KW_M2, OVERPRESSURE_PSI};
use super::substances::{ErgWind, LargeSpill, Phase};
use super::*;
use crate::geodesy::distance_m;
use approx::assert_relative_eq;
use geo::{Area, Centroid, Contains, GeodesicArea, Point};

/// 太原, roughly.
const TAIYUAN: Coord<f64> = Coord { x: 112.55, y: 37.86 };

fn weather(wind_from_deg: f64, wind_speed_ms: f64, daytime: bool) -> Weather {
    Weather::new(wind_from_deg, wind_speed_ms, daytime)
}

fn sub(code: &str) -> &'static Substance {
    Substance::by_code(code).unwrap()
}

fn zone(set: &ZoneSet, tier: ZoneTier) -> &ImpactZone {
    set.zones.iter().find(|z| z.tier == tier).unwrap()
}

/// Initial bearing from `a` to `b`, degrees clockwise from north, in [0, 360).
fn bearing(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (p1, p2) = (a.y.to_radians(), b.y.to_radians());
    let dl = (b.x - a.x).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

fn contains(zone: &ImpactZone, p: Coord<f64>) -> bool {
    zone.polygon.contains(&Point(p))
}

#[test]
fn the_table_has_every_substance_with_consistent_data() {
    let expected = [
        ("chlorine", "氯气"),
        ("ammonia", "氨"),
        ("hydrogen_sulphide", "硫化氢"),
        ("carbon_monoxide", "一氧化碳"),
        ("benzene", "苯"),
        ("methanol", "甲醇"),
        ("lpg", "液化石油气"),
        ("natural_gas", "天然气"),
        ("hydrogen", "氢气"),
        ("gasoline", "汽油"),
        ("sulphur_dioxide", "二氧化硫"),
        ("hydrogen_chloride", "氯化氢"),
    ];
    assert_eq!(Substance::all().len(), expected.len());
    for (code, zh) in expected {
        let s = sub(code);
        assert_eq!(s.name_zh, zh);
        assert!(s.molar_mass > 0.0 && s.cas.contains('-'), "{code}");
        assert!(
            s.tiers_ppm[0] < s.tiers_ppm[1] && s.tiers_ppm[1] < s.tiers_ppm[2],
            "{code}: tiers must rise"
        );
        assert_eq!(s.flammable, s.heat_of_combustion_mj_kg.is_some(), "{code}");
        if s.phase == Phase::Liquid {
            assert!(
                s.liquid_density_kg_m3.is_some() && s.burning_rate_kg_m2_s.is_some(),
                "{code}"
            );
        }
        // A toxic-by-inhalation gas always has a downwind distance, and the
        // large spill is never smaller than the small one.
        let (small, large) = (
            s.erg(SpillSize::Small, None, 1.0).distances,
            s.erg(SpillSize::Large, None, 1.0).distances,
        );
        if s.tih {
            assert!(small.day_km > 0.0 && small.night_km >= small.day_km, "{code}");
        }
        assert!(
            large.isolation_m >= small.isolation_m && large.night_km >= small.night_km,
            "{code}"
        );
    }
    assert_eq!(sub("coke_oven_gas").code, "carbon_monoxide");
    assert_eq!(Substance::lookup("焦炉煤气").map(|s| s.code), Some("carbon_monoxide"));
    assert_eq!(Substance::lookup("Chlorine").map(|s| s.code), Some("chlorine"));
    assert_eq!(Substance::lookup("7664-41-7").map(|s| s.code), Some("ammonia"));
    assert_eq!(Substance::lookup("1075").map(|s| s.code), Some("lpg"));
    assert!(Substance::by_code("unobtainium").is_none());
    assert_eq!(
        Substance::require("unobtainium"),
        Err(ImpactError::UnknownSubstance("unobtainium".to_owned()))
    );
}

#[test]
fn chlorine_road_tanker_isolation_circle_is_the_table_radius() {
    // ERG Table 3, chlorine, highway tank truck or trailer: isolate 600 m.
    let chlorine = sub("chlorine");
    let LargeSpill::ByContainer(rows) = chlorine.large else {
        panic!("chlorine large spill is read from Table 3")
    };
    assert_eq!(rows.len(), 4);
    let set = erg_zones(
        TAIYUAN,
        Some(chlorine),
        SpillSize::Large,
        Some(Container::RoadTanker),
        &weather(270.0, 4.0, true),
    )
    .unwrap();
    let isolation = zone(&set, ZoneTier::Isolation);
    assert_eq!(isolation.radius_m, Some(600.0));
    assert!(
        isolation.label_en.contains("highway tank truck"),
        "{}",
        isolation.label_en
    );
    assert!(isolation.label_zh.contains("公路罐车"), "{}", isolation.label_zh);
    let ring = &isolation.polygon.exterior().0;
    assert_eq!(ring.len(), 73, "72 vertices and the closing one");
    assert_eq!(ring.first(), ring.last());
    for c in ring {
        let d = distance_m(TAIYUAN, *c);
        assert!((d - 600.0).abs() / 600.0 < 0.005, "vertex at {d} m");
    }
    // Counter-clockwise exterior, and the area of a 600 m circle (72-gon: 0.13 % less).
    assert!(isolation.polygon.signed_area() > 0.0);
    let area = isolation.polygon.geodesic_area_unsigned();
    assert_relative_eq!(area, std::f64::consts::PI * 600.0 * 600.0, max_relative = 0.005);
}

#[test]
fn protective_action_zone_lies_downwind_as_wide_as_long() {
    // Wind FROM the west: the zone lies east. 4 m/s = 14.4 km/h, "moderate"
    // in Table 3: chlorine from a road tanker by day 3.4 km.
    let chlorine = sub("chlorine");
    let tanker = Some(Container::RoadTanker);
    let set = erg_zones(
        TAIYUAN,
        Some(chlorine),
        SpillSize::Large,
        tanker,
        &weather(270.0, 4.0, true),
    )
    .unwrap();
    let pa = zone(&set, ZoneTier::ProtectiveAction);
    let length = 3400.0;
    assert_eq!(pa.downwind_m, Some(length));
    let centroid = pa.polygon.centroid().unwrap().0;
    assert!((bearing(TAIYUAN, centroid) - 90.0).abs() < 1.0);
    assert_relative_eq!(distance_m(TAIYUAN, centroid), length / 2.0, max_relative = 0.01);
    // Far edge at the table distance, side edges half of it either side.
    assert!(contains(pa, destination(TAIYUAN, 90.0, 0.99 * length)));
    assert!(!contains(pa, destination(TAIYUAN, 90.0, 1.01 * length)));
    let mid = destination(TAIYUAN, 90.0, length / 2.0);
    assert!(contains(pa, destination(mid, 0.0, 0.49 * length)));
    assert!(!contains(pa, destination(mid, 0.0, 0.51 * length)));
    assert!(!contains(pa, destination(TAIYUAN, 270.0, 100.0)), "nothing upwind");
    assert!(pa.polygon.signed_area() > 0.0);

    // Wind from the north: the zone lies south.
    let set = erg_zones(
        TAIYUAN,
        Some(chlorine),
        SpillSize::Large,
        tanker,
        &weather(0.0, 4.0, true),
    )
    .unwrap();
    let centroid = zone(&set, ZoneTier::ProtectiveAction).polygon.centroid().unwrap().0;
    assert!((bearing(TAIYUAN, centroid) - 180.0).abs() < 1.0);
}

#[test]
fn table_3_distances_follow_the_wind_and_the_night() {
    // No container given: the worst row, the rail tank car (ERG 2020 p. 351).
    let chlorine = sub("chlorine");
    let at = |wind: f64, day: bool| {
        erg_zones(
            TAIYUAN,
            Some(chlorine),
            SpillSize::Large,
            None,
            &weather(90.0, wind, day),
        )
        .unwrap()
    };
    let pa = |set: &ZoneSet| zone(set, ZoneTier::ProtectiveAction).downwind_m.unwrap();
    assert_eq!(pa(&at(1.0, true)), 10_100.0); // low wind, day
    assert_eq!(pa(&at(8.0, true)), 5300.0); // high wind, day
    assert_eq!(pa(&at(1.0, false)), 11_000.0); // low wind, night: "11+"
    assert_eq!(zone(&at(1.0, true), ZoneTier::Isolation).radius_m, Some(1000.0));
    let small = erg_zones(
        TAIYUAN,
        Some(chlorine),
        SpillSize::Small,
        None,
        &weather(90.0, 1.0, false),
    )
    .unwrap();
    assert_eq!(zone(&small, ZoneTier::Isolation).radius_m, Some(60.0));
    assert_eq!(pa(&small), 1400.0);
}

#[test]
fn the_container_chooses_the_table_3_row() {
    let chlorine = sub("chlorine");
    let w = weather(90.0, 1.0, true);
    let draw = |c| erg_zones(TAIYUAN, Some(chlorine), SpillSize::Large, c, &w).unwrap();
    let isolation = |set: &ZoneSet| zone(set, ZoneTier::Isolation).radius_m.unwrap();
    assert_eq!(isolation(&draw(Some(Container::RailTankCar))), 1000.0);
    assert_eq!(isolation(&draw(Some(Container::RoadTanker))), 600.0);
    assert_eq!(isolation(&draw(Some(Container::TonCylinders))), 300.0);
    assert_eq!(isolation(&draw(Some(Container::SmallCylinders))), 150.0);
    // A storage tank reads the rail-tank-car row and says so.
    let tank = draw(Some(Container::StorageTank));
    assert_eq!(isolation(&tank), 1000.0);
    assert!(
        tank.limits
            .iter()
            .any(|l| l.contains("Storage tanks are not in the ERG")),
        "{:?}",
        tank.limits
    );
    // No container: the worst row, said in the limits.
    let unknown = draw(None);
    assert_eq!(isolation(&unknown), 1000.0);
    assert!(unknown.limits.iter().any(|l| l.contains("container not given")));
    // A container the table has no row for (a nurse tank of chlorine): the worst row.
    let nurse = draw(Some(Container::NurseTank));
    assert_eq!(isolation(&nurse), 1000.0);
    assert!(
        nurse
            .limits
            .iter()
            .any(|l| l.contains("no agricultural nurse tank row"))
    );
}

#[test]
fn the_worst_row_is_at_least_every_other_row_in_every_cell() {
    for s in Substance::all() {
        let LargeSpill::ByContainer(rows) = s.large else {
            continue;
        };
        for wind in [ErgWind::Low, ErgWind::Moderate, ErgWind::High] {
            let speed = match wind {
                ErgWind::Low => 1.0,
                ErgWind::Moderate => 4.0,
                ErgWind::High => 8.0,
            };
            let worst = s.erg(SpillSize::Large, None, speed).distances;
            for row in rows {
                let d = row.at(wind);
                assert!(
                    worst.isolation_m >= d.isolation_m && worst.day_km >= d.day_km && worst.night_km >= d.night_km,
                    "{}: {:?} beats the worst row in {wind:?} wind",
                    s.code,
                    row.container
                );
            }
        }
    }
}

#[test]
fn an_open_ended_distance_keeps_its_plus() {
    // Sulphur dioxide, rail tank car, low wind: "11+" by day and night.
    let set = erg_zones(
        TAIYUAN,
        Some(sub("sulphur_dioxide")),
        SpillSize::Large,
        Some(Container::RailTankCar),
        &weather(90.0, 1.0, true),
    )
    .unwrap();
    let pa = zone(&set, ZoneTier::ProtectiveAction);
    assert_eq!(pa.downwind_m, Some(11_000.0));
    assert!(pa.open_ended);
    assert!(pa.label_en.contains("at least 11000 m"), "{}", pa.label_en);
    assert!(pa.label_zh.contains("至少"), "{}", pa.label_zh);
    assert!(set.limits.iter().any(|l| l.contains("11+ km")), "{:?}", set.limits);
    let json = serde_json::to_value(pa).unwrap();
    assert_eq!(json["open_ended"], true);
    // Chlorine's rail car row is "11+" at night only.
    let day = erg_zones(
        TAIYUAN,
        Some(sub("chlorine")),
        SpillSize::Large,
        None,
        &weather(90.0, 1.0, true),
    )
    .unwrap();
    assert!(!zone(&day, ZoneTier::ProtectiveAction).open_ended);
    let night = erg_zones(
        TAIYUAN,
        Some(sub("chlorine")),
        SpillSize::Large,
        None,
        &weather(90.0, 1.0, false),
    )
    .unwrap();
    assert!(zone(&night, ZoneTier::ProtectiveAction).open_ended);
}

/// One row of `data/erg2020-tih.csv`.
struct CsvRow {
    line: usize,
    table: String,
    un: u16,
    container: String,
    spill: String,
    isolate_m: f64,
    day_km: f64,
    night_km: f64,
    wind: String,
    plus: String,
}

fn erg_csv() -> Vec<CsvRow> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/erg2020-tih.csv");
    let text = std::fs::read_to_string(path).expect("data/erg2020-tih.csv");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("table,") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 10, "line {}: {line}", i + 1);
        let num = |s: &str| s.parse::<f64>().unwrap_or_else(|_| panic!("line {}: {s:?}", i + 1));
        rows.push(CsvRow {
            line: i + 1,
            table: f[0].into(),
            un: f[1].parse().unwrap_or_else(|_| panic!("line {}", i + 1)),
            container: f[3].into(),
            spill: f[4].into(),
            isolate_m: num(f[5]),
            day_km: num(f[6]),
            night_km: num(f[7]),
            wind: f[8].into(),
            plus: f[9].into(),
        });
    }
    rows
}

fn container_of_csv(name: &str) -> Container {
    // The ammonia row reads "multiple small cylinders" (no single ton cylinder).
    let name = if name == "multiple small cylinders" {
        Container::SmallCylinders.name_en()
    } else {
        name
    };
    Container::ALL
        .into_iter()
        .find(|c| c.name_en() == name)
        .unwrap_or_else(|| panic!("no container named {name:?}"))
}

#[test]
fn every_erg_row_agrees_with_the_verified_table() {
    let rows = erg_csv();
    assert!(rows.len() >= 50, "{} rows", rows.len());
    let mut checked = 0;
    for r in &rows {
        let s = Substance::all()
            .iter()
            .find(|s| s.un_number == r.un)
            .unwrap_or_else(|| panic!("line {}: UN {} is not modelled", r.line, r.un));
        let name = format!(
            "line {} ({} {} {} {} {})",
            r.line, r.table, s.code, r.spill, r.container, r.wind
        );
        let (got, wind_speed) = match (r.table.as_str(), r.spill.as_str()) {
            ("table1", "small") => (s.small, 1.0),
            ("table1", "large") => {
                let LargeSpill::Fixed(d) = s.large else {
                    panic!("{name}: Table 1 has a large-spill row, Lookout reads another table")
                };
                (d, 1.0)
            }
            ("table3", "large") => {
                let speed = match r.wind.as_str() {
                    "low" => 1.0,
                    "moderate" => 4.0,
                    "high" => 8.0,
                    w => panic!("{name}: wind {w:?}"),
                };
                let choice = s.erg(SpillSize::Large, Some(container_of_csv(&r.container)), speed);
                let ErgRow::Table3 { row, .. } = choice.row else {
                    panic!("{name}: not read from Table 3 but {:?}", choice.row)
                };
                assert_eq!(row, container_of_csv(&r.container), "{name}: row read");
                (choice.distances, speed)
            }
            other => panic!("{name}: unexpected {other:?}"),
        };
        let _ = wind_speed;
        assert_eq!(got.isolation_m, r.isolate_m, "{name}: isolation");
        assert_eq!(got.day_km, r.day_km, "{name}: day");
        assert_eq!(got.night_km, r.night_km, "{name}: night");
        let (day_plus, night_plus) = match r.plus.as_str() {
            "" => (false, false),
            "day" => (true, false),
            "night" => (false, true),
            "day+night" => (true, true),
            p => panic!("{name}: plus {p:?}"),
        };
        assert_eq!((got.day_plus, got.night_plus), (day_plus, night_plus), "{name}: 11+");
        checked += 1;
    }
    // Every Table 3 row Lookout holds is in the file (nothing unverified).
    for s in Substance::all() {
        let LargeSpill::ByContainer(held) = s.large else {
            continue;
        };
        for row in held {
            assert!(
                rows.iter().any(|r| r.un == s.un_number
                    && r.table == "table3"
                    && container_of_csv(&r.container) == row.container),
                "{} {:?} is not in the verified table",
                s.code,
                row.container
            );
        }
        assert!(s.tih, "{}: Table 3 rows only for TIH gases", s.code);
    }
    assert_eq!(checked, rows.len());
}

#[test]
fn unknown_substance_takes_the_largest_distances() {
    for (spill, wind, day) in [(SpillSize::Large, 2.0, false), (SpillSize::Small, 4.0, true)] {
        let w = weather(45.0, wind, day);
        let set = erg_zones(TAIYUAN, None, spill, None, &w).unwrap();
        let isolation = Substance::all()
            .iter()
            .map(|s| s.erg(spill, None, wind).distances.isolation_m)
            .fold(0.0, f64::max);
        let protective = Substance::all()
            .iter()
            .map(|s| s.erg(spill, None, wind).distances.protective_km(day))
            .fold(0.0, f64::max);
        assert_eq!(zone(&set, ZoneTier::Isolation).radius_m, Some(isolation));
        assert_eq!(
            zone(&set, ZoneTier::ProtectiveAction).downwind_m,
            Some(protective * 1000.0)
        );
        assert!(set.limits.iter().any(|l| l.contains("unknown")));
    }
    // Large spill at night in low wind: sulphur dioxide's 1000 m and 11 km.
    let set = erg_zones(TAIYUAN, None, SpillSize::Large, None, &weather(45.0, 2.0, false)).unwrap();
    assert_eq!(zone(&set, ZoneTier::Isolation).radius_m, Some(1000.0));
    assert_eq!(zone(&set, ZoneTier::ProtectiveAction).downwind_m, Some(11_000.0));
}

#[test]
fn a_flammable_small_spill_has_only_an_isolation_circle() {
    let set = erg_zones(
        TAIYUAN,
        Some(sub("lpg")),
        SpillSize::Small,
        None,
        &weather(0.0, 3.0, true),
    )
    .unwrap();
    assert_eq!(set.zones.len(), 1);
    assert_eq!(set.zones[0].radius_m, Some(100.0));
    assert!(set.limits.iter().any(|l| l.contains("1600 m")));
}

#[test]
fn impossible_weather_is_refused() {
    let chlorine = sub("chlorine");
    for w in [
        weather(90.0, -1.0, true),
        weather(90.0, 61.0, true),
        weather(90.0, f64::NAN, true),
        weather(360.0, 3.0, true),
        weather(-1.0, 3.0, true),
        weather(f64::INFINITY, 3.0, true),
    ] {
        assert!(matches!(w.validate(), Err(ImpactError::InvalidWeather(_))), "{w:?}");
        assert!(matches!(
            erg_zones(TAIYUAN, Some(chlorine), SpillSize::Small, None, &w),
            Err(ImpactError::InvalidWeather(_))
        ));
        assert!(matches!(
            plume_zones(TAIYUAN, chlorine, 1.0, &w),
            Err(ImpactError::InvalidWeather(_))
        ));
    }
    assert!(weather(359.9, 0.0, false).validate().is_ok());
    assert!(weather(0.0, 60.0, true).validate().is_ok());
}

#[test]
fn centreline_concentration_matches_a_hand_computation() {
    // Q = 1 kg/s = 1000 g/s, u = 3 m/s, x = 1000 m, class D:
    //   σy = 0.08 · 1000 / √(1 + 0.0001 · 1000) = 80 / √1.1 = 76.277 m
    //   σz = 0.06 · 1000 / √(1 + 0.0015 · 1000) = 60 / √2.5 = 37.947 m
    //   C  = 1000 / (π · 3 · 76.277 · 37.947) = 1000 / 27 280 = 0.036657 g/m³
    let c = centreline_concentration(1000.0, 3.0, 1000.0, StabilityClass::D);
    assert_relative_eq!(c, 0.036657, max_relative = 0.01);
    // For chlorine (M = 70.90) that is 36.657 mg/m³ · 24.45 / 70.90 = 12.64 ppm.
    assert_relative_eq!(plume::g_m3_to_ppm(c, 70.90), 12.64, max_relative = 0.01);
    assert_eq!(centreline_concentration(1000.0, 3.0, -5.0, StabilityClass::D), 0.0);
}

#[test]
fn plume_tiers_nest_inside_each_other_and_point_downwind() {
    let chlorine = sub("chlorine");
    let set = plume_zones(TAIYUAN, chlorine, 1.0, &weather(270.0, 3.0, true)).unwrap();
    let tiers: Vec<&ImpactZone> = [ZoneTier::Tier1, ZoneTier::Tier2, ZoneTier::Tier3]
        .into_iter()
        .map(|t| zone(&set, t))
        .collect();
    let extent = |z: &ImpactZone| z.downwind_m.unwrap();
    let area = |z: &ImpactZone| z.polygon.geodesic_area_unsigned();
    assert!(extent(tiers[0]) > extent(tiers[1]) && extent(tiers[1]) > extent(tiers[2]));
    assert!(area(tiers[0]) > area(tiers[1]) && area(tiers[1]) > area(tiers[2]));
    assert!(tiers[0].polygon.contains(&tiers[1].polygon));
    assert!(tiers[1].polygon.contains(&tiers[2].polygon));
    for z in &tiers {
        assert!(z.polygon.signed_area() > 0.0);
        // The farthest vertex is due east (downwind of a west wind), at the extent.
        let far = z
            .polygon
            .exterior()
            .coords()
            .copied()
            .max_by(|a, b| distance_m(TAIYUAN, *a).total_cmp(&distance_m(TAIYUAN, *b)))
            .unwrap();
        assert!((bearing(TAIYUAN, far) - 90.0).abs() < 1.0);
        assert_relative_eq!(distance_m(TAIYUAN, far), extent(z), max_relative = 0.001);
    }
    // At the tier-3 extent the centre-line concentration is the tier (20 ppm).
    let class = weather(270.0, 3.0, true).stability_at(TAIYUAN).class;
    let c = centreline_concentration(1000.0, 3.0, extent(tiers[2]), class);
    assert_relative_eq!(plume::g_m3_to_ppm(c, chlorine.molar_mass), 20.0, max_relative = 1e-6);
}

#[test]
fn stable_air_carries_the_plume_further_than_unstable_air() {
    let ammonia = sub("ammonia");
    let extent = |class| {
        let w = Weather {
            stability: Some(class),
            ..weather(180.0, 2.0, true)
        };
        let set = plume_zones(TAIYUAN, ammonia, 2.0, &w).unwrap();
        zone(&set, ZoneTier::Tier1).downwind_m.unwrap()
    };
    let (a, d, f) = (
        extent(StabilityClass::A),
        extent(StabilityClass::D),
        extent(StabilityClass::F),
    );
    assert!(f > d && d > a, "F {f} D {d} A {a}");
}

#[test]
fn plume_inputs_are_checked_and_calm_air_is_caveated() {
    let chlorine = sub("chlorine");
    let w = weather(90.0, 3.0, true);
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 10_001.0] {
        assert!(matches!(
            plume_zones(TAIYUAN, chlorine, rate, &w),
            Err(ImpactError::InvalidRelease(_))
        ));
    }
    let calm = plume_zones(TAIYUAN, chlorine, 1.0, &weather(90.0, 0.2, false)).unwrap();
    assert_eq!(calm.zones.len(), 3);
    assert!(calm.limits.iter().any(|l| l.contains("0.5 m/s")));
    assert!(calm.limits.iter().any(|l| l.contains("1.5 m/s")));
    assert!(calm.limits.iter().any(|l| l.contains("E/F")));
    assert!(calm.limits.iter().any(|l| l.contains("heavier than air")));
    // A tiny release of a mild substance reaches no tier-3 level worth drawing.
    let tiny = plume_zones(TAIYUAN, sub("methanol"), 1e-6, &w).unwrap();
    assert!(tiny.zones.len() < 3);
    assert!(tiny.limits.iter().any(|l| l.contains("not reached")));
}

#[test]
fn fireball_radii_are_ordered_and_match_a_hand_computation() {
    // 1000 kg of LPG (propane, 46.4 MJ/kg): D = 5.8 · 10 = 58 m, t = 0.45 · 10 = 4.5 s,
    // P = 0.4 · 1000 · 46.4e6 / 4.5 = 4.1244e9 W (radiative fraction 0.4, CCPS:
    // a vessel failing at or above relief pressure),
    // r(5 kW/m²) = √(4.1244e9 / (4π · 5000)) = √65 641 = 256.2 m.
    assert_eq!(fire::FIREBALL_RADIATIVE_FRACTION, 0.4);
    let set = fire_zones(TAIYUAN, Some(sub("lpg")), 1000.0).unwrap();
    let radius = |t| zone(&set, t).radius_m.unwrap();
    let (r1, r2, r3) = (
        radius(ZoneTier::Tier1),
        radius(ZoneTier::Tier2),
        radius(ZoneTier::Tier3),
    );
    assert!(r3 < r2 && r2 < r1);
    assert_relative_eq!(r2, 256.2, max_relative = 0.002);
    assert!(set.limits.iter().any(|l| l.contains("Radiative fraction 0.4")));
    assert!(zone(&set, ZoneTier::Tier3).method == Method::Fireball);
    assert_eq!(zone(&set, ZoneTier::Tier3).threshold.as_deref(), Some("10 kW/m²"));
    assert_eq!(HEAT_FLUX_KW_M2, [2.0, 5.0, 10.0]);
}

#[test]
fn pool_fire_matches_a_hand_computation() {
    // 1000 kg of gasoline (740 kg/m³) spreads 1 cm deep: A = 1000 / 7.4 = 135.1 m²;
    // P = 0.35 · 0.055 · 135.1 · 43.7e6 = 1.1368e8 W;
    // r(10 kW/m²) = √(1.1368e8 / (4π · 10 000)) = 30.08 m (pool radius 6.6 m).
    let set = fire_zones(TAIYUAN, Some(sub("gasoline")), 1000.0).unwrap();
    let tier3 = zone(&set, ZoneTier::Tier3);
    assert_eq!(tier3.method, Method::PoolFire);
    assert_relative_eq!(tier3.radius_m.unwrap(), 30.08, max_relative = 0.002);
    assert!(zone(&set, ZoneTier::Tier2).radius_m < zone(&set, ZoneTier::Tier1).radius_m);
}

#[test]
fn blast_radii_are_ordered_and_match_published_scaled_distances() {
    // 1000 kg of LPG, 3 % yield: W = 0.03 · 1000 · 46.4 / 4.68 = 297.4 kg TNT, W^⅓ = 6.675.
    // UFC 3-340-02 fig. 2-15 (hemispherical surface burst): 1 psi at about
    // 45 ft/lb^⅓ = 17.9 m/kg^⅓ → R ≈ 119 m; 8 psi at about 11 ft/lb^⅓ = 4.4 m/kg^⅓ → R ≈ 29 m.
    let set = explosion_zones(TAIYUAN, Some(sub("lpg")), 1000.0, Some(0.03)).unwrap();
    let radius = |t| zone(&set, t).radius_m.unwrap();
    let (r1, r2, r3) = (
        radius(ZoneTier::Tier1),
        radius(ZoneTier::Tier2),
        radius(ZoneTier::Tier3),
    );
    assert!(r3 < r2 && r2 < r1);
    let w_cbrt = (0.03_f64 * 1000.0 * 46.4 / 4.68).cbrt();
    assert_relative_eq!(w_cbrt, 6.675, max_relative = 0.001);
    assert_relative_eq!(r1 / w_cbrt, 17.9, max_relative = 0.03);
    assert_relative_eq!(r3 / w_cbrt, 4.4, max_relative = 0.05);
    assert_eq!(OVERPRESSURE_PSI, [1.0, 3.5, 8.0]);
    assert_eq!(zone(&set, ZoneTier::Tier3).threshold.as_deref(), Some("8 psi (55 kPa)"));
    assert_eq!(
        zone(&set, ZoneTier::Tier1).threshold.as_deref(),
        Some("1 psi (6.9 kPa)")
    );
    assert!(
        set.limits.iter().any(|l| l.contains("3 % yield (as given")),
        "{:?}",
        set.limits
    );
}

#[test]
fn the_default_yield_is_the_epa_worst_case() {
    // 10 % (EPA RMP worst case): the radii are ∛(10/3) = 1.494 times the 3 % ones.
    assert_eq!(fire::EXPLOSION_YIELD, 0.10);
    let default = explosion_zones(TAIYUAN, Some(sub("lpg")), 1000.0, None).unwrap();
    let three = explosion_zones(TAIYUAN, Some(sub("lpg")), 1000.0, Some(0.03)).unwrap();
    for (d, t) in default.zones.iter().zip(&three.zones) {
        assert_relative_eq!(d.radius_m.unwrap() / t.radius_m.unwrap(), 1.4938, max_relative = 1e-3);
    }
    assert!(
        default
            .limits
            .iter()
            .any(|l| l.contains("10 % yield (the default, the U.S. EPA RMP worst case"))
    );
    for bad in [0.02, 0.11, f64::NAN, -0.05] {
        let err = explosion_zones(TAIYUAN, Some(sub("lpg")), 1000.0, Some(bad)).unwrap_err();
        assert!(err.to_string().contains("tnt_yield"), "{bad}: {err}");
    }
}

#[test]
fn unknown_cloud_never_draws_a_shorter_plume_than_any_stated_sky() {
    use chrono::TimeZone;
    // Every substance, wind band, day and night, three sun heights: the plume
    // with cloud unknown reaches at least as far as with any cloud stated.
    let times = [
        chrono::Utc.with_ymd_and_hms(2026, 6, 21, 4, 0, 0).single(), // high summer sun
        chrono::Utc.with_ymd_and_hms(2026, 12, 21, 4, 0, 0).single(), // low winter sun
        chrono::Utc.with_ymd_and_hms(2026, 3, 20, 0, 30, 0).single(), // just after sunrise
        None,
    ];
    for s in Substance::all() {
        for wind in [0.8, 1.9, 2.5, 4.0, 5.5, 8.0] {
            for daytime in [true, false] {
                for at in times {
                    let mut w = weather(270.0, wind, daytime);
                    w.at = at;
                    let reach = |w: &Weather| {
                        let set = plume_zones(TAIYUAN, s, 1.0, w).unwrap();
                        set.zones.first().and_then(|z| z.downwind_m).unwrap_or(0.0)
                    };
                    let unknown = reach(&w);
                    for oktas in 0..=8 {
                        let stated = Weather {
                            cloud_cover: Some(oktas),
                            ..w
                        };
                        assert!(
                            unknown >= reach(&stated),
                            "{} wind {wind} day {daytime} {at:?}: unknown {unknown} < {oktas}/8",
                            s.code
                        );
                    }
                    for sky in [Sky::Clear, Sky::Partly, Sky::Overcast] {
                        let stated = Weather { sky: Some(sky), ..w };
                        assert!(unknown >= reach(&stated), "{} {sky:?}", s.code);
                    }
                }
            }
        }
    }
}

#[test]
fn the_blast_curve_falls_steadily_with_distance() {
    let mut last = f64::INFINITY;
    let mut z = 0.2;
    while z < 198.0 {
        let p = fire::overpressure_kpa(z);
        assert!(p < last, "not decreasing at Z = {z}");
        last = p;
        z *= 1.01;
    }
    for kpa in [55.0, 24.0, 6.9] {
        assert_relative_eq!(
            fire::overpressure_kpa(fire::scaled_distance(kpa)),
            kpa,
            max_relative = 1e-6
        );
    }
}

#[test]
fn fire_and_blast_refuse_what_cannot_burn_and_bad_masses() {
    assert!(matches!(
        fire_zones(TAIYUAN, Some(sub("chlorine")), 1000.0),
        Err(ImpactError::NotFlammable(_))
    ));
    assert!(matches!(
        explosion_zones(TAIYUAN, Some(sub("sulphur_dioxide")), 1000.0, None),
        Err(ImpactError::NotFlammable(_))
    ));
    for mass in [0.0, -5.0, f64::NAN, 1e12] {
        assert!(matches!(
            fire_zones(TAIYUAN, Some(sub("lpg")), mass),
            Err(ImpactError::InvalidRelease(_))
        ));
        assert!(matches!(
            explosion_zones(TAIYUAN, None, mass, None),
            Err(ImpactError::InvalidRelease(_))
        ));
    }
    // Unknown: the most energetic fuel, so at least as large as any known one.
    let unknown = explosion_zones(TAIYUAN, None, 100.0, None).unwrap();
    let lpg = explosion_zones(TAIYUAN, Some(sub("lpg")), 100.0, None).unwrap();
    assert!(unknown.zones[0].radius_m > lpg.zones[0].radius_m);
}

#[test]
fn zones_serialize_as_geojson_with_stable_names() {
    let set = erg_zones(
        TAIYUAN,
        Some(sub("ammonia")),
        SpillSize::Large,
        None,
        &weather(90.0, 2.0, false),
    )
    .unwrap();
    let json = serde_json::to_value(&set).unwrap();
    let first = &json["zones"][0];
    assert_eq!(first["tier"], "protective_action");
    assert_eq!(first["method"], "erg_table");
    assert_eq!(first["polygon"]["type"], "Polygon");
    let ring = first["polygon"]["coordinates"][0].as_array().unwrap();
    assert_eq!(ring.first(), ring.last());
    assert_eq!(json["zones"][1]["tier"], "isolation");
    assert!(json["limits"].as_array().is_some_and(|l| !l.is_empty()));
    let w: Weather =
        serde_json::from_str(r#"{"wind_from_deg": 90, "wind_speed_ms": 2, "daytime": false, "stability": "F"}"#)
            .unwrap();
    assert_eq!(w.stability, Some(StabilityClass::F));
    let spill: SpillSize = serde_json::from_str(r#""large""#).unwrap();
    assert_eq!(spill, SpillSize::Large);
    // Plain area sanity: the polygon is in degrees, not metres.
    assert!(set.zones[0].polygon.unsigned_area() < 1.0);
}
