//! Inspections and enforcement (执法检查), docs/ledger.md "Inspections":
//!
//! - **plans**: which enterprises or hazard sources, by whom, by when; a
//!   target is done once an inspection of it is recorded on or after the
//!   plan's start, and a plan whose deadline passed with targets left is
//!   `overdue` (shown, not alarmed: see the docs);
//! - **records**: date, inspectors and experts, kind (routine, enforcement,
//!   unannounced 暗访暗查, expert consultation 专家会诊), the checklist's
//!   result, the hidden dangers found (ids of the ledger), and for
//!   enforcement the order to rectify (责令整改), the case filed (立案) and
//!   the penalty;
//! - the **expert pool** ([`super::expert`]);
//! - **coverage**: the share of the major hazard sources inspected in a
//!   year, by city and county, and the ones not inspected.
//!
//! All of it is a fold of [`InspectionEvent`]s, kept beside the ledger in
//! [`crate::ops::Operations`], so replay and replicas follow.

use super::expert::{CountyPlace, Expert, ExpertSpec, check_spec};
use super::{LedgerState, MAX_NAME_CHARS, MAX_TEXT_CHARS, text};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::DangerPlace;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use crate::model::inspection::{
    ChecklistItem, ChecklistResult, Enforcement, InspectionEvent, InspectionKind, InspectionSpec, MAX_LIST,
    MAX_PENALTY_YUAN, PlanSpec, PlanTarget,
};

impl InspectionEvent {
    /// The `type` tag, as stored and pushed.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ExpertAdded { .. } => "expert_added",
            Self::ExpertUpdated { .. } => "expert_updated",
            Self::InspectionPlanned { .. } => "inspection_planned",
            Self::PlanReminded { .. } => "inspection_plan_reminded",
            Self::InspectionRecorded { .. } => "inspection_recorded",
        }
    }

    /// The id it concerns (expert, plan or inspection).
    pub fn id(&self) -> FeatureId {
        match self {
            Self::ExpertAdded { expert, .. } | Self::ExpertUpdated { expert, .. } => *expert,
            Self::InspectionPlanned { plan, .. } | Self::PlanReminded { plan, .. } => *plan,
            Self::InspectionRecorded { inspection, .. } => *inspection,
        }
    }

    /// The collection it concerns: `experts`, `inspection_plans` or `inspections`.
    pub fn collection(&self) -> &'static str {
        match self {
            Self::ExpertAdded { .. } | Self::ExpertUpdated { .. } => "experts",
            Self::InspectionPlanned { .. } | Self::PlanReminded { .. } => "inspection_plans",
            Self::InspectionRecorded { .. } => "inspections",
        }
    }

    /// The counties it touches (for a scoped user's stream).
    pub fn county_ids(&self) -> Vec<u32> {
        match self {
            Self::ExpertAdded { spec, .. } | Self::ExpertUpdated { spec, .. } => vec![spec.county_id],
            Self::InspectionPlanned { targets, .. } => targets.iter().map(|t| t.county_id).collect(),
            Self::PlanReminded { counties, .. } => counties.clone(),
            Self::InspectionRecorded { place, .. } => vec![place.county_id],
        }
    }
}

/// A plan and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Plan id.
    pub id: FeatureId,
    /// As entered.
    pub spec: PlanSpec,
    /// Its targets.
    pub targets: Vec<PlanTarget>,
    /// Made when.
    pub created_at: DateTime<Utc>,
    /// By whom; they follow it up (its reminders go to them).
    pub created_by: String,
    /// Reminders sent before its due date.
    #[serde(default)]
    pub reminders: Vec<super::Reminder>,
    /// Its overdue alarm now active, if any.
    #[serde(default)]
    pub overdue_alarm: Option<FeatureId>,
    /// Every overdue alarm it has had.
    #[serde(default)]
    pub alarms: Vec<FeatureId>,
    /// By target: inspected on or after `start` (kept by the fold).
    #[serde(skip)]
    done: Vec<bool>,
}

