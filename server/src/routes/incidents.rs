//! Incidents and dispatch: open, update, close, notes; impact zones with their
//! exposure; the recommendation of teams and warehouses; dispatch and the
//! unit status cycle. Every change is an operations event in the store
//! (`lookout_layers::ops`); this file only reads requests and writes answers.

use crate::command::{open_incident, submit, submit_unit, update_incident};
use crate::error::ApiError;
use crate::extract::{Actor, DrillFilter, DrillQuery, IncidentsQuery, Page, Query, RecommendationQuery, StatusFilter};
use crate::limits::{DEFAULT_INCIDENTS, MAX_DISPATCH, MAX_INCIDENTS, MAX_TEAMS, MAX_ZONES};
use crate::paging;
use crate::scope::{RequestScope, out_of_scope};
use crate::state::AppState;
use crate::view::{current, next, summary};
use actix_web::{HttpRequest, HttpResponse, web};
use lookout_layers::ops::needs::{self, recommend};
use lookout_layers::ops::{IncidentSpec, IncidentState, Operations};
use lookout_layers::routing::rank_by_time;
use lookout_layers::{Collection, Event, FeatureId};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::HashSet;

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    use super::Endpoint;
    use actix_web::http::Method;
    r.add(Endpoint::at("/incidents").get(list).post(open))
        .add(Endpoint::at("/incidents/zones").get(zones))
        .add(Endpoint::at("/incidents/{id}").get(get).method(Method::PATCH, update))
        .add(Endpoint::at("/incidents/{id}/close").post(close))
        .add(Endpoint::at("/incidents/{id}/notes").post(note))
        .add(Endpoint::at("/incidents/{id}/acknowledge").post(acknowledge))
        .add(Endpoint::at("/incidents/{id}/valves").post(valve_closed))
        .add(Endpoint::at("/incidents/{id}/recommendation").get(recommendation))
        .add(Endpoint::at("/incidents/{id}/dispatch").post(dispatch))
        .add(Endpoint::at("/teams/status").get(team_statuses))
        .add(Endpoint::at("/teams/{id}/status").post(team_status));
}

fn incident_id(raw: &str) -> Result<FeatureId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("no incident {raw:?}: ids are whole numbers")))
}

fn with_incident<T>(state: &AppState, id: FeatureId, f: impl FnOnce(&IncidentState) -> T) -> Result<T, ApiError> {
    let ops = state.store.operations();
    ops.incident(id)
        .map(f)
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))
}

/// Whether incident `id` exists and lies outside the caller's scope.
fn hidden(state: &AppState, scope: &RequestScope, id: FeatureId) -> bool {
    scope.get().is_some()
        && state
            .store
            .operations()
            .incident(id)
            .is_some_and(|i| !scope.sees_point(i.spec.centre()))
}

/// A read of an incident outside the scope: 404, as if it were not there.
fn check_read(state: &AppState, scope: &RequestScope, id: FeatureId) -> Result<(), ApiError> {
    if hidden(state, scope, id) {
        Err(ApiError::not_found(format!("no incident {id}")))
    } else {
        Ok(())
    }
}

/// A change to an incident outside the scope: 403 `out_of_scope`.
fn check_act(state: &AppState, scope: &RequestScope, id: FeatureId) -> Result<(), ApiError> {
    if hidden(state, scope, id) {
        Err(out_of_scope(format!("incident {id} is outside your scope")))
    } else {
        Ok(())
    }
}

fn parse_body(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("request body: {e}"))),
    }
}

/// `POST /incidents`
async fn open(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut map = parse_body(&body)?;
    let drill = match map.remove("drill") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => b,
        Some(_) => return Err(ApiError::bad_request("drill is true or false")),
    };
    let spec: IncidentSpec =
        serde_json::from_value(Json::Object(map)).map_err(|e| ApiError::bad_request(format!("incident: {e}")))?;
    scope.check_point(spec.centre(), "an incident")?;
    let id = open_incident(&state, actor.into_inner(), spec, drill, None).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/incidents/{id}")))
        .json(current(&state, id)?))
}

/// `GET /incidents?status=open|closed|all&drill=false|true|all&limit=100&offset=0`:
/// newest first, a page at a time; `next` links the following page.
async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: RequestScope,
    query: Query<IncidentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let drill = q.drill.unwrap_or(DrillFilter::Real);
    let status = q.status.unwrap_or(StatusFilter::All);
    let page = Page::new(q.limit, q.offset, DEFAULT_INCIDENTS, MAX_INCIDENTS)?;
    let ops = state.store.operations();
    let mut matched = 0usize;
    let mut incidents = Vec::new();
    for i in ops
        .incidents()
        .rev()
        .filter(|i| drill.admits(i.drill) && status.admits(i.status.code()))
        .filter(|i| scope.sees_point(i.spec.centre()))
    {
        if matched >= page.offset && incidents.len() < page.limit {
            incidents.push(summary(i));
        }
        matched += 1;
    }
    Ok(HttpResponse::Ok().json(crate::paging::listing("incidents", incidents, matched, page, &req)))
}

