//! Spreadsheets as bureaus exchange them: the ledger in (CSV or XLSX, row
//! by row, each bad row named with its reasons and left out; good rows
//! stored once, by external id) and out (CSV or XLSX, the same columns, so
//! an export imports again).

use super::{Danger, LedgerState};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::model::{DangerCategory, DangerReport, DangerSeverity, DangerSource, Rectification};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Most data rows one import takes.
pub const MAX_ROWS: usize = 10_000;

/// China Standard Time, UTC+8: a date without a time is a day there.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// The columns: (field, English header, Chinese header, required).
pub const COLUMNS: [(&str, &str, bool); 15] = [
    ("external_id", "编号", true),
    ("enterprise", "企业", true),
    ("hazard_source", "重大危险源", false),
    ("category", "类别", true),
    ("severity", "隐患等级", true),
    ("description", "隐患描述", true),
    ("found_by", "发现人", true),
    ("found_at", "发现日期", true),
    ("source", "来源", true),
    ("measures", "整改措施", false),
    ("responsible", "整改责任人", false),
    ("funds_yuan", "整改资金", false),
    ("deadline", "整改期限", true),
    ("interim_measures", "临时管控措施", false),
    ("assignee", "督办人", false),
];

/// A spreadsheet's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, UTF-8 (a BOM is allowed).
    Csv,
    /// Office Open XML workbook: its first sheet.
    Xlsx,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Reads a sheet into rows of text (dates as `YYYY-MM-DD HH:MM:SS`).
pub fn read_rows(format: Format, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let bad = |m: String| Error::InvalidRequest(m);
    match format {
        Format::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("the CSV is not UTF-8: {e}")))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            reader
                .records()
                .map(|r| {
                    r.map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
                        .map_err(|e| bad(format!("the CSV cannot be read: {e}")))
                })
                .collect()
        }
        Format::Xlsx => {
            use calamine::{Data, Reader};
            let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
                .map_err(|e| bad(format!("the XLSX cannot be read: {e}")))?;
            let range = book
                .worksheet_range_at(0)
                .ok_or_else(|| bad("the XLSX has no sheet".into()))?
                .map_err(|e| bad(format!("the XLSX's first sheet cannot be read: {e}")))?;
            Ok(range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|cell| match cell {
                            Data::Empty => String::new(),
                            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
                            Data::Int(i) => i.to_string(),
                            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                            Data::Float(f) => f.to_string(),
                            Data::Bool(b) => b.to_string(),
                            Data::DateTime(d) => d
                                .as_datetime()
                                .map_or_else(|| d.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
                            Data::Error(e) => format!("#{e}"),
                        })
                        .collect()
                })
                .collect())
        }
    }
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowProblem {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// Its external id, if it has one.
    pub external_id: Option<String>,
    /// What is wrong, each reason naming its column.
    pub reasons: Vec<String>,
}

/// What an import found: the reports to store (with their rows), the rows
/// stored before (by external id) and the rows left out.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Good new rows: (row, report).
    pub reports: Vec<(usize, DangerReport)>,
    /// Rows whose external id is in the ledger already: (row, danger).
    pub already: Vec<(usize, FeatureId)>,
    /// Rows left out.
    pub problems: Vec<RowProblem>,
    /// Data rows read.
    pub rows: usize,
}

/// A date or time: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD`
/// (`YYYY/MM/DD` too) in China Standard Time; a bare date is the start of
/// the day, or its end for a deadline.
pub fn parse_time(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    let t = t.replace('/', "-");
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&t, f) {
            return cst().from_local_datetime(&n).single().map(|d| d.with_timezone(&Utc));
        }
    }
    let day = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()?;
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    }?;
    cst().from_local_datetime(&time).single().map(|d| d.with_timezone(&Utc))
}

fn code<T: Copy>(text: &str, all: &[T], code: impl Fn(T) -> &'static str, zh: impl Fn(T) -> &'static str) -> Option<T> {
    let t = text.trim();
    all.iter()
        .copied()
        .find(|v| code(*v).eq_ignore_ascii_case(t) || zh(*v) == t || (t.chars().count() >= 2 && zh(*v).starts_with(t)))
}

/// Enterprises by id, credit code and name.
struct Enterprises {
    ids: HashSet<FeatureId>,
    by_code: HashMap<String, FeatureId>,
    by_name: HashMap<String, FeatureId>,
}

impl Enterprises {
    fn of(catalog: &Catalog) -> Self {
        let layer = catalog.enterprises.read();
        let mut e = Self {
            ids: HashSet::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
        };
        for f in layer.features() {
            e.ids.insert(f.id);
            e.by_code.insert(f.properties.credit_code.to_string(), f.id);
            e.by_name.entry(f.properties.name.to_string()).or_insert(f.id);
        }
        e
    }

