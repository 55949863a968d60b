//! `lookout import --layer`: a bureau's own register (GeoJSON, CSV, XLSX,
//! Shapefile, GeoPackage) into a layer, through a mapping file, checked row
//! by row, stored as feature events (docs/data.md).
//!
//! - [`formats`] reads the file into rows of cells and a geometry;
//! - [`mapping`] says which column is which field;
//! - [`crs`] turns the coordinates into WGS 84;
//! - [`validate`] holds the import's own checks, [`report`] what was found.
//!
//! [`plan`] makes, for each good row, the event a write through the HTTP API
//! would make (created, or replaced in place when its external id was
//! imported before), checked by the collection exactly as such a write is.
//! A refused row is reported (row, field, reason) and nothing from it is
//! stored; the good rows are stored ([`store`]) as whole units, each row one
//! event, so replicas, tiles and derived grades follow. `strict` refuses the
//! whole file when any row is refused.

pub mod crs;
pub mod formats;
pub mod mapping;
pub mod report;
pub mod validate;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{Author, Event};
use crate::feature::FeatureId;
use crate::record::{Field, FieldType};
use crate::store::Store;
use crs::{Crs, ToWgs84};
use formats::{SourceRow, Table, number};
use mapping::{Mapping, ValueType, toml_to_json};
use report::{Problem, Report};
use serde_json::{Map, Value as J};
use std::collections::{HashMap, HashSet};

/// The most events stored as one unit (and at most [`UNIT_BYTES`] of them).
/// A file of more rows is stored as consecutive units, all checked before
/// the first is written (a journal record holds at most 64 MiB; 10,000
/// enterprises take about 7 MB). A failure midway keeps the units stored before it, each whole;
/// importing the same file again completes it (rows already stored come out
/// unchanged).
pub const UNIT_EVENTS: usize = 10_000;

/// The most events of one unit on PostGIS, where each unit is one
/// transaction that must commit within the store's timeout (5 s).
pub const UNIT_EVENTS_POSTGIS: usize = 1_000;

/// The most bytes of events stored as one unit (half a journal record's limit).
pub const UNIT_BYTES: usize = 32 << 20;

/// The most rows one file may have.
pub const MAX_ROWS: usize = 2_000_000;

/// The layers that take an import, with the mapping they need.
pub const LAYERS: &[&str] = &[
    "enterprises",
    "hazard_sources",
    "rescue_teams",
    "warehouses",
    "shelters",
    "gas_pipes",
    "gas_valves",
    "gas_stations",
    "disaster_zones",
];

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// The coordinate system; `None`: the mapping's, else the file's own, else WGS 84.
    pub crs: Option<Crs>,
    /// Remove the features imported before whose external id the file no longer has.
    pub delete_missing: bool,
    /// Refuse the whole file when any row is refused.
    pub strict: bool,
}

/// The events an import makes, and its report.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The report (counts, refused rows, missing ids).
    pub report: Report,
    /// The events, one per created, updated or deleted feature.
    pub events: Vec<Event>,
}

