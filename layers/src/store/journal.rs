//! The append-only journal: one framed record per command, fsync'd before the
//! change is acknowledged.
//!
//! Frame: payload length (u32, little-endian), CRC-32 of the payload (u32,
//! little-endian), payload (JSON). The first record is a header naming the
//! dataset the events apply to. Each record after it is one [`Unit`]: a
//! command's events with its `Idempotency-Key`, stored whole or not at all;
//! a unit of one event without a key is written as the bare event, as every
//! record was before units, so old journals read and old records stay as
//! they were.
//!
//! A write that fails (a full disk, an I/O error) is cut off again: the file
//! is truncated back to its last whole record before the error is returned,
//! so no partial record is left for the next append to bury. If even that
//! fails, the journal refuses every write until it is opened again.
//!
//! Group commit: [`Journal::write_unit`] writes a record without waiting
//! for the disk and returns a ticket; [`Durability::wait`] returns once an
//! fsync covering that ticket has returned. Concurrent writers share one
//! fsync: the first to wait becomes the leader, syncs everything written so
//! far, and wakes every writer whose record that sync covered; writers that
//! arrive meanwhile are covered by the next leader's sync. A failed fsync
//! refuses every write after it (its outcome on disk is unknown: PostgreSQL
//! panics likewise) until the journal is opened again.
//!
//! On open, a last record that runs past the end of the file or fails its
//! checksum is a *torn tail*: the write was cut off (power loss, kill -9)
//! before its fsync returned, so it was never acknowledged. It is set aside in
//! a `.torn` file, reported, and the journal is truncated to its last whole
//! record; it is never applied. A bad record *followed by more data* is
//! corruption, not a torn write, and opening fails.

use crate::error::{Error, Result};
use crate::event::{EventRecord, Unit};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FRAME_HEADER: usize = 8;
/// Largest record accepted: a frame claiming more is damage, not data.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// What the journal's events apply to: a dataset by region, seed, scale and
/// generator, and the content hash of any base data imported over it (a
/// road network). Journals written before regions name none: they are
/// Shanxi's, with nothing imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetIdentity {
    /// The region (`shanxi` when absent).
    #[serde(default)]
    pub region: RegionId,
    /// Generator seed.
    pub seed: u64,
    /// Scale.
    pub scale: u32,
    /// Generator version.
    pub generator_version: u32,
    /// The first 64 bits of the SHA-256 of the imported base data (the road
    /// network of `lookout import --layer roads`); 0 when nothing is imported.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub base: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl DatasetIdentity {
    /// The generated dataset of the built-in region, nothing imported.
    pub const fn generated(seed: u64, scale: u32, generator_version: u32) -> Self {
        Self {
            region: RegionId::BUILTIN,
            seed,
            scale,
            generator_version,
            base: 0,
        }
    }

    /// A short name for folder names: `shanxi-seed-1-scale-1-g5[-base-…]`.
    pub fn slug(&self) -> String {
        let mut s = format!(
            "{}-seed-{}-scale-{}-g{}",
            self.region.as_str(),
            self.seed,
            self.scale,
            self.generator_version
        );
        if self.base != 0 {
            s.push_str(&format!("-base-{:016x}", self.base));
        }
        s
    }
}

/// A region id, held inline (at most [`RegionId::MAX`] bytes of `[A-Za-z0-9_-]`)
/// so an identity stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionId {
    bytes: [u8; RegionId::MAX],
    len: u8,
}

impl RegionId {
    /// Longest id.
    pub const MAX: usize = 32;
    /// The built-in region.
    pub const BUILTIN: RegionId = {
        let id = b"shanxi";
        let mut bytes = [0u8; RegionId::MAX];
        let mut i = 0;
        while i < id.len() {
            bytes[i] = id[i];
            i += 1;
        }
        RegionId {
            bytes,
            len: id.len() as u8,
        }
    };

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl Default for RegionId {
    fn default() -> Self {
        Self::BUILTIN
    }
}

impl std::fmt::Debug for RegionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl std::fmt::Display for RegionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<&str> for RegionId {
    type Error = String;
    fn try_from(s: &str) -> std::result::Result<Self, String> {
        if s.is_empty()
            || s.len() > Self::MAX
            || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!("region id {s:?}: 1 to {} letters, digits, - or _", Self::MAX));
        }
        let mut bytes = [0u8; Self::MAX];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(Self {
            bytes,
            len: s.len() as u8,
        })
    }
}

impl Serialize for RegionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::try_from(s.as_str()).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Header {
    journal: String,
    version: u32,
    dataset: DatasetIdentity,
    /// The event before this file's first: 0 for a journal from the start
    /// (and for every journal written before snapshots, which lack it), the
    /// snapshot's last event for one begun when a snapshot sealed the one
    /// before it into a segment.
    #[serde(default)]
    after: u64,
}