impl Plan {
    /// When it falls due: the end of its `due` day in China Standard Time.
    pub fn deadline(&self) -> DateTime<Utc> {
        let end = self.spec.due.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();
        end - chrono::TimeDelta::hours(8)
    }

    /// Whether targets are left uninspected.
    pub fn owed(&self) -> bool {
        self.done.iter().any(|d| !d)
    }

    /// Whether a reminder `days_before` (or a nearer one) was sent for the
    /// due date now.
    pub fn reminded(&self, days_before: u32) -> bool {
        let due = self.deadline();
        self.reminders
            .iter()
            .any(|r| r.deadline == due && r.days_before <= days_before)
    }

    /// The counties of its targets.
    pub fn county_ids(&self) -> Vec<u32> {
        let mut c: Vec<u32> = self.targets.iter().map(|t| t.county_id).collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// A short label for its alarm.
    pub fn label(&self) -> String {
        let title: String = self.spec.title.chars().take(40).collect();
        let left = self.done.iter().filter(|d| !**d).count();
        format!("检查计划 {} · {title} · {left}/{} 未检查", self.id, self.targets.len())
    }

    fn covers(&self, target: &PlanTarget, i: &InspectionSpec) -> bool {
        i.date >= self.spec.start
            && if target.collection == "hazard_sources" {
                i.hazard_sources.contains(&target.id)
            } else {
                i.enterprise == target.id
            }
    }
    /// Whether the plan touches a county of `counties` (all: `None`).
    pub fn in_scope(&self, counties: Option<&[u32]>) -> bool {
        counties.is_none_or(|c| self.targets.iter().any(|t| c.contains(&t.county_id)))
    }
}

/// A recorded inspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// Inspection id.
    pub id: FeatureId,
    /// As recorded.
    #[serde(flatten)]
    pub spec: InspectionSpec,
    /// The enterprise as it was.
    pub place: DangerPlace,
    /// Recorded when.
    pub recorded_at: DateTime<Utc>,
    /// By whom.
    pub recorded_by: String,
}

/// Inspections, plans and experts, by id; the fold of [`InspectionEvent`]s.
#[derive(Debug, Clone, Default)]
pub struct InspectionState {
    experts: BTreeMap<FeatureId, Arc<Expert>>,
    plans: BTreeMap<FeatureId, Arc<Plan>>,
    inspections: BTreeMap<FeatureId, Arc<Inspection>>,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidRequest(m.into())
}

fn names(name: &str, list: &[String], required: bool) -> Result<()> {
    if required && list.iter().all(|n| n.trim().is_empty()) {
        return Err(invalid(format!("{name} needs at least one name")));
    }
    if list.len() > MAX_LIST {
        return Err(invalid(format!("{name} lists at most {MAX_LIST}")));
    }
    for n in list {
        text(name, n, MAX_NAME_CHARS, true)?;
    }
    Ok(())
}

fn check_date(name: &str, d: NaiveDate) -> Result<()> {
    if !(2000..=2100).contains(&d.year()) {
        return Err(invalid(format!("{name} {d} is not between 2000 and 2100")));
    }
    Ok(())
}

fn next_id<T>(map: &BTreeMap<FeatureId, T>) -> FeatureId {
    map.keys().next_back().map_or(1, |id| id + 1)
}

fn enterprise_place(catalog: &Catalog, id: FeatureId) -> Result<DangerPlace> {
    let layer = catalog.enterprises.read();
    let e = layer.feature(id).ok_or(Error::UnknownFeature {
        collection: "enterprises",
        id,
    })?;
    let location = match &e.geometry {
        geo::Geometry::Point(p) => [p.x(), p.y()],
        _ => [0.0, 0.0],
    };
    let p = &e.properties;
    Ok(DangerPlace {
        enterprise_name: p.name.to_string(),
        county_id: p.county_id,
        county: p.county.to_string(),
        city: p.city.to_string(),
        industry: p.industry,
        location,
    })
}

