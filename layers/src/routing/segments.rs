//! The open roads' segments, each in its own box, for snapping a point to
//! the nearest open road.
//!
//! The `roads` layer's R-tree holds one box per road, and a road of a few
//! long segments has a box spanning tens of kilometres: a point far from
//! any road lies in many such boxes, and the walk measured most of those
//! roads exactly (a snap was a fifth of `/nearest?by=distance`). Boxes of
//! single segments are tight, so the walk measures only the roads whose
//! nearest segment could beat the best found.
//!
//! The answer is the one the layer's walk gives: a segment's box bounds the
//! distance of its road from below (the road's distance is to a point of
//! one of its segments), each road reached is measured exactly as the
//! layer measures it, and equally near roads rank by id.

use crate::feature::{Feature, FeatureId};
use crate::filter::Filter;
use crate::geodesy::{self, Probe};
use crate::layer::{Candidate, Layer};
use crate::model::Road;
use geo::{Coord, Geometry};
use rstar::{AABB, ParentNode, RTree, RTreeNode, RTreeObject};
use std::collections::BinaryHeap;

/// One segment of an open road: its box and its road.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    min: [f64; 2],
    max: [f64; 2],
    road: FeatureId,
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.min, self.max)
    }
}

/// The segments of the roads that passed a filter, as the layer was when
/// they were indexed.
#[derive(Debug)]
pub struct Segments {
    tree: RTree<Segment>,
    /// [`Layer::changes`] when indexed: a layer changed since is walked as it is.
    changes: u64,
}

impl Segments {
    /// Indexes the segments of the line roads of `roads` that pass `filter`;
    /// `None` if a road that passes it is not a line (the layer's walk
    /// measures any geometry; this index only lines).
    pub fn build(roads: &Layer<Road>, filter: &Filter) -> Option<Self> {
        let mut segments = Vec::new();
        for f in roads.features().iter().filter(|f| filter.matches(&f.properties)) {
            let Geometry::LineString(line) = &f.geometry else {
                return None;
            };
            if line.0.len() == 1 {
                let c = line.0[0];
                segments.push(Segment {
                    min: [c.x, c.y],
                    max: [c.x, c.y],
                    road: f.id,
                });
            }
            for w in line.0.windows(2) {
                segments.push(Segment {
                    min: [w[0].x.min(w[1].x), w[0].y.min(w[1].y)],
                    max: [w[0].x.max(w[1].x), w[0].y.max(w[1].y)],
                    road: f.id,
                });
            }
        }
        Some(Self {
            tree: RTree::bulk_load(segments),
            changes: roads.changes(),
        })
    }

    /// Whether `roads` is the layer as indexed (no change since).
    pub fn current(&self, roads: &Layer<Road>) -> bool {
        self.changes == roads.changes()
    }

    /// The road of `roads` nearest to `p` that passes `filter`, and its
    /// distance in metres: the first answer of [`Layer::nearest_iter`].
    /// Call only when [`Segments::current`].
    pub fn nearest<'a>(
        &self,
        roads: &'a Layer<Road>,
        p: Coord<f64>,
        filter: &Filter,
    ) -> Option<(&'a Feature<Road>, f64)> {
        let probe = Probe::new(p);
        let mut heap = BinaryHeap::with_capacity(32);
        if self.tree.size() > 0 {
            heap.push(Candidate {
                h: 0.0,
                id: 0,
                item: Item::Children(self.tree.root()),
            });
        }
        let mut measured: Vec<FeatureId> = Vec::new();
        while let Some(Candidate { h: _, id, item }) = heap.pop() {
            match item {
                Item::Children(parent) => {
                    for child in parent.children() {
                        heap.push(match child {
                            RTreeNode::Parent(node) => {
                                let env = node.envelope();
                                Candidate {
                                    h: bound(&probe, env.lower(), env.upper()),
                                    id: 0,
                                    item: Item::Children(node),
                                }
                            }
                            RTreeNode::Leaf(s) => Candidate {
                                h: bound(&probe, s.min, s.max),
                                id: s.road,
                                item: Item::Segment,
                            },
                        });
                    }
                }
                Item::Segment => {
                    if measured.contains(&id) {
                        continue;
                    }
                    measured.push(id);
                    if let Some(f) = roads.feature(id).filter(|f| filter.matches(&f.properties)) {
                        let metres = geodesy::distance_to_geometry_m(p, &f.geometry);
                        heap.push(Candidate {
                            h: Probe::h_from_metres(metres),
                            id,
                            item: Item::Road(metres, f),
                        });
                    }
                }
                Item::Road(metres, f) => return Some((f, metres)),
            }
        }
        None
    }
}

fn bound(probe: &Probe, min: [f64; 2], max: [f64; 2]) -> f64 {
    probe.h_lower_bound_to_rect(Coord { x: min[0], y: min[1] }, Coord { x: max[0], y: max[1] })
}

/// `'t`: the index's nodes; `'r`: the layer's roads.
enum Item<'t, 'r> {
    Children(&'t ParentNode<Segment>),
    /// A segment of the candidate's road, at the lower bound of its box.
    Segment,
    /// The road measured: metres, and the road.
    Road(f64, &'r Feature<Road>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_nearest_open_road_is_the_one_the_layers_walk_finds() {
        let roads = &Layer::new(crate::generate::tests::small_dataset().roads.clone());
        let open = Filter::parse(<Road as Record>::FIELDS, [("open", "true")]).unwrap();
        let segments = Segments::build(roads, &open).expect("line roads");
        assert!(segments.current(roads));
        let extent = roads.extent().expect("roads");
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut far = 0;
        for i in 0..3_000 {
            // Inside the network's box, and up to a degree outside it.
            let margin = if i % 3 == 0 { 1.0 } else { 0.0 };
            let p = Coord {
                x: rng.random_range(extent.min().x - margin..extent.max().x + margin),
                y: rng.random_range(extent.min().y - margin..extent.max().y + margin),
            };
            let ours = segments.nearest(roads, p, &open).map(|(f, m)| (f.id, m));
            let theirs = roads.nearest_iter(p, &open).next().map(|(f, m)| (f.id, m));
            assert_eq!(ours, theirs, "at {p:?}");
            if theirs.is_some_and(|(_, m)| m > 5_000.0) {
                far += 1;
            }
        }
        assert!(far > 100, "points far from every road are tried too ({far})");
        // A filter that passes no road: none, as the layer's walk says.
        let none = Filter::parse(<Road as Record>::FIELDS, [("open", "false")]).unwrap();
        let closed = Segments::build(roads, &none).expect("no road to index");
        let p = extent.center();
        assert_eq!(
            closed.nearest(roads, p, &none).map(|(f, _)| f.id),
            roads.nearest_iter(p, &none).next().map(|(f, _)| f.id)
        );
    }
}
