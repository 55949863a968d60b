//! Fuzzing GeoJSON feature bodies (`POST`, `PUT` and `PATCH` on
//! `/collections/{id}/items` reach `Collection::prepare` and
//! `Collection::check_new` with the body as the client sent it): every
//! layer's own features with a property given another JSON value, the
//! geometry replaced by any GeoJSON-looking value (wrong types, rings that
//! do not close, coordinates out of range, huge, empty or deeply nested),
//! members dropped or added, are prepared and checked into a change or
//! refused with a reason, never a panic; an accepted change commits and the
//! feature reads back as GeoJSON.

mod fuzzing;

use fuzzing::{fail, fuzz};
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::{Catalog, Dataset, Error, Event, Filter};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The scale-1 dataset, generated once.
fn dataset() -> Dataset {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    generate::generate(&counties, Options::default(), &Silent).expect("dataset")
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |x| x.is_finite())
            .prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
        "(2024-02-30|2024-13-01|1999-12-31T23:59:60Z|-1|1e308|major|general|I|IV|chlorine|[a-z_]{1,10})"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A coordinate: in the province, anywhere on Earth, out of range, or huge.
fn coord() -> impl Strategy<Value = Value> {
    let lon = prop_oneof![110.2..114.6f64, -180.0..180.0f64, -1e300..1e300f64, Just(0.0)];
    let lat = prop_oneof![34.5..40.8f64, -90.0..90.0f64, -1e300..1e300f64, Just(91.0)];
    prop_oneof![
        8 => (lon, lat).prop_map(|(x, y)| json!([x, y])),
        1 => prop::collection::vec(any::<f64>().prop_filter("finite", |x| x.is_finite()), 0..5).prop_map(Value::from),
        1 => any_json(),
    ]
}

/// A ring: closed, open, too short or long, sometimes crossing itself.
fn ring() -> impl Strategy<Value = Value> {
    (prop::collection::vec(coord(), 0..12), any::<bool>()).prop_map(|(mut points, close)| {
        if close && let Some(first) = points.first().cloned() {
            points.push(first);
        }
        Value::from(points)
    })
}

/// A small ring around a point in the province: a valid polygon's ring.
fn square() -> impl Strategy<Value = Value> {
    (110.5..114.3f64, 35.0..40.5f64, 1e-4..0.05f64)
        .prop_map(|(x, y, d)| json!([[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]))
}

/// Anything that may stand in a feature's `geometry`.
fn geometry() -> impl Strategy<Value = Value> {
    let kind = "(Point|LineString|Polygon|MultiPoint|MultiLineString|MultiPolygon|GeometryCollection|point|Feature|)";
    prop_oneof![
        2 => coord().prop_map(|c| json!({"type": "Point", "coordinates": c})),
        2 => prop::collection::vec(coord(), 0..8).prop_map(|c| json!({"type": "LineString", "coordinates": c})),
        2 => prop::collection::vec(ring(), 0..3).prop_map(|r| json!({"type": "Polygon", "coordinates": r})),
        2 => square().prop_map(|r| json!({"type": "Polygon", "coordinates": [r]})),
        1 => prop::collection::vec(prop::collection::vec(ring(), 0..2), 0..3)
            .prop_map(|p| json!({"type": "MultiPolygon", "coordinates": p})),
        1 => (kind, any_json()).prop_map(|(t, c)| json!({"type": t, "coordinates": c})),
        1 => any_json(),
    ]
}

/// What is done to a feature before it is sent.
#[derive(Debug, Clone)]
enum Edit {
    /// A property given another value (`None`: the property removed).
    Property(Index, Option<Value>),
    /// A property the layer does not know.
    Unknown(String, Value),
    /// The geometry replaced.
    Geometry(Value),
    /// A top-level member (`type`, `id`, `geometry`, `properties`) removed.
    Drop(Index),
    /// A top-level member given any value.
    Member(Index, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), prop::option::weighted(0.85, any_json())).prop_map(|(i, v)| Edit::Property(i, v)),
        1 => ("[a-z_]{1,10}", any_json()).prop_map(|(k, v)| Edit::Unknown(k, v)),
        4 => geometry().prop_map(Edit::Geometry),
        1 => any::<Index>().prop_map(Edit::Drop),
        1 => (any::<Index>(), any_json()).prop_map(|(i, v)| Edit::Member(i, v)),
    ]
}

const MEMBERS: [&str; 4] = ["type", "id", "geometry", "properties"];

