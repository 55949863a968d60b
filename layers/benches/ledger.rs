//! The ledger list with filters over 100 000 hidden dangers (issue 16's
//! scale-10 figure), against a baseline in the same run: a count of the
//! same dangers without filter, sort or page. Prints p50 and p99 of each;
//! no assertion on time. Run: `cargo bench -p lookout-layers --bench ledger`.

use chrono::{TimeDelta, Utc};
use lookout_layers::ledger::LedgerState;
use lookout_layers::ledger::query::DangerFilter;
use lookout_layers::model::{
    DangerCategory, DangerPlace, DangerReport, DangerSeverity, DangerSource, DangerStatus, Industry, LedgerEvent,
    Rectification,
};
use lookout_layers::{Event, EventRecord};
use std::collections::BTreeMap;
use std::time::Instant;

const DANGERS: u64 = 100_000;
const RUNS: usize = 300;
const CITIES: [&str; 11] = [
    "太原市",
    "大同市",
    "阳泉市",
    "长治市",
    "晋城市",
    "朔州市",
    "晋中市",
    "运城市",
    "忻州市",
    "临汾市",
    "吕梁市",
];

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99))
}

fn ledger() -> LedgerState {
    let now = Utc::now();
    let mut ledger = LedgerState::default();
    for id in 1..=DANGERS {
        let county = u32::try_from(id % 117).unwrap_or(0) + 1;
        let deadline = now + TimeDelta::hours(i64::try_from(id % 2000).unwrap_or(0) - 400);
        let event = LedgerEvent::DangerReported {
            danger: id,
            report: DangerReport {
                enterprise: id % 30_000 + 1,
                hazard_source: None,
                category: DangerCategory::ALL[(id % 7) as usize],
                severity: if id % 9 == 0 {
                    DangerSeverity::Major
                } else {
                    DangerSeverity::General
                },
                description: format!("隐患 {id}"),
                found_by: "检查组".into(),
                found_at: deadline - TimeDelta::days(30),
                source: DangerSource::Inspection,
                rectification: Rectification {
                    measures: "整改".into(),
                    responsible: "负责人".into(),
                    funds_yuan: Some(1000.0),
                    deadline,
                    interim_measures: String::new(),
                },
                assignee: None,
                external_id: Some(format!("B-{id}")),
            },
            place: DangerPlace {
                enterprise_name: format!("企业 {}", id % 30_000),
                county_id: county,
                county: format!("县 {county}"),
                city: CITIES[(county % 11) as usize].into(),
                industry: Industry::ALL[(id % 11) as usize],
                location: [112.5, 37.8],
            },
        };
        let record = EventRecord {
            seq: id,
            at: now,
            actor: "bench".into(),
            token: None,
            event: Event::Ledger(event.clone()),
        };
        ledger.apply(&record, &event);
        if id % 3 == 0 {
            let moved = LedgerEvent::DangerStatusChanged {
                danger: id,
                from: DangerStatus::Reported,
                to: DangerStatus::Rectifying,
                reason: String::new(),
                rectification: None,
            };
            ledger.apply(&record, &moved);
        }
    }
    ledger
}

fn time(label: &str, mut run: impl FnMut() -> usize) {
    let mut ms = Vec::with_capacity(RUNS);
    let mut matched = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        matched = std::hint::black_box(run());
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p99) = percentiles(ms);
    println!("{label:<58} matched {matched:>6}  p50 {p50:>7.3} ms  p99 {p99:>7.3} ms");
}

/// The list as it was before the index (the same answer): every danger
/// matched and counted, the page selected and sorted.
fn scan(ledger: &LedgerState, filter: &DangerFilter, now: chrono::DateTime<Utc>, offset: usize, limit: usize) -> usize {
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut overdue, mut major_open) = (0, 0);
    let mut matched: Vec<_> = ledger
        .dangers()
        .filter(|d| filter.matches(d, now))
        .inspect(|d| {
            *by_status.entry(d.status.code()).or_default() += 1;
            *by_severity.entry(d.report.severity.code()).or_default() += 1;
            overdue += usize::from(d.is_overdue(now));
            major_open += usize::from(d.report.severity == DangerSeverity::Major && d.status.is_open());
        })
        .map(|d| {
            (
                (
                    std::cmp::Reverse(d.is_overdue(now)),
                    std::cmp::Reverse(d.report.severity),
                    d.deadline(),
                    d.id,
                ),
                d,
            )
        })
        .collect();
    let total = matched.len();
    let end = offset.saturating_add(limit).min(matched.len());
    if end == 0 {
        matched.clear();
    } else if end < matched.len() {
        matched.select_nth_unstable_by_key(end - 1, |(k, _)| *k);
        matched.truncate(end);
    }
    matched.sort_unstable_by_key(|(k, _)| *k);
    let page: Vec<_> = matched.into_iter().skip(offset).map(|(_, d)| d).collect();
    std::hint::black_box((page, by_status, by_severity, overdue, major_open));
    total
}

