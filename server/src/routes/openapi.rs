//! `GET /openapi.json`: the API described as OpenAPI 3.0, built from the same
//! constants and layer list the handlers use.

use super::features::{DEFAULT_LIMIT, GEOJSON, MAX_LIMIT};
use crate::app::MAX_BODY_BYTES;
use actix_web::HttpResponse;
use lookout_layers::Catalog;
use serde_json::{Value, json};

fn error_responses() -> Value {
    let body = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
    json!({
        "400": { "description": "bad request: the message says what is wrong", "content": body },
        "404": { "description": "unknown collection or feature", "content": body },
    })
}

fn with_errors(mut ok: Value) -> Value {
    if let (Some(map), Value::Object(errors)) = (ok.as_object_mut(), error_responses()) {
        map.extend(errors);
    }
    ok
}

fn write_responses(ok_status: &str, ok: &str) -> Value {
    let body = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
    with_errors(json!({
        ok_status: { "description": ok },
        "409": { "description": "a feature with this id exists", "content": body },
        "413": { "description": format!("body larger than {MAX_BODY_BYTES} bytes") },
        "422": { "description": "the feature breaks the collection's rules (types, codes, geometry)", "content": body },
    }))
}

/// The OpenAPI document.
pub fn spec() -> Value {
    let collection_param = json!({
        "name": "collection", "in": "path", "required": true,
        "schema": { "type": "string", "enum": Catalog::ids().collect::<Vec<_>>() }
    });
    let id_param =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } });
    let actor = json!({ "name": "X-Lookout-Actor", "in": "header", "required": false, "description": "who makes the change (recorded in the event log)", "schema": { "type": "string", "maxLength": 64 } });
    let feature_body =
        json!({ "required": true, "content": { GEOJSON: { "schema": { "$ref": "#/components/schemas/Feature" } } } });
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Lookout",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Emergency command and situational map server. OGC API – Features (Part 1 core + GeoJSON; Part 4 writes). All data except county boundaries is fictional."
        },
        "paths": {
            "/": { "get": { "summary": "Landing page (a browser is redirected to the map)", "responses": { "200": { "description": "links" }, "303": { "description": "to /map/" } } } },
            "/health": { "get": { "summary": "Liveness and the last event's number", "responses": { "200": { "description": "ok" } } } },
            "/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.0" } } } },
            "/conformance": { "get": { "summary": "OGC conformance classes", "responses": { "200": { "description": "conformsTo" } } } },
            "/collections": { "get": { "summary": "The layers, with feature counts", "responses": { "200": { "description": "collections" } } } },
            "/collections/{collection}": { "get": { "summary": "One layer", "parameters": [collection_param], "responses": with_errors(json!({ "200": { "description": "collection" } })) } },
            "/collections/{collection}/queryables": { "get": { "summary": "Properties to filter on (JSON Schema)", "parameters": [collection_param], "responses": with_errors(json!({ "200": { "description": "schema" } })) } },
            "/collections/{collection}/items": {
                "get": {
                    "summary": "Features, paged; other query parameters filter by property (name=value, commas for alternatives)",
                    "parameters": [
                        collection_param,
                        { "name": "bbox", "in": "query", "style": "form", "explode": false, "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }, "description": "minLon,minLat,maxLon,maxLat (CRS84)" },
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT }, "description": "larger values are capped to the maximum" },
                        { "name": "offset", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                    ],
                    "responses": with_errors(json!({ "200": { "description": "FeatureCollection with numberMatched, numberReturned and next/prev links", "content": { GEOJSON: { "schema": { "type": "object" } } } } }))
                },
                "post": { "summary": "Add a feature (an event); the store assigns the id if none is given", "parameters": [collection_param, actor], "requestBody": feature_body, "responses": write_responses("201", "created; Location names the feature") }
            },
            "/collections/{collection}/items/{id}": {
                "get": { "summary": "One feature", "parameters": [collection_param, id_param], "responses": with_errors(json!({ "200": { "description": "Feature", "content": { GEOJSON: { "schema": { "$ref": "#/components/schemas/Feature" } } } } })) },
                "put": { "summary": "Replace a feature", "parameters": [collection_param, id_param, actor], "requestBody": feature_body, "responses": write_responses("204", "replaced") },
                "patch": { "summary": "Change properties (JSON merge patch of `properties`) and/or the geometry", "parameters": [collection_param, id_param, actor], "requestBody": { "required": true, "content": { "application/merge-patch+json": { "schema": { "type": "object", "properties": { "properties": { "type": "object" }, "geometry": { "type": "object" } } } } } }, "responses": write_responses("204", "updated") },
                "delete": { "summary": "Remove a feature", "parameters": [collection_param, id_param, actor], "responses": write_responses("204", "deleted") }
            },
            "/map/": { "get": { "summary": "The command map (HTML)", "responses": { "200": { "description": "the map" } } } }
        },
        "components": {
            "schemas": {
                "Error": { "type": "object", "required": ["error", "message"], "properties": { "error": { "type": "string" }, "message": { "type": "string" } } },
                "Feature": { "type": "object", "required": ["type", "geometry", "properties"], "properties": { "type": { "type": "string", "enum": ["Feature"] }, "id": { "type": "integer" }, "geometry": { "type": "object" }, "properties": { "type": "object" } } }
            }
        }
    });
    // Analyses and operations: documented in full in docs/incidents-api.md.
    for (path, method, summary) in OPERATIONS {
        doc["paths"][path][method] = json!({
            "summary": summary,
            "externalDocs": { "url": "docs/incidents-api.md" },
            "responses": with_errors(json!({ "200": { "description": "JSON" } })),
        });
    }
    doc
}

