//! [`Collection`]: what the server sees of any layer, whatever its record type.

use crate::error::{Error, Result};
use crate::event::Event;
use crate::feature::{Feature, FeatureId, IncomingFeature, ParsedGeometry};
use crate::filter::Filter;
use crate::layer::{Layer, check_geometry, check_new_geometry};
use crate::record::{Field, LayerInfo, Record, Value};
use crate::row::Row;
use geo::{Coord, Geometry, Rect};
use std::any::Any;
use std::ops::ControlFlow;

/// Receives a feature's id, geometry and the values of its filterable fields.
/// It returns whether to go on: a tile that is full stops the walk.
pub type FeatureVisitor<'v> =
    dyn FnMut(FeatureId, &Geometry<f64>, &[(&'static str, Value<'_>)]) -> ControlFlow<()> + 'v;

/// Visits features gathered by [`Collection::gather_in_rect`], by their
/// number in the gathering, in the order given, without looking any up again.
pub type Gathered<'a> = Box<dyn Fn(&[u32], &mut FeatureVisitor<'_>) + 'a>;

/// One page of a query: the ids in id order and how many matched in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Ids on this page, in id order.
    pub ids: Vec<FeatureId>,
    /// Features matching the query in all pages.
    pub matched: usize,
}

/// A change checked against the current state, ready to commit.
#[derive(Debug)]
pub struct Prepared {
    /// The event as it is recorded (with any id the store assigned).
    pub event: Event,
    /// The feature it touches.
    pub id: FeatureId,
    change: Box<dyn Any + Send>,
}

enum Change<T> {
    Insert(Feature<T>),
    Replace(Feature<T>),
    Remove(FeatureId),
}

