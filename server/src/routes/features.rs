//! OGC API – Features, Part 1 (core, GeoJSON) over the in-memory catalog, and
//! the Part 4 style writes (create, replace, update, delete) that become events.

use crate::command::submit;
use crate::error::ApiError;
use crate::extract::{Actor, Filtered, ItemsParams, PropertyFilters};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use lookout_layers::{Catalog, Collection, Event, FeatureId, FieldType};
use serde_json::{Value, json};

use crate::limits::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::scope::RequestScope;
use crate::view::GEOJSON;

const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
];

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    use super::Endpoint;
    use actix_web::http::Method;
    r.add(Endpoint::at("/").get(landing))
        .add(Endpoint::at("/conformance").get(conformance))
        .add(Endpoint::at("/collections").get(collections))
        .add(Endpoint::at("/collections/{collection}").get(collection))
        .add(Endpoint::at("/collections/{collection}/queryables").get(queryables))
        .add(Endpoint::at("/collections/{collection}/items").get(items).post(create))
        .add(
            Endpoint::at("/collections/{collection}/items/{id}")
                .get(item)
                .method(Method::PUT, replace)
                .method(Method::PATCH, update)
                .method(Method::DELETE, delete),
        );
}

fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

fn wants_html(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.starts_with("text/html")
}

/// `GET /`: the landing page; a browser is sent to the map.
async fn landing(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if wants_html(&req) && req.query_string().is_empty() {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/map/"))
            .finish();
    }
    let b = base(&req);
    HttpResponse::Ok().json(json!({
        "title": "Lookout",
        "description": format!(
            "Emergency command and situational map server: enterprises, major hazard sources, city gas networks, disaster-prone zones and rescue assets of {} ({}). Everything but the county boundaries is fictional, generated data.",
            state.settings.region.name_en, state.settings.region.name_zh
        ),
        "links": [
            link(format!("{b}/"), "self", "application/json", "this document"),
            link(format!("{b}/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
            link(format!("{b}/conformance"), "conformance", "application/json", "conformance classes"),
            link(format!("{b}/collections"), "data", "application/json", "the layers"),
            link(format!("{b}/map/"), "alternate", "text/html", "the command map"),
        ]
    }))
}

/// `GET /conformance`.
async fn conformance() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "conformsTo": CONFORMANCE }))
}

fn collection_json(b: &str, c: &dyn Collection) -> Value {
    let info = c.info();
    let bbox = c.extent().map_or(json!([[-180.0, -90.0, 180.0, 90.0]]), |r| {
        json!([[r.min().x, r.min().y, r.max().x, r.max().y]])
    });
    json!({
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "itemType": "feature",
        "geometryType": info.geometry,
        "featureCount": c.len(),
        "crs": [CRS84],
        "extent": { "spatial": { "bbox": bbox, "crs": CRS84 } },
        "links": [
            link(format!("{b}/collections/{}", info.id), "self", "application/json", info.title),
            link(format!("{b}/collections/{}/items", info.id), "items", GEOJSON, "the features"),
            link(format!("{b}/collections/{}/queryables", info.id), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "properties to filter on"),
        ]
    })
}

fn layer<'a>(
    state: &'a AppState,
    id: &str,
) -> Result<parking_lot::MappedRwLockReadGuard<'a, dyn Collection>, ApiError> {
    state.store.catalog().read(id).ok_or_else(|| {
        let ids: Vec<_> = Catalog::ids().collect();
        ApiError::not_found(format!("no collection {id:?}; collections are {}", ids.join(", ")))
    })
}

/// `GET /collections`. `featureCount` and the extent are of the whole layer,
/// for a scoped caller too: the features themselves (items, tiles) are scoped.
async fn collections(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let b = base(&req);
    let list: Vec<Value> = Catalog::ids()
        .filter_map(|id| state.store.catalog().read(id).map(|c| collection_json(&b, &*c)))
        .collect();
    HttpResponse::Ok().json(json!({
        "collections": list,
        "links": [link(format!("{b}/collections"), "self", "application/json", "the layers")],
    }))
}

/// `GET /collections/{collection}`.
async fn collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = layer(&state, &path)?;
    Ok(HttpResponse::Ok().json(collection_json(&base(&req), &*c)))
}

