//! The supervision ledger (`docs/ledger.md`): hidden dangers reported,
//! listed with filters and counts, moved through their life; the signed-in
//! user's inbox of reminders and overdue alarms.

use crate::error::ApiError;
use crate::extract::{Actor, Page, Query};
use crate::limits::{DEFAULT_DANGERS, MAX_DANGERS, MAX_INBOX};
use crate::scope::{RequestScope, visible_danger};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use lookout_layers::FeatureId;
use lookout_layers::ledger;
use lookout_layers::ledger::query::DangerFilter;
use lookout_layers::ledger::sheet::Format;
use lookout_layers::model::{DangerReport, DangerStatus, RectificationPatch};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/dangers").get(list).post(report))
        .add(super::Endpoint::at("/dangers/import").post(import))
        .add(super::Endpoint::at("/dangers/{id}").get(one))
        .add(super::Endpoint::at("/dangers/{id}/transitions").post(transition))
        .add(super::Endpoint::at("/inbox").get(inbox));
}

/// `GET /dangers` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DangersQuery {
    /// City names, comma-separated.
    pub city: Option<String>,
    /// County names or ids, comma-separated.
    pub county: Option<String>,
    /// Industry codes.
    pub industry: Option<String>,
    /// `general`, `major`.
    pub severity: Option<String>,
    /// Status codes.
    pub status: Option<String>,
    /// Category codes.
    pub category: Option<String>,
    /// One enterprise.
    pub enterprise: Option<FeatureId>,
    /// Only overdue (`true`) or only not overdue (`false`).
    pub overdue: Option<bool>,
    /// `json` (default: a page), `csv` or `xlsx` (every match, as a sheet),
    /// `geojson` (the enterprises with open matches, one point each, drawn by
    /// the worst open severity and marked when any is overdue).
    pub f: Option<String>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries skipped.
    pub offset: Option<usize>,
}

fn counties(scope: &RequestScope) -> Option<Vec<u32>> {
    scope.get().map(|s| s.county_ids().to_vec())
}

/// `GET /dangers`: the ledger, filtered, most urgent first, with counts.
async fn list(
    state: web::Data<AppState>,
    q: Query<DangersQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = Page::new(q.limit, q.offset, DEFAULT_DANGERS, MAX_DANGERS)?;
    let mut filter = DangerFilter::parse(
        q.city.as_deref(),
        q.county.as_deref(),
        q.industry.as_deref(),
        q.severity.as_deref(),
        q.status.as_deref(),
        q.category.as_deref(),
        q.enterprise,
        q.overdue,
    )?;
    filter.scope = counties(&scope);
    let now = Utc::now();
    let format = match q.f.as_deref().unwrap_or("json") {
        "json" => None,
        "csv" => Some(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        "geojson" => {
            let ops = state.store.operations();
            return Ok(HttpResponse::Ok()
                .content_type("application/geo+json")
                .json(ledger::query::to_geojson(&ops.ledger().by_enterprise(&filter, now))));
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "f is json, csv, xlsx or geojson, not {other:?}"
            )));
        }
    };
    if let Some(format) = format {
        let ops = state.store.operations();
        let found = ops.ledger().list(&filter, now, 0, usize::MAX);
        let bytes = ledger::sheet::export(format, &found.dangers, now)?;
        return Ok(HttpResponse::Ok()
            .content_type(format.media_type())
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"dangers-{}.{}\"",
                    now.format("%Y%m%d-%H%M"),
                    format.extension()
                ),
            ))
            .body(bytes));
    }
    let ops = state.store.operations();
    let found = ops.ledger().list(&filter, now, page.offset, page.limit);
    let dangers: Vec<_> = found.dangers.iter().map(|d| d.view(now)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "dangers": dangers,
        "numberMatched": found.counts.total,
        "numberReturned": dangers.len(),
        "counts": found.counts,
    })))
}

/// `GET /dangers/{id}`: its record, `overdue` and the `next` statuses.
async fn one(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    let d = visible_danger(ops.ledger().danger(id), id, &scope)?;
    Ok(HttpResponse::Ok().json(d.view(Utc::now())))
}

fn current(state: &AppState, id: FeatureId) -> Result<serde_json::Value, ApiError> {
    let ops = state.store.operations();
    let d = ops
        .ledger()
        .danger(id)
        .ok_or_else(|| ApiError::internal(format!("danger {id} was stored but is not in the ledger")))?;
    Ok(d.view(Utc::now()))
}

