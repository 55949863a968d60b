//! `lookout import --layer roads`: an OSM fixture written for the test
//! (tests/fixtures/roads-small.osm), converted to PBF by Debian's osmium-tool
//! (`scripts/setup --test` installs it), read back and built into a network.

use geo::Geometry;
use lookout_layers::model::RoadClass;
use lookout_layers::roads_osm;
use lookout_layers::routing::RoadGraph;
use lookout_layers::{Dataset, Layer};
use std::path::Path;
use std::process::Command;

fn fixture_pbf(dir: &Path) -> std::path::PathBuf {
    let osm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roads-small.osm");
    to_pbf(&osm, dir)
}

fn to_pbf(osm: &Path, dir: &Path) -> std::path::PathBuf {
    let pbf = dir.join(osm.file_name().expect("a file")).with_extension("osm.pbf");
    let status = Command::new("osmium")
        .arg("cat")
        .arg(osm)
        .arg("-o")
        .arg(&pbf)
        .arg("--overwrite")
        .status()
        .expect("osmium-tool is installed (scripts/setup --test)");
    assert!(status.success(), "osmium cat failed");
    pbf
}

#[test]
fn a_pbf_becomes_the_largest_strongly_connected_network() {
    let dir = tempfile::tempdir().unwrap();
    let imported = roads_osm::read_pbf(&fixture_pbf(dir.path())).expect("reads");
    let r = &imported.report;
    assert_eq!(r.highway_ways, 14);
    assert_eq!(r.ways_kept, 12, "{r:#?}");
    // A private service road and a footway are left out.
    assert_eq!(r.ways_skipped.get("access no or private"), Some(&1), "{r:#?}");
    assert_eq!(r.ways_skipped.values().sum::<usize>(), 2);
    // Ways split at junctions: 19 edges; the island (1) and the one-way spur
    // out of town that never comes back (1) are dropped with their 3 junctions.
    assert_eq!(r.edges, 17, "{r:#?}");
    assert_eq!(r.edges_dropped, 2);
    assert_eq!(r.components, 3);
    assert_eq!(r.junctions, 12);
    assert_eq!(r.junctions_dropped, 3);
    // One-way: a oneway=yes street (2), a oneway=-1 street (2), a motorway and
    // its link (implied, 2), a roundabout (split in 2).
    assert_eq!(r.oneway_edges, 8);
    assert!(!imported.roads.iter().any(|f| f.properties.name.contains("孤岛路")));

    let by_way = |name: &str| {
        imported
            .roads
            .iter()
            .filter(|f| f.properties.name == name)
            .collect::<Vec<_>>()
    };
    // Name from ref and name; class and OSRM speed by highway.
    let g207 = by_way("G207 太长线");
    assert_eq!(g207.len(), 2);
    assert!(
        g207.iter()
            .all(|f| f.properties.road_class == RoadClass::National && f.properties.speed_kmh == 65)
    );
    let motorway = by_way("G5");
    assert_eq!(motorway.len(), 1);
    assert_eq!(motorway[0].properties.speed_kmh, 90);
    assert!(motorway[0].properties.oneway);
    // maxspeed=30 lowers the tertiary's 40 km/h to 80 % of the limit.
    assert!(imported.roads.iter().any(|f| f.properties.speed_kmh == 24));
    // oneway=-1: nodes 9 → 6 → 3 drawn, driven 3 → 6 → 9: the edges are turned round.
    let reversed: Vec<_> = imported
        .roads
        .iter()
        .filter(|f| f.properties.oneway && f.properties.road_class == RoadClass::County && f.properties.speed_kmh == 40)
        .map(|f| (f.properties.from_node, f.properties.to_node))
        .collect();
    assert!(reversed.contains(&(3, 6)) && reversed.contains(&(6, 9)), "{reversed:?}");

    // Coordinates come through within 0.5 m: node 1 is at 113.58, 37.86.
    let first = imported
        .roads
        .iter()
        .find(|f| f.properties.from_node == 1)
        .expect("an edge from node 1");
    let Geometry::LineString(line) = &first.geometry else {
        panic!("a line")
    };
    let start = line.0[0];
    let metres = lookout_layers::geodesy::distance_m(start, geo::Coord { x: 113.58, y: 37.86 });
    assert!(metres < 0.5, "{metres} m off");

    // The network routes: every junction reaches every other.
    let layer = Layer::new(imported.roads.clone());
    let graph = RoadGraph::build(&layer);
    assert_eq!(graph.node_count(), 12);
    assert!((1..graph.node_count()).all(|n| graph.dijkstra_ms(0, n).is_some() && graph.dijkstra_ms(n, 0).is_some()));
}

