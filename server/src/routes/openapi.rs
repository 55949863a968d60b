//! `GET /openapi.json`: the API described as OpenAPI 3.0, built from the same
//! constants and layer list the handlers use. Every route in the route table
//! ([`super::configure`]) is here with its path parameters and the schemas
//! of its request and response bodies; a test walks the table to keep it so.

use crate::app::MAX_BODY_BYTES;
use crate::limits::{self, DEFAULT_LIMIT, MAX_LIMIT};
use crate::tiling::{MAX_LAYERS_PER_TILE, RULES};
use crate::view::GEOJSON;
use actix_web::HttpResponse;
use lookout_layers::Catalog;
use lookout_tiles::grid::MAX_ZOOM;
use serde_json::{Map, Value, json};

const JSON: &str = "application/json";
const MVT: &str = "application/vnd.mapbox-vector-tile";

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(media: &str, schema: Value) -> Value {
    json!({ media: { "schema": schema } })
}

fn ok(description: &str, media: &str, schema: Value) -> Value {
    json!({ "description": description, "content": body(media, schema) })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": body(JSON, schema_ref("Error")) })
}

/// Path parameters by name, as every route names them.
fn path_param(name: &str) -> Value {
    let schema = match name {
        "collection" => json!({ "type": "string", "enum": Catalog::ids().collect::<Vec<_>>() }),
        "layers" => json!({
            "type": "string",
            "description": format!("a tile layer, or up to {MAX_LAYERS_PER_TILE} joined by commas"),
            "example": "enterprises,roads",
            "pattern": "^[a-z_]+(,[a-z_]+)*$",
        }),
        "z" => json!({ "type": "integer", "minimum": 0, "maximum": MAX_ZOOM }),
        "x" | "y" => json!({ "type": "integer", "minimum": 0 }),
        "id" => json!({ "type": "integer", "minimum": 1, "example": 1 }),
        _ => json!({ "type": "string" }),
    };
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

fn drill_param(default: &str) -> Value {
    query(
        "drill",
        json!({ "type": "string", "enum": ["false", "true", "all"], "default": default }),
        "real incidents (false), drills (true) or both (all)",
    )
}

fn csrf() -> Value {
    json!({ "name": "X-CSRF-Token", "in": "header", "required": false, "description": "the session's CSRF token (from POST /auth/login or GET /auth/me): required on a change signed in by the session cookie, not with a bearer token", "schema": { "type": "string" } })
}

fn json_body(schema: Value) -> Value {
    json!({ "required": true, "content": body(JSON, schema) })
}

/// One operation: summary, parameters (path parameters are added from the
/// path), request body and responses.
struct Op {
    summary: &'static str,
    params: Vec<Value>,
    request: Option<Value>,
    responses: Map<String, Value>,
}

impl Op {
    fn new(summary: &'static str) -> Self {
        let mut responses = Map::new();
        responses.insert("400".into(), error("bad request: the message says what is wrong"));
        responses.insert("404".into(), error("no such collection, feature, incident or team"));
        responses.insert(
            "405".into(),
            error("the path does not answer this method; Allow lists those it does"),
        );
        Self {
            summary,
            params: Vec::new(),
            request: None,
            responses,
        }
    }

    fn param(mut self, p: Value) -> Self {
        self.params.push(p);
        self
    }

    fn params(mut self, ps: impl IntoIterator<Item = Value>) -> Self {
        self.params.extend(ps);
        self
    }

    fn body(mut self, request: Value) -> Self {
        self.request = Some(request);
        self
    }

    fn respond(mut self, status: &str, response: Value) -> Self {
        self.responses.insert(status.into(), response);
        self
    }

    /// A write: the CSRF header, and how it can be refused.
    fn write(self) -> Self {
        self.param(csrf())
            .respond("409", error("conflicts with the current state (the message says how)"))
            .respond(
                "413",
                json!({ "description": format!("body larger than {MAX_BODY_BYTES} bytes") }),
            )
            .respond("422", error("breaks the collection's rules (types, codes, geometry)"))
            .respond(
                "503",
                error("the store cannot take changes now; reads still answer; retry after Retry-After"),
            )
    }

    fn json(self, path: &str, method: &str) -> Value {
        // Path parameters from the path, unless the operation declares one itself.
        let mut params: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .filter(|name| !self.params.iter().any(|p| p["in"] == "path" && p["name"] == *name))
            .map(path_param)
            .collect();
        params.extend(self.params);
        let mut responses = self.responses;
        let method = actix_web::http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .unwrap_or(actix_web::http::Method::GET);
        let public = crate::auth::access(path, &method) == crate::auth::Access::Public;
        if !public {
            responses.insert(
                "401".into(),
                error("not signed in (or the token is unknown or revoked)"),
            );
            responses.insert(
                "403".into(),
                error("the role lacks the permission (the message names both), or the CSRF token is missing"),
            );
        }
        let mut op = json!({ "summary": self.summary, "responses": responses });
        if public {
            op["security"] = json!([]);
        }
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        if let Some(r) = self.request {
            op["requestBody"] = r;
        }
        op
    }
}

fn page_params(default: usize, max: usize) -> [Value; 2] {
    [
        query(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": max, "default": default }),
            "entries per page",
        ),
        query(
            "offset",
            json!({ "type": "integer", "minimum": 0, "default": 0 }),
            "entries to skip",
        ),
    ]
}

/// Every operation: (path, method, operation).
fn operations() -> Vec<(&'static str, &'static str, Op)> {
    let obj = || json!({ "type": "object" });
    let incident = || ok("the incident", JSON, schema_ref("Incident"));
    let [limit, offset] = page_params(DEFAULT_LIMIT, MAX_LIMIT);
    let [inc_limit, inc_offset] = page_params(limits::DEFAULT_INCIDENTS, limits::MAX_INCIDENTS);
    let event_id = json!({ "type": "integer", "minimum": 0 });
    let tile = || {
        Op::new("Mapbox Vector Tile of one or more layers; other query parameters filter by property (layer.field=… in a composite)")
            .param(query("source", json!({ "type": "string", "enum": ["memory", "postgis"] }), "which encoder makes the tile (postgis needs the PostGIS store)"))
            .respond("200", json!({ "description": "the tile (gzip when accepted); ETag; Cache-Control: no-cache", "content": { MVT: { "schema": { "type": "string", "format": "binary" } } } }))
            .respond("204", json!({ "description": "an empty tile" }))
            .respond("304", json!({ "description": "If-None-Match names the current ETag" }))
    };
    vec![
        ("/", "get", Op::new("Landing page (a browser is sent to the map)").respond("200", ok("links", JSON, schema_ref("Links"))).respond("303", json!({ "description": "to /map/" }))),
        ("/ready", "get", Op::new("Readiness, for a load balancer: the store is open and, on PostGIS, the replica follows the others")
            .respond("200", ok("ready", JSON, json!({ "type": "object", "required": ["ready", "store"], "properties": { "ready": { "type": "boolean" }, "store": { "type": "string" } } })))
            .respond("503", error("not ready: the message says why"))),
        ("/metrics", "get", Op::new("Metrics in the Prometheus text format (docs/operations.md); needs read (a scraper: a viewer token)").respond("200", ok("metrics", "text/plain", json!({ "type": "string" })))),
        ("/health", "get", Op::new("Liveness, store kind and the last event's number").respond("200", ok("ok", JSON, json!({ "type": "object", "required": ["status", "store", "last_event"], "properties": { "status": { "type": "string" }, "store": { "type": "string" }, "last_event": { "type": "integer" }, "following": { "type": "boolean" }, "region": { "type": "string", "description": "the region served (region.toml id)" }, "epoch": { "type": "object", "description": "present when a new journal epoch began at start-up because the dataset changed (docs/roads.md)", "properties": { "new": { "type": "boolean" }, "previous": { "type": "string" }, "current": { "type": "string" }, "archived_to": { "type": "string" } } } } })))),
        ("/openapi.json", "get", Op::new("This document").respond("200", ok("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", obj()))),
        ("/conformance", "get", Op::new("OGC conformance classes").respond("200", ok("conformsTo", JSON, json!({ "type": "object", "required": ["conformsTo"], "properties": { "conformsTo": { "type": "array", "items": { "type": "string" } } } })))),
        ("/collections", "get", Op::new("The layers, with feature counts").respond("200", ok("collections", JSON, json!({ "type": "object", "required": ["collections", "links"], "properties": { "collections": { "type": "array", "items": schema_ref("Collection") }, "links": { "type": "array" } } })))),
        ("/collections/{collection}", "get", Op::new("One layer").respond("200", ok("the collection", JSON, schema_ref("Collection")))),
        ("/collections/{collection}/queryables", "get", Op::new("Properties to filter on (JSON Schema)").respond("200", ok("schema", "application/schema+json", obj()))),
        ("/collections/{collection}/items", "get", Op::new("Features, paged; other query parameters filter by property (name=value, commas for alternatives)")
            .param(json!({ "name": "bbox", "in": "query", "style": "form", "explode": false, "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }, "description": "minLon,minLat,maxLon,maxLat (CRS84)" }))
            .param(limit)
            .param(offset)
            .respond("200", ok("FeatureCollection with numberMatched, numberReturned and next/prev links", GEOJSON, schema_ref("FeatureCollection")))),
        ("/collections/{collection}/items", "post", Op::new("Add a feature (an event); the store assigns the id if none is given").write()
            .body(json!({ "required": true, "content": body(GEOJSON, schema_ref("Feature")) }))
            .respond("201", ok("created; Location names the feature", GEOJSON, schema_ref("Feature")))),
        ("/collections/{collection}/items/{id}", "get", Op::new("One feature").respond("200", ok("the feature", GEOJSON, schema_ref("Feature")))),
        ("/collections/{collection}/items/{id}", "put", Op::new("Replace a feature").write()
            .body(json!({ "required": true, "content": body(GEOJSON, schema_ref("Feature")) }))
            .respond("204", json!({ "description": "replaced; X-Lookout-Event names the event" }))),
        ("/collections/{collection}/items/{id}", "patch", Op::new("Change properties (JSON merge patch of `properties`) and/or the geometry").write()
            .body(json!({ "required": true, "content": body("application/merge-patch+json", json!({ "type": "object", "properties": { "properties": { "type": "object" }, "geometry": { "type": "object" } } })) }))
            .respond("204", json!({ "description": "updated; X-Lookout-Event names the event" }))),
        ("/collections/{collection}/items/{id}", "delete", Op::new("Remove a feature").write()
            .respond("204", json!({ "description": "deleted; X-Lookout-Event names the event" }))),
        ("/tiles/{layers}/{z}/{x}/{y}", "get", tile()),
        ("/tiles/{layers}", "get", Op::new("TileJSON 3.0.0 of a layer or composite; the same property filters as the tiles")
            .respond("200", ok("TileJSON", JSON, json!({ "type": "object", "required": ["tilejson", "tiles", "vector_layers"], "properties": { "tilejson": { "type": "string" }, "tiles": { "type": "array", "items": { "type": "string" } }, "minzoom": { "type": "integer" }, "maxzoom": { "type": "integer" }, "bounds": { "type": "array", "items": { "type": "number" } }, "vector_layers": { "type": "array", "items": { "type": "object" } } } })))),
        ("/catalog", "get", Op::new("Tile layers with zoom ranges and clustering").respond("200", ok("the tile layers", JSON, json!({ "type": "object", "required": ["tiles"], "properties": { "tiles": { "type": "array", "items": { "type": "object" } }, "composite": { "type": "string" } } })))),
        ("/nearest", "get", Op::new("Nearest features by road travel time or distance; other query parameters filter by property")
            .param(json!({ "name": "lon", "in": "query", "required": true, "schema": { "type": "number", "minimum": -180, "maximum": 180 } }))
            .param(json!({ "name": "lat", "in": "query", "required": true, "schema": { "type": "number", "minimum": -90, "maximum": 90 } }))
            .param(query("layer", json!({ "type": "string", "default": "rescue_teams" }), "a layer of points"))
            .param(query("k", json!({ "type": "integer", "minimum": 1, "maximum": limits::MAX_K, "default": 5 }), "how many"))
            .param(query("by", json!({ "type": "string", "enum": ["time", "distance"] }), "rank by road time or straight line"))
            .param(query("route", json!({ "type": "boolean" }), "include route geometry"))
            .param(query("item", json!({ "type": "string" }), "warehouses: an item in stock"))
            .param(query("min_count", json!({ "type": "integer", "minimum": 0 }), "warehouses: at least this many"))
            .param(query("min_free", json!({ "type": "integer", "minimum": 0 }), "shelters: at least this many free places"))
            .param(query("avoid", json!({ "type": "boolean", "default": true }), "routes keep out of open incidents' isolation, protective-action and tier 2-3 zones (docs/roads.md)"))
            .param(query("drill", json!({ "type": "boolean", "default": false }), "avoid the zones of open drills instead of real incidents'"))
            .respond("200", ok("ranked results", JSON, json!({ "type": "object", "required": ["results"], "properties": { "results": { "type": "array", "items": { "type": "object" } }, "examined": { "type": "integer" }, "avoidance": { "type": "object", "description": "present when routes avoided zones: avoided, own_incidents, changed, limits" } } })))
            .respond("422", error("no open road near the point"))),
        ("/coverage", "get", Op::new("Where a kind of team reaches in time by road, and what is left outside; other query parameters filter the teams")
            .param(json!({ "name": "kind", "in": "query", "required": true, "schema": { "type": "string" } }))
            .param(json!({ "name": "minutes", "in": "query", "required": true, "schema": { "type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": limits::MAX_MINUTES } }))
            .respond("200", ok("coverage", JSON, obj()))),
        ("/safety/distances", "get", Op::new("Each major hazard source's protection distance (ERG 2020 isolation for toxic gases, 1 psi at 10 % TNT yield for flammables) as a GeoJSON circle, with its violations counted by GB 36894-2018 class; docs/safety-distances.md")
            .respond("200", ok("the protection distances", "application/geo+json", json!({ "type": "object", "required": ["type", "features", "limits"], "properties": { "type": { "type": "string" }, "features": { "type": "array", "items": { "type": "object" } }, "limits": { "type": "array", "items": { "type": "string" } } } })))),
        ("/safety/violations", "get", Op::new("People and sensitive sites inside the protection distances, most severe first (class, then the hazard source's level, then how deep inside)")
            .param(query("class", json!({ "type": "string", "enum": ["highly_sensitive", "high_density", "low_density"] }), "only this GB 36894-2018 class"))
            .param(query("hazard_source_id", json!({ "type": "integer", "minimum": 0 }), "only around this hazard source"))
            .param(query("limit", json!({ "type": "integer", "minimum": 1, "maximum": limits::MAX_VIOLATIONS, "default": limits::DEFAULT_VIOLATIONS }), "most rows"))
            .respond("200", ok("the violations", JSON, json!({ "type": "object", "required": ["numberMatched", "numberReturned", "hazard_sources", "violations", "limits"], "properties": { "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "hazard_sources": { "type": "integer" }, "violations": { "type": "array", "items": { "type": "object" } }, "limits": { "type": "array", "items": { "type": "string" } } } })))),
        ("/exposure", "post", Op::new("What lies inside a circle or polygon")
            .body(json_body(json!({ "type": "object", "properties": { "center": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 }, "radius_m": { "type": "number" }, "geometry": { "type": "object" } }, "additionalProperties": false })))
            .respond("200", ok("exposure", JSON, obj()))),
        ("/gas/isolate", "post", Op::new("Gas leak isolation trace: valves to close (nearest crew by road first), the isolated section, who loses supply; fail = what-if those valves will not close")
            .body(json_body(json!({ "type": "object", "properties": { "point": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 }, "pipe": { "type": "integer", "minimum": 0 }, "valve": { "type": "integer", "minimum": 0 }, "fail": { "type": "array", "items": { "type": "integer", "minimum": 0 }, "maxItems": limits::MAX_FAIL_VALVES } }, "additionalProperties": false })))
            .respond("200", ok("the isolation", JSON, json!({ "type": "object", "required": ["network", "isolated", "valves_to_close", "optional_valves", "passed_through", "section", "outage", "limits"], "properties": { "network": { "type": "string" }, "isolated": { "type": "boolean" }, "valves_to_close": { "type": "array", "items": { "type": "object" } }, "optional_valves": { "type": "array", "items": { "type": "object" } }, "passed_through": { "type": "array", "items": { "type": "object" } }, "section": { "type": "object" }, "outage": { "type": "object" }, "what_if": { "type": "object" }, "pressure_sensors_expected_to_drop": { "type": "array", "items": { "type": "object" } }, "limits": { "type": "array", "items": { "type": "string" } } } })))
            .respond("400", error("not exactly one of point, pipe, valve; or fail names unknown valves"))
            .respond("403", error("the leak (point, pipe or valve) is outside your scope"))
            .respond("404", error("no such pipe or valve"))
            .respond("422", error("no pipe near the point, or the leak's part of the network has no supply point"))),
        ("/impact", "post", Op::new("Impact zones of a hazard with exposure and the domino check")
            .body(json_body(obj()))
            .respond("200", ok("zones", JSON, obj()))
            .respond("422", error("the hazard cannot be assessed as given"))),
        ("/impact/substances", "get", Op::new("The substances known to the impact models").respond("200", ok("substances", JSON, json!({ "type": "object", "required": ["substances"], "properties": { "substances": { "type": "array", "items": { "type": "object" } } } })))),
        ("/incidents", "get", Op::new("Incidents, newest first, a page at a time")
            .param(query("status", json!({ "type": "string", "enum": ["open", "closed", "all"], "default": "all" }), "open, closed or all"))
            .param(drill_param("false"))
            .param(inc_limit)
            .param(inc_offset)
            .respond("200", ok("a page of incidents", JSON, schema_ref("IncidentList")))),
        ("/incidents", "post", Op::new("Open an incident or drill; zones are drawn at once").write()
            .body(json_body(schema_ref("IncidentSpec")))
            .respond("201", incident())),
        ("/incidents/zones", "get", Op::new("Zones of every open incident, paged like the items of a collection")
            .param(drill_param("false"))
            .params(page_params(limits::MAX_ZONES, limits::MAX_ZONES))
            .respond("200", ok("zones", GEOJSON, schema_ref("FeatureCollection")))),
        ("/incidents/{id}", "get", Op::new("An incident with zones, units (each with its allowed next statuses), notes, injects and timeline").respond("200", incident())),
        ("/incidents/{id}", "patch", Op::new("Update what is known (merge patch); zones are redrawn").write().body(json_body(obj())).respond("200", incident())),
        ("/incidents/{id}/close", "post", Op::new("Close an incident").write()
            .body(json!({ "required": false, "content": body(JSON, json!({ "type": "object", "properties": { "reason": { "type": "string" } }, "additionalProperties": false })) }))
            .respond("200", incident())),
        ("/incidents/{id}/notes", "post", Op::new("Add a note to the record").write()
            .body(json_body(json!({ "type": "object", "required": ["text"], "properties": { "text": { "type": "string" } }, "additionalProperties": false })))
            .respond("201", incident())),
        ("/incidents/{id}/acknowledge", "post", Op::new("Acknowledge a new incident: its alert stops on every screen; the event records who and when (409 once acknowledged)").write()
            .respond("200", incident())),
        ("/search", "get", Op::new("Features of the searched layers by name: substring, or pinyin (full or initials, `ty` for 太原); ranked (exact, prefix, substring, then pinyin), limited, within the caller's scope")
            .param(json!({ "name": "q", "in": "query", "required": true, "schema": { "type": "string", "maxLength": lookout_layers::search::MAX_QUERY_CHARS }, "description": "part of a name, or its pinyin" }))
            .param(query("limit", json!({ "type": "integer", "minimum": 1, "maximum": lookout_layers::search::MAX_HITS, "default": 12 }), "most hits"))
            .respond("200", ok("the hits, best first", JSON, json!({ "type": "object", "required": ["q", "hits"], "properties": {
                "q": { "type": "string" },
                "hits": { "type": "array", "items": { "type": "object", "required": ["collection", "id", "name", "place", "point", "bbox", "matched"], "properties": {
                    "collection": { "type": "string" }, "id": { "type": "integer" }, "name": { "type": "string" }, "place": { "type": "string" },
                    "point": { "type": "array", "items": { "type": "number" } }, "bbox": { "type": "array", "items": { "type": "number" } },
                    "matched": { "type": "string", "enum": ["exact", "prefix", "contains", "initials_prefix", "pinyin_prefix", "initials_contain", "pinyin_contains"] } } } }
            } })))),
        ("/situation", "get", Op::new("The status strip: open real incidents and the people in their zones, real teams by status, open drills (within the caller's scope)")
            .respond("200", ok("the situation", JSON, json!({ "type": "object", "required": ["last_seq", "incidents", "people", "teams", "drills", "unacknowledged"], "properties": {
                "last_seq": { "type": "integer", "minimum": 0 },
                "incidents": { "type": "array", "items": { "type": "integer" }, "description": "open real incidents, newest first" },
                "people": { "type": "integer", "minimum": 0, "description": "people in the largest zone of each open real incident, summed" },
                "teams": { "type": "object", "additionalProperties": { "type": "integer", "minimum": 0 }, "description": "real teams by status code" },
                "drills": { "type": "array", "items": { "type": "integer" }, "description": "open drill incidents" },
                "unacknowledged": { "type": "array", "description": "open incidents nobody has acknowledged yet, newest first", "items": { "type": "object", "required": ["id", "drill", "title", "kind", "location", "opened_at"], "properties": {
                    "id": { "type": "integer" }, "drill": { "type": "boolean" }, "title": { "type": "string" }, "kind": { "type": "string" },
                    "location": { "type": "array", "items": { "type": "number" } }, "opened_at": { "type": "string" } } } },
                "alarms": { "type": "object", "description": "active sensor alarms (docs/monitoring.md): real ones by colour, unacknowledged, and drill alarms apart", "required": ["active", "unacknowledged", "by_colour", "drill"], "properties": {
                    "active": { "type": "integer", "minimum": 0 }, "unacknowledged": { "type": "integer", "minimum": 0 },
                    "by_colour": { "type": "object", "additionalProperties": { "type": "integer", "minimum": 0 } }, "drill": { "type": "integer", "minimum": 0 } } },
                "dangers": { "type": "object", "description": "hidden dangers of the ledger (docs/ledger.md) not closed, overdue now, and major not closed", "required": ["open", "overdue", "major_open"], "properties": {
                    "open": { "type": "integer", "minimum": 0 }, "overdue": { "type": "integer", "minimum": 0 }, "major_open": { "type": "integer", "minimum": 0 } } }
            } })))),
        ("/incidents/{id}/valves", "post", Op::new("A gas valve of the leak's isolation is closed (valve_closed); the detail's gas_isolation says section_isolated when every listed valve is").write()
            .body(json_body(json!({ "type": "object", "required": ["valve"], "properties": { "valve": { "type": "integer", "minimum": 0 } }, "additionalProperties": false })))
            .respond("201", incident())),
        ("/incidents/{id}/recommendation", "get", Op::new("Needed team kinds, nearest available teams by road (with base and duty phone), stocked warehouses, and the units assigned now (`assigned`, with the route of those on their way)")
            .param(query("k", json!({ "type": "integer", "minimum": 1, "maximum": lookout_layers::ops::needs::MAX_PER_KIND, "default": 3 }), "teams per kind"))
            .respond("200", ok("the recommendation", JSON, obj()))),
        ("/incidents/{id}/dispatch", "post", Op::new("Dispatch teams (all or none)").write()
            .body(json_body(json!({ "type": "object", "required": ["teams"], "properties": { "teams": { "type": "array", "items": { "type": "integer" }, "minItems": 1, "maxItems": limits::MAX_DISPATCH } }, "additionalProperties": false })))
            .respond("200", incident())),
        ("/incidents/{id}/injects/next", "post", Op::new("Fire a drill's next inject now").write().respond("200", incident())),
        ("/incidents/{id}/report", "get", Op::new("After-action report").respond("200", ok("the report", JSON, obj()))),
        ("/incidents/{id}/report.html", "get", Op::new("After-action report, printable page: labels and terms in one language, times in China Standard Time (UTC+8)")
            .param(json!({ "name": "lang", "in": "query", "required": false, "schema": { "type": "string", "enum": ["zh", "en"], "default": "zh" }, "description": "the page's language" }))
            .respond("200", ok("the report", "text/html", json!({ "type": "string" })))),
        ("/teams/status", "get", Op::new("Team statuses set by events, real or drill, each with its allowed next statuses")
            .param(query("drill", json!({ "type": "string", "enum": ["false", "true"], "default": "false" }), "the real world or the drill world"))
            .params(page_params(limits::MAX_TEAMS, limits::MAX_TEAMS))
            .respond("200", ok("statuses by team id", JSON, json!({ "type": "object", "required": ["drill", "teams", "numberMatched", "next"], "properties": { "drill": { "type": "boolean" }, "teams": { "type": "object", "additionalProperties": schema_ref("Unit") }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "next": { "type": "string", "nullable": true }, "links": { "type": "array" } } })))),
        ("/teams/{id}/status", "post", Op::new("Move a team through the dispatch cycle").write()
            .body(json_body(json!({ "type": "object", "required": ["status"], "properties": { "status": schema_ref("TeamStatus"), "drill": { "type": "boolean" } }, "additionalProperties": false })))
            .respond("200", ok("the change", JSON, json!({ "type": "object", "required": ["team", "status", "seq"], "properties": { "team": { "type": "integer" }, "drill": { "type": "boolean" }, "from": schema_ref("TeamStatus"), "status": schema_ref("TeamStatus"), "incident": { "type": "integer", "nullable": true }, "seq": { "type": "integer" } } })))),
        ("/events", "get", Op::new("The operations events of the record, oldest first, each with the collections it changes; next continues after the last")
            .param(query("after", event_id.clone(), "events after this one (else Last-Event-ID, else from the start)"))
            .param(query("limit", json!({ "type": "integer", "minimum": 1, "maximum": limits::MAX_EVENTS, "default": limits::DEFAULT_EVENTS }), "events per page"))
            .param(drill_param("all"))
            .param(json!({ "name": "Last-Event-ID", "in": "header", "required": false, "schema": event_id.clone() }))
            .respond("200", ok("a page of events", JSON, json!({ "type": "object", "required": ["events", "next", "last_seq"], "properties": { "events": { "type": "array", "items": schema_ref("Event") }, "numberReturned": { "type": "integer" }, "last_seq": { "type": "integer" }, "next": { "type": "string", "nullable": true }, "links": { "type": "array" } } })))),
        ("/events/stream", "get", Op::new("Server-Sent Events: first `hello` with the last event's number, then every event (with its collections); Last-Event-ID or after resumes")
            .param(query("after", event_id.clone(), "resume after this event"))
            .param(json!({ "name": "Last-Event-ID", "in": "header", "required": false, "schema": event_id }))
            .respond("200", ok("the stream", "text/event-stream", json!({ "type": "string" })))),
        ("/scenarios", "get", Op::new("Drill scenarios").respond("200", ok("scenarios", JSON, json!({ "type": "object", "required": ["scenarios"], "properties": { "scenarios": { "type": "array", "items": { "type": "object" } } } })))),
        ("/scenarios/{id}/start", "post", Op::new("Start a drill scenario").write()
            .param(json!({ "name": "id", "in": "path", "required": true, "description": "a scenario's id, as GET /scenarios lists them", "schema": { "type": "string", "example": "linfen-chlorine" } }))
            .body(json!({ "required": false, "content": body(JSON, json!({ "type": "object", "properties": { "speed": { "type": "number", "minimum": 1, "maximum": limits::MAX_SPEED } }, "additionalProperties": false })) }))
            .respond("201", incident())),
        ("/replay", "get", Op::new("The state at a past time")
            .param(json!({ "name": "at", "in": "query", "required": true, "schema": { "type": "string", "format": "date-time" } }))
            .param(drill_param("false"))
            .params(page_params(limits::MAX_INCIDENTS, limits::MAX_INCIDENTS))
            .respond("200", ok("the state then", JSON, json!({ "type": "object", "required": ["at", "last_seq", "incidents", "units", "numberMatched", "next"], "properties": { "at": { "type": "string" }, "last_seq": { "type": "integer" }, "incidents": { "type": "array", "items": schema_ref("Incident") }, "units": { "type": "object" }, "alarms": { "type": "array", "items": { "type": "object" }, "description": "the alarms active at `at`, as GET /alarms gives them" }, "dangers": { "type": "object", "description": "the enterprises with open hidden dangers at `at` (overdue as of `at`), as GET /dangers?f=geojson gives them" }, "danger_counts": { "type": "object", "description": "the counts of the open dangers at `at`, as GET /dangers gives them" }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "next": { "type": "string", "nullable": true }, "links": { "type": "array" } } })))),
        ("/basemap.geojson", "get", Op::new("The region's rivers, city cores, outline (`outline`), city boundaries (`city_line`) and county label points (`county`); member `region`: its names, map title and default view (docs/regions.md)").respond("200", ok("basemap", GEOJSON, schema_ref("FeatureCollection")))),
        ("/basemap/place", "get", Op::new("The county and city a point lies in, or `county: null` outside the region")
            .param(json!({ "name": "lon", "in": "query", "required": true, "schema": { "type": "number", "minimum": -180, "maximum": 180 }, "description": "longitude" }))
            .param(json!({ "name": "lat", "in": "query", "required": true, "schema": { "type": "number", "minimum": -90, "maximum": 90 }, "description": "latitude" }))
            .respond("200", ok("the county, or null", JSON, json!({ "type": "object", "required": ["county"], "properties": { "county": { "type": "object", "nullable": true, "required": ["id", "name", "city"], "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "city": { "type": "string" } } } } })))
            .respond("400", error("lon or lat missing or not degrees"))),
        ("/auth/login", "post", Op::new("Sign in: sets the session cookie lookout_session; answers the user and the CSRF token")
            .body(json_body(json!({ "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string", "format": "password" } }, "additionalProperties": false })))
            .respond("200", ok("signed in", JSON, schema_ref("SignedIn")))
            .respond("401", error("wrong user name or password, or the user is disabled"))
            .respond("429", error("too many failed sign-ins for this user or address; Retry-After says when to try again"))),
        ("/auth/logout", "post", Op::new("Sign out: ends the session and clears the cookie").param(csrf()).respond("204", json!({ "description": "signed out" }))),
        ("/auth/me", "get", Op::new("The signed-in user, their CSRF token, and whether the server runs open (--dev-open)")
            .respond("200", ok("who is signed in", JSON, json!({ "type": "object", "required": ["user", "csrf_token", "dev_open"], "properties": { "user": schema_ref("User"), "token": { "type": "string", "nullable": true }, "csrf_token": { "type": "string", "nullable": true }, "dev_open": { "type": "boolean" }, "team": { "type": "object", "nullable": true, "description": "the rescue team the user serves in, with the incident it is assigned to now in each world", "properties": { "id": { "type": "integer" }, "name": { "type": "string", "nullable": true }, "real": { "type": "object", "nullable": true }, "drill": { "type": "object", "nullable": true } } } } })))),
        ("/auth/setup", "post", Op::new("First start: make the first admin with the one-time set-up token `lookout serve` printed; signs them in")
            .body(json_body(json!({ "type": "object", "required": ["token", "username", "password"], "properties": { "token": { "type": "string" }, "username": { "type": "string" }, "password": { "type": "string", "format": "password", "minLength": lookout_layers::auth::password::MIN_CHARS } }, "additionalProperties": false })))
            .respond("201", ok("the admin, signed in", JSON, schema_ref("SignedIn")))
            .respond("403", error("the set-up token is wrong or used"))
            .respond("409", error("there are users already"))),
        ("/users", "get", Op::new("Users (admins)").respond("200", ok("users", JSON, json!({ "type": "object", "required": ["users"], "properties": { "users": { "type": "array", "items": schema_ref("User") } } })))),
        ("/users", "post", Op::new("Add a user (admins)").write()
            .body(json_body(json!({ "type": "object", "required": ["username", "password", "role"], "properties": { "username": { "type": "string" }, "password": { "type": "string", "format": "password", "minLength": lookout_layers::auth::password::MIN_CHARS }, "role": schema_ref("Role"), "scope": schema_ref("Scope"), "team": { "type": "integer", "minimum": 1, "nullable": true, "description": "the rescue team the user serves in (field staff)" } }, "additionalProperties": false })))
            .respond("201", ok("the user", JSON, schema_ref("User")))
            .respond("400", error("a bad field, or no such rescue team"))),
        ("/users/{username}", "patch", Op::new("Change a user's role, scope (null: the whole region), password, or disable them (ends their sessions)").write()
            .body(json_body(json!({ "type": "object", "properties": { "role": schema_ref("Role"), "scope": schema_ref("Scope"), "disabled": { "type": "boolean" }, "password": { "type": "string", "format": "password" }, "team": { "type": "integer", "minimum": 1, "nullable": true, "description": "the rescue team the user serves in (null: none)" } }, "additionalProperties": false })))
            .respond("200", ok("the user", JSON, schema_ref("User")))
            .respond("400", error("a bad field, or no such rescue team"))),
        ("/tokens", "get", Op::new("API tokens, without their secrets (admins)").respond("200", ok("tokens", JSON, json!({ "type": "object", "required": ["tokens"], "properties": { "tokens": { "type": "array", "items": schema_ref("Token") } } })))),
        ("/tokens", "post", Op::new("Create an API token; the secret (lk_…) is in this answer only").write()
            .body(json_body(json!({ "type": "object", "required": ["name", "role"], "properties": { "name": { "type": "string" }, "role": schema_ref("Role"), "scope": schema_ref("Scope") }, "additionalProperties": false })))
            .respond("201", ok("the token, with its secret", JSON, schema_ref("Token")))),
        ("/tokens/{id}", "delete", Op::new("Revoke an API token").write()
            .param(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }))
            .respond("204", json!({ "description": "revoked" }))),
        ("/audit", "get", Op::new("The audit log, newest first (admins): every event with who made it, sign-ins, failed sign-ins, user and token changes")
            .param(query("user", json!({ "type": "string" }), "made by this user, or about them"))
            .param(query("from", json!({ "type": "string", "format": "date-time" }), "from this time"))
            .param(query("to", json!({ "type": "string", "format": "date-time" }), "before this time"))
            .param(query("type", json!({ "type": "string" }), "event types, comma-separated"))
            .params(page_params(limits::DEFAULT_AUDIT, limits::MAX_AUDIT))
            .respond("200", ok("a page of the audit log", JSON, json!({ "type": "object", "required": ["entries", "numberMatched", "numberReturned", "next"], "properties": { "entries": { "type": "array", "items": { "type": "object", "required": ["seq", "at", "actor", "type", "detail"], "properties": { "seq": { "type": "integer" }, "at": { "type": "string", "format": "date-time" }, "actor": { "type": "string" }, "token": { "type": "string" }, "type": { "type": "string" }, "detail": { "type": "object" } } } }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "next": { "type": "string", "nullable": true } } })))),
        ("/docs/{name}", "get", Op::new("A document of the product (how zones are drawn, the incidents API, the architecture), as HTML")
            .param(json!({ "name": "name", "in": "path", "required": true, "description": "impact-models, incidents-api or architecture", "schema": { "type": "string", "example": "architecture" } }))
            .respond("200", ok("the document", "text/html", json!({ "type": "string" })))
            .respond("404", error("no such document"))),
    ]
}

/// The list's answer with the sheets `f=csv|xlsx` gives.
trait Sheets {
    fn tap_sheets(self) -> Value;
}

impl Sheets for Value {
    fn tap_sheets(mut self) -> Value {
        self["content"]["text/csv"] = json!({ "schema": { "type": "string" } });
        self["content"]["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] =
            json!({ "schema": { "type": "string", "format": "binary" } });
        // f=geojson: the enterprises with open dangers, one point each
        self["content"]["application/geo+json"] = json!({ "schema": schema_ref("FeatureCollection") });
        self
    }
}

/// The supervision ledger's operations (docs/ledger.md).
fn ledger_operations() -> Vec<(&'static str, &'static str, Op)> {
    use lookout_layers::model::{DangerCategory, DangerSeverity, DangerSource, DangerStatus};
    let codes = |c: &[&str]| json!({ "type": "string", "enum": c });
    let time = || json!({ "type": "string", "format": "date-time" });
    let rectification = json!({ "type": "object", "properties": {
        "measures": { "type": "string" }, "responsible": { "type": "string" },
        "funds_yuan": { "type": "number", "minimum": 0 }, "deadline": time(),
        "interim_measures": { "type": "string" } }, "additionalProperties": false });
    let mut full = rectification.clone();
    full["required"] = json!(["deadline"]);
    let report = json!({ "type": "object",
        "required": ["enterprise", "category", "severity", "description", "found_by", "found_at", "source", "rectification"],
        "properties": {
            "enterprise": { "type": "integer", "minimum": 1 }, "hazard_source": { "type": "integer", "minimum": 1 },
            "category": codes(DangerCategory::CODES), "severity": codes(DangerSeverity::CODES),
            "description": { "type": "string", "maxLength": lookout_layers::ledger::MAX_TEXT_CHARS },
            "found_by": { "type": "string" }, "found_at": time(), "source": codes(DangerSource::CODES),
            "rectification": full, "assignee": { "type": "string" }, "external_id": { "type": "string" } },
        "additionalProperties": false });
    let danger = json!({ "type": "object", "required": ["id", "status", "report", "place", "history", "overdue", "next"], "properties": {
        "id": { "type": "integer" }, "status": codes(DangerStatus::CODES), "report": { "type": "object" }, "place": { "type": "object" },
        "reported_at": time(), "reported_by": { "type": "string" }, "history": { "type": "array", "items": { "type": "object" } },
        "reminders": { "type": "array", "items": { "type": "object" } }, "overdue_alarm": { "type": "integer", "nullable": true },
        "alarms": { "type": "array", "items": { "type": "integer" } }, "closed_at": { "type": "string", "nullable": true },
        "attachments": { "type": "array", "items": { "type": "object" }, "description": "photos and documents (GET /dangers/{id}/attachments)" },
        "overdue": { "type": "boolean" }, "next": { "type": "array", "items": codes(DangerStatus::CODES) } } });
    let list = |name: &str, description: &str| query(name, json!({ "type": "string" }), description);
    let attached = json!({ "type": "object", "required": ["sha256", "name", "media_type", "bytes", "seq", "at", "actor", "status"], "properties": {
        "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "name": { "type": "string" },
        "media_type": { "type": "string", "enum": lookout_layers::ledger::attachment::MEDIA_TYPES },
        "bytes": { "type": "integer", "minimum": 1, "maximum": limits::MAX_ATTACHMENT_BYTES }, "seq": { "type": "integer" }, "at": time(),
        "actor": { "type": "string" }, "status": codes(DangerStatus::CODES), "href": { "type": "string" } } });
    vec![
        ("/dangers", "get", Op::new("The hidden-danger ledger: overdue, major and nearest deadline first, with counts of every match (by status, severity, overdue, major open); in the caller's scope")
            .params([
                list("city", "city names, comma-separated"),
                list("county", "county names or ids, comma-separated"),
                list("industry", "industry codes, comma-separated"),
                list("severity", "general, major"),
                list("status", "status codes, comma-separated"),
                list("category", "category codes, comma-separated"),
                query("enterprise", json!({ "type": "integer", "minimum": 1 }), "one enterprise"),
                query("overdue", json!({ "type": "boolean" }), "only overdue (true) or only not (false)"),
                query("f", json!({ "type": "string", "enum": ["json", "csv", "xlsx", "geojson"], "default": "json" }), "json: a page; csv or xlsx: every match as a sheet with the import's columns; geojson: the enterprises with open matches, one point each (worst open severity, open, major and overdue counts)"),
            ])
            .params(page_params(limits::DEFAULT_DANGERS, limits::MAX_DANGERS))
            .respond("200", ok("a page of dangers and the counts", JSON, json!({ "type": "object", "required": ["dangers", "numberMatched", "numberReturned", "counts"], "properties": {
                "dangers": { "type": "array", "items": danger.clone() }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" },
                "counts": { "type": "object" } } })).tap_sheets())),
        ("/dangers/import", "post", Op::new("Import a sheet of dangers (text/csv, or XLSX: its first sheet), row by row: rows with bad dates, unknown enterprises or missing fields are listed with their reasons and not imported; a row whose external id is in the ledger is not imported again").write()
            .body(json!({ "required": true, "content": {
                "text/csv": { "schema": { "type": "string" } },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } } } }))
            .respond("200", ok("the report", JSON, json!({ "type": "object", "required": ["rows", "imported", "already_imported", "refused", "problems"], "properties": {
                "rows": { "type": "integer" }, "imported": { "type": "integer" }, "already_imported": { "type": "integer" }, "refused": { "type": "integer" },
                "problems": { "type": "array", "items": { "type": "object", "required": ["row", "reasons"], "properties": {
                    "row": { "type": "integer" }, "external_id": { "type": "string", "nullable": true }, "reasons": { "type": "array", "items": { "type": "string" } } } } },
                "imported_rows": { "type": "array", "items": { "type": "object" } }, "already_imported_rows": { "type": "array", "items": { "type": "object" } } } })))
            .respond("415", error("not text/csv or XLSX"))),
        ("/import/{layer}", "post", Op::new("Import a bureau's register into a layer (admins; docs/data.md): multipart/form-data with `file` (.csv, .xlsx, .geojson, .gpkg, or a .zip holding one Shapefile's .shp, .shx, .dbf and .prj; at most 64 MiB with the mapping; a zip with no .shp, or a name reaching outside it, is refused with 400) and `mapping` (TOML). Each row is checked; refused rows are reported (row, field, reason) and nothing from them is stored; the good rows are stored as feature events, a row whose external id was imported before updating its feature in place").write()
            .param(json!({ "name": "layer", "in": "path", "required": true, "schema": { "type": "string", "enum": lookout_layers::import::LAYERS } }))
            .param(query("dry_run", json!({ "type": "boolean", "default": false }), "check and report only; store nothing"))
            .param(query("crs", json!({ "type": "string", "default": "EPSG:4326" }), "the register's coordinates: EPSG:4326, EPSG:4490, gcj02, bd09 or EPSG:<code> (CGCS2000 Gauss–Krüger 4491–4554)"))
            .param(query("delete_missing", json!({ "type": "boolean", "default": false }), "remove the features imported before whose external id the file no longer has"))
            .param(query("strict", json!({ "type": "boolean", "default": false }), "store nothing when any row is refused"))
            .body(json!({ "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["file", "mapping"], "properties": {
                "file": { "type": "string", "format": "binary" }, "mapping": { "type": "string" } } } } } }))
            .respond("200", ok("the report", JSON, json!({ "type": "object", "required": ["layer", "rows", "created", "updated", "unchanged", "deleted", "refused_rows", "missing", "problems", "stored", "events"], "properties": {
                "layer": { "type": "string" }, "format": { "type": "string" }, "crs": { "type": "string" }, "rows": { "type": "integer" },
                "created": { "type": "integer" }, "updated": { "type": "integer" }, "unchanged": { "type": "integer" }, "deleted": { "type": "integer" },
                "refused_rows": { "type": "integer" }, "missing": { "type": "array", "items": { "type": "string" } },
                "problems": { "type": "array", "items": { "type": "object", "required": ["row", "field", "reason"], "properties": {
                    "row": { "type": "integer" }, "field": { "type": "string" }, "reason": { "type": "string" } } } },
                "stored": { "type": "boolean" }, "events": { "type": "integer" } } })))
            .respond("403", error("not an admin, or a user limited to a scope"))
            .respond("413", error("the register is larger than 64 MiB"))),
        ("/dangers", "post", Op::new("Report a hidden danger (status reported); the store fills in the enterprise's place").write()
            .body(json_body(report))
            .respond("201", ok("the danger; Location names it", JSON, danger.clone()))
            .respond("403", error("the enterprise is outside your scope, or the role lacks supervise"))),
        ("/dangers/{id}", "get", Op::new("A danger with its history (who, when, why), reminders, alarms, whether it is overdue and the statuses it may go to next")
            .respond("200", ok("the danger", JSON, danger.clone()))
            .respond("403", error("outside your scope"))),
        ("/dangers/{id}/transitions", "post", Op::new("Move a danger on: reported → rectifying → submitted → verified → closed, or submitted → rejected → rectifying; a major danger needs its plan and interim measures to be rectifying; a submission ends its overdue alarm").write()
            .body(json_body(json!({ "type": "object", "required": ["to"], "properties": {
                "to": codes(DangerStatus::CODES), "reason": { "type": "string" }, "rectification": rectification }, "additionalProperties": false })))
            .respond("200", ok("the danger", JSON, danger))
            .respond("409", ok("not allowed from its status (allowed lists where it may go), or a major danger's plan is incomplete", JSON, json!({ "type": "object", "required": ["error", "message"], "properties": {
                "error": { "type": "string" }, "message": { "type": "string" }, "status": { "type": "string" }, "allowed": { "type": "array", "items": { "type": "string" } } } })))),
        ("/inbox", "get", Op::new("The signed-in user's reminders and the overdue alarms of the dangers and obligations (emergency plans, drill plans, re-assessments) they follow, newest first")
            .respond("200", ok("the inbox", JSON, json!({ "type": "object", "required": ["user", "entries", "numberMatched", "numberReturned"], "properties": {
                "user": { "type": "string" }, "entries": { "type": "array", "items": { "type": "object", "required": ["kind", "at", "enterprise_name", "description", "deadline"], "properties": {
                    "kind": { "type": "string", "enum": ["reminder", "overdue_alarm"] }, "at": time(),
                    "danger": { "type": "integer", "description": "a danger's entry" }, "obligation": { "type": "integer", "description": "an obligation's entry" },
                    "obligation_kind": codes(lookout_layers::ledger::obligation::ObligationKind::CODES),
                    "enterprise_name": { "type": "string" }, "severity": codes(DangerSeverity::CODES), "status": codes(DangerStatus::CODES),
                    "description": { "type": "string", "description": "what is wrong, or the obligation's title" }, "deadline": time(),
                    "days_before": { "type": "integer" }, "alarm": { "type": "integer" }, "colour": { "type": "string" } } } },
                "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" } } })))),
        ("/dangers/{id}/attachments", "get", Op::new("The photos and documents on a danger's record, in the order added: hash, name, type (told by the content), size, who, when, the danger's status then, and where to download it")
            .respond("200", ok("the attachments", JSON, json!({ "type": "object", "required": ["danger", "attachments", "numberMatched", "numberReturned"], "properties": {
                "danger": { "type": "integer" }, "attachments": { "type": "array", "items": attached.clone() },
                "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" } } })))
            .respond("403", error("outside your scope"))),
        ("/dangers/{id}/attachments", "post", Op::new("Add a photo or document to a danger's record (the finding, or the rectification's evidence): the file as the body; its type is told by its content (JPEG, PNG, WebP or PDF) and must agree with the Content-Type sent; kept once by its SHA-256. 201 when added; 200 with the one on record when the danger has these bytes already").write()
            .param(query("name", json!({ "type": "string", "maxLength": lookout_layers::ledger::MAX_NAME_CHARS }), "the file's name (only its last part is kept; default attachment.<ext>)"))
            .body(json!({ "required": true, "content": {
                "image/jpeg": { "schema": { "type": "string", "format": "binary" } },
                "image/png": { "schema": { "type": "string", "format": "binary" } },
                "image/webp": { "schema": { "type": "string", "format": "binary" } },
                "application/pdf": { "schema": { "type": "string", "format": "binary" } },
                "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } }))
            .respond("200", ok("the danger has these bytes already: the attachment on record", JSON, attached.clone()))
            .respond("201", ok("the attachment; Location names its download", JSON, attached))
            .respond("403", error("outside your scope, or the role lacks supervise"))
            .respond("409", error("the danger has the most attachments one may have"))
            .respond("413", error(&format!("larger than {} bytes", limits::MAX_ATTACHMENT_BYTES)))
            .respond("415", error("the content is not JPEG, PNG, WebP or PDF, or not the type it was sent as (the message names what it is)"))),
        ("/dangers/{id}/attachments/{sha256}", "get", Op::new("Download an attachment of a danger: its bytes with their type, ETag (the SHA-256), Content-Disposition (inline for an image, a download for a PDF, with the name)")
            .param(json!({ "name": "sha256", "in": "path", "required": true, "description": "the attachment's SHA-256, hex", "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } }))
            .respond("200", json!({ "description": "the bytes", "content": {
                "image/jpeg": { "schema": { "type": "string", "format": "binary" } }, "image/png": { "schema": { "type": "string", "format": "binary" } },
                "image/webp": { "schema": { "type": "string", "format": "binary" } }, "application/pdf": { "schema": { "type": "string", "format": "binary" } } } }))
            .respond("304", json!({ "description": "If-None-Match names its ETag" }))
            .respond("403", error("outside your scope"))),
    ]
}

/// The monitoring operations: readings in, series out.
fn monitoring_operations() -> Vec<(&'static str, &'static str, Op)> {
    let reading = json!({ "type": "object", "required": ["sensor"], "properties": {
        "sensor": { "type": "integer", "minimum": 1 },
        "at": { "type": "string", "format": "date-time", "description": "when measured (default: when received); at most 5 minutes ahead, not older than the retention" },
        "value": { "type": "number", "description": "in the sensor's unit, inside its range" },
        "wind_from_deg": { "type": "number" }, "wind_speed_ms": { "type": "number" },
        "temperature_c": { "type": "number" }, "cloud_cover_oktas": { "type": "number" } } });
    let numbers = json!({ "type": "array", "items": { "type": "number" } });
    vec![
        ("/readings", "post", Op::new("Store a batch of sensor readings (sensor gateways): a JSON array, or one reading per line as application/x-ndjson; bad readings are counted and listed, never stored, and never stop the rest")
            .write()
            .body(json!({ "required": true, "content": {
                JSON: { "schema": { "oneOf": [{ "type": "array", "items": reading.clone() }, reading.clone()] } },
                "application/x-ndjson": { "schema": { "type": "string" } } } }))
            .respond("200", ok("what was stored and what was refused, with the reasons", JSON, json!({ "type": "object", "required": ["accepted", "rejected", "rejections"], "properties": {
                "accepted": { "type": "integer" }, "rejected": { "type": "integer" },
                "rejections": { "type": "array", "items": { "type": "object", "required": ["index", "reason", "message"], "properties": {
                    "index": { "type": "integer" }, "reason": { "type": "string" }, "message": { "type": "string" } } } } } })))
            .respond("415", error("not application/json or application/x-ndjson"))),
        ("/sensors/{id}/readings", "get", Op::new("A sensor's readings from..to, downsampled into buckets of every (mean, min, max per channel), with its thresholds and latest reading")
            .param(query("from", json!({ "type": "string", "format": "date-time" }), "start (default: 24 h before to)"))
            .param(query("to", json!({ "type": "string", "format": "date-time" }), "end, exclusive (default: now)"))
            .param(query("every", json!({ "type": "string", "pattern": "^[0-9]+[smhd]?$", "example": "5m" }), "bucket length: 30s, 5m, 1h, 1d (default: each reading)"))
            .param(query("drill", json!({ "type": "boolean", "default": false }), "the sensor's drill readings instead of its real ones"))
            .respond("200", ok("the series", JSON, json!({ "type": "object", "required": ["sensor", "unit", "channels", "buckets"], "properties": {
                "sensor": { "type": "integer" }, "name": { "type": "string" }, "kind": { "type": "string" }, "unit": { "type": "string" },
                "thresholds": { "type": "object" }, "range": numbers.clone(), "from": { "type": "string" }, "to": { "type": "string" },
                "every_s": { "type": "integer", "nullable": true }, "max_buckets": { "type": "integer" }, "drill": { "type": "boolean" },
                "channels": { "type": "array", "items": { "type": "string" } },
                "latest": { "type": "object", "nullable": true },
                "buckets": { "type": "array", "items": { "type": "object", "required": ["at", "n", "mean", "min", "max"], "properties": {
                    "at": { "type": "string", "format": "date-time" }, "n": { "type": "integer" }, "mean": numbers.clone(), "min": numbers.clone(), "max": numbers } } } } })))
            .respond("403", error("the sensor is outside your scope"))),
        ("/alarms", "get", Op::new("The alarms, most serious and newest first: rule, colour, reading, hazard source, acknowledgement, escalation, history")
            .param(query("active", json!({ "type": "string", "enum": ["true", "false", "all"], "default": "true" }), "active alarms, cleared ones, or all"))
            .param(query("colour", json!({ "type": "string", "example": "red,orange" }), "only these colours (blue, yellow, orange, red), comma-separated"))
            .respond("200", ok("the alarms", JSON, json!({ "type": "object", "required": ["alarms", "numberReturned"], "properties": { "alarms": { "type": "array", "items": schema_ref_alarm() }, "numberReturned": { "type": "integer" } } })))),
        ("/alarms/{id}", "get", Op::new("One alarm with its history")
            .respond("200", ok("the alarm", JSON, schema_ref_alarm()))
            .respond("403", error("the alarm is outside your scope"))),
        ("/alarms/{id}/acknowledge", "post", Op::new("Acknowledge an active alarm (who: the signed-in user; when: now) with an optional remark; once only")
            .write()
            .body(json!({ "required": false, "content": body(JSON, json!({ "type": "object", "properties": { "remark": { "type": "string", "maxLength": lookout_layers::ops::MAX_TEXT_CHARS } }, "additionalProperties": false })) }))
            .respond("200", ok("the alarm, acknowledged", JSON, schema_ref_alarm()))
            .respond("403", error("the alarm is outside your scope, or the role may not respond"))),
        ("/alarms/{id}/incident-draft", "get", Op::new("What an incident opened from the alarm starts with: kind, location, substance and container from the hazard source, weather from the nearest weather station's latest reading; for a gas station's or main's sensor a gas_leak with gas_isolation, the isolation trace pre-run there (read-only, not part of the spec: POST /alarms/{id}/incident ignores it, POST /incidents refuses it)")
            .respond("200", ok("the incident's spec, to open with POST /alarms/{id}/incident or POST /incidents", JSON, schema_ref("IncidentSpec")))
            .respond("403", error("the alarm is outside your scope"))),
        ("/alarms/{id}/incident", "post", Op::new("Open an incident from the alarm in one step: its draft (changed by the body, a merge patch), zones, exposure and the domino check; the alarm is linked in the alarm and the incident's timeline")
            .write()
            .body(json!({ "required": false, "content": body(JSON, json!({ "type": "object" })) }))
            .respond("201", ok("the incident", JSON, schema_ref("Incident")))
            .respond("403", error("the alarm is outside your scope, or the role may not respond"))),
    ]
}

/// An alarm as the API shows it.
fn schema_ref_alarm() -> Value {
    json!({ "type": "object", "required": ["id", "rule", "colour", "location", "raised_at"], "properties": {
        "id": { "type": "integer" }, "sensor": { "type": "integer", "description": "a sensor's alarm: the sensor (absent on an overdue alarm)" },
        "danger": { "type": "integer", "description": "an overdue alarm of a hidden danger" },
        "obligation": { "type": "integer", "description": "an overdue alarm of an obligation (emergency plan, drill plan, re-assessment)" },
        "inspection_plan": { "type": "integer", "description": "an overdue alarm of an inspection plan" },
        "hazard_source": { "type": "integer", "nullable": true },
        "rule": { "type": "string", "enum": lookout_layers::model::AlarmRule::CODES },
        "colour": { "type": "string", "enum": lookout_layers::model::AlarmColour::CODES },
        "value": { "type": "number", "nullable": true }, "threshold": { "type": "number", "nullable": true },
        "reading_at": { "type": "string", "format": "date-time", "nullable": true },
        "location": { "type": "array", "items": { "type": "number" } }, "label": { "type": "string" },
        "raised_at": { "type": "string", "format": "date-time" },
        "acknowledged": { "type": "object", "nullable": true, "properties": { "by": { "type": "string" }, "at": { "type": "string", "format": "date-time" }, "remark": { "type": "string" } } },
        "escalated_at": { "type": "string", "format": "date-time", "nullable": true },
        "cleared_at": { "type": "string", "format": "date-time", "nullable": true },
        "incident": { "type": "integer", "nullable": true }, "drill": { "type": "boolean", "description": "a drill alarm, raised by drill readings" },
        "history": { "type": "array", "items": { "type": "object" } } } })
}

/// The planners' risk maps (docs/risk-method.md).
fn risk_operations() -> Vec<(&'static str, &'static str, Op)> {
    let cell = json!({ "type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": { "type": "string", "enum": ["Feature"] }, "id": { "type": "string" }, "geometry": { "type": "object" },
        "properties": { "type": "object", "required": ["h3", "resolution", "score", "class", "points", "parts"], "properties": {
            "h3": { "type": "string" }, "resolution": { "type": "integer" }, "area_km2": { "type": "number" },
            "score": { "type": "number", "minimum": 0, "maximum": 100 },
            "class": { "type": "string", "enum": lookout_layers::risk::method::CLASSES },
            "points": { "type": "object" }, "parts": { "type": "object" } } } } });
    let codes = |c: &[&str]| json!({ "type": "string", "enum": c });
    vec![
        ("/risk/grid", "get", Op::new("The risk grid as GeoJSON: H3 cells of resolution 5 (province), 6 (city) or 7 (county view) with their score (0–100), class (red, orange, yellow, blue), points by part and what they hold (enterprises by colour and industry, hazard sources by level and R, zone area, population, open and overdue hidden dangers); cells with nothing in them are left out; a scoped user sees what was placed under their counties")
            .param(query("resolution", json!({ "type": "integer", "enum": [5, 6, 7], "default": 6 }), "5 province, 6 city, 7 county view"))
            .param(query("bbox", json!({ "type": "string", "example": "112.3,37.6,112.8,38.0" }), "west,south,east,north: cells whose centre lies inside"))
            .respond("200", ok("the cells", "application/geo+json", json!({ "type": "object", "required": ["type", "features"], "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] }, "resolution": { "type": "integer" },
                "numberReturned": { "type": "integer" }, "features": { "type": "array", "items": cell.clone() } } })))
            .respond("400", error(&format!("a bad resolution or bbox, or more than {} cells", limits::MAX_RISK_CELLS)))),
        ("/risk/grid/{h3}", "get", Op::new("One cell of the risk grid, with its score and parts")
            .respond("200", ok("the cell", "application/geo+json", cell))
            .respond("400", error("not an H3 index of resolution 5, 6 or 7"))
            .respond("404", error("nothing lies in the cell"))),
        ("/risk/choropleth", "get", Op::new("Counties or cities by the risk score (the grid's method over the region's area) or a plain count (total, per 10,000 residents, per km²), classed by quantiles, Jenks natural breaks or fixed breaks, with the legend; each region's numbers are the sums of what the grid placed under it")
            .param(query("level", codes(&["county", "city"]), "county (default) or city"))
            .param(query("measure", codes(&["score", "enterprises", "red_enterprises", "hazard_sources", "dangers_open", "dangers_overdue"]), "what is mapped (default score)"))
            .param(query("per", codes(&["total", "10k_people", "km2"]), "divided by what (default total; the score ignores it)"))
            .param(query("method", codes(&["quantiles", "jenks", "fixed"]), "how classes are cut (default fixed for the score, quantiles otherwise)"))
            .param(query("classes", json!({ "type": "integer", "minimum": limits::RISK_CLASSES.start(), "maximum": limits::RISK_CLASSES.end(), "default": 4 }), "how many classes (quantiles, jenks)"))
            .param(query("breaks", json!({ "type": "string", "example": "25,50,75" }), "inner breaks for method=fixed, rising"))
            .respond("200", ok("regions, breaks and legend", JSON, json!({ "type": "object", "required": ["level", "measure", "per", "method", "breaks", "legend", "regions"], "properties": {
                "level": { "type": "string" }, "measure": { "type": "string" }, "per": { "type": "string" }, "method": { "type": "string" },
                "breaks": { "type": "array", "items": { "type": "number" } },
                "legend": { "type": "array", "items": { "type": "object", "required": ["from", "to", "colour", "count"], "properties": {
                    "from": { "type": "number" }, "to": { "type": "number" }, "colour": { "type": "string" }, "count": { "type": "integer" } } } },
                "regions": { "type": "array", "items": { "type": "object", "required": ["id", "name", "city", "value", "class"], "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "city": { "type": "string" }, "area_km2": { "type": "number" },
                    "value": { "type": "number" }, "class": { "type": "integer" }, "colour": { "type": "string", "nullable": true }, "parts": { "type": "object" } } } } } })))
            .respond("400", error("an unknown parameter value, classes outside 2–7, or breaks that do not rise"))),
        ("/hazard_sources/{id}/what-if", "post", Op::new("A planner's what-if: the GB 18218 R and level proposed quantities and/or people within 500 m would give, beside the current grade; stores nothing (docs/risk-method.md)")
            .body(json_body(json!({ "type": "object", "properties": {
                "substances": { "type": "array", "maxItems": limits::MAX_WHAT_IF_SUBSTANCES, "items": { "type": "object", "required": ["substance", "quantity_t"], "properties": {
                    "substance": { "type": "string", "enum": lookout_layers::model::Substance::CODES }, "quantity_t": { "type": "number", "minimum": 0 },
                    "container": { "type": "string" } }, "additionalProperties": false } },
                "people_within_500m": { "type": "integer", "minimum": 0 } }, "additionalProperties": false })))
            .respond("200", ok("the current and proposed grade", JSON, json!({ "type": "object", "required": ["hazard_source", "current", "proposed", "level_changes", "stored"], "properties": {
                "hazard_source": { "type": "integer" }, "name": { "type": "string" },
                "current": { "type": "object" }, "proposed": { "type": "object" }, "level_changes": { "type": "boolean" },
                "substances": { "type": "array", "items": { "type": "object" } }, "people_within_500m": { "type": "integer" },
                "stored": { "type": "boolean", "enum": [false] } } })))
            .respond("400", error("nothing proposed, or a bad quantity"))
            .respond("403", error("outside your scope"))
            .respond("404", error("no such hazard source"))),
        ("/risk/method", "get", Op::new("The risk method in force: weights, normalisation and class breaks (config file [risk])")
            .respond("200", ok("the method", JSON, json!({ "type": "object", "required": ["method", "classes"], "properties": {
                "method": { "type": "object" }, "classes": { "type": "array", "items": { "type": "string" } },
                "resolutions": { "type": "object" }, "document": { "type": "string" } } })))),
    ]
}

/// The OpenAPI document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for (path, method, op) in operations()
        .into_iter()
        .chain(monitoring_operations())
        .chain(ledger_operations())
        .chain(obligation_operations())
        .chain(ledger_report_operations())
        .chain(inspection_operations())
        .chain(risk_operations())
    {
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[method] = op.json(path, method);
    }
    paths.insert(
        "/map/".into(),
        json!({ "get": { "summary": "The command map (HTML)", "responses": { "200": { "description": "the map", "content": { "text/html": { "schema": { "type": "string" } } } } } } }),
    );
    let statuses = json!({ "type": "string", "enum": ["available", "dispatched", "en_route", "on_scene", "returning", "out_of_service"] });
    let layer_ids: Vec<&str> = RULES.iter().map(|r| r.layer).collect();
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Lookout",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Emergency command and situational map server. OGC API – Features (Part 1 core + GeoJSON; Part 4 writes), vector tiles of {}, analyses, incidents, dispatch, live push and drills (docs/incidents-api.md). All data except county boundaries is fictional.", layer_ids.join(", "))
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": { "type": "object", "required": ["error", "message"], "properties": { "error": { "type": "string" }, "message": { "type": "string" } } },
                "Links": { "type": "object", "properties": { "links": { "type": "array", "items": { "type": "object" } } } },
                "Feature": { "type": "object", "required": ["type", "geometry", "properties"], "properties": { "type": { "type": "string", "enum": ["Feature"] }, "id": { "type": "integer" }, "geometry": { "type": "object", "nullable": true }, "properties": { "type": "object" } } },
                "FeatureCollection": { "type": "object", "required": ["type", "features"], "properties": { "type": { "type": "string", "enum": ["FeatureCollection"] }, "features": { "type": "array", "items": { "type": "object" } }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "links": { "type": "array" } } },
                "Collection": { "type": "object", "required": ["id", "links"], "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "featureCount": { "type": "integer" }, "links": { "type": "array" } } },
                "TeamStatus": statuses,
                "Unit": { "type": "object", "required": ["status", "next"], "properties": { "status": { "$ref": "#/components/schemas/TeamStatus" }, "incident": { "type": "integer", "nullable": true }, "next": { "type": "array", "items": { "$ref": "#/components/schemas/TeamStatus" }, "description": "the statuses POST /teams/{id}/status accepts next (dispatching is POST /incidents/{id}/dispatch)" } } },
                "IncidentSpec": { "type": "object", "required": ["kind", "location"], "properties": {
                    "drill": { "type": "boolean" },
                    "title": { "type": "string" },
                    "kind": { "type": "string" },
                    "location": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                    "substance": { "type": "string", "nullable": true },
                    "spill": { "type": "string", "nullable": true },
                    "release_rate_kg_s": { "type": "number", "nullable": true },
                    "mass_kg": { "type": "number", "nullable": true },
                    "cordon_m": { "type": "number", "nullable": true },
                    "weather": { "type": "object", "nullable": true },
                    "casualties": { "type": "integer", "minimum": 0, "nullable": true },
                    "description": { "type": "string" }
                } },
                "Incident": { "type": "object", "required": ["id", "drill", "status", "kind", "location", "units"], "properties": {
                    "id": { "type": "integer" },
                    "drill": { "type": "boolean" },
                    "status": { "type": "string", "enum": ["open", "closed"] },
                    "kind": { "type": "string" },
                    "location": { "type": "array", "items": { "type": "number" } },
                    "zones": { "type": "object", "nullable": true },
                    "needs": { "type": "array", "items": { "type": "object" } },
                    "units": { "type": "array", "items": { "type": "object", "required": ["team", "status", "next"], "properties": { "team": { "type": "integer" }, "status": { "$ref": "#/components/schemas/TeamStatus" }, "next": { "type": "array", "items": { "$ref": "#/components/schemas/TeamStatus" } } } } },
                    "notes": { "type": "array" },
                    "timeline": { "type": "array" }
                } },
                "IncidentList": { "type": "object", "required": ["incidents", "numberMatched", "numberReturned", "next", "links"], "properties": {
                    "incidents": { "type": "array", "items": { "$ref": "#/components/schemas/Incident" } },
                    "numberMatched": { "type": "integer" },
                    "numberReturned": { "type": "integer" },
                    "next": { "type": "string", "nullable": true, "description": "the next page, or null on the last" },
                    "links": { "type": "array" }
                } },
                "Event": { "type": "object", "required": ["seq", "at", "actor", "event", "collections"], "properties": {
                    "seq": { "type": "integer" },
                    "at": { "type": "string", "format": "date-time" },
                    "actor": { "type": "string" },
                    "event": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } },
                    "collections": { "type": "array", "items": { "type": "string" }, "description": "the feature collections the event changes" }
                } }
            }
        }
    });
    doc["security"] = json!([{ "session": [] }, { "bearer": [] }]);
    doc["components"]["securitySchemes"] = json!({
        "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE, "description": "set by POST /auth/login; changes also need X-CSRF-Token" },
        "bearer": { "type": "http", "scheme": "bearer", "description": "an API token, lk_…" }
    });
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(auth_schemas());
    }
    if let Some(props) = doc["components"]["schemas"]["Incident"]["properties"].as_object_mut() {
        props.extend(incident_extras());
    }
    doc
}

