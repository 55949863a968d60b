//! The county and city choropleth of the risk score and of plain counts
//! (per 10,000 people, per km²), with classes chosen by quantiles, Jenks
//! natural breaks or fixed breaks, and the legend (`docs/risk-method.md`).
//!
//! A county's numbers are the sums of what the grid placed under that
//! county (every item by its own `county_id`, zone cells by the county of
//! their centre), so the grid and the choropleth always agree.

use super::grid::RiskGrid;
use super::method::{CLASSES, Counts, RiskMethod};
use crate::catalog::Catalog;
use crate::filter::Filter;
use crate::record::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;

/// What the regions are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The 119 county-level divisions.
    County,
    /// The 11 cities (prefectures).
    City,
}

/// What is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The risk score (0–100), by the grid's method over the region's area.
    Score,
    /// Enterprises.
    Enterprises,
    /// Red (重大风险) enterprises.
    RedEnterprises,
    /// Major hazard sources (levels 1–4).
    HazardSources,
    /// Open hidden dangers.
    DangersOpen,
    /// Hidden dangers past their deadline.
    DangersOverdue,
}

/// What a count is divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Per {
    /// The count itself.
    #[serde(rename = "total")]
    Total,
    /// Per 10,000 residents.
    #[serde(rename = "10k_people")]
    TenThousandPeople,
    /// Per km².
    #[serde(rename = "km2")]
    Km2,
}

/// How the classes are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Equal numbers of regions per class.
    Quantiles,
    /// Jenks natural breaks (Fisher's exact optimal grouping).
    Jenks,
    /// Breaks given by the caller (for the score: the method's class breaks).
    Fixed,
}

/// One region's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// County id, or the city's name.
    pub id: String,
    /// Name.
    pub name: String,
    /// The city it is in (itself for a city).
    pub city: String,
    /// Area, km² (from the county record).
    pub area_km2: f64,
    /// What the grid placed under it.
    #[serde(skip)]
    pub counts: Counts,
    /// The mapped value.
    pub value: f64,
    /// Index of its class in the legend (0 lowest).
    pub class: usize,
}

/// One class of the legend.
#[derive(Debug, Clone, Serialize)]
pub struct LegendEntry {
    /// Lower bound (inclusive).
    pub from: f64,
    /// Upper bound (inclusive for the last class).
    pub to: f64,
    /// Fill colour.
    pub colour: &'static str,
    /// Regions in it.
    pub count: usize,
}

/// Colours from low to high for `k` classes; four classes are the
/// provincial blue, yellow, orange, red.
pub fn ramp(k: usize) -> Vec<&'static str> {
    const FOUR: [&str; 4] = ["#1f6fd1", "#f2d13a", "#f08a24", "#d7191c"];
    const SEVEN: [&str; 7] = [
        "#1f6fd1", "#6aa6e0", "#c6dc6b", "#f2d13a", "#f4a93a", "#f08a24", "#d7191c",
    ];
    match k {
        4 => FOUR.to_vec(),
        2 => vec![FOUR[0], FOUR[3]],
        3 => vec![FOUR[0], FOUR[1], FOUR[3]],
        5 => vec![SEVEN[0], SEVEN[2], SEVEN[3], SEVEN[5], SEVEN[6]],
        6 => vec![SEVEN[0], SEVEN[1], SEVEN[3], SEVEN[4], SEVEN[5], SEVEN[6]],
        _ => SEVEN.to_vec(),
    }
}

/// Quantile breaks: the `k − 1` inner breaks of `values`.
pub fn quantile_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() || k < 2 {
        return Vec::new();
    }
    let mut breaks: Vec<f64> = (1..k)
        .map(|i| {
            let pos = (i * v.len()).div_ceil(k).min(v.len() - 1);
            v[pos]
        })
        .collect();
    breaks.dedup();
    breaks
}