#[test]
fn imported_roads_replace_the_generated_network_and_name_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let imported = roads_osm::read_pbf(&fixture_pbf(dir.path())).expect("reads");
    let store = roads_osm::imported_dir(dir.path(), "yangquan");
    assert_eq!(roads_osm::imported_base(&store).unwrap(), 0, "nothing imported yet");
    roads_osm::save(&store, &imported).unwrap();
    let base = roads_osm::imported_base(&store).unwrap();
    assert_ne!(base, 0);
    assert_eq!(base, imported.report.base());
    let mut dataset = Dataset::default();
    assert!(roads_osm::overlay_imported(&mut dataset, &store).unwrap());
    assert_eq!(dataset.roads, imported.roads);
    // The same file gives the same hash; the hash is of the network, not the file's bytes.
    let again = roads_osm::read_pbf(&fixture_pbf(dir.path())).unwrap();
    assert_eq!(again.report.sha256, imported.report.sha256);
    // A damaged file is refused with a reason, nothing written.
    let bad = dir.path().join("bad.osm.pbf");
    std::fs::write(&bad, b"not a pbf").unwrap();
    let err = roads_osm::read_pbf(&bad).unwrap_err().to_string();
    assert!(err.contains("OSM PBF"), "{err}");
}

/// The route from 西路 to 北路 (tests/fixtures/roads-turns.osm), in seconds
/// and as the junctions passed, over the network `osm` builds.
fn west_to_north(osm_text: &str, dir: &Path) -> (roads_osm::Imported, f64, Vec<geo::Coord<f64>>) {
    let osm = dir.join("roads-turns.osm");
    std::fs::write(&osm, osm_text).expect("written");
    let imported = roads_osm::read_pbf(&to_pbf(&osm, dir)).expect("reads");
    let layer = Layer::new(imported.roads.clone());
    let graph = RoadGraph::build(&layer);
    let start = graph
        .snap(&layer, geo::Coord { x: 113.585, y: 37.86 }, 50.0)
        .expect("on 西路");
    let end = graph
        .snap(&layer, geo::Coord { x: 113.59, y: 37.866 }, 50.0)
        .expect("on 北路");
    let route = graph.route(&mut graph.calculator(), &start, &end).expect("a route");
    (imported, route.time_s, route.path)
}

#[test]
fn a_no_left_turn_sends_the_route_round_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roads-turns.osm")).unwrap();
    let corner_c = geo::Coord { x: 113.60, y: 37.86 };
    let passes = |path: &[geo::Coord<f64>], c: geo::Coord<f64>| {
        path.iter().any(|p| lookout_layers::geodesy::distance_m(*p, c) < 0.5)
    };

    // Without the relations: left at junction 2, 439 m + 667 m at 25 km/h.
    let start = text.find("<relation").unwrap();
    let end = text.rfind("</relation>").unwrap() + "</relation>".len();
    let plain = format!("{}{}", &text[..start], &text[end..]);
    let (free, free_s, free_path) = west_to_north(&plain, dir.path());
    assert_eq!(free.report.restrictions, 0);
    assert_eq!(free.report.edges, 5);
    assert!((free_s - 1106.0 / (25.0 / 3.6)).abs() < 10.0, "{free_s}");
    assert!(!passes(&free_path, corner_c));

    // With them: no left turn from 西路 onto 北路. The route goes on east to
    // junction 4 and comes back (or round by 5 and 3): at least 2.8 km.
    let (turns, turns_s, turns_path) = west_to_north(&text, dir.path());
    let r = &turns.report;
    assert_eq!(r.restrictions, 2, "{r:#?}");
    assert_eq!(r.restrictions_applied, 1);
    assert_eq!(r.restrictions_skipped.get("via a way: not read"), Some(&1), "{r:#?}");
    assert_eq!(r.restricted_junctions, 1);
    // At junction 2: 西路, 北路 and 东路 one edge per direction; three arrivals,
    // each departure copied once per arrival allowed onto it (3 × 3 − 1).
    assert_eq!(r.edges, 3 + 8 + 2, "{r:#?}");
    assert_eq!(r.components, 1);
    assert!(passes(&turns_path, corner_c), "{turns_path:?}");
    assert!(turns_s > 2800.0 / (25.0 / 3.6) - 10.0, "{turns_s} s");
    assert!(turns_s > 2.0 * free_s);
    // The turn itself is nowhere in the network: no edge that arrives from 西路 leaves onto 北路.
    let arrivals_from_west: Vec<u64> = turns
        .roads
        .iter()
        .filter(|f| f.properties.name == "西路" && f.properties.from_node == 1)
        .map(|f| f.properties.to_node)
        .collect();
    assert_eq!(arrivals_from_west.len(), 1);
    assert!(arrivals_from_west[0] >= roads_osm::TURN_NODE_BASE as u64);
    assert!(
        !turns
            .roads
            .iter()
            .any(|f| f.properties.name == "北路" && f.properties.from_node == arrivals_from_west[0])
    );
}
