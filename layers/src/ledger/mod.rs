//! The supervision ledger (`docs/ledger.md`): hidden dangers (隐患) found in
//! enterprises, tracked to closure (销号) as a fold over their events.
//!
//! - a danger is `reported`, then `rectifying` (a major one only with its
//!   plan and interim control measures), `submitted` (整改完成待验收),
//!   `verified` and `closed`; a rejected verification sends it back to
//!   `rectifying`. Every step is an event: who, when and why are the record's;
//! - [`schedule`]: what the clock calls for: reminders before a deadline,
//!   an overdue alarm after it (with the alarms of monitoring);
//! - [`query`]: the filtered list and its counts;
//! - [`sheet`]: spreadsheets in (CSV, XLSX, row by row) and out;
//! - [`attachment`]: photos and documents on a danger's record, checked by
//!   their content and kept once by their hash.
//!
//! The state is kept beside the incidents in [`crate::ops::Operations`],
//! which checks and folds ledger events like its own.

pub mod attachment;
pub mod expert;
mod index;
pub mod inspection;
pub mod obligation;
#[cfg(test)]
#[path = "plan/tests.rs"]
mod plan_tests;
pub mod query;
pub mod schedule;
pub mod sheet;
pub mod stats;
#[cfg(test)]
mod tests;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::{
    AlarmColour, DangerPlace, DangerReport, DangerSeverity, DangerStatus, LedgerEvent, Rectification,
    RectificationPatch,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Who signs the events the ledger's clock makes (reminders, overdue alarms).
pub const ACTOR: &str = "ledger";

/// Longest description, reason or measure, characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Longest name (finder, responsible person, assignee) or external id, characters.
pub const MAX_NAME_CHARS: usize = 200;

/// One step of a danger's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Event number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Status before.
    pub from: DangerStatus,
    /// Status after.
    pub to: DangerStatus,
    /// Why.
    pub reason: String,
    /// What changed in the rectification with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification: Option<RectificationPatch>,
}

/// A reminder sent before a deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    /// Event number.
    pub seq: u64,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// Days before the deadline it was due.
    pub days_before: u32,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// Who it went to.
    pub to: String,
}

/// A hidden danger and everything on its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Danger {
    /// Danger id.
    pub id: FeatureId,
    /// Where it is in its life.
    pub status: DangerStatus,
    /// What was reported, with the rectification as it is now.
    pub report: DangerReport,
    /// Its enterprise, as it was when reported.
    pub place: DangerPlace,
    /// Entered in the ledger (event time).
    pub reported_at: DateTime<Utc>,
    /// By whom.
    pub reported_by: String,
    /// Every step after `reported`, in order.
    pub history: Vec<Transition>,
    /// Reminders sent.
    pub reminders: Vec<Reminder>,
    /// The overdue alarm now active, if any (`GET /alarms/{id}`).
    pub overdue_alarm: Option<FeatureId>,
    /// Every overdue alarm it has had.
    pub alarms: Vec<FeatureId>,
    /// When it was closed (销号).
    pub closed_at: Option<DateTime<Utc>>,
    /// Photos and documents on its record, in the order added.
    #[serde(default)]
    pub attachments: Vec<attachment::Attached>,
}

impl Danger {
    /// The Lookout user who follows it up: the assignee, else the reporter.
    pub fn assignee(&self) -> &str {
        self.report.assignee.as_deref().unwrap_or(&self.reported_by)
    }

    /// The rectification deadline now.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.report.rectification.deadline
    }

    /// Whether the deadline has passed at `now` with the rectification
    /// still owed (not submitted).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.owes_rectification() && now > self.deadline()
    }

    /// Whether a reminder `days_before` (or a nearer one) was sent for the
    /// deadline now.
    pub fn reminded(&self, days_before: u32) -> bool {
        let deadline = self.deadline();
        self.reminders
            .iter()
            .any(|r| r.deadline == deadline && r.days_before <= days_before)
    }
}

