//! The dataset's invariants, checked on a generated dataset.

use super::*;
use crate::catalog::Dataset;
use crate::model::{Industry, grade};
use geo::{Contains, Validation};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

fn counties() -> &'static [CountyShape] {
    static COUNTIES: OnceLock<Vec<CountyShape>> = OnceLock::new();
    COUNTIES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
        read_counties(&path).expect("data/shanxi-counties.geojson")
    })
}

/// The scale-1 dataset of seed 1, generated once per test run.
pub(crate) fn small_dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| generate(counties(), Options::default(), &Silent).expect("generate"))
}

fn point(g: &geo::Geometry<f64>) -> geo::Point<f64> {
    match g {
        geo::Geometry::Point(p) => *p,
        other => panic!("not a point: {other:?}"),
    }
}

fn assert_in_county<T>(layer: &str, features: &[Feature<T>], county_of: impl Fn(&T) -> u32) {
    let counties = counties();
    for f in features {
        let county = &counties[(county_of(&f.properties) - 1) as usize];
        assert!(
            county.shape.contains(&point(&f.geometry)),
            "{layer} {} at {:?} is not inside its county {}{}",
            f.id,
            f.geometry,
            county.city,
            county.county
        );
    }
}

#[test]
fn counts_per_layer() {
    let d = small_dataset();
    assert_eq!(d.counties.len(), 119);
    assert_eq!(d.enterprises.len(), ENTERPRISES_PER_SCALE);
    assert_eq!(d.hazard_sources.len(), 80);
    for (id, n) in d.counts() {
        // Incidents are opened by operations, never generated.
        assert!(n > 0 || id == "incidents", "{id} is empty");
    }
    assert!(d.incidents.is_empty());
    assert!(d.rescue_teams.len() >= 300, "{} teams", d.rescue_teams.len());
    assert!(d.roads.len() >= 1_000, "{} roads", d.roads.len());
    let networks: HashSet<_> = d.gas_pipes.iter().map(|p| p.properties.network.as_str()).collect();
    for city in ["太原市", "临汾市", "长治市"] {
        assert!(networks.contains(city), "no gas network in {city}");
    }
}

#[test]
fn every_feature_lies_in_its_county() {
    let d = small_dataset();
    assert_in_county("enterprise", &d.enterprises, |e| e.county_id);
    assert_in_county("hazard source", &d.hazard_sources, |h| h.county_id);
    assert_in_county("rescue team", &d.rescue_teams, |t| t.county_id);
    assert_in_county("warehouse", &d.warehouses, |w| w.county_id);
    assert_in_county("shelter", &d.shelters, |s| s.county_id);
    for e in &d.enterprises {
        let c = &counties()[(e.properties.county_id - 1) as usize];
        assert_eq!(
            (e.properties.city.as_str(), e.properties.county.as_str()),
            (c.city.as_str(), c.county.as_str())
        );
    }
}

#[test]
fn exactly_80_hazard_sources_graded_from_their_own_attributes() {
    let d = small_dataset();
    let enterprises: HashMap<_, _> = d.enterprises.iter().map(|e| (e.id, e)).collect();
    let mut levels = [0; 5];
    for h in &d.hazard_sources {
        let p = &h.properties;
        let (r, level) = grade(&p.substances, p.people_within_500m);
        assert_eq!(p.level, level, "hazard source {}", h.id);
        assert!(
            (p.r_value - r).abs() < 0.01,
            "hazard source {}: R {} vs {r}",
            h.id,
            p.r_value
        );
        let over: f64 = p
            .substances
            .iter()
            .map(|s| s.quantity_t / s.substance.threshold_t())
            .sum();
        assert!(over >= 1.0, "hazard source {} holds less than its thresholds", h.id);
        let owner = enterprises.get(&p.enterprise_id).expect("owner exists");
        assert_eq!(*owner.properties.name, p.enterprise_name);
        let level = level.expect("every generated hazard source passes the GB 18218 §4.2 test");
        levels[level as usize] += 1;
    }
    assert!(levels[1..].iter().all(|&n| n > 0), "every level occurs: {levels:?}");
}

#[test]
fn coal_mines_lie_in_the_coal_fields() {
    let d = small_dataset();
    let region = crate::region::Region::builtin();
    let province = places::Province::new(&region, counties()).unwrap();
    let coal: HashSet<u32> = province.coal.iter().map(|&i| counties()[i].id).collect();
    let mines: Vec<_> = d
        .enterprises
        .iter()
        .filter(|e| e.properties.industry == Industry::CoalMine)
        .collect();
    assert!(mines.len() > 500);
    assert!(mines.iter().all(|m| coal.contains(&m.properties.county_id)));
}

