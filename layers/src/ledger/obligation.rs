//! Other obligations with deadlines (`docs/ledger.md`, "Obligations"):
//!
//! - an enterprise's **emergency plan** (应急预案): registered (备案) with
//!   the bureau, evaluated again every [`PLAN_REVIEW_YEARS`] years;
//! - an enterprise's **drill plan**: one planned drill by a date, held or
//!   not, giving the completion rate per county ([`completion`]);
//! - a major hazard source's **re-assessment**: re-identified, assessed and
//!   graded [`REASSESSMENT_YEARS`] years after its last grading.
//!
//! Each has a due date that the ledger's clock watches exactly as it
//! watches a danger's deadline ([`super::schedule`]): reminders before it,
//! an overdue alarm after it (rule `overdue`, `obligation` set), ended when
//! it is fulfilled or moved past now. Everything is an event, folded here.

use super::{MAX_NAME_CHARS, MAX_TEXT_CHARS, Reminder, invalid, text};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::{AlarmColour, DangerPlace};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::model::obligation::{
    ObligationKind, ObligationPatch, ObligationSpec, PLAN_REVIEW_YEARS, REASSESSMENT_YEARS,
};

/// One step of an obligation's record after its registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObligationStep {
    /// Event number.
    pub seq: u64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// `updated` or `fulfilled`.
    pub kind: String,
    /// Why, or what was done.
    pub remark: String,
    /// For `fulfilled`: when it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<Utc>>,
    /// The due date after the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
}

/// An obligation and everything on its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Obligation {
    /// Obligation id.
    pub id: FeatureId,
    /// What was registered (`title`, `assignee` as they are now).
    pub spec: ObligationSpec,
    /// Its enterprise, as it was when registered.
    pub place: DangerPlace,
    /// When it falls due now.
    pub due: DateTime<Utc>,
    /// When it was last done (a plan's evaluation, a source's grading, a
    /// drill held).
    pub last_done: Option<DateTime<Utc>>,
    /// A drill held: nothing more is owed.
    pub completed: bool,
    /// Registered (event time).
    pub registered_at: DateTime<Utc>,
    /// By whom.
    pub registered_by: String,
    /// Every step after its registration.
    pub history: Vec<ObligationStep>,
    /// Reminders sent.
    pub reminders: Vec<Reminder>,
    /// The overdue alarm now active, if any.
    pub overdue_alarm: Option<FeatureId>,
    /// Every overdue alarm it has had.
    pub alarms: Vec<FeatureId>,
}

impl Obligation {
    /// The Lookout user who follows it up.
    pub fn assignee(&self) -> &str {
        self.spec.assignee.as_deref().unwrap_or(&self.registered_by)
    }

    /// Whether something is still owed (a drill not held; a plan and a
    /// re-assessment always are: the next one).
    pub fn owed(&self) -> bool {
        !self.completed
    }

    /// Whether it is past due at `now` and still owed.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.owed() && now > self.due
    }

    /// Whether a reminder `days_before` (or a nearer one) was sent for the
    /// due date now.
    pub fn reminded(&self, days_before: u32) -> bool {
        self.reminders
            .iter()
            .any(|r| r.deadline == self.due && r.days_before <= days_before)
    }

    /// The obligation as the API shows it, with `overdue` at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        value["overdue"] = serde_json::json!(self.is_overdue(now));
        value["kind"] = serde_json::json!(self.spec.kind);
        value
    }

    /// A short label for its alarm.
    pub fn label(&self) -> String {
        let title: String = self.spec.title.chars().take(40).collect();
        format!(
            "{} · {} {} · {}",
            self.place.enterprise_name,
            self.spec.kind.label_zh(),
            self.id,
            title
        )
    }
}

/// The colour of an obligation's overdue alarm: orange, as a general
/// danger's (Lookout's rule, `docs/ledger.md`: a broken legal deadline is
/// never shown as a blue or yellow matter; not a standard's grading).
pub fn overdue_colour(_kind: ObligationKind) -> AlarmColour {
    AlarmColour::Orange
}

