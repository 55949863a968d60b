//! Operations through the embedded store: checks, the fold, drills kept
//! apart, replay, and the record surviving a reopen.

use super::*;
use crate::error::Error;
use crate::generate::tests::small_dataset;
use crate::impact::Weather;
use crate::model::IncidentKind;
use crate::store::Store;
use crate::store::journal::DatasetIdentity;
use serde_json::json;
use std::sync::Arc;

const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);

fn store(dir: &std::path::Path) -> Store {
    Store::embedded(small_dataset().clone(), IDENTITY, &dir.join("journal.lkj"))
        .expect("store")
        .0
}

fn spec(kind: IncidentKind) -> IncidentSpec {
    IncidentSpec {
        title: "test".into(),
        kind,
        location: [112.55, 37.87],
        substance: None,
        spill: None,
        release_rate_kg_s: None,
        mass_kg: None,
        container: None,
        hazard_source_id: None,
        tnt_yield: None,
        cordon_m: Some(500.0),
        weather: None,
        casualties: None,
        description: String::new(),
    }
}

fn open(store: &Store, drill: bool) -> FeatureId {
    let record = store
        .submit(
            "duty",
            Event::IncidentOpened {
                incident: 0,
                drill,
                scenario: None,
                spec: spec(IncidentKind::MineAccident),
            },
        )
        .expect("open");
    record.event.feature_id().expect("id")
}

fn available_team(store: &Store) -> FeatureId {
    let teams = store.catalog().rescue_teams.read();
    teams
        .features()
        .iter()
        .find(|f| f.properties.status == TeamStatus::Available)
        .map(|f| f.id)
        .expect("an available team")
}

fn dispatch(store: &Store, incident: FeatureId, team: FeatureId) -> Result<Arc<EventRecord>> {
    store.submit(
        "duty",
        Event::UnitDispatched {
            incident,
            drill: false,
            team,
            name: String::new(),
            kind: String::new(),
            travel_s: None,
            distance_m: None,
        },
    )
}

fn set(store: &Store, team: FeatureId, to: TeamStatus, drill: bool) -> Result<Arc<EventRecord>> {
    store.submit(
        "duty",
        Event::UnitStatusChanged {
            team,
            drill,
            incident: None,
            from: to,
            to,
        },
    )
}

#[test]
fn ids_are_assigned_and_the_incident_is_a_map_feature() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let a = open(&store, false);
    let b = open(&store, true);
    assert_eq!((a, b), (1, 2));
    let layer = store.catalog().incidents.read();
    assert_eq!(layer.len(), 2);
    assert!(layer.feature(b).unwrap().properties.drill);
}

#[test]
fn the_cycle_is_enforced_and_a_real_dispatch_changes_the_team_layer() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let incident = open(&store, false);
    let team = available_team(&store);
    dispatch(&store, incident, team).unwrap();
    assert!(matches!(dispatch(&store, incident, team), Err(Error::Conflict(_))));
    assert!(matches!(
        set(&store, team, TeamStatus::OnScene, false),
        Err(Error::Conflict(_))
    ));
    for to in [
        TeamStatus::EnRoute,
        TeamStatus::OnScene,
        TeamStatus::Returning,
        TeamStatus::Available,
    ] {
        let r = set(&store, team, to, false).unwrap();
        let Event::UnitStatusChanged { incident: i, to: t, .. } = &r.event else {
            panic!("recorded {:?}", r.event)
        };
        assert_eq!((*i, *t), (Some(incident), to));
        let teams = store.catalog().rescue_teams.read();
        assert_eq!(teams.feature(team).unwrap().properties.status, to);
    }
    let ops = store.operations();
    let unit = &ops.incident(incident).unwrap().units[0];
    assert!(unit.on_scene_at.is_some() && unit.available_at.is_some());
    assert_eq!(ops.unit(store.catalog(), team, false).unwrap().incident, None);
}

