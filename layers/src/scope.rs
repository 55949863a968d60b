//! Data scope: the cities and counties a user is responsible for. A scoped
//! user sees, lists, tiles and acts only inside the union of those counties
//! (see `docs/security.md`, "Data scope").

use serde::{Deserialize, Serialize};

/// The cities and counties a user is limited to, as stored with the user.
/// Empty lists in both means nothing; a user without a scope (`None` where
/// it is held) sees the whole region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Prefecture-level cities by name (`太原市`): every county in them.
    #[serde(default)]
    pub cities: Vec<String>,
    /// Counties by `counties` id.
    #[serde(default)]
    pub counties: Vec<u32>,
}