/// Before (a scan of the dangers) and now (the index), alternated run by run.
fn compare(label: &str, ledger: &LedgerState, f: &DangerFilter, now: chrono::DateTime<Utc>) {
    let (mut old, mut new) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    let mut matched = (0, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        matched.0 = std::hint::black_box(scan(ledger, f, now, 0, 100));
        old.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        matched.1 = std::hint::black_box(ledger.list(f, now, 0, 100).counts.total);
        new.push(started.elapsed().as_secs_f64() * 1e3);
    }
    assert_eq!(matched.0, matched.1, "the same matches");
    let ((o50, o99), (n50, n99)) = (percentiles(old), percentiles(new));
    println!(
        "{label:<46} matched {:>6}  before p50 {o50:>7.3} p99 {o99:>7.3} ms  now p50 {n50:>6.3} p99 {n99:>6.3} ms  (p99 {:.1}x)",
        matched.0,
        o99 / n99
    );
}

fn main() {
    let started = Instant::now();
    let ledger = ledger();
    println!("{DANGERS} dangers folded in {:.2} s", started.elapsed().as_secs_f64());
    let now = Utc::now();
    time("baseline: count every danger (no filter, sort or page)", || {
        ledger.dangers().filter(|d| d.status.is_open()).count()
    });
    compare(
        "GET /dangers (no filter, first page of 100)",
        &ledger,
        &DangerFilter::default(),
        now,
    );
    let f = DangerFilter::parse(Some("太原市"), None, None, None, None, None, None, Some(true)).expect("filter");
    compare("city=太原市&overdue=true", &ledger, &f, now);
    let f = DangerFilter::parse(
        None,
        None,
        Some("hazardous_chemicals,gas"),
        Some("major"),
        Some("rectifying"),
        None,
        None,
        None,
    )
    .expect("filter");
    compare("industry=…&severity=major&status=rectifying", &ledger, &f, now);
    let scoped = DangerFilter {
        scope: Some((1..=10).collect()),
        ..DangerFilter::default()
    };
    compare("a user scoped to 10 counties", &ledger, &scoped, now);
    let f = DangerFilter::parse(None, Some("县 3,县 40"), None, None, None, None, None, None).expect("filter");
    compare("county=县 3,县 40", &ledger, &f, now);
    if let Some(dir) = std::env::var_os("LEDGER_BENCH_DATA") {
        generated(std::path::Path::new(&dir));
    }
}

/// The generated history of a dataset on disk (`LEDGER_BENCH_DATA=…/seed-1-scale-10`):
/// how long generating it and checking and folding it (what a first start
/// does, without the journal's writes) take, then the list over it.
fn generated(dir: &std::path::Path) {
    use lookout_layers::ops::Operations;
    let started = Instant::now();
    let dataset = lookout_layers::Dataset::load(dir).expect("dataset");
    println!(
        "\n{}: loaded in {:.2} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    let now = Utc::now();
    let started = Instant::now();
    let records = lookout_layers::generate::history::history(&dataset, 1, now);
    println!(
        "history generated: {} events in {:.2} s",
        records.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let tmp = std::env::temp_dir().join(format!("ledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    lookout_layers::generate::history::write(&tmp, &records).expect("write");
    let bytes = std::fs::metadata(lookout_layers::generate::history::path(&tmp)).map_or(0, |m| m.len());
    println!(
        "history written: {:.1} MB gzipped in {:.2} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let read = lookout_layers::generate::history::read(&tmp)
        .expect("read")
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&tmp);
    println!("history read back in {:.2} s", started.elapsed().as_secs_f64());
    let catalog = lookout_layers::Catalog::new(dataset);
    let started = Instant::now();
    let checked = lookout_layers::store::history::check(&catalog, &Operations::default(), read, 1).expect("checked");
    let mut ops = Operations::default();
    for r in checked {
        ops.apply(std::sync::Arc::new(r));
    }
    println!(
        "history checked and folded in {:.2} s: {} dangers",
        started.elapsed().as_secs_f64(),
        ops.ledger().len()
    );
    let ledger = ops.ledger();
    time("baseline: count every danger (no filter, sort or page)", || {
        ledger.dangers().filter(|d| d.status.is_open()).count()
    });
    compare(
        "GET /dangers (no filter, first page of 100)",
        ledger,
        &DangerFilter::default(),
        now,
    );
    let f = DangerFilter::parse(Some("太原市"), None, None, None, None, None, None, Some(true)).expect("filter");
    compare("city=太原市&overdue=true", ledger, &f, now);
    let f = DangerFilter::parse(
        None,
        None,
        Some("hazardous_chemicals,gas"),
        Some("major"),
        None,
        None,
        None,
        None,
    )
    .expect("filter");
    compare("industry=…&severity=major", ledger, &f, now);
    let f = DangerFilter::parse(None, None, None, None, Some("rectifying,reported"), None, None, None).expect("filter");
    compare("status=rectifying,reported", ledger, &f, now);
}
