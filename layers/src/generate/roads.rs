//! A connected province road network to route on.
//!
//! Junctions are the county seats, villages and city street corners.
//! Expressways join the cities along the real corridors, with interchanges
//! where they pass a county seat; national roads join every seat to the
//! province (a minimum spanning tree), provincial roads add each seat's nearest
//! neighbours; county roads reach the villages; each city seat has a street grid.

use super::places::Province;
use super::sample::{offset_km, round6, sample_in};
use crate::feature::Feature;
use crate::geodesy::distance_m;
use crate::model::{Road, RoadClass};
use geo::{Coord, LineString};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

struct Net<'r> {
    rng: &'r mut ChaCha8Rng,
    nodes: Vec<Coord<f64>>,
    roads: Vec<Feature<Road>>,
}

impl Net<'_> {
    fn node(&mut self, c: Coord<f64>) -> u64 {
        self.nodes.push(round6(c));
        self.nodes.len() as u64
    }

    fn at(&self, node: u64) -> Coord<f64> {
        self.nodes[(node - 1) as usize]
    }

    /// A road from `from` to `to`, bent a little through jittered midpoints.
    fn road(&mut self, from: u64, to: u64, class: RoadClass, name: String) {
        let (a, b) = (self.at(from), self.at(to));
        let km = distance_m(a, b) / 1000.0;
        let bends = ((km / 6.0) as usize).clamp(1, 8);
        let mut line = vec![a];
        for k in 1..bends {
            let f = k as f64 / bends as f64;
            let c = Coord {
                x: a.x + (b.x - a.x) * f,
                y: a.y + (b.y - a.y) * f,
            };
            let wiggle = km * 0.03;
            line.push(round6(offset_km(
                c,
                self.rng.random_range(-wiggle..=wiggle),
                self.rng.random_range(-wiggle..=wiggle),
            )));
        }
        line.push(b);
        let length_m = line.windows(2).map(|w| distance_m(w[0], w[1])).sum::<f64>().round();
        self.roads.push(Feature {
            id: self.roads.len() as u64 + 1,
            geometry: geo::Geometry::LineString(LineString::new(line)),
            properties: Road {
                name,
                road_class: class,
                speed_kmh: class.speed_kmh(),
                length_m,
                from_node: from,
                to_node: to,
                open: true,
                oneway: false,
            },
        });
    }
}

/// Union–find, for the spanning tree.
struct Sets(Vec<usize>);

impl Sets {
    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn join(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        self.0[ra] = rb;
        ra != rb
    }
}

