//! Snapshots of the embedded store, so start-up reads a snapshot and the
//! journal's tail instead of every event since the beginning.
//!
//! A snapshot at event `S` is a folder `snapshots/snapshot-S/` beside the
//! journal holding:
//! - `features/`: every layer as it was after `S` (the dataset format,
//!   GeoJSON): the fold of the feature changes, as data;
//! - `events.lkj`: every event up to `S` that is *not* a feature change
//!   (operations, alarms, sign-in, and any kind added later), whole, in the
//!   journal's framing: these are folded again on start, as the PostGIS store
//!   folds them from its `events` table;
//! - `audit.jsonl`: the audit line of each feature change up to `S` (the
//!   audit log lists every event);
//! - `manifest.json`, written last: the dataset, `S`, the idempotency keys.
//!
//! Why this and not the folded state serialised: the folds (operations,
//! users, and those added later) need no serde of their own and cannot go
//! out of step with a snapshot format, and every event kind but the four
//! feature changes is kept whole by default; a new kind of feature change
//! is refused loudly ([`FEATURE_KINDS`], tested). docs/operations.md says more.
//!
//! Taking one: with writes held back for a moment (the journal's lock), the
//! features are copied and the journal is sealed into
//! `segments/journal-A-S.lkj`, a new journal beginning after `S`; the
//! snapshot is written after the lock is let go. A snapshot whose manifest is
//! missing was cut off and is ignored; start-up then takes an older one (or
//! none) and the segments after it.

use super::journal::{DatasetIdentity, Journal, Sealed};
use super::keys::StoredKey;
use crate::auth::AuditEntry;
use crate::catalog::Dataset;
use crate::error::{Error, Result};
use crate::event::{EventRecord, Unit};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The kinds of the events whose result a snapshot keeps as data (the
/// features) and whose audit line it keeps; every other kind is kept whole.
pub const FEATURE_KINDS: [&str; 4] = [
    "feature_created",
    "feature_replaced",
    "feature_updated",
    "feature_deleted",
];

const FORMAT: &str = "lookout-snapshot";
const VERSION: u32 = 1;

/// When the server takes a snapshot by itself, and how many it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// After this many events since the last one (0: never by count).
    pub every_events: u64,
    /// When the journal grows past this many bytes (0: never by size).
    pub every_bytes: u64,
    /// Snapshots kept (at least 1); a snapshot deleted takes the segments up to it along.
    pub keep: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            every_events: 100_000,
            every_bytes: 256 << 20,
            keep: 2,
        }
    }
}

