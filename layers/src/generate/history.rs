//! A plausible year of supervision-ledger history (issue 16 item 8), as the
//! same events the API makes, signed [`ACTOR`]:
//!
//! - hidden dangers: about one per enterprise on average (most have none or
//!   one, a few have several), found over the year by self-checks, reports,
//!   sensor alarms and the generated inspections (which then list them);
//!   most are closed (销号) through every step of the lifecycle, some are
//!   being rectified, some were rejected once, some are past their deadline
//!   with the rectification owed (overdue), and a few are major (重大), each
//!   with its plan and interim control measures before it is `rectifying`;
//! - the expert pool, quarterly enforcement plans and the inspections that
//!   carried them out, leaving some of the major hazard sources uninspected
//!   this year ([`super::inspections`]);
//! - emergency plans (evaluated every 3 years, a few overdue), drill plans
//!   (about three in four held, the rest overdue; seed 002's 74 %), and the
//!   hazard sources' re-assessments.
//!
//! Fictional like the rest of the dataset. The generator writes it beside
//! the dataset ([`FILE`]); a fresh store appends it once as its first
//! events (`Store::append_history`), each checked as an API command is.
//! At most [`MAX_ENTERPRISES`] enterprises carry dangers and plans, so a
//! scale-100 dataset's history is as large as scale 10's.

use super::inspections::{self, places};
use super::names;
use crate::catalog::Dataset;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::inspection::{ChecklistResult, InspectionEvent};
use crate::model::obligation::{ObligationKind, ObligationSpec};
use crate::model::{
    DangerCategory, DangerPlace, DangerReport, DangerSeverity, DangerSource, DangerStatus, LedgerEvent, Rectification,
    RectificationPatch,
};
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Who signs the generated events.
pub const ACTOR: &str = inspections::ACTOR;

/// The history's file in the dataset folder: one event record per line
/// (JSON), gzip-compressed.
pub const FILE: &str = "history.jsonl.gz";

/// Most enterprises given dangers and plans (scale 10's 120 000): the
/// history of a larger dataset is a sample of its enterprises, so start-up
/// at scale 100 is not spent on it.
pub const MAX_ENTERPRISES: usize = 120_000;

/// China Standard Time, hours east of UTC: dates and deadlines are the
/// bureau's.
const CST_HOURS: i64 = 8;

struct Template {
    category: DangerCategory,
    description: &'static str,
    measures: &'static str,
}

const GENERAL: &[Template] = &[
    t(
        DangerCategory::Equipment,
        "储罐区压力表超期未校验",
        "更换合格压力表并建立校验台账",
    ),
    t(
        DangerCategory::Equipment,
        "安全阀未按期检验",
        "委托有资质机构检验安全阀",
    ),
    t(
        DangerCategory::Equipment,
        "管线法兰连接处轻微渗漏",
        "紧固法兰、更换垫片并复查",
    ),
    t(
        DangerCategory::Process,
        "工艺操作规程未及时修订",
        "修订操作规程并组织培训",
    ),
    t(
        DangerCategory::Process,
        "关键工艺参数报警值设置不当",
        "重新核定报警值并记录",
    ),
    t(
        DangerCategory::Electrical,
        "配电室电缆沟未封堵",
        "封堵电缆沟并设置防鼠板",
    ),
    t(
        DangerCategory::Electrical,
        "防雷防静电接地检测超期",
        "委托检测并整改不合格点",
    ),
    t(DangerCategory::Fire, "消防通道堆放杂物", "清理通道并落实日常巡查"),
    t(DangerCategory::Fire, "部分灭火器压力不足", "更换灭火器并建立检查记录"),
    t(
        DangerCategory::Fire,
        "火灾自动报警系统局部故障",
        "维修报警系统并联动测试",
    ),
    t(
        DangerCategory::Management,
        "特种作业人员证书过期",
        "组织复审取证，未取证前停止作业",
    ),
    t(
        DangerCategory::Management,
        "隐患排查治理记录不完整",
        "完善排查台账并明确责任人",
    ),
    t(DangerCategory::Management, "安全教育培训记录缺失", "补充培训并建立档案"),
    t(
        DangerCategory::Workplace,
        "受限空间作业票证填写不全",
        "规范作业票证审批流程",
    ),
    t(
        DangerCategory::Workplace,
        "作业场所安全警示标志缺失",
        "按规范设置警示标志",
    ),
    t(DangerCategory::Other, "劳动防护用品配备不足", "补充配备并检查佩戴情况"),
];

