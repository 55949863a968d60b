//! Deadlines that act by themselves: what the clock calls for at `now`.
//!
//! - a **reminder** `N` days before a danger's deadline (N from
//!   [`Schedule::reminder_days`], default 7 and 1), to its assignee, while
//!   the rectification is owed. When several are due at once (the server
//!   was down through one), only the nearest is sent: a 7-day reminder a
//!   day before the deadline says the wrong thing;
//! - an **overdue alarm** once the deadline has passed without
//!   `submitted` (an `alarm_raised` of rule `overdue`, red for a major
//!   danger, orange for a general one), ended (`alarm_cleared`) when the
//!   rectification is submitted or the deadline moved past `now`.
//!
//! Durable because what fired is in the log: each decision reads the
//! ledger as folded from the events (a reminder for this deadline sent?
//! an overdue alarm active?), and the store's check refuses a second one,
//! so things due while the server was down fire once at start-up and never
//! twice, on any number of replicas. The clock is a parameter.
//!
//! The same rules hold for every [`Deadline`]: a danger's rectification
//! deadline, and the due date of an obligation (an emergency plan's
//! evaluation, a planned drill, a hazard source's re-assessment,
//! [`super::obligation`]): its reminder is an `obligation_reminded`, its
//! overdue alarm an `alarm_raised` with `obligation` set.

use super::inspection::{InspectionState, Plan};
use super::obligation::Obligation;
use super::{ACTOR, Danger, LedgerState, overdue_colour};
use crate::event::Event;
use crate::model::{AlarmRule, LedgerEvent};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Days before a deadline the reminders go out, by default.
/// Issue 16 (from seed 002's "到期自动提醒"): 7 and 1.
pub const DEFAULT_REMINDER_DAYS: [u32; 2] = [7, 1];

/// Something with a date by which it is owed, watched by the clock.
pub trait Deadline {
    /// When it falls due now.
    fn deadline(&self) -> DateTime<Utc>;
    /// Whether it is still owed (a reminder or an alarm makes sense).
    fn owed(&self) -> bool;
    /// Whether a reminder `days_before` (or a nearer one) was sent for the
    /// deadline now.
    fn reminded(&self, days_before: u32) -> bool;
    /// Its active overdue alarm.
    fn overdue_alarm(&self) -> Option<crate::feature::FeatureId>;
}

impl Deadline for Danger {
    fn deadline(&self) -> DateTime<Utc> {
        Danger::deadline(self)
    }
    fn owed(&self) -> bool {
        self.status.owes_rectification()
    }
    fn reminded(&self, days_before: u32) -> bool {
        Danger::reminded(self, days_before)
    }
    fn overdue_alarm(&self) -> Option<crate::feature::FeatureId> {
        self.overdue_alarm
    }
}

impl Deadline for Obligation {
    fn deadline(&self) -> DateTime<Utc> {
        self.due
    }
    fn owed(&self) -> bool {
        Obligation::owed(self)
    }
    fn reminded(&self, days_before: u32) -> bool {
        Obligation::reminded(self, days_before)
    }
    fn overdue_alarm(&self) -> Option<crate::feature::FeatureId> {
        self.overdue_alarm
    }
}

impl Deadline for Plan {
    fn deadline(&self) -> DateTime<Utc> {
        Plan::deadline(self)
    }
    fn owed(&self) -> bool {
        Plan::owed(self)
    }
    fn reminded(&self, days_before: u32) -> bool {
        Plan::reminded(self, days_before)
    }
    fn overdue_alarm(&self) -> Option<crate::feature::FeatureId> {
        self.overdue_alarm
    }
}

/// What the clock calls for on one deadline at `now`: end the active
/// overdue alarm (`Some(Some(alarm))`), raise one (`Some(None)`) or
/// neither (`None`).
fn alarm_due(d: &impl Deadline, now: DateTime<Utc>) -> Option<Option<crate::feature::FeatureId>> {
    let owed = d.owed();
    match d.overdue_alarm() {
        Some(alarm) if !owed || now <= d.deadline() => Some(Some(alarm)),
        None if owed && now > d.deadline() => Some(None),
        _ => None,
    }
}

/// How the clock acts on deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Days before a deadline a reminder goes out (any order, no zero).
    pub reminder_days: Vec<u32>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            reminder_days: DEFAULT_REMINDER_DAYS.to_vec(),
        }
    }
}

