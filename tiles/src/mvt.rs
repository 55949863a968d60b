//! Mapbox Vector Tile 2.1 encoding, written directly as protobuf.
//!
//! A [`TileBuilder`] holds named layers; each [`LayerBuilder`] deduplicates its
//! keys and values and encodes features as they are added, so a tile is built
//! in one pass with no intermediate tree. Geometry arrives in tile coordinates
//! (integers, `0..extent` plus a buffer), already clipped and with rings wound
//! as the spec asks (see [`crate::clip`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: tile tables hold many short strings, which SipHash hashes slowly.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// A property value, as MVT can carry it. Text may be borrowed: a layer
/// copies a value only the first time it sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue<'a> {
    /// Text.
    String(Cow<'a, str>),
    /// A real number.
    Double(f64),
    /// A signed whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl PropertyValue<'_> {
    fn into_owned(self) -> PropertyValue<'static> {
        match self {
            Self::String(s) => PropertyValue::String(Cow::Owned(s.into_owned())),
            Self::Double(d) => PropertyValue::Double(d),
            Self::Int(i) => PropertyValue::Int(i),
            Self::Bool(b) => PropertyValue::Bool(b),
        }
    }
}

/// A geometry in tile coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    /// One or more points.
    Points(Vec<[i32; 2]>),
    /// One or more lines, each of two or more points.
    Lines(Vec<Vec<[i32; 2]>>),
    /// Polygons: each a list of rings, exterior first (not closed: the first
    /// point is not repeated), exterior clockwise and holes anticlockwise in
    /// tile coordinates (y down).
    Polygons(Vec<Vec<Vec<[i32; 2]>>>),
}

impl TileGeometry {
    /// Whether nothing is left to draw.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Points(p) => p.is_empty(),
            Self::Lines(l) => l.is_empty(),
            Self::Polygons(p) => p.is_empty(),
        }
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

/// Encodes geometry commands (MoveTo 1, LineTo 2, ClosePath 7) with zigzag
/// deltas into `out` (emptied first); returns the MVT geometry type.
fn encode_geometry(geometry: &TileGeometry, out: &mut Vec<u32>) -> u32 {
    out.clear();
    let mut cursor = [0i32; 2];
    let mut push = |out: &mut Vec<u32>, p: [i32; 2]| {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        cursor = p;
    };
    match geometry {
        TileGeometry::Points(points) => {
            out.push(command(1, points.len() as u32));
            for p in points {
                push(out, *p);
            }
            1
        }
        TileGeometry::Lines(lines) => {
            for line in lines {
                out.push(command(1, 1));
                push(out, line[0]);
                out.push(command(2, (line.len() - 1) as u32));
                for p in &line[1..] {
                    push(out, *p);
                }
            }
            2
        }
        TileGeometry::Polygons(polygons) => {
            for ring in polygons.iter().flatten() {
                out.push(command(1, 1));
                push(out, ring[0]);
                out.push(command(2, (ring.len() - 1) as u32));
                for p in &ring[1..] {
                    push(out, *p);
                }
                out.push(command(7, 1));
            }
            3
        }
    }
}

/// One layer of a tile under construction.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    key_index: FastMap<String, u32>,
    values: Vec<PropertyValue<'static>>,
    /// Text values by their text (found without copying the text);
    /// numbers and booleans by their bits.
    text_index: FastMap<String, u32>,
    other_index: FastMap<(u8, u64), u32>,
    features: Vec<u8>,
    table_bytes: usize,
    count: usize,
    /// Reused for every feature: its tags, its commands, its bytes.
    tags: Vec<u32>,
    commands: Vec<u32>,
    packed: Vec<u8>,
    feature: Vec<u8>,
}

impl LayerBuilder {
    /// An empty layer.
    pub fn new(name: impl Into<String>, extent: u32) -> Self {
        Self {
            name: name.into(),
            extent,
            keys: Vec::new(),
            key_index: FastMap::default(),
            values: Vec::new(),
            text_index: FastMap::default(),
            other_index: FastMap::default(),
            features: Vec::new(),
            table_bytes: 0,
            count: 0,
            tags: Vec::new(),
            commands: Vec::new(),
            packed: Vec::new(),
            feature: Vec::new(),
        }
    }

    /// Number of features added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no feature was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes encoded so far (features and their key and value tables), for size budgets.
    pub fn encoded_len(&self) -> usize {
        self.features.len() + self.table_bytes
    }

    fn value_index(&mut self, v: PropertyValue<'_>) -> u32 {
        let found = match &v {
            PropertyValue::String(s) => self.text_index.get(s.as_ref()),
            PropertyValue::Double(d) => self.other_index.get(&(0, d.to_bits())),
            PropertyValue::Int(i) => self.other_index.get(&(1, *i as u64)),
            PropertyValue::Bool(b) => self.other_index.get(&(2, u64::from(*b))),
        };
        if let Some(i) = found {
            return *i;
        }
        let i = self.values.len() as u32;
        match &v {
            PropertyValue::String(s) => {
                self.table_bytes += s.len() + 4;
                self.text_index.insert(s.as_ref().to_owned(), i);
            }
            PropertyValue::Double(d) => {
                self.table_bytes += 12;
                self.other_index.insert((0, d.to_bits()), i);
            }
            PropertyValue::Int(n) => {
                self.table_bytes += 12;
                self.other_index.insert((1, *n as u64), i);
            }
            PropertyValue::Bool(b) => {
                self.table_bytes += 12;
                self.other_index.insert((2, u64::from(*b)), i);
            }
        }
        self.values.push(v.into_owned());
        i
    }