fn unique(name: &str, ids: &[FeatureId]) -> Result<()> {
    if ids.len() > MAX_LIST {
        return Err(invalid(format!("{name} lists at most {MAX_LIST}")));
    }
    let set: BTreeSet<_> = ids.iter().collect();
    if set.len() != ids.len() {
        return Err(invalid(format!("{name} lists an id twice")));
    }
    Ok(())
}

impl InspectionState {
    /// An expert by id.
    pub fn expert(&self, id: FeatureId) -> Option<&Expert> {
        self.experts.get(&id).map(|e| &**e)
    }

    /// Every expert, by id.
    pub fn experts(&self) -> impl DoubleEndedIterator<Item = &Expert> {
        self.experts.values().map(|e| &**e)
    }

    /// A plan by id.
    pub fn plan(&self, id: FeatureId) -> Option<&Plan> {
        self.plans.get(&id).map(|p| &**p)
    }

    /// Every plan, by id.
    pub fn plans(&self) -> impl DoubleEndedIterator<Item = &Plan> {
        self.plans.values().map(|p| &**p)
    }

    /// An inspection by id.
    pub fn inspection(&self, id: FeatureId) -> Option<&Inspection> {
        self.inspections.get(&id).map(|i| &**i)
    }

    /// Every inspection, by id.
    pub fn inspections(&self) -> impl DoubleEndedIterator<Item = &Inspection> {
        self.inspections.values().map(|i| &**i)
    }

    fn check_experts(&self, ids: &[FeatureId]) -> Result<()> {
        unique("experts", ids)?;
        for id in ids {
            if !self.experts.contains_key(id) {
                return Err(Error::UnknownFeature {
                    collection: "experts",
                    id: *id,
                });
            }
        }
        Ok(())
    }

    /// Checks an event against the state now, the ledger and the catalog:
    /// ids assigned, places filled in, every reference known. Refuses with
    /// the reason for the user.
    pub fn check(&self, catalog: &Catalog, ledger: &LedgerState, event: InspectionEvent) -> Result<InspectionEvent> {
        match event {
            InspectionEvent::ExpertAdded { expert, spec, .. } => {
                let (spec, place) = check_spec(catalog, spec)?;
                if expert != 0 && self.experts.contains_key(&expert) {
                    return Err(Error::Conflict(format!("expert {expert} exists already")));
                }
                Ok(InspectionEvent::ExpertAdded {
                    expert: if expert == 0 { next_id(&self.experts) } else { expert },
                    spec,
                    place,
                })
            }
            InspectionEvent::ExpertUpdated { expert, spec, .. } => {
                if !self.experts.contains_key(&expert) {
                    return Err(Error::UnknownFeature {
                        collection: "experts",
                        id: expert,
                    });
                }
                let (spec, place) = check_spec(catalog, spec)?;
                Ok(InspectionEvent::ExpertUpdated { expert, spec, place })
            }
            InspectionEvent::InspectionPlanned { plan, spec, .. } => {
                let targets = self.check_plan(catalog, &spec)?;
                if plan != 0 && self.plans.contains_key(&plan) {
                    return Err(Error::Conflict(format!("plan {plan} exists already")));
                }
                Ok(InspectionEvent::InspectionPlanned {
                    plan: if plan == 0 { next_id(&self.plans) } else { plan },
                    spec,
                    targets,
                })
            }
            InspectionEvent::PlanReminded {
                plan,
                days_before,
                due,
                to,
                ..
            } => {
                let p = self.plan(plan).ok_or(Error::UnknownFeature {
                    collection: "inspection_plans",
                    id: plan,
                })?;
                if !p.owed() {
                    return Err(Error::Conflict(format!("plan {plan}'s targets were all inspected")));
                }
                if p.deadline() != due {
                    return Err(Error::Conflict(format!(
                        "plan {plan} falls due {}, not {}",
                        p.deadline().to_rfc3339(),
                        due.to_rfc3339()
                    )));
                }
                if p.reminded(days_before) {
                    return Err(Error::Conflict(format!(
                        "plan {plan} was reminded {days_before} days (or fewer) before its due date already"
                    )));
                }
                Ok(InspectionEvent::PlanReminded {
                    plan,
                    days_before,
                    due,
                    to,
                    counties: p.county_ids(),
                })
            }
            InspectionEvent::InspectionRecorded { inspection, spec, .. } => {
                let (spec, place) = self.check_record(catalog, ledger, spec)?;
                if inspection != 0 && self.inspections.contains_key(&inspection) {
                    return Err(Error::Conflict(format!("inspection {inspection} exists already")));
                }
                Ok(InspectionEvent::InspectionRecorded {
                    inspection: if inspection == 0 {
                        next_id(&self.inspections)
                    } else {
                        inspection
                    },
                    spec,
                    place,
                })
            }
        }
    }

