//! What an obligation of the supervision ledger is registered with
//! (docs/ledger.md, "Obligations"): the data its events carry. The ledger
//! (`crate::ledger::obligation`) checks and folds them.

use crate::feature::FeatureId;
use crate::model::code_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Years between evaluations of an emergency plan (应急预案评估).
/// Source: shared/REFERENCE.md, "Supervision with deadlines": "Emergency
/// plans (应急预案): registered (备案) with the bureau and evaluated every
/// 3 years" (生产安全事故应急预案管理办法 (应急管理部令第2号, 2019) 第三十五条:
/// 每三年进行一次应急预案评估 for the enterprises it names, cited from memory
/// and not checked against the text here; REFERENCE.md is the source).
pub const PLAN_REVIEW_YEARS: u32 = 3;

/// Years between a major hazard source's gradings (re-identification,
/// assessment, grading). Source: shared/REFERENCE.md, "Supervision with
/// deadlines": "A major hazard source is re-identified, assessed and graded
/// every 3 years (seed 000)".
pub const REASSESSMENT_YEARS: u32 = 3;

code_enum! {
    /// What kind of obligation.
    ObligationKind {
        /// 应急预案: evaluated again every [`PLAN_REVIEW_YEARS`] years.
        EmergencyPlan = "emergency_plan" / "应急预案",
        /// 演练计划: a planned drill, held by its date.
        Drill = "drill" / "演练计划",
        /// 重大危险源复评: graded again [`REASSESSMENT_YEARS`] years after the last.
        Reassessment = "reassessment" / "重大危险源复评",
    }
}

/// What is registered about an obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationSpec {
    /// What kind.
    pub kind: ObligationKind,
    /// `enterprises` id.
    pub enterprise: FeatureId,
    /// `hazard_sources` id (required for a re-assessment; one of the
    /// enterprise's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard_source: Option<FeatureId>,
    /// The plan's or drill's name, or what is assessed.
    pub title: String,
    /// The last time it was done: the plan's registration (备案) or last
    /// evaluation, the source's last grading. Not for a drill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_done: Option<DateTime<Utc>>,
    /// When it falls due: a drill's planned date (required); for a plan or
    /// a re-assessment, default `last_done` + 3 years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// The Lookout user who follows it up (reminders go to them); default:
    /// whoever registered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

/// A change to an obligation (`PATCH /obligations/{id}`): the fields given
/// replace the ones held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationPatch {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New due date (reminders start again for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// New assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl ObligationPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