    /// Adds a feature; empty geometry is skipped (returns false).
    pub fn add_feature<'a, 'v>(
        &mut self,
        id: Option<u64>,
        geometry: &TileGeometry,
        properties: impl IntoIterator<Item = (&'a str, PropertyValue<'v>)>,
    ) -> bool {
        if geometry.is_empty() {
            return false;
        }
        let mut tags = std::mem::take(&mut self.tags);
        tags.clear();
        for (k, v) in properties {
            let ki = match self.key_index.get(k) {
                Some(i) => *i,
                None => {
                    let i = self.keys.len() as u32;
                    self.table_bytes += k.len() + 2;
                    self.keys.push(k.to_owned());
                    self.key_index.insert(k.to_owned(), i);
                    i
                }
            };
            let vi = self.value_index(v);
            tags.push(ki);
            tags.push(vi);
        }
        let kind = encode_geometry(geometry, &mut self.commands);
        let (feature, packed) = (&mut self.feature, &mut self.packed);
        feature.clear();
        if let Some(id) = id {
            key(feature, 1, 0);
            varint(feature, id);
        }
        if !tags.is_empty() {
            packed.clear();
            for t in &tags {
                varint(packed, u64::from(*t));
            }
            bytes_field(feature, 2, packed);
        }
        key(feature, 3, 0);
        varint(feature, u64::from(kind));
        packed.clear();
        for c in &self.commands {
            varint(packed, u64::from(*c));
        }
        bytes_field(feature, 4, packed);
        bytes_field(&mut self.features, 2, feature);
        self.tags = tags;
        self.count += 1;
        true
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let mut layer = Vec::with_capacity(self.features.len() + 64 + self.keys.len() * 16);
        key(&mut layer, 15, 0);
        varint(&mut layer, 2);
        bytes_field(&mut layer, 1, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(&mut layer, 3, k.as_bytes());
        }
        for v in &self.values {
            let mut value = Vec::with_capacity(16);
            match v {
                PropertyValue::String(s) => bytes_field(&mut value, 1, s.as_bytes()),
                PropertyValue::Double(d) => {
                    key(&mut value, 3, 1);
                    value.extend_from_slice(&d.to_le_bytes());
                }
                PropertyValue::Int(i) if *i >= 0 => {
                    key(&mut value, 5, 0);
                    varint(&mut value, *i as u64);
                }
                PropertyValue::Int(i) => {
                    key(&mut value, 6, 0);
                    varint(&mut value, ((i << 1) ^ (i >> 63)) as u64);
                }
                PropertyValue::Bool(b) => {
                    key(&mut value, 7, 0);
                    varint(&mut value, u64::from(*b));
                }
            }
            bytes_field(&mut layer, 4, &value);
        }
        key(&mut layer, 5, 0);
        varint(&mut layer, u64::from(self.extent));
        bytes_field(out, 3, &layer);
    }
}

/// A tile under construction: layers in drawing order.
#[derive(Debug, Default)]
pub struct TileBuilder {
    layers: Vec<LayerBuilder>,
}

impl TileBuilder {
    /// An empty tile.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a layer (layers without features are left out of the tile).
    pub fn push(&mut self, layer: LayerBuilder) {
        if !layer.is_empty() {
            self.layers.push(layer);
        }
    }

    /// Whether no layer has a feature.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The encoded tile.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.layers.iter().map(|l| l.encoded_len() + 256).sum());
        for layer in &self.layers {
            layer.encode(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_len_counts_the_key_and_value_tables() {
        let mut layer = LayerBuilder::new("enterprises", 4096);
        for i in 0..1000 {
            let name = PropertyValue::String(format!("太原市某某化工有限公司{i}").into());
            layer.add_feature(Some(i), &TileGeometry::Points(vec![[i as i32, 7]]), [("name", name)]);
        }
        let mut tile = TileBuilder::new();
        let estimate = layer.encoded_len();
        tile.push(layer);
        let size = tile.encode().len();
        assert!(
            size >= estimate && size <= estimate + 64,
            "{size} bytes, estimated {estimate}"
        );
    }

    #[test]
    fn repeated_values_are_stored_once() {
        let mut layer = LayerBuilder::new("l", 4096);
        for i in 0..100 {
            layer.add_feature(
                Some(i),
                &TileGeometry::Points(vec![[1, 1]]),
                [("risk_level", PropertyValue::String("red".into()))],
            );
        }
        assert_eq!((layer.keys.len(), layer.values.len()), (1, 1));
    }

    #[test]
    fn empty_geometry_is_not_a_feature() {
        let mut layer = LayerBuilder::new("l", 4096);
        assert!(!layer.add_feature(None, &TileGeometry::Lines(vec![]), []));
        assert!(layer.is_empty());
        let mut tile = TileBuilder::new();
        tile.push(layer);
        assert!(tile.is_empty());
    }
}
