//! City gas networks: a gate station feeding a high-pressure line into a
//! sub-high ring, regulators stepping down into a medium-pressure street grid,
//! low-pressure branches off the grid. Pipes share end nodes, so each city's
//! network is one connected graph.

use super::places::Province;
use super::sample::{offset_km, round6};
use crate::feature::Feature;
use crate::geodesy::distance_m;
use crate::model::{GasPipe, GasStation, GasValve, PressureClass, StationKind};
use geo::{Coord, LineString, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The three gas layers.
#[derive(Debug, Default)]
pub(super) struct GasNetworks {
    pub pipes: Vec<Feature<GasPipe>>,
    pub valves: Vec<Feature<GasValve>>,
    pub stations: Vec<Feature<GasStation>>,
}

struct Builder<'r> {
    rng: &'r mut ChaCha8Rng,
    network: String,
    node_base: u64,
    nodes: Vec<Coord<f64>>,
    out: GasNetworks,
}

impl Builder<'_> {
    fn node(&mut self, c: Coord<f64>) -> u64 {
        self.nodes.push(round6(c));
        self.node_base + self.nodes.len() as u64 - 1
    }

    fn at(&self, node: u64) -> Coord<f64> {
        self.nodes[(node - self.node_base) as usize]
    }

    fn pipe(&mut self, from: u64, to: u64, class: PressureClass) {
        let (a, b) = (self.at(from), self.at(to));
        let year = match class {
            PressureClass::High | PressureClass::SubHigh => self.rng.random_range(2000..2024),
            _ => self.rng.random_range(1985..2024),
        };
        let (diameter_mm, material) = match class {
            PressureClass::High => ([508, 610, 711][self.rng.random_range(0..3)], "steel"),
            PressureClass::SubHigh => ([323, 406, 457][self.rng.random_range(0..3)], "steel"),
            PressureClass::Medium if year < 2000 => ([219, 273, 325][self.rng.random_range(0..3)], "steel"),
            PressureClass::Medium => ([160, 200, 250, 315][self.rng.random_range(0..4)], "pe"),
            PressureClass::Low if year < 1995 => ([100, 150][self.rng.random_range(0..2)], "ductile_iron"),
            PressureClass::Low => ([63, 90, 110][self.rng.random_range(0..3)], "pe"),
        };
        let id = self.out.pipes.len() as u64 + 1;
        self.out.pipes.push(Feature {
            id,
            geometry: geo::Geometry::LineString(LineString::new(vec![a, b])),
            properties: GasPipe {
                external_id: None,
                network: self.network.clone(),
                pressure_class: class,
                diameter_mm,
                material: material.into(),
                install_year: year,
                length_m: distance_m(a, b).round(),
                from_node: from,
                to_node: to,
            },
        });
    }

    fn valve(&mut self, node: u64, class: PressureClass, diameter_mm: u32) {
        let id = self.out.valves.len() as u64 + 1;
        let operable = self.rng.random_range(0..100) < 88;
        let install_year = self.rng.random_range(1990..2024);
        self.out.valves.push(Feature {
            id,
            geometry: geo::Geometry::Point(Point(self.at(node))),
            properties: GasValve {
                external_id: None,
                network: self.network.clone(),
                node,
                pressure_class: class,
                diameter_mm,
                operable,
                install_year,
            },
        });
    }

    fn station(&mut self, node: u64, name: String, kind: StationKind, outlet: PressureClass, capacity_m3_h: u32) {
        let id = self.out.stations.len() as u64 + 1;
        self.out.stations.push(Feature {
            id,
            geometry: geo::Geometry::Point(Point(self.at(node))),
            properties: GasStation {
                external_id: None,
                name,
                network: self.network.clone(),
                kind,
                node,
                outlet_pressure_class: outlet,
                capacity_m3_h,
            },
        });
    }
}

pub(super) fn generate(province: &Province<'_>, rng: &mut ChaCha8Rng) -> GasNetworks {
    let mut b = Builder {
        rng,
        network: String::new(),
        node_base: 0,
        nodes: Vec::new(),
        out: GasNetworks::default(),
    };
    for (n, (city, core, size)) in province.region.geography.gas.iter().enumerate() {
        let Some(index) = province.find(city, core) else {
            continue;
        };
        let centre = province.counties[index].label;
        b.network = city.clone();
        b.node_base = (n as u64 + 1) * 1_000_000;
        b.nodes.clear();
        build_city(&mut b, centre, *size);
    }
    b.out
}

