//! `GET /situation`: the figures of the command map's status strip (open
//! real incidents and the people in their zones, real teams by status, the
//! drills running), within the caller's scope. The map fetches it again
//! when the live feed says something changed.

use crate::error::ApiError;
use crate::scope::RequestScope;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use lookout_layers::ledger::query::DangerFilter;

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/situation").get(situation));
}

/// `GET /situation`
async fn situation(state: web::Data<AppState>, scope: RequestScope) -> Result<HttpResponse, ApiError> {
    let catalog = state.store.catalog();
    let answer = state.store.operations().situation(
        catalog,
        |i| scope.sees_point(i.spec.centre()),
        |team| scope.sees_feature(catalog, "rescue_teams", team),
    );
    let mut body = serde_json::to_value(answer).map_err(ApiError::internal)?;
    // the sensor alarms (docs/monitoring.md)
    body["alarms"] = serde_json::to_value(
        state
            .store
            .operations()
            .alarm_counts(|a| scope.sees_point(a.location.into())),
    )
    .map_err(ApiError::internal)?;
    // the supervision ledger (docs/ledger.md): open, overdue and open major
    // dangers in scope
    let ledger_filter = DangerFilter {
        scope: scope.get().map(|s| s.county_ids().to_vec()),
        open: Some(true),
        ..DangerFilter::default()
    };
    let counts = state
        .store
        .operations()
        .ledger()
        .list(&ledger_filter, chrono::Utc::now(), 0, 0)
        .counts;
    body["dangers"] = serde_json::json!({
        "open": counts.total,
        "overdue": counts.overdue,
        "major_open": counts.major_open,
    });
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body))
}