/// The incident's acknowledgement and region flag (outside the big literal:
/// `json!` has a recursion limit).
fn incident_extras() -> Map<String, Value> {
    let extras = json!({
        "acknowledged_at": { "type": "string", "nullable": true, "description": "when a user first acknowledged it (POST /incidents/{id}/acknowledge)" },
        "acknowledged_by": { "type": "string", "nullable": true },
        "outside_region_m": { "type": "number", "minimum": 0, "description": "present when the incident lies outside the region's counties (at most 50 km: farther is refused), metres" }
    });
    match extras {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The schemas of users, roles, scopes and tokens.
fn auth_schemas() -> Map<String, Value> {
    let schemas = json!({
                "Role": { "type": "string", "enum": lookout_layers::auth::Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>() },
                "Scope": { "type": "object", "nullable": true, "properties": { "cities": { "type": "array", "items": { "type": "string" } }, "counties": { "type": "array", "items": { "type": "integer" } } }, "additionalProperties": false },
                "User": { "type": "object", "required": ["username", "role"], "properties": { "username": { "type": "string" }, "role": { "$ref": "#/components/schemas/Role" }, "scope": { "$ref": "#/components/schemas/Scope" }, "disabled": { "type": "boolean" }, "created": { "type": "string", "format": "date-time" }, "team": { "type": "integer", "nullable": true, "description": "the rescue team the user serves in" } } },
                "SignedIn": { "type": "object", "required": ["user", "csrf_token"], "properties": { "user": { "$ref": "#/components/schemas/User" }, "csrf_token": { "type": "string" }, "expires": { "type": "string", "format": "date-time" } } },
                "Token": { "type": "object", "required": ["id", "name", "role"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "role": { "$ref": "#/components/schemas/Role" }, "scope": { "$ref": "#/components/schemas/Scope" }, "created_by": { "type": "string" }, "created": { "type": "string", "format": "date-time" }, "last_used": { "type": "string", "format": "date-time", "nullable": true }, "revoked": { "type": "boolean" }, "token": { "type": "string", "description": "the secret, in the answer to POST /tokens only" } } }
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Serves [`spec`].
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .json(spec())
}

/// The ledger's other obligations (docs/ledger.md, "Obligations").
fn obligation_operations() -> Vec<(&'static str, &'static str, Op)> {
    use lookout_layers::ledger::obligation::ObligationKind;
    let kinds = json!({ "type": "string", "enum": ObligationKind::CODES });
    let time = || json!({ "type": "string", "format": "date-time" });
    let spec = json!({ "type": "object", "required": ["kind", "enterprise", "title"], "properties": {
        "kind": kinds, "enterprise": { "type": "integer", "minimum": 1 }, "hazard_source": { "type": "integer", "minimum": 1 },
        "title": { "type": "string" }, "last_done": time(), "due": time(), "assignee": { "type": "string" } },
        "additionalProperties": false });
    let obligation = json!({ "type": "object", "required": ["id", "kind", "spec", "place", "due", "completed", "overdue"], "properties": {
        "id": { "type": "integer" }, "kind": kinds, "spec": spec.clone(), "place": { "type": "object" }, "due": time(),
        "last_done": { "type": "string", "format": "date-time", "nullable": true }, "completed": { "type": "boolean" },
        "history": { "type": "array", "items": { "type": "object" } }, "reminders": { "type": "array", "items": { "type": "object" } },
        "overdue_alarm": { "type": "integer", "nullable": true }, "alarms": { "type": "array", "items": { "type": "integer" } },
        "overdue": { "type": "boolean" } } });
    let list = |name: &str, description: &str| query(name, json!({ "type": "string" }), description);
    let rate = json!({ "type": "object", "properties": { "county_id": { "type": "integer" }, "county": { "type": "string" }, "city": { "type": "string" },
        "planned": { "type": "integer" }, "held": { "type": "integer" }, "rate": { "type": "number", "nullable": true } } });
    vec![
        ("/obligations", "get", Op::new("Emergency plans, drill plans and major hazard source re-assessments with their due dates: overdue first, then the nearest; in the caller's scope")
            .params([
                list("kind", "emergency_plan, drill, reassessment; comma-separated"),
                list("city", "city names, comma-separated"),
                list("county", "county names or ids, comma-separated"),
                query("enterprise", json!({ "type": "integer", "minimum": 1 }), "one enterprise"),
                query("overdue", json!({ "type": "boolean" }), "only overdue (true) or only not"),
                query("completed", json!({ "type": "boolean" }), "only drills held (true) or only what is owed"),
            ])
            .params(page_params(limits::DEFAULT_OBLIGATIONS, limits::MAX_OBLIGATIONS))
            .respond("200", ok("a page and the counts", JSON, json!({ "type": "object", "required": ["obligations", "numberMatched", "numberReturned", "counts"], "properties": {
                "obligations": { "type": "array", "items": obligation.clone() }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" },
                "counts": { "type": "object" } } })))),
        ("/obligations", "post", Op::new("Register an emergency plan (last_done: registered or last evaluated; due 3 years on by default), a drill plan (due: the planned date) or a re-assessment (hazard_source; due 3 years after last_done)").write()
            .body(json_body(spec))
            .respond("201", ok("the obligation; Location names it", JSON, obligation.clone()))
            .respond("403", error("the enterprise is outside your scope, or the role lacks supervise"))),
        ("/obligations/completion", "get", Op::new("Drill completion per county: the drills planned for dates in the year up to now, and how many were held")
            .params([
                query("year", json!({ "type": "integer", "minimum": 2000, "maximum": 2100 }), "calendar year, China Standard Time; default this year"),
                list("city", "city names, comma-separated"),
                list("county", "county names or ids, comma-separated"),
            ])
            .respond("200", ok("per county and the total", JSON, json!({ "type": "object", "required": ["year", "counties", "total"], "properties": {
                "year": { "type": "integer" }, "counties": { "type": "array", "items": rate.clone() }, "total": rate } })))),
        ("/obligations/{id}", "get", Op::new("An obligation with its history, reminders, alarms and whether it is overdue")
            .respond("200", ok("the obligation", JSON, obligation.clone()))
            .respond("403", error("outside your scope"))),
        ("/obligations/{id}", "patch", Op::new("Change an obligation's title, due date (reminders start again; an overdue alarm ends when the new date lies ahead) or assignee, with a reason").write()
            .body(json_body(json!({ "type": "object", "properties": {
                "title": { "type": "string" }, "due": time(), "assignee": { "type": "string" }, "reason": { "type": "string" } }, "additionalProperties": false })))
            .respond("200", ok("the obligation", JSON, obligation.clone()))),
        ("/obligations/{id}/fulfil", "post", Op::new("Record an obligation done: a plan evaluated, a source graded again (the next due date is 3 years on), a drill held (complete); ends its overdue alarm").write()
            .body(json_body(json!({ "type": "object", "properties": { "done_at": time(), "remark": { "type": "string" } }, "additionalProperties": false })))
            .respond("200", ok("the obligation", JSON, obligation))),
    ]
}

/// The ledger's monthly statistics (docs/ledger.md, "Statistics").
fn ledger_report_operations() -> Vec<(&'static str, &'static str, Op)> {
    let list = |name: &str, description: &str| query(name, json!({ "type": "string" }), description);
    let params = || {
        [
            query(
                "month",
                json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" }),
                "YYYY-MM, China Standard Time; default this month",
            ),
            list("city", "city names, comma-separated"),
            list("county", "county names or ids, comma-separated"),
        ]
    };
    let area = json!({ "type": "object", "properties": {
        "county_id": { "type": "integer" }, "county": { "type": "string" }, "city": { "type": "string" },
        "found": { "type": "integer" }, "major_found": { "type": "integer" }, "rectified": { "type": "integer" },
        "open": { "type": "integer" }, "major_open": { "type": "integer" }, "overdue": { "type": "integer" },
        "closure_rate": { "type": "number", "nullable": true }, "plans": { "type": "integer" }, "plans_overdue": { "type": "integer" },
        "plan_rate": { "type": "number", "nullable": true }, "drills_planned": { "type": "integer" }, "drills_held": { "type": "integer" },
        "drill_rate": { "type": "number", "nullable": true }, "reassessments_overdue": { "type": "integer" } } });
    vec![
        ("/ledger/stats", "get", Op::new("The ledger's figures for a month per county and in total, as the ledger was at the month's end: dangers found, major, closed, closure rate, overdue, major open; plans overdue, drill completion, re-assessments overdue; inspections and enforcement; in the caller's scope")
            .params(params())
            .respond("200", ok("the month's figures", JSON, json!({ "type": "object", "required": ["month", "counties", "total", "inspections"], "properties": {
                "month": { "type": "string" }, "from": { "type": "string", "format": "date-time" }, "to": { "type": "string", "format": "date-time" },
                "as_of": { "type": "string", "format": "date-time" }, "counties": { "type": "array", "items": area.clone() }, "total": area,
                "inspections": { "type": "object", "description": "the month's inspections (by kind), dangers found by them, orders to rectify, cases filed, penalties in yuan" } } })))),
        ("/ledger/report", "get", Op::new("The month's figures as a printable page (times in China Standard Time)")
            .params(params())
            .param(query("lang", json!({ "type": "string", "enum": ["zh", "en"], "default": "zh" }), "the page's language"))
            .respond("200", ok("the report", "text/html", json!({ "type": "string" })))),
    ]
}

/// Inspections, their plans and the expert pool (docs/ledger.md "Inspections").
fn inspection_operations() -> Vec<(&'static str, &'static str, Op)> {
    use lookout_layers::ledger::expert::ExpertSpecialty;
    use lookout_layers::ledger::inspection::{ChecklistResult, InspectionKind};
    use lookout_layers::model::Industry;
    let codes = |c: &[&str]| json!({ "type": "string", "enum": c });
    let ids = || json!({ "type": "array", "items": { "type": "integer", "minimum": 1 } });
    let names = || json!({ "type": "array", "minItems": 1, "items": { "type": "string" } });
    let date = || json!({ "type": "string", "format": "date" });
    let object = || json!({ "type": "object" });
    let expert = json!({ "type": "object", "required": ["name", "specialty", "county_id", "phone"], "properties": {
        "name": { "type": "string" }, "specialty": codes(ExpertSpecialty::CODES),
        "substances": { "type": "array", "items": { "type": "string" }, "description": "codes of /impact/substances (names, CAS or UN numbers are accepted)" },
        "industries": { "type": "array", "items": codes(Industry::CODES) },
        "county_id": { "type": "integer", "minimum": 1 }, "phone": { "type": "string" }, "organisation": { "type": "string" } },
        "additionalProperties": false });
    let plan = json!({ "type": "object", "required": ["title", "inspectors", "kind", "start", "due"], "properties": {
        "title": { "type": "string" }, "enterprises": ids(), "hazard_sources": ids(), "inspectors": names(), "experts": ids(),
        "kind": codes(InspectionKind::CODES), "start": date(), "due": date(), "notes": { "type": "string" } },
        "additionalProperties": false });
    let record = json!({ "type": "object", "required": ["enterprise", "date", "kind", "inspectors", "result"], "properties": {
        "enterprise": { "type": "integer", "minimum": 1 }, "hazard_sources": ids(), "plan": { "type": "integer", "minimum": 1 },
        "date": date(), "kind": codes(InspectionKind::CODES), "inspectors": names(), "experts": ids(),
        "result": codes(ChecklistResult::CODES),
        "checklist": { "type": "array", "items": { "type": "object", "required": ["item", "ok"], "properties": {
            "item": { "type": "string" }, "ok": { "type": "boolean" }, "note": { "type": "string" } } } },
        "dangers": ids(),
        "enforcement": { "type": "object", "description": "enforcement or unannounced inspections only", "properties": {
            "order_to_rectify": { "type": "boolean" }, "order_number": { "type": "string" }, "case_filed": { "type": "boolean" },
            "case_number": { "type": "string" }, "penalty_yuan": { "type": "number", "minimum": 0 } }, "additionalProperties": false },
        "notes": { "type": "string" } },
        "additionalProperties": false });
    vec![
        ("/inspections", "get", Op::new("Inspection records, newest first, with enforcement counts (orders to rectify, cases filed, penalties, dangers found); in the caller's scope")
            .params([
                query("enterprise", json!({ "type": "integer", "minimum": 1 }), "one enterprise"),
                query("hazard_source", json!({ "type": "integer", "minimum": 1 }), "one major hazard source"),
                query("year", json!({ "type": "integer" }), "one year"),
                query("kind", codes(InspectionKind::CODES), "one kind"),
                query("plan", json!({ "type": "integer", "minimum": 1 }), "one plan"),
            ])
            .params(page_params(limits::DEFAULT_INSPECTIONS, limits::MAX_INSPECTIONS))
            .respond("200", ok("a page of inspections", JSON, json!({ "type": "object", "required": ["inspections", "numberMatched", "numberReturned", "counts"], "properties": {
                "inspections": { "type": "array", "items": object() }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" }, "counts": object() } })))),
        ("/inspections", "post", Op::new("Record an inspection: enterprise, hazard sources (none: all of the enterprise's), date, kind, inspectors and experts, checklist result, dangers found (ledger ids of the enterprise), enforcement measures; 404 for an unknown enterprise, hazard source, expert, danger or plan").write()
            .body(json_body(record))
            .respond("201", ok("the inspection", JSON, object()))
            .respond("403", error("outside your scope"))),
        ("/inspections/{id}", "get", Op::new("One inspection record")
            .respond("200", ok("the inspection", JSON, object()))),
        ("/inspections/plans", "get", Op::new("Inspection plans in the caller's scope, newest first, each target with the inspection that carried it out, done/total and overdue (due passed, targets left)")
            .respond("200", ok("the plans", JSON, json!({ "type": "object", "required": ["plans", "numberMatched", "overdue"], "properties": {
                "plans": { "type": "array", "items": object() }, "numberMatched": { "type": "integer" }, "overdue": { "type": "integer" } } })))),
        ("/inspections/plans", "post", Op::new("Make an inspection plan: which enterprises or hazard sources, by whom, from when and by when").write()
            .body(json_body(plan))
            .respond("201", ok("the plan", JSON, object()))
            .respond("403", error("a target outside your scope"))),
        ("/inspections/plans/{id}", "get", Op::new("One inspection plan with its progress")
            .respond("200", ok("the plan", JSON, object()))),
        ("/inspections/coverage", "get", Op::new("The share of the major hazard sources inspected in a year, by city and county, with those not inspected (ids, names, points); in the caller's scope")
            .params([
                query("year", json!({ "type": "integer", "minimum": 2000, "maximum": 2100 }), "the year (default: this year)"),
                query("f", json!({ "type": "string", "enum": ["json", "geojson"], "default": "json" }), "json: the figures and the list; geojson: the uninspected sources as points"),
            ])
            .respond("200", json!({ "description": "the coverage", "content": {
                JSON: { "schema": { "type": "object", "required": ["year", "total", "cities", "counties", "uninspected"], "properties": {
                    "year": { "type": "integer" }, "total": object(), "cities": { "type": "array", "items": object() },
                    "counties": { "type": "array", "items": object() }, "uninspected": { "type": "array", "items": object() } } } },
                "application/geo+json": { "schema": schema_ref("FeatureCollection") } } }))),
        ("/experts", "get", Op::new("The expert pool in the caller's scope")
            .params([
                query("specialty", codes(ExpertSpecialty::CODES), "one specialty"),
                query("substance", json!({ "type": "string" }), "knows this substance"),
                query("county", json!({ "type": "integer", "minimum": 1 }), "one county id"),
            ])
            .respond("200", ok("the experts", JSON, json!({ "type": "object", "required": ["experts", "numberMatched"], "properties": {
                "experts": { "type": "array", "items": object() }, "numberMatched": { "type": "integer" } } })))),
        ("/experts", "post", Op::new("Add an expert to the pool (specialty, substances and industries, county, phone)").write()
            .body(json_body(expert.clone()))
            .respond("201", ok("the expert", JSON, object()))
            .respond("403", error("the county is outside your scope"))),
        ("/experts/{id}", "get", Op::new("One expert")
            .respond("200", ok("the expert", JSON, object()))),
        ("/experts/{id}", "put", Op::new("Replace an expert's entry").write()
            .body(json_body(expert))
            .respond("200", ok("the expert", JSON, object()))
            .respond("403", error("outside your scope"))),
        ("/incidents/{id}/experts", "get", Op::new("Experts for the incident, best first: those who know its substance, then those whose specialty its kind calls for, then those of its county; in the caller's scope")
            .param(query("limit", json!({ "type": "integer", "minimum": 1, "maximum": limits::MAX_INCIDENT_EXPERTS, "default": 5 }), "how many"))
            .respond("200", ok("the experts with why each matches", JSON, json!({ "type": "object", "required": ["incident", "experts", "numberMatched", "numberReturned"], "properties": {
                "incident": { "type": "integer" }, "kind": { "type": "string" }, "substance": { "type": "string", "nullable": true },
                "specialties": { "type": "array", "items": codes(ExpertSpecialty::CODES) },
                "experts": { "type": "array", "items": object() }, "numberMatched": { "type": "integer" }, "numberReturned": { "type": "integer" } } })))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_route_is_documented_and_nothing_else() {
        let mut table = Vec::new();
        let _app = actix_web::App::new().configure(|cfg| table = super::super::configure(cfg));
        assert!(table.len() > 30, "{} routes", table.len());
        let doc = spec();
        let mut registered = std::collections::HashSet::new();
        for (path, methods) in &table {
            for method in methods {
                let m = method.as_str().to_ascii_lowercase();
                assert!(
                    doc["paths"][*path][&m].is_object(),
                    "{} {path} is not in /openapi.json",
                    method
                );
                registered.insert((path.to_string(), m));
            }
        }
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                assert!(
                    path == "/map/" || registered.contains(&(path.clone(), method.clone())),
                    "{method} {path} is documented but not registered"
                );
            }
        }
    }

    #[test]
    fn every_path_parameter_is_declared() {
        let doc = spec();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            for (method, op) in item.as_object().expect("item") {
                for name in &names {
                    let declared = op["parameters"]
                        .as_array()
                        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["name"] == *name));
                    assert!(declared, "{method} {path}: {name} is not declared");
                }
                let mut seen = std::collections::HashSet::new();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    assert!(
                        seen.insert((p["in"].to_string(), p["name"].to_string())),
                        "{method} {path}: {} declared twice",
                        p["name"]
                    );
                }
            }
        }
    }

    #[test]
    fn the_scenario_and_document_examples_exist() {
        let doc = spec();
        let example = |path: &str, method: &str| {
            doc["paths"][path][method]["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["in"] == "path"))
                .and_then(|p| p["schema"]["example"].as_str())
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scenario = example("/scenarios/{id}/start", "post");
        assert!(
            root.join("data/scenarios").join(format!("{scenario}.toml")).is_file(),
            "no scenario {scenario:?}"
        );
        let name = example("/docs/{name}", "get");
        assert!(
            root.join("docs").join(format!("{name}.md")).is_file(),
            "no document {name:?}"
        );
    }
}