/// `start + years`, the same day (29 February → 28 February).
pub fn add_years(start: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    start
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The due date after something was last done at `done`, by kind; `None`
/// for a drill (held once).
pub fn next_due(kind: ObligationKind, done: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match kind {
        ObligationKind::EmergencyPlan => Some(add_years(done, PLAN_REVIEW_YEARS)),
        ObligationKind::Reassessment => Some(add_years(done, REASSESSMENT_YEARS)),
        ObligationKind::Drill => None,
    }
}

/// Every obligation, by id; the fold of the obligation events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Obligations {
    items: BTreeMap<FeatureId, Arc<Obligation>>,
}

fn check_when(name: &str, t: DateTime<Utc>) -> Result<()> {
    let y = chrono::Datelike::year(&t);
    if !(1950..=2200).contains(&y) {
        return Err(invalid(format!("{name} {} is not a plausible date", t.to_rfc3339())));
    }
    Ok(())
}

impl Obligations {
    /// An obligation by id.
    pub fn get(&self, id: FeatureId) -> Option<&Obligation> {
        self.items.get(&id).map(|o| &**o)
    }

    /// Every obligation, by id.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Obligation> + ExactSizeIterator {
        self.items.values().map(|o| &**o)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn known(&self, id: FeatureId) -> Result<&Obligation> {
        self.get(id).ok_or(Error::UnknownFeature {
            collection: "obligations",
            id,
        })
    }

    /// Checks an obligation event against the state now and the catalog:
    /// the id assigned, the enterprise's place and the due date filled in.
    pub fn check(&self, catalog: &Catalog, event: Event) -> Result<Event> {
        match event {
            Event::ObligationRegistered {
                obligation, mut spec, ..
            } => {
                let place = self.check_spec(catalog, &mut spec)?;
                let due = spec.due.ok_or_else(|| invalid("due is required"))?;
                if obligation != 0 && self.items.contains_key(&obligation) {
                    return Err(Error::Conflict(format!("obligation {obligation} exists already")));
                }
                let next = self.items.keys().next_back().map_or(1, |id| id + 1);
                Ok(Event::ObligationRegistered {
                    obligation: if obligation == 0 { next } else { obligation },
                    spec,
                    place,
                    due,
                })
            }
            Event::ObligationUpdated {
                obligation,
                changes,
                reason,
            } => {
                let current = self.known(obligation)?;
                if changes.is_empty() {
                    return Err(invalid("nothing to change: give title, due or assignee"));
                }
                if current.completed {
                    return Err(Error::Conflict(format!(
                        "obligation {obligation} was fulfilled: nothing is owed"
                    )));
                }
                if let Some(t) = &changes.title {
                    text("title", t, MAX_NAME_CHARS, true)?;
                }
                if let Some(a) = &changes.assignee {
                    text("assignee", a, MAX_NAME_CHARS, true)?;
                }
                if let Some(d) = changes.due {
                    check_when("due", d)?;
                }
                text("reason", &reason, MAX_TEXT_CHARS, false)?;
                Ok(Event::ObligationUpdated {
                    obligation,
                    changes,
                    reason: reason.trim().to_owned(),
                })
            }
            Event::ObligationFulfilled {
                obligation,
                done_at,
                remark,
                ..
            } => {
                let current = self.known(obligation)?;
                if current.completed {
                    return Err(Error::Conflict(format!(
                        "obligation {obligation} was fulfilled already"
                    )));
                }
                check_when("done_at", done_at)?;
                text("remark", &remark, MAX_TEXT_CHARS, false)?;
                Ok(Event::ObligationFulfilled {
                    obligation,
                    done_at,
                    next_due: next_due(current.spec.kind, done_at),
                    remark: remark.trim().to_owned(),
                })
            }
            Event::ObligationReminded {
                obligation,
                days_before,
                due,
                to,
            } => {
                let current = self.known(obligation)?;
                if !current.owed() {
                    return Err(Error::Conflict(format!("obligation {obligation} is fulfilled")));
                }
                if current.due != due {
                    return Err(Error::Conflict(format!(
                        "obligation {obligation} falls due {}, not {}",
                        current.due.to_rfc3339(),
                        due.to_rfc3339()
                    )));
                }
                if current.reminded(days_before) {
                    return Err(Error::Conflict(format!(
                        "obligation {obligation} was reminded {days_before} days (or fewer) before this date already"
                    )));
                }
                Ok(Event::ObligationReminded {
                    obligation,
                    days_before,
                    due,
                    to,
                })
            }
            other => Err(invalid(format!("{} is not an obligation event", other.kind()))),
        }
    }

