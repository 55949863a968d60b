//! What inspections, their plans and the expert pool are recorded with
//! (docs/ledger.md, "Inspections"): the data their events carry. The ledger
//! (`crate::ledger::inspection`, `crate::ledger::expert`) checks and folds them.

use crate::feature::FeatureId;
use crate::model::{DangerPlace, Industry, code_enum};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

code_enum! {
    /// An expert's specialty.
    ExpertSpecialty {
        /// 危险化学品 (储存, 工艺)
        HazardousChemicals = "hazardous_chemicals" / "危险化学品",
        /// 化工工艺安全
        ProcessSafety = "process_safety" / "化工工艺安全",
        /// 消防
        Fire = "fire" / "消防",
        /// 爆炸 (防爆, 粉尘涉爆)
        Explosion = "explosion" / "防爆",
        /// 矿山 (煤矿, 非煤矿山, 尾矿库)
        Mining = "mining" / "矿山安全",
        /// 燃气
        Gas = "gas" / "燃气",
        /// 电气
        Electrical = "electrical" / "电气",
        /// 特种设备
        Equipment = "equipment" / "特种设备",
        /// 地质灾害
        Geology = "geology" / "地质灾害",
        /// 防汛
        Flood = "flood" / "防汛",
        /// 职业卫生与医疗救护
        Medical = "medical" / "医疗救护",
        /// 环境监测
        Environment = "environment" / "环境监测",
    }
}

/// An expert as entered (created, or replaced whole by an update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertSpec {
    /// Name.
    pub name: String,
    /// Main specialty.
    pub specialty: ExpertSpecialty,
    /// Substances they know (codes of `/impact/substances`; names, CAS or
    /// UN numbers are accepted and stored as codes).
    #[serde(default)]
    pub substances: Vec<String>,
    /// Industries they know.
    #[serde(default)]
    pub industries: Vec<Industry>,
    /// `counties` id where they are based.
    pub county_id: u32,
    /// Phone.
    pub phone: String,
    /// Employer or title (单位/职称).
    #[serde(default)]
    pub organisation: String,
}

/// Where an expert is based, filled in from the counties layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountyPlace {
    /// County name.
    pub county: String,
    /// City name.
    pub city: String,
}

code_enum! {
    /// The kind of an inspection.
    InspectionKind {
        /// 日常检查
        Routine = "routine" / "日常检查",
        /// 执法检查
        Enforcement = "enforcement" / "执法检查",
        /// 暗访暗查
        Unannounced = "unannounced" / "暗访暗查",
        /// 专家会诊
        ExpertConsultation = "expert_consultation" / "专家会诊",
    }
}

code_enum! {
    /// What the checklist found overall.
    ChecklistResult {
        /// 合格: nothing wrong.
        Passed = "passed" / "合格",
        /// 发现问题: dangers or items to rectify.
        Problems = "problems" / "发现问题",
        /// 严重问题: a major danger, or work stopped.
        Serious = "serious" / "严重问题",
    }
}

/// Most inspectors, experts, targets, checklist items or dangers on one
/// plan or record.
pub const MAX_LIST: usize = 500;
/// Largest penalty accepted, yuan (a guard against typos, far above any
/// administrative penalty of the Work Safety Law).
pub const MAX_PENALTY_YUAN: f64 = 1e9;

/// An inspection plan as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Title.
    pub title: String,
    /// Enterprises to inspect (`enterprises` ids).
    #[serde(default)]
    pub enterprises: Vec<FeatureId>,
    /// Major hazard sources to inspect (`hazard_sources` ids).
    #[serde(default)]
    pub hazard_sources: Vec<FeatureId>,
    /// Who inspects (names or Lookout users).
    pub inspectors: Vec<String>,
    /// Experts to join (ids of the pool).
    #[serde(default)]
    pub experts: Vec<FeatureId>,
    /// The kind of inspection planned.
    pub kind: InspectionKind,
    /// From when (inspections on or after it count).
    pub start: NaiveDate,
    /// By when.
    pub due: NaiveDate,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