/// `GET /collections/{collection}/queryables`: the properties one can filter on, as JSON Schema.
async fn queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = layer(&state, &path)?;
    let properties: serde_json::Map<String, Value> = c
        .fields()
        .iter()
        .map(|f| {
            let schema = match f.ty {
                FieldType::Text => json!({ "type": "string" }),
                FieldType::Integer => json!({ "type": "integer" }),
                FieldType::Real => json!({ "type": "number" }),
                FieldType::Boolean => json!({ "type": "boolean" }),
                FieldType::Date => json!({ "type": "string", "format": "date" }),
                FieldType::Enum(codes) => json!({ "type": "string", "enum": codes }),
                FieldType::List => json!({ "type": "array", "items": { "type": "string" } }),
            };
            let mut schema = schema;
            schema["description"] = json!(f.description);
            (f.name.to_owned(), schema)
        })
        .collect();
    Ok(HttpResponse::Ok().content_type("application/schema+json").json(json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{}/collections/{}/queryables", base(&req), c.info().id),
        "type": "object",
        "title": c.info().title,
        "properties": properties,
        "additionalProperties": false,
    })))
}

/// The parsed `/items` query.
#[derive(Debug, PartialEq)]
pub struct ItemsQuery {
    /// Bounding box, lon/lat.
    pub bbox: Option<geo::Rect<f64>>,
    /// Page size (capped).
    pub limit: usize,
    /// Items to skip.
    pub offset: usize,
    /// Property filters.
    pub filters: PropertyFilters,
}

impl ItemsQuery {
    /// Checks `bbox`, `limit`, `offset`, the CRS and format, with reasons for what is wrong.
    pub fn from_params(q: Filtered<ItemsParams>) -> Result<Self, ApiError> {
        let p = q.params;
        let limit = match p.limit {
            None => DEFAULT_LIMIT,
            Some(0) => return Err(ApiError::bad_request("limit must be at least 1")),
            Some(n) => n.min(MAX_LIMIT),
        };
        for (key, value) in [("bbox-crs", &p.bbox_crs), ("crs", &p.crs)] {
            if value.as_deref().is_some_and(|v| v != CRS84) {
                return Err(ApiError::bad_request(format!("{key}: only {CRS84} is supported")));
            }
        }
        if let Some(f) = p.f.as_deref().filter(|f| !matches!(*f, "json" | "geojson")) {
            return Err(ApiError::bad_request(format!("f: only json is served, not {f:?}")));
        }
        if p.datetime.is_some() {
            return Err(ApiError::bad_request(
                "datetime: these collections have no temporal extent",
            ));
        }
        Ok(Self {
            bbox: p.bbox.as_deref().map(parse_bbox).transpose()?,
            limit,
            offset: p.offset.unwrap_or(0),
            filters: q.filters,
        })
    }
}

/// Parses `bbox`, `limit`, `offset` and property filters, with reasons for what is wrong.
pub fn parse_items_query(query: &str) -> Result<ItemsQuery, ApiError> {
    ItemsQuery::from_params(Filtered::parse(query)?)
}

fn parse_bbox(value: &str) -> Result<geo::Rect<f64>, ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(format!(
            "bbox {value:?}: {why}; expected minLon,minLat,maxLon,maxLat in degrees"
        ))
    };
    let numbers: Vec<f64> = value
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("not numbers"))?;
    let (x0, y0, x1, y1) = match numbers[..] {
        [a, b, c, d] => (a, b, c, d),
        [a, b, _, c, d, _] => (a, b, c, d),
        _ => return Err(bad("needs 4 (or 6) numbers")),
    };
    if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
        return Err(bad("numbers must be finite"));
    }
    if !(-180.0..=180.0).contains(&x0)
        || !(-180.0..=180.0).contains(&x1)
        || !(-90.0..=90.0).contains(&y0)
        || !(-90.0..=90.0).contains(&y1)
    {
        return Err(bad("longitude is −180..180 and latitude −90..90"));
    }
    if y0 > y1 {
        return Err(bad("minLat is above maxLat"));
    }
    if x0 > x1 {
        return Err(bad("boxes across the antimeridian are not supported"));
    }
    Ok(geo::Rect::new(geo::Coord { x: x0, y: y0 }, geo::Coord { x: x1, y: y1 }))
}

