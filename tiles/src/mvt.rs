//! Mapbox Vector Tile 2.1 encoding, written directly as protobuf.
//!
//! A [`TileBuilder`] holds named layers; each [`LayerBuilder`] deduplicates its
//! keys and values and encodes features as they are added, so a tile is built
//! in one pass with no intermediate tree. Geometry arrives in tile coordinates
//! (integers, `0..extent` plus a buffer), already clipped and with rings wound
//! as the spec asks (see [`crate::clip`]).
//!
//! The hot path of a cold tile is here: a dense enterprise tile adds
//! thousands of features of five properties each. So a key is found by its
//! place (features of a layer name their keys in the same order), a value
//! is hashed once with rapidhash and its text copied once (into the value
//! table, which is encoded as it grows and which the index of values points
//! into), a point is written without building a geometry, and each feature
//! is written straight into the layer's bytes.

use hashbrown::HashTable;
use std::borrow::Cow;
use std::hash::Hasher;

/// rapidhash of bytes: tile tables hold many short strings (names, codes),
/// hashed a word at a time rather than a byte at a time (FNV-1a before).
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = rapidhash::fast::RapidHasher::default();
    h.write(bytes);
    h.finish()
}

/// rapidhash of a number or a boolean: its kind and its bits.
fn hash_other(key: (u8, u64)) -> u64 {
    let mut h = rapidhash::fast::RapidHasher::default();
    h.write_u8(key.0);
    h.write_u64(key.1);
    h.finish()
}

/// A text value of the table: where its text is in the encoded table, and its index.
#[derive(Debug, Clone, Copy)]
struct TextEntry {
    start: usize,
    end: usize,
    index: u32,
}

/// A number or a boolean of the table: its kind (0 double, 1 integer,
/// 2 boolean) and bits, and its index.
#[derive(Debug, Clone, Copy)]
struct OtherEntry {
    key: (u8, u64),
    index: u32,
}

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

/// Bytes of `v` as a varint.
fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Bytes of a length-delimited field of `len` bytes (field numbers below 16).
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// One layer of a tile under construction.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    /// The value table as it is written: one `Value` message (field 4) per
    /// distinct value, in the order the values came.
    values: Vec<u8>,
    value_count: u32,
    /// Text values by their text, which is read from `values` (the text
    /// is not copied again); numbers and booleans by their kind and bits.
    /// A value looked up is hashed once, whether it is found or added (the
    /// entries are hashed again only when an index grows).
    text_index: HashTable<TextEntry>,
    other_index: HashTable<OtherEntry>,
    features: Vec<u8>,
    table_bytes: usize,
    count: usize,
    /// Reused for every feature: its packed tags, its commands, its packed geometry.
    tags: Vec<u8>,
    commands: Vec<u32>,
    geometry: Vec<u8>,
}

impl LayerBuilder {
    /// An empty layer.
    pub fn new(name: impl Into<String>, extent: u32) -> Self {
        Self {
            name: name.into(),
            extent,
            keys: Vec::new(),
            values: Vec::new(),
            value_count: 0,
            text_index: HashTable::new(),
            other_index: HashTable::new(),
            features: Vec::new(),
            table_bytes: 0,
            count: 0,
            tags: Vec::new(),
            commands: Vec::new(),
            geometry: Vec::new(),
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

    /// The index of key `k`, the `nth` of its feature: features of a layer
    /// name their keys in the same order, so the key is looked for at that
    /// place first, then among the few others.
    fn key_index(&mut self, nth: usize, k: &str) -> u32 {
        if self.keys.get(nth).is_some_and(|x| x == k) {
            return nth as u32;
        }
        if let Some(i) = self.keys.iter().position(|x| x == k) {
            return i as u32;
        }
        self.table_bytes += k.len() + 2;
        self.keys.push(k.to_owned());
        (self.keys.len() - 1) as u32
    }

    fn value_index(&mut self, v: &PropertyValue<'_>) -> u32 {
        let i = self.value_count;
        match v {
            PropertyValue::String(s) => return self.text_index(s),
            PropertyValue::Double(d) => {
                if let Some(i) = self.other_index((0, d.to_bits())) {
                    return i;
                }
                let out = &mut self.values;
                key(out, 4, 2);
                varint(out, 9);
                key(out, 3, 1);
                out.extend_from_slice(&d.to_le_bytes());
            }
            PropertyValue::Int(n) => {
                if let Some(i) = self.other_index((1, *n as u64)) {
                    return i;
                }
                let (field, v) = if *n >= 0 {
                    (5, *n as u64)
                } else {
                    (6, ((n << 1) ^ (n >> 63)) as u64)
                };
                let out = &mut self.values;
                key(out, 4, 2);
                varint(out, 1 + varint_len(v) as u64);
                key(out, field, 0);
                varint(out, v);
            }
            PropertyValue::Bool(b) => {
                if let Some(i) = self.other_index((2, u64::from(*b))) {
                    return i;
                }
                let out = &mut self.values;
                key(out, 4, 2);
                varint(out, 2);
                key(out, 7, 0);
                varint(out, u64::from(*b));
            }
        }
        self.value_count += 1;
        i
    }

    /// The index of the number or boolean of kind and bits `other`, hashed
    /// once; `None` when it is new, and entered as the next value (which
    /// the caller then writes).
    fn other_index(&mut self, other: (u8, u64)) -> Option<u32> {
        let entry = self
            .other_index
            .entry(hash_other(other), |e| e.key == other, |e| hash_other(e.key));
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => Some(e.get().index),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(OtherEntry {
                    key: other,
                    index: self.value_count,
                });
                self.table_bytes += 12;
                None
            }
        }
    }

