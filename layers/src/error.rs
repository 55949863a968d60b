//! The crate's error type.

use std::path::PathBuf;

/// Errors of the domain layer: bad input (the caller's fault) and storage faults.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No collection with this id.
    #[error("no collection {0:?}")]
    UnknownCollection(String),
    /// No feature with this id in the collection.
    #[error("no feature {id} in {collection}")]
    UnknownFeature {
        /// Collection id.
        collection: &'static str,
        /// Feature id.
        id: u64,
    },
    /// A filter names an unknown property or a value of the wrong type.
    #[error("{0}")]
    BadFilter(String),
    /// A write was refused: wrong geometry, wrong types, broken domain rule.
    #[error("invalid {collection} feature: {reason}")]
    InvalidFeature {
        /// Collection id.
        collection: &'static str,
        /// Why, for the user.
        reason: String,
    },
    /// A write's geometry was refused: not valid (OGC), outside the region,
    /// too large for its layer, or of the wrong kind. The reason says what and where.
    #[error("invalid {collection} geometry: {reason}")]
    InvalidGeometry {
        /// Collection id.
        collection: &'static str,
        /// What is wrong and where, for the user.
        reason: String,
    },
    /// A feature with this id exists already.
    #[error("feature {id} already exists in {collection}")]
    DuplicateFeature {
        /// Collection id.
        collection: &'static str,
        /// Feature id.
        id: u64,
    },
    /// An operations request is malformed: an unknown substance, impossible
    /// weather, a missing field.
    #[error("{0}")]
    InvalidRequest(String),
    /// An operations request conflicts with the current state: dispatching a
    /// busy team, closing a closed incident, a status change out of order.
    #[error("{0}")]
    Conflict(String),
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Which file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A data file is not what it should be.
    #[error("{path}: {reason}")]
    BadData {
        /// Which file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The store cannot be reached now (PostGIS down or too slow); nothing
    /// was changed, and the same request may be tried again.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// The database refused a statement: a schema out of step or a bug.
    #[error("database: {0}")]
    Database(String),
    /// A setting is wrong (a malformed URL, a database without a dataset...).
    #[error("{0}")]
    BadConfig(String),
    /// The journal is damaged before its last record: refusing to guess.
    #[error("journal {path} is corrupt at byte {offset}: {reason}")]
    CorruptJournal {
        /// Journal file.
        path: PathBuf,
        /// Offset of the bad record.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { action, path, source }
    }

    /// Whether the error is the caller's (bad input, unknown id) rather than the server's.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            Self::Io { .. }
                | Self::BadData { .. }
                | Self::CorruptJournal { .. }
                | Self::StoreUnavailable(_)
                | Self::Database(_)
                | Self::BadConfig(_)
        )
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