/// Checks `table` against the catalog as it is and makes the events that
/// import it into the mapping's layer.
pub fn plan(catalog: &Catalog, mapping: &Mapping, table: &Table, format: &str, options: &Options) -> Result<Plan> {
    let layer_id = layer_of(&mapping.layer)?;
    if table.rows.len() > MAX_ROWS {
        return Err(Error::InvalidRequest(format!(
            "{} rows; one import takes at most {MAX_ROWS}",
            table.rows.len()
        )));
    }
    let crs = match (options.crs, &mapping.crs, table.crs) {
        (Some(c), _, _) => c,
        (None, Some(c), _) => c.parse()?,
        (None, None, Some(c)) => c,
        (None, None, None) => Crs::Wgs84,
    };
    let to_wgs84 = ToWgs84::new(crs)?;
    let layer = catalog
        .read(layer_id)
        .ok_or_else(|| Error::UnknownCollection(layer_id.into()))?;
    let fields = layer.fields();
    let existing: HashMap<String, FeatureId> = layer.external_ids().into_iter().collect();
    let mut next_id = layer.next_id();
    let enterprises = (layer_id == "hazard_sources").then(|| enterprise_index(catalog));
    let mut report = Report {
        layer: layer_id.into(),
        format: format.into(),
        crs: crs.to_string(),
        rows: table.rows.len(),
        ..Default::default()
    };
    let mut events = Vec::new();
    // What the import creates, with where it lies: numbered along the map
    // once every row is read (`crate::layout`).
    let mut created: Vec<(Option<geo::Coord<f64>>, Event)> = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_codes: HashMap<String, usize> = HashMap::new();
    let mut present: HashSet<String> = HashSet::new();
    for row in &table.rows {
        let mut problems = Vec::new();
        let external = row.cells.get(&mapping.external_id).map(cell_text);
        match &external {
            None => problems.push(problem(
                row,
                &mapping.external_id,
                "no external id: the column is empty".into(),
            )),
            Some(e) => {
                present.insert(e.clone());
                if let Some(first) = seen_ids.insert(e.clone(), row.row) {
                    problems.push(problem(
                        row,
                        &mapping.external_id,
                        format!("duplicate external id {e:?} (first in row {first})"),
                    ));
                }
            }
        }
        let mut properties = properties_of(row, mapping, fields, &mut problems);
        let geometry = match (&row.geometry, &row.geometry_error) {
            (_, Some(e)) => {
                problems.push(problem(row, "geometry", e.clone()));
                None
            }
            (None, None) => {
                problems.push(problem(row, "geometry", "no geometry (coordinates missing)".into()));
                None
            }
            (Some(g), None) => match to_wgs84.geometry(g) {
                Ok(g) => Some(g),
                Err(e) => {
                    problems.push(problem(row, "geometry", e.to_string()));
                    None
                }
            },
        };
        if let Some(g) = &geometry {
            derive(catalog, layer_id, fields, g, &mut properties, row, &mut problems);
        }
        if let Some(index) = &enterprises {
            link_enterprise(index, &mut properties, row, &mut problems);
            validate::substances(&properties, row.row, &mut problems);
        }
        if let Some(code) = properties.get("credit_code").and_then(J::as_str).map(str::to_owned) {
            if let Some(reason) = validate::credit_code(&code) {
                problems.push(problem(row, "credit_code", reason));
            } else if let Some(first) = seen_codes.insert(code.clone(), row.row) {
                problems.push(problem(
                    row,
                    "credit_code",
                    format!("duplicate credit code {code} (first in row {first})"),
                ));
            }
        }
        let (Some(external), Some(geometry), true) = (external, geometry, problems.is_empty()) else {
            refuse(&mut report, problems);
            continue;
        };
        properties.insert("external_id".into(), J::String(external.clone()));
        let centre = geo::BoundingRect::bounding_rect(&geometry).map(|r| r.center());
        let geometry_json = serde_json::to_value(crate::feature::GeoJsonGeometry(&geometry))
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let (event, old) = match existing.get(&external) {
            Some(&id) => {
                let mut current = Vec::new();
                layer.write_feature(id, &mut current);
                let current: J = serde_json::from_slice(&current).unwrap_or(J::Null);
                if layer_id == "rescue_teams"
                    && let Some(status) = current.pointer("/properties/status")
                {
                    // A team's status changes through dispatch only.
                    properties.insert("status".into(), status.clone());
                }
                let feature = feature_json(id, geometry_json, properties);
                (
                    Event::FeatureReplaced {
                        collection: layer_id.into(),
                        id,
                        feature,
                    },
                    Some(current),
                )
            }
            None => {
                let id = next_id;
                let feature = feature_json(id, geometry_json, properties);
                (
                    Event::FeatureCreated {
                        collection: layer_id.into(),
                        feature,
                    },
                    None,
                )
            }
        };
        let checked = layer.prepare(&event).and_then(|p| layer.check_new(&p).map(|()| p));
        match checked {
            Err(e) => refuse(&mut report, vec![problem(row, &field_of(&e), reason_of(&e))]),
            Ok(prepared) => match old {
                Some(old) if same_feature(&old, &prepared.event) => report.unchanged += 1,
                Some(_) => {
                    report.updated += 1;
                    events.push(prepared.event);
                }
                None => {
                    report.created += 1;
                    next_id += 1;
                    created.push((centre, prepared.event));
                }
            },
        }
    }
    crate::layout::sort_along_curve(&mut created, |(centre, _)| *centre);
    let first_new = layer.next_id();
    for (i, (_, mut event)) in created.into_iter().enumerate() {
        if let Event::FeatureCreated { feature, .. } = &mut event {
            feature["id"] = J::from(first_new + i as FeatureId);
        }
        events.push(event);
    }
    let mut missing: Vec<(String, FeatureId)> = existing.into_iter().filter(|(e, _)| !present.contains(e)).collect();
    missing.sort();
    report.missing = missing.iter().map(|(e, _)| e.clone()).collect();
    if options.delete_missing {
        for (_, id) in missing {
            events.push(Event::FeatureDeleted {
                collection: layer_id.into(),
                id,
            });
            report.deleted += 1;
        }
    }
    if options.strict && report.refused_rows > 0 {
        events.clear();
    }
    Ok(Plan { report, events })
}