    /// The index of text `s`: hashed once, compared with the texts already
    /// in the encoded table, written there (and only there) when new.
    fn text_index(&mut self, s: &str) -> u32 {
        let i = self.value_count;
        let values = &self.values;
        let entry = self.text_index.entry(
            hash_bytes(s.as_bytes()),
            |e| &values[e.start..e.end] == s.as_bytes(),
            |e| hash_bytes(&values[e.start..e.end]),
        );
        let vacant = match entry {
            hashbrown::hash_table::Entry::Occupied(e) => return e.get().index,
            hashbrown::hash_table::Entry::Vacant(e) => e,
        };
        self.table_bytes += s.len() + 4;
        let out = &mut self.values;
        key(out, 4, 2);
        varint(out, field_len(s.len()) as u64);
        key(out, 1, 2);
        varint(out, s.len() as u64);
        let start = out.len();
        out.extend_from_slice(s.as_bytes());
        vacant.insert(TextEntry {
            start,
            end: out.len(),
            index: i,
        });
        self.value_count += 1;
        i
    }

    /// Packs the tags of `properties` into `self.tags`.
    fn pack_tags<'a, 'v>(&mut self, properties: impl IntoIterator<Item = (&'a str, PropertyValue<'v>)>) {
        let mut tags = std::mem::take(&mut self.tags);
        tags.clear();
        for (nth, (k, v)) in properties.into_iter().enumerate() {
            let ki = self.key_index(nth, k);
            let vi = self.value_index(&v);
            varint(&mut tags, u64::from(ki));
            varint(&mut tags, u64::from(vi));
        }
        self.tags = tags;
    }

    /// Writes one feature of geometry type `kind` from the packed tags and
    /// geometry, straight into the layer.
    fn push_feature(&mut self, id: Option<u64>, kind: u32) {
        let mut len = 2 + field_len(self.geometry.len());
        if let Some(id) = id {
            len += 1 + varint_len(id);
        }
        if !self.tags.is_empty() {
            len += field_len(self.tags.len());
        }
        let out = &mut self.features;
        out.reserve(len + 4);
        key(out, 2, 2);
        varint(out, len as u64);
        if let Some(id) = id {
            key(out, 1, 0);
            varint(out, id);
        }
        if !self.tags.is_empty() {
            bytes_field(out, 2, &self.tags);
        }
        key(out, 3, 0);
        varint(out, u64::from(kind));
        bytes_field(out, 4, &self.geometry);
        self.count += 1;
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
        self.pack_tags(properties);
        let kind = encode_geometry(geometry, &mut self.commands);
        self.geometry.clear();
        for c in &self.commands {
            varint(&mut self.geometry, u64::from(*c));
        }
        self.push_feature(id, kind);
        true
    }

