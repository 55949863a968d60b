use super::schedule::{Schedule, due, store_batched};
use super::*;
use crate::model::{DangerCategory, DangerSource};
use crate::store::Store;
use crate::store::journal::DatasetIdentity;
use chrono::TimeDelta;

fn identity() -> DatasetIdentity {
    DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION)
}

fn open(dir: &std::path::Path) -> Store {
    let data = crate::generate::tests::small_dataset().clone();
    Store::embedded(data, identity(), &dir.join("journal.lkj"))
        .expect("store")
        .0
}

fn enterprise(store: &Store) -> FeatureId {
    store.catalog().enterprises.read().features()[0].id
}

fn report(enterprise: FeatureId, severity: DangerSeverity, deadline: DateTime<Utc>) -> DangerReport {
    DangerReport {
        enterprise,
        hazard_source: None,
        category: DangerCategory::Equipment,
        severity,
        description: "储罐区可燃气体探测器失效".into(),
        found_by: "张检查".into(),
        found_at: deadline - TimeDelta::days(30),
        source: DangerSource::Inspection,
        rectification: Rectification {
            measures: String::new(),
            responsible: String::new(),
            funds_yuan: None,
            deadline,
            interim_measures: String::new(),
        },
        assignee: Some("li".into()),
        external_id: None,
    }
}

fn reported(store: &Store, report: DangerReport) -> FeatureId {
    let place = DangerPlace {
        enterprise_name: String::new(),
        county_id: 0,
        county: String::new(),
        city: String::new(),
        industry: crate::model::Industry::Gas,
        location: [0.0, 0.0],
    };
    let record = store
        .submit(
            "inspector",
            Event::Ledger(LedgerEvent::DangerReported {
                danger: 0,
                report,
                place,
            }),
        )
        .expect("reported");
    match &record.event {
        Event::Ledger(e) => e.danger(),
        other => panic!("{other:?}"),
    }
}

fn move_to(
    store: &Store,
    id: FeatureId,
    to: DangerStatus,
    reason: &str,
    patch: Option<RectificationPatch>,
) -> Result<()> {
    let events = store
        .operations()
        .ledger()
        .transition_events(id, to, reason.into(), patch)?;
    store.submit_unit("inspector", events, None).map(|_| ())
}

fn tick(store: &Store, schedule: &Schedule, now: DateTime<Utc>) -> usize {
    let events = due(store.operations().ledger(), schedule, now);
    store_batched(events, |actor, e| store.submit_unit(actor, e, None).map(|r| r.len())).expect("stored")
}

fn kinds(store: &Store) -> Vec<&'static str> {
    store.operations().log().iter().map(|r| r.event.kind()).collect()
}

fn count(store: &Store, kind: &str) -> usize {
    kinds(store).iter().filter(|k| **k == kind).count()
}

#[test]
fn ledger_events_are_stored_with_their_own_type_beside_the_others() {
    let event = Event::Ledger(LedgerEvent::DeadlineReminded {
        danger: 7,
        days_before: 1,
        deadline: Utc::now(),
        to: "li".into(),
    });
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "deadline_reminded");
    assert_eq!(event.kind(), "deadline_reminded");
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    let note = serde_json::json!({"type": "note_added", "incident": 1, "drill": false, "text": "x"});
    assert!(matches!(
        serde_json::from_value::<Event>(note).unwrap(),
        Event::NoteAdded { .. }
    ));
    let unknown = serde_json::json!({"type": "danger_vanished", "danger": 1});
    assert!(serde_json::from_value::<Event>(unknown).is_err());
}

