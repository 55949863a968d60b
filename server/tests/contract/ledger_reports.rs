//! The ledger's monthly statistics and printable report (docs/ledger.md,
//! "Statistics").

use crate::common::{get, post, send};
use actix_web::{App, test};
use chrono::{Datelike, FixedOffset, TimeDelta, Utc};
use serde_json::json;

#[actix_web::test]
async fn the_month_counts_dangers_found_closed_and_overdue_and_drills_held_and_prints() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, county) = {
        let layer = state.store.catalog().enterprises.read();
        let f = &layer.features()[0];
        (f.id, f.properties.county_id)
    };
    let app = test::init_service(App::new().configure({
        let s = state.clone();
        move |cfg| lookout_server::app::configure(cfg, s)
    }))
    .await;
    let now = Utc::now();
    // Found two minutes ago (this month, unless the month began since), overdue already.
    let found = now - TimeDelta::minutes(2);
    for severity in ["major", "general"] {
        let (code, body) = send(
            &app,
            post(
                "/dangers",
                json!({"enterprise": e, "category": "fire", "severity": severity, "description": "消防通道被占用",
                       "found_by": "检查组", "found_at": found.to_rfc3339(), "source": "inspection",
                       "rectification": {"deadline": (found + TimeDelta::minutes(1)).to_rfc3339()}}),
            )
            .to_request(),
        )
        .await;
        assert_eq!(code, 201, "{body}");
    }
    let (code, _) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "drill", "enterprise": e, "title": "演练", "due": found.to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201);
    // An enforcement inspection today (China Standard Time) with an order and a penalty.
    let today = now
        .with_timezone(&FixedOffset::east_opt(8 * 3600).expect("CST"))
        .date_naive();
    let (code, body) = send(
        &app,
        post(
            "/inspections",
            json!({"enterprise": e, "date": today.to_string(), "kind": "enforcement", "inspectors": ["李明"],
                   "result": "problems", "enforcement": {"order_to_rectify": true, "penalty_yuan": 5000}}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let month = now.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("CST"));
    let month = format!("{:04}-{:02}", month.year(), month.month());
    let (code, body) = send(&app, get(&format!("/ledger/stats?month={month}")).to_request()).await;
    assert_eq!(code, 200, "{body}");
    let total = &body["total"];
    assert_eq!(total["found"], 2, "{body}");
    assert_eq!(total["major_found"], 1);
    assert_eq!(total["overdue"], 2);
    assert_eq!(total["rectified"], 0);
    assert_eq!(total["closure_rate"], 0.0);
    assert_eq!(
        (total["drills_planned"].as_u64(), total["drills_held"].as_u64()),
        (Some(1), Some(0))
    );
    let i = &body["inspections"];
    assert_eq!(
        (i["inspections"].as_u64(), i["by_kind"]["enforcement"].as_u64()),
        (Some(1), Some(1)),
        "{body}"
    );
    assert_eq!(
        (i["orders_to_rectify"].as_u64(), i["cases_filed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(i["penalties_yuan"], 5000.0);
    assert_eq!(body["counties"][0]["county_id"], county);

    // A month before anything was stored counts nothing; a bad month is a 400.
    let (code, body) = send(&app, get("/ledger/stats?month=2001-01").to_request()).await;
    assert_eq!((code, body["total"]["found"].as_u64()), (200, Some(0)), "{body}");
    assert_eq!(body["inspections"]["inspections"], 0, "{body}");
    let (code, _) = send(&app, get("/ledger/stats?month=2026-13").to_request()).await;
    assert_eq!(code, 400);

    for (lang, label) in [("zh", "隐患排查治理月报"), ("en", "Supervision ledger, monthly report")] {
        let resp = test::call_service(
            &app,
            get(&format!("/ledger/report?month={month}&lang={lang}")).to_request(),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200);
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with("text/html"), "{ct}");
        let html = String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8");
        assert!(html.contains(label), "{html}");
    }
}
