use super::*;
use crate::model::{SensorSite, Thresholds};
use serde_json::json;

fn sensor(kind: SensorKind, range: [f64; 2]) -> Sensor {
    Sensor {
        name: "T-A01 区域 可燃气体".into(),
        kind,
        site: SensorSite::HazardSource,
        site_id: 1,
        site_name: "罐区".into(),
        hazard_source_id: Some(1),
        substance: None,
        unit: "%LEL".into(),
        range,
        thresholds: Thresholds::default(),
        stale_after_min: 5,
        url: Some("https://video.example.invalid/1".into()),
        county_id: 1,
        county: "迎泽区".into(),
        city: "太原市".into(),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Sensors(Vec<Sensor>);

impl Sensors {
    fn new() -> Self {
        Self(vec![
            sensor(SensorKind::CombustibleGas, [0.0, 100.0]),
            sensor(SensorKind::Weather, [-60.0, 360.0]),
            sensor(SensorKind::Camera, [0.0, 1.0]),
        ])
    }
    fn get(&self, id: FeatureId) -> Option<&Sensor> {
        self.0.get(usize::try_from(id).ok()?.checked_sub(1)?)
    }
}

#[test]
fn bad_readings_are_counted_by_reason_and_never_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Readings::open(dir.path(), 90, now()).unwrap();
    let s = Sensors::new();
    let items: Vec<std::result::Result<Json, String>> = vec![
        Ok(json!({"sensor": 1, "at": "2026-11-30T11:59:00Z", "value": 12.5})),
        Err("line 2: expected value".into()),
        Ok(json!([1, 2])),
        Ok(json!({"at": "2026-11-30T11:59:00Z", "value": 1})),
        Ok(json!({"sensor": 99, "value": 1})),
        Ok(json!({"sensor": 3, "value": 1})),
        Ok(json!({"sensor": 1, "at": "yesterday", "value": 1})),
        Ok(json!({"sensor": 1, "at": "2026-11-30T13:00:00Z", "value": 1})),
        Ok(json!({"sensor": 1, "at": "2020-01-01T00:00:00Z", "value": 1})),
        Ok(json!({"sensor": 1})),
        Ok(json!({"sensor": 1, "value": "NaN"})),
        Ok(json!({"sensor": 1, "value": 101})),
        Ok(json!({"sensor": 1, "value": -0.5})),
        Ok(json!({"sensor": 1, "value": 3, "unit": "%LEL"})),
        Ok(json!({"sensor": 2, "wind_from_deg": 270, "wind_speed_ms": 3})),
        Ok(json!({"sensor": 2, "wind_from_deg": 270, "wind_speed_ms": 3, "temperature_c": 4, "cloud_cover_oktas": 2})),
        Ok(json!({"sensor": 1, "value": 13.0})),
    ];
    let report = store.ingest(items, |id| s.get(id), now()).unwrap();
    assert_eq!(report.accepted, 3);
    assert_eq!(report.rejected, 14);
    let reasons: Vec<_> = report.rejections.iter().map(|r| (r.index, r.reason)).collect();
    assert_eq!(
        reasons,
        [
            (1, Reason::Malformed),
            (2, Reason::Malformed),
            (3, Reason::NoSensor),
            (4, Reason::UnknownSensor),
            (5, Reason::NotMeasuring),
            (6, Reason::BadTime),
            (7, Reason::FutureTime),
            (8, Reason::TooOld),
            (9, Reason::NoValue),
            (10, Reason::NotFinite),
            (11, Reason::OutOfRange),
            (12, Reason::OutOfRange),
            (13, Reason::UnknownField),
            (14, Reason::NoValue),
        ]
    );
    let counts = store.counts();
    assert_eq!(counts.accepted, 3);
    assert_eq!(counts.rejected["malformed"], 2);
    assert_eq!(counts.rejected["out_of_range"], 2);
    assert_eq!(counts.rejected.values().sum::<u64>(), 14);
    // The latest of sensor 1 is the newest by time, not the last sent.
    assert_eq!(store.latest(1).unwrap().value(), 13.0);
    assert_eq!(store.latest(2).unwrap().values(), [270.0, 3.0, 4.0, 2.0]);
}

#[test]
fn readings_survive_a_restart_and_a_torn_tail_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Readings::open(dir.path(), 90, now()).unwrap();
        store
            .append(&[Reading::new(1, now() - TimeDelta::minutes(2), 10.0)])
            .unwrap();
        store
            .append(&[Reading::new(1, now() - TimeDelta::minutes(1), 11.0)])
            .unwrap();
    }
    // A crash in the middle of a third frame.
    let path = segment::path(dir.path(), now().date_naive());
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&[40, 0, 0, 0, 1, 2]).unwrap();
    drop(f);
    let store = Readings::open(dir.path(), 90, now()).unwrap();
    assert_eq!(store.latest(1).unwrap().value(), 11.0);
    store.append(&[Reading::new(1, now(), 12.0)]).unwrap();
    let series = store
        .series(
            1,
            now() - TimeDelta::hours(1),
            now() + TimeDelta::seconds(1),
            None,
            false,
        )
        .unwrap();
    assert_eq!(series.iter().map(|b| b.mean[0]).collect::<Vec<_>>(), [10.0, 11.0, 12.0]);
    use std::fs::OpenOptions;
    use std::io::Write;
}

#[test]
fn a_series_is_downsampled_into_buckets_with_mean_min_and_max() {
    let dir = tempfile::tempdir().unwrap();
    let store = Readings::open(dir.path(), 90, now()).unwrap();
    let start = now() - TimeDelta::hours(2);
    // One reading a minute for two hours, over midnight of no day: 0, 1, 2 ...
    let batch: Vec<Reading> = (0..120)
        .map(|m| Reading::new(1, start + TimeDelta::minutes(m), m as f64))
        .chain([Reading::new(2, start, 5.0)])
        .collect();
    store.append(&batch).unwrap();
    let buckets = store
        .series(1, start, now(), Some(TimeDelta::minutes(30)), false)
        .unwrap();
    assert_eq!(buckets.len(), 4);
    assert_eq!(buckets[0].at, start);
    assert_eq!(buckets[0].n, 30);
    assert_eq!(
        (buckets[0].min[0], buckets[0].max[0], buckets[0].mean[0]),
        (0.0, 29.0, 14.5)
    );
    assert_eq!(buckets[3].at, start + TimeDelta::minutes(90));
    assert!(store.series(1, now(), start, None, false).is_err());
    assert!(
        store
            .series(1, start, now(), Some(TimeDelta::milliseconds(10)), false)
            .is_err()
    );
    assert!(
        store
            .series(
                1,
                start - TimeDelta::days(30),
                now(),
                Some(TimeDelta::seconds(1)),
                false
            )
            .is_err()
    );
}

#[test]
fn segments_past_the_retention_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Readings::open(dir.path(), 3, now()).unwrap();
    for days in 0..3 {
        store
            .append(&[Reading::new(1, now() - TimeDelta::days(days), 1.0)])
            .unwrap();
    }
    drop(store);
    let later = now() + TimeDelta::days(3);
    let store = Readings::open(dir.path(), 3, later).unwrap();
    let left: Vec<_> = segment::list(dir.path()).unwrap().into_iter().map(|(d, _)| d).collect();
    assert_eq!(left, [now().date_naive()]);
    assert_eq!(store.drop_expired(later).unwrap(), 0);
    assert!(Readings::open(dir.path(), 0, later).is_err());
}
