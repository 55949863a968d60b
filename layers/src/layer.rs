//! [`Layer`]: one layer's features in memory, indexed by an R-tree.

use crate::error::{Error, Result};
use crate::feature::{Feature, FeatureId};
use crate::filter::Filter;
use crate::geodesy::{self, Probe};
use crate::record::{GeometryKind, Record};
use geo::{BoundingRect, Coord, Intersects, Rect};
use rstar::{AABB, ParentNode, RTree, RTreeNode, RTreeObject};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An R-tree entry: a feature's bounding box and its id.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Entry {
    min: [f64; 2],
    max: [f64; 2],
    /// The feature's id.
    pub id: FeatureId,
    /// Where the feature was in the layer's list when indexed: checked, and
    /// used when still right, which saves a binary search (a dozen cache
    /// misses at a million features) on every hit.
    slot: u32,
}

impl PartialEq for Entry {
    /// The slot is a hint, not identity.
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.min == other.min && self.max == other.max
    }
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.min, self.max)
    }
}

impl Entry {
    fn of<T>(feature: &Feature<T>, slot: usize) -> Option<Self> {
        let rect = feature.geometry.bounding_rect()?;
        Some(Self {
            min: [rect.min().x, rect.min().y],
            max: [rect.max().x, rect.max().y],
            id: feature.id,
            slot: slot as u32,
        })
    }
}

/// The features of one layer, sorted by id, with an R-tree over their boxes.
#[derive(Debug, Clone)]
pub struct Layer<T> {
    features: Vec<Feature<T>>,
    tree: RTree<Entry>,
    /// Features inserted, replaced or removed since it was built.
    changes: u64,
}

/// A layer's R-tree as [`Layer::new`] builds it, apart from the layer: the
/// dataset cache keeps it, so that a start need not bulk-load it again.
/// [`Layer::with_index`] takes it only if it indexes exactly the features
/// it is given (every entry the box and id of the feature at its slot, and
/// every feature once); otherwise the tree is built as by [`Layer::new`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index(RTree<Entry>);

impl Index {
    /// The index [`Layer::new`] builds for `features`, which must be sorted
    /// by id (`None` otherwise: the slots would not be those of the layer).
    pub fn of<T>(features: &[Feature<T>]) -> Option<Self> {
        if !features.windows(2).all(|w| w[0].id < w[1].id) {
            return None;
        }
        Some(Self(bulk_load(features)))
    }

    /// Whether this indexes exactly `features` (sorted by id).
    fn fits<T>(&self, features: &[Feature<T>]) -> bool {
        let mut seen = vec![false; features.len()];
        let mut entries = 0usize;
        for e in self.0.iter() {
            let slot = e.slot as usize;
            let Some(f) = features.get(slot) else { return false };
            if seen[slot] || Entry::of(f, slot) != Some(*e) {
                return false;
            }
            seen[slot] = true;
            entries += 1;
        }
        entries == self.0.size() && entries == features.iter().filter(|f| f.geometry.bounding_rect().is_some()).count()
    }
}

fn bulk_load<T>(features: &[Feature<T>]) -> RTree<Entry> {
    let entries = features
        .iter()
        .enumerate()
        .filter_map(|(slot, f)| Entry::of(f, slot))
        .collect();
    RTree::bulk_load(entries)
}

impl<T: Record> Default for Layer<T> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// Checks a feature's geometry fits the layer: right kind, finite lon/lat in
/// range. This is the check every change passes, stored ones replayed too; a
/// new write also passes [`crate::validity::check`] (valid, in the region,
/// sized to the layer), through [`check_new_geometry`].
pub fn check_geometry<T: Record>(geometry: &geo::Geometry<f64>) -> Result<()> {
    let invalid = |reason: String| Error::InvalidGeometry {
        collection: T::INFO.id,
        reason,
    };
    if !T::INFO.geometry.admits(geometry) {
        return Err(invalid(format!(
            "geometry must be a {}",
            T::INFO.geometry.geojson_name()
        )));
    }
    use geo::CoordsIter;
    if geometry
        .coords_iter()
        .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return Err(invalid(
            "coordinates must be longitude −180..180 and latitude −90..90 (RFC 7946 order: lon, lat)".into(),
        ));
    }
    Ok(())
}

