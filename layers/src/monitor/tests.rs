use super::*;
use crate::model::AlarmColour;
use crate::store::journal::DatasetIdentity;
use serde_json::json;

fn store(dir: &std::path::Path) -> Store {
    let identity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);
    let data = crate::generate::tests::small_dataset().clone();
    Store::embedded(data, identity, &dir.join("journal.lkj"))
        .expect("store")
        .0
}

/// A combustible-gas detector at a level-1 hazard source: (sensor, hazard source).
fn gas_detector_at_level_one(store: &Store) -> (FeatureId, FeatureId) {
    let catalog = store.catalog();
    let hazards = catalog.hazard_sources.read();
    let sensors = catalog.sensors.read();
    sensors
        .features()
        .iter()
        .filter(|s| s.properties.kind == SensorKind::CombustibleGas)
        .find_map(|s| {
            let h = s.properties.hazard_source_id?;
            (hazards.feature(h)?.properties.level == Some(1)).then_some((s.id, h))
        })
        .expect("a level-1 hazard source with a combustible-gas detector")
}

fn reading(sensor: FeatureId, value: f64, seconds_ago: i64) -> std::result::Result<Json, String> {
    let at = Utc::now() - TimeDelta::seconds(seconds_ago);
    Ok(json!({"sensor": sensor, "at": at.to_rfc3339(), "value": value}))
}

fn hazard_alarm(store: &Store, id: FeatureId) -> Option<AlarmColour> {
    store
        .catalog()
        .hazard_sources
        .read()
        .feature(id)
        .and_then(|f| f.properties.alarm)
}

#[test]
fn two_readings_over_50_percent_lel_at_a_level_one_source_raise_a_red_alarm_until_acknowledged_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
    let monitor = Monitor::default();
    let (sensor, hazard) = gas_detector_at_level_one(&store);

    // One stray reading raises nothing (debounce).
    let (report, error) = monitor
        .ingest(&store, &readings, vec![reading(sensor, 62.0, 20)], Utc::now())
        .unwrap();
    assert_eq!((report.accepted, error), (1, None));
    assert!(store.operations().active_alarm(sensor).is_none());
    // The second in a row raises it, red: second level at a level-1 source.
    monitor
        .ingest(&store, &readings, vec![reading(sensor, 64.0, 10)], Utc::now())
        .unwrap();
    let alarm = store.operations().active_alarm(sensor).cloned().expect("an alarm");
    assert_eq!((alarm.rule, alarm.colour), (AlarmRule::HighHigh, AlarmColour::Red));
    assert_eq!((alarm.value, alarm.threshold), (Some(64.0), Some(50.0)));
    // The hazard source shows it at once.
    assert_eq!(hazard_alarm(&store, hazard), Some(AlarmColour::Red));
    // A hand edit of the hazard source's alarm is refused.
    let edit = Event::FeatureUpdated {
        collection: "hazard_sources".into(),
        id: hazard,
        properties: serde_json::from_value(json!({"alarm": null})).unwrap(),
        geometry: None,
    };
    assert!(matches!(store.submit("planner", edit), Err(crate::Error::Conflict(_))));

    // Not acknowledged in 5 minutes: escalated, once.
    let later = Utc::now() + TimeDelta::minutes(6);
    assert_eq!(monitor.run_clock(&store, &readings, later), None);
    assert!(store.operations().alarm(alarm.id).unwrap().escalated_at.is_some());
    let events = monitor.tick(store.catalog(), &store.operations(), &[], later);
    assert!(events.iter().all(|e| !matches!(e, Event::AlarmEscalated { .. })));

    // Acknowledged once, by whom, with a remark; a second time is refused.
    let ack = Event::AlarmAcknowledged {
        alarm: alarm.id,
        remark: "班长已电话核实".into(),
    };
    store.submit("duty-officer", ack.clone()).unwrap();
    let acked = store
        .operations()
        .alarm(alarm.id)
        .unwrap()
        .acknowledged
        .clone()
        .unwrap();
    assert_eq!(
        (acked.by.as_str(), acked.remark.as_str()),
        ("duty-officer", "班长已电话核实")
    );
    assert!(matches!(
        store.submit("someone-else", ack),
        Err(crate::Error::Conflict(_))
    ));

    // Back under 25 % LEL twice: cleared, and the hazard source with it.
    monitor
        .ingest(
            &store,
            &readings,
            vec![reading(sensor, 3.0, 5), reading(sensor, 2.0, 1)],
            Utc::now(),
        )
        .unwrap();
    assert!(store.operations().active_alarm(sensor).is_none());
    assert!(store.operations().alarm(alarm.id).unwrap().cleared_at.is_some());
    assert_eq!(hazard_alarm(&store, hazard), None);
    let ops = store.operations();
    let kinds: Vec<&str> = ops
        .alarm(alarm.id)
        .unwrap()
        .history
        .iter()
        .filter_map(|h| h["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["alarm_raised", "alarm_escalated", "alarm_acknowledged", "alarm_cleared"]
    );
}

