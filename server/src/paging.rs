//! Lists a page at a time: every list answers `numberMatched`,
//! `numberReturned` and `links` (`self`, and `next`/`prev` when there are
//! more), so a client always knows when a list was cut.

use crate::extract::Page;
use actix_web::HttpRequest;
use serde_json::{Map, Value as Json, json};

/// The absolute URL of this request with some query parameters replaced.
pub fn url_with(req: &HttpRequest, replace: &[(&str, String)]) -> String {
    let info = req.connection_info();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .filter(|(k, _)| !replace.iter().any(|(r, _)| r == k))
        .collect();
    params.extend(replace.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    format!("{}://{}{}?{query}", info.scheme(), info.host(), req.path())
}

fn link(href: String, rel: &str) -> Json {
    json!({ "href": href, "rel": rel, "type": "application/json" })
}

/// `numberMatched`, `numberReturned`, `next` (the next page's URL, or null
/// on the last) and `links` of an offset-paged list.
pub fn envelope(matched: usize, returned: usize, page: Page, req: &HttpRequest) -> Map<String, Json> {
    let at = |offset: usize| {
        url_with(
            req,
            &[("limit", page.limit.to_string()), ("offset", offset.to_string())],
        )
    };
    let mut links = vec![link(at(page.offset), "self")];
    let next = (page.offset + returned < matched).then(|| at(page.offset + returned));
    if let Some(n) = &next {
        links.push(link(n.clone(), "next"));
    }
    if page.offset > 0 {
        links.push(link(at(page.offset.saturating_sub(page.limit)), "prev"));
    }
    let mut out = Map::new();
    out.insert("numberMatched".into(), json!(matched));
    out.insert("numberReturned".into(), json!(returned));
    out.insert("next".into(), json!(next));
    out.insert("links".into(), json!(links));
    out
}

/// The page of `items` asked for, and how many there were in all.
pub fn slice<T>(items: impl IntoIterator<Item = T>, page: Page) -> (Vec<T>, usize) {
    let mut matched = 0;
    let mut out = Vec::new();
    for item in items {
        if matched >= page.offset && out.len() < page.limit {
            out.push(item);
        }
        matched += 1;
    }
    (out, matched)
}

/// `{key: items, numberMatched, numberReturned, next, links}` for an offset-paged list.
pub fn listing(key: &str, items: Vec<Json>, matched: usize, page: Page, req: &HttpRequest) -> Json {
    let mut out = envelope(matched, items.len(), page, req);
    out.insert(key.into(), Json::Array(items));
    Json::Object(out)
}