/// A torn last record found on open.
#[derive(Debug, Clone, PartialEq)]
pub struct TornTail {
    /// Where the torn record began.
    pub offset: u64,
    /// How many bytes it had.
    pub bytes: u64,
    /// Where those bytes were saved.
    pub saved_to: PathBuf,
}

/// Which writes are on disk: the journal's bytes counted from its opening
/// (across seals), how many of them an fsync has covered, and the leader
/// that is syncing now, if any. Shared by the writers waiting on their tickets.
#[derive(Debug)]
pub struct Durability {
    state: parking_lot::Mutex<SyncState>,
    synced_now: parking_lot::Condvar,
}

#[derive(Debug)]
struct SyncState {
    /// The file being appended to (replaced when the journal is sealed).
    file: Arc<File>,
    /// Bytes written since the journal was opened.
    written: u64,
    /// Of those, the bytes an fsync has covered.
    synced: u64,
    /// A leader is syncing.
    syncing: bool,
    /// Records written and not yet synced, for the group-size metric.
    unsynced_records: u64,
    /// Why every write is refused: an fsync failed.
    failed: Option<String>,
    /// Fsyncs led by waiting writers.
    syncs: u64,
}

impl Durability {
    fn new(file: Arc<File>) -> Self {
        Self {
            state: parking_lot::Mutex::new(SyncState {
                file,
                written: 0,
                synced: 0,
                syncing: false,
                unsynced_records: 0,
                failed: None,
                syncs: 0,
            }),
            synced_now: parking_lot::Condvar::new(),
        }
    }

    /// Waits until the write with `ticket` ([`Journal::write_unit`]) is on
    /// disk: an fsync that began after it was written has returned. The
    /// first writer to find no sync running leads one for everything written
    /// so far; the others wait for it (or lead the next).
    pub fn wait(&self, ticket: u64) -> Result<()> {
        let mut state = self.state.lock();
        loop {
            if let Some(why) = &state.failed {
                return Err(Error::StoreUnavailable(format!(
                    "the journal could not be synced to disk ({why}); the change may not be stored: restart the server, which replays what is on disk"
                )));
            }
            if state.synced >= ticket {
                return Ok(());
            }
            if state.syncing {
                self.synced_now.wait(&mut state);
                continue;
            }
            state.syncing = true;
            let (upto, records, file) = (state.written, state.unsynced_records, state.file.clone());
            state.unsynced_records = 0;
            let synced = parking_lot::MutexGuard::unlocked(&mut state, || {
                let started = std::time::Instant::now();
                let synced = file.sync_data();
                metrics::histogram!("lookout_journal_fsync_seconds").record(started.elapsed().as_secs_f64());
                metrics::histogram!("lookout_journal_group_records").record(records as f64);
                synced
            });
            state.syncing = false;
            state.syncs += 1;
            match synced {
                Ok(()) => state.synced = state.synced.max(upto),
                Err(e) => {
                    tracing::error!(error = %e, "a journal fsync failed; refusing writes until restart");
                    state.failed = Some(e.to_string());
                }
            }
            self.synced_now.notify_all();
        }
    }

    /// Bytes written since the opening: the ticket of the last write.
    pub fn written(&self) -> u64 {
        self.state.lock().written
    }

    /// Bytes (counted from the opening) known to be on disk.
    pub fn synced(&self) -> u64 {
        self.state.lock().synced
    }

    /// Fsyncs led by waiting writers so far (for the benchmark's records per fsync).
    pub fn syncs(&self) -> u64 {
        self.state.lock().syncs
    }

    fn failed(&self) -> Option<String> {
        self.state.lock().failed.clone()
    }

    /// `bytes` more were written; `synced`: and are on disk already. The ticket.
    fn add_written(&self, bytes: u64, synced: bool) -> u64 {
        let mut state = self.state.lock();
        state.written += bytes;
        if synced {
            state.synced = state.written;
            self.synced_now.notify_all();
        } else {
            state.unsynced_records += 1;
        }
        state.written
    }

    /// The journal goes on in `file`, everything before it synced (sealed).
    fn reopened(&self, file: Arc<File>) {
        let mut state = self.state.lock();
        state.file = file;
        state.synced = state.written;
        state.unsynced_records = 0;
        self.synced_now.notify_all();
    }
}

/// An open journal, positioned at its end.
#[derive(Debug)]
pub struct Journal {
    file: Arc<File>,
    durability: Arc<Durability>,
    path: PathBuf,
    dataset: DatasetIdentity,
    /// The event before this file's first.
    after: u64,
    next_seq: u64,
    /// Length of the file up to its last whole record.
    len: u64,
    /// Why writes are refused: a failed write could not be cut off.
    broken: Option<String>,
    /// Tests: fail the next write after this many bytes.
    #[cfg(test)]
    fail_after: Option<usize>,
}