/// Major dangers: situations of the Ministry's 2017 criteria
/// (安监总管三〔2017〕121号, docs/ledger.md), paraphrased.
const MAJOR: &[Template] = &[
    t(
        DangerCategory::Process,
        "涉及重点监管危险化工工艺的装置未实现自动化控制",
        "增设自动化控制系统和紧急停车系统",
    ),
    t(
        DangerCategory::Equipment,
        "重大危险源储罐区未设置紧急切断装置",
        "加装紧急切断阀并接入安全仪表系统",
    ),
    t(
        DangerCategory::Workplace,
        "可燃有毒气体泄漏场所未设置检测报警装置",
        "增设可燃有毒气体检测报警仪并联网",
    ),
    t(
        DangerCategory::Electrical,
        "爆炸危险场所使用非防爆电气设备",
        "更换为相应等级的防爆电气设备",
    ),
    t(
        DangerCategory::Management,
        "主要负责人和安全管理人员未依法考核合格",
        "组织考核，合格前暂停相关岗位",
    ),
];

const INTERIM: &[&str] = &[
    "设置警戒区，专人监护，降低储存量",
    "停用相关装置，落实24小时巡检",
    "限制作业人数，配备便携式检测仪",
];

const fn t(category: DangerCategory, description: &'static str, measures: &'static str) -> Template {
    Template {
        category,
        description,
        measures,
    }
}

/// The end of `t`'s day in China Standard Time (a deadline given as a date).
fn end_of_day_cst(t: DateTime<Utc>) -> DateTime<Utc> {
    let local = (t + TimeDelta::hours(CST_HOURS)).date_naive();
    local.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc() - TimeDelta::hours(CST_HOURS)
}

/// A working hour (09:00–17:00 CST) of the day `days` after `from`.
fn working_time(rng: &mut ChaCha8Rng, from: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let day = (from + TimeDelta::days(days) + TimeDelta::hours(CST_HOURS)).date_naive();
    let minutes = rng.random_range(9 * 60..17 * 60);
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - TimeDelta::hours(CST_HOURS) + TimeDelta::minutes(minutes)
}

/// A danger about to be generated.
struct Seed {
    enterprise: FeatureId,
    hazard_source: Option<FeatureId>,
    reported_at: DateTime<Utc>,
    source: DangerSource,
    found_by: String,
    /// The inspection (index into the timed events) that found it.
    inspection: Option<usize>,
}

