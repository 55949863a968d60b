//! What the ledger list filters and sorts on, one small row per danger in
//! id order, kept beside the dangers by every fold. A list scans these rows
//! (a few megabytes for 100 000 dangers, in one piece of memory) instead of
//! the dangers themselves, and looks only the page up; the filter is turned
//! once into bit masks and a table of the places it allows.

use super::Danger;
use super::query::{DangerCounts, DangerFilter};
use crate::feature::FeatureId;
use crate::model::{DangerCategory, DangerPlace, DangerSeverity, DangerStatus, Industry};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One danger as the list sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Row {
    pub id: FeatureId,
    pub enterprise: FeatureId,
    pub deadline: DateTime<Utc>,
    /// Index into [`Index::places`].
    pub place: u32,
    pub status: DangerStatus,
    pub severity: DangerSeverity,
    pub category: DangerCategory,
    pub industry: Industry,
}

impl Row {
    fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.owes_rectification() && now > self.deadline
    }
}

/// A county as the dangers recorded it: id, county name, city name.
type PlaceKey = (u32, String, String);

/// The rows, in id order, and the places they name.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    rows: Vec<Row>,
    places: Vec<PlaceKey>,
    place_ids: HashMap<PlaceKey, u32>,
}

fn bit<T: Copy + PartialEq>(all: &[T], v: T) -> u32 {
    all.iter().position(|x| *x == v).map_or(0, |i| 1 << i)
}

fn mask<T: Copy + PartialEq>(all: &[T], chosen: &[T]) -> u32 {
    if chosen.is_empty() {
        u32::MAX
    } else {
        chosen.iter().fold(0, |m, v| m | bit(all, *v))
    }
}

/// A filter turned into what a row is checked against.
struct Compiled {
    /// By [`Row::place`]: scope, city and county allowed.
    places: Vec<bool>,
    industries: u32,
    severities: u32,
    statuses: u32,
    categories: u32,
    enterprise: Option<FeatureId>,
    overdue: Option<bool>,
    open: Option<bool>,
}

impl Compiled {
    fn matches(&self, r: &Row, now: DateTime<Utc>) -> bool {
        self.places.get(r.place as usize).copied().unwrap_or(false)
            && self.industries & bit(Industry::ALL, r.industry) != 0
            && self.severities & bit(DangerSeverity::ALL, r.severity) != 0
            && self.statuses & bit(DangerStatus::ALL, r.status) != 0
            && self.categories & bit(DangerCategory::ALL, r.category) != 0
            && self.enterprise.is_none_or(|e| e == r.enterprise)
            && self.overdue.is_none_or(|o| r.overdue(now) == o)
            && self.open.is_none_or(|o| r.status.is_open() == o)
    }
}

/// The sort key of the list: overdue first, then major, then the nearest
/// deadline, then id.
pub(super) type Key = (
    std::cmp::Reverse<bool>,
    std::cmp::Reverse<DangerSeverity>,
    DateTime<Utc>,
    FeatureId,
);

impl Index {
    fn place(&mut self, p: &DangerPlace) -> u32 {
        let key = (p.county_id, p.county.clone(), p.city.clone());
        if let Some(i) = self.place_ids.get(&key) {
            return *i;
        }
        let i = u32::try_from(self.places.len()).unwrap_or(u32::MAX);
        self.places.push(key.clone());
        self.place_ids.insert(key, i);
        i
    }

    fn position(&self, id: FeatureId) -> Result<usize, usize> {
        // Ids are mostly given in order, one after another: look at the end
        // first, then where the id would be if none were missing.
        let (Some(first), Some(last)) = (self.rows.first(), self.rows.last()) else {
            return Err(0);
        };
        if last.id < id {
            return Err(self.rows.len());
        }
        let guess = usize::try_from(id.saturating_sub(first.id)).unwrap_or(usize::MAX);
        match self.rows.get(guess) {
            Some(r) if r.id == id => Ok(guess),
            _ => self.rows.binary_search_by_key(&id, |r| r.id),
        }
    }

