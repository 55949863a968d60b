use super::*;
use crate::catalog::Dataset;
use crate::impact::fire::overpressure_kpa;
use crate::model::{PopulationCell, SensitiveSite, Substance};
use geo::{Point, polygon};

const PLANT: Coord<f64> = Coord { x: 112.55, y: 37.87 };

/// A point `metres` due north of the plant.
fn north(metres: f64) -> Coord<f64> {
    crate::impact::destination(PLANT, 0.0, metres)
}

fn source(id: FeatureId, substance: Substance, quantity_t: f64) -> Feature<HazardSource> {
    let mut f = crate::generate::tests::small_dataset().hazard_sources[0].clone();
    f.id = id;
    f.geometry = Geometry::Point(Point(PLANT));
    f.properties.substances = vec![SubstanceOnSite {
        substance,
        quantity_t,
        container: Some(Container::StorageTank),
    }];
    f.properties.level = Some(2);
    f
}

fn school(id: FeatureId, at: Coord<f64>) -> Feature<SensitiveSite> {
    Feature {
        id,
        geometry: Geometry::Point(Point(at)),
        properties: SensitiveSite {
            name: format!("第{id}中学"),
            kind: "school".into(),
            persons: 1200,
            county_id: 1,
            county: "小店区".into(),
            city: "太原市".into(),
        },
    }
}

#[test]
fn a_school_just_inside_the_chlorine_isolation_distance_is_a_violation_and_one_just_outside_is_not() {
    // ERG 2020 Table 3, chlorine, rail tank car (a storage tank reads that
    // row): initial isolation 1000 m (data/erg2020-tih.csv; REFERENCE.md).
    let data = Dataset {
        hazard_sources: vec![source(1, Substance::Chlorine, 20.0)],
        sensitive_sites: vec![school(1, north(990.0)), school(2, north(1010.0))],
        ..Dataset::default()
    };
    let result = check(&Catalog::new(data), None);
    assert_eq!(result.distances.len(), 1);
    assert_eq!(result.distances[0].distance_m, 1000.0);
    assert_eq!(result.distances[0].substances[0].method, DistanceMethod::ErgIsolation);
    let listed: Vec<_> = result.violations.iter().map(|v| v.target_id).collect();
    assert_eq!(listed, [1], "{:?}", result.violations);
    let v = &result.violations[0];
    assert_eq!(v.class, TargetClass::HighlySensitive);
    assert!((v.distance_m - 990.0).abs() <= 1.0, "{}", v.distance_m);
    assert!((v.shortfall_m - 10.0).abs() <= 1.0, "{}", v.shortfall_m);
    assert_eq!((v.risk_limit_new, v.risk_limit_existing), (3e-7, 3e-6));
    assert!(!result.limits.is_empty());
}

#[test]
fn the_lpg_distance_is_where_the_blast_falls_to_one_psi() {
    let pd = protection_distance(&source(1, Substance::Lpg, 100.0));
    let lpg = ImpactSubstance::by_code("lpg").unwrap();
    let w = tnt_equivalent_kg(100_000.0, lpg.heat_of_combustion_mj_kg.unwrap(), 0.10);
    let kpa = overpressure_kpa(pd.distance_m / w.cbrt());
    assert!((kpa - 6.89).abs() < 0.1, "{kpa} kPa at {} m", pd.distance_m);
    // Some hundreds of metres to a few kilometres for 100 t, not metres or tens of km.
    assert!((500.0..3_000.0).contains(&pd.distance_m), "{}", pd.distance_m);
    // More on site reaches farther.
    assert!(protection_distance(&source(1, Substance::Lpg, 400.0)).distance_m > pd.distance_m);
}

#[test]
fn a_source_of_two_substances_takes_the_larger_distance() {
    let mut two = source(1, Substance::Chlorine, 20.0);
    two.properties.substances.push(SubstanceOnSite {
        substance: Substance::Lpg,
        quantity_t: 400.0,
        container: None,
    });
    let pd = protection_distance(&two);
    assert_eq!(pd.substances.len(), 2);
    assert_eq!(pd.distance_m, pd.substances[0].distance_m);
    assert!(pd.substances[0].distance_m >= pd.substances[1].distance_m);
}

#[test]
fn violations_are_sorted_by_class_then_level_then_depth() {
    // A few people in a cell near a level-1 source rank below a school near a
    // level-2 source: the class comes first.
    let mut first = source(1, Substance::Chlorine, 20.0);
    first.properties.level = Some(1);
    let far = Coord { x: 113.2, y: 37.87 };
    first.geometry = Geometry::Point(Point(far));
    let d = 0.002; // about 200 m: a small cell by the level-1 plant
    let cell = Feature {
        id: 7,
        geometry: Geometry::Polygon(polygon![
            (x: far.x - d, y: far.y - d),
            (x: far.x + d, y: far.y - d),
            (x: far.x + d, y: far.y + d),
            (x: far.x - d, y: far.y + d),
            (x: far.x - d, y: far.y - d),
        ]),
        properties: PopulationCell {
            population: 12,
            county_id: 1,
            density_per_km2: 100.0,
        },
    };
    let data = Dataset {
        hazard_sources: vec![first, source(2, Substance::Chlorine, 20.0)],
        sensitive_sites: vec![school(1, north(900.0)), school(2, north(300.0))],
        population: vec![cell],
        ..Dataset::default()
    };
    let result = check(&Catalog::new(data), None);
    let order: Vec<_> = result
        .violations
        .iter()
        .map(|v| (v.class, v.target_layer, v.target_id))
        .collect();
    assert_eq!(
        order,
        [
            (TargetClass::HighlySensitive, "sensitive_sites", 2),
            (TargetClass::HighlySensitive, "sensitive_sites", 1),
            (TargetClass::LowDensity, "population", 7),
        ]
    );
    assert_eq!(result.violations[2].persons, 12);
    assert_eq!(result.violations[2].distance_m, 0.0);
}

#[test]
fn the_generated_province_has_sensitive_sites_near_some_hazard_sources() {
    let data = crate::generate::tests::small_dataset();
    assert!(data.sensitive_sites.len() > 119 * 4, "{}", data.sensitive_sites.len());
    let result = check(&Catalog::new(data.clone()), None);
    assert_eq!(result.distances.len(), data.hazard_sources.len());
    assert!(
        result.violations.iter().any(|v| v.target_layer == "sensitive_sites"),
        "no school or hospital inside any protection distance"
    );
}
