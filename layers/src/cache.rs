//! A binary cache of a dataset folder, so that start-up decodes compact
//! MessagePack instead of parsing half a gigabyte of GeoJSON.
//!
//! The cache is derived, never a source: a file [`FILE`] beside the layers,
//! written after the folder was read (or generated, or snapshotted) and
//! trusted only while it matches what it was made from:
//! - the folder's files (every layer and `metadata.json`): name, size and
//!   modification time, recorded when the cache was made;
//! - the build of Lookout that made it (the executable's size and
//!   modification time), so a record type that changed is never decoded
//!   from an old cache;
//! - each chunk's CRC-32, checked before it is decoded.
//!
//! Anything else (a file edited, added or removed, a truncated or damaged
//! cache, another build) is a miss: the folder is read from GeoJSON and the
//! cache written again. The GeoJSON stays the dataset; deleting the cache is
//! always safe.
//!
//! Each layer is cut into chunks of [`CHUNK`] features, decoded in
//! parallel, each in one of two forms ([`Codec`]):
//! - the enterprises (nine in ten features of a province) as columns
//!   ([`columns`]): one array per field, shared strings once, no field names;
//! - every other layer's records as MessagePack with their field names
//!   (`rmp-serde`'s named form), through the same serde code as the GeoJSON:
//!   every record type, optional fields skipped and all, reads back as it
//!   reads from GeoJSON (tested).

use crate::catalog::{Dataset, Indexes};
use crate::error::{Error, Result};
use crate::feature::Feature;
use crate::layer::Index;
#[allow(unused_imports, reason = "the layer list names every record type")]
use crate::model::*;
use crate::parallel::{par_map, threads};
use crate::record::Record;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The cache's file name inside a dataset folder (hidden: it is not a layer).
pub const FILE: &str = ".dataset.cache";

/// Features per chunk: a chunk is the unit of parallel decoding.
pub const CHUNK: usize = 32_768;

mod columns;

const MAGIC: &[u8; 8] = b"LKDSC\0\0\0";
/// Bumped when the layout changes: a cache of another format is not read
/// (format 1: every layer in the named form; 2: enterprises as columns;
/// 3: with each enterprise's fine H3 cell).
const FORMAT: u32 = 3;

/// How a chunk's features are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Codec {
    /// MessagePack of the records with their field names.
    Named,
    /// Enterprises as columns ([`columns`]).
    EnterpriseColumns,
    /// The layer's R-tree ([`Index`]): one chunk per layer, whose
    /// `features` is the layer's feature count.
    Index,
}

/// One file of the folder, as the cache saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Source {
    name: String,
    len: u64,
    modified_s: i64,
    modified_ns: u32,
}

/// The build that wrote a cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Build {
    version: String,
    exe_len: u64,
    exe_modified_s: i64,
    exe_modified_ns: u32,
}

/// Where one chunk of a layer lies, after the header.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chunk {
    layer: String,
    offset: u64,
    len: u64,
    crc: u32,
    features: u64,
    codec: Codec,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    build: Build,
    sources: Vec<Source>,
    chunks: Vec<Chunk>,
}

/// Why a cache was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// There is none.
    Absent,
    /// The folder's files are not those it was made from.
    Stale,
    /// Another build of Lookout wrote it.
    OtherBuild,
    /// It does not read: cut off, damaged, or of another format.
    Corrupt(String),
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("no cache"),
            Self::Stale => f.write_str("the dataset's files changed since the cache was written"),
            Self::OtherBuild => f.write_str("another build of Lookout wrote the cache"),
            Self::Corrupt(why) => write!(f, "the cache does not read: {why}"),
        }
    }
}

fn modified(meta: &std::fs::Metadata) -> (i64, u32) {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()))
}