    /// Puts `d`'s row in (new) or replaces it (changed).
    pub fn upsert(&mut self, d: &Danger) {
        let mut row = Row {
            id: d.id,
            enterprise: d.report.enterprise,
            deadline: d.deadline(),
            place: 0,
            status: d.status,
            severity: d.report.severity,
            category: d.report.category,
            industry: d.place.industry,
        };
        match self.position(d.id) {
            // A danger's place is its enterprise's when it was reported: a
            // changed danger keeps its row's (compared, not looked up).
            Ok(i) => {
                let kept = self.rows[i].place;
                row.place = match self.places.get(kept as usize) {
                    Some((id, county, city))
                        if *id == d.place.county_id && *county == d.place.county && *city == d.place.city =>
                    {
                        kept
                    }
                    _ => self.place(&d.place),
                };
                self.rows[i] = row;
            }
            Err(i) => {
                row.place = self.place(&d.place);
                self.rows.insert(i, row);
            }
        }
    }

    fn compile(&self, f: &DangerFilter) -> Compiled {
        let places = self
            .places
            .iter()
            .map(|(county_id, county, city)| {
                f.scope.as_ref().is_none_or(|s| s.contains(county_id))
                    && (f.cities.is_empty() || f.cities.contains(city))
                    && (f.counties.is_empty()
                        || f.counties
                            .iter()
                            .any(|c| c == county || c.parse::<u32>().is_ok_and(|id| id == *county_id)))
            })
            .collect();
        Compiled {
            places,
            industries: mask(Industry::ALL, &f.industries),
            severities: mask(DangerSeverity::ALL, &f.severities),
            statuses: mask(DangerStatus::ALL, &f.statuses),
            categories: mask(DangerCategory::ALL, &f.categories),
            enterprise: f.enterprise,
            overdue: f.overdue,
            open: f.open,
        }
    }

