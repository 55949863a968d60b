use super::*;
use crate::feature::Feature;
use crate::filter::Filter;
use crate::model::RoadClass;
use geo::Polygon;
use rand::{Rng, SeedableRng};

/// One kilometre of latitude, and of longitude at 37° N, in degrees.
const KM: f64 = 1.0 / 111.32;
fn km_x() -> f64 {
    KM / 37.0f64.to_radians().cos()
}
fn at(x_km: f64, y_km: f64) -> Coord<f64> {
    Coord {
        x: 112.0 + x_km * km_x(),
        y: 37.0 + y_km * KM,
    }
}

fn road(id: u64, from: (u64, f64, f64), to: (u64, f64, f64)) -> Feature<Road> {
    let line = LineString::from(vec![at(from.1, from.2), at(to.1, to.2)]);
    Feature {
        id,
        properties: Road {
            name: format!("r{id}"),
            road_class: RoadClass::County,
            speed_kmh: RoadClass::County.speed_kmh(),
            length_m: geo::Haversine.length(&line),
            from_node: from.0,
            to_node: to.0,
            open: true,
            oneway: false,
        },
        geometry: Geometry::LineString(line),
    }
}

fn circle_zone(incident: FeatureId, tier: &str, centre: Coord<f64>, radius_m: f64) -> HazardZone {
    HazardZone::new(
        incident,
        tier,
        ("区", "zone"),
        false,
        MultiPolygon(vec![crate::impact::circle(centre, radius_m)]),
    )
}

use geo::Length;

/// Ranks every point given (as teams) to `origin`, snapping on the spot.
fn rank(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    avoid: &Avoidance<'_>,
    teams: &[(FeatureId, Coord<f64>)],
    origin: Coord<f64>,
    k: usize,
) -> (Ranking, Vec<Avoided>) {
    let mut by_air: Vec<(FeatureId, f64)> = teams.iter().map(|(id, p)| (*id, distance_m(*p, origin))).collect();
    by_air.sort_by(|a, b| a.1.total_cmp(&b.1));
    let points: HashMap<FeatureId, Coord<f64>> = teams.iter().copied().collect();
    let snap_of = |id: FeatureId| graph.snap(roads, points[&id], MAX_SNAP_M);
    rank_avoiding(graph, roads, avoid, &snap_of, by_air, origin, k).expect("the origin is on the network")
}

/// A road 1 → 2 of 4 km east, and a detour 1 → 3 → 4 → 2 of 8 km north of it.
fn ladder(with_detour: bool) -> Layer<Road> {
    let mut roads = vec![road(1, (1, 0.0, 0.0), (2, 4.0, 0.0))];
    if with_detour {
        roads.extend([
            road(2, (1, 0.0, 0.0), (3, 0.0, 2.0)),
            road(3, (3, 0.0, 2.0), (4, 4.0, 2.0)),
            road(4, (4, 4.0, 2.0), (2, 4.0, 0.0)),
        ]);
    }
    Layer::new(roads)
}

#[test]
fn a_team_goes_around_another_incidents_isolation_zone() {
    let roads = ladder(true);
    let graph = RoadGraph::build(&roads);
    // Incident 7 at the west end; incident 8's isolation circle sits on the straight road.
    let zones = Zones::build(&graph, &roads, vec![circle_zone(8, "isolation", at(2.0, 0.0), 500.0)]);
    assert_eq!(zones.edge_count(), 2, "the straight road, both ways");
    let origin = at(0.05, 0.0);
    let avoid = zones.towards(origin, Some(7));
    let (ranking, avoided) = rank(&graph, &roads, &avoid, &[(1, at(3.95, 0.0))], origin, 1);
    let (r, a) = (&ranking.ranked[0], &avoided[0]);
    assert!((r.route.length_m - 8_100.0).abs() < 100.0, "round by the north: {r:?}");
    assert!(a.crosses.is_empty(), "{a:?}");
    let unrestricted = a.unrestricted_s.unwrap();
    assert!(r.route.time_s > unrestricted + 60.0, "{r:?} {a:?}");
    assert!(a.changed(&r.route));
    assert!((a.delay_s(&r.route).unwrap() - (r.route.time_s - unrestricted)).abs() < 1e-9);
    // Its own incident's zone does not send it round: the destination may be entered.
    let own = zones.towards(origin, Some(8));
    let (ranking, avoided) = rank(&graph, &roads, &own, &[(1, at(3.95, 0.0))], origin, 1);
    assert!((ranking.ranked[0].route.length_m - 3_900.0).abs() < 100.0);
    assert!(!avoided[0].changed(&ranking.ranked[0].route));
    // Nor does a zone the destination lies in.
    let inside = zones.towards(at(2.0, 0.0), None);
    assert_eq!(inside.own().collect::<Vec<_>>(), [8]);
}

