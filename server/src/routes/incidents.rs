//! Incidents and dispatch: open, update, close, notes; impact zones with their
//! exposure; the recommendation of teams and warehouses; dispatch and the
//! unit status cycle. Every change is an operations event in the store
//! (`lookout_layers::ops`); this file only reads requests and writes answers.

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::features::{actor, submit};
use actix_web::{HttpRequest, HttpResponse, web};
use lookout_layers::ops::needs::{self, recommend};
use lookout_layers::ops::{IncidentSpec, IncidentState, Operations, compute_zones};
use lookout_layers::routing::rank_by_time;
use lookout_layers::{Collection, Event, FeatureId};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::HashSet;

/// Most teams one dispatch request may assign.
pub const MAX_DISPATCH: usize = 20;
/// Most incidents one list answers.
pub const MAX_LIST: usize = 1_000;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/incidents", web::get().to(list))
        .route("/incidents", web::post().to(open))
        .route("/incidents/zones", web::get().to(zones))
        .route("/incidents/{id}", web::get().to(get))
        .route("/incidents/{id}", web::patch().to(update))
        .route("/incidents/{id}/close", web::post().to(close))
        .route("/incidents/{id}/notes", web::post().to(note))
        .route("/incidents/{id}/recommendation", web::get().to(recommendation))
        .route("/incidents/{id}/dispatch", web::post().to(dispatch))
        .route("/teams/status", web::get().to(team_statuses))
        .route("/teams/{id}/status", web::post().to(team_status));
}

/// Which incidents a list shows: real ones (default), drills, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillFilter {
    /// Real incidents only.
    Real,
    /// Drills only.
    Drill,
    /// Both.
    All,
}

impl DrillFilter {
    /// Parses `drill=false|true|all` (absent: real only).
    pub fn parse(v: Option<&str>) -> Result<Self, ApiError> {
        match v {
            None | Some("false") => Ok(Self::Real),
            Some("true") => Ok(Self::Drill),
            Some("all") => Ok(Self::All),
            Some(other) => Err(ApiError::bad_request(format!(
                "drill is false, true or all, not {other:?}"
            ))),
        }
    }

    /// Whether an incident (or event) of this drill flag passes.
    pub fn admits(self, drill: bool) -> bool {
        match self {
            Self::Real => !drill,
            Self::Drill => drill,
            Self::All => true,
        }
    }
}

pub(crate) fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(req.query_string()).map_err(|e| ApiError::bad_request(format!("query string: {e}")))
}

pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn incident_id(raw: &str) -> Result<FeatureId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("no incident {raw:?}: ids are whole numbers")))
}

/// The incident as the API shows it: its record and what it needs.
pub fn detail(incident: &IncidentState) -> Json {
    let mut value = serde_json::to_value(incident).unwrap_or(Json::Null);
    value["needs"] = json!(needs::needs(&incident.spec));
    value
}

/// The incident without zone polygons and timeline, for lists.
pub fn summary(incident: &IncidentState) -> Json {
    let mut value = detail(incident);
    if let Some(zones) = value.pointer_mut("/zones/zones").and_then(Json::as_array_mut) {
        for z in zones {
            if let Some(z) = z.as_object_mut() {
                z.remove("polygon");
                if let Some(e) = z.get_mut("exposure").and_then(Json::as_object_mut) {
                    e.remove("layers");
                }
            }
        }
    }
    if let Some(v) = value.as_object_mut() {
        v.remove("timeline");
    }
    value
}

fn with_incident<T>(state: &AppState, id: FeatureId, f: impl FnOnce(&IncidentState) -> T) -> Result<T, ApiError> {
    let ops = state.store.operations();
    ops.incident(id)
        .map(f)
        .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))
}

/// The incident's detail as it is now.
pub(crate) fn current(state: &AppState, id: FeatureId) -> Result<Json, ApiError> {
    with_incident(state, id, detail)
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

/// Computes the zones of `spec` (CPU work, off the async threads).
async fn zones_of(state: &AppState, spec: IncidentSpec) -> Result<lookout_layers::ops::ZoneRecord, ApiError> {
    let store = state.store.clone();
    Ok(web::block(move || compute_zones(store.catalog(), &spec))
        .await
        .map_err(ApiError::internal)??)
}

/// Opens an incident (or a drill) and draws its zones; returns its id.
pub(crate) async fn open_incident(
    state: &AppState,
    actor: String,
    spec: IncidentSpec,
    drill: bool,
    scenario: Option<String>,
) -> Result<FeatureId, ApiError> {
    spec.validate()?;
    let zones = zones_of(state, spec.clone()).await?;
    let record = submit(
        state,
        actor.clone(),
        Event::IncidentOpened {
            incident: 0,
            drill,
            scenario,
            spec,
        },
    )
    .await?;
    let id = record.event.feature_id().unwrap_or_default();
    submit(
        state,
        actor,
        Event::ZonesComputed {
            incident: id,
            drill,
            zones,
        },
    )
    .await?;
    Ok(id)
}

/// Applies a change to an incident's spec and redraws its zones.
pub(crate) async fn update_incident(
    state: &AppState,
    actor: String,
    id: FeatureId,
    changes: Map<String, Json>,
) -> Result<(), ApiError> {
    submit(
        state,
        actor.clone(),
        Event::IncidentUpdated {
            incident: id,
            drill: false,
            changes,
        },
    )
    .await?;
    let spec = with_incident(state, id, |i| i.spec.clone())?;
    let zones = zones_of(state, spec).await?;
    submit(
        state,
        actor,
        Event::ZonesComputed {
            incident: id,
            drill: false,
            zones,
        },
    )
    .await?;
    Ok(())
}

/// `POST /incidents`
async fn open(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let mut map = parse_body(&body)?;
    let drill = match map.remove("drill") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => b,
        Some(_) => return Err(ApiError::bad_request("drill is true or false")),
    };
    let spec: IncidentSpec =
        serde_json::from_value(Json::Object(map)).map_err(|e| ApiError::bad_request(format!("incident: {e}")))?;
    let id = open_incident(&state, actor(&req)?, spec, drill, None).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/incidents/{id}")))
        .json(current(&state, id)?))
}

