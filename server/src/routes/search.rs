//! `GET /search?q=&limit=`: features of the searched layers by name, by
//! substring or pinyin (full or initials), ranked and limited, within the
//! caller's scope (`lookout_layers::search`). The map's search box asks this
//! instead of downloading whole layers.

use crate::error::ApiError;
use crate::extract::{Query, SearchQuery};
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use lookout_layers::search::{MAX_HITS, MAX_QUERY_CHARS, search as find};
use serde_json::json;

/// Hits answered when `limit` is not given.
pub const DEFAULT_HITS: usize = 12;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/search").get(search));
}

/// `GET /search?q=太原&limit=12`
async fn search(
    state: web::Data<AppState>,
    scope: RequestScope,
    query: Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let SearchQuery { q, limit } = query.into_inner();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!(
            "q is at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = limit.unwrap_or(DEFAULT_HITS);
    if !(1..=MAX_HITS).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be a whole number from 1 to {MAX_HITS}"
        )));
    }
    let catalog = state.store.catalog();
    let hits = find(catalog, &q, limit, |layer, id| scope.sees_feature(catalog, layer, id));
    Ok(HttpResponse::Ok().json(json!({ "q": q, "hits": hits })))
}
