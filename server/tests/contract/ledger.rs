//! The supervision ledger over HTTP (docs/ledger.md): reporting a hidden
//! danger, its lifecycle with 409s that name the way on, the filtered list
//! with counts, overdue alarms in `/alarms` and the inbox, and scope.

use crate::common::{get, send};
use actix_web::test;
use chrono::{TimeDelta, Utc};
use lookout_layers::FeatureId;
use serde_json::{Value, json};

fn post(uri: &str, body: Value) -> test::TestRequest {
    test::TestRequest::post().uri(uri).set_json(body)
}

/// An enterprise in county `county` (or, with `None`, any), and its county.
fn enterprise(state: &lookout_server::state::AppState, county: Option<u32>) -> (FeatureId, u32) {
    let layer = state.store.catalog().enterprises.read();
    layer
        .features()
        .iter()
        .find(|f| county.is_none_or(|c| f.properties.county_id == c))
        .map(|f| (f.id, f.properties.county_id))
        .expect("an enterprise")
}

fn danger(enterprise: FeatureId, severity: &str, deadline: chrono::DateTime<Utc>) -> Value {
    json!({
        "enterprise": enterprise,
        "category": "fire",
        "severity": severity,
        "description": "消防通道被占用",
        "found_by": "检查组",
        "found_at": (Utc::now() - TimeDelta::days(10)).to_rfc3339(),
        "source": "inspection",
        "rectification": {"deadline": deadline.to_rfc3339(), "measures": "清理通道"},
    })
}

#[actix_web::test]
async fn a_danger_is_reported_moved_on_and_closed_with_409s_that_name_the_way_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise(&state, None);
    let app = scoped_app!(state.clone());

    let (code, body) = send(
        &app,
        post("/dangers", danger(e, "general", Utc::now() + TimeDelta::days(20))).to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().expect("id");
    assert_eq!(body["status"], "reported");
    assert_eq!(body["next"], json!(["rectifying"]));
    assert_eq!(body["overdue"], false);
    assert!(!body["place"]["enterprise_name"].as_str().unwrap_or_default().is_empty());
    assert_eq!(body["reported_by"], "dev");

    let to = |status: &str, reason: &str| {
        post(
            &format!("/dangers/{id}/transitions"),
            json!({"to": status, "reason": reason}),
        )
        .to_request()
    };
    let (code, body) = send(&app, to("closed", "")).await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["allowed"], json!(["rectifying"]));
    assert!(body["message"].as_str().unwrap_or_default().contains("rectifying"));

    for (status, reason) in [
        ("rectifying", "开始整改"),
        ("submitted", "通道已清理"),
        ("rejected", "仍有杂物"),
        ("rectifying", "再次清理"),
        ("submitted", "已清理"),
        ("verified", "复查合格"),
        ("closed", "销号"),
    ] {
        let (code, body) = send(&app, to(status, reason)).await;
        assert_eq!(code, 200, "{status}: {body}");
        assert_eq!(body["status"], status);
    }
    let (code, body) = send(&app, get(&format!("/dangers/{id}")).to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(body["next"], json!([]));
    let history = body["history"].as_array().expect("history");
    assert_eq!(history.len(), 7);
    assert_eq!(history[2]["reason"], "仍有杂物");
    assert_eq!(history[2]["actor"], "dev");
    assert!(history[2]["at"].is_string());
    let (code, body) = send(&app, to("rectifying", "")).await;
    assert_eq!((code, body["allowed"].clone()), (409, json!([])));

    // The record is on /events too, with its own types.
    let (_, events) = send(&app, get("/events?limit=100").to_request()).await;
    let text = events.to_string();
    assert!(
        text.contains("danger_reported") && text.contains("danger_status_changed"),
        "{text}"
    );
}

#[actix_web::test]
async fn bad_reports_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise(&state, None);
    let app = scoped_app!(state.clone());
    let deadline = Utc::now() + TimeDelta::days(5);

    let mut no_text = danger(e, "general", deadline);
    no_text["description"] = json!("  ");
    let (code, body) = send(&app, post("/dangers", no_text).to_request()).await;
    assert_eq!(code, 400, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("description"));

    let (code, _) = send(
        &app,
        post("/dangers", danger(999_999_999, "general", deadline)).to_request(),
    )
    .await;
    assert_eq!(code, 404, "an unknown enterprise");

    let mut early = danger(e, "general", deadline);
    early["rectification"]["deadline"] = json!((Utc::now() - TimeDelta::days(30)).to_rfc3339());
    let (code, body) = send(&app, post("/dangers", early).to_request()).await;
    assert_eq!(code, 400, "{body}");

    let mut unknown = danger(e, "catastrophic", deadline);
    unknown["colour"] = json!("red");
    let (code, _) = send(&app, post("/dangers", unknown).to_request()).await;
    assert_eq!(code, 400);

    let (code, body) = send(&app, get("/dangers?severity=huge").to_request()).await;
    assert_eq!(code, 400, "{body}");
    let (code, _) = send(&app, get("/dangers?colour=red").to_request()).await;
    assert_eq!(code, 400, "unknown parameters are refused");
}

