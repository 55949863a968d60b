//! The idempotency index: each `Idempotency-Key` stored with a command's
//! events, and what its request stored, so a retry is known on any replica
//! and after a restart.

use crate::event::Unit;
use crate::feature::FeatureId;

/// What a request with an `Idempotency-Key` stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredKey {
    /// Hash of the request, as the client's first request gave it.
    pub request: String,
    /// First event stored.
    pub first_seq: u64,
    /// Last event stored.
    pub last_seq: u64,
    /// Type of the first event (`incident_opened`, `feature_created`...).
    pub kind: String,
    /// Collection the first event concerns.
    pub collection: String,
    /// Feature (or incident, or team) the first event concerns.
    pub feature: Option<FeatureId>,
}

impl StoredKey {
    pub(crate) fn of(unit: &Unit) -> Option<(String, Self)> {
        let key = unit.idempotency.as_ref()?;
        let (first_seq, last_seq) = unit.seqs()?;
        let first = &unit.events.first()?.event;
        Some((
            key.key.clone(),
            Self {
                request: key.request.clone(),
                first_seq,
                last_seq,
                kind: first.kind().into(),
                collection: first.collection().into(),
                feature: first.feature_id(),
            },
        ))
    }
}
