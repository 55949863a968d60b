//! The ledger list: dangers by city, county, industry, severity, status,
//! enterprise and overdue, with the counts a panel shows.

use super::{Danger, LedgerState};
use crate::error::{Error, Result};
use crate::feature::FeatureId;
use crate::model::{DangerCategory, DangerSeverity, DangerStatus, Industry};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What to list. Every field is "any" when empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DangerFilter {
    /// City names.
    pub cities: Vec<String>,
    /// County names or ids (as text).
    pub counties: Vec<String>,
    /// Industries.
    pub industries: Vec<Industry>,
    /// Severities.
    pub severities: Vec<DangerSeverity>,
    /// Statuses.
    pub statuses: Vec<DangerStatus>,
    /// Categories.
    pub categories: Vec<DangerCategory>,
    /// One enterprise.
    pub enterprise: Option<FeatureId>,
    /// Only overdue (`true`) or only not overdue (`false`) at `now`.
    pub overdue: Option<bool>,
    /// Only open (not closed) ones.
    pub open: Option<bool>,
    /// The caller's counties (a scoped user); `None`: every county.
    pub scope: Option<Vec<u32>>,
}

fn codes<T: Copy>(list: &str, all: &[T], code: impl Fn(T) -> &'static str, name: &str) -> Result<Vec<T>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|c| {
            all.iter().copied().find(|v| code(*v) == c).ok_or_else(|| {
                Error::BadFilter(format!(
                    "{name} {c:?} is one of {}",
                    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
                ))
            })
        })
        .collect()
}

impl DangerFilter {
    /// Reads comma-separated lists of codes (`severity=major,general`).
    #[expect(clippy::too_many_arguments, reason = "one argument per query parameter")]
    pub fn parse(
        city: Option<&str>,
        county: Option<&str>,
        industry: Option<&str>,
        severity: Option<&str>,
        status: Option<&str>,
        category: Option<&str>,
        enterprise: Option<FeatureId>,
        overdue: Option<bool>,
    ) -> Result<Self> {
        let list = |s: Option<&str>| -> Vec<String> {
            s.map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        Ok(Self {
            cities: list(city),
            counties: list(county),
            industries: codes(industry.unwrap_or(""), Industry::ALL, Industry::code, "industry")?,
            severities: codes(
                severity.unwrap_or(""),
                DangerSeverity::ALL,
                DangerSeverity::code,
                "severity",
            )?,
            statuses: codes(status.unwrap_or(""), DangerStatus::ALL, DangerStatus::code, "status")?,
            categories: codes(
                category.unwrap_or(""),
                DangerCategory::ALL,
                DangerCategory::code,
                "category",
            )?,
            enterprise,
            overdue,
            open: None,
            scope: None,
        })
    }

    /// Whether `d` is listed at `now`.
    pub fn matches(&self, d: &Danger, now: DateTime<Utc>) -> bool {
        let p = &d.place;
        self.scope.as_ref().is_none_or(|s| s.contains(&p.county_id))
            && (self.cities.is_empty() || self.cities.contains(&p.city))
            && (self.counties.is_empty()
                || self
                    .counties
                    .iter()
                    .any(|c| *c == p.county || c.parse::<u32>().is_ok_and(|id| id == p.county_id)))
            && (self.industries.is_empty() || self.industries.contains(&p.industry))
            && (self.severities.is_empty() || self.severities.contains(&d.report.severity))
            && (self.statuses.is_empty() || self.statuses.contains(&d.status))
            && (self.categories.is_empty() || self.categories.contains(&d.report.category))
            && self.enterprise.is_none_or(|e| e == d.report.enterprise)
            && self.overdue.is_none_or(|o| d.is_overdue(now) == o)
            && self.open.is_none_or(|o| d.status.is_open() == o)
    }
}

/// The counts of a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DangerCounts {
    /// Dangers matched.
    pub total: usize,
    /// By status code.
    pub by_status: BTreeMap<&'static str, usize>,
    /// By severity code.
    pub by_severity: BTreeMap<&'static str, usize>,
    /// Overdue now.
    pub overdue: usize,
    /// Major dangers not closed.
    pub major_open: usize,
}