#[test]
fn credit_codes_are_valid_and_unique() {
    let d = small_dataset();
    let codes: HashSet<_> = d.enterprises.iter().map(|e| &*e.properties.credit_code).collect();
    assert_eq!(codes.len(), d.enterprises.len());
    assert!(codes.iter().all(|c| names::credit_code_is_valid(c)));
}

/// Number of connected components of a graph given by its edges.
fn components(edges: impl Iterator<Item = (u64, u64)>) -> usize {
    let mut parent: HashMap<u64, u64> = HashMap::new();
    fn root(parent: &mut HashMap<u64, u64>, x: u64) -> u64 {
        let p = *parent.entry(x).or_insert(x);
        if p == x {
            x
        } else {
            let r = root(parent, p);
            parent.insert(x, r);
            r
        }
    }
    for (a, b) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent.insert(ra, rb);
    }
    let nodes: Vec<u64> = parent.keys().copied().collect();
    nodes
        .into_iter()
        .map(|n| root(&mut parent, n))
        .collect::<HashSet<_>>()
        .len()
}

/// Checks that lines start and end exactly at their nodes, and one node is one place.
fn assert_nodes_consistent<'a>(lines: impl Iterator<Item = (&'a geo::Geometry<f64>, u64, u64)>) {
    let mut at: HashMap<u64, geo::Coord<f64>> = HashMap::new();
    for (g, from, to) in lines {
        let geo::Geometry::LineString(l) = g else {
            panic!("not a line")
        };
        for (node, c) in [(from, l.0[0]), (to, *l.0.last().expect("vertices"))] {
            let known = *at.entry(node).or_insert(c);
            assert_eq!(known, c, "node {node} is in two places");
        }
    }
}

#[test]
fn road_network_is_one_connected_graph() {
    let d = small_dataset();
    assert_eq!(
        components(d.roads.iter().map(|r| (r.properties.from_node, r.properties.to_node))),
        1
    );
    assert_nodes_consistent(
        d.roads
            .iter()
            .map(|r| (&r.geometry, r.properties.from_node, r.properties.to_node)),
    );
    let classes: HashSet<_> = d.roads.iter().map(|r| r.properties.road_class).collect();
    assert_eq!(classes.len(), 5, "every road class occurs");
}

#[test]
fn each_gas_network_is_connected_and_its_valves_and_stations_sit_on_it() {
    let d = small_dataset();
    let networks: HashSet<_> = d.gas_pipes.iter().map(|p| p.properties.network.clone()).collect();
    for network in networks {
        let pipes: Vec<_> = d.gas_pipes.iter().filter(|p| p.properties.network == network).collect();
        assert_eq!(
            components(pipes.iter().map(|p| (p.properties.from_node, p.properties.to_node))),
            1,
            "{network}"
        );
        assert_nodes_consistent(
            pipes
                .iter()
                .map(|p| (&p.geometry, p.properties.from_node, p.properties.to_node)),
        );
        let nodes: HashSet<u64> = pipes
            .iter()
            .flat_map(|p| [p.properties.from_node, p.properties.to_node])
            .collect();
        for v in d.gas_valves.iter().filter(|v| v.properties.network == network) {
            assert!(
                nodes.contains(&v.properties.node),
                "valve {} off the {network} network",
                v.id
            );
        }
        let stations: Vec<_> = d
            .gas_stations
            .iter()
            .filter(|s| s.properties.network == network)
            .collect();
        assert!(stations.iter().all(|s| nodes.contains(&s.properties.node)));
        assert!(
            stations
                .iter()
                .any(|s| s.properties.kind == crate::model::StationKind::Gate),
            "{network} has a gate station"
        );
    }
}

#[test]
fn county_areas_add_up_to_shanxi() {
    // Shanxi covers about 156,700 km²; the generalised boundaries come close.
    let total: f64 = small_dataset().counties.iter().map(|c| c.properties.area_km2).sum();
    assert!((150_000.0..165_000.0).contains(&total), "{total} km²");
    assert!(
        small_dataset()
            .counties
            .iter()
            .all(|c| c.properties.area_km2 < 10_000.0)
    );
}

#[test]
fn population_sums_to_the_census_total() {
    let d = small_dataset();
    let total: u64 = d.population.iter().map(|c| u64::from(c.properties.population)).sum();
    assert_eq!(total, 34_915_616);
    let by_county: u64 = d.counties.iter().map(|c| c.properties.population).sum();
    assert_eq!(by_county, 34_915_616);
}