/// A layer seen through its collection id: queries, GeoJSON out, checked changes in.
pub trait Collection: Send + Sync + std::fmt::Debug {
    /// The layer's identity.
    fn info(&self) -> LayerInfo;
    /// The fields users filter on.
    fn fields(&self) -> &'static [Field];
    /// Number of features.
    fn len(&self) -> usize;
    /// Whether the collection is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bounding box of all features.
    fn extent(&self) -> Option<Rect<f64>>;
    /// Parses a property filter against this collection's fields.
    fn parse_filter(&self, pairs: &[(&str, &str)]) -> Result<Filter> {
        Filter::parse(self.fields(), pairs.iter().copied())
    }
    /// Features intersecting `bbox` (if given) and passing `filter`, paged.
    fn query(&self, bbox: Option<Rect<f64>>, filter: &Filter, offset: usize, limit: usize) -> Page;
    /// Appends the feature as GeoJSON to `out`; false if there is none with this id.
    fn write_feature(&self, id: FeatureId, out: &mut Vec<u8>) -> bool;
    /// The `k` nearest features passing `filter`, with distances in metres.
    fn nearest(&self, p: Coord<f64>, k: usize, filter: &Filter) -> Vec<(FeatureId, f64)>;
    /// The features passing `filter`, nearest first, lazily, with distances in metres.
    fn nearest_iter<'a>(&'a self, p: Coord<f64>, filter: &'a Filter)
    -> Box<dyn Iterator<Item = (FeatureId, f64)> + 'a>;
    /// Calls `visit` with each feature whose box meets `rect` and that passes
    /// `filter`: its id, geometry and the values of its [`Collection::fields`]
    /// (for vector tiles, which are cut from the boxes the R-tree returns).
    fn visit_in_rect(&self, rect: Rect<f64>, filter: &Filter, visit: &mut FeatureVisitor<'_>);
    /// [`Collection::visit_in_rect`], keeping hold of the features visited
    /// (up to the one whose visit said stop): the answer visits any of them
    /// again, by their number in this walk (0, 1, …), in any order, with no
    /// second walk of the index and no look-up by id (a tile cut by its
    /// size budget is built again in order of importance from the features
    /// of its one walk).
    ///
    /// `fields` (indices into [`Collection::fields`], ascending) names the
    /// values the visits get, in that order; `None`: every field's. A tile
    /// reads five values of a dozen.
    fn gather_in_rect<'a>(
        &'a self,
        rect: Rect<f64>,
        filter: &Filter,
        fields: Option<&[usize]>,
        visit: &mut FeatureVisitor<'_>,
    ) -> Gathered<'a>;
    /// Calls `visit` with every feature that passes `filter`, in id order.
    fn visit_all(&self, filter: &Filter, visit: &mut FeatureVisitor<'_>);
    /// Every point of every feature (a point, or each of a multipoint's),
    /// in id order, with the rank of its `field`'s text in `order` (`None`
    /// without a field, or when the text is not in `order`): what a cluster
    /// pyramid is built from. Reads the one field, not every value, on
    /// every core (a million enterprises at start-up).
    fn ranked_points(&self, field: Option<&str>, order: &[&str]) -> Vec<(f64, f64, Option<u8>)>;
    /// Calls `visit` with one feature, if there is one with this id.
    fn visit_feature(&self, id: FeatureId, visit: &mut FeatureVisitor<'_>);
    /// The text of `field` (a name, a code) of feature `id`, without building its other values.
    fn text(&self, id: FeatureId, field: &str) -> Option<&str>;
    /// Where a point feature is.
    fn point(&self, id: FeatureId) -> Option<Coord<f64>> {
        let mut at = None;
        self.visit_feature(id, &mut |_, geometry, _| {
            if let Geometry::Point(p) = geometry {
                at = Some(p.0);
            }
            ControlFlow::Continue(())
        });
        at
    }
    /// Whether the feature with this id exists and passes `filter`.
    fn matches(&self, id: FeatureId, filter: &Filter) -> bool;
    /// The id the next feature created gets.
    fn next_id(&self) -> FeatureId;
    /// The features imported from a register: their external id and feature id.
    fn external_ids(&self) -> Vec<(String, FeatureId)>;
    /// Checks `event` (which must be for this collection) against the current state.
    fn prepare(&self, event: &Event) -> Result<Prepared>;
    /// Checks a prepared change as a new write: a geometry it brings must be
    /// valid, in the region and sized to the layer ([`crate::validity`]).
    /// Stored changes replayed are not checked again.
    fn check_new(&self, prepared: &Prepared) -> Result<()>;
    /// Applies a change prepared by this collection.
    fn commit(&mut self, prepared: Prepared) -> Result<()>;
    /// The row a prepared change leaves behind (`None` for a removal), for
    /// stores that keep features in tables.
    fn prepared_row(&self, prepared: &Prepared) -> Option<Row>;
}

impl<T: Record> Collection for Layer<T> {
    fn info(&self) -> LayerInfo {
        T::INFO
    }

    fn fields(&self) -> &'static [Field] {
        T::FIELDS
    }

    fn len(&self) -> usize {
        Layer::len(self)
    }

    fn extent(&self) -> Option<Rect<f64>> {
        Layer::extent(self)
    }

    fn query(&self, bbox: Option<Rect<f64>>, filter: &Filter, offset: usize, limit: usize) -> Page {
        match bbox {
            None if filter.is_empty() => Page {
                ids: self.features().iter().skip(offset).take(limit).map(|f| f.id).collect(),
                matched: self.len(),
            },
            None => page(
                self.features()
                    .iter()
                    .filter(|f| filter.matches(&f.properties))
                    .map(|f| f.id),
                offset,
                limit,
            ),
            Some(rect) => {
                let mut ids: Vec<FeatureId> = self
                    .locate_in_rect(rect)
                    .filter(|f| filter.matches(&f.properties))
                    .map(|f| f.id)
                    .collect();
                ids.sort_unstable();
                page(ids.into_iter(), offset, limit)
            }
        }
    }

    fn write_feature(&self, id: FeatureId, out: &mut Vec<u8>) -> bool {
        match self.feature(id) {
            // Serialising our own typed records into a Vec cannot fail.
            Some(f) => serde_json::to_writer(out, f).is_ok(),
            None => false,
        }
    }

    fn nearest(&self, p: Coord<f64>, k: usize, filter: &Filter) -> Vec<(FeatureId, f64)> {
        Layer::nearest(self, p, k, filter)
            .into_iter()
            .map(|(f, d)| (f.id, d))
            .collect()
    }

    fn nearest_iter<'a>(
        &'a self,
        p: Coord<f64>,
        filter: &'a Filter,
    ) -> Box<dyn Iterator<Item = (FeatureId, f64)> + 'a> {
        Box::new(Layer::nearest_iter(self, p, filter).map(|(f, d)| (f.id, d)))
    }

    fn visit_in_rect(&self, rect: Rect<f64>, filter: &Filter, visit: &mut FeatureVisitor<'_>) {
        visit_each(self.locate_in_box(rect), filter, visit);
    }

    fn gather_in_rect<'a>(
        &'a self,
        rect: Rect<f64>,
        filter: &Filter,
        fields: Option<&[usize]>,
        visit: &mut FeatureVisitor<'_>,
    ) -> Gathered<'a> {
        // Each field by its place in `T::FIELDS` (read by `value_at`, not by name) and its name.
        let fields: Vec<(usize, &'static str)> = match fields {
            None => T::FIELDS.iter().enumerate().map(|(i, f)| (i, f.name)).collect(),
            Some(some) => some
                .iter()
                .filter_map(|i| T::FIELDS.get(*i).map(|f| (*i, f.name)))
                .collect(),
        };
        let mut gathered: Vec<&'a Feature<T>> = Vec::new();
        let found = self.locate_in_box(rect).filter(|f| filter.matches(&f.properties));
        visit_in_batches(found, &fields, visit, |f| gathered.push(f));
        Box::new(move |order: &[u32], visit: &mut FeatureVisitor<'_>| {
            let again = order.iter().filter_map(|i| gathered.get(*i as usize).copied());
            visit_in_batches(again, &fields, visit, |_| {});
        })
    }

    fn visit_all(&self, filter: &Filter, visit: &mut FeatureVisitor<'_>) {
        visit_each(self.features().iter(), filter, visit);
    }

    fn ranked_points(&self, field: Option<&str>, order: &[&str]) -> Vec<(f64, f64, Option<u8>)> {
        let rank = |f: &Feature<T>| match field.map(|name| f.properties.value(name)) {
            Some(crate::record::Value::Text(code)) => order.iter().position(|o| *o == code).map(|p| p as u8),
            _ => None,
        };
        let part = |features: &[Feature<T>]| {
            let mut out = Vec::with_capacity(features.len());
            for f in features {
                match &f.geometry {
                    Geometry::Point(p) => out.push((p.x(), p.y(), rank(f))),
                    Geometry::MultiPoint(mp) => {
                        let r = rank(f);
                        out.extend(mp.0.iter().map(|p| (p.x(), p.y(), r)));
                    }
                    _ => {}
                }
            }
            out
        };
        let features = self.features();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        if features.len() < 65_536 || threads == 1 {
            return part(features);
        }
        let part = &part;
        std::thread::scope(|scope| {
            let handles: Vec<_> = features
                .chunks(features.len().div_ceil(threads))
                .map(|chunk| scope.spawn(move || part(chunk)))
                .collect();
            let mut out = Vec::with_capacity(features.len());
            for h in handles {
                out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            out
        })
    }

    fn visit_feature(&self, id: FeatureId, visit: &mut FeatureVisitor<'_>) {
        visit_each(self.feature(id).into_iter(), &Filter::all(), visit);
    }

    fn point(&self, id: FeatureId) -> Option<Coord<f64>> {
        // Straight from the feature: the default builds every field's value.
        match &self.feature(id)?.geometry {
            Geometry::Point(p) => Some(p.0),
            _ => None,
        }
    }

    fn text(&self, id: FeatureId, field: &str) -> Option<&str> {
        match self.feature(id)?.properties.value(field) {
            crate::record::Value::Text(t) => Some(t),
            _ => None,
        }
    }

    fn matches(&self, id: FeatureId, filter: &Filter) -> bool {
        self.feature(id).is_some_and(|f| filter.matches(&f.properties))
    }

    fn next_id(&self) -> FeatureId {
        Layer::next_id(self)
    }

    fn external_ids(&self) -> Vec<(String, FeatureId)> {
        self.features()
            .iter()
            .filter_map(|f| f.properties.external_id().map(|e| (e.to_owned(), f.id)))
            .collect()
    }

    fn prepare(&self, event: &Event) -> Result<Prepared> {
        let collection = T::INFO.id;
        let invalid = |reason: String| Error::InvalidFeature { collection, reason };
        let (id, change, recorded) = match event {
            Event::FeatureCreated { feature, .. } => {
                let incoming: IncomingFeature<T> =
                    serde_json::from_value(feature.clone()).map_err(|e| invalid(e.to_string()))?;
                let id = incoming.id.unwrap_or_else(|| self.next_id());
                if self.feature(id).is_some() {
                    return Err(Error::DuplicateFeature { collection, id });
                }
                let feature = checked(Feature {
                    id,
                    geometry: incoming.geometry,
                    properties: incoming.properties,
                })?;
                let recorded = Event::FeatureCreated {
                    collection: collection.into(),
                    feature: to_json(&feature),
                };
                (id, Change::Insert(feature), recorded)
            }
            Event::FeatureReplaced { id, feature, .. } => {
                self.feature(*id).ok_or(Error::UnknownFeature { collection, id: *id })?;
                let incoming: IncomingFeature<T> =
                    serde_json::from_value(feature.clone()).map_err(|e| invalid(e.to_string()))?;
                if incoming.id.is_some_and(|given| given != *id) {
                    return Err(invalid(format!("the body's id differs from the URL's id {id}")));
                }
                let feature = checked(Feature {
                    id: *id,
                    geometry: incoming.geometry,
                    properties: incoming.properties,
                })?;
                let recorded = Event::FeatureReplaced {
                    collection: collection.into(),
                    id: *id,
                    feature: to_json(&feature),
                };
                (*id, Change::Replace(feature), recorded)
            }
            Event::FeatureUpdated {
                id,
                properties,
                geometry,
                ..
            } => {
                let current = self.feature(*id).ok_or(Error::UnknownFeature { collection, id: *id })?;
                let mut merged = serde_json::to_value(&current.properties).map_err(|e| invalid(e.to_string()))?;
                merge_patch(&mut merged, properties);
                let properties: T = serde_json::from_value(merged).map_err(|e| invalid(e.to_string()))?;
                let geometry = match geometry {
                    Some(g) => {
                        serde_json::from_value::<ParsedGeometry>(g.clone())
                            .map_err(|e| invalid(e.to_string()))?
                            .0
                    }
                    None => current.geometry.clone(),
                };
                let feature = checked(Feature {
                    id: *id,
                    geometry,
                    properties,
                })?;
                (*id, Change::Replace(feature), event.clone())
            }
            Event::FeatureDeleted { id, .. } => {
                self.feature(*id).ok_or(Error::UnknownFeature { collection, id: *id })?;
                (*id, Change::Remove(*id), event.clone())
            }
            other => {
                return Err(Error::InvalidRequest(format!(
                    "{} is not a change to one feature",
                    other.kind()
                )));
            }
        };
        if recorded.collection() != collection {
            return Err(Error::UnknownCollection(recorded.collection().into()));
        }
        Ok(Prepared {
            event: recorded,
            id,
            change: Box::new(change),
        })
    }

    fn prepared_row(&self, prepared: &Prepared) -> Option<Row> {
        match prepared.change.downcast_ref::<Change<T>>()? {
            Change::Insert(f) | Change::Replace(f) => Some(Row::of(f)),
            Change::Remove(_) => None,
        }
    }

    fn check_new(&self, prepared: &Prepared) -> Result<()> {
        match prepared.change.downcast_ref::<Change<T>>() {
            Some(Change::Insert(f)) => check_new_geometry::<T>(&f.geometry),
            // A geometry left as it was (a change of properties) is not checked
            // again: some county boundaries from the source are not valid.
            Some(Change::Replace(f)) if self.feature(f.id).is_none_or(|old| old.geometry != f.geometry) => {
                check_new_geometry::<T>(&f.geometry)
            }
            _ => Ok(()),
        }
    }

    fn commit(&mut self, prepared: Prepared) -> Result<()> {
        let change = prepared
            .change
            .downcast::<Change<T>>()
            .map_err(|_| Error::InvalidFeature {
                collection: T::INFO.id,
                reason: "change prepared for another collection".into(),
            })?;
        match *change {
            Change::Insert(f) => self.insert(f),
            Change::Replace(f) => self.replace(f).map(drop),
            Change::Remove(id) => self.remove(id).map(drop),
        }
    }
}

