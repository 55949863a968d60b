//! An in-memory tile cache that is never stale.
//!
//! Tiles are kept as they are sent (gzip-compressed, unless small) under a
//! byte budget, least recently used
//! first out. A change to a feature drops exactly the cached tiles, of every
//! zoom, whose buffered bounds meet the box the feature had before or after
//! the change, and only of the composites that include its layer. A tile
//! rendered while a change was being applied is not cached: every
//! invalidation bumps a generation, and a tile rendered under an older
//! generation is served but not stored.

use crate::grid::TileCoord;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a cached tile is: which layers (and filters), which tile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// The source: layer ids joined by commas, plus the normalised query.
    pub source: String,
    /// The tile.
    pub tile: TileCoord,
}

/// A cached, encoded tile. Cloning it (a cache hit) copies no tile bytes:
/// `Bytes` is reference-counted, and goes into a response body as it is.
#[derive(Debug, Clone)]
pub struct CachedTile {
    /// The MVT as it is sent: gzip-compressed when [`CachedTile::gzipped`],
    /// else as it is (a small tile); empty for an empty tile.
    pub body: Bytes,
    /// Whether [`CachedTile::body`] is gzip-compressed.
    pub gzipped: bool,
    /// Its entity tag.
    pub etag: Arc<str>,
}

#[derive(Debug)]
struct Slot {
    tile: CachedTile,
    layers: Vec<String>,
    bounds: (f64, f64, f64, f64),
    used: u64,
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<TileKey, Slot>,
    bytes: usize,
    clock: u64,
    /// Tiles dropped to make room.
    evicted: u64,
}

/// The cache.
#[derive(Debug)]
pub struct TileCache {
    inner: Mutex<Inner>,
    capacity: usize,
    generation: AtomicU64,
}

/// Counts for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Tiles held.
    pub tiles: usize,
    /// Bytes held.
    pub bytes: usize,
    /// Tiles dropped to make room since the start.
    pub evicted: u64,
}

impl TileCache {
    /// A cache holding at most `capacity` bytes of tiles.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
            generation: AtomicU64::new(0),
        }
    }

    /// The generation to note before reading the data a tile is made from.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The cached tile, if any.
    pub fn get(&self, key: &TileKey) -> Option<CachedTile> {
        let mut inner = self.inner.lock();
        inner.clock += 1;
        let clock = inner.clock;
        inner.slots.get_mut(key).map(|slot| {
            slot.used = clock;
            slot.tile.clone()
        })
    }

    /// Stores a tile rendered from data read at `generation`, unless a change
    /// has been applied since (then the tile may already be stale).
    pub fn insert(
        &self,
        key: TileKey,
        layers: Vec<String>,
        bounds: (f64, f64, f64, f64),
        tile: CachedTile,
        generation: u64,
    ) {
        let size = tile.body.len() + key.source.len() + 64;
        if size > self.capacity / 8 {
            return;
        }
        let mut inner = self.inner.lock();
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.slots.insert(
            key.clone(),
            Slot {
                tile,
                layers,
                bounds,
                used,
            },
        ) {
            inner.bytes -= old.tile.body.len() + key.source.len() + 64;
        }
        inner.bytes += size;
        if inner.bytes > self.capacity {
            // Drop the least recently used quarter.
            let mut ages: Vec<(u64, TileKey)> = inner.slots.iter().map(|(k, s)| (s.used, k.clone())).collect();
            ages.sort_unstable_by_key(|(used, _)| *used);
            let target = self.capacity * 3 / 4;
            for (_, k) in ages {
                if inner.bytes <= target {
                    break;
                }
                if let Some(s) = inner.slots.remove(&k) {
                    inner.bytes -= s.tile.body.len() + k.source.len() + 64;
                    inner.evicted += 1;
                }
            }
        }
    }

    /// Drops every cached tile that includes `layer` and whose buffered bounds
    /// meet the lon/lat box `(west, south, east, north)`. Returns how many.
    pub fn invalidate(&self, layer: &str, bbox: (f64, f64, f64, f64)) -> usize {
        let mut inner = self.inner.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        let (w, s, e, n) = bbox;
        let stale: Vec<TileKey> = inner
            .slots
            .iter()
            .filter(|(_, slot)| {
                let (sw, ss, se, sn) = slot.bounds;
                slot.layers.iter().any(|l| l == layer) && sw <= e && w <= se && ss <= n && s <= sn
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in &stale {
            if let Some(slot) = inner.slots.remove(k) {
                inner.bytes -= slot.tile.body.len() + k.source.len() + 64;
            }
        }
        stale.len()
    }

    /// Tiles and bytes held.
    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.lock();
        CacheStats {
            tiles: inner.slots.len(),
            bytes: inner.bytes,
            evicted: inner.evicted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(n: usize) -> CachedTile {
        CachedTile {
            body: Bytes::from(vec![0; n]),
            gzipped: true,
            etag: Arc::from("\"x\""),
        }
    }

    fn key(z: u8, x: u32, y: u32, source: &str) -> TileKey {
        TileKey {
            source: source.into(),
            tile: TileCoord::new(z, x, y).unwrap(),
        }
    }

    #[test]
    fn an_edit_drops_exactly_the_tiles_it_touches_at_every_zoom() {
        let cache = TileCache::new(1 << 20);
        let g = cache.generation();
        for z in [6u8, 10, 14] {
            let t = TileCoord::at(112.55, 37.85, z).unwrap();
            let far = TileCoord::at(111.0, 35.0, z).unwrap();
            for (coord, source) in [(t, "enterprises"), (far, "enterprises"), (t, "roads")] {
                let (w, s, e, n) = coord.bounds();
                cache.insert(
                    TileKey {
                        source: source.into(),
                        tile: coord,
                    },
                    vec![source.into()],
                    (w, s, e, n),
                    tile(10),
                    g,
                );
            }
        }
        assert_eq!(cache.stats().tiles, 9);
        let dropped = cache.invalidate("enterprises", (112.549, 37.849, 112.551, 37.851));
        assert_eq!(dropped, 3, "one tile per zoom, only of the layer that changed");
        assert_eq!(cache.stats().tiles, 6);
    }

    #[test]
    fn a_tile_rendered_before_an_edit_is_not_stored_after_it() {
        let cache = TileCache::new(1 << 20);
        let g = cache.generation();
        cache.invalidate("enterprises", (0.0, 0.0, 1.0, 1.0));
        cache.insert(
            key(1, 0, 0, "enterprises"),
            vec!["enterprises".into()],
            (-180.0, -85.0, 180.0, 85.0),
            tile(10),
            g,
        );
        assert!(cache.get(&key(1, 0, 0, "enterprises")).is_none());
    }

    #[test]
    fn the_byte_budget_is_kept_by_dropping_the_least_recently_used() {
        let cache = TileCache::new(10_000);
        let g = cache.generation();
        for x in 0..100 {
            cache.insert(key(10, x, 0, "a"), vec!["a".into()], (0.0, 0.0, 0.0, 0.0), tile(500), g);
            let _ = cache.get(&key(10, 0, 0, "a"));
        }
        let stats = cache.stats();
        assert!(stats.bytes <= 10_000, "{stats:?}");
        assert!(cache.get(&key(10, 0, 0, "a")).is_some(), "the tile in use stays");
    }
}