fn apply(feature: &mut Value, edit: &Edit) {
    match edit {
        Edit::Property(i, value) => {
            if let Some(props) = feature.get_mut("properties").and_then(Value::as_object_mut)
                && !props.is_empty()
            {
                let key = props.keys().nth(i.index(props.len())).cloned().unwrap_or_default();
                match value {
                    Some(v) => props.insert(key, v.clone()),
                    None => props.remove(&key),
                };
            }
        }
        Edit::Unknown(key, value) => {
            if let Some(props) = feature.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert(key.clone(), value.clone());
            }
        }
        Edit::Geometry(g) => feature["geometry"] = g.clone(),
        Edit::Drop(i) => {
            if let Some(o) = feature.as_object_mut() {
                o.remove(MEMBERS[i.index(MEMBERS.len())]);
            }
        }
        Edit::Member(i, value) => feature[MEMBERS[i.index(MEMBERS.len())]] = value.clone(),
    }
}

/// A clean refusal: one of the errors a route turns into a 4xx with a reason.
fn refused_cleanly(e: &Error) -> bool {
    let reason = e.to_string();
    !reason.is_empty()
        && matches!(
            e,
            Error::InvalidFeature { .. }
                | Error::InvalidGeometry { .. }
                | Error::DuplicateFeature { .. }
                | Error::UnknownFeature { .. }
                | Error::InvalidRequest(_)
        )
}

#[test]
fn any_feature_body_is_stored_whole_or_refused_with_a_reason() {
    let catalog = Catalog::new(dataset());
    let (accepted, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let ids: Vec<&'static str> = Catalog::ids().collect();
    let strategy = (
        any::<Index>(),
        any::<Index>(),
        0u8..3,
        prop::collection::vec(edit(), 1..4),
    );
    fuzz("feature_bodies", 1.0, strategy, |(layer, pick, verb, edits)| {
        let id = ids[layer.index(ids.len())];
        // A feature of the layer, as GET /collections/{id}/items/{fid} shows it.
        let (fid, mut feature) = {
            let collection = catalog.read(id).ok_or_else(|| fail(format!("no layer {id}")))?;
            let page = collection.query(None, &Filter::all(), 0, 64);
            let Some(&fid) = page.ids.get(pick.index(page.ids.len().max(1))) else {
                return Ok(()); // an empty layer: nothing to start from
            };
            let mut out = Vec::new();
            collection.write_feature(fid, &mut out);
            let feature: Value = serde_json::from_slice(&out).map_err(|e| fail(format!("{id}/{fid}: {e}")))?;
            (fid, feature)
        };
        for e in &edits {
            apply(&mut feature, e);
        }
        let event = match verb {
            0 => {
                if let Some(o) = feature.as_object_mut() {
                    o.remove("id");
                }
                Event::FeatureCreated {
                    collection: id.into(),
                    feature: feature.clone(),
                }
            }
            1 => Event::FeatureReplaced {
                collection: id.into(),
                id: fid,
                feature: feature.clone(),
            },
            _ => Event::FeatureUpdated {
                collection: id.into(),
                id: fid,
                properties: feature
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                geometry: feature.get("geometry").cloned(),
            },
        };
        let mut collection = catalog.write(id).ok_or_else(|| fail(format!("no layer {id}")))?;
        let prepared = match collection
            .prepare(&event)
            .and_then(|p| collection.check_new(&p).map(|()| p))
        {
            Ok(p) => p,
            Err(e) if refused_cleanly(&e) => {
                refused.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            Err(e) => return Err(fail(format!("{id}: not a clean refusal: {e:?} for {feature}"))),
        };
        // Accepted: it commits, and the feature reads back whole.
        let stored = prepared.id;
        collection
            .commit(prepared)
            .map_err(|e| fail(format!("{id}: accepted but not committed: {e:?} for {feature}")))?;
        let mut out = Vec::new();
        prop_assert!(
            collection.write_feature(stored, &mut out),
            "{id}/{stored} is gone after its commit"
        );
        let back: Value = serde_json::from_slice(&out).map_err(|e| fail(format!("{id}/{stored} reads back as {e}")))?;
        prop_assert_eq!(back["type"].as_str(), Some("Feature"));
        prop_assert!(back["geometry"].is_object(), "{id}/{stored}: no geometry read back");
        accepted.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    let (accepted, refused) = (accepted.into_inner(), refused.into_inner());
    eprintln!("feature bodies: {accepted} stored, {refused} refused");
    // Both paths were walked: edits that leave a feature valid are stored.
    assert!(accepted > 0 && refused > 0, "{accepted} stored, {refused} refused");
}