#[test]
fn disaster_zones_are_valid_polygons_of_every_kind() {
    let d = small_dataset();
    let kinds: HashSet<_> = d.disaster_zones.iter().map(|z| z.properties.kind).collect();
    assert_eq!(kinds.len(), 4);
    for z in &d.disaster_zones {
        assert!(
            z.geometry.is_valid(),
            "zone {} {} is not a valid polygon",
            z.id,
            z.properties.name
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_dataset_and_another_seed_another() {
    let again = generate(counties(), Options::default(), &Silent).unwrap();
    let d = small_dataset();
    assert_eq!(again.enterprises, d.enterprises);
    assert_eq!(again.hazard_sources, d.hazard_sources);
    assert_eq!(again.roads, d.roads);
    let other = generate(counties(), Options { seed: 2, scale: 1 }, &Silent).unwrap();
    assert_ne!(other.enterprises, d.enterprises);
}

#[test]
fn enterprises_spread_over_the_province_and_areas_are_positive() {
    for c in counties() {
        assert!(c.area_km2 > 0.0, "{} {} has area {}", c.city, c.county, c.area_km2);
    }
    let data = small_dataset();
    let mut by_city = std::collections::BTreeMap::new();
    for e in &data.enterprises {
        *by_city.entry(e.properties.city.as_str()).or_insert(0usize) += 1;
    }
    let most = by_city.values().max().copied().unwrap_or(0);
    assert!(
        most * 4 < data.enterprises.len(),
        "one city holds {most} of {} enterprises: {by_city:?}",
        data.enterprises.len()
    );
    assert_eq!(by_city.len(), 11, "every city has enterprises: {by_city:?}");
}

#[test]
fn every_county_outline_in_the_dataset_is_valid_and_keeps_its_area() {
    use geo::{GeodesicArea, Validation};
    let d = small_dataset();
    assert_eq!(d.counties.len(), 119);
    let source = counties();
    let mut repaired = 0;
    for (f, c) in d.counties.iter().zip(source) {
        assert_eq!(f.id, u64::from(c.id));
        let geo::Geometry::MultiPolygon(shape) = &f.geometry else {
            panic!("county {} is not a multipolygon", f.id)
        };
        assert!(
            shape.is_valid(),
            "county {} ({}) is not a valid polygon",
            f.id,
            c.county
        );
        if !c.shape.is_valid() {
            repaired += 1;
        }
        // A repair only removes the slivers of the crossings (the source's
        // area as the generator computes it, ring by ring).
        let (before, after) = (c.area_km2 * 1e6, shape.geodesic_area_unsigned());
        assert!(
            (after - before).abs() / before < 0.005,
            "county {}: area {before} → {after}",
            c.county
        );
    }
    assert_eq!(repaired, 24, "data/README.md counts 24 invalid source outlines");
}

#[test]
fn every_hazard_source_has_detectors_for_its_substances_and_instruments_on_its_tanks() {
    use crate::model::{SensorKind, SensorSite, toxic_thresholds_ppm};
    use crate::record::Record;
    let d = small_dataset();
    for s in &d.sensors {
        assert_eq!(s.properties.validate(), Ok(()), "sensor {}", s.id);
        assert!(s.properties.county_id > 0, "sensor {} has no county", s.id);
    }
    for h in &d.hazard_sources {
        let mine: Vec<_> = d
            .sensors
            .iter()
            .map(|s| &s.properties)
            .filter(|s| s.hazard_source_id == Some(h.id))
            .collect();
        for on_site in &h.properties.substances {
            let of = |kind| {
                mine.iter()
                    .filter(|s| s.kind == kind && s.substance == Some(on_site.substance))
                    .count()
            };
            for kind in [
                SensorKind::TankLevel,
                SensorKind::TankPressure,
                SensorKind::TankTemperature,
            ] {
                assert!(
                    of(kind) >= 1,
                    "hazard source {} has no {kind} for {}",
                    h.id,
                    on_site.substance
                );
            }
            match toxic_thresholds_ppm(on_site.substance) {
                Some((first, second)) => {
                    let toxic = mine
                        .iter()
                        .find(|s| s.kind == SensorKind::ToxicGas && s.substance == Some(on_site.substance))
                        .unwrap_or_else(|| panic!("hazard source {} has no toxic detector", h.id));
                    assert_eq!(toxic.unit, "ppm");
                    assert_eq!(
                        (toxic.thresholds.high, toxic.thresholds.high_high),
                        (Some(first), Some(second))
                    );
                }
                None => assert!(of(SensorKind::CombustibleGas) >= 1, "hazard source {}", h.id),
            }
        }
        assert!(mine.iter().any(|s| s.kind == SensorKind::Camera && s.url.is_some()));
        for s in mine.iter().filter(|s| s.kind == SensorKind::CombustibleGas) {
            assert_eq!((s.thresholds.high, s.thresholds.high_high), (Some(25.0), Some(50.0)));
            assert_eq!(s.unit, "%LEL");
        }
    }
    for g in &d.gas_stations {
        let kinds: HashSet<_> = d
            .sensors
            .iter()
            .filter(|s| s.properties.site == SensorSite::GasStation && s.properties.site_id == g.id)
            .map(|s| s.properties.kind)
            .collect();
        assert!(
            kinds.contains(&SensorKind::PipePressure) && kinds.contains(&SensorKind::Flow),
            "station {}",
            g.id
        );
    }
    let weather = d
        .sensors
        .iter()
        .filter(|s| s.properties.kind == SensorKind::Weather)
        .count();
    assert_eq!(weather, d.counties.len());
}

/// The second region (data/regions/yangquan): one city, five districts, no
/// rivers, basins or expressways listed.
fn small_region() -> &'static (crate::region::Region, Vec<CountyShape>, Dataset) {
    static DATA: OnceLock<(crate::region::Region, Vec<CountyShape>, Dataset)> = OnceLock::new();
    DATA.get_or_init(|| {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/regions/yangquan");
        let region = crate::region::Region::read(&folder).expect("region.toml");
        let counties = read_region_counties(&region, Path::new("/nonexistent")).expect("counties");
        let data = generate_in(&region, &counties, Options { seed: 7, scale: 1 }, &Silent).expect("generate");
        (region, counties, data)
    })
}

#[test]
fn a_second_region_gets_a_whole_dataset_of_its_own() {
    let (region, counties, d) = small_region();
    assert_eq!(counties.len(), 5);
    assert_eq!(d.counties.len(), 5);
    assert!(d.counties.iter().all(|c| c.properties.city == "阳泉市"));
    for (id, n) in d.counts() {
        assert!(n > 0 || id == "incidents", "{id} is empty");
    }
    assert_eq!(d.enterprises.len(), ENTERPRISES_PER_SCALE);
    // The census total of the region, not Shanxi's.
    let people: u64 = d.population.iter().map(|c| u64::from(c.properties.population)).sum();
    assert_eq!(people, region.population());
    assert_eq!(people, 1_318_505);
    // Everything lies in the region's own counties.
    let inside = |f: &Feature<crate::model::Enterprise>| {
        let c = &counties[(f.properties.county_id - 1) as usize];
        c.shape.contains(&point(&f.geometry))
    };
    assert!(d.enterprises.iter().all(inside));
    for t in &d.rescue_teams {
        let c = &counties[(t.properties.county_id - 1) as usize];
        assert!(c.shape.contains(&point(&t.geometry)), "team {}", t.id);
        assert_eq!(t.properties.city, "阳泉市");
    }
    // A region without rivers or basins has no flood or seismic zones drawn from Shanxi's.
    use crate::model::DisasterKind;
    assert!(
        !d.disaster_zones
            .iter()
            .any(|z| matches!(z.properties.kind, DisasterKind::Flood | DisasterKind::Seismic))
    );
    assert!(!d.disaster_zones.iter().any(|z| z.properties.name.contains("汾河")));
    // Its roads form one network, and its credit codes are valid.
    assert_eq!(
        components(d.roads.iter().map(|r| (r.properties.from_node, r.properties.to_node))),
        1
    );
    assert!(
        !d.roads
            .iter()
            .any(|r| r.properties.road_class == crate::model::RoadClass::Expressway)
    );
    assert!(
        d.enterprises
            .iter()
            .all(|e| names::credit_code_is_valid(&e.properties.credit_code))
    );
    // Addresses and the region's own warehouse name its province and city, nothing else.
    assert!(
        d.enterprises
            .iter()
            .all(|e| e.properties.address.starts_with("山西省阳泉市"))
    );
    let networks: HashSet<_> = d.gas_pipes.iter().map(|p| p.properties.network.as_str()).collect();
    assert_eq!(networks, HashSet::from(["阳泉市"]));
}

#[test]
fn a_region_naming_a_county_its_boundaries_lack_is_refused() {
    let (region, counties, _) = small_region();
    let mut wrong = region.clone();
    wrong.geography.coal.push(["阳泉市".into(), "迎泽区".into()]);
    let err = generate_in(&wrong, counties, Options::default(), &Silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("阳泉市迎泽区"), "{err}");
    let mut wrong = region.clone();
    wrong.census.cities[0].name = "太原市".into();
    wrong.census.cities[0].seat = "城区".into();
    let err = generate_in(&wrong, counties, Options::default(), &Silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("太原市"), "{err}");
}