/// The folder's files (not hidden ones, not folders), by name.
fn sources(dir: &Path) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(Error::io("list", dir))? {
        let entry = entry.map_err(Error::io("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let meta = entry.metadata().map_err(Error::io("stat", &entry.path()))?;
        if !meta.is_file() {
            continue;
        }
        let (modified_s, modified_ns) = modified(&meta);
        out.push(Source {
            name,
            len: meta.len(),
            modified_s,
            modified_ns,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn build() -> Build {
    let meta = std::env::current_exe().and_then(std::fs::metadata).ok();
    let (exe_modified_s, exe_modified_ns) = meta.as_ref().map_or((0, 0), modified);
    Build {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        exe_len: meta.map_or(0, |m| m.len()),
        exe_modified_s,
        exe_modified_ns,
    }
}

/// The path of the cache of the dataset folder `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

fn read_header(file: &mut std::fs::File) -> std::result::Result<(Header, u64), Miss> {
    let corrupt = |why: String| Miss::Corrupt(why);
    let mut head = [0u8; 16];
    file.read_exact(&mut head).map_err(|e| corrupt(e.to_string()))?;
    if &head[..8] != MAGIC {
        return Err(corrupt("not a Lookout dataset cache".into()));
    }
    let len = u64::from_le_bytes(head[8..].try_into().unwrap_or_default());
    if len > 64 << 20 {
        return Err(corrupt(format!("a header of {len} bytes")));
    }
    let mut text = vec![0u8; len as usize];
    file.read_exact(&mut text).map_err(|e| corrupt(e.to_string()))?;
    let header: Header = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    if header.format != FORMAT {
        return Err(corrupt(format!(
            "format {}, this Lookout reads {FORMAT}",
            header.format
        )));
    }
    Ok((header, 16 + len))
}

thread_local! {
    /// A decoding thread's chunk buffer, reused from chunk to chunk (fewer
    /// large allocations freed and taken again while the features are
    /// being allocated around them).
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A chunk's features, and their fine cells where the chunk keeps them.
type Decoded<T> = (Vec<Feature<T>>, Vec<u64>);

fn decode_chunk<T: Record>(path: &Path, base: u64, chunk: &Chunk) -> std::result::Result<Decoded<T>, String> {
    BUFFER.with_borrow_mut(|bytes| decode_chunk_in::<T>(path, base, chunk, bytes))
}

/// Reads `chunk` into `bytes`, its checksum checked.
fn read_chunk(path: &Path, base: u64, chunk: &Chunk, bytes: &mut Vec<u8>) -> std::result::Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    if base.saturating_add(chunk.offset).saturating_add(chunk.len) > size {
        return Err(format!(
            "{} chunk at {}: past the end of the file",
            chunk.layer, chunk.offset
        ));
    }
    let mut file = file;
    file.seek(SeekFrom::Start(base + chunk.offset))
        .map_err(|e| e.to_string())?;
    bytes.clear();
    bytes.reserve(chunk.len as usize);
    let read = file
        .take(chunk.len)
        .read_to_end(bytes)
        .map_err(|e| format!("{} chunk at {}: {e}", chunk.layer, chunk.offset))?;
    if read as u64 != chunk.len {
        return Err(format!("{} chunk at {}: cut off", chunk.layer, chunk.offset));
    }
    if crc32fast::hash(bytes) != chunk.crc {
        return Err(format!("{} chunk at {}: checksum mismatch", chunk.layer, chunk.offset));
    }
    Ok(())
}

fn decode_chunk_in<T: Record>(
    path: &Path,
    base: u64,
    chunk: &Chunk,
    bytes: &mut Vec<u8>,
) -> std::result::Result<Decoded<T>, String> {
    read_chunk(path, base, chunk, bytes)?;
    let (features, cells): Decoded<T> = match chunk.codec {
        Codec::Named => rmp_serde::from_slice(bytes)
            .map(|f| (f, Vec::new()))
            .map_err(|e| e.to_string()),
        Codec::EnterpriseColumns => columns::decode(bytes).and_then(|(enterprises, cells)| {
            (Box::new(enterprises) as Box<dyn Any>)
                .downcast::<Vec<Feature<T>>>()
                .map(|b| (*b, cells))
                .map_err(|_| "enterprise columns in another layer".to_owned())
        }),
        Codec::Index => Err("an index where features were due".to_owned()),
    }
    .map_err(|e| format!("{} chunk at {}: {e}", chunk.layer, chunk.offset))?;
    if features.len() as u64 != chunk.features {
        return Err(format!(
            "{} chunk at {}: {} features, {} recorded",
            chunk.layer,
            chunk.offset,
            features.len(),
            chunk.features
        ));
    }
    Ok((features, cells))
}

/// A layer's features, and their fine cells when every chunk kept them.
fn decode_layer<T: Record>(
    path: &Path,
    base: u64,
    chunks: &[Chunk],
    threads: usize,
) -> std::result::Result<Decoded<T>, String> {
    let mine: Vec<&Chunk> = chunks
        .iter()
        .filter(|c| c.layer == T::INFO.id && c.codec != Codec::Index)
        .collect();
    if let Some(c) = mine.iter().find(|c| c.features > CHUNK as u64) {
        return Err(format!(
            "{} chunk at {}: {} features recorded",
            c.layer, c.offset, c.features
        ));
    }
    let parts = par_map(&mine, threads, |c| decode_chunk::<T>(path, base, c));
    let total = mine.iter().map(|c| c.features as usize).sum();
    let mut features = Vec::with_capacity(total);
    let mut cells = Vec::new();
    let mut every_cell = true;
    for part in parts {
        let (part, part_cells) = part?;
        every_cell &= part_cells.len() == part.len();
        if every_cell {
            cells.extend(part_cells);
        }
        features.extend(part);
    }
    if !every_cell {
        cells = Vec::new();
    }
    Ok((features, cells))
}

/// The R-tree of `layer`, if the cache keeps one.
fn decode_index(path: &Path, base: u64, chunks: &[Chunk], layer: &str) -> std::result::Result<Option<Index>, String> {
    let Some(chunk) = chunks.iter().find(|c| c.layer == layer && c.codec == Codec::Index) else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    read_chunk(path, base, chunk, &mut bytes)?;
    let index: Index = rmp_serde::from_slice(&bytes).map_err(|e| format!("{layer} index: {e}"))?;
    Ok(Some(index))
}

/// The R-tree of a layer's features (sorted by id; else none is kept), encoded.
fn encode_index<T: Record>(features: &[Feature<T>]) -> Result<Option<Encoded>> {
    let Some(index) = Index::of(features) else {
        return Ok(None);
    };
    let bytes = rmp_serde::to_vec(&index)
        .map_err(|e| Error::InvalidRequest(format!("{} index does not encode: {e}", T::INFO.id)))?;
    Ok(Some((features.len(), Codec::Index, bytes)))
}

/// One encoded chunk: its feature count, form and bytes.
type Encoded = (usize, Codec, Vec<u8>);

#[expect(
    clippy::ptr_arg,
    reason = "the layer's Vec is what tells the enterprises from the other layers"
)]
fn encode_layer<T: Record>(features: &Vec<Feature<T>>, threads: usize) -> Result<Vec<Encoded>> {
    let enterprises = (features as &dyn Any).downcast_ref::<Vec<Feature<crate::model::Enterprise>>>();
    let fail = |e: String| Error::InvalidRequest(format!("{} does not encode: {e}", T::INFO.id));
    let named = |c: &[Feature<T>]| rmp_serde::to_vec_named(c).map_err(|e| fail(e.to_string()));
    match enterprises {
        Some(enterprises) => {
            let chunks: Vec<_> = enterprises.chunks(CHUNK).zip(features.chunks(CHUNK)).collect();
            par_map(&chunks, threads, |(typed, c)| match columns::encode(typed) {
                Some(bytes) => bytes.map(|b| (c.len(), Codec::EnterpriseColumns, b)).map_err(fail),
                None => named(c).map(|b| (c.len(), Codec::Named, b)),
            })
        }
        None => {
            let chunks: Vec<&[Feature<T>]> = features.chunks(CHUNK).collect();
            par_map(&chunks, threads, |c| named(c).map(|b| (c.len(), Codec::Named, b)))
        }
    }
    .into_iter()
    .collect()
}

macro_rules! define_cache {
    ($($name:ident: $ty:ty),+ $(,)?) => {
        /// Reads the cache of `dir` if it matches the folder's files and this
        /// build, every chunk checked.
        pub fn read(dir: &Path) -> std::result::Result<Dataset, Miss> {
            read_indexed(dir).map(|(dataset, _)| dataset)
        }

        /// [`read`], with the layers' R-trees the cache keeps.
        pub fn read_indexed(dir: &Path) -> std::result::Result<(Dataset, Indexes), Miss> {
            let path = path(dir);
            let mut file = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Miss::Absent),
                Err(e) => return Err(Miss::Corrupt(e.to_string())),
            };
            let (header, base) = read_header(&mut file)?;
            if header.build != build() {
                return Err(Miss::OtherBuild);
            }
            if header.sources != sources(dir).map_err(|e| Miss::Corrupt(e.to_string()))? {
                return Err(Miss::Stale);
            }
            let threads = threads();
            let chunks = &header.chunks;
            let path = &path;
            let failed = || "a decoding thread panicked".to_string();
            std::thread::scope(|scope| {
                $(let $name = scope.spawn(move || {
                    // The tree beside the features, on its own thread.
                    let index = scope.spawn(move || decode_index(path, base, chunks, <$ty as Record>::INFO.id));
                    let features = decode_layer::<$ty>(path, base, chunks, threads);
                    let index = index.join().map_err(|_| failed()).and_then(|r| r);
                    features.and_then(|(f, cells)| index.map(|i| (f, i, cells)))
                });)+
                $(let $name = $name.join().map_err(|_| failed()).and_then(|r| r).map_err(Miss::Corrupt)?;)+
                // Only the enterprises' chunks keep cells.
                let mut enterprise_cells = Vec::new();
                $(if !$name.2.is_empty() {
                    enterprise_cells = $name.2;
                })+
                Ok((Dataset { $($name: $name.0,)+ }, Indexes { $($name: $name.1,)+ enterprise_cells }))
            })
        }

        /// Writes the cache of `dir`, whose files were as `sources` says
        /// when `dataset` was read from (or written to) them: beside, then
        /// renamed into place.
        fn write_with(dir: &Path, dataset: &Dataset, sources: Vec<Source>) -> Result<()> {
            let threads = threads();
            let encoded: Vec<(&'static str, Result<Vec<Encoded>>)> = std::thread::scope(|scope| {
                let handles = vec![$((<$ty as Record>::INFO.id, scope.spawn(move || {
                    let layer = &dataset.$name;
                    let index = scope.spawn(move || encode_index(layer));
                    let mut chunks = encode_layer(layer, threads)?;
                    chunks.extend(index.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?);
                    Ok(chunks)
                }))),+];
                handles
                    .into_iter()
                    .map(|(id, h)| (id, h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))))
                    .collect()
            });
            let mut chunks = Vec::new();
            let mut blobs = Vec::new();
            let mut offset = 0u64;
            for (layer, parts) in encoded {
                for (features, codec, bytes) in parts? {
                    chunks.push(Chunk {
                        layer: layer.to_owned(),
                        offset,
                        len: bytes.len() as u64,
                        crc: crc32fast::hash(&bytes),
                        features: features as u64,
                        codec,
                    });
                    offset += bytes.len() as u64;
                    blobs.push(bytes);
                }
            }
            let header = Header { format: FORMAT, build: build(), sources, chunks };
            let text = serde_json::to_vec(&header).map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let target = path(dir);
            let partial = dir.join(format!("{FILE}.partial"));
            let file = std::fs::File::create(&partial).map_err(Error::io("create", &partial))?;
            let written = (|| -> std::io::Result<()> {
                let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
                out.write_all(MAGIC)?;
                out.write_all(&(text.len() as u64).to_le_bytes())?;
                out.write_all(&text)?;
                for blob in &blobs {
                    out.write_all(blob)?;
                }
                out.flush()
            })();
            written.map_err(Error::io("write", &partial))?;
            std::fs::rename(&partial, &target).map_err(Error::io("rename into", &target))
        }
    };
}