/// Stores a plan's events through the store's write path, in units of at
/// most [`UNIT_EVENTS`]; returns the report with what was stored.
pub fn store(store: &Store, actor: impl Into<Author>, plan: Plan) -> Result<Report> {
    let actor = actor.into();
    let mut report = plan.report;
    let max_events = if store.postgis().is_some() {
        UNIT_EVENTS_POSTGIS
    } else {
        UNIT_EVENTS
    };
    let mut unit: Vec<Event> = Vec::new();
    let mut bytes = 0;
    let flush = |unit: &mut Vec<Event>, report: &mut Report| -> Result<()> {
        let stored = store.submit_unit(&actor, std::mem::take(unit), None)?;
        report.events += stored.len();
        report.stored = true;
        Ok(())
    };
    for event in plan.events {
        let size = serde_json::to_vec(&event).map_or(0, |v| v.len());
        if !unit.is_empty() && (unit.len() == max_events || bytes + size > UNIT_BYTES) {
            flush(&mut unit, &mut report)?;
            bytes = 0;
        }
        bytes += size;
        unit.push(event);
    }
    if !unit.is_empty() {
        flush(&mut unit, &mut report)?;
    }
    Ok(report)
}

/// The collection a mapping names, if it takes an import.
pub fn layer_of(layer: &str) -> Result<&'static str> {
    if layer == "roads" {
        return Err(Error::InvalidRequest(
            "roads are imported from OpenStreetMap (`lookout import --layer roads --from region.osm.pbf`), not through a mapping; that importer is not in this build yet".into(),
        ));
    }
    LAYERS.iter().copied().find(|l| *l == layer).ok_or_else(|| {
        Error::InvalidRequest(format!(
            "layer {layer:?} does not take an import; these do: {}",
            LAYERS.join(", ")
        ))
    })
}

fn problem(row: &SourceRow, field: &str, reason: String) -> Problem {
    Problem {
        row: row.row,
        field: field.into(),
        reason,
    }
}

fn refuse(report: &mut Report, problems: Vec<Problem>) {
    report.refused_rows += 1;
    report.problems.extend(problems);
}

fn feature_json(id: FeatureId, geometry: J, properties: Map<String, J>) -> J {
    serde_json::json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

/// Whether the event would leave the stored feature as it is.
fn same_feature(old: &J, event: &Event) -> bool {
    let Event::FeatureReplaced { feature, .. } = event else {
        return false;
    };
    old.get("properties") == feature.get("properties") && old.get("geometry") == feature.get("geometry")
}

/// A cell as text (numbers without a trailing `.0`).
fn cell_text(v: &J) -> String {
    match v {
        J::String(s) => s.trim().to_owned(),
        J::Number(n) => n
            .as_i64()
            .map(|i| i.to_string())
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| (f as i64).to_string())
            })
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

