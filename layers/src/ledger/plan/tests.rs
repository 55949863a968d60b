//! An inspection plan's due date, watched by the ledger's clock like a
//! danger's deadline: reminders before it while targets are left, an
//! overdue alarm after it, ended by the last target's inspection.

use super::inspection::{InspectionKind, InspectionSpec, PlanSpec, planned, recorded};
use super::schedule::{Schedule, due_plans, store_batched};
use crate::event::Event;
use crate::feature::FeatureId;
use crate::model::inspection::{ChecklistResult, InspectionEvent};
use crate::model::{AlarmColour, AlarmRule};
use crate::store::Store;
use crate::store::journal::DatasetIdentity;
use chrono::{NaiveDate, TimeDelta, Utc};

fn open(dir: &std::path::Path) -> Store {
    let data = crate::generate::tests::small_dataset().clone();
    let identity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);
    Store::embedded(data, identity, &dir.join("journal.lkj"))
        .expect("store")
        .0
}

fn enterprises(store: &Store) -> [FeatureId; 2] {
    let layer = store.catalog().enterprises.read();
    [layer.features()[0].id, layer.features()[1].id]
}

fn tick(store: &Store, now: chrono::DateTime<Utc>) -> usize {
    let events = due_plans(
        store.catalog(),
        store.operations().inspections(),
        &Schedule::default(),
        now,
    );
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

fn plan(store: &Store, targets: &[FeatureId], start: NaiveDate, due: NaiveDate) -> FeatureId {
    let record = store
        .submit(
            "chief",
            planned(PlanSpec {
                title: "第四季度重大危险源执法检查".into(),
                enterprises: targets.to_vec(),
                hazard_sources: Vec::new(),
                inspectors: vec!["王建国".into()],
                experts: Vec::new(),
                kind: InspectionKind::Enforcement,
                start,
                due,
                notes: String::new(),
            }),
        )
        .expect("planned");
    match &record.event {
        Event::Inspection(InspectionEvent::InspectionPlanned { plan, .. }) => *plan,
        other => panic!("{other:?}"),
    }
}

fn inspect(store: &Store, enterprise: FeatureId, date: NaiveDate) {
    store
        .submit(
            "inspector",
            recorded(InspectionSpec {
                enterprise,
                hazard_sources: Vec::new(),
                plan: None,
                date,
                kind: InspectionKind::Routine,
                inspectors: vec!["李华".into()],
                experts: Vec::new(),
                result: ChecklistResult::Passed,
                checklist: Vec::new(),
                dangers: Vec::new(),
                enforcement: None,
                notes: String::new(),
            }),
        )
        .expect("recorded");
}

#[test]
fn with_a_moved_clock_and_restarts_a_plan_is_reminded_and_alarmed_exactly_once_until_its_last_target_is_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let today = Utc::now().date_naive();
    let (id, deadline, targets) = {
        let store = open(dir.path());
        let targets = enterprises(&store);
        let id = plan(&store, &targets, today, today + TimeDelta::days(30));
        // One of the two is inspected in time; the plan still owes the other.
        inspect(&store, targets[0], today);
        let deadline = store.operations().inspections().plan(id).unwrap().deadline();
        // The end of the due day in China Standard Time.
        assert_eq!(
            deadline,
            (today + TimeDelta::days(30)).and_hms_opt(15, 59, 59).unwrap().and_utc()
        );
        assert_eq!(tick(&store, deadline - TimeDelta::days(8)), 0, "8 days before: nothing");
        (id, deadline, targets)
    };
    let steps = [
        (deadline - TimeDelta::hours(6 * 24 + 12), 1),
        (deadline - TimeDelta::days(6), 0),
        (deadline - TimeDelta::hours(12), 1),
        (deadline - TimeDelta::hours(11), 0),
        (deadline + TimeDelta::hours(1), 1),
        (deadline + TimeDelta::days(3), 0),
    ];
    for (now, fired) in steps {
        // A restart between every step: the journal read again.
        let store = open(dir.path());
        assert_eq!(tick(&store, now), fired, "at due {:+}", now - deadline);
        assert_eq!(tick(&store, now), 0, "the same moment again fires nothing");
    }
    let store = open(dir.path());
    assert_eq!(count(&store, "inspection_plan_reminded"), 2, "7 and 1 days before");
    assert_eq!(count(&store, "alarm_raised"), 1);
    let alarm = {
        let ops = store.operations();
        let p = ops.inspections().plan(id).unwrap();
        let days: Vec<u32> = p.reminders.iter().map(|r| r.days_before).collect();
        assert_eq!(days, [7, 1]);
        assert!(p.reminders.iter().all(|r| r.to == "chief"), "to whoever made the plan");
        let alarm = ops.alarm(p.overdue_alarm.expect("alarmed")).unwrap();
        assert_eq!(alarm.inspection_plan, Some(id));
        assert_eq!((alarm.rule, alarm.colour), (AlarmRule::Overdue, AlarmColour::Orange));
        assert!(alarm.label.contains("1/2"), "{}", alarm.label);
        // In the inbox of whoever made the plan: both reminders and the alarm.
        let inbox: Vec<_> = ops
            .inbox("chief", None)
            .into_iter()
            .filter(|e| e.inspection_plan == Some(id))
            .map(|e| (e.kind, e.days_before, e.alarm))
            .collect();
        assert_eq!(
            inbox,
            [
                ("overdue_alarm", None, Some(alarm.id)),
                ("reminder", Some(1), None),
                ("reminder", Some(7), None)
            ],
            "newest first"
        );
        assert!(ops.inbox("inspector", None).iter().all(|e| e.inspection_plan.is_none()));
        let county = p.targets[1].county_id;
        let elsewhere: Vec<u32> = (0..200)
            .filter(|c| !p.targets.iter().any(|t| t.county_id == *c))
            .collect();
        assert!(
            ops.inbox("chief", Some(&elsewhere))
                .iter()
                .all(|e| e.inspection_plan.is_none()),
            "out of scope"
        );
        assert!(
            ops.inbox("chief", Some(&[county]))
                .iter()
                .any(|e| e.inspection_plan == Some(id))
        );
        alarm.id
    };
    // The last target inspected late: the clock ends the alarm, once.
    inspect(&store, targets[1], today + TimeDelta::days(33));
    let now = deadline + TimeDelta::days(4);
    assert_eq!(tick(&store, now), 1);
    assert_eq!(tick(&store, now), 0);
    let ops = store.operations();
    assert!(ops.alarm(alarm).unwrap().cleared_at.is_some());
    assert_eq!(ops.inspections().plan(id).unwrap().overdue_alarm, None);
    assert!(
        ops.inbox("chief", None).iter().all(|e| e.inspection_plan != Some(id)),
        "nothing owed: out of the inbox"
    );
}

#[test]
fn a_plan_whose_targets_were_all_inspected_is_neither_reminded_nor_alarmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let today = Utc::now().date_naive();
    let targets = enterprises(&store);
    // Inspected before the plan was made, on or after its start: done.
    inspect(&store, targets[0], today);
    inspect(&store, targets[1], today);
    let id = plan(&store, &targets, today, today + TimeDelta::days(3));
    let deadline = store.operations().inspections().plan(id).unwrap().deadline();
    for now in [deadline - TimeDelta::days(1), deadline + TimeDelta::days(1)] {
        assert_eq!(tick(&store, now), 0);
    }
    // An inspection before the plan's start does not count for it.
    let later = plan(&store, &targets, today + TimeDelta::days(1), today + TimeDelta::days(3));
    let p_deadline = store.operations().inspections().plan(later).unwrap().deadline();
    assert_eq!(
        tick(&store, p_deadline + TimeDelta::hours(1)),
        1,
        "overdue: nothing since its start"
    );
}
