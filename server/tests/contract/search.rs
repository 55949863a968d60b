//! `GET /search`: names across layers by substring and pinyin, ranked and
//! limited; bad parameters are 400 with the reason.

use crate::common::{get, send};

#[actix_web::test]
async fn search_finds_names_by_substring_and_pinyin_initials_ranked_and_limited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app!(dir.path());
    let (status, body) = send(&app, get("/search?q=xdq&limit=5").to_request()).await;
    assert_eq!(status, 200, "{body}");
    let first = &body["hits"][0];
    assert_eq!(first["collection"], "counties");
    assert_eq!(first["name"], "小店区");
    assert_eq!(first["matched"], "initials_prefix");
    assert_eq!(first["bbox"].as_array().map(Vec::len), Some(4));

    let (_, body) = send(&app, get("/search?q=%E6%95%91%E6%8F%B4&limit=7").to_request()).await; // 救援
    let hits = body["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 7, "limited");
    assert!(
        hits.iter()
            .all(|h| h["name"].as_str().is_some_and(|n| n.contains("救援"))),
        "{body}"
    );

    for (uri, word) in [
        ("/search", "q"),
        ("/search?q=a&limit=0", "limit"),
        ("/search?q=a&limit=51", "limit"),
        ("/search?q=a&page=2", "page"),
    ] {
        let (status, body) = send(&app, get(uri).to_request()).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(word)),
            "{uri}: {body}"
        );
    }
    let long = "a".repeat(51);
    let (status, _) = send(&app, get(&format!("/search?q={long}")).to_request()).await;
    assert_eq!(status, 400);
    let (status, body) = send(&app, get("/search?q=").to_request()).await;
    assert_eq!(status, 200);
    assert_eq!(body["hits"], serde_json::json!([]));
}