impl Schedule {
    /// A schedule with these reminder days (sorted, deduplicated); refuses
    /// zero and more than a year.
    pub fn new(mut reminder_days: Vec<u32>) -> crate::Result<Self> {
        if let Some(bad) = reminder_days.iter().find(|d| !(1..=366).contains(*d)) {
            return Err(crate::Error::BadConfig(format!("reminder days are 1..=366, not {bad}")));
        }
        reminder_days.sort_unstable();
        reminder_days.dedup();
        Ok(Self { reminder_days })
    }

    /// The reminder due for `danger` at `now`: the nearest of the reminder
    /// days whose time has come, if it was not sent for this deadline.
    pub fn reminder_due(&self, danger: &impl Deadline, now: DateTime<Utc>) -> Option<u32> {
        let deadline = danger.deadline();
        if !danger.owed() || now >= deadline {
            return None;
        }
        let mut days: Vec<u32> = self.reminder_days.clone();
        days.sort_unstable();
        let due = days
            .into_iter()
            .find(|n| now >= deadline - TimeDelta::days(i64::from(*n)))?;
        (!danger.reminded(due)).then_some(due)
    }
}

/// A short label for a danger's alarm: enterprise, id and what is wrong.
pub fn alarm_label(danger: &Danger) -> String {
    let description: String = danger.report.description.chars().take(40).collect();
    format!(
        "{} · 隐患 {} · {} ({})",
        danger.place.enterprise_name, danger.id, description, danger.report.severity
    )
}

/// The events the clock calls for at `now`, in danger order. Each is to be
/// stored on its own (a refusal, e.g. another replica was first, spoils
/// only itself).
pub fn due(ledger: &LedgerState, schedule: &Schedule, now: DateTime<Utc>) -> Vec<Event> {
    let mut out = Vec::new();
    for d in ledger.dangers() {
        match alarm_due(d, now) {
            Some(Some(alarm)) => {
                out.push(Event::AlarmCleared { alarm, value: None });
            }
            Some(None) => out.push(Event::AlarmRaised {
                alarm: 0,
                sensor: 0,
                danger: Some(d.id),
                obligation: None,
                inspection_plan: None,
                hazard_source: None,
                rule: AlarmRule::Overdue,
                colour: overdue_colour(d.report.severity),
                value: Some(((now - d.deadline()).num_minutes() as f64 / 1440.0 * 10.0).round() / 10.0),
                threshold: None,
                reading_at: Some(d.deadline()),
                location: d.place.location,
                label: alarm_label(d),
                drill: false,
            }),
            None => {}
        }
        if let Some(days_before) = schedule.reminder_due(d, now) {
            out.push(Event::Ledger(LedgerEvent::DeadlineReminded {
                danger: d.id,
                days_before,
                deadline: d.deadline(),
                to: d.assignee().to_owned(),
            }));
        }
    }
    for o in ledger.obligations().iter() {
        match alarm_due(o, now) {
            Some(Some(alarm)) => out.push(Event::AlarmCleared { alarm, value: None }),
            Some(None) => out.push(Event::AlarmRaised {
                alarm: 0,
                sensor: 0,
                danger: None,
                obligation: Some(o.id),
                inspection_plan: None,
                hazard_source: None,
                rule: AlarmRule::Overdue,
                colour: super::obligation::overdue_colour(o.spec.kind),
                value: Some(((now - o.due).num_minutes() as f64 / 1440.0 * 10.0).round() / 10.0),
                threshold: None,
                reading_at: Some(o.due),
                location: o.place.location,
                label: o.label(),
                drill: false,
            }),
            None => {}
        }
        if let Some(days_before) = schedule.reminder_due(o, now) {
            out.push(Event::ObligationReminded {
                obligation: o.id,
                days_before,
                due: o.due,
                to: o.assignee().to_owned(),
            });
        }
    }
    out
}

/// The events the clock calls for at `now` on the inspection plans: a
/// reminder before a plan's due date while targets are left (to whoever
/// made it), an overdue alarm (orange, as an obligation's) once it passed
/// with targets left, ended when the last target is inspected.
pub fn due_plans(
    catalog: &crate::catalog::Catalog,
    inspections: &InspectionState,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let mut out = Vec::new();
    for p in inspections.plans() {
        match alarm_due(p, now) {
            Some(Some(alarm)) => out.push(Event::AlarmCleared { alarm, value: None }),
            Some(None) => {
                // At its first target's enterprise.
                let location = p
                    .targets
                    .first()
                    .and_then(|t| super::enterprise_place(catalog, t.enterprise_id).ok())
                    .map_or([0.0, 0.0], |place| place.location);
                out.push(Event::AlarmRaised {
                    alarm: 0,
                    sensor: 0,
                    danger: None,
                    obligation: None,
                    inspection_plan: Some(p.id),
                    hazard_source: None,
                    rule: AlarmRule::Overdue,
                    colour: crate::model::AlarmColour::Orange,
                    value: Some(((now - p.deadline()).num_minutes() as f64 / 1440.0 * 10.0).round() / 10.0),
                    threshold: None,
                    reading_at: Some(p.deadline()),
                    location,
                    label: p.label(),
                    drill: false,
                });
            }
            None => {}
        }
        if let Some(days_before) = schedule.reminder_due(p, now) {
            out.push(Event::Inspection(
                crate::model::inspection::InspectionEvent::PlanReminded {
                    plan: p.id,
                    days_before,
                    due: p.deadline(),
                    to: p.created_by.clone(),
                    counties: p.county_ids(),
                },
            ));
        }
    }
    out
}