fn build_city(b: &mut Builder<'_>, centre: Coord<f64>, size: usize) {
    let spacing_km = 1.1;
    let half = (size - 1) as f64 * spacing_km / 2.0;
    let short = b.network.trim_end_matches('市').to_owned();

    // Medium-pressure street grid.
    let mut grid = vec![vec![0u64; size]; size];
    for (i, row) in grid.iter_mut().enumerate() {
        for (j, slot) in row.iter_mut().enumerate() {
            let jitter = (b.rng.random_range(-0.15..0.15), b.rng.random_range(-0.15..0.15));
            let c = offset_km(
                centre,
                i as f64 * spacing_km - half + jitter.0,
                j as f64 * spacing_km - half + jitter.1,
            );
            *slot = b.node(c);
        }
    }
    for i in 0..size {
        for j in 0..size {
            if i + 1 < size {
                b.pipe(grid[i][j], grid[i + 1][j], PressureClass::Medium);
            }
            if j + 1 < size {
                b.pipe(grid[i][j], grid[i][j + 1], PressureClass::Medium);
            }
            if b.rng.random_range(0..100) < 40 {
                b.valve(grid[i][j], PressureClass::Medium, 200);
            }
        }
    }

    // Sub-high ring round the grid.
    let ring_km = half + 1.6;
    let ring_count = 12 + size;
    let ring: Vec<u64> = (0..ring_count)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / ring_count as f64;
            b.node(offset_km(centre, ring_km * t.cos(), ring_km * t.sin()))
        })
        .collect();
    for k in 0..ring_count {
        b.pipe(ring[k], ring[(k + 1) % ring_count], PressureClass::SubHigh);
        b.valve(ring[k], PressureClass::SubHigh, 406);
    }

    // Regulators from the ring into the grid's edge, at the four sides.
    let edges = [(0, size / 2), (size - 1, size / 2), (size / 2, 0), (size / 2, size - 1)];
    for (n, (i, j)) in edges.into_iter().enumerate() {
        let target = grid[i][j];
        let t = b.at(target);
        let nearest = *ring
            .iter()
            .min_by(|x, y| distance_m(b.at(**x), t).total_cmp(&distance_m(b.at(**y), t)))
            .unwrap_or(&ring[0]);
        let r = b.at(nearest);
        let mid = b.node(Coord {
            x: (r.x + t.x) / 2.0,
            y: (r.y + t.y) / 2.0,
        });
        b.pipe(nearest, mid, PressureClass::SubHigh);
        b.pipe(mid, target, PressureClass::Medium);
        b.valve(mid, PressureClass::Medium, 315);
        let capacity = b.rng.random_range(5..30) * 1_000;
        b.station(
            mid,
            format!("{short}{}调压站", ["东", "西", "南", "北"][n]),
            StationKind::Regulator,
            PressureClass::Medium,
            capacity,
        );
    }

    // Gate station outside the ring, high-pressure line in.
    let bearing = b.rng.random_range(0.0..std::f64::consts::TAU);
    let gate_km = ring_km + 5.0;
    let gate = b.node(offset_km(centre, gate_km * bearing.cos(), gate_km * bearing.sin()));
    let capacity = b.rng.random_range(50..200) * 1_000;
    b.station(
        gate,
        format!("{short}门站"),
        StationKind::Gate,
        PressureClass::High,
        capacity,
    );
    let entry = *ring
        .iter()
        .min_by(|x, y| distance_m(b.at(**x), b.at(gate)).total_cmp(&distance_m(b.at(**y), b.at(gate))))
        .unwrap_or(&ring[0]);
    let mut prev = gate;
    for step in 1..=3 {
        let f = step as f64 / 4.0;
        let (g, e) = (b.at(gate), b.at(entry));
        let c = Coord {
            x: g.x + (e.x - g.x) * f,
            y: g.y + (e.y - g.y) * f,
        };
        let node = b.node(c);
        b.pipe(prev, node, PressureClass::High);
        b.valve(node, PressureClass::High, 610);
        prev = node;
    }
    b.pipe(prev, entry, PressureClass::High);
    let capacity = b.rng.random_range(30..120) * 1_000;
    b.station(
        entry,
        format!("{short}高中压调压站"),
        StationKind::Regulator,
        PressureClass::SubHigh,
        capacity,
    );

    // Low-pressure branches off some grid nodes, each behind a small regulator.
    for &start in grid.iter().flatten() {
        if b.rng.random_range(0..100) >= 30 {
            continue;
        }
        let mut prev = start;
        let dir = b.rng.random_range(0.0..std::f64::consts::TAU);
        for step in 0..b.rng.random_range(1..=3) {
            let c = offset_km(b.at(prev), 0.35 * dir.cos(), 0.35 * dir.sin());
            let node = b.node(c);
            b.pipe(
                prev,
                node,
                if step == 0 {
                    PressureClass::Medium
                } else {
                    PressureClass::Low
                },
            );
            if step == 0 {
                let name = format!("{short}{}号小区调压箱", b.out.stations.len() + 1);
                b.station(node, name, StationKind::Regulator, PressureClass::Low, 500);
            }
            prev = node;
        }
    }
}
