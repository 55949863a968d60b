//! The supervision ledger's plain data (`docs/ledger.md`): hidden dangers
//! (隐患), their rectification, their status, and the events that record
//! them. The rules (which transition is allowed, what is due when) are in
//! `crate::ledger`.

use super::{Industry, code_enum};
use crate::feature::FeatureId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum! {
    /// What a hidden danger concerns.
    DangerCategory {
        /// 设备设施
        Equipment = "equipment" / "设备设施",
        /// 工艺
        Process = "process" / "工艺",
        /// 电气
        Electrical = "electrical" / "电气",
        /// 消防
        Fire = "fire" / "消防",
        /// 安全管理
        Management = "management" / "安全管理",
        /// 作业场所
        Workplace = "workplace" / "作业场所",
        /// 其他
        Other = "other" / "其他",
    }
}

code_enum! {
    /// How serious a hidden danger is (`docs/ledger.md`, "Severity").
    DangerSeverity {
        /// 一般隐患: can be fixed at once or soon.
        General = "general" / "一般隐患",
        /// 重大隐患: hard to fix, needs a plan, perhaps a stop of production.
        Major = "major" / "重大隐患",
    }
}

code_enum! {
    /// How a hidden danger was found.
    DangerSource {
        /// 监督检查 / 执法检查
        Inspection = "inspection" / "监督检查",
        /// 企业自查
        SelfCheck = "self_check" / "企业自查",
        /// 举报
        Report = "report" / "举报",
        /// 监测报警
        SensorAlarm = "sensor_alarm" / "监测报警",
    }
}

code_enum! {
    /// Where a hidden danger is in its life:
    /// reported → rectifying → submitted → verified → closed (销号),
    /// or submitted → rejected → rectifying.
    DangerStatus {
        /// 已登记, 待整改
        Reported = "reported" / "待整改",
        /// 整改中
        Rectifying = "rectifying" / "整改中",
        /// 整改完成待验收
        Submitted = "submitted" / "整改完成待验收",
        /// 验收通过
        Verified = "verified" / "验收通过",
        /// 已销号
        Closed = "closed" / "已销号",
        /// 验收未通过
        Rejected = "rejected" / "验收未通过",
    }
}

impl DangerStatus {
    /// Whether the rectification is still owed: the deadline applies
    /// (reported, rectifying, rejected).
    pub fn owes_rectification(self) -> bool {
        matches!(self, Self::Reported | Self::Rectifying | Self::Rejected)
    }

    /// Whether the danger is still open (not closed).
    pub fn is_open(self) -> bool {
        self != Self::Closed
    }
}

/// How a danger is to be put right: measures, who answers for it, the
/// money, the deadline, and what keeps people safe meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rectification {
    /// 整改措施.
    #[serde(default)]
    pub measures: String,
    /// 整改责任人: the enterprise's person who answers for it.
    #[serde(default)]
    pub responsible: String,
    /// 整改资金, yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_yuan: Option<f64>,
    /// 整改期限.
    pub deadline: DateTime<Utc>,
    /// 临时管控措施 (interim control measures); a major danger needs them
    /// before it is `rectifying`.
    #[serde(default)]
    pub interim_measures: String,
}

/// A change to the rectification: the fields given replace the ones held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectificationPatch {
    /// New measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    /// New responsible person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    /// New funds, yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_yuan: Option<f64>,
    /// New deadline (reminders start again for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// New interim control measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim_measures: Option<String>,
}

impl RectificationPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Rectification {
    /// The rectification with `patch` applied.
    pub fn patched(&self, patch: &RectificationPatch) -> Self {
        Self {
            measures: patch.measures.clone().unwrap_or_else(|| self.measures.clone()),
            responsible: patch.responsible.clone().unwrap_or_else(|| self.responsible.clone()),
            funds_yuan: patch.funds_yuan.or(self.funds_yuan),
            deadline: patch.deadline.unwrap_or(self.deadline),
            interim_measures: patch
                .interim_measures
                .clone()
                .unwrap_or_else(|| self.interim_measures.clone()),
        }
    }