    fn check_plan(&self, catalog: &Catalog, spec: &PlanSpec) -> Result<Vec<PlanTarget>> {
        text("title", &spec.title, MAX_NAME_CHARS, true)?;
        text("notes", &spec.notes, MAX_TEXT_CHARS, false)?;
        names("inspectors", &spec.inspectors, true)?;
        self.check_experts(&spec.experts)?;
        unique("enterprises", &spec.enterprises)?;
        unique("hazard_sources", &spec.hazard_sources)?;
        if spec.enterprises.is_empty() && spec.hazard_sources.is_empty() {
            return Err(invalid("a plan needs at least one enterprise or hazard source"));
        }
        check_date("start", spec.start)?;
        check_date("due", spec.due)?;
        if spec.due < spec.start {
            return Err(invalid(format!(
                "the plan is due {} before it starts ({})",
                spec.due, spec.start
            )));
        }
        let mut targets = Vec::new();
        for id in &spec.enterprises {
            let p = enterprise_place(catalog, *id)?;
            targets.push(PlanTarget {
                collection: "enterprises".into(),
                id: *id,
                name: p.enterprise_name,
                enterprise_id: *id,
                county_id: p.county_id,
                county: p.county,
                city: p.city,
            });
        }
        let layer = catalog.hazard_sources.read();
        for id in &spec.hazard_sources {
            let h = layer.feature(*id).ok_or(Error::UnknownFeature {
                collection: "hazard_sources",
                id: *id,
            })?;
            let p = &h.properties;
            targets.push(PlanTarget {
                collection: "hazard_sources".into(),
                id: *id,
                name: p.name.clone(),
                enterprise_id: p.enterprise_id,
                county_id: p.county_id,
                county: p.county.clone(),
                city: p.city.clone(),
            });
        }
        Ok(targets)
    }

