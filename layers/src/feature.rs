//! [`Feature`]: an id, a geometry and typed properties, read and written as a
//! GeoJSON (RFC 7946) Feature without going through an untyped JSON tree.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// A feature's id, unique within its layer.
pub type FeatureId = u64;

/// One feature of a layer: id, geometry (lon/lat degrees, WGS 84) and properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature<T> {
    /// Unique within the layer.
    pub id: FeatureId,
    /// Longitude/latitude in degrees.
    pub geometry: Geometry<f64>,
    /// The layer's attributes.
    pub properties: T,
}

impl<T: Serialize> Serialize for Feature<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("geometry", &GeoJsonGeometry(&self.geometry))?;
        map.serialize_entry("properties", &self.properties)?;
        map.end()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Feature<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FeatureVisitor(PhantomData))
    }
}

struct FeatureVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for FeatureVisitor<T> {
    type Value = Feature<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON Feature with a numeric id, a geometry and properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut id, mut geometry, mut properties) = (None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => {
                    let kind = map.next_value::<std::borrow::Cow<'de, str>>()?;
                    if kind != "Feature" {
                        return Err(de::Error::custom(format!(
                            "expected \"type\": \"Feature\", found {kind:?}"
                        )));
                    }
                }
                "id" => id = Some(map.next_value::<FeatureId>()?),
                "geometry" => geometry = Some(map.next_value::<ParsedGeometry>()?.0),
                "properties" => properties = Some(map.next_value::<T>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Feature {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            geometry: geometry.ok_or_else(|| de::Error::missing_field("geometry"))?,
            properties: properties.ok_or_else(|| de::Error::missing_field("properties"))?,
        })
    }
}

/// A GeoJSON feature arriving from a client: the id is optional (the store assigns it).
#[derive(Debug, Clone)]
pub struct IncomingFeature<T> {
    /// The id the client gave, if any.
    pub id: Option<FeatureId>,
    /// The geometry.
    pub geometry: Geometry<f64>,
    /// The properties, typed.
    pub properties: T,
}

/// Serialises a geo [`Geometry`] as GeoJSON.
#[derive(Debug, Clone, Copy)]
pub struct GeoJsonGeometry<'a>(pub &'a Geometry<f64>);

impl Serialize for GeoJsonGeometry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        match self.0 {
            Geometry::Point(p) => {
                map.serialize_entry("type", "Point")?;
                map.serialize_entry("coordinates", &Position(p.0))?;
            }
            Geometry::LineString(l) => {
                map.serialize_entry("type", "LineString")?;
                map.serialize_entry("coordinates", &Ring(l))?;
            }
            Geometry::Polygon(p) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &Rings(p))?;
            }
            Geometry::MultiPolygon(mp) => {
                map.serialize_entry("type", "MultiPolygon")?;
                let polygons: Vec<Rings<'_>> = mp.0.iter().map(Rings).collect();
                map.serialize_entry("coordinates", &polygons)?;
            }
            Geometry::MultiLineString(ml) => {
                map.serialize_entry("type", "MultiLineString")?;
                let lines: Vec<Ring<'_>> = ml.0.iter().map(Ring).collect();
                map.serialize_entry("coordinates", &lines)?;
            }
            Geometry::MultiPoint(mp) => {
                map.serialize_entry("type", "MultiPoint")?;
                let points: Vec<Position> = mp.0.iter().map(|p| Position(p.0)).collect();
                map.serialize_entry("coordinates", &points)?;
            }
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "geometry {other:?} has no GeoJSON form here"
                )));
            }
        }
        map.end()
    }
}

struct Position(Coord<f64>);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(2))?;
        seq.serialize_element(&self.0.x)?;
        seq.serialize_element(&self.0.y)?;
        seq.end()
    }
}

struct Ring<'a>(&'a LineString<f64>);

impl Serialize for Ring<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.0.iter().map(|c| Position(*c)))
    }
}

struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rings = std::iter::once(self.0.exterior()).chain(self.0.interiors());
        serializer.collect_seq(rings.map(Ring))
    }
}

/// A GeoJSON geometry parsed straight into a geo [`Geometry`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedGeometry(pub Geometry<f64>);

impl<'de> Deserialize<'de> for ParsedGeometry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(GeometryVisitor)
    }
}

struct GeometryVisitor;

impl<'de> Visitor<'de> for GeometryVisitor {
    type Value = ParsedGeometry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON geometry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut kind, mut coordinates) = (None::<String>, None::<Nested>);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => kind = Some(map.next_value::<String>()?),
                "coordinates" => coordinates = Some(map.next_value::<Nested>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
        let coordinates = coordinates.ok_or_else(|| de::Error::missing_field("coordinates"))?;
        build_geometry(&kind, coordinates)
            .map(ParsedGeometry)
            .map_err(de::Error::custom)
    }
}

/// GeoJSON coordinates of any depth.
#[derive(Debug)]
enum Nested {
    Position(Coord<f64>),
    List(Vec<Nested>),
}

impl<'de> Deserialize<'de> for Nested {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(NestedVisitor)
    }
}

struct NestedVisitor;