#[test]
fn a_rising_reading_changes_the_alarm_and_a_silent_sensor_goes_stale() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
    let monitor = Monitor::default();
    let (sensor, hazard) = gas_detector_at_level_one(&store);
    // 30 % LEL twice: high, orange at a level-1 source.
    monitor
        .ingest(
            &store,
            &readings,
            vec![reading(sensor, 30.0, 60), reading(sensor, 31.0, 50)],
            Utc::now(),
        )
        .unwrap();
    let first = store.operations().active_alarm(sensor).cloned().unwrap();
    assert_eq!((first.rule, first.colour), (AlarmRule::High, AlarmColour::Orange));
    assert_eq!(hazard_alarm(&store, hazard), Some(AlarmColour::Orange));
    // Then 55 % twice: the same alarm, now high-high and red.
    monitor
        .ingest(
            &store,
            &readings,
            vec![reading(sensor, 55.0, 40), reading(sensor, 56.0, 30)],
            Utc::now(),
        )
        .unwrap();
    let now = store.operations().active_alarm(sensor).cloned().unwrap();
    assert_eq!(now.id, first.id);
    assert_eq!((now.rule, now.colour), (AlarmRule::HighHigh, AlarmColour::Red));
    assert_eq!(hazard_alarm(&store, hazard), Some(AlarmColour::Red));

    // Another sensor reports once, then is silent past its stale time.
    let (other, _) = {
        let sensors = store.catalog().sensors.read();
        let s = sensors
            .features()
            .iter()
            .find(|s| s.properties.kind == SensorKind::TankLevel)
            .unwrap();
        (s.id, s.properties.stale_after_min)
    };
    monitor
        .ingest(&store, &readings, vec![reading(other, 50.0, 0)], Utc::now())
        .unwrap();
    assert!(store.operations().active_alarm(other).is_none());
    monitor.run_clock(&store, &readings, Utc::now() + TimeDelta::minutes(11));
    let stale = store.operations().active_alarm(other).cloned().expect("stale");
    assert_eq!((stale.rule, stale.colour), (AlarmRule::Stale, AlarmColour::Blue));
    // Its next reading ends it at once.
    monitor
        .ingest(&store, &readings, vec![reading(other, 50.0, 0)], Utc::now())
        .unwrap();
    assert!(store.operations().active_alarm(other).is_none());
}

fn drill_reading(sensor: FeatureId, value: f64, seconds_ago: i64) -> std::result::Result<Json, String> {
    let at = Utc::now() - TimeDelta::seconds(seconds_ago);
    Ok(json!({"sensor": sensor, "at": at.to_rfc3339(), "value": value, "drill": true}))
}

#[test]
fn a_restart_between_two_readings_over_the_threshold_still_raises_the_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let (sensor, _) = gas_detector_at_level_one(&store);
    {
        let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
        let monitor = Monitor::default();
        monitor
            .ingest(&store, &readings, vec![reading(sensor, 62.0, 20)], Utc::now())
            .unwrap();
        assert!(
            store.operations().active_alarm(sensor).is_none(),
            "one reading is a stray"
        );
    }
    // The server restarts: a new monitor over the same readings store.
    let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
    let monitor = Monitor::default();
    monitor.restore(store.catalog(), &readings.latest_all());
    monitor
        .ingest(&store, &readings, vec![reading(sensor, 64.0, 10)], Utc::now())
        .unwrap();
    let alarm = store.operations().active_alarm(sensor).cloned();
    assert_eq!(
        alarm.map(|a| a.rule),
        Some(AlarmRule::HighHigh),
        "the count was forgotten"
    );

    // And a restart does not turn one stray reading into two.
    let quiet = store
        .catalog()
        .sensors
        .read()
        .features()
        .iter()
        .find(|s| s.properties.kind == SensorKind::CombustibleGas && s.id != sensor)
        .expect("another detector")
        .id;
    monitor
        .ingest(&store, &readings, vec![reading(quiet, 10.0, 20)], Utc::now())
        .unwrap();
    let monitor = Monitor::default();
    monitor.restore(store.catalog(), &readings.latest_all());
    monitor
        .ingest(&store, &readings, vec![reading(quiet, 30.0, 10)], Utc::now())
        .unwrap();
    assert!(store.operations().active_alarm(quiet).is_none());
}