/// `GET /collections/{collection}/items`.
/// A scoped caller gets the features in scope only (`numberMatched` counts those).
async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<String>,
    query: Filtered<ItemsParams>,
) -> Result<HttpResponse, ApiError> {
    let c = layer(&state, &path)?;
    let q = ItemsQuery::from_params(query)?;
    let filter = c.parse_filter(&q.filters.pairs())?;
    let page = match scope.get() {
        None => c.query(q.bbox, &filter, q.offset, q.limit),
        Some(s) => s.query(&*c, q.bbox, &filter, q.offset, q.limit),
    };

    let b = base(&req);
    let id = c.info().id;
    let page_link = |offset: usize| {
        let mut params: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        params.retain(|(k, _)| k != "offset" && k != "limit");
        params.push(("limit".into(), q.limit.to_string()));
        params.push(("offset".into(), offset.to_string()));
        format!(
            "{b}/collections/{id}/items?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    };
    let mut links = vec![
        link(page_link(q.offset), "self", GEOJSON, "this page"),
        link(
            format!("{b}/collections/{id}"),
            "collection",
            "application/json",
            "the collection",
        ),
    ];
    if q.offset + page.ids.len() < page.matched {
        links.push(link(page_link(q.offset + page.ids.len()), "next", GEOJSON, "next page"));
    }
    if q.offset > 0 {
        links.push(link(
            page_link(q.offset.saturating_sub(q.limit)),
            "prev",
            GEOJSON,
            "previous page",
        ));
    }

    let mut body = Vec::with_capacity(256 + page.ids.len() * 400);
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    for (n, fid) in page.ids.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        c.write_feature(*fid, &mut body);
    }
    body.extend_from_slice(b"],");
    let tail = json!({
        "numberMatched": page.matched,
        "numberReturned": page.ids.len(),
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
    });
    let tail = serde_json::to_vec(&tail).map_err(ApiError::internal)?;
    body.extend_from_slice(&tail[1..]);
    Ok(HttpResponse::Ok().content_type(GEOJSON).body(body))
}

fn parse_id(raw: &str, collection: &str) -> Result<FeatureId, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no feature {raw:?} in {collection}: feature ids are whole numbers"
        ))
    })
}

/// `GET /collections/{collection}/items/{id}`: 404 for a feature outside the caller's scope.
async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: RequestScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection, raw) = path.into_inner();
    let c = layer(&state, &collection)?;
    let id = parse_id(&raw, &collection)?;
    let mut body = Vec::new();
    let seen = match scope.get() {
        None => true,
        Some(s) => {
            let mut admitted = false;
            c.visit_feature(id, &mut |id, geometry, values| {
                admitted = s.admits(&collection, id, geometry, values);
                std::ops::ControlFlow::Break(())
            });
            admitted
        }
    };
    if !seen || !c.write_feature(id, &mut body) {
        return Err(ApiError::not_found(format!("no feature {id} in {collection}")));
    }
    let mut feature: Value = serde_json::from_slice(&body).map_err(ApiError::internal)?;
    let b = base(&req);
    feature["links"] = json!([
        link(
            format!("{b}/collections/{collection}/items/{id}"),
            "self",
            GEOJSON,
            "this feature"
        ),
        link(
            format!("{b}/collections/{collection}"),
            "collection",
            "application/json",
            "the collection"
        ),
    ]);
    Ok(HttpResponse::Ok().content_type(GEOJSON).json(feature))
}

fn known(state: &AppState, collection: &str) -> Result<(), ApiError> {
    layer(state, collection).map(drop)
}

/// The collection and feature id of an item path, both checked.
fn target(state: &AppState, path: web::Path<(String, String)>) -> Result<(String, FeatureId), ApiError> {
    let (collection, raw) = path.into_inner();
    known(state, &collection)?;
    let id = parse_id(&raw, &collection)?;
    Ok((collection, id))
}

/// 204, naming the event that made the change.
fn done(record: &lookout_layers::EventRecord) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("X-Lookout-Event", record.seq.to_string()))
        .finish()
}

fn object(body: Value, what: &str) -> Result<Value, ApiError> {
    if body.is_object() {
        Ok(body)
    } else {
        Err(ApiError::bad_request(format!("{what} must be a JSON object")))
    }
}

