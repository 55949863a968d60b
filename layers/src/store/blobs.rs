//! Blobs: bytes kept once by their SHA-256 (the hidden dangers' photos and
//! documents, `docs/ledger.md` "Attachments"). An event names a blob by its
//! hash; the blob is written, and made durable, *before* the event that
//! names it is stored, so every stored event finds its blob. A blob whose
//! event was then refused stays, unnamed and harmless.
//!
//! - Embedded: files `blobs/ab/abcdef…` in the journal's folder
//!   (`state/seed-N-scale-K/`), written to a temporary name, fsync'd and
//!   renamed; the folder fsync'd. A backup holds them and a restore brings
//!   them back ([`super::backup`]); a new epoch archives them with the
//!   journal whose events name them.
//! - PostGIS: the table `lookout.blobs` (migration 0008), committed before
//!   the event's transaction, so every replica reads the same bytes.

use crate::error::{Error, Result};
use crate::ledger::attachment::{is_sha256_hex, sha256_hex};
use crate::store::Store;
use crate::store::postgis::{get_client, sql_error};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder of the blobs inside the journal's folder.
pub const DIR: &str = "blobs";

/// Where blobs are kept.
#[derive(Debug)]
pub enum Blobs {
    /// Files under this folder (`…/blobs`).
    Files(PathBuf),
    /// The `lookout.blobs` table of this PostGIS store.
    Postgis(Arc<Store>),
}

/// What [`Blobs::put`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Whether they were new (`false`: the same bytes were kept already).
    pub new: bool,
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("sync", dir))
}

impl Blobs {
    /// Blobs for `store`: its PostGIS table, or files in `journal_dir/blobs`.
    pub fn for_store(store: Arc<Store>, journal_dir: &Path) -> Self {
        if store.postgis().is_some() {
            Self::Postgis(store)
        } else {
            Self::Files(journal_dir.join(DIR))
        }
    }

    /// The file of blob `sha256` (embedded).
    fn path(dir: &Path, sha256: &str) -> PathBuf {
        dir.join(&sha256[..2]).join(sha256)
    }

    /// Keeps `bytes` (once: the same bytes again are found, not written
    /// again) and answers their hash, durable when this returns. Call from
    /// a thread that may block.
    pub fn put(&self, bytes: &[u8]) -> Result<Put> {
        self.put_hashed(sha256_hex(bytes), bytes)
    }

    /// [`Blobs::put`] of bytes whose SHA-256 (hex) the caller computed
    /// already, so that a large file is not hashed twice.
    pub fn put_hashed(&self, sha256: String, bytes: &[u8]) -> Result<Put> {
        if !is_sha256_hex(&sha256) {
            return Err(Error::InvalidRequest(format!("{sha256:?} is not a SHA-256 in hex")));
        }
        let new = match self {
            Self::Files(dir) => {
                let path = Self::path(dir, &sha256);
                if path.is_file() {
                    false
                } else {
                    let folder = path.parent().unwrap_or(dir);
                    std::fs::create_dir_all(folder).map_err(Error::io("create", folder))?;
                    let temp = folder.join(format!(".{sha256}.{}.partial", std::process::id()));
                    let written = (|| {
                        let f = std::fs::File::create(&temp)?;
                        std::io::Write::write_all(&mut &f, bytes)?;
                        f.sync_all()?;
                        std::fs::rename(&temp, &path)
                    })();
                    if let Err(e) = written {
                        let _ = std::fs::remove_file(&temp);
                        return Err(Error::io("write", &path)(e));
                    }
                    sync_dir(folder)?;
                    sync_dir(dir)?;
                    true
                }
            }
            Self::Postgis(store) => {
                let db = store
                    .postgis()
                    .ok_or_else(|| Error::BadConfig("PostGIS blobs need a PostGIS store".into()))?;
                let size = i64::try_from(bytes.len()).map_err(|_| Error::InvalidRequest("too large".into()))?;
                db.block_on(async {
                    let client = get_client(db.pool()).await?;
                    let n = client
                        .execute(
                            "INSERT INTO lookout.blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
                            &[&sha256, &size, &bytes],
                        )
                        .await
                        .map_err(sql_error)?;
                    Ok::<_, Error>(n == 1)
                })?
            }
        };
        Ok(Put { sha256, new })
    }

    /// The bytes of blob `sha256`, if kept. Call from a thread that may block.
    pub fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if !is_sha256_hex(sha256) {
            return Ok(None);
        }
        match self {
            Self::Files(dir) => {
                let path = Self::path(dir, sha256);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io("read", &path)(e)),
                }
            }
            Self::Postgis(store) => {
                let db = store
                    .postgis()
                    .ok_or_else(|| Error::BadConfig("PostGIS blobs need a PostGIS store".into()))?;
                db.block_on(async {
                    let client = get_client(db.pool()).await?;
                    let row = client
                        .query_opt("SELECT bytes FROM lookout.blobs WHERE sha256 = $1", &[&sha256])
                        .await
                        .map_err(sql_error)?;
                    Ok(row.map(|r| r.get::<_, Vec<u8>>(0)))
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_kept_once_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::Files(dir.path().join(DIR));
        let first = blobs.put(b"%PDF-1.7 evidence").unwrap();
        assert!(first.new);
        let again = blobs.put(b"%PDF-1.7 evidence").unwrap();
        assert_eq!(
            again,
            Put {
                new: false,
                ..first.clone()
            }
        );
        assert_eq!(
            blobs.get(&first.sha256).unwrap().as_deref(),
            Some(&b"%PDF-1.7 evidence"[..])
        );
        let files: Vec<_> = std::fs::read_dir(dir.path().join(DIR).join(&first.sha256[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            files,
            vec![std::ffi::OsString::from(&first.sha256)],
            "one file, no partial left"
        );
        assert_eq!(blobs.get(&sha256_hex(b"other")).unwrap(), None);
        // a name that is not a hash never reaches the file system
        assert_eq!(blobs.get("../../journal.lkj").unwrap(), None);
    }
}