/// The routes beyond OGC API – Features: (path, method, summary).
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "/tiles/{layers}/{z}/{x}/{y}",
        "get",
        "Mapbox Vector Tile of one or more layers",
    ),
    ("/catalog", "get", "Tile layers with zoom ranges and clustering"),
    ("/nearest", "get", "Nearest features by road travel time or distance"),
    (
        "/coverage",
        "get",
        "Where a kind of team reaches in time, and what is left outside",
    ),
    ("/exposure", "post", "What lies inside a circle or polygon"),
    (
        "/impact",
        "post",
        "Impact zones of a hazard with exposure and the domino check",
    ),
    ("/impact/substances", "get", "The substances known to the impact models"),
    (
        "/incidents",
        "get",
        "Incidents (drill=false|true|all, status=open|closed|all)",
    ),
    (
        "/incidents",
        "post",
        "Open an incident or drill; zones are drawn at once",
    ),
    ("/incidents/zones", "get", "Zones of every open incident, GeoJSON"),
    (
        "/incidents/{id}",
        "get",
        "An incident with zones, units, notes, injects and timeline",
    ),
    (
        "/incidents/{id}",
        "patch",
        "Update what is known (merge patch); zones are redrawn",
    ),
    ("/incidents/{id}/close", "post", "Close an incident"),
    ("/incidents/{id}/notes", "post", "Add a note to the record"),
    (
        "/incidents/{id}/recommendation",
        "get",
        "Needed team kinds, nearest available teams by road, stocked warehouses",
    ),
    ("/incidents/{id}/dispatch", "post", "Dispatch teams (all or none)"),
    ("/incidents/{id}/injects/next", "post", "Fire a drill's next inject now"),
    ("/incidents/{id}/report", "get", "After-action report"),
    (
        "/incidents/{id}/report.html",
        "get",
        "After-action report, printable page",
    ),
    ("/teams/{id}/status", "post", "Move a team through the dispatch cycle"),
    ("/teams/status", "get", "Team statuses set by events, real or drill"),
    ("/events", "get", "The operations events of the record"),
    (
        "/events/stream",
        "get",
        "Server-Sent Events of every event; Last-Event-ID resumes",
    ),
    ("/scenarios", "get", "Drill scenarios"),
    ("/scenarios/{id}/start", "post", "Start a drill scenario"),
    ("/replay", "get", "The state at a past time"),
    ("/basemap.geojson", "get", "The Fen River and city cores"),
];

/// Serves [`spec`].
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .json(spec())
}