    fn find(&self, text: &str) -> Option<FeatureId> {
        let t = text.trim();
        t.parse::<FeatureId>()
            .ok()
            .filter(|id| self.ids.contains(id))
            .or_else(|| self.by_code.get(t).copied())
            .or_else(|| self.by_name.get(t).copied())
    }
}

/// Reads the rows of a sheet (header first) against the ledger and the
/// catalog: every row either a report to store, one stored before, or a
/// problem with its reasons. A header without a required column refuses
/// the whole sheet.
pub fn plan_import(ledger: &LedgerState, catalog: &Catalog, rows: &[Vec<String>]) -> Result<ImportPlan> {
    let header = rows
        .first()
        .ok_or_else(|| Error::InvalidRequest("the sheet is empty: a header row is expected".into()))?;
    let data = &rows[1..];
    if data.len() > MAX_ROWS {
        return Err(Error::InvalidRequest(format!(
            "the sheet has {} rows; one import takes at most {MAX_ROWS}",
            data.len()
        )));
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        if let Some((field, ..)) = COLUMNS.iter().find(|(f, zh, _)| *f == h || *zh == h) {
            index.entry(field).or_insert(i);
        }
    }
    let missing: Vec<String> = COLUMNS
        .iter()
        .filter(|(f, _, required)| *required && !index.contains_key(f))
        .map(|(f, zh, _)| format!("{f} ({zh})"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidRequest(format!(
            "the header row lacks the columns {}",
            missing.join(", ")
        )));
    }
    let enterprises = Enterprises::of(catalog);
    let mut plan = ImportPlan {
        rows: data.len(),
        ..Default::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    for (n, row) in data.iter().enumerate() {
        let number = n + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            plan.rows -= 1;
            continue;
        }
        let cell = |field: &str| -> &str { index.get(field).and_then(|i| row.get(*i)).map_or("", |s| s.trim()) };
        let mut reasons = Vec::new();
        let mut required = |field: &str| -> Option<String> {
            let v = cell(field);
            if v.is_empty() {
                reasons.push(format!("{field}: missing"));
                None
            } else {
                Some(v.to_owned())
            }
        };
        let external_id = required("external_id");
        let enterprise_text = required("enterprise");
        let category_text = required("category");
        let severity_text = required("severity");
        let description = required("description");
        let found_by = required("found_by");
        let found_text = required("found_at");
        let source_text = required("source");
        let deadline_text = required("deadline");
        let enterprise = enterprise_text.as_deref().and_then(|t| {
            let found = enterprises.find(t);
            if found.is_none() {
                reasons.push(format!("enterprise: unknown enterprise {t:?}"));
            }
            found
        });
        let hazard_source = match cell("hazard_source") {
            "" => None,
            t => match t.parse::<FeatureId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    reasons.push(format!("hazard_source: {t:?} is not a hazard source id"));
                    None
                }
            },
        };
        let category = category_text.as_deref().and_then(|t| {
            let c = code(t, DangerCategory::ALL, DangerCategory::code, DangerCategory::label_zh);
            if c.is_none() {
                reasons.push(format!(
                    "category: {t:?} is one of {}",
                    DangerCategory::CODES.join(", ")
                ));
            }
            c
        });
        let severity = severity_text.as_deref().and_then(|t| {
            let c = code(t, DangerSeverity::ALL, DangerSeverity::code, DangerSeverity::label_zh);
            if c.is_none() {
                reasons.push(format!("severity: {t:?} is general (一般) or major (重大)"));
            }
            c
        });
        let source = source_text.as_deref().and_then(|t| {
            let c = code(t, DangerSource::ALL, DangerSource::code, DangerSource::label_zh);
            if c.is_none() {
                reasons.push(format!("source: {t:?} is one of {}", DangerSource::CODES.join(", ")));
            }
            c
        });
        let mut date = |field: &str, text: Option<&str>, end: bool| {
            text.and_then(|t| {
                let d = parse_time(t, end);
                if d.is_none() {
                    reasons.push(format!(
                        "{field}: bad date {t:?} (YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339)"
                    ));
                }
                d
            })
        };
        let found_at = date("found_at", found_text.as_deref(), false);
        let deadline = date("deadline", deadline_text.as_deref(), true);
        let funds_yuan = match cell("funds_yuan").replace([',', '，'], "").as_str() {
            "" => None,
            t => match t.parse::<f64>() {
                Ok(f) => Some(f),
                Err(_) => {
                    reasons.push(format!("funds_yuan: {t:?} is not a number of yuan"));
                    None
                }
            },
        };
        if let Some(x) = &external_id
            && !seen.insert(x.clone())
        {
            reasons.push(format!("external_id: {x:?} appears twice in the sheet"));
        }
        if let Some(x) = &external_id
            && reasons.is_empty()
            && let Some(d) = ledger.by_external_id(x)
        {
            plan.already.push((number, d.id));
            continue;
        }
        let report = match (
            enterprise,
            category,
            severity,
            description,
            found_by,
            found_at,
            source,
            deadline,
        ) {
            (
                Some(enterprise),
                Some(category),
                Some(severity),
                Some(description),
                Some(found_by),
                Some(found_at),
                Some(source),
                Some(deadline),
            ) if reasons.is_empty() => {
                let optional = |f: &str| Some(cell(f).to_owned()).filter(|s| !s.is_empty());
                Some(DangerReport {
                    enterprise,
                    hazard_source,
                    category,
                    severity,
                    description,
                    found_by,
                    found_at,
                    source,
                    rectification: Rectification {
                        measures: cell("measures").to_owned(),
                        responsible: cell("responsible").to_owned(),
                        funds_yuan,
                        deadline,
                        interim_measures: cell("interim_measures").to_owned(),
                    },
                    assignee: optional("assignee"),
                    external_id: external_id.clone(),
                })
            }
            _ => None,
        };
        // The rules a report keeps wherever it comes from.
        if let Some(r) = &report
            && let Err(e) = ledger.check_report(catalog, r)
        {
            reasons.push(e.to_string());
        }
        match report {
            Some(r) if reasons.is_empty() => plan.reports.push((number, r)),
            _ => plan.problems.push(RowProblem {
                row: number,
                external_id,
                reasons,
            }),
        }
    }
    Ok(plan)
}