/// The generated history up to `until`, numbered from 1 in time order, every
/// event signed [`ACTOR`]. The same `seed` and `until` always give the same
/// events.
pub fn history(dataset: &Dataset, seed: u64, until: DateTime<Utc>) -> Vec<EventRecord> {
    let places = places(dataset);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1ed6_e400_0000_0016);
    let start = until - TimeDelta::days(365);
    // Inspections end the day before `until`, so no event lies after it.
    let last_day = (until - TimeDelta::days(1)).date_naive();
    let mut timed = inspections::inspection_events(dataset, &places, seed, last_day);

    let mut sources: HashMap<FeatureId, Vec<FeatureId>> = HashMap::new();
    for h in &dataset.hazard_sources {
        sources.entry(h.properties.enterprise_id).or_default().push(h.id);
    }
    let enterprises: Vec<FeatureId> = if dataset.enterprises.len() > MAX_ENTERPRISES {
        let mut some: Vec<FeatureId> = dataset
            .enterprises
            .choose_multiple(&mut rng, MAX_ENTERPRISES)
            .map(|e| e.id)
            .collect();
        // The enterprises holding major hazard sources always take part.
        some.extend(
            sources
                .keys()
                .filter(|e| !some.contains(e))
                .copied()
                .collect::<Vec<_>>(),
        );
        some.sort_unstable();
        some
    } else {
        dataset.enterprises.iter().map(|e| e.id).collect()
    };

    // Dangers found by the generated inspections with problems.
    let mut seeds: Vec<Seed> = Vec::new();
    for (i, (at, event)) in timed.iter().enumerate() {
        if let Event::Inspection(InspectionEvent::InspectionRecorded { spec, .. }) = event
            && spec.result != ChecklistResult::Passed
            && *at - TimeDelta::hours(1) > start
        {
            let n = if spec.result == ChecklistResult::Serious { 2 } else { 1 };
            for _ in 0..n {
                seeds.push(Seed {
                    enterprise: spec.enterprise,
                    hazard_source: spec.hazard_sources.choose(&mut rng).copied(),
                    reported_at: *at - TimeDelta::hours(1),
                    source: DangerSource::Inspection,
                    found_by: spec.inspectors.join("、"),
                    inspection: Some(i),
                });
            }
        }
    }
    // Dangers the enterprises found themselves, or that were reported.
    for e in &enterprises {
        let k = match rng.random_range(0..100) {
            0..45 => 0,
            45..75 => 1,
            75..90 => 2,
            90..97 => 3,
            _ => 4,
        };
        for _ in 0..k {
            let source = match rng.random_range(0..20) {
                0..13 => DangerSource::SelfCheck,
                13..17 => DangerSource::Report,
                _ => DangerSource::SensorAlarm,
            };
            let found_by = match source {
                DangerSource::SelfCheck => format!("企业安全员{}", names::person(&mut rng)),
                DangerSource::Report => "群众举报".to_owned(),
                _ => "在线监测预警".to_owned(),
            };
            seeds.push(Seed {
                enterprise: *e,
                hazard_source: sources
                    .get(e)
                    .filter(|_| rng.random_bool(0.5))
                    .and_then(|s| s.choose(&mut rng).copied()),
                reported_at: {
                    let days = rng.random_range(1..364);
                    working_time(&mut rng, start, days)
                },
                source,
                found_by,
                inspection: None,
            });
        }
    }
    seeds.sort_by_key(|s| (s.reported_at, s.enterprise));

    let mut found: BTreeMap<usize, Vec<FeatureId>> = BTreeMap::new();
    for (n, s) in seeds.iter().enumerate() {
        let id = n as FeatureId + 1;
        let Some(place) = places.get(&s.enterprise) else {
            continue;
        };
        if let Some(i) = s.inspection {
            found.entry(i).or_default().push(id);
        }
        danger(&mut timed, &mut rng, id, s, place, until);
    }
    for (i, ids) in found {
        if let Some((_, Event::Inspection(InspectionEvent::InspectionRecorded { spec, .. }))) = timed.get_mut(i) {
            spec.dangers = ids;
        }
    }
    obligations(&mut timed, &mut rng, dataset, &enterprises, &sources, start, until);

    timed.sort_by_key(|(t, _)| *t);
    inspections::numbered(timed)
}

