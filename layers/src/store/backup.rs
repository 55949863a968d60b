//! Backups of the embedded store: one checksummed file holding the newest
//! snapshot, the segments after it, the journal, the readings and the blobs
//! (attachments, [`super::blobs`]) of one state folder
//! (`state/seed-N-scale-K/`), taken while a server writes. The blobs are
//! read after the journal: a blob is on disk before the event naming it is
//! stored, so every event in the backup finds its blob in it.
//!
//! No write waits for a backup: the journal is append-only, so its whole
//! records at the moment it is read are a consistent state (every event
//! acknowledged before the backup began is among them: acknowledged means
//! fsync'd); snapshots and segments never change once written. If a
//! snapshot seals the journal while the backup reads, the files no longer
//! follow on, and the backup reads them again.
//!
//! File: `LOOKOUT-BACKUP 1\n`, the manifest's length (u64 LE) and the
//! manifest (JSON: dataset, last event, every file with its size and
//! SHA-256), the files' bytes in order, and the SHA-256 of all before it.
//! `restore` checks all of it before writing anything, and writes only into
//! a folder that holds no state.

use super::journal::{DatasetIdentity, Journal};
use super::snapshot;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"LOOKOUT-BACKUP 1\n";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    dataset: DatasetIdentity,
    last_seq: u64,
    created: chrono::DateTime<chrono::Utc>,
    files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
}

/// What a backup holds.
#[derive(Debug, Clone)]
pub struct Report {
    /// The dataset its events apply to.
    pub dataset: DatasetIdentity,
    /// Its last event.
    pub last_seq: u64,
    /// Files in it.
    pub files: usize,
    /// Bytes of the files.
    pub bytes: u64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The files of one consistent state of `dir`, read now.
/// Files by their path in the state folder, with their bytes.
type Files = Vec<(String, Vec<u8>)>;

fn collect(dir: &Path) -> Result<Option<(u64, Files)>> {
    let mut files = Vec::new();
    let newest = snapshot::list(dir)?.pop();
    let base = newest.as_ref().map_or(0, |(s, _)| *s);
    if let Some((_, snap)) = &newest {
        let mut stack = vec![snap.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).map_err(Error::io("list", &d))? {
                let path = entry.map_err(Error::io("list", &d))?.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push((
                        relative(dir, &path),
                        std::fs::read(&path).map_err(Error::io("read", &path))?,
                    ));
                }
            }
        }
    }
    let mut next = base + 1;
    for (first, last, path) in snapshot::segments(dir)? {
        if last < next {
            continue;
        }
        if first != next {
            return Ok(None);
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("read", &path)(e)),
        };
        files.push((relative(dir, &path), bytes));
        next = last + 1;
    }
    let journal = dir.join("journal.lkj");
    let mut bytes = std::fs::read(&journal).map_err(Error::io("read", &journal))?;
    let (whole, after, last) = Journal::whole_prefix(&bytes);
    if after + 1 != next && !(after == 0 && next == 1) {
        // Sealed while we read: read again.
        return Ok(None);
    }
    bytes.truncate(whole);
    files.push(("journal.lkj".into(), bytes));
    let readings = dir.join("readings");
    if readings.is_dir() {
        for entry in std::fs::read_dir(&readings).map_err(Error::io("list", &readings))? {
            let path = entry.map_err(Error::io("list", &readings))?.path();
            if path.is_file() {
                files.push((
                    relative(dir, &path),
                    std::fs::read(&path).map_err(Error::io("read", &path))?,
                ));
            }
        }
    }
    let blobs = dir.join(super::blobs::DIR);
    if blobs.is_dir() {
        for entry in std::fs::read_dir(&blobs).map_err(Error::io("list", &blobs))? {
            let fan = entry.map_err(Error::io("list", &blobs))?.path();
            if !fan.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&fan).map_err(Error::io("list", &fan))? {
                let path = entry.map_err(Error::io("list", &fan))?.path();
                // a blob being written has a temporary name starting with '.'
                let whole = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(crate::ledger::attachment::is_sha256_hex);
                if whole && path.is_file() {
                    files.push((
                        relative(dir, &path),
                        std::fs::read(&path).map_err(Error::io("read", &path))?,
                    ));
                }
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Some((last, files)))
}

