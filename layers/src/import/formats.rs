//! Reading a register: GeoJSON, CSV (lon/lat columns or WKT), XLSX
//! (`calamine`), Shapefile and GeoPackage (GDAL). Each becomes rows of named
//! cells and a geometry, numbered as the user finds them (a sheet's row,
//! a file's feature).

use super::crs::Crs;
use super::mapping::Mapping;
use crate::error::{Error, Result};
use geo::Geometry;
use serde_json::Value as J;
use std::collections::HashMap;
use std::path::Path;

/// The formats `lookout import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON FeatureCollection (`.geojson`, `.json`).
    GeoJson,
    /// CSV with a header row, UTF-8 (a BOM is skipped) (`.csv`).
    Csv,
    /// Excel workbook (`.xlsx`, `.xls`).
    Xlsx,
    /// ESRI Shapefile (`.shp`, with its `.dbf`, `.shx`, `.prj`).
    Shapefile,
    /// GeoPackage (`.gpkg`), its first layer.
    GeoPackage,
}

impl Format {
    /// The format a file's extension names.
    pub fn of(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "geojson" | "json" => Ok(Self::GeoJson),
            "csv" => Ok(Self::Csv),
            "xlsx" | "xls" => Ok(Self::Xlsx),
            "shp" | "zip" => Ok(Self::Shapefile),
            "gpkg" => Ok(Self::GeoPackage),
            _ => Err(Error::InvalidRequest(format!(
                "{}: unknown format; import reads .geojson, .csv, .xlsx, .shp (or a .zip of one) and .gpkg",
                path.display()
            ))),
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::GeoJson => "GeoJSON",
            Self::Csv => "CSV",
            Self::Xlsx => "XLSX",
            Self::Shapefile => "Shapefile",
            Self::GeoPackage => "GeoPackage",
        }
    }
}

/// One row of the source.
#[derive(Debug, Clone, Default)]
pub struct SourceRow {
    /// Its number as the user finds it: the sheet's row (the header is 1),
    /// or the feature's position in the file (from 1).
    pub row: usize,
    /// Cells by column name; empty cells are left out.
    pub cells: HashMap<String, J>,
    /// The geometry in the file's coordinates, if it has one.
    pub geometry: Option<Geometry<f64>>,
    /// Why the geometry could not be read, if it could not.
    pub geometry_error: Option<String>,
}

/// A source read whole.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The rows.
    pub rows: Vec<SourceRow>,
    /// The coordinate system the file declares (a Shapefile's `.prj`, a
    /// GeoPackage layer's SRS), if it names an EPSG code.
    pub crs: Option<Crs>,
}

/// Reads `path` in `format`, with the geometry columns `mapping` names.
pub fn read(path: &Path, format: Format, mapping: &Mapping) -> Result<Table> {
    let bad = |reason: String| Error::BadData {
        path: path.into(),
        reason,
    };
    let mut table = match format {
        Format::GeoJson => {
            let text = std::fs::read_to_string(path).map_err(Error::io("reading", path))?;
            read_geojson(&text).map_err(bad)?
        }
        Format::Csv => {
            let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
            read_csv(&bytes).map_err(bad)?
        }
        Format::Xlsx => read_xlsx(path, mapping.sheet.as_deref()).map_err(bad)?,
        Format::Shapefile if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) => {
            let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
            read_shapefile_zip(&bytes).map_err(bad)?
        }
        Format::Shapefile | Format::GeoPackage => read_gdal(path).map_err(bad)?,
    };
    geometry_from_columns(&mut table, mapping);
    Ok(table)
}