    /// Checks a spec (filling in the default due date) and answers the
    /// enterprise's place.
    pub fn check_spec(&self, catalog: &Catalog, spec: &mut ObligationSpec) -> Result<DangerPlace> {
        text("title", &spec.title, MAX_NAME_CHARS, true)?;
        if let Some(a) = &spec.assignee {
            text("assignee", a, MAX_NAME_CHARS, true)?;
        }
        match spec.kind {
            ObligationKind::Drill => {
                if spec.due.is_none() {
                    return Err(invalid("a drill plan needs due: the date the drill is planned for"));
                }
                if spec.last_done.is_some() {
                    return Err(invalid(
                        "a drill plan has no last_done: record the drill held with POST /obligations/{id}/fulfil",
                    ));
                }
            }
            kind => {
                if kind == ObligationKind::Reassessment && spec.hazard_source.is_none() {
                    return Err(invalid("a re-assessment needs hazard_source"));
                }
                match (spec.last_done, spec.due) {
                    (None, None) => {
                        return Err(invalid("give last_done (registered or last evaluated / graded) or due"));
                    }
                    (Some(done), None) => spec.due = next_due(kind, done),
                    (Some(done), Some(due)) if due < done => {
                        return Err(invalid("due is before last_done"));
                    }
                    _ => {}
                }
            }
        }
        if let Some(d) = spec.last_done {
            check_when("last_done", d)?;
        }
        if let Some(d) = spec.due {
            check_when("due", d)?;
        }
        let place = super::enterprise_place(catalog, spec.enterprise)?;
        if let Some(h) = spec.hazard_source {
            let layer = catalog.hazard_sources.read();
            let source = layer.feature(h).ok_or(Error::UnknownFeature {
                collection: "hazard_sources",
                id: h,
            })?;
            if source.properties.enterprise_id != spec.enterprise {
                return Err(invalid(format!(
                    "hazard source {h} belongs to enterprise {}, not {}",
                    source.properties.enterprise_id, spec.enterprise
                )));
            }
        }
        Ok(place)
    }

    /// Folds a stored obligation event in.
    pub fn apply(&mut self, record: &EventRecord) {
        match &record.event {
            Event::ObligationRegistered {
                obligation,
                spec,
                place,
                due,
            } => {
                self.items.insert(
                    *obligation,
                    Arc::new(Obligation {
                        id: *obligation,
                        spec: spec.clone(),
                        place: place.clone(),
                        due: *due,
                        last_done: spec.last_done,
                        completed: false,
                        registered_at: record.at,
                        registered_by: record.actor.clone(),
                        history: Vec::new(),
                        reminders: Vec::new(),
                        overdue_alarm: None,
                        alarms: Vec::new(),
                    }),
                );
            }
            Event::ObligationUpdated {
                obligation,
                changes,
                reason,
            } => {
                let Some(o) = self.items.get_mut(obligation) else {
                    return;
                };
                let o = Arc::make_mut(o);
                if let Some(t) = &changes.title {
                    o.spec.title.clone_from(t);
                }
                if let Some(a) = &changes.assignee {
                    o.spec.assignee = Some(a.clone());
                }
                if let Some(d) = changes.due {
                    o.due = d;
                }
                o.history.push(ObligationStep {
                    seq: record.seq,
                    at: record.at,
                    actor: record.actor.clone(),
                    kind: "updated".into(),
                    remark: reason.clone(),
                    done_at: None,
                    due: Some(o.due),
                });
            }
            Event::ObligationFulfilled {
                obligation,
                done_at,
                next_due,
                remark,
            } => {
                let Some(o) = self.items.get_mut(obligation) else {
                    return;
                };
                let o = Arc::make_mut(o);
                o.last_done = Some(*done_at);
                match next_due {
                    Some(d) => o.due = *d,
                    None => o.completed = true,
                }
                o.history.push(ObligationStep {
                    seq: record.seq,
                    at: record.at,
                    actor: record.actor.clone(),
                    kind: "fulfilled".into(),
                    remark: remark.clone(),
                    done_at: Some(*done_at),
                    due: *next_due,
                });
            }
            Event::ObligationReminded {
                obligation,
                days_before,
                due,
                to,
            } => {
                let Some(o) = self.items.get_mut(obligation) else {
                    return;
                };
                Arc::make_mut(o).reminders.push(Reminder {
                    seq: record.seq,
                    at: record.at,
                    days_before: *days_before,
                    deadline: *due,
                    to: to.clone(),
                });
            }
            _ => {}
        }
    }

