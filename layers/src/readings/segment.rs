//! Segment files: one per UTC day, `YYYY-MM-DD.lkr`, a sequence of frames.
//!
//! A frame is `length: u32 LE`, `crc32 of the payload: u32 LE`, payload; the
//! payload is the batch's readings, each `sensor: u64`, `at_ms: i64`,
//! `channels: u8` (its high bit, [`DRILL_BIT`], marks a drill reading) and
//! that many `f64`, all little-endian. A frame cut off by
//! a crash (never acknowledged, since the fsync had not returned) is cut
//! from the file when the day is next written, and skipped when read.

use super::{MAX_CHANNELS, Reading};

/// The bit of the `channels` byte that marks a drill reading (older
/// segments never set it: their readings are real).
pub const DRILL_BIT: u8 = 0x80;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

const SUFFIX: &str = ".lkr";
const HEADER: usize = 8;

/// The file of a day.
pub(super) fn path(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!("{}{SUFFIX}", day.format("%Y-%m-%d")))
}

/// Every segment in `dir`, with its day.
pub(super) fn list(dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(Error::io("list", dir))? {
        let entry = entry.map_err(Error::io("list", dir))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(SUFFIX)) else {
            continue;
        };
        if let Ok(day) = NaiveDate::parse_from_str(stem, "%Y-%m-%d") {
            out.push((day, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn encode(batch: &[&Reading]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(batch.len() * 25);
    for r in batch {
        payload.extend_from_slice(&r.sensor.to_le_bytes());
        payload.extend_from_slice(&r.at_ms.to_le_bytes());
        payload.push(if r.drill { r.channels | DRILL_BIT } else { r.channels });
        for v in r.values() {
            payload.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut frame = Vec::with_capacity(HEADER + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    frame.extend_from_slice(&payload);
    frame
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Option<[u8; N]> {
    let slice = bytes.get(*at..*at + N)?;
    *at += N;
    slice.try_into().ok()
}

fn decode(payload: &[u8], mut each: impl FnMut(&Reading)) -> bool {
    let mut at = 0;
    while at < payload.len() {
        let (Some(sensor), Some(t), Some([byte])) = (
            take::<8>(payload, &mut at),
            take::<8>(payload, &mut at),
            take::<1>(payload, &mut at),
        ) else {
            return false;
        };
        let channels = byte & !DRILL_BIT;
        if usize::from(channels) > MAX_CHANNELS || channels == 0 {
            return false;
        }
        let mut r = Reading {
            sensor: u64::from_le_bytes(sensor),
            at_ms: i64::from_le_bytes(t),
            channels,
            values: [0.0; MAX_CHANNELS],
            drill: byte & DRILL_BIT != 0,
        };
        for slot in r.values.iter_mut().take(usize::from(channels)) {
            let Some(v) = take::<8>(payload, &mut at) else {
                return false;
            };
            *slot = f64::from_le_bytes(v);
        }
        each(&r);
    }
    true
}

/// Calls `each` on every reading of a segment (none if it does not exist);
/// returns the length of its whole frames. A torn or damaged frame ends
/// the scan, with a warning.
pub(super) fn scan(path: &Path, mut each: impl FnMut(&Reading)) -> Result<u64> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("read", path)(e)),
    };
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let (Some(len), Some(crc)) = (take::<4>(&bytes, &mut at), take::<4>(&bytes, &mut at)) else {
            warn_torn(path, start, bytes.len());
            return Ok(start as u64);
        };
        let len = u32::from_le_bytes(len) as usize;
        let Some(payload) = bytes.get(at..at + len) else {
            warn_torn(path, start, bytes.len());
            return Ok(start as u64);
        };
        if crc32fast::hash(payload) != u32::from_le_bytes(crc) || !decode(payload, &mut each) {
            warn_torn(path, start, bytes.len());
            return Ok(start as u64);
        }
        at += len;
    }
    Ok(at as u64)
}

fn warn_torn(path: &Path, offset: usize, len: usize) {
    tracing::warn!(
        path = %path.display(),
        offset,
        bytes = len - offset,
        "readings segment: a torn or damaged frame; the readings after it are not read"
    );
}

/// The open segments being written.
#[derive(Debug, Default)]
pub(super) struct Writer {
    open: HashMap<NaiveDate, File>,
}

impl Writer {
    /// Closes a day's file (before it is deleted).
    pub(super) fn forget(&mut self, day: NaiveDate) {
        self.open.remove(&day);
    }

    fn file(&mut self, dir: &Path, day: NaiveDate) -> Result<&mut File> {
        if !self.open.contains_key(&day) {
            let path = path(dir, day);
            // Cut a torn tail so that new frames follow whole ones.
            let whole = scan(&path, |_| {})?;
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(Error::io("open", &path))?;
            let len = file.metadata().map_err(Error::io("stat", &path))?.len();
            if len > whole {
                file.set_len(whole).map_err(Error::io("truncate", &path))?;
            }
            // Few days are written at once; forget the oldest beyond a week's worth.
            if self.open.len() >= 8
                && let Some(oldest) = self.open.keys().min().copied()
            {
                self.open.remove(&oldest);
            }
            self.open.insert(day, file);
        }
        self.open
            .get_mut(&day)
            .ok_or_else(|| Error::InvalidRequest("segment not open".into()))
    }

    /// Appends a batch, one frame per day it touches, each fsync'd.
    pub(super) fn append(&mut self, dir: &Path, batch: &[Reading]) -> Result<()> {
        let mut by_day: Vec<(NaiveDate, Vec<&Reading>)> = Vec::new();
        for r in batch {
            let day = r.at().date_naive();
            match by_day.iter_mut().find(|(d, _)| *d == day) {
                Some((_, v)) => v.push(r),
                None => by_day.push((day, vec![r])),
            }
        }
        for (day, readings) in by_day {
            let frame = encode(&readings);
            let file = self.file(dir, day)?;
            let written = file.write_all(&frame).and_then(|()| file.sync_data());
            if let Err(e) = written {
                // The file may hold part of the frame: reopen (and cut) next time.
                self.open.remove(&day);
                return Err(Error::io("append", path(dir, day))(e));
            }
        }
        Ok(())
    }
}