/// Reads a register sent as bytes (`POST /import/{layer}`). A Shapefile is
/// several files: it comes as a zip holding them ([`read_shapefile_zip`]).
pub fn read_bytes(bytes: &[u8], format: Format, mapping: &Mapping) -> Result<Table> {
    let bad = |reason: String| Error::InvalidRequest(format!("{}: {reason}", format.name()));
    let mut table = match format {
        Format::GeoJson => read_geojson(std::str::from_utf8(bytes).map_err(|e| bad(e.to_string()))?).map_err(bad)?,
        Format::Csv => read_csv(bytes).map_err(bad)?,
        Format::Xlsx => {
            let book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| bad(format!("not a readable workbook: {e}")))?;
            read_sheets(book, mapping.sheet.as_deref()).map_err(bad)?
        }
        Format::GeoPackage => {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = format!("/vsimem/lookout-import-{}-{n}.gpkg", std::process::id());
            let mut data = bytes.to_vec();
            let file = gdal::vsi::create_mem_file_from_ref(&name, &mut data).map_err(|e| bad(e.to_string()))?;
            let table = read_gdal(Path::new(&name)).map_err(bad);
            drop(file);
            table?
        }
        Format::Shapefile if bytes.starts_with(b"PK") => read_shapefile_zip(bytes).map_err(bad)?,
        Format::Shapefile => {
            return Err(bad(
                "a Shapefile is several files: send them in one .zip (its .shp, .shx, .dbf and .prj)".into(),
            ));
        }
    };
    geometry_from_columns(&mut table, mapping);
    Ok(table)
}

/// Most a zipped Shapefile may unpack to (its `.shp`, `.shx`, `.dbf`,
/// `.prj`, `.cpg`), 512 MiB: a zip that claims or unpacks to more is
/// refused (a 64 MiB upload of points unpacks to about 5 times its size;
/// a zip bomb, to far more).
pub const MAX_ZIP_UNPACKED_BYTES: u64 = 512 << 20;

/// Reads a Shapefile sent as a zip: every name in the zip is checked first
/// (a name reaching outside the archive, `..`, an absolute path or a
/// backslash, refuses the whole zip), then its one `.shp` is read with the
/// `.shx`, `.dbf` (both required), `.prj` and `.cpg` of the same name, in
/// GDAL's memory file system (nothing is written to disk).
pub fn read_shapefile_zip(bytes: &[u8]) -> std::result::Result<Table, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a readable zip: {e}"))?;
    let mut names = Vec::with_capacity(zip.len());
    let mut claimed = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| format!("not a readable zip: {e}"))?;
        let name = entry
            .name()
            .map_err(|e| format!("not a readable zip: {e}"))?
            .into_owned();
        let unsafe_name = entry.enclosed_name().is_none()
            || name.starts_with('/')
            || name.contains('\\')
            || name.split('/').any(|part| part == "..");
        if unsafe_name {
            return Err(format!(
                "the zip holds {name:?}, a name reaching outside the archive: refused (a zipped Shapefile holds plain file names)"
            ));
        }
        claimed = claimed.saturating_add(entry.size());
        if !entry.is_dir() {
            names.push(name);
        }
    }
    if claimed > MAX_ZIP_UNPACKED_BYTES {
        return Err(format!(
            "the zip unpacks to {} MiB, more than the {} MiB a zipped Shapefile may",
            claimed >> 20,
            MAX_ZIP_UNPACKED_BYTES >> 20
        ));
    }
    let lower = |n: &str| n.to_ascii_lowercase();
    let shp: Vec<&String> = names.iter().filter(|n| lower(n).ends_with(".shp")).collect();
    let shp = match shp.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err("the zip holds no .shp file: a zipped Shapefile holds its .shp, .shx, .dbf and .prj".into());
        }
        many => {
            return Err(format!(
                "the zip holds {} .shp files ({}): send one layer per import",
                many.len(),
                many.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    let stem = shp[..shp.len() - 4].to_owned();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = format!("/vsimem/lookout-import-{}-{n}", std::process::id());
    let mut made = Vec::new();
    let result = (|| {
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let Some(name) = names.iter().find(|n| lower(n) == lower(&format!("{stem}.{ext}"))) else {
                if matches!(ext, "shx" | "dbf") {
                    return Err(format!(
                        "the zip holds {shp} but no {stem}.{ext}: a Shapefile needs its .shp, .shx and .dbf"
                    ));
                }
                continue;
            };
            let mut entry = zip.by_name(name).map_err(|e| format!("{name}: {e}"))?;
            let mut data = Vec::new();
            (&mut entry)
                .take(MAX_ZIP_UNPACKED_BYTES + 1)
                .read_to_end(&mut data)
                .map_err(|e| format!("{name}: {e}"))?;
            if data.len() as u64 > MAX_ZIP_UNPACKED_BYTES {
                return Err(format!(
                    "{name} unpacks to more than {} MiB",
                    MAX_ZIP_UNPACKED_BYTES >> 20
                ));
            }
            let path = format!("{dir}/layer.{ext}");
            gdal::vsi::create_mem_file(&path, data).map_err(|e| e.to_string())?;
            made.push(path);
        }
        read_gdal(Path::new(&format!("{dir}/layer.shp")))
    })();
    for path in made {
        let _ = gdal::vsi::unlink_mem_file(&path);
    }
    result
}

/// Reads a GeoJSON FeatureCollection.
pub fn read_geojson(text: &str) -> std::result::Result<Table, String> {
    let collection: geojson::FeatureCollection = text
        .parse()
        .map_err(|e| format!("not a GeoJSON FeatureCollection: {e}"))?;
    let rows = collection
        .features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut row = SourceRow {
                row: i + 1,
                ..Default::default()
            };
            for (k, v) in f.properties.unwrap_or_default() {
                if !is_empty(&v) {
                    row.cells.insert(k, v);
                }
            }
            match f.geometry.map(Geometry::<f64>::try_from) {
                Some(Ok(g)) => row.geometry = Some(g),
                Some(Err(e)) => row.geometry_error = Some(e.to_string()),
                None => {}
            }
            row
        })
        .collect();
    Ok(Table { rows, crs: None })
}

