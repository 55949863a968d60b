//! Events: every change is one, stored append-only, folded into memory,
//! replayable for drills and audit.

use crate::feature::FeatureId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A change to the situation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A feature was added; `feature` is the GeoJSON Feature with its assigned id.
    FeatureCreated {
        /// Collection id.
        collection: String,
        /// The GeoJSON Feature.
        feature: serde_json::Value,
    },
    /// A feature was replaced whole.
    FeatureReplaced {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
        /// The new GeoJSON Feature.
        feature: serde_json::Value,
    },
    /// Some properties (and perhaps the geometry) of a feature changed:
    /// a JSON merge patch (RFC 7396) of its properties.
    FeatureUpdated {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
        /// Merge patch of the properties.
        #[serde(default)]
        properties: serde_json::Map<String, serde_json::Value>,
        /// New GeoJSON geometry, if it moved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        geometry: Option<serde_json::Value>,
    },
    /// A feature was removed.
    FeatureDeleted {
        /// Collection id.
        collection: String,
        /// Feature id.
        id: FeatureId,
    },
}

impl Event {
    /// The collection the event changes.
    pub fn collection(&self) -> &str {
        match self {
            Self::FeatureCreated { collection, .. }
            | Self::FeatureReplaced { collection, .. }
            | Self::FeatureUpdated { collection, .. }
            | Self::FeatureDeleted { collection, .. } => collection,
        }
    }
}

/// An event as stored: numbered, timed and signed by whoever made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When it was accepted.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: String,
    /// What happened.
    pub event: Event,
}