#[test]
fn a_team_whose_only_road_crosses_a_zone_is_routed_and_flagged() {
    let roads = ladder(false);
    let graph = RoadGraph::build(&roads);
    let zones = Zones::build(
        &graph,
        &roads,
        vec![circle_zone(8, "protective_action", at(2.0, 0.0), 500.0)],
    );
    let origin = at(0.05, 0.0);
    let avoid = zones.towards(origin, Some(7));
    let (ranking, avoided) = rank(&graph, &roads, &avoid, &[(1, at(3.95, 0.0))], origin, 1);
    let (r, a) = (&ranking.ranked[0], &avoided[0]);
    assert!((r.route.length_m - 3_900.0).abs() < 100.0, "{r:?}");
    assert_eq!(a.crosses, [0], "it crosses incident 8's zone");
    assert_eq!(zones.zones()[a.crosses[0]].incident, 8);
    assert!(a.changed(&r.route), "flagged");
    assert!((r.route.time_s - a.unrestricted_s.unwrap()).abs() < 1e-9, "no slower");

    // A team on the same road inside the zone: the straight way is flagged too.
    let (ranking, avoided) = rank(&graph, &roads, &avoid, &[(2, at(2.0, 0.0))], origin, 1);
    assert_eq!(ranking.ranked[0].route.path.len(), 2, "straight along the road");
    assert_eq!(avoided[0].crosses, [0]);
    // A team that avoids every zone ranks before one that must cross, though farther.
    let roads = ladder(true);
    let graph = RoadGraph::build(&roads);
    let zones = Zones::build(&graph, &roads, vec![circle_zone(8, "isolation", at(2.0, 0.2), 700.0)]);
    let avoid = zones.towards(origin, Some(7));
    let (ranking, avoided) = rank(
        &graph,
        &roads,
        &avoid,
        &[(1, at(2.0, 0.0)), (2, at(3.0, 2.0))],
        origin,
        2,
    );
    let ids: Vec<FeatureId> = ranking.ranked.iter().map(|r| r.id).collect();
    assert_eq!(ids, [2, 1], "{ranking:?} {avoided:?}");
    assert!(avoided[0].crosses.is_empty());
    assert_eq!(avoided[1].crosses, [0]);
}