    /// The events of "fulfil obligation `id` at `done_at`": the step and
    /// the end of its overdue alarm when the next due date (if any) is
    /// after `now`, stored as one unit.
    pub fn fulfil_events(
        &self,
        id: FeatureId,
        done_at: DateTime<Utc>,
        remark: String,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        let current = self.known(id)?;
        let next = next_due(current.spec.kind, done_at);
        let mut events = vec![Event::ObligationFulfilled {
            obligation: id,
            done_at,
            next_due: next,
            remark,
        }];
        if let Some(alarm) = current.overdue_alarm
            && next.is_none_or(|d| d >= now)
        {
            events.push(Event::AlarmCleared { alarm, value: None });
        }
        Ok(events)
    }

    /// Whether an overdue alarm may be raised for obligation `id` now.
    pub fn check_overdue_alarm(&self, id: FeatureId) -> Result<()> {
        let o = self.known(id)?;
        if !o.owed() {
            return Err(Error::Conflict(format!("obligation {id} is fulfilled")));
        }
        if let Some(a) = o.overdue_alarm {
            return Err(Error::Conflict(format!(
                "obligation {id} has overdue alarm {a} already"
            )));
        }
        Ok(())
    }

    /// An overdue alarm was raised for obligation `id`.
    pub fn alarm_raised(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(o) = self.items.get_mut(&id) {
            let o = Arc::make_mut(o);
            o.overdue_alarm = Some(alarm);
            o.alarms.push(alarm);
        }
    }

    /// Obligation `id`'s overdue alarm ended.
    pub fn alarm_cleared(&mut self, id: FeatureId, alarm: FeatureId) {
        if let Some(o) = self.items.get_mut(&id)
            && o.overdue_alarm == Some(alarm)
        {
            Arc::make_mut(o).overdue_alarm = None;
        }
    }
}

/// The event of "register this obligation": the store's check assigns the
/// id, fills in the place and the due date.
pub fn register_event(spec: ObligationSpec) -> Event {
    Event::ObligationRegistered {
        obligation: 0,
        due: spec.due.unwrap_or(DateTime::<Utc>::MIN_UTC),
        spec,
        place: super::blank_place(),
    }
}

/// Which obligations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    /// Kinds (any, when empty).
    pub kinds: Vec<ObligationKind>,
    /// City names (any, when empty).
    pub cities: Vec<String>,
    /// County ids or names (any, when empty).
    pub counties: Vec<String>,
    /// One enterprise.
    pub enterprise: Option<FeatureId>,
    /// Only overdue (`true`) or only not.
    pub overdue: Option<bool>,
    /// Only fulfilled drills (`true`) or only owed ones.
    pub completed: Option<bool>,
    /// The caller's counties (a scoped user).
    pub scope: Option<Vec<u32>>,
}

impl ObligationFilter {
    /// Whether `o` matches at `now`.
    pub fn matches(&self, o: &Obligation, now: DateTime<Utc>) -> bool {
        let p = &o.place;
        (self.kinds.is_empty() || self.kinds.contains(&o.spec.kind))
            && (self.cities.is_empty() || self.cities.contains(&p.city))
            && (self.counties.is_empty()
                || self
                    .counties
                    .iter()
                    .any(|c| *c == p.county || c.parse::<u32>().is_ok_and(|id| id == p.county_id)))
            && self.enterprise.is_none_or(|e| e == o.spec.enterprise)
            && self.overdue.is_none_or(|v| v == o.is_overdue(now))
            && self.completed.is_none_or(|v| v == o.completed)
            && self.scope.as_ref().is_none_or(|s| s.contains(&p.county_id))
    }
}