/// What opening a journal found.
#[derive(Debug)]
pub struct Opened {
    /// The journal, ready to append.
    pub journal: Journal,
    /// Every whole record, in order: one unit per command.
    pub units: Vec<Unit>,
    /// A torn last record, set aside.
    pub torn: Option<TornTail>,
}

impl Opened {
    /// Every event, in order.
    pub fn records(&self) -> impl Iterator<Item = &EventRecord> {
        self.units.iter().flat_map(|u| &u.events)
    }
}

/// A record's payload: a unit (an object with `events`) or a bare event.
/// Told apart by a first pass that only looks for the key (serde_json skips
/// the rest without building it), then read straight into its type.
fn read_unit(payload: &[u8]) -> std::result::Result<Unit, String> {
    #[derive(Deserialize)]
    struct Shape {
        events: Option<serde::de::IgnoredAny>,
    }
    // A unit is written with `events` first: that needs no first pass (a
    // history unit of two thousand events is half a megabyte to skip).
    let is_unit = payload.starts_with(br#"{"events":"#)
        || serde_json::from_slice::<Shape>(payload)
            .map_err(|e| e.to_string())?
            .events
            .is_some();
    if is_unit {
        let unit: Unit = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
        if unit.events.is_empty() {
            return Err("a unit without events".into());
        }
        Ok(unit)
    } else {
        serde_json::from_slice(payload)
            .map(Unit::single)
            .map_err(|e| e.to_string())
    }
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

enum Next<'a> {
    Record(&'a [u8], usize),
    End,
    Torn,
    Corrupt(String),
}

fn next_frame(bytes: &[u8], at: usize) -> Next<'_> {
    let rest = &bytes[at..];
    if rest.is_empty() {
        return Next::End;
    }
    // A tail of zeros is space a filesystem gave the file before the crash
    // and no record ever filled (every record is framed with a non-empty
    // payload): torn, not damage. Without this, 8 zeros would read as an
    // empty frame whose CRC matches.
    if rest.len() < FRAME_HEADER || rest.iter().all(|&b| b == 0) {
        return Next::Torn;
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    let end = FRAME_HEADER.saturating_add(len);
    if len > MAX_RECORD_BYTES || end > rest.len() {
        // Runs past the end of the file: the last write was cut off.
        return Next::Torn;
    }
    let payload = &rest[FRAME_HEADER..end];
    if crc32fast::hash(payload) != crc {
        return if end == rest.len() {
            Next::Torn
        } else {
            Next::Corrupt("checksum mismatch".into())
        };
    }
    Next::Record(payload, at + end)
}

/// How a file's run of whole records ends.
enum Ending {
    /// At the end of the file.
    End,
    /// With a record cut off at this offset.
    Torn(usize),
    /// With a damaged record at this offset.
    Corrupt(usize, String),
}

/// The whole records of `bytes` (offset, payload), in order, and how they end.
fn scan(bytes: &[u8]) -> (Vec<(usize, &[u8])>, Ending) {
    let mut records = Vec::new();
    let mut at = 0;
    loop {
        match next_frame(bytes, at) {
            Next::End => return (records, Ending::End),
            Next::Torn => return (records, Ending::Torn(at)),
            Next::Corrupt(reason) => return (records, Ending::Corrupt(at, reason)),
            Next::Record(payload, next) => {
                records.push((at, payload));
                at = next;
            }
        }
    }
}

/// The units of `records` (offset, payload), read on several threads (a
/// million history events take seconds on one), each result in its record's place.
fn read_units(records: &[(usize, &[u8])]) -> Vec<std::result::Result<Unit, String>> {
    crate::parallel::par_map(records, crate::parallel::threads(), |(_, payload)| read_unit(payload))
}

/// A sealed journal file (a segment, a snapshot's events) read and its
/// frames checked (header, checksums, how it ends); its records are parsed
/// by [`Sealed::each`], on several threads while the caller folds them.
pub struct Sealed {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Each record after the header: its offset and its payload's range.
    records: Vec<(usize, std::ops::Range<usize>)>,
    after: u64,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("path", &self.path)
            .field("records", &self.records.len())
            .field("after", &self.after)
            .finish()
    }
}

impl Sealed {
    /// Reads the file at `path` and checks its frames and header: a file cut
    /// off or damaged is refused here, before anything is folded from it.
    pub fn open(path: &Path, dataset: DatasetIdentity) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(Error::io("read", path))?;
        let corrupt = |offset: usize, reason: String| Error::CorruptJournal {
            path: path.into(),
            offset: offset as u64,
            reason,
        };
        let (records, ending) = scan(&bytes);
        let Some(&(at, payload)) = records.first() else {
            return Err(corrupt(0, "no header".into()));
        };
        let header: Header = serde_json::from_slice(payload).map_err(|e| corrupt(at, format!("bad header: {e}")))?;
        if header.dataset != dataset {
            return Err(corrupt(
                at,
                format!("for dataset {:?}, not {dataset:?}", header.dataset),
            ));
        }
        let base = bytes.as_ptr() as usize;
        let records: Vec<_> = records[1..]
            .iter()
            .map(|&(at, payload)| {
                let start = payload.as_ptr() as usize - base;
                (at, start..start + payload.len())
            })
            .collect();
        let sealed = Self {
            path: path.into(),
            bytes,
            records,
            after: header.after,
        };
        let damage = match ending {
            Ending::End => return Ok(sealed),
            Ending::Torn(at) => corrupt(at, "cut off".into()),
            Ending::Corrupt(at, reason) => corrupt(at, reason),
        };
        // The first problem in file order is the one named: an unreadable
        // record before the damage, else the damage.
        sealed.each(|_| Ok(()))?;
        Err(damage)
    }

    /// The event the file begins after.
    pub fn after(&self) -> u64 {
        self.after
    }

    /// Its records (units or single events).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds no record after its header.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Parses its records on several threads and hands each unit to `each`
    /// in file order on this thread, while the later ones are parsed. The
    /// first unreadable record (in file order) or error of `each` stops it.
    pub fn each(self, mut each: impl FnMut(Unit) -> Result<()>) -> Result<()> {
        let Self {
            path, bytes, records, ..
        } = self;
        crate::parallel::par_each(
            &records,
            crate::parallel::threads(),
            |(at, range)| read_unit(&bytes[range.clone()]).map_err(|e| (*at, e)),
            |unit| match unit {
                Ok(unit) => each(unit),
                Err((at, reason)) => Err(Error::CorruptJournal {
                    path: path.clone(),
                    offset: at as u64,
                    reason: format!("bad record: {reason}"),
                }),
            },
        )
    }
}

