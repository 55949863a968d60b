//! Fuzzing query strings and path parameters: every GET route of the route
//! table (but the endless event stream), with the parameters its
//! `/openapi.json` operation names and any others, given near-valid and
//! arbitrary values (lists, boxes, dates, huge and negative numbers,
//! unicode, stray percent signs), answers below 500; a refusal is JSON with
//! an error code and a reason. Budget and seed as the layer fuzz tests
//! (`LOOKOUT_FUZZ_SECS`, `layers/tests/fuzzing`).

#[allow(dead_code, unused_macros, reason = "the fuzz test uses only the state")]
#[path = "contract/common/mod.rs"]
mod common;
#[path = "../../layers/tests/fuzzing/mod.rs"]
mod fuzzing;

use actix_web::http::Uri;
use actix_web::test::{self, TestRequest};
use fuzzing::{fail, fuzz};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every GET path of the route table but the event stream.
fn get_routes() -> Vec<&'static str> {
    let mut table = Vec::new();
    let _app = actix_web::App::new().configure(|cfg| table = lookout_server::routes::configure(cfg));
    table
        .into_iter()
        .filter(|(path, methods)| *path != "/events/stream" && methods.contains(&actix_web::http::Method::GET))
        .map(|(path, _)| path)
        .collect()
}

/// The query parameters `/openapi.json` documents for GET on each path.
fn documented(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let params = item["get"]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        names.insert(path.clone(), params);
    }
    names
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,24}",
        "-?[0-9]{1,22}(\\.[0-9]{0,6})?(e-?[0-9]{1,4})?",
        "-?[0-9]{1,3}(\\.[0-9]{1,6})?(,-?[0-9]{1,3}(\\.[0-9]{1,6})?){0,6}",
        "(110|113\\.5|114|-181|NaN|inf|1e309)(,(35|37\\.8|40|91|NaN)){1,3}",
        "(19|20|99)[0-9]{2}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|\\+08:00)?)?",
        "(\\.\\.|\\.\\./\\.\\.|true|false|null|\\[\\]|\\{\\}|0|-1|18446744073709551616|4294967296)",
        "[a-z_]{1,12}(,[a-z_]{1,12}){0,40}",
    ]
}

/// A query: documented or other names with values, joined as a client
/// would (percent-encoded), sometimes with stray separators or escapes.
fn query() -> impl Strategy<Value = Vec<(Option<Index>, String, String)>> {
    let name = prop_oneof![
        Just(String::new()),
        "[a-z_\\[\\]]{1,12}",
        "(limit|offset|bbox|f|after|from|to|user|type|k|radius_m|lon|lat|drill|status)",
    ];
    prop::collection::vec((prop::option::weighted(0.7, any::<Index>()), name, value()), 0..7)
}

fn path_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("1".to_owned()),
        1 => "(0|-1|99999999999999999999|abc|1\\.5|%20|enterprises,roads|all)",
        1 => "[0-9]{1,4}",
    ]
}

const STRAY: [&str; 8] = ["", "&", "&&=", "%", "%zz", "%ff%fe", "+", ";x=1"];

#[test]
fn any_query_string_is_answered_below_500_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let system = actix_web::rt::System::new();
    let state = common::state(dir.path());
    let app = system.block_on(test::init_service(
        actix_web::App::new().configure(|cfg| lookout_server::app::configure(cfg, state)),
    ));
    let doc: Value = system.block_on(test::call_and_read_body_json(
        &app,
        TestRequest::get().uri("/openapi.json").to_request(),
    ));
    let params = documented(&doc);
    let routes = get_routes();
    let answered = std::sync::Mutex::new(BTreeMap::<u16, usize>::new());
    let strategy = (any::<Index>(), path_value(), query(), any::<Index>());
    fuzz("query_strings", 1.0, strategy, |(route, id, pairs, stray)| {
        let pattern = routes[route.index(routes.len())];
        let known = params.get(pattern).cloned().unwrap_or_default();
        let path = pattern
            .replace("{collection}", "enterprises")
            .replace("{id}", &id)
            .replace("{layers}", "enterprises,hazard_sources")
            .replace("{z}", "7")
            .replace("{x}", "104")
            .replace("{y}", "48")
            .replace("{name}", "architecture")
            .replace("{username}", "dev")
            .replace("{tail:.*}", "index.html");
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (pick, other, value) in &pairs {
            let name = match pick {
                Some(i) if !known.is_empty() => known[i.index(known.len())].as_str(),
                _ => other.as_str(),
            };
            query.append_pair(name, value);
        }
        let uri = format!("{path}?{}{}", query.finish(), STRAY[stray.index(STRAY.len())]);
        // A request line no HTTP client could send is not this test's business.
        if Uri::try_from(uri.as_str()).is_err() {
            return Ok(());
        }
        let (status, body) = system.block_on(async {
            let resp = test::call_service(&app, TestRequest::get().uri(&uri).to_request()).await;
            let status = resp.status().as_u16();
            (status, test::read_body(resp).await)
        });
        *answered.lock().expect("tally").entry(status).or_default() += 1;
        prop_assert!(status < 500, "GET {uri}: {status} {}", String::from_utf8_lossy(&body));
        if (400..500).contains(&status) {
            let error: Value =
                serde_json::from_slice(&body).map_err(|e| fail(format!("GET {uri}: {status} not JSON: {e}")))?;
            let code = error["error"].as_str().unwrap_or_default();
            let message = error["message"].as_str().unwrap_or_default();
            prop_assert!(
                !code.is_empty() && !message.is_empty(),
                "GET {uri}: {status} without a reason: {error}"
            );
        }
        Ok(())
    });
    let answered = answered.into_inner().expect("tally");
    eprintln!("query strings answered (status: count): {answered:?}");
    // Both paths were walked: some queries are answered, some refused.
    assert!(answered.keys().any(|s| *s < 300) && answered.keys().any(|s| (400..500).contains(s)));
}