#[test]
fn drill_readings_raise_drill_alarms_apart_from_the_real_ones_and_never_on_the_hazard_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
    let monitor = Monitor::default();
    let (sensor, hazard) = gas_detector_at_level_one(&store);

    // A real stray reading and a drill reading do not make two in a row.
    monitor
        .ingest(
            &store,
            &readings,
            vec![reading(sensor, 62.0, 30), drill_reading(sensor, 62.0, 25)],
            Utc::now(),
        )
        .unwrap();
    assert!(store.operations().alarms().next().is_none());
    monitor
        .ingest(&store, &readings, vec![drill_reading(sensor, 64.0, 20)], Utc::now())
        .unwrap();
    let ops = store.operations();
    let drill = ops.active_alarm_of(sensor, true).cloned().expect("a drill alarm");
    assert!(drill.drill);
    assert_eq!(drill.colour, AlarmColour::Red);
    assert!(ops.active_alarm(sensor).is_none(), "no real alarm from drill readings");
    drop(ops);
    assert_eq!(
        hazard_alarm(&store, hazard),
        None,
        "a drill alarm never shows on the hazard source"
    );
    // The real readings stay the sensor's latest; the drill ones are charted apart.
    assert_eq!(readings.latest(sensor).map(|r| r.value()), Some(62.0));
    let real = readings
        .series(sensor, Utc::now() - TimeDelta::hours(1), Utc::now(), None, false)
        .unwrap();
    let drilled = readings
        .series(sensor, Utc::now() - TimeDelta::hours(1), Utc::now(), None, true)
        .unwrap();
    assert_eq!((real.len(), drilled.len()), (1, 2));

    // A real alarm can stand beside the drill one; the counts keep them apart.
    monitor
        .ingest(&store, &readings, vec![reading(sensor, 63.0, 15)], Utc::now())
        .unwrap();
    let ops = store.operations();
    let real = ops.active_alarm(sensor).cloned().expect("a real alarm");
    assert!(!real.drill);
    assert_ne!(real.id, drill.id);
    let counts = ops.alarm_counts(|_| true);
    assert_eq!((counts.active, counts.drill, counts.by_colour["red"]), (1, 1, 1));
    drop(ops);
    assert_eq!(hazard_alarm(&store, hazard), Some(AlarmColour::Red));
    // Clean drill readings clear the drill alarm only.
    monitor
        .ingest(
            &store,
            &readings,
            vec![drill_reading(sensor, 1.0, 5), drill_reading(sensor, 1.0, 4)],
            Utc::now(),
        )
        .unwrap();
    let ops = store.operations();
    assert!(ops.active_alarm_of(sensor, true).is_none());
    assert!(ops.active_alarm(sensor).is_some());
}

#[test]
fn a_tank_temperature_rising_faster_than_its_set_rate_raises_a_rate_alarm_and_none_without_a_rate() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let readings = Readings::open(&dir.path().join("readings"), 90, Utc::now()).unwrap();
    let monitor = Monitor::default();
    let (with_rate, without) = {
        let layer = store.catalog().sensors.read();
        let mut tanks = layer
            .features()
            .iter()
            .filter(|s| s.properties.kind == SensorKind::TankTemperature);
        let a = tanks.next().expect("a tank thermometer");
        let b = tanks.next().expect("another");
        assert_eq!(a.properties.thresholds.rise_per_min, None, "no default rate");
        (a.id, b.id)
    };
    let patch = Event::FeatureUpdated {
        collection: "sensors".into(),
        id: with_rate,
        properties: serde_json::from_value(json!({"thresholds": {"rise_per_min": 1.0}})).unwrap(),
        geometry: None,
    };
    store.submit("planner", patch).expect("rise_per_min set");
    // 20 → 22.5 → 25 °C a minute apart: 2.5 °C/min, below the 40 °C first level.
    for sensor in [with_rate, without] {
        let batch = [(20.0, 180), (22.5, 120), (25.0, 60)]
            .iter()
            .map(|(v, ago)| reading(sensor, *v, *ago))
            .collect();
        monitor.ingest(&store, &readings, batch, Utc::now()).unwrap();
    }
    let ops = store.operations();
    let alarm = ops.active_alarm(with_rate).cloned().expect("a rate alarm");
    assert_eq!((alarm.rule, alarm.threshold), (AlarmRule::Rate, Some(1.0)));
    assert!(matches!(alarm.colour, AlarmColour::Yellow | AlarmColour::Orange));
    assert!(ops.active_alarm(without).is_none());
    drop(ops);
    // Steady again (two readings): cleared.
    let batch = vec![reading(with_rate, 25.1, 30), reading(with_rate, 25.1, 10)];
    monitor.ingest(&store, &readings, batch, Utc::now()).unwrap();
    assert!(store.operations().active_alarm(with_rate).is_none());
}