impl DangerCounts {
    /// Counts `d` in (the index counts without it; tests compare the two).
    #[cfg(test)]
    pub(super) fn add(&mut self, d: &Danger, now: DateTime<Utc>) {
        self.total += 1;
        *self.by_status.entry(d.status.code()).or_default() += 1;
        *self.by_severity.entry(d.report.severity.code()).or_default() += 1;
        if d.is_overdue(now) {
            self.overdue += 1;
        }
        if d.report.severity == DangerSeverity::Major && d.status.is_open() {
            self.major_open += 1;
        }
    }
}

/// A page of the list: the dangers from `offset`, at most `limit`, most
/// serious and oldest deadline first, and the counts of all matched.
#[derive(Debug, Clone, Serialize)]
pub struct DangerPage<'a> {
    /// The page.
    pub dangers: Vec<&'a Danger>,
    /// Counts over every match.
    pub counts: DangerCounts,
}

impl LedgerState {
    /// The dangers `filter` matches at `now`, most serious first, then by
    /// deadline; with the counts of every match.
    pub fn list(&self, filter: &DangerFilter, now: DateTime<Utc>, offset: usize, limit: usize) -> DangerPage<'_> {
        // The scan runs over the index's small rows; only the page's
        // dangers are looked up.
        let (keys, counts) = self.index.select(filter, now, offset, limit);
        let dangers = keys.iter().skip(offset).filter_map(|k| self.danger(k.3)).collect();
        DangerPage { dangers, counts }
    }
}

/// One enterprise's open dangers, as the map draws it: by the worst open
/// severity, and marked when any is overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseDangers {
    /// The `enterprises` id.
    pub enterprise: FeatureId,
    /// Its name, county and city as the dangers recorded them.
    pub enterprise_name: String,
    /// County name.
    pub county: String,
    /// City name.
    pub city: String,
    /// Where, `[lon, lat]`.
    pub location: [f64; 2],
    /// Open (not closed) dangers.
    pub open: usize,
    /// Open major dangers.
    pub major: usize,
    /// Overdue now.
    pub overdue: usize,
    /// The worst open severity.
    pub worst: DangerSeverity,
}

impl LedgerState {
    /// The enterprises with open dangers that `filter` matches at `now`
    /// (closed dangers never count), overdue and major ones first.
    pub fn by_enterprise(&self, filter: &DangerFilter, now: DateTime<Utc>) -> Vec<EnterpriseDangers> {
        let mut out: BTreeMap<FeatureId, EnterpriseDangers> = BTreeMap::new();
        for d in self.dangers().filter(|d| d.status.is_open() && filter.matches(d, now)) {
            let e = out.entry(d.report.enterprise).or_insert_with(|| EnterpriseDangers {
                enterprise: d.report.enterprise,
                enterprise_name: d.place.enterprise_name.clone(),
                county: d.place.county.clone(),
                city: d.place.city.clone(),
                location: d.place.location,
                open: 0,
                major: 0,
                overdue: 0,
                worst: d.report.severity,
            });
            e.open += 1;
            if d.report.severity == DangerSeverity::Major {
                e.major += 1;
            }
            if d.is_overdue(now) {
                e.overdue += 1;
            }
            e.worst = e.worst.max(d.report.severity);
        }
        let mut list: Vec<_> = out.into_values().collect();
        list.sort_by_key(|e| {
            (
                std::cmp::Reverse(e.overdue > 0),
                std::cmp::Reverse(e.worst),
                e.enterprise,
            )
        });
        list
    }
}

/// The enterprises with open dangers as a FeatureCollection of points (the
/// map's ledger layer, also `GET /replay`'s `dangers`).
pub fn to_geojson(list: &[EnterpriseDangers]) -> serde_json::Value {
    let features: Vec<_> = list
        .iter()
        .map(|e| {
            serde_json::json!({
                "type": "Feature",
                "id": e.enterprise,
                "geometry": {"type": "Point", "coordinates": e.location},
                "properties": {
                    "enterprise": e.enterprise,
                    "name": e.enterprise_name,
                    "county": e.county,
                    "city": e.city,
                    "open": e.open,
                    "major": e.major,
                    "overdue": e.overdue,
                    "worst": e.worst,
                },
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "numberMatched": features.len(), "features": features})
}