#[test]
fn a_drill_keeps_its_own_statuses_and_a_real_assignment_blocks_drills() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let real = open(&store, false);
    let drill = open(&store, true);
    let team = available_team(&store);
    dispatch(&store, drill, team).unwrap();
    set(&store, team, TeamStatus::EnRoute, true).unwrap();
    // The real layer does not see the drill.
    assert_eq!(
        store
            .catalog()
            .rescue_teams
            .read()
            .feature(team)
            .unwrap()
            .properties
            .status,
        TeamStatus::Available
    );
    // Busy in the drill, free for real: a real incident may take it.
    dispatch(&store, real, team).unwrap();
    // Busy for real: the drill cannot move it on, nor another drill take it.
    let other = open(&store, true);
    assert!(matches!(dispatch(&store, other, team), Err(Error::Conflict(_))));
    assert!(matches!(
        set(&store, team, TeamStatus::OnScene, true),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn closing_twice_and_writing_to_a_closed_incident_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let incident = open(&store, false);
    let close = |reason: &str| {
        store.submit(
            "duty",
            Event::IncidentClosed {
                incident,
                drill: false,
                reason: reason.into(),
            },
        )
    };
    close("done").unwrap();
    assert!(matches!(close("again"), Err(Error::Conflict(_))));
    let team = available_team(&store);
    assert!(matches!(dispatch(&store, incident, team), Err(Error::Conflict(_))));
    assert!(matches!(
        store.submit(
            "duty",
            Event::IncidentUpdated {
                incident,
                drill: false,
                changes: serde_json::Map::from_iter([("casualties".to_string(), json!(3))]),
            }
        ),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn the_record_survives_a_reopen_and_replay_gives_the_past() {
    let dir = tempfile::tempdir().unwrap();
    let (incident, team, middle, live_then) = {
        let store = store(dir.path());
        let incident = open(&store, false);
        let team = available_team(&store);
        let r = dispatch(&store, incident, team).unwrap();
        let live_then = store.operations().incident(incident).cloned().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        set(&store, team, TeamStatus::EnRoute, false).unwrap();
        (incident, team, r.at, live_then)
    };
    let store = store(dir.path());
    let ops = store.operations();
    let now = ops.incident(incident).unwrap();
    assert_eq!(now.units[0].status, TeamStatus::EnRoute);
    assert_eq!(now.timeline.len(), 3);
    assert_eq!(
        store
            .catalog()
            .rescue_teams
            .read()
            .feature(team)
            .unwrap()
            .properties
            .status,
        TeamStatus::EnRoute
    );
    let past = ops.replay(middle);
    assert_eq!(past.incident(incident), Some(&live_then));
    assert_eq!(past.units(false)[&team].status, TeamStatus::Dispatched);
}

#[test]
fn specs_with_impossible_values_are_refused() {
    let mut s = spec(IncidentKind::Leak);
    assert!(s.validate().is_err(), "a leak needs the weather");
    s.weather = Some(Weather::new(90.0, 3.0, true));
    s.substance = Some("chlorine".into());
    s.validate().unwrap();
    for bad in [
        json!({"substance": "unobtainium"}),
        json!({"cordon_m": -5}),
        json!({"location": [0, 91]}),
        json!({"weather": {"wind_from_deg": 90, "wind_speed_ms": 70, "daytime": true}}),
    ] {
        let changes = bad.as_object().unwrap().clone();
        assert!(
            matches!(s.patched(&changes), Err(Error::InvalidRequest(_))),
            "{bad} was accepted"
        );
    }
}

#[test]
fn an_incident_far_outside_the_region_is_refused_and_one_near_it_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(dir.path());
    let at = |location: [f64; 2]| Event::IncidentOpened {
        incident: 0,
        drill: false,
        scenario: None,
        spec: IncidentSpec {
            location,
            ..spec(IncidentKind::MineAccident)
        },
    };
    match store.submit("duty", at([11.52, 37.87])) {
        Err(Error::InvalidRequest(m)) => assert!(m.contains("outside the region"), "{m}"),
        other => panic!("accepted: {other:?}"),
    }
    assert_eq!(store.operations().incidents().count(), 0);
    // In Hebei, some 23 km across the border: accepted.
    let near = store.submit("duty", at([114.2, 38.0])).expect("near the border");
    let id = near.event.feature_id().expect("id");
    let moved = Event::IncidentUpdated {
        incident: id,
        drill: false,
        changes: json!({"location": [120.0, 30.0]}).as_object().expect("object").clone(),
    };
    assert!(matches!(store.submit("duty", moved), Err(Error::InvalidRequest(_))));
}

#[test]
fn needs_follow_the_kind_and_the_substance() {
    let mut s = spec(IncidentKind::Leak);
    s.substance = Some("chlorine".into());
    let kinds: Vec<_> = needs::needs(&s).iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [crate::model::RescueKind::Hazmat, crate::model::RescueKind::Medical]
    );
    assert!(needs::needs(&s)[0].capabilities.contains(&"chlorine_leak"));
    s.substance = Some("lpg".into());
    assert!(
        needs::needs(&s)
            .iter()
            .any(|n| n.kind == crate::model::RescueKind::Fire)
    );
    let mine: Vec<_> = needs::needs(&spec(IncidentKind::MineAccident))
        .iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(mine[0], crate::model::RescueKind::MineRescue);
}

#[test]
fn the_scenarios_in_data_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/scenarios");
    let scenarios = scenario::Scenario::read_dir(&dir).unwrap();
    let ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["changzhi-mine-flood", "linfen-chlorine", "taiyuan-gas-main"]);
    for s in &scenarios {
        assert!(s.injects.len() >= 3, "{} has few injects", s.id);
        // both languages of the map: the summary and every inject
        let han = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(han(&s.summary_zh), "{}: summary_zh is Chinese", s.id);
        assert!(
            !s.summary_en.is_empty() && !han(&s.summary_en),
            "{}: summary_en is English",
            s.id
        );
        for (n, i) in s.injects.iter().enumerate() {
            assert!(han(&i.title) && han(&i.text), "{} inject {n}: Chinese", s.id);
            for en in [&i.title_en, &i.text_en] {
                let en = en.as_deref().unwrap_or_default();
                assert!(!en.is_empty() && !han(en), "{} inject {n}: English {en:?}", s.id);
            }
        }
    }
}

