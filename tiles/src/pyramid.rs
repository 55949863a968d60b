//! A cluster pyramid: point counts per grid cell for every zoom below a
//! layer's clustering limit, kept up to date point by point, so a low-zoom
//! tile of a million points is read from a few hundred cells instead of
//! clustering the points on each request.
//!
//! Cells are those of [`crate::cluster::Clusterer`]: `cell` tile units wide,
//! aligned with the tile grid, so a tile holds `extent / cell` cells a side.
//! Each cell counts its points by severity rank, so removing a point keeps the
//! worst rank exact.

use crate::cluster::{Cluster, slot};
use crate::grid::{MAX_LATITUDE, TileCoord};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher for cell keys (two u32s): the default SipHash
/// costs more than the rest of building a pyramid.
#[derive(Debug, Default, Clone, Copy)]
struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type CellMap = HashMap<(u32, u32), Cell, BuildHasherDefault<CellHasher>>;

pub use crate::cluster::RANKS;

#[derive(Debug, Clone, Default)]
struct Cell {
    count: u32,
    sum_x: f64,
    sum_y: f64,
    by_rank: [u32; RANKS],
}

impl Cell {
    /// Adds the points of `other`.
    fn merge(&mut self, other: &Cell) {
        self.count += other.count;
        self.sum_x += other.sum_x;
        self.sum_y += other.sum_y;
        for (a, b) in self.by_rank.iter_mut().zip(other.by_rank) {
            *a += b;
        }
    }
}

/// The pyramid of one layer.
#[derive(Debug, Clone)]
pub struct ClusterPyramid {
    /// Zooms 0..levels.len() are kept.
    levels: Vec<CellMap>,
    cells_per_tile: u32,
    extent: u32,
}

/// Web Mercator position in the unit square (x east, y south).
fn unit(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = ((lon + 180.0) / 360.0).clamp(0.0, 1.0 - f64::EPSILON);
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0).clamp(0.0, 1.0 - f64::EPSILON);
    (x, y)
}

impl ClusterPyramid {
    /// A pyramid for zooms below `below`, with cells `cell` units wide at extent `extent`.
    pub fn new(below: u8, extent: u32, cell: u32) -> Self {
        Self {
            levels: vec![CellMap::default(); usize::from(below)],
            cells_per_tile: (extent / cell.max(1)).max(1),
            extent,
        }
    }

    /// Whether zoom `z` is served from the pyramid.
    pub fn covers(&self, z: u8) -> bool {
        usize::from(z) < self.levels.len()
    }

    fn key(&self, z: usize, x: f64, y: f64) -> (u32, u32) {
        let n = f64::from(self.cells_per_tile) * (1u64 << z) as f64;
        ((x * n) as u32, (y * n) as u32)
    }

    fn update(&mut self, lon: f64, lat: f64, rank: Option<u8>, sign: i8) {
        let (x, y) = unit(lon, lat);
        let slot = slot(rank);
        for z in 0..self.levels.len() {
            let key = self.key(z, x, y);
            let cells = &mut self.levels[z];
            let cell = cells.entry(key).or_default();
            if sign > 0 {
                cell.count += 1;
                cell.sum_x += x;
                cell.sum_y += y;
                cell.by_rank[slot] += 1;
            } else {
                cell.count = cell.count.saturating_sub(1);
                cell.sum_x -= x;
                cell.sum_y -= y;
                cell.by_rank[slot] = cell.by_rank[slot].saturating_sub(1);
                if cell.count == 0 {
                    cells.remove(&key);
                }
            }
        }
    }

    /// Builds the pyramid of many points at once: the deepest level from the
    /// points, every coarser level from the level below (four cells into one),
    /// which is several times faster than adding points one by one.
    pub fn from_points(
        below: u8,
        extent: u32,
        cell: u32,
        points: impl IntoIterator<Item = (f64, f64, Option<u8>)>,
    ) -> Self {
        let mut p = Self::new(below, extent, cell);
        let Some(deepest) = p.levels.len().checked_sub(1) else {
            return p;
        };
        p.count_into_deepest(deepest, points);
        p.fill_coarser(deepest);
        p
    }