    fn check_record(
        &self,
        catalog: &Catalog,
        ledger: &LedgerState,
        mut spec: InspectionSpec,
    ) -> Result<(InspectionSpec, DangerPlace)> {
        let place = enterprise_place(catalog, spec.enterprise)?;
        check_date("date", spec.date)?;
        names("inspectors", &spec.inspectors, true)?;
        text("notes", &spec.notes, MAX_TEXT_CHARS, false)?;
        self.check_experts(&spec.experts)?;
        if spec.kind == InspectionKind::ExpertConsultation && spec.experts.is_empty() {
            return Err(invalid("an expert consultation (专家会诊) names at least one expert"));
        }
        if spec.checklist.len() > MAX_LIST {
            return Err(invalid(format!("checklist lists at most {MAX_LIST} items")));
        }
        for c in &spec.checklist {
            text("checklist item", &c.item, MAX_TEXT_CHARS, true)?;
            text("checklist note", &c.note, MAX_TEXT_CHARS, false)?;
        }
        if let Some(plan) = spec.plan {
            let p = self.plan(plan).ok_or(Error::UnknownFeature {
                collection: "inspection_plans",
                id: plan,
            })?;
            if !p.targets.iter().any(|t| t.enterprise_id == spec.enterprise) {
                return Err(invalid(format!(
                    "plan {plan} does not target enterprise {}",
                    spec.enterprise
                )));
            }
        }
        let layer = catalog.hazard_sources.read();
        unique("hazard_sources", &spec.hazard_sources)?;
        if spec.hazard_sources.is_empty() {
            spec.hazard_sources = layer
                .features()
                .iter()
                .filter(|h| h.properties.enterprise_id == spec.enterprise)
                .map(|h| h.id)
                .collect();
        } else {
            for id in &spec.hazard_sources {
                let h = layer.feature(*id).ok_or(Error::UnknownFeature {
                    collection: "hazard_sources",
                    id: *id,
                })?;
                if h.properties.enterprise_id != spec.enterprise {
                    return Err(invalid(format!(
                        "hazard source {id} belongs to enterprise {}, not {}",
                        h.properties.enterprise_id, spec.enterprise
                    )));
                }
            }
        }
        unique("dangers", &spec.dangers)?;
        for id in &spec.dangers {
            let d = ledger.danger(*id).ok_or(Error::UnknownFeature {
                collection: "dangers",
                id: *id,
            })?;
            if d.report.enterprise != spec.enterprise {
                return Err(invalid(format!(
                    "danger {id} belongs to enterprise {}, not {}",
                    d.report.enterprise, spec.enterprise
                )));
            }
        }
        if let Some(e) = &spec.enforcement {
            if !matches!(spec.kind, InspectionKind::Enforcement | InspectionKind::Unannounced) {
                return Err(invalid(format!(
                    "enforcement measures come from an enforcement or unannounced inspection, not {}",
                    spec.kind
                )));
            }
            if let Some(p) = e.penalty_yuan
                && !(p.is_finite() && (0.0..=MAX_PENALTY_YUAN).contains(&p))
            {
                return Err(invalid(format!(
                    "enforcement.penalty_yuan must be 0 or more (at most {MAX_PENALTY_YUAN}), got {p}"
                )));
            }
            for (name, v) in [("order_number", &e.order_number), ("case_number", &e.case_number)] {
                if let Some(v) = v {
                    text(name, v, MAX_NAME_CHARS, true)?;
                }
            }
            if e.case_number.is_some() && !e.case_filed {
                return Err(invalid("enforcement.case_number given without case_filed"));
            }
            if e.order_number.is_some() && !e.order_to_rectify {
                return Err(invalid("enforcement.order_number given without order_to_rectify"));
            }
        }
        Ok((spec, place))
    }

