//! Monthly statistics of the ledger (`docs/ledger.md`, "Statistics"), per
//! county with a total: dangers found, rectified (closed, 销号), closure
//! rate, overdue, major listed; emergency plans overdue; drill completion.
//! Read from the ledger as it was at the end of the month (the caller
//! replays it there), so a past month's figures do not move.

use super::LedgerState;
use super::obligation::ObligationKind;
use crate::model::DangerSeverity;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The figures of one county (or of all: `county_id` 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AreaStats {
    /// `counties` id (0 for the total).
    pub county_id: u32,
    /// County name (empty for the total).
    pub county: String,
    /// City name (empty for the total).
    pub city: String,
    /// Dangers found in the month (`found_at`).
    pub found: usize,
    /// Of them, major (重大隐患 listed).
    pub major_found: usize,
    /// Dangers closed (销号) in the month, whenever found.
    pub rectified: usize,
    /// Dangers open at the month's end (not closed).
    pub open: usize,
    /// Major dangers open at the month's end.
    pub major_open: usize,
    /// Dangers past their deadline, rectification still owed, at the month's end.
    pub overdue: usize,
    /// Closure rate: of every danger found up to the month's end, the
    /// share closed by then (0–1; `None` when none was found).
    pub closure_rate: Option<f64>,
    /// Emergency plans registered.
    pub plans: usize,
    /// Of them, past their evaluation date at the month's end.
    pub plans_overdue: usize,
    /// Plan compliance: the share of plans not overdue (0–1).
    pub plan_rate: Option<f64>,
    /// Drills planned for dates from the year's start to the month's end.
    pub drills_planned: usize,
    /// Of them, held.
    pub drills_held: usize,
    /// Drill completion rate (0–1).
    pub drill_rate: Option<f64>,
    /// Major hazard source re-assessments past due at the month's end.
    pub reassessments_overdue: usize,
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

impl AreaStats {
    fn add(&mut self, o: &Self) {
        self.found += o.found;
        self.major_found += o.major_found;
        self.rectified += o.rectified;
        self.open += o.open;
        self.major_open += o.major_open;
        self.overdue += o.overdue;
        self.plans += o.plans;
        self.plans_overdue += o.plans_overdue;
        self.drills_planned += o.drills_planned;
        self.drills_held += o.drills_held;
        self.reassessments_overdue += o.reassessments_overdue;
    }
}

/// Which dangers and obligations count.
#[derive(Debug, Clone, Default)]
pub struct StatsFilter {
    /// City names (any, when empty).
    pub cities: Vec<String>,
    /// County names or ids (any, when empty).
    pub counties: Vec<String>,
    /// The caller's counties (a scoped user).
    pub scope: Option<Vec<u32>>,
}

impl StatsFilter {
    fn admits(&self, p: &crate::model::DangerPlace) -> bool {
        (self.cities.is_empty() || self.cities.contains(&p.city))
            && (self.counties.is_empty()
                || self
                    .counties
                    .iter()
                    .any(|c| *c == p.county || c.parse::<u32>().is_ok_and(|id| id == p.county_id)))
            && self.scope.as_ref().is_none_or(|s| s.contains(&p.county_id))
    }
}

/// The month's statistics: per county (by city, county) and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthStats {
    /// Per county with anything to count.
    pub counties: Vec<AreaStats>,
    /// Every county together.
    pub total: AreaStats,
}

/// The statistics of the month `[from, to)`, read from `ledger` as it was
/// at `end` (the month's end, or now for the month under way); drills
/// count from `year_start`.
pub fn month(
    ledger: &LedgerState,
    filter: &StatsFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    end: DateTime<Utc>,
    year_start: DateTime<Utc>,
) -> MonthStats {
    let mut by: BTreeMap<(String, String, u32), AreaStats> = BTreeMap::new();
    let mut closed_by_end: BTreeMap<u32, usize> = BTreeMap::new();
    let mut found_by_end: BTreeMap<u32, usize> = BTreeMap::new();
    let area = |by: &mut BTreeMap<(String, String, u32), AreaStats>, p: &crate::model::DangerPlace| {
        by.entry((p.city.clone(), p.county.clone(), p.county_id))
            .or_insert_with(|| AreaStats {
                county_id: p.county_id,
                county: p.county.clone(),
                city: p.city.clone(),
                ..AreaStats::default()
            })
            .county_id
    };
    for d in ledger.dangers().filter(|d| filter.admits(&d.place)) {
        let key = (d.place.city.clone(), d.place.county.clone(), d.place.county_id);
        area(&mut by, &d.place);
        let a = by.get_mut(&key).expect("inserted");
        let found = d.report.found_at;
        let major = d.report.severity == DangerSeverity::Major;
        if (from..to).contains(&found) {
            a.found += 1;
            a.major_found += usize::from(major);
        }
        if d.closed_at.is_some_and(|t| (from..to).contains(&t)) {
            a.rectified += 1;
        }
        if found < to {
            *found_by_end.entry(d.place.county_id).or_default() += 1;
            if d.closed_at.is_some() {
                *closed_by_end.entry(d.place.county_id).or_default() += 1;
            }
        }
        if d.status.is_open() {
            a.open += 1;
            a.major_open += usize::from(major);
        }
        a.overdue += usize::from(d.is_overdue(end));
    }
    for o in ledger.obligations().iter().filter(|o| filter.admits(&o.place)) {
        let key = (o.place.city.clone(), o.place.county.clone(), o.place.county_id);
        area(&mut by, &o.place);
        let a = by.get_mut(&key).expect("inserted");
        match o.spec.kind {
            ObligationKind::EmergencyPlan => {
                a.plans += 1;
                a.plans_overdue += usize::from(o.is_overdue(end));
            }
            ObligationKind::Drill if o.due >= year_start && o.due < end => {
                a.drills_planned += 1;
                a.drills_held += usize::from(o.completed);
            }
            ObligationKind::Drill => {}
            ObligationKind::Reassessment => a.reassessments_overdue += usize::from(o.is_overdue(end)),
        }
    }
    let mut total = AreaStats::default();
    let (mut found_all, mut closed_all) = (0, 0);
    let counties: Vec<AreaStats> = by
        .into_values()
        .map(|mut a| {
            let found = found_by_end.get(&a.county_id).copied().unwrap_or_default();
            let closed = closed_by_end.get(&a.county_id).copied().unwrap_or_default();
            found_all += found;
            closed_all += closed;
            a.closure_rate = rate(closed, found);
            a.plan_rate = rate(a.plans - a.plans_overdue, a.plans);
            a.drill_rate = rate(a.drills_held, a.drills_planned);
            total.add(&a);
            a
        })
        .collect();
    total.closure_rate = rate(closed_all, found_all);
    total.plan_rate = rate(total.plans - total.plans_overdue, total.plans);
    total.drill_rate = rate(total.drills_held, total.drills_planned);
    MonthStats { counties, total }
}

/// The month's inspections and enforcement, in the filter's area.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InspectionMonth {
    /// Inspections held in the month.
    pub inspections: u32,
    /// By kind (`routine`, `enforcement`, `unannounced`, `expert_consultation`).
    pub by_kind: BTreeMap<&'static str, u32>,
    /// Hidden dangers linked to them.
    pub dangers_found: u32,
    /// Orders to rectify (责令整改) issued.
    pub orders_to_rectify: u32,
    /// Cases filed (立案).
    pub cases_filed: u32,
    /// Penalties, yuan.
    pub penalties_yuan: f64,
}

/// Counts the inspections held from `from` to `to` (dates, `to` excluded).
pub fn inspections_month(
    state: &super::inspection::InspectionState,
    filter: &StatsFilter,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> InspectionMonth {
    let mut out = InspectionMonth::default();
    for i in state
        .inspections()
        .filter(|i| i.spec.date >= from && i.spec.date < to && filter.admits(&i.place))
    {
        out.inspections += 1;
        *out.by_kind.entry(i.spec.kind.code()).or_default() += 1;
        out.dangers_found += u32::try_from(i.spec.dangers.len()).unwrap_or(u32::MAX);
        if let Some(e) = &i.spec.enforcement {
            out.orders_to_rectify += u32::from(e.order_to_rectify);
            out.cases_filed += u32::from(e.case_filed);
            out.penalties_yuan += e.penalty_yuan.unwrap_or(0.0);
        }
    }
    out
}
