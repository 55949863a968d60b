//! Attachments on hidden dangers over HTTP (docs/ledger.md, "Attachments"):
//! an upload stored once by its hash and downloaded byte for byte with its
//! type, ETag and name; the same bytes again add nothing; too big is 413,
//! a type other than JPEG/PNG/WebP/PDF (or not the one declared) is 415
//! with the reason; a county user sees and adds only their county's; and
//! the obligations' overdue alarms reach the inbox beside the dangers'.

use crate::common::{get, send};
use actix_web::test;
use chrono::{TimeDelta, Utc};
use lookout_layers::FeatureId;
use serde_json::{Value, json};

fn post(uri: &str, body: Value) -> test::TestRequest {
    test::TestRequest::post().uri(uri).set_json(body)
}

/// A raw upload of `bytes` declared as `content_type`.
fn upload(uri: &str, content_type: &str, bytes: Vec<u8>) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("Content-Type", content_type))
        .set_payload(bytes)
}

/// A tiny but whole PNG (1×1, transparent).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    b.extend_from_slice(b"\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82");
    b
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

fn enterprise_in(state: &lookout_server::state::AppState, county: Option<u32>, not: Option<u32>) -> (FeatureId, u32) {
    let layer = state.store.catalog().enterprises.read();
    layer
        .features()
        .iter()
        .find(|f| county.is_none_or(|c| f.properties.county_id == c) && not.is_none_or(|c| f.properties.county_id != c))
        .map(|f| (f.id, f.properties.county_id))
        .expect("an enterprise")
}

fn danger(enterprise: FeatureId) -> Value {
    json!({
        "enterprise": enterprise,
        "category": "fire",
        "severity": "general",
        "description": "消防通道被占用",
        "found_by": "检查组",
        "found_at": (Utc::now() - TimeDelta::days(3)).to_rfc3339(),
        "source": "inspection",
        "rectification": {"deadline": (Utc::now() + TimeDelta::days(20)).to_rfc3339(), "measures": "清理通道"},
    })
}