/// A scenario written before the Chinese summary was asked for (`summary`,
/// English, and injects without English) still reads.
#[test]
fn an_older_scenario_file_reads_its_summary_as_the_english_one() {
    let text = "title_zh = \"旧\"\ntitle_en = \"Old\"\nsummary = \"An old one\"\n\
[incident]\ntitle = \"t\"\nkind = \"fire\"\nlocation = [112.5, 37.8]\n\
[[injects]]\nat_min = 1\ntitle = \"注入\"\ntext = \"内容\"\n";
    let s = scenario::Scenario::parse("old", text, std::path::Path::new("old.toml")).unwrap();
    assert_eq!((s.summary_zh.as_str(), s.summary_en.as_str()), ("", "An old one"));
    assert_eq!(s.injects[0].title_en, None);
}

/// The journal in `tests/fixtures/journal-before-typed-zones.lkj` was
/// written by this test with the code of commit 1371370, before stored zones
/// had a type of their own. Run with `--ignored` only to write it again.
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/journal-before-typed-zones.lkj"
);

/// The identity the fixture was written for (the dataset is `small_dataset`).
const FIXTURE_IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, 3);

#[test]
#[ignore = "writes the fixture journal; run by hand"]
fn write_the_fixture_journal() {
    let path = std::path::Path::new(FIXTURE);
    let _ = std::fs::remove_file(path);
    let store = Store::embedded(small_dataset().clone(), FIXTURE_IDENTITY, path)
        .unwrap()
        .0;
    let mut leak = spec(IncidentKind::Leak);
    leak.substance = Some("chlorine".into());
    leak.weather = Some(Weather::new(315.0, 2.0, true));
    for (drill, spec) in [(false, leak), (true, spec(IncidentKind::MineAccident))] {
        let opened = store
            .submit(
                "duty",
                Event::IncidentOpened {
                    incident: 0,
                    drill,
                    scenario: None,
                    spec: spec.clone(),
                },
            )
            .unwrap();
        let incident = opened.event.feature_id().unwrap();
        let zones = compute_zones(store.catalog(), &spec).unwrap();
        store
            .submit("duty", Event::ZonesComputed { incident, drill, zones })
            .unwrap();
    }
    let team = available_team(&store);
    dispatch(&store, 1, team).unwrap();
    set(&store, team, TeamStatus::EnRoute, false).unwrap();
    store
        .submit(
            "duty",
            Event::NoteAdded {
                incident: 1,
                drill: false,
                text: "wind turning".into(),
            },
        )
        .unwrap();
    store
        .submit(
            "duty",
            Event::IncidentClosed {
                incident: 2,
                drill: true,
                reason: "drill over".into(),
            },
        )
        .unwrap();
}