/// Checks the geometry of a new write to this layer: [`check_geometry`], then
/// OGC validity, the region and the layer's size limits ([`crate::validity`]).
pub fn check_new_geometry<T: Record>(geometry: &geo::Geometry<f64>) -> Result<()> {
    check_geometry::<T>(geometry)?;
    crate::validity::check(T::INFO, geometry)
}

impl<T: Record> Layer<T> {
    /// Indexes `features` (bulk-loading the R-tree); sorts them by id.
    /// Derived attributes are recomputed.
    pub fn new(features: Vec<Feature<T>>) -> Self {
        Self::with_index(features, None)
    }

    /// As [`Layer::new`], with the R-tree `index` if it indexes exactly
    /// these features (sorted by id), else bulk-loaded.
    pub fn with_index(mut features: Vec<Feature<T>>, index: Option<Index>) -> Self {
        features.sort_unstable_by_key(|f| f.id);
        for f in &mut features {
            f.properties.derive();
        }
        let tree = match index {
            Some(index) if index.fits(&features) => index.0,
            Some(_) => {
                tracing::info!(
                    layer = T::INFO.id,
                    "the cached R-tree does not fit the layer's features; bulk-loading it"
                );
                bulk_load(&features)
            }
            None => bulk_load(&features),
        };
        Self {
            features,
            tree,
            changes: 0,
        }
    }

    /// How many features were inserted, replaced or removed since the
    /// layer was built (0: it holds exactly what it was built from).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Bytes the features' records (not the text or geometry they point
    /// to) and the R-tree's nodes take (vectors counted at their length): the measure of a
    /// layer's memory per feature (issue 21).
    pub fn struct_bytes(&self) -> usize {
        fn node_bytes(node: &ParentNode<Entry>) -> usize {
            let children = node.children();
            std::mem::size_of_val(children)
                + children
                    .iter()
                    .map(|c| match c {
                        RTreeNode::Parent(p) => node_bytes(p),
                        RTreeNode::Leaf(_) => 0,
                    })
                    .sum::<usize>()
        }
        self.features.capacity() * std::mem::size_of::<Feature<T>>()
            + std::mem::size_of::<RTree<Entry>>()
            + node_bytes(self.tree.root())
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether the layer has no feature.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// All features, in id order.
    pub fn features(&self) -> &[Feature<T>] {
        &self.features
    }

    /// The feature with this id.
    pub fn feature(&self, id: FeatureId) -> Option<&Feature<T>> {
        self.position(id).ok().map(|i| &self.features[i])
    }

    /// Where feature `id` is (`Ok`), or would go (`Err`). Ids ascend
    /// without repeats and mostly without gaps (a layer's ids are given in
    /// turn), so the slot `id − first id` is tried first: one memory read
    /// instead of a binary search's twenty over a million features. With
    /// gaps the feature can only be before that slot.
    fn position(&self, id: FeatureId) -> std::result::Result<usize, usize> {
        let guess = match self.features.first() {
            Some(first) if id >= first.id => usize::try_from(id - first.id).unwrap_or(usize::MAX),
            _ => return self.features.binary_search_by_key(&id, |f| f.id),
        };
        match self.features.get(guess) {
            Some(f) if f.id == id => Ok(guess),
            Some(_) => self.features[..guess].binary_search_by_key(&id, |f| f.id),
            None => self.features.binary_search_by_key(&id, |f| f.id),
        }
    }

    /// The feature `id`, looked for first at `slot`.
    fn resolve(&self, id: FeatureId, slot: u32) -> Option<&Feature<T>> {
        match self.features.get(slot as usize) {
            Some(f) if f.id == id => Some(f),
            _ => self.feature(id),
        }
    }

    /// The next free id.
    pub fn next_id(&self) -> FeatureId {
        self.features.last().map_or(1, |f| f.id + 1)
    }

    /// The bounding box of all features.
    pub fn extent(&self) -> Option<Rect<f64>> {
        let env = self.tree.root().envelope();
        (self.tree.size() > 0).then(|| {
            Rect::new(
                Coord {
                    x: env.lower()[0],
                    y: env.lower()[1],
                },
                Coord {
                    x: env.upper()[0],
                    y: env.upper()[1],
                },
            )
        })
    }

    /// Features whose geometry intersects `rect` (lon/lat), in no particular order.
    pub fn locate_in_rect(&self, rect: Rect<f64>) -> impl Iterator<Item = &Feature<T>> + '_ {
        let envelope = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let exact = T::INFO.geometry != GeometryKind::Point;
        self.tree
            .locate_in_envelope_intersecting(envelope)
            .filter_map(move |e| self.resolve(e.id, e.slot))
            .filter(move |f| !exact || f.geometry.intersects(&rect))
    }