/// `POST /collections/{collection}/items`: add a feature; 201 with its location.
async fn create(
    req: HttpRequest,
    actor: Actor,
    scope: RequestScope,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let collection = path.into_inner();
    known(&state, &collection)?;
    let feature = object(body.into_inner(), "the feature")?;
    scope.check_new_feature(
        state.store.catalog(),
        &collection,
        None,
        feature.get("geometry"),
        feature.get("properties"),
    )?;
    let event = Event::FeatureCreated {
        collection: collection.clone(),
        feature,
    };
    let record = submit(&state, actor.into_inner(), event).await?;
    let Event::FeatureCreated { feature, .. } = &record.event else {
        return Err(ApiError::internal("created event changed kind"));
    };
    let id = feature["id"].as_u64().unwrap_or_default();
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{}/collections/{collection}/items/{id}", base(&req)),
        ))
        .insert_header(("X-Lookout-Event", record.seq.to_string()))
        .content_type(GEOJSON)
        .json(feature))
}

/// `PUT /collections/{collection}/items/{id}`: replace a feature whole.
async fn replace(
    actor: Actor,
    scope: RequestScope,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = target(&state, path)?;
    let feature = object(body.into_inner(), "the feature")?;
    let catalog = state.store.catalog();
    scope.check_feature(catalog, &collection, id)?;
    scope.check_new_feature(
        catalog,
        &collection,
        Some(id),
        feature.get("geometry"),
        feature.get("properties"),
    )?;
    let event = Event::FeatureReplaced {
        collection,
        id,
        feature,
    };
    let record = submit(&state, actor.into_inner(), event).await?;
    Ok(done(&record))
}

/// `PATCH /collections/{collection}/items/{id}`: change some properties (JSON merge patch
/// of `properties`) and perhaps the geometry.
async fn update(
    actor: Actor,
    scope: RequestScope,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = target(&state, path)?;
    let catalog = state.store.catalog();
    scope.check_feature(catalog, &collection, id)?;
    scope.check_new_feature(
        catalog,
        &collection,
        Some(id),
        body.get("geometry"),
        body.get("properties"),
    )?;
    let mut body = object(body.into_inner(), "the patch")?;
    let properties = match body.get_mut("properties").map(Value::take) {
        Some(Value::Object(map)) => map,
        None => serde_json::Map::new(),
        Some(_) => return Err(ApiError::bad_request("properties must be a JSON object")),
    };
    let geometry = body.get_mut("geometry").map(Value::take);
    if let Some(other) = body.as_object().and_then(|o| {
        o.keys()
            .find(|k| !matches!(k.as_str(), "properties" | "geometry" | "type" | "id"))
    }) {
        return Err(ApiError::bad_request(format!(
            "unexpected member {other:?}: a patch holds properties and/or geometry"
        )));
    }
    let event = Event::FeatureUpdated {
        collection,
        id,
        properties,
        geometry,
    };
    let record = submit(&state, actor.into_inner(), event).await?;
    Ok(done(&record))
}

/// `DELETE /collections/{collection}/items/{id}`.
async fn delete(
    actor: Actor,
    scope: RequestScope,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = target(&state, path)?;
    scope.check_feature(state.store.catalog(), &collection, id)?;
    let record = submit(&state, actor.into_inner(), Event::FeatureDeleted { collection, id }).await?;
    Ok(done(&record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_capped_and_bad_paging_is_refused() {
        assert_eq!(parse_items_query("limit=1000000000").unwrap().limit, MAX_LIMIT);
        assert_eq!(parse_items_query("").unwrap().limit, DEFAULT_LIMIT);
        for bad in [
            "limit=0",
            "limit=-1",
            "limit=ten",
            "offset=-5",
            "offset=x",
            "limit=1&limit=2",
        ] {
            assert!(parse_items_query(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bbox_must_be_four_finite_degrees_in_order() {
        assert!(parse_items_query("bbox=112,37,113,38").unwrap().bbox.is_some());
        assert!(parse_items_query("bbox=112,37,0,113,38,100").unwrap().bbox.is_some());
        for bad in [
            "bbox=1,2,3",
            "bbox=a,b,c,d",
            "bbox=112,38,113,37",
            "bbox=170,0,-170,1",
            "bbox=0,0,200,1",
            "bbox=NaN,0,1,1",
        ] {
            let err = parse_items_query(bad).unwrap_err().to_string();
            assert!(err.contains("bbox"), "{bad}: {err}");
        }
    }

    #[test]
    fn other_parameters_become_filters() {
        let q = parse_items_query("industry=coal_mine&risk_level=red,orange&limit=5").unwrap();
        assert_eq!(
            q.filters.pairs(),
            vec![("industry", "coal_mine"), ("risk_level", "red,orange")]
        );
    }
}
