//! Inspections and enforcement (docs/ledger.md "Inspections"): plans,
//! records, the expert pool, the coverage of the major hazard sources, and
//! the experts suggested for an incident.

use crate::error::ApiError;
use crate::extract::{Actor, Page, Query};
use crate::limits::{DEFAULT_INSPECTIONS, MAX_INCIDENT_EXPERTS, MAX_INSPECTIONS};
use crate::scope::{RequestScope, out_of_scope};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, Utc};
use lookout_layers::FeatureId;
use lookout_layers::ledger::expert::{self, ExpertSpec};
use lookout_layers::ledger::inspection::{self, InspectionEvent, InspectionKind, InspectionSpec, PlanSpec};
use serde::Deserialize;
use serde_json::json;

/// Registers the routes (the fixed paths before `{id}`).
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/inspections/coverage").get(coverage))
        .add(super::Endpoint::at("/inspections/plans").get(plans).post(plan))
        .add(super::Endpoint::at("/inspections/plans/{id}").get(one_plan))
        .add(super::Endpoint::at("/inspections").get(list).post(record))
        .add(super::Endpoint::at("/inspections/{id}").get(one))
        .add(super::Endpoint::at("/experts").get(experts).post(add_expert))
        .add(
            super::Endpoint::at("/experts/{id}")
                .get(one_expert)
                .method(Method::PUT, update_expert),
        )
        .add(super::Endpoint::at("/incidents/{id}/experts").get(incident_experts));
}

fn counties(scope: &RequestScope) -> Option<Vec<u32>> {
    scope.get().map(|s| s.county_ids().to_vec())
}

fn sees(scope: &RequestScope, county: u32) -> bool {
    scope.get().is_none_or(|s| s.has_county(county))
}

fn stored_id(record: &lookout_layers::EventRecord) -> Result<FeatureId, ApiError> {
    match &record.event {
        lookout_layers::Event::Inspection(e) => Ok(e.id()),
        _ => Err(ApiError::internal("an inspection command stored something else")),
    }
}

/// `GET /inspections` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionsQuery {
    /// One enterprise.
    pub enterprise: Option<FeatureId>,
    /// One major hazard source.
    pub hazard_source: Option<FeatureId>,
    /// One year.
    pub year: Option<i32>,
    /// One kind.
    pub kind: Option<InspectionKind>,
    /// One plan.
    pub plan: Option<FeatureId>,
    /// Page size.
    pub limit: Option<usize>,
    /// Entries skipped.
    pub offset: Option<usize>,
}

/// `GET /inspections`: the records, newest first, with enforcement counts.
async fn list(
    state: web::Data<AppState>,
    q: Query<InspectionsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = Page::new(q.limit, q.offset, DEFAULT_INSPECTIONS, MAX_INSPECTIONS)?;
    let ops = state.store.operations();
    let mut found: Vec<_> = ops
        .inspections()
        .inspections()
        .filter(|i| {
            sees(&scope, i.place.county_id)
                && q.enterprise.is_none_or(|e| i.spec.enterprise == e)
                && q.hazard_source.is_none_or(|h| i.spec.hazard_sources.contains(&h))
                && q.year.is_none_or(|y| i.spec.date.year() == y)
                && q.kind.is_none_or(|k| i.spec.kind == k)
                && q.plan.is_none_or(|p| i.spec.plan == Some(p))
        })
        .collect();
    found.sort_by(|a, b| b.spec.date.cmp(&a.spec.date).then(b.id.cmp(&a.id)));
    let enforcement = |f: fn(&inspection::Enforcement) -> bool| {
        found
            .iter()
            .filter(|i| i.spec.enforcement.as_ref().is_some_and(f))
            .count()
    };
    let counts = json!({
        "orders_to_rectify": enforcement(|e| e.order_to_rectify),
        "cases_filed": enforcement(|e| e.case_filed),
        "penalty_yuan": found.iter().filter_map(|i| i.spec.enforcement.as_ref()?.penalty_yuan).sum::<f64>(),
        "dangers_found": found.iter().map(|i| i.spec.dangers.len()).sum::<usize>(),
    });
    let total = found.len();
    let page: Vec<_> = found.into_iter().skip(page.offset).take(page.limit).collect();
    Ok(HttpResponse::Ok().json(json!({
        "inspections": page,
        "numberMatched": total,
        "numberReturned": page.len(),
        "counts": counts,
    })))
}

/// `GET /inspections/{id}`.
async fn one(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    let i = ops
        .inspections()
        .inspection(id)
        .ok_or_else(|| ApiError::not_found(format!("no inspection {id}")))?;
    if !sees(&scope, i.place.county_id) {
        return Err(out_of_scope(format!("inspection {id} is outside your scope")));
    }
    Ok(HttpResponse::Ok().json(i))
}

