//! Coverage: where a kind of rescue team can reach within a time limit, and
//! which enterprises and major hazard sources it leaves outside — the
//! planner's coverage-gap list.
//!
//! Two ways to the same answer: [`coverage`] snaps every team, population
//! cell and feature to the road network on each call (the reference, kept
//! for tests and benchmarks); [`CoverageIndex`] snaps them once, keeps the
//! snaps current one feature at a time, and answers from the travel times
//! to the road junctions ([`CoverageIndex::times`], one search per team
//! filter) with a scan.

mod index;

pub use index::{CoverageIndex, Times};

use crate::catalog::Catalog;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::layer::Layer;
use crate::record::Record;
use crate::routing::{MAX_SNAP_M, RoadGraph};
use crate::scope::Scope;
use geo::{Area, BoundingRect, Coord, Geometry, MultiPolygon, Polygon};
use serde::Serialize;

/// Most items listed per gap list (the count is always complete).
pub const MAX_LISTED: usize = 500;

/// A feature outside the reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Feature id.
    pub id: FeatureId,
    /// Its name.
    pub name: String,
    /// Fastest arrival, seconds; `None` if no road reaches it.
    pub time_s: Option<f64>,
}

/// Features left outside, worst first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gaps {
    /// How many.
    pub count: usize,
    /// The first [`MAX_LISTED`], slowest (or unreachable) first.
    pub items: Vec<Gap>,
}

/// The answer of [`coverage`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Teams the reach starts from.
    pub teams: usize,
    /// The time limit, seconds.
    pub limit_s: f64,
    /// Where the teams arrive in time: population grid cells whose centre they reach, merged.
    #[serde(skip)]
    pub reachable: MultiPolygon<f64>,
    /// Area reached, km² (planar estimate on the grid).
    pub reachable_km2: f64,
    /// Residents in the cells reached.
    pub population_covered: u64,
    /// Residents in all cells.
    pub population_total: u64,
    /// Major hazard sources outside.
    pub hazard_sources: Gaps,
    /// Enterprises outside.
    pub enterprises: Gaps,
}

/// The time limit in whole milliseconds, as both paths compare arrivals with it.
fn limit_ms(limit_s: f64) -> usize {
    (limit_s * 1000.0) as usize
}

/// The centre of a population cell (a square, corners 0 and 2 opposite),
/// where its residents are taken to be; `None` for another geometry.
fn cell_centre(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    let Geometry::Polygon(square) = geometry else {
        return None;
    };
    let ring = &square.exterior().0;
    let (min, max) = (*ring.first()?, *ring.get(2)?);
    Some(Coord {
        x: (min.x + max.x) / 2.0,
        y: (min.y + max.y) / 2.0,
    })
}

/// Gaps in the listed order: unreachable first (by id), then slowest first
/// (ties by id); the count, and the first [`MAX_LISTED`] named by `name`.
fn listed(mut out: Vec<(FeatureId, Option<usize>)>, name: impl Fn(FeatureId) -> String) -> Gaps {
    let order = |a: &(FeatureId, Option<usize>), b: &(FeatureId, Option<usize>)| match (a.1, b.1) {
        (None, None) => a.0.cmp(&b.0),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x).then(a.0.cmp(&b.0)),
    };
    let count = out.len();
    if out.len() > MAX_LISTED {
        out.select_nth_unstable_by(MAX_LISTED, order);
        out.truncate(MAX_LISTED);
    }
    out.sort_unstable_by(order);
    let items = out
        .into_iter()
        .map(|(id, t)| Gap {
            id,
            name: name(id),
            time_s: t.map(|t| t as f64 / 1000.0),
        })
        .collect();
    Gaps { count, items }
}

/// Area of grid squares, km² (planar estimate, rounded to 0.1 km²).
fn squares_km2(reached: &[Polygon<f64>]) -> f64 {
    let km2 = reached
        .iter()
        .map(|p| {
            let c = p.exterior().0[0];
            p.unsigned_area() * 111.32 * 111.32 * c.y.to_radians().cos()
        })
        .sum::<f64>();
    (km2 * 10.0).round() / 10.0
}