    /// The keys of the dangers `filter` matches at `now`, the first
    /// `offset + limit` of them in order, and the counts of every match.
    pub fn select(
        &self,
        filter: &DangerFilter,
        now: DateTime<Utc>,
        offset: usize,
        limit: usize,
    ) -> (Vec<Key>, DangerCounts) {
        let compiled = self.compile(filter);
        let mut by_status = [0usize; 6];
        let mut by_severity = [0usize; 2];
        let (mut overdue, mut major_open) = (0, 0);
        let mut keys: Vec<Key> = Vec::new();
        for r in self.rows.iter().filter(|r| compiled.matches(r, now)) {
            let late = r.overdue(now);
            if let Some(n) = DangerStatus::ALL.iter().position(|s| *s == r.status) {
                by_status[n] += 1;
            }
            let major = r.severity == DangerSeverity::Major;
            by_severity[usize::from(major)] += 1;
            overdue += usize::from(late);
            major_open += usize::from(major && r.status.is_open());
            keys.push((std::cmp::Reverse(late), std::cmp::Reverse(r.severity), r.deadline, r.id));
        }
        let counts = DangerCounts {
            total: keys.len(),
            by_status: DangerStatus::ALL
                .iter()
                .zip(by_status)
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| (s.code(), n))
                .collect(),
            by_severity: [DangerSeverity::General, DangerSeverity::Major]
                .iter()
                .zip(by_severity)
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| (s.code(), n))
                .collect(),
            overdue,
            major_open,
        };
        // Only the page needs sorting: select the first `offset + limit`.
        let end = offset.saturating_add(limit).min(keys.len());
        if end == 0 {
            keys.clear();
        } else if end < keys.len() {
            keys.select_nth_unstable(end - 1);
            keys.truncate(end);
        }
        keys.sort_unstable();
        (keys, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::super::LedgerState;
    use super::super::query::DangerFilter;
    use crate::event::{Event, EventRecord};
    use crate::model::{
        DangerCategory, DangerPlace, DangerReport, DangerSeverity, DangerSource, DangerStatus, Industry, LedgerEvent,
        Rectification, RectificationPatch,
    };
    use chrono::{TimeDelta, TimeZone, Utc};
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};

    /// The list as it was before the index: every danger matched, sorted.
    fn naive(ledger: &LedgerState, f: &DangerFilter, now: chrono::DateTime<Utc>) -> Vec<u64> {
        let mut m: Vec<_> = ledger.dangers().filter(|d| f.matches(d, now)).collect();
        m.sort_by_key(|d| {
            (
                std::cmp::Reverse(d.is_overdue(now)),
                std::cmp::Reverse(d.report.severity),
                d.deadline(),
                d.id,
            )
        });
        m.iter().map(|d| d.id).collect()
    }

    #[test]
    fn the_indexed_list_answers_as_a_scan_of_every_danger_for_seeded_random_filters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        let cities = ["太原市", "大同市", "阳泉市"];
        let counties = [(1, "小店区", 0), (2, "城区", 2), (3, "城区", 1), (4, "平城区", 1)];
        let mut ledger = LedgerState::default();
        // Ids out of order and with gaps too: an import may give any.
        let mut ids: Vec<u64> = (1..=3_000).filter(|i| i % 7 != 3).collect();
        ids.swap(10, 2_000);
        for (seq, id) in (1..).zip(ids) {
            let (county_id, county, city) = *counties.choose(&mut rng).unwrap();
            let deadline = now + TimeDelta::hours(rng.random_range(-400..400));
            let event = LedgerEvent::DangerReported {
                danger: id,
                report: DangerReport {
                    enterprise: rng.random_range(1..50),
                    hazard_source: None,
                    category: *DangerCategory::ALL.choose(&mut rng).unwrap(),
                    severity: *DangerSeverity::ALL.choose(&mut rng).unwrap(),
                    description: "隐患".into(),
                    found_by: "检查组".into(),
                    found_at: deadline - TimeDelta::days(30),
                    source: DangerSource::Inspection,
                    rectification: Rectification {
                        measures: "整改".into(),
                        responsible: "负责人".into(),
                        funds_yuan: Some(1.0),
                        deadline,
                        interim_measures: "监护".into(),
                    },
                    assignee: None,
                    external_id: None,
                },
                place: DangerPlace {
                    enterprise_name: "企业".into(),
                    county_id,
                    county: county.into(),
                    city: cities[city].into(),
                    industry: *Industry::ALL.choose(&mut rng).unwrap(),
                    location: [112.5, 37.8],
                },
            };
            let record = |event: LedgerEvent| EventRecord {
                seq,
                at: now,
                actor: "t".into(),
                token: None,
                event: Event::Ledger(event),
            };
            ledger.apply(&record(event.clone()), &event);
            // Some move on, some with a new deadline.
            let mut status = DangerStatus::Reported;
            for _ in 0..rng.random_range(0..6) {
                let Some(to) = super::super::next_statuses(status).choose(&mut rng).copied() else {
                    break;
                };
                let patch = (to == DangerStatus::Rectifying && rng.random_bool(0.3)).then(|| RectificationPatch {
                    deadline: Some(now + TimeDelta::hours(rng.random_range(-100..100))),
                    ..RectificationPatch::default()
                });
                let moved = LedgerEvent::DangerStatusChanged {
                    danger: id,
                    from: status,
                    to,
                    reason: "r".into(),
                    rectification: patch,
                };
                ledger.apply(&record(moved.clone()), &moved);
                status = to;
            }
        }
        let pick = |rng: &mut rand_chacha::ChaCha8Rng, all: &[&str]| -> Option<String> {
            rng.random_bool(0.5).then(|| {
                let k = rng.random_range(1..=2);
                all.choose_multiple(rng, k).copied().collect::<Vec<_>>().join(",")
            })
        };
        for _ in 0..300 {
            let mut f = DangerFilter::parse(
                pick(&mut rng, &cities).as_deref(),
                pick(&mut rng, &["城区", "1", "4", "平城区"]).as_deref(),
                pick(&mut rng, Industry::CODES).as_deref(),
                pick(&mut rng, DangerSeverity::CODES).as_deref(),
                pick(&mut rng, DangerStatus::CODES).as_deref(),
                pick(&mut rng, DangerCategory::CODES).as_deref(),
                rng.random_bool(0.1).then(|| rng.random_range(1..50)),
                [None, Some(true), Some(false)].choose(&mut rng).copied().flatten(),
            )
            .unwrap();
            f.open = [None, Some(true), Some(false)].choose(&mut rng).copied().flatten();
            f.scope = rng.random_bool(0.3).then(|| vec![1, 3]);
            let expected = naive(&ledger, &f, now);
            let (offset, limit) = (rng.random_range(0..40), rng.random_range(1..60));
            let page = ledger.list(&f, now, offset, limit);
            let got: Vec<u64> = page.dangers.iter().map(|d| d.id).collect();
            let want: Vec<u64> = expected.iter().skip(offset).take(limit).copied().collect();
            assert_eq!(got, want, "{f:?} from {offset}, {limit}");
            assert_eq!(page.counts.total, expected.len());
            let mut counts = super::DangerCounts::default();
            for d in ledger.dangers().filter(|d| f.matches(d, now)) {
                counts.add(d, now);
            }
            assert_eq!(page.counts, counts, "{f:?}");
        }
    }
}