/// `GET /incidents/{id}`
async fn get(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_read(&state, &scope, id)?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `PATCH /incidents/{id}`
async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    let changes = parse_body(&body)?;
    if let Some([x, y]) = changes
        .get("location")
        .and_then(|l| serde_json::from_value::<[f64; 2]>(l.clone()).ok())
    {
        scope.check_point(geo::Coord { x, y }, "the incident's new location")?;
    }
    if changes.contains_key("drill") {
        return Err(ApiError::bad_request(
            "an incident cannot become a drill or stop being one; open a new one",
        ));
    }
    update_incident(&state, actor.into_inner(), id, changes, Vec::new()).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `POST /incidents/{id}/close`
async fn close(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    let mut map = parse_body(&body)?;
    let reason = match map.remove("reason") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s,
        Some(_) => return Err(ApiError::bad_request("reason is text")),
    };
    if let Some(k) = map.keys().next() {
        return Err(ApiError::bad_request(format!("unknown field {k:?}; expected reason")));
    }
    submit(
        &state,
        actor.into_inner(),
        Event::IncidentClosed {
            incident: id,
            drill: false,
            reason,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValveBody {
    valve: FeatureId,
}

/// `POST /incidents/{id}/valves` with `{"valve": id}`: a valve of a gas
/// leak's isolation is closed (`valve_closed`, signed by the caller).
async fn valve_closed(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Json<ValveBody>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    submit(
        &state,
        actor.into_inner(),
        Event::ValveClosed {
            incident: id,
            drill: false,
            valve: body.into_inner().valve,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(current(&state, id)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

/// `POST /incidents/{id}/notes`
async fn note(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    submit(
        &state,
        actor.into_inner(),
        Event::NoteAdded {
            incident: id,
            drill: false,
            text: body.into_inner().text,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(current(&state, id)?))
}

/// `POST /incidents/{id}/acknowledge`: the desk has seen a new incident; its
/// alert stops on every screen. Once only: a second is 409, naming who was first.
async fn acknowledge(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    with_incident(&state, id, |_| ())?;
    submit(
        &state,
        actor.into_inner(),
        Event::IncidentAcknowledged {
            incident: id,
            drill: false,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `GET /incidents/{id}/recommendation?k=3`
async fn recommendation(
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
    query: Query<RecommendationQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_read(&state, &scope, id)?;
    let k = query.k.unwrap_or(3);
    if !(1..=needs::MAX_PER_KIND).contains(&k) {
        return Err(ApiError::bad_request(format!(
            "k must be a whole number from 1 to {}",
            needs::MAX_PER_KIND
        )));
    }
    with_incident(&state, id, |_| ())?;
    let state = state.into_inner();
    let answer = web::block(move || {
        let catalog = state.store.catalog();
        let graph = state.roads.graph(catalog);
        let ops = state.store.operations();
        let drill = ops.incident(id).is_some_and(|i| i.drill);
        let zones = state.roads.hazard_zones(&graph, &catalog.roads.read(), &ops, drill);
        recommend(catalog, &ops, &graph, &zones, id, k, scope.0.as_deref())
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DispatchBody {
    teams: Vec<FeatureId>,
}

/// Road travel time and straight-line distance from a team to the incident.
fn travel(state: &AppState, team: FeatureId, to: geo::Coord<f64>) -> (Option<f64>, Option<f64>) {
    let catalog = state.store.catalog();
    let graph = state.roads.graph(catalog);
    let roads = catalog.roads.read();
    let teams = catalog.rescue_teams.read();
    let Some(at) = Collection::point(&*teams, team) else {
        return (None, None);
    };
    let distance = lookout_layers::geodesy::distance_m(at, to);
    let timed = rank_by_time(&graph, &roads, &*teams, [(team, distance)], to, 1)
        .and_then(|r| r.ranked.first().map(|r| r.route.time_s.round()));
    (timed, Some(distance.round()))
}

fn check_dispatch(ops: &Operations, state: &AppState, id: FeatureId, teams: &[FeatureId]) -> Result<bool, ApiError> {
    let incident = ops
        .incident(id)
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
    if !incident.is_open() {
        return Err(ApiError::conflict(format!("incident {id} is closed")));
    }
    for team in teams {
        let unit = ops.unit(state.store.catalog(), *team, incident.drill)?;
        if unit.status != lookout_layers::model::TeamStatus::Available {
            return Err(ApiError::conflict(format!(
                "team {team} is {}{}: only an available team can be dispatched; nothing was dispatched",
                unit.status.code(),
                unit.incident.map(|i| format!(" for incident {i}")).unwrap_or_default()
            )));
        }
    }
    Ok(incident.drill)
}

/// `POST /incidents/{id}/dispatch {"teams": [..]}`: all of them, or none if one cannot go.
async fn dispatch(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Json<DispatchBody>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    check_act(&state, &scope, id)?;
    let teams = body.into_inner().teams;
    for team in &teams {
        scope.check_feature(state.store.catalog(), "rescue_teams", *team)?;
    }
    if teams.is_empty() || teams.len() > MAX_DISPATCH {
        return Err(ApiError::bad_request(format!(
            "teams lists 1 to {MAX_DISPATCH} team ids"
        )));
    }
    if teams.iter().collect::<HashSet<_>>().len() != teams.len() {
        return Err(ApiError::bad_request("a team is listed twice"));
    }
    let actor = actor.into_inner();
    let (drill, location) = {
        let ops = state.store.operations();
        let drill = check_dispatch(&ops, &state, id, &teams)?;
        let location = ops.incident(id).map(|i| i.spec.centre()).unwrap_or_default();
        (drill, location)
    };
    let mut events = Vec::with_capacity(teams.len());
    for team in teams {
        let st = state.clone();
        let (travel_s, distance_m) = web::block(move || travel(&st, team, location))
            .await
            .map_err(ApiError::internal)?;
        events.push(Event::UnitDispatched {
            incident: id,
            drill,
            team,
            name: String::new(),
            kind: String::new(),
            travel_s,
            distance_m,
        });
    }
    // One command: every team is dispatched, or (one busy, the store failing) none.
    submit_unit(&state, actor, events).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: lookout_layers::model::TeamStatus,
    #[serde(default)]
    drill: bool,
}

/// `POST /teams/{id}/status {"status": "en_route", "drill": false}`
async fn team_status(
    state: web::Data<AppState>,
    actor: Actor,
    scope: RequestScope,
    path: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let team: FeatureId = path
        .parse()
        .map_err(|_| ApiError::not_found(format!("no team {:?}: ids are whole numbers", path.as_str())))?;
    scope.check_feature(state.store.catalog(), "rescue_teams", team)?;
    let body = body.into_inner();
    let record = submit(
        &state,
        actor.into_inner(),
        Event::UnitStatusChanged {
            team,
            drill: body.drill,
            incident: None,
            from: body.status,
            to: body.status,
        },
    )
    .await?;
    let Event::UnitStatusChanged { incident, from, to, .. } = &record.event else {
        return Err(ApiError::internal("the store recorded another event"));
    };
    Ok(HttpResponse::Ok().json(json!({
        "team": team,
        "drill": body.drill,
        "from": from,
        "status": to,
        "incident": incident,
        "seq": record.seq,
    })))
}

/// `GET /teams/status?drill=true&limit=&offset=`: teams whose status an event
/// set, in that world, by id, each with its allowed next statuses.
async fn team_statuses(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: RequestScope,
    query: Query<DrillQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::new(query.limit, query.offset, MAX_TEAMS, MAX_TEAMS)?;
    let drill = match query.drill.unwrap_or(DrillFilter::Real) {
        DrillFilter::Real => false,
        DrillFilter::Drill => true,
        DrillFilter::All => return Err(ApiError::bad_request("drill is false or true here")),
    };
    let ops = state.store.operations();
    let catalog = state.store.catalog();
    let mut units: Vec<_> = ops
        .units(drill)
        .iter()
        .filter(|(id, _)| scope.sees_feature(catalog, "rescue_teams", **id))
        .collect();
    units.sort_unstable_by_key(|(id, _)| **id);
    let (units, matched) = paging::slice(units, page);
    let returned = units.len();
    let teams: Map<String, Json> = units
        .into_iter()
        .map(|(id, u)| {
            let mut unit = json!(u);
            unit["next"] = next(u.status);
            (id.to_string(), unit)
        })
        .collect();
    let mut body = paging::envelope(matched, returned, page, &req);
    body.insert("drill".into(), json!(drill));
    body.insert("teams".into(), Json::Object(teams));
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /incidents/zones?drill=false&limit=&offset=`: the zones of every open
/// incident, as GeoJSON, paged like `/collections/{id}/items`.
async fn zones(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: RequestScope,
    query: Query<DrillQuery>,
) -> Result<HttpResponse, ApiError> {
    let drill = query.drill.unwrap_or(DrillFilter::Real);
    let page = Page::new(query.limit, query.offset, MAX_ZONES, MAX_ZONES)?;
    let ops = state.store.operations();
    let mut features = Vec::new();
    let seen = |i: &&IncidentState| scope.sees_point(i.spec.centre());
    for incident in ops
        .incidents()
        .filter(|i| i.is_open() && drill.admits(i.drill))
        .filter(seen)
    {
        let Some(z) = &incident.zones else { continue };
        for zone in &z.record.zones {
            features.push(json!({
                "type": "Feature",
                "geometry": zone.polygon,
                "properties": {
                    "incident": incident.id,
                    "drill": incident.drill,
                    "tier": zone.tier,
                    "method": zone.method,
                    "label_zh": zone.label_zh,
                    "label_en": zone.label_en,
                    "population": zone.exposure.population,
                    "downwind_m": zone.downwind_m,
                    "open_ended": zone.open_ended,
                },
            }));
        }
    }
    let (features, matched) = paging::slice(features, page);
    let mut body = paging::envelope(matched, features.len(), page, &req);
    body.insert("type".into(), json!("FeatureCollection"));
    body.insert("features".into(), Json::Array(features));
    Ok(HttpResponse::Ok().content_type("application/geo+json").json(body))
}
