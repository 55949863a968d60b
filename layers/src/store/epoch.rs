//! Epochs: a journal is bound to its dataset's identity (region, seed,
//! scale, generator version, and the hash of imported base data such as a
//! road network). When the dataset changes (a re-import, a new generator, a
//! region's data replaced), the events no longer apply to it. The embedded
//! store then starts a new epoch: the folder's journal, segments and
//! snapshots are moved, whole and unchanged, into
//! `archive/<UTC time>-<old identity>/` beside them, the change is logged
//! and shown by `/health`, and the store starts empty on the new dataset. It
//! never refuses to start with only a message; the old events stay readable
//! (`lookout restore` of a backup, or moving the folder back).

use super::journal::{DatasetIdentity, Journal};
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The folder archived epochs go into, inside the journal's folder.
pub const ARCHIVE_DIR: &str = "archive";

/// A new epoch begun on open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Epoch {
    /// The dataset the archived events were written for.
    pub previous: DatasetIdentity,
    /// The dataset the store now holds.
    pub current: DatasetIdentity,
    /// Where the old journal, segments and snapshots went.
    pub archived_to: PathBuf,
}

/// The identity the files in `dir` were written for: the journal's header,
/// else the newest snapshot's manifest. `None` when there is neither.
pub fn found_identity(dir: &Path, journal_path: &Path) -> Result<Option<DatasetIdentity>> {
    if let Some(identity) = Journal::peek_identity(journal_path)? {
        return Ok(Some(identity));
    }
    super::snapshot::newest_identity(dir)
}

/// Archives the journal folder `dir` (the journal at `journal_path`, its
/// segments and snapshots) when it was written for another dataset than
/// `current`; nothing when it matches or is empty.
pub fn begin_if_changed(dir: &Path, journal_path: &Path, current: DatasetIdentity) -> Result<Option<Epoch>> {
    let Some(previous) = found_identity(dir, journal_path)? else {
        return Ok(None);
    };
    if previous == current {
        return Ok(None);
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let archive = dir.join(ARCHIVE_DIR);
    let mut to = archive.join(format!("{stamp}-{}", previous.slug()));
    let mut n = 1;
    while to.exists() {
        n += 1;
        to = archive.join(format!("{stamp}-{}-{n}", previous.slug()));
    }
    std::fs::create_dir_all(&to).map_err(Error::io("create", &to))?;
    let entries = std::fs::read_dir(dir).map_err(Error::io("list", dir))?;
    for entry in entries {
        let entry = entry.map_err(Error::io("list", dir))?;
        let name = entry.file_name();
        // The archive itself stays, and so does the lock the running process holds.
        if name == ARCHIVE_DIR || name == super::offline::StateLock::FILE {
            continue;
        }
        let target = to.join(&name);
        std::fs::rename(entry.path(), &target).map_err(Error::io("archive into", &target))?;
    }
    tracing::warn!(
        previous = %previous.slug(),
        current = %current.slug(),
        archived_to = %to.display(),
        "the dataset changed: a new journal epoch begins; the old journal and snapshots are archived"
    );
    Ok(Some(Epoch {
        previous,
        current,
        archived_to: to,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventRecord, Unit};

    fn note(seq: u64) -> Unit {
        Unit::single(EventRecord {
            token: None,
            seq,
            at: chrono::Utc::now(),
            actor: "duty-officer".into(),
            event: Event::FeatureDeleted {
                collection: "shelters".into(),
                id: seq,
            },
        })
    }

    #[test]
    fn a_changed_dataset_archives_the_old_journal_and_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.lkj");
        let old = DatasetIdentity::generated(1, 1, 5);
        {
            let mut opened = Journal::open(&path, old).unwrap();
            opened.journal.append_unit(&note(1)).unwrap();
        }
        std::fs::write(dir.path().join(super::super::offline::StateLock::FILE), b"held").unwrap();
        // The same dataset: nothing happens.
        assert_eq!(begin_if_changed(dir.path(), &path, old).unwrap(), None);
        assert_eq!(Journal::open(&path, old).unwrap().units.len(), 1);

        let new = DatasetIdentity { base: 0xabc, ..old };
        let epoch = begin_if_changed(dir.path(), &path, new).unwrap().expect("a new epoch");
        assert_eq!(epoch.previous, old);
        assert!(epoch.archived_to.starts_with(dir.path().join(ARCHIVE_DIR)));
        assert!(
            epoch
                .archived_to
                .to_string_lossy()
                .ends_with("shanxi-seed-1-scale-1-g5"),
            "{epoch:?}"
        );
        // The old journal is kept whole in the archive and still reads.
        let archived = epoch.archived_to.join("journal.lkj");
        assert_eq!(Journal::open(&archived, old).unwrap().units.len(), 1);
        // The lock stayed; the new journal starts empty on the new dataset.
        assert!(dir.path().join(super::super::offline::StateLock::FILE).exists());
        assert!(!path.exists());
        assert_eq!(Journal::open(&path, new).unwrap().units.len(), 0);
        assert_eq!(begin_if_changed(dir.path(), &path, new).unwrap(), None);
    }

    #[test]
    fn a_journal_before_regions_is_shanxi_and_opens_unchanged() {
        // Written before snapshots and regions: its header names seed, scale and generator only.
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-v1-before-snapshots.lkj");
        let found = Journal::peek_identity(&fixture).unwrap().expect("a header");
        assert_eq!(found.region, super::super::journal::RegionId::BUILTIN);
        assert_eq!(found.base, 0);
        assert_eq!(
            found,
            DatasetIdentity::generated(found.seed, found.scale, found.generator_version)
        );
    }
}