/// The statuses a danger may go to from `from`.
pub fn next_statuses(from: DangerStatus) -> &'static [DangerStatus] {
    use DangerStatus as S;
    match from {
        S::Reported => &[S::Rectifying],
        S::Rectifying => &[S::Submitted],
        S::Submitted => &[S::Verified, S::Rejected],
        S::Rejected => &[S::Rectifying],
        S::Verified => &[S::Closed],
        S::Closed => &[],
    }
}

/// The colour of a danger's overdue alarm: a major danger red, a general
/// one orange (Lookout's rule, `docs/ledger.md`: the issue asks major
/// dangers red; a general danger past its deadline is one step below).
pub fn overdue_colour(severity: DangerSeverity) -> AlarmColour {
    match severity {
        DangerSeverity::Major => AlarmColour::Red,
        DangerSeverity::General => AlarmColour::Orange,
    }
}

/// Every hidden danger, by id; the fold of the ledger events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LedgerState {
    /// Shared, so that a copy to check a command on copies pointers.
    dangers: BTreeMap<FeatureId, Arc<Danger>>,
    /// External id → danger.
    external: HashMap<String, FeatureId>,
    /// Emergency plans, drill plans, re-assessments ([`obligation`]).
    #[serde(default)]
    obligations: obligation::Obligations,
    /// What the list filters and sorts on, one row per danger ([`index`]).
    #[serde(skip)]
    index: index::Index,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidRequest(m.into())
}

fn text(name: &str, value: &str, max: usize, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(invalid(format!("{name} is required")));
    }
    if value.chars().count() > max {
        return Err(invalid(format!("{name} is longer than {max} characters")));
    }
    Ok(())
}

fn check_funds(funds: Option<f64>) -> Result<()> {
    match funds {
        Some(f) if !(f.is_finite() && (0.0..=1e12).contains(&f)) => {
            Err(invalid(format!("funds_yuan must be 0 or more, got {f}")))
        }
        _ => Ok(()),
    }
}

fn check_rectification(r: &Rectification) -> Result<()> {
    text("rectification.measures", &r.measures, MAX_TEXT_CHARS, false)?;
    text("rectification.responsible", &r.responsible, MAX_NAME_CHARS, false)?;
    text(
        "rectification.interim_measures",
        &r.interim_measures,
        MAX_TEXT_CHARS,
        false,
    )?;
    check_funds(r.funds_yuan)
}

impl LedgerState {
    /// A danger by id.
    pub fn danger(&self, id: FeatureId) -> Option<&Danger> {
        self.dangers.get(&id).map(|d| &**d)
    }

    /// Every danger, by id.
    pub fn dangers(&self) -> impl DoubleEndedIterator<Item = &Danger> + ExactSizeIterator {
        self.dangers.values().map(|d| &**d)
    }

    /// The danger an external id was imported as.
    pub fn by_external_id(&self, external_id: &str) -> Option<&Danger> {
        self.external.get(external_id).and_then(|id| self.danger(*id))
    }

    /// How many dangers there are.
    pub fn len(&self) -> usize {
        self.dangers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.dangers.is_empty()
    }

    fn known(&self, id: FeatureId) -> Result<&Danger> {
        self.danger(id).ok_or(Error::UnknownFeature {
            collection: "dangers",
            id,
        })
    }