/// `POST /dangers`: enters a danger in the ledger (`reported`); 201.
async fn report(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<DangerReport>,
) -> Result<HttpResponse, ApiError> {
    let report = body.into_inner();
    scope.check_feature(state.store.catalog(), "enterprises", report.enterprise)?;
    let record = crate::command::submit(&state, actor.into_inner(), ledger::report_event(report)).await?;
    let id = match &record.event {
        lookout_layers::Event::Ledger(e) => e.danger(),
        _ => return Err(ApiError::internal("a report stored something else")),
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/dangers/{id}")))
        .json(current(&state, id)?))
}

/// The body of a transition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The status to go to.
    pub to: DangerStatus,
    /// Why (required to reject).
    #[serde(default)]
    pub reason: String,
    /// Changes to the rectification (only with `to: rectifying`): the plan,
    /// interim measures, a new deadline.
    #[serde(default)]
    pub rectification: Option<RectificationPatch>,
}

/// `POST /dangers/{id}/transitions`: moves a danger on; 409 with the
/// statuses it may go to when this one is not among them.
async fn transition(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<TransitionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let events = {
        let ops = state.store.operations();
        let d = visible_danger(ops.ledger().danger(id), id, &scope)?;
        let allowed = ledger::next_statuses(d.status);
        if !allowed.contains(&body.to) {
            return Ok(HttpResponse::build(StatusCode::CONFLICT).json(json!({
                "error": "conflict",
                "message": format!(
                    "danger {id} is {}; it can go to {} next, not {}",
                    d.status,
                    if allowed.is_empty() { "nothing (it is closed)".to_owned() } else {
                        allowed.iter().map(|s| s.code()).collect::<Vec<_>>().join(" or ")
                    },
                    body.to
                ),
                "status": d.status,
                "allowed": allowed,
            })));
        }
        ops.ledger()
            .transition_events(id, body.to, body.reason, body.rectification)?
    };
    crate::command::submit_unit(&state, actor.into_inner(), events).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `GET /inbox`: the signed-in user's reminders and overdue alarms
/// (dangers, obligations, inspection plans).
async fn inbox(state: web::Data<AppState>, actor: Actor, scope: RequestScope) -> Result<HttpResponse, ApiError> {
    let user = actor.into_inner().name;
    let counties = counties(&scope);
    let ops = state.store.operations();
    let mut entries = ops.inbox(&user, counties.as_deref());
    let total = entries.len();
    entries.truncate(MAX_INBOX);
    Ok(HttpResponse::Ok().json(json!({
        "user": user,
        "entries": entries,
        "numberMatched": total,
        "numberReturned": entries.len(),
    })))
}

/// `POST /dangers/import`: a spreadsheet of dangers (`text/csv` or XLSX),
/// read row by row: good rows stored once (by external id) as one unit,
/// every other row named with its reasons.
async fn import(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    actor: Actor,
    scope: RequestScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let format = if content_type.starts_with("text/csv") {
        Format::Csv
    } else if content_type.starts_with(Format::Xlsx.media_type()) {
        Format::Xlsx
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send the sheet as text/csv or {}", Format::Xlsx.media_type()),
        ));
    };
    let rows = ledger::sheet::read_rows(format, &body)?;
    let mut plan = {
        let ops = state.store.operations();
        ledger::sheet::plan_import(ops.ledger(), state.store.catalog(), &rows)?
    };
    if scope.get().is_some() {
        let catalog = state.store.catalog();
        let (inside, outside): (Vec<_>, Vec<_>) = plan
            .reports
            .into_iter()
            .partition(|(_, r)| scope.check_feature(catalog, "enterprises", r.enterprise).is_ok());
        plan.reports = inside;
        plan.problems
            .extend(outside.into_iter().map(|(row, r)| ledger::sheet::RowProblem {
                row,
                external_id: r.external_id,
                reasons: vec![format!("enterprise: {} is outside your scope", r.enterprise)],
            }));
        plan.problems.sort_by_key(|p| p.row);
    }
    let rows_imported: Vec<usize> = plan.reports.iter().map(|(row, _)| *row).collect();
    let events: Vec<_> = plan.reports.into_iter().map(|(_, r)| ledger::report_event(r)).collect();
    let stored = if events.is_empty() {
        Vec::new()
    } else {
        crate::command::submit_unit(&state, actor.into_inner(), events).await?
    };
    let imported: Vec<_> = rows_imported
        .iter()
        .zip(&stored)
        .filter_map(|(row, record)| match &record.event {
            lookout_layers::Event::Ledger(e) => Some(json!({"row": row, "danger": e.danger()})),
            _ => None,
        })
        .collect();
    let already: Vec<_> = plan
        .already
        .iter()
        .map(|(row, danger)| json!({"row": row, "danger": danger}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "rows": plan.rows,
        "imported": imported.len(),
        "already_imported": already.len(),
        "refused": plan.problems.len(),
        "problems": plan.problems,
        "imported_rows": imported,
        "already_imported_rows": already,
    })))
}
