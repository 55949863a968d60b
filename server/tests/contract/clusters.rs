//! Clusters show the share of each class, not only the worst (issue 18
//! item 3, issue 22 item 3): an enterprise cluster counts its members of
//! each risk colour (`n_red` … `n_blue`) and names its `dominant` class; a
//! team cluster counts its busy members (`busy`: dispatched, en route, on
//! scene), so a busy team no longer vanishes into a green cluster.

use crate::common::{get, post, send};
use crate::risk::layer_features;
use actix_web::test;
use serde_json::json;
use std::collections::HashMap;

const CLASSES: [&str; 4] = ["red", "orange", "yellow", "blue"];

/// The tiles of zoom `z` over the province (Shanxi, 110–115 E, 34.5–40.8 N).
fn province_tiles(z: u8) -> Vec<(u32, u32)> {
    let n = f64::from(1u32 << z);
    let x = |lon: f64| ((lon + 180.0) / 360.0 * n).floor() as u32;
    let y = |lat: f64| {
        let lat = f64::to_radians(lat);
        ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32
    };
    let mut out = Vec::new();
    for tx in x(110.0)..=x(115.0) {
        for ty in y(40.8)..=y(34.5) {
            out.push((tx, ty));
        }
    }
    out
}

fn int(p: &HashMap<String, String>, key: &str) -> u32 {
    p.get(key)
        .unwrap_or_else(|| panic!("{key} in {p:?}"))
        .parse()
        .expect("a count")
}

/// The clusters of `layer` at zoom `z` over the province, each once.
macro_rules! clusters {
    ($app:expr, $layer:expr, $z:expr) => {{
        let (layer, z): (&str, u8) = ($layer, $z);
        let mut out: Vec<HashMap<String, String>> = Vec::new();
        for (x, y) in province_tiles(z) {
            let resp = test::call_service($app, get(&format!("/tiles/{layer}/{z}/{x}/{y}")).to_request()).await;
            let status = resp.status().as_u16();
            let body = test::read_body(resp).await;
            assert!(status == 200 || status == 204, "{layer} {z}/{x}/{y}: {status}");
            for p in layer_features(&body, layer) {
                // A cluster in a tile's buffer is drawn by its neighbour too.
                let again = out.iter().any(|q| q.get("$id") == p.get("$id"));
                if p.get("cluster").is_some_and(|c| c == "true") && !again {
                    out.push(p);
                }
            }
        }
        out
    }};
}

#[actix_web::test]
async fn enterprise_clusters_count_each_risk_colour_and_name_the_dominant_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let found = clusters!(&app, "enterprises", 6);
    assert!(found.len() > 10, "province clusters: {}", found.len());
    let (mut worst_red, mut dominant_red) = (0, 0);
    for p in &found {
        let counts: Vec<u32> = CLASSES.iter().map(|c| int(p, &format!("n_{c}"))).collect();
        assert_eq!(
            counts.iter().sum::<u32>(),
            int(p, "count"),
            "every member has a colour: {p:?}"
        );
        let worst = counts.iter().position(|n| *n > 0).expect("a member");
        assert_eq!(p["risk_level"], CLASSES[worst], "risk_level stays the worst: {p:?}");
        let most = *counts.iter().max().expect("four classes");
        let dominant = counts.iter().position(|n| *n == most).expect("the max");
        assert_eq!(
            p["dominant"], CLASSES[dominant],
            "most members, the more severe of equals: {p:?}"
        );
        let share: f64 = p["worst_share"].parse().expect("a share");
        assert!((share - f64::from(counts[worst]) / f64::from(int(p, "count"))).abs() < 1e-3);
        worst_red += usize::from(worst == 0);
        dominant_red += usize::from(dominant == 0);
    }
    // Few enterprises are red: a map coloured by the dominant class shows
    // far fewer red clusters than one coloured by the worst member.
    assert!(
        dominant_red * 4 < worst_red,
        "red by dominant {dominant_red}, by worst {worst_red}, of {}",
        found.len()
    );
}

#[actix_web::test]
async fn a_team_cluster_counts_its_busy_members() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let busy = |found: &[HashMap<String, String>]| found.iter().map(|p| int(p, "busy")).sum::<u32>();
    let before = clusters!(&app, "rescue_teams", 6);
    for p in &before {
        assert!(p.contains_key("n_available") && p.contains_key("n_on_scene"), "{p:?}");
    }
    let (status, inc) = send(
        &app,
        post(
            "/incidents",
            json!({
                "kind": "leak", "location": [111.62, 36.104], "substance": "chlorine",
                "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}
            }),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 201, "{inc}");
    let (_, teams) = send(
        &app,
        get("/collections/rescue_teams/items?kind=hazmat&status=available&limit=1").to_request(),
    )
    .await;
    let team = teams["features"][0]["id"].as_u64().expect("an available team");
    let (status, body) = send(
        &app,
        post(&format!("/incidents/{}/dispatch", inc["id"]), json!({"teams": [team]})).to_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let after = clusters!(&app, "rescue_teams", 6);
    assert_eq!(busy(&after), busy(&before) + 1, "the dispatched team shows as busy");
    assert_eq!(
        after.iter().map(|p| int(p, "n_dispatched")).sum::<u32>(),
        before.iter().map(|p| int(p, "n_dispatched")).sum::<u32>() + 1
    );
    // Back in service: no longer busy.
    for to in ["returning", "available"] {
        let (status, body) = send(
            &app,
            post(&format!("/teams/{team}/status"), json!({"status": to})).to_request(),
        )
        .await;
        assert_eq!(status, 200, "{to}: {body}");
    }
    assert_eq!(busy(&clusters!(&app, "rescue_teams", 6)), busy(&before));
}