fn time_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%Y-%m-%d %H:%M").to_string()
}

/// The export's columns: the import's, then the state of each danger.
pub const EXPORT_EXTRA: [(&str, &str); 7] = [
    ("id", "隐患ID"),
    ("status", "状态"),
    ("overdue", "逾期"),
    ("enterprise_name", "企业名称"),
    ("city", "市"),
    ("county", "县区"),
    ("industry", "行业"),
];

fn export_rows(dangers: &[&Danger], now: DateTime<Utc>) -> Vec<Vec<String>> {
    let mut header: Vec<String> = COLUMNS.iter().map(|(_, zh, _)| (*zh).to_owned()).collect();
    header.extend(EXPORT_EXTRA.iter().map(|(_, zh)| (*zh).to_owned()));
    let mut rows = vec![header];
    for d in dangers {
        let r = &d.report;
        let rect = &r.rectification;
        rows.push(vec![
            r.external_id.clone().unwrap_or_else(|| format!("LK-{}", d.id)),
            r.enterprise.to_string(),
            r.hazard_source.map(|h| h.to_string()).unwrap_or_default(),
            r.category.label_zh().to_owned(),
            r.severity.label_zh().to_owned(),
            r.description.clone(),
            r.found_by.clone(),
            time_text(r.found_at),
            r.source.label_zh().to_owned(),
            rect.measures.clone(),
            rect.responsible.clone(),
            rect.funds_yuan.map(|f| f.to_string()).unwrap_or_default(),
            time_text(rect.deadline),
            rect.interim_measures.clone(),
            d.assignee().to_owned(),
            d.id.to_string(),
            d.status.label_zh().to_owned(),
            if d.is_overdue(now) { "是" } else { "否" }.to_owned(),
            d.place.enterprise_name.clone(),
            d.place.city.clone(),
            d.place.county.clone(),
            d.place.industry.label_zh().to_owned(),
        ]);
    }
    rows
}

/// The dangers as a sheet: a header of the import's Chinese column names
/// (an export imports again) and the state of each.
pub fn export(format: Format, dangers: &[&Danger], now: DateTime<Utc>) -> Result<Vec<u8>> {
    let rows = export_rows(dangers, now);
    let failed = |e: String| Error::InvalidRequest(format!("the export could not be written: {e}"));
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            for row in &rows {
                w.write_record(row).map_err(|e| failed(e.to_string()))?;
            }
            w.into_inner().map_err(|e| failed(e.to_string()))
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("隐患台账").map_err(|e| failed(e.to_string()))?;
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r).map_err(|e| failed(e.to_string()))?;
                for (c, value) in row.iter().enumerate() {
                    let c = u16::try_from(c).map_err(|e| failed(e.to_string()))?;
                    sheet.write_string(r, c, value).map_err(|e| failed(e.to_string()))?;
                }
            }
            book.save_to_buffer().map_err(|e| failed(e.to_string()))
        }
    }
}
