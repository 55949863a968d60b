//! The ledger's other obligations over HTTP (docs/ledger.md, "Obligations"):
//! emergency plans, drill plans and re-assessments registered with their
//! due dates, refused with reasons, alarmed by the clock when overdue,
//! fulfilled (ending the alarm), the drill completion per county, scope.

use crate::common::{get, post, send};
use actix_web::test;
use chrono::{TimeDelta, Utc};
use lookout_layers::FeatureId;
use serde_json::json;

/// Two enterprises in different counties: (id, county) each.
fn two_enterprises(state: &lookout_server::state::AppState) -> [(FeatureId, u32); 2] {
    let layer = state.store.catalog().enterprises.read();
    let f = layer.features();
    let a = &f[0];
    let b = f
        .iter()
        .find(|x| x.properties.county_id != a.properties.county_id)
        .expect("another county");
    [(a.id, a.properties.county_id), (b.id, b.properties.county_id)]
}

fn hazard_source(state: &lookout_server::state::AppState) -> (FeatureId, FeatureId) {
    let layer = state.store.catalog().hazard_sources.read();
    let h = &layer.features()[0];
    (h.id, h.properties.enterprise_id)
}

#[actix_web::test]
async fn a_plan_is_due_three_years_after_registration_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let [(e, _), _] = two_enterprises(&state);
    let app = scoped_app!(state.clone());
    let (code, body) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "emergency_plan", "enterprise": e, "title": "综合应急预案",
                   "last_done": "2024-03-15T00:00:00Z"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["due"], "2027-03-15T00:00:00Z", "3 years after 备案");
    assert_eq!(body["kind"], "emergency_plan");
    assert_eq!(body["overdue"], false);
    let id = body["id"].as_u64().expect("id");
    let (code, body) = send(&app, get(&format!("/obligations/{id}")).to_request()).await;
    assert_eq!((code, body["spec"]["title"].as_str()), (200, Some("综合应急预案")));

    for (bad, says) in [
        (json!({"kind": "drill", "enterprise": e, "title": "演练"}), "due"),
        (
            json!({"kind": "emergency_plan", "enterprise": e, "title": "x"}),
            "last_done",
        ),
        (
            json!({"kind": "reassessment", "enterprise": e, "title": "x", "last_done": "2024-01-01T00:00:00Z"}),
            "hazard_source",
        ),
        (
            json!({"kind": "drill", "enterprise": e, "title": " ", "due": "2026-01-01T00:00:00Z"}),
            "title",
        ),
        (
            json!({"kind": "exercise", "enterprise": e, "title": "x"}),
            "emergency_plan",
        ),
    ] {
        let (code, body) = send(&app, post("/obligations", bad.clone()).to_request()).await;
        assert_eq!(code, 400, "{bad} → {body}");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(says),
            "{bad} → {body}"
        );
    }
    let (code, _) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "drill", "enterprise": 99_999_999, "title": "x", "due": "2026-01-01T00:00:00Z"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 404);
}

