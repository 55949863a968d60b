//! The isolation trace against brute force, on small constructed graphs and
//! on the generated city networks (fixed seeds: the same cases on every machine).

use super::*;
use crate::model::{GasPipe, GasStation, GasValve, PressureClass, StationKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn pipe(network: &str, a: u64, b: u64, class: PressureClass) -> GasPipe {
    GasPipe {
        external_id: None,
        network: network.into(),
        pressure_class: class,
        diameter_mm: 200,
        material: "pe".into(),
        install_year: 2000,
        length_m: 100.0,
        from_node: a,
        to_node: b,
    }
}

fn valve(network: &str, node: u64, operable: bool) -> GasValve {
    GasValve {
        external_id: None,
        network: network.into(),
        node,
        pressure_class: PressureClass::Medium,
        diameter_mm: 200,
        operable,
        install_year: 2000,
    }
}

fn station(network: &str, node: u64, kind: StationKind, outlet: PressureClass) -> GasStation {
    GasStation {
        external_id: None,
        name: format!("s{node}"),
        network: network.into(),
        kind,
        node,
        outlet_pressure_class: outlet,
        capacity_m3_h: 1000,
    }
}

/// Reachability from the supply points by repeated sweeps until nothing
/// changes: independent of the trace's breadth-first search.
fn brute_supplied(g: &GasGraph, closed: &[bool]) -> Vec<bool> {
    let mut on = vec![false; g.pipes().len()];
    for s in g.stations() {
        if closed[s.node] || !g.is_source(s.node) {
            continue;
        }
        for &p in g.pipes_at(s.node) {
            let into_outlet = s.kind == StationKind::Gate || g.pipes()[p].class == s.outlet;
            on[p] |= into_outlet;
        }
    }
    loop {
        let mut changed = false;
        for q in 0..g.pipes().len() {
            if on[q] {
                continue;
            }
            let fed = g.pipes()[q]
                .ends
                .iter()
                .any(|&n| !closed[n] && g.pipes_at(n).iter().any(|&p| p != q && on[p] && g.passes(n, p, q)));
            if fed {
                on[q] = true;
                changed = true;
            }
        }
        if !changed {
            return on;
        }
    }
}

/// The pipes reached from `start` without crossing a node with a valve that will close.
fn brute_section(g: &GasGraph, start: usize, failed: &HashSet<usize>) -> Vec<usize> {
    let stops = |n: usize| {
        g.valves_at(n)
            .any(|v| v.operable && !failed.contains(&g.valve_of(v.id).unwrap_or(usize::MAX)))
    };
    let mut on = vec![false; g.pipes().len()];
    on[start] = true;
    loop {
        let mut changed = false;
        for q in 0..g.pipes().len() {
            if on[q] {
                continue;
            }
            let joined = (0..g.pipes().len()).any(|p| {
                on[p]
                    && g.pipes()[p]
                        .ends
                        .iter()
                        .any(|&n| g.pipes()[q].ends.contains(&n) && !stops(n))
            });
            if joined {
                on[q] = true;
                changed = true;
            }
        }
        if !changed {
            return (0..on.len()).filter(|&p| on[p]).collect();
        }
    }
}

/// Checks every property of one trace; `Err` names the one that failed.
fn check(g: &GasGraph, leak: usize, failed: &HashSet<usize>) -> Result<(), String> {
    let t = trace::trace(g, LeakAt::Pipe(leak), failed);
    let n = g.node_count();
    if t.section != brute_section(g, leak, failed) {
        return Err("section differs from the brute-force walk".into());
    }
    let mut closed = vec![false; n];
    for &(node, _) in &t.required {
        closed[node] = true;
    }
    let after = brute_supplied(g, &closed);
    if after != t.supplied_after {
        return Err("supply after closing differs from brute force".into());
    }
    if brute_supplied(g, &vec![false; n]) != t.supplied_before {
        return Err("supply before differs from brute force".into());
    }
    if t.sources_inside.is_empty() && t.section.iter().any(|&p| after[p]) {
        return Err("the section still reaches a supply point with the required valves closed".into());
    }
    for &(node, _) in &t.required {
        let mut one_open = closed.clone();
        one_open[node] = false;
        let s = brute_supplied(g, &one_open);
        if !t.section.iter().any(|&p| s[p]) {
            return Err(format!(
                "re-opening the valve at node {node} does not reconnect the section"
            ));
        }
    }
    let section: HashSet<usize> = t.section.iter().copied().collect();
    let outage: Vec<usize> = (0..g.pipes().len())
        .filter(|p| t.supplied_before[*p] && !after[*p] && !section.contains(p))
        .collect();
    if outage != t.outage() {
        return Err("outage differs from the plain connectivity search".into());
    }
    for v in 0..g.valves().len() {
        let mut more = failed.clone();
        more.insert(v);
        let bigger = trace::trace(g, LeakAt::Pipe(leak), &more);
        if !t.section.iter().all(|p| bigger.section.contains(p)) {
            return Err(format!("failing valve {v} shrank the section"));
        }
    }
    Ok(())
}

const CLASSES: [PressureClass; 3] = [PressureClass::High, PressureClass::Medium, PressureClass::Low];

/// A random small network: nodes 0..n, pipes, valves and stations.
fn small_graph() -> impl Strategy<Value = (GasGraph, usize, Vec<usize>)> {
    (3usize..10)
        .prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec((0..n as u64, 0..n as u64, 0..3usize), 2..16),
                prop::collection::vec((0..n as u64, any::<bool>()), 0..8),
                prop::collection::vec((0..n as u64, any::<bool>(), 0..3usize), 0..4),
                any::<prop::sample::Index>(),
                prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            )
        })
        .prop_map(|(_, pipes, valves, stations, leak, failed)| {
            let mut b = GraphBuilder::default();
            for (i, (a, z, c)) in pipes.iter().enumerate() {
                b.pipe(i as u64 + 1, &pipe("t", *a, *z, CLASSES[*c]));
            }
            for (i, (node, operable)) in valves.iter().enumerate() {
                b.valve(i as u64 + 1, &valve("t", *node, *operable));
            }
            for (i, (node, gate, c)) in stations.iter().enumerate() {
                let kind = if *gate {
                    StationKind::Gate
                } else {
                    StationKind::Regulator
                };
                b.station(i as u64 + 1, &station("t", *node, kind, CLASSES[*c]));
            }
            let g = b.build();
            let leak = leak.index(g.pipes().len());
            let failed = if g.valves().is_empty() {
                Vec::new()
            } else {
                failed.iter().map(|i| i.index(g.valves().len())).collect()
            };
            (g, leak, failed)
        })
}