/// One target of a plan, with its place (filled in by the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTarget {
    /// `enterprises` or `hazard_sources`.
    pub collection: String,
    /// Its id.
    pub id: FeatureId,
    /// Its name.
    pub name: String,
    /// Its enterprise.
    pub enterprise_id: FeatureId,
    /// `counties` id.
    pub county_id: u32,
    /// County name.
    pub county: String,
    /// City name.
    pub city: String,
}

/// One item of a checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// What was checked.
    pub item: String,
    /// Whether it met the requirement.
    pub ok: bool,
    /// Remarks.
    #[serde(default)]
    pub note: String,
}

/// The measures of an enforcement inspection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enforcement {
    /// An order to rectify (责令整改) was issued.
    #[serde(default)]
    pub order_to_rectify: bool,
    /// Its number (文书编号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    /// A case was filed (立案).
    #[serde(default)]
    pub case_filed: bool,
    /// Its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    /// Penalty, yuan (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_yuan: Option<f64>,
}

/// An inspection as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionSpec {
    /// The enterprise inspected.
    pub enterprise: FeatureId,
    /// Its major hazard sources inspected; none given: all of them (the
    /// store fills them in).
    #[serde(default)]
    pub hazard_sources: Vec<FeatureId>,
    /// The plan it carries out, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<FeatureId>,
    /// When.
    pub date: NaiveDate,
    /// What kind.
    pub kind: InspectionKind,
    /// Inspectors.
    pub inspectors: Vec<String>,
    /// Experts (ids of the pool).
    #[serde(default)]
    pub experts: Vec<FeatureId>,
    /// The checklist's result.
    pub result: ChecklistResult,
    /// The checklist, item by item.
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    /// Hidden dangers found (ids of the ledger, of this enterprise).
    #[serde(default)]
    pub dangers: Vec<FeatureId>,
    /// For an enforcement or unannounced inspection: orders, case, penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Enforcement>,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

/// An event of inspections and the expert pool; stored and pushed like
/// every other event, with its own `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InspectionEvent {
    /// An expert joined the pool.
    ExpertAdded {
        /// Expert id (0 when submitted: the store assigns it).
        expert: FeatureId,
        /// As entered.
        spec: ExpertSpec,
        /// County and city (filled in by the store).
        #[serde(default)]
        place: CountyPlace,
    },
    /// An expert's entry was replaced.
    ExpertUpdated {
        /// Expert id.
        expert: FeatureId,
        /// As entered now.
        spec: ExpertSpec,
        /// County and city (filled in by the store).
        #[serde(default)]
        place: CountyPlace,
    },
    /// An inspection plan was made.
    InspectionPlanned {
        /// Plan id (0 when submitted).
        plan: FeatureId,
        /// As entered.
        spec: PlanSpec,
        /// Its targets with their places (filled in by the store).
        #[serde(default)]
        targets: Vec<PlanTarget>,
    },
    /// A reminder that an inspection plan falls due with targets left
    /// went to whoever follows it (who made it); the ledger's clock.
    PlanReminded {
        /// Plan id.
        plan: FeatureId,
        /// Days before the due date it was due.
        days_before: u32,
        /// The due date it is for (the end of the plan's `due` day, China
        /// Standard Time).
        due: DateTime<Utc>,
        /// Who it went to.
        to: String,
        /// The counties of the plan's targets (a scoped user's stream).
        #[serde(default)]
        counties: Vec<u32>,
    },
    /// An inspection was recorded.
    InspectionRecorded {
        /// Inspection id (0 when submitted).
        inspection: FeatureId,
        /// As entered (hazard sources filled in).
        spec: InspectionSpec,
        /// The enterprise as it was (filled in by the store).
        place: DangerPlace,
    },
}