    /// Folds a stored event in.
    pub fn apply(&mut self, record: &EventRecord, event: &InspectionEvent) {
        match event {
            InspectionEvent::ExpertAdded { expert, spec, place } => {
                self.experts.insert(
                    *expert,
                    Arc::new(Expert {
                        id: *expert,
                        spec: spec.clone(),
                        place: place.clone(),
                        created_at: record.at,
                        created_by: record.actor.clone(),
                        updated_at: record.at,
                    }),
                );
            }
            InspectionEvent::ExpertUpdated { expert, spec, place } => {
                if let Some(e) = self.experts.get_mut(expert) {
                    let e = Arc::make_mut(e);
                    e.spec = spec.clone();
                    e.place = place.clone();
                    e.updated_at = record.at;
                }
            }
            InspectionEvent::InspectionPlanned { plan, spec, targets } => {
                let mut p = Plan {
                    id: *plan,
                    spec: spec.clone(),
                    targets: targets.clone(),
                    created_at: record.at,
                    created_by: record.actor.clone(),
                    reminders: Vec::new(),
                    overdue_alarm: None,
                    alarms: Vec::new(),
                    done: Vec::new(),
                };
                // One pass over the inspections (not one per target): a
                // plan made after a year of them is folded at every start.
                let mut done = vec![false; p.targets.len()];
                for i in self.inspections().filter(|i| i.spec.date >= p.spec.start) {
                    for (t, d) in p.targets.iter().zip(&mut done) {
                        *d = *d || p.covers(t, &i.spec);
                    }
                }
                p.done = done;
                self.plans.insert(*plan, Arc::new(p));
            }
            InspectionEvent::PlanReminded {
                plan,
                days_before,
                due,
                to,
                ..
            } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    Arc::make_mut(p).reminders.push(super::Reminder {
                        seq: record.seq,
                        at: record.at,
                        days_before: *days_before,
                        deadline: *due,
                        to: to.clone(),
                    });
                }
            }
            InspectionEvent::InspectionRecorded {
                inspection,
                spec,
                place,
            } => {
                for p in self.plans.values_mut() {
                    if p.owed() && p.targets.iter().any(|t| p.covers(t, spec)) {
                        let p = Arc::make_mut(p);
                        let done: Vec<bool> = p
                            .targets
                            .iter()
                            .zip(&p.done)
                            .map(|(t, d)| *d || p.covers(t, spec))
                            .collect();
                        p.done = done;
                    }
                }
                self.inspections.insert(
                    *inspection,
                    Arc::new(Inspection {
                        id: *inspection,
                        spec: spec.clone(),
                        place: place.clone(),
                        recorded_at: record.at,
                        recorded_by: record.actor.clone(),
                    }),
                );
            }
        }
    }

    /// Whether `target` was inspected on or after `since` (up to `until`).
    fn inspected(&self, target: &PlanTarget, since: NaiveDate, until: Option<NaiveDate>) -> Option<&Inspection> {
        self.inspections().find(|i| {
            i.spec.date >= since
                && until.is_none_or(|u| i.spec.date <= u)
                && if target.collection == "hazard_sources" {
                    i.spec.hazard_sources.contains(&target.id)
                } else {
                    i.spec.enterprise == target.id
                }
        })
    }

    /// A plan as the API shows it at `today`: each target with the
    /// inspection that carried it out (if any), the share done, and whether
    /// it is overdue (due passed, targets left).
    pub fn plan_view(&self, plan: &Plan, today: NaiveDate) -> serde_json::Value {
        let targets: Vec<_> = plan
            .targets
            .iter()
            .map(|t| {
                let by = self.inspected(t, plan.spec.start, None).map(|i| i.id);
                let mut v = serde_json::to_value(t).unwrap_or_default();
                v["inspected_by"] = serde_json::json!(by);
                v
            })
            .collect();
        let done = targets.iter().filter(|t| !t["inspected_by"].is_null()).count();
        let mut v = serde_json::to_value(plan).unwrap_or_default();
        v["targets"] = serde_json::json!(targets);
        v["done"] = serde_json::json!(done);
        v["total"] = serde_json::json!(plan.targets.len());
        v["overdue"] = serde_json::json!(today > plan.spec.due && done < plan.targets.len());
        v
    }

    /// `user`'s inbox entries of inspection plans: the reminders sent to
    /// them and the active overdue alarms of the plans they made, while
    /// targets are left uninspected; only plans touching `counties` (a
    /// scoped user). Unordered ([`super::sort_inbox`]).
    pub fn inbox(&self, user: &str, counties: Option<&[u32]>) -> Vec<super::InboxEntry> {
        let mut out = Vec::new();
        for p in self.plans() {
            if !p.owed() || !p.in_scope(counties) {
                continue;
            }
            let place = match p.targets.as_slice() {
                [] => String::new(),
                [one] => one.name.clone(),
                [first, rest @ ..] => format!("{} 等 {} 处", first.name, rest.len() + 1),
            };
            let entry = |kind, at| super::InboxEntry {
                kind,
                at,
                danger: None,
                obligation: None,
                obligation_kind: None,
                inspection_plan: Some(p.id),
                enterprise_name: place.clone(),
                severity: None,
                status: None,
                description: p.spec.title.clone(),
                deadline: p.deadline(),
                days_before: None,
                alarm: None,
                colour: None,
            };
            for r in p
                .reminders
                .iter()
                .filter(|r| r.to == user && r.deadline == p.deadline())
            {
                out.push(super::InboxEntry {
                    days_before: Some(r.days_before),
                    ..entry("reminder", r.at)
                });
            }
            if let Some(alarm) = p.overdue_alarm
                && p.created_by == user
            {
                out.push(super::InboxEntry {
                    alarm: Some(alarm),
                    colour: Some(crate::model::AlarmColour::Orange),
                    ..entry("overdue_alarm", p.deadline())
                });
            }
        }
        out
    }

    /// Whether an overdue alarm may be raised for plan `id` now: targets
    /// are left and it has no active overdue alarm.
    pub fn check_overdue_alarm(&self, id: FeatureId) -> Result<()> {
        let p = self.plan(id).ok_or(Error::UnknownFeature {
            collection: "inspection_plans",
            id,
        })?;
        if !p.owed() {
            return Err(Error::Conflict(format!("plan {id}'s targets were all inspected")));
        }
        if let Some(a) = p.overdue_alarm {
            return Err(Error::Conflict(format!("plan {id} has overdue alarm {a} already")));
        }
        Ok(())
    }

    /// An overdue alarm was raised for plan `id`.
    pub fn alarm_raised(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(p) = self.plans.get_mut(&id) {
            let p = Arc::make_mut(p);
            p.overdue_alarm = Some(alarm);
            p.alarms.push(alarm);
        }
    }

    /// Plan `id`'s overdue alarm ended.
    pub fn alarm_cleared(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(p) = self.plans.get_mut(&id)
            && p.overdue_alarm == Some(alarm)
        {
            Arc::make_mut(p).overdue_alarm = None;
        }
    }

    /// The inspections of `enterprise`, newest first.
    pub fn of_enterprise(&self, enterprise: FeatureId) -> Vec<&Inspection> {
        let mut out: Vec<_> = self.inspections().filter(|i| i.spec.enterprise == enterprise).collect();
        out.sort_by(|a, b| b.spec.date.cmp(&a.spec.date).then(b.id.cmp(&a.id)));
        out
    }
}