/// The fields' values of a row, by the mapping, as JSON properties (nested
/// by dotted paths); defaults where a cell is empty.
fn properties_of(row: &SourceRow, mapping: &Mapping, fields: &[Field], problems: &mut Vec<Problem>) -> Map<String, J> {
    let mut out = Map::new();
    for (target, source) in &mapping.fields {
        let Some(cell) = row.cells.get(source.column()) else {
            continue;
        };
        let mapped = source
            .values()
            .and_then(|values| values.get(&cell_text(cell)))
            .map(toml_to_json)
            // A value mapped to "" is no value (无 → no standardisation grade).
            .map(|v| if v.as_str() == Some("") { J::Null } else { v });
        let value = match mapped {
            Some(v) => Ok(v),
            None => convert(cell, type_of(target, fields, source.ty()), target),
        };
        match value {
            Ok(v) => set_path(&mut out, target, v),
            Err(reason) => problems.push(problem(row, source.column(), format!("{target}: {reason}"))),
        }
    }
    for (target, value) in builtin_defaults(&mapping.layer)
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .chain(mapping.defaults.iter().map(|(k, v)| (k.clone(), toml_to_json(v))))
    {
        if get_path(&out, &target).is_none() {
            set_path(&mut out, &target, value);
        }
    }
    // A substance line left empty in the register (no substance, no quantity) is no line.
    if let Some(J::Array(list)) = out.get_mut("substances") {
        list.retain(|s| s.as_object().is_some_and(|o| !o.is_empty()));
    }
    out
}

/// What a layer's rows get when the register says nothing.
fn builtin_defaults(layer: &str) -> Vec<(&'static str, J)> {
    match layer {
        "enterprises" => vec![("standardisation_grade", J::Null), ("last_inspection", J::Null)],
        "hazard_sources" => vec![("monitoring", J::Array(vec![])), ("last_inspection", J::Null)],
        "rescue_teams" => vec![
            ("status", J::String("available".into())),
            ("capabilities", J::Array(vec![])),
        ],
        "warehouses" => vec![("stock", J::Array(vec![]))],
        "shelters" => vec![("occupancy", J::from(0))],
        "disaster_zones" => vec![("subtype", J::Null), ("intensity", J::Null)],
        _ => vec![],
    }
}

/// Types of fields that are not filterable (so not in the layer's fields).
const NESTED_TYPES: &[(&str, ValueType)] = &[
    ("substances.*.quantity_t", ValueType::Real),
    ("stock.*.count", ValueType::Integer),
    ("length_m", ValueType::Real),
    ("from_node", ValueType::Integer),
    ("to_node", ValueType::Integer),
    ("node", ValueType::Integer),
    ("capacity_m3_h", ValueType::Integer),
    ("capacity", ValueType::Integer),
    ("occupancy", ValueType::Integer),
    ("people_within_500m", ValueType::Integer),
    ("diameter_mm", ValueType::Integer),
    ("install_year", ValueType::Integer),
    ("operable", ValueType::Boolean),
    ("personnel", ValueType::Integer),
    ("vehicles", ValueType::Integer),
    ("employees", ValueType::Integer),
    ("capabilities", ValueType::List),
    ("intensity", ValueType::Integer),
    ("standardisation_grade", ValueType::Integer),
];

fn type_of(target: &str, fields: &[Field], given: Option<ValueType>) -> (ValueType, Option<&'static [&'static str]>) {
    let field = fields.iter().find(|f| f.name == target);
    let codes = match field.map(|f| f.ty) {
        Some(FieldType::Enum(codes)) => Some(codes),
        _ => None,
    };
    if let Some(ty) = given {
        return (ty, codes);
    }
    let generic: String = target
        .split('.')
        .map(|s| if s.parse::<usize>().is_ok() { "*" } else { s })
        .collect::<Vec<_>>()
        .join(".");
    if let Some((_, ty)) = NESTED_TYPES.iter().find(|(name, _)| *name == generic) {
        return (*ty, codes);
    }
    let ty = match field.map(|f| f.ty) {
        Some(FieldType::Integer) => ValueType::Integer,
        Some(FieldType::Real) => ValueType::Real,
        Some(FieldType::Boolean) => ValueType::Boolean,
        Some(FieldType::Date) => ValueType::Date,
        Some(FieldType::List) => ValueType::List,
        _ => ValueType::Text,
    };
    (ty, codes)
}

