//! Point clustering on a grid, for low zooms: one point per occupied cell,
//! carrying how many it stands for, how many of each rank, and the most
//! severe rank among them. What a rank means is the caller's business.

use std::collections::HashMap;

/// Ranks counted per cluster (0 = most severe); points without a rank, or
/// with a rank beyond the last, go in the last slot.
pub const RANKS: usize = 8;

/// The slot of a rank in [`Cluster::by_rank`].
pub(crate) fn slot(rank: Option<u8>) -> usize {
    rank.map_or(RANKS - 1, |r| usize::from(r).min(RANKS - 1))
}

/// Points merged into one grid cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Where to draw it: the mean of its points, tile units.
    pub at: [i32; 2],
    /// How many points it stands for.
    pub count: u32,
    /// The lowest (most severe) rank among them, if points had ranks.
    pub worst_rank: Option<u8>,
    /// How many points of each rank (the last slot: unranked), so a map can
    /// show the share of each class and not only the worst.
    pub by_rank: [u32; RANKS],
    /// The id of one member (the first seen), for the feature id.
    pub first_id: u64,
}

#[derive(Debug)]
struct Cell {
    sum_x: i64,
    sum_y: i64,
    count: u32,
    worst_rank: Option<u8>,
    by_rank: [u32; RANKS],
    first_id: u64,
}

/// Accumulates points into cells of `cell` tile units.
#[derive(Debug)]
pub struct Clusterer {
    cell: i32,
    cells: HashMap<(i32, i32), Cell>,
}

impl Clusterer {
    /// Cells `cell` units wide (e.g. 256 at extent 4096: 32 px on a 512-px tile).
    pub fn new(cell: i32) -> Self {
        Self {
            cell: cell.max(1),
            cells: HashMap::new(),
        }
    }

    /// Adds a point with an optional severity rank (0 = most severe).
    pub fn add(&mut self, id: u64, at: [i32; 2], rank: Option<u8>) {
        let key = (at[0].div_euclid(self.cell), at[1].div_euclid(self.cell));
        let c = self.cells.entry(key).or_insert(Cell {
            sum_x: 0,
            sum_y: 0,
            count: 0,
            worst_rank: None,
            by_rank: [0; RANKS],
            first_id: id,
        });
        c.sum_x += i64::from(at[0]);
        c.sum_y += i64::from(at[1]);
        c.count += 1;
        c.by_rank[slot(rank)] += 1;
        c.worst_rank = match (c.worst_rank, rank) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The clusters, in a stable order (by cell).
    pub fn finish(self) -> Vec<Cluster> {
        let mut cells: Vec<_> = self.cells.into_iter().collect();
        cells.sort_unstable_by_key(|(k, _)| (k.1, k.0));
        cells
            .into_iter()
            .map(|(_, c)| Cluster {
                at: [
                    (c.sum_x / i64::from(c.count)) as i32,
                    (c.sum_y / i64::from(c.count)) as i32,
                ],
                count: c.count,
                worst_rank: c.worst_rank,
                by_rank: c.by_rank,
                first_id: c.first_id,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_count_their_points_by_rank_and_keep_the_worst() {
        let mut c = Clusterer::new(100);
        c.add(1, [10, 10], Some(3));
        c.add(2, [30, 50], Some(0));
        c.add(3, [250, 10], Some(2));
        c.add(4, [260, 20], None);
        let clusters = c.finish();
        assert_eq!(clusters.len(), 2);
        assert_eq!(
            (clusters[0].count, clusters[0].worst_rank, clusters[0].at),
            (2, Some(0), [20, 30])
        );
        assert_eq!((clusters[1].count, clusters[1].worst_rank), (2, Some(2)));
        assert_eq!(clusters[0].by_rank[..4], [1, 0, 0, 1]);
        assert_eq!((clusters[1].by_rank[2], clusters[1].by_rank[RANKS - 1]), (1, 1));
        assert_eq!(clusters.iter().map(|c| c.count).sum::<u32>(), 4);
    }
}