#[actix_web::test]
async fn an_overdue_drill_alarms_until_it_is_held_and_the_completion_rate_counts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let [(e, county), _] = two_enterprises(&state);
    let (h, owner) = hazard_source(&state);
    let app = scoped_app!(state.clone());
    let due = Utc::now() - TimeDelta::hours(3);
    let (code, body) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "drill", "enterprise": e, "title": "储罐泄漏现场处置方案演练", "due": due.to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["overdue"], true);
    let drill = body["id"].as_u64().expect("id");
    let (code, body) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "reassessment", "enterprise": owner, "hazard_source": h, "title": "重大危险源复评",
                   "last_done": (Utc::now() - TimeDelta::days(400)).to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");

    let now = Utc::now();
    assert_eq!(
        lookout_server::run_ledger_clock(&state, now).expect("clock"),
        1,
        "the drill's alarm"
    );
    assert_eq!(lookout_server::run_ledger_clock(&state, now).expect("clock"), 0);
    let (_, body) = send(&app, get("/alarms?active=true").to_request()).await;
    let alarms = body["alarms"].as_array().cloned().unwrap_or_default();
    let alarm = alarms
        .iter()
        .find(|a| a["obligation"] == drill)
        .expect("the overdue alarm");
    assert_eq!(
        (alarm["colour"].as_str(), alarm["rule"].as_str()),
        (Some("orange"), Some("overdue"))
    );
    let alarm_id = alarm["id"].as_u64().expect("alarm id");

    let (_, body) = send(&app, get("/obligations?overdue=true").to_request()).await;
    assert_eq!(body["numberMatched"], 1, "{body}");
    assert_eq!(body["obligations"][0]["id"], drill);
    let (_, body) = send(
        &app,
        get(&format!("/obligations/completion?county={county}")).to_request(),
    )
    .await;
    assert_eq!(
        (body["total"]["planned"].as_u64(), body["total"]["held"].as_u64()),
        (Some(1), Some(0)),
        "{body}"
    );

    let (code, body) = send(
        &app,
        post(&format!("/obligations/{drill}/fulfil"), json!({"remark": "已演练"})).to_request(),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        (body["completed"].as_bool(), body["overdue_alarm"].as_u64()),
        (Some(true), None)
    );
    let (_, body) = send(&app, get(&format!("/alarms/{alarm_id}")).to_request()).await;
    assert!(body["cleared_at"].is_string(), "{body}");
    let (code, _) = send(
        &app,
        post(&format!("/obligations/{drill}/fulfil"), json!({})).to_request(),
    )
    .await;
    assert_eq!(code, 409, "held once");
    let (_, body) = send(&app, get("/obligations/completion").to_request()).await;
    assert_eq!(body["total"]["rate"].as_f64(), Some(1.0), "{body}");
    let (code, body) = send(
        &app,
        post(
            &format!("/obligations/{drill}/fulfil"),
            json!({"done_at": (Utc::now() + TimeDelta::days(2)).to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 400, "{body}");
}

#[actix_web::test]
async fn a_county_user_sees_and_changes_only_the_county_obligations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let [(inside, county), (outside, _)] = two_enterprises(&state);
    let app = scoped_app!(state.clone());
    let scoped = |r: test::TestRequest| r.insert_header(("X-Test-Scope", county.to_string())).to_request();
    let plan = |e: FeatureId| json!({"kind": "emergency_plan", "enterprise": e, "title": "预案", "last_done": "2025-01-01T00:00:00Z"});
    let (code, body) = send(&app, scoped(post("/obligations", plan(outside)))).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let (code, _) = send(&app, scoped(post("/obligations", plan(inside)))).await;
    assert_eq!(code, 201);
    let (_, body) = send(&app, post("/obligations", plan(outside)).to_request()).await;
    let other = body["id"].as_u64().expect("id");
    let (_, body) = send(&app, scoped(get("/obligations"))).await;
    assert_eq!(body["numberMatched"], 1, "{body}");
    let (code, _) = send(&app, scoped(get(&format!("/obligations/{other}")))).await;
    assert_eq!(code, 403);
    let patch = test::TestRequest::patch()
        .uri(&format!("/obligations/{other}"))
        .insert_header(("X-Lookout-Actor", "duty-officer"))
        .set_json(json!({"due": "2030-01-01T00:00:00Z", "reason": "延期"}));
    let (code, _) = send(&app, scoped(patch)).await;
    assert_eq!(code, 403);
    let patch = test::TestRequest::patch()
        .uri(&format!("/obligations/{other}"))
        .insert_header(("X-Lookout-Actor", "duty-officer"))
        .set_json(json!({"due": "2030-01-01T00:00:00Z", "reason": "延期"}));
    let (code, body) = send(&app, patch.to_request()).await;
    assert_eq!(
        (code, body["due"].as_str()),
        (200, Some("2030-01-01T00:00:00Z")),
        "{body}"
    );
    let (_, body) = send(&app, scoped(get("/events?limit=100"))).await;
    let registered = body["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["event"]["type"] == "obligation_registered")
                .count()
        })
        .unwrap_or_default();
    assert_eq!(registered, 1, "{body}");
}