#[test]
fn a_journal_written_before_typed_zones_still_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.lkj");
    std::fs::copy(FIXTURE, &path).unwrap();
    let (store, _, replayed, torn) = Store::embedded(small_dataset().clone(), FIXTURE_IDENTITY, &path).unwrap();
    assert_eq!((replayed, torn), (8, None));
    let ops = store.operations();
    let leak = ops.incident(1).unwrap();
    let zones = &leak.zones.as_ref().unwrap().record;
    let tiers: Vec<&str> = zones.zones.iter().map(|z| z.tier.as_str()).collect();
    assert_eq!(tiers, ["cordon", "protective_action", "isolation"]);
    assert_eq!(zones.zones[0].radius_m, Some(500.0));
    assert!(
        zones
            .zones
            .iter()
            .all(|z| z.exposure.population > 0 && z.exposure.area_km2 > 0.0)
    );
    assert_eq!(zones.people(), zones.zones.iter().map(|z| z.exposure.population).max());
    assert_eq!(leak.units[0].status, TeamStatus::EnRoute);
    assert_eq!(leak.notes[0].text, "wind turning");
    let drill = ops.incident(2).unwrap();
    assert!(drill.drill && !drill.is_open());
    assert_eq!(drill.zones.as_ref().unwrap().record.zones.len(), 1);
    // Read and written again, a stored zone is the JSON it was.
    let stored = crate::store::journal::Journal::open(&path, FIXTURE_IDENTITY)
        .unwrap()
        .units;
    let Event::ZonesComputed { zones: read, .. } = &stored[1].events[0].event else {
        panic!("record 2 is {:?}", stored[1])
    };
    let bytes = std::fs::read(FIXTURE).unwrap();
    let original = fixture_payload(&bytes, 2);
    assert_eq!(
        serde_json::to_value(read).unwrap(),
        original["event"]["zones"],
        "zones change when read and written again"
    );
}

/// The JSON of record `n` (the header is record 0) of a journal's bytes.
fn fixture_payload(bytes: &[u8], n: usize) -> serde_json::Value {
    let mut at = 0;
    for i in 0..=n {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if i == n {
            return serde_json::from_slice(&bytes[at + 8..at + 8 + len]).unwrap();
        }
        at += 8 + len;
    }
    unreachable!()
}

fn key(key: &str, request: &str) -> Option<crate::event::Idempotency> {
    Some(crate::event::Idempotency {
        key: key.into(),
        request: request.into(),
    })
}

#[test]
fn opening_an_incident_stores_it_with_its_zones_as_one_unit() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = store(dir.path());
        let id = store
            .open_incident("duty", spec(IncidentKind::MineAccident), false, None, None)
            .unwrap();
        assert_eq!(store.last_seq(), 2);
        let feature = store.catalog().incidents.read().feature(id).cloned().unwrap();
        assert!(
            feature.properties.people_in_zones.is_some(),
            "the map point has its zones"
        );
        id
    };
    let opened = crate::store::journal::Journal::open(&dir.path().join("journal.lkj"), IDENTITY).unwrap();
    assert_eq!(opened.units.len(), 1, "one record");
    let kinds: Vec<&str> = opened.records().map(|r| r.event.kind()).collect();
    assert_eq!(kinds, ["incident_opened", "zones_computed"]);
    let store = store(dir.path());
    assert!(store.operations().incident(id).unwrap().zones.is_some());
}

#[test]
fn a_full_disk_stores_none_of_a_command_and_folds_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store(dir.path());
        open(&store, false);
        for cut in [0, 30, 2_000] {
            store.fail_next_write_after(cut);
            let err = store
                .open_incident("duty", spec(IncidentKind::MineAccident), false, None, None)
                .unwrap_err();
            assert!(matches!(err, Error::StoreUnavailable(_)), "{err}");
            assert_eq!(store.last_seq(), 1);
            assert_eq!(store.operations().incidents().count(), 1);
            assert_eq!(store.catalog().incidents.read().len(), 1);
        }
        // The disk has room again: the next command lands whole.
        let id = store
            .open_incident("duty", spec(IncidentKind::MineAccident), false, None, None)
            .unwrap();
        assert_eq!((id, store.last_seq()), (2, 3));
    }
    let opened = crate::store::journal::Journal::open(&dir.path().join("journal.lkj"), IDENTITY).unwrap();
    assert!(opened.torn.is_none());
    let store = store(dir.path());
    assert!(store.operations().incidents().all(|i| i.id == 1 || i.zones.is_some()));
    assert_eq!(store.operations().incidents().count(), 2);
}

#[test]
fn dispatching_several_teams_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let incident = open(&store, false);
    let teams: Vec<FeatureId> = {
        let layer = store.catalog().rescue_teams.read();
        layer
            .features()
            .iter()
            .filter(|f| f.properties.status == TeamStatus::Available)
            .map(|f| f.id)
            .take(3)
            .collect()
    };
    let dispatch_all = |teams: &[FeatureId]| {
        let events = teams
            .iter()
            .map(|&team| Event::UnitDispatched {
                incident,
                drill: false,
                team,
                name: String::new(),
                kind: String::new(),
                travel_s: None,
                distance_m: None,
            })
            .collect();
        store.submit_unit("duty", events, None)
    };
    dispatch_all(&teams[..1]).unwrap();
    let before = store.last_seq();
    // The first team is busy now: none of the three goes.
    assert!(matches!(dispatch_all(&teams), Err(Error::Conflict(_))));
    assert_eq!(store.last_seq(), before);
    let records = dispatch_all(&teams[1..]).unwrap();
    assert_eq!(records.len(), 2);
    let layer = store.catalog().rescue_teams.read();
    assert!(
        teams
            .iter()
            .all(|t| layer.feature(*t).unwrap().properties.status == TeamStatus::Dispatched)
    );
    assert_eq!(store.operations().incident(incident).unwrap().units.len(), 3);
}