    /// Checks a ledger event against the ledger now and the catalog: ids
    /// assigned, the enterprise filled in, the status before filled in,
    /// every rule of the lifecycle. Refuses with the reason for the user.
    pub fn check(&self, catalog: &Catalog, event: LedgerEvent) -> Result<LedgerEvent> {
        match event {
            LedgerEvent::DangerReported { danger, report, .. } => {
                let place = self.check_report(catalog, &report)?;
                if danger != 0 && self.dangers.contains_key(&danger) {
                    return Err(Error::Conflict(format!("danger {danger} exists already")));
                }
                let next = self.dangers.keys().next_back().map_or(1, |id| id + 1);
                Ok(LedgerEvent::DangerReported {
                    danger: if danger == 0 { next } else { danger },
                    report,
                    place,
                })
            }
            LedgerEvent::DangerStatusChanged {
                danger,
                to,
                reason,
                rectification,
                ..
            } => {
                let current = self.known(danger)?;
                let from = current.status;
                self.check_transition(current, to, &reason, rectification.as_ref())?;
                Ok(LedgerEvent::DangerStatusChanged {
                    danger,
                    from,
                    to,
                    reason: reason.trim().to_owned(),
                    rectification: rectification.filter(|r| !r.is_empty()),
                })
            }
            LedgerEvent::DeadlineReminded {
                danger,
                days_before,
                deadline,
                to,
            } => {
                let current = self.known(danger)?;
                if !current.status.owes_rectification() {
                    return Err(Error::Conflict(format!(
                        "danger {danger} is {}: no deadline is running",
                        current.status
                    )));
                }
                if current.deadline() != deadline {
                    return Err(Error::Conflict(format!(
                        "danger {danger}'s deadline is {}, not {}",
                        current.deadline().to_rfc3339(),
                        deadline.to_rfc3339()
                    )));
                }
                if current.reminded(days_before) {
                    return Err(Error::Conflict(format!(
                        "danger {danger} was reminded {days_before} days (or fewer) before this deadline already"
                    )));
                }
                Ok(LedgerEvent::DeadlineReminded {
                    danger,
                    days_before,
                    deadline,
                    to,
                })
            }
            LedgerEvent::AttachmentAdded { danger, attachment } => {
                self.check_attachment(danger, &attachment)?;
                Ok(LedgerEvent::AttachmentAdded { danger, attachment })
            }
        }
    }

    /// Checks a report: text, the enterprise and hazard source, the dates,
    /// a new external id. Answers the enterprise's place.
    pub fn check_report(&self, catalog: &Catalog, report: &DangerReport) -> Result<DangerPlace> {
        text("description", &report.description, MAX_TEXT_CHARS, true)?;
        text("found_by", &report.found_by, MAX_NAME_CHARS, true)?;
        check_rectification(&report.rectification)?;
        if let Some(a) = &report.assignee {
            text("assignee", a, MAX_NAME_CHARS, true)?;
        }
        if let Some(x) = &report.external_id {
            text("external_id", x, MAX_NAME_CHARS, true)?;
            if let Some(d) = self.external.get(x) {
                return Err(Error::Conflict(format!("external id {x:?} is danger {d} already")));
            }
        }
        if report.rectification.deadline < report.found_at {
            return Err(invalid(format!(
                "the deadline {} is before the danger was found ({})",
                report.rectification.deadline.to_rfc3339(),
                report.found_at.to_rfc3339()
            )));
        }
        let place = {
            let layer = catalog.enterprises.read();
            let e = layer.feature(report.enterprise).ok_or(Error::UnknownFeature {
                collection: "enterprises",
                id: report.enterprise,
            })?;
            let location = match &e.geometry {
                geo::Geometry::Point(p) => [p.x(), p.y()],
                _ => [0.0, 0.0],
            };
            let p = &e.properties;
            DangerPlace {
                enterprise_name: p.name.clone(),
                county_id: p.county_id,
                county: p.county.to_string(),
                city: p.city.to_string(),
                industry: p.industry,
                location,
            }
        };
        if let Some(h) = report.hazard_source {
            let layer = catalog.hazard_sources.read();
            let source = layer.feature(h).ok_or(Error::UnknownFeature {
                collection: "hazard_sources",
                id: h,
            })?;
            if source.properties.enterprise_id != report.enterprise {
                return Err(invalid(format!(
                    "hazard source {h} belongs to enterprise {}, not {}",
                    source.properties.enterprise_id, report.enterprise
                )));
            }
        }
        Ok(place)
    }