impl<T> std::fmt::Debug for Change<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Insert(x) => write!(f, "Insert({})", x.id),
            Self::Replace(x) => write!(f, "Replace({})", x.id),
            Self::Remove(id) => write!(f, "Remove({id})"),
        }
    }
}

/// How many features [`visit_in_batches`] reads at a time.
const VISIT_BATCH: usize = 32;

/// Visits `features` with their values of `fields` (each field's place in
/// `T::FIELDS` and its name), calling `seen` with each feature visited,
/// until the visitor breaks.
///
/// Features found through the R-tree lie scattered over the layer's
/// records, and their texts over the heap: a dense tile's walk waits on
/// memory more than it computes. So the values of a batch of features are
/// read first, then the first byte of each of their texts; the reads of
/// each step do not depend on each other, so their cache misses are
/// fetched together, and the visitor, which hashes and copies the texts,
/// finds them in the cache. The visits are made in order and each sees
/// exactly the values it would see one feature at a time.
fn visit_in_batches<'a, T: Record>(
    mut features: impl Iterator<Item = &'a Feature<T>>,
    fields: &[(usize, &'static str)],
    visit: &mut FeatureVisitor<'_>,
    mut seen: impl FnMut(&'a Feature<T>),
) {
    let k = fields.len();
    let mut batch: Vec<&'a Feature<T>> = Vec::new();
    let mut values: Vec<(&'static str, Value<'a>)> = Vec::new();
    loop {
        batch.clear();
        batch.extend(features.by_ref().take(VISIT_BATCH));
        if batch.is_empty() {
            return;
        }
        values.clear();
        for f in &batch {
            values.extend(fields.iter().map(|(i, name)| (*name, f.properties.value_at(*i))));
        }
        let mut touched = 0u8;
        for (_, v) in &values {
            if let Value::Text(t) = v {
                touched ^= t.as_bytes().first().copied().unwrap_or(0);
            }
        }
        std::hint::black_box(touched);
        for (n, f) in batch.iter().enumerate() {
            seen(f);
            if visit(f.id, &f.geometry, &values[n * k..(n + 1) * k]).is_break() {
                return;
            }
        }
    }
}

/// Calls `visit` with each feature passing `filter` and its field values, until it says stop.
fn visit_each<'a, T: Record>(
    features: impl Iterator<Item = &'a Feature<T>>,
    filter: &Filter,
    visit: &mut FeatureVisitor<'_>,
) {
    let mut values = Vec::with_capacity(T::FIELDS.len());
    for f in features.filter(|f| filter.matches(&f.properties)) {
        values.clear();
        values.extend(
            T::FIELDS
                .iter()
                .enumerate()
                .map(|(i, field)| (field.name, f.properties.value_at(i))),
        );
        if visit(f.id, &f.geometry, &values).is_break() {
            return;
        }
    }
}

fn checked<T: Record>(mut feature: Feature<T>) -> Result<Feature<T>> {
    check_geometry::<T>(&feature.geometry)?;
    feature.properties.derive();
    feature.properties.validate().map_err(|reason| Error::InvalidFeature {
        collection: T::INFO.id,
        reason,
    })?;
    Ok(feature)
}

fn to_json<T: Record>(feature: &Feature<T>) -> serde_json::Value {
    serde_json::to_value(feature).unwrap_or(serde_json::Value::Null)
}

fn page(matching: impl Iterator<Item = FeatureId>, offset: usize, limit: usize) -> Page {
    let mut ids = Vec::new();
    let mut matched = 0;
    for id in matching {
        if matched >= offset && ids.len() < limit {
            ids.push(id);
        }
        matched += 1;
    }
    Page { ids, matched }
}

/// JSON merge patch (RFC 7396): `null` removes a key.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Map<String, serde_json::Value>) {
    json_patch::merge(target, &serde_json::Value::Object(patch.clone()));
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    #[test]
    fn a_null_in_a_merge_patch_removes_the_key_not_writes_null() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        let patch = json!({"a": null, "b": {"c": null, "f": 4}, "e": [2]});
        merge_patch(&mut target, patch.as_object().unwrap());
        assert_eq!(target, json!({"b": {"d": 3, "f": 4}, "e": [2]}));
    }

    /// The points and ranks as a visit of every feature's values gives them.
    fn visited(c: &dyn super::Collection, field: &str, order: &[&str]) -> Vec<(f64, f64, Option<u8>)> {
        let mut out = Vec::new();
        c.visit_all(&crate::filter::Filter::all(), &mut |_, geometry, values| {
            let rank = values.iter().find(|(k, _)| *k == field).and_then(|(_, v)| match v {
                super::Value::Text(code) => order.iter().position(|o| o == code).map(|p| p as u8),
                _ => None,
            });
            if let geo::Geometry::Point(p) = geometry {
                out.push((p.x(), p.y(), rank));
            }
            std::ops::ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn ranked_points_are_the_points_and_ranks_every_feature_visited_gives() {
        use super::Collection;
        let data = crate::generate::tests::small_dataset();
        // Enough enterprises to be read on every core, in id order.
        let template = data.enterprises.clone();
        let many: Vec<_> = (0..70_000u64)
            .map(|i| {
                let mut f = template[i as usize % template.len()].clone();
                f.id = i + 1;
                f
            })
            .collect();
        let layer = crate::layer::Layer::new(many);
        // Not every level: blue is left out, so some ranks are none.
        let order = ["red", "orange", "yellow"];
        let ranked = layer.ranked_points(Some("risk_level"), &order);
        assert_eq!(ranked.len(), 70_000);
        assert!(ranked.iter().any(|p| p.2.is_none()) && ranked.iter().any(|p| p.2 == Some(0)));
        assert_eq!(ranked, visited(&layer, "risk_level", &order));
        // Without a field, no ranks.
        let teams = crate::layer::Layer::new(data.rescue_teams.clone());
        let plain = teams.ranked_points(None, &[]);
        assert_eq!(plain.len(), data.rescue_teams.len());
        assert!(plain.iter().all(|p| p.2.is_none()));
        assert_eq!(plain, visited(&teams, "-", &[]));
    }

    /// A tile's gathering reads the fields asked for (by their place, an
    /// index past the end left out) in their order, as the record's
    /// `value` of each name gives them, on the walk and on the replay.
    #[test]
    fn gathered_values_are_the_values_of_the_fields_asked_for() {
        use super::{Collection, Record};
        use crate::model::Enterprise;
        let data = crate::generate::tests::small_dataset();
        let layer = crate::layer::Layer::new(data.enterprises.clone());
        let rect = Collection::extent(&layer).unwrap();
        let by_id: std::collections::HashMap<_, _> = data.enterprises.iter().map(|f| (f.id, f)).collect();
        for asked in [Some(&[0, 3, 5, 6, 8, 99][..]), None] {
            let names: Vec<&str> = match asked {
                Some(a) => a
                    .iter()
                    .filter_map(|i| Enterprise::FIELDS.get(*i))
                    .map(|f| f.name)
                    .collect(),
                None => Enterprise::FIELDS.iter().map(|f| f.name).collect(),
            };
            let mut walked = Vec::new();
            let check = |id, values: &[(&'static str, super::Value<'_>)]| {
                let f = by_id[&id];
                let expected: Vec<_> = names.iter().map(|n| (*n, f.properties.value(n))).collect();
                assert_eq!(values, expected.as_slice(), "feature {id}");
            };
            let replay = layer.gather_in_rect(rect, &crate::filter::Filter::all(), asked, &mut |id, _, values| {
                check(id, values);
                walked.push(id);
                std::ops::ControlFlow::Continue(())
            });
            assert_eq!(walked.len(), data.enterprises.len());
            let order: Vec<u32> = (0..walked.len() as u32).rev().step_by(97).collect();
            let mut replayed = Vec::new();
            replay(&order, &mut |id, _, values| {
                check(id, values);
                replayed.push(id);
                std::ops::ControlFlow::Continue(())
            });
            let expected: Vec<_> = order.iter().map(|i| walked[*i as usize]).collect();
            assert_eq!(replayed, expected);
        }
    }

    /// The walk is read in batches (`visit_in_batches`): a visitor that
    /// breaks stops the walk at its own feature, in a batch or at a batch's
    /// edge; only the features walked can be replayed; a gathering that
    /// asks for no field still visits every feature.
    #[test]
    fn a_gathering_walk_stops_at_the_feature_that_breaks() {
        use super::Collection;
        use std::ops::ControlFlow;
        let data = crate::generate::tests::small_dataset();
        let layer = crate::layer::Layer::new(data.enterprises.clone());
        let rect = Collection::extent(&layer).unwrap();
        let all = crate::filter::Filter::all();
        let mut whole = Vec::new();
        let _ = layer.gather_in_rect(rect, &all, Some(&[]), &mut |id, _, values| {
            assert!(values.is_empty());
            whole.push(id);
            ControlFlow::Continue(())
        });
        assert_eq!(whole.len(), data.enterprises.len());
        assert!(whole.len() > 70, "enough features for several batches");
        for stop in [1, 31, 32, 33, 64, 70] {
            let mut walked = Vec::new();
            let replay = layer.gather_in_rect(rect, &all, None, &mut |id, _, _| {
                walked.push(id);
                if walked.len() == stop {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert_eq!(walked, whole[..stop], "a walk broken at feature {stop}");
            let order: Vec<u32> = (0..whole.len() as u32).rev().collect();
            let mut replayed = Vec::new();
            replay(&order, &mut |id, _, _| {
                replayed.push(id);
                ControlFlow::Continue(())
            });
            let expected: Vec<_> = walked.iter().rev().copied().collect();
            assert_eq!(replayed, expected, "only the {stop} features walked are replayed");
        }
    }
}