#[test]
fn a_key_is_stored_with_its_events_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store(dir.path());
        let id = store
            .open_incident("duty", spec(IncidentKind::MineAccident), false, None, key("k-1", "h1"))
            .unwrap();
        let stored = store.idempotent("k-1").unwrap();
        assert_eq!(
            (stored.first_seq, stored.last_seq, stored.kind.as_str(), stored.feature),
            (1, 2, "incident_opened", Some(id))
        );
        // The same key again stores nothing: the same request gets what the
        // first stored, another request is refused.
        let again = store
            .open_incident("duty", spec(IncidentKind::MineAccident), false, None, key("k-1", "h1"))
            .unwrap();
        assert_eq!(again, id);
        let err = store
            .open_incident("duty", spec(IncidentKind::MineAccident), false, None, key("k-1", "h2"))
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err}");
        assert_eq!(store.last_seq(), 2);
        assert!(store.idempotent("k-2").is_none());
    }
    let store = store(dir.path());
    assert_eq!(store.idempotent("k-1").unwrap().request, "h1");
    // After a restart the first request's events are still found (the operations log).
    let again = store
        .submit_unit(
            "duty",
            vec![Event::NoteAdded {
                incident: 1,
                drill: false,
                text: "again".into(),
            }],
            key("k-1", "h1"),
        )
        .unwrap();
    assert_eq!(again.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(store.last_seq(), 2);
}

/// An inject's readings are checked when the scenario is read: a ramp with
/// no values, a negative one, a sensor search that reaches nowhere or across
/// the province, a zero interval each name what is wrong.
#[test]
fn an_inject_with_bad_readings_is_refused_with_the_reason() {
    let base = "title_zh = \"t\"\ntitle_en = \"t\"\nsummary = \"s\"\n\
[incident]\ntitle = \"t\"\nkind = \"fire\"\nlocation = [112.5, 37.8]\n\
[[injects]]\nat_min = 1\ntitle = \"注入\"\ntext = \"内容\"\n[injects.readings]\nkind = \"combustible_gas\"\n";
    let parse = |extra: &str| scenario::Scenario::parse("x", &format!("{base}{extra}"), std::path::Path::new("x.toml"));
    let good = parse("within_m = 1000\nramp_of_high_high = [0.5, 1.2]\n").unwrap();
    let ramp = good.injects[0].readings.as_ref().unwrap();
    assert_eq!(ramp.every_s, 10, "the default interval");
    for (extra, want) in [
        ("within_m = 1000\nramp_of_high_high = []\n", "ramp_of_high_high needs"),
        ("within_m = 1000\nramp_of_high_high = [0.5, -1.0]\n", "0 or more"),
        ("within_m = 0\nramp_of_high_high = [1.0]\n", "within_m"),
        ("within_m = 60000\nramp_of_high_high = [1.0]\n", "within_m"),
        ("within_m = 1000\nramp_of_high_high = [1.0]\nevery_s = 0\n", "every_s"),
        (
            "within_m = 1000\nramp_of_high_high = [1.0]\nnoise = 1\n",
            "unknown field",
        ),
    ] {
        let err = parse(extra).unwrap_err().to_string();
        assert!(err.contains(want), "{extra:?}: {err}");
    }
}

/// The readings of an inject: the last at the time it fires, `every_s`
/// apart before it, each its fraction of the high-high threshold, marked drill.
#[test]
fn an_inject_ramp_ends_now_and_is_marked_drill() {
    let ramp = scenario::ReadingsInject {
        kind: crate::model::SensorKind::CombustibleGas,
        substance: None,
        within_m: 1000.0,
        ramp_of_high_high: vec![0.5, 1.0, 1.5],
        every_s: 20,
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .unwrap()
        .to_utc();
    let items = ramp.items(7, 50.0, now);
    let got: Vec<(f64, &str, bool)> = items
        .iter()
        .map(|i| {
            (
                i["value"].as_f64().unwrap(),
                i["at"].as_str().unwrap(),
                i["drill"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (25.0, "2026-11-30T11:59:20.000Z", true),
            (50.0, "2026-11-30T11:59:40.000Z", true),
            (75.0, "2026-11-30T12:00:00.000Z", true)
        ]
    );
    assert!(items.iter().all(|i| i["sensor"] == 7));
}
