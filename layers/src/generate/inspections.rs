//! A year of generated inspection history (issue 16 item 8, for
//! inspections): an expert pool, quarterly inspection plans and the
//! inspections that carried them out, as the same events the API makes,
//! signed by [`ACTOR`]. Some of the major hazard sources are left
//! uninspected in the year, as the seed notice's coverage figure implies.
//! Fictional like the rest of the dataset: names from [`super::names`].
//!
//! The events come with their ids assigned and their places filled in (as
//! the store's check would), in time order; whoever stores them numbers them.

use super::names;
use crate::catalog::Dataset;
use crate::event::{Event, EventRecord};
use crate::feature::FeatureId;
use crate::model::inspection::{
    ChecklistItem, ChecklistResult, CountyPlace, Enforcement, ExpertSpec, ExpertSpecialty, InspectionEvent,
    InspectionKind, InspectionSpec, PlanSpec, PlanTarget,
};
use crate::model::{DangerPlace, Industry};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};

/// Who signs the generated events.
pub const ACTOR: &str = "generator";

/// Share of the major hazard sources' enterprises inspected in the
/// calendar year of `until` (the rest are left for the coverage list).
const INSPECTED_SHARE: f64 = 0.8;

const CHECKLIST: &[&str] = &[
    "安全风险分级管控",
    "隐患排查治理制度",
    "重大危险源监测监控",
    "特种作业人员持证",
    "应急预案及演练",
    "可燃有毒气体报警",
    "安全联锁投用",
    "动火及受限空间作业票证",
];

const SUBSTANCES: &[&str] = &[
    "chlorine",
    "ammonia",
    "hydrogen_sulphide",
    "carbon_monoxide",
    "benzene",
    "methanol",
    "lpg",
    "natural_gas",
    "hydrogen",
    "gasoline",
];

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    date.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default().and_utc()
}

/// Every enterprise's place (as the store's check fills it in), by id.
pub(crate) fn places(dataset: &Dataset) -> HashMap<FeatureId, DangerPlace> {
    dataset
        .enterprises
        .iter()
        .map(|e| {
            let location = match &e.geometry {
                geo::Geometry::Point(p) => [p.x(), p.y()],
                _ => [0.0, 0.0],
            };
            let place = DangerPlace {
                enterprise_name: e.properties.name.to_string(),
                county_id: e.properties.county_id,
                county: e.properties.county.to_string(),
                city: e.properties.city.to_string(),
                industry: e.properties.industry,
                location,
            };
            (e.id, place)
        })
        .collect()
}

/// The expert pool, ~30–60 experts across the counties of the dataset.
fn experts(dataset: &Dataset, rng: &mut ChaCha8Rng, day: NaiveDate) -> Vec<(DateTime<Utc>, Event)> {
    let n = rng.random_range(36..=54);
    let mut out = Vec::with_capacity(n);
    for id in 1..=n as FeatureId {
        let Some(county) = dataset.counties.choose(rng) else {
            break;
        };
        let specialty = *ExpertSpecialty::ALL
            .choose(rng)
            .unwrap_or(&ExpertSpecialty::HazardousChemicals);
        let substances: Vec<String> = match specialty {
            ExpertSpecialty::HazardousChemicals | ExpertSpecialty::ProcessSafety | ExpertSpecialty::Explosion => {
                let k = rng.random_range(1..=3);
                SUBSTANCES.choose_multiple(rng, k).map(|s| (*s).to_owned()).collect()
            }
            ExpertSpecialty::Gas => vec!["natural_gas".into(), "lpg".into()],
            _ => Vec::new(),
        };
        let mut industries = match specialty {
            ExpertSpecialty::Mining | ExpertSpecialty::Geology => vec![Industry::CoalMine, Industry::NonCoalMine],
            ExpertSpecialty::Gas => vec![Industry::Gas, Industry::FuelStation],
            ExpertSpecialty::Explosion => vec![Industry::DustExplosion, Industry::Fireworks],
            ExpertSpecialty::Equipment | ExpertSpecialty::Electrical => vec![Industry::Metallurgy],
            _ => vec![Industry::HazardousChemicals],
        };
        industries.sort_unstable();
        let organisation = [
            "省安全生产专家组",
            "市应急管理局专家库",
            "省化工设计院",
            "太原理工大学",
            "省安全科学研究院",
        ]
        .choose(rng)
        .copied()
        .unwrap_or_default()
        .to_owned();
        out.push((
            at(day, 9),
            Event::Inspection(InspectionEvent::ExpertAdded {
                expert: id,
                spec: ExpertSpec {
                    name: names::person(rng),
                    specialty,
                    substances,
                    industries,
                    county_id: u32::try_from(county.id).unwrap_or_default(),
                    phone: names::phone(rng),
                    organisation,
                },
                place: CountyPlace {
                    county: county.properties.county.clone(),
                    city: county.properties.city.clone(),
                },
            }),
        ));
    }
    out
}