fn runner(name: &str, cases: u32) -> TestRunner {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    )
}

#[test]
fn trace_on_small_constructed_graphs_equals_brute_force() {
    runner("gas_small_graphs", 2_000)
        .run(&small_graph(), |(g, leak, failed)| {
            let failed: HashSet<usize> = failed.into_iter().collect();
            check(&g, leak, &failed).map_err(TestCaseError::fail)
        })
        .unwrap();
}

#[test]
fn trace_on_the_generated_networks_equals_brute_force() {
    let data = crate::generate::tests::small_dataset();
    let catalog = Catalog::new(data.clone());
    let g = GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    );
    assert!(g.networks().len() >= 5, "{:?}", g.networks());
    // Every generated pipe reaches a supply point with nothing closed.
    assert!(g.supplied(&vec![false; g.node_count()]).iter().all(|s| *s));
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
    for _ in 0..15 {
        let leak = rand::Rng::random_range(&mut rng, 0..g.pipes().len());
        let t = trace::trace(&g, LeakAt::Pipe(leak), &HashSet::new());
        assert!(t.isolated(), "pipe {}", g.pipes()[leak].id);
        // The brute-force check is quadratic: on the generated network, the
        // section and supply checks only, with one failed valve.
        let mut closed = vec![false; g.node_count()];
        for &(n, _) in &t.required {
            closed[n] = true;
        }
        assert_eq!(brute_supplied(&g, &closed), t.supplied_after);
        for &(n, _) in &t.required {
            let mut one = closed.clone();
            one[n] = false;
            let s = g.supplied(&one);
            assert!(t.section.iter().any(|&p| s[p]), "re-opening node {n} reconnects");
        }
        if let Some(&(_, v)) = t.required.first() {
            let failed: HashSet<usize> = [v].into();
            let bigger = trace::trace(&g, LeakAt::Pipe(leak), &failed);
            assert!(t.section.iter().all(|p| bigger.section.contains(p)));
            assert!(bigger.section.len() > t.section.len());
        }
    }
}

#[test]
fn a_leak_on_the_medium_grid_is_bounded_by_valves_and_counts_who_loses_gas() {
    let data = crate::generate::tests::small_dataset();
    let catalog = Catalog::new(data.clone());
    let g = GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    );
    let pipes = catalog.gas_pipes.read();
    let medium = pipes
        .features()
        .iter()
        .find(|p| p.properties.network == "太原市" && p.properties.pressure_class == PressureClass::Medium)
        .map(|p| p.id)
        .unwrap();
    drop(pipes);
    let answer = isolate(&catalog, &g, None, &LeakInput::Pipe(medium), &[]).unwrap();
    assert_eq!(answer.network, "太原市");
    assert!(answer.isolated);
    assert!(!answer.valves_to_close.is_empty());
    assert!(answer.section.pipes.contains(&medium));
    assert!(answer.section.length_m > 0.0 && answer.section.volume_m3 > 0.0);
    let orders: Vec<_> = answer.valves_to_close.iter().map(|v| v.order).collect();
    assert_eq!(orders, (1..=orders.len()).map(Some).collect::<Vec<_>>());
    // What-if: failing the first valve never shrinks the section.
    let first = answer.valves_to_close[0].id;
    let worse = isolate(&catalog, &g, None, &LeakInput::Pipe(medium), &[first]).unwrap();
    let w = worse.what_if.unwrap();
    assert!(w.with_failures.section_length_m >= w.baseline.section_length_m);
    assert!(w.section_growth >= 1.0);
    assert!(worse.passed_through.iter().any(|v| v.id == first));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let data = crate::generate::tests::small_dataset();
    let catalog = Catalog::new(data.clone());
    let g = GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    );
    let far = LeakInput::Point(Coord { x: 100.0, y: 20.0 });
    assert!(matches!(
        isolate(&catalog, &g, None, &far, &[]),
        Err(IsolateError::FarFromMain { .. })
    ));
    assert_eq!(
        isolate(&catalog, &g, None, &LeakInput::Pipe(u64::MAX), &[]),
        Err(IsolateError::UnknownPipe(u64::MAX))
    );
    assert_eq!(
        isolate(&catalog, &g, None, &LeakInput::Valve(u64::MAX), &[]),
        Err(IsolateError::UnknownValve(u64::MAX))
    );
    assert_eq!(
        isolate(&catalog, &g, None, &LeakInput::Pipe(1), &[u64::MAX - 1]),
        Err(IsolateError::UnknownFailed(vec![u64::MAX - 1]))
    );
}