#[test]
fn a_danger_goes_reported_rectifying_submitted_rejected_and_on_to_closed_with_who_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let e = enterprise(&store);
    let id = reported(
        &store,
        report(e, DangerSeverity::General, Utc::now() + TimeDelta::days(20)),
    );
    {
        let ops = store.operations();
        let d = ops.ledger().danger(id).unwrap();
        assert_eq!(
            (d.status, d.reported_by.as_str(), d.assignee()),
            (DangerStatus::Reported, "inspector", "li")
        );
        let name = store
            .catalog()
            .enterprises
            .read()
            .feature(e)
            .unwrap()
            .properties
            .name
            .to_string();
        assert_eq!(d.place.enterprise_name, name, "the store fills in the enterprise");
    }
    // Straight to submitted: refused, naming the way on.
    let err = move_to(&store, id, DangerStatus::Submitted, "", None).unwrap_err();
    assert!(matches!(&err, Error::Conflict(m) if m.contains("rectifying")), "{err}");
    move_to(&store, id, DangerStatus::Rectifying, "整改开始", None).unwrap();
    move_to(&store, id, DangerStatus::Submitted, "已更换探测器", None).unwrap();
    // A rejection needs a reason.
    let err = move_to(&store, id, DangerStatus::Rejected, " ", None).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    move_to(&store, id, DangerStatus::Rejected, "报警值未标定", None).unwrap();
    move_to(&store, id, DangerStatus::Rectifying, "重新标定", None).unwrap();
    move_to(&store, id, DangerStatus::Submitted, "已标定", None).unwrap();
    move_to(&store, id, DangerStatus::Verified, "验收通过", None).unwrap();
    move_to(&store, id, DangerStatus::Closed, "销号", None).unwrap();
    let err = move_to(&store, id, DangerStatus::Rectifying, "", None).unwrap_err();
    assert!(matches!(&err, Error::Conflict(m) if m.contains("closed")), "{err}");

    let ops = store.operations();
    let d = ops.ledger().danger(id).unwrap();
    assert_eq!(d.status, DangerStatus::Closed);
    assert!(d.closed_at.is_some());
    let steps: Vec<_> = d.history.iter().map(|t| (t.from.code(), t.to.code())).collect();
    assert_eq!(
        steps,
        [
            ("reported", "rectifying"),
            ("rectifying", "submitted"),
            ("submitted", "rejected"),
            ("rejected", "rectifying"),
            ("rectifying", "submitted"),
            ("submitted", "verified"),
            ("verified", "closed"),
        ]
    );
    assert_eq!(d.history[2].reason, "报警值未标定");
    assert!(d.history.iter().all(|t| t.actor == "inspector"));
}

#[test]
fn a_major_danger_needs_its_plan_and_interim_measures_before_rectifying() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = reported(
        &store,
        report(
            enterprise(&store),
            DangerSeverity::Major,
            Utc::now() + TimeDelta::days(60),
        ),
    );
    let err = move_to(&store, id, DangerStatus::Rectifying, "", None).unwrap_err();
    let message = err.to_string();
    for field in ["measures", "responsible", "funds_yuan", "interim_measures"] {
        assert!(message.contains(field), "{message}");
    }
    let partial = RectificationPatch {
        measures: Some("更换储罐".into()),
        responsible: Some("王厂长".into()),
        funds_yuan: Some(120_000.0),
        ..Default::default()
    };
    let err = move_to(&store, id, DangerStatus::Rectifying, "", Some(partial.clone())).unwrap_err();
    assert!(
        err.to_string().contains("interim_measures") && !err.to_string().contains("funds_yuan"),
        "{err}"
    );
    let plan = RectificationPatch {
        interim_measures: Some("停用该储罐，设警戒区".into()),
        ..partial
    };
    move_to(&store, id, DangerStatus::Rectifying, "方案已审", Some(plan)).unwrap();
    let ops = store.operations();
    let d = ops.ledger().danger(id).unwrap();
    assert_eq!(d.status, DangerStatus::Rectifying);
    assert_eq!(d.report.rectification.funds_yuan, Some(120_000.0));
    assert_eq!(d.report.rectification.interim_measures, "停用该储罐，设警戒区");
}

#[test]
fn an_external_id_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut r = report(
        enterprise(&store),
        DangerSeverity::General,
        Utc::now() + TimeDelta::days(3),
    );
    r.external_id = Some("TY-2026-001".into());
    let id = reported(&store, r.clone());
    let place = store.operations().ledger().danger(id).unwrap().place.clone();
    let err = store
        .submit(
            "x",
            Event::Ledger(LedgerEvent::DangerReported {
                danger: 0,
                report: r,
                place,
            }),
        )
        .unwrap_err();
    assert!(matches!(&err, Error::Conflict(m) if m.contains("TY-2026-001")), "{err}");
    assert_eq!(
        store.operations().ledger().by_external_id("TY-2026-001").map(|d| d.id),
        Some(id)
    );
}

