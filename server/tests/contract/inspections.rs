//! Inspections over HTTP (docs/ledger.md "Inspections"): the expert pool,
//! records with enforcement and dangers found, plans with progress,
//! coverage of the major hazard sources, experts for an incident, scope.

use crate::common::{get, send};
use actix_web::test;
use chrono::{Datelike, TimeDelta, Utc};
use lookout_layers::FeatureId;
use serde_json::{Value, json};

fn post(uri: &str, body: Value) -> test::TestRequest {
    test::TestRequest::post().uri(uri).set_json(body)
}

/// A major hazard source: (id, its enterprise, its county).
fn hazard_source(state: &lookout_server::state::AppState, nth: usize) -> (FeatureId, FeatureId, u32) {
    let layer = state.store.catalog().hazard_sources.read();
    let h = &layer.features()[nth];
    (h.id, h.properties.enterprise_id, h.properties.county_id)
}

fn hazard_count(state: &lookout_server::state::AppState) -> usize {
    state.store.catalog().hazard_sources.read().features().len()
}

fn expert(county: u32, specialty: &str, substances: &[&str]) -> Value {
    json!({
        "name": "王建国", "specialty": specialty, "substances": substances,
        "industries": ["hazardous_chemicals"], "county_id": county, "phone": "0351-1234567",
        "organisation": "省安全生产专家组",
    })
}

fn today() -> String {
    Utc::now().date_naive().to_string()
}