/// Reads CSV with a header row (UTF-8; a byte-order mark is skipped).
pub fn read_csv(bytes: &[u8]) -> std::result::Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("CSV row {}: {e}", i + 2))?;
        let mut row = SourceRow {
            // The row as a spreadsheet numbers it (the header is row 1).
            row: i + 2,
            ..Default::default()
        };
        for (h, v) in headers.iter().zip(record.iter()) {
            let v = v.trim();
            if !v.is_empty() {
                row.cells.insert(h.clone(), J::String(v.to_owned()));
            }
        }
        rows.push(row);
    }
    Ok(Table { rows, crs: None })
}

/// Reads a workbook's sheet (the named one, or the first): the first row
/// names the columns.
pub fn read_xlsx(path: &Path, sheet: Option<&str>) -> std::result::Result<Table, String> {
    let book = calamine::open_workbook_auto(path).map_err(|e| format!("not a readable workbook: {e}"))?;
    read_sheets(book, sheet)
}

fn read_sheets<RS: std::io::Read + std::io::Seek>(
    mut book: calamine::Sheets<RS>,
    sheet: Option<&str>,
) -> std::result::Result<Table, String> {
    use calamine::{Data, Reader};
    let name = match sheet {
        Some(s) => s.to_owned(),
        None => book
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheet".to_owned())?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name:?}: {e}"))?;
    let start = range.start().map_or(0, |(r, _)| r as usize);
    let mut sheet_rows = range.rows();
    let headers: Vec<String> = sheet_rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string().trim().to_owned()).collect())
        .unwrap_or_default();
    let rows = sheet_rows
        .enumerate()
        .map(|(i, cells)| {
            let mut row = SourceRow {
                row: start + i + 2,
                ..Default::default()
            };
            for (h, c) in headers.iter().zip(cells) {
                let v = match c {
                    Data::Empty => continue,
                    Data::Int(i) => J::from(*i),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => J::from(*f as i64),
                    Data::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
                    Data::Bool(b) => J::Bool(*b),
                    Data::DateTime(d) => match d.as_datetime() {
                        Some(dt) => J::String(dt.date().format("%Y-%m-%d").to_string()),
                        None => J::String(c.to_string()),
                    },
                    other => J::String(other.to_string().trim().to_owned()),
                };
                if !is_empty(&v) {
                    row.cells.insert(h.clone(), v);
                }
            }
            row
        })
        .collect();
    Ok(Table { rows, crs: None })
}

