use super::*;
use crate::ledger::schedule::{Schedule, due, store_batched};
use crate::store::Store;
use crate::store::journal::DatasetIdentity;
use chrono::{TimeDelta, TimeZone};

fn open(dir: &std::path::Path) -> Store {
    let data = crate::generate::tests::small_dataset().clone();
    let identity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);
    Store::embedded(data, identity, &dir.join("journal.lkj"))
        .expect("store")
        .0
}

fn enterprise(store: &Store) -> FeatureId {
    store.catalog().enterprises.read().features()[0].id
}

/// A hazard source and its enterprise.
fn hazard_source(store: &Store) -> (FeatureId, FeatureId) {
    let layer = store.catalog().hazard_sources.read();
    let h = &layer.features()[0];
    (h.id, h.properties.enterprise_id)
}

fn spec(kind: ObligationKind, enterprise: FeatureId) -> ObligationSpec {
    ObligationSpec {
        kind,
        enterprise,
        hazard_source: None,
        title: "危险化学品泄漏专项应急预案".into(),
        last_done: None,
        due: None,
        assignee: Some("li".into()),
    }
}

fn register(store: &Store, spec: ObligationSpec) -> Result<(FeatureId, DateTime<Utc>)> {
    let record = store.submit("inspector", register_event(spec))?;
    match &record.event {
        Event::ObligationRegistered { obligation, due, .. } => Ok((*obligation, *due)),
        other => panic!("{other:?}"),
    }
}

fn tick(store: &Store, schedule: &Schedule, now: DateTime<Utc>) -> usize {
    let events = due(store.operations().ledger(), schedule, now);
    store_batched(events, |actor, e| store.submit_unit(actor, e, None).map(|r| r.len())).expect("stored")
}

fn count(store: &Store, kind: &str) -> usize {
    store
        .operations()
        .log()
        .iter()
        .filter(|r| r.event.kind() == kind)
        .count()
}

fn fulfil(store: &Store, id: FeatureId, done_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    let events = store
        .operations()
        .ledger()
        .obligations()
        .fulfil_events(id, done_at, "已完成".into(), now)?;
    store.submit_unit("inspector", events, None).map(|_| ())
}

#[test]
fn obligation_events_round_trip_with_their_own_type() {
    let event = Event::ObligationReminded {
        obligation: 3,
        days_before: 7,
        due: Utc::now(),
        to: "li".into(),
    };
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "obligation_reminded");
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    assert_eq!(event.collection(), "obligations");
}

#[test]
fn a_plan_registered_falls_due_three_years_later_per_the_reference() {
    // shared/REFERENCE.md: plans evaluated every 3 years; sources graded every 3 years.
    assert_eq!(PLAN_REVIEW_YEARS, 3);
    assert_eq!(REASSESSMENT_YEARS, 3);
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let registered = Utc.with_ymd_and_hms(2024, 2, 29, 2, 0, 0).unwrap();
    let mut s = spec(ObligationKind::EmergencyPlan, enterprise(&store));
    s.last_done = Some(registered);
    let (id, due) = register(&store, s).unwrap();
    assert_eq!(
        due,
        Utc.with_ymd_and_hms(2027, 2, 28, 2, 0, 0).unwrap(),
        "29 Feb + 3 years: 28 Feb"
    );
    // An evaluation moves the next one 3 years on.
    let evaluated = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    fulfil(&store, id, evaluated, evaluated).unwrap();
    let ops = store.operations();
    let o = ops.ledger().obligations().get(id).unwrap();
    assert_eq!(o.due, Utc.with_ymd_and_hms(2029, 6, 1, 0, 0, 0).unwrap());
    assert!(o.owed(), "a plan is always owed its next evaluation");
    assert_eq!(o.history.len(), 1);
}

#[test]
fn bad_registrations_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let e = enterprise(&store);
    let no_date = spec(ObligationKind::EmergencyPlan, e);
    assert!(matches!(register(&store, no_date), Err(Error::InvalidRequest(m)) if m.contains("last_done")));
    let drill = spec(ObligationKind::Drill, e);
    assert!(matches!(register(&store, drill), Err(Error::InvalidRequest(m)) if m.contains("due")));
    let mut reassess = spec(ObligationKind::Reassessment, e);
    reassess.last_done = Some(Utc::now());
    assert!(matches!(register(&store, reassess), Err(Error::InvalidRequest(m)) if m.contains("hazard_source")));
    let mut unknown = spec(ObligationKind::Drill, 999_999);
    unknown.due = Some(Utc::now());
    assert!(matches!(register(&store, unknown), Err(Error::UnknownFeature { .. })));
    let (h, owner) = hazard_source(&store);
    let mut ok = spec(ObligationKind::Reassessment, owner);
    ok.hazard_source = Some(h);
    ok.last_done = Some(Utc::now() - TimeDelta::days(400));
    register(&store, ok).expect("a source's own enterprise");
}