#[actix_web::test]
async fn an_upload_is_stored_once_by_its_hash_and_downloads_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise_in(&state, None, None);
    let app = scoped_app!(state.clone());
    let (code, body) = send(&app, post("/dangers", danger(e)).to_request()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().expect("id");
    let (code, body) = send(&app, post("/dangers", danger(e)).to_request()).await;
    assert_eq!(code, 201, "{body}");
    let other = body["id"].as_u64().expect("id");

    let photo = png();
    let resp = test::call_service(
        &app,
        upload(
            &format!("/dangers/{id}/attachments?name=C:%5Cphotos%5C%E7%BD%90%E5%8C%BA.png"),
            "image/png",
            photo.clone(),
        )
        .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = serde_json::from_slice(&test::read_body(resp).await).expect("json");
    let sha = body["sha256"].as_str().expect("sha256").to_owned();
    assert_eq!(sha, lookout_layers::ledger::attachment::sha256_hex(&photo));
    assert_eq!(
        location.as_deref(),
        Some(format!("/dangers/{id}/attachments/{sha}").as_str())
    );
    assert_eq!(body["name"], "罐区.png", "only the last part of the name is kept");
    assert_eq!(body["media_type"], "image/png");
    assert_eq!(body["bytes"], photo.len());
    assert_eq!(body["actor"], "dev");
    assert_eq!(body["status"], "reported");

    // The same bytes again on the same danger: the one on record, nothing stored.
    let before = state.store.last_seq();
    let (code, body) = send(
        &app,
        upload(&format!("/dangers/{id}/attachments"), "image/png", photo.clone()).to_request(),
    )
    .await;
    assert_eq!((code, body["sha256"].as_str()), (200, Some(sha.as_str())), "{body}");
    assert_eq!(state.store.last_seq(), before, "no event for the same bytes");
    // On another danger: a second record, one blob.
    let (code, body) = send(
        &app,
        upload(
            &format!("/dangers/{other}/attachments?name=b.png"),
            "application/octet-stream",
            photo.clone(),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let blobs = dir.path().join("seed-1-scale-1").join("blobs").join(&sha[..2]);
    assert_eq!(
        std::fs::read_dir(&blobs).expect("blob folder").count(),
        1,
        "stored once"
    );

    // The list and the danger's record carry it; the download is the upload.
    let (code, body) = send(&app, get(&format!("/dangers/{id}/attachments")).to_request()).await;
    assert_eq!(code, 200);
    assert_eq!(body["numberMatched"], 1);
    assert_eq!(
        body["attachments"][0]["href"],
        json!(format!("/dangers/{id}/attachments/{sha}"))
    );
    let (_, body) = send(&app, get(&format!("/dangers/{id}")).to_request()).await;
    assert_eq!(body["attachments"][0]["sha256"], json!(sha));
    let resp = test::call_service(&app, get(&format!("/dangers/{id}/attachments/{sha}")).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("image/png"));
    assert_eq!(header("etag"), Some(format!("\"{sha}\"")));
    let disposition = header("content-disposition").expect("content-disposition");
    assert!(disposition.starts_with("inline"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E7%BD%90%E5%8C%BA.png"),
        "{disposition}"
    );
    assert_eq!(test::read_body(resp).await.to_vec(), photo);
    let resp = test::call_service(
        &app,
        get(&format!("/dangers/{id}/attachments/{sha}"))
            .insert_header(("If-None-Match", format!("\"{sha}\"")))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 304);
    // Another danger's attachment is not reached through this one.
    let (code, _) = send(
        &app,
        get(&format!("/dangers/{id}/attachments/{}", "0".repeat(64))).to_request(),
    )
    .await;
    assert_eq!(code, 404);

    // A PDF at `submitted`: the evidence, downloaded as a file.
    for to in ["rectifying", "submitted"] {
        let (code, body) = send(
            &app,
            post(&format!("/dangers/{id}/transitions"), json!({"to": to})).to_request(),
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    let (code, body) = send(
        &app,
        upload(
            &format!("/dangers/{id}/attachments?name=%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf"),
            "application/pdf",
            pdf(),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["status"], "submitted");
    let resp = test::call_service(
        &app,
        get(&format!(
            "/dangers/{id}/attachments/{}",
            body["sha256"].as_str().unwrap_or_default()
        ))
        .to_request(),
    )
    .await;
    let disposition = resp
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(test::read_body(resp).await.to_vec(), pdf());

    // The record survives a restart: the journal read again, the blob on disk.
    drop(app);
    let again = crate::common::state(dir.path());
    let app = scoped_app!(again);
    let resp = test::call_service(&app, get(&format!("/dangers/{id}/attachments/{sha}")).to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(test::read_body(resp).await.to_vec(), photo);
}

#[actix_web::test]
async fn too_big_is_413_and_a_wrong_type_is_415_with_the_reason_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise_in(&state, None, None);
    let app = scoped_app!(state.clone());
    let (_, body) = send(&app, post("/dangers", danger(e)).to_request()).await;
    let id = body["id"].as_u64().expect("id");
    let uri = format!("/dangers/{id}/attachments");
    let before = state.store.last_seq();

    let mut big = png();
    big.resize(lookout_server::limits::MAX_ATTACHMENT_BYTES as usize + 1, 0);
    let (code, body) = send(&app, upload(&uri, "image/png", big).to_request()).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap_or_default().contains("16 MiB"),
        "{body}"
    );

    // A zip (an .xlsx, a .docx) sent as a JPEG: refused, naming what it is.
    let zip = b"PK\x03\x04\x14\0\0\0\x08\0 a workbook".to_vec();
    let (code, body) = send(&app, upload(&uri, "image/jpeg", zip).to_request()).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("application/zip") && message.contains("image/jpeg, image/png"),
        "{message}"
    );
    // HTML with an image name is no image.
    let (code, body) = send(
        &app,
        upload(
            &format!("{uri}?name=x.png"),
            "image/png",
            b"<html><script>1</script>".to_vec(),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 415, "{body}");
    // A PDF declared as a PNG: the content decides, and says so.
    let (code, body) = send(&app, upload(&uri, "image/png", pdf()).to_request()).await;
    assert_eq!(code, 415, "{body}");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("application/pdf"),
        "{body}"
    );
    // Nothing at all.
    let (code, body) = send(&app, upload(&uri, "image/png", Vec::new()).to_request()).await;
    assert_eq!(code, 415, "{body}");
    // An unknown danger.
    let (code, _) = send(
        &app,
        upload("/dangers/999999/attachments", "image/png", png()).to_request(),
    )
    .await;
    assert_eq!(code, 404);

    assert_eq!(state.store.last_seq(), before, "nothing stored");
    assert!(
        !dir.path().join("seed-1-scale-1").join("blobs").exists(),
        "no blob written"
    );
}

#[actix_web::test]
async fn a_county_user_adds_and_reads_only_their_county_dangers_attachments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (inside, county) = enterprise_in(&state, None, None);
    let (outside, _) = enterprise_in(&state, None, Some(county));
    let app = scoped_app!(state.clone());
    let scoped = |r: test::TestRequest| r.insert_header(("X-Test-Scope", county.to_string())).to_request();
    let (_, body) = send(&app, post("/dangers", danger(inside)).to_request()).await;
    let mine = body["id"].as_u64().expect("id");
    let (_, body) = send(&app, post("/dangers", danger(outside)).to_request()).await;
    let theirs = body["id"].as_u64().expect("id");
    // the unscoped desk attaches a photo to the other county's danger
    let (code, body) = send(
        &app,
        upload(&format!("/dangers/{theirs}/attachments"), "image/png", png()).to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let sha = body["sha256"].as_str().expect("sha").to_owned();

    let (code, body) = send(
        &app,
        scoped(upload(
            &format!("/dangers/{theirs}/attachments"),
            "application/pdf",
            pdf(),
        )),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    for uri in [
        format!("/dangers/{theirs}/attachments"),
        format!("/dangers/{theirs}/attachments/{sha}"),
    ] {
        let (code, body) = send(&app, scoped(get(&uri))).await;
        assert_eq!(
            (code, body["error"].as_str()),
            (403, Some("out_of_scope")),
            "{uri}: {body}"
        );
    }
    // Their own danger: added and read back.
    let (code, body) = send(
        &app,
        scoped(upload(
            &format!("/dangers/{mine}/attachments"),
            "application/pdf",
            pdf(),
        )),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let (code, body) = send(&app, scoped(get(&format!("/dangers/{mine}/attachments")))).await;
    assert_eq!((code, body["numberMatched"].as_u64()), (200, Some(1)), "{body}");
}

#[actix_web::test]
async fn an_overdue_obligation_alarms_in_the_inbox_beside_the_dangers_until_fulfilled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::common::state(dir.path());
    let (e, _) = enterprise_in(&state, None, None);
    let app = scoped_app!(state.clone());
    let (code, body) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "drill", "enterprise": e, "title": "储罐区泄漏应急演练",
                   "due": (Utc::now() - TimeDelta::days(2)).to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_u64().expect("id");
    let (code, body) = send(
        &app,
        post(
            "/obligations",
            json!({"kind": "emergency_plan", "enterprise": e, "title": "综合应急预案",
                   "due": (Utc::now() + TimeDelta::hours(20)).to_rfc3339()}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let soon = body["id"].as_u64().expect("id");

    assert!(lookout_server::run_ledger_clock(&state, Utc::now()).expect("clock") >= 2);
    let (_, body) = send(&app, get("/inbox").to_request()).await;
    let entries = body["entries"].as_array().expect("entries");
    let alarm = entries
        .iter()
        .find(|x| x["kind"] == "overdue_alarm" && x["obligation"] == id)
        .unwrap_or_else(|| panic!("the drill's overdue alarm in {body}"));
    assert_eq!(alarm["obligation_kind"], "drill");
    assert_eq!(alarm["colour"], "orange");
    assert_eq!(alarm["description"], "储罐区泄漏应急演练");
    assert!(alarm.get("danger").is_none(), "{alarm}");
    let reminder = entries
        .iter()
        .find(|x| x["kind"] == "reminder" && x["obligation"] == soon)
        .unwrap_or_else(|| panic!("the plan's reminder in {body}"));
    assert_eq!(reminder["days_before"], 1);

    // A county user elsewhere does not see them.
    let (_, other) = enterprise_in(&state, None, Some(alarm_county(&state, id)));
    let (_, body) = send(
        &app,
        get("/inbox")
            .insert_header(("X-Test-Scope", other.to_string()))
            .to_request(),
    )
    .await;
    assert_eq!(body["numberMatched"], 0, "{body}");

    let (code, body) = send(
        &app,
        post(&format!("/obligations/{id}/fulfil"), json!({"remark": "已演练"})).to_request(),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (_, body) = send(&app, get("/inbox").to_request()).await;
    assert!(
        !body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|x| x["obligation"] == id),
        "{body}"
    );
}

fn alarm_county(state: &lookout_server::state::AppState, obligation: FeatureId) -> u32 {
    state
        .store
        .operations()
        .ledger()
        .obligations()
        .get(obligation)
        .map(|o| o.place.county_id)
        .expect("the obligation")
}