    /// [`Self::from_points`] over a slice, the deepest level counted on
    /// every core (a part each, then added together): the same cells and
    /// counts; the centroids' sums may differ in their last bits.
    pub fn from_point_slice(below: u8, extent: u32, cell: u32, points: &[(f64, f64, Option<u8>)]) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        if points.len() < 65_536 || threads == 1 {
            return Self::from_points(below, extent, cell, points.iter().copied());
        }
        let mut p = Self::new(below, extent, cell);
        let Some(deepest) = p.levels.len().checked_sub(1) else {
            return p;
        };
        let empty = &p;
        let parts: Vec<CellMap> = std::thread::scope(|scope| {
            let handles: Vec<_> = points
                .chunks(points.len().div_ceil(threads))
                .map(|part| {
                    scope.spawn(move || {
                        let mut one = empty.clone();
                        one.count_into_deepest(deepest, part.iter().copied());
                        std::mem::take(&mut one.levels[deepest])
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut parts = parts.into_iter();
        let mut all = parts.next().unwrap_or_default();
        for part in parts {
            for (key, fine) in part {
                all.entry(key).or_default().merge(&fine);
            }
        }
        p.levels[deepest] = all;
        p.fill_coarser(deepest);
        p
    }

    /// Counts `points` into the cells of level `deepest`.
    fn count_into_deepest(&mut self, deepest: usize, points: impl IntoIterator<Item = (f64, f64, Option<u8>)>) {
        for (lon, lat, rank) in points {
            let (x, y) = unit(lon, lat);
            let key = self.key(deepest, x, y);
            let c = self.levels[deepest].entry(key).or_default();
            c.count += 1;
            c.sum_x += x;
            c.sum_y += y;
            c.by_rank[slot(rank)] += 1;
        }
    }

    /// Every level above `deepest` from the one below it (four cells into one).
    fn fill_coarser(&mut self, deepest: usize) {
        let p = self;
        for z in (0..deepest).rev() {
            let mut coarser = CellMap::with_capacity_and_hasher(p.levels[z + 1].len() / 2, Default::default());
            for (&(cx, cy), fine) in &p.levels[z + 1] {
                coarser.entry((cx / 2, cy / 2)).or_default().merge(fine);
            }
            p.levels[z] = coarser;
        }
    }

    /// Counts a point.
    pub fn add(&mut self, lon: f64, lat: f64, rank: Option<u8>) {
        self.update(lon, lat, rank, 1);
    }

    /// Uncounts a point added before with the same position and rank.
    pub fn remove(&mut self, lon: f64, lat: f64, rank: Option<u8>) {
        self.update(lon, lat, rank, -1);
    }

    /// The clusters of a tile: cells whose centroid lies within the tile plus
    /// `buffer` units, in tile units, with a stable id per cell.
    pub fn clusters(&self, tile: TileCoord, buffer: u32) -> Vec<Cluster> {
        let Some(cells) = self.levels.get(usize::from(tile.z)) else {
            return Vec::new();
        };
        let per = self.cells_per_tile;
        let scale = f64::from(self.extent) * (1u64 << tile.z) as f64;
        let (lo, hi) = (-f64::from(buffer), f64::from(self.extent + buffer));
        let mut out = Vec::new();
        // The tile's cells and a ring of neighbours, whose centroids may fall in the buffer.
        let (x0, y0) = ((tile.x * per).saturating_sub(1), (tile.y * per).saturating_sub(1));
        for cy in y0..=(tile.y * per + per) {
            for cx in x0..=(tile.x * per + per) {
                let Some(c) = cells.get(&(cx, cy)) else { continue };
                let n = f64::from(c.count);
                let at = [
                    c.sum_x / n * scale - f64::from(tile.x) * f64::from(self.extent),
                    c.sum_y / n * scale - f64::from(tile.y) * f64::from(self.extent),
                ];
                if !(lo..=hi).contains(&at[0]) || !(lo..=hi).contains(&at[1]) {
                    continue;
                }
                let worst_rank = c.by_rank[..RANKS - 1].iter().position(|k| *k > 0).map(|r| r as u8);
                out.push(Cluster {
                    at: [at[0].round() as i32, at[1].round() as i32],
                    count: c.count,
                    worst_rank,
                    by_rank: c.by_rank,
                    first_id: (u64::from(tile.z) << 56) | (u64::from(cy) << 28) | u64::from(cx),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cells_of_the_tiles_of_a_zoom_count_every_point_once() {
        let mut p = ClusterPyramid::new(8, 4096, 256);
        let points = [
            (112.5, 37.8, Some(2)),
            (112.51, 37.81, Some(0)),
            (111.0, 35.0, None),
            (113.9, 40.0, Some(3)),
        ];
        for (x, y, r) in points {
            p.add(x, y, r);
        }
        for z in 0..8u8 {
            let mut total = 0;
            let n = 1u32 << z;
            // Only centroids inside the tile proper, so each cell is counted once.
            for x in 0..n {
                for y in 0..n {
                    let t = TileCoord::new(z, x, y).unwrap();
                    total += p
                        .clusters(t, 0)
                        .iter()
                        .filter(|c| (0..4096).contains(&c.at[0]) && (0..4096).contains(&c.at[1]))
                        .map(|c| c.count)
                        .sum::<u32>();
                }
            }
            assert_eq!(total, 4, "zoom {z}");
        }
        let t = TileCoord::at(112.5, 37.8, 7).unwrap();
        let c = p.clusters(t, 0);
        let near = c
            .iter()
            .find(|c| c.count == 2)
            .expect("the two close points share a cell");
        assert_eq!(near.worst_rank, Some(0));
        assert_eq!(near.by_rank[..3], [1, 0, 1]);
    }

    #[test]
    fn bulk_building_gives_the_same_cells_as_adding_one_by_one() {
        let points: Vec<(f64, f64, Option<u8>)> = (0..500)
            .map(|i| {
                (
                    110.0 + f64::from(i % 37) * 0.13,
                    35.0 + f64::from(i % 23) * 0.21,
                    Some((i % 4) as u8),
                )
            })
            .collect();
        let bulk = ClusterPyramid::from_points(9, 4096, 256, points.iter().copied());
        let mut one = ClusterPyramid::new(9, 4096, 256);
        for (x, y, r) in &points {
            one.add(*x, *y, *r);
        }
        for z in 0..9u8 {
            let t = TileCoord::at(111.5, 37.0, z).unwrap();
            let (a, b) = (bulk.clusters(t, 64), one.clusters(t, 64));
            assert_eq!(a.len(), b.len(), "zoom {z}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    (x.count, x.worst_rank, x.by_rank, x.first_id),
                    (y.count, y.worst_rank, y.by_rank, y.first_id)
                );
                assert!((x.at[0] - y.at[0]).abs() <= 1 && (x.at[1] - y.at[1]).abs() <= 1);
            }
        }
    }

    #[test]
    fn building_on_every_core_gives_the_same_cells_as_one_pass() {
        // Enough points to be cut into parts (one per core).
        let points: Vec<(f64, f64, Option<u8>)> = (0..200_000u32)
            .map(|i| {
                (
                    110.0 + f64::from(i % 397) * 0.0131,
                    35.0 + f64::from(i % 229) * 0.0211,
                    (i % 5 != 4).then_some((i % 4) as u8),
                )
            })
            .collect();
        let parallel = ClusterPyramid::from_point_slice(12, 4096, 256, &points);
        let one = ClusterPyramid::from_points(12, 4096, 256, points.iter().copied());
        for z in 0..12u8 {
            let t = TileCoord::at(112.0, 37.0, z).unwrap();
            let (a, b) = (parallel.clusters(t, 64), one.clusters(t, 64));
            assert!(!a.is_empty(), "zoom {z}");
            assert_eq!(a.len(), b.len(), "zoom {z}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    (x.count, x.worst_rank, x.by_rank, x.first_id),
                    (y.count, y.worst_rank, y.by_rank, y.first_id)
                );
                assert!((x.at[0] - y.at[0]).abs() <= 1 && (x.at[1] - y.at[1]).abs() <= 1);
            }
        }
    }

    #[test]
    fn removing_a_point_restores_the_worst_rank_below_it() {
        let mut p = ClusterPyramid::new(4, 4096, 256);
        p.add(112.5, 37.8, Some(3));
        p.add(112.5001, 37.8001, Some(0));
        p.remove(112.5001, 37.8001, Some(0));
        let t = TileCoord::at(112.5, 37.8, 3).unwrap();
        let c = p.clusters(t, 64);
        assert_eq!((c.len(), c[0].count, c[0].worst_rank), (1, 1, Some(3)));
        assert_eq!(c[0].by_rank[..4], [0, 0, 0, 1]);
        p.remove(112.5, 37.8, Some(3));
        assert!(p.clusters(t, 64).is_empty());
    }
}
