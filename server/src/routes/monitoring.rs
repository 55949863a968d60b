//! Monitoring: `POST /readings` (a batch of sensor readings, JSON array or
//! NDJSON, for sensor gateways with a `sensor` token) and
//! `GET /sensors/{id}/readings` (a sensor's downsampled series).

use crate::error::ApiError;
use crate::extract::Actor;
use crate::extract::Query;
use crate::scope::{RequestScope, out_of_scope};
use crate::state::AppState;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use lookout_layers::model::AlarmColour;
use lookout_layers::ops::AlarmState;
use lookout_layers::readings::{MAX_BUCKETS, Reason};
use lookout_layers::{Event, FeatureId};
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/readings").post(ingest))
        .add(super::Endpoint::at("/sensors/{id}/readings").get(series))
        .add(super::Endpoint::at("/alarms").get(alarms))
        .add(super::Endpoint::at("/alarms/{id}").get(alarm))
        .add(super::Endpoint::at("/alarms/{id}/acknowledge").post(acknowledge))
        .add(super::Endpoint::at("/alarms/{id}/incident-draft").get(draft))
        .add(super::Endpoint::at("/alarms/{id}/incident").post(open_incident));
}

/// The media type of newline-delimited JSON.
pub const NDJSON: &str = "application/x-ndjson";

/// Splits a body into readings: a JSON array (or one object), or NDJSON
/// lines, each parsed on its own so that a bad line spoils only itself.
fn items(content_type: &str, body: &[u8]) -> Result<Vec<Result<Json, String>>, ApiError> {
    if content_type.starts_with(NDJSON) || content_type.starts_with("application/jsonl") {
        let text =
            std::str::from_utf8(body).map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
            .collect());
    }
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send readings as application/json (an array) or {NDJSON}, not {content_type:?}"),
        ));
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Array(items)) => Ok(items.into_iter().map(Ok).collect()),
        Ok(one @ Json::Object(_)) => Ok(vec![Ok(one)]),
        Ok(other) => Err(ApiError::bad_request(format!(
            "a batch is a JSON array of readings, not {}",
            match other {
                Json::Null => "null",
                Json::Bool(_) => "a boolean",
                Json::Number(_) => "a number",
                _ => "a string",
            }
        ))),
        Err(e) => Err(ApiError::bad_request(format!(
            "the body is not JSON ({e}); send an array of readings, or one reading per line as {NDJSON}"
        ))),
    }
}

/// `POST /readings`: stores the good readings, counts and lists the bad ones.
async fn ingest(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let items = match items(&content_type, &body) {
        Ok(items) => items,
        Err(e) => {
            state.readings.count_rejected(&[Reason::Malformed]);
            return Err(e);
        }
    };
    if items.is_empty() {
        return Err(ApiError::bad_request("the batch holds no readings"));
    }
    let state = state.into_inner();
    let (report, alarms_error) =
        web::block(move || state.monitor.ingest(&state.store, &state.readings, items, Utc::now()))
            .await
            .map_err(ApiError::internal)??;
    let mut body = serde_json::to_value(&report).map_err(ApiError::internal)?;
    if let Some(e) = alarms_error {
        body["alarms_error"] = json!(e);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `?from=&to=&every=` of a series.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// Start, RFC 3339 (default: 24 hours before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End, RFC 3339, exclusive (default: now).
    pub to: Option<DateTime<Utc>>,
    /// Bucket length: `30s`, `5m`, `1h`, `1d` (default: every reading).
    pub every: Option<String>,
    /// The drill readings instead of the real ones (default false).
    pub drill: Option<bool>,
}

/// `30s`, `5m`, `1h`, `1d` or a number of seconds.
fn duration(text: &str) -> Result<TimeDelta, ApiError> {
    let bad = || ApiError::bad_request(format!("every={text:?}: give a duration such as 30s, 5m, 1h or 1d"));
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(bad()),
    };
    TimeDelta::try_seconds(seconds)
        .filter(|d| *d > TimeDelta::zero())
        .ok_or_else(bad)
}

/// `GET /sensors/{id}/readings`.
async fn series(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    q: Query<SeriesQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let catalog = state.store.catalog();
    let sensor = catalog
        .sensors
        .read()
        .feature(id)
        .map(|f| f.properties.clone())
        .ok_or_else(|| ApiError::not_found(format!("no sensor {id}")))?;
    if !scope.sees_feature(catalog, "sensors", id) {
        return Err(out_of_scope(format!("sensor {id} is outside your scope")));
    }
    let latest = state.readings.latest(id);
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - TimeDelta::days(1));
    let every = q.every.as_deref().map(duration).transpose()?;
    let readings = state.readings.clone();
    let drill = q.drill.unwrap_or(false);
    let buckets = web::block(move || readings.series(id, from, to, every, drill))
        .await
        .map_err(ApiError::internal)??;
    let channels: Vec<&str> = if sensor.kind == lookout_layers::model::SensorKind::Weather {
        lookout_layers::model::WEATHER_CHANNELS.iter().map(|c| c.0).collect()
    } else {
        vec!["value"]
    };
    Ok(HttpResponse::Ok().json(json!({
        "sensor": id,
        "name": sensor.name,
        "kind": sensor.kind,
        "unit": sensor.unit,
        "thresholds": sensor.thresholds,
        "range": sensor.range,
        "from": from,
        "to": to,
        "every_s": every.map(|e| e.num_seconds()),
        "drill": drill,
        "max_buckets": MAX_BUCKETS,
        "channels": channels,
        "latest": latest.map(|r| r.to_json()),
        "buckets": buckets,
    })))
}