/// `POST /inspections`: records an inspection; 201.
async fn record(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<InspectionSpec>,
) -> Result<HttpResponse, ApiError> {
    let spec = body.into_inner();
    scope.check_feature(state.store.catalog(), "enterprises", spec.enterprise)?;
    let record = crate::command::submit(&state, actor.into_inner(), inspection::recorded(spec)).await?;
    let id = stored_id(&record)?;
    let ops = state.store.operations();
    let i = ops
        .inspections()
        .inspection(id)
        .ok_or_else(|| ApiError::internal(format!("inspection {id} was stored but is not folded")))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/inspections/{id}")))
        .json(i))
}

/// `GET /inspections/plans`: every plan in scope with its progress.
async fn plans(state: web::Data<AppState>, scope: RequestScope) -> Result<HttpResponse, ApiError> {
    let c = counties(&scope);
    let today = Utc::now().date_naive();
    let ops = state.store.operations();
    let s = ops.inspections();
    let plans: Vec<_> = s
        .plans()
        .rev()
        .filter(|p| p.in_scope(c.as_deref()))
        .map(|p| s.plan_view(p, today))
        .collect();
    let overdue = plans.iter().filter(|p| p["overdue"] == json!(true)).count();
    Ok(HttpResponse::Ok().json(json!({ "plans": plans, "numberMatched": plans.len(), "overdue": overdue })))
}

/// `GET /inspections/plans/{id}`.
async fn one_plan(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let c = counties(&scope);
    let ops = state.store.operations();
    let s = ops.inspections();
    let p = s
        .plan(id)
        .ok_or_else(|| ApiError::not_found(format!("no inspection plan {id}")))?;
    if !p.in_scope(c.as_deref()) {
        return Err(out_of_scope(format!("inspection plan {id} is outside your scope")));
    }
    Ok(HttpResponse::Ok().json(s.plan_view(p, Utc::now().date_naive())))
}

/// `POST /inspections/plans`: makes a plan; 201. Every target must be in
/// the caller's scope.
async fn plan(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<PlanSpec>,
) -> Result<HttpResponse, ApiError> {
    let spec = body.into_inner();
    let catalog = state.store.catalog();
    for e in &spec.enterprises {
        scope.check_feature(catalog, "enterprises", *e)?;
    }
    for h in &spec.hazard_sources {
        scope.check_feature(catalog, "hazard_sources", *h)?;
    }
    let record = crate::command::submit(&state, actor.into_inner(), inspection::planned(spec)).await?;
    let id = stored_id(&record)?;
    let ops = state.store.operations();
    let s = ops.inspections();
    let p = s
        .plan(id)
        .ok_or_else(|| ApiError::internal(format!("plan {id} was stored but is not folded")))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/inspections/plans/{id}")))
        .json(s.plan_view(p, Utc::now().date_naive())))
}

/// `GET /inspections/coverage` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// The year (default: this year, UTC).
    pub year: Option<i32>,
    /// `json` (default) or `geojson` (the uninspected sources as points).
    pub f: Option<String>,
}

/// `GET /inspections/coverage?year=`: the share of the major hazard sources
/// inspected in the year, by city and county, with the ones not inspected.
async fn coverage(
    state: web::Data<AppState>,
    q: Query<CoverageQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let year = q.year.unwrap_or_else(|| Utc::now().year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::bad_request(format!(
            "year must be from 2000 to 2100, not {year}"
        )));
    }
    let c = counties(&scope);
    let ops = state.store.operations();
    let cov = ops.inspections().coverage(state.store.catalog(), year, c.as_deref());
    match q.f.as_deref().unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok().json(cov)),
        "geojson" => Ok(HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(cov.to_geojson())),
        other => Err(ApiError::bad_request(format!("f is json or geojson, not {other:?}"))),
    }
}

/// `GET /experts` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertsQuery {
    /// One specialty.
    pub specialty: Option<expert::ExpertSpecialty>,
    /// Knows this substance (code or name).
    pub substance: Option<String>,
    /// One county (id).
    pub county: Option<u32>,
}