#[actix_web::test]
async fn an_enforcement_inspection_with_an_expert_and_a_danger_is_recorded_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (h, e, county) = hazard_source(&state, 0);
    let app = scoped_app!(state.clone());

    let (code, ex) = send(
        &app,
        post("/experts", expert(county, "hazardous_chemicals", &["氯气"])).to_request(),
    )
    .await;
    assert_eq!(code, 201, "{ex}");
    let ex_id = ex["id"].as_u64().expect("id");
    assert_eq!(ex["substances"], json!(["chlorine"]), "a name is stored as its code");
    assert!(!ex["county"].as_str().unwrap_or_default().is_empty());

    let (code, danger) = send(
        &app,
        post(
            "/dangers",
            json!({
                "enterprise": e, "category": "equipment", "severity": "general",
                "description": "储罐液位计失灵", "found_by": "执法检查组",
                "found_at": (Utc::now() - TimeDelta::hours(1)).to_rfc3339(), "source": "inspection",
                "rectification": {"deadline": (Utc::now() + TimeDelta::days(15)).to_rfc3339()},
            }),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{danger}");
    let danger_id = danger["id"].as_u64().expect("id");

    let record = json!({
        "enterprise": e, "date": today(), "kind": "enforcement",
        "inspectors": ["李明", "张华"], "experts": [ex_id], "result": "problems",
        "checklist": [{"item": "液位计", "ok": false, "note": "失灵"}, {"item": "可燃气体报警", "ok": true}],
        "dangers": [danger_id],
        "enforcement": {"order_to_rectify": true, "order_number": "晋应急责改〔2026〕12号", "case_filed": true, "penalty_yuan": 30000},
    });
    let (code, body) = send(&app, post("/inspections", record.clone()).to_request()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().expect("id");
    assert!(
        body["hazard_sources"].as_array().expect("sources").contains(&json!(h)),
        "none named: all of the enterprise's sources are inspected: {body}"
    );
    assert_eq!(body["recorded_by"], "dev");
    assert_eq!(body["enforcement"]["penalty_yuan"], 30000.0);

    let (code, one) = send(&app, get(&format!("/inspections/{id}")).to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(one["dangers"], json!([danger_id]));

    let (code, list) = send(&app, get(&format!("/inspections?enterprise={e}")).to_request()).await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["numberMatched"], 1);
    assert_eq!(list["counts"]["orders_to_rectify"], 1);
    assert_eq!(list["counts"]["cases_filed"], 1);
    assert_eq!(list["counts"]["penalty_yuan"], 30000.0);
    assert_eq!(list["counts"]["dangers_found"], 1);

    let (_, events) = send(&app, get("/events?limit=100").to_request()).await;
    let text = events.to_string();
    assert!(
        text.contains("expert_added") && text.contains("inspection_recorded"),
        "{text}"
    );
}

#[actix_web::test]
async fn bad_inspections_and_unknown_references_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (_, e, county) = hazard_source(&state, 0);
    let (other_h, other_e, _) = {
        let layer = state.store.catalog().hazard_sources.read();
        let f = layer
            .features()
            .iter()
            .find(|f| f.properties.enterprise_id != e)
            .expect("another enterprise's source");
        (f.id, f.properties.enterprise_id, f.properties.county_id)
    };
    let app = scoped_app!(state.clone());
    let base =
        json!({"enterprise": e, "date": today(), "kind": "enforcement", "inspectors": ["李明"], "result": "passed"});
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    for (body, status, words) in [
        (with(json!({"enforcement": {"penalty_yuan": -5}})), 400, "penalty_yuan"),
        (
            with(json!({"kind": "routine", "enforcement": {"order_to_rectify": true}})),
            400,
            "enforcement",
        ),
        (with(json!({"inspectors": []})), 400, "inspectors"),
        (with(json!({"kind": "expert_consultation"})), 400, "expert"),
        (with(json!({"enterprise": 999_999})), 404, "999999"),
        (with(json!({"experts": [424_242]})), 404, "424242"),
        (with(json!({"dangers": [515_151]})), 404, "515151"),
        (with(json!({"hazard_sources": [other_h]})), 400, "belongs to enterprise"),
        (with(json!({"plan": 77})), 404, "77"),
        (with(json!({"date": "1899-01-01"})), 400, "2000"),
        (with(json!({"kind": "raid"})), 400, ""),
    ] {
        let (code, reply) = send(&app, post("/inspections", body.clone()).to_request()).await;
        assert_eq!(code, status, "{body}: {reply}");
        assert!(
            reply["message"].as_str().unwrap_or_default().contains(words),
            "{body}: {reply}"
        );
    }
    let _ = other_e;
    // Experts: a bad phone, an unknown substance, an unknown county.
    for (body, status) in [
        (
            expert(county, "fire", &[])
                .as_object()
                .cloned()
                .map(|mut o| {
                    o.insert("phone".into(), json!("call me"));
                    Value::Object(o)
                })
                .expect("o"),
            400,
        ),
        (expert(county, "fire", &["kryptonite"]), 400),
        (expert(99_999, "fire", &[]), 404),
    ] {
        let (code, reply) = send(&app, post("/experts", body.clone()).to_request()).await;
        assert_eq!(code, status, "{body}: {reply}");
    }
    let (code, reply) = send(
        &app,
        test::TestRequest::put()
            .uri("/experts/31337")
            .set_json(expert(county, "fire", &[]))
            .to_request(),
    )
    .await;
    assert_eq!(code, 404, "{reply}");
}

#[actix_web::test]
async fn coverage_counts_the_inspected_sources_by_city_and_county_and_lists_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let all = hazard_count(&state);
    assert!(all > 2, "the generated dataset has major hazard sources");
    let (h, e, county) = hazard_source(&state, 0);
    let app = scoped_app!(state.clone());
    let year = Utc::now().year();

    let (code, before) = send(&app, get(&format!("/inspections/coverage?year={year}")).to_request()).await;
    assert_eq!(code, 200, "{before}");
    assert_eq!(before["total"]["total"], all);
    assert_eq!(before["total"]["inspected"], 0);
    assert_eq!(before["uninspected"].as_array().expect("list").len(), all);

    let (code, body) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": e, "hazard_sources": [h], "date": today(), "kind": "routine", "inspectors": ["李明"], "result": "passed"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    // Last year's inspection does not count this year.
    let (_, other_e, _) = hazard_source(&state, 1);
    let (code, body) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": other_e, "date": format!("{}-06-01", year - 1), "kind": "routine", "inspectors": ["李明"], "result": "passed"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");

    let (_, after) = send(&app, get(&format!("/inspections/coverage?year={year}")).to_request()).await;
    assert_eq!(after["total"]["inspected"], 1, "{}", after["total"]);
    let listed: Vec<u64> = after["uninspected"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|u| u["id"].as_u64())
        .collect();
    assert_eq!(listed.len(), all - 1);
    assert!(!listed.contains(&h));
    let row = after["counties"]
        .as_array()
        .expect("counties")
        .iter()
        .find(|c| c["county_id"] == county)
        .expect("the county's row");
    assert_eq!(row["inspected"], 1);
    let share = row["share"].as_f64().expect("share");
    let total = row["total"].as_f64().expect("total");
    assert!((share - 1.0 / total).abs() < 1e-9, "{row}");
    let city_sum: u64 = after["cities"]
        .as_array()
        .expect("cities")
        .iter()
        .filter_map(|c| c["total"].as_u64())
        .sum();
    assert_eq!(city_sum as usize, all);

    let (code, geo) = send(
        &app,
        get(&format!("/inspections/coverage?year={year}&f=geojson")).to_request(),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(geo["type"], "FeatureCollection");
    assert_eq!(geo["features"].as_array().expect("features").len(), all - 1);
    assert_eq!(geo["features"][0]["geometry"]["type"], "Point");

    // A scoped user sees only their county.
    let (_, scoped) = send(
        &app,
        get(&format!("/inspections/coverage?year={year}"))
            .insert_header(("x-test-scope", county.to_string()))
            .to_request(),
    )
    .await;
    assert_eq!(scoped["counties"].as_array().expect("counties").len(), 1, "{scoped}");
    assert_eq!(scoped["total"]["total"], row["total"]);

    let (code, _) = send(&app, get("/inspections/coverage?year=1800").to_request()).await;
    assert_eq!(code, 400);
    let (code, _) = send(&app, get("/inspections/coverage?f=kml").to_request()).await;
    assert_eq!(code, 400);
}