/// Counts of a list's matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObligationCounts {
    /// Every match.
    pub total: usize,
    /// Overdue at `now`.
    pub overdue: usize,
    /// Due within 30 days and not overdue.
    pub due_soon: usize,
    /// By kind code.
    pub by_kind: BTreeMap<&'static str, usize>,
}

impl Obligations {
    /// The matches, overdue first, then the nearest due date; a page of
    /// them and the counts of all.
    pub fn list(
        &self,
        filter: &ObligationFilter,
        now: DateTime<Utc>,
        offset: usize,
        limit: usize,
    ) -> (Vec<&Obligation>, ObligationCounts) {
        let mut counts = ObligationCounts {
            by_kind: ObligationKind::CODES.iter().map(|c| (*c, 0)).collect(),
            ..ObligationCounts::default()
        };
        let soon = now + chrono::TimeDelta::days(30);
        let mut found: Vec<&Obligation> = Vec::new();
        for o in self.iter().filter(|o| filter.matches(o, now)) {
            counts.total += 1;
            let overdue = o.is_overdue(now);
            counts.overdue += usize::from(overdue);
            counts.due_soon += usize::from(!overdue && o.owed() && o.due <= soon);
            *counts.by_kind.entry(o.spec.kind.code()).or_default() += 1;
            found.push(o);
        }
        found.sort_by(|a, b| {
            b.is_overdue(now)
                .cmp(&a.is_overdue(now))
                .then(b.owed().cmp(&a.owed()))
                .then(a.due.cmp(&b.due))
                .then(a.id.cmp(&b.id))
        });
        let page = found.into_iter().skip(offset).take(limit).collect();
        (page, counts)
    }
}

/// Drill completion in one county (or city, or the region).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completion {
    /// `counties` id (0 for a total).
    pub county_id: u32,
    /// County name (empty for a total).
    pub county: String,
    /// City name.
    pub city: String,
    /// Drills planned for dates in the period up to `now`.
    pub planned: usize,
    /// Of them, the ones held.
    pub held: usize,
    /// `held / planned`, 0–1; `None` when nothing was planned.
    pub rate: Option<f64>,
}

/// Drill completion per county over `[from, to)`: the drill plans whose
/// date falls in the period and has come by `now` (a drill planned for
/// next month is not yet owed), and how many of them were held; counties in
/// `filter` only, ordered by city and county. The last entry is the total.
pub fn completion(
    obligations: &Obligations,
    filter: &ObligationFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Completion> {
    let mut by: BTreeMap<(String, String, u32), (usize, usize)> = BTreeMap::new();
    let until = to.min(now);
    for o in obligations.iter() {
        if o.spec.kind != ObligationKind::Drill || o.due < from || o.due >= until {
            continue;
        }
        let mut f = filter.clone();
        f.overdue = None;
        f.completed = None;
        if !f.matches(o, now) {
            continue;
        }
        let e = by
            .entry((o.place.city.clone(), o.place.county.clone(), o.place.county_id))
            .or_default();
        e.0 += 1;
        e.1 += usize::from(o.completed);
    }
    let rate = |p: usize, h: usize| (p > 0).then(|| h as f64 / p as f64);
    let (mut tp, mut th) = (0, 0);
    let mut out: Vec<Completion> = by
        .into_iter()
        .map(|((city, county, county_id), (planned, held))| {
            tp += planned;
            th += held;
            Completion {
                county_id,
                county,
                city,
                planned,
                held,
                rate: rate(planned, held),
            }
        })
        .collect();
    out.push(Completion {
        county_id: 0,
        county: String::new(),
        city: String::new(),
        planned: tp,
        held: th,
        rate: rate(tp, th),
    });
    out
}

#[cfg(test)]
mod tests;
