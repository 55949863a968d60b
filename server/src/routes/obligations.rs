//! Other obligations with deadlines (`docs/ledger.md`, "Obligations"):
//! emergency plans, drill plans and major hazard source re-assessments,
//! registered, listed, changed and fulfilled; the drills' completion rate
//! per county. The ledger's clock reminds and alarms them like dangers.

use crate::error::ApiError;
use crate::extract::{Actor, Page, Query};
use crate::limits::{DEFAULT_OBLIGATIONS, MAX_OBLIGATIONS};
use crate::scope::{RequestScope, out_of_scope};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeZone, Utc};
use lookout_layers::FeatureId;
use lookout_layers::ledger::obligation::{
    self, Obligation, ObligationFilter, ObligationKind, ObligationPatch, ObligationSpec,
};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/obligations").get(list).post(register))
        .add(super::Endpoint::at("/obligations/completion").get(completion))
        .add(
            super::Endpoint::at("/obligations/{id}")
                .get(one)
                .method(Method::PATCH, update),
        )
        .add(super::Endpoint::at("/obligations/{id}/fulfil").post(fulfil));
}

fn split(v: Option<&str>) -> Vec<String> {
    v.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kinds(v: Option<&str>) -> Result<Vec<ObligationKind>, ApiError> {
    split(v)
        .iter()
        .map(|code| {
            ObligationKind::ALL
                .iter()
                .copied()
                .find(|k| k.code() == code)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "kind is one of {}, not {code:?}",
                        ObligationKind::CODES.join(", ")
                    ))
                })
        })
        .collect()
}

/// `GET /obligations` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationsQuery {
    /// `emergency_plan`, `drill`, `reassessment`, comma-separated.
    pub kind: Option<String>,
    /// City names, comma-separated.
    pub city: Option<String>,
    /// County names or ids, comma-separated.
    pub county: Option<String>,
    /// One enterprise.
    pub enterprise: Option<FeatureId>,
    /// Only overdue (`true`) or only not.
    pub overdue: Option<bool>,
    /// Only fulfilled drills (`true`) or only owed obligations.
    pub completed: Option<bool>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries skipped.
    pub offset: Option<usize>,
}

fn filter(
    kind: Option<&str>,
    city: Option<&str>,
    county: Option<&str>,
    scope: &RequestScope,
) -> Result<ObligationFilter, ApiError> {
    Ok(ObligationFilter {
        kinds: kinds(kind)?,
        cities: split(city),
        counties: split(county),
        scope: scope.get().map(|s| s.county_ids().to_vec()),
        ..ObligationFilter::default()
    })
}

/// `GET /obligations`: overdue first, then the nearest due date, with counts.
async fn list(
    state: web::Data<AppState>,
    q: Query<ObligationsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = Page::new(q.limit, q.offset, DEFAULT_OBLIGATIONS, MAX_OBLIGATIONS)?;
    let mut f = filter(q.kind.as_deref(), q.city.as_deref(), q.county.as_deref(), &scope)?;
    f.enterprise = q.enterprise;
    f.overdue = q.overdue;
    f.completed = q.completed;
    let now = Utc::now();
    let ops = state.store.operations();
    let (found, counts) = ops.ledger().obligations().list(&f, now, page.offset, page.limit);
    let items: Vec<_> = found.iter().map(|o| o.view(now)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "obligations": items,
        "numberMatched": counts.total,
        "numberReturned": items.len(),
        "counts": counts,
    })))
}

fn visible<'a>(o: Option<&'a Obligation>, id: FeatureId, scope: &RequestScope) -> Result<&'a Obligation, ApiError> {
    let o = o.ok_or_else(|| ApiError::not_found(format!("no obligation {id}")))?;
    if scope.get().is_some_and(|s| !s.has_county(o.place.county_id)) {
        return Err(out_of_scope(format!("obligation {id} is outside your scope")));
    }
    Ok(o)
}

fn current(state: &AppState, id: FeatureId) -> Result<serde_json::Value, ApiError> {
    let ops = state.store.operations();
    let o = ops
        .ledger()
        .obligations()
        .get(id)
        .ok_or_else(|| ApiError::internal(format!("obligation {id} was stored but is not held")))?;
    Ok(o.view(Utc::now()))
}