#[test]
fn the_approach_to_the_own_incident_comes_from_upwind() {
    // Incident at the origin, the team 4 km east. South: 1 + 4 + 1 km; north: 1.5 + 4 + 1.5 km.
    let roads = Layer::new(vec![
        road(1, (1, 0.0, 0.0), (5, 0.0, -1.0)),
        road(2, (5, 0.0, -1.0), (6, 4.0, -1.0)),
        road(3, (6, 4.0, -1.0), (2, 4.0, 0.0)),
        road(4, (1, 0.0, 0.0), (3, 0.0, 1.5)),
        road(5, (3, 0.0, 1.5), (4, 4.0, 1.5)),
        road(6, (4, 4.0, 1.5), (2, 4.0, 0.0)),
    ]);
    let graph = RoadGraph::build(&roads);
    // Wind from the north: the protective-action square lies south, its near edge through the spill.
    let square = Polygon::new(
        LineString::from(vec![
            at(-2.0, 0.0),
            at(-2.0, -4.0),
            at(2.0, -4.0),
            at(2.0, 0.0),
            at(-2.0, 0.0),
        ]),
        vec![],
    );
    let own = HazardZone::new(
        7,
        "protective_action",
        ("防护", "protect"),
        true,
        MultiPolygon(vec![square]),
    );
    let zones = Zones::build(
        &graph,
        &roads,
        vec![own, circle_zone(7, "isolation", at(0.0, 0.0), 100.0)],
    );
    let origin = at(0.0, 0.0);
    let team = [(1, at(4.0, 0.0))];
    let (ranking, avoided) = rank(&graph, &roads, &zones.towards(origin, Some(7)), &team, origin, 1);
    let (r, a) = (&ranking.ranked[0], &avoided[0]);
    assert!((r.route.length_m - 7_000.0).abs() < 100.0, "from the north: {r:?}");
    assert_eq!(a.downwind_s, 0.0);
    assert!(a.crosses.is_empty(), "its own zones are not crossings");
    assert!(a.changed(&r.route), "a minute slower than the south road");
    // Without the wind's zone, the south road.
    let calm = Zones::build(&graph, &roads, vec![circle_zone(7, "isolation", at(0.0, 0.0), 100.0)]);
    let (ranking, _) = rank(&graph, &roads, &calm.towards(origin, Some(7)), &team, origin, 1);
    assert!((ranking.ranked[0].route.length_m - 6_000.0).abs() < 100.0);
}

/// The (cost, time) of routing `s` to `target` alone, forwards (plain
/// Dijkstra over the same costs, ties by time): the reference the one
/// search must equal.
fn cost_alone(
    graph: &RoadGraph,
    roads: &Layer<Road>,
    avoid: &Avoidance<'_>,
    s: &Snap,
    target: &Snap,
) -> Option<(usize, usize)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut adjacency: HashMap<usize, Vec<(usize, Cost)>> = HashMap::new();
    for (&(a, b), e) in &graph.edges {
        adjacency
            .entry(a)
            .or_default()
            .push((b, (avoid.edge_cost(a, b, e.time_ms), e.time_ms)));
    }
    let access = ms(s.access_m, ACCESS_SPEED_KMH);
    let mut best: HashMap<usize, Cost> = HashMap::new();
    let mut heap = BinaryHeap::new();
    for (n, t) in s.exits() {
        let c = (avoid.leg(roads, s, n, t).0 + access, t + access);
        if best.get(&n).is_none_or(|b| c < *b) {
            best.insert(n, c);
            heap.push(Reverse((c, n)));
        }
    }
    while let Some(Reverse((c, n))) = heap.pop() {
        if best.get(&n).is_some_and(|b| c > *b) {
            continue;
        }
        for &(m, w) in adjacency.get(&n).into_iter().flatten() {
            let via = (c.0 + w.0, c.1 + w.1);
            if best.get(&m).is_none_or(|b| via < *b) {
                best.insert(m, via);
                heap.push(Reverse((via, m)));
            }
        }
    }
    let target_access = ms(target.access_m, ACCESS_SPEED_KMH);
    let via_graph = target
        .entries()
        .into_iter()
        .filter_map(|(n, t)| {
            best.get(&n).map(|b| {
                (
                    b.0 + avoid.leg(roads, target, n, t).0 + target_access,
                    b.1 + t + target_access,
                )
            })
        })
        .min();
    let direct = avoid.direct_cost(graph, roads, s, target);
    [via_graph, direct].into_iter().flatten().min()
}