/// Jenks natural breaks (Fisher 1958 dynamic programme, exact): the `k − 1`
/// inner breaks that minimise the within-class squared deviation. Each break
/// is the lowest value of the class above it.
pub fn jenks_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 || k < 2 {
        return Vec::new();
    }
    let k = k.min(n);
    // Prefix sums for the squared deviation of v[i..j].
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for i in 0..n {
        s1[i + 1] = s1[i] + v[i];
        s2[i + 1] = s2[i] + v[i] * v[i];
    }
    let ssd = |i: usize, j: usize| {
        let m = (j - i) as f64;
        let s = s1[j] - s1[i];
        (s2[j] - s2[i]) - s * s / m
    };
    // cost[c][j]: best cost of v[..j] in c + 1 classes; from[c][j]: start of the last class.
    let mut cost = vec![vec![f64::INFINITY; n + 1]; k];
    let mut from = vec![vec![0usize; n + 1]; k];
    for (j, c) in cost[0].iter_mut().enumerate().skip(1) {
        *c = ssd(0, j);
    }
    for c in 1..k {
        for j in (c + 1)..=n {
            for i in c..j {
                let candidate = cost[c - 1][i] + ssd(i, j);
                if candidate < cost[c][j] {
                    cost[c][j] = candidate;
                    from[c][j] = i;
                }
            }
        }
    }
    let mut starts = Vec::with_capacity(k - 1);
    let mut j = n;
    for c in (1..k).rev() {
        let i = from[c][j];
        starts.push(v[i]);
        j = i;
    }
    starts.reverse();
    starts.dedup();
    starts
}

/// The class of `value` given inner `breaks` (a value equal to a break
/// belongs to the class above it).
pub fn class_of(value: f64, breaks: &[f64]) -> usize {
    breaks.iter().take_while(|b| value >= **b).count()
}

/// A choropleth: regions with their values and classes, and the legend.
#[derive(Debug, Clone, Serialize)]
pub struct Choropleth {
    /// County or city.
    pub level: Level,
    /// What is mapped.
    pub measure: Measure,
    /// Divided by what.
    pub per: Per,
    /// How the classes were cut.
    pub method: Method,
    /// The inner breaks.
    pub breaks: Vec<f64>,
    /// The classes, lowest first.
    pub legend: Vec<LegendEntry>,
    /// The regions.
    pub regions: Vec<Region>,
}

/// What a choropleth is asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// County or city.
    pub level: Level,
    /// What is mapped.
    pub measure: Measure,
    /// Divided by what (the score ignores it).
    pub per: Per,
    /// How the classes are cut.
    pub method: Method,
    /// How many classes (quantiles, Jenks).
    pub classes: usize,
    /// The inner breaks for `fixed` (the score defaults to the method's).
    pub breaks: Option<Vec<f64>>,
}

/// The regions of `catalog` with the grid's totals, by county or city.
fn regions(catalog: &Catalog, grid: &RiskGrid, level: Level, only: Option<&HashSet<u32>>) -> Vec<Region> {
    let totals = grid.county_totals();
    let mut counties: Vec<Region> = Vec::new();
    let c = catalog.counties.read();
    (&*c as &dyn crate::collection::Collection).visit_all(&Filter::all(), &mut |id, _, values| {
        let get = |f: &str| values.iter().find(|(k, _)| *k == f).map(|(_, v)| *v);
        let text = |f: &str| match get(f) {
            Some(Value::Text(t)) => t.to_owned(),
            _ => String::new(),
        };
        let area = match get("area_km2") {
            Some(Value::Real(r)) => r,
            Some(Value::Integer(i)) => i as f64,
            _ => 0.0,
        };
        let county = u32::try_from(id).unwrap_or(0);
        if only.is_some_and(|o| !o.contains(&county)) {
            return ControlFlow::Continue(());
        }
        counties.push(Region {
            id: id.to_string(),
            name: text("county"),
            city: text("city"),
            area_km2: area,
            counts: totals.get(&county).cloned().unwrap_or_default(),
            value: 0.0,
            class: 0,
        });
        ControlFlow::Continue(())
    });
    match level {
        Level::County => counties,
        Level::City => {
            let mut cities: BTreeMap<String, Region> = BTreeMap::new();
            for r in counties {
                let city = cities.entry(r.city.clone()).or_insert_with(|| Region {
                    id: r.city.clone(),
                    name: r.city.clone(),
                    city: r.city.clone(),
                    area_km2: 0.0,
                    counts: Counts::default(),
                    value: 0.0,
                    class: 0,
                });
                city.area_km2 += r.area_km2;
                city.counts.add(&r.counts, true);
            }
            cities.into_values().collect()
        }
    }
}