/// The reached squares merged into one area. Population cells are squares
/// of one grid: the squares of a row that touch (share an edge exactly) are
/// first joined into one rectangle, so that the polygon union has a fraction
/// of the pieces to merge. Any other polygon is merged as it is.
fn merged(reached: &[Polygon<f64>]) -> MultiPolygon<f64> {
    if reached.is_empty() {
        return MultiPolygon(Vec::new());
    }
    // (min y, max y, min x, max x) of each box.
    let mut boxes = Vec::with_capacity(reached.len());
    let mut pieces = Vec::new();
    for p in reached {
        let ring = &p.exterior().0;
        let is_box = p.interiors().is_empty()
            && ring.len() == 5
            && p.exterior()
                .lines()
                .all(|l| l.start.x == l.end.x || l.start.y == l.end.y);
        match p.bounding_rect() {
            Some(r) if is_box => boxes.push((r.min().y, r.max().y, r.min().x, r.max().x)),
            _ => pieces.push(p.clone()),
        }
    }
    boxes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)));
    let rect = |(y0, y1, x0, x1): (f64, f64, f64, f64)| {
        geo::Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }).to_polygon()
    };
    let mut run: Option<(f64, f64, f64, f64)> = None;
    for b in boxes {
        run = match run {
            Some(r) if r.0 == b.0 && r.1 == b.1 && r.3 == b.2 => Some((r.0, r.1, r.2, b.3)),
            Some(r) => {
                pieces.push(rect(r));
                Some(b)
            }
            None => Some(b),
        };
    }
    pieces.extend(run.map(rect));
    geo::unary_union(&pieces)
}

fn gaps<T: Record>(
    graph: &RoadGraph,
    roads: &Layer<crate::model::Road>,
    times: &[usize],
    layer: &Layer<T>,
    limit_ms: usize,
    scope: Option<&Scope>,
    name: impl Fn(&T) -> &str,
) -> Gaps {
    let out: Vec<(FeatureId, Option<usize>)> = layer
        .features()
        .iter()
        .filter(|f| scope.is_none_or(|s| s.admits_in(layer, f.id)))
        .filter_map(|f| {
            let Geometry::Point(p) = f.geometry else { return None };
            let arrival = graph
                .snap(roads, p.0, MAX_SNAP_M)
                .and_then(|s| graph.arrival(times, &s));
            match arrival {
                Some(t) if t <= limit_ms => None,
                t => Some((f.id, t)),
            }
        })
        .collect();
    listed(out, |id| {
        layer
            .feature(id)
            .map(|f| name(&f.properties).to_owned())
            .unwrap_or_default()
    })
}