#[actix_web::test]
async fn a_major_danger_is_rectifying_only_with_its_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise(&state, None);
    let app = scoped_app!(state.clone());
    let (code, body) = send(
        &app,
        post("/dangers", danger(e, "major", Utc::now() + TimeDelta::days(60))).to_request(),
    )
    .await;
    assert_eq!(code, 201);
    let id = body["id"].as_u64().expect("id");
    let uri = format!("/dangers/{id}/transitions");
    let (code, body) = send(&app, post(&uri, json!({"to": "rectifying"})).to_request()).await;
    assert_eq!(code, 409, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("interim_measures") && message.contains("funds_yuan"),
        "{message}"
    );
    let plan = json!({"to": "rectifying", "reason": "方案审定", "rectification": {
        "responsible": "王厂长", "funds_yuan": 50000, "interim_measures": "设专人值守"}});
    let (code, body) = send(&app, post(&uri, plan).to_request()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["report"]["rectification"]["interim_measures"], "设专人值守");
}

#[actix_web::test]
async fn an_overdue_danger_alarms_in_alarms_and_the_inbox_until_submitted_and_the_list_counts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise(&state, None);
    let app = scoped_app!(state.clone());
    let mut overdue = danger(e, "major", Utc::now() - TimeDelta::hours(2));
    overdue["found_at"] = json!((Utc::now() - TimeDelta::days(40)).to_rfc3339());
    overdue["rectification"] = json!({"deadline": (Utc::now() - TimeDelta::hours(2)).to_rfc3339(),
        "measures": "更换", "responsible": "李", "funds_yuan": 1000, "interim_measures": "停用"});
    let (code, body) = send(&app, post("/dangers", overdue).to_request()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().expect("id");
    assert_eq!(body["overdue"], true);
    let (code, _) = send(
        &app,
        post("/dangers", danger(e, "general", Utc::now() + TimeDelta::days(30))).to_request(),
    )
    .await;
    assert_eq!(code, 201);

    let (code, body) = send(&app, get("/dangers?overdue=true").to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(body["numberMatched"], 1);
    assert_eq!(body["dangers"][0]["id"], id);
    let (_, body) = send(&app, get("/dangers").to_request()).await;
    assert_eq!(body["counts"]["total"], 2);
    assert_eq!(body["counts"]["overdue"], 1);
    assert_eq!(body["counts"]["major_open"], 1);
    assert_eq!(body["counts"]["by_severity"]["general"], 1);

    // The clock's look raises the overdue alarm once.
    let now = Utc::now();
    assert_eq!(lookout_server::run_ledger_clock(&state, now).expect("clock"), 1);
    assert_eq!(lookout_server::run_ledger_clock(&state, now).expect("clock"), 0);
    let (_, body) = send(&app, get("/alarms").to_request()).await;
    let alarms = body["alarms"].as_array().expect("alarms");
    let alarm = alarms.iter().find(|a| a["danger"] == id).expect("the overdue alarm");
    assert_eq!(
        (alarm["colour"].as_str(), alarm["rule"].as_str()),
        (Some("red"), Some("overdue"))
    );
    assert!(alarm.get("sensor").is_none(), "{alarm}");
    let alarm_id = alarm["id"].as_u64().expect("id");
    let (code, body) = send(&app, get(&format!("/alarms/{alarm_id}/incident-draft")).to_request()).await;
    assert_eq!(code, 409, "{body}");

    let (_, body) = send(&app, get("/inbox").to_request()).await;
    assert_eq!(body["user"], "dev");
    let entries = body["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|x| x["kind"] == "overdue_alarm" && x["danger"] == id && x["colour"] == "red"),
        "{body}"
    );

    // Acknowledged like any alarm, and ended by the submission.
    let (code, _) = send(
        &app,
        post(&format!("/alarms/{alarm_id}/acknowledge"), json!({"remark": "已督办"})).to_request(),
    )
    .await;
    assert_eq!(code, 200);
    for to in ["rectifying", "submitted"] {
        let (code, body) = send(
            &app,
            post(&format!("/dangers/{id}/transitions"), json!({"to": to})).to_request(),
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    let (_, body) = send(&app, get(&format!("/alarms/{alarm_id}")).to_request()).await;
    assert!(body["cleared_at"].is_string(), "{body}");
    let (_, body) = send(&app, get("/inbox").to_request()).await;
    assert_eq!(body["numberMatched"], 0, "{body}");
    assert_eq!(lookout_server::run_ledger_clock(&state, Utc::now()).expect("clock"), 0);
}

#[actix_web::test]
async fn a_county_user_sees_and_changes_only_the_county_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (inside, county) = enterprise(&state, Some(1));
    let outside = {
        let layer = state.store.catalog().enterprises.read();
        layer
            .features()
            .iter()
            .find(|f| f.properties.county_id != county)
            .map(|f| f.id)
            .expect("another county's enterprise")
    };
    let app = scoped_app!(state.clone());
    let scoped = |r: test::TestRequest| r.insert_header(("X-Test-Scope", county.to_string())).to_request();
    let deadline = Utc::now() + TimeDelta::days(9);

    let (code, body) = send(&app, scoped(post("/dangers", danger(outside, "general", deadline)))).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let (code, _) = send(&app, scoped(post("/dangers", danger(inside, "general", deadline)))).await;
    assert_eq!(code, 201);
    // An unscoped user reports one elsewhere.
    let (code, body) = send(
        &app,
        post("/dangers", danger(outside, "general", deadline)).to_request(),
    )
    .await;
    assert_eq!(code, 201);
    let other = body["id"].as_u64().expect("id");

    let (_, body) = send(&app, scoped(get("/dangers"))).await;
    assert_eq!(body["numberMatched"], 1, "{body}");
    assert_eq!(body["dangers"][0]["place"]["county_id"], county);
    let (_, body) = send(&app, get("/dangers").to_request()).await;
    assert_eq!(body["numberMatched"], 2);
    let (code, _) = send(&app, scoped(get(&format!("/dangers/{other}")))).await;
    assert_eq!(code, 403);
    let (code, _) = send(
        &app,
        scoped(post(
            &format!("/dangers/{other}/transitions"),
            json!({"to": "rectifying"}),
        )),
    )
    .await;
    assert_eq!(code, 403);
    let (code, body) = send(&app, scoped(get("/events?limit=100"))).await;
    assert_eq!(code, 200);
    let reported: Vec<&Value> = body["events"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["event"]["type"] == "danger_reported").collect())
        .unwrap_or_default();
    assert_eq!(reported.len(), 1, "{body}");
}

#[actix_web::test]
async fn a_csv_import_reports_its_bad_rows_adds_nothing_the_second_time_and_the_list_exports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise(&state, None);
    let app = scoped_app!(state.clone());
    let csv = format!(
        "编号,企业,类别,隐患等级,隐患描述,发现人,发现日期,来源,整改期限\n\
         X1,{e},消防,一般,灭火器过期,张三,2026-10-01,监督检查,2027-12-31\n\
         X2,{e},消防,一般,通道堵塞,张三,2026-02-30,监督检查,2027-12-31\n"
    );
    let import = || {
        test::TestRequest::post()
            .uri("/dangers/import")
            .insert_header(("Content-Type", "text/csv"))
            .set_payload(csv.clone())
            .to_request()
    };
    let (code, body) = send(&app, import()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        (
            body["rows"].as_u64(),
            body["imported"].as_u64(),
            body["refused"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(body["problems"][0]["row"], 3);
    assert_eq!(body["problems"][0]["external_id"], "X2");
    assert!(
        body["problems"][0]["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .contains("found_at"),
        "{body}"
    );
    let (_, body) = send(&app, import()).await;
    assert_eq!(
        (body["imported"].as_u64(), body["already_imported"].as_u64()),
        (Some(0), Some(1))
    );

    let (code, _) = send(
        &app,
        test::TestRequest::post()
            .uri("/dangers/import")
            .insert_header(("Content-Type", "text/plain"))
            .set_payload(csv.clone())
            .to_request(),
    )
    .await;
    assert_eq!(code, 415);

    let resp = test::call_service(&app, get("/dangers?f=csv").to_request()).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let text = String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8");
    assert!(text.contains("灭火器过期") && text.contains("X1"), "{text}");
    let resp = test::call_service(&app, get("/dangers?f=xlsx").to_request()).await;
    assert_eq!(resp.status(), 200);
    let bytes = test::read_body(resp).await;
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
}

/// The map's ledger layer: `GET /dangers?f=geojson` draws each enterprise
/// with open dangers by its worst open severity and its overdue count, in
/// scope; a closed danger leaves the map; `/situation` counts the open ones;
/// `GET /replay` shows the ledger as it was.
#[actix_web::test]
async fn the_map_draws_enterprises_by_worst_open_danger_and_replay_shows_the_ledger_then() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e1, c1) = enterprise(&state, None);
    let (e2, c2) = {
        let layer = state.store.catalog().enterprises.read();
        let f = layer
            .features()
            .iter()
            .find(|f| f.properties.county_id != c1)
            .expect("an enterprise in another county");
        (f.id, f.properties.county_id)
    };
    let app = scoped_app!(state.clone());
    let mut overdue = danger(e1, "major", Utc::now() - TimeDelta::hours(2));
    overdue["rectification"] = json!({"deadline": (Utc::now() - TimeDelta::hours(2)).to_rfc3339(),
        "measures": "更换", "responsible": "李", "funds_yuan": 1000, "interim_measures": "停用"});
    for (body, code) in [
        (overdue, 201),
        (danger(e1, "general", Utc::now() + TimeDelta::days(30)), 201),
        (danger(e2, "general", Utc::now() + TimeDelta::days(30)), 201),
    ] {
        let (got, answer) = send(&app, post("/dangers", body).to_request()).await;
        assert_eq!(got, code, "{answer}");
    }
    let feature_of = |fc: &Value, e: FeatureId| {
        fc["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["properties"]["enterprise"] == e)
            .cloned()
    };

    let (code, fc) = send(&app, get("/dangers?f=geojson").to_request()).await;
    assert_eq!(code, 200, "{fc}");
    assert_eq!(fc["type"], "FeatureCollection");
    let f1 = feature_of(&fc, e1).expect("the enterprise with the overdue major danger");
    assert_eq!(f1["geometry"]["type"], "Point");
    let p = &f1["properties"];
    assert_eq!(
        (
            p["worst"].as_str(),
            p["open"].as_u64(),
            p["major"].as_u64(),
            p["overdue"].as_u64()
        ),
        (Some("major"), Some(2), Some(1), Some(1)),
        "{p}"
    );
    let f2 = feature_of(&fc, e2).expect("the other enterprise");
    assert_eq!(
        (f2["properties"]["worst"].as_str(), f2["properties"]["overdue"].as_u64()),
        (Some("general"), Some(0))
    );
    // overdue first
    assert_eq!(fc["features"][0]["properties"]["enterprise"], e1);

    // The same filters as the list: severity, and the caller's scope.
    let (_, fc) = send(&app, get("/dangers?f=geojson&severity=general").to_request()).await;
    let p = &feature_of(&fc, e1).expect("e1's general danger")["properties"];
    assert_eq!(
        (p["worst"].as_str(), p["open"].as_u64(), p["overdue"].as_u64()),
        (Some("general"), Some(1), Some(0))
    );
    let (_, fc) = send(
        &app,
        get("/dangers?f=geojson")
            .insert_header(("x-test-scope", c2.to_string()))
            .to_request(),
    )
    .await;
    assert!(feature_of(&fc, e1).is_none() && feature_of(&fc, e2).is_some(), "{fc}");

    let (_, s) = send(&app, get("/situation").to_request()).await;
    assert_eq!(s["dangers"], json!({"open": 3, "overdue": 1, "major_open": 1}), "{s}");

    // Closing e2's danger takes it off the map and out of the open count.
    let before_close = Utc::now();
    let list = send(&app, get(&format!("/dangers?enterprise={e2}")).to_request())
        .await
        .1;
    let id = list["dangers"][0]["id"].as_u64().expect("e2's danger");
    for to in ["rectifying", "submitted", "verified", "closed"] {
        let (code, body) = send(
            &app,
            post(
                &format!("/dangers/{id}/transitions"),
                json!({"to": to, "reason": "复查合格"}),
            )
            .to_request(),
        )
        .await;
        assert_eq!(code, 200, "{to}: {body}");
    }
    let (_, fc) = send(&app, get("/dangers?f=geojson").to_request()).await;
    assert!(feature_of(&fc, e2).is_none(), "a closed danger is not drawn: {fc}");
    let (_, s) = send(&app, get("/situation").to_request()).await;
    assert_eq!(s["dangers"]["open"], 2, "{s}");

    // Replay: before the closing, e2 was on the map; now it is not.
    let at = |t: chrono::DateTime<Utc>| format!("/replay?at={}", t.to_rfc3339().replace('+', "%2B"));
    let (code, then) = send(&app, get(&at(before_close)).to_request()).await;
    assert_eq!(code, 200, "{then}");
    assert!(feature_of(&then["dangers"], e2).is_some(), "{}", then["dangers"]);
    assert_eq!(then["danger_counts"]["total"], 3);
    let (_, now) = send(&app, get(&at(Utc::now())).to_request()).await;
    assert!(feature_of(&now["dangers"], e2).is_none());
    assert_eq!(now["danger_counts"]["total"], 2);

    let (code, body) = send(&app, get("/dangers?f=kml").to_request()).await;
    assert_eq!(code, 400);
    assert!(body.to_string().contains("geojson"), "{body}");
}