/// The coverage of one city or county.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageCount {
    /// City name.
    pub city: String,
    /// County name (empty for a city's row).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub county: String,
    /// `counties` id (0 for a city's row).
    #[serde(skip_serializing_if = "is_zero")]
    pub county_id: u32,
    /// Major hazard sources.
    pub total: usize,
    /// Of them inspected in the year.
    pub inspected: usize,
    /// `inspected / total` (1 when there are none).
    pub share: f64,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

impl CoverageCount {
    fn finish(mut self) -> Self {
        self.share = if self.total == 0 {
            1.0
        } else {
            self.inspected as f64 / self.total as f64
        };
        self
    }
}

/// A major hazard source not inspected in the year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uninspected {
    /// `hazard_sources` id.
    pub id: FeatureId,
    /// Its name.
    pub name: String,
    /// Its enterprise.
    pub enterprise_id: FeatureId,
    /// The enterprise's name.
    pub enterprise_name: String,
    /// City.
    pub city: String,
    /// County.
    pub county: String,
    /// `counties` id.
    pub county_id: u32,
    /// GB 18218 level (1 highest), if graded.
    pub level: Option<serde_json::Value>,
    /// The last inspection the register records (`last_inspection`), if any.
    pub last_inspection: Option<NaiveDate>,
    /// Where, `[lon, lat]`.
    pub location: [f64; 2],
}

/// Coverage of the major hazard sources in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// The year.
    pub year: i32,
    /// The whole (of the caller's scope).
    pub total: CoverageCount,
    /// By city, by name.
    pub cities: Vec<CoverageCount>,
    /// By county, by city then county name.
    pub counties: Vec<CoverageCount>,
    /// Not inspected, by city, county and id.
    pub uninspected: Vec<Uninspected>,
}

impl Coverage {
    /// The uninspected sources as GeoJSON points.
    pub fn to_geojson(&self) -> serde_json::Value {
        let features: Vec<_> = self
            .uninspected
            .iter()
            .map(|u| {
                let mut props = serde_json::to_value(u).unwrap_or_default();
                if let Some(o) = props.as_object_mut() {
                    o.remove("location");
                }
                serde_json::json!({
                    "type": "Feature", "id": u.id,
                    "geometry": { "type": "Point", "coordinates": u.location },
                    "properties": props,
                })
            })
            .collect();
        serde_json::json!({ "type": "FeatureCollection", "numberMatched": features.len(), "features": features })
    }
}

