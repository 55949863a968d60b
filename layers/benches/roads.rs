//! The road network's costs per edge: building it from OSM ways (split at
//! junctions, largest strongly connected component: `roads_osm::build`), then
//! the routing graph's input and its contraction hierarchy (fast_paths:
//! `RoadGraph::build_timed`), on synthetic square street grids of growing size
//! (every fifth street one-way, alternating). Reports times; asserts only
//! that the grid came out as one network, never a speed.
//!
//! `cargo bench -p lookout-layers --bench roads` (sizes in edges:
//! `ROADS_BENCH_EDGES=10000,100000,1000000`).

use geo::Coord;
use lookout_layers::Layer;
use lookout_layers::roads_osm::{self, OsmWay};
use lookout_layers::routing::RoadGraph;
use std::collections::HashMap;
use std::time::Instant;

/// A grid of `side` × `side` nodes 100 m apart: rows and columns are ways, about 2·side² edges.
fn grid(side: usize) -> (Vec<OsmWay>, HashMap<i64, Coord<f64>>) {
    let id = |r: usize, c: usize| (r * side + c + 1) as i64;
    let mut nodes = HashMap::with_capacity(side * side);
    let (dx, dy) = (0.001_13, 0.000_9);
    for r in 0..side {
        for c in 0..side {
            nodes.insert(
                id(r, c),
                Coord {
                    x: 112.0 + c as f64 * dx,
                    y: 37.0 + r as f64 * dy,
                },
            );
        }
    }
    let tags = |n: usize, highway: &str| {
        let mut t = vec![("highway".to_owned(), highway.to_owned())];
        if n % 5 == 2 {
            t.push(("oneway".to_owned(), if n % 10 == 2 { "yes" } else { "-1" }.to_owned()));
        }
        t
    };
    let mut ways = Vec::with_capacity(2 * side);
    for r in 0..side {
        let highway = if r % 10 == 0 { "primary" } else { "residential" };
        ways.push(OsmWay {
            id: ways.len() as i64 + 1,
            refs: (0..side).map(|c| id(r, c)).collect(),
            tags: tags(r, highway),
        });
    }
    for c in 0..side {
        let highway = if c % 10 == 0 { "secondary" } else { "residential" };
        ways.push(OsmWay {
            id: ways.len() as i64 + 1,
            refs: (0..side).map(|r| id(r, c)).collect(),
            tags: tags(c, highway),
        });
    }
    (ways, nodes)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ROADS_BENCH_EDGES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "edges      | OSM build s | µs/edge | graph input s | µs/edge | CH prepare s | µs/edge | s per 100k edges (build + CH)"
    );
    for target in sizes {
        let side = ((target as f64 / 2.0).sqrt().ceil() as usize).max(2);
        let (ways, nodes) = grid(side);
        let started = Instant::now();
        let imported = roads_osm::build(&ways, &nodes);
        let osm = started.elapsed().as_secs_f64();
        let edges = imported.roads.len();
        let junctions = imported.report.junctions;
        let layer = Layer::new(imported.roads);
        let (graph, input, prepare) = RoadGraph::build_timed(&layer);
        let (input, prepare) = (input.as_secs_f64(), prepare.as_secs_f64());
        let per = |s: f64| s / edges as f64 * 1e6;
        println!(
            "{edges:>10} | {osm:>11.2} | {:>7.2} | {input:>13.2} | {:>7.2} | {prepare:>12.2} | {:>7.2} | {:.2}",
            per(osm),
            per(input),
            per(prepare),
            (osm + input + prepare) / edges as f64 * 1e5,
        );
        // A corner between two one-way streets that both lead away from it
        // cannot be reached: the import drops it, as it should.
        assert_eq!(
            graph.node_count(),
            junctions,
            "the routing graph is the network the import kept"
        );
        if junctions < side * side {
            println!(
                "           ({} of {} junctions unreachable, dropped)",
                side * side - junctions,
                side * side
            );
        }
    }
}
