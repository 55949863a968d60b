//! Vector tiles from the in-memory catalog: which layers show at which zoom,
//! which are clustered, and the rendering itself. The `tiles` crate knows no
//! domain; the rules that make a command map readable live here.

use crate::error::ApiError;
use lookout_layers::{Catalog, Collection, Filter, Value};
use lookout_tiles::{
    Clusterer, LayerBuilder, PropertyValue, TileBuilder, TileCoord, TileGeometry, TileSpec,
};

/// Most bytes one tile may take; layers stop taking features beyond it.
pub const TILE_BUDGET_BYTES: usize = 500 * 1024;
/// Most layers in one composite request.
pub const MAX_LAYERS_PER_TILE: usize = 12;

/// How one layer is drawn in tiles.
#[derive(Debug, Clone, Copy)]
pub struct TileRule {
    /// Collection id.
    pub layer: &'static str,
    /// Lowest zoom at which it is in tiles.
    pub min_zoom: u8,
    /// Highest zoom at which it is in tiles.
    pub max_zoom: u8,
    /// Points are clustered below this zoom (0: never).
    pub cluster_below: u8,
    /// Field whose codes rank severity inside a cluster (most severe first).
    pub severity: Option<(&'static str, &'static [&'static str])>,
}

const RISK: &[&str] = &["red", "orange", "yellow", "blue"];

/// The rules, one per collection.
pub const RULES: &[TileRule] = &[
    TileRule {
        layer: "counties",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "population",
        min_zoom: 8,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "disaster_zones",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "roads",
        min_zoom: 4,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "gas_pipes",
        min_zoom: 9,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "gas_valves",
        min_zoom: 12,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "gas_stations",
        min_zoom: 8,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "enterprises",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 12,
        severity: Some(("risk_level", RISK)),
    },
    TileRule {
        layer: "hazard_sources",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 0,
        severity: None,
    },
    TileRule {
        layer: "rescue_teams",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 8,
        severity: None,
    },
    TileRule {
        layer: "warehouses",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 8,
        severity: None,
    },
    TileRule {
        layer: "shelters",
        min_zoom: 0,
        max_zoom: 22,
        cluster_below: 9,
        severity: None,
    },
];

/// The rule of a collection.
pub fn rule(layer: &str) -> Option<&'static TileRule> {
    RULES.iter().find(|r| r.layer == layer)
}

/// A parsed tile request: which layers, with which filters.
#[derive(Debug)]
pub struct TileRequest {
    /// Layers in drawing order, each with its filter.
    pub layers: Vec<(&'static TileRule, Filter)>,
    /// A normalised form of the request, for the cache key.
    pub source: String,
}

/// Parses `layer1,layer2` and the query: `field=v1,v2` applies to every
/// requested layer that has the field; `layer.field=...` to that layer only.
pub fn parse_request(
    catalog: &Catalog,
    layers: &str,
    query: &str,
) -> Result<TileRequest, ApiError> {
    let ids: Vec<&str> = layers.split(',').collect();
    if ids.len() > MAX_LAYERS_PER_TILE {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_LAYERS_PER_TILE} layers per tile"
        )));
    }
    let mut rules = Vec::new();
    for id in &ids {
        let r = rule(id)
            .filter(|_| catalog.read(id).is_some())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "no tile layer {id:?}; layers are {}",
                    RULES.iter().map(|r| r.layer).collect::<Vec<_>>().join(", ")
                ))
            })?;
        if rules
            .iter()
            .any(|(x, _): &(&TileRule, Vec<(String, String)>)| x.layer == r.layer)
        {
            return Err(ApiError::bad_request(format!(
                "layer {id:?} is named twice"
            )));
        }
        rules.push((r, Vec::new()));
    }
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
    pairs.sort();
    for (key, value) in &pairs {
        let (target, field) = match key.split_once('.') {
            Some((layer, field)) => (Some(layer), field),
            None => (None, key.as_str()),
        };
        let mut used = false;
        for (r, filters) in &mut rules {
            if target.is_some_and(|t| t != r.layer) {
                continue;
            }
            let has = catalog
                .read(r.layer)
                .is_some_and(|c| c.fields().iter().any(|f| f.name == field));
            if has {
                filters.push((field.to_owned(), value.clone()));
                used = true;
            }
        }
        if !used {
            return Err(ApiError::bad_request(format!(
                "no requested layer has a property {field:?} to filter on"
            )));
        }
    }
    let mut out = Vec::new();
    for (r, filters) in rules {
        let c = catalog
            .read(r.layer)
            .ok_or_else(|| ApiError::not_found(r.layer))?;
        let refs: Vec<(&str, &str)> = filters
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        out.push((r, c.parse_filter(&refs)?));
    }
    let source = format!(
        "{}?{}",
        ids.join(","),
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    );
    Ok(TileRequest {
        layers: out,
        source,
    })
}