/// Where the rescue teams passing `teams` reach within `limit_s` seconds by road, and what they leave out.
///
/// With a `scope`, the answer is about the scope: the population cells whose
/// centre lies in it, and the enterprises and hazard sources it admits. The
/// reach still starts from every team passing `teams`, in scope or not: a
/// team crosses a county line to a call, and leaving it out would draw gaps
/// that are not there.
///
/// This snaps every team, cell and feature on each call (seconds at a
/// million enterprises): the reference [`CoverageIndex::coverage`] answers
/// as, from snaps made once.
pub fn coverage(catalog: &Catalog, graph: &RoadGraph, teams: &Filter, limit_s: f64, scope: Option<&Scope>) -> Coverage {
    let roads = catalog.roads.read();
    let team_layer = catalog.rescue_teams.read();
    let mut count = 0;
    let mut sources = Vec::new();
    for t in team_layer.features().iter().filter(|t| teams.matches(&t.properties)) {
        let Geometry::Point(p) = t.geometry else { continue };
        if let Some(s) = graph.snap(&roads, p.0, MAX_SNAP_M) {
            count += 1;
            sources.extend(graph.departures(&s));
        }
    }
    let times = graph.times_from(sources);
    let limit_ms = limit_ms(limit_s);

    let cells = catalog.population.read();
    let (mut reached, mut covered, mut total) = (Vec::<Polygon<f64>>::new(), 0u64, 0u64);
    for cell in cells.features() {
        let (Geometry::Polygon(square), Some(centre)) = (&cell.geometry, cell_centre(&cell.geometry)) else {
            continue;
        };
        if scope.is_some_and(|s| !s.contains_point(centre)) {
            continue;
        }
        total += u64::from(cell.properties.population);
        let arrival = graph
            .snap(&roads, centre, MAX_SNAP_M)
            .and_then(|s| graph.arrival(&times, &s));
        if arrival.is_some_and(|t| t <= limit_ms) {
            covered += u64::from(cell.properties.population);
            reached.push(square.clone());
        }
    }
    let reachable_km2 = squares_km2(&reached);
    let reachable = merged(&reached);
    let hazard_sources = gaps(
        graph,
        &roads,
        &times,
        &catalog.hazard_sources.read(),
        limit_ms,
        scope,
        |h| h.name.as_str(),
    );
    let enterprises = gaps(
        graph,
        &roads,
        &times,
        &catalog.enterprises.read(),
        limit_ms,
        scope,
        |e| &*e.name,
    );
    Coverage {
        teams: count,
        limit_s,
        reachable,
        reachable_km2,
        population_covered: covered,
        population_total: total,
        hazard_sources,
        enterprises,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::rank_by_time;

    #[test]
    fn gaps_shrink_as_the_limit_grows_and_agree_with_ranking_by_time() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let graph = RoadGraph::build(&catalog.roads.read());
        let hazmat = Filter::parse(crate::model::RescueTeam::FIELDS, [("kind", "hazmat")]).unwrap();
        let short = coverage(&catalog, &graph, &hazmat, 20.0 * 60.0, None);
        let long = coverage(&catalog, &graph, &hazmat, 90.0 * 60.0, None);
        assert!(short.teams > 0 && short.teams == long.teams);
        assert!(long.hazard_sources.count <= short.hazard_sources.count);
        assert!(long.enterprises.count <= short.enterprises.count);
        assert!(
            long.population_covered >= short.population_covered && long.population_covered <= long.population_total
        );
        assert!(!long.reachable.0.is_empty() && long.reachable_km2 >= short.reachable_km2);
        // Every gap's time is what the nearest hazmat team by road takes (or slower, when
        // that team shares the hazard source's road and drives straight along it).
        let roads = catalog.roads.read();
        let teams = catalog.rescue_teams.read();
        let sources = catalog.hazard_sources.read();
        for gap in short.hazard_sources.items.iter().filter(|g| g.time_s.is_some()) {
            let Geometry::Point(p) = sources.feature(gap.id).unwrap().geometry else {
                panic!()
            };
            let best = rank_by_time(
                &graph,
                &roads,
                &*teams,
                crate::routing::by_air(&teams, p.0, &hazmat),
                p.0,
                1,
            )
            .unwrap()
            .ranked[0]
                .route
                .time_s;
            let t = gap.time_s.unwrap();
            assert!(
                t >= best - 0.01 && t > 20.0 * 60.0,
                "hazard source {}: coverage {t}, ranking {best}",
                gap.id
            );
        }
    }

    #[test]
    fn rows_of_squares_merge_into_the_same_area_as_the_squares() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let cells = catalog.population.read();
        // Every third cell of a stretch of the grid, and whole runs of it.
        let squares: Vec<Polygon<f64>> = cells
            .features()
            .iter()
            .take(3_000)
            .enumerate()
            .filter(|(i, _)| i % 7 != 3)
            .filter_map(|(_, c)| match &c.geometry {
                Geometry::Polygon(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let fast = merged(&squares);
        let plain = geo::unary_union(&squares);
        let sum: f64 = squares.iter().map(|s| s.unsigned_area()).sum();
        // (The union snaps to a fine grid: areas agree to a few parts in a billion.)
        assert!(
            (fast.unsigned_area() - sum).abs() < 1e-7 * sum,
            "{} vs {sum}",
            fast.unsigned_area()
        );
        assert!((plain.unsigned_area() - sum).abs() < 1e-7 * sum);
        use geo::BooleanOps;
        assert!(fast.xor(&plain).unsigned_area() < 1e-7 * sum, "the same area");
        assert_eq!(fast.0.len(), plain.0.len(), "the same pieces");
    }
}