/// Writes a backup of the state folder `dir` (the journal's) to `out`.
pub fn write(dir: &Path, identity: DatasetIdentity, out: &Path) -> Result<Report> {
    if !dir.join("journal.lkj").is_file() {
        return Err(Error::InvalidRequest(format!(
            "{} holds no journal: nothing to back up",
            dir.display()
        )));
    }
    let mut collected = None;
    for _ in 0..10 {
        collected = collect(dir)?;
        if collected.is_some() {
            break;
        }
    }
    let (last_seq, files) = collected.ok_or_else(|| {
        Error::StoreUnavailable("the journal was sealed ten times while being read; try again".into())
    })?;
    let manifest = Manifest {
        dataset: identity,
        last_seq,
        created: chrono::Utc::now(),
        files: files
            .iter()
            .map(|(path, bytes)| Entry {
                path: path.clone(),
                bytes: bytes.len() as u64,
                sha256: hex(&Sha256::digest(bytes)),
            })
            .collect(),
    };
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| Error::BadData {
        path: out.into(),
        reason: e.to_string(),
    })?;
    let partial = out.with_extension("partial");
    let file = std::fs::File::create(&partial).map_err(Error::io("create", &partial))?;
    let mut w = std::io::BufWriter::new(file);
    let mut hash = Sha256::new();
    let mut put = |bytes: &[u8]| -> Result<()> {
        hash.update(bytes);
        w.write_all(bytes).map_err(Error::io("write", &partial))
    };
    put(MAGIC)?;
    put(&(manifest_bytes.len() as u64).to_le_bytes())?;
    put(&manifest_bytes)?;
    for (_, bytes) in &files {
        put(bytes)?;
    }
    let digest = hash.finalize();
    w.write_all(&digest).map_err(Error::io("write", &partial))?;
    let file = w
        .into_inner()
        .map_err(|e| Error::io("write", &partial)(e.into_error()))?;
    file.sync_all().map_err(Error::io("sync", &partial))?;
    std::fs::rename(&partial, out).map_err(Error::io("rename to", out))?;
    Ok(Report {
        dataset: identity,
        last_seq,
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
    })
}

/// Checks the backup `file` whole and returns its manifest and files.
fn read(file: &Path) -> Result<(Manifest, Files)> {
    let bad = |reason: String| Error::BadData {
        path: file.into(),
        reason,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(Error::io("read", file))?;
    if !bytes.starts_with(MAGIC) {
        return Err(bad("not a Lookout backup (or one of another version)".into()));
    }
    if bytes.len() < MAGIC.len() + 8 + 32 {
        return Err(bad("cut off".into()));
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(bad("checksum mismatch: the file is damaged or cut off".into()));
    }
    let mut at = MAGIC.len();
    let len = u64::from_le_bytes(body[at..at + 8].try_into().map_err(|_| bad("cut off".into()))?) as usize;
    at += 8;
    let manifest: Manifest = serde_json::from_slice(body.get(at..at + len).ok_or_else(|| bad("cut off".into()))?)
        .map_err(|e| bad(format!("manifest: {e}")))?;
    at += len;
    let mut files = Vec::new();
    for entry in &manifest.files {
        let end = at + entry.bytes as usize;
        let data = body
            .get(at..end)
            .ok_or_else(|| bad(format!("{} is cut off", entry.path)))?;
        if hex(&Sha256::digest(data)) != entry.sha256 {
            return Err(bad(format!("{} does not match its checksum", entry.path)));
        }
        let path = Path::new(&entry.path);
        if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            return Err(bad(format!("{} points outside the state folder", entry.path)));
        }
        files.push((entry.path.clone(), data.to_vec()));
        at = end;
    }
    if at != body.len() {
        return Err(bad("bytes after the last file".into()));
    }
    Ok((manifest, files))
}