/// One danger's life up to `until`: its report and the steps after it.
fn danger(
    out: &mut Vec<(DateTime<Utc>, Event)>,
    rng: &mut ChaCha8Rng,
    id: FeatureId,
    s: &Seed,
    place: &DangerPlace,
    until: DateTime<Utc>,
) {
    let major = rng.random_bool(0.04);
    let template = if major { MAJOR.choose(rng) } else { GENERAL.choose(rng) };
    let Some(template) = template else { return };
    let found_at = s.reported_at - TimeDelta::hours(rng.random_range(1..6));
    let days = if major {
        rng.random_range(60..150)
    } else {
        rng.random_range(7..45)
    };
    let deadline = end_of_day_cst(found_at + TimeDelta::days(days));
    // A major danger is reported with its measures; half come with the
    // whole plan, the other half get funds and interim measures with the
    // move to rectifying (the lifecycle asks for them before it).
    let whole_plan = !major || rng.random_bool(0.5);
    let funds = f64::from(rng.random_range(1..=200u32)) * if major { 50_000.0 } else { 500.0 };
    let interim = INTERIM.choose(rng).copied().unwrap_or_default().to_owned();
    let report = DangerReport {
        enterprise: s.enterprise,
        hazard_source: s.hazard_source,
        category: template.category,
        severity: if major {
            DangerSeverity::Major
        } else {
            DangerSeverity::General
        },
        description: template.description.to_owned(),
        found_by: s.found_by.clone(),
        found_at,
        source: s.source,
        rectification: Rectification {
            measures: template.measures.to_owned(),
            responsible: names::person(rng),
            funds_yuan: (whole_plan && (major || rng.random_bool(0.6))).then_some(funds),
            deadline,
            interim_measures: if major && whole_plan {
                interim.clone()
            } else {
                String::new()
            },
        },
        assignee: None,
        external_id: None,
    };
    out.push((
        s.reported_at,
        Event::Ledger(LedgerEvent::DangerReported {
            danger: id,
            report,
            place: place.clone(),
        }),
    ));
    // How far it got: past its deadline most are closed, a few (more of
    // the recent ones) are overdue; before its deadline it is on its way.
    let past = deadline < until;
    let overdue_share = if deadline > until - TimeDelta::days(60) {
        0.08
    } else {
        0.01
    };
    let (steps, rejected): (usize, bool) = if past {
        if rng.random_bool(overdue_share) {
            (rng.random_range(0..2), false)
        } else {
            (4, rng.random_bool(0.04))
        }
    } else {
        (
            match rng.random_range(0..20) {
                0..6 => 0,
                6..16 => 1,
                16..19 => 2,
                _ => 3,
            },
            false,
        )
    };
    let mut at = s.reported_at;
    let mut status = DangerStatus::Reported;
    let step = |out: &mut Vec<(DateTime<Utc>, Event)>,
                rng: &mut ChaCha8Rng,
                at: &mut DateTime<Utc>,
                status: &mut DangerStatus,
                to: DangerStatus,
                latest: DateTime<Utc>,
                reason: &str,
                patch: Option<RectificationPatch>|
     -> bool {
        let room = (latest - *at).num_hours();
        let next = *at + TimeDelta::hours(rng.random_range(1..room.max(2)));
        if next >= until - TimeDelta::hours(1) {
            return false;
        }
        out.push((
            next,
            Event::Ledger(LedgerEvent::DangerStatusChanged {
                danger: id,
                from: *status,
                to,
                reason: reason.to_owned(),
                rectification: patch,
            }),
        ));
        *at = next;
        *status = to;
        true
    };
    if steps == 0 {
        return;
    }
    let patch = (!whole_plan).then(|| RectificationPatch {
        funds_yuan: Some(funds),
        interim_measures: Some(interim),
        ..RectificationPatch::default()
    });
    let soon = (at + TimeDelta::days(3)).min(deadline);
    if !step(
        out,
        rng,
        &mut at,
        &mut status,
        DangerStatus::Rectifying,
        soon,
        "",
        patch,
    ) || steps == 1
    {
        return;
    }
    if !step(
        out,
        rng,
        &mut at,
        &mut status,
        DangerStatus::Submitted,
        deadline,
        "整改完成，申请验收",
        None,
    ) || steps == 2
    {
        return;
    }
    if rejected {
        let later = at + TimeDelta::days(5);
        let moved = step(
            out,
            rng,
            &mut at,
            &mut status,
            DangerStatus::Rejected,
            later,
            "复查不合格，整改不到位",
            None,
        ) && step(
            out,
            rng,
            &mut at,
            &mut status,
            DangerStatus::Rectifying,
            later + TimeDelta::days(1),
            "",
            None,
        ) && step(
            out,
            rng,
            &mut at,
            &mut status,
            DangerStatus::Submitted,
            later + TimeDelta::days(10),
            "再次申请验收",
            None,
        );
        if !moved {
            return;
        }
    }
    let later = at + TimeDelta::days(7);
    if !step(
        out,
        rng,
        &mut at,
        &mut status,
        DangerStatus::Verified,
        later,
        "现场复查合格",
        None,
    ) || steps == 3
    {
        return;
    }
    let later = at + TimeDelta::days(3);
    step(
        out,
        rng,
        &mut at,
        &mut status,
        DangerStatus::Closed,
        later,
        "销号",
        None,
    );
}

