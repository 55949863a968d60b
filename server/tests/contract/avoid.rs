//! Hazard-aware routes through `/nearest` and the recommendation: a team
//! whose fastest route passes where another incident then opens is routed
//! round its zone (or, if no road avoids it, flagged), says by how much, and
//! the drill world does not see a real incident's zones.

use crate::common::{get, post, send};
use serde_json::{Value, json};

const ORIGIN: [f64; 2] = [111.62, 36.104];

/// Metres from `p` to the segment `a`–`b` (plane tangent at `p`).
fn to_segment_m(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let k = p[1].to_radians().cos();
    let m = 111_320.0;
    let (ax, ay) = ((a[0] - p[0]) * k * m, (a[1] - p[1]) * m);
    let (bx, by) = ((b[0] - p[0]) * k * m, (b[1] - p[1]) * m);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    };
    ((ax + t * dx).powi(2) + (ay + t * dy).powi(2)).sqrt()
}

fn line(route: &Value) -> Vec<[f64; 2]> {
    route["coordinates"]
        .as_array()
        .expect("a line")
        .iter()
        .map(|c| [c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")])
        .collect()
}

/// How near a route line comes to `p`, metres.
fn nearest_approach_m(route: &Value, p: [f64; 2]) -> f64 {
    line(route)
        .windows(2)
        .map(|w| to_segment_m(p, w[0], w[1]))
        .fold(f64::INFINITY, f64::min)
}

fn crosses(result: &Value, incident: u64) -> bool {
    result["avoidance"]["crosses_zone"]
        .as_array()
        .is_some_and(|z| z.iter().any(|z| z["incident"] == incident))
}

#[actix_web::test]
async fn routes_go_round_another_incidents_zone_and_say_by_how_much() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let uri = |extra: &str| {
        format!(
            "/nearest?lon={}&lat={}&kind=hazmat&status=available&k=10&route=true{extra}",
            ORIGIN[0], ORIGIN[1]
        )
    };
    let (status, before) = send(&app, get(&uri("")).to_request()).await;
    assert_eq!(status, 200, "{before}");
    assert!(
        before.get("avoidance").is_none(),
        "no open incident, nothing avoided: {before}"
    );
    let first = before["results"][0].clone();
    let team = first["id"].as_u64().expect("a team");
    let path = line(&first["route"]);
    assert!(path.len() >= 3, "a route through a junction at least: {first}");
    // Another incident opens on that route, halfway: a small chlorine spill (isolation 60 m).
    let m = path[path.len() / 2];
    let (status, other) = send(
        &app,
        post(
            "/incidents",
            json!({
                "kind": "leak", "location": m, "substance": "chlorine", "spill": "small",
                "weather": {"wind_from_deg": 315, "wind_speed_ms": 3, "daytime": true}
            }),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 201, "{other}");
    let other = other["id"].as_u64().expect("id");

    let (status, after) = send(&app, get(&uri("")).to_request()).await;
    assert_eq!(status, 200, "{after}");
    let avoidance = &after["avoidance"];
    assert!(
        avoidance["avoided"]
            .as_array()
            .expect("avoided")
            .iter()
            .any(|z| z["incident"] == other && z["tier"] == "isolation"),
        "{avoidance}"
    );
    assert!(!avoidance["limits"].as_array().expect("limits").is_empty());
    let results = after["results"].as_array().expect("results");
    for r in results {
        // Out of the 60 m isolation circle, or flagged as crossing it.
        assert!(
            nearest_approach_m(&r["route"], m) > 55.0 || crosses(r, other),
            "a route through the zone, unflagged: {r}"
        );
    }
    // The team whose route passed there is routed round (slower, or flagged),
    // or, if going round makes it slower than ten others, drops out.
    if let Some(moved) = results.iter().find(|r| r["id"] == team) {
        let note = &moved["avoidance"];
        assert_eq!(note["changed"], true, "{moved}");
        assert_eq!(note["unrestricted_time_s"], first["travel_time_s"], "{moved}");
        assert!(
            note["delay_s"].as_f64().expect("delay") > 0.0 || crosses(moved, other),
            "{moved}"
        );
    }
    let changed = avoidance["changed"].as_array().expect("changed");
    assert!(!changed.is_empty(), "{avoidance}");
    for r in results {
        let changed_here = changed.contains(&r["id"]);
        assert_eq!(r["avoidance"]["changed"], changed_here, "{r}");
        if !changed_here {
            assert_eq!(r["avoidance"]["delay_s"], 0.0, "{r}");
        }
    }

    // Asked not to avoid, or in the drill world (no open drill): the routes of before.
    for extra in ["&avoid=false", "&drill=true"] {
        let (status, same) = send(&app, get(&uri(extra)).to_request()).await;
        assert_eq!(status, 200, "{same}");
        assert!(same.get("avoidance").is_none(), "{extra}: {same}");
        assert_eq!(same["results"], before["results"], "{extra}");
    }

    // The recommendation for an incident at the origin avoids the other one's zone too.
    let (status, inc) = send(
        &app,
        post(
            "/incidents",
            json!({
                "kind": "leak", "location": ORIGIN, "substance": "chlorine",
                "weather": {"wind_from_deg": 315, "wind_speed_ms": 2, "daytime": true}
            }),
        )
        .to_request(),
    )
    .await;
    assert_eq!(status, 201, "{inc}");
    let id = inc["id"].as_u64().expect("id");
    let (status, rec) = send(&app, get(&format!("/incidents/{id}/recommendation?k=10")).to_request()).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["avoidance"]["own_incidents"], json!([id]), "{}", rec["avoidance"]);
    assert!(
        rec["avoidance"]["avoided"]
            .as_array()
            .expect("avoided")
            .iter()
            .all(|z| z["incident"] == other),
        "only the other incident's zones are avoided"
    );
    let teams = rec["teams"].as_array().expect("teams");
    for t in teams {
        assert!(
            nearest_approach_m(&t["route"], m) > 55.0 || crosses(t, other),
            "a recommended route through the zone, unflagged: {t}"
        );
        assert!(t["avoidance"]["downwind_s"].as_f64().is_some(), "{t}");
    }
    assert!(
        teams
            .iter()
            .filter(|t| t["need"] == "hazmat")
            .all(|t| t["id"] != team || t["avoidance"]["changed"] == true),
        "the team whose route passed there is routed round or not recommended"
    );
    assert!(
        !rec["avoidance"]["changed"].as_array().expect("changed").is_empty(),
        "{}",
        rec["avoidance"]
    );
}