impl Policy {
    /// Whether a journal of `events` events and `bytes` bytes since the last snapshot calls for one.
    pub fn due(&self, events: u64, bytes: u64) -> bool {
        (self.every_events > 0 && events >= self.every_events) || (self.every_bytes > 0 && bytes >= self.every_bytes)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    dataset: DatasetIdentity,
    last_seq: u64,
    created: DateTime<Utc>,
    keys: BTreeMap<String, StoredKey>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Stub {
    seq: u64,
    at: DateTime<Utc>,
    actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    kind: String,
    detail: serde_json::Value,
}

/// A snapshot read back.
#[derive(Debug)]
pub struct Snapshot {
    /// Its last event.
    pub seq: u64,
    /// Its folder.
    pub dir: PathBuf,
    /// The features as they were after `seq`.
    pub dataset: Dataset,
    /// Their R-trees, where the features' cache kept them.
    pub indexes: crate::catalog::Indexes,
    /// Its events (not feature changes), checked but not yet parsed, and the
    /// audit lines of its feature changes.
    pub folds: Unread,
    /// The idempotency keys stored up to `seq`.
    pub keys: HashMap<String, StoredKey>,
}

/// What the folds beside the features are made from.
#[derive(Debug, Default)]
pub struct Folds {
    /// Every event that is not a feature change, in order.
    pub units: Vec<Unit>,
    /// The audit line of each feature change, in order.
    pub audit: Vec<AuditEntry>,
}

/// One step of the folds, in the order of the events.
#[derive(Debug)]
pub enum Step<'a> {
    /// An event to fold again.
    Event(std::sync::Arc<EventRecord>),
    /// The audit line of a feature change (whose result is in the features).
    Audit(&'a AuditEntry),
}

impl Folds {
    /// Adds a journal unit: its feature changes as audit lines, the rest whole.
    fn add(&mut self, unit: Unit) -> Result<()> {
        let mut kept = Vec::new();
        for record in unit.events {
            if record.event.is_feature_change() {
                self.audit.push(audit_line(&record)?);
            } else {
                kept.push(record);
            }
        }
        if !kept.is_empty() {
            self.units.push(Unit {
                events: kept,
                idempotency: None,
            });
        }
        Ok(())
    }
}

/// A snapshot's folds as read at start-up: the events file's frames checked,
/// its records parsed only by [`Unread::fold`], while they are folded.
#[derive(Debug)]
pub struct Unread {
    events: Sealed,
    audit: Vec<AuditEntry>,
}

impl Unread {
    /// Hands every step to `step` in the order of the events' numbers: the
    /// events parsed on several threads while `step` folds the ones before.
    pub fn fold(self, mut step: impl FnMut(Step<'_>) -> Result<()>) -> Result<()> {
        let mut audit = self.audit.iter().peekable();
        self.events.each(|unit| {
            for record in unit.events {
                while let Some(a) = audit.next_if(|a| a.seq < record.seq) {
                    step(Step::Audit(a))?;
                }
                step(Step::Event(std::sync::Arc::new(record)))?;
            }
            Ok(())
        })?;
        audit.try_for_each(|a| step(Step::Audit(a)))
    }

    /// Every step read whole.
    fn read(self) -> Result<Folds> {
        let Self { events, audit } = self;
        let mut units = Vec::with_capacity(events.len());
        events.each(|unit| {
            units.push(unit);
            Ok(())
        })?;
        Ok(Folds { units, audit })
    }
}

fn audit_line(record: &EventRecord) -> Result<AuditEntry> {
    let entry = AuditEntry::of(record);
    static_kind(entry.kind).ok_or_else(|| {
        Error::InvalidRequest(format!(
            "a snapshot keeps feature changes as data, and {:?} is not one it knows (snapshot::FEATURE_KINDS)",
            entry.kind
        ))
    })?;
    Ok(entry)
}

fn static_kind(kind: &str) -> Option<&'static str> {
    FEATURE_KINDS.iter().copied().find(|k| *k == kind)
}

/// The folder of the snapshots beside a journal in `dir`.
pub fn snapshots_dir(dir: &Path) -> PathBuf {
    dir.join("snapshots")
}

/// The folder of the sealed journal segments beside a journal in `dir`.
pub fn segments_dir(dir: &Path) -> PathBuf {
    dir.join("segments")
}

/// The segment a journal holding events `first..=last` is sealed into.
pub fn segment_path(dir: &Path, first: u64, last: u64) -> PathBuf {
    segments_dir(dir).join(format!("journal-{first:020}-{last:020}.lkj"))
}

/// The sealed segments in `dir`, oldest first: (first event, last event, file).
pub fn segments(dir: &Path) -> Result<Vec<(u64, u64, PathBuf)>> {
    let dir = segments_dir(dir);
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(&dir).map_err(Error::io("list", &dir))? {
        let path = entry.map_err(Error::io("list", &dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(range) = name.strip_prefix("journal-").and_then(|n| n.strip_suffix(".lkj")) else {
            continue;
        };
        if let Some((a, b)) = range.split_once('-')
            && let (Ok(a), Ok(b)) = (a.parse(), b.parse())
        {
            out.push((a, b, path));
        }
    }
    out.sort();
    Ok(out)
}

/// The complete snapshots in `dir` (those with a manifest), oldest first.
pub fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let dir = snapshots_dir(dir);
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(&dir).map_err(Error::io("list", &dir))? {
        let path = entry.map_err(Error::io("list", &dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(seq) = name.strip_prefix("snapshot-").and_then(|n| n.parse().ok())
            && path.join("manifest.json").is_file()
        {
            out.push((seq, path));
        }
    }
    out.sort();
    Ok(out)
}

/// The dataset the newest snapshot in `dir` with a readable manifest was
/// taken of, if any.
pub fn newest_identity(dir: &Path) -> Result<Option<DatasetIdentity>> {
    for (_, path) in list(dir)?.into_iter().rev() {
        let Ok(bytes) = std::fs::read(path.join("manifest.json")) else {
            continue;
        };
        if let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) {
            return Ok(Some(manifest.dataset));
        }
    }
    Ok(None)
}

/// The newest snapshot in `dir` that reads whole; a damaged one is reported
/// and the one before it taken.
pub fn latest(dir: &Path, identity: DatasetIdentity) -> Result<Option<Snapshot>> {
    for (seq, path) in list(dir)?.into_iter().rev() {
        match read(&path, identity) {
            Ok(s) => return Ok(Some(s)),
            Err(e) => {
                tracing::error!(snapshot = %path.display(), seq, error = %e, "a snapshot does not read; trying the one before")
            }
        }
    }
    Ok(None)
}

/// The events of the newest readable snapshot (not its features): its last
/// event and its folds. For the command line's users and tokens.
pub fn latest_folds(dir: &Path, identity: DatasetIdentity) -> Result<Option<(u64, Folds)>> {
    for (seq, path) in list(dir)?.into_iter().rev() {
        match read_manifest(&path, identity).and_then(|_| read_folds(&path, identity)) {
            Ok(folds) => return Ok(Some((seq, folds))),
            Err(e) => {
                tracing::error!(snapshot = %path.display(), error = %e, "a snapshot does not read; trying the one before")
            }
        }
    }
    Ok(None)
}

fn read_manifest(dir: &Path, identity: DatasetIdentity) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(Error::io("read", &path))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::BadData {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let bad = |reason: String| Error::BadData {
        path: path.clone(),
        reason,
    };
    if manifest.format != FORMAT || manifest.version > VERSION {
        return Err(bad(format!(
            "{} version {}: this Lookout reads {FORMAT} up to version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    if manifest.dataset != identity {
        return Err(bad(format!("for dataset {:?}, not {identity:?}", manifest.dataset)));
    }
    Ok(manifest)
}

fn read_folds(dir: &Path, identity: DatasetIdentity) -> Result<Folds> {
    open_folds(dir, identity)?.read()
}

/// The snapshot's events file checked (not parsed) and its audit lines read.
fn open_folds(dir: &Path, identity: DatasetIdentity) -> Result<Unread> {
    let events = Sealed::open(&dir.join("events.lkj"), identity)?;
    let path = dir.join("audit.jsonl");
    let file = std::fs::File::open(&path).map_err(Error::io("open", &path))?;
    let mut audit = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(Error::io("read", &path))?;
        let stub: Stub = serde_json::from_str(&line).map_err(|e| Error::BadData {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let kind = static_kind(&stub.kind).ok_or_else(|| Error::BadData {
            path: path.clone(),
            reason: format!("unknown feature change {:?}", stub.kind),
        })?;
        audit.push(AuditEntry {
            seq: stub.seq,
            at: stub.at,
            actor: stub.actor,
            token: stub.token,
            kind,
            detail: stub.detail,
        });
    }
    Ok(Unread { events, audit })
}

/// Reads the snapshot in folder `dir`: its features, and its folds checked
/// (a damaged events file fails here) but left to [`Unread::fold`].
pub fn read(dir: &Path, identity: DatasetIdentity) -> Result<Snapshot> {
    let manifest = read_manifest(dir, identity)?;
    let (dataset, indexes, _) = crate::cache::load_indexed(&dir.join("features"))?;
    let folds = open_folds(dir, identity)?;
    Ok(Snapshot {
        seq: manifest.last_seq,
        dir: dir.to_path_buf(),
        dataset,
        indexes,
        folds,
        keys: manifest.keys.into_iter().collect(),
    })
}

/// What taking a snapshot did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Its last event.
    pub seq: u64,
    /// Its folder.
    pub dir: PathBuf,
    /// Events kept whole in it, and feature changes kept as their audit line.
    pub events: usize,
    /// Feature changes whose result is in its features.
    pub feature_changes: usize,
    /// Snapshots and segments deleted past the retention.
    pub deleted: Vec<PathBuf>,
}

/// Writes the snapshot at `seq` into `dir`'s `snapshots/`: `dataset` as it
/// was after `seq`, the events up to `seq` from the snapshot before it and
/// the sealed segments since; then deletes what `policy` no longer keeps.
pub(crate) fn write(
    dir: &Path,
    identity: DatasetIdentity,
    seq: u64,
    dataset: &Dataset,
    keys: &HashMap<String, StoredKey>,
    policy: Policy,
) -> Result<Report> {
    let previous = list(dir)?.into_iter().rev().find(|(s, _)| *s < seq);
    let (mut folds, from) = match &previous {
        Some((s, path)) => (read_folds(path, identity)?, *s),
        None => (Folds::default(), 0),
    };
    let mut next = from + 1;
    for (first, last, path) in segments(dir)? {
        if last < next || first > seq {
            continue;
        }
        let (_, units) = Journal::read_sealed(&path, identity)?;
        for unit in units {
            let Some((a, b)) = unit.seqs() else { continue };
            if b < next {
                continue;
            }
            if a != next {
                return Err(Error::CorruptJournal {
                    path,
                    offset: 0,
                    reason: format!("event {a} where {next} was due: a segment is missing"),
                });
            }
            next = b + 1;
            folds.add(unit)?;
        }
    }
    if next != seq + 1 {
        return Err(Error::InvalidRequest(format!(
            "the segments end at event {}, not at the snapshot's {seq}",
            next - 1
        )));
    }
    let snapshots = snapshots_dir(dir);
    std::fs::create_dir_all(&snapshots).map_err(Error::io("create", &snapshots))?;
    let target = snapshots.join(format!("snapshot-{seq:020}"));
    let staging = snapshots.join(format!(".snapshot-{seq:020}.partial"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(Error::io("remove", &staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(Error::io("create", &staging))?;
    let options = crate::generate::Options {
        seed: identity.seed,
        scale: identity.scale,
    };
    let features = staging.join("features");
    dataset.save(&features, &crate::generate::metadata(dataset, options))?;
    // The next start decodes the snapshot's binary cache instead of its GeoJSON.
    if let Err(e) = crate::cache::write(&features, dataset) {
        tracing::warn!(dir = %features.display(), error = %e, "the snapshot's dataset cache could not be written");
    }
    Journal::write_sealed(&staging.join("events.lkj"), identity, 0, &folds.units)?;
    let audit_path = staging.join("audit.jsonl");
    {
        let file = std::fs::File::create(&audit_path).map_err(Error::io("create", &audit_path))?;
        let mut out = std::io::BufWriter::new(file);
        for a in &folds.audit {
            let stub = Stub {
                seq: a.seq,
                at: a.at,
                actor: a.actor.clone(),
                token: a.token.clone(),
                kind: a.kind.to_owned(),
                detail: a.detail.clone(),
            };
            serde_json::to_writer(&mut out, &stub).map_err(|e| Error::BadData {
                path: audit_path.clone(),
                reason: e.to_string(),
            })?;
            out.write_all(b"\n").map_err(Error::io("write", &audit_path))?;
        }
        let file = out
            .into_inner()
            .map_err(|e| Error::io("write", &audit_path)(e.into_error()))?;
        file.sync_all().map_err(Error::io("sync", &audit_path))?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        dataset: identity,
        last_seq: seq,
        created: Utc::now(),
        keys: keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    let manifest_path = staging.join("manifest.json");
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::BadData {
        path: manifest_path.clone(),
        reason: e.to_string(),
    })?;
    let file = std::fs::File::create(&manifest_path).map_err(Error::io("create", &manifest_path))?;
    (&file).write_all(&bytes).map_err(Error::io("write", &manifest_path))?;
    file.sync_all().map_err(Error::io("sync", &manifest_path))?;
    std::fs::rename(&staging, &target).map_err(Error::io("rename into", &target))?;
    if let Ok(d) = std::fs::File::open(&snapshots) {
        let _ = d.sync_all();
    }
    let deleted = prune(dir, policy)?;
    Ok(Report {
        seq,
        dir: target,
        events: folds.units.iter().map(|u| u.events.len()).sum::<usize>(),
        feature_changes: folds.audit.len(),
        deleted,
    })
}

/// Deletes all but the newest `policy.keep` snapshots, and with each the
/// segments that end at or before it: the events kept are those after the
/// oldest snapshot kept, so start-up can fall back to any snapshot kept.
fn prune(dir: &Path, policy: Policy) -> Result<Vec<PathBuf>> {
    let all = list(dir)?;
    let keep = policy.keep.max(1);
    let mut deleted = Vec::new();
    if all.len() <= keep {
        return Ok(deleted);
    }
    let gone = &all[..all.len() - keep];
    for (_, path) in gone {
        std::fs::remove_dir_all(path).map_err(Error::io("remove", path))?;
        deleted.push(path.clone());
    }
    let newest_gone = gone.last().map_or(0, |(seq, _)| *seq);
    for (_, last, path) in segments(dir)? {
        if last <= newest_gone {
            std::fs::remove_file(&path).map_err(Error::io("remove", &path))?;
            deleted.push(path);
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_change_is_known_to_snapshots_and_nothing_else_is() {
        use crate::event::Event;
        let changes = [
            Event::FeatureCreated {
                collection: "shelters".into(),
                feature: serde_json::json!({}),
            },
            Event::FeatureDeleted {
                collection: "shelters".into(),
                id: 1,
            },
        ];
        for e in &changes {
            assert!(e.is_feature_change() && static_kind(e.kind()).is_some(), "{}", e.kind());
        }
        assert!(static_kind("incident_opened").is_none());
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod store_tests;