#[test]
fn ranking_with_zones_agrees_with_routing_every_candidate() {
    let data = crate::generate::tests::small_dataset();
    let roads = Layer::new(data.roads.clone());
    let teams = Layer::new(data.rescue_teams.clone());
    let graph = RoadGraph::build(&roads);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let mut checked = 0;
    let mut detoured = 0;
    for round in 0..12 {
        let origin = Coord {
            x: rng.random_range(111.5..113.5),
            y: rng.random_range(35.5..39.5),
        };
        // Three incidents' zones round the origin (one of them the destination's own,
        // with a downwind square), 2-15 km away.
        let mut zones = Vec::new();
        for incident in 1..=3u64 {
            let c = Coord {
                x: origin.x + rng.random_range(-0.15..0.15),
                y: origin.y + rng.random_range(-0.15..0.15),
            };
            zones.push(circle_zone(incident, "isolation", c, rng.random_range(500.0..4_000.0)));
        }
        let (dx, dy) = (rng.random_range(0.02..0.06), rng.random_range(0.02..0.06));
        let square = Polygon::new(
            LineString::from(vec![
                origin,
                Coord {
                    x: origin.x + dx,
                    y: origin.y,
                },
                Coord {
                    x: origin.x + dx,
                    y: origin.y - dy,
                },
                Coord {
                    x: origin.x,
                    y: origin.y - dy,
                },
                origin,
            ]),
            vec![],
        );
        zones.push(HazardZone::new(
            9,
            "protective_action",
            ("防护", "protect"),
            true,
            MultiPolygon(vec![square]),
        ));
        let zones = Zones::build(&graph, &roads, zones);
        let avoid = zones.towards(origin, Some(9));
        let Some(target) = graph.snap(&roads, origin, MAX_SNAP_M) else {
            continue;
        };
        let hazmat = Filter::parse(
            <crate::model::RescueTeam as crate::record::Record>::FIELDS,
            [("kind", if round % 2 == 0 { "hazmat" } else { "fire" })],
        )
        .unwrap();
        let by_air = super::super::by_air(&teams, origin, &hazmat);
        let snap_of = |id: FeatureId| {
            crate::collection::Collection::point(&teams, id).and_then(|p| graph.snap(&roads, p, MAX_SNAP_M))
        };
        let (ranking, avoided) = rank_avoiding(&graph, &roads, &avoid, &snap_of, by_air, origin, 5).unwrap();
        // Ranked as routing each alone: those crossing a zone last, then by time, then id.
        let mut all: Vec<(bool, usize, FeatureId, usize)> = teams
            .features()
            .iter()
            .filter(|t| hazmat.matches(&t.properties))
            .filter_map(|t| {
                let s = snap_of(t.id)?;
                cost_alone(&graph, &roads, &avoid, &s, &target)
                    .map(|(c, time)| (c >= CROSSING_PENALTY_MS, time, t.id, c))
            })
            .collect();
        all.sort_unstable();
        let want: Vec<(FeatureId, usize)> = all.iter().take(5).map(|x| (x.2, x.3)).collect();
        let got: Vec<(FeatureId, usize)> = ranking
            .ranked
            .iter()
            .zip(&avoided)
            .map(|(r, a)| (r.id, a.cost_ms))
            .collect();
        assert_eq!(got, want, "origin {origin:?}");
        let times: Vec<usize> = all.iter().take(5).map(|x| x.1).collect();
        let walked: Vec<usize> = ranking
            .ranked
            .iter()
            .map(|r| (r.route.time_s * 1000.0).round() as usize)
            .collect();
        assert_eq!(
            walked, times,
            "the routes walked take the times ranked, origin {origin:?}"
        );
        for (r, a) in ranking.ranked.iter().zip(&avoided) {
            // The route walked costs what was ranked, and is never faster than the fastest.
            assert!(r.route.time_s + 1e-6 >= a.unrestricted_s.unwrap(), "{r:?} {a:?}");
            assert!(a.cost_ms as f64 >= r.route.time_s * 1000.0 - 1.0, "{r:?} {a:?}");
            detoured += usize::from(a.changed(&r.route));
        }
        checked += 1;
    }
    assert!(checked >= 8, "most origins are on the network ({checked})");
    assert!(detoured > 0, "some routes went round a zone");
}
