//! Users and tokens from the command line (`lookout user …`, `lookout token
//! …`), without a running server: on the embedded store by appending to the
//! journal (refused while a server holds the state folder: [`StateLock`]),
//! on PostGIS in a transaction under the writers' lock, like a replica's
//! write. Either way the change is an event, checked against the fold of the
//! auth events before it, and a running PostGIS replica follows it.

use super::journal::{DatasetIdentity, Journal};
use super::postgis::{self, Postgis};
use crate::auth::Users;
use crate::error::{Error, Result};
use crate::event::{Author, Event, EventRecord, Unit};
use std::fs::File;
use std::path::{Path, PathBuf};

/// An exclusive lock on a journal's folder: `lookout serve` holds it while it
/// runs, so the command line does not append to a journal a server is writing.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    /// The lock file's name inside the journal's folder.
    pub const FILE: &'static str = "lookout.lock";

    /// Takes the lock of the folder holding `journal`, creating the folder;
    /// refused, naming the folder, while another process holds it.
    pub fn take(journal: &Path) -> Result<Self> {
        let dir = journal.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "creating",
            path: dir.into(),
            source,
        })?;
        let path = dir.join(Self::FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::Io {
                action: "opening",
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Conflict(format!(
                "{} is held by a running `lookout serve`: stop it first, or change users through its HTTP API (POST /users, POST /tokens)",
                dir.display()
            ))),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
                action: "locking",
                path,
                source,
            }),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Where the command line changes users.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "one value per command-line run")]
pub enum UserStore {
    /// The embedded store's journal (locked while open).
    Journal {
        /// The journal, open for appending.
        journal: Journal,
        /// Users as folded from it.
        users: Users,
        /// Held while this is open.
        lock: StateLock,
    },
    /// A PostGIS database.
    Postgis(Box<Postgis>),
}

impl UserStore {
    /// Opens the journal at `path` (the dataset it belongs to: `identity`)
    /// and folds its auth events; refused while a server runs on it.
    pub fn journal(path: &Path, identity: DatasetIdentity) -> Result<Self> {
        let lock = StateLock::take(path)?;
        let opened = Journal::open(path, identity)?;
        let mut users = Users::default();
        // The auth events of the newest snapshot, the segments after it, the journal.
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut next = 1;
        if let Some((seq, folds)) = super::snapshot::latest_folds(dir, identity)? {
            for record in folds.units.iter().flat_map(|u| &u.events) {
                if record.event.is_auth() {
                    users.apply(record);
                }
            }
            next = seq + 1;
        }
        for (_, last, segment) in super::snapshot::segments(dir)? {
            if last >= next {
                let (_, units) = Journal::read_sealed(&segment, identity)?;
                for record in units.iter().flat_map(|u| &u.events).filter(|r| r.seq >= next) {
                    if record.event.is_auth() {
                        users.apply(record);
                    }
                }
                next = last + 1;
            }
        }
        for record in opened.records().filter(|r| r.seq >= next) {
            if record.event.is_auth() {
                users.apply(record);
            }
        }
        Ok(Self::Journal {
            journal: opened.journal,
            users,
            lock,
        })
    }

    /// A PostGIS store (migrated).
    pub fn postgis(url: &str) -> Result<Self> {
        let db = Postgis::new(url)?;
        db.block_on(db.check_schema())?;
        Ok(Self::Postgis(Box::new(db)))
    }

    /// The users as they are now.
    pub fn users(&self) -> Result<Users> {
        match self {
            Self::Journal { users, .. } => Ok(users.clone()),
            Self::Postgis(db) => db.block_on(async {
                let client = db.client().await?;
                Ok(fold(&postgis::auth_events(&**client).await?))
            }),
        }
    }

    /// Checks `event` against the users and stores it, signed by `actor`.
    pub fn submit(&mut self, actor: &Author, event: Event) -> Result<EventRecord> {
        if !event.is_auth() {
            return Err(Error::InvalidRequest(format!("{} is not a user event", event.kind())));
        }
        match self {
            Self::Journal { journal, users, .. } => {
                let record = EventRecord {
                    seq: journal.next_seq(),
                    at: crate::store::now(),
                    actor: actor.name.clone(),
                    token: actor.token.clone(),
                    event: users.check(event)?,
                };
                journal.append_unit(&Unit::single(record.clone()))?;
                users.apply(&record);
                Ok(record)
            }
            Self::Postgis(db) => db.block_on(async {
                let mut client = db.client().await?;
                let tx = client.transaction().await.map_err(postgis::unavailable)?;
                postgis::lock_writers(&tx).await?;
                let users = fold(&postgis::auth_events(&*tx).await?);
                let last: i64 = tx
                    .query_one("SELECT coalesce(max(seq), 0) FROM lookout.events", &[])
                    .await
                    .map_err(postgis::sql_error)?
                    .get(0);
                let record = EventRecord {
                    seq: last as u64 + 1,
                    at: crate::store::now(),
                    actor: actor.name.clone(),
                    token: actor.token.clone(),
                    event: users.check(event)?,
                };
                postgis::append_event(&tx, &record, None).await?;
                tx.commit().await.map_err(postgis::unavailable)?;
                Ok(record)
            }),
        }
    }
}

fn fold(records: &[EventRecord]) -> Users {
    let mut users = Users::default();
    for r in records {
        users.apply(r);
    }
    users
}