/// Emergency plans and drill plans of the enterprises holding major hazard
/// sources and of about one in fifty others, and every hazard source's
/// re-assessment: registered at the start of the year with what was done
/// before, and fulfilled through it.
fn obligations(
    out: &mut Vec<(DateTime<Utc>, Event)>,
    rng: &mut ChaCha8Rng,
    dataset: &Dataset,
    enterprises: &[FeatureId],
    sources: &HashMap<FeatureId, Vec<FeatureId>>,
    start: DateTime<Utc>,
    until: DateTime<Utc>,
) {
    let id = std::cell::Cell::<FeatureId>::new(0);
    let registered = working_time(rng, start, 0);
    let latest = until - TimeDelta::days(2);
    let register = |out: &mut Vec<(DateTime<Utc>, Event)>, spec: ObligationSpec| -> FeatureId {
        let n = id.get() + 1;
        id.set(n);
        let id = n;
        out.push((
            registered + TimeDelta::seconds(id as i64),
            Event::ObligationRegistered {
                obligation: id,
                due: spec.due.unwrap_or(registered),
                spec,
                place: crate::ledger::blank_place(),
            },
        ));
        id
    };
    let fulfil = |out: &mut Vec<(DateTime<Utc>, Event)>, id: FeatureId, done_at: DateTime<Utc>, remark: &str| {
        out.push((
            done_at + TimeDelta::hours(2),
            Event::ObligationFulfilled {
                obligation: id,
                done_at,
                next_due: None,
                remark: remark.to_owned(),
            },
        ));
    };
    // Something done every 3 years, last done some time in the last 3.3
    // years: due within the year for about one in ten; most of those are
    // done around their due date, the rest are overdue.
    let cycle = |out: &mut Vec<(DateTime<Utc>, Event)>,
                 rng: &mut ChaCha8Rng,
                 kind: ObligationKind,
                 enterprise: FeatureId,
                 hazard_source: Option<FeatureId>,
                 title: String| {
        let before = -rng.random_range(0..(365 * 33 / 10 - 365));
        let last_done = working_time(rng, start, before);
        let Some(due) = crate::ledger::obligation::next_due(kind, last_done) else {
            return;
        };
        let o = register(
            out,
            ObligationSpec {
                kind,
                enterprise,
                hazard_source,
                title,
                last_done: Some(last_done),
                due: None,
                assignee: None,
            },
        );
        if due < latest && rng.random_bool(0.85) {
            let done_at = (due - TimeDelta::days(rng.random_range(0..60)))
                .max(registered + TimeDelta::days(1))
                .min(latest);
            let remark = match kind {
                ObligationKind::EmergencyPlan => "完成预案评估并重新备案",
                _ => "完成辨识、评估和分级",
            };
            fulfil(out, o, done_at, remark);
        }
    };
    let names_of: HashMap<FeatureId, &str> = dataset
        .enterprises
        .iter()
        .map(|e| (e.id, &*e.properties.name))
        .collect();
    for e in enterprises {
        if !sources.contains_key(e) && !rng.random_bool(0.02) {
            continue;
        }
        let name = names_of.get(e).copied().unwrap_or_default();
        cycle(
            out,
            rng,
            ObligationKind::EmergencyPlan,
            *e,
            None,
            format!("{name}生产安全事故综合应急预案"),
        );
        for n in 0..rng.random_range(1..=2) {
            let days = rng.random_range(20..480);
            let due = working_time(rng, start, days);
            let o = register(
                out,
                ObligationSpec {
                    kind: ObligationKind::Drill,
                    enterprise: *e,
                    hazard_source: None,
                    title: format!(
                        "{}年度{}",
                        due.year(),
                        ["综合应急演练", "专项应急演练（泄漏处置）", "现场处置方案演练"][n % 3]
                    ),
                    last_done: None,
                    due: Some(due),
                    assignee: None,
                },
            );
            // About three in four drills are held (seed 002's 74 %).
            if due < latest && rng.random_bool(0.74) {
                let done_at = (due - TimeDelta::days(rng.random_range(0..10))).max(registered + TimeDelta::days(1));
                fulfil(out, o, done_at.min(latest), "演练已组织，总结评估完成");
            }
        }
    }
    for h in &dataset.hazard_sources {
        cycle(
            out,
            rng,
            ObligationKind::Reassessment,
            h.properties.enterprise_id,
            Some(h.id),
            format!("{}重大危险源复评", h.properties.name),
        );
    }
}