/// The value of `measure` for a region.
pub fn value(method: &RiskMethod, region: &Region, measure: Measure, per: Per) -> f64 {
    let c = &region.counts;
    let count = match measure {
        Measure::Score => return method.score(c, region.area_km2).score,
        Measure::Enterprises => f64::from(c.enterprise_total()),
        Measure::RedEnterprises => f64::from(c.enterprises_by_colour()[0]),
        Measure::HazardSources => f64::from(c.hazard_total()),
        Measure::DangersOpen => f64::from(c.dangers[0] + c.dangers[1]),
        Measure::DangersOverdue => f64::from(c.overdue[0] + c.overdue[1]),
    };
    match per {
        Per::Total => count,
        Per::TenThousandPeople if c.population > 0 => count * 10_000.0 / c.population as f64,
        Per::Km2 if region.area_km2 > 0.0 => count / region.area_km2,
        _ => 0.0,
    }
}

/// Builds the choropleth `request` asks for; with `only`, of those
/// counties alone (a scoped user's: a city is then the sum of its counties
/// in scope).
pub fn choropleth(
    catalog: &Catalog,
    grid: &RiskGrid,
    request: &Request,
    only: Option<&HashSet<u32>>,
) -> Result<Choropleth, String> {
    let mut regions = regions(catalog, grid, request.level, only);
    for r in &mut regions {
        r.value = value(grid.method(), r, request.measure, request.per);
    }
    let values: Vec<f64> = regions.iter().map(|r| r.value).collect();
    let breaks = match request.method {
        Method::Quantiles => quantile_breaks(&values, request.classes),
        Method::Jenks => jenks_breaks(&values, request.classes),
        Method::Fixed => match (&request.breaks, request.measure) {
            (Some(b), _) => {
                if b.windows(2).any(|w| w[0] >= w[1]) || b.iter().any(|x| !x.is_finite()) {
                    return Err("breaks must be numbers rising strictly".into());
                }
                b.clone()
            }
            (None, Measure::Score) => grid.method().class_breaks.to_vec(),
            (None, _) => return Err("method=fixed needs breaks=a,b,… except for the score".into()),
        },
    };
    let k = breaks.len() + 1;
    let colours = if k == 4 && request.measure == Measure::Score {
        CLASSES.iter().rev().map(|c| super::class_colour(c)).collect()
    } else {
        ramp(k)
    };
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    // No regions (a scope without counties): a legend of zeros, never ±∞.
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
    let mut legend: Vec<LegendEntry> = (0..k)
        .map(|i| LegendEntry {
            from: if i == 0 {
                lo.min(breaks.first().copied().unwrap_or(lo))
            } else {
                breaks[i - 1]
            },
            to: if i + 1 == k {
                hi.max(breaks.last().copied().unwrap_or(hi))
            } else {
                breaks[i]
            },
            colour: colours.get(i).copied().unwrap_or("#888888"),
            count: 0,
        })
        .collect();
    for r in &mut regions {
        r.class = class_of(r.value, &breaks);
        if let Some(e) = legend.get_mut(r.class) {
            e.count += 1;
        }
    }
    Ok(Choropleth {
        level: request.level,
        measure: request.measure,
        per: request.per,
        method: request.method,
        breaks,
        legend,
        regions,
    })
}

impl Choropleth {
    /// As JSON: the regions with their parts, the breaks and the legend.
    pub fn to_json(&self) -> serde_json::Value {
        let regions: Vec<serde_json::Value> = self
            .regions
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "name": r.name, "city": r.city, "area_km2": r.area_km2,
                    "value": r.value, "class": r.class,
                    "colour": self.legend.get(r.class).map(|l| l.colour),
                    "parts": r.counts.to_json(),
                })
            })
            .collect();
        serde_json::json!({
            "level": self.level, "measure": self.measure, "per": self.per, "method": self.method,
            "breaks": self.breaks, "legend": self.legend, "regions": regions,
        })
    }
}