impl Journal {
    /// The dataset the journal at `path` was written for (its header), or
    /// `None` when there is no journal or it has no whole first record yet.
    pub fn peek_identity(path: &Path) -> Result<Option<DatasetIdentity>> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("open", path)(e)),
        };
        let mut head = [0u8; FRAME_HEADER];
        if file.read_exact(&mut head).is_err() {
            return Ok(None);
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if len > MAX_RECORD_BYTES {
            return Ok(None);
        }
        let mut payload = vec![0u8; len];
        if file.read_exact(&mut payload).is_err() {
            return Ok(None);
        }
        let mut bytes = head.to_vec();
        bytes.extend_from_slice(&payload);
        match next_frame(&bytes, 0) {
            Next::Record(payload, _) => {
                let header: Header = serde_json::from_slice(payload).map_err(|e| Error::CorruptJournal {
                    path: path.into(),
                    offset: 0,
                    reason: format!("bad header: {e}"),
                })?;
                Ok(Some(header.dataset))
            }
            _ => Ok(None),
        }
    }

    /// Opens (or creates) the journal at `path` for `dataset`, reading every record.
    pub fn open(path: &Path, dataset: DatasetIdentity) -> Result<Opened> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(Error::io("open", path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(Error::io("read", path))?;
        let corrupt = |offset: usize, reason: String| Error::CorruptJournal {
            path: path.into(),
            offset: offset as u64,
            reason,
        };

        let mut units: Vec<Unit> = Vec::new();
        let mut next_seq = 1;
        let mut after = 0;
        let (records, ending) = scan(&bytes);
        let header_seen = !records.is_empty();
        if let Some(&(at, payload)) = records.first() {
            let header: Header =
                serde_json::from_slice(payload).map_err(|e| corrupt(at, format!("bad header: {e}")))?;
            if header.dataset != dataset {
                return Err(corrupt(
                    at,
                    format!(
                        "journal is for dataset {:?}, not {:?}: start with the dataset it was written for, or another --state-dir",
                        header.dataset, dataset
                    ),
                ));
            }
            after = header.after;
            next_seq = after + 1;
        }
        let body = records.get(1..).unwrap_or_default();
        for (&(at, _), unit) in body.iter().zip(read_units(body)) {
            let unit = unit.map_err(|e| corrupt(at, format!("bad record: {e}")))?;
            for record in &unit.events {
                if record.seq != next_seq {
                    return Err(corrupt(at, format!("record {} where {next_seq} was due", record.seq)));
                }
                next_seq += 1;
            }
            units.push(unit);
        }
        let torn = match ending {
            Ending::End => None,
            Ending::Torn(at) => Some(at),
            Ending::Corrupt(at, reason) => return Err(corrupt(at, reason)),
        };

        let torn = match torn {
            None => None,
            Some(offset) => {
                let saved_to = path.with_extension(format!("torn-{offset}"));
                std::fs::write(&saved_to, &bytes[offset..]).map_err(Error::io("save torn tail to", &saved_to))?;
                file.set_len(offset as u64).map_err(Error::io("truncate", path))?;
                file.sync_all().map_err(Error::io("sync", path))?;
                Some(TornTail {
                    offset: offset as u64,
                    bytes: (bytes.len() - offset) as u64,
                    saved_to,
                })
            }
        };
        let len = file.seek(SeekFrom::End(0)).map_err(Error::io("seek", path))?;
        let file = Arc::new(file);
        let mut journal = Journal {
            durability: Arc::new(Durability::new(file.clone())),
            file,
            path: path.into(),
            dataset,
            after,
            next_seq,
            len,
            broken: None,
            #[cfg(test)]
            fail_after: None,
        };
        if !header_seen {
            journal.write_header()?;
        }
        Ok(Opened { journal, units, torn })
    }

    fn write_header(&mut self) -> Result<()> {
        let header = Header {
            journal: "lookout".into(),
            version: 1,
            dataset: self.dataset,
            after: self.after,
        };
        let payload = serde_json::to_vec(&header).map_err(|e| Error::BadData {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        self.write_framed(&payload, true).map(drop)
    }

    /// Reads a sealed journal file (a segment, or the events of a snapshot)
    /// whole: the event before its first, and its records. Any damage, a
    /// torn end included, is an error: such a file was complete when written.
    pub fn read_sealed(path: &Path, dataset: DatasetIdentity) -> Result<(u64, Vec<Unit>)> {
        let sealed = Sealed::open(path, dataset)?;
        let after = sealed.after();
        let mut units = Vec::with_capacity(sealed.len());
        sealed.each(|unit| {
            units.push(unit);
            Ok(())
        })?;
        Ok((after, units))
    }

    /// Writes `units` (in order, gaps allowed) as a sealed journal file at
    /// `path`, fsync'd; [`Journal::read_sealed`] reads it.
    pub fn write_sealed(path: &Path, dataset: DatasetIdentity, after: u64, units: &[Unit]) -> Result<()> {
        let bad = |e: serde_json::Error| Error::BadData {
            path: path.into(),
            reason: e.to_string(),
        };
        let header = Header {
            journal: "lookout".into(),
            version: 1,
            dataset,
            after,
        };
        let mut out = std::io::BufWriter::new(File::create(path).map_err(Error::io("create", path))?);
        out.write_all(&frame(&serde_json::to_vec(&header).map_err(bad)?))
            .map_err(Error::io("write", path))?;
        for unit in units {
            let payload = match (&unit.events[..], &unit.idempotency) {
                ([record], None) => serde_json::to_vec(record),
                _ => serde_json::to_vec(unit),
            }
            .map_err(bad)?;
            out.write_all(&frame(&payload)).map_err(Error::io("write", path))?;
        }
        let file = out.into_inner().map_err(|e| Error::io("write", path)(e.into_error()))?;
        file.sync_all().map_err(Error::io("sync", path))
    }

    /// Seals this journal into `segment` (renamed there whole) and goes on
    /// in a new, empty journal at the same path that begins after its last
    /// event. Call with writes held back (the store's journal lock).
    pub fn seal_into(&mut self, segment: &Path) -> Result<()> {
        if let Some(dir) = segment.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
        }
        self.file.sync_all().map_err(Error::io("sync", &self.path))?;
        std::fs::rename(&self.path, segment).map_err(Error::io("rename to", segment))?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&self.path)
            .map_err(Error::io("create", &self.path))?;
        self.file = Arc::new(file);
        self.durability.reopened(self.file.clone());
        self.after = self.next_seq - 1;
        self.len = 0;
        self.write_header()?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The length of `bytes` up to their last whole record (a journal being
    /// appended to, read as it is: a record half written is left out), and
    /// the event before the file's first and the last event in that prefix.
    pub fn whole_prefix(bytes: &[u8]) -> (usize, u64, u64) {
        let (mut at, mut after, mut last, mut header) = (0, 0, 0, true);
        while let Next::Record(payload, next) = next_frame(bytes, at) {
            if header {
                after = serde_json::from_slice::<Header>(payload).map_or(0, |h| h.after);
                last = after;
                header = false;
            } else if let Ok(unit) = read_unit(payload)
                && let Some((_, b)) = unit.seqs()
            {
                last = b;
            }
            at = next;
        }
        (at, after, last)
    }

    /// The event before this file's first (0: the journal is whole from the start).
    pub fn after(&self) -> u64 {
        self.after
    }

    /// The sequence number the next record must carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Appends a record and waits until it is on disk.
    pub fn append(&mut self, record: &EventRecord) -> Result<()> {
        self.append_unit(&Unit::single(record.clone()))
    }

    /// Appends a command's events as one record and waits until it is on
    /// disk (its own fsync, under the caller's lock): afterwards all of them
    /// are stored, or (on an error) none.
    pub fn append_unit(&mut self, unit: &Unit) -> Result<()> {
        self.write_unit_synced(unit, true).map(drop)
    }

    /// Writes a command's events as one record without waiting for the
    /// disk, and returns the ticket to wait on ([`Durability::wait`]) before
    /// acknowledging it. An error leaves nothing written.
    pub fn write_unit(&mut self, unit: &Unit) -> Result<u64> {
        self.write_unit_synced(unit, false)
    }

    /// Who waits for this journal's writes to reach the disk.
    pub fn durability(&self) -> Arc<Durability> {
        self.durability.clone()
    }

    fn write_unit_synced(&mut self, unit: &Unit, sync: bool) -> Result<u64> {
        let mut due = self.next_seq;
        for record in &unit.events {
            if record.seq != due {
                return Err(Error::CorruptJournal {
                    path: self.path.clone(),
                    offset: self.len,
                    reason: format!("appending record {} where {due} is due", record.seq),
                });
            }
            due += 1;
        }
        if unit.events.is_empty() {
            return Ok(self.durability.synced());
        }
        let payload = match (&unit.events[..], &unit.idempotency) {
            ([record], None) => serde_json::to_vec(record),
            _ => serde_json::to_vec(unit),
        }
        .map_err(|e| Error::BadData {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        if payload.len() > MAX_RECORD_BYTES {
            // Read back, it would be taken for a torn write and set aside.
            return Err(Error::InvalidRequest(format!(
                "a unit of {} events takes {} MiB; one journal record holds at most {} MiB",
                unit.events.len(),
                payload.len() >> 20,
                MAX_RECORD_BYTES >> 20
            )));
        }
        let ticket = self.write_framed(&payload, sync)?;
        self.next_seq = due;
        Ok(ticket)
    }

    /// Writes a framed record (and, with `sync`, fsyncs it); returns its ticket.
    fn write_framed(&mut self, payload: &[u8], sync: bool) -> Result<u64> {
        if let Some(why) = self.broken.clone().or_else(|| self.durability.failed()) {
            return Err(Error::StoreUnavailable(format!(
                "the journal refuses writes until the server restarts: {why}"
            )));
        }
        let framed = frame(payload);
        let written = self.write_all(&framed).and_then(|()| {
            if !sync {
                return Ok(());
            }
            let started = std::time::Instant::now();
            let synced = self.file.sync_data();
            metrics::histogram!("lookout_journal_fsync_seconds").record(started.elapsed().as_secs_f64());
            synced
        });
        match written {
            Ok(()) => {
                self.len += framed.len() as u64;
                metrics::counter!("lookout_journal_records_total").increment(1);
                Ok(self.durability.add_written(framed.len() as u64, sync))
            }
            Err(e) => {
                tracing::error!(journal = %self.path.display(), error = %e, "a journal write failed; cutting it off");
                // Leave no partial record behind for the next append to bury.
                let cut = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.sync_all())
                    .and_then(|()| (&*self.file).seek(SeekFrom::End(0)).map(drop));
                if let Err(cut) = cut {
                    tracing::error!(journal = %self.path.display(), error = %cut, "the failed write could not be cut off; refusing writes");
                    self.broken = Some(format!("a failed write could not be cut off ({cut})"));
                }
                Err(Error::StoreUnavailable(format!(
                    "the journal cannot be written ({e}); the change was not stored"
                )))
            }
        }
    }

    #[cfg(not(test))]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (&*self.file).write_all(bytes)
    }

    #[cfg(test)]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.fail_after.take() {
            Some(n) => {
                (&*self.file).write_all(&bytes[..n.min(bytes.len())])?;
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "no space left on device (test)",
                ))
            }
            None => (&*self.file).write_all(bytes),
        }
    }

    /// Tests: the next write stops after `bytes` bytes, as on a full disk.
    #[cfg(test)]
    pub(crate) fn fail_next_write_after(&mut self, bytes: usize) {
        self.fail_after = Some(bytes);
    }

    /// Bytes up to the last whole record.
    pub fn len_bytes(&self) -> u64 {
        self.len
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    const DATASET: DatasetIdentity = DatasetIdentity::generated(1, 1, 1);

    fn record(seq: u64) -> EventRecord {
        EventRecord {
            token: None,
            seq,
            at: chrono::Utc::now(),
            actor: "duty-officer".into(),
            event: Event::FeatureDeleted {
                collection: "shelters".into(),
                id: seq,
            },
        }
    }

    fn write_three(path: &Path) {
        let mut j = Journal::open(path, DATASET).unwrap().journal;
        for seq in 1..=3 {
            j.append(&record(seq)).unwrap();
        }
    }

    #[test]
    fn records_survive_reopening_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.records().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(opened.journal.next_seq(), 4);
        assert!(opened.torn.is_none());
    }

    #[test]
    fn a_torn_last_record_is_set_aside_and_reported_never_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let full = std::fs::metadata(&path).unwrap().len();
        // Cut the last record in half, as a crash mid-write would.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(full - 20).unwrap();
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.records().count(), 2);
        let torn = opened.torn.expect("torn tail reported");
        assert!(torn.saved_to.exists());
        assert_eq!(std::fs::metadata(&torn.saved_to).unwrap().len(), torn.bytes);
        // The journal goes on from the last whole record.
        let mut j = opened.journal;
        j.append(&record(3)).unwrap();
        let reopened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(reopened.records().count(), 3);
        assert!(reopened.torn.is_none());
    }

    #[test]
    fn a_tail_of_zeros_after_a_power_loss_is_torn_not_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let full = std::fs::metadata(&path).unwrap().len();
        // Some filesystems extend the file before the data lands.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(full + 4096).unwrap();
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.records().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(opened.torn.expect("the zeros are set aside").bytes, 4096);
        let mut j = opened.journal;
        j.append(&record(4)).unwrap();
        assert_eq!(Journal::open(&path, DATASET).unwrap().records().count(), 4);
    }

    #[test]
    fn a_flipped_byte_in_the_last_record_is_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 3] ^= 0xFF;
        std::fs::write(&path, bytes).unwrap();
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.records().count(), 2);
        assert!(opened.torn.is_some());
    }

    #[test]
    fn damage_before_the_last_record_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let mut bytes = std::fs::read(&path).unwrap();
        // The first event record starts after the header frame.
        let header_len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize + FRAME_HEADER;
        bytes[header_len + FRAME_HEADER + 5] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        let err = Journal::open(&path, DATASET).unwrap_err();
        assert!(matches!(err, Error::CorruptJournal { .. }), "{err}");
        // Nothing was truncated.
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    /// `path`'s frames with some payloads replaced (frame index, payload); the new offsets.
    fn replace_frames(path: &Path, with: &[(usize, Vec<u8>)]) -> Vec<usize> {
        let bytes = std::fs::read(path).unwrap();
        let (records, ending) = scan(&bytes);
        assert!(matches!(ending, Ending::End));
        let (mut out, mut offsets) = (Vec::new(), Vec::new());
        for (i, (_, payload)) in records.iter().enumerate() {
            offsets.push(out.len());
            match with.iter().find(|(at, _)| *at == i) {
                Some((_, p)) => out.extend(frame(p)),
                None => out.extend(frame(payload)),
            }
        }
        std::fs::write(path, out).unwrap();
        offsets
    }

    #[test]
    fn records_read_on_several_threads_fail_at_the_first_bad_one_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        {
            let mut j = Journal::open(&path, DATASET).unwrap().journal;
            for seq in 1..=600 {
                j.append(&record(seq)).unwrap();
            }
        }
        assert_eq!(Journal::open(&path, DATASET).unwrap().records().count(), 600);
        // frame i holds event i (frame 0 is the header): an unreadable record
        // early, an out-of-order one late, so each thread has an error
        let late = serde_json::to_vec(&record(9_999)).unwrap();
        let offsets = replace_frames(
            &path,
            &[(120, br#"{"type":"no such kind"}"#.to_vec()), (480, late.clone())],
        );
        let Err(Error::CorruptJournal { offset, reason, .. }) = Journal::open(&path, DATASET) else {
            panic!("a bad record opened");
        };
        assert_eq!(
            (offset, reason.starts_with("bad record")),
            (offsets[120] as u64, true),
            "{reason}"
        );
        // the same order for a sealed file
        let sealed = dir.path().join("segment.lkj");
        let units: Vec<Unit> = (1..=600).map(|seq| Unit::single(record(seq))).collect();
        Journal::write_sealed(&sealed, DATASET, 0, &units).unwrap();
        assert_eq!(Journal::read_sealed(&sealed, DATASET).unwrap().1.len(), 600);
        let offsets = replace_frames(&sealed, &[(120, b"[]".to_vec()), (480, b"{".to_vec())]);
        let Err(Error::CorruptJournal { offset, .. }) = Journal::read_sealed(&sealed, DATASET) else {
            panic!("a bad sealed record was read");
        };
        assert_eq!(offset, offsets[120] as u64);
        // and when the only bad record is the late one, it is the one named
        let offsets = replace_frames(&path, &[(120, serde_json::to_vec(&record(120)).unwrap())]);
        let Err(Error::CorruptJournal { offset, reason, .. }) = Journal::open(&path, DATASET) else {
            panic!("an out-of-order record opened");
        };
        assert_eq!(offset, offsets[480] as u64, "{reason}");
        assert!(reason.contains("9999 where 480 was due"), "{reason}");
    }

    #[test]
    fn a_journal_for_another_dataset_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let other = DatasetIdentity { scale: 100, ..DATASET };
        assert!(matches!(Journal::open(&path, other), Err(Error::CorruptJournal { .. })));
    }

    fn unit(seqs: std::ops::RangeInclusive<u64>, key: Option<&str>) -> Unit {
        Unit {
            events: seqs.map(record).collect(),
            idempotency: key.map(|k| crate::event::Idempotency {
                key: k.into(),
                request: "hash".into(),
            }),
        }
    }

    #[test]
    fn a_unit_is_one_record_and_reads_back_whole_beside_old_single_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let written = unit(4..=6, Some("k1"));
        {
            let mut j = Journal::open(&path, DATASET).unwrap().journal;
            j.append_unit(&written).unwrap();
            j.append_unit(&unit(7..=7, None)).unwrap();
            assert!(j.append_unit(&unit(9..=9, None)).is_err(), "a gap is refused");
        }
        let opened = Journal::open(&path, DATASET).unwrap();
        let sizes: Vec<usize> = opened.units.iter().map(|u| u.events.len()).collect();
        assert_eq!(sizes, [1, 1, 1, 3, 1]);
        assert_eq!(opened.units[3], written);
        assert_eq!(
            opened.records().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(opened.journal.next_seq(), 8);
    }

    #[test]
    fn a_torn_unit_is_set_aside_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let before = std::fs::metadata(&path).unwrap().len();
        Journal::open(&path, DATASET)
            .unwrap()
            .journal
            .append_unit(&unit(4..=6, None))
            .unwrap();
        let full = std::fs::metadata(&path).unwrap().len();
        // Cut inside the unit, past its first event's bytes.
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(full - 30)
            .unwrap();
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.records().count(), 3, "none of the unit's events is read");
        assert_eq!(opened.torn.unwrap().offset, before);
        assert_eq!(opened.journal.next_seq(), 4);
    }

    #[test]
    fn writes_waiting_together_share_one_fsync_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        let mut j = Journal::open(&path, DATASET).unwrap().journal;
        let durability = j.durability();
        let first = j.write_unit(&unit(1..=1, None)).unwrap();
        let second = j.write_unit(&unit(2..=4, Some("k"))).unwrap();
        assert!(durability.synced() < first, "written, not yet synced");
        durability.wait(first).unwrap();
        assert_eq!(durability.syncs(), 1);
        assert!(durability.synced() >= second, "the one fsync covered both");
        durability.wait(second).unwrap();
        assert_eq!(durability.syncs(), 1, "the second waited for no fsync of its own");
        drop(j);
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.units.len(), 2);
        assert_eq!(opened.units[1].events.len(), 3, "the unit stays one record");
    }

    #[test]
    fn every_write_acknowledged_by_concurrent_writers_is_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        let journal = Journal::open(&path, DATASET).unwrap().journal;
        let durability = journal.durability();
        let journal = parking_lot::Mutex::new(journal);
        let acknowledged = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..25 {
                        let ticket = {
                            let mut j = journal.lock();
                            let seq = j.next_seq();
                            j.write_unit(&unit(seq..=seq + 1, None)).unwrap()
                        };
                        durability.wait(ticket).unwrap();
                        acknowledged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(acknowledged.into_inner(), 200);
        drop(journal);
        let opened = Journal::open(&path, DATASET).unwrap();
        assert_eq!(opened.units.len(), 200);
        assert!(opened.units.iter().all(|u| u.events.len() == 2));
        assert_eq!(
            opened.records().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=400).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_seal_covers_writes_waiting_for_their_fsync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        let mut j = Journal::open(&path, DATASET).unwrap().journal;
        let durability = j.durability();
        let ticket = j.write_unit(&unit(1..=1, None)).unwrap();
        j.seal_into(&dir.path().join("segment.lkj")).unwrap();
        assert!(durability.synced() >= ticket);
        durability.wait(ticket).unwrap();
        assert_eq!(durability.syncs(), 0, "the seal's sync covered it");
        let next = j.write_unit(&unit(2..=2, None)).unwrap();
        durability.wait(next).unwrap();
        assert_eq!(Journal::open(&path, DATASET).unwrap().records().count(), 1);
    }

    #[test]
    fn a_failed_write_is_cut_off_and_the_next_one_lands_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        write_three(&path);
        let before = std::fs::metadata(&path).unwrap().len();
        let mut j = Journal::open(&path, DATASET).unwrap().journal;
        j.fail_next_write_after(40);
        let err = j.append_unit(&unit(4..=5, None)).unwrap_err();
        assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            before,
            "no partial record is left"
        );
        assert_eq!(j.next_seq(), 4);
        j.append_unit(&unit(4..=5, None)).unwrap();
        let opened = Journal::open(&path, DATASET).unwrap();
        assert!(opened.torn.is_none());
        assert_eq!(opened.records().count(), 5);
    }
}