#[actix_web::test]
async fn a_plan_shows_its_progress_and_goes_overdue_with_targets_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (h0, e0, _) = hazard_source(&state, 0);
    let (h1, e1, _) = {
        let layer = state.store.catalog().hazard_sources.read();
        let f = layer
            .features()
            .iter()
            .find(|f| f.properties.enterprise_id != e0)
            .expect("another enterprise's source");
        (f.id, f.properties.enterprise_id, f.properties.county_id)
    };
    let app = scoped_app!(state.clone());
    let start = Utc::now().date_naive() - TimeDelta::days(30);
    let due = Utc::now().date_naive() - TimeDelta::days(1);
    let (code, plan) = send(
        &app,
        post(
            "/inspections/plans",
            json!({"title": "重大危险源专项检查", "hazard_sources": [h0, h1], "inspectors": ["李明"],
                   "kind": "enforcement", "start": start.to_string(), "due": due.to_string()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{plan}");
    let pid = plan["id"].as_u64().expect("id");
    assert_eq!((plan["done"].clone(), plan["total"].clone()), (json!(0), json!(2)));
    assert_eq!(plan["overdue"], true);

    let (code, body) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": e0, "plan": pid, "date": (start + TimeDelta::days(3)).to_string(),
                   "kind": "enforcement", "inspectors": ["李明"], "result": "passed"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let (_, plan) = send(&app, get(&format!("/inspections/plans/{pid}")).to_request()).await;
    assert_eq!(plan["done"], 1, "{plan}");
    assert_eq!(plan["overdue"], true);
    // The clock alarms it; the alarm is in the inbox of whoever made the plan.
    assert_eq!(lookout_server::run_ledger_clock(&state, Utc::now()).expect("clock"), 1);
    let plan_entries = |inbox: &serde_json::Value| -> Vec<serde_json::Value> {
        let entries = inbox["entries"].as_array().cloned().unwrap_or_default();
        entries.into_iter().filter(|e| e["inspection_plan"] == pid).collect()
    };
    let (_, inbox) = send(&app, get("/inbox").to_request()).await;
    let entries = plan_entries(&inbox);
    assert_eq!(entries.len(), 1, "{inbox}");
    assert_eq!(
        (entries[0]["kind"].as_str(), entries[0]["colour"].as_str()),
        (Some("overdue_alarm"), Some("orange"))
    );
    assert_eq!(entries[0]["description"], "重大危险源专项检查");
    let (_, body) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": e1, "hazard_sources": [h1], "date": (start + TimeDelta::days(4)).to_string(),
                   "kind": "routine", "inspectors": ["张华"], "result": "passed"}),
        )
        .to_request(),
    )
    .await;
    assert!(body["id"].is_u64(), "{body}");
    let (_, plans) = send(&app, get("/inspections/plans").to_request()).await;
    assert_eq!(plans["plans"][0]["done"], 2, "{plans}");
    assert_eq!(plans["plans"][0]["overdue"], false);
    assert_eq!(plans["overdue"], 0);
    // Done: the clock ends the alarm and it leaves the inbox.
    assert_eq!(lookout_server::run_ledger_clock(&state, Utc::now()).expect("clock"), 1);
    let (_, inbox) = send(&app, get("/inbox").to_request()).await;
    assert!(plan_entries(&inbox).is_empty(), "{inbox}");

    // A plan due before it starts, with no targets, or an unknown target.
    for body in [
        json!({"title": "x", "enterprises": [e0], "inspectors": ["a"], "kind": "routine", "start": "2026-05-02", "due": "2026-05-01"}),
        json!({"title": "x", "inspectors": ["a"], "kind": "routine", "start": "2026-05-01", "due": "2026-05-02"}),
    ] {
        let (code, reply) = send(&app, post("/inspections/plans", body).to_request()).await;
        assert_eq!(code, 400, "{reply}");
    }
    let (code, _) = send(
        &app,
        post(
            "/inspections/plans",
            json!({"title": "x", "enterprises": [888_888], "inspectors": ["a"], "kind": "routine", "start": "2026-05-01", "due": "2026-05-02"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 404);
}

#[actix_web::test]
async fn experts_for_an_incident_rank_substance_then_specialty_then_county() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let app = scoped_app!(state.clone());
    // The incident of the incidents tests: a chlorine leak.
    let (code, inc) = send(
        &app,
        post(
            "/incidents",
            json!({"kind": "leak", "location": [111.62, 36.104], "substance": "chlorine",
                   "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{inc}");
    let id = inc["id"].as_u64().expect("id");
    let here = lookout_layers::import::validate::county_of(
        state.store.catalog(),
        &geo::Geometry::Point(geo::Point::new(111.62, 36.104)),
    )
    .expect("a county")
    .0;
    let elsewhere = state
        .store
        .catalog()
        .counties
        .read()
        .features()
        .iter()
        .map(|c| c.id as u32)
        .find(|c| *c != here)
        .expect("another county");
    let mut ids = Vec::new();
    for body in [
        expert(here, "flood", &[]),                          // same county only
        expert(elsewhere, "geology", &[]),                   // nothing: not listed
        expert(elsewhere, "process_safety", &[]),            // specialty (second for a leak)
        expert(elsewhere, "hazardous_chemicals", &[]),       // specialty (first)
        expert(elsewhere, "fire", &["chlorine", "ammonia"]), // substance
    ] {
        let (code, e) = send(&app, post("/experts", body).to_request()).await;
        assert_eq!(code, 201, "{e}");
        ids.push(e["id"].as_u64().expect("id"));
    }
    let (code, body) = send(&app, get(&format!("/incidents/{id}/experts?limit=10")).to_request()).await;
    assert_eq!(code, 200, "{body}");
    let order: Vec<u64> = body["experts"]
        .as_array()
        .expect("experts")
        .iter()
        .filter_map(|m| m["expert"]["id"].as_u64())
        .collect();
    assert_eq!(order, vec![ids[4], ids[3], ids[2], ids[0]], "{body}");
    assert_eq!(body["experts"][0]["reasons"], json!(["substance"]));
    assert_eq!(body["experts"][0]["expert"]["phone"], "0351-1234567");
    let (code, _) = send(&app, get("/incidents/9999/experts").to_request()).await;
    assert_eq!(code, 404);
    let (code, _) = send(&app, get(&format!("/incidents/{id}/experts?limit=0")).to_request()).await;
    assert_eq!(code, 400);
}

#[actix_web::test]
async fn a_scoped_user_neither_sees_nor_writes_outside_their_county() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (_, e, county) = hazard_source(&state, 0);
    let other = state
        .store
        .catalog()
        .counties
        .read()
        .features()
        .iter()
        .map(|c| c.id as u32)
        .find(|c| *c != county)
        .expect("another county");
    let app = scoped_app!(state.clone());
    let (code, ex) = send(&app, post("/experts", expert(county, "fire", &[])).to_request()).await;
    assert_eq!(code, 201);
    let (code, rec) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": e, "date": today(), "kind": "routine", "inspectors": ["李明"], "result": "passed"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{rec}");
    let scoped = |r: test::TestRequest| r.insert_header(("x-test-scope", other.to_string())).to_request();
    let (code, _) = send(&app, scoped(get(&format!("/inspections/{}", rec["id"])))).await;
    assert_eq!(code, 403);
    let (code, _) = send(&app, scoped(get(&format!("/experts/{}", ex["id"])))).await;
    assert_eq!(code, 403);
    let (_, list) = send(&app, scoped(get("/inspections"))).await;
    assert_eq!(list["numberMatched"], 0);
    let (_, list) = send(&app, scoped(get("/experts"))).await;
    assert_eq!(list["numberMatched"], 0);
    let (code, _) = send(
        &app,
        scoped(post(
            "/inspections",
            json!({"enterprise": e, "date": today(), "kind": "routine", "inspectors": ["李明"], "result": "passed"}),
        )),
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = send(&app, scoped(post("/experts", expert(county, "fire", &[])))).await;
    assert_eq!(code, 403);
}