#[test]
fn a_component_with_no_supply_point_says_so() {
    let mut b = GraphBuilder::default();
    b.pipe(1, &pipe("x", 1, 2, PressureClass::Medium))
        .valve(1, &valve("x", 2, true))
        .pipe(2, &pipe("x", 2, 3, PressureClass::Medium));
    let g = b.build();
    let t = trace::trace(&g, LeakAt::Pipe(0), &HashSet::new());
    assert!(!t.had_supply);
    let catalog = Catalog::new(crate::Dataset::default());
    assert!(matches!(
        isolate(&catalog, &g, None, &LeakInput::Pipe(1), &[]),
        Err(IsolateError::NoSupply { .. })
    ));
}

#[test]
fn an_inoperable_valve_is_passed_and_the_next_ring_out_is_used() {
    // gate(0) -1- [v0 at 1] -2- [v1 inoperable at 2] -3- [v2 at 3] -4- 4
    let mut b = GraphBuilder::default();
    for (id, a, z) in [(1, 0, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4)] {
        b.pipe(id, &pipe("x", a, z, PressureClass::Medium));
    }
    b.valve(1, &valve("x", 1, true))
        .valve(2, &valve("x", 2, false))
        .valve(3, &valve("x", 3, true))
        .station(1, &station("x", 0, StationKind::Gate, PressureClass::Medium));
    let g = b.build();
    let t = trace::trace(&g, LeakAt::Pipe(1), &HashSet::new());
    assert_eq!(t.section, vec![1, 2]);
    assert_eq!(t.required.iter().map(|r| r.1).collect::<Vec<_>>(), vec![0]);
    // The valve at node 3 bounds a dead end: optional.
    assert_eq!(t.optional.len(), 1);
    assert_eq!(t.optional[0].2, Optional::FarSideHasNoSupply);
    assert_eq!(t.passed, vec![(1, false)]);
    assert_eq!(t.outage(), vec![3]);
    assert!(t.isolated());
}

#[test]
fn the_pressure_sensors_expected_to_drop_are_those_whose_every_pipe_loses_gas() {
    use crate::model::{SensorKind, SensorSite};
    let data = crate::generate::tests::small_dataset();
    let catalog = Catalog::new(data.clone());
    let g = GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    );
    let leaks: Vec<FeatureId> = catalog
        .gas_pipes
        .read()
        .features()
        .iter()
        .filter(|p| p.properties.network == "太原市" && p.properties.pressure_class != PressureClass::Low)
        .map(|p| p.id)
        .take(40)
        .collect();
    let sensors = catalog.sensors.read();
    let mut listed_somewhere = 0;
    for leak in leaks {
        let Ok(answer) = isolate(&catalog, &g, None, &LeakInput::Pipe(leak), &[]) else {
            continue;
        };
        let cut: HashSet<FeatureId> = answer
            .section
            .pipes
            .iter()
            .chain(&answer.outage.pipes.pipes)
            .copied()
            .collect();
        let node_of = |site: SensorSite, id: FeatureId| match site {
            SensorSite::GasValve => g.valve_of(id).map(|v| g.valves()[v].node),
            SensorSite::GasStation => g.stations().iter().find(|s| s.id == id).map(|s| s.node),
            _ => None,
        };
        // brute force: every pressure sensor on the network whose node's pipes are all cut
        let mut expected: Vec<FeatureId> = sensors
            .features()
            .iter()
            .filter(|f| f.properties.kind == SensorKind::PipePressure)
            .filter(|f| {
                node_of(f.properties.site, f.properties.site_id).is_some_and(|n| {
                    let at = g.pipes_at(n);
                    !at.is_empty() && at.iter().all(|&p| cut.contains(&g.pipes()[p].id))
                })
            })
            .map(|f| f.id)
            .collect();
        expected.sort_unstable();
        let got: Vec<FeatureId> = answer.pressure_sensors_expected_to_drop.iter().map(|s| s.id).collect();
        assert_eq!(got, expected, "leak on pipe {leak}");
        listed_somewhere += got.len();
    }
    assert!(listed_somewhere > 0, "some leak cuts off a pressure sensor");
}