/// `GET /obligations/{id}`: its record and `overdue`.
async fn one(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    let o = visible(ops.ledger().obligations().get(id), id, &scope)?;
    Ok(HttpResponse::Ok().json(o.view(Utc::now())))
}

/// `POST /obligations`: registers an emergency plan, a drill plan or a
/// re-assessment; 201.
async fn register(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<ObligationSpec>,
) -> Result<HttpResponse, ApiError> {
    let spec = body.into_inner();
    scope.check_feature(state.store.catalog(), "enterprises", spec.enterprise)?;
    let record = crate::command::submit(&state, actor.into_inner(), obligation::register_event(spec)).await?;
    let id = record
        .event
        .obligation()
        .ok_or_else(|| ApiError::internal("a registration stored something else"))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/obligations/{id}")))
        .json(current(&state, id)?))
}

/// `PATCH /obligations/{id}`: a new title, due date or assignee.
async fn update(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut body = body.into_inner();
    let reason = match body.as_object_mut().and_then(|o| o.remove("reason")) {
        None => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err(ApiError::bad_request("reason is a string")),
    };
    let changes: ObligationPatch =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("the body: {e}")))?;
    {
        let ops = state.store.operations();
        visible(ops.ledger().obligations().get(id), id, &scope)?;
    }
    let event = lookout_layers::Event::ObligationUpdated {
        obligation: id,
        changes,
        reason,
    };
    crate::command::submit(&state, actor.into_inner(), event).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// The body of `POST /obligations/{id}/fulfil`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FulfilBody {
    /// When it was done (default: now): the plan evaluated or registered
    /// again, the source graded, the drill held.
    #[serde(default)]
    pub done_at: Option<DateTime<Utc>>,
    /// What was done.
    #[serde(default)]
    pub remark: String,
}

/// `POST /obligations/{id}/fulfil`: records it done; a plan's or a
/// re-assessment's next due date follows, a drill is complete. Ends an
/// overdue alarm in the same unit.
async fn fulfil(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<FulfilBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let now = Utc::now();
    let done_at = body.done_at.unwrap_or(now);
    if done_at > now + chrono::TimeDelta::minutes(5) {
        return Err(ApiError::bad_request("done_at is in the future"));
    }
    let events = {
        let ops = state.store.operations();
        visible(ops.ledger().obligations().get(id), id, &scope)?;
        ops.ledger()
            .obligations()
            .fulfil_events(id, done_at, body.remark, now)?
    };
    crate::command::submit_unit(&state, actor.into_inner(), events).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `GET /obligations/completion` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionQuery {
    /// The calendar year (China Standard Time); default this year.
    pub year: Option<i32>,
    /// City names, comma-separated.
    pub city: Option<String>,
    /// County names or ids, comma-separated.
    pub county: Option<String>,
}

/// The start of `year` in China Standard Time (UTC+8), as UTC.
pub fn year_start(year: i32) -> Option<DateTime<Utc>> {
    let cst = chrono::FixedOffset::east_opt(8 * 3600)?;
    cst.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `GET /obligations/completion`: the drills planned for dates this year
/// up to now, and the share held, per county.
async fn completion(
    state: web::Data<AppState>,
    q: Query<CompletionQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let now = Utc::now();
    let cst = chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| ApiError::internal("UTC+8"))?;
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&now.with_timezone(&cst)));
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::bad_request(format!("year is 2000..=2100, not {year}")));
    }
    let (Some(from), Some(to)) = (year_start(year), year_start(year + 1)) else {
        return Err(ApiError::bad_request(format!("no such year {year}")));
    };
    let f = filter(Some("drill"), q.city.as_deref(), q.county.as_deref(), &scope)?;
    let ops = state.store.operations();
    let mut rows = obligation::completion(ops.ledger().obligations(), &f, from, to, now);
    let total = rows.pop();
    Ok(HttpResponse::Ok().json(json!({
        "year": year,
        "counties": rows,
        "total": total,
    })))
}