    /// Features within `radius_m` metres of `p`, with their distances, nearest first.
    pub fn locate_within_distance(&self, p: Coord<f64>, radius_m: f64, filter: &Filter) -> Vec<(&Feature<T>, f64)> {
        let rect = geodesy::rect_around(p, radius_m);
        let mut found: Vec<_> = self
            .locate_in_rect_entries(rect)
            .filter_map(|e| self.resolve(e.id, e.slot))
            .filter(|f| filter.matches(&f.properties))
            .map(|f| (f, geodesy::distance_to_geometry_m(p, &f.geometry)))
            .filter(|(_, d)| *d <= radius_m)
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
        found
    }

    /// Features whose bounding box meets `rect`: the candidates for a tile,
    /// which clips them itself.
    pub fn locate_in_box(&self, rect: Rect<f64>) -> impl Iterator<Item = &Feature<T>> + '_ {
        self.locate_in_rect_entries(rect)
            .filter_map(|e| self.resolve(e.id, e.slot))
    }

    fn locate_in_rect_entries(&self, rect: Rect<f64>) -> impl Iterator<Item = &Entry> + '_ {
        let envelope = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree.locate_in_envelope_intersecting(envelope)
    }

    /// The `k` features nearest to `p` that pass `filter`, with their distances
    /// in metres, nearest first (ties by id).
    ///
    /// A best-first walk of the R-tree, ordered by a lower bound of the
    /// great-circle distance to each node's box, so that no closer feature is
    /// ever pruned (degrees of longitude shrink with latitude: a plain planar
    /// search in degrees would rank wrongly).
    pub fn nearest(&self, p: Coord<f64>, k: usize, filter: &Filter) -> Vec<(&Feature<T>, f64)> {
        let mut hits: Vec<(&Feature<T>, f64)> = self.nearest_iter(p, filter).take(k).collect();
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
        hits
    }

    /// The features passing `filter`, nearest first, found lazily: taking
    /// more costs only the extra steps of the same best-first walk.
    pub fn nearest_iter<'a, 'f>(&'a self, p: Coord<f64>, filter: &'f Filter) -> Nearest<'a, 'f, T> {
        let mut heap = BinaryHeap::with_capacity(64);
        if self.tree.size() > 0 {
            heap.push(Candidate {
                h: 0.0,
                id: 0,
                item: Item::Children(self.tree.root()),
            });
        }
        Nearest {
            layer: self,
            p,
            probe: Probe::new(p),
            filter,
            heap,
        }
    }

    /// Adds a feature; its id must be new.
    pub fn insert(&mut self, mut feature: Feature<T>) -> Result<()> {
        feature.properties.derive();
        self.changes += 1;
        match self.position(feature.id) {
            Ok(_) => Err(Error::DuplicateFeature {
                collection: T::INFO.id,
                id: feature.id,
            }),
            Err(at) => {
                if let Some(entry) = Entry::of(&feature, at) {
                    self.tree.insert(entry);
                }
                self.features.insert(at, feature);
                Ok(())
            }
        }
    }

    /// Replaces the feature with the same id, returning the old one.
    pub fn replace(&mut self, mut feature: Feature<T>) -> Result<Feature<T>> {
        feature.properties.derive();
        let at = self.position(feature.id).map_err(|_| Error::UnknownFeature {
            collection: T::INFO.id,
            id: feature.id,
        })?;
        self.changes += 1;
        let old = std::mem::replace(&mut self.features[at], feature);
        let new_entry = Entry::of(&self.features[at], at);
        let old_entry = Entry::of(&old, at);
        if new_entry != old_entry {
            if let Some(e) = old_entry {
                self.tree.remove(&e);
            }
            if let Some(e) = new_entry {
                self.tree.insert(e);
            }
        }
        Ok(old)
    }

    /// Removes the feature with this id, returning it.
    pub fn remove(&mut self, id: FeatureId) -> Result<Feature<T>> {
        let at = self.position(id).map_err(|_| Error::UnknownFeature {
            collection: T::INFO.id,
            id,
        })?;
        self.changes += 1;
        let old = self.features.remove(at);
        if let Some(e) = Entry::of(&old, at) {
            self.tree.remove(&e);
        }
        Ok(old)
    }
}