/// Reads the first layer of a Shapefile or GeoPackage through GDAL.
pub fn read_gdal(path: &Path) -> std::result::Result<Table, String> {
    use gdal::vector::{FieldValue, LayerAccess};
    let ds = gdal::Dataset::open(path).map_err(|e| format!("GDAL cannot open it: {e}"))?;
    let mut layer = ds.layer(0).map_err(|e| format!("no layer: {e}"))?;
    let crs = layer
        .spatial_ref()
        .and_then(|s| s.auth_code().ok())
        .and_then(|code| u32::try_from(code).ok())
        .map(|code| match code {
            4326 => Crs::Wgs84,
            4490 => Crs::Cgcs2000,
            other => Crs::Epsg(other),
        });
    let mut rows = Vec::new();
    for (i, feature) in layer.features().enumerate() {
        let mut row = SourceRow {
            row: i + 1,
            ..Default::default()
        };
        for (name, value) in feature.fields() {
            let v = match value {
                None => continue,
                Some(FieldValue::IntegerValue(v)) => J::from(v),
                Some(FieldValue::Integer64Value(v)) => J::from(v),
                Some(FieldValue::RealValue(v)) => serde_json::Number::from_f64(v).map_or(J::Null, J::Number),
                Some(FieldValue::StringValue(v)) => J::String(v.trim().to_owned()),
                Some(FieldValue::DateValue(d)) => J::String(d.format("%Y-%m-%d").to_string()),
                Some(FieldValue::DateTimeValue(d)) => J::String(d.date_naive().format("%Y-%m-%d").to_string()),
                Some(FieldValue::StringListValue(l)) => J::from(l),
                Some(other) => J::String(format!("{other:?}")),
            };
            if !is_empty(&v) {
                row.cells.insert(name, v);
            }
        }
        match feature.geometry().map(|g| g.to_geo()) {
            Some(Ok(g)) => row.geometry = Some(g),
            Some(Err(e)) => row.geometry_error = Some(e.to_string()),
            None => {}
        }
        rows.push(row);
    }
    Ok(Table { rows, crs })
}

/// A geometry from the columns the mapping names (lon/lat or WKT), where
/// it names them; a file's own geometry otherwise.
pub fn geometry_from_columns(table: &mut Table, mapping: &Mapping) {
    let g = &mapping.geometry;
    for row in &mut table.rows {
        if let (Some(lon), Some(lat)) = (&g.lon, &g.lat) {
            row.geometry = None;
            row.geometry_error = None;
            match (row.cells.get(lon).and_then(number), row.cells.get(lat).and_then(number)) {
                (Some(x), Some(y)) => row.geometry = Some(Geometry::Point(geo::Point::new(x, y))),
                (None, _) if !row.cells.contains_key(lon) => {
                    row.geometry_error = Some(format!("no coordinates: column {lon:?} is empty"));
                }
                (_, None) if !row.cells.contains_key(lat) => {
                    row.geometry_error = Some(format!("no coordinates: column {lat:?} is empty"));
                }
                _ => {
                    row.geometry_error = Some(format!("coordinates are not numbers: {lon:?}, {lat:?}"));
                }
            }
        } else if let Some(column) = &g.wkt {
            row.geometry = None;
            row.geometry_error = None;
            match row.cells.get(column).and_then(J::as_str) {
                None => row.geometry_error = Some(format!("no geometry: column {column:?} is empty")),
                Some(wkt) => match gdal::vector::Geometry::from_wkt(wkt).and_then(|g| g.to_geo()) {
                    Ok(geometry) => row.geometry = Some(geometry),
                    Err(e) => row.geometry_error = Some(format!("WKT in {column:?} does not parse: {e}")),
                },
            }
        }
    }
}

/// A cell read as a number (a number, or text holding one).
pub fn number(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

fn is_empty(v: &J) -> bool {
    match v {
        J::Null => true,
        J::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_numbered_as_in_a_sheet_and_empty_cells_left_out() {
        let t = read_csv("\u{feff}名称,经度,纬度\r\nA,112.5,37.8\r\nB,,37.9\r\n".as_bytes()).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].row, 2);
        assert_eq!(t.rows[1].row, 3);
        assert_eq!(t.rows[0].cells["名称"], J::String("A".into()));
        assert!(!t.rows[1].cells.contains_key("经度"));
    }

    #[test]
    fn a_wkt_column_gives_the_geometry() {
        let mut t = read_csv(b"id,wkt\n1,\"LINESTRING (112 37, 112.1 37.1)\"\n2,POINT (oops)\n").unwrap();
        let m = Mapping::parse("layer = \"gas_pipes\"\nexternal_id = \"id\"\n[geometry]\nwkt = \"wkt\"\n").unwrap();
        geometry_from_columns(&mut t, &m);
        assert!(matches!(t.rows[0].geometry, Some(Geometry::LineString(_))));
        assert!(
            t.rows[1]
                .geometry_error
                .as_deref()
                .unwrap_or("")
                .contains("does not parse")
        );
    }
}
