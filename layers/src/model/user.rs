//! Who may use the system, as the event log records it: a user's role and
//! the cities and counties they are limited to. Pure data: what each role
//! may do is in `crate::auth`, how a scope is resolved against the map in
//! `crate::scope`.

use serde::{Deserialize, Serialize};

/// What a user (or token) is for; each role is allowed a set of [`Permission`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The system's keeper: everything.
    Admin,
    /// Command centre: incidents, dispatch, drills.
    Commander,
    /// Duty staff: as a commander.
    Dispatcher,
    /// Planning office: edits the registers; analyses.
    Planner,
    /// Field inspectors: edit enterprises and hazard sources.
    Inspector,
    /// Reads only.
    Viewer,
    /// A machine: ingests readings only.
    Sensor,
}

/// The cities and counties a user is limited to, as stored with the user.
/// Empty lists in both means nothing; a user without a scope (`None` where
/// it is held) sees the whole region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Prefecture-level cities by name (`太原市`): every county in them.
    #[serde(default)]
    pub cities: Vec<String>,
    /// Counties by `counties` id.
    #[serde(default)]
    pub counties: Vec<u32>,
}