/// The walk of [`Layer::nearest_iter`].
pub struct Nearest<'a, 'f, T> {
    layer: &'a Layer<T>,
    p: Coord<f64>,
    probe: Probe,
    filter: &'f Filter,
    heap: BinaryHeap<Candidate<Item<'a>>>,
}

impl<T> std::fmt::Debug for Nearest<'_, '_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nearest")
            .field("p", &self.p)
            .field("pending", &self.heap.len())
            .finish()
    }
}

impl<'a, T: Record> Iterator for Nearest<'a, '_, T> {
    type Item = (&'a Feature<T>, f64);

    fn next(&mut self) -> Option<Self::Item> {
        let points = T::INFO.geometry == GeometryKind::Point;
        let (layer, probe, filter) = (self.layer, self.probe, self.filter);
        while let Some(Candidate { h, id, item }) = self.heap.pop() {
            match item {
                Item::Children(parent) => {
                    for child in parent.children() {
                        self.heap.push(match child {
                            RTreeNode::Parent(node) => {
                                let env = node.envelope();
                                let (min, max) = (env.lower(), env.upper());
                                let bound = probe.h_lower_bound_to_rect(
                                    Coord { x: min[0], y: min[1] },
                                    Coord { x: max[0], y: max[1] },
                                );
                                Candidate {
                                    h: bound,
                                    id: 0,
                                    item: Item::Children(node),
                                }
                            }
                            // A point's box is the point: its bound is a hair
                            // under its distance, taken exactly when reached.
                            RTreeNode::Leaf(e) if points => Candidate {
                                h: probe.h_lower_bound_to_point(Coord {
                                    x: e.min[0],
                                    y: e.min[1],
                                }),
                                id: e.id,
                                item: Item::PointBound(e.slot),
                            },
                            RTreeNode::Leaf(e) => {
                                let bound = probe.h_lower_bound_to_rect(
                                    Coord {
                                        x: e.min[0],
                                        y: e.min[1],
                                    },
                                    Coord {
                                        x: e.max[0],
                                        y: e.max[1],
                                    },
                                );
                                Candidate {
                                    h: bound,
                                    id: e.id,
                                    item: Item::Shape(e.slot),
                                }
                            }
                        });
                    }
                }
                Item::PointBound(slot) => {
                    if let Some(f) = layer.resolve(id, slot).filter(|f| filter.matches(&f.properties))
                        && let geo::Geometry::Point(q) = &f.geometry
                    {
                        self.heap.push(Candidate {
                            h: probe.h_to_point(q.0),
                            id,
                            item: Item::Point(slot),
                        });
                    }
                }
                Item::Point(slot) => {
                    if let Some(f) = layer.resolve(id, slot) {
                        return Some((f, Probe::metres(h)));
                    }
                }
                Item::Shape(slot) => {
                    if let Some(f) = layer.resolve(id, slot).filter(|f| filter.matches(&f.properties)) {
                        let metres = geodesy::distance_to_geometry_m(self.p, &f.geometry);
                        self.heap.push(Candidate {
                            h: Probe::h_from_metres(metres),
                            id,
                            item: Item::Measured(metres, slot),
                        });
                    }
                }
                Item::Measured(metres, slot) => {
                    if let Some(f) = layer.resolve(id, slot) {
                        return Some((f, metres));
                    }
                }
            }
        }
        None
    }
}

enum Item<'a> {
    /// An inner node: expand it.
    Children(&'a ParentNode<Entry>),
    /// A point feature (at this slot), at a lower bound of its distance.
    PointBound(u32),
    /// A point feature (at this slot) that passes the filter, at its exact distance.
    Point(u32),
    /// A line or polygon feature (at this slot), at the lower bound of its box.
    Shape(u32),
    /// A line or polygon feature at its exact distance, metres, and its slot.
    Measured(f64, u32),
}

