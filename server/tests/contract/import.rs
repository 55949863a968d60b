//! `POST /import/{layer}` (docs/data.md): a register and its mapping as
//! multipart/form-data; a dry run reports and stores nothing; an import
//! stores the good rows only, and a second one updates them in place.

use crate::common::send;
use actix_web::test;
use serde_json::Value;

const MAPPING: &str = r#"
layer = "shelters"
external_id = "编号"
[geometry]
lon = "经度"
lat = "纬度"
[fields]
name = "名称"
kind = { column = "类型", values = { "公园" = "park", "学校" = "school", "体育场" = "stadium", "广场" = "square" } }
capacity = "容量"
"#;

fn multipart(uri: &str, filename: &str, file: &str, mapping: &str) -> test::TestRequest {
    let boundary = "lookout-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n{mapping}\r\n--{boundary}--\r\n"
    );
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .set_payload(body)
}

fn shelters_named(state: &lookout_server::state::AppState, name: &str) -> Vec<(u64, u32)> {
    state
        .store
        .catalog()
        .shelters
        .read()
        .features()
        .iter()
        .filter(|f| f.properties.name == name)
        .map(|f| (f.id, f.properties.capacity))
        .collect()
}

#[actix_web::test]
async fn a_dry_run_reports_and_an_import_stores_only_the_good_rows_then_updates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let state = crate::common::state(dir.path());
    let app = test::init_service(actix_web::App::new().configure({
        let state = state.clone();
        move |cfg| lookout_server::app::configure(cfg, state)
    }))
    .await;
    let csv = "编号,名称,类型,容量,经度,纬度\nS1,迎泽公园避难场所,公园,5000,112.55,37.86\nS2,坏场所,地下室,100,112.55,37.86\nS3,远方场所,学校,100,12.55,37.86\n";
    let (status, report) = send(
        &app,
        multipart("/import/shelters?dry_run=true", "list.csv", csv, MAPPING).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 1);
    assert_eq!(report["refused_rows"], 2);
    assert_eq!(report["stored"], false);
    let rows: Vec<(u64, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["row"].as_u64().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, vec![(3, "类型"), (4, "geometry")], "{report}");
    assert!(
        shelters_named(&state, "迎泽公园避难场所").is_empty(),
        "a dry run stores nothing"
    );

    let (status, report) = send(
        &app,
        multipart("/import/shelters", "list.csv", csv, MAPPING).to_request(),
    )
    .await;
    assert_eq!((status, report["stored"].clone()), (200, Value::Bool(true)), "{report}");
    let stored = shelters_named(&state, "迎泽公园避难场所");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, 5000);
    assert!(shelters_named(&state, "坏场所").is_empty());

    let again = csv.replace(",5000,", ",6000,");
    let (_, report) = send(
        &app,
        multipart("/import/shelters", "list.csv", &again, MAPPING).to_request(),
    )
    .await;
    assert_eq!(
        (report["created"].clone(), report["updated"].clone()),
        (Value::from(0), Value::from(1)),
        "{report}"
    );
    assert_eq!(
        shelters_named(&state, "迎泽公园避难场所"),
        vec![(stored[0].0, 6000)],
        "updated in place"
    );
}

#[actix_web::test]
async fn a_mapping_for_another_layer_roads_and_a_missing_part_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let app = app!(dir.path());
    let (status, body) = send(
        &app,
        multipart("/import/warehouses", "list.csv", "a\n", MAPPING).to_request(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("shelters"), "{body}");
    let (status, body) = send(&app, multipart("/import/roads", "r.csv", "a\n", MAPPING).to_request()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("OpenStreetMap"), "{body}");
    let (status, body) = send(
        &app,
        multipart("/import/shelters", "list.txt", "a\n", MAPPING).to_request(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}