/// The clock moves over a major danger's deadline with the server
/// restarted (the journal read again) between every step: each reminder
/// and the overdue alarm fire exactly once.
#[test]
fn with_a_moved_clock_and_restarts_every_reminder_and_the_overdue_alarm_fire_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let schedule = Schedule::default();
    let deadline = Utc::now() + TimeDelta::days(30);
    let id = {
        let store = open(dir.path());
        let id = reported(&store, report(enterprise(&store), DangerSeverity::Major, deadline));
        assert_eq!(
            tick(&store, &schedule, deadline - TimeDelta::days(8)),
            0,
            "8 days before: nothing"
        );
        id
    };
    let steps = [
        (deadline - TimeDelta::hours(6 * 24 + 12), 1, "deadline_reminded"),
        (deadline - TimeDelta::days(6), 0, ""),
        (deadline - TimeDelta::hours(12), 1, "deadline_reminded"),
        (deadline - TimeDelta::hours(11), 0, ""),
        (deadline + TimeDelta::hours(1), 1, "alarm_raised"),
        (deadline + TimeDelta::days(3), 0, ""),
    ];
    for (now, fired, kind) in steps {
        // A restart: the journal is read again.
        let store = open(dir.path());
        assert_eq!(tick(&store, &schedule, now), fired, "at deadline {:+}", now - deadline);
        assert_eq!(tick(&store, &schedule, now), 0, "the same moment again fires nothing");
        if fired > 0 {
            assert_eq!(kinds(&store).last(), Some(&kind));
        }
    }
    let store = open(dir.path());
    assert_eq!(count(&store, "deadline_reminded"), 2);
    assert_eq!(count(&store, "alarm_raised"), 1);
    let (alarm, days) = {
        let ops = store.operations();
        let d = ops.ledger().danger(id).unwrap();
        let days: Vec<u32> = d.reminders.iter().map(|r| r.days_before).collect();
        let alarm = ops
            .alarm(d.overdue_alarm.expect("an active overdue alarm"))
            .unwrap()
            .clone();
        (alarm, days)
    };
    assert_eq!(days, [7, 1]);
    assert_eq!(alarm.colour, AlarmColour::Red, "a major danger's overdue alarm is red");
    assert_eq!(alarm.rule, crate::model::AlarmRule::Overdue);
    assert_eq!(alarm.danger, Some(id));

    // Submitting ends the alarm in the same command; the clock then has nothing to do.
    let plan = RectificationPatch {
        measures: Some("更换".into()),
        responsible: Some("王".into()),
        funds_yuan: Some(1.0),
        interim_measures: Some("停用".into()),
        deadline: None,
    };
    move_to(&store, id, DangerStatus::Rectifying, "", Some(plan)).unwrap();
    assert_eq!(
        tick(&store, &schedule, deadline + TimeDelta::days(4)),
        0,
        "still alarmed, not twice"
    );
    move_to(&store, id, DangerStatus::Submitted, "完成", None).unwrap();
    assert!(!store.operations().alarm(alarm.id).unwrap().is_active());
    assert_eq!(store.operations().ledger().danger(id).unwrap().overdue_alarm, None);
    assert_eq!(tick(&store, &schedule, deadline + TimeDelta::days(5)), 0);
    drop(store);
    let store = open(dir.path());
    assert_eq!(tick(&store, &schedule, deadline + TimeDelta::days(6)), 0);
    assert_eq!(count(&store, "alarm_raised"), 1);
}

#[test]
fn down_through_both_reminder_days_only_the_nearest_reminder_is_sent_and_a_general_danger_alarms_orange() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let deadline = Utc::now() + TimeDelta::days(10);
    let id = reported(&store, report(enterprise(&store), DangerSeverity::General, deadline));
    let schedule = Schedule::new(vec![1, 7, 7]).unwrap();
    assert_eq!(schedule.reminder_days, [1, 7]);
    assert_eq!(tick(&store, &schedule, deadline - TimeDelta::hours(2)), 1);
    assert_eq!(tick(&store, &schedule, deadline - TimeDelta::hours(1)), 0);
    let reminders = store.operations().ledger().danger(id).unwrap().reminders.clone();
    assert_eq!(reminders.len(), 1);
    assert_eq!((reminders[0].days_before, reminders[0].to.as_str()), (1, "li"));
    // Down through the deadline too: no reminder after it, the alarm instead.
    assert_eq!(tick(&store, &schedule, deadline + TimeDelta::days(2)), 1);
    let ops = store.operations();
    let alarm = ops
        .alarm(ops.ledger().danger(id).unwrap().overdue_alarm.unwrap())
        .unwrap();
    assert_eq!(alarm.colour, AlarmColour::Orange);
    assert!(Schedule::new(vec![0]).is_err());
}