#[test]
fn with_a_moved_clock_and_restarts_each_kind_is_reminded_and_alarmed_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let schedule = Schedule::default();
    let due_at = Utc::now() + TimeDelta::days(30);
    let ids = {
        let store = open(dir.path());
        let e = enterprise(&store);
        let (h, owner) = hazard_source(&store);
        let mut plan = spec(ObligationKind::EmergencyPlan, e);
        plan.last_done = Some(due_at - TimeDelta::days(3 * 365));
        plan.due = Some(due_at);
        let mut drill = spec(ObligationKind::Drill, e);
        drill.due = Some(due_at);
        let mut reassess = spec(ObligationKind::Reassessment, owner);
        reassess.hazard_source = Some(h);
        reassess.due = Some(due_at);
        let ids: Vec<FeatureId> = [plan, drill, reassess]
            .into_iter()
            .map(|s| register(&store, s).unwrap().0)
            .collect();
        assert_eq!(
            tick(&store, &schedule, due_at - TimeDelta::days(8)),
            0,
            "8 days before: nothing"
        );
        ids
    };
    let steps = [
        (due_at - TimeDelta::hours(6 * 24 + 12), 3),
        (due_at - TimeDelta::days(6), 0),
        (due_at - TimeDelta::hours(12), 3),
        (due_at - TimeDelta::hours(11), 0),
        (due_at + TimeDelta::hours(1), 3),
        (due_at + TimeDelta::days(3), 0),
    ];
    for (now, fired) in steps {
        let store = open(dir.path());
        assert_eq!(tick(&store, &schedule, now), fired, "at due {:+}", now - due_at);
        assert_eq!(tick(&store, &schedule, now), 0, "the same moment again fires nothing");
    }
    let store = open(dir.path());
    assert_eq!(
        count(&store, "obligation_reminded"),
        6,
        "7 and 1 days before, for each of 3"
    );
    assert_eq!(count(&store, "alarm_raised"), 3);
    for id in &ids {
        let ops = store.operations();
        let o = ops.ledger().obligations().get(*id).unwrap();
        let days: Vec<u32> = o.reminders.iter().map(|r| r.days_before).collect();
        assert_eq!(days, [7, 1]);
        assert!(o.reminders.iter().all(|r| r.to == "li"));
        let alarm = ops.alarm(o.overdue_alarm.expect("alarmed")).unwrap();
        assert_eq!(alarm.obligation, Some(*id));
        assert_eq!(alarm.colour, AlarmColour::Orange);
        assert_eq!(alarm.rule, crate::model::AlarmRule::Overdue);
    }
    // The drill is held late: its alarm ends with it; a second fulfilment is refused.
    let now = due_at + TimeDelta::days(4);
    fulfil(&store, ids[1], now - TimeDelta::days(1), now).unwrap();
    let alarm = {
        let ops = store.operations();
        let o = ops.ledger().obligations().get(ids[1]).unwrap();
        assert!(o.completed);
        assert_eq!(o.overdue_alarm, None);
        *o.alarms.last().unwrap()
    };
    assert!(!store.operations().alarm(alarm).unwrap().is_active());
    assert!(matches!(fulfil(&store, ids[1], now, now), Err(Error::Conflict(_))));
    // The plan evaluated: its next due date is 3 years on, the alarm ends.
    fulfil(&store, ids[0], now, now).unwrap();
    assert_eq!(
        store
            .operations()
            .ledger()
            .obligations()
            .get(ids[0])
            .unwrap()
            .overdue_alarm,
        None
    );
    drop(store);
    let store = open(dir.path());
    assert_eq!(
        tick(&store, &schedule, now + TimeDelta::hours(1)),
        0,
        "the re-assessment stays alarmed once"
    );
    assert_eq!(count(&store, "alarm_raised"), 3);
    // Moving the re-assessment's due date ahead ends its alarm (the clock does) and restarts reminders.
    let update = Event::ObligationUpdated {
        obligation: ids[2],
        changes: ObligationPatch {
            due: Some(now + TimeDelta::days(60)),
            ..ObligationPatch::default()
        },
        reason: "延期".into(),
    };
    store.submit("inspector", update).unwrap();
    assert_eq!(tick(&store, &schedule, now + TimeDelta::hours(2)), 1, "alarm cleared");
    assert_eq!(count(&store, "alarm_cleared"), 3);
    assert_eq!(
        tick(&store, &schedule, now + TimeDelta::days(54)),
        1,
        "a 7-day reminder for the new date"
    );
}

#[test]
fn drill_completion_per_county_counts_the_drills_due_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let e = enterprise(&store);
    let now = Utc::now();
    let mut ids = Vec::new();
    for days_ago in [100, 80, 60, 40, -20] {
        let mut s = spec(ObligationKind::Drill, e);
        s.due = Some(now - TimeDelta::days(days_ago));
        ids.push(register(&store, s).unwrap().0);
    }
    fulfil(&store, ids[0], now - TimeDelta::days(101), now).unwrap();
    fulfil(&store, ids[2], now - TimeDelta::days(50), now).unwrap();
    let ops = store.operations();
    let rows = completion(
        ops.ledger().obligations(),
        &ObligationFilter::default(),
        now - TimeDelta::days(365),
        now + TimeDelta::days(365),
        now,
    );
    assert_eq!(rows.len(), 2, "one county and the total");
    let total = rows.last().unwrap();
    assert_eq!(
        (total.planned, total.held),
        (4, 2),
        "the drill planned for next month is not owed yet"
    );
    assert_eq!(total.rate, Some(0.5));
    let (page, counts) = ops
        .ledger()
        .obligations()
        .list(&ObligationFilter::default(), now, 0, 10);
    assert_eq!(counts.total, 5);
    assert_eq!(counts.overdue, 2, "the drills of 80 and 40 days ago, not held");
    assert!(page[0].is_overdue(now) && page[1].is_overdue(now));
}