/// A cell as the field's JSON value; an enumeration's Chinese label is read as its code.
fn convert(
    cell: &J,
    (ty, codes): (ValueType, Option<&'static [&'static str]>),
    target: &str,
) -> std::result::Result<J, String> {
    match ty {
        ValueType::Text => {
            let text = cell_text(cell);
            let is_substance = target.starts_with("substances.") && target.ends_with(".substance");
            if codes.is_some() || is_substance {
                let code = code_of_label(&text).map_or(text.clone(), str::to_owned);
                let known: Vec<&str> = match codes {
                    Some(c) => c.to_vec(),
                    None => crate::model::Substance::CODES.to_vec(),
                };
                if !known.contains(&code.as_str()) {
                    return Err(format!("{text:?} is not one of {}", known.join(", ")));
                }
                return Ok(J::String(code));
            }
            Ok(J::String(text))
        }
        ValueType::Integer => match number(cell) {
            Some(f) if f.fract() == 0.0 => Ok(J::from(f as i64)),
            _ => Err(format!("{} is not a whole number", cell)),
        },
        ValueType::Real => number(cell)
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .ok_or_else(|| format!("{cell} is not a number")),
        ValueType::Boolean => match cell_text(cell).to_lowercase().as_str() {
            "true" | "1" | "yes" | "y" | "是" | "有" | "可操作" => Ok(J::Bool(true)),
            "false" | "0" | "no" | "n" | "否" | "无" | "不可操作" => Ok(J::Bool(false)),
            _ => Err(format!("{cell} is not yes/no (是/否)")),
        },
        ValueType::Date => {
            let text = cell_text(cell).replace(['/', '.'], "-");
            chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(|d| J::String(d.format("%Y-%m-%d").to_string()))
                .map_err(|_| format!("{cell} is not a date (YYYY-MM-DD)"))
        }
        ValueType::List => Ok(match cell {
            J::Array(a) => J::Array(a.clone()),
            other => J::Array(
                cell_text(other)
                    .split([',', ';', '、', '，', '；'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| J::String(s.into()))
                    .collect(),
            ),
        }),
    }
}

/// The code of an enumeration's Chinese label (重大风险 → red, 氯 → chlorine).
fn code_of_label(label: &str) -> Option<&'static str> {
    use crate::model::*;
    macro_rules! find {
        ($($t:ty),+) => {
            $(if let Some(v) = <$t>::ALL.iter().find(|v| v.label_zh() == label) {
                return Some(v.code());
            })+
        };
    }
    find!(
        Industry,
        RiskLevel,
        RescueKind,
        TeamStatus,
        PressureClass,
        StationKind,
        DisasterKind,
        Severity,
        Substance
    );
    None
}

fn set_path(root: &mut Map<String, J>, path: &str, value: J) {
    let parts: Vec<&str> = path.split('.').collect();
    let mut slot: &mut J = root.entry(parts[0]).or_insert(J::Null);
    for part in &parts[1..] {
        slot = match part.parse::<usize>() {
            Ok(i) => {
                if !slot.is_array() {
                    *slot = J::Array(vec![]);
                }
                let list = slot.as_array_mut().expect("just made an array");
                while list.len() <= i {
                    list.push(J::Object(Map::new()));
                }
                &mut list[i]
            }
            Err(_) => {
                if !slot.is_object() {
                    *slot = J::Object(Map::new());
                }
                slot.as_object_mut()
                    .expect("just made an object")
                    .entry(*part)
                    .or_insert(J::Null)
            }
        };
    }
    *slot = value;
}

fn get_path<'a>(root: &'a Map<String, J>, path: &str) -> Option<&'a J> {
    let mut parts = path.split('.');
    let mut at = root.get(parts.next()?)?;
    for part in parts {
        at = match part.parse::<usize>() {
            Ok(i) => at.get(i)?,
            Err(_) => at.get(part)?,
        };
    }
    Some(at)
}

