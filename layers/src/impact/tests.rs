//! Tests of the impact zones against hand computations.

use super::fire::{HEAT_FLUX_KW_M2, OVERPRESSURE_PSI};
use super::substances::{LargeSpill, Phase};
use super::*;
use crate::geodesy::distance_m;
use approx::assert_relative_eq;
use geo::{Area, Centroid, Contains, GeodesicArea, Point};

/// 太原, roughly.
const TAIYUAN: Coord<f64> = Coord { x: 112.55, y: 37.86 };

fn weather(wind_from_deg: f64, wind_speed_ms: f64, daytime: bool) -> Weather {
    Weather {
        wind_from_deg,
        wind_speed_ms,
        daytime,
        stability: None,
    }
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
        let (small, large) = (s.erg(SpillSize::Small, 1.0), s.erg(SpillSize::Large, 1.0));
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
fn chlorine_large_spill_isolation_circle_is_the_table_radius() {
    // ERG Table 3, chlorine, highway tank truck or trailer: isolate 600 m.
    let chlorine = sub("chlorine");
    let LargeSpill::ByWind(row) = chlorine.large else {
        panic!("chlorine large spill is a Table 3 row")
    };
    assert_eq!(row.isolation_m, 600.0);
    let set = erg_zones(TAIYUAN, Some(chlorine), SpillSize::Large, &weather(270.0, 4.0, true)).unwrap();
    let isolation = zone(&set, ZoneTier::Isolation);
    assert_eq!(isolation.radius_m, Some(600.0));
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
    // in Table 3: chlorine by day 3.4 km.
    let chlorine = sub("chlorine");
    let set = erg_zones(TAIYUAN, Some(chlorine), SpillSize::Large, &weather(270.0, 4.0, true)).unwrap();
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
    let set = erg_zones(TAIYUAN, Some(chlorine), SpillSize::Large, &weather(0.0, 4.0, true)).unwrap();
    let centroid = zone(&set, ZoneTier::ProtectiveAction).polygon.centroid().unwrap().0;
    assert!((bearing(TAIYUAN, centroid) - 180.0).abs() < 1.0);
}

#[test]
fn table_3_distances_follow_the_wind_and_the_night() {
    let chlorine = sub("chlorine");
    let at =
        |wind: f64, day: bool| erg_zones(TAIYUAN, Some(chlorine), SpillSize::Large, &weather(90.0, wind, day)).unwrap();
    let pa = |set: &ZoneSet| zone(set, ZoneTier::ProtectiveAction).downwind_m.unwrap();
    assert_eq!(pa(&at(1.0, true)), 5800.0); // low wind, day
    assert_eq!(pa(&at(8.0, true)), 2900.0); // high wind, day
    assert_eq!(pa(&at(1.0, false)), 6700.0); // low wind, night
    let small = erg_zones(TAIYUAN, Some(chlorine), SpillSize::Small, &weather(90.0, 1.0, false)).unwrap();
    assert_eq!(zone(&small, ZoneTier::Isolation).radius_m, Some(60.0));
    assert_eq!(pa(&small), 1100.0);
}

#[test]
fn unknown_substance_takes_the_largest_distances() {
    for (spill, wind, day) in [(SpillSize::Large, 2.0, false), (SpillSize::Small, 4.0, true)] {
        let w = weather(45.0, wind, day);
        let set = erg_zones(TAIYUAN, None, spill, &w).unwrap();
        let isolation = Substance::all()
            .iter()
            .map(|s| s.erg(spill, wind).isolation_m)
            .fold(0.0, f64::max);
        let protective = Substance::all()
            .iter()
            .map(|s| s.erg(spill, wind).protective_km(day))
            .fold(0.0, f64::max);
        assert_eq!(zone(&set, ZoneTier::Isolation).radius_m, Some(isolation));
        assert_eq!(
            zone(&set, ZoneTier::ProtectiveAction).downwind_m,
            Some(protective * 1000.0)
        );
        assert!(set.limits.iter().any(|l| l.contains("unknown")));
    }
    // Large spill at night in low wind: sulphur dioxide's 1000 m and 11 km.
    let set = erg_zones(TAIYUAN, None, SpillSize::Large, &weather(45.0, 2.0, false)).unwrap();
    assert_eq!(zone(&set, ZoneTier::Isolation).radius_m, Some(1000.0));
    assert_eq!(zone(&set, ZoneTier::ProtectiveAction).downwind_m, Some(11_000.0));
}

#[test]
fn a_flammable_small_spill_has_only_an_isolation_circle() {
    let set = erg_zones(TAIYUAN, Some(sub("lpg")), SpillSize::Small, &weather(0.0, 3.0, true)).unwrap();
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
            erg_zones(TAIYUAN, Some(chlorine), SpillSize::Small, &w),
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
fn pasquill_classes_from_wind_and_daylight() {
    use StabilityClass::*;
    let cases = [
        (1.0, true, B),
        (2.5, true, B),
        (4.0, true, C),
        (5.5, true, D),
        (8.0, true, D),
        (1.0, false, F),
        (2.5, false, F),
        (4.0, false, E),
        (5.5, false, D),
    ];
    for (wind, day, class) in cases {
        assert_eq!(StabilityClass::pasquill(wind, day), class, "{wind} m/s day={day}");
    }
    let given = Weather {
        stability: Some(A),
        ..weather(0.0, 8.0, false)
    };
    assert_eq!(given.stability_class(), A);
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
    let class = StabilityClass::pasquill(3.0, true);
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
    // P = 0.3 · 1000 · 46.4e6 / 4.5 = 3.0933e9 W,
    // r(5 kW/m²) = √(3.0933e9 / (4π · 5000)) = √49 231 = 221.9 m.
    let set = fire_zones(TAIYUAN, Some(sub("lpg")), 1000.0).unwrap();
    let radius = |t| zone(&set, t).radius_m.unwrap();
    let (r1, r2, r3) = (
        radius(ZoneTier::Tier1),
        radius(ZoneTier::Tier2),
        radius(ZoneTier::Tier3),
    );
    assert!(r3 < r2 && r2 < r1);
    assert_relative_eq!(r2, 221.9, max_relative = 0.002);
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
    let set = explosion_zones(TAIYUAN, Some(sub("lpg")), 1000.0).unwrap();
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
        explosion_zones(TAIYUAN, Some(sub("sulphur_dioxide")), 1000.0),
        Err(ImpactError::NotFlammable(_))
    ));
    for mass in [0.0, -5.0, f64::NAN, 1e12] {
        assert!(matches!(
            fire_zones(TAIYUAN, Some(sub("lpg")), mass),
            Err(ImpactError::InvalidRelease(_))
        ));
        assert!(matches!(
            explosion_zones(TAIYUAN, None, mass),
            Err(ImpactError::InvalidRelease(_))
        ));
    }
    // Unknown: the most energetic fuel, so at least as large as any known one.
    let unknown = explosion_zones(TAIYUAN, None, 100.0).unwrap();
    let lpg = explosion_zones(TAIYUAN, Some(sub("lpg")), 100.0).unwrap();
    assert!(unknown.zones[0].radius_m > lpg.zones[0].radius_m);
}

#[test]
fn zones_serialize_as_geojson_with_stable_names() {
    let set = erg_zones(
        TAIYUAN,
        Some(sub("ammonia")),
        SpillSize::Large,
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