/// `GET /incidents?status=open|closed|all&drill=false|true|all`
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    let drill = DrillFilter::parse(param(&pairs, "drill"))?;
    let status = match param(&pairs, "status") {
        None | Some("all") => None,
        Some(s @ ("open" | "closed")) => Some(s),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status is open, closed or all, not {other:?}"
            )));
        }
    };
    let ops = state.store.operations();
    let incidents: Vec<Json> = ops
        .incidents()
        .rev()
        .filter(|i| drill.admits(i.drill) && status.is_none_or(|s| i.status.code() == s))
        .take(MAX_LIST)
        .map(summary)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "incidents": incidents })))
}

/// `GET /incidents/{id}`
async fn get(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `PATCH /incidents/{id}`
async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    let changes = parse_body(&body)?;
    if changes.contains_key("drill") {
        return Err(ApiError::bad_request(
            "an incident cannot become a drill or stop being one; open a new one",
        ));
    }
    update_incident(&state, actor(&req)?, id, changes).await?;
    Ok(HttpResponse::Ok().json(current(&state, id)?))
}

/// `POST /incidents/{id}/close`
async fn close(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
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
        actor(&req)?,
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
struct NoteBody {
    text: String,
}

/// `POST /incidents/{id}/notes`
async fn note(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    submit(
        &state,
        actor(&req)?,
        Event::NoteAdded {
            incident: id,
            drill: false,
            text: body.into_inner().text,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(current(&state, id)?))
}

/// `GET /incidents/{id}/recommendation?k=3`
async fn recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    let pairs = query_pairs(&req)?;
    let k = match param(&pairs, "k") {
        None => 3,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|k| (1..=needs::MAX_PER_KIND).contains(k))
            .ok_or_else(|| {
                ApiError::bad_request(format!("k must be a whole number from 1 to {}", needs::MAX_PER_KIND))
            })?,
    };
    with_incident(&state, id, |_| ())?;
    let state = state.into_inner();
    let answer = web::block(move || {
        let graph = state.roads.graph(state.store.catalog());
        let ops = state.store.operations();
        recommend(state.store.catalog(), &ops, &graph, id, k)
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
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<DispatchBody>,
) -> Result<HttpResponse, ApiError> {
    let id = incident_id(&path)?;
    let teams = body.into_inner().teams;
    if teams.is_empty() || teams.len() > MAX_DISPATCH {
        return Err(ApiError::bad_request(format!(
            "teams lists 1 to {MAX_DISPATCH} team ids"
        )));
    }
    if teams.iter().collect::<HashSet<_>>().len() != teams.len() {
        return Err(ApiError::bad_request("a team is listed twice"));
    }
    let actor = actor(&req)?;
    let (drill, location) = {
        let ops = state.store.operations();
        let drill = check_dispatch(&ops, &state, id, &teams)?;
        let location = ops.incident(id).map(|i| i.spec.centre()).unwrap_or_default();
        (drill, location)
    };
    for team in teams {
        let st = state.clone();
        let (travel_s, distance_m) = web::block(move || travel(&st, team, location))
            .await
            .map_err(ApiError::internal)?;
        submit(
            &state,
            actor.clone(),
            Event::UnitDispatched {
                incident: id,
                drill,
                team,
                name: String::new(),
                kind: String::new(),
                travel_s,
                distance_m,
            },
        )
        .await?;
    }
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
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let team: FeatureId = path
        .parse()
        .map_err(|_| ApiError::not_found(format!("no team {:?}: ids are whole numbers", path.as_str())))?;
    let body = body.into_inner();
    let record = submit(
        &state,
        actor(&req)?,
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

/// `GET /teams/status?drill=true`: teams whose status an event set, in that world.
async fn team_statuses(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    let drill = match DrillFilter::parse(param(&pairs, "drill"))? {
        DrillFilter::Real => false,
        DrillFilter::Drill => true,
        DrillFilter::All => return Err(ApiError::bad_request("drill is false or true here")),
    };
    let ops = state.store.operations();
    let teams: Map<String, Json> = ops
        .units(drill)
        .iter()
        .map(|(id, u)| (id.to_string(), json!(u)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "drill": drill, "teams": teams })))
}

/// `GET /incidents/zones?drill=false`: the zones of every open incident, as GeoJSON.
async fn zones(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    let drill = DrillFilter::parse(param(&pairs, "drill"))?;
    let ops = state.store.operations();
    let mut features = Vec::new();
    for incident in ops.incidents().filter(|i| i.is_open() && drill.admits(i.drill)) {
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
                },
            }));
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({ "type": "FeatureCollection", "features": features })))
}