/// The fields that follow from the location: the county (for layers that
/// carry one; every layer's location must lie in the region), a pipe's
/// length and nodes, a valve's or station's node.
fn derive(
    catalog: &Catalog,
    layer: &str,
    fields: &[Field],
    geometry: &geo::Geometry<f64>,
    properties: &mut Map<String, J>,
    row: &SourceRow,
    problems: &mut Vec<Problem>,
) {
    if fields.iter().any(|f| f.name == "county_id") {
        match validate::county_of(catalog, geometry) {
            Ok((id, county, city)) => {
                properties.insert("county_id".into(), J::from(id));
                properties.insert("county".into(), J::String(county));
                properties.insert("city".into(), J::String(city));
            }
            Err(reason) => problems.push(problem(row, "geometry", reason)),
        }
    } else if let Some(reason) = validate::outside_position(catalog, geometry) {
        problems.push(problem(row, "geometry", reason));
    }
    match (layer, geometry) {
        ("gas_pipes", geo::Geometry::LineString(line)) => {
            let length: f64 = line.lines().map(|l| validate::metres_between(l.start, l.end)).sum();
            properties.insert("length_m".into(), J::from((length * 10.0).round() / 10.0));
            if let (Some(a), Some(b)) = (line.0.first(), line.0.last()) {
                properties.entry("from_node").or_insert_with(|| J::from(node_at(*a)));
                properties.entry("to_node").or_insert_with(|| J::from(node_at(*b)));
            }
        }
        ("gas_valves" | "gas_stations", geo::Geometry::Point(p)) => {
            properties.entry("node").or_insert_with(|| J::from(node_at(p.0)));
        }
        _ => {}
    }
}

/// A network node for a position, when the register gives none: positions
/// within about 0.1 m (1e-6°) are one node, so pipes meet where their ends
/// coincide and a valve on a pipe's end sits on its node. Ids are 2⁴⁰ and
/// up, clear of the generator's.
pub fn node_at(c: geo::Coord<f64>) -> u64 {
    let x = (c.x * 1e6).round() as i64 as u64;
    let y = (c.y * 1e6).round() as i64 as u64;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in x.to_le_bytes().into_iter().chain(y.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (1 << 40) | (h & ((1 << 40) - 1))
}

/// Enterprises by external id and by credit code.
fn enterprise_index(catalog: &Catalog) -> HashMap<String, (FeatureId, String)> {
    let layer = catalog.enterprises.read();
    let mut index = HashMap::with_capacity(layer.len() * 2);
    for f in layer.features() {
        let value = (f.id, f.properties.name.to_string());
        index.insert(f.properties.credit_code.to_string(), value.clone());
        if let Some(e) = &f.properties.external_id {
            index.insert(e.to_string(), value);
        }
    }
    index
}

/// A hazard source names its enterprise (mapped as `enterprise`: the
/// enterprise's external id or credit code); it is stored as its id and name.
fn link_enterprise(
    index: &HashMap<String, (FeatureId, String)>,
    properties: &mut Map<String, J>,
    row: &SourceRow,
    problems: &mut Vec<Problem>,
) {
    let Some(key) = properties.remove("enterprise").map(|v| cell_text(&v)) else {
        problems.push(problem(
            row,
            "enterprise",
            "no enterprise: map the column holding its external id or credit code to `enterprise`".into(),
        ));
        return;
    };
    match index.get(&key) {
        Some((id, name)) => {
            properties.insert("enterprise_id".into(), J::from(*id));
            properties.insert("enterprise_name".into(), J::String(name.clone()));
        }
        None => problems.push(problem(
            row,
            "enterprise",
            format!("no enterprise with external id or credit code {key:?}: import the enterprises first"),
        )),
    }
}

fn field_of(e: &Error) -> String {
    let text = e.to_string();
    if matches!(e, Error::InvalidGeometry { .. }) {
        return "geometry".into();
    }
    text.split('`').nth(1).map_or_else(|| "-".into(), str::to_owned)
}

fn reason_of(e: &Error) -> String {
    match e {
        Error::InvalidFeature { reason, .. } | Error::InvalidGeometry { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