    /// Adds a feature of one point: the same bytes as [`Self::add_feature`]
    /// with `TileGeometry::Points(vec![at])`, without building the geometry.
    pub fn add_point<'a, 'v>(
        &mut self,
        id: Option<u64>,
        at: [i32; 2],
        properties: impl IntoIterator<Item = (&'a str, PropertyValue<'v>)>,
    ) {
        self.pack_tags(properties);
        self.geometry.clear();
        varint(&mut self.geometry, u64::from(command(1, 1)));
        varint(&mut self.geometry, u64::from(zigzag(at[0])));
        varint(&mut self.geometry, u64::from(zigzag(at[1])));
        self.push_feature(id, 1);
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let keys: usize = self.keys.iter().map(|k| field_len(k.len())).sum();
        let len = 2
            + field_len(self.name.len())
            + self.features.len()
            + keys
            + self.values.len()
            + 1
            + varint_len(u64::from(self.extent));
        key(out, 3, 2);
        varint(out, len as u64);
        key(out, 15, 0);
        varint(out, 2);
        bytes_field(out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(out, 3, k.as_bytes());
        }
        out.extend_from_slice(&self.values);
        key(out, 5, 0);
        varint(out, u64::from(self.extent));
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
        assert_eq!((layer.keys.len(), layer.value_count), (1, 1));
    }

    /// The value table as it was built before it was indexed by one hash
    /// (a `HashMap` of owned texts, looked up and then inserted): the bytes
    /// and the index of each value.
    fn value_table_as_before(values: &[PropertyValue<'_>]) -> (Vec<u8>, Vec<u32>) {
        use std::collections::HashMap;
        let (mut out, mut count) = (Vec::new(), 0u32);
        let mut text_index: HashMap<String, u32> = HashMap::new();
        let mut other_index: HashMap<(u8, u64), u32> = HashMap::new();
        let mut indices = Vec::new();
        for v in values {
            let found = match v {
                PropertyValue::String(s) => text_index.get(s.as_ref()).copied(),
                PropertyValue::Double(d) => other_index.get(&(0, d.to_bits())).copied(),
                PropertyValue::Int(n) => other_index.get(&(1, *n as u64)).copied(),
                PropertyValue::Bool(b) => other_index.get(&(2, u64::from(*b))).copied(),
            };
            if let Some(i) = found {
                indices.push(i);
                continue;
            }
            match v {
                PropertyValue::String(s) => {
                    text_index.insert(s.as_ref().to_owned(), count);
                    key(&mut out, 4, 2);
                    varint(&mut out, field_len(s.len()) as u64);
                    bytes_field(&mut out, 1, s.as_bytes());
                }
                PropertyValue::Double(d) => {
                    other_index.insert((0, d.to_bits()), count);
                    key(&mut out, 4, 2);
                    varint(&mut out, 9);
                    key(&mut out, 3, 1);
                    out.extend_from_slice(&d.to_le_bytes());
                }
                PropertyValue::Int(n) => {
                    other_index.insert((1, *n as u64), count);
                    let (field, v) = if *n >= 0 {
                        (5, *n as u64)
                    } else {
                        (6, ((n << 1) ^ (n >> 63)) as u64)
                    };
                    key(&mut out, 4, 2);
                    varint(&mut out, 1 + varint_len(v) as u64);
                    key(&mut out, field, 0);
                    varint(&mut out, v);
                }
                PropertyValue::Bool(b) => {
                    other_index.insert((2, u64::from(*b)), count);
                    key(&mut out, 4, 2);
                    varint(&mut out, 2);
                    key(&mut out, 7, 0);
                    varint(&mut out, u64::from(*b));
                }
            }
            indices.push(count);
            count += 1;
        }
        (out, indices)
    }

    /// Values of every kind, many distinct (the index grows many times,
    /// finding its entries again by the texts in the table), many repeated,
    /// and the edge cases of bits: 0.0 and -0.0 differ, a NaN equals itself,
    /// the empty text is a value.
    fn many_values() -> Vec<PropertyValue<'static>> {
        let mut values = Vec::new();
        for i in 0..20_000i64 {
            values.push(PropertyValue::String(
                format!("晋中市某某煤业有限公司{}", i % 5_003).into(),
            ));
            values.push(PropertyValue::String(
                ["red", "orange", "yellow", "blue", ""][(i % 5) as usize].into(),
            ));
            values.push(PropertyValue::Int((i % 997) * 37 - 10_000));
            values.push(PropertyValue::Double(match i % 7 {
                0 => 0.0,
                1 => -0.0,
                2 => f64::NAN,
                _ => (i % 301) as f64 / 3.0,
            }));
            values.push(PropertyValue::Bool(i % 3 == 0));
            if i % 11 == 0 {
                // The text of a number, and a number of a text's bits, are other values.
                values.push(PropertyValue::String(format!("{}", (i % 997) * 37 - 10_000).into()));
                values.push(PropertyValue::Int(1));
            }
        }
        values
    }

