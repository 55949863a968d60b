//! A planner's what-if on a major hazard source's GB 18218 grade: the R and
//! level that proposed quantities (or people within 500 m) would give,
//! beside the grade it has, storing nothing. The grade itself is
//! [`crate::model::grade`], the same function every write uses.

use crate::model::{HazardLevel, HazardSource, SubstanceOnSite, grade, identification_sum};
use serde::Serialize;

/// R and level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Grade {
    /// GB 18218 R, two decimals.
    pub r: f64,
    /// Level 1 (most severe) to 4; none below the §4.2 identification test.
    pub level: Option<HazardLevel>,
    /// Σ qᵢ/Qᵢ (a major hazard source at 1 or more).
    pub identification_sum: f64,
}

impl Grade {
    /// The grade of `substances` with `people` within 500 m.
    pub fn of(substances: &[SubstanceOnSite], people: u32) -> Self {
        let (r, level) = grade(substances, people);
        Self {
            r: (r * 100.0).round() / 100.0,
            level,
            identification_sum: (identification_sum(substances) * 1000.0).round() / 1000.0,
        }
    }
}

/// What the what-if answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The grade as it is.
    pub current: Grade,
    /// The grade the proposal would give.
    pub proposed: Grade,
    /// Whether the level would change.
    pub level_changes: bool,
    /// The quantities and people the proposal was graded with.
    pub substances: Vec<SubstanceOnSite>,
    /// People within 500 m graded with.
    pub people_within_500m: u32,
}

/// Grades `source` with the proposed `substances` and/or `people` (what is
/// not proposed stays as it is). Refuses an empty list or a quantity that
/// is not a number of tonnes ≥ 0.
pub fn what_if(
    source: &HazardSource,
    substances: Option<Vec<SubstanceOnSite>>,
    people: Option<u32>,
) -> Result<WhatIf, String> {
    let substances = substances.unwrap_or_else(|| source.substances.clone());
    if substances.is_empty() {
        return Err("a major hazard source holds at least one substance".into());
    }
    if let Some(s) = substances
        .iter()
        .find(|s| !(s.quantity_t.is_finite() && s.quantity_t >= 0.0))
    {
        return Err(format!("quantity of {} must be a number of tonnes ≥ 0", s.substance));
    }
    let people = people.unwrap_or(source.people_within_500m);
    let current = Grade::of(&source.substances, source.people_within_500m);
    let proposed = Grade::of(&substances, people);
    Ok(WhatIf {
        current,
        level_changes: current.level != proposed.level,
        proposed,
        substances,
        people_within_500m: people,
    })
}