impl InspectionState {
    /// The share of the major hazard sources (layer `hazard_sources`)
    /// inspected in `year` (an inspection record dated in it names the
    /// source), by city and county, with the ones not inspected; only
    /// sources in `counties` (a scoped user).
    pub fn coverage(&self, catalog: &Catalog, year: i32, counties: Option<&[u32]>) -> Coverage {
        let inspected: BTreeSet<FeatureId> = self
            .inspections()
            .filter(|i| i.spec.date.year() == year)
            .flat_map(|i| i.spec.hazard_sources.iter().copied())
            .collect();
        let layer = catalog.hazard_sources.read();
        let mut by_county: BTreeMap<(String, String, u32), CoverageCount> = BTreeMap::new();
        let mut by_city: BTreeMap<String, CoverageCount> = BTreeMap::new();
        let mut total = CoverageCount::default();
        let mut uninspected = Vec::new();
        for h in layer.features() {
            let p = &h.properties;
            if counties.is_some_and(|c| !c.contains(&p.county_id)) {
                continue;
            }
            let done = inspected.contains(&h.id);
            let county = by_county
                .entry((p.city.clone(), p.county.clone(), p.county_id))
                .or_insert_with(|| CoverageCount {
                    city: p.city.clone(),
                    county: p.county.clone(),
                    county_id: p.county_id,
                    ..CoverageCount::default()
                });
            let city = by_city.entry(p.city.clone()).or_insert_with(|| CoverageCount {
                city: p.city.clone(),
                ..CoverageCount::default()
            });
            for c in [county, city, &mut total] {
                c.total += 1;
                c.inspected += usize::from(done);
            }
            if !done {
                let location = match &h.geometry {
                    geo::Geometry::Point(pt) => [pt.x(), pt.y()],
                    g => {
                        use geo::Centroid;
                        g.centroid().map_or([0.0, 0.0], |c| [c.x(), c.y()])
                    }
                };
                uninspected.push(Uninspected {
                    id: h.id,
                    name: p.name.clone(),
                    enterprise_id: p.enterprise_id,
                    enterprise_name: p.enterprise_name.clone(),
                    city: p.city.clone(),
                    county: p.county.clone(),
                    county_id: p.county_id,
                    level: p.level.map(|l| serde_json::to_value(l).unwrap_or_default()),
                    last_inspection: p.last_inspection,
                    location,
                });
            }
        }
        uninspected.sort_by(|a, b| (&a.city, &a.county, a.id).cmp(&(&b.city, &b.county, b.id)));
        Coverage {
            year,
            total: total.finish(),
            cities: by_city.into_values().map(CoverageCount::finish).collect(),
            counties: by_county.into_values().map(CoverageCount::finish).collect(),
            uninspected,
        }
    }
}

/// The event of "add this expert": the store assigns the id.
pub fn expert_added(spec: ExpertSpec) -> Event {
    Event::Inspection(InspectionEvent::ExpertAdded {
        expert: 0,
        spec,
        place: CountyPlace::default(),
    })
}

/// The event of "plan these inspections": the store assigns the id.
pub fn planned(spec: PlanSpec) -> Event {
    Event::Inspection(InspectionEvent::InspectionPlanned {
        plan: 0,
        spec,
        targets: Vec::new(),
    })
}

/// The event of "record this inspection": the store assigns the id and
/// fills in the enterprise's place (what is given here is replaced).
pub fn recorded(spec: InspectionSpec) -> Event {
    Event::Inspection(InspectionEvent::InspectionRecorded {
        inspection: 0,
        spec,
        place: DangerPlace {
            enterprise_name: String::new(),
            county_id: 0,
            county: String::new(),
            city: String::new(),
            industry: crate::model::Industry::HazardousChemicals,
            location: [0.0, 0.0],
        },
    })
}