fn property(value: Value<'_>) -> Option<PropertyValue> {
    Some(match value {
        Value::Null => return None,
        Value::Text(t) => PropertyValue::String(t.to_owned()),
        Value::Integer(i) => PropertyValue::Int(i),
        Value::Real(r) => PropertyValue::Double(r),
        Value::Boolean(b) => PropertyValue::Bool(b),
        Value::Date(d) => PropertyValue::String(d.to_string()),
        Value::List(items) => PropertyValue::String(items.join(",")),
    })
}

/// What rendering produced.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The MVT bytes (empty if no layer has a feature here).
    pub mvt: Vec<u8>,
    /// Layers cut short by the size budget.
    pub truncated: Vec<&'static str>,
}

/// Renders one tile of the requested layers from memory.
pub fn render(catalog: &Catalog, request: &TileRequest, tile: TileCoord) -> Rendered {
    let spec = TileSpec::new(tile);
    let (w, s, e, n) = spec.query_bounds();
    let rect = geo::Rect::new(geo::Coord { x: w, y: s }, geo::Coord { x: e, y: n });
    let mut builder = TileBuilder::new();
    let mut truncated = Vec::new();
    let mut used = 0usize;
    for (rule, filter) in &request.layers {
        if tile.z < rule.min_zoom || tile.z > rule.max_zoom {
            continue;
        }
        let Some(collection) = catalog.read(rule.layer) else {
            continue;
        };
        let mut layer = LayerBuilder::new(rule.layer, spec.extent);
        let over = if tile.z < rule.cluster_below
            && collection.info().geometry == lookout_layers::GeometryKind::Point
        {
            cluster_layer(
                &*collection,
                rule,
                filter,
                &spec,
                rect,
                &mut layer,
                TILE_BUDGET_BYTES - used,
            )
        } else {
            feature_layer(
                &*collection,
                filter,
                &spec,
                rect,
                &mut layer,
                TILE_BUDGET_BYTES - used,
            )
        };
        if over {
            truncated.push(rule.layer);
        }
        used += layer.encoded_len();
        builder.push(layer);
    }
    Rendered {
        mvt: if builder.is_empty() {
            Vec::new()
        } else {
            builder.encode()
        },
        truncated,
    }
}

/// Adds every feature; true if the budget cut it short.
fn feature_layer(
    c: &dyn Collection,
    filter: &Filter,
    spec: &TileSpec,
    rect: geo::Rect<f64>,
    layer: &mut LayerBuilder,
    budget: usize,
) -> bool {
    let mut over = false;
    c.visit_in_rect(rect, filter, &mut |id, geometry, values| {
        if over {
            return;
        }
        if layer.encoded_len() > budget {
            over = true;
            return;
        }
        if let Some(g) = spec.encode(geometry) {
            layer.add_feature(
                Some(id),
                &g,
                values
                    .iter()
                    .filter_map(|(k, v)| property(*v).map(|p| (*k, p))),
            );
        }
    });
    over
}

/// Adds one point per grid cell, with `count` and the worst severity inside.
fn cluster_layer(
    c: &dyn Collection,
    rule: &TileRule,
    filter: &Filter,
    spec: &TileSpec,
    rect: geo::Rect<f64>,
    layer: &mut LayerBuilder,
    budget: usize,
) -> bool {
    let mut clusters = Clusterer::new(256);
    c.visit_in_rect(rect, filter, &mut |id, geometry, values| {
        let Some(TileGeometry::Points(points)) = spec.encode(geometry) else {
            return;
        };
        let rank = rule.severity.and_then(|(field, order)| {
            values
                .iter()
                .find(|(k, _)| *k == field)
                .and_then(|(_, v)| match v {
                    Value::Text(code) => order.iter().position(|o| o == code).map(|p| p as u8),
                    _ => None,
                })
        });
        for p in points {
            clusters.add(id, p, rank);
        }
    });
    let mut over = false;
    for cluster in clusters.finish() {
        if layer.encoded_len() > budget {
            over = true;
            break;
        }
        let mut props = vec![
            ("cluster", PropertyValue::Bool(true)),
            ("count", PropertyValue::Int(i64::from(cluster.count))),
        ];
        if let (Some((field, order)), Some(rank)) = (rule.severity, cluster.worst_rank) {
            props.push((
                field,
                PropertyValue::String(order[rank as usize].to_owned()),
            ));
        }
        layer.add_feature(
            Some(cluster.first_id),
            &TileGeometry::Points(vec![cluster.at]),
            props,
        );
    }
    over
}