/// A plausible year of inspection history up to `until`: the expert pool
/// (36–54 experts), four quarterly plans over the major hazard sources, and
/// the inspections that carried them out (routine, enforcement with orders,
/// cases and penalties, unannounced, expert consultations), leaving about a
/// fifth of the major hazard sources uninspected in `until`'s calendar year;
/// the last quarter's plan is overdue when its due date has passed. The same
/// `seed` always gives the same events, each signed [`ACTOR`], numbered
/// from 1 in time order.
pub fn inspection_history(dataset: &Dataset, seed: u64, until: NaiveDate) -> Vec<EventRecord> {
    numbered(inspection_events(dataset, &places(dataset), seed, until))
}

/// Timed events as records numbered from 1 in the given order, signed [`ACTOR`].
pub(crate) fn numbered(timed: Vec<(DateTime<Utc>, Event)>) -> Vec<EventRecord> {
    timed
        .into_iter()
        .enumerate()
        .map(|(i, (at, event))| EventRecord {
            seq: i as u64 + 1,
            at,
            actor: ACTOR.to_owned(),
            token: None,
            event,
        })
        .collect()
}

/// [`inspection_history`]'s events with their times, in time order, over
/// the enterprises' `places`.
pub(crate) fn inspection_events(
    dataset: &Dataset,
    places: &HashMap<FeatureId, DangerPlace>,
    seed: u64,
    until: NaiveDate,
) -> Vec<(DateTime<Utc>, Event)> {
    let place_of = |_: &Dataset, id: FeatureId| places.get(&id).cloned();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1a5b_ec71_0000_0016);
    let start = until - Days::new(365);
    let mut timed = experts(dataset, &mut rng, start);
    let pool: Vec<FeatureId> = (1..=timed.len() as FeatureId).collect();

    // The enterprises holding major hazard sources, with their sources.
    let mut by_enterprise: BTreeMap<FeatureId, Vec<FeatureId>> = BTreeMap::new();
    for h in &dataset.hazard_sources {
        by_enterprise.entry(h.properties.enterprise_id).or_default().push(h.id);
    }
    let mut holders: Vec<FeatureId> = by_enterprise.keys().copied().collect();
    holders.shuffle(&mut rng);
    let this_year = NaiveDate::from_ymd_opt(until.year(), 1, 1).unwrap_or(start);
    let inspected = ((holders.len() as f64) * INSPECTED_SHARE).round() as usize;
    let (visited, _left) = holders.split_at(inspected.min(holders.len()));

    // Quarterly plans over this calendar year: each holder in one quarter.
    let mut plans: Vec<(FeatureId, NaiveDate, NaiveDate, Vec<FeatureId>)> = Vec::new();
    for q in 0..4u32 {
        let Some(p_start) = NaiveDate::from_ymd_opt(until.year(), q * 3 + 1, 1) else {
            continue;
        };
        if p_start > until {
            break;
        }
        let p_due = NaiveDate::from_ymd_opt(until.year(), q * 3 + 3, 28).unwrap_or(p_start);
        let targets: Vec<FeatureId> = holders.iter().copied().skip(q as usize).step_by(4).collect();
        if targets.is_empty() {
            continue;
        }
        let id = plans.len() as FeatureId + 1;
        let plan_targets: Vec<PlanTarget> = targets
            .iter()
            .filter_map(|e| {
                let p = place_of(dataset, *e)?;
                Some(PlanTarget {
                    collection: "enterprises".into(),
                    id: *e,
                    name: p.enterprise_name,
                    enterprise_id: *e,
                    county_id: p.county_id,
                    county: p.county,
                    city: p.city,
                })
            })
            .collect();
        timed.push((
            at(p_start, 8),
            Event::Inspection(InspectionEvent::InspectionPlanned {
                plan: id,
                spec: PlanSpec {
                    title: format!("{}年第{}季度重大危险源执法检查", until.year(), q + 1),
                    enterprises: targets.clone(),
                    hazard_sources: Vec::new(),
                    inspectors: vec![names::person(&mut rng), names::person(&mut rng)],
                    experts: pool.choose_multiple(&mut rng, 2).copied().collect(),
                    kind: InspectionKind::Enforcement,
                    start: p_start,
                    due: p_due,
                    notes: String::new(),
                },
                targets: plan_targets,
            }),
        ));
        plans.push((id, p_start, p_due, targets));
    }

    // Inspections: the visited holders once this year (within their plan's
    // quarter when it has begun), some of every enterprise with a source
    // last year too, and routine checks of other enterprises.
    let mut records: Vec<(NaiveDate, FeatureId, Option<FeatureId>)> = Vec::new();
    for e in visited {
        let plan = plans.iter().find(|p| p.3.contains(e));
        let (from, to) = plan.map_or((this_year, until), |p| (p.1, p.2.min(until)));
        let span = (to - from).num_days().max(0) as u64;
        let day = from + Days::new(rng.random_range(0..=span));
        records.push((day, *e, plan.map(|p| p.0)));
    }
    for e in &holders {
        if rng.random_bool(0.5) && start < this_year {
            let span = (this_year - start).num_days().max(1) as u64;
            records.push((start + Days::new(rng.random_range(0..span)), *e, None));
        }
    }
    let others: Vec<FeatureId> = dataset
        .enterprises
        .iter()
        .filter(|e| !by_enterprise.contains_key(&e.id))
        .map(|e| e.id)
        .collect();
    for e in others.choose_multiple(&mut rng, others.len() / 10) {
        let day = start + Days::new(rng.random_range(0..=365));
        records.push((day, *e, None));
    }
    records.sort_by_key(|r| (r.0, r.1));
    for (n, (day, enterprise, plan)) in records.into_iter().enumerate() {
        let Some(place) = place_of(dataset, enterprise) else {
            continue;
        };
        let kind = if plan.is_some() {
            InspectionKind::Enforcement
        } else {
            *[
                InspectionKind::Routine,
                InspectionKind::Routine,
                InspectionKind::Unannounced,
                InspectionKind::ExpertConsultation,
                InspectionKind::Enforcement,
            ]
            .choose(&mut rng)
            .unwrap_or(&InspectionKind::Routine)
        };
        let n_experts = match kind {
            InspectionKind::ExpertConsultation => 2,
            InspectionKind::Enforcement => usize::from(rng.random_bool(0.6)),
            _ => 0,
        };
        let checklist: Vec<ChecklistItem> = CHECKLIST
            .choose_multiple(&mut rng, 5)
            .map(|item| ChecklistItem {
                item: (*item).to_owned(),
                ok: rng.random_bool(0.85),
                note: String::new(),
            })
            .collect();
        let failed = checklist.iter().filter(|c| !c.ok).count();
        let result = match failed {
            0 => ChecklistResult::Passed,
            1 | 2 => ChecklistResult::Problems,
            _ => ChecklistResult::Serious,
        };
        let enforcement = (matches!(kind, InspectionKind::Enforcement | InspectionKind::Unannounced) && failed > 0)
            .then(|| {
                let case_filed = result == ChecklistResult::Serious || rng.random_bool(0.2);
                Enforcement {
                    order_to_rectify: true,
                    order_number: Some(format!("晋应急责改〔{}〕{}号", day.year(), n + 1)),
                    case_filed,
                    case_number: case_filed.then(|| format!("晋应急立〔{}〕{}号", day.year(), n + 1)),
                    penalty_yuan: case_filed.then(|| f64::from(rng.random_range(1..=30u32)) * 10_000.0),
                }
            });
        timed.push((
            at(day, 16) + TimeDelta::minutes(n as i64 % 60),
            Event::Inspection(InspectionEvent::InspectionRecorded {
                inspection: n as FeatureId + 1,
                spec: InspectionSpec {
                    enterprise,
                    hazard_sources: by_enterprise.get(&enterprise).cloned().unwrap_or_default(),
                    plan,
                    date: day,
                    kind,
                    inspectors: vec![names::person(&mut rng), names::person(&mut rng)],
                    experts: pool.choose_multiple(&mut rng, n_experts).copied().collect(),
                    result,
                    checklist,
                    dangers: Vec::new(),
                    enforcement,
                    notes: String::new(),
                },
                place,
            }),
        ));
    }
    timed.sort_by_key(|(t, _)| *t);
    timed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::ledger::LedgerState;
    use crate::ledger::inspection::InspectionState;

    fn until() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
    }

    #[test]
    fn the_same_seed_gives_the_same_history_and_another_seed_another() {
        let data = super::super::tests::small_dataset();
        let a = inspection_history(data, 7, until());
        assert_eq!(a, inspection_history(data, 7, until()));
        assert_ne!(a, inspection_history(data, 8, until()));
        assert!(a.iter().all(|r| r.actor == ACTOR));
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at && w[0].seq + 1 == w[1].seq));
    }

    #[test]
    fn the_history_passes_the_stores_checks_and_leaves_some_of_the_80_uninspected() {
        let data = super::super::tests::small_dataset();
        let history = inspection_history(data, 1, until());
        let catalog = Catalog::new(data.clone());
        let ledger = LedgerState::default();
        let mut state = InspectionState::default();
        let mut experts = 0;
        for record in &history {
            let Event::Inspection(e) = &record.event else {
                panic!("not an inspection event: {:?}", record.event)
            };
            // What the API would store: the same ids and places.
            let checked = state.check(&catalog, &ledger, e.clone()).expect("a valid event");
            assert_eq!(&checked, e);
            state.apply(record, e);
            experts += usize::from(matches!(e, InspectionEvent::ExpertAdded { .. }));
        }
        assert!((30..=60).contains(&experts), "{experts} experts");
        let coverage = state.coverage(&catalog, 2026, None);
        assert_eq!(coverage.total.total, data.hazard_sources.len());
        assert!(
            coverage.total.inspected > coverage.total.total / 2,
            "{:?}",
            coverage.total
        );
        assert!(
            !coverage.uninspected.is_empty(),
            "some of the major hazard sources are left uninspected"
        );
        assert!(
            state
                .inspections()
                .any(|i| i.spec.enforcement.as_ref().is_some_and(|e| e.case_filed))
        );
        assert!(
            state
                .inspections()
                .any(|i| i.spec.kind == InspectionKind::ExpertConsultation)
        );
        assert!(state.plans().count() >= 3);
        assert!(state.inspections().all(|i| i.spec.date <= until()));
    }
}