/// `?active=&colour=` of the alarm list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmsQuery {
    /// Only active (`true`, the default), only cleared (`false`) or `all`.
    pub active: Option<String>,
    /// Only these colours, comma-separated.
    pub colour: Option<String>,
}

/// `GET /alarms`: the alarms, most serious and newest first.
async fn alarms(
    state: web::Data<AppState>,
    q: Query<AlarmsQuery>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let active = match q.active.as_deref().unwrap_or("true") {
        "true" => Some(true),
        "false" => Some(false),
        "all" => None,
        other => {
            return Err(ApiError::bad_request(format!(
                "active is true, false or all, not {other:?}"
            )));
        }
    };
    let colours: Option<Vec<AlarmColour>> = q
        .colour
        .as_deref()
        .map(|c| {
            c.split(',')
                .map(|code| {
                    AlarmColour::ALL
                        .iter()
                        .copied()
                        .find(|a| a.code() == code)
                        .ok_or_else(|| {
                            ApiError::bad_request(format!("colour {code:?} is one of {:?}", AlarmColour::CODES))
                        })
                })
                .collect()
        })
        .transpose()?;
    let ops = state.store.operations();
    let mut list: Vec<&AlarmState> = ops
        .alarms()
        .filter(|a| active.is_none_or(|want| a.is_active() == want))
        .filter(|a| colours.as_ref().is_none_or(|c| c.contains(&a.colour)))
        .filter(|a| scope.sees_point(a.location.into()))
        .collect();
    list.sort_by(|a, b| b.colour.cmp(&a.colour).then(b.raised_at.cmp(&a.raised_at)));
    Ok(HttpResponse::Ok().json(json!({ "alarms": list, "numberReturned": list.len() })))
}

/// `GET /alarms/{id}`.
async fn alarm(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ops = state.store.operations();
    let a = ops
        .alarm(id)
        .ok_or_else(|| ApiError::not_found(format!("no alarm {id}")))?;
    if !scope.sees_point(a.location.into()) {
        return Err(out_of_scope(format!("alarm {id} is outside your scope")));
    }
    Ok(HttpResponse::Ok().json(a))
}

/// The body of an acknowledgement.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    /// What the person on duty says (optional).
    #[serde(default)]
    pub remark: String,
}

/// `POST /alarms/{id}/acknowledge`: who (the signed-in user), when, remark.
async fn acknowledge(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: Option<web::Json<Acknowledge>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let location = state
        .store
        .operations()
        .alarm(id)
        .map(|a| a.location)
        .ok_or_else(|| ApiError::not_found(format!("no alarm {id}")))?;
    if !scope.sees_point(location.into()) {
        return Err(out_of_scope(format!("alarm {id} is outside your scope")));
    }
    let remark = body.map(|b| b.into_inner().remark).unwrap_or_default();
    let event = Event::AlarmAcknowledged { alarm: id, remark };
    crate::command::submit(&state, actor.into_inner(), event).await?;
    let ops = state.store.operations();
    Ok(HttpResponse::Ok().json(ops.alarm(id)))
}

/// `GET /alarms/{id}/incident-draft`: what an incident opened from the alarm starts with.
async fn draft(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    scope: RequestScope,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let spec =
        lookout_layers::monitor::incident_draft(state.store.catalog(), &state.store.operations(), &state.readings, id)?;
    scope.check_point(spec.centre(), "an incident")?;
    let mut body = serde_json::to_value(&spec).map_err(ApiError::internal)?;
    if spec.kind == lookout_layers::model::IncidentKind::GasLeak {
        // A pressure or flow alarm on the gas network suggests "isolate
        // here": the trace at the draft's place, pre-run (read-only: not part
        // of the spec; docs/gas-isolation.md).
        let catalog = state.store.catalog();
        let isolation = lookout_layers::gas::incident_isolation(
            catalog,
            &state.gas.graph(catalog),
            Some(&state.roads.graph(catalog)),
            spec.location,
            &[],
        );
        body["gas_isolation"] = serde_json::to_value(isolation).map_err(ApiError::internal)?;
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /alarms/{id}/incident`: opens the incident from the alarm's draft
/// (a JSON object in the body, if any, changes it as a merge patch), draws
/// its zones and links the alarm; 201 with the incident.
async fn open_incident(
    state: web::Data<AppState>,
    id: web::Path<FeatureId>,
    actor: Actor,
    scope: RequestScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let changes = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Json>(&body) {
            Ok(Json::Object(m)) => m,
            Ok(_) => {
                return Err(ApiError::bad_request(
                    "the body is a JSON object of changes to the draft",
                ));
            }
            Err(e) => return Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
        }
    };
    // the draft's pre-run isolation is shown, not part of the incident: a client sending the draft back may include it
    let mut changes = changes;
    changes.remove("gas_isolation");
    let location = state
        .store
        .operations()
        .alarm(id)
        .map(|a| a.location)
        .ok_or_else(|| ApiError::not_found(format!("no alarm {id}")))?;
    if !scope.sees_point(location.into()) {
        return Err(out_of_scope(format!("alarm {id} is outside your scope")));
    }
    let incident = crate::command::open_incident_from_alarm(&state, actor.into_inner(), id, changes).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/incidents/{incident}")))
        .json(crate::view::current(&state, incident)?))
}