/// Events the clock stores together, as one unit: one fsync, one PostGIS
/// transaction. A first look after a long stop has hundreds, which one
/// by one took a transaction each.
pub const BATCH: usize = 64;

/// Stores the events [`due`] decided (decide under the operations' read
/// lock, then release it and call this), [`BATCH`] at a time as one unit,
/// signed [`ACTOR`]; answers how many were stored. `submit` stores a unit
/// and answers how many events it held. A unit refused (an event's state
/// moved on meanwhile, or another replica was first) is stored again event
/// by event, so that the refused one holds back no other, and is skipped;
/// a store failure stops the round (the next one tries again).
pub fn store_batched(
    events: impl IntoIterator<Item = Event>,
    submit: impl Fn(&'static str, Vec<Event>) -> crate::Result<usize>,
) -> crate::Result<usize> {
    let mut stored = 0;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let batch: Vec<Event> = events.by_ref().take(BATCH).collect();
        let single = batch.len() == 1;
        match submit(ACTOR, batch.clone()) {
            Ok(n) => stored += n,
            Err(e) if !refused(&e) => return Err(e),
            Err(_) if single => {}
            Err(_) => {
                for event in batch {
                    match submit(ACTOR, vec![event]) {
                        Ok(n) => stored += n,
                        Err(e) if !refused(&e) => return Err(e),
                        Err(_) => {}
                    }
                }
            }
        }
    }
    Ok(stored)
}

/// Whether the store refused an event (logged, skipped) rather than failed.
fn refused(e: &crate::Error) -> bool {
    match e {
        crate::Error::Conflict(reason) | crate::Error::InvalidRequest(reason) => {
            tracing::debug!(%reason, "a deadline event was refused");
            true
        }
        crate::Error::UnknownFeature { collection, id } => {
            tracing::debug!(collection, id, "a deadline event names what is gone");
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn note(incident: u64) -> Event {
        Event::NoteAdded {
            incident,
            drill: false,
            text: String::new(),
        }
    }

    fn incident(e: &Event) -> u64 {
        match e {
            Event::NoteAdded { incident, .. } => *incident,
            _ => unreachable!("notes only"),
        }
    }

    #[test]
    fn events_go_in_units_and_a_refused_one_holds_back_no_other() {
        let units = RefCell::new(Vec::new());
        let stored = RefCell::new(Vec::new());
        // The store refuses any unit holding event 70.
        let submit = |actor: &'static str, events: Vec<Event>| {
            assert_eq!(actor, ACTOR);
            units.borrow_mut().push(events.len());
            if events.iter().any(|e| incident(e) == 70) {
                return Err(crate::Error::Conflict("raised already".into()));
            }
            stored.borrow_mut().extend(events.iter().map(incident));
            Ok(events.len())
        };
        let n = store_batched((1..=150).map(note), submit).unwrap();
        assert_eq!(n, 149);
        let expected: Vec<u64> = (1..=150).filter(|i| *i != 70).collect();
        assert_eq!(*stored.borrow(), expected, "every other event, in order");
        // 64 whole, 64 refused then one by one, 22 whole
        let units = units.borrow();
        assert_eq!(units[..2], [BATCH, BATCH]);
        assert_eq!(units.len(), 2 + BATCH + 1);
        assert!(units[2..2 + BATCH].iter().all(|n| *n == 1));
        assert_eq!(units.last(), Some(&(150 - 2 * BATCH)));
    }

    #[test]
    fn a_store_failure_stops_the_round() {
        let calls = RefCell::new(0);
        let submit = |_: &'static str, _: Vec<Event>| {
            *calls.borrow_mut() += 1;
            Err::<usize, _>(crate::Error::StoreUnavailable("the database is down".into()))
        };
        assert!(store_batched((1..=150).map(note), submit).is_err());
        assert_eq!(*calls.borrow(), 1);
    }
}