/// An entry of a best-first walk's heap: what to do next, at the haversine
/// term (exact, or a lower bound) that orders it; equal terms by id. Also
/// the heap of [`crate::routing`]'s segment walk.
pub(crate) struct Candidate<I> {
    /// Haversine term: the exact one or a lower bound.
    pub(crate) h: f64,
    pub(crate) id: FeatureId,
    pub(crate) item: I,
}

impl<I> PartialEq for Candidate<I> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<I> Eq for Candidate<I> {}
impl<I> PartialOrd for Candidate<I> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<I> Ord for Candidate<I> {
    /// Reversed, so that the max-heap pops the nearest first; ties by id.
    fn cmp(&self, other: &Self) -> Ordering {
        other.h.total_cmp(&self.h).then(other.id.cmp(&self.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DisasterKind, DisasterZone, Severity, Shelter};
    use geo::polygon;
    use rand::{Rng, SeedableRng};

    fn shelter(id: FeatureId, x: f64, y: f64) -> Feature<Shelter> {
        Feature {
            id,
            geometry: geo::Geometry::Point(geo::Point::new(x, y)),
            properties: Shelter {
                external_id: None,
                name: format!("避难场所{id}"),
                kind: if id.is_multiple_of(2) {
                    "park".into()
                } else {
                    "school".into()
                },
                capacity: 1000,
                occupancy: 0,
                county_id: 1,
                county: "小店区".into(),
                city: "太原市".into(),
            },
        }
    }

    fn random_layer(n: u64, seed: u64) -> Layer<Shelter> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Layer::new(
            (1..=n)
                .map(|id| shelter(id, rng.random_range(110.0..115.0), rng.random_range(34.5..41.0)))
                .collect(),
        )
    }

    #[test]
    fn a_feature_is_found_by_id_with_and_without_gaps_in_the_ids() {
        // Ids from 5 with gaps: the slot `id - first id` is sometimes the
        // feature, sometimes past it, sometimes past the end.
        let ids: Vec<FeatureId> = (5..400).filter(|i| i % 7 != 0 && i % 11 != 3).collect();
        let layer = Layer::new(ids.iter().map(|&id| shelter(id, 112.0, 37.0)).collect());
        for id in 0..420 {
            assert_eq!(layer.position(id), ids.binary_search(&id), "id {id}");
            assert_eq!(layer.feature(id).map(|f| f.id), ids.contains(&id).then_some(id));
        }
        let dense = random_layer(100, 4);
        assert!((0..=101).all(|id| dense.position(id) == dense.features().binary_search_by_key(&id, |f| f.id)));
        let empty: Layer<Shelter> = Layer::new(Vec::new());
        assert_eq!(empty.position(1), Err(0));
    }

    #[test]
    fn nearest_agrees_with_brute_force_great_circle_ranking() {
        let layer = random_layer(5_000, 1);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let parks = Filter::parse(Shelter::FIELDS, [("kind", "park")]).unwrap();
        for _ in 0..200 {
            let p = Coord {
                x: rng.random_range(109.0..116.0),
                y: rng.random_range(34.0..42.0),
            };
            for filter in [Filter::all(), parks.clone()] {
                let got: Vec<_> = layer
                    .nearest(p, 5, &filter)
                    .into_iter()
                    .map(|(f, d)| (f.id, d))
                    .collect();
                let mut all: Vec<_> = layer
                    .features()
                    .iter()
                    .filter(|f| filter.matches(&f.properties))
                    .map(|f| (f.id, geodesy::distance_to_geometry_m(p, &f.geometry)))
                    .collect();
                all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                all.truncate(5);
                assert_eq!(got, all);
            }
        }
    }

    #[test]
    fn within_distance_agrees_with_brute_force() {
        let layer = random_layer(3_000, 3);
        let p = Coord { x: 112.5, y: 37.8 };
        let got: Vec<_> = layer
            .locate_within_distance(p, 50_000.0, &Filter::all())
            .into_iter()
            .map(|(f, _)| f.id)
            .collect();
        let mut want: Vec<_> = layer
            .features()
            .iter()
            .map(|f| (f.id, geodesy::distance_to_geometry_m(p, &f.geometry)))
            .filter(|(_, d)| *d <= 50_000.0)
            .collect();
        want.sort_by(|a, b| a.1.total_cmp(&b.1));
        assert!(!want.is_empty());
        assert_eq!(got, want.into_iter().map(|(id, _)| id).collect::<Vec<_>>());
    }

    #[test]
    fn polygons_rank_by_distance_to_their_edge_not_their_box() {
        // An L-shaped zone whose box covers the query point, and a small square further off.
        let l_shape = polygon![(x: 112.0, y: 37.0), (x: 113.0, y: 37.0), (x: 113.0, y: 37.1), (x: 112.1, y: 37.1), (x: 112.1, y: 38.0), (x: 112.0, y: 38.0), (x: 112.0, y: 37.0)];
        let square = polygon![(x: 112.85, y: 37.85), (x: 112.9, y: 37.85), (x: 112.9, y: 37.9), (x: 112.85, y: 37.9), (x: 112.85, y: 37.85)];
        let zone = |id, polygon: geo::Polygon<f64>| Feature {
            id,
            geometry: geo::Geometry::Polygon(polygon),
            properties: DisasterZone {
                external_id: None,
                name: format!("z{id}"),
                kind: DisasterKind::Flood,
                subtype: None,
                severity: Severity::High,
                intensity: None,
                source: "test".into(),
            },
        };
        let layer = Layer::new(vec![zone(1, l_shape), zone(2, square)]);
        let nearest = layer.nearest(Coord { x: 112.8, y: 37.8 }, 1, &Filter::all());
        assert_eq!(nearest[0].0.id, 2);
    }

    #[test]
    fn a_kept_index_is_taken_only_when_it_indexes_exactly_the_features() {
        let features = random_layer(2_000, 5).features().to_vec();
        let index = Index::of(&features).expect("sorted by id");
        assert!(index.fits(&features));
        let p = Coord { x: 112.5, y: 37.8 };
        let ids = |layer: &Layer<Shelter>| {
            layer
                .nearest(p, 20, &Filter::all())
                .into_iter()
                .map(|(f, _)| f.id)
                .collect::<Vec<_>>()
        };
        let fresh = Layer::new(features.clone());
        assert_eq!(
            ids(&Layer::with_index(features.clone(), Some(index.clone()))),
            ids(&fresh)
        );
        // One feature moved, one gone, one added: the index no longer fits and is not used.
        let mut moved = features.clone();
        moved[7] = shelter(moved[7].id, p.x, p.y);
        assert!(!index.fits(&moved));
        let layer = Layer::with_index(moved.clone(), Some(index.clone()));
        assert_eq!(layer.nearest(p, 1, &Filter::all())[0].0.id, moved[7].id);
        let mut fewer = features.clone();
        fewer.pop();
        assert!(!index.fits(&fewer));
        let mut more = features.clone();
        more.push(shelter(100_000, p.x, p.y));
        assert!(!index.fits(&more));
        // Not sorted by id: no index is made (the slots would be wrong).
        let mut unsorted = features;
        unsorted.swap(0, 1);
        assert!(Index::of(&unsorted).is_none());
    }

    #[test]
    fn edits_keep_the_index_in_step() {
        let mut layer = random_layer(100, 4);
        let here = Coord { x: 100.0, y: 10.0 };
        layer.replace(shelter(50, here.x, here.y)).unwrap();
        assert_eq!(layer.nearest(here, 1, &Filter::all())[0].0.id, 50);
        layer.remove(50).unwrap();
        assert_ne!(layer.nearest(here, 1, &Filter::all())[0].0.id, 50);
        assert!(layer.feature(50).is_none());
        layer.insert(shelter(101, here.x, here.y)).unwrap();
        assert_eq!(layer.nearest(here, 1, &Filter::all())[0].0.id, 101);
        assert!(matches!(
            layer.insert(shelter(101, 0.0, 0.0)),
            Err(Error::DuplicateFeature { .. })
        ));
        assert_eq!(layer.next_id(), 102);
    }
}