/// One element of a coordinates array: a number (inside a position) or a deeper array.
enum Element {
    Number(f64),
    Nested(Nested),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Element, E> {
                Ok(Element::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Element, E> {
                Ok(Element::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Element, E> {
                Ok(Element::Number(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
                NestedVisitor.visit_seq(seq).map(Element::Nested)
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

impl<'de> Visitor<'de> for NestedVisitor {
    type Value = Nested;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Nested, A::Error> {
        match seq.next_element::<Element>()? {
            None => Ok(Nested::List(Vec::new())),
            Some(Element::Number(x)) => {
                let y = seq
                    .next_element::<f64>()?
                    .ok_or_else(|| de::Error::custom("a position needs two numbers"))?;
                // Altitude and beyond are accepted and dropped (RFC 7946 §3.1.1).
                while seq.next_element::<f64>()?.is_some() {}
                Ok(Nested::Position(Coord { x, y }))
            }
            Some(Element::Nested(first)) => {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(8) + 1);
                items.push(first);
                while let Some(item) = seq.next_element::<Nested>()? {
                    items.push(item);
                }
                Ok(Nested::List(items))
            }
        }
    }
}

fn position(n: Nested) -> Result<Coord<f64>, String> {
    match n {
        Nested::Position(c) if c.x.is_finite() && c.y.is_finite() => Ok(c),
        Nested::Position(_) => Err("coordinates must be finite numbers".into()),
        Nested::List(_) => Err("expected a position [lon, lat]".into()),
    }
}

fn list(n: Nested) -> Result<Vec<Nested>, String> {
    match n {
        Nested::List(items) => Ok(items),
        Nested::Position(_) => Err("expected an array of positions".into()),
    }
}

fn line(n: Nested) -> Result<LineString<f64>, String> {
    let coords = list(n)?.into_iter().map(position).collect::<Result<Vec<_>, _>>()?;
    Ok(LineString::new(coords))
}

fn polygon(n: Nested) -> Result<Polygon<f64>, String> {
    let mut rings = list(n)?.into_iter().map(line);
    let exterior = rings
        .next()
        .ok_or_else(|| "a polygon needs an exterior ring".to_string())??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    for ring in std::iter::once(&exterior).chain(&interiors) {
        if ring.0.len() < 4 || ring.0.first() != ring.0.last() {
            return Err("a polygon ring needs at least four positions and must be closed".into());
        }
    }
    Ok(Polygon::new(exterior, interiors))
}

fn build_geometry(kind: &str, coordinates: Nested) -> Result<Geometry<f64>, String> {
    Ok(match kind {
        "Point" => Geometry::Point(Point(position(coordinates)?)),
        "LineString" => {
            let l = line(coordinates)?;
            if l.0.len() < 2 {
                return Err("a LineString needs at least two positions".into());
            }
            Geometry::LineString(l)
        }
        "Polygon" => Geometry::Polygon(polygon(coordinates)?),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(
            list(coordinates)?
                .into_iter()
                .map(|n| position(n).map(Point))
                .collect::<Result<_, _>>()?,
        )),
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            list(coordinates)?.into_iter().map(line).collect::<Result<_, _>>()?,
        )),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            list(coordinates)?.into_iter().map(polygon).collect::<Result<_, _>>()?,
        )),
        other => return Err(format!("unsupported geometry type {other:?}")),
    })
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for IncomingFeature<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw<T> {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            id: Option<FeatureId>,
            geometry: ParsedGeometry,
            properties: T,
            #[serde(default, rename = "links")]
            _links: IgnoredAny,
        }
        let raw = Raw::<T>::deserialize(deserializer)?;
        if raw.kind != "Feature" {
            return Err(de::Error::custom(format!(
                "expected \"type\": \"Feature\", found {:?}",
                raw.kind
            )));
        }
        Ok(IncomingFeature {
            id: raw.id,
            geometry: raw.geometry.0,
            properties: raw.properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Props {
        name: String,
    }

    #[test]
    fn feature_round_trips_through_geojson() {
        let polygon = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        );
        for geometry in [
            Geometry::Point(Point::new(112.5, 37.8)),
            Geometry::LineString(LineString::from(vec![(1.0, 2.0), (3.0, 4.0)])),
            Geometry::Polygon(polygon.clone()),
            Geometry::MultiPolygon(MultiPolygon(vec![polygon.clone(), polygon])),
        ] {
            let feature = Feature {
                id: 7,
                geometry,
                properties: Props { name: "太原".into() },
            };
            let text = serde_json::to_string(&feature).unwrap();
            let back: Feature<Props> = serde_json::from_str(&text).unwrap();
            assert_eq!(back, feature);
        }
    }

    #[test]
    fn keys_may_come_in_any_order_and_altitude_is_dropped() {
        let text = json!({"properties": {"name": "x"}, "geometry": {"coordinates": [1, 2, 30], "type": "Point"}, "id": 3, "type": "Feature"});
        let f: Feature<Props> = serde_json::from_value(text).unwrap();
        assert_eq!(f.geometry, Geometry::Point(Point::new(1.0, 2.0)));
    }

    #[test]
    fn malformed_geometry_is_rejected_with_a_reason() {
        for (geometry, why) in [
            (json!({"type": "Point", "coordinates": [1]}), "two numbers"),
            (json!({"type": "Point", "coordinates": [[1, 2]]}), "position"),
            (json!({"type": "LineString", "coordinates": [[1, 2]]}), "two positions"),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1]]]}),
                "closed",
            ),
            (json!({"type": "Blob", "coordinates": [1, 2]}), "unsupported"),
        ] {
            let text = json!({"type": "Feature", "id": 1, "geometry": geometry, "properties": {"name": "x"}});
            let err = serde_json::from_value::<Feature<Props>>(text).unwrap_err().to_string();
            assert!(err.contains(why), "{err} should mention {why}");
        }
    }

    #[test]
    fn incoming_feature_may_omit_its_id_but_not_its_type() {
        let ok = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"name": "x"}});
        let f: IncomingFeature<Props> = serde_json::from_value(ok).unwrap();
        assert_eq!(f.id, None);
        let bad = json!({"type": "FeatureCollection", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"name": "x"}});
        assert!(serde_json::from_value::<IncomingFeature<Props>>(bad).is_err());
    }
}
