//! `GET /audit?user=&from=&to=&type=&limit=&offset=`: the audit log for
//! admins: every event with who made it (and the token's name), sign-ins,
//! failed sign-ins, sign-outs, user and token changes; newest first,
//! never a hash.

use crate::error::ApiError;
use crate::extract::{AuditQuery, Query};
use crate::limits::{DEFAULT_AUDIT, MAX_AUDIT};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/audit").get(list));
}

/// `GET /audit`
async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_AUDIT);
    if !(1..=MAX_AUDIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be a whole number from 1 to {MAX_AUDIT}"
        )));
    }
    let offset = q.offset.unwrap_or(0);
    let types: Vec<&str> = q.kind.as_deref().map(|t| t.split(',').collect()).unwrap_or_default();
    let users = state.store.users();
    let matched: Vec<_> = users
        .audit()
        .iter()
        .rev()
        .filter(|e| {
            q.user
                .as_deref()
                .is_none_or(|u| e.actor() == u || e.subject() == Some(u))
                && q.from.is_none_or(|t| e.at() >= t)
                && q.to.is_none_or(|t| e.at() < t)
                && (types.is_empty() || types.contains(&e.kind()))
        })
        .collect();
    let page: Vec<_> = matched.iter().skip(offset).take(limit).collect();
    let next = (offset + page.len() < matched.len())
        .then(|| crate::paging::url_with(&req, &[("offset", (offset + page.len()).to_string())]));
    Ok(HttpResponse::Ok().json(json!({
        "entries": page,
        "numberMatched": matched.len(),
        "numberReturned": page.len(),
        "next": next,
    })))
}