crate::with_layers!(define_cache);

/// Writes the cache of the folder `dir`, which holds `dataset` as written
/// by [`Dataset::save`] (just generated or snapshotted).
pub fn write(dir: &Path, dataset: &Dataset) -> Result<()> {
    write_with(dir, dataset, sources(dir)?)
}

/// What [`load`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Decoded from the cache.
    Hit,
    /// Read from GeoJSON, for this reason; the cache was written again
    /// (`written`) or could not be (a read-only folder, a full disk: logged).
    Miss {
        /// Why the cache was not used.
        reason: Miss,
        /// Whether a fresh cache was written.
        written: bool,
    },
}

/// Reads the dataset folder `dir` from its cache when the cache matches the
/// folder, else from its GeoJSON ([`Dataset::load`]), writing the cache
/// again for the next start.
pub fn load(dir: &Path) -> Result<(Dataset, Outcome)> {
    load_indexed(dir).map(|(dataset, _, outcome)| (dataset, outcome))
}

/// [`load`], with the layers' R-trees when the cache was used (none when
/// the GeoJSON was read: the catalog builds them).
pub fn load_indexed(dir: &Path) -> Result<(Dataset, Indexes, Outcome)> {
    let reason = match read_indexed(dir) {
        Ok((dataset, indexes)) => return Ok((dataset, indexes, Outcome::Hit)),
        Err(reason) => reason,
    };
    if reason != Miss::Absent {
        tracing::info!(dir = %dir.display(), %reason, "the dataset cache is not used; reading the GeoJSON");
    }
    // The files as they are before reading them: if one changes meanwhile,
    // the next start finds the cache stale.
    let before = sources(dir)?;
    let dataset = Dataset::load(dir)?;
    let written = match write_with(dir, &dataset, before) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "the dataset cache could not be written; the next start reads the GeoJSON again");
            let _ = std::fs::remove_file(dir.join(format!("{FILE}.partial")));
            false
        }
    };
    Ok((dataset, Indexes::default(), Outcome::Miss { reason, written }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> (tempfile::TempDir, PathBuf, &'static Dataset) {
        let data = crate::generate::tests::small_dataset();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("seed-1-scale-1");
        let meta = crate::generate::metadata(data, crate::generate::Options::default());
        data.save(&dir, &meta).unwrap();
        (tmp, dir, data)
    }

    #[test]
    fn the_cache_reads_back_exactly_what_the_geojson_holds() {
        let (_tmp, dir, data) = saved();
        let (first, outcome) = load(&dir).unwrap();
        assert_eq!(
            outcome,
            Outcome::Miss {
                reason: Miss::Absent,
                written: true
            }
        );
        let (second, outcome) = load(&dir).unwrap();
        assert_eq!(outcome, Outcome::Hit);
        let geojson = Dataset::load(&dir).unwrap();
        assert_eq!(first, geojson);
        assert_eq!(second, geojson);
        assert_eq!(&second, data);
        // More than one chunk in the largest layer, so the chunks are put back in order.
        assert!(data.population.len() > CHUNK || data.enterprises.len() <= CHUNK);
        // And the same state: the catalogs built from either are equal, layer by layer.
        let (a, b) = (crate::Catalog::new(second), crate::Catalog::new(geojson));
        assert_eq!(a.to_dataset(), b.to_dataset());
        // The R-trees kept in the cache answer as those built from the GeoJSON.
        let (dataset, indexes, outcome) = load_indexed(&dir).unwrap();
        assert_eq!(outcome, Outcome::Hit);
        assert!(indexes.enterprises.is_some() && indexes.population.is_some() && indexes.counties.is_some());
        let kept = crate::Catalog::with_indexes(dataset, indexes);
        assert_eq!(kept.to_dataset(), b.to_dataset());
        let all = crate::filter::Filter::all();
        for (x, y) in [(112.55, 37.87), (111.0, 36.0), (113.5, 39.9), (120.0, 30.0)] {
            let p = geo::Coord { x, y };
            let ids = |c: &crate::Catalog| {
                let enterprises: Vec<_> = c
                    .enterprises
                    .read()
                    .nearest(p, 25, &all)
                    .iter()
                    .map(|(f, _)| f.id)
                    .collect();
                let cells: Vec<_> = c
                    .population
                    .read()
                    .nearest(p, 5, &all)
                    .iter()
                    .map(|(f, _)| f.id)
                    .collect();
                (enterprises, cells)
            };
            assert_eq!(ids(&kept), ids(&b));
        }
    }

    /// The risk grid's resolution-7 contents, in order.
    fn fine(catalog: &crate::Catalog) -> Vec<(h3o::CellIndex, u32, crate::risk::Counts)> {
        let grid = crate::risk::RiskGrid::new(crate::risk::RiskMethod::default(), catalog);
        let mut v = grid.fine_by_county();
        v.sort_by_key(|(cell, county, _)| (*cell, *county));
        v
    }

    #[test]
    fn the_kept_cells_are_each_enterprise_s_and_give_the_risk_grid_of_the_geojson() {
        let (_tmp, dir, data) = saved();
        load(&dir).unwrap();
        let (dataset, indexes, outcome) = load_indexed(&dir).unwrap();
        assert_eq!(outcome, Outcome::Hit);
        assert_eq!(indexes.enterprise_cells.len(), data.enterprises.len());
        for (f, cell) in dataset.enterprises.iter().zip(&indexes.enterprise_cells) {
            let geo::Geometry::Point(p) = f.geometry else {
                panic!("a point")
            };
            let want = crate::risk::grid::fine_cell(p.x(), p.y()).map(u64::from);
            assert_eq!(Some(*cell), want, "enterprise {}", f.id);
        }
        let kept = crate::Catalog::with_indexes(dataset, indexes);
        let geojson = crate::Catalog::new(Dataset::load(&dir).unwrap());
        // The grid built from the kept cells is the grid computed from the GeoJSON.
        assert_eq!(fine(&kept), fine(&geojson));
        // Taken once: a second grid computes them.
        assert!(kept.take_enterprise_cells(&kept.enterprises.read()).is_none());

        // An enterprise moved after the catalog was built (a replayed
        // event): the kept cells are no longer the layer's and are not used.
        let (dataset, indexes, _) = load_indexed(&dir).unwrap();
        let kept = crate::Catalog::with_indexes(dataset, indexes);
        let mut moved = data.enterprises[0].clone();
        moved.geometry = geo::Geometry::Point(geo::Point::new(113.2, 39.1));
        kept.enterprises.write().replace(moved.clone()).unwrap();
        let mut edited = data.clone();
        edited.enterprises[0] = moved;
        assert_eq!(fine(&kept), fine(&crate::Catalog::new(edited)));
        let (dataset, indexes, _) = load_indexed(&dir).unwrap();
        let kept = crate::Catalog::with_indexes(dataset, indexes);
        let mut layer = kept.enterprises.write();
        let f = layer.features()[0].clone();
        layer.replace(f).unwrap();
        assert!(kept.take_enterprise_cells(&layer).is_none());
    }

    #[test]
    fn a_layer_cut_into_many_chunks_keeps_its_order() {
        let (_tmp, dir, data) = saved();
        let mut big = data.clone();
        let template = big.shelters[0].clone();
        big.shelters = (1..=(CHUNK as u64 * 2 + 17))
            .map(|id| Feature { id, ..template.clone() })
            .collect();
        let template = big.enterprises[0].clone();
        big.enterprises = (1..=(CHUNK as u64 * 2 + 17))
            .map(|id| Feature { id, ..template.clone() })
            .collect();
        write(&dir, &big).unwrap();
        let back = read(&dir).unwrap();
        assert_eq!(back.shelters, big.shelters);
        assert_eq!(back.enterprises, big.enterprises);
    }

    #[test]
    fn a_stale_cache_is_detected_and_written_again() {
        let (_tmp, dir, _) = saved();
        load(&dir).unwrap();
        // A layer edited after the cache was written: its size changes.
        let shelters = dir.join("shelters.geojson");
        let text = std::fs::read_to_string(&shelters).unwrap();
        let edited = text.replacen("\"id\":1,", "\"id\":999999,", 1);
        assert_ne!(text, edited);
        std::fs::write(&shelters, edited).unwrap();
        assert_eq!(read(&dir).unwrap_err(), Miss::Stale);
        let (dataset, outcome) = load(&dir).unwrap();
        assert_eq!(
            outcome,
            Outcome::Miss {
                reason: Miss::Stale,
                written: true
            }
        );
        assert!(dataset.shelters.iter().any(|s| s.id == 999_999));
        let (again, outcome) = load(&dir).unwrap();
        assert_eq!(outcome, Outcome::Hit);
        assert_eq!(again, dataset);
        // A file added beside the layers makes it stale too.
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert_eq!(read(&dir).unwrap_err(), Miss::Stale);
    }

    #[test]
    fn a_cache_of_the_previous_format_is_rejected_not_misread() {
        let (_tmp, dir, data) = saved();
        load(&dir).unwrap();
        let cache = path(&dir);
        let bytes = std::fs::read(&cache).unwrap();
        // The same file claiming format 1 (every layer in the named form):
        // its enterprise chunks are columns, which format 1 never had.
        let text = format!("\"format\":{FORMAT},");
        let at = bytes
            .windows(text.len())
            .position(|w| w == text.as_bytes())
            .expect("the header names its format");
        let mut old = bytes.clone();
        old[at..at + text.len()].copy_from_slice(b"\"format\":1,");
        std::fs::write(&cache, &old).unwrap();
        let Err(Miss::Corrupt(why)) = read(&dir) else {
            panic!("a format-1 cache was read")
        };
        assert!(why.contains("format 1"), "{why}");
        let (dataset, outcome) = load(&dir).unwrap();
        assert!(matches!(
            outcome,
            Outcome::Miss {
                reason: Miss::Corrupt(_),
                written: true
            }
        ));
        assert_eq!(&dataset, data);
        assert_eq!(load(&dir).unwrap().1, Outcome::Hit);
    }

    #[test]
    fn the_enterprises_are_written_as_columns_and_the_other_layers_named() {
        let (_tmp, dir, data) = saved();
        load(&dir).unwrap();
        let mut file = std::fs::File::open(path(&dir)).unwrap();
        let (header, _) = read_header(&mut file).unwrap();
        let codecs = |layer: &str| {
            header
                .chunks
                .iter()
                .filter(|c| c.layer == layer)
                .map(|c| c.codec)
                .collect::<Vec<_>>()
        };
        assert!(!data.enterprises.is_empty() && !data.shelters.is_empty());
        // The features' chunks, then the layer's R-tree.
        let mut want = vec![Codec::EnterpriseColumns; data.enterprises.len().div_ceil(CHUNK)];
        want.push(Codec::Index);
        assert_eq!(codecs("enterprises"), want);
        let mut want = vec![Codec::Named; data.shelters.len().div_ceil(CHUNK)];
        want.push(Codec::Index);
        assert_eq!(codecs("shelters"), want);
    }

    #[test]
    fn a_damaged_or_cut_off_cache_is_never_trusted() {
        let (_tmp, dir, data) = saved();
        load(&dir).unwrap();
        let cache = path(&dir);
        let bytes = std::fs::read(&cache).unwrap();
        // One bit flipped near the end (inside a chunk): its checksum fails.
        let mut flipped = bytes.clone();
        let at = flipped.len() - 10;
        flipped[at] ^= 0x40;
        for damaged in [flipped, bytes[..bytes.len() / 2].to_vec(), b"garbage".to_vec()] {
            std::fs::write(&cache, &damaged).unwrap();
            assert!(matches!(read(&dir), Err(Miss::Corrupt(_))), "{:?}", read(&dir).err());
            let (dataset, outcome) = load(&dir).unwrap();
            assert!(matches!(
                outcome,
                Outcome::Miss {
                    reason: Miss::Corrupt(_),
                    written: true
                }
            ));
            assert_eq!(&dataset, data);
            assert_eq!(load(&dir).unwrap().1, Outcome::Hit);
        }
    }
}