pub(super) fn generate(province: &Province<'_>, rng: &mut ChaCha8Rng) -> Vec<Feature<Road>> {
    let counties = province.counties;
    let mut net = Net {
        rng,
        nodes: Vec::new(),
        roads: Vec::new(),
    };
    let seats: Vec<u64> = counties.iter().map(|c| net.node(c.label)).collect();

    // National roads: minimum spanning tree over the seats.
    let mut pairs = Vec::new();
    for i in 0..counties.len() {
        for j in i + 1..counties.len() {
            pairs.push((distance_m(counties[i].label, counties[j].label), i, j));
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut sets = Sets((0..counties.len()).collect());
    let mut linked = std::collections::HashSet::new();
    for &(_, i, j) in &pairs {
        if sets.join(i, j) {
            linked.insert((i, j));
            let name = format!("G{} 国道", 108 + (i + j) % 300);
            net.road(seats[i], seats[j], RoadClass::National, name);
        }
    }
    // Provincial roads: each seat to its two nearest other seats, if not linked yet.
    for i in 0..counties.len() {
        let mut near: Vec<(f64, usize)> = (0..counties.len())
            .filter(|&j| j != i)
            .map(|j| (distance_m(counties[i].label, counties[j].label), j))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(d, j) in near.iter().take(2) {
            let key = (i.min(j), i.max(j));
            if d < 60_000.0 && linked.insert(key) {
                net.road(
                    seats[i],
                    seats[j],
                    RoadClass::Provincial,
                    format!("S{} 省道", 200 + (i * 7 + j) % 150),
                );
            }
        }
    }

    // Expressways between cities, with interchanges at seats they pass within 12 km.
    // (The region's expressway corridors, between city seats; checked against its cities on load.)
    for [a, b, name] in &province.region.geography.expressways {
        let (Some(ia), Some(ib)) = (province.seat_of(a), province.seat_of(b)) else {
            continue;
        };
        let (pa, pb) = (counties[ia].label, counties[ib].label);
        let mut stops: Vec<(f64, usize)> = Vec::new();
        for (k, c) in counties.iter().enumerate() {
            if k == ia || k == ib {
                continue;
            }
            let (f, off_km) = project(pa, pb, c.label);
            if (0.05..0.95).contains(&f) && off_km < 12.0 {
                stops.push((f, k));
            }
        }
        stops.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut prev = seats[ia];
        for (f, k) in stops {
            let on_line = Coord {
                x: pa.x + (pb.x - pa.x) * f,
                y: pa.y + (pb.y - pa.y) * f,
            };
            let interchange = net.node(on_line);
            net.road(prev, interchange, RoadClass::Expressway, name.clone());
            net.road(
                interchange,
                seats[k],
                RoadClass::National,
                format!("{}连接线", counties[k].short_name()),
            );
            prev = interchange;
        }
        net.road(prev, seats[ib], RoadClass::Expressway, name.clone());
    }

    // County roads: villages joined to the nearest junction already in the county.
    for (i, county) in counties.iter().enumerate() {
        let mut local = vec![seats[i]];
        let villages = if county.is_district() { 2 } else { 8 };
        for v in 0..villages {
            let Some(at) = sample_in(net.rng, &county.shape, county.bbox) else {
                continue;
            };
            let village = net.node(at);
            let nearest = *local
                .iter()
                .min_by(|x, y| distance_m(net.at(**x), at).total_cmp(&distance_m(net.at(**y), at)))
                .unwrap_or(&seats[i]);
            net.road(
                nearest,
                village,
                RoadClass::County,
                format!("X{:03} {}县道", (i * 10 + v) % 1000, county.short_name()),
            );
            local.push(village);
        }
    }

    // Street grids round the city seats.
    for &i in &province.seats {
        let centre = counties[i].label;
        let size = 5usize;
        let mut grid = vec![vec![0u64; size]; size];
        for (r, row) in grid.iter_mut().enumerate() {
            for (c, slot) in row.iter_mut().enumerate() {
                *slot = if r == size / 2 && c == size / 2 {
                    seats[i]
                } else {
                    net.node(offset_km(centre, (r as f64 - 2.0) * 0.9, (c as f64 - 2.0) * 0.9))
                };
            }
        }
        for r in 0..size {
            for c in 0..size {
                if r + 1 < size {
                    net.road(
                        grid[r][c],
                        grid[r + 1][c],
                        RoadClass::Urban,
                        format!("{}城市道路", counties[i].city),
                    );
                }
                if c + 1 < size {
                    net.road(
                        grid[r][c],
                        grid[r][c + 1],
                        RoadClass::Urban,
                        format!("{}城市道路", counties[i].city),
                    );
                }
            }
        }
    }
    net.roads
}

/// Where `p` falls along a→b (0..1) and how far off the line it is, km (plane scaled by cos φ).
fn project(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> (f64, f64) {
    let k = a.y.to_radians().cos();
    let (dx, dy) = ((b.x - a.x) * k, b.y - a.y);
    let (px, py) = ((p.x - a.x) * k, p.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return (0.0, f64::INFINITY);
    }
    let f = (px * dx + py * dy) / len2;
    let off = (px - f * dx).hypot(py - f * dy) * 111.32;
    (f, off)
}