/// Checks the backup `file` and restores it into `state_dir`'s folder for
/// its dataset (`seed-N-scale-K`), which must hold no journal; `expect`, if
/// given, is the dataset the caller means (a backup of another is refused).
/// Returns what it held and the folder written.
pub fn restore(file: &Path, state_dir: &Path, expect: Option<DatasetIdentity>) -> Result<(Report, PathBuf)> {
    let (manifest, files) = read(file)?;
    if let Some(want) = expect
        && want != manifest.dataset
    {
        return Err(Error::Conflict(format!(
            "the backup is of dataset {:?}, not {want:?} (--seed/--scale)",
            manifest.dataset
        )));
    }
    let dir = super::journal_dir(
        state_dir,
        manifest.dataset.region.as_str(),
        manifest.dataset.seed,
        manifest.dataset.scale,
    );
    if dir.join("journal.lkj").exists() || snapshot::list(&dir).is_ok_and(|l| !l.is_empty()) {
        return Err(Error::Conflict(format!(
            "{} holds a journal already: restore into an empty state folder (--state-dir), or move that one away",
            dir.display()
        )));
    }
    let staging = state_dir.join(format!(".restore-{}.partial", manifest.dataset.slug()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(Error::io("remove", &staging))?;
    }
    for (path, data) in &files {
        let target = staging.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io("create", parent))?;
        }
        let f = std::fs::File::create(&target).map_err(Error::io("create", &target))?;
        (&f).write_all(data).map_err(Error::io("write", &target))?;
        f.sync_all().map_err(Error::io("sync", &target))?;
    }
    if dir.exists() {
        // Only a lock file or empty folders: nothing to keep.
        std::fs::remove_dir_all(&dir).map_err(Error::io("remove", &dir))?;
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io("create", parent))?;
    }
    std::fs::rename(&staging, &dir).map_err(Error::io("rename into", &dir))?;
    Ok((
        Report {
            dataset: manifest.dataset,
            last_seq: manifest.last_seq,
            files: files.len(),
            bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
        },
        dir,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::generate::tests::small_dataset;
    use crate::store::Store;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, 5);

    fn note(n: u64) -> Event {
        Event::NoteAdded {
            incident: 1,
            drill: false,
            text: format!("note {n}"),
        }
    }

    #[test]
    fn a_backup_under_write_load_restores_every_acknowledged_event() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("seed-1-scale-1");
        let store = Arc::new(
            Store::embedded(small_dataset().clone(), IDENTITY, &state.join("journal.lkj"))
                .unwrap()
                .0,
        );
        let spec = serde_json::from_value(serde_json::json!({"kind": "fire", "location": [112.55, 37.87]})).unwrap();
        store.open_incident("duty", spec, false, None, None).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Acquire) {
                    n += 1;
                    store.submit("duty", note(n)).unwrap();
                    if n % 40 == 0 {
                        store.snapshot().unwrap();
                    }
                }
                n
            })
        };
        while store.last_seq() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let acknowledged = store.last_seq();
        let out = dir.path().join("lookout.backup");
        let report = write(&state, IDENTITY, &out).unwrap();
        stop.store(true, Ordering::Release);
        let written = writer.join().unwrap();
        assert!(written > 0);
        assert!(report.last_seq >= acknowledged, "{} < {acknowledged}", report.last_seq);

        let elsewhere = tempfile::tempdir().unwrap();
        let (restored, folder) = restore(&out, elsewhere.path(), Some(IDENTITY)).unwrap();
        assert_eq!(restored.last_seq, report.last_seq);
        let start = match snapshot::latest(&folder, IDENTITY).unwrap() {
            Some(s) => crate::store::Start::Snapshot(s),
            None => crate::store::Start::Dataset(small_dataset().clone()),
        };
        let (copy, ..) = Store::embedded_from(start, IDENTITY, &folder.join("journal.lkj")).unwrap();
        assert_eq!(copy.last_seq(), report.last_seq);
        let original = store.users();
        let copied = copy.users();
        let upto = |a: &[crate::auth::AuditLine]| -> Vec<String> {
            a.iter()
                .filter(|e| e.seq() <= report.last_seq)
                .map(|e| serde_json::to_string(e).unwrap())
                .collect()
        };
        let want = upto(original.audit());
        assert_eq!(want.len() as u64, report.last_seq, "every event has its audit line");
        assert_eq!(upto(copied.audit()), want, "every event up to the backup, the same");

        // A second restore into the same folder is refused, naming it.
        let err = restore(&out, elsewhere.path(), None).unwrap_err().to_string();
        assert!(err.contains("holds a journal already"), "{err}");
        // Another dataset is refused.
        let other = DatasetIdentity { scale: 2, ..IDENTITY };
        let err = restore(&out, tempfile::tempdir().unwrap().path(), Some(other))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not DatasetIdentity"), "{err}");
        // A flipped byte is refused before anything is written.
        let mut bytes = std::fs::read(&out).unwrap();
        let n = bytes.len() / 2;
        bytes[n] ^= 0x01;
        let damaged = dir.path().join("damaged.backup");
        std::fs::write(&damaged, &bytes).unwrap();
        let target = tempfile::tempdir().unwrap();
        let err = restore(&damaged, target.path(), None).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
        assert_eq!(std::fs::read_dir(target.path()).unwrap().count(), 0, "nothing written");
        // So is a cut-off one.
        std::fs::write(&damaged, &bytes[..n]).unwrap();
        assert!(restore(&damaged, target.path(), None).is_err());
    }

    #[test]
    fn a_restore_brings_back_the_blobs_the_events_name() {
        use crate::store::blobs::{Blobs, DIR};
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("seed-1-scale-1");
        let _store = Store::embedded(small_dataset().clone(), IDENTITY, &state.join("journal.lkj"))
            .unwrap()
            .0;
        let blobs = Blobs::Files(state.join(DIR));
        let photo = blobs.put(b"\x89PNG\r\n\x1a\n a photo").unwrap();
        let out = dir.path().join("lookout.backup");
        let report = write(&state, IDENTITY, &out).unwrap();
        assert!(report.files >= 2, "the journal and the blob");
        let elsewhere = tempfile::tempdir().unwrap();
        let (_, folder) = restore(&out, elsewhere.path(), Some(IDENTITY)).unwrap();
        let restored = Blobs::Files(folder.join(DIR));
        assert_eq!(
            restored.get(&photo.sha256).unwrap().as_deref(),
            Some(&b"\x89PNG\r\n\x1a\n a photo"[..])
        );
    }
}