/// Generates the history of a dataset just written to `dir` (up to now)
/// and writes it beside it.
pub fn generate_and_write(dir: &Path, dataset: &Dataset, seed: u64) -> Result<()> {
    let now = chrono::DurationRound::duration_trunc(Utc::now(), TimeDelta::seconds(1)).unwrap_or_else(|_| Utc::now());
    write(dir, &history(dataset, seed, now))
}

/// The history's file in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Writes `records` to `dir`'s [`FILE`] (through a temporary file, renamed).
pub fn write(dir: &Path, records: &[EventRecord]) -> Result<()> {
    let target = path(dir);
    let tmp = dir.join(format!("{FILE}.tmp"));
    let io = |e: std::io::Error| Error::io("writing the generated history", &tmp)(e);
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out = BufWriter::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    for r in records {
        serde_json::to_writer(&mut out, r).map_err(|e| Error::BadData {
            path: tmp.clone(),
            reason: e.to_string(),
        })?;
        out.write_all(b"\n").map_err(io)?;
    }
    let encoder = out.into_inner().map_err(|e| io(e.into_error()))?;
    encoder.finish().map_err(io)?.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &target).map_err(io)
}

/// Reads `dir`'s [`FILE`]; `None` when there is none (a dataset written
/// before it, or a bureau's own data).
pub fn read(dir: &Path) -> Result<Option<Vec<EventRecord>>> {
    let file = path(dir);
    let f = match std::fs::File::open(&file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("reading the generated history", &file)(e)),
    };
    let mut records = Vec::new();
    for (n, line) in BufReader::new(flate2::read::GzDecoder::new(f)).lines().enumerate() {
        let line = line.map_err(Error::io("reading the generated history", &file))?;
        if line.is_empty() {
            continue;
        }
        records.push(serde_json::from_str(&line).map_err(|e| Error::BadData {
            path: file.clone(),
            reason: format!("line {}: {e}", n + 1),
        })?);
    }
    Ok(Some(records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::ledger::schedule::{Schedule, due, due_plans};
    use crate::ops::Operations;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn until() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()
    }

    /// The history of the scale-1 dataset, checked as the store checks it,
    /// and the state it folds into.
    fn folded() -> &'static (Vec<EventRecord>, Catalog, Operations) {
        static STATE: std::sync::OnceLock<(Vec<EventRecord>, Catalog, Operations)> = std::sync::OnceLock::new();
        STATE.get_or_init(|| {
            let data = super::super::tests::small_dataset();
            let catalog = Catalog::new(data.clone());
            let records = history(data, 1, until());
            let checked = crate::store::history::check(&catalog, &Operations::default(), records.clone(), 1)
                .expect("every generated event passes the API's checks");
            let mut ops = Operations::default();
            for r in &checked {
                ops.apply(Arc::new(r.clone()));
            }
            (records, catalog, ops)
        })
    }

    #[test]
    fn the_same_seed_and_day_give_the_same_history_in_time_order_signed_generator() {
        let data = super::super::tests::small_dataset();
        let (records, ..) = folded();
        assert_eq!(*records, history(data, 1, until()));
        assert!(records.iter().all(|r| r.actor == ACTOR && r.at < until()));
        assert!(
            records
                .windows(2)
                .all(|w| w[0].at <= w[1].at && w[0].seq + 1 == w[1].seq)
        );
    }

    #[test]
    fn the_history_folds_without_error_into_the_intended_mix() {
        let data = super::super::tests::small_dataset();
        let (_, catalog, ops) = folded();
        let ledger = ops.ledger();
        let n = ledger.len();
        let per_enterprise = n as f64 / data.enterprises.len() as f64;
        assert!(
            (0.7..1.4).contains(&per_enterprise),
            "{n} dangers: {per_enterprise} per enterprise"
        );
        let share =
            |f: &dyn Fn(&crate::ledger::Danger) -> bool| ledger.dangers().filter(|d| f(d)).count() as f64 / n as f64;
        let closed = share(&|d| d.status == DangerStatus::Closed);
        assert!((0.7..0.95).contains(&closed), "closed {closed}");
        for status in [
            DangerStatus::Reported,
            DangerStatus::Rectifying,
            DangerStatus::Submitted,
            DangerStatus::Verified,
        ] {
            assert!(ledger.dangers().any(|d| d.status == status), "none {status}");
        }
        let overdue = share(&|d| d.is_overdue(until()));
        assert!((0.005..0.06).contains(&overdue), "overdue {overdue}");
        let major = share(&|d| d.report.severity == DangerSeverity::Major);
        assert!((0.01..0.08).contains(&major), "major {major}");
        // Every major danger past `reported` had its plan and interim measures.
        assert!(
            ledger
                .dangers()
                .filter(|d| d.report.severity == DangerSeverity::Major && d.status != DangerStatus::Reported)
                .all(|d| d.report.rectification.missing_for_major().is_empty())
        );
        assert!(
            ledger
                .dangers()
                .any(|d| d.report.severity == DangerSeverity::Major
                    && d.history.iter().any(|t| t.rectification.is_some())),
            "some major dangers got their plan with the move to rectifying"
        );
        assert!(
            ledger
                .dangers()
                .any(|d| d.history.iter().any(|t| t.to == DangerStatus::Rejected))
        );
        assert!(ledger.dangers().any(|d| d.report.source == DangerSource::Inspection));
        // Inspections list the dangers they found; some sources are left.
        let inspections = ops.inspections();
        assert!(inspections.inspections().any(|i| !i.spec.dangers.is_empty()));
        let coverage = inspections.coverage(catalog, until().year(), None);
        assert!(!coverage.uninspected.is_empty() && coverage.total.inspected > 0);
        // Plans, drills (about three in four held), re-assessments.
        let obligations = ledger.obligations();
        let of = |k: ObligationKind| obligations.iter().filter(move |o| o.spec.kind == k);
        assert_eq!(of(ObligationKind::Reassessment).count(), data.hazard_sources.len());
        assert!(of(ObligationKind::EmergencyPlan).count() >= 100);
        assert!(of(ObligationKind::EmergencyPlan).any(|o| o.is_overdue(until())));
        let past: Vec<_> = of(ObligationKind::Drill).filter(|o| o.due < until()).collect();
        let held = past.iter().filter(|o| o.completed).count() as f64 / past.len() as f64;
        assert!((0.6..0.88).contains(&held), "{held} of {} drills held", past.len());
    }

    #[test]
    fn at_the_end_of_the_history_the_clock_alarms_the_overdue_once_and_reminds_no_closed_danger() {
        let (_, catalog, ops) = folded();
        let schedule = Schedule::default();
        let now = until() + TimeDelta::hours(1);
        let mut events = due(ops.ledger(), &schedule, now);
        events.extend(due_plans(catalog, ops.inspections(), &schedule, now));
        let ledger = ops.ledger();
        let alarmed: Vec<FeatureId> = events
            .iter()
            .filter_map(|e| match e {
                Event::AlarmRaised { danger: Some(d), .. } => Some(*d),
                _ => None,
            })
            .collect();
        let overdue: Vec<FeatureId> = ledger.dangers().filter(|d| d.is_overdue(now)).map(|d| d.id).collect();
        assert_eq!(alarmed, overdue, "one alarm per overdue danger, none other");
        for e in &events {
            if let Event::Ledger(LedgerEvent::DeadlineReminded { danger, deadline, .. }) = e {
                let d = ledger.danger(*danger).unwrap();
                assert!(d.status.owes_rectification(), "a reminder for a danger no longer owed");
                assert!(*deadline > now && *deadline <= now + TimeDelta::days(7));
            }
        }
        let reminders = events.iter().filter(|e| e.kind().ends_with("reminded")).count();
        assert!(reminders < ledger.len() / 20, "{reminders} reminders: a storm");
        // Stored, the next look at the same moment finds nothing to do.
        let mut ops = ops.clone();
        for (seq, e) in (1_000_000..).zip(events) {
            let event = ops.check(catalog, e).expect("the clock's event passes");
            ops.apply(Arc::new(EventRecord {
                seq,
                at: now,
                actor: crate::ledger::ACTOR.into(),
                token: None,
                event,
            }));
        }
        assert!(due(ops.ledger(), &schedule, now).is_empty());
        assert!(due_plans(catalog, ops.inspections(), &schedule, now).is_empty());
    }

    #[test]
    fn the_history_file_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let (records, ..) = folded();
        let some = &records[..500];
        write(dir.path(), some).unwrap();
        assert_eq!(read(dir.path()).unwrap().as_deref(), Some(some));
    }
}
