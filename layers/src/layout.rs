//! Space order: a new layer's features numbered along a Hilbert curve.
//!
//! A layer keeps its features in id order. A tile, a zone or a nearest walk
//! reads the features the R-tree finds, and those lie together on the map.
//! When the ids follow the map too, the reads fall on neighbouring records,
//! and on names allocated next to each other. Otherwise each feature is a
//! cache miss somewhere in the whole layer. It is what `CLUSTER … USING`
//! a GiST index does for a PostGIS table, and what FlatGeobuf's packed
//! Hilbert R-tree does for a file; a PostGIS table filled in id order gets
//! the same order.
//!
//! The generator numbers its bulk layers this way, and so does an import
//! for the features it creates. Later single writes take the next id, as
//! before: order is a matter of speed, never of meaning.

use crate::feature::{Feature, FeatureId};
use geo::{BoundingRect, Coord, Rect};

/// Bits per axis of the curve's grid: 2¹⁶ cells across the features'
/// extent, about 10 m over a province 600 km wide: finer than any tile.
const ORDER: u8 = 16;

/// Sorts `features` along a Hilbert curve over their joint extent (each by
/// the centre of its bounding box; a feature without one goes last, keeping
/// its place among those) and numbers them `first_id`, `first_id + 1`, … in
/// that order.
pub fn number_along_curve<T>(features: &mut [Feature<T>], first_id: FeatureId) {
    sort_along_curve(features, |f| f.geometry.bounding_rect().map(|r| r.center()));
    for (i, f) in features.iter_mut().enumerate() {
        f.id = first_id + i as FeatureId;
    }
}

/// Sorts `items` along a Hilbert curve over the extent of their `centre`s.
/// Stable: items without a centre go last, in their order, and so do items
/// in the same cell of the curve's grid.
pub fn sort_along_curve<T>(items: &mut [T], centre: impl Fn(&T) -> Option<Coord<f64>>) {
    let Some(extent) = extent(items.iter().filter_map(&centre)) else {
        return;
    };
    items.sort_by_cached_key(|item| centre(item).map_or(u64::MAX, |c| curve_key(c, extent)));
}

/// The position of `c` on the curve over `extent`.
fn curve_key(c: Coord<f64>, extent: Rect<f64>) -> u64 {
    let cells = f64::from((1u32 << ORDER) - 1);
    let cell = |v: f64, lo: f64, span: f64| {
        if span > 0.0 {
            ((v - lo) / span * cells).round().clamp(0.0, cells) as u32
        } else {
            0
        }
    };
    let x = cell(c.x, extent.min().x, extent.width());
    let y = cell(c.y, extent.min().y, extent.height());
    fast_hilbert::xy2h::<u32>(x, y, ORDER)
}

fn extent(mut points: impl Iterator<Item = Coord<f64>>) -> Option<Rect<f64>> {
    let first = points.next()?;
    Some(points.fold(Rect::new(first, first), |r, p| {
        Rect::new(
            Coord {
                x: r.min().x.min(p.x),
                y: r.min().y.min(p.y),
            },
            Coord {
                x: r.max().x.max(p.x),
                y: r.max().y.max(p.y),
            },
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Geometry, Point};
    use rand::{Rng, SeedableRng};

    fn scattered(n: usize) -> Vec<Feature<usize>> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        (0..n)
            .map(|i| Feature {
                id: i as FeatureId + 1,
                geometry: Geometry::Point(Point::new(rng.random_range(110.0..114.6), rng.random_range(34.5..40.8))),
                properties: i,
            })
            .collect()
    }

    /// How many runs of consecutive ids the features in `rect` make.
    fn id_runs(features: &[Feature<usize>], rect: Rect<f64>) -> (usize, usize) {
        use geo::Intersects;
        let mut ids: Vec<FeatureId> = features
            .iter()
            .filter(|f| f.geometry.intersects(&rect))
            .map(|f| f.id)
            .collect();
        ids.sort_unstable();
        let runs = ids.windows(2).filter(|w| w[1] != w[0] + 1).count() + usize::from(!ids.is_empty());
        (ids.len(), runs)
    }

    #[test]
    fn features_are_renumbered_along_the_map_and_none_is_lost() {
        let before = scattered(20_000);
        let mut after = before.clone();
        number_along_curve(&mut after, 7);
        assert!(after.iter().enumerate().all(|(i, f)| f.id == 7 + i as FeatureId));
        let mut kept: Vec<usize> = after.iter().map(|f| f.properties).collect();
        kept.sort_unstable();
        assert_eq!(kept, (0..20_000).collect::<Vec<_>>(), "each feature once");
        assert!(
            after.iter().all(|f| f.geometry == before[f.properties].geometry),
            "each keeps its geometry"
        );
        // A tile-sized box: in the generated order its features are as many
        // separate runs as features; along the curve, a few runs.
        let rect = Rect::new(Coord { x: 112.0, y: 37.0 }, Coord { x: 112.3, y: 37.3 });
        let (n, runs_before) = id_runs(&before, rect);
        let (m, runs_after) = id_runs(&after, rect);
        assert_eq!(n, m);
        assert!(n > 50, "{n} features in the box");
        assert!(runs_before * 10 > n * 9, "{runs_before} runs of {n} before");
        assert!(runs_after * 5 < n, "{runs_after} runs of {n} along the curve");
    }

    #[test]
    fn features_without_a_box_go_last_in_their_order() {
        let mut features = scattered(10);
        for i in [2, 5] {
            features[i].geometry = Geometry::GeometryCollection(geo::GeometryCollection::default());
        }
        number_along_curve(&mut features, 1);
        let last: Vec<usize> = features[8..].iter().map(|f| f.properties).collect();
        assert_eq!(last, vec![2, 5]);
        // No box at all, or one point: numbered as given.
        let mut one = scattered(1);
        number_along_curve(&mut one, 4);
        assert_eq!(one[0].id, 4);
        let mut none: Vec<Feature<usize>> = Vec::new();
        number_along_curve(&mut none, 1);
    }
}