    #[test]
    fn the_value_table_is_what_it_was_before_it_was_hashed_once() {
        let values = many_values();
        let (bytes, indices) = value_table_as_before(&values);
        let mut layer = LayerBuilder::new("l", 4096);
        let got: Vec<u32> = values.iter().map(|v| layer.value_index(v)).collect();
        assert_eq!(got, indices);
        assert_eq!(layer.values, bytes);
        assert_eq!(layer.value_count, indices.iter().max().map_or(0, |m| m + 1));
        assert!(layer.value_count > 5_000, "{}", layer.value_count);
    }

    /// A protobuf reader just big enough for MVT, written from the spec
    /// apart from the encoder: a tile decoded is what was put in.
    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn varint(&mut self) -> u64 {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let b = self.0[0];
                self.0 = &self.0[1..];
                v |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return v;
                }
                shift += 7;
            }
        }

        /// The next field: its number and its payload (varint value, or bytes).
        fn field(&mut self) -> Option<(u64, u64, &'a [u8])> {
            if self.0.is_empty() {
                return None;
            }
            let k = self.varint();
            match k & 7 {
                0 => Some((k >> 3, self.varint(), &[])),
                1 => {
                    let (b, rest) = self.0.split_at(8);
                    self.0 = rest;
                    Some((k >> 3, 0, b))
                }
                2 => {
                    let n = self.varint() as usize;
                    let (b, rest) = self.0.split_at(n);
                    self.0 = rest;
                    Some((k >> 3, 0, b))
                }
                w => panic!("wire type {w}"),
            }
        }

        fn packed(bytes: &'a [u8]) -> Vec<u64> {
            let mut r = Reader(bytes);
            let mut out = Vec::new();
            while !r.0.is_empty() {
                out.push(r.varint());
            }
            out
        }
    }

    /// A decoded feature: id, properties by key, type, geometry as MoveTo
    /// / LineTo / ClosePath runs of absolute points.
    type Decoded = (
        Option<u64>,
        Vec<(String, PropertyValue<'static>)>,
        u64,
        Vec<(u32, Vec<[i32; 2]>)>,
    );

    fn decode(tile: &[u8]) -> Vec<(String, u32, Vec<Decoded>)> {
        let mut layers = Vec::new();
        let mut r = Reader(tile);
        while let Some((3, _, layer)) = r.field() {
            let (mut name, mut extent) = (String::new(), 0);
            let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
            let mut l = Reader(layer);
            while let Some((f, v, b)) = l.field() {
                match f {
                    15 => assert_eq!(v, 2),
                    1 => name = String::from_utf8(b.to_vec()).unwrap(),
                    2 => raw.push(b),
                    3 => keys.push(String::from_utf8(b.to_vec()).unwrap()),
                    4 => {
                        let (f, v, b) = Reader(b).field().unwrap();
                        values.push(match f {
                            1 => PropertyValue::String(String::from_utf8(b.to_vec()).unwrap().into()),
                            3 => PropertyValue::Double(f64::from_le_bytes(b.try_into().unwrap())),
                            5 => PropertyValue::Int(v as i64),
                            6 => PropertyValue::Int(((v >> 1) as i64) ^ -((v & 1) as i64)),
                            7 => PropertyValue::Bool(v != 0),
                            f => panic!("value field {f}"),
                        });
                    }
                    5 => extent = v as u32,
                    f => panic!("layer field {f}"),
                }
            }
            let features = raw
                .into_iter()
                .map(|b| {
                    let (mut id, mut props, mut kind, mut geometry) = (None, Vec::new(), 0, Vec::new());
                    let mut fr = Reader(b);
                    while let Some((f, v, b)) = fr.field() {
                        match f {
                            1 => id = Some(v),
                            2 => {
                                let tags = Reader::packed(b);
                                props = tags
                                    .chunks(2)
                                    .map(|kv| (keys[kv[0] as usize].clone(), values[kv[1] as usize].clone()))
                                    .collect();
                            }
                            3 => kind = v,
                            4 => {
                                let words = Reader::packed(b);
                                let (mut i, mut cursor) = (0, [0i32; 2]);
                                while i < words.len() {
                                    let (cmd, count) = ((words[i] & 7) as u32, (words[i] >> 3) as usize);
                                    i += 1;
                                    let mut run = Vec::new();
                                    if cmd != 7 {
                                        for _ in 0..count {
                                            let z = |w: u64| ((w >> 1) as i32) ^ -((w & 1) as i32);
                                            cursor = [cursor[0] + z(words[i]), cursor[1] + z(words[i + 1])];
                                            run.push(cursor);
                                            i += 2;
                                        }
                                    }
                                    geometry.push((cmd, run));
                                }
                            }
                            f => panic!("feature field {f}"),
                        }
                    }
                    (id, props, kind, geometry)
                })
                .collect();
            assert!(
                values.iter().enumerate().all(|(i, v)| !values[..i].contains(v)),
                "each value once"
            );
            layers.push((name, extent, features));
        }
        layers
    }

    fn some_properties(i: i64) -> Vec<(&'static str, PropertyValue<'static>)> {
        let mut p = vec![
            (
                "name",
                PropertyValue::String(format!("阳泉市某某化工有限公司{}", i % 37).into()),
            ),
            (
                "risk_level",
                PropertyValue::String(["red", "blue"][(i % 2) as usize].into()),
            ),
            ("employees", PropertyValue::Int(i * 1000 - 5000)),
            ("share", PropertyValue::Double(i as f64 / 7.0)),
        ];
        if i % 3 == 0 {
            // A missing value shifts the keys that follow.
            p.remove(1);
            p.push(("cluster", PropertyValue::Bool(i % 2 == 0)));
        }
        p
    }

    #[test]
    fn a_tile_decodes_to_what_was_added() {
        let mut layer = LayerBuilder::new("enterprises", 4096);
        let mut expected = Vec::new();
        for i in 0..300i64 {
            let props = some_properties(i);
            let (kind, geometry, runs) = match i % 3 {
                0 => {
                    let p = [(i * 13) as i32 - 64, 4100 - (i * 7) as i32];
                    (1, TileGeometry::Points(vec![p]), vec![(1, vec![p])])
                }
                1 => {
                    let line = vec![[i as i32, 0], [i as i32 + 5, 9], [-3, 4000]];
                    (
                        2,
                        TileGeometry::Lines(vec![line.clone()]),
                        vec![(1, vec![line[0]]), (2, line[1..].to_vec())],
                    )
                }
                _ => {
                    let ring = vec![[0, 0], [i as i32 + 10, 0], [i as i32 + 10, 10]];
                    (
                        3,
                        TileGeometry::Polygons(vec![vec![ring.clone()]]),
                        vec![(1, vec![ring[0]]), (2, ring[1..].to_vec()), (7, vec![])],
                    )
                }
            };
            let id = (i % 5 != 0).then_some(i as u64 * 1_000_003);
            if i % 6 == 0 {
                let [p] = <[[i32; 2]; 1]>::try_from(runs[0].1.clone()).unwrap();
                layer.add_point(id, p, props.clone());
            } else {
                assert!(layer.add_feature(id, &geometry, props.clone()));
            }
            let props = props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            expected.push((id, props, kind, runs));
        }
        let mut tile = TileBuilder::new();
        tile.push(LayerBuilder::new("empty", 4096));
        tile.push(layer);
        let bytes = tile.encode();
        let layers = decode(&bytes);
        assert_eq!(layers.len(), 1);
        assert_eq!((layers[0].0.as_str(), layers[0].1), ("enterprises", 4096));
        assert_eq!(layers[0].2, expected);
    }

    #[test]
    fn a_point_is_written_as_a_one_point_geometry_is() {
        let mut a = LayerBuilder::new("l", 4096);
        let mut b = LayerBuilder::new("l", 4096);
        for (i, p) in [[0, 0], [-64, 4160], [4095, -1], [123_456, -7]].into_iter().enumerate() {
            a.add_point(Some(i as u64), p, some_properties(i as i64));
            b.add_feature(
                Some(i as u64),
                &TileGeometry::Points(vec![p]),
                some_properties(i as i64),
            );
        }
        let (mut ta, mut tb) = (TileBuilder::new(), TileBuilder::new());
        ta.push(a);
        tb.push(b);
        assert_eq!(ta.encode(), tb.encode());
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