#[test]
fn a_new_deadline_ends_the_overdue_alarm_and_starts_the_reminders_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let deadline = Utc::now() - TimeDelta::days(1);
    let schedule = Schedule::default();
    let id = reported(&store, report(enterprise(&store), DangerSeverity::General, deadline));
    assert_eq!(tick(&store, &schedule, Utc::now()), 1, "overdue at once");
    let later = Utc::now() + TimeDelta::days(14);
    let patch = RectificationPatch {
        deadline: Some(later),
        ..Default::default()
    };
    move_to(&store, id, DangerStatus::Rectifying, "延期", Some(patch)).unwrap();
    assert_eq!(tick(&store, &schedule, Utc::now()), 1, "the alarm is cleared");
    assert_eq!(count(&store, "alarm_cleared"), 1);
    assert_eq!(
        tick(&store, &schedule, later - TimeDelta::days(6)),
        1,
        "the 7-day reminder for the new deadline"
    );
    assert_eq!(kinds(&store).last(), Some(&"deadline_reminded"));
}

#[test]
fn the_list_filters_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let e = enterprise(&store);
    let now = Utc::now();
    reported(&store, report(e, DangerSeverity::Major, now - TimeDelta::days(1)));
    reported(&store, report(e, DangerSeverity::General, now + TimeDelta::days(5)));
    reported(&store, report(e, DangerSeverity::General, now + TimeDelta::days(9)));
    let ops = store.operations();
    let all = ops.ledger().list(&query::DangerFilter::default(), now, 0, 2);
    assert_eq!(all.counts.total, 3);
    assert_eq!(all.dangers.len(), 2, "a page");
    assert_eq!(all.counts.overdue, 1);
    assert_eq!(all.counts.major_open, 1);
    assert!(all.dangers[0].is_overdue(now), "overdue first");
    let f = query::DangerFilter::parse(
        None,
        None,
        None,
        Some("general"),
        Some("reported"),
        None,
        None,
        Some(false),
    )
    .unwrap();
    assert_eq!(ops.ledger().list(&f, now, 0, 10).counts.total, 2);
    let county = ops.ledger().danger(1).unwrap().place.county.clone();
    let f = query::DangerFilter::parse(None, Some(&county), None, None, None, None, None, Some(true)).unwrap();
    assert_eq!(ops.ledger().list(&f, now, 0, 10).counts.total, 1);
    let scoped = query::DangerFilter {
        scope: Some(vec![u32::MAX]),
        ..Default::default()
    };
    assert_eq!(ops.ledger().list(&scoped, now, 0, 10).counts.total, 0);
    assert!(query::DangerFilter::parse(None, None, None, Some("huge"), None, None, None, None).is_err());
}