    /// What a major danger's plan lacks before rectification may start:
    /// measures, responsible person, funds and interim control measures
    /// (the deadline is always there).
    pub fn missing_for_major(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.measures.trim().is_empty() {
            missing.push("measures");
        }
        if self.responsible.trim().is_empty() {
            missing.push("responsible");
        }
        if self.funds_yuan.is_none() {
            missing.push("funds_yuan");
        }
        if self.interim_measures.trim().is_empty() {
            missing.push("interim_measures");
        }
        missing
    }
}

/// What is reported about a hidden danger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DangerReport {
    /// `enterprises` id.
    pub enterprise: FeatureId,
    /// `hazard_sources` id, when it concerns one of the enterprise's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard_source: Option<FeatureId>,
    /// What it concerns.
    pub category: DangerCategory,
    /// General or major.
    pub severity: DangerSeverity,
    /// What is wrong.
    pub description: String,
    /// Who found it (names of the inspectors, or the enterprise).
    pub found_by: String,
    /// When it was found.
    pub found_at: DateTime<Utc>,
    /// How it was found.
    pub source: DangerSource,
    /// How it is to be put right, by when.
    pub rectification: Rectification,
    /// The Lookout user who follows it up (reminders go to them); default:
    /// whoever reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The id another system (a bureau's spreadsheet) knows it by: an
    /// import stores each external id once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// The enterprise a danger belongs to, as it was when reported (so lists
/// filter without the catalog, and scope follows the county).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DangerPlace {
    /// Enterprise name.
    pub enterprise_name: String,
    /// `counties` id.
    pub county_id: u32,
    /// County name.
    pub county: String,
    /// City name.
    pub city: String,
    /// The enterprise's industry.
    pub industry: Industry,
    /// Where, `[lon, lat]`.
    pub location: [f64; 2],
}

/// A photo or document on a danger's record (`docs/ledger.md`,
/// "Attachments"): the bytes are kept once by their SHA-256 in the store's
/// blobs, the event records what they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// SHA-256 of the bytes, 64 lower-case hex digits: where the blob is.
    pub sha256: String,
    /// The file's name as sent (no folders).
    pub name: String,
    /// The media type told by the content (`image/jpeg`, `image/png`,
    /// `image/webp`, `application/pdf`).
    pub media_type: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// An event of the supervision ledger; stored and pushed like every other
/// event, with its own `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[expect(
    clippy::large_enum_variant,
    reason = "a report is made once and stored; a box would add an allocation and nothing else"
)]
pub enum LedgerEvent {
    /// A hidden danger was entered in the ledger (status `reported`).
    DangerReported {
        /// Danger id (0 when submitted: the store assigns it).
        danger: FeatureId,
        /// What was reported.
        report: DangerReport,
        /// Its enterprise as it was (filled in by the store).
        place: DangerPlace,
    },
    /// A danger moved on in its life; who and when are the record's.
    DangerStatusChanged {
        /// Danger id.
        danger: FeatureId,
        /// Status before.
        from: DangerStatus,
        /// Status after.
        to: DangerStatus,
        /// Why, in words.
        #[serde(default)]
        reason: String,
        /// Changes to the rectification made with it (the plan, a new deadline).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rectification: Option<RectificationPatch>,
    },
    /// A reminder that a deadline is near went to the danger's assignee.
    DeadlineReminded {
        /// Danger id.
        danger: FeatureId,
        /// Days before the deadline it was due.
        days_before: u32,
        /// The deadline it is for.
        deadline: DateTime<Utc>,
        /// Who it went to.
        to: String,
    },
    /// A photo or document was added to a danger's record (at any status:
    /// the finding, or the rectification's evidence at `submitted`); who
    /// and when are the record's.
    AttachmentAdded {
        /// Danger id.
        danger: FeatureId,
        /// What was attached.
        attachment: Attachment,
    },
}

impl LedgerEvent {
    /// The `type` tag, as stored and pushed.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DangerReported { .. } => "danger_reported",
            Self::DangerStatusChanged { .. } => "danger_status_changed",
            Self::DeadlineReminded { .. } => "deadline_reminded",
            Self::AttachmentAdded { .. } => "attachment_added",
        }
    }

    /// The danger it concerns.
    pub fn danger(&self) -> FeatureId {
        match self {
            Self::DangerReported { danger, .. }
            | Self::DangerStatusChanged { danger, .. }
            | Self::DeadlineReminded { danger, .. }
            | Self::AttachmentAdded { danger, .. } => *danger,
        }
    }
}