/// `GET /experts`: the pool, in the caller's scope.
async fn experts(
    state: web::Data<AppState>,
    q: Query<ExpertsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let substance = match &q.substance {
        Some(s) => Some(
            lookout_layers::impact::substances::Substance::lookup(s)
                .ok_or_else(|| ApiError::bad_request(format!("unknown substance {s:?}")))?
                .code,
        ),
        None => None,
    };
    let ops = state.store.operations();
    let list: Vec<_> = ops
        .inspections()
        .experts()
        .filter(|e| {
            sees(&scope, e.spec.county_id)
                && q.specialty.is_none_or(|s| e.spec.specialty == s)
                && q.county.is_none_or(|c| e.spec.county_id == c)
                && substance.is_none_or(|s| e.spec.substances.iter().any(|x| x == s))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "experts": list, "numberMatched": list.len() })))
}

fn visible_expert<'a>(
    e: Option<&'a expert::Expert>,
    id: FeatureId,
    scope: &RequestScope,
) -> Result<&'a expert::Expert, ApiError> {
    let e = e.ok_or_else(|| ApiError::not_found(format!("no expert {id}")))?;
    if !sees(scope, e.spec.county_id) {
        return Err(out_of_scope(format!("expert {id} is outside your scope")));
    }
    Ok(e)
}

/// `GET /experts/{id}`.
async fn one_expert(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    Ok(HttpResponse::Ok().json(visible_expert(ops.inspections().expert(id), id, &scope)?))
}

fn check_county(scope: &RequestScope, county: u32) -> Result<(), ApiError> {
    if sees(scope, county) {
        Ok(())
    } else {
        Err(out_of_scope(format!("county {county} is outside your scope")))
    }
}

/// `POST /experts`: adds an expert to the pool; 201.
async fn add_expert(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<ExpertSpec>,
) -> Result<HttpResponse, ApiError> {
    let spec = body.into_inner();
    check_county(&scope, spec.county_id)?;
    let record = crate::command::submit(&state, actor.into_inner(), inspection::expert_added(spec)).await?;
    let id = stored_id(&record)?;
    let ops = state.store.operations();
    let e = ops
        .inspections()
        .expert(id)
        .ok_or_else(|| ApiError::internal(format!("expert {id} was stored but is not folded")))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/experts/{id}")))
        .json(e))
}

/// `PUT /experts/{id}`: replaces an expert's entry.
async fn update_expert(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: web::Json<ExpertSpec>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let spec = body.into_inner();
    {
        let ops = state.store.operations();
        visible_expert(ops.inspections().expert(id), id, &scope)?;
    }
    check_county(&scope, spec.county_id)?;
    let event = lookout_layers::Event::Inspection(InspectionEvent::ExpertUpdated {
        expert: id,
        spec,
        place: expert::CountyPlace::default(),
    });
    crate::command::submit(&state, actor.into_inner(), event).await?;
    let ops = state.store.operations();
    let e = ops
        .inspections()
        .expert(id)
        .ok_or_else(|| ApiError::internal(format!("expert {id} was stored but is not folded")))?;
    Ok(HttpResponse::Ok().json(e))
}

/// `GET /incidents/{id}/experts` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentExpertsQuery {
    /// How many (default 5).
    pub limit: Option<usize>,
}

/// `GET /incidents/{id}/experts`: the experts for the incident's kind and
/// substance, best first (substance, then specialty for the kind, then the
/// same county), in the caller's scope.
async fn incident_experts(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: Query<IncidentExpertsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let id: FeatureId = raw
        .parse()
        .map_err(|_| ApiError::not_found(format!("no incident {raw:?}: ids are whole numbers")))?;
    let limit = q.limit.unwrap_or(5);
    if !(1..=MAX_INCIDENT_EXPERTS).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be a whole number from 1 to {MAX_INCIDENT_EXPERTS}, not {limit}"
        )));
    }
    let catalog = state.store.catalog();
    let ops = state.store.operations();
    let incident = ops
        .incident(id)
        .filter(|i| scope.sees_point(i.spec.centre()))
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
    let spec = &incident.spec;
    let substance = spec
        .substance
        .as_deref()
        .and_then(lookout_layers::impact::substances::Substance::lookup)
        .map(|s| s.code);
    let county = lookout_layers::import::validate::county_of(catalog, &geo::Geometry::Point(spec.centre().into()))
        .ok()
        .map(|(id, _, _)| id);
    let ranked = expert::rank(
        ops.inspections().experts().filter(|e| sees(&scope, e.spec.county_id)),
        spec.kind,
        substance,
        county,
    );
    let total = ranked.len();
    let experts: Vec<_> = ranked.into_iter().take(limit).collect();
    Ok(HttpResponse::Ok().json(json!({
        "incident": id,
        "kind": spec.kind,
        "substance": substance,
        "county_id": county,
        "specialties": expert::ExpertSpecialty::for_incident(spec.kind),
        "experts": experts,
        "numberMatched": total,
        "numberReturned": experts.len(),
    })))
}