#[test]
fn an_import_names_each_bad_row_and_a_second_import_adds_nothing_and_an_export_reads_back() {
    use super::sheet::{Format, export, plan_import, read_rows};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (name, code) = {
        let layer = store.catalog().enterprises.read();
        let f = &layer.features()[1];
        (f.properties.name.clone(), f.properties.credit_code.clone())
    };
    let e = enterprise(&store);
    let csv = format!(
        "\u{feff}编号,企业,类别,隐患等级,隐患描述,发现人,发现日期,来源,整改期限,整改资金\n\
         A1,{e},消防,一般隐患,灭火器过期,张三,2026-10-01,监督检查,2026-12-31,1000\n\
         A2,{name},equipment,major,储罐腐蚀,李四,2026/10/02,inspection,2027-01-31 18:00,\n\
         A3,{code},电气,一般,线路老化,王五,2026-10-03,企业自查,2026-12-01T00:00:00+08:00,\n\
         A4,{e},消防,一般,通道堵塞,张三,2026-13-45,监督检查,2026-12-31,\n\
         A5,不存在的企业,消防,一般,通道堵塞,张三,2026-10-01,监督检查,2026-12-31,\n\
         A6,{e},消防,一般,,张三,2026-10-01,监督检查,2026-12-31,\n\
         ,,,,,,,,,\n"
    );
    let rows = read_rows(Format::Csv, csv.as_bytes()).unwrap();
    let plan = plan_import(store.operations().ledger(), store.catalog(), &rows).unwrap();
    assert_eq!(plan.rows, 6, "the blank line is not a row");
    assert_eq!(plan.reports.len(), 3);
    let problems: Vec<(usize, &str)> = plan
        .problems
        .iter()
        .map(|p| (p.row, p.external_id.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(problems, [(5, "A4"), (6, "A5"), (7, "A6")]);
    assert!(
        plan.problems[0].reasons[0].contains("found_at: bad date"),
        "{:?}",
        plan.problems[0]
    );
    assert!(
        plan.problems[1].reasons[0].contains("unknown enterprise"),
        "{:?}",
        plan.problems[1]
    );
    assert!(
        plan.problems[2].reasons[0].contains("description: missing"),
        "{:?}",
        plan.problems[2]
    );
    let a2 = &plan.reports[1].1;
    assert_eq!(a2.severity, DangerSeverity::Major);
    assert_eq!(
        a2.rectification.deadline.to_rfc3339(),
        "2027-01-31T10:00:00+00:00",
        "CST"
    );
    let events = plan.reports.iter().map(|(_, r)| report_event(r.clone())).collect();
    store.submit_unit("importer", events, None).unwrap();
    assert_eq!(store.operations().ledger().len(), 3);

    let again = plan_import(store.operations().ledger(), store.catalog(), &rows).unwrap();
    assert_eq!(
        (again.reports.len(), again.already.len(), again.problems.len()),
        (0, 3, 3)
    );

    // Out as XLSX and back in: the same ledger, nothing new.
    let ops = store.operations();
    let dangers: Vec<&Danger> = ops.ledger().dangers().collect();
    let bytes = export(Format::Xlsx, &dangers, Utc::now()).unwrap();
    let back = read_rows(Format::Xlsx, &bytes).unwrap();
    assert_eq!(back.len(), 4);
    assert_eq!(back[0][0], "编号");
    let replan = plan_import(ops.ledger(), store.catalog(), &back).unwrap();
    assert_eq!(
        (replan.reports.len(), replan.already.len(), replan.problems.len()),
        (0, 3, 0)
    );
    let csv_out = export(Format::Csv, &dangers, Utc::now()).unwrap();
    assert!(String::from_utf8(csv_out).unwrap().contains("储罐腐蚀"));
    // A sheet without a required column is refused whole.
    let err = plan_import(ops.ledger(), store.catalog(), &[vec!["编号".into()]]).unwrap_err();
    assert!(err.to_string().contains("deadline"), "{err}");
}

#[test]
fn an_attachment_is_on_the_record_with_who_and_the_status_then_once_per_file_and_after_a_restart() {
    use crate::model::Attachment;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = reported(
        &store,
        report(
            enterprise(&store),
            DangerSeverity::General,
            Utc::now() + TimeDelta::days(9),
        ),
    );
    let photo = Attachment {
        sha256: attachment::sha256_hex(b"photo"),
        name: "罐区.jpg".into(),
        media_type: "image/jpeg".into(),
        bytes: 5,
    };
    let attach = |a: &Attachment| {
        store.submit(
            "inspector",
            Event::Ledger(LedgerEvent::AttachmentAdded {
                danger: id,
                attachment: a.clone(),
            }),
        )
    };
    attach(&photo).expect("attached");
    // the same file again: refused, naming it
    let err = attach(&photo).unwrap_err().to_string();
    assert!(err.contains("has this file"), "{err}");
    // a type not taken, a name with folders, an unknown danger
    let bad = Attachment {
        sha256: attachment::sha256_hex(b"doc"),
        media_type: "text/html".into(),
        ..photo.clone()
    };
    assert!(attach(&bad).unwrap_err().to_string().contains("media_type"));
    let bad = Attachment {
        sha256: attachment::sha256_hex(b"doc"),
        name: "../x.jpg".into(),
        ..photo.clone()
    };
    assert!(attach(&bad).unwrap_err().to_string().contains("folders"));
    move_to(&store, id, DangerStatus::Rectifying, "", None).unwrap();
    move_to(&store, id, DangerStatus::Submitted, "已整改", None).unwrap();
    let evidence = Attachment {
        sha256: attachment::sha256_hex(b"%PDF report"),
        name: "整改报告.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: 11,
    };
    attach(&evidence).expect("evidence");
    let seen = |store: &Store| {
        let ops = store.operations();
        let d = ops.ledger().danger(id).expect("danger");
        d.attachments
            .iter()
            .map(|a| (a.attachment.name.clone(), a.actor.clone(), a.status))
            .collect::<Vec<_>>()
    };
    let want = vec![
        ("罐区.jpg".to_owned(), "inspector".to_owned(), DangerStatus::Reported),
        (
            "整改报告.pdf".to_owned(),
            "inspector".to_owned(),
            DangerStatus::Submitted,
        ),
    ];
    assert_eq!(seen(&store), want);
    drop(store);
    assert_eq!(seen(&open(dir.path())), want, "the journal read again");
}