    fn check_transition(
        &self,
        current: &Danger,
        to: DangerStatus,
        reason: &str,
        patch: Option<&RectificationPatch>,
    ) -> Result<()> {
        let id = current.id;
        let allowed = next_statuses(current.status);
        if !allowed.contains(&to) {
            return Err(Error::Conflict(format!(
                "danger {id} is {}; it can go to {} next, not {to}",
                current.status,
                if allowed.is_empty() {
                    "nothing (it is closed)".to_owned()
                } else {
                    allowed.iter().map(|s| s.code()).collect::<Vec<_>>().join(" or ")
                }
            )));
        }
        text("reason", reason, MAX_TEXT_CHARS, to == DangerStatus::Rejected)?;
        let patch = patch.filter(|p| !p.is_empty());
        if let Some(p) = patch {
            if to != DangerStatus::Rectifying {
                return Err(invalid(
                    "the rectification (plan, deadline) changes only with a move to rectifying",
                ));
            }
            check_rectification(&current.report.rectification.patched(p))?;
            if let Some(d) = p.deadline
                && d < current.report.found_at
            {
                return Err(invalid("the new deadline is before the danger was found"));
            }
        }
        if to == DangerStatus::Rectifying && current.report.severity == DangerSeverity::Major {
            let plan = patch.map_or_else(
                || current.report.rectification.clone(),
                |p| current.report.rectification.patched(p),
            );
            let missing = plan.missing_for_major();
            if !missing.is_empty() {
                return Err(Error::Conflict(format!(
                    "danger {id} is a major hidden danger: its rectification plan needs {} before it may be rectifying",
                    missing.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The events of "move danger `id` to `to`": the change and, for a
    /// submission, the end of its overdue alarm, to store as one unit.
    pub fn transition_events(
        &self,
        id: FeatureId,
        to: DangerStatus,
        reason: String,
        rectification: Option<RectificationPatch>,
    ) -> Result<Vec<Event>> {
        let current = self.known(id)?;
        let mut events = vec![Event::Ledger(LedgerEvent::DangerStatusChanged {
            danger: id,
            from: current.status,
            to,
            reason,
            rectification,
        })];
        if !to.owes_rectification()
            && let Some(alarm) = current.overdue_alarm
        {
            events.push(Event::AlarmCleared { alarm, value: None });
        }
        Ok(events)
    }

    /// Folds a stored ledger event in.
    pub fn apply(&mut self, record: &EventRecord, event: &LedgerEvent) {
        match event {
            LedgerEvent::DangerReported { danger, report, place } => {
                if let Some(x) = &report.external_id {
                    self.external.insert(x.clone(), *danger);
                }
                let d = Arc::new(Danger {
                    id: *danger,
                    status: DangerStatus::Reported,
                    report: report.clone(),
                    place: place.clone(),
                    reported_at: record.at,
                    reported_by: record.actor.clone(),
                    history: Vec::new(),
                    reminders: Vec::new(),
                    overdue_alarm: None,
                    alarms: Vec::new(),
                    closed_at: None,
                    attachments: Vec::new(),
                });
                self.index.upsert(&d);
                self.dangers.insert(*danger, d);
            }
            LedgerEvent::DangerStatusChanged {
                danger,
                from,
                to,
                reason,
                rectification,
            } => {
                let Some(d) = self.dangers.get_mut(danger) else { return };
                let d = Arc::make_mut(d);
                d.status = *to;
                if let Some(p) = rectification {
                    d.report.rectification = d.report.rectification.patched(p);
                }
                if *to == DangerStatus::Closed {
                    d.closed_at = Some(record.at);
                }
                d.history.push(Transition {
                    seq: record.seq,
                    at: record.at,
                    actor: record.actor.clone(),
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                    rectification: rectification.clone(),
                });
                self.index.upsert(d);
            }
            LedgerEvent::DeadlineReminded {
                danger,
                days_before,
                deadline,
                to,
            } => {
                let Some(d) = self.dangers.get_mut(danger) else { return };
                Arc::make_mut(d).reminders.push(Reminder {
                    seq: record.seq,
                    at: record.at,
                    days_before: *days_before,
                    deadline: *deadline,
                    to: to.clone(),
                });
            }
            LedgerEvent::AttachmentAdded { danger, attachment } => {
                let Some(d) = self.dangers.get_mut(danger) else { return };
                let d = Arc::make_mut(d);
                let status = d.status;
                d.attachments.push(attachment::Attached {
                    attachment: attachment.clone(),
                    seq: record.seq,
                    at: record.at,
                    actor: record.actor.clone(),
                    status,
                });
            }
        }
    }

    /// Whether an overdue alarm may be raised for danger `id` now: it owes
    /// its rectification and has no active overdue alarm.
    pub fn check_overdue_alarm(&self, id: FeatureId) -> Result<()> {
        let d = self.known(id)?;
        if !d.status.owes_rectification() {
            return Err(Error::Conflict(format!(
                "danger {id} is {}: its rectification is not owed",
                d.status
            )));
        }
        if let Some(a) = d.overdue_alarm {
            return Err(Error::Conflict(format!("danger {id} has overdue alarm {a} already")));
        }
        Ok(())
    }

    /// An overdue alarm was raised for danger `id`.
    pub fn alarm_raised(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(d) = self.dangers.get_mut(&id) {
            let d = Arc::make_mut(d);
            d.overdue_alarm = Some(alarm);
            d.alarms.push(alarm);
        }
    }

    /// Danger `id`'s overdue alarm ended.
    pub fn alarm_cleared(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(d) = self.dangers.get_mut(&id)
            && d.overdue_alarm == Some(alarm)
        {
            Arc::make_mut(d).overdue_alarm = None;
        }
    }
}

/// The event of "report this danger": the store's check assigns the id and
/// fills in the enterprise's place (what is given here is replaced).
pub fn report_event(report: DangerReport) -> Event {
    Event::Ledger(LedgerEvent::DangerReported {
        danger: 0,
        report,
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

impl Danger {
    /// The danger as the API shows it: its record, whether it is overdue at
    /// `now`, and the statuses it may go to next.
    pub fn view(&self, now: DateTime<Utc>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        value["overdue"] = serde_json::json!(self.is_overdue(now));
        value["next"] = serde_json::json!(next_statuses(self.status));
        value
    }
}

/// One entry of a user's inbox: a danger's, an obligation's or an
/// inspection plan's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxEntry {
    /// `reminder` or `overdue_alarm`.
    pub kind: &'static str,
    /// When it was sent (the reminder) or raised (the alarm: the deadline).
    pub at: DateTime<Utc>,
    /// Danger id, for a danger's entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub danger: Option<FeatureId>,
    /// Obligation id, for an obligation's entry (emergency plan, drill
    /// plan, re-assessment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligation: Option<FeatureId>,
    /// The obligation's kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligation_kind: Option<obligation::ObligationKind>,
    /// Inspection plan id, for a plan's entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_plan: Option<FeatureId>,
    /// Its enterprise (a plan's: its first target's, and how many more).
    pub enterprise_name: String,
    /// A danger's severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<DangerSeverity>,
    /// A danger's status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DangerStatus>,
    /// What is wrong (a danger), or the obligation's title.
    pub description: String,
    /// The deadline (a danger's), or the due date (an obligation's).
    pub deadline: DateTime<Utc>,
    /// For a reminder: days before the deadline it was due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_before: Option<u32>,
    /// For an overdue alarm: the alarm (`GET /alarms/{id}`) and its colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm: Option<FeatureId>,
    /// The alarm's colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<AlarmColour>,
}

impl LedgerState {
    /// `user`'s inbox entries of dangers and obligations: the reminders
    /// sent to them and the active overdue alarms of the dangers and
    /// obligations they follow, while something is still owed (a danger's
    /// rectification, an obligation not fulfilled for its due date); only
    /// those in `counties` (a scoped user). [`sort_inbox`] orders them.
    pub fn inbox(&self, user: &str, counties: Option<&[u32]>) -> Vec<InboxEntry> {
        let mut out = Vec::new();
        let outside = |county: u32| counties.is_some_and(|c| !c.contains(&county));
        for d in self.dangers() {
            if !d.status.owes_rectification() || outside(d.place.county_id) {
                continue;
            }
            let entry = |kind, at| InboxEntry {
                kind,
                at,
                danger: Some(d.id),
                obligation: None,
                obligation_kind: None,
                inspection_plan: None,
                enterprise_name: d.place.enterprise_name.clone(),
                severity: Some(d.report.severity),
                status: Some(d.status),
                description: d.report.description.clone(),
                deadline: d.deadline(),
                days_before: None,
                alarm: None,
                colour: None,
            };
            for r in d
                .reminders
                .iter()
                .filter(|r| r.to == user && r.deadline == d.deadline())
            {
                out.push(InboxEntry {
                    days_before: Some(r.days_before),
                    ..entry("reminder", r.at)
                });
            }
            if let Some(alarm) = d.overdue_alarm
                && d.assignee() == user
            {
                out.push(InboxEntry {
                    alarm: Some(alarm),
                    colour: Some(overdue_colour(d.report.severity)),
                    ..entry("overdue_alarm", d.deadline())
                });
            }
        }
        for o in self.obligations.iter() {
            if !o.owed() || outside(o.place.county_id) {
                continue;
            }
            let entry = |kind, at| InboxEntry {
                kind,
                at,
                danger: None,
                obligation: Some(o.id),
                obligation_kind: Some(o.spec.kind),
                inspection_plan: None,
                enterprise_name: o.place.enterprise_name.clone(),
                severity: None,
                status: None,
                description: o.spec.title.clone(),
                deadline: o.due,
                days_before: None,
                alarm: None,
                colour: None,
            };
            for r in o.reminders.iter().filter(|r| r.to == user && r.deadline == o.due) {
                out.push(InboxEntry {
                    days_before: Some(r.days_before),
                    ..entry("reminder", r.at)
                });
            }
            if let Some(alarm) = o.overdue_alarm
                && o.assignee() == user
            {
                out.push(InboxEntry {
                    alarm: Some(alarm),
                    colour: Some(obligation::overdue_colour(o.spec.kind)),
                    ..entry("overdue_alarm", o.due)
                });
            }
        }
        out
    }
}

/// Orders inbox entries newest first (ties by danger, obligation, plan).
pub fn sort_inbox(entries: &mut [InboxEntry]) {
    entries.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(b.danger.cmp(&a.danger))
            .then(b.obligation.cmp(&a.obligation))
            .then(b.inspection_plan.cmp(&a.inspection_plan))
    });
}

impl LedgerState {
    /// The other obligations with deadlines: emergency plans, drill plans,
    /// re-assessments ([`obligation`]).
    pub fn obligations(&self) -> &obligation::Obligations {
        &self.obligations
    }

    /// The obligations, to fold an event or an alarm in.
    pub fn obligations_mut(&mut self) -> &mut obligation::Obligations {
        &mut self.obligations
    }
}

/// An enterprise's place as it is now in the catalog.
pub(crate) fn enterprise_place(catalog: &Catalog, enterprise: FeatureId) -> Result<DangerPlace> {
    let layer = catalog.enterprises.read();
    let e = layer.feature(enterprise).ok_or(Error::UnknownFeature {
        collection: "enterprises",
        id: enterprise,
    })?;
    let location = match &e.geometry {
        geo::Geometry::Point(p) => [p.x(), p.y()],
        _ => [0.0, 0.0],
    };
    let p = &e.properties;
    Ok(DangerPlace {
        enterprise_name: p.name.clone(),
        county_id: p.county_id,
        county: p.county.to_string(),
        city: p.city.to_string(),
        industry: p.industry,
        location,
    })
}

/// A place to fill in (the store's check replaces it).
pub(crate) fn blank_place() -> DangerPlace {
    DangerPlace {
        enterprise_name: String::new(),
        county_id: 0,
        county: String::new(),
        city: String::new(),
        industry: crate::model::Industry::HazardousChemicals,
        location: [0.0, 0.0],
    }
}
