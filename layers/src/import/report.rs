//! What an import found and did: counts, the rows refused (row, field,
//! reason), the register's rows gone from the file. Written as CSV and shown
//! on the console; the HTTP import answers it as JSON.

use serde::Serialize;

/// One refused row's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The row as the user finds it (a sheet's row; a file's feature from 1).
    pub row: usize,
    /// The field (or column) at fault; `geometry` for the location.
    pub field: String,
    /// Why, in words.
    pub reason: String,
}

/// The report of one import (or dry run).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// The collection.
    pub layer: String,
    /// The file's format.
    pub format: String,
    /// The coordinate system read from.
    pub crs: String,
    /// Rows in the file.
    pub rows: usize,
    /// Features to create (or created).
    pub created: usize,
    /// Features to update in place (or updated).
    pub updated: usize,
    /// Rows identical to the feature stored already: nothing to do.
    pub unchanged: usize,
    /// Features removed (`--delete-missing`).
    pub deleted: usize,
    /// Rows refused: nothing from them is stored.
    pub refused_rows: usize,
    /// External ids imported before that this file no longer has.
    pub missing: Vec<String>,
    /// Each refused row's problems.
    pub problems: Vec<Problem>,
    /// Whether anything was stored (false for a dry run or a refused import).
    pub stored: bool,
    /// Events stored.
    pub events: usize,
}

impl Report {
    /// The problems as CSV: `row,field,reason`, one line each.
    pub fn problems_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["row", "field", "reason"]);
        for p in &self.problems {
            let _ = w.write_record([p.row.to_string().as_str(), &p.field, &p.reason]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The report for a console: the counts, then each problem.
    pub fn console(&self) -> String {
        let mut out = format!(
            "{} ({}, {}): {} rows; {} to create, {} to update, {} unchanged, {} refused; {} missing from the file{}\n",
            self.layer,
            self.format,
            self.crs,
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            self.refused_rows,
            self.missing.len(),
            if self.deleted > 0 {
                format!(", {} deleted", self.deleted)
            } else {
                String::new()
            }
        );
        for p in &self.problems {
            out.push_str(&format!("  row {}: {}: {}\n", p.row, p.field, p.reason));
        }
        if !self.missing.is_empty() {
            let shown: Vec<&str> = self.missing.iter().take(20).map(String::as_str).collect();
            out.push_str(&format!(
                "  not in the file (kept unless --delete-missing): {}{}\n",
                shown.join(", "),
                if self.missing.len() > 20 { ", …" } else { "" }
            ));
        }
        out
    }
}
